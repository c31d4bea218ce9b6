#!/usr/bin/env bash
# goscope leaks on the parked fixture in leak mode (it keeps starting goroutines that block
# forever on a channel send): over two dumps and over repeated snapshots of the service, the
# leaking group comes first with the counts found in the dumps and its creation site; the
# goroutines parked once and for all are not reported.
set -u
. "$SRCDIR/tests/cli/common.sh"
. "$SRCDIR/tests/cli/parked.bash"

cd "$SCRATCH"
start_parked -leak-rate 100
http_get "http://$PARKED_ADDR/debug/pprof/goroutine?debug=2" d1.txt
sleep 1
http_get "http://$PARKED_ADDR/debug/pprof/goroutine?debug=2" d2.txt
# the go statement of the leaking goroutines in the fixture
site=$(grep -n 'go func() {' "$SRCDIR/tests/fixtures/go/parked/main.go" | head -1 | cut -d: -f1)
[ -n "$site" ] || fail_test "cannot find the leaking go statement in the fixture"
# leaking goroutines parked in their send (one just started may still be runnable, in
# another group)
leaked() {
	awk '/^goroutine /{s = ($0 ~ /\[chan send/)} s && /^main\.leakyRequest\.func1\(\)$/ {n++}
		END {print n + 0}' "$1"
}
n1=$(leaked d1.txt) n2=$(leaked d2.txt)
[ "$n2" -gt "$n1" ] || fail_test "the fixture did not leak between the dumps ($n1, $n2)"

expect_exit 0 "$GOSCOPE" leaks --json d1.txt d2.txt
python3 - "$SCRATCH/out.$$" "$n1" "$n2" "$site" <<'PY' || fail_test "leaks over two dumps: wrong first group"
import json, sys
d = json.load(open(sys.argv[1])); n1, n2, site = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
g = d["groups"][0]
assert g["frames"][0]["func"] == "main.leakyRequest.func1", g["frames"]
assert g["state"] == "chan send", g["state"]
assert g["counts"] == [n1, n2] and g["growth"] == n2 - n1, (g["counts"], n1, n2)
assert g["created_by"]["func"] == "main.leakyRequest", g["created_by"]
assert g["created_by"]["line"] == site and g["created_by"]["file"].endswith("/parked/main.go"), g["created_by"]
for other in d["groups"]:
    assert not any(f["func"] in ("main.mutexWaiter", "main.receiver", "main.sleeper") for f in other["frames"]), other
assert len(d["snapshots"]) == 2, d["snapshots"]
PY
expect_exit 0 "$GOSCOPE" leaks d1.txt d2.txt
sed -n 3p "$SCRATCH/out.$$" | grep -q "^+$((n2 - n1)) goroutines \[chan send\] ($n1 -> $n2)$" || fail_test "leaks text: $(head -5 "$SCRATCH/out.$$")"
sed -n 4p "$SCRATCH/out.$$" | grep -q "created at .*/parked/main.go:$site by main.leakyRequest$" || fail_test "leaks text lacks the creation site: $(head -5 "$SCRATCH/out.$$")"

# snapshots of the service itself, with a rate
expect_exit 0 "$GOSCOPE" leaks --json --interval 300ms --count 3 "$PARKED_ADDR"
python3 - "$SCRATCH/out.$$" <<'PY' || fail_test "leaks --interval --count of the service: wrong first group"
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["snapshots"]) == 3 and all("time_unix_ns" in s for s in d["snapshots"]), d["snapshots"]
g = d["groups"][0]
assert g["frames"][0]["func"] == "main.leakyRequest.func1", g["frames"]
assert g["counts"][0] < g["counts"][1] < g["counts"][2] or g["counts"][0] < g["counts"][2], g["counts"]
assert g["per_second"] > 0, g
PY

# without leaks: nothing of the program's own grows (its heartbeat may be caught running or
# runnable in one dump and asleep in the other: a goroutine on the move is no leak)
start_parked
http_get "http://$PARKED_ADDR/debug/pprof/goroutine?debug=2" q1.txt
http_get "http://$PARKED_ADDR/debug/pprof/goroutine?debug=2" q2.txt
expect_exit 0 "$GOSCOPE" leaks --json q1.txt q2.txt
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
bad = [g for g in d["groups"] if g["status"] not in ("running", "runnable") and
       any(f["func"].startswith("main.") for f in g["frames"])]
sys.exit(1 if bad else 0)' "$SCRATCH/out.$$" || fail_test "leaks reports a group of the program without leaks"

expect_exit 64 "$GOSCOPE" leaks d1.txt
expect_exit 64 "$GOSCOPE" leaks --count 1 "$PARKED_ADDR"
expect_exit 64 "$GOSCOPE" leaks --count 3 d1.txt d2.txt
expect_exit 2 "$GOSCOPE" leaks d1.txt no-such-file.txt
grep -q "cannot read 'no-such-file.txt'" "$SCRATCH/err.$$" || fail_test "missing dump: $(cat "$SCRATCH/err.$$")"
pass_test
