#!/usr/bin/env bash
# Issue 4, acceptance 2: a core file of the parked fixture written by `goscope gcore` and one
# written by the kernel (GOTRACEBACK=crash, SIGABRT) give the same goroutine list: the same
# goroutine ids, and for every parked goroutine the same status, state, wait reason, frames
# (function, file:line, and in the dump format the +0x offsets), creator, labels, lock and
# thread. Left out, for a reason written below: main.heartbeat. The fixture as built by
# parked.bash (with cgo when there is a C compiler), as a PIE built with -s -w, and built by
# every Go version of lib/gobin/layouts/VERSIONS this machine can fetch.
# Also: a goroutine running when the kernel core is written (its thread took the SIGABRT and
# crashed inside the signal handler) is traced from the registers the kernel saved for the
# handler, and agrees with the runtime's own crash dump of it (built by each Go version too).
# Skipped only when the kernel pipes cores to a helper or core files are limited to 0 bytes.
set -u
. "$SRCDIR/tests/cli/common.sh"
. "$SRCDIR/tests/cli/parked.bash"
. "$SRCDIR/tests/cli/kcore.bash"
build_parked
# compare_cores NAME: starts $PARKED_BIN with GOTRACEBACK=crash, writes a core with gcore, makes
# the kernel write one, and compares the goroutines of the two.
compare_cores() {
	kcore_setup "$SCRATCH/crash-$1"
	cd "$SCRATCH/crash-$1" || fail_test "no scratch directory"
	GOTRACEBACK=crash start_parked -max-lifetime 5m
	"$GOSCOPE" gcore -o "$SCRATCH/$1.gcore.core" "$PARKED_PID" 2>"$SCRATCH/gcore.err" ||
		fail_test "$1: goscope gcore exited $?: $(cat "$SCRATCH/gcore.err")"
	kill -ABRT "$PARKED_PID"
	wait "$PARKED_PID" 2>/dev/null
	kcore_find
	for c in gcore kernel; do
		core="$SCRATCH/$1.gcore.core"
		[ $c = kernel ] && core=$KCORE
		"$GOSCOPE" goroutines --all --json --binary "$PARKED_BIN" "$core" >"$SCRATCH/$1.$c.json" ||
			fail_test "$1: goroutines --all --json of the $c core exited $?"
		"$GOSCOPE" goroutines --all --binary "$PARKED_BIN" "$core" >"$SCRATCH/$1.$c.txt" ||
			fail_test "$1: goroutines --all of the $c core exited $?"
	done
	python3 "$SRCDIR/tests/cli/goroutines_cmp.py" "$SCRATCH/$1.gcore.txt" "$SCRATCH/$1.kernel.txt" 18 >"$SCRATCH/cmp" ||
		{ cat "$SCRATCH/cmp" >&2; fail_test "$1: the dump of the kernel core differs from the gcore core's"; }
	echo "$1: dump format: $(tail -n1 "$SCRATCH/cmp")"
	python3 - "$SCRATCH/$1.gcore.json" "$SCRATCH/$1.kernel.json" "$1" <<'PY' || fail_test "$1: the two cores give different goroutine lists"
import json, sys
gc, kc = ({g["id"]: g for g in json.load(open(p))["goroutines"]} for p in sys.argv[1:3])
if set(gc) != set(kc):
    sys.exit("goroutine ids differ: only in the gcore core %s, only in the kernel core %s"
             % (sorted(set(gc) - set(kc)), sorted(set(kc) - set(gc))))
# main.heartbeat is the one goroutine of the fixture that runs: it wakes up every millisecond,
# so whether it sleeps, runs or waits to run is a matter of the moment each core is taken. The
# crash changes exactly such goroutines: startpanic_m's freezetheworld preempts every goroutine
# running on another P (it becomes runnable, stopped at an async preemption point), and the one
# the thread that took the SIGABRT was running, if any, stays running with that thread inside
# the signal handler (sighandler, then crash() raising SIGABRT again). Every other goroutine is
# parked (waiting, or in a system call or C call whose thread the crash's SIGQUIT relay
# interrupts without touching the goroutine), so nothing may differ there.
RUNS = "main.heartbeat"
def view(g):
    return {"status": g["status"], "state": g["state"], "wait_reason": g["wait_reason"],
            "frames": [(f["func"], f["file"], f["line"]) for f in g["frames"]],
            "created_by": g.get("created_by"), "labels": g["labels"], "locked": g["locked"],
            "system": g["system"], "m": g.get("m"), "thread": g.get("thread")}
n = bad = 0
for gid in sorted(gc):
    if any(f["func"] == RUNS for g in (gc[gid], kc[gid]) for f in g["frames"]):
        print("%s: left out goroutine %d (%s): gcore core [%s], kernel core [%s]"
              % (sys.argv[3], gid, RUNS, gc[gid]["state"], kc[gid]["state"]))
        continue
    n += 1
    a, b = view(gc[gid]), view(kc[gid])
    if a != b:
        bad += 1
        print("goroutine %d differs:" % gid, file=sys.stderr)
        for k in a:
            if a[k] != b[k]:
                print("  %s: gcore %r, kernel %r" % (k, a[k], b[k]), file=sys.stderr)
print("%s: JSON: compared %d goroutines, %d differ" % (sys.argv[3], n, bad))
sys.exit(1 if bad or n < 18 else 0)
PY
}

