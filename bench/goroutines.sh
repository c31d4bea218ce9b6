#!/bin/bash
# Benchmarks `goscope goroutines PID` on a live process with 100k parked goroutines, and delve
# listing the goroutines of the same process, in one run:
#   - `goscope goroutines PID` (non-stop): wall time, CPU time, peak RSS, and the largest gap of
#     the target's own 1 ms heartbeat while it runs (target: at most 1 s and 50 ms);
#   - `goscope goroutines --consistent PID`: the pause it reports on stderr (target: at most
#     100 ms) and the heartbeat gap;
#   - `dlv attach PID` running `goroutines` then `exit` (answering "n": detach, do not kill):
#     wall time, CPU time, peak RSS, heartbeat gap; it must list every goroutine and leave the
#     target running (checked after each run);
#   - the heartbeat gap over the same time with nothing reading (the machine's own noise).
# Prints the machine, the load, medians of N runs, the ratios and the targets.
#
#   bench/goroutines.sh [-n RUNS] [-d DELVE_RUNS] [-g GOROUTINES] [-l]
#
# -l parks the goroutines under two pprof labels each (the fixture's -labels), to measure the
# reading of labels too.
#
# Builds the release preset of goscope (unless GOSCOPE names a binary) and the parked fixture
# (tests/fixtures/go/parked) into bench/out/, and installs delve there for the benchmark only
# (GOBIN=bench/out go install github.com/go-delve/delve/cmd/dlv@$DLV_VERSION, once).
set -euo pipefail

runs=5
dlv_runs=3
ngoroutines=100000
labels=
while [ $# -gt 0 ]; do
	case $1 in
	-n) runs=$2; shift 2 ;;
	-d) dlv_runs=$2; shift 2 ;;
	-g) ngoroutines=$2; shift 2 ;;
	-l) labels=-labels; shift ;;
	-h|--help) sed -n '2,21p' "$0"; exit 0 ;;
	*) echo "bench/goroutines.sh: unknown argument '$1'" >&2; exit 64 ;;
	esac
done

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out=$here/out
mkdir -p "$out"
export PATH=/usr/local/go/bin:$PATH TZ=UTC LC_ALL=C
dlv_version=${DLV_VERSION:-v1.27.2}

die() { echo "bench/goroutines.sh: $*" >&2; exit 2; }
[ -x /usr/bin/time ] || die "needs GNU time (apt-get install time)"
command -v curl >/dev/null || die "needs curl"

if [ -z "${GOSCOPE:-}" ]; then
	echo "building goscope (release preset)" >&2
	(cd "$root" && cmake --preset release >/dev/null && cmake --build --preset release >/dev/null)
	GOSCOPE=$root/build/release/goscope
fi
echo "building the parked fixture" >&2
(cd "$root/tests/fixtures/go/parked" && go build -o "$out/parked" .)
dlv=$out/dlv
if [ ! -x "$dlv" ] || ! "$dlv" version 2>/dev/null | grep -q "Version: ${dlv_version#v}"; then
	echo "installing delve $dlv_version into $out (for this benchmark only)" >&2
	GOBIN=$out go install "github.com/go-delve/delve/cmd/dlv@$dlv_version"
fi

# The target: the fixture with ngoroutines more goroutines parked on a channel receive.
fixture_pid=
cleanup() { [ -n "$fixture_pid" ] && kill "$fixture_pid" 2>/dev/null; true; }
trap cleanup EXIT
echo "starting the fixture with $ngoroutines parked goroutines" >&2
"$out/parked" -n "$ngoroutines" $labels -max-lifetime 2h >"$out/parked.out" 2>"$out/parked.err" &
fixture_pid=$!
for _ in $(seq 600); do
	[ -s "$out/parked.out" ] && break
	kill -0 "$fixture_pid" 2>/dev/null || die "the fixture exited: $(cat "$out/parked.err")"
	sleep 0.1
done
read -r addr pid <"$out/parked.out" || die "the fixture did not start in 60 s"
[ "$pid" = "$fixture_pid" ] || die "the fixture reports pid $pid, started $fixture_pid"

# heartbeat [reset]: the largest gap of the target's 1 ms ticker (ns) since the last reset.
heartbeat() {
	local url="http://$addr/heartbeat${1:+?reset=1}" body
	body=$(curl -sf -m 10 "$url") || die "the target stopped answering /heartbeat"
	echo "$body" | sed -n 's/.*"max_gap_ns": *\([0-9]*\).*/\1/p'
}
# running: the target runs, with no thread left stopped or traced.
running() {
	local t
	for t in /proc/"$pid"/task/*; do
		grep -q '^State:[[:space:]]*[tT]' "$t/status" && die "thread ${t##*/} left stopped"
		grep -q '^TracerPid:[[:space:]]*0$' "$t/status" || die "thread ${t##*/} left traced"
	done
	heartbeat >/dev/null
}

# measure NAME OUTFILE CMD...: runs CMD (stdin from $stdin_text) with stdout to OUTFILE under
# GNU time, the heartbeat reset just before; appends "wall_s max_rss_kb cpu_s gap_ms" to
# $out/NAME.times.
stdin_text=
measure() {
	local name=$1 outfile=$2 gap
	shift 2
	heartbeat reset >/dev/null
	printf '%s' "$stdin_text" | /usr/bin/time -f '%e %M %U %S' -o "$out/$name.one" "$@" \
		>"$outfile" 2>"$out/$name.err" || {
		echo "bench/goroutines.sh: '$*' failed:" >&2
		cat "$out/$name.err" >&2
		exit 2
	}
	gap=$(heartbeat)
	awk -v g="$gap" '{ printf "%s %s %.2f %.1f\n", $1, $2, $3 + $4, g / 1e6 }' \
		"$out/$name.one" >>"$out/$name.times"
}

