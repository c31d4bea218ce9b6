# Shared helpers for the CLI tests (tests/cli/t*.sh), sourced by each script.
# It checks the environment ctest passes (GOSCOPE, SRCDIR, BUILDDIR, SCRATCH, GO, FIXTURES),
# builds Go fixtures and generates profiles once per build directory (under a lock, so that
# parallel ctest runs share the work), and compares outputs with a readable diff.
# The parity helpers (pp_*) run `go tool pprof` and goscope with the same flags and compare
# their stdout byte for byte; pprof's answers are cached per fixture generation.

set -u
set -o pipefail

: "${GOSCOPE:?GOSCOPE must name the goscope binary}"
: "${SRCDIR:?SRCDIR must name the source tree}"
: "${SCRATCH:?SCRATCH must name a scratch directory}"
: "${FIXTURES:?FIXTURES must name the fixture directory}"
GO=${GO:-go}
export TZ=UTC LC_ALL=C
export PPROF_TMPDIR="$SCRATCH/pprof"
export PPROF_BINARY_PATH="$SCRATCH/pprof-binaries"
unset PPROF_TOOLS

rm -rf "$SCRATCH"
mkdir -p "$SCRATCH" "$PPROF_TMPDIR" "$FIXTURES"

# Failures are counted so that a script reports every broken case, then fails once at the end.
gs_failures=0
gs_cases=0

# fatal MSG: the test cannot run at all (missing binary, broken fixture); fails the test.
fatal() {
	echo "FATAL: $*" >&2
	exit 1
}

# skip MSG: only for what the kernel or the machine forbids (ptrace, perf_event_open).
skip() {
	echo "SKIP: $*" >&2
	exit 77
}

require_goscope() {
	[ -x "$GOSCOPE" ] || fatal "goscope binary '$GOSCOPE' is missing; build it first"
}

require_go() {
	if ! command -v "$GO" >/dev/null 2>&1; then
		fatal "Go toolchain '$GO' not found; the CLI tests need Go to build fixtures"
	fi
	PATH="$(dirname "$(command -v "$GO")"):$PATH"
	export PATH
}

# with_lock NAME CMD...: runs CMD holding $FIXTURES/.NAME.lock, so that only one test of a
# parallel ctest run builds a given fixture and the others wait for it.
with_lock() {
	local name=$1
	shift
	(
		flock 9 || exit 1
		"$@"
	) 9>"$FIXTURES/.$name.lock"
}

# newest_mtime DIR: the newest modification time (seconds) of the files under DIR.
newest_mtime() {
	find "$1" -type f -printf '%T@\n' | sort -n | tail -1 | cut -d. -f1
}

gs_build_fixture_locked() {
	local name=$1 src="$SRCDIR/tests/fixtures/go/$1" bin="$FIXTURES/bin/$1"
	if [ -x "$bin" ] && [ "$(stat -c %Y "$bin")" -ge "$(newest_mtime "$src")" ]; then
		return 0
	fi
	mkdir -p "$FIXTURES/bin"
	(cd "$src" && GOFLAGS=-mod=mod CGO_ENABLED=0 "$GO" build -o "$bin.tmp" .) ||
		return 1
	mv "$bin.tmp" "$bin"
}

# fixture_build NAME: builds tests/fixtures/go/NAME into $FIXTURES/bin/NAME (once, rebuilt when
# its sources change) and prints the binary's path.
fixture_build() {
	require_go
	with_lock "build-$1" gs_build_fixture_locked "$1" >&2 || fatal "cannot build fixture '$1'"
	echo "$FIXTURES/bin/$1"
}

# The standard-library packages whose benchmarks give the `go test` profiles, with the flags
# that keep each run to a few seconds (some benchmarks ignore -benchtime: they are skipped).
gs_gotest_packages() {
	cat <<'EOF'
strings -bench=Index|Fields|Split|Replace|Map|ToUpper|Trim|EqualFold|Builder|Count -benchtime=5ms
sort -bench=. -skip=1e6 -benchtime=10ms
compress/flate -bench=. -benchtime=10ms
encoding/json -bench=. -skip=TypeFieldsCache|CodeUnmarshal|CodeDecoder -benchtime=10ms
EOF
}