compare_cores default
# a PIE without symbols or DWARF: the layout comes from scanning runtime code, the load bias
# from each core's auxiliary vector
PARKED_BIN="$SCRATCH/parked-pie-stripped"
(cd "$SRCDIR/tests/fixtures/go/parked" && CGO_ENABLED=$PARKED_CGO "$GO" build -buildmode=pie -ldflags="-s -w" -o "$PARKED_BIN" .) ||
	fail_test "cannot build the parked fixture as a stripped PIE"
compare_cores pie-stripped

# A goroutine running when the kernel writes the core: a program spinning in main.spin on a
# locked thread (GODEBUG=asyncpreemptoff=1: the loop has no preemption point, so the runtime
# never makes it runnable for a moment), whose thread gets the SIGABRT. The core holds that thread inside the signal
# handler (nested: crash() raises SIGABRT again); the goroutine's frames come from the
# interrupted registers the kernel saved, as in the runtime's own crash dump on stderr.
mkdir -p "$SCRATCH/spin"
cat >"$SCRATCH/spin/main.go" <<'GO'
package main

import (
	"fmt"
	"os"
	"runtime"
	"syscall"
	"time"
)

//go:noinline
func spin(n *int) {
	for {
		*n++
	}
}

func main() {
	tid := make(chan int)
	go func() {
		runtime.LockOSThread()
		tid <- syscall.Gettid()
		var n int
		spin(&n)
	}()
	fmt.Println(os.Getpid(), <-tid)
	time.Sleep(2 * time.Minute)
}
GO
printf 'module spin\n\ngo 1.21\n' >"$SCRATCH/spin/go.mod"
# check_running NAME BIN: runs the spinning program BIN, sends SIGABRT to its spinning thread
# and compares the goroutine in the kernel's core with the runtime's crash dump.
check_running() {
	kcore_setup "$SCRATCH/spin-$1"
	cd "$SCRATCH/spin-$1" || fail_test "no scratch directory"
	GOTRACEBACK=crash GODEBUG=asyncpreemptoff=1 "$2" >spin.out 2>spin.err &
	spid=$!
	T05_PIDS+=("$spid")
	for _ in $(seq 100); do [ -s spin.out ] && break; sleep 0.1; done
	read -r _ tid <spin.out || fail_test "$1: the spinning program did not start"
	sleep 0.2
	kill -ABRT "$tid" # to that thread: the kernel delivers a signal to the thread it is sent to
	wait "$spid" 2>/dev/null
	kcore_find
	"$GOSCOPE" goroutines --all --binary "$2" "$KCORE" >spin.txt ||
		fail_test "$1: goroutines --all of the spinning program's core exited $?"
	python3 - spin.err spin.txt "$1" <<'PY' || fail_test "$1: the running goroutine differs from the runtime's crash dump"
import re, sys
def blocks(text):
    out = {}
    for block in text.split("\n\n"):
        lines = [l for l in block.split("\n") if l]
        while lines and not lines[0].startswith("goroutine "):
            lines.pop(0)
        if not lines:
            continue
        m = re.match(r"goroutine (\d+)(?: gp=\S+ m=\S+(?: mp=\S+)?)? \[([^\]]*)\]:", lines[0])
        if not m or int(m.group(1)) in out:
            continue
        body, skip = [], False
        for l in lines[1:]:
            if l.startswith("\t"):
                if not skip:
                    body.append(re.sub(r" fp=0x\S+ sp=0x\S+ pc=0x\S+$", "", l))
            elif l.startswith("created by"):
                body.append(l)
                skip = False
            else:
                # GOTRACEBACK=crash shows runtime frames too; the --all format does not
                skip = l.startswith("runtime.")
                if not skip:
                    body.append(re.sub(r"\([^()]*\)$", "()", l))
        out[int(m.group(1))] = (m.group(2), body)
    return out
want, got = blocks(open(sys.argv[1]).read()), blocks(open(sys.argv[2]).read())
spinning = [gid for gid, (state, body) in want.items() if "main.spin()" in body]
if len(spinning) != 1:
    sys.exit("the crash dump shows %d goroutines in main.spin" % len(spinning))
gid = spinning[0]
print("%s: goroutine %d [%s]: frames and creator as in the runtime's crash dump" % (sys.argv[3], gid, want[gid][0])
      if got.get(gid) == want[gid] else "%s:\nruntime: %s\ngoscope: %s" % (sys.argv[3], want[gid], got.get(gid)))
if not want[gid][0].startswith("running"):
    sys.exit("the spinning goroutine was not running when the signal came: %s" % want[gid][0])
sys.exit(0 if got.get(gid) == want[gid] else 1)
PY
}
(cd "$SCRATCH/spin" && CGO_ENABLED=0 "$GO" build -o spin .) || fail_test "cannot build the spinning program"
check_running default "$SCRATCH/spin/spin"

