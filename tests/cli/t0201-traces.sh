#!/usr/bin/env bash
# goscope traces prints what `go tool pprof -traces` prints, byte for byte, for synthetic
# profiles that exercise labels, numeric labels, inlining, recursion, address-only frames and
# filters; --json is valid and carries the same numbers; usage and input errors exit 64 / 2.
set -u
. "$SRCDIR/tests/cli/common.sh"
. "$SRCDIR/tests/cli/report_fixtures.sh"
build_mkprofile

cpu_spec | mkprofile "$SCRATCH/cpu.pb.gz"

# Frames without symbols: a location with only an address in a named mapping, one without a
# mapping, and a location of a mapping with no file name; a profile with no header metadata.
mkprofile "$SCRATCH/raw.pb.gz" <<'SPEC'
sample_type objects count
mapping id=1 start=0x400000 limit=0x500000 file=/opt/app/bin/server
mapping id=2 start=0x600000 limit=0x700000
function id=1 name=main.main file=./src/../src/main.go
location id=1 mapping=1 addr=0x401234
location id=2 addr=0x9999
location id=3 mapping=2 addr=0x600010
location id=4 mapping=1 addr=0x402000 lines=1:3
sample locs=1,2,3,4 values=7
sample locs=3 values=0
sample locs=4 values=-3 label=k:v
SPEC

for args in "" "-unit=ms" "-unit=s" "-unit=auto" "-divide_by=3" "-sample_index=samples" \
	"-sample_index=0" "-mean" "-lines" "-files" "-filefunctions" "-addresses" "-noinlines" \
	"-focus=main.rec" "-ignore=main.rec" "-hide=main.main" "-show=main" "-show_from=main.hot" \
	"-prune_from=main.hot" "-tagfocus=worker=a" "-tagignore=worker=a" "-tagshow=worker" \
	"-taghide=worker" "-tagfocus=bytes=1kb:" "-tagroot=worker" "-tagleaf=worker,job" \
	"-relative_percentages -focus=main.hot" "-nodecount=1" "-compact_labels"; do
	# shellcheck disable=SC2086
	same_as_pprof traces $args "$SCRATCH/cpu.pb.gz"
done
for args in "" "-addresses" "-lines" "-unit=count"; do
	# shellcheck disable=SC2086
	same_as_pprof traces $args "$SCRATCH/raw.pb.gz"
done

# -diff_base: the base's samples are negated and marked pprof::base=true, which traces shows.
same_as_pprof traces -diff_base "$SCRATCH/raw.pb.gz" "$SCRATCH/raw.pb.gz"

# JSON: valid, one trace per sample with frames, values as pprof computes them.
json_ok traces "$SCRATCH/cpu.pb.gz"
python3 - "$SCRATCH/json" <<'PY' || fail_test "traces --json content"
import json, sys
d = json.load(open(sys.argv[1]))
t = d["traces"]
assert len(t) == 6, len(t)
assert t[0]["value"] == 50000000 and t[0]["text"] == "50ms", t[0]
assert t[0]["frames"][0] == {"name": "main.small", "inline": True}, t[0]["frames"][0]
assert t[0]["labels"] == {"job": ["x y"], "worker": ["a"]}, t[0]["labels"]
assert t[0]["num_labels"]["bytes"][0]["text"] == "2kB", t[0]["num_labels"]
assert t[3]["labels"]["worker"] == ["a", "c"], t[3]
assert [f["name"] for f in t[4]["frames"]][:4] == ["main.rec"] * 4
assert d["header"][1] == "Type: cpu", d["header"]
PY
json_ok traces -mean "$SCRATCH/cpu.pb.gz"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["traces"][0]["value"] == 10000000, d["traces"][0]' "$SCRATCH/json" ||
	fail_test "traces --json -mean does not divide by the count"

# -o writes the same text to a file.
"$GOSCOPE" traces -o "$SCRATCH/out.txt" "$SCRATCH/cpu.pb.gz" || fail_test "traces -o exited $?"
"$GO" tool pprof -traces "$SCRATCH/cpu.pb.gz" >"$SCRATCH/want.txt" 2>/dev/null
cmp -s "$SCRATCH/out.txt" "$SCRATCH/want.txt" || fail_test "traces -o wrote something else"

# Errors.
expect_exit 64 "$GOSCOPE" traces
expect_exit 64 "$GOSCOPE" traces --no-such-flag "$SCRATCH/cpu.pb.gz"
expect_exit 2 "$GOSCOPE" traces "$SCRATCH/does-not-exist.pb.gz"
printf 'not a profile at all\n' >"$SCRATCH/garbage"
expect_exit 2 "$GOSCOPE" traces "$SCRATCH/garbage"
expect_exit 2 "$GOSCOPE" traces -sample_index=9 "$SCRATCH/cpu.pb.gz"
expect_exit 2 "$GOSCOPE" traces -focus='(' "$SCRATCH/cpu.pb.gz"
expect_exit 0 "$GOSCOPE" traces -h

# An unknown -symbolize word is warned about once, though sources and bases are both loaded,
# and ignored.
"$GOSCOPE" traces -symbolize=bogus -base="$SCRATCH/raw.pb.gz" "$SCRATCH/raw.pb.gz" \
	>/dev/null 2>"$SCRATCH/symbolize.err" || fail_test "traces -symbolize=bogus exited $?"
n=$(grep -c 'ignoring unrecognized symbolization option: bogus' "$SCRATCH/symbolize.err")
[ "$n" = 1 ] || fail_test "-symbolize=bogus warned $n times: $(cat "$SCRATCH/symbolize.err")"
pass_test
