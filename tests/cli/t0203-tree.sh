#!/usr/bin/env bash
# goscope tree prints what `go tool pprof -tree` prints, byte for byte: header, callers and
# callees of every node with edge weights and shares, inline marks, trimming by nodecount and
# nodefraction, units chosen from the shown nodes; --json is valid with the same numbers;
# usage and input errors exit 64 / 2.
set -u
. "$SRCDIR/tests/cli/common.sh"
. "$SRCDIR/tests/cli/report_fixtures.sh"
build_mkprofile

cpu_spec | mkprofile "$SCRATCH/cpu.pb.gz"

# A wider graph: 60 leaf functions called from two dispatchers, weights from 1ms to 600ms, so
# that nodefraction and nodecount cut and the unit depends on what is shown.
{
	echo "sample_type samples count"
	echo "sample_type cpu nanoseconds"
	echo "duration_nanos 10000000000"
	echo "function id=1 name=main.main file=/src/main.go"
	echo "function id=2 name=main.dispatchA file=/src/main.go"
	echo "function id=3 name=main.dispatchB file=/src/main.go"
	echo "location id=1 lines=1:10"
	echo "location id=2 lines=2:20"
	echo "location id=3 lines=3:30"
	for i in $(seq 1 60); do
		echo "function id=$((i + 10)) name=pkg/leaf.F$i file=/src/leaf/f$i.go"
		echo "location id=$((i + 10)) lines=$((i + 10)):$i"
		d=$(((i % 2) + 2))
		echo "sample locs=$((i + 10)),$d,1 values=$i,$((i * i * 1000000 / 6))"
	done
} | mkprofile "$SCRATCH/wide.pb.gz"

for args in "" "-lines" "-files" "-addresses" "-noinlines" "-unit=ms" "-unit=auto" "-mean" \
	"-divide_by=10" "-sample_index=samples" "-cum" "-nodecount=2" "-nodefraction=0.2" \
	"-trim=false" "-focus=main.hot" "-ignore=main.rec" "-hide=main.main" "-show=main\\.(hot|small)" \
	"-tagfocus=worker=a" "-tagroot=worker" "-relative_percentages -focus=main.hot" \
	"-compact_labels" "-drop_negative"; do
	# shellcheck disable=SC2086
	same_as_pprof tree $args "$SCRATCH/cpu.pb.gz"
done
for args in "" "-nodecount=10" "-nodecount=5 -cum" "-nodefraction=0.05" "-edgefraction=0.1" \
	"-trim=false" "-unit=s" "-files"; do
	# shellcheck disable=SC2086
	same_as_pprof tree $args "$SCRATCH/wide.pb.gz"
done
same_as_pprof tree -diff_base "$SCRATCH/cpu.pb.gz" "$SCRATCH/wide.pb.gz"

json_ok tree "$SCRATCH/cpu.pb.gz"
python3 - "$SCRATCH/json" <<'PY' || fail_test "tree --json content"
import json, sys
d = json.load(open(sys.argv[1]))
names = [n["name"] for n in d["nodes"]]
assert names[0] == "main.small" and "runtime.main" in names, names
hot = next(n for n in d["nodes"] if n["name"] == "main.hot")
assert hot["flat"] == 30000000 and hot["cum"] == 100000000, hot
assert hot["callers"] == [] or hot["callers"][0]["name"] == "main.main", hot["callers"]
callee = hot["callees"][0]
assert callee["name"] == "main.small" and callee["inline"] is True and callee["weight"] == 70000000, callee
assert abs(callee["weight_percent"] - 70.0) < 1e-9, callee
assert d["header"][-1].startswith("Showing nodes accounting for"), d["header"]
PY

expect_exit 64 "$GOSCOPE" tree
expect_exit 64 "$GOSCOPE" tree --no-such-flag "$SCRATCH/cpu.pb.gz"
expect_exit 2 "$GOSCOPE" tree "$SCRATCH/does-not-exist.pb.gz"
printf 'garbage' >"$SCRATCH/garbage"
expect_exit 2 "$GOSCOPE" tree "$SCRATCH/garbage"
expect_exit 2 "$GOSCOPE" tree -sample_index=nosuchtype "$SCRATCH/cpu.pb.gz"
expect_exit 0 "$GOSCOPE" tree -h
pass_test
