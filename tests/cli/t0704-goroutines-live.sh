#!/usr/bin/env bash
# Issue 4, acceptance 1: the parked fixture (goroutines parked in every common state, some under
# labels, deep recursion, an inlined parker, a locked thread, a cgo call) serves its own
# /debug/pprof/goroutine?debug=2; `goscope goroutines --all PID` must agree with it for every
# goroutine parked in the fixture's fixed places: id, state, frames by function and file:line
# with +0x offsets, "created by" (tests/cli/goroutines_cmp.py). Built with every Go version of
# lib/gobin/layouts/VERSIONS this machine can fetch, as a plain executable and a PIE, each with
# and without -ldflags='-s -w'; the installed toolchain's build also with cgo. Non-stop and
# --consistent. The pprof labels read from memory are checked too (the dump has none).
# Also: a core written by `goscope gcore` lists the same goroutines as the live process, and
# reads the same when its file name is a number.
set -u
. "$SRCDIR/tests/cli/common.sh"
. "$SRCDIR/tests/cli/parked.bash"
[ -n "${GO:-}" ] && [ -x "$GO" ] || GO=$(command -v go) || fail_test "no Go toolchain"
cmp_py="$SRCDIR/tests/cli/goroutines_cmp.py"

start() { # BIN -> sets addr, pid
	local log="$SCRATCH/fixture.$RANDOM"
	"$1" -max-lifetime 2m >"$log" 2>&1 &
	T05_PIDS+=($!)
	for _ in $(seq 100); do
		[ -s "$log" ] && break
		sleep 0.1
	done
	read -r addr pid <"$log" || fail_test "$1 did not start: $(cat "$log")"
	[ -n "${pid:-}" ] || fail_test "$1 printed no pid"
}

check() { # NAME BIN [goscope flags...]
	local name=$1 bin=$2
	shift 2
	start "$bin"
	curl -sf "http://$addr/debug/pprof/goroutine?debug=2" >"$SCRATCH/want" ||
		fail_test "$name: cannot fetch the fixture's own dump"
	"$GOSCOPE" goroutines --all "$@" "$pid" >"$SCRATCH/got" 2>"$SCRATCH/err" ||
		{ cat "$SCRATCH/err" >&2; fail_test "$name: goscope goroutines --all $* exited $?"; }
	python3 "$cmp_py" "$SCRATCH/want" "$SCRATCH/got" >"$SCRATCH/cmp" ||
		{ cat "$SCRATCH/cmp" >&2; fail_test "$name: goscope differs from the runtime's own dump"; }
	echo "$name $*: $(tail -1 "$SCRATCH/cmp")"
	# pprof labels read from memory (map up to Go 1.23, slice from 1.24): every mutex waiter
	# runs under worker=mutex, the other parked goroutines of main under none
	"$GOSCOPE" goroutines --all --json "$@" "$pid" >"$SCRATCH/got.json" ||
		fail_test "$name: goscope goroutines --all --json $* failed"
	python3 - "$SCRATCH/got.json" <<'PY' || fail_test "$name: labels read from memory are wrong"
import json, sys
d = json.load(open(sys.argv[1]))
waiters = bad = 0
for g in d["goroutines"]:
    funcs = [f["func"] for f in g["frames"]]
    if "main.mutexWaiter" in funcs:
        waiters += 1
        bad += g["labels"] != {"worker": "mutex"}
    elif "main.receiver" in funcs:
        bad += g["labels"] != {"worker": "chan"}
if bad or waiters != 5:
    print("mutex waiters: %d (want 5), wrong labels: %d" % (waiters, bad), file=sys.stderr)
    sys.exit(1)
PY
}

each_go_version "" "exe stripped pie piestripped" check

# the installed toolchain: cgo (a goroutine in a C call), and the consistent mode
gover=$("$GO" env GOVERSION)
if cgo_bin=$(build_parked_variant "$gover" exe 1); then
	check "$gover/cgo" "$cgo_bin"
	check "$gover/cgo" "$cgo_bin" --consistent
	# a core from gcore lists the same goroutines as the live process
	"$GOSCOPE" goroutines --all "$pid" >"$SCRATCH/live" || fail_test "live listing failed"
	if "$GOSCOPE" gcore "$pid" -o "$SCRATCH/core" 2>"$SCRATCH/err"; then
		"$GOSCOPE" goroutines --all --binary "$cgo_bin" "$SCRATCH/core" >"$SCRATCH/fromcore" ||
			fail_test "goroutines of the core failed"
		python3 "$cmp_py" "$SCRATCH/live" "$SCRATCH/fromcore" >"$SCRATCH/cmp" ||
			{ cat "$SCRATCH/cmp" >&2; fail_test "the core lists other goroutines than the process"; }
		echo "core: $(tail -1 "$SCRATCH/cmp")"
		# a core named by a number (core_pattern %p) is a core file, not a process id
		mkdir -p "$SCRATCH/cores" && cp "$SCRATCH/core" "$SCRATCH/cores/$pid"
		(cd "$SCRATCH/cores" && "$GOSCOPE" goroutines --all --binary "$cgo_bin" "$pid") \
			>"$SCRATCH/fromnum" || fail_test "goroutines of a core named $pid failed"
		cmp -s "$SCRATCH/fromcore" "$SCRATCH/fromnum" ||
			fail_test "a core named $pid reads otherwise than the same core named 'core'"
	else
		fail_test "goscope gcore failed: $(cat "$SCRATCH/err")"
	fi
else
	echo "note: no cgo build (no C compiler?)" >&2
fi
echo "verified: ${VERIFIED[*]}"
pass_test
