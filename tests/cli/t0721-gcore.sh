#!/usr/bin/env bash
# goscope gcore on the demo service under load: the core reads back (through our core reader)
# the same bytes at the same addresses as the live process (data that does not change after
# start, and read-only data the core leaves to the executable), has every thread with its
# registers, carries the kernel's notes (readelf), leaves no thread stopped and the service
# serving; --no-stop, the default file name and failures.
set -u
. "$SRCDIR/tests/cli/common.sh"
. "$SRCDIR/tests/cli/t05-demo.bash"
build_demo
start_demo -load 2
cd "$SCRATCH" || fail_test "no scratch directory"

jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
states() { cat /proc/"$DEMO_PID"/task/*/stat | sed 's/.*) \(.\).*/\1/' | sort | uniq -c | tr '\n' ' '; }

# main.catalogue is built at start and never written again: its slice header, then its
# backing array (2000 products of 56 bytes); runtime.buildVersion and the first page of the
# pclntab are read-only data
"$GOSCOPE" threads --json --read main.catalogue:24 "$DEMO_PID" >live0.json || fail_test "live read failed"
arr=$(jq_py 'hex(int.from_bytes(bytes.fromhex(d["reads"][0]["hex"])[:8], "little"))' <live0.json)
reads=(--read main.catalogue:24 --read "$arr:112000" --read runtime.buildVersion:16 --read runtime.pclntab:4096)
"$GOSCOPE" threads --json "${reads[@]}" "$DEMO_PID" >live.json || fail_test "live reads failed"

"$GOSCOPE" gcore -o demo.core --json "$DEMO_PID" >gcore.json 2>gcore.err || fail_test "gcore exited $?: $(cat gcore.err)"
grep -Eq "^goscope gcore: stopped [0-9]+ threads for [0-9.]+ ms, copied [0-9.]+ MiB of [0-9]+ mappings, wrote 'demo.core'$" gcore.err ||
	fail_test "no pause report: $(cat gcore.err)"
python3 - gcore.json <<'PY' || fail_test "gcore --json is not what was expected"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["pause_ns"] > 0 and d["threads"] >= 2 and d["memory_copied_while_stopped"], d
assert 0 < d["bytes_copied"] <= d["bytes_dumped"] and d["bytes_unreadable"] == 0, d
PY
[ -f demo.core ] || fail_test "no core written"
ls demo.core.tmp-* >/dev/null 2>&1 && fail_test "a temporary file was left behind"
case "$(states)" in *" t "* | *" T "*) fail_test "threads left stopped: $(states)" ;; esac
curl -sf -m 10 -o /dev/null "http://$DEMO_ADDR/debug/pprof/" || fail_test "the service does not answer after gcore"

"$GOSCOPE" threads --json --maps "${reads[@]}" demo.core >core.json || fail_test "threads on the core exited $?"
python3 - live.json core.json "$DEMO_PID" "$(readlink -f "$DEMO_BIN")" <<'PY' || fail_test "the core does not read like the live process"
import json, sys
live, core = (json.load(open(p)) for p in sys.argv[1:3])
pid, exe = int(sys.argv[3]), sys.argv[4]
assert core["kind"] == "core" and core["pid"] == pid and core["comm"] == "demo", core
assert core["exe"] == exe, (core["exe"], exe)
assert core["args"] == live["args"] and live["args"].startswith(exe + " -addr 127.0.0.1:0"), (core["args"], live["args"])
assert core["load_bias"] == 0, core["load_bias"]
for a, b in zip(live["reads"], core["reads"]):
    assert a["addr"] == b["addr"] and a["len"] == b["got"], (a["what"], a["addr"], b["got"])
    assert a["hex"] == b["hex"], a["what"]
