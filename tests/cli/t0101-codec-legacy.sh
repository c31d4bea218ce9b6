#!/usr/bin/env bash
# The legacy ?debug=1 text formats (goroutine, threadcreate, heap, allocs, block, mutex)
# written by a Go program at test time: with our extras removed (function names from the
# "#" comment lines, goroutine labels), `goscope raw` prints exactly what `go tool pprof -raw`
# prints for the text (values, un-sampling, addresses, ids, mapping); the names we take from
# the comment lines agree with pprof's own symbolization using the binary; `goscope raw
# --proto` turns the text into a profile pprof reads; gzip-compressed text works too.
set -u
. "$SRCDIR/tests/cli/common.sh"
. "$SRCDIR/tests/cli/profgen.sh"

d="$SCRATCH/profiles"
profgen "$d"
bin="$d/profgen"

pprof() {
	"$GO" tool pprof "$@" 2>/dev/null
}

# Location lines keep "id: address M=n "; inlined continuation lines go.
strip_names() {
	sed -E 's/^( *[0-9]+: 0x[0-9a-f]+ (M=[0-9]+ )?).*/\1/; /^             [^ ]/d'
}

grep -q '^# labels: {"job":"y"}' "$d/goroutine.txt" || fail_test "goroutine.txt has no labels"

for name in goroutine threadcreate heap allocs block mutex; do
	in="$d/$name.txt"
	pprof -raw "$in" >"$SCRATCH/$name.pprof.raw" || fail_test "pprof -raw $name.txt failed"
	"$GOSCOPE" raw "$in" >"$SCRATCH/$name.raw" || fail_test "goscope raw $name.txt exited $?"
	strip_names <"$SCRATCH/$name.raw" |
		if [ "$name" = goroutine ]; then grep -v '^                job:\['; else cat; fi \
			>"$SCRATCH/$name.stripped"
	diff -u "$SCRATCH/$name.pprof.raw" "$SCRATCH/$name.stripped" >&2 ||
		fail_test "goscope raw $name.txt differs from pprof -raw beyond the names"
	grep -Eq '^ +[0-9]+: 0x[0-9a-f]+ M=1 [^ ]+ /.*:[0-9]+:0 s=0$' "$SCRATCH/$name.raw" ||
		[ "$name" = threadcreate ] || fail_test "no location of $name.txt got a function name"

	# pprof reads the conversion; zero-valued numeric labels cannot be written in proto3
	# (pprof's own encoder drops them too)
	out="$SCRATCH/$name.pb.gz"
	"$GOSCOPE" raw --proto -o "$out" "$in" || fail_test "goscope raw --proto $name.txt exited $?"
	pprof -raw "$out" >"$SCRATCH/$name.conv.raw" || fail_test "pprof cannot read converted $name"
	grep -v 'bytes:\[0\]' "$SCRATCH/$name.raw" >"$SCRATCH/$name.raw.nz"
	diff -u "$SCRATCH/$name.raw.nz" "$SCRATCH/$name.conv.raw" >&2 ||
		fail_test "pprof -raw of converted $name differs from goscope raw of the text"

	gzip -c "$in" >"$SCRATCH/$name.txt.gz"
	"$GOSCOPE" raw "$SCRATCH/$name.txt.gz" | cmp -s - "$SCRATCH/$name.raw" ||
		fail_test "gzip-compressed $name.txt reads differently"
done

# Names from the comment lines agree with pprof symbolizing the binary: always the source
# position, and the function except where Go inlined it (pprof's Go symbolizer names the
# physical function, the comment line the inlined one). Block and mutex stacks list inlined
# frames as addresses of their own, so there nearly every name would differ; they are left out.
# (In the heap profile of profgen about a quarter of the named frames are inlined.)
for name in goroutine heap; do
	pprof -raw "$bin" "$d/$name.txt" >"$SCRATCH/$name.bin.raw" || fail_test "pprof -raw with binary"
	python3 - "$SCRATCH/$name.raw" "$SCRATCH/$name.bin.raw" <<'EOF' || fail_test "names of $name.txt disagree with the binary"
import re, sys
def locs(path):
    out, cur = {}, None
    text = open(path).read().split("Locations\n")[1].split("Mappings\n")[0]
    for line in text.splitlines():
        m = re.match(r" *(\d+): (0x[0-9a-f]+) (?:M=\d+ )?(.*)", line)
        if m:
            cur = out.setdefault(int(m.group(1)), [m.group(2)])
            rest = m.group(3)
        else:
            rest = line.strip()
        if rest:
            name, where = rest.split(" ")[:2]
            cur.append((name, where.rsplit(":", 1)[0]))
    return out
ours, theirs = locs(sys.argv[1]), locs(sys.argv[2])
named = [i for i in ours if len(ours[i]) > 1]
assert len(named) >= 5, named
same_name = 0
for i in named:
    assert ours[i][0] == theirs[i][0], (i, ours[i], theirs[i])
    assert ours[i][1][1] == theirs[i][1][1], (i, ours[i], theirs[i])
    same_name += ours[i][1][0] == theirs[i][1][0]
assert same_name >= 0.6 * len(named), (same_name, len(named))
EOF
done

# labels: two goroutines with job=y share a sample of count 2
grep -A1 '^          2: ' "$SCRATCH/goroutine.raw" | grep -q '^                job:\[y\]$' ||
	fail_test "the job=y goroutines are not one labelled sample of 2"

# malformed text: exit 2 with the line
printf 'goroutine profile: total 1\n1 @ 0xzz\n' >"$SCRATCH/bad.txt"
expect_exit 2 "$GOSCOPE" raw "$SCRATCH/bad.txt"
grep -q "line 2: malformed" "$SCRATCH/err.$$" || fail_test "bad count line: $(cat "$SCRATCH/err.$$")"
printf 'heap profile: 1: 2 [3: 4] @ heap/1024\n0: 5 [0: 0] @ 0x1\n' >"$SCRATCH/bad-heap.txt"
expect_exit 2 "$GOSCOPE" raw "$SCRATCH/bad-heap.txt"
grep -q "line 2: inuse count was 0 but inuse bytes was 5" "$SCRATCH/err.$$" ||
	fail_test "bad heap line: $(cat "$SCRATCH/err.$$")"
pass_test
