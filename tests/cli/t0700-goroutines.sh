#!/usr/bin/env bash
# goscope goroutines and stack on dumps of the parked fixture (tests/fixtures/go/parked): --all
# reproduces the runtime's own debug=2 dump goroutine by goroutine (and byte for byte), the
# groups of known states have the right counts, wait reasons, labels and creators, the filters
# keep what they should, a SIGQUIT traceback is read with its system goroutines, and bad or cut
# input fails or degrades as documented.
set -u
. "$SRCDIR/tests/cli/common.sh"
. "$SRCDIR/tests/cli/parked.bash"

cd "$SCRATCH"
# labels in dump headers need Go 1.26's tracebacklabels (older runtimes ignore the setting)
GODEBUG=tracebacklabels=1 start_parked
http_get "http://$PARKED_ADDR/debug/pprof/goroutine?debug=2" dump.txt
grep -q '^goroutine 1 \[' dump.txt || fail_test "the fixture's dump has no goroutine 1: $(head -3 dump.txt)"
labels=0
grep -q 'labels:{"worker": "mutex"}' dump.txt && labels=1

# compare REF OURS: every goroutine of REF is in OURS with the same id, state, frames
# (function, file:line) and creator
compare() {
	python3 - "$1" "$2" <<'PY'
import re, sys
def parse(path):
    gs = {}
    for block in open(path).read().split("\n\n"):
        lines = [l for l in block.split("\n") if l]
        if not lines or not lines[0].startswith("goroutine "):
            continue
        m = re.match(r"goroutine (\d+)(?: gp=\S+ m=\S+(?: mp=\S+)?)? \[(.*)\]:$", lines[0])
        assert m, "bad header " + lines[0]
        frames, creator, i = [], None, 1
        while i < len(lines):
            l = lines[i]
            if l.startswith("created by "):
                creator = (l, lines[i + 1].split(" +")[0]); i += 2; continue
            if l.startswith("...") or l.startswith("\t"):
                frames.append(l.strip()); i += 1; continue
            fn = l[:l.rindex("(")]
            frames.append((fn, lines[i + 1].split(" +")[0].strip())); i += 2
        gs[m.group(1)] = (m.group(2), frames, creator)
    return gs
ref, ours = parse(sys.argv[1]), parse(sys.argv[2])
bad = 0
for gid, want in ref.items():
    got = ours.get(gid)
    if got != want:
        bad += 1
        print("goroutine %s differs:\n  want %r\n  got  %r" % (gid, want, got))
if len(ref) < 20:
    print("only %d goroutines in the reference" % len(ref)); bad += 1
sys.exit(1 if bad else 0)
PY
}

expect_exit 0 "$GOSCOPE" goroutines --all dump.txt
cp "$SCRATCH/out.$$" all.txt
compare dump.txt all.txt || fail_test "goroutines --all differs from the runtime's dump"
cmp -s dump.txt all.txt || fail_test "goroutines --all is not the dump byte for byte: $(diff dump.txt all.txt | head -10)"
# from stdin, and straight from the service (a later moment: the fixture's parked goroutines
# are the same)
"$GOSCOPE" goroutines --all - <dump.txt >stdin.txt || fail_test "goroutines --all - exited $?"
cmp -s dump.txt stdin.txt || fail_test "goroutines --all - differs from the dump"
expect_exit 0 "$GOSCOPE" goroutines --all "$PARKED_ADDR"
python3 - dump.txt "$SCRATCH/out.$$" <<'PY' || fail_test "goroutines --all of the URL lost parked goroutines"
import sys
def line(l):
    # file lines without the pc offset, function lines without the argument words
    return l.split(" +")[0] if l.startswith("\t") or "(" not in l else l[:l.rindex("(")]
def blocks(p):
    return {b.split("\n")[0] + "\n" + "\n".join(line(l) for l in b.split("\n")[1:])
            for b in open(p).read().split("\n\n")
            # the fixture's parked goroutines; net/http's (the accept loop, the connections)
            # change state with every request
            if "/parked/" in b and "net/http." not in b and "[running]" not in b and "[runnable]" not in b}
ref = blocks(sys.argv[1])
if len(ref) < 15:
    print("only %d goroutines of the fixture in the dump" % len(ref)); sys.exit(1)
missing = ref - blocks(sys.argv[2])
for b in missing:
    print(b)
sys.exit(1 if missing else 0)
PY

