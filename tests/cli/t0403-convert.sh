#!/usr/bin/env bash
# goscope convert on real Go profiles: pprof -> json -> pprof gives the same `go tool pprof
# -top` (and -traces: labels survive) as the original; json read back writes the same json;
# pprof -> speedscope -> folded equals pprof -> folded; folded -> pprof is readable by pprof;
# usage errors.
set -u
. "$SRCDIR/tests/cli/common.sh"
. "$SRCDIR/tests/cli/flame-fixture.sh"
flame_fixture
cd "$SCRATCH" || fail_test "no scratch dir"

for prof in "$FLAME_CPU" "$FLAME_HEAP"; do
	name=$(basename "$prof" .pb.gz)
	"$GOSCOPE" convert --to json -o "$name.json" "$prof" || fail_test "convert --to json $name exited $?"
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["format"] == "goscope-profile" and d["samples"] and d["locations"] and d["functions"]' "$name.json" ||
		fail_test "$name.json is not a goscope JSON profile"
	"$GOSCOPE" convert --to pprof -o "$name.rt.pb.gz" "$name.json" || fail_test "convert json -> pprof exited $?"
	for view in -top -traces; do
		"$GO" tool pprof "$view" "$prof" >"$name.want$view" 2>&1 || fail_test "go tool pprof $view $name failed"
		"$GO" tool pprof "$view" "$name.rt.pb.gz" >"$name.got$view" 2>&1 || fail_test "go tool pprof cannot read the round-tripped $name"
		# the File: line names the same binary; everything else must match byte for byte
		cmp -s "$name.want$view" "$name.got$view" ||
			{ diff "$name.want$view" "$name.got$view" | head >&2; fail_test "pprof $view differs after pprof -> json -> pprof ($name)"; }
	done
	"$GOSCOPE" convert --json "$name.json" >"$name.again.json" || fail_test "convert of json exited $?"
	cmp -s "$name.json" "$name.again.json" || fail_test "json -> json is not the identity ($name)"
done
grep -q '"key": "worker"' cpu.json || fail_test "CPU labels missing from the JSON"
grep -A1 '"key": "bytes"' heap.json | grep -q '"num": [0-9]' || fail_test "numeric heap labels (bytes) missing from the JSON"

# speedscope: a valid file whose stacks read back to the same folded stacks
"$GOSCOPE" convert --to speedscope -o cpu.speedscope.json "$FLAME_CPU" || fail_test "convert --to speedscope exited $?"
python3 - cpu.speedscope.json <<'PY' || fail_test "speedscope file does not follow the schema"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["$schema"] == "https://www.speedscope.app/file-format-schema.json"
frames = d["shared"]["frames"]
assert frames and all("name" in f for f in frames)
p = d["profiles"][0]
assert p["type"] == "sampled" and p["name"] == "cpu" and p["unit"] == "nanoseconds"
assert len(p["samples"]) == len(p["weights"]) > 0
assert all(0 <= i < len(frames) for s in p["samples"] for i in s)
assert sum(p["weights"]) == p["endValue"]
assert [q["name"] for q in d["profiles"]] == ["cpu", "samples"]
PY
"$GOSCOPE" folded "$FLAME_CPU" >direct.folded || fail_test "folded exited $?"
"$GOSCOPE" folded cpu.speedscope.json >via-speedscope.folded || fail_test "folded of speedscope exited $?"
cmp -s direct.folded via-speedscope.folded || { diff direct.folded via-speedscope.folded | head >&2; fail_test "speedscope round trip changed the stacks"; }

# folded -> pprof: go tool pprof reads it and sees the same total
"$GOSCOPE" convert --to folded -o cpu.folded "$FLAME_CPU" || fail_test "convert --to folded exited $?"
cmp -s cpu.folded direct.folded || fail_test "convert --to folded differs from goscope folded"
"$GOSCOPE" convert --to pprof -o from-folded.pb.gz cpu.folded || fail_test "convert folded -> pprof exited $?"
want=$("$GO" tool pprof -top -unit=ns "$FLAME_CPU" 2>/dev/null | sed -n 's/.* of \([0-9]*\)ns total$/\1/p')
got=$("$GO" tool pprof -top from-folded.pb.gz 2>/dev/null | sed -n 's/.* of \([0-9]*\) total$/\1/p')
[ -n "$got" ] && [ "$got" = "$want" ] || fail_test "pprof total of folded -> pprof is '$got', want $want"

expect_exit 64 "$GOSCOPE" convert "$FLAME_CPU"
expect_exit 64 "$GOSCOPE" convert --to svg "$FLAME_CPU"
expect_exit 64 "$GOSCOPE" convert --to pprof --json "$FLAME_CPU"
expect_exit 2 "$GOSCOPE" convert --to json missing.pb.gz
printf '{"format":"goscope-profile","samples":[{"values":[1]}]}' >bad.json
expect_exit 2 "$GOSCOPE" convert --to folded bad.json
grep -q "samples\[0\]: 1 values, expected 0" "$SCRATCH/err.$$" || fail_test "unhelpful message: $(cat "$SCRATCH/err.$$")"
pass_test
