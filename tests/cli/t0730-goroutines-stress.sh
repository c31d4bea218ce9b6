#!/usr/bin/env bash
# Issue 4, acceptance 5: a target whose memory changes under the read never crashes goscope.
# The stress fixture (tests/fixtures/go/stress) creates and ends goroutines at a high rate,
# grows and shrinks stacks, changes pprof labels, collects garbage all the time, starts and ends
# threads, and keeps 64 anchor goroutines parked in main.anchor. Against it, built plain, with
# -s -w, and with the oldest Go of lib/gobin/layouts/VERSIONS (labels in a map, not a slice)
# when that toolchain can be fetched, every reading command runs several times: goroutines (grouped, --all, --json,
# --consistent), stack, leaks, and a gcore core read back. Each run must end by itself (no
# hang), not by a signal, with no sanitizer report, with exit status 0, or 1 together with the
# report the contract describes; every JSON output must parse; the anchors must all be found
# (or counted unreadable); the goroutine count must lie within the bounds the fixture states
# (the goroutines that live for the whole run, and the most that can exist at once), which its
# own runtime.NumGoroutine() must respect too; goroutine ids are unique; no thread of the target
# is left stopped.
set -u
. "$SRCDIR/tests/cli/common.sh"
GO=${GO:-go}
[ -x "$GO" ] || GO=$(command -v go) || fail_test "no Go toolchain"
ROUNDS=${STRESS_ROUNDS:-2}
ANCHORS=64
# a goscope run that has not ended after this long is a hang (the asan build on a loaded
# 2-core VM reads a few thousand goroutines in well under 10 s)
LIMIT=120
src="$SRCDIR/tests/fixtures/go/stress"
key=$(cat "$src"/*.go "$src/go.mod" | cksum | cut -d' ' -f1)
cache=${FIXTURES:-$BUILDDIR/fixtures}/stress-$key
mkdir -p "$cache"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
}
trap cleanup EXIT
cd "$SCRATCH" || fail_test "no scratch directory"

build() { # NAME GOTOOLCHAIN [go build flags...] -> the binary's path
	local out="$cache/$1" toolchain=$2
	shift 2
	(
		flock 9
		[ -s "$out" ] && exit 0
		cd "$src" && GOTOOLCHAIN=$toolchain CGO_ENABLED=0 GOFLAGS=-mod=mod "$GO" build "$@" -o "$out.tmp.$$" . &&
			mv -f "$out.tmp.$$" "$out"
	) 9>"$cache/.lock" >"$SCRATCH/build.log" 2>&1 || { cat "$SCRATCH/build.log" >&2; return 1; }
	echo "$out"
}

start() { # BIN: starts the fixture; sets pid, stats (its stdout), low and high (its bounds)
	stats="$SCRATCH/stats.$RANDOM"
	"$1" -max-lifetime 240s >"$stats" 2>"$stats.err" &
	pid=$!
	pids+=("$pid")
	for _ in $(seq 150); do
		if [ "$(head -n1 "$stats")" = "$pid" ] && grep -q '^goroutines ' "$stats"; then
			read -r _ low high < <(grep -m1 '^bounds ' "$stats")
			[ "${high:-0}" -gt "${low:-0}" ] || fail_test "the stress fixture printed no bounds"
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || fail_test "the stress fixture died: $(cat "$stats.err")"
		sleep 0.1
	done
	fail_test "the stress fixture did not get ready within 15s"
}

no_thread_stopped() { # WHAT
	local st
	st=$(cat /proc/"$pid"/task/*/stat 2>/dev/null | sed 's/.*) \(.\).*/\1/' | sort | uniq -c | tr '\n' ' ')
	case "$st" in *" t "* | *" T "*) fail_test "$1: threads of the target left stopped: $st" ;; esac
	kill -0 "$pid" 2>/dev/null || fail_test "$1: the target died: $(cat "$stats.err")"
}