# the recursion's elided middle and the inlined parked frame are where the runtime put them
grep -q '^\.\.\.[0-9]* frames elided\.\.\.$' all.txt || fail_test "no elision marker in --all"
grep -q '^main.waitOn(\.\.\.)$' all.txt || fail_test "the inlined frame main.waitOn is not printed as (...)"

# groups
expect_exit 0 "$GOSCOPE" goroutines --json dump.txt
cp "$SCRATCH/out.$$" groups.json
python3 - groups.json "$labels" <<'PY' || fail_test "groups of the parked states are wrong"
import json, sys
d = json.load(open(sys.argv[1])); labels = sys.argv[2] == "1"
groups = d["groups"]
def find(state, func):
    got = [g for g in groups if g["state"] == state and any(f["func"] == func for f in g["frames"])]
    assert len(got) == 1, "%d groups for %s in %s" % (len(got), func, state)
    return got[0]
mu = find("sync.Mutex.Lock", "main.mutexWaiter")
assert mu["count"] == 5 and len(mu["ids"]) == 5, mu
assert mu["wait_reason"] == "sync.Mutex.Lock" and mu["status"] == "waiting", mu
assert mu["created_by"]["func"] == "main.main.func1", mu["created_by"]
if labels:
    assert mu["labels"] == {"worker": "mutex"} and not mu["labels_mixed"], mu["labels"]
ch = find("chan receive", "main.receiver")
assert ch["count"] == 3, ch
if labels:
    assert ch["labels"] == {"worker": "chan"}, ch["labels"]
assert groups[0] is mu, "the largest user group is not first: %r" % groups[0]["state"]
for state, func in [("chan send", "main.sender"), ("select", "main.selector"),
                    ("select (no cases)", "main.selectForever"), ("sync.RWMutex.RLock", "main.rwReader"),
                    ("sync.RWMutex.Lock", "main.rwWriter"), ("sync.Cond.Wait", "main.condWaiter"),
                    ("sleep", "main.sleeper"), ("IO wait", "main.netReader"),
                    ("syscall", "main.syscallReader"), ("chan receive", "main.inlinedParker")]:
    g = find(state, func)
    assert g["count"] == 1, (state, g["count"])
wg = [g for g in groups if any(f["func"] == "main.waitGroupWaiter" for f in g["frames"])]
assert len(wg) == 1 and wg[0]["state"] in ("sync.WaitGroup.Wait", "semacquire"), wg
lk = find("chan receive", "main.lockedThread")
assert lk["locked"], lk
inl = find("chan receive", "main.inlinedParker")
assert inl["frames"][0]["func"] == "main.waitOn" and inl["frames"][0].get("inlined"), inl["frames"]
PY
if [ "$PARKED_CGO" = 1 ]; then
	grep -q 'main._Cfunc_parked_in_c' groups.json || fail_test "no group for the goroutine in a cgo call"
fi
expect_exit 0 "$GOSCOPE" goroutines dump.txt
grep -q '^5 goroutines \[sync.Mutex.Lock\]' "$SCRATCH/out.$$" || fail_test "text view lacks the mutex group: $(head -5 "$SCRATCH/out.$$")"
if [ "$labels" = 1 ]; then
	grep -q '^5 goroutines \[sync.Mutex.Lock\]  labels: worker=mutex$' "$SCRATCH/out.$$" || fail_test "text view lacks the labels of the mutex group"
fi
grep -q 'main.recurse .*(49 times)' "$SCRATCH/out.$$" || fail_test "the recursion is not folded in the text view"

# filters
count() { python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["goroutines"]))' "$1"; }
expect_exit 0 "$GOSCOPE" goroutines --all --json --state 'chan receive' dump.txt
[ "$(count "$SCRATCH/out.$$")" = "$(grep -c '^goroutine [0-9]* \[chan receive' dump.txt)" ] || fail_test "--state 'chan receive' kept the wrong goroutines"
expect_exit 0 "$GOSCOPE" goroutines --all --json --func 'main\.mutexWaiter$' dump.txt
[ "$(count "$SCRATCH/out.$$")" = 5 ] || fail_test "--func main.mutexWaiter did not keep 5 goroutines"
expect_exit 0 "$GOSCOPE" goroutines --all --json --state waiting --func '^main\.(receiver|sender)$' dump.txt
[ "$(count "$SCRATCH/out.$$")" = 4 ] || fail_test "--state waiting --func receiver|sender did not keep 4"
if [ "$labels" = 1 ]; then
	expect_exit 0 "$GOSCOPE" goroutines --all --json --label worker=chan dump.txt
	[ "$(count "$SCRATCH/out.$$")" = 3 ] || fail_test "--label worker=chan did not keep 3 goroutines"
