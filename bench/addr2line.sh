#!/usr/bin/env bash
# Symbolizing a million PCs of the `go` command: goscope addr2line against go tool addr2line
# on the same input, in one run. PCs are generated deterministically from `go tool nm -size`
# (entry, last byte and pseudo-random PCs inside every function, repeated until there are
# N of them). Checks that both outputs are identical, then prints the best wall time of R
# runs of each, their CPU times, peak memory, and the ratio.
#
#   bench/addr2line.sh [GOSCOPE [BINARY [N [R]]]]
#   defaults: build/release/goscope, $(go env GOROOT)/bin/go, 1000000, 5
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$PATH:/usr/local/go/bin"
goscope=${1:-$here/build/release/goscope}
binary=${2:-$(go env GOROOT)/bin/go}
n=${3:-1000000}
runs=${4:-5}
[ -x "$goscope" ] || { echo "bench: no goscope at $goscope (cmake --preset release && cmake --build --preset release)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go tool nm -size "$binary" | python3 -c '
import sys
n, seed, funcs, out = int(sys.argv[1]), 12345, [], []
for line in sys.stdin:
    f = line.split()
    if len(f) >= 4 and f[2] in ("T", "t") and int(f[1]) > 0:
        funcs.append((int(f[0], 16), int(f[1])))
while len(out) < n:
    for a, size in funcs:
        out += ["%x" % a, "0x%x" % (a + size - 1)]
        for _ in range(4):
            seed = (seed * 1103515245 + 12345) % 2147483648
            out.append("%x" % (a + seed % size))
print("\n".join(out[:n]))
' "$n" >"$work/pcs"

measure() { # label cmd...: best wall time of $runs runs, with the CPU and memory of that run
	local label=$1 best="" line
	shift
	for _ in $(seq "$runs"); do
		/usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" <"$work/pcs" >"$work/$label.out"
		line=$(cat "$work/time")
		if [ -z "$best" ] || awk -v a="${line%% *}" -v b="${best%% *}" 'BEGIN { exit !(a < b) }'; then
			best=$line
		fi
	done
	echo "$best"
}

go_best=$(measure go go tool addr2line "$binary")
gs_best=$(measure goscope "$goscope" addr2line "$binary")
cmp -s "$work/go.out" "$work/goscope.out" || { echo "bench: outputs differ" >&2; exit 1; }

read -r gw gu gs gm <<<"$go_best"
read -r sw su ss sm <<<"$gs_best"
echo "binary:  $binary ($(go tool nm "$binary" | awk '$2=="T"||$2=="t"' | wc -l) functions)"
echo "input:   $n addresses, outputs identical ($(wc -l <"$work/go.out") lines)"
printf '%-22s %8s %8s %8s %10s\n' tool "wall s" "user s" "sys s" "max RSS"
printf '%-22s %8s %8s %8s %7s MB\n' "go tool addr2line" "$gw" "$gu" "$gs" "$((gm / 1024))"
printf '%-22s %8s %8s %8s %7s MB\n' "goscope addr2line" "$sw" "$su" "$ss" "$((sm / 1024))"
awk -v a="$gw" -v b="$sw" -v c="$gu" -v d="$gs" -v e="$su" -v f="$ss" 'BEGIN {
	printf "speedup: %.1fx wall, %.1fx CPU (user+sys)\n", a / (b > 0 ? b : 0.01), (c + d) / ((e + f) > 0 ? e + f : 0.01) }'
