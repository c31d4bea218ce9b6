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

# a flame graph straight from the service
expect_exit 0 "$GOSCOPE" flame -o cpu.flame.html "http://$DEMO_ADDR/debug/pprof/profile?seconds=1"
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