fi
expect_exit 0 "$GOSCOPE" goroutines --all --json --wait-min=1m dump.txt
[ "$(count "$SCRATCH/out.$$")" = 0 ] || fail_test "--wait-min=1m kept goroutines of a dump without wait times"
expect_exit 64 "$GOSCOPE" goroutines --label novalue dump.txt
expect_exit 64 "$GOSCOPE" goroutines --func '(' dump.txt
expect_exit 64 "$GOSCOPE" goroutines

# stack of the deep goroutine: the runtime's elision, as in the dump
deep=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print([g for g in d["groups"] if any(f["func"]=="main.recurse" for f in g["frames"])][0]["ids"][0])' groups.json)
expect_exit 0 "$GOSCOPE" stack -g "$deep" dump.txt
python3 - dump.txt "$SCRATCH/out.$$" "$deep" <<'PY' || fail_test "stack -g $3 is not the dump's block"
import sys
want = [b for b in open(sys.argv[1]).read().split("\n\n") if b.startswith("goroutine %s " % sys.argv[3])][0]
got = open(sys.argv[2]).read()
sys.exit(0 if got.rstrip("\n") == want.rstrip("\n") else 1)
PY
expect_exit 2 "$GOSCOPE" stack -g 999999 dump.txt
grep -q "goroutine 999999 not found" "$SCRATCH/err.$$" || fail_test "stack of a missing goroutine: $(cat "$SCRATCH/err.$$")"

# a SIGQUIT traceback with system goroutines (GOTRACEBACK=system): --user drops them
GOTRACEBACK=system start_parked
kill -QUIT "$PARKED_PID"
for i in $(seq 100); do kill -0 "$PARKED_PID" 2>/dev/null || break; sleep 0.1; done
cp "$PARKED_ERR" sigquit.txt
grep -q '^SIGQUIT: quit' sigquit.txt || fail_test "no SIGQUIT traceback from the fixture"
expect_exit 0 "$GOSCOPE" goroutines --all --json sigquit.txt
python3 - "$SCRATCH/out.$$" <<'PY' || fail_test "SIGQUIT traceback: system goroutines not recognised"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["source"] == "traceback", d["source"]
system = [g for g in d["goroutines"] if g["system"]]
assert any(f["func"] == "runtime.forcegchelper" for g in system for f in g["frames"]), "no forcegc helper"
user = [g for g in d["goroutines"] if not g["system"]]
assert sum(1 for g in user if any(f["func"] == "main.mutexWaiter" for f in g["frames"])) == 5
PY
expect_exit 0 "$GOSCOPE" goroutines --all --user sigquit.txt
grep -q 'runtime.forcegchelper' "$SCRATCH/out.$$" && fail_test "--user kept the forcegc helper"
grep -q '^main.mutexWaiter' "$SCRATCH/out.$$" || fail_test "--user lost main.mutexWaiter"
expect_exit 0 "$GOSCOPE" goroutines --all sigquit.txt
compare sigquit.txt "$SCRATCH/out.$$" || fail_test "goroutines --all differs from the SIGQUIT traceback"

# bad and cut input
# cut after the function line of the second goroutine's first frame, before its file line
awk '/^goroutine /{n++} {print} n==2 && !/^goroutine / && /\)$/ {exit}' dump.txt >cut.txt
expect_exit 1 "$GOSCOPE" goroutines cut.txt
grep -q 'could not be read completely' "$SCRATCH/err.$$" || fail_test "a cut dump gives no warning"
printf 'hello\nworld\n' >garbage.txt
expect_exit 2 "$GOSCOPE" goroutines garbage.txt
grep -q "^goscope goroutines: cannot read 'garbage.txt': no 'goroutine N \[state\]:' line" "$SCRATCH/err.$$" || fail_test "garbage input: $(cat "$SCRATCH/err.$$")"
printf 'goroutine 1 [running]:\nmain.f()\n\t/a.go:x\n' >bad.txt
expect_exit 2 "$GOSCOPE" goroutines bad.txt
grep -q "cannot read 'bad.txt': line 3: bad line number" "$SCRATCH/err.$$" || fail_test "bad line: $(cat "$SCRATCH/err.$$")"
expect_exit 2 "$GOSCOPE" goroutines 999999999
grep -q "cannot read '999999999': .*no such process" "$SCRATCH/err.$$" || fail_test "PID target: $(cat "$SCRATCH/err.$$")"
pass_test