assert len(core["threads"]) >= 2
text = [m for m in core["mappings"] if m["path"] == exe and "x" in m["perms"]][0]
assert text["in_core"] < text["end"] - text["start"], text  # text is left to the executable
for t in core["threads"]:
    r = t["regs"]
    assert r["tls"] and r["sp"] and len(r["words"]) == 27, t
    assert any(m["start"] <= r["sp"] < m["end"] and "w" in m["perms"] for m in core["mappings"]), t
    assert any(m["start"] <= r["pc"] < m["end"] for m in core["mappings"]), t
PY
# initialised data the process never touched is the file's in the core, not zeros: a
# program with 512 KiB of initialised data it never reads (more than the kernel's fault-around)
mkdir -p "$SCRATCH/untouched"
{
	printf 'package main\n\nimport (\n\t"fmt"\n\t"os"\n\t"time"\n)\n\nvar table = [65536]uint64{'
	for i in $(seq 65536); do printf '0x%x,' $((i * 2654435761 + 1)); done
	printf '}\n\nfunc main() {\n\tif len(os.Args) > 3 {\n\t\tfmt.Println(table[len(os.Args)])\n\t}\n'
	printf '\tfmt.Println("ready")\n\ttime.Sleep(2 * time.Minute)\n}\n'
} >"$SCRATCH/untouched/main.go"
printf 'module untouched\n\ngo 1.21\n' >"$SCRATCH/untouched/go.mod"
(cd "$SCRATCH/untouched" && "$GO" build -o untouched .) || fail_test "cannot build the untouched-data program"
"$SCRATCH/untouched/untouched" >untouched.out &
ut=$!
T05_PIDS+=("$ut")
for _ in $(seq 100); do [ -s untouched.out ] && break; sleep 0.1; done
"$GOSCOPE" gcore -o untouched.core "$ut" 2>/dev/null || fail_test "gcore of the untouched-data program exited $?"
mid=$("$GOSCOPE" threads --json --read main.table:8 "$ut" | jq_py 'hex(d["reads"][0]["addr"] + 262144)')
"$GOSCOPE" threads --read "$mid:4096" untouched.core >ut-core.txt || fail_test "cannot read main.table from the core: $(cat ut-core.txt)"
"$GOSCOPE" threads --read "$mid:4096" "$ut" >ut-live.txt || fail_test "cannot read main.table live"
[ "$(tail -1 ut-core.txt)" = "$(tail -1 ut-live.txt)" ] || fail_test "main.table differs between the core and the process"
grep -q ': b2f90f5b1c4f0000' ut-live.txt || fail_test "main.table does not hold what the program initialised"
n=$(jq_py 'len(d["threads"])' <core.json)
readelf -n demo.core >notes.txt || fail_test "readelf cannot read the notes"
[ "$(grep -c 'NT_PRSTATUS' notes.txt)" = "$n" ] || fail_test "readelf sees $(grep -c NT_PRSTATUS notes.txt) NT_PRSTATUS, we wrote $n"
for nt in NT_PRPSINFO NT_AUXV NT_FILE; do grep -q "$nt" notes.txt || fail_test "no $nt note"; done
readelf -lW demo.core | grep -q '^  NOTE ' || fail_test "readelf sees no PT_NOTE"

# --no-stop: registers from a short stop, memory copied while running
"$GOSCOPE" gcore --no-stop "$DEMO_PID" 2>nostop.err || fail_test "gcore --no-stop exited $?: $(cat nostop.err)"
[ -f "core.$DEMO_PID" ] || fail_test "no core.$DEMO_PID by default"
grep -q 'stopped (registers only)' nostop.err || fail_test "--no-stop pause line: $(cat nostop.err)"
"$GOSCOPE" threads --read runtime.buildVersion:16 "core.$DEMO_PID" | grep -q "$(jq_py 'd["reads"][2]["hex"]' <live.json)" ||
	fail_test "the --no-stop core does not hold runtime.buildVersion"