# every Go version of lib/gobin/layouts/VERSIONS this machine can build with: the parked
# fixture (no cgo) and the spinning program
src="$SRCDIR/tests/fixtures/go/parked"
key=$(cat "$src"/*.go "$src/go.mod" | cksum | cut -d' ' -f1)
cache=${FIXTURES:-$SCRATCH}/parked-$key
mkdir -p "$cache"
built=()
for v in $(grep -v '^#' "$SRCDIR/lib/gobin/layouts/VERSIONS"); do
	out="$cache/$v-exe-cgo0" # t0704's name for the same build
	if [ ! -s "$out" ]; then
		(cd "$src" && GOTOOLCHAIN=$v CGO_ENABLED=0 GOFLAGS=-mod=mod "$GO" build -buildmode=exe -o "$out.tmp.$$" . &&
			mv -f "$out.tmp.$$" "$out") >"$SCRATCH/build.log" 2>&1 ||
			{ echo "note: cannot build with $v: $(tail -1 "$SCRATCH/build.log")" >&2; continue; }
	fi
	PARKED_BIN=$out
	compare_cores "$v"
	(cd "$SCRATCH/spin" && GOTOOLCHAIN=$v CGO_ENABLED=0 GOFLAGS=-mod=mod "$GO" build -o "spin-$v" .) ||
		fail_test "cannot build the spinning program with $v"
	check_running "$v" "$SCRATCH/spin/spin-$v"
	built+=("$v")
done
echo "Go versions: ${built[*]}"
pass_test
