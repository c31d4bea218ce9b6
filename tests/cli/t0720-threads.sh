#!/usr/bin/env bash
# goscope threads on the live demo service (lib/target's live backend): the bytes of
# runtime.buildVersion read from the process spell the binary's Go version; the mappings are
# /proc/PID/maps; --consistent stops every thread, reports registers and the pause, and leaves
# no thread stopped; killing goscope (SIGKILL) while it holds the threads stopped leaves the
# service running and serving; permission and lookup failures give one clear line.
set -u
. "$SRCDIR/tests/cli/common.sh"
. "$SRCDIR/tests/cli/t05-demo.bash"
build_demo
start_demo -load 0

# read KEY JSON: a value of the JSON on stdin, by a Python expression over d
jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# the Go string runtime.buildVersion: {ptr, len} in the binary's data, bytes in rodata
"$GOSCOPE" threads --json --read runtime.buildVersion:16 "$DEMO_PID" >"$SCRATCH/bv.json" ||
	fail_test "threads --read runtime.buildVersion exited $?"
hdr=$(jq_py 'd["reads"][0]["hex"]' <"$SCRATCH/bv.json")
[ ${#hdr} = 32 ] || fail_test "runtime.buildVersion header not read: '$hdr'"
ptr=$(python3 -c "import sys; print(hex(int.from_bytes(bytes.fromhex(sys.argv[1])[:8], 'little')))" "$hdr")
len=$(python3 -c "import sys; print(int.from_bytes(bytes.fromhex(sys.argv[1])[8:], 'little'))" "$hdr")
"$GOSCOPE" threads --json --read "$ptr:$len" "$DEMO_PID" >"$SCRATCH/ver.json" || fail_test "reading the version bytes failed"
got=$(jq_py 'bytes.fromhex(d["reads"][0]["hex"]).decode()' <"$SCRATCH/ver.json")
want=$("$GO" version "$DEMO_BIN" | awk '{print $2}')
[ "$got" = "$want" ] || fail_test "runtime.buildVersion read as '$got', the binary says '$want'"
[ "$(jq_py 'd["exe"]' <"$SCRATCH/bv.json")" = "$(readlink -f "$DEMO_BIN")" ] || fail_test "exe path is wrong"
[ "$(jq_py 'd["load_bias"]' <"$SCRATCH/bv.json")" = 0 ] || fail_test "non-PIE demo has a load bias"

# an unreadable address: exit 1 (partial), marked incomplete
expect_exit 1 "$GOSCOPE" threads --read 0x10:8 "$DEMO_PID"
grep -q '(incomplete)' "$SCRATCH/out.$$" || fail_test "an unreadable read is not marked incomplete"

# mappings: exactly /proc/PID/maps
"$GOSCOPE" threads --maps --json "$DEMO_PID" >"$SCRATCH/maps.json" || fail_test "threads --maps exited $?"
python3 - "$SCRATCH/maps.json" "/proc/$DEMO_PID/maps" <<'PY' || fail_test "mappings differ from /proc/PID/maps"
import json, sys
got = json.load(open(sys.argv[1]))["mappings"]
want = []
for line in open(sys.argv[2]):
    f = line.rstrip("\n").split(None, 5)
    lo, hi = (int(x, 16) for x in f[0].split("-"))
    want.append((lo, hi, f[1], int(f[2], 16), int(f[4]), f[5] if len(f) > 5 else ""))
have = [(m["start"], m["end"], m["perms"], m["offset"], m["inode"], m["path"]) for m in got]
# the heap may grow between the two reads: compare the executable's and the fixed mappings
fixed = lambda l: [x for x in l if x[5] and not x[5].startswith("[stack")]
assert fixed(have) == fixed(want), (fixed(have), fixed(want))
assert len(have) > 5
PY

# consistent mode: registers for every thread, the pause reported, nothing left stopped
states() { cat /proc/"$DEMO_PID"/task/*/stat | sed 's/.*) \(.\).*/\1/' | sort | uniq -c | tr '\n' ' '; }
for i in 1 2 3; do
	"$GOSCOPE" threads --consistent --json "$DEMO_PID" >"$SCRATCH/stop.json" 2>"$SCRATCH/stop.err" ||
		fail_test "threads --consistent exited $?: $(cat "$SCRATCH/stop.err")"
	grep -Eq '^goscope threads: stopped [0-9]+ threads for [0-9.]+ ms$' "$SCRATCH/stop.err" ||
		fail_test "no pause report: $(cat "$SCRATCH/stop.err")"
	python3 - "$SCRATCH/stop.json" <<'PY' || fail_test "consistent threads lack registers"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["pause_ns"] > 0, d
assert len(d["threads"]) >= 2, d
for t in d["threads"]:
    r = t["regs"]
    assert r["pc"] and r["sp"] and r["tls"], t
    assert len(r["words"]) == 27, t
PY
	case "$(states)" in *" t "* | *" T "*) fail_test "threads left stopped: $(states)" ;; esac
done

# SIGKILL of goscope while it holds every thread stopped: the kernel detaches them
GOSCOPE_TEST_HOLD_STOPPED_MS=60000 "$GOSCOPE" threads --consistent "$DEMO_PID" >/dev/null 2>"$SCRATCH/hold.err" &
holder=$!
for _ in $(seq 200); do
	grep -q 'holding' "$SCRATCH/hold.err" && break
	sleep 0.05
done
grep -q 'holding' "$SCRATCH/hold.err" || fail_test "goscope did not reach the hold: $(cat "$SCRATCH/hold.err")"
case "$(states)" in *" t "*) ;; *) fail_test "threads not stopped during the hold: $(states)" ;; esac
curl -s -m 1 -o /dev/null "http://$DEMO_ADDR/debug/pprof/" && fail_test "the service answered while stopped"
kill -KILL "$holder"
wait "$holder" 2>/dev/null
curl -sf -m 10 -o "$SCRATCH/index.html" "http://$DEMO_ADDR/debug/pprof/" ||
	fail_test "the service does not answer after goscope was killed: $(states)"
