#!/usr/bin/env bash
# goscope peek REGEX prints what `go tool pprof -peek REGEX` prints, byte for byte: the tree
# report restricted to matching nodes, untrimmed; no match is an error with no output;
# --json is valid; usage and input errors exit 64 / 2.
set -u
. "$SRCDIR/tests/cli/common.sh"
. "$SRCDIR/tests/cli/report_fixtures.sh"
build_mkprofile

cpu_spec | mkprofile "$SCRATCH/cpu.pb.gz"

for re in 'main\.hot' 'main' 'rec|small' '^runtime\.' 'hot$' '.'; do
	for args in "" "-lines" "-nodecount=1" "-cum" "-unit=s" "-focus=main.rec" "-mean"; do
		# shellcheck disable=SC2086
		same_as_pprof peek "$re" $args "$SCRATCH/cpu.pb.gz"
	done
done
same_as_pprof peek 'main\.main' -diff_base "$SCRATCH/cpu.pb.gz" "$SCRATCH/cpu.pb.gz"

# No match: nothing on stdout, the reason on stderr, exit 2.
expect_exit 2 "$GOSCOPE" peek 'no\.such\.function' "$SCRATCH/cpu.pb.gz"
[ -s "$SCRATCH/out.$$" ] && fail_test "peek without a match printed a report"
grep -q "no matches found for regexp: no\\\\.such\\\\.function" "$SCRATCH/err.$$" ||
	fail_test "peek without a match: unexpected message: $(cat "$SCRATCH/err.$$")"

json_ok peek 'main\.hot' "$SCRATCH/cpu.pb.gz"
python3 - "$SCRATCH/json" <<'PY' || fail_test "peek --json content"
import json, sys
d = json.load(open(sys.argv[1]))
assert [n["name"] for n in d["nodes"]] == ["main.hot"], d["nodes"]
n = d["nodes"][0]
assert n["callers"][0]["name"] == "main.main" and n["callers"][0]["weight"] == 100000000, n
PY

expect_exit 64 "$GOSCOPE" peek
expect_exit 64 "$GOSCOPE" peek 'main'
expect_exit 64 "$GOSCOPE" peek --no-such-flag 'main' "$SCRATCH/cpu.pb.gz"
expect_exit 2 "$GOSCOPE" peek '(' "$SCRATCH/cpu.pb.gz"
expect_exit 2 "$GOSCOPE" peek 'main' "$SCRATCH/does-not-exist.pb.gz"
expect_exit 0 "$GOSCOPE" peek -h
pass_test