# run NAME CMD...: runs goscope, output in $SCRATCH/out, stderr in $SCRATCH/err, exit status
# in rc; fails on a hang, a signal, a sanitizer report, or an exit status other than 0 and 1.
# Sets lo and hi: the smallest and largest goroutine counts the fixture printed meanwhile.
run() {
	local name=$1 before
	shift
	before=$(wc -l <"$stats")
	timeout -s KILL "$LIMIT" "$@" >"$SCRATCH/out" 2>"$SCRATCH/err"
	rc=$?
	read -r lo hi < <(tail -n +"$before" "$stats" | awk '$1 == "goroutines" {
		if (n++ == 0 || $2 < lo) lo = $2; if ($2 > hi) hi = $2 } END {print lo + 0, hi + 0}')
	if grep -Eq 'Sanitizer|runtime error:|^SUMMARY:' "$SCRATCH/err"; then
		head -40 "$SCRATCH/err" >&2
		fail_test "$name: sanitizer report"
	fi
	[ "$rc" = 137 ] && fail_test "$name: still running after ${LIMIT}s (hang?)"
	[ "$rc" -ge 128 ] && { tail -5 "$SCRATCH/err" >&2; fail_test "$name: killed by signal $((rc - 128))"; }
	[ "$rc" = 0 ] || [ "$rc" = 1 ] || { tail -5 "$SCRATCH/err" >&2; fail_test "$name: exit status $rc"; }
	no_thread_stopped "$name"
	runs=$((runs + 1))
}

# partial_goroutines NAME: exit status 1 of goroutines comes with the count of unreadable ones
partial_goroutines() {
	[ "$rc" = 0 ] && return
	grep -Eq '^goscope goroutines: warning: [1-9][0-9]* goroutines could not be read completely$' \
		"$SCRATCH/err" || { cat "$SCRATCH/err" >&2; fail_test "$1: exit status 1 without the unreadable report"; }
	partial=$((partial + 1))
}

# partial_stack NAME: exit status 1 of stack comes with a stack marked incomplete
partial_stack() {
	[ "$rc" = 0 ] && return
	grep -Eq '^incomplete: |stack unavailable' "$SCRATCH/out" ||
		fail_test "$1: exit status 1 but no stack is marked incomplete"
}

# check_all_json NAME MODE(live|core): the --all --json listing: parses, ids unique, every
# anchor found or counted unreadable, the unreadable ones flagged as such and counted, the
# count of user goroutines within reach of what runtime.NumGoroutine() said meanwhile.
check_all_json() {
	python3 - "$SCRATCH/out" "$ANCHORS" "$lo" "$hi" "$2" "$rc" "$low" "$high" <<'PY' >>"$SCRATCH/counts" ||
import json, sys
path, anchors, lo, hi, mode, rc, low, high = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
d = json.load(open(path))
gs = d["goroutines"]
ids = [g["id"] for g in gs]
assert len(ids) == len(set(ids)), "duplicate goroutine ids"
unreadable = [g for g in gs if g.get("unreadable")]
# a g that cannot be read at all is counted without an entry
assert d["unreadable"] >= len(unreadable), ("unreadable count", d["unreadable"], len(unreadable))
assert (rc == 1) == (d["unreadable"] > 0), ("exit status", rc, "unreadable", d["unreadable"])
found = sum(1 for g in gs if any(f["func"] == "main.anchor" for f in g["frames"]))
assert found <= anchors, ("anchors found", found)
assert found + d["unreadable"] >= anchors, ("anchors found", found, "unreadable", d["unreadable"])
user = sum(1 for g in gs if not g["system"])
# each g is read at its own moment of a changing population, but the goroutines that live for
# the whole run are always there, and no more than the fixture's most can be
assert user + d["unreadable"] >= low, ("user goroutines", user, "unreadable", d["unreadable"], "fewer than", low)
assert user <= high, ("user goroutines", user, "more than", high)
print(mode, user, lo, hi, d["unreadable"])
PY
		fail_test "$1: wrong --all --json listing"
}

