#!/usr/bin/env bash
# goscope fetch against the demo service on 127.0.0.1: every profile type, --seconds (CPU,
# trace and delta profiles), the host:port shorthand and automatic names, -o FILE/DIR/-,
# --debug text, --json. Saved profiles are checked with `go tool pprof`, independently of
# goscope's own decoder.
set -u
. "$SRCDIR/tests/cli/common.sh"
. "$SRCDIR/tests/cli/t05-demo.bash"

start_demo
cd "$SCRATCH"

# is_gzip FILE: profile.proto as Go serves it is gzip-compressed.
is_gzip() {
	[ "$(head -c2 "$1" | od -An -tx1 | tr -d ' ')" = 1f8b ] || fail_test "$1 is not gzip"
}

# host:port alone is a CPU profile, saved under an automatic name, printed on stdout.
port=${DEMO_ADDR##*:}
start=$(date +%s.%N)
expect_exit 0 "$GOSCOPE" fetch --seconds 2 "$DEMO_ADDR"
end=$(date +%s.%N)
name="127.0.0.1_$port.cpu.001.pb.gz"
[ "$(cat "$SCRATCH/out.$$")" = "$name" ] || fail_test "fetch printed '$(cat "$SCRATCH/out.$$")', expected '$name'"
[ -s "$name" ] || fail_test "$name was not written"
[ ! -s "$SCRATCH/err.$$" ] || fail_test "fetch wrote to stderr when not on a terminal: $(cat "$SCRATCH/err.$$")"
python3 -c "import sys; sys.exit(0 if $end - $start >= 2 else 1)" ||
	fail_test "a 2s CPU profile came back in less than 2s"
is_gzip "$name"
"$GO" tool pprof -top "$name" >pprof-top.txt 2>&1 || fail_test "go tool pprof cannot read $name: $(cat pprof-top.txt)"
grep -q 'Type: cpu' pprof-top.txt || fail_test "$name is not a CPU profile: $(head -5 pprof-top.txt)"
grep -q 'Duration: 2' pprof-top.txt || fail_test "$name does not last 2s: $(head -5 pprof-top.txt)"
# the demo's handlers run under pprof labels
"$GO" tool pprof -tags "$name" >pprof-tags.txt 2>&1 || fail_test "go tool pprof -tags failed"
grep -q 'handler' pprof-tags.txt && grep -q '/api/checkout' pprof-tags.txt ||
	fail_test "CPU profile has no handler/route labels: $(cat pprof-tags.txt)"

# the next automatic name is .002
expect_exit 0 "$GOSCOPE" fetch --seconds 1 "http://$DEMO_ADDR/"
[ "$(cat "$SCRATCH/out.$$")" = "127.0.0.1_$port.cpu.002.pb.gz" ] ||
	fail_test "second fetch was saved as '$(cat "$SCRATCH/out.$$")'"

# every snapshot type, by --type and by full URL
for t in heap allocs block mutex goroutine threadcreate; do
	expect_exit 0 "$GOSCOPE" fetch --type "$t" -o "$t.pb.gz" "$DEMO_ADDR"
	[ "$(cat "$SCRATCH/out.$$")" = "$t.pb.gz" ] || fail_test "fetch --type $t printed '$(cat "$SCRATCH/out.$$")'"
	is_gzip "$t.pb.gz"
	"$GO" tool pprof -raw "$t.pb.gz" >"$t.raw" 2>&1 || fail_test "go tool pprof cannot read $t.pb.gz: $(head -3 "$t.raw")"
	expect_exit 0 "$GOSCOPE" fetch -o "$t-url.pb.gz" "http://$DEMO_ADDR/debug/pprof/$t"
	is_gzip "$t-url.pb.gz"
done
grep -q 'contentions' block.raw || fail_test "block profile has no contentions sample type"
grep -q 'inuse_space' heap.raw || fail_test "heap profile has no inuse_space"
# the goroutine profile shows the demo's parked goroutines by function
for fn in main.queueWorker main.lockWaiter main.janitor main.eventLoop main.configWatcher; do
	grep -q "$fn" goroutine.raw || fail_test "goroutine profile lacks $fn"
done

# a custom profile registered by the service
expect_exit 0 "$GOSCOPE" fetch --type demo.sessions "$DEMO_ADDR"
[ "$(cat "$SCRATCH/out.$$")" = "127.0.0.1_$port.demo.sessions.001.pb.gz" ] ||
	fail_test "custom profile saved as '$(cat "$SCRATCH/out.$$")'"
"$GO" tool pprof -raw "127.0.0.1_$port.demo.sessions.001.pb.gz" | grep -q main.openSessions ||
	fail_test "the custom profile lacks main.openSessions"

# a delta profile with --seconds takes that long and says so in JSON
expect_exit 0 "$GOSCOPE" fetch --type allocs --seconds 1 --json -o allocs-delta.pb.gz "$DEMO_ADDR"
cp "$SCRATCH/out.$$" delta.json
[ "$(json_get delta.json path)" = allocs-delta.pb.gz ] || fail_test "JSON path is wrong: $(cat delta.json)"
[ "$(json_get delta.json type)" = allocs ] || fail_test "JSON type is wrong"
[ "$(json_get delta.json url)" = "http://$DEMO_ADDR/debug/pprof/allocs?seconds=1" ] || fail_test "JSON url is wrong: $(cat delta.json)"
[ "$(json_get delta.json bytes)" = "$(stat -c %s allocs-delta.pb.gz)" ] || fail_test "JSON bytes differ from the file size"
[ "$(json_get delta.json duration)" = 1 ] || fail_test "JSON duration is not 1: $(cat delta.json)"
python3 -c "import sys; sys.exit(0 if float('$(json_get delta.json elapsed)') >= 1 else 1)" ||
	fail_test "a 1s delta profile took less than 1s"
json_get delta.json samples >/dev/null

# a trace, with fractional seconds
expect_exit 0 "$GOSCOPE" fetch --type trace --seconds 0.5 "$DEMO_ADDR"
tr=$(cat "$SCRATCH/out.$$")
[ "$tr" = "127.0.0.1_$port.trace.001.out" ] || fail_test "trace saved as '$tr'"
head -c 5 "$tr" | grep -q '^go 1\.' || fail_test "$tr does not start like a Go trace"

# --debug text is saved as served, with a .txt name; -o - writes it to stdout
expect_exit 0 "$GOSCOPE" fetch --type goroutine --debug 1 "$DEMO_ADDR"
txt=$(cat "$SCRATCH/out.$$")
[ "$txt" = "127.0.0.1_$port.goroutine.001.txt" ] || fail_test "debug text saved as '$txt'"
grep -q '^goroutine profile: total' "$txt" || fail_test "$txt is not a goroutine text profile"
expect_exit 0 "$GOSCOPE" fetch --type goroutine --debug 2 -o - "$DEMO_ADDR"
grep -q 'main.janitor' "$SCRATCH/out.$$" && grep -q '^goroutine [0-9]* \[' "$SCRATCH/out.$$" ||
	fail_test "-o - with --debug 2 did not print a goroutine dump"

# -o DIR picks the automatic name inside DIR
mkdir -p saved
expect_exit 0 "$GOSCOPE" fetch --type heap --gc 1 -o saved "$DEMO_ADDR"
[ "$(cat "$SCRATCH/out.$$")" = "saved/127.0.0.1_$port.heap.001.pb.gz" ] ||
	fail_test "-o DIR saved as '$(cat "$SCRATCH/out.$$")'"
[ -s "saved/127.0.0.1_$port.heap.001.pb.gz" ] || fail_test "-o DIR wrote nothing"

# no temporary files are left behind
leftover=$(find . -name '*.tmp-*')
[ -z "$leftover" ] || fail_test "temporary files left: $leftover"

# usage errors
expect_exit 64 "$GOSCOPE" fetch
expect_exit 64 "$GOSCOPE" fetch a:1 b:2
expect_exit 64 "$GOSCOPE" fetch --json -o - "$DEMO_ADDR"
expect_exit 64 "$GOSCOPE" fetch --seconds xyz "$DEMO_ADDR"

kill "$DEMO_PID"
wait "$DEMO_PID" 2>/dev/null
rc=$?
[ "$rc" = 0 ] || fail_test "the demo service exited $rc on SIGTERM"
pass_test
