#!/usr/bin/env bash
# Issue 4, acceptance 4: 1000 goroutine snapshots of the parked fixture (tests/fixtures/go/parked)
# while a load generator on loopback (tests/fixtures/go/loadgen: 4 clients, half of them on
# new connections, 2 s per-request timeout) sends it requests the whole time. The cycles mix
# `goroutines`, `goroutines --consistent`, `stack`, `stack --consistent`, each also with --json.
# Every cycle must exit 0 and show the fixture's parked goroutines, and no thread of the fixture
# may be left stopped (t or T in /proc/PID/task/*/stat) after any cycle. At the end: not one
# request failed (a pause longer than the timeout would fail one) and some succeeded, the
# fixture is alive and serving, and a last snapshot still agrees with the runtime's own dump.
# GOSCOPE_LOAD_CYCLES overrides the number of cycles (for trying the test by hand).
set -u
. "$SRCDIR/tests/cli/common.sh"
. "$SRCDIR/tests/cli/parked.bash"
. "$SRCDIR/tests/cli/loadgen.bash"
cycles=${GOSCOPE_LOAD_CYCLES:-1000}
build_parked
build_loadgen
start_parked -max-lifetime 30m
pid=$PARKED_PID
start_loadgen "http://$PARKED_ADDR/heartbeat" -clients 4 -timeout 2s -want max_gap_ns

modes=("goroutines" "goroutines --consistent" "stack" "stack --consistent"
	"goroutines --json" "goroutines --consistent --json" "stack --json" "stack --consistent --json")
declare -A count
t0=$SECONDS
for ((i = 0; i < cycles; i++)); do
	mode=${modes[RANDOM % ${#modes[@]}]}
	# shellcheck disable=SC2086 # the mode is a command and its flags
	"$GOSCOPE" $mode "$pid" >"$SCRATCH/cycle.out" 2>"$SCRATCH/cycle.err"
	rc=$?
	if [ $rc != 0 ]; then
		cat "$SCRATCH/cycle.err" >&2
		grep -i -B12 -A3 'unreadable"*: *"\|could not be read\|changed while' "$SCRATCH/cycle.out" | head -60 >&2
		fail_test "cycle $i: 'goscope $mode $pid' exited $rc"
	fi
	grep -q 'main\.mutexWaiter' "$SCRATCH/cycle.out" ||
		fail_test "cycle $i: 'goscope $mode $pid' does not show the parked mutex waiters"
	case $mode in
	*--consistent*)
		grep -Eq '^goscope (goroutines|stack): stopped the process for [0-9.]+ ms$' "$SCRATCH/cycle.err" ||
			fail_test "cycle $i: 'goscope $mode' reported no pause: $(cat "$SCRATCH/cycle.err")"
		;;
	esac
	case $mode in
	*--consistent*--json)
		grep -Eq '^  "pause_ns": [1-9][0-9]*,$' "$SCRATCH/cycle.out" ||
			fail_test "cycle $i: 'goscope $mode' reported no pause in its JSON"
		;;
	esac
	check_not_stopped "$pid" "cycle $i ($mode)"
	count[$mode]=$((${count[$mode]:-0} + 1))
done
elapsed=$((SECONDS - t0))

kill -0 "$pid" 2>/dev/null || fail_test "the fixture died: $(cat "$PARKED_ERR")"
stop_loadgen
echo "$cycles cycles in ${elapsed}s; load generator: $LOADGEN_SUMMARY"
for mode in "${modes[@]}"; do echo "  ${count[$mode]:-0} x goscope $mode"; done

# still serving, and still read right: the runtime's own dump against a last snapshot
http_get "http://$PARKED_ADDR/debug/pprof/goroutine?debug=2" "$SCRATCH/want"
"$GOSCOPE" goroutines --all "$pid" >"$SCRATCH/got" || fail_test "the last snapshot exited $?"
python3 "$SRCDIR/tests/cli/goroutines_cmp.py" "$SCRATCH/want" "$SCRATCH/got" >"$SCRATCH/cmp" ||
	{ cat "$SCRATCH/cmp" >&2; fail_test "after the cycles goscope differs from the runtime's own dump"; }
tail -n1 "$SCRATCH/cmp"
check_not_stopped "$pid" "the end"

# `stack` of every goroutine shows one running on another thread as the runtime does and
# exits 0 (under load, non-stop cycles meet such goroutines); asked for with -g, that stack
# is unavailable: exit 1
printf 'goroutine 1 [select (no cases)]:\nmain.main()\n\t/src/main.go:10 +0x1d\n\ngoroutine 7 [running]:\n\tgoroutine running on other thread; stack unavailable\ncreated by main.main in goroutine 1\n\t/src/main.go:9 +0x25\n' >"$SCRATCH/running.txt"
expect_exit 0 "$GOSCOPE" stack "$SCRATCH/running.txt"
grep -q 'stack unavailable' "$SCRATCH/out.$$" || fail_test "stack of all does not show the running goroutine"
expect_exit 1 "$GOSCOPE" stack -g 7 "$SCRATCH/running.txt"
expect_exit 0 "$GOSCOPE" stack -g 1 "$SCRATCH/running.txt"
pass_test
