#!/usr/bin/env bash
# URLs as sources of report commands (gs_source_load): host:port shorthand with a path, full
# URLs with seconds, the server's message on errors, and a transfer error surfacing through
# the stream decoder with the fetcher's own words. Everything on 127.0.0.1.
set -u
. "$SRCDIR/tests/cli/common.sh"
. "$SRCDIR/tests/cli/t05-demo.bash"

start_demo
cd "$SCRATCH"

# goscope raw reads a goroutine profile straight from the service
expect_exit 0 "$GOSCOPE" raw "$DEMO_ADDR/debug/pprof/goroutine"
grep -q '^PeriodType: goroutine count' "$SCRATCH/out.$$" || fail_test "raw of a goroutine URL: $(head -3 "$SCRATCH/out.$$")"
for fn in main.queueWorker main.lockWaiter main.janitor; do
	grep -q "$fn" "$SCRATCH/out.$$" || fail_test "raw of a goroutine URL lacks $fn"
done
# --json of a full URL
expect_exit 0 "$GOSCOPE" raw --json "http://$DEMO_ADDR/debug/pprof/goroutine"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["samples"], "no samples"' "$SCRATCH/out.$$" ||
	fail_test "raw --json of a URL is not JSON with samples"

# debug=1 text from the service, parsed from the bounded body
expect_exit 0 "$GOSCOPE" raw "http://$DEMO_ADDR/debug/pprof/goroutine?debug=1"
grep -q '^PeriodType: goroutine count' "$SCRATCH/out.$$" && grep -q main.janitor "$SCRATCH/out.$$" ||
	fail_test "raw of a debug=1 goroutine URL: $(head -3 "$SCRATCH/out.$$")"

# a timed CPU profile from a full URL
t0=$(date +%s.%N)
expect_exit 0 "$GOSCOPE" raw "http://$DEMO_ADDR/debug/pprof/profile?seconds=1"
t1=$(date +%s.%N)
grep -q '^PeriodType: cpu nanoseconds' "$SCRATCH/out.$$" || fail_test "raw of a CPU URL: $(head -3 "$SCRATCH/out.$$")"
python3 -c "import sys; sys.exit(0 if $t1 - $t0 >= 1 else 1)" || fail_test "a 1s CPU profile URL took less than 1s"

# goscope top of host:port with -seconds: a CPU profile of that length, labels usable
t0=$(date +%s.%N)
expect_exit 0 "$GOSCOPE" top -seconds=1 -nodecount=5 "$DEMO_ADDR"
t1=$(date +%s.%N)
grep -q '^Type: cpu$' "$SCRATCH/out.$$" || fail_test "top of host:port is not a CPU profile: $(head -5 "$SCRATCH/out.$$")"
# the runtime measures the profile's span itself: about a second, a little under or over
python3 - "$SCRATCH/out.$$" <<'PY' || fail_test "top -seconds=1 of host:port: $(head -5 "$SCRATCH/out.$$")"
import re, sys
m = re.search(r"^Duration: ([0-9.]+)(ms|s),", open(sys.argv[1]).read(), re.M)
secs = float(m.group(1)) / (1000 if m.group(2) == "ms" else 1)
assert 0.9 <= secs < 3, secs
PY
python3 -c "import sys; sys.exit(0 if $t1 - $t0 >= 1 else 1)" || fail_test "top -seconds=1 took less than 1s"
expect_exit 0 "$GOSCOPE" top -tagfocus=handler=checkout -focus=main "http://$DEMO_ADDR/debug/pprof/profile?seconds=3"
grep -q 'main.fraudScore' "$SCRATCH/out.$$" || fail_test "top of the checkout handler lacks main.fraudScore: $(cat "$SCRATCH/out.$$")"
if grep -q 'main.matchScore' "$SCRATCH/out.$$"; then fail_test "-tagfocus=handler=checkout kept the search handler"; fi
expect_exit 0 "$GOSCOPE" top --json "$DEMO_ADDR/debug/pprof/goroutine"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$SCRATCH/out.$$" || fail_test "top --json of a URL is not JSON"
grep -q 'main.queueWorker' "$SCRATCH/out.$$" || fail_test "top --json of the goroutine URL lacks main.queueWorker"
expect_exit 2 "$GOSCOPE" top "http://$DEMO_ADDR/debug/pprof/nosuch"
grep -q "404 Not Found: server said: Unknown profile" "$SCRATCH/err.$$" || fail_test "top of a 404 URL: $(cat "$SCRATCH/err.$$")"
# -timeout of top bounds a stalled server
start_bad_server stall
t0=$(date +%s)
expect_exit 2 "$GOSCOPE" top -timeout=1 "$BAD_ADDR"
t1=$(date +%s)
grep -q "no complete answer within 1s" "$SCRATCH/err.$$" || fail_test "top -timeout=1 of a stalled server: $(cat "$SCRATCH/err.$$")"
[ $((t1 - t0)) -le 4 ] || fail_test "top -timeout=1 took $((t1 - t0))s"

# a flame graph straight from the service
expect_exit 0 "$GOSCOPE" flame -o cpu.flame.html "http://$DEMO_ADDR/debug/pprof/profile?seconds=3"
grep -q 'main.fraudScore' cpu.flame.html || fail_test "flame graph of a CPU URL lacks main.fraudScore"

# errors: the server's message, refused, cut short (through the stream decoder), not a profile
expect_exit 2 "$GOSCOPE" raw "http://$DEMO_ADDR/debug/pprof/nosuch"
[ "$(cat "$SCRATCH/err.$$")" = "goscope raw: cannot read 'http://$DEMO_ADDR/debug/pprof/nosuch': 404 Not Found: server said: Unknown profile" ] ||
	fail_test "404 through a source: $(cat "$SCRATCH/err.$$")"
port=$(free_port)
expect_exit 2 "$GOSCOPE" raw "127.0.0.1:$port/debug/pprof/heap"
grep -q "cannot connect to 127.0.0.1:$port: Connection refused" "$SCRATCH/err.$$" ||
	fail_test "refused through a source: $(cat "$SCRATCH/err.$$")"
start_bad_server short
expect_exit 2 "$GOSCOPE" raw "$BAD_ADDR/debug/pprof/heap"
grep -q "the answer was cut off after 10 bytes" "$SCRATCH/err.$$" ||
	fail_test "a cut-off answer through the decoder: $(cat "$SCRATCH/err.$$")"
start_bad_server html
expect_exit 2 "$GOSCOPE" raw "$BAD_ADDR/debug/pprof/heap"
grep -q "cannot read '$BAD_ADDR/debug/pprof/heap'" "$SCRATCH/err.$$" ||
	fail_test "an HTML answer through a source: $(cat "$SCRATCH/err.$$")"
expect_exit 2 "$GOSCOPE" raw "$DEMO_ADDR/debug/pprof/trace"
grep -q "an execution trace is not a profile" "$SCRATCH/err.$$" ||
	fail_test "a trace URL as a profile source: $(cat "$SCRATCH/err.$$")"
pass_test