runs=0 partial=0
round() { # NAME BIN
	local name=$1 bin=$2 r
	start "$bin"
	for r in $(seq "$ROUNDS"); do
		run "$name goroutines" "$GOSCOPE" goroutines "$pid"
		partial_goroutines "$name goroutines"
		[ -s "$SCRATCH/out" ] || fail_test "$name goroutines: empty output"
		run "$name goroutines --all" "$GOSCOPE" goroutines --all "$pid"
		partial_goroutines "$name goroutines --all"
		grep -q '^main\.anchor(' "$SCRATCH/out" || fail_test "$name goroutines --all: no anchor goroutine"
		run "$name goroutines --json" "$GOSCOPE" goroutines --json "$pid"
		partial_goroutines "$name goroutines --json"
		python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["groups"]' \
			"$SCRATCH/out" || fail_test "$name goroutines --json: not JSON with groups"
		run "$name goroutines --all --json" "$GOSCOPE" goroutines --all --json "$pid"
		partial_goroutines "$name goroutines --all --json"
		check_all_json "$name goroutines --all --json" live
		run "$name goroutines --all --json --consistent" "$GOSCOPE" goroutines --all --json --consistent "$pid"
		partial_goroutines "$name goroutines --all --json --consistent"
		check_all_json "$name goroutines --all --json --consistent" live
		run "$name stack" "$GOSCOPE" stack "$pid"
		partial_stack "$name stack"
		run "$name stack --consistent" "$GOSCOPE" stack --consistent "$pid"
		partial_stack "$name stack --consistent"
		run "$name leaks" "$GOSCOPE" leaks --json --interval 200ms --count 3 "$pid"
		[ "$rc" = 0 ] || fail_test "$name leaks: exit status $rc: $(tail -3 "$SCRATCH/err")"
		python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert len(d["snapshots"]) == 3' \
			"$SCRATCH/out" || fail_test "$name leaks --json: not JSON with three snapshots"
	done
	# a core of the churning process, read back as a stopped process
	run "$name gcore" "$GOSCOPE" gcore "$pid" -o "$SCRATCH/core"
	[ "$rc" = 0 ] || fail_test "$name gcore: exit status $rc: $(tail -3 "$SCRATCH/err")"
	run "$name goroutines of the core" "$GOSCOPE" goroutines --all --json --binary "$bin" "$SCRATCH/core"
	partial_goroutines "$name goroutines of the core"
	check_all_json "$name goroutines of the core" core
	run "$name stack of the core" "$GOSCOPE" stack --binary "$bin" "$SCRATCH/core"
	partial_stack "$name stack of the core"
	rm -f "$SCRATCH/core"
	kill "$pid"
	# the bounds hold for the fixture's own counts
	awk -v low="$low" -v high="$high" '$1 == "goroutines" && ($2 < low || $2 > high) {
		print "runtime.NumGoroutine() " $2 " outside the bounds " low " " high; bad = 1 }
		END { exit bad }' "$stats" >&2 || fail_test "$name: the fixture's bounds are wrong"
}

plain=$(build plain local) || fail_test "cannot build the stress fixture"
stripped=$(build stripped local -ldflags=-s\ -w) || fail_test "cannot build the stripped stress fixture"
round plain "$plain"
round stripped "$stripped"
oldest=$(grep -v '^#' "$SRCDIR/lib/gobin/layouts/VERSIONS" | head -n1)
if old=$(build "$oldest" "$oldest"); then
	round "$oldest" "$old"
else
	echo "note: cannot build the fixture with $oldest (toolchain not fetchable here?)" >&2
fi
echo "runs: $runs, with unreadable goroutines: $partial"
echo "listings (mode, user goroutines, NumGoroutine low and high meanwhile, unreadable); bounds $low $high:"
cat "$SCRATCH/counts"
pass_test
