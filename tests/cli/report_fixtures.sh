# Helpers for the report CLI tests (t02xx, sourced after common.sh): build the mkprofile
# fixture once per build tree, turn a spec into a profile, and compare goscope's text output
# with `go tool pprof`'s for the same flags.
: "${FIXTURES:?}"
: "${GO:=go}"

MKPROFILE="$FIXTURES/bin/mkprofile"

# build_mkprofile: compiles tests/fixtures/go/mkprofile once; concurrent tests wait on a lock.
build_mkprofile() {
	mkdir -p "$FIXTURES/bin"
	(
		flock 9
		src="$SRCDIR/tests/fixtures/go/mkprofile/main.go"
		if [ ! -x "$MKPROFILE" ] || [ "$src" -nt "$MKPROFILE" ]; then
			work=$(mktemp -d)
			cp "$src" "$work/main.go"
			printf 'module mkprofile\n\ngo 1.22\n' >"$work/go.mod"
			(cd "$work" && GOFLAGS=-mod=mod "$GO" build -o "$MKPROFILE.tmp" .) || exit 1
			mv "$MKPROFILE.tmp" "$MKPROFILE"
			rm -rf "$work"
		fi
	) 9>"$FIXTURES/bin/.mkprofile.lock" || fail_test "cannot build the mkprofile fixture"
}

# mkprofile OUT: writes the profile described by the spec on stdin to OUT.
mkprofile() {
	"$MKPROFILE" >"$1" || fail_test "mkprofile failed for $1"
}

# same_as_pprof CMD [ARG] -- FLAGS... SOURCES...: runs `goscope CMD [ARG] FLAGS SOURCES` and
# `go tool pprof -CMD [ARG] FLAGS SOURCES`; fails unless stdout and the exit status (0 or not)
# are the same. CMD "peek" takes the regex as ARG.
same_as_pprof() {
	local cmd=$1 arg=() want got
	shift
	if [ "$cmd" = peek ]; then
		arg=("$1")
		shift
	fi
	"$GO" tool pprof "-$cmd" "${arg[@]}" "$@" >"$SCRATCH/want" 2>"$SCRATCH/want.err"
	want=$?
	"$GOSCOPE" "$cmd" "${arg[@]}" "$@" >"$SCRATCH/got" 2>"$SCRATCH/got.err"
	got=$?
	if [ "$want" != 0 ]; then want=fail; fi
	if [ "$got" != 0 ]; then got=fail; fi
	if [ "$want" != "$got" ] || ! cmp -s "$SCRATCH/want" "$SCRATCH/got"; then
		echo "goscope $cmd ${arg[*]} $*" >&2
		diff -u "$SCRATCH/want" "$SCRATCH/got" | head -40 >&2
		echo "pprof stderr:" >&2; head -5 "$SCRATCH/want.err" >&2
		echo "goscope stderr:" >&2; head -5 "$SCRATCH/got.err" >&2
		fail_test "goscope $cmd differs from go tool pprof -$cmd (status $got, pprof $want)"
	fi
}

# json_ok CMD ARGS...: goscope CMD --json ARGS must exit 0 and print valid JSON (kept in
# $SCRATCH/json).
json_ok() {
	local cmd=$1
	shift
	"$GOSCOPE" "$cmd" --json "$@" >"$SCRATCH/json" 2>"$SCRATCH/json.err" ||
		fail_test "goscope $cmd --json $* exited $?: $(head -3 "$SCRATCH/json.err")"
	python3 -m json.tool "$SCRATCH/json" >/dev/null ||
		fail_test "goscope $cmd --json $* is not valid JSON"
}

# The spec of a small CPU profile shared by the report tests: inlining, labels on some
# samples, a sample with two values for one key, numeric labels with and without units, a
# sample without frames.
cpu_spec() {
	cat <<'SPEC'
sample_type samples count
sample_type cpu nanoseconds
period_type cpu nanoseconds
period 10000000
time_nanos 1700000000000000000
duration_nanos 3000000000
mapping id=1 start=0x400000 limit=0x500000 file=/usr/bin/demo functions
function id=1 name=main.main file=/src/main.go start=10
function id=2 name=main.hot file=/src/main.go start=20
function id=3 name=main.small file=/src/main.go start=30
function id=4 name=runtime.main file=/usr/local/go/src/runtime/proc.go start=100
function id=5 name=main.rec file=/src/rec.go start=5
location id=1 mapping=1 addr=0x401000 lines=3:31,2:25
location id=2 mapping=1 addr=0x402000 lines=1:12
location id=3 mapping=1 addr=0x403000 lines=4:250
location id=4 mapping=1 addr=0x404000 lines=2:22
location id=5 mapping=1 addr=0x405000 lines=5:7
location id=6 mapping=1 addr=0x405100 lines=5:9
sample locs=1,2,3 values=5,50000000 label=worker:a label=job:x%20y num=bytes:2048
sample locs=4,2,3 values=3,30000000 label=worker:b num=bytes:512:bytes num=size:7
sample locs=2,3 values=1,10000000
sample locs=1,2,3 values=2,20000000 label=worker:a label=worker:c
sample locs=5,6,5,6,2,3 values=4,40000000 label=worker:a
sample locs= values=9,90000000 label=worker:z
sample locs=6,2,3 values=1,1500000 num=request:4096
SPEC
}
