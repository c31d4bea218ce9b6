#!/usr/bin/env bash
# goscope's main job on a bundled demo, in one command: installs what is missing, builds
# goscope and the demo Go service (tests/fixtures/go/demo), starts the service on a free
# 127.0.0.1 port, collects a CPU profile and a goroutine profile from it over HTTP, prints
# `goscope top` of both, writes a flame graph, and finds the goroutine leak the service has
# (it runs with -leak) by reading its memory by PID. The service is always stopped on exit.
# Usage: scripts/demo.sh [seconds of CPU profile, default 5]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${1:-5}
. scripts/go-env.sh
# The demo talks to 127.0.0.1 only; a proxy from the environment must not get in the way.
export no_proxy=127.0.0.1 NO_PROXY=127.0.0.1

out=$root/build/demo
mkdir -p "$out"
rm -f "$out"/*.pb.gz "$out"/*.flame.html
log=$out/build.log
bold= plain=
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then bold=$'\033[1m' plain=$'\033[0m'; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
die() {
	echo "demo: $*" >&2
	exit 2
}

step "checking build dependencies"
GOSCOPE_DEPS=build scripts/install-deps.sh

step "building goscope (release) and the demo service"
{
	cmake --preset release && cmake --build --preset release --target goscope-cli
} >"$log" 2>&1 || { tail -30 "$log" >&2; die "building goscope failed (full log: $log)"; }
gs=$root/build/release/goscope
(cd tests/fixtures/go/demo && go build -o "$out/demo-service" .) >>"$log" 2>&1 ||
	{ tail -30 "$log" >&2; die "building the demo service failed (full log: $log)"; }
echo "goscope: $gs"
echo "service: $out/demo-service (source: tests/fixtures/go/demo/main.go)"

step "starting the demo service"
pid=
stop() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
}
trap stop EXIT
trap 'exit 130' INT TERM
"$out/demo-service" -addr 127.0.0.1:0 -leak -max-lifetime 10m >"$out/service.addr" 2>"$out/service.log" &
pid=$!
addr=
for _ in $(seq 100); do
	addr=$(head -n1 "$out/service.addr" 2>/dev/null || true)
	[ -n "$addr" ] && break
	kill -0 "$pid" 2>/dev/null || die "the demo service did not start: $(cat "$out/service.log")"
	sleep 0.1
done
[ -n "$addr" ] || die "the demo service did not report its address"
echo "listening on http://$addr/debug/pprof/ as pid $pid (it generates its own load, and leaks goroutines)"

# show CMD ARGS...: prints the command as a user would type it (paths are relative to the
# repository); goscope CMD ARGS...: shows it, then runs it.
show() {
	local a line='$ goscope'
	for a in "$@"; do
		if [[ $a =~ ^[A-Za-z0-9_./:=,-]+$ ]]; then line+=" $a"; else line+=" '${a//\'/\'\\\'\'}'"; fi
	done
	printf '%s\n' "$line"
}
goscope() {
	show "$@"
	"$gs" "$@"
}
rel=${out#"$root"/}

step "collecting a ${seconds}s CPU profile and a goroutine profile over HTTP"
show fetch --seconds "$seconds" -o "$rel" "$addr"
cpu=$("$gs" fetch --seconds "$seconds" -o "$rel" "$addr")
echo "saved $cpu"
show fetch --type goroutine -o "$rel" "$addr"
goroutines=$("$gs" fetch --type goroutine -o "$rel" "$addr")
echo "saved $goroutines"

step "where the CPU time went"
goscope top -nodecount=12 "$cpu"

step "what the goroutines are doing (the service's own functions)"
goscope top -show='^main\.' "$goroutines"

step "flame graph"
flame=$rel/cpu.flame.html
goscope flame -o "$flame" "$cpu" 2>"$out/flame.log" || { cat "$out/flame.log" >&2; die "goscope flame failed"; }
[ -s "$flame" ] || die "no flame graph was written"
echo "wrote $root/$flame"
echo "open it in a browser: click a frame to zoom, type in the search box to highlight"

step "a goroutine leak, read from the service's memory by its PID (no /debug/pprof needed)"
goscope leaks --interval 2s --count 3 --min-growth 10 "$pid" ||
	echo "(goscope could not read the process: the line above says why; the rest of the demo stands)"

stop
pid=
step "done"
echo "next: 'goscope help' for every command; scripts/test.sh runs the test suite"