# a PIE build: the load bias is where the kernel put it, the same in the core
(cd "$SRCDIR/tests/fixtures/go/demo" && "$GO" build -buildmode=pie -o "$SCRATCH/demo-pie" .) || fail_test "cannot build the PIE demo"
"$SCRATCH/demo-pie" -addr 127.0.0.1:0 -load 0 -max-lifetime 120s >pie.out 2>&1 &
pie=$!
T05_PIDS+=("$pie")
for _ in $(seq 100); do [ -s pie.out ] && break; sleep 0.1; done
"$GOSCOPE" threads --json --maps --read runtime.buildVersion:16 "$pie" >pie-live.json || fail_test "threads on the PIE demo exited $?"
"$GOSCOPE" gcore -o pie.core "$pie" 2>/dev/null || fail_test "gcore of the PIE demo exited $?"
"$GOSCOPE" threads --json --read runtime.buildVersion:16 pie.core >pie-core.json || fail_test "threads on the PIE core exited $?"
link=$(readelf -lW "$SCRATCH/demo-pie" | awk '$1 == "LOAD" {print $3; exit}')
python3 - pie-live.json pie-core.json "$SCRATCH/demo-pie" "$link" <<'PY' || fail_test "PIE load bias"
import json, sys
live, core = (json.load(open(p)) for p in sys.argv[1:3])
first = min(m["start"] for m in live["mappings"] if m["path"] == sys.argv[3])
bias = first - int(sys.argv[4], 16)  # where the first PT_LOAD was put, minus where it was linked
assert live["load_bias"] == bias and bias > 0x10000, (live["load_bias"], bias)
assert core["load_bias"] == live["load_bias"], (core["load_bias"], live["load_bias"])
assert live["reads"][0]["got"] == 16 and core["reads"][0]["hex"] == live["reads"][0]["hex"]
PY

# a binary deleted under the process (a deploy replaced it): its mappings are kept whole
cp "$DEMO_BIN" "$SCRATCH/demo-del"
"$SCRATCH/demo-del" -addr 127.0.0.1:0 -load 0 -max-lifetime 120s >del.out 2>&1 &
del=$!
T05_PIDS+=("$del")
for _ in $(seq 100); do [ -s del.out ] && break; sleep 0.1; done
"$GOSCOPE" threads --json --read runtime.pclntab:4096 "$del" >del-live.json || fail_test "threads on demo-del exited $?"
addr=$(jq_py 'hex(d["reads"][0]["addr"])' <del-live.json)
rm "$SCRATCH/demo-del"
"$GOSCOPE" gcore -o del.core "$del" 2>/dev/null || fail_test "gcore of a deleted binary exited $?"
"$GOSCOPE" threads --json --maps --read "$addr:4096" del.core >del-core.json || fail_test "threads on del.core exited $?"
python3 - del-live.json del-core.json <<'PY' || fail_test "the deleted binary's read-only data is not in the core"
import json, sys
live, core = (json.load(open(p)) for p in sys.argv[1:3])
assert core["reads"][0]["hex"] == live["reads"][0]["hex"]
assert any(m["path"].endswith("/demo-del (deleted)") and m["in_core"] == m["end"] - m["start"] for m in core["mappings"])
PY
expect_exit 2 "$GOSCOPE" threads --read runtime.buildVersion del.core
grep -q "^hint: name the executable with --binary" "$SCRATCH/err.$$" || fail_test "no --binary hint: $(cat "$SCRATCH/err.$$")"

# failures: nothing written
sleep 0 &
gone=$!
wait "$gone"
expect_exit 2 "$GOSCOPE" gcore -o gone.core "$gone"
[ -e gone.core ] && fail_test "a core was written for a gone process"
expect_exit 2 "$GOSCOPE" gcore -o /nonexistent/dir/x.core "$DEMO_PID"
case "$(states)" in *" t "* | *" T "*) fail_test "threads left stopped after a failed gcore: $(states)" ;; esac
expect_exit 64 "$GOSCOPE" gcore demo.core
expect_exit 64 "$GOSCOPE" gcore
pass_test
