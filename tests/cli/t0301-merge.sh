#!/usr/bin/env bash
# Several sources and -base/-diff_base against `go tool pprof`: identical samples from several
# sources are summed under pprof's merge key (locations + labels, a key's values in their
# order, only the last inlined line's column), samples that cancel under -base are dropped,
# and -mean over a count of -1 and a value of INT64_MIN wraps as Go's division does instead
# of crashing.
set -u
. "$SRCDIR/tests/cli/common.sh"
. "$SRCDIR/tests/cli/report_fixtures.sh"
. "$SRCDIR/tests/cli/profgen.sh"
build_mkprofile

# Labels in two orders (same key set), one key's values in two orders (different keys),
# numeric labels with and without units, two locations that differ only in the column of
# their inlined (non-last) line, and zero samples.
mkprofile "$SCRATCH/lab.pb.gz" <<'SPEC'
sample_type samples count
sample_type cpu nanoseconds
period_type cpu nanoseconds
period 10000000
mapping id=1 start=0x400000 limit=0x500000 file=/usr/bin/demo functions
mapping id=2 start=0x600000 limit=0x600800 file=/usr/lib/x.so functions
function id=1 name=main.main file=/src/main.go start=10
function id=2 name=main.hot file=/src/main.go start=20
function id=3 name=lib.f file=/src/lib.go
location id=1 mapping=1 addr=0x401000 lines=1:12
location id=2 mapping=1 addr=0x402000 lines=2:22,1:13
location id=3 mapping=1 addr=0x402000 lines=2:22,1:13
location id=4 mapping=2 addr=0x600100 lines=3:5
location id=5 mapping=1 addr=0x403000 lines=2:23:4,1:13:9
location id=6 mapping=1 addr=0x403000 lines=2:23:5,1:13:9
location id=7 mapping=1 addr=0x404000 lines=2:24:1,1:14:2
location id=8 mapping=1 addr=0x404000 lines=2:24:1,1:14:3
sample locs=2,1 values=1,10000000 label=a:1 label=b:2
sample locs=3,1 values=2,20000000 label=b:2 label=a:1
sample locs=2,1 values=3,30000000 label=a:1 label=a:2
sample locs=2,1 values=4,40000000 label=a:2 label=a:1
sample locs=4,1 values=5,50000000 num=n:3:bytes
sample locs=4,1 values=6,60000000 num=n:3
sample locs=4,1 values=6,60000000 num=n:3:kilobytes
sample locs=5 values=1,1
sample locs=6 values=1,1
sample locs=7 values=1,1
sample locs=8 values=1,1
sample locs=1 values=0,0
sample locs=1 values=0,5
sample locs=1 values=7,70000000
SPEC
l="$SCRATCH/lab.pb.gz"
same_as_pprof traces "$l"
same_as_pprof traces "$l" "$l"
same_as_pprof traces "$l" "$l" "$l"
same_as_pprof tags "$l" "$l"
same_as_pprof top -lines -showcolumns "$l" "$l"
same_as_pprof traces -base="$l" "$l"
same_as_pprof tags -base="$l" "$l"
same_as_pprof top -base="$l" "$l"
same_as_pprof traces -diff_base="$l" "$l"
same_as_pprof top -diff_base="$l" "$l"
same_as_pprof tree -base="$l" "$l" "$l"

# -mean with a count of -1 and a delay of INT64_MIN: alone (the report total, the node
# values and the edge weight all divide INT64_MIN by -1) and next to an ordinary sample.
mean_spec() {
	cat <<'SPEC'
sample_type count count
sample_type delay nanoseconds
function id=1 name=main.f file=a.go
function id=2 name=main.g file=a.go
location id=1 lines=1:3
location id=2 lines=2:5
sample locs=1,2 values=-1,-9223372036854775808
SPEC
}
mean_spec | mkprofile "$SCRATCH/min1.pb.gz"
{ mean_spec; echo "sample locs=2 values=2,10"; } | mkprofile "$SCRATCH/min2.pb.gz"
for m in "$SCRATCH/min1.pb.gz" "$SCRATCH/min2.pb.gz"; do
	for cmd in top traces tags tree; do
		same_as_pprof "$cmd" -mean "$m"
		same_as_pprof "$cmd" -mean -nodefraction=0 -edgefraction=0 "$m"
	done
	same_as_pprof peek . -mean "$m"
	"$GOSCOPE" flame -mean -o "$SCRATCH/min.html" "$m" 2>/dev/null
	[ $? -lt 128 ] || fail_test "goscope flame -mean $m died of a signal"
	"$GOSCOPE" top --json -mean "$m" >/dev/null || fail_test "goscope top --json -mean $m failed"
done

# Real Go profiles: a source merged with itself, with itself as -base (everything cancels)
# and as -diff_base, and two different profiles of the same types.
d="$SCRATCH/profiles"
profgen "$d"
for f in cpu heap goroutine block; do
	p="$d/$f.pb.gz"
	same_as_pprof traces "$p" "$p"
	same_as_pprof tags "$p" "$p"
	same_as_pprof top "$p" "$p"
	same_as_pprof traces -base="$p" "$p"
	same_as_pprof tags -base="$p" "$p"
	same_as_pprof top -base="$p" "$p"
	same_as_pprof traces -diff_base="$p" "$p"
	same_as_pprof top -diff_base="$p" "$p"
done
same_as_pprof traces "$d/heap.pb.gz" "$d/allocs.pb.gz" "$d/heap.pb.gz"
same_as_pprof tags -base="$d/heap.pb.gz" "$d/allocs.pb.gz"

pass_test
