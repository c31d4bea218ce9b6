# Helpers for the fetch tests (t05xx, sourced after common.sh): build and start the demo
# service (tests/fixtures/go/demo) on 127.0.0.1, and tiny misbehaving loopback servers. All
# traffic stays on 127.0.0.1; every process started here is killed on exit and also ends by
# itself (the demo after -max-lifetime, the small servers after their lifetime).

# Proxies from the environment must not intercept loopback test traffic.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export no_proxy=127.0.0.1 NO_PROXY=127.0.0.1

T05_PIDS=()
t05_cleanup() {
	local p
	for p in "${T05_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${T05_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
}
trap t05_cleanup EXIT

# build_demo: builds the demo service into $FIXTURES/demo/demo (shared by the presets, hence
# the lock); sets DEMO_BIN. The binary is replaced only when the build differs, so that a
# running demo of another test keeps its executable (/proc/PID/exe) in place.
build_demo() {
	[ -n "${GO:-}" ] && [ -x "$GO" ] || GO=$(command -v go) || fail_test "no Go toolchain"
	FIXTURES=${FIXTURES:-$BUILDDIR/fixtures}
	mkdir -p "$FIXTURES/demo"
	DEMO_BIN="$FIXTURES/demo/demo"
	(
		flock 9
		cd "$SRCDIR/tests/fixtures/go/demo" &&
			"$GO" build -o "$DEMO_BIN.tmp.$$" . || exit 1
		if cmp -s "$DEMO_BIN.tmp.$$" "$DEMO_BIN"; then
			rm -f "$DEMO_BIN.tmp.$$"
		else
			mv -f "$DEMO_BIN.tmp.$$" "$DEMO_BIN"
		fi
	) 9>"$FIXTURES/demo/.lock" || fail_test "cannot build the demo service"
}

# start_demo [flags...]: starts the demo on a free loopback port; sets DEMO_ADDR, DEMO_PID.
start_demo() {
	local out="$SCRATCH/demo.out.$RANDOM" i
	[ -n "${DEMO_BIN:-}" ] || build_demo
	"$DEMO_BIN" -addr 127.0.0.1:0 -max-lifetime 180s "$@" >"$out" 2>"$out.err" &
	DEMO_PID=$!
	T05_PIDS+=("$DEMO_PID")
	for i in $(seq 100); do
		DEMO_ADDR=$(head -n1 "$out" 2>/dev/null)
		[ -n "$DEMO_ADDR" ] && return 0
		kill -0 "$DEMO_PID" 2>/dev/null || fail_test "demo service died: $(cat "$out.err")"
		sleep 0.1
	done
	fail_test "demo service did not print its address within 10s"
}

# start_bad_server MODE: a loopback HTTP server that misbehaves (stall: accepts and never
# answers; html: answers 200 with an HTML page; short: announces 100000 bytes and sends 10;
# redirect: redirects forever); sets BAD_ADDR. It exits by itself after 60 s.
start_bad_server() {
	local out="$SCRATCH/bad.out.$RANDOM" i
	python3 - "$1" >"$out" <<'PY' &
import socket, sys, threading, time
mode = sys.argv[1]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(16)
print("127.0.0.1:%d" % s.getsockname()[1], flush=True)
held = []
def serve(c):
    try:
        c.settimeout(5)
        c.recv(65536)
        if mode == "stall":
            held.append(c)
            return
        if mode == "html":
            body = b"<html><body>please log in</body></html>"
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        elif mode == "short":
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff")
        elif mode == "redirect":
            c.sendall(b"HTTP/1.1 302 Found\r\nLocation: /debug/pprof/again\r\nContent-Length: 0\r\n\r\n")
        elif mode == "error":
            body = b"backend \x1b[31mexploded\x1b[0m\nsecond line\n"
            c.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        c.close()
    except OSError:
        pass
s.settimeout(0.5)
end = time.time() + 60
while time.time() < end:
    try:
        c, _ = s.accept()
    except socket.timeout:
        continue
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
	T05_PIDS+=("$!")
	for i in $(seq 100); do
		BAD_ADDR=$(head -n1 "$out" 2>/dev/null)
		[ -n "$BAD_ADDR" ] && return 0
		sleep 0.1
	done
	fail_test "python3 loopback server did not start"
}

# free_port: a loopback port nothing listens on (bound, then released).
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# json_get FILE KEY: prints one top-level key of a JSON object (fails the test on bad JSON).
json_get() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2" ||
		fail_test "$1 is not a JSON object with '$2'"
}
