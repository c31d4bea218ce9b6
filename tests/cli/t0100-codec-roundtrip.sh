#!/usr/bin/env bash
# The profile.proto codec against `go tool pprof` on real Go profiles written at test time:
# `goscope raw` prints what `go tool pprof -raw` prints, byte for byte; a profile re-encoded
# with `goscope raw --proto` reads back in pprof with the same -raw and -top output; the JSON
# dump is valid; malformed inputs fail with exit 2 and a message saying why.
set -u
. "$SRCDIR/tests/cli/common.sh"
. "$SRCDIR/tests/cli/profgen.sh"

d="$SCRATCH/profiles"
profgen "$d"

pprof() {
	"$GO" tool pprof "$@" 2>/dev/null
}

# The inputs must exercise what the codec has to get right, or the comparison proves little.
pprof -raw "$d/cpu.pb.gz" | grep -q 'phase:\[burn\] worker:\[alpha\]' ||
	fail_test "the CPU profile has no labelled samples"
pprof -raw "$d/goroutine.pb.gz" | grep -q 'job:\[y\]' ||
	fail_test "the goroutine profile has no labels"
pprof -raw "$d/heap.pb.gz" | grep -q 'bytes:\[' ||
	fail_test "the heap profile has no numeric labels"

for name in cpu heap allocs goroutine block mutex threadcreate; do
	in="$d/$name.pb.gz"
	pprof -raw "$in" >"$SCRATCH/$name.pprof.raw" || fail_test "pprof -raw $name failed"
	"$GOSCOPE" raw "$in" >"$SCRATCH/$name.raw" || fail_test "goscope raw $name exited $?"
	diff -u "$SCRATCH/$name.pprof.raw" "$SCRATCH/$name.raw" >&2 ||
		fail_test "goscope raw differs from pprof -raw on $name"

	out="$SCRATCH/$name.re.pb.gz"
	"$GOSCOPE" raw --proto -o "$out" "$in" || fail_test "goscope raw --proto $name exited $?"
	[ "$(head -c2 "$out" | od -An -tx1 | tr -d ' ')" = 1f8b ] ||
		fail_test "re-encoded $name is not gzip"
	pprof -raw "$out" >"$SCRATCH/$name.re.raw" || fail_test "pprof cannot read re-encoded $name"
	diff -u "$SCRATCH/$name.pprof.raw" "$SCRATCH/$name.re.raw" >&2 ||
		fail_test "pprof -raw of re-encoded $name differs from the original"
	pprof -top "$in" >"$SCRATCH/$name.top"
	pprof -top "$out" >"$SCRATCH/$name.re.top"
	[ -s "$SCRATCH/$name.top" ] || fail_test "pprof -top printed nothing for $name"
	diff -u "$SCRATCH/$name.top" "$SCRATCH/$name.re.top" >&2 ||
		fail_test "pprof -top of re-encoded $name differs from the original"

	# our own output decodes back to the same dump, also uncompressed on stdin
	gzip -dc "$out" | "$GOSCOPE" raw - >"$SCRATCH/$name.re.ours" || fail_test "goscope raw - failed"
	diff -u "$SCRATCH/$name.raw" "$SCRATCH/$name.re.ours" >&2 ||
		fail_test "goscope raw of its own re-encoded $name differs"

	"$GOSCOPE" raw --json "$in" >"$SCRATCH/$name.json" || fail_test "raw --json $name exited $?"
	python3 - "$SCRATCH/$name.json" "$SCRATCH/$name.pprof.raw" <<'EOF' || fail_test "raw --json $name is wrong"
import json, sys
d = json.load(open(sys.argv[1]))
raw = open(sys.argv[2]).read()
samples = raw.split("Samples:\n")[1].split("Locations\n")[0].splitlines()[1:]
n = sum(1 for l in samples if ":" in l and not l.startswith(" " * 16))
assert len(d["samples"]) == n, (len(d["samples"]), n)
assert all(len(s["values"]) == len(d["sample_types"]) for s in d["samples"])
ids = {l["id"] for l in d["locations"]}
assert all(i in ids for s in d["samples"] for i in s["locations"])
EOF
done

# malformed inputs: exit 2 and the reason
: >"$SCRATCH/empty"
expect_exit 2 "$GOSCOPE" raw "$SCRATCH/empty"
grep -q "cannot read '.*empty': empty input file" "$SCRATCH/err.$$" ||
	fail_test "empty input: $(cat "$SCRATCH/err.$$")"
# the Go runtime writes the string table last: one byte less cuts the last string short
gzip -dc "$d/cpu.pb.gz" >"$SCRATCH/cpu.pb"
head -c $(($(wc -c <"$SCRATCH/cpu.pb") - 1)) "$SCRATCH/cpu.pb" >"$SCRATCH/truncated"
expect_exit 2 "$GOSCOPE" raw "$SCRATCH/truncated"
grep -q "truncated" "$SCRATCH/err.$$" || fail_test "truncated input: $(cat "$SCRATCH/err.$$")"
head -c $(($(wc -c <"$d/cpu.pb.gz") - 10)) "$d/cpu.pb.gz" >"$SCRATCH/truncated.gz"
expect_exit 2 "$GOSCOPE" raw "$SCRATCH/truncated.gz"
grep -q "gzip: unexpected end" "$SCRATCH/err.$$" || fail_test "truncated gzip: $(cat "$SCRATCH/err.$$")"
cat "$d/cpu.pb.gz" "$d/cpu.pb.gz" >"$SCRATCH/twice.pb.gz"
expect_exit 2 "$GOSCOPE" raw "$SCRATCH/twice.pb.gz"
grep -q "concatenated profiles detected" "$SCRATCH/err.$$" ||
	fail_test "concatenated input: $(cat "$SCRATCH/err.$$")"
expect_exit 2 "$GOSCOPE" raw "$SCRATCH/no-such-file"
expect_exit 64 "$GOSCOPE" raw
expect_exit 64 "$GOSCOPE" raw --json --proto "$d/cpu.pb.gz"
pass_test
