#!/usr/bin/env bash
# goscope addr2line prints exactly what `go tool addr2line` prints, on every executable of
# the Go toolchain, for PCs sampled inside every function (entry, last byte and a few
# pseudo-random PCs from a fixed seed, functions found with `go tool nm -size`), plus
# addresses outside every function, malformed input lines and the reverse-lookup syntax.
set -u
. "$SRCDIR/tests/cli/common.sh"
GO=${GO:-go}
[ -x "$GO" ] || GO=$(command -v go) || fail_test "no Go toolchain"

# PCS_PER_FUNC pseudo-random PCs per function on top of entry and last byte
PCS_PER_FUNC=${PCS_PER_FUNC:-3}
gen_pcs() { # reads go tool nm -size output
	python3 -c '
import sys
k, seed, out = int(sys.argv[1]), 12345, []
for line in sys.stdin:
    f = line.split()
    if len(f) < 4 or f[2] not in ("T", "t") or int(f[1]) <= 0:
        continue
    addr, size = int(f[0], 16), int(f[1])
    out += ["%x" % addr, "0x%x" % (addr + size - 1)]
    for _ in range(k):
        seed = (seed * 1103515245 + 12345) % 2147483648
        out.append("%x" % (addr + seed % size))
print("\n".join(out))
' "$PCS_PER_FUNC"
}

bins=("$("$GO" env GOROOT)/bin/go" "$("$GO" env GOROOT)/bin/gofmt")
for f in "$("$GO" env GOTOOLDIR)"/*; do
	[ -f "$f" ] && [ -x "$f" ] && bins+=("$f")
done
[ ${#bins[@]} -ge 8 ] || fail_test "found only ${#bins[@]} toolchain binaries"

total=0
for b in "${bins[@]}"; do
	"$GO" tool nm -size "$b" | gen_pcs >"$SCRATCH/pcs" || fail_test "cannot list functions of $b"
	# odd inputs: outside text, 0, garbage, overflow, reverse syntax, CRLF, upper case
	printf '0\n0x0\nffffffffffffffff\n1ffffffffffffffff\nzz\n\n0x\nmain.go:12\n0X401000\n401000\r\n0x40100A\n' >>"$SCRATCH/pcs"
	n=$(wc -l <"$SCRATCH/pcs")
	[ "$n" -ge 1000 ] || fail_test "only $n PCs for $b"
	total=$((total + n))
	"$GO" tool addr2line "$b" <"$SCRATCH/pcs" >"$SCRATCH/want" || fail_test "go tool addr2line $b failed"
	"$GOSCOPE" addr2line "$b" <"$SCRATCH/pcs" >"$SCRATCH/got" || fail_test "goscope addr2line $b exited $?"
	cmp -s "$SCRATCH/want" "$SCRATCH/got" || {
		diff "$SCRATCH/want" "$SCRATCH/got" | head -20 >&2
		fail_test "goscope addr2line $b differs from go tool addr2line"
	}
	# --json (as -i): the last frame is the physical function, the first carries the innermost line
	"$GOSCOPE" addr2line --json "$b" <"$SCRATCH/pcs" | python3 -c '
import json, sys
want = open(sys.argv[1]).read().split("\n")
at = 0
for line in sys.stdin:
    d = json.loads(line)
    if "error" in d:
        assert want[at] == "!" + d["error"], (d, want[at])
        at += 1
        continue
    fn, pos = want[at], want[at + 1]
    at += 2
    fr = d["frames"]
    if not fr:
        assert fn == "?" and pos == "?:0", (d, fn, pos)
        continue
    assert fr[-1]["function"] == fn and not fr[-1]["inlined"], (d, fn)
    assert "%s:%d" % (fr[0]["file"], fr[0]["line"]) == pos, (d, pos)
    assert all(f["inlined"] for f in fr[:-1]), d
assert at == len(want) - 1, (at, len(want))
' "$SCRATCH/want" || fail_test "addr2line --json frames disagree with go tool addr2line on $b"
done
echo "compared $total addresses over ${#bins[@]} binaries"

# input edge cases: no final newline, a line longer than bufio.Scanner takes (it stops there)
b="$("$GO" env GOROOT)/bin/gofmt"
for input in '401000\n0x401010' "401000\n$(head -c 70000 /dev/zero | tr '\0' 1)\n401000\n" '\n\n'; do
	printf "$input" >"$SCRATCH/edge"
	"$GO" tool addr2line "$b" <"$SCRATCH/edge" >"$SCRATCH/want" 2>/dev/null
	"$GOSCOPE" addr2line "$b" <"$SCRATCH/edge" >"$SCRATCH/got"
	cmp -s "$SCRATCH/want" "$SCRATCH/got" || fail_test "edge input ${input:0:20}... differs from go tool addr2line"
done

expect_exit 2 "$GOSCOPE" addr2line /no/such/file </dev/null
printf 'not an elf' >"$SCRATCH/text"
expect_exit 2 "$GOSCOPE" addr2line "$SCRATCH/text" </dev/null
expect_exit 64 "$GOSCOPE" addr2line </dev/null
expect_exit 64 "$GOSCOPE" addr2line a b </dev/null
pass_test
