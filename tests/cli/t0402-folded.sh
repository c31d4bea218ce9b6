#!/usr/bin/env bash
# goscope folded on a real Go profile: line format, values summing to pprof's total, and the
# round trip pprof -> folded -> profile -> folded giving the same text; folded stacks as a
# source of flame; --json.
set -u
. "$SRCDIR/tests/cli/common.sh"
. "$SRCDIR/tests/cli/flame-fixture.sh"
flame_fixture
cd "$SCRATCH" || fail_test "no scratch dir"

"$GOSCOPE" folded "$FLAME_CPU" >cpu.folded || fail_test "folded exited $?"
[ -s cpu.folded ] || fail_test "empty folded output"
bad=$(grep -Ev '^[^ ;][^;]*(;[^;]+)* -?[0-9]+$' cpu.folded | head -3)
[ -z "$bad" ] || fail_test "malformed folded lines: $bad"
sum=$(awk '{s += $NF} END {print s}' cpu.folded)
want=$("$GO" tool pprof -top -unit=ns "$FLAME_CPU" 2>/dev/null | sed -n 's/.* of \([0-9]*\)ns total$/\1/p')
[ "$sum" = "$want" ] || fail_test "folded values sum to $sum, pprof's total is $want"
grep -q 'main.hot;main.small ' cpu.folded || fail_test "inlined frame main.small missing under main.hot"
[ "$(sort cpu.folded | cut -d' ' -f1 | uniq -d | wc -l)" -eq 0 ] || fail_test "duplicate stacks"

# round trip: the folded text read back and written again is identical
"$GOSCOPE" folded cpu.folded >again.folded || fail_test "folded of folded exited $?"
cmp -s cpu.folded again.folded || { diff cpu.folded again.folded | head >&2; fail_test "round trip differs"; }

# folded stacks are a source for flame: the totals agree
"$GOSCOPE" flame --json cpu.folded >tree.json || fail_test "flame of folded exited $?"
python3 -c 'import json,sys; t=json.load(open("tree.json")); assert t["total"] == int(sys.argv[1]), t["total"]; assert t["sample_type"] == "samples"' "$want" ||
	fail_test "flame of folded has the wrong total"

# -o writes atomically; --json
"$GOSCOPE" folded -o out.folded -noinlines "$FLAME_CPU" || fail_test "folded -o exited $?"
grep -q 'main.small' out.folded && fail_test "-noinlines kept the inlined frame"
"$GOSCOPE" folded --json "$FLAME_HEAP" -sample_index=alloc_space >heap.json || fail_test "folded --json exited $?"
python3 -c 'import json; a=json.load(open("heap.json")); assert a and all(isinstance(x["stack"], list) and isinstance(x["value"], int) for x in a)' ||
	fail_test "folded --json is not a list of stacks"

expect_exit 2 "$GOSCOPE" folded missing.pb.gz
expect_exit 64 "$GOSCOPE" folded -o
pass_test
