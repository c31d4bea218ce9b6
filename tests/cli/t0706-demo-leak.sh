#!/usr/bin/env bash
# The README's leak hunt on the demo service run with -leak (its /api/quote handler leaks a
# goroutine per request), by PID, from the process's memory: `goscope goroutines` puts the
# leaking group first with its wait reason, the handler's pprof labels (inherited by the
# goroutines it starts) and its go statement; `goscope leaks --count` over snapshots of the
# process ranks it first and growing; --consistent reports the pause it caused.
set -u
. "$SRCDIR/tests/cli/common.sh"
. "$SRCDIR/tests/cli/t05-demo.bash"
build_demo
start_demo -leak -load 2

src="$SRCDIR/tests/fixtures/go/demo/main.go"
site=$(grep -n 'go func(supplier int) {' "$src" | head -1 | cut -d: -f1)
[ -n "$site" ] || fail_test "cannot find the leaking go statement in the demo"

# first group of `goroutines --json`: checked by Python over the JSON in FILE; prints its count
first_group() {
	python3 - "$1" "$site" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); site = int(sys.argv[2])
assert d["source"] == "live process", d["source"]
g = d["groups"][0]
assert g["frames"][0]["func"] == "main.quote.func1", g["frames"]
assert g["state"] == "chan send", g["state"]
assert g["labels"] == {"handler": "quote", "route": "/api/quote"}, g["labels"]
assert not g["labels_mixed"]
c = g["created_by"]
assert c["func"] == "main.quote" and c["line"] == site and c["file"].endswith("/demo/main.go"), c
assert g["ids"] == sorted(g["ids"]) and len(g["ids"]) == g["count"], "ids not ascending"
print(g["count"])
PY
}

# the leak outgrows every parked group of the demo (8 at most) within seconds
count=0
for _ in $(seq 60); do
	"$GOSCOPE" goroutines --json "$DEMO_PID" >"$SCRATCH/g.json" 2>"$SCRATCH/g.err" ||
		fail_test "goroutines PID exited $?: $(cat "$SCRATCH/g.err")"
	count=$(first_group "$SCRATCH/g.json" 2>/dev/null) && [ "$count" -ge 20 ] && break
	sleep 0.5
done
first_group "$SCRATCH/g.json" >/dev/null || fail_test "the leak is not the first group of goroutines --json"
[ "$count" -ge 20 ] || fail_test "the demo leaked only $count goroutines in 30 s"

expect_exit 0 "$GOSCOPE" goroutines --ids 3 "$DEMO_PID"
sed -n 3p "$SCRATCH/out.$$" | grep -Eq '^[0-9]+ goroutines \[chan send(, [0-9]+ minutes)?\]  labels: handler=quote route=/api/quote$' ||
	fail_test "goroutines text, first group: $(sed -n 3p "$SCRATCH/out.$$")"
sed -n 4p "$SCRATCH/out.$$" | grep -Eq '^    goroutines [0-9]+ [0-9]+ [0-9]+ \.\.\. \([0-9]+ more\)$' ||
	fail_test "goroutines text, ids line: $(sed -n 4p "$SCRATCH/out.$$")"
# the handler goroutines that start them differ: the group's creator has no "in goroutine N"
sed -n 6p "$SCRATCH/out.$$" | grep -q "^    created by main.quote  .*/demo/main.go:$site$" ||
	fail_test "goroutines text, creator: $(sed -n 6p "$SCRATCH/out.$$")"

# snapshots of the process: the leak first, growing in every interval
expect_exit 0 "$GOSCOPE" leaks --json --interval 1s --count 3 "$DEMO_PID"
python3 - "$SCRATCH/out.$$" "$site" <<'PY' || fail_test "leaks --count PID: the leak is not first"
import json, sys
d = json.load(open(sys.argv[1])); site = int(sys.argv[2])
assert len(d["snapshots"]) == 3, d["snapshots"]
g = d["groups"][0]
assert g["frames"][0]["func"] == "main.quote.func1" and g["state"] == "chan send", g
c = g["counts"]
assert c[0] < c[1] < c[2] and g["growth"] == c[2] - c[0], c
assert g["created_by"]["func"] == "main.quote" and g["created_by"]["line"] == site, g["created_by"]
PY
expect_exit 0 "$GOSCOPE" leaks --interval 1s --count 2 --min-growth 5 "$DEMO_PID"
sed -n 3p "$SCRATCH/out.$$" | grep -Eq '^\+[0-9]+ goroutines \[chan send(, [0-9]+ minutes)?\] \([0-9]+ -> [0-9]+\), [0-9.]+/s$' ||
	fail_test "leaks text: $(head -5 "$SCRATCH/out.$$")"
sed -n 4p "$SCRATCH/out.$$" | grep -q "^    created at .*/demo/main.go:$site by main.quote$" ||
	fail_test "leaks text lacks the creation site: $(head -5 "$SCRATCH/out.$$")"
# --consistent: the same first group, and the pause it caused on stderr and in the JSON
"$GOSCOPE" goroutines --consistent --json "$DEMO_PID" >"$SCRATCH/c.json" 2>"$SCRATCH/c.err" ||
	fail_test "goroutines --consistent exited $?: $(cat "$SCRATCH/c.err")"
first_group "$SCRATCH/c.json" >/dev/null || fail_test "--consistent: the leak is not the first group"
grep -Eq '^goscope goroutines: stopped the process for [0-9]+\.[0-9]{3} ms$' "$SCRATCH/c.err" ||
	fail_test "--consistent does not report its pause: $(cat "$SCRATCH/c.err")"
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["pause_ns"] > 0' "$SCRATCH/c.json" ||
	fail_test "--consistent: no pause_ns in the JSON"
kill -0 "$DEMO_PID" || fail_test "the demo died"
pass_test
