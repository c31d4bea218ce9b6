#!/bin/bash
# The parity suite's inputs and harness: the generated profiles exist and hold what the matrix
# relies on (labels, inlined frames, recursion, generic names, every sample type), `go tool
# pprof` reads them without looking for binaries, and the comparison helper really fails on a
# one-byte difference and passes on identical output.
. "$(dirname "$0")/lib.sh"

profiles=$(fixture_profiles) || exit 1
pp_init

# pprof_text ARGS...: pprof's stdout for ARGS (fails the case on a pprof error).
pprof_text() {
	"$PPROF" "$@" 2>"$SCRATCH/pprof.err" ||
		echo "pprof failed: $(cat "$SCRATCH/pprof.err")"
}

has() {
	grep -qE -- "$2" <<<"$1"
}

# Every profile of the matrix exists and has the sample types the matrix asks for.
while IFS='#' read -r name file types _; do
	path="$profiles/$file"
	check "$name: $file exists and is not empty" test -s "$path"
	raw=$(pprof_text -raw "$path")
	for t in $types; do
		check "$name: sample type $t" has "$raw" "(^| )$t/"
	done
done < <(pp_profiles)

# What the cases rely on, per profile.
cpu=$(pprof_text -top -nodefraction=0 "$profiles/cpu.pb.gz")
check "cpu: inlined frames" has "$cpu" 'main\.mix \((partial-)?inline\)$'
check "cpu: frames inlined everywhere" has "$cpu" ' \(inline\)$'
check "cpu: direct recursion" has "$cpu" 'main\.fib$'
check "cpu: mutual recursion" has "$cpu" 'main\.isOdd$'
check "cpu: a 250 Hz period" has "$(pprof_text -raw "$profiles/cpu.pb.gz")" '^Period: 4000000$'
tags=$(pprof_text -tags "$profiles/cpu.pb.gz")
for key in worker tenant phase region; do
	check "cpu: label key $key" has "$tags" "^ *$key: Total"
done
check "cpu: some samples carry no worker label" \
	has "$(pprof_text -top -nodefraction=0 -tagignore=worker=. "$profiles/cpu.pb.gz")" 'main\.sortRound'
check "cpu2: the tree worker" has "$(pprof_text -top -nodefraction=0 "$profiles/cpu2.pb.gz")" 'main\.walk$'
heap=$(pprof_text -top -nodefraction=0 -sample_index=alloc_space "$profiles/heap.pb.gz")
for f in allocSmall allocMedium allocLarge; do
	check "heap: main.$f" has "$heap" "main\\.$f\$"
done
check "heap: numeric bytes labels" has "$(pprof_text -tags "$profiles/heap.pb.gz")" '^ *bytes: Total'
check "block: channel waits" has "$(pprof_text -top -nodefraction=0 "$profiles/block.pb.gz")" 'runtime\.chansend1$'
check "block: mutex waits" has "$(pprof_text -top -nodefraction=0 "$profiles/block.pb.gz")" 'sync\.\(\*Mutex\)\.Lock'
check "mutex: lockHolder" has "$(pprof_text -top -nodefraction=0 "$profiles/mutex.pb.gz")" 'main\.lockHolder$'
gtags=$(pprof_text -tags "$profiles/goroutine.pb.gz")
check "goroutine: pool labels" has "$gtags" '^ *pool: Total'
check "goroutine: shard labels" has "$gtags" '^ *shard: Total'
check "goroutine: parked in waitGate" has "$(pprof_text -top -nodefraction=0 "$profiles/goroutine.pb.gz")" 'main\.waitGate$'
for pkg in strings sort flate json; do
	check "gotest $pkg: CPU profile of the package's code" \
		has "$(pprof_text -top -nodefraction=0 "$profiles/gotest/$pkg.cpu.pb.gz")" " $pkg\\."
done

# The harness runs pprof with its default symbolization: on these profiles it must not look
# for binaries or servers (it says so on stderr when it tries).
while IFS='#' read -r name file _; do
	"$PPROF" -top "$profiles/$file" >/dev/null 2>"$SCRATCH/stderr"
	check "$name: pprof -top reads $file without symbolizing: $(head -c 200 "$SCRATCH/stderr")" \
		test ! -s "$SCRATCH/stderr"
done < <(pp_profiles)
# Default symbolization simplifies generic names: the fixture has one name it changes and one
# it keeps (methods of generic types).
check "cpu: a generic function whose name pprof simplifies" \
	has "$(pprof_text -symbolize=none -raw "$profiles/cpu.pb.gz")" 'main\.applyN\[go\.shape\.func\(uint64\) uint64\]'