# median COLUMN FILE: the median of a column of numbers.
median() {
	sort -g -k"$1","$1" "$2" | awk -v c="$1" '{ v[NR] = $c } END {
		if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

rm -f "$out"/*.times
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
expected=$("$GOSCOPE" goroutines --json "$pid" | sed -n 's/^  "goroutines": \([0-9]*\),$/\1/p')
[ "${expected:-0}" -ge "$ngoroutines" ] || die "goscope sees ${expected:-no} goroutines, fewer than $ngoroutines"
for i in $(seq "$runs"); do
	echo "run $i/$runs: goscope goroutines, goscope goroutines --consistent, idle" >&2
	measure goscope "$out/goroutines.txt" "$GOSCOPE" goroutines "$pid"
	measure consistent "$out/consistent.txt" "$GOSCOPE" goroutines --consistent "$pid"
	pause=$(sed -n 's/.*stopped the process for \([0-9.]*\) ms$/\1/p' "$out/consistent.err")
	[ -n "$pause" ] || die "goroutines --consistent reported no pause on stderr"
	echo "$pause" | awk '{ printf "%.1f\n", $1 }' >>"$out/pause.times"
	# the same time with nothing reading: the heartbeat's own noise on this machine
	heartbeat reset >/dev/null
	sleep "$(tail -1 "$out/goscope.times" | cut -d' ' -f1)"
	heartbeat | awk '{ printf "%.1f\n", $1 / 1e6 }' >>"$out/idle.times"
	running
done
printf 'goroutines\nexit\n' >"$out/dlv.init"
for i in $(seq "$dlv_runs"); do
	echo "run $i/$dlv_runs: dlv attach + goroutines" >&2
	stdin_text='n
'
	measure dlv "$out/dlv.txt" timeout 900 "$dlv" attach "$pid" --init "$out/dlv.init" \
		--allow-non-terminal-interactive
	stdin_text=
	listed=$(sed -n 's/^\[\([0-9]*\) goroutines\]$/\1/p' "$out/dlv.txt")
	lines=$(grep -c '^[ *] *Goroutine [0-9]* - ' "$out/dlv.txt" || true)
	[ "${listed:-0}" -ge "$ngoroutines" ] && [ "$lines" = "$listed" ] ||
		die "delve listed ${lines} goroutines (says ${listed:-nothing}), fewer than $ngoroutines"
	running
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

mb() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "inf" }'; }
met() { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b) ? "met" : "NOT met" }'; }

gw=$(median 1 "$out/goscope.times"); gc=$(median 3 "$out/goscope.times")
gm=$(median 2 "$out/goscope.times"); gg=$(median 4 "$out/goscope.times")
cw=$(median 1 "$out/consistent.times"); cc=$(median 3 "$out/consistent.times")
cm=$(median 2 "$out/consistent.times"); cg=$(median 4 "$out/consistent.times")
cp=$(median 1 "$out/pause.times")
dw=$(median 1 "$out/dlv.times"); dc=$(median 3 "$out/dlv.times")
dm=$(median 2 "$out/dlv.times"); dg=$(median 4 "$out/dlv.times")
ig=$(median 1 "$out/idle.times")
maxpause=$(sort -g "$out/pause.times" | tail -1)
maxgap=$(sort -g -k4,4 "$out/goscope.times" | tail -1 | cut -d' ' -f4)

echo
echo "Machine: $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM, Linux $(uname -r), $(go version | cut -d' ' -f3), delve $dlv_version"
echo
echo "Target: tests/fixtures/go/parked -n $ngoroutines${labels:+ $labels} ($expected goroutines), pid $pid"
echo
echo "Load average before the runs: $load_before; after: $load_after"
echo
echo "| command | runs | median wall | median CPU (user+sys) | median peak RSS | median heartbeat gap |"
echo "|---|---|---|---|---|---|"
echo "| \`goscope goroutines PID\` | $runs | ${gw} s | ${gc} s | $(mb "$gm") | ${gg} ms |"
echo "| \`goscope goroutines --consistent PID\` | $runs | ${cw} s | ${cc} s | $(mb "$cm") | ${cg} ms |"
echo "| \`dlv attach PID\` + \`goroutines\` | $dlv_runs | ${dw} s | ${dc} s | $(mb "$dm") | ${dg} ms |"
echo "| nothing (idle, as long as goscope ran) | $runs | | | | ${ig} ms |"
echo
echo "- \`--consistent\` pause (reported on stderr): median ${cp} ms, largest ${maxpause} ms."
echo "- goscope goroutines is $(ratio "$dw" "$gw")x faster than delve in wall time ($(ratio "$dc" "$gc")x in CPU time) and uses 1/$(ratio "$dm" "$gm") of its peak memory; delve listed all $listed goroutines and detached, the target kept running."
echo "- Targets: goroutines <= 1 s: $(met "$gw" 1) (median ${gw} s);" \
	"heartbeat gap <= 50 ms during the non-stop read: $(met "$gg" 50) (median ${gg} ms, largest ${maxgap} ms);" \
	"--consistent pause <= 100 ms: $(met "$cp" 100) (median ${cp} ms)."
echo "- Raw times (wall s, peak RSS KiB, CPU s, heartbeat gap ms) are in $out/*.times."
