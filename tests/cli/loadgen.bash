# Helpers for the tests that keep a service under load (sourced after common.sh and
# parked.bash): build the load generator (tests/fixtures/go/loadgen), start it against a URL,
# stop it and read its summary. The generator exits by itself after -max-lifetime.

# build_loadgen: builds the generator once into $FIXTURES/loadgen/loadgen; sets LOADGEN_BIN.
build_loadgen() {
	[ -n "${GO:-}" ] && [ -x "$GO" ] || GO=$(command -v go) || fail_test "no Go toolchain"
	FIXTURES=${FIXTURES:-$BUILDDIR/fixtures}
	mkdir -p "$FIXTURES/loadgen"
	LOADGEN_BIN="$FIXTURES/loadgen/loadgen"
	(
		flock 9
		cd "$SRCDIR/tests/fixtures/go/loadgen" &&
			CGO_ENABLED=0 "$GO" build -o "$LOADGEN_BIN.tmp.$$" . &&
			mv -f "$LOADGEN_BIN.tmp.$$" "$LOADGEN_BIN"
	) 9>"$FIXTURES/loadgen/.lock" || fail_test "cannot build the load generator"
}

# start_loadgen URL [flags...]: starts the generator against URL and waits until every client
# got a first answer; sets LOADGEN_PID and LOADGEN_OUT (its stdout file).
start_loadgen() {
	local url=$1 i
	shift
	[ -n "${LOADGEN_BIN:-}" ] || build_loadgen
	LOADGEN_OUT="$SCRATCH/loadgen.out.$RANDOM"
	"$LOADGEN_BIN" -url "$url" -max-lifetime 30m "$@" >"$LOADGEN_OUT" 2>"$LOADGEN_OUT.err" &
	LOADGEN_PID=$!
	T05_PIDS+=("$LOADGEN_PID")
	for i in $(seq 300); do
		grep -q '^ready$' "$LOADGEN_OUT" 2>/dev/null && return 0
		kill -0 "$LOADGEN_PID" 2>/dev/null || fail_test "the load generator died: $(cat "$LOADGEN_OUT" "$LOADGEN_OUT.err")"
		sleep 0.1
	done
	fail_test "the load generator got no answer within 30s: $(cat "$LOADGEN_OUT.err")"
}

# stop_loadgen: stops the generator (SIGTERM) and checks its summary: a nonzero count of
# successful requests and no failed one. Sets LOADGEN_SUMMARY (its JSON line).
stop_loadgen() {
	kill -TERM "$LOADGEN_PID" 2>/dev/null || fail_test "the load generator is gone before the end: $(cat "$LOADGEN_OUT.err")"
	wait "$LOADGEN_PID"
	LOADGEN_SUMMARY=$(tail -n1 "$LOADGEN_OUT")
	python3 - "$LOADGEN_SUMMARY" <<'PY' || fail_test "load generator: $LOADGEN_SUMMARY"
import json, sys
r = json.loads(sys.argv[1])
if r["failed"] or r["ok"] <= 0:
    print("%d failed requests, %d succeeded; first failures: %s" % (r["failed"], r["ok"], r["failures"]), file=sys.stderr)
    sys.exit(1)
PY
}

# stopped_threads PID: prints the threads of PID in a stopped state (t: ptrace stop, T: job
# control stop) as "TID:STATE", nothing when none; without a fork per thread.
stopped_threads() {
	local f line st
	for f in /proc/"$1"/task/*/stat; do
		read -r line <"$f" 2>/dev/null || continue
		st=${line##*) }
		st=${st%% *}
		case $st in t | T) f=${f%/stat}; printf '%s:%s ' "${f##*/}" "$st" ;; esac
	done
}

# check_not_stopped PID WHEN: fails the test if a thread of PID stays stopped (looked at again
# for up to a second, since a thread detached a moment ago may not have been scheduled yet).
check_not_stopped() {
	local s i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		s=$(stopped_threads "$1")
		[ -z "$s" ] && return 0
		sleep 0.1
	done
	fail_test "$2: threads of $1 left stopped: $s"
}