gs_gen_profiles_locked() {
	local dir="$FIXTURES/profiles" bin=$1 stamp key
	key="$(sha1sum "$bin" | cut -c1-40) $("$GO" version) $(gs_gotest_packages | sha1sum | cut -c1-40)"
	stamp="$dir/.stamp"
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$key" ]; then
		return 0
	fi
	rm -rf "$dir" "$FIXTURES/pprof-cache"
	mkdir -p "$dir/gotest/work"
	echo "generating profiles in $dir" >&2
	"$bin" -out "$dir" 2>"$dir/profiles.log" || {
		cat "$dir/profiles.log" >&2
		return 1
	}
	local pkg flags name
	while read -r pkg flags; do
		name=${pkg##*/}
		# shellcheck disable=SC2086 # flags are a word list on purpose
		(cd "$dir/gotest/work" && "$GO" test -run=NONE $flags -o "$name.test" \
			-cpuprofile="$dir/gotest/$name.cpu.pb.gz" \
			-memprofile="$dir/gotest/$name.mem.pb.gz" \
			-blockprofile="$dir/gotest/$name.block.pb.gz" \
			-mutexprofile="$dir/gotest/$name.mutex.pb.gz" \
			"$pkg") >"$dir/gotest/$name.log" 2>&1 || {
			tail -20 "$dir/gotest/$name.log" >&2
			return 1
		}
	done < <(gs_gotest_packages)
	rm -rf "$dir/gotest/work"
	echo "$key" >"$stamp"
}

# fixture_profiles: makes sure $FIXTURES/profiles holds the generated profiles (the labelled
# workloads of tests/fixtures/go/profiles, and `go test` CPU, memory, block and mutex profiles of
# standard-library benchmarks in gotest/) and prints the directory.
fixture_profiles() {
	local bin
	bin=$(fixture_build profiles) || exit 1
	with_lock profiles gs_gen_profiles_locked "$bin" || fatal "cannot generate the profiles"
	echo "$FIXTURES/profiles"
}

# fixture_serve DIR: serves DIR/NAME.pb.gz at /debug/pprof/NAME on a free loopback port until
# the test exits; sets FIXTURE_URL to http://127.0.0.1:PORT/debug/pprof.
fixture_serve() {
	local bin
	bin=$(fixture_build profiles) || exit 1
	"$bin" -serve "$1" -portfile "$SCRATCH/port" 2>"$SCRATCH/server.err" &
	gs_server_pid=$!
	trap 'kill "$gs_server_pid" 2>/dev/null; wait "$gs_server_pid" 2>/dev/null' EXIT
	for _ in $(seq 100); do
		[ -s "$SCRATCH/port" ] && break
		kill -0 "$gs_server_pid" 2>/dev/null || fatal "the fixture server exited: $(cat "$SCRATCH/server.err")"
		sleep 0.1
	done
	[ -s "$SCRATCH/port" ] || fatal "the fixture server did not start"
	FIXTURE_URL="http://127.0.0.1:$(cat "$SCRATCH/port")/debug/pprof"
}

# check_same LABEL EXPECTED_FILE ACTUAL_FILE: counts a case; on a difference prints the label
# and a unified diff (expected first) and counts a failure.
check_same() {
	gs_cases=$((gs_cases + 1))
	if cmp -s "$2" "$3"; then
		return 0
	fi
	gs_failures=$((gs_failures + 1))
	echo "FAIL: $1"
	diff -u --label expected --label actual "$2" "$3" | head -n "${GS_DIFF_LINES:-40}"
	return 1
}

# check LABEL CONDITION...: counts a case that passes when the command succeeds.
check() {
	local label=$1
	shift
	gs_cases=$((gs_cases + 1))
	if "$@"; then
		return 0
	fi
	gs_failures=$((gs_failures + 1))
	echo "FAIL: $label"
	return 1
}

# finish: prints the tally and exits 0 only if cases ran and every one passed.
finish() {
	local unstable=${gs_unstable:-0}
	[ "$unstable" -eq 0 ] || echo "$unstable more cases not compared: pprof's own output varies"
	echo "$gs_cases cases, $gs_failures failed"
	[ "$gs_cases" -gt 0 ] || fatal "no case ran"
	# pprof answering at random is rare (ties at the nodecount cut); many such cases would
	# mean the detection hides real differences
	[ $((unstable * 20)) -le "$gs_cases" ] || fatal "$unstable cases varied in pprof: too many"
	[ "$gs_failures" -eq 0 ] || exit 1
	exit 0
}

# ---- parity with go tool pprof ----

# pprof_bin: a copy of the pprof program `go tool pprof` runs (calling it directly saves the go
# command's start-up on every case; the program and its output are the same). Since Go 1.24
# the tool is built on first use into the build cache; `go tool -n` names it.
gs_pprof_bin_locked() {
	local bin="$FIXTURES/bin/pprof" path
	[ -x "$bin" ] && [ "$(cat "$bin.version" 2>/dev/null)" = "$("$GO" version)" ] && return 0
	"$GO" tool pprof -h >/dev/null 2>&1
	path=$("$GO" tool -n pprof) || return 1
	[ -x "$path" ] || return 1
	mkdir -p "$FIXTURES/bin"
	cp "$path" "$bin.tmp" && mv "$bin.tmp" "$bin"
	"$GO" version >"$bin.version"
}

pprof_bin() {
	require_go
	with_lock pprof gs_pprof_bin_locked || return 1
	echo "$FIXTURES/bin/pprof"
}

# pp_init: sets PPROF and the cache of pprof answers; call once per script after
# fixture_profiles.
pp_init() {
	require_goscope
	require_go
	PPROF=$(pprof_bin) || fatal "cannot find the pprof tool of '$GO'"
	PP_CACHE="$FIXTURES/pprof-cache"
	mkdir -p "$PP_CACHE"
	PP_N=0
}

# pprof_run OUT RC_FILE ARGS...: runs pprof ARGS with stdout to OUT, caching by the arguments
# (sources are fixture files that only change when regenerated, which empties the cache).
pprof_run() {
	local out=$1 rcfile=$2 key
	shift 2
	key=$(printf '%s\0' "$@" | sha1sum | cut -c1-40)
	if [ -f "$PP_CACHE/$key.rc" ]; then
		cp "$PP_CACHE/$key.out" "$out"
		cp "$PP_CACHE/$key.rc" "$rcfile"
		return 0
	fi
	local rc=0
	"$PPROF" "$@" >"$out" 2>"$out.err" || rc=$?
	echo "$rc" >"$rcfile"
	# 126/127: pprof could not be run at all; that is no answer to keep.
	[ "$rc" -lt 126 ] || fatal "cannot run $PPROF: $(cat "$out.err")"
	pp_quote "$@" >"$PP_CACHE/$key.args"
	cp "$out.err" "$PP_CACHE/$key.err"
	cp "$out" "$PP_CACHE/$key.out.tmp$$" && mv "$PP_CACHE/$key.out.tmp$$" "$PP_CACHE/$key.out"
	cp "$rcfile" "$PP_CACHE/$key.rc.tmp$$" && mv "$PP_CACHE/$key.rc.tmp$$" "$PP_CACHE/$key.rc"
}

# pp_quote ARGS...: the arguments as a shell command line a human can paste.
pp_quote() {
	local a out="" q="'"
	for a in "$@"; do
		if [[ $a =~ ^[-A-Za-z0-9_./=:,+@]+$ ]]; then
			out+=" $a"
		else
			out+=" $q${a//$q/$q\\$q$q}$q"
		fi
	done
	echo "${out# }"
}

# Awk functions shared by the pp_canon_* rewriters: isort(a, lo, hi) sorts a[lo..hi] in place
# (byte order, LC_ALL=C); for a run of n rows or blocks with flat[i] and sum[i] per position,
# runsame() says whether every flat is equal, and putsum(s, i, same) puts back the sum% column
# of position i where s holds "\001" (a marker instead when the flats differ, because sum%
# then depends on pprof's random order).
PP_AWK_LIB='
function isort(a, lo, hi,   i, j, t) {
	for (i = lo + 1; i <= hi; i++) {
		t = a[i]
		for (j = i - 1; j >= lo && a[j] > t; j--)
			a[j + 1] = a[j]
		a[j + 1] = t
	}
}
function runsame(   i) {
	for (i = 2; i <= n; i++)
		if (flat[i] != flat[1])
			return 0
	return 1
}
function putsum(s, i, same,   k) {
	k = index(s, "\001")
	return substr(s, 1, k - 1) (same ? sum[i] : "(sum% follows pprof order)") substr(s, k + 1)
}
'

# pp_canon_edges FILE: rewrites a tree or peek report so that each run of consecutive edge
# lines whose weights have the same magnitude but mixed signs is sorted. pprof orders edges
# with a comparator that calls such edges neither less nor greater (it compares the signed
# weights for equality and their absolute values for order) over a Go map's iteration order,
# so their order changes from run to run of pprof itself; every other line stays in place.
pp_canon_edges() {
	awk "$PP_AWK_LIB"'
function flush(   i) {
	if (mixed)
		isort(run, 1, n)
	for (i = 1; i <= n; i++)
		print run[i]
	n = 0
	mixed = 0
}
/^ +[^ ]+ +[^ ]+% \|   / {
	mag = $1
	neg = sub(/^-/, "", mag)
	if (n > 0 && mag == runmag) {
		if (neg != runneg)
			mixed = 1
	} else {
		flush()
		runmag = mag
		runneg = neg
	}
	run[++n] = $0
	next
}
{
	flush()
	print
}
END { flush() }
' "$1" >"$1.canon" && mv "$1.canon" "$1"
}

# pp_canon_top FILE BYCUM: rewrites a top report so that each run of consecutive rows with the
# same printed name (inline suffix aside) and the same sort value (flat, or cum when BYCUM is 1)
# is sorted. pprof's node comparator calls two different nodes with the same printed name
# neither less nor greater (with -files, nodes keep the function's start line), so their order
# comes from a Go map and changes from run to run. The sum% column is kept in place; inside a
# run whose flats differ it depends on that random order and is replaced by a marker.
pp_canon_top() {
	awk -v bycum="$2" "$PP_AWK_LIB"'
function flush(   i, same) {
	same = runsame()
	isort(rest, 1, n)
	for (i = 1; i <= n; i++)
		print putsum(rest[i], i, same)
	n = 0
}
/^ *[^ ]+ +[^ ]+% +[^ ]+% +[^ ]+ +[^ ]+%  / {
	match($0, /^ *[^ ]+ +[^ ]+% /)
	pre = substr($0, 1, RLENGTH)
	tail = substr($0, RLENGTH + 1)
	match(tail, /^ *[^ ]+%/)
	s = substr(tail, 1, RLENGTH)
	post = substr(tail, RLENGTH + 1)
	match(post, /^ +[^ ]+ +[^ ]+%  /)
	name = substr(post, RLENGTH + 1)
	sub(/ \((partial-)?inline\)$/, "", name)
	key = name SUBSEP (bycum ? $4 : $1)
	if (n == 0 || key != runkey) {
		flush()
		runkey = key
	}
	n++
	rest[n] = pre "\001" post
	sum[n] = s
	flat[n] = $1
	next
}
{
	flush()
	print
}
END { flush() }
' "$1" >"$1.canon" && mv "$1.canon" "$1"
}

# pp_canon_tree FILE BYCUM: rewrites a tree report so that each run of consecutive node blocks
# (the lines between two separators) whose node lines print the same name and the same sort
# value (flat, or cum when BYCUM is 1) is sorted, each block moving as a unit. pprof's node
# comparator calls two different nodes with the same printed name neither less nor greater
# (with -files, nodes keep the function's start line), so such blocks come out in the random
# order of a Go map. The sum% column is kept in place; inside a run whose flats differ it
# depends on that random order and is replaced by a marker. Inside a block, runs of edge lines
# that differ only by the " (inline)" suffix are sorted too (pprof's edge comparator looks at
# weight and printed names only). Header lines and every other block stay as printed.
pp_canon_tree() {
	awk -v bycum="$2" "$PP_AWK_LIB"'
function flush(   i, same) {
	same = runsame()
	isort(blk, 1, n)
	for (i = 1; i <= n; i++) {
		printf "%s", putsum(blk[i], i, same)
		print sep
	}
	n = 0
}
# Edges of one node with the same weight and the same printed name, inline suffix aside, are
# neither less nor greater to pprof either: sort each such run of edge lines.
function edgeruns(   i, j, a, b) {
	for (i = 1; i <= nl; i = j) {
		a = lines[i]
		sub(/ \(inline\)$/, "", a)
		for (j = i + 1; j <= nl; j++) {
			b = lines[j]
			sub(/ \(inline\)$/, "", b)
			if (lines[i] !~ /^ +[^ ]+ +[^ ]+% \|   / || b != a)
				break
		}
		isort(lines, i, j - 1)
	}
}
# A block ends at a separator: it joins the current run if its key matches.
function endblock(   line, i, m, key, pre, tail, s, post, name, text) {
	edgeruns()
	text = ""
	key = ""
	for (i = 1; i <= nl; i++) {
		line = lines[i]
		if (key == "" && line ~ /^ *[^ ]+ +[^ ]+% +[^ ]+% +[^ ]+ +[^ ]+% +\| /) {
			match(line, /^ *[^ ]+ +[^ ]+% /)
			pre = substr(line, 1, RLENGTH)
			tail = substr(line, RLENGTH + 1)
			match(tail, /^ *[^ ]+%/)
			s = substr(tail, 1, RLENGTH)
			post = substr(tail, RLENGTH + 1)
			name = post
			sub(/^[^|]*\| /, "", name)
			split(line, f, " ")
			key = name SUBSEP (bycum ? f[4] : f[1])
			line = pre "\001" post
			fl = f[1]
		}
		text = text line "\n"
	}
	nl = 0
	if (key == "") {
		flush()
		printf "%s", text
		print sep
		return
	}
	if (n > 0 && key != runkey)
		flush()
	runkey = key
	n++
	blk[n] = text
	sum[n] = s
	flat[n] = fl
}
!inblocks {
	print
	if ($0 ~ /^-+\+-+$/ && seenlegend) {
		inblocks = 1
		sep = $0
	}
	if ($0 ~ /^ +flat +flat% +sum% /)
		seenlegend = 1
	next
}
$0 == sep {
	endblock()
	next
}
{ lines[++nl] = $0 }
END {
	flush()
	for (i = 1; i <= nl; i++)
		print lines[i]
}
' "$1" >"$1.canon" && mv "$1.canon" "$1"
}

# pp_case REPORT ARGS...: one parity case. REPORT is top, tree, traces or peek=REGEX; ARGS
# are pprof flags and sources, passed unchanged to both tools:
#   go tool pprof -REPORT ARGS        vs   goscope REPORT ARGS
#   go tool pprof -peek=REGEX ARGS    vs   goscope peek REGEX ARGS
# Stdout must be byte-identical; if pprof fails, goscope must fail too. pprof runs with its
# default -symbolize, because that is what users run and it changes names (it simplifies
# generic Go names); the profiles are symbolized already, so it looks up no binaries
# (t1000 checks that), and PPROF_BINARY_PATH points into the scratch directory anyway.
pp_case() {
	local report=$1
	shift
	local -a pargs gargs
	case $report in
	peek=*)
		pargs=("-peek=${report#peek=}")
		gargs=(peek "${report#peek=}")
		;;
	*)
		pargs=("-$report")
		gargs=("$report")
		;;
	esac
	PP_N=$((PP_N + 1))
	local exp="$SCRATCH/case$PP_N.expected" act="$SCRATCH/case$PP_N.actual"
	local prc grc=0
	pprof_run "$exp" "$exp.rc" "${pargs[@]}" "$@"
	prc=$(cat "$exp.rc")
	"$GOSCOPE" "${gargs[@]}" "$@" >"$act" 2>"$act.err" || grc=$?
	local label
	label="$(pp_quote goscope "${gargs[@]}" "$@")"
	label=${label//"$PP_ROOT/"/}
	if [ "$prc" -ne 0 ]; then
		check "$label (pprof fails with exit $prc: goscope must fail, got $grc)" \
			test "$grc" -ne 0
		return
	fi
	if [ "$grc" -ne 0 ]; then
		gs_cases=$((gs_cases + 1))
		gs_failures=$((gs_failures + 1))
		echo "FAIL: $label"
		echo "  goscope exited $grc: $(head -c 300 "$act.err")"
		return
	fi
	case $report in
	tree | peek=*)
		pp_canon_edges "$exp"
		pp_canon_edges "$act"
		;;&
	tree)
		local bycum=0
		[[ " $* " == *" -cum "* ]] && bycum=1
		pp_canon_tree "$exp" $bycum
		pp_canon_tree "$act" $bycum
		;;
	top)
		local bycum=0
		[[ " $* " == *" -cum "* ]] && bycum=1
		pp_canon_top "$exp" $bycum
		pp_canon_top "$act" $bycum
		;;
	esac
	if ! cmp -s "$exp" "$act" && pp_unstable "$exp" "$report" "${pargs[@]}" "$@"; then
		gs_unstable=$((${gs_unstable:-0} + 1))
		echo "note: pprof's own output of '$label' changes from run to run" \
			"(a trim among equal nodes); not compared"
		return
	fi
	if check_same "$label" "$exp" "$act"; then
		rm -f "$exp" "$exp.rc" "$exp.err" "$act" "$act.err"
	fi
}