grep -q goroutine "$SCRATCH/index.html" || fail_test "unexpected answer after the kill"
case "$(states)" in *" t "* | *" T "*) fail_test "threads left stopped after the kill: $(states)" ;; esac
kill -0 "$DEMO_PID" || fail_test "the service died"

# failures: one line each, exit 2
sleep 0 &
gone=$!
wait "$gone"
expect_exit 2 "$GOSCOPE" threads "$gone"
grep -q "^goscope threads: .*pid $gone: no such process" "$SCRATCH/err.$$" || fail_test "gone pid: $(cat "$SCRATCH/err.$$")"
[ "$(wc -l <"$SCRATCH/err.$$")" = 1 ] || fail_test "more than one line for a gone pid"
if [ "$(id -u)" = 0 ]; then
	# another user: nobody may not read root's process
	expect_exit 2 setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$GOSCOPE" threads "$DEMO_PID"
	grep -q "pid $DEMO_PID: it belongs to uid 0 and goscope runs as uid 65534; run goscope as that user or as root" "$SCRATCH/err.$$" ||
		fail_test "another user: $(cat "$SCRATCH/err.$$")"
	# root without CAP_SYS_PTRACE (a container) may not read another user's process
	setpriv --reuid=65534 --regid=65534 --clear-groups sleep 60 &
	other=$!
	T05_PIDS+=("$other")
	expect_exit 2 setpriv --bounding-set=-sys_ptrace --inh-caps=-sys_ptrace "$GOSCOPE" threads "$other"
	grep -q "pid $other: goscope runs as root but without CAP_SYS_PTRACE" "$SCRATCH/err.$$" ||
		fail_test "missing capability: $(cat "$SCRATCH/err.$$")"
	# another pid namespace: the pid does not exist there
	expect_exit 2 unshare -p -f --mount-proc "$GOSCOPE" threads "$DEMO_PID"
	grep -q "no such process (it exited, or it lives in another pid namespace" "$SCRATCH/err.$$" ||
		fail_test "another pid namespace: $(cat "$SCRATCH/err.$$")"
fi
expect_exit 64 "$GOSCOPE" threads
expect_exit 2 "$GOSCOPE" threads --read no.such.symbol "$DEMO_PID"
pass_test
