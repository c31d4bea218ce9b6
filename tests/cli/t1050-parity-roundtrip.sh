#!/bin/bash
# What goscope writes reads back the same in `go tool pprof`: for every fixture profile,
# `goscope convert --to pprof` and `goscope fetch` (from a local server that serves the fixture
# files under /debug/pprof/) give files whose `go tool pprof -top` and `-traces` are byte-identical
# to the original's.
. "$(dirname "$0")/lib.sh"

profiles=$(fixture_profiles) || exit 1
pp_init
PP_ROOT=$profiles

# pprof_same LABEL ORIGINAL COPY: pprof -top and -traces of both files are identical.
pprof_same() {
	local report
	for report in -top -traces; do
		"$PPROF" "$report" "$2" >"$SCRATCH/orig.out" 2>"$SCRATCH/orig.err" ||
			fatal "pprof $report $2 failed: $(cat "$SCRATCH/orig.err")"
		"$PPROF" "$report" "$3" >"$SCRATCH/copy.out" 2>"$SCRATCH/copy.err" ||
			echo "pprof $report failed on the copy: $(cat "$SCRATCH/copy.err")" >"$SCRATCH/copy.out"
		check_same "$1: go tool pprof $report" "$SCRATCH/orig.out" "$SCRATCH/copy.out"
	done
}

# convert --to pprof
while IFS='#' read -r name file _; do
	copy="$SCRATCH/$name.converted.pb.gz"
	if "$GOSCOPE" convert --to pprof -o "$copy" "$profiles/$file" 2>"$SCRATCH/convert.err"; then
		pprof_same "goscope convert --to pprof $file" "$profiles/$file" "$copy"
	else
		check "goscope convert --to pprof $file: $(head -c 300 "$SCRATCH/convert.err")" false
	fi
done < <(pp_profiles)

# fetch, from a server that answers with the fixture files' bytes
fixture_serve "$profiles"
base=$FIXTURE_URL

for name in cpu cpu2 heap allocs block mutex goroutine; do
	copy="$SCRATCH/$name.fetched.pb.gz"
	if "$GOSCOPE" fetch -o "$copy" "$base/$name" >"$SCRATCH/fetch.out" 2>"$SCRATCH/fetch.err"; then
		pprof_same "goscope fetch $name" "$profiles/$name.pb.gz" "$copy"
	else
		check "goscope fetch $base/$name: $(head -c 300 "$SCRATCH/fetch.err")" false
	fi
done

finish