check "cpu: pprof simplifies it by default" \
	has "$("$PPROF" -top -nodefraction=0 "$profiles/cpu.pb.gz" 2>/dev/null)" 'main\.applyN\[go\.shape\.func uint64\]$'
check "cpu: pprof keeps the generic method's name" \
	has "$("$PPROF" -top -nodefraction=0 "$profiles/cpu.pb.gz" 2>/dev/null)" 'main\.\(\*stack\[go\.shape\.func\(uint64\) uint64\]\)\.fill$'

# pprof's own tree/peek output is random only in the order of edges of equal magnitude and
# opposite sign: after pp_canon_edges, repeated runs on a diff agree; a report without negative
# weights is left unchanged.
for i in 1 2 3 4 5 6; do
	"$PPROF" -tree -diff_base="$profiles/cpu2.pb.gz" "$profiles/cpu.pb.gz" >"$SCRATCH/diff.$i" 2>/dev/null
	pp_canon_edges "$SCRATCH/diff.$i"
	check_same "pprof -tree -diff_base, run $i, edge runs sorted" "$SCRATCH/diff.1" "$SCRATCH/diff.$i"
done
"$PPROF" -tree "$profiles/cpu.pb.gz" >"$SCRATCH/tree" 2>/dev/null
cp "$SCRATCH/tree" "$SCRATCH/tree.canon"
pp_canon_edges "$SCRATCH/tree.canon"
check_same "pp_canon_edges leaves a report without negative weights alone" "$SCRATCH/tree" "$SCRATCH/tree.canon"

# With -files, pprof's order of node blocks (and edges) that print the same name is random: after
# pp_canon_tree, repeated runs agree. The profiles checked have far fewer nodes than the node
# limit: when a trimmed graph is cut among tied nodes, the kept nodes themselves change from run
# to run (see docs/parity.md). A report without such ties is left unchanged.
for f in allocs block mutex goroutine; do
	for cum in 0 1; do
		flags=(-tree -files)
		[ "$cum" -eq 1 ] && flags+=(-cum)
		for i in 1 2 3 4 5 6; do
			"$PPROF" "${flags[@]}" "$profiles/$f.pb.gz" >"$SCRATCH/files.$i" 2>/dev/null
			pp_canon_edges "$SCRATCH/files.$i"
			pp_canon_tree "$SCRATCH/files.$i" $cum
			check_same "pprof ${flags[*]} $f.pb.gz, run $i, equal-named blocks sorted" "$SCRATCH/files.1" "$SCRATCH/files.$i"
		done
	done
done
cp "$SCRATCH/tree" "$SCRATCH/tree.canon"
pp_canon_tree "$SCRATCH/tree.canon" 0
check_same "pp_canon_tree leaves a report without equal-named nodes alone" "$SCRATCH/tree" "$SCRATCH/tree.canon"

# The comparison really compares: a stand-in for goscope that prints pprof's output passes,
# one that changes one byte, fails, and one that fails where pprof succeeds, fails.
PP_ROOT=$profiles
fake="$SCRATCH/fake-goscope"
cat >"$fake" <<EOF
#!/bin/bash
report=\$1; shift
if [ "\$report" = peek ]; then report="peek=\$1"; shift; fi
out=\$("$PPROF" "-\$report" "\$@") || exit 2
case "\${FAKE_MODE:-}" in
same) printf '%s\n' "\$out" ;;
flip) printf '%s\n' "\$out" | sed '3s/./X/' ;;
fail) exit 2 ;;
esac
EOF
chmod +x "$fake"
self_test() {
	local mode=$1 want=$2 before=$gs_failures
	GOSCOPE=$fake FAKE_MODE=$mode pp_case top -cum "$profiles/cpu.pb.gz" >"$SCRATCH/self.$mode" 2>&1
	GOSCOPE=$fake FAKE_MODE=$mode pp_case peek=main "$profiles/goroutine.pb.gz" >>"$SCRATCH/self.$mode" 2>&1
	local failed=$((gs_failures - before))
	gs_failures=$before
	gs_cases=$((gs_cases - 2))
	check "harness: a goscope that answers '$mode' gives $want failed cases (got $failed)" \
		test "$failed" -eq "$want"
}
self_test same 0
self_test flip 2
self_test fail 2
check "harness: the failure report shows the command" grep -q '^FAIL: goscope top -cum cpu.pb.gz$' "$SCRATCH/self.flip"
check "harness: the failure report shows a diff" grep -q '^+.*X' "$SCRATCH/self.flip"

finish
