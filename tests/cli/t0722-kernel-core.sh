#!/usr/bin/env bash
# A core file written by the kernel (GOTRACEBACK=crash, SIGABRT) of the demo service is read
# by lib/target's core reader: pid, command, the crashing thread first with SIGABRT, every
# thread with registers, and the same bytes at the same addresses as the live process had
# (data in the core, read-only data from the executable through NT_FILE). Skipped only when
# the kernel hands cores to a helper program (core_pattern starts with '|').
set -u
. "$SRCDIR/tests/cli/common.sh"
. "$SRCDIR/tests/cli/t05-demo.bash"
. "$SRCDIR/tests/cli/kcore.bash"
build_demo
kcore_setup "$SCRATCH/crash"
cd "$SCRATCH/crash" || fail_test "no scratch directory"
GOTRACEBACK=crash start_demo -load 0
jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
"$GOSCOPE" threads --json --read main.catalogue:24 "$DEMO_PID" >"$SCRATCH/live0.json" || fail_test "live read failed"
arr=$(jq_py 'hex(int.from_bytes(bytes.fromhex(d["reads"][0]["hex"])[:8], "little"))' <"$SCRATCH/live0.json")
reads=(--read main.catalogue:24 --read "$arr:112000" --read runtime.buildVersion:16 --read runtime.pclntab:4096)
"$GOSCOPE" threads --json "${reads[@]}" "$DEMO_PID" >"$SCRATCH/live.json" || fail_test "live reads failed"

kill -ABRT "$DEMO_PID"
wait "$DEMO_PID" 2>/dev/null
kcore_find
core=$KCORE

"$GOSCOPE" threads --json --maps --binary "$DEMO_BIN" "${reads[@]}" "$core" >"$SCRATCH/core.json" ||
	fail_test "threads on the kernel core exited $?"
python3 - "$SCRATCH/live.json" "$SCRATCH/core.json" "$DEMO_PID" <<'PY' || fail_test "the kernel core does not read like the live process"
import json, sys
live, core = (json.load(open(p)) for p in sys.argv[1:3])
pid = int(sys.argv[3])
assert core["kind"] == "core" and core["pid"] == pid and core["comm"] == "demo", core
assert core["load_bias"] == 0
assert core["args"] == live["args"], (core["args"], live["args"])
for a, b in zip(live["reads"], core["reads"]):
    assert a["len"] == b["got"] and a["hex"] == b["hex"], a["what"]
ts = core["threads"]
assert len(ts) >= 2 and ts[0].get("signal") == 6, ts[0]
for t in ts:
    r = t["regs"]
    assert r["tls"] and len(r["words"]) == 27, t
    assert any(m["start"] <= r["sp"] < m["end"] for m in core["mappings"]), t
PY
rm -f "$core"
pass_test
