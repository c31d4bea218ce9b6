#!/usr/bin/env bash
# Issue 4, acceptance 4: if goscope dies in the middle of a consistent snapshot, even by
# SIGKILL, the target runs on. The parked fixture (tests/fixtures/go/parked):
# - `goroutines --consistent` and `stack --consistent` are made to hold every thread stopped
#   (test hook GOSCOPE_TEST_HOLD_STOPPED_MS, at the moment gs_mem_stop has stopped them all):
#   every thread is in state t and the fixture does not answer; goscope is killed with SIGKILL;
#   the fixture answers again and no thread is left stopped;
# - under the load generator (tests/fixtures/go/loadgen), 40 `--consistent` runs are killed
#   after a random delay spread over a whole run (half of them holding the threads 100 ms to
#   widen the stopped window): after each no thread is left stopped and the fixture is alive;
#   at the end not one request failed.
set -u
. "$SRCDIR/tests/cli/common.sh"
. "$SRCDIR/tests/cli/parked.bash"
. "$SRCDIR/tests/cli/loadgen.bash"
build_parked
build_loadgen
start_parked -max-lifetime 10m
pid=$PARKED_PID
url="http://$PARKED_ADDR/heartbeat"

task_states() { cat /proc/"$pid"/task/*/stat | sed 's/.*) \(.\).*/\1/' | sort | uniq -c | tr '\n' ' '; }

for cmd in "goroutines --consistent" "stack --consistent --json"; do
	# shellcheck disable=SC2086 # the command and its flags
	GOSCOPE_TEST_HOLD_STOPPED_MS=60000 "$GOSCOPE" $cmd "$pid" >/dev/null 2>"$SCRATCH/hold.err" &
	holder=$!
	for _ in $(seq 300); do
		grep -q 'holding' "$SCRATCH/hold.err" && break
		kill -0 "$holder" 2>/dev/null || break
		sleep 0.05
	done
	grep -Eq "^goscope ${cmd%% *}: holding [0-9]+ threads stopped for 60000 ms$" "$SCRATCH/hold.err" ||
		fail_test "goscope $cmd did not reach the hold: $(cat "$SCRATCH/hold.err")"
	case "$(task_states)" in
	*[A-Za-z]*" t "*) fail_test "goscope $cmd holds, but not every thread is stopped: $(task_states)" ;;
	*" t ") ;;
	*) fail_test "goscope $cmd holds, but no thread is stopped: $(task_states)" ;;
	esac
	python3 - "$url" <<'PY' && fail_test "the fixture answered while goscope $cmd held it stopped"
import sys, urllib.request
try:
    urllib.request.urlopen(sys.argv[1], timeout=1).read()
except Exception:
    sys.exit(1)
PY
	kill -KILL "$holder"
	wait "$holder" 2>/dev/null
	http_get "$url" "$SCRATCH/beat"
	grep -q max_gap_ns "$SCRATCH/beat" || fail_test "unexpected answer after goscope $cmd was killed"
	check_not_stopped "$pid" "after killing goscope $cmd while it held the threads"
	echo "killed 'goscope $cmd' holding the threads stopped: serving, no thread stopped"
done

# random moments: spread the kills over a whole run (the longest of three runs, plus a margin)
longest=0
for _ in 1 2 3; do
	t0=$(date +%s%N)
	"$GOSCOPE" goroutines --consistent "$pid" >/dev/null || fail_test "goroutines --consistent exited $?"
	t=$((($(date +%s%N) - t0) / 1000000))
	[ $t -gt $longest ] && longest=$t
done
start_loadgen "$url" -clients 4 -timeout 2s -want max_gap_ns
modes=("goroutines --consistent" "goroutines --consistent --json" "stack --consistent")
killed=0 held=0 finished=0
for i in $(seq 40); do
	mode=${modes[RANDOM % ${#modes[@]}]}
	hold=0
	[ $((i % 2)) = 0 ] && hold=100
	delay=$((RANDOM % (longest + hold + 20)))
	# shellcheck disable=SC2086 # the mode is a command and its flags
	GOSCOPE_TEST_HOLD_STOPPED_MS=$hold "$GOSCOPE" $mode "$pid" >/dev/null 2>"$SCRATCH/kill.err" &
	victim=$!
	sleep "$((delay / 1000)).$(printf '%03d' $((delay % 1000)))"
	kill -KILL "$victim" 2>/dev/null
	wait "$victim"
	rc=$?
	case $rc in
	0) finished=$((finished + 1)) ;;
	137)
		killed=$((killed + 1))
		grep -q holding "$SCRATCH/kill.err" && held=$((held + 1))
		;;
	*) fail_test "run $i: goscope $mode exited $rc: $(cat "$SCRATCH/kill.err")" ;;
	esac
	check_not_stopped "$pid" "run $i (goscope $mode killed after ${delay} ms)"
	kill -0 "$pid" 2>/dev/null || fail_test "the fixture died after run $i: $(cat "$PARKED_ERR")"
done
stop_loadgen
echo "40 runs killed after 0-$((longest + 120)) ms: $killed killed mid-run ($held after stopping the threads), $finished finished first"
echo "load generator: $LOADGEN_SUMMARY"
[ $killed -ge 10 ] || fail_test "only $killed of 40 runs were killed before they finished"
http_get "$url" "$SCRATCH/beat"
check_not_stopped "$pid" "the end"
pass_test
