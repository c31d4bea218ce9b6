# Helpers for CLI tests (sourced). Tests get GOSCOPE, SRCDIR, BUILDDIR, SCRATCH, GO and FIXTURES
# from ctest; a test prints what failed and exits 1, exits 77 only when the kernel forbids
# something it needs.
: "${GOSCOPE:?GOSCOPE must point at the goscope binary}"
: "${SRCDIR:?}"
SCRATCH=${SCRATCH:-$(mktemp -d)}
rm -rf "$SCRATCH" && mkdir -p "$SCRATCH"
export TZ=UTC LC_ALL=C
export PATH="$PATH:/usr/local/go/bin"

fail_test() {
	echo "FAIL: $*" >&2
	exit 1
}

pass_test() {
	echo "ok: ${0##*/}"
	exit 0
}

# expect_exit CODE CMD...: runs CMD, fails the test unless it exits CODE.
expect_exit() {
	local want=$1 got
	shift
	"$@" >"$SCRATCH/out.$$" 2>"$SCRATCH/err.$$"
	got=$?
	if [ "$got" != "$want" ]; then
		echo "stdout:" >&2; head -20 "$SCRATCH/out.$$" >&2
		echo "stderr:" >&2; head -20 "$SCRATCH/err.$$" >&2
		fail_test "'$*' exited $got, expected $want"
	fi
}
