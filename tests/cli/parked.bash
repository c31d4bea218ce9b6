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

# build_parked_variant VERSION MODE CGO [GOARCH]: builds the fixture with Go VERSION (fetched
# through GOTOOLCHAIN) as MODE: exe, stripped (-s -w), pie or piestripped, with cgo or not
# (CGO 1 or 0), for GOARCH (default: this machine's); cached by the fixture's source under
# $FIXTURES.
# Prints the binary's path; returns 1 when the build fails (its log is $SCRATCH/build.log).
build_parked_variant() {
	local v=$1 mode=$2 cgo=$3 arch=${4:-} src="$SRCDIR/tests/fixtures/go/parked" key out
	[ -n "${GO:-}" ] && [ -x "$GO" ] || GO=$(command -v go) || fail_test "no Go toolchain"
	key=$(cat "$src"/*.go "$src/go.mod" | cksum | cut -d' ' -f1)
	out=${FIXTURES:-$SCRATCH}/parked-$key/$v-$mode-cgo$cgo${arch:+-$arch}
	local args=(-buildmode=exe)
	case $mode in pie*) args=(-buildmode=pie) ;; esac
	case $mode in *stripped) args+=("-ldflags=-s -w") ;; esac
	if [ ! -s "$out" ]; then
		mkdir -p "$(dirname "$out")"
		(cd "$src" && GOTOOLCHAIN=$v CGO_ENABLED=$cgo ${arch:+GOARCH=$arch} GOFLAGS=-mod=mod \
			"$GO" build "${args[@]}" -o "$out.tmp.$$" . >"$SCRATCH/build.log" 2>&1) || return 1
		mv -f "$out.tmp.$$" "$out"
	fi
	echo "$out"
}

# each_go_version ARCH "MODES" CHECK: for every Go version of lib/gobin/layouts/VERSIONS that
# can build the fixture here, builds it for ARCH ("" for this machine's) in each of MODES
# (build_parked_variant) and runs CHECK NAME BINARY; sets VERIFIED to the versions checked, fails when none could build.
each_go_version() {
	local arch=$1 modes=$2 check=$3 v mode bin
	VERIFIED=()
	for v in $(grep -v '^#' "$SRCDIR/lib/gobin/layouts/VERSIONS"); do
		if ! build_parked_variant "$v" exe 0 "$arch" >/dev/null; then
			echo "note: cannot build with $v (toolchain not fetchable here?)" >&2
			tail -3 "$SCRATCH/build.log" >&2
			continue
		fi
		for mode in $modes; do
			bin=$(build_parked_variant "$v" "$mode" 0 "$arch") ||
				{ cat "$SCRATCH/build.log" >&2; fail_test "cannot build $v $mode $arch"; }
			"$check" "$v/$mode${arch:+/$arch}" "$bin"
		done
		VERIFIED+=("$v")
	done
	[ ${#VERIFIED[@]} -gt 0 ] || fail_test "no Go version could build the fixture"
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
