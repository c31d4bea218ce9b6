#!/bin/bash
# Benchmarks goscope against `go tool pprof` on one large generated profile, in one run:
# `goscope top` and `go tool pprof -top` (wall time and peak RSS, median of N runs each, and
# their outputs must be identical), then `goscope flame` (wall time and peak RSS).
#
#   bench/top.sh [-n RUNS] [-p PPROF_RUNS] [-samples N] [-seed S]
#
# Builds the release preset of goscope (unless GOSCOPE names a binary) and the generator in
# bench/gen, generates the profile once into bench/out/ (kept while the generator and its
# flags are unchanged) and prints a Markdown table for docs/PERFORMANCE.md.
set -euo pipefail

runs=5
pprof_runs=
samples=1000000
seed=1
while [ $# -gt 0 ]; do
	case $1 in
	-n) runs=$2; shift 2 ;;
	-p) pprof_runs=$2; shift 2 ;;
	-samples) samples=$2; shift 2 ;;
	-seed) seed=$2; shift 2 ;;
	-h|--help) sed -n '2,11p' "$0"; exit 0 ;;
	*) echo "bench/top.sh: unknown argument '$1'" >&2; exit 64 ;;
	esac
done
pprof_runs=${pprof_runs:-$runs}

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out=$here/out
mkdir -p "$out"
export PATH=/usr/local/go/bin:$PATH TZ=UTC LC_ALL=C
export PPROF_TMPDIR=$out/pprof-tmp

[ -x /usr/bin/time ] || { echo "bench/top.sh: needs GNU time (apt-get install time)" >&2; exit 2; }

if [ -z "${GOSCOPE:-}" ]; then
	echo "building goscope (release preset)" >&2
	(cd "$root" && cmake --preset release >/dev/null && cmake --build --preset release >/dev/null)
	GOSCOPE=$root/build/release/goscope
fi

# The input, regenerated only when the generator or its flags change.
gen=$out/gen
(cd "$here/gen" && go build -o "$gen" .)
input=$out/big-$samples-$seed.pb.gz
key="$(sha1sum "$here/gen/main.go" | cut -c1-40) $samples $seed"
if [ ! -f "$input" ] || [ "$(cat "$input.key" 2>/dev/null)" != "$key" ]; then
	echo "generating $input" >&2
	"$gen" -o "$input" -samples "$samples" -seed "$seed"
	echo "$key" >"$input.key"
fi

# measure NAME OUTFILE CMD...: runs CMD with stdout to OUTFILE under GNU time; appends
# "wall_seconds max_rss_kb cpu_seconds" (user + system) to $out/NAME.times.
measure() {
	local name=$1 outfile=$2
	shift 2
	/usr/bin/time -f '%e %M %U %S' -o "$out/$name.one" "$@" >"$outfile" 2>"$out/$name.err" || {
		echo "bench/top.sh: '$*' failed:" >&2
		cat "$out/$name.err" >&2
		exit 2
	}
	awk '{ printf "%s %s %.2f\n", $1, $2, $3 + $4 }' "$out/$name.one" >>"$out/$name.times"
}

# median COLUMN FILE: the median of a column of numbers.
median() {
	sort -g -k"$1","$1" "$2" | awk -v c="$1" '{ v[NR] = $c } END {
		if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

rm -f "$out"/*.times
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for i in $(seq "$runs"); do
	echo "run $i/$runs: goscope top, goscope flame" >&2
	measure goscope-top "$out/top.goscope" "$GOSCOPE" top "$input"
	measure goscope-flame /dev/null "$GOSCOPE" flame -o "$out/big.flame.html" "$input"
done
for i in $(seq "$pprof_runs"); do
	echo "run $i/$pprof_runs: go tool pprof -top" >&2
	measure pprof-top "$out/top.pprof" go tool pprof -top "$input"
done

if cmp -s "$out/top.pprof" "$out/top.goscope"; then
	identical=yes
else
	identical=no
	diff -u --label "go tool pprof -top" --label "goscope top" "$out/top.pprof" "$out/top.goscope" |
		head -40 >&2 || true
fi

gw=$(median 1 "$out/goscope-top.times")
gm=$(median 2 "$out/goscope-top.times")
pw=$(median 1 "$out/pprof-top.times")
pm=$(median 2 "$out/pprof-top.times")
fw=$(median 1 "$out/goscope-flame.times")
fm=$(median 2 "$out/goscope-flame.times")
gc=$(median 3 "$out/goscope-top.times")
pc=$(median 3 "$out/pprof-top.times")
fc=$(median 3 "$out/goscope-flame.times")

mb() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "inf" }'; }

echo
echo "Input: $(basename "$input"), $(du -h "$input" | cut -f1) gzip; $samples samples, seed $seed"
echo
echo "Load average before the runs: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| command | runs | median wall | median CPU (user+sys) | median peak RSS |"
echo "|---|---|---|---|---|"
echo "| \`go tool pprof -top\` | $pprof_runs | ${pw} s | ${pc} s | $(mb "$pm") |"
echo "| \`goscope top\` | $runs | ${gw} s | ${gc} s | $(mb "$gm") |"
echo "| \`goscope flame\` | $runs | ${fw} s | ${fc} s | $(mb "$fm") |"
echo
echo "- goscope top is $(ratio "$pw" "$gw")x faster in wall time ($(ratio "$pc" "$gc")x in CPU time) than go tool pprof -top and uses 1/$(ratio "$pm" "$gm") of its peak memory."
echo "- Output of goscope top and go tool pprof -top identical: $identical."
echo "- Raw times (wall s, peak RSS KiB, CPU s) are in $out/*.times."
[ "$identical" = yes ]
