#!/usr/bin/env bash
# goscope fetch failures, all on 127.0.0.1: the server's own message on 404/400/500/503 (one
# line, escape sequences neutralised), connection refused, a server that never answers
# (timeout), an answer cut short, an answer that is not a profile, endless redirects, bad
# URLs. Each must exit 2 with one clear line and leave no file behind; an existing -o file
# stays untouched.
set -u
. "$SRCDIR/tests/cli/common.sh"
. "$SRCDIR/tests/cli/t05-demo.bash"

start_demo
cd "$SCRATCH"
echo "precious" >keep.pb.gz

# expect_fail_msg PATTERN ARGS...: exit 2, the message on stderr matches PATTERN (grep -E), one
# line, nothing on stdout, keep.pb.gz unchanged and no new or temporary file.
expect_fail_msg() {
	local pattern=$1
	shift
	local before after
	before=$(ls -A | grep -v -e '^out\.' -e '^err\.' | sort)
	expect_exit 2 "$GOSCOPE" fetch "$@"
	grep -Eq "$pattern" "$SCRATCH/err.$$" || fail_test "'fetch $*' said '$(cat "$SCRATCH/err.$$")', expected /$pattern/"
	[ "$(wc -l <"$SCRATCH/err.$$")" = 1 ] || fail_test "'fetch $*' wrote more than one line: $(cat "$SCRATCH/err.$$")"
	[ ! -s "$SCRATCH/out.$$" ] || fail_test "'fetch $*' printed on stdout: $(cat "$SCRATCH/out.$$")"
	[ "$(cat keep.pb.gz)" = precious ] || fail_test "'fetch $*' changed an existing file"
	after=$(ls -A | grep -v -e '^out\.' -e '^err\.' | sort)
	[ "$before" = "$after" ] || fail_test "'fetch $*' left files: $(comm -13 <(echo "$before") <(echo "$after"))"
}

# 404 from net/http/pprof, with its text
expect_fail_msg "^goscope fetch: cannot fetch 'http://$DEMO_ADDR/debug/pprof/nosuch': 404 Not Found: server said: Unknown profile\$" \
	--type nosuch -o keep.pb.gz "$DEMO_ADDR"
# 400: the server refuses seconds with debug
expect_fail_msg ': 400 Bad Request: server said: seconds and debug params are incompatible$' \
	--type heap --seconds 1 --debug 1 -o keep.pb.gz "$DEMO_ADDR"
expect_fail_msg ': 400 Bad Request: server said: "seconds" parameter is not supported for this profile type$' \
	--type demo.sessions --seconds 1 -o keep.pb.gz "$DEMO_ADDR"
expect_fail_msg ': 400 Bad Request: server said: invalid value for "seconds" - must be a positive integer$' \
	-o keep.pb.gz "http://$DEMO_ADDR/debug/pprof/heap?seconds=abc"
# 500: a second CPU profile while one runs
"$GOSCOPE" fetch --seconds 3 -o first.pb.gz "$DEMO_ADDR" >first.out 2>&1 &
first=$!
sleep 1
expect_fail_msg ': 500 Internal Server Error: server said: Could not enable CPU profiling: cpu profiling already in use$' \
	--seconds 1 -o keep.pb.gz "$DEMO_ADDR"
wait "$first" || fail_test "the first CPU profile failed: $(cat first.out)"
rm -f first.pb.gz first.out

# a non-Go server's error text: first line only, escape sequences replaced
start_bad_server error
expect_fail_msg ": 503 Service Unavailable: server said: backend \?\[31mexploded\?\[0m\$" -o keep.pb.gz "$BAD_ADDR"

# nothing listens
port=$(free_port)
expect_fail_msg "cannot connect to 127.0.0.1:$port: Connection refused\$" -o keep.pb.gz "127.0.0.1:$port"

# a server that accepts and never answers: the timeout ends it, promptly
start_bad_server stall
stall=$BAD_ADDR
t0=$(date +%s)
expect_fail_msg "no complete answer within 1s" --timeout 1 -o keep.pb.gz "$stall"
t1=$(date +%s)
[ $((t1 - t0)) -le 4 ] || fail_test "a 1s timeout took $((t1 - t0))s"
# the default timeout of a timed profile is duration * 1.5 + 5 s: 1 s -> 6.5 s
t0=$(date +%s)
expect_fail_msg "no complete answer within 6.5s \(for a 1s profile\)" --seconds 1 "$stall"
t1=$(date +%s)
[ $((t1 - t0)) -ge 6 ] && [ $((t1 - t0)) -le 10 ] || fail_test "the default timeout took $((t1 - t0))s, expected 6.5s"

# an answer cut short: nothing saved
start_bad_server short
expect_fail_msg "cut off after 10 bytes" --timeout 10 -o keep.pb.gz "$BAD_ADDR"
# a 200 answer that is not a profile (a login page)
start_bad_server html
expect_fail_msg "did not answer with a valid profile" --timeout 10 -o keep.pb.gz "$BAD_ADDR"
expect_fail_msg "did not answer with a Go execution trace" --type trace --timeout 10 -o keep.pb.gz "$BAD_ADDR"
# endless redirects
start_bad_server redirect
expect_fail_msg "more than 5 redirects" --timeout 10 -o keep.pb.gz "$BAD_ADDR"

# sources that are not usable URLs
expect_fail_msg "unsupported scheme 'file'" -o keep.pb.gz "file:///etc/passwd"
expect_fail_msg "a profile type needs a URL under /debug/pprof/" --type heap "http://$DEMO_ADDR/metrics"
expect_fail_msg "invalid profile type" --type '../x' "$DEMO_ADDR"

# an unwritable destination: the fetch works, saving fails, exit 2
mkdir -p ro && chmod 555 ro
if ! touch ro/probe 2>/dev/null; then
	expect_exit 2 "$GOSCOPE" fetch --type heap -o ro/heap.pb.gz "$DEMO_ADDR"
	grep -q "cannot create 'ro/heap.pb.gz'" "$SCRATCH/err.$$" || fail_test "unwritable -o: $(cat "$SCRATCH/err.$$")"
fi
chmod 755 ro
pass_test