# pp_unstable EXPECTED REPORT PPROF-ARGS...: runs pprof up to eight more times, uncached, and
# succeeds as soon as its canonical output differs from EXPECTED: then pprof itself answers at
# random (it keeps a random subset of nodes that tie at the nodecount cut, or, under -files,
# hangs an edge on either of two nodes that print the same file) and no byte comparison can
# hold. A coin-flip choice repeats eight times by chance once in 256 runs; a real difference
# costs eight pprof runs, which only failing cases pay.
pp_unstable() {
	local exp=$1 report=$2 again="$1.again" i bycum=0
	shift 2
	[[ " $* " == *" -cum "* ]] && bycum=1
	for i in 1 2 3 4 5 6 7 8; do
		"$PPROF" "$@" >"$again" 2>/dev/null || return 1
		case $report in
		tree | peek=*) pp_canon_edges "$again" ;;&
		tree) pp_canon_tree "$again" $bycum ;;
		top) pp_canon_top "$again" $bycum ;;
		esac
		if ! cmp -s "$exp" "$again"; then
			rm -f "$again"
			return 0
		fi
	done
	rm -f "$again"
	return 1
}

# The parity matrix. Each profile has a line:
#   NAME#FILE#SAMPLE TYPES#FOCUS#IGNORE#HIDE#PEEK#TAGFOCUS...#TAGROOT#BASE#MERGE WITH
# (paths relative to $FIXTURES/profiles; empty fields mean "not applicable"; several
# tagfocus values are separated by spaces). pp_cases FULL|SHORT prints one case a line
# (arguments separated by spaces, sources last); SHORT is the reduced set used for the
# `go test` profiles.
pp_profiles() {
	cat <<'EOF'
cpu#cpu.pb.gz#samples cpu#main\.(fib|hashBlock)#runtime\.#^runtime\.#main\.(mix|hashBlock|fib)#worker=fib tenant=acme,globex phase#worker,tenant#cpu2.pb.gz#cpu2.pb.gz
cpu2#cpu2.pb.gz#samples cpu#main\.walk#fib#^sync\.#main\.(build|walk)#worker=tree#worker#cpu.pb.gz#
heap#heap.pb.gz#alloc_objects alloc_space inuse_objects inuse_space#main\.alloc#strconv#^runtime\.#main\.alloc(Small|Medium)#bytes=4kb bytes=1kb: bytes=64b:256b 64:256##allocs0.pb.gz#
allocs#allocs.pb.gz#alloc_objects alloc_space inuse_objects inuse_space#main\.(render|sortRound)#main\.allocLarge#^internal/#strings\.\(\*Builder\)#bytes=:512 bytes=:512b##allocs0.pb.gz#heap.pb.gz
block#block.pb.gz#contentions delay#main\.#WaitGroup#^runtime\.#sync\.###block0.pb.gz#
mutex#mutex.pb.gz#contentions delay#lockHolder#runtime\.unlock#^sync\.#Unlock###
goroutine#goroutine.pb.gz#goroutine#main\.wait(Gate|Lock)#Mutex#^runtime\.#main\.waitGate#pool=io shard=1 pool=db pool=io,db#pool,shard##
EOF
	local pkg flags name first="" merge
	while read -r pkg flags; do
		name=${pkg##*/}
		# The CPU and memory profiles of the first package are also merged with each later one's.
		merge=${first:+gotest/$first}
		first=${first:-$name}
		echo "gotest-$name-cpu#gotest/$name.cpu.pb.gz#samples cpu#$name(_test)?\\.#runtime\\.#^testing\\.#(^|/)$name(_test)?\\.####${merge:+$merge.cpu.pb.gz}"
		echo "gotest-$name-mem#gotest/$name.mem.pb.gz#alloc_objects alloc_space inuse_objects inuse_space#$name(_test)?\\.#testing#^runtime\\.#(^|/)$name(_test)?\\.####${merge:+$merge.mem.pb.gz}"
		echo "gotest-$name-block#gotest/$name.block.pb.gz#contentions delay#testing#chan#^runtime\\.#testing\\.####"
	done < <(gs_gotest_packages)
}

pp_cases() {
	local which=$1 name file types focus ignore hide peek tagfocus tagroot base merge t tf
	while IFS='#' read -r name file types focus ignore hide peek tagfocus tagroot base merge; do
		case $name in
		gotest-*) [ "$which" = SHORT ] || continue ;;
		*) [ "$which" = FULL ] || continue ;;
		esac
		echo "$file"
		echo "-cum $file"
		echo "-nodecount=5 $file"
		echo "-nodecount=1 -cum $file"
		[ -n "$focus" ] && echo "-focus=$focus $file"
		[ -n "$ignore" ] && echo "-ignore=$ignore $file"
		[ -n "$hide" ] && echo "-hide=$hide $file"
		for t in $types; do
			echo "-sample_index=$t $file"
		done
		echo "-sample_index=0 $file"
		echo "-lines $file"
		echo "-noinlines $file"
		[ -n "$merge" ] && echo "$file $merge"
		[ -n "$merge" ] && echo "-sample_index=0 -cum $file $merge"
		[ "$which" = FULL ] || continue
		echo "-files $file"
		echo "-addresses $file"
		echo "-mean $file"
		echo "-lines -noinlines -cum $file"
		[ -n "$focus" ] && [ -n "$ignore" ] && echo "-focus=$focus -ignore=$ignore -nodecount=8 $file"
		for tf in $tagfocus; do
			echo "-tagfocus=$tf $file"
		done
		[ -n "$tagroot" ] && echo "-tagroot=$tagroot $file"
		[ -n "$tagroot" ] && echo "-tagroot=${tagroot%%,*} -focus=main $file"
		if [ -n "$base" ]; then
			echo "-diff_base=$base $file"
			echo "-base=$base $file"
			echo "-diff_base=$base -cum -nodecount=10 $file"
		fi
	done < <(pp_profiles)
}

# pp_matrix REPORT WHICH: runs every case of the matrix for a report (peek uses each
# profile's PEEK regex and skips profiles without one).
pp_matrix() {
	local report=$1 which=$2 line file peekre
	local -a args
	PP_ROOT="$FIXTURES/profiles"
	while read -r line; do
		read -r -a args <<<"$line"
		local i
		for i in "${!args[@]}"; do
			case ${args[$i]} in
			-*=*.pb.gz) args[i]="${args[$i]%%=*}=$PP_ROOT/${args[$i]#*=}" ;;
			*.pb.gz) args[i]="$PP_ROOT/${args[$i]}" ;;
			esac
		done
		if [ "$report" = peek ]; then
			file=${line##* }
			peekre=$(pp_profiles | awk -F'#' -v f="$file" '$2 == f { print $7; exit }')
			[ -n "$peekre" ] || continue
			pp_case "peek=$peekre" "${args[@]}"
		else
			pp_case "$report" "${args[@]}"
		fi
	done < <(pp_cases "$which")
}
