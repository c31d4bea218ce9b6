#!/usr/bin/env bash
# goscope top against `go tool pprof -top` on real Go profiles written at test time (a few
# flags per profile type; the full matrix is the parity suite's), then the --json output,
# -o, and the errors: usage (exit 64) and bad input (exit 2) with one-line messages.
set -u
. "$SRCDIR/tests/cli/common.sh"
. "$SRCDIR/tests/cli/profgen.sh"

d="$SCRATCH/profiles"
profgen "$d"

same() { # same NAME ARGS...: goscope top ARGS == go tool pprof -top ARGS
	local name=$1
	shift
	"$GO" tool pprof -top "$@" >"$SCRATCH/$name.want" 2>/dev/null || fail_test "pprof -top $* failed"
	"$GOSCOPE" top "$@" >"$SCRATCH/$name.got" 2>"$SCRATCH/$name.err" ||
		fail_test "goscope top $* exited $?: $(head -2 "$SCRATCH/$name.err")"
	diff -u "$SCRATCH/$name.want" "$SCRATCH/$name.got" >&2 || fail_test "goscope top $* differs from pprof -top"
}

same cpu "$d/cpu.pb.gz"
same cpu-cum -cum -nodecount=5 "$d/cpu.pb.gz"
same cpu-lines -lines -focus=burn "$d/cpu.pb.gz"
same cpu-tag -tagfocus=worker=alpha -tagroot=worker "$d/cpu.pb.gz"
same cpu-hide -hide=runtime -noinlines "$d/cpu.pb.gz"
same heap "$d/heap.pb.gz"
same heap-alloc -sample_index=alloc_space -addresses "$d/heap.pb.gz"
same heap-range -tagfocus=1kb:3kb "$d/heap.pb.gz"
same allocs -inuse_objects "$d/allocs.pb.gz"
same block -mean "$d/block.pb.gz"
same mutex -contentions "$d/mutex.pb.gz"
same goroutine -show_from=main "$d/goroutine.pb.gz"
same merged "$d/allocs.pb.gz" "$d/heap.pb.gz"
same diff -diff_base="$d/heap.pb.gz" "$d/allocs.pb.gz"
same base -base="$d/heap.pb.gz" -sample_index=alloc_space "$d/allocs.pb.gz"

# --json carries the same rows and numbers as the text.
"$GOSCOPE" top --json -nodecount=5 "$d/cpu.pb.gz" >"$SCRATCH/top.json" || fail_test "--json exited $?"
"$GOSCOPE" top -nodecount=5 "$d/cpu.pb.gz" >"$SCRATCH/top.txt" || fail_test "text exited $?"
python3 - "$SCRATCH/top.json" "$SCRATCH/top.txt" <<'PY' || fail_test "--json does not match the text"
import json, sys
d = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read().split("\n")
rows = [l for l in text[text.index("      flat  flat%   sum%        cum   cum%") + 1:] if l]
assert len(d["rows"]) == len(rows) >= 1, (len(d["rows"]), len(rows))
for r, line in zip(d["rows"], rows):
    f = line.split()
    assert f[0] == r["flat_text"] and f[1] == r["flat_percent_text"], (f, r)
    assert f[2] == r["sum_percent_text"] and f[3] == r["cum_text"], (f, r)
    assert f[4] == r["cum_percent_text"] and f[5] == r["name"], (f, r)
    assert isinstance(r["flat"], int) and isinstance(r["cum"], int)
assert d["type"] == "cpu" and d["total"] > 0
assert d["header"] == text[:len(d["header"])]
PY

# -o writes the same report to a file.
"$GOSCOPE" top -o "$SCRATCH/out.txt" -nodecount=5 "$d/cpu.pb.gz" || fail_test "-o exited $?"
cmp -s "$SCRATCH/out.txt" "$SCRATCH/top.txt" || fail_test "-o output differs from stdout"

# Usage errors: exit 64.
expect_exit 64 "$GOSCOPE" top
grep -q "no profile source specified" "$SCRATCH/err.$$" || fail_test "no message for a missing source"
expect_exit 64 "$GOSCOPE" top -base="$d/heap.pb.gz" -diff_base="$d/heap.pb.gz" "$d/heap.pb.gz"
grep -q -- "-base and -diff_base flags cannot both be specified" "$SCRATCH/err.$$" ||
	fail_test "no message for -base with -diff_base"
expect_exit 64 "$GOSCOPE" top -lines -files "$d/cpu.pb.gz"
expect_exit 64 "$GOSCOPE" top -normalize "$d/cpu.pb.gz"
expect_exit 64 "$GOSCOPE" top -divide_by=0 "$d/cpu.pb.gz"

# Bad input: exit 2, one line naming what is wrong.
one_line() { # one_line PATTERN: the last command's stderr is one line matching PATTERN
	[ "$(wc -l <"$SCRATCH/err.$$")" -eq 1 ] || fail_test "expected one line, got: $(cat "$SCRATCH/err.$$")"
	grep -q "$1" "$SCRATCH/err.$$" || fail_test "expected '$1', got: $(cat "$SCRATCH/err.$$")"
}
expect_exit 2 "$GOSCOPE" top -sample_index=9 "$d/cpu.pb.gz"
one_line "^goscope top: sample_index 9 is outside the range \[0..1\]$"
expect_exit 2 "$GOSCOPE" top -sample_index=nope "$d/cpu.pb.gz"
one_line 'must be one of: \[samples cpu\]'
expect_exit 2 "$GOSCOPE" top -focus='(' "$d/cpu.pb.gz"
one_line "^goscope top: parsing focus regexp: "
expect_exit 2 "$GOSCOPE" top "$SCRATCH/missing.pb.gz"
one_line "missing.pb.gz"
head -c 100 "$d/cpu.pb.gz" >"$SCRATCH/cut.pb.gz"
expect_exit 2 "$GOSCOPE" top "$SCRATCH/cut.pb.gz"
one_line "cut.pb.gz"
# an executable first is the binary (pprof's BINARY PROFILE): goscope itself is no Go binary
expect_exit 2 "$GOSCOPE" top "$GOSCOPE" "$d/cpu.pb.gz"
grep -q "cannot read the binary .*not a Go binary" "$SCRATCH/err.$$" || fail_test "no clear message for a non-Go binary"
expect_exit 2 "$GOSCOPE" top "$d/cpu.pb.gz" "$GOSCOPE"
grep -q "is an executable, not a profile" "$SCRATCH/err.$$" || fail_test "no clear message for an executable"
expect_exit 2 "$GOSCOPE" top "$d/cpu.pb.gz" "$d/goroutine.pb.gz"
one_line "profiles have empty common sample type list"

pass_test
