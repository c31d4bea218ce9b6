# Helpers for the goroutine tests (sourced after common.sh): build the parked fixture
# (tests/fixtures/go/parked, with cgo when a C compiler is there) and start it on 127.0.0.1.
# Every process started here is killed on exit; the fixture also exits by itself.

# the demo helpers' proxy settings, process list (T05_PIDS) and cleanup trap
. "$SRCDIR/tests/cli/t05-demo.bash"

# build_parked: builds the fixture once into $FIXTURES/parked/parked; sets PARKED_BIN and
# PARKED_CGO (1 when built with cgo).
build_parked() {
	[ -n "${GO:-}" ] && [ -x "$GO" ] || GO=$(command -v go) || fail_test "no Go toolchain"
	FIXTURES=${FIXTURES:-$BUILDDIR/fixtures}
	mkdir -p "$FIXTURES/parked"
	PARKED_BIN="$FIXTURES/parked/parked"
	PARKED_CGO=0
	command -v gcc >/dev/null && PARKED_CGO=1
	(
		flock 9
		cd "$SRCDIR/tests/fixtures/go/parked" &&
			CGO_ENABLED=$PARKED_CGO "$GO" build -o "$PARKED_BIN.tmp.$$" . &&
			mv -f "$PARKED_BIN.tmp.$$" "$PARKED_BIN"
	) 9>"$FIXTURES/parked/.lock" || fail_test "cannot build the parked fixture"
}

# start_parked [flags...]: starts the fixture (environment passes through); waits for its
# "ADDRESS PID" line; sets PARKED_ADDR, PARKED_PID and PARKED_ERR (its stderr file).
start_parked() {
	local out="$SCRATCH/parked.out.$RANDOM" i line
	[ -n "${PARKED_BIN:-}" ] || build_parked
	PARKED_ERR="$out.err"
	"$PARKED_BIN" -max-lifetime 180s "$@" >"$out" 2>"$PARKED_ERR" &
	PARKED_PID=$!
	T05_PIDS+=("$PARKED_PID")
	for i in $(seq 150); do
		line=$(head -n1 "$out" 2>/dev/null)
		if [ -n "$line" ]; then
			PARKED_ADDR=${line%% *}
			[ "${line##* }" = "$PARKED_PID" ] || fail_test "parked printed pid '${line##* }', expected $PARKED_PID"
			return 0
		fi
		kill -0 "$PARKED_PID" 2>/dev/null || fail_test "parked fixture died: $(cat "$PARKED_ERR")"
		sleep 0.1
	done
	fail_test "parked fixture did not get ready within 15s"
}

# http_get URL FILE: the body of URL into FILE (python, so that the test does not depend on
# the code under test to fetch its reference).
http_get() {
	python3 - "$1" "$2" <<'PY' || fail_test "cannot fetch $1"
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=30) as r, open(sys.argv[2], "wb") as f:
    f.write(r.read())
PY
}
