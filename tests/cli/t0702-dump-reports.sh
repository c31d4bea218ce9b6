#!/usr/bin/env bash
# Goroutine dumps as report input: top, traces and flame read a debug=2 dump as a goroutine
# profile, and convert --to pprof writes one that go tool pprof reads. The stacks and counts
# agree with the fixture's own goroutine profile (debug=0) of the same moment, as
# `go tool pprof -traces` shows it, wherever the stacks coincide (dumps hide the runtime's
# internal frames, which are left out of the comparison).
set -u
. "$SRCDIR/tests/cli/common.sh"
. "$SRCDIR/tests/cli/parked.bash"

cd "$SCRATCH"
GODEBUG=tracebacklabels=1 start_parked
http_get "http://$PARKED_ADDR/debug/pprof/goroutine" profile.pb.gz
http_get "http://$PARKED_ADDR/debug/pprof/goroutine?debug=2" dump.txt
"$GO" tool pprof -traces profile.pb.gz >theirs.txt 2>/dev/null || fail_test "go tool pprof -traces failed"
expect_exit 0 "$GOSCOPE" traces dump.txt
cp "$SCRATCH/out.$$" ours.txt

# compare THEIRS OURS: traces keyed by (labels, stack without runtime internals)
compare_traces() {
	python3 - "$1" "$2" <<'PY'
import re, sys
def hidden(fn):
    # the runtime's showframe: package runtime's unexported functions are not printed
    name = fn.replace(" (inline)", "")
    return name.startswith("runtime.") and not name[8:9].isupper()
def parse(path):
    traces = {}
    for block in open(path).read().split("-----------+-------------------------------------------------------")[1:]:
        labels, frames, count = [], [], None
        for line in block.split("\n"):
            if not line.strip():
                continue
            m = re.match(r"^\s+(\S+):\s+(.*)$", line)
            if count is None and m and not re.match(r"^\s+\d+\s", line):
                labels.append((m.group(1), m.group(2).strip())); continue
            m = re.match(r"^\s+(\d+)\s+(.*)$", line)
            if count is None and m:
                count = int(m.group(1)); frames.append(m.group(2).strip()); continue
            frames.append(line.strip())
        key = (tuple(sorted(labels)), tuple(f for f in frames if not hidden(f)))
        traces[key] = traces.get(key, 0) + (count or 0)
    return traces
theirs, ours = parse(sys.argv[1]), parse(sys.argv[2])
common = set(theirs) & set(ours)
bad = [(k, theirs[k], ours[k]) for k in common if theirs[k] != ours[k]]
for k, t, o in bad:
    print("count differs: pprof %d, goscope %d for %r" % (t, o, k))
need = ["main.mutexWaiter", "main.receiver", "main.sender", "main.selector", "main.rwReader",
        "main.rwWriter", "main.condWaiter", "main.sleeper", "main.netReader", "main.syscallReader",
        "main.lockedThread", "main.inlinedParker", "main.waitGroupWaiter"]
for fn in need:
    if not any(fn in k[1] for k in common):
        print("no common stack through %s" % fn); bad.append(fn)
mu = [k for k in common if "main.mutexWaiter" in k[1]]
if not mu or theirs[mu[0]] != 5 or ("worker", "mutex") not in mu[0][0]:
    print("the mutex waiters are not 5 goroutines labelled worker=mutex: %r" % mu); bad.append("mu")
sys.exit(1 if bad else 0)
PY
}
compare_traces theirs.txt ours.txt || fail_test "goscope traces of the dump disagrees with go tool pprof -traces of the profile"

# top -cum: the cumulative counts of the program's functions agree
"$GO" tool pprof -top -cum -nodecount=500 profile.pb.gz >theirs-top.txt 2>/dev/null || fail_test "go tool pprof -top failed"
expect_exit 0 "$GOSCOPE" top -cum -nodecount=500 dump.txt
for fn in main.mutexWaiter main.receiver main.labelled main.sleeper; do
	want=$(awk -v f="$fn" '$6 == f {print $4}' theirs-top.txt)
	got=$(awk -v f="$fn" '$6 == f {print $4}' "$SCRATCH/out.$$")
	[ -n "$want" ] && [ "$want" = "$got" ] || fail_test "top -cum of $fn: pprof '$want', goscope '$got'"
done
grep -q '^Type: goroutine$' "$SCRATCH/out.$$" || fail_test "top of a dump is not a goroutine profile"

# convert --to pprof: go tool pprof reads it and sees the same traces
expect_exit 0 "$GOSCOPE" convert --to pprof -o converted.pb.gz dump.txt
"$GO" tool pprof -traces converted.pb.gz >converted.txt 2>/dev/null || fail_test "go tool pprof cannot read the converted dump"
python3 - ours.txt converted.txt <<'PY' || fail_test "go tool pprof -traces of the converted dump differs from goscope traces of the dump"
import sys
def body(p):
    t = open(p).read()
    return t[t.index("-----------+"):]
sys.exit(0 if body(sys.argv[1]) == body(sys.argv[2]) else 1)
PY

# a flame graph of the dump, and the dump from stdin
expect_exit 0 "$GOSCOPE" flame -o dump.html dump.txt
grep -q 'main.mutexWaiter' dump.html || fail_test "the flame graph of the dump lacks main.mutexWaiter"
"$GOSCOPE" top - <dump.txt >stdin-top.txt || fail_test "top of a dump on stdin exited $?"
grep -q 'internal/sync.runtime_SemacquireMutex' stdin-top.txt || fail_test "top of a dump on stdin: $(head -5 stdin-top.txt)"
pass_test
