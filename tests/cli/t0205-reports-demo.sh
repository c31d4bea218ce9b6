#!/usr/bin/env bash
# traces, tags, tree and peek on real profiles of the demo service (labelled CPU profile,
# heap with numeric bytes labels, allocs, goroutine with labels, block, mutex) print what
# `go tool pprof` prints, byte for byte. The profiles are fetched with curl, independently of
# goscope's own fetcher.
set -u
. "$SRCDIR/tests/cli/common.sh"
. "$SRCDIR/tests/cli/t05-demo.bash"
. "$SRCDIR/tests/cli/report_fixtures.sh"

start_demo
cd "$SCRATCH"
fetch() {
	curl -sf -o "$1" "http://$DEMO_ADDR/debug/pprof/$2" || fail_test "cannot fetch $2 from the demo"
}
fetch cpu.pb.gz 'profile?seconds=2'
for t in heap allocs goroutine block mutex; do
	fetch "$t.pb.gz" "$t"
done

for p in cpu heap allocs goroutine block mutex; do
	for cmd in traces tags tree; do
		same_as_pprof "$cmd" "$p.pb.gz"
	done
	same_as_pprof tree -lines -nodecount=15 "$p.pb.gz"
	same_as_pprof traces -lines "$p.pb.gz"
	same_as_pprof peek 'main\.' "$p.pb.gz"
done
same_as_pprof tags -tagfocus=handler=checkout cpu.pb.gz
same_as_pprof traces -tagfocus=handler=checkout -noinlines cpu.pb.gz
same_as_pprof tree -focus=main -cum cpu.pb.gz
same_as_pprof peek 'runtime\.mallocgc$' -sample_index=alloc_space allocs.pb.gz
same_as_pprof tags -sample_index=alloc_space heap.pb.gz
same_as_pprof tree -sample_index=contentions block.pb.gz
same_as_pprof tree -tagroot=handler cpu.pb.gz
same_as_pprof tree -diff_base heap.pb.gz allocs.pb.gz

for cmd in traces tags tree; do
	json_ok "$cmd" cpu.pb.gz
	json_ok "$cmd" heap.pb.gz
done
json_ok peek 'main\.' goroutine.pb.gz
pass_test
