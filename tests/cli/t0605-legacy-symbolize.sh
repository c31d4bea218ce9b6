#!/usr/bin/env bash
# Legacy text profiles (?debug=1) with raw addresses, symbolized with the Go binary given
# first (`goscope top BINARY PROFILE`). The legacy fixture writes the goroutine, heap, block
# and mutex profiles of one moment as protobuf (symbolized by the runtime, with inlined
# frames) and as text; with the "#" comment lines removed, the text and the binary must give
# exactly the reports of the protobuf profile (top and traces, by function and by line), for
# a plain, a PIE and -s -w builds. go tool pprof with the binary loses the inlined frames
# (and cannot place a PIE binary); a binary that does not match the profile is refused.
# Protobuf profiles stripped of their names are symbolized too, through their mappings.
set -u
. "$SRCDIR/tests/cli/common.sh"
GO=${GO:-go}
[ -x "$GO" ] || GO=$(command -v go) || fail_test "no Go toolchain"
export GOFLAGS=-mod=mod GOTOOLCHAIN=local GOPROXY=off
src="$SRCDIR/tests/fixtures/go/legacy"

build() { # build NAME [go build flags...]
	local name=$1
	shift
	(cd "$src" && "$GO" build -o "$SCRATCH/$name" "$@" .) || fail_test "cannot build fixture $name"
}

# traces without the samples whose value is 0, in a canonical order: the heap profile lists
# every bucket, writing the first format creates buckets (still empty) that only the second
# one shows, and the text sorts the buckets by size
traces_nonzero() {
	python3 -c '
import sys
text = sys.stdin.read()
sep = "-----------+-------------------------------------------------------\n"
parts = text.split(sep)
def value(block):  # the first token of the first line that is not a label line
    for line in block.splitlines():
        f = line.split()
        if f and not f[0].endswith(":"):
            return f[0]
    return None
keep = [parts[0]] + sorted(b for b in parts[1:] if value(b) != "0")
sys.stdout.write(sep.join(keep))
'
}

same_reports() { # same_reports BINARY DIR NAME: text + binary against the protobuf profile
	local bin=$1 dir=$2 name=$3 cmd
	grep -v '^#' "$dir/$name.txt" >"$dir/$name.bare.txt"
	grep -q '^#' "$dir/$name.txt" || fail_test "$name.txt has no comment lines to remove"
	grep -q '@ 0x' "$dir/$name.bare.txt" || fail_test "$name.txt has no stacks"
	for cmd in "top" "top -lines" "traces" "traces -lines" "folded"; do
		# shellcheck disable=SC2086
		"$GOSCOPE" $cmd "$bin" "$dir/$name.bare.txt" >"$dir/$name.leg" 2>"$dir/$name.err" ||
			fail_test "goscope $cmd $bin $name.bare.txt exited $?: $(cat "$dir/$name.err")"
		[ -s "$dir/$name.err" ] && fail_test "goscope $cmd $bin $name: warnings: $(cat "$dir/$name.err")"
		# shellcheck disable=SC2086
		"$GOSCOPE" $cmd "$dir/$name.pb.gz" | grep -v '^Time:' >"$dir/$name.pb" ||
			fail_test "goscope $cmd $name.pb.gz failed"
		if [ "$name" = heap ] && [ "${cmd%% *}" = traces ]; then
			traces_nonzero <"$dir/$name.leg" >"$dir/$name.leg.nz" || fail_test "traces_nonzero"
			traces_nonzero <"$dir/$name.pb" >"$dir/$name.pb.nz" || fail_test "traces_nonzero"
			grep -q main.mk "$dir/$name.pb.nz" || fail_test "heap traces lost main.mk"
			mv "$dir/$name.leg.nz" "$dir/$name.leg"
			mv "$dir/$name.pb.nz" "$dir/$name.pb"
		fi
		diff -u "$dir/$name.pb" "$dir/$name.leg" >&2 ||
			fail_test "$bin: goscope $cmd of $name.txt without comments differs from $name.pb.gz"
	done
}

build plain
build pie -buildmode=pie
build plain-sw -ldflags='-s -w'
build pie-sw -buildmode=pie -ldflags='-s -w'

for b in plain pie plain-sw pie-sw; do
	d="$SCRATCH/$b.d"
	mkdir -p "$d"
	"$SCRATCH/$b" "$d" || fail_test "fixture $b failed"
	for name in goroutine heap block mutex; do
		same_reports "$SCRATCH/$b" "$d" "$name"
	done
	# the hot paths are inlined: the reports show it
	top() { "$GOSCOPE" top "$SCRATCH/$b" "$d/$1.bare.txt"; }
	top goroutine | grep -q ' main\.park (inline)$' || fail_test "$b: no main.park (inline) frame"
	top goroutine | grep -q ' main\.level2 (inline)$' || fail_test "$b: no main.level2 (inline) frame"
	top heap | grep -q ' main\.mk (inline)$' || fail_test "$b: no main.mk (inline) frame"
	top block | grep -q ' main\.take (inline)$' || fail_test "$b: no main.take (inline) frame"
	top mutex | grep -q ' sync\.(\*Mutex)\.Unlock (inline)$' || fail_test "$b: no Unlock (inline) frame"
	top goroutine | grep -q 'runtime\.goexit' && fail_test "$b: runtime.goexit is shown"
done

# the runtime's protobuf profiles with every name removed (through goscope's JSON form):
# the binary gives the names back, placed by the mappings (the PIE one too)
strip_names() { # strip_names IN.json OUT.json
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for l in d["locations"]:
    l.pop("lines", None)
d["functions"] = []
for m in d["mappings"]:
    m["has_functions"] = False
json.dump(d, open(sys.argv[2], "w"))
' "$1" "$2" || fail_test "cannot strip $1"
}
for b in plain pie-sw; do
	d="$SCRATCH/$b.d"
	for name in goroutine heap block mutex; do
		"$GOSCOPE" convert --to json -o "$d/$name.json" "$d/$name.pb.gz" || fail_test "convert --to json"
		strip_names "$d/$name.json" "$d/$name.bare.json"
		"$GOSCOPE" top "$d/$name.bare.json" | grep -q 'main\.' && fail_test "$name.bare.json has names"
		for cmd in "top -lines" "traces -lines"; do
			# shellcheck disable=SC2086
			"$GOSCOPE" $cmd "$SCRATCH/$b" "$d/$name.bare.json" >"$d/$name.leg" ||
				fail_test "goscope $cmd $b $name.bare.json exited $?"
			# shellcheck disable=SC2086
			"$GOSCOPE" $cmd "$d/$name.pb.gz" | diff -u - "$d/$name.leg" >&2 ||
				fail_test "$b: goscope $cmd of $name.pb.gz without names differs from the original"
		done
	done
	"$GOSCOPE" convert --json "$SCRATCH/$b" "$d/goroutine.bare.json" |
		python3 -c 'import json,sys; assert json.load(sys.stdin)["mappings"][0]["has_functions"]' ||
		fail_test "$b: the symbolized mapping does not say has_functions"
done
# another build (another build ID) is refused for a profile with a build ID
expect_exit 2 "$GOSCOPE" top "$SCRATCH/plain-sw" "$SCRATCH/plain.d/goroutine.bare.json"
grep -q 'does not match the profile: its build ID is' "$SCRATCH/err.$$" ||
	fail_test "other build ID: $(cat "$SCRATCH/err.$$")"

# -s -w builds have the layout of the full ones: they symbolize the other's profile alike
for name in goroutine heap block mutex; do
	"$GOSCOPE" traces "$SCRATCH/plain-sw" "$SCRATCH/plain.d/$name.bare.txt" | sed 1,2d >"$SCRATCH/a" ||
		fail_test "plain-sw cannot symbolize the profile of plain"
	"$GOSCOPE" traces "$SCRATCH/plain" "$SCRATCH/plain.d/$name.bare.txt" | sed 1,2d >"$SCRATCH/b"
	cmp -s "$SCRATCH/a" "$SCRATCH/b" || fail_test "plain-sw and plain symbolize $name differently"
done

d="$SCRATCH/plain.d"
# go tool pprof with the binary names the physical functions only and keeps runtime.goexit
pprof_top=$("$GO" tool pprof -top "$SCRATCH/plain" "$d/goroutine.bare.txt" 2>/dev/null)
grep -q ' main\.worker$' <<<"$pprof_top" || fail_test "pprof did not symbolize: $pprof_top"
grep -q 'main\.park' <<<"$pprof_top" && fail_test "pprof now shows inlined frames: update docs/parity.md"
grep -q 'runtime\.goexit' <<<"$pprof_top" || fail_test "pprof no longer shows runtime.goexit"
# and cannot place a PIE binary for a profile without a memory map
pprof_top=$("$GO" tool pprof -top "$SCRATCH/pie" "$SCRATCH/pie.d/goroutine.bare.txt" 2>/dev/null)
grep -q 'main\.worker' <<<"$pprof_top" && fail_test "pprof now symbolizes PIE legacy profiles: update docs/parity.md"

# the comment lines, when present, name the locations (one per address, so without the
# "(inline)" marks) and hide leading runtime frames, which the binary names; -symbolize=force
# redoes every location and gives the runtime's answer
strip_inline() { sed 's/ (inline)$//'; }
"$GOSCOPE" top "$d/goroutine.txt" >"$SCRATCH/without-bin" || fail_test "top goroutine.txt"
grep -q '<unknown>' "$SCRATCH/without-bin" || fail_test "goroutine.txt has no unnamed frames"
"$GOSCOPE" top "$SCRATCH/plain" "$d/goroutine.txt" | strip_inline >"$SCRATCH/with-bin" ||
	fail_test "top BINARY goroutine.txt"
"$GOSCOPE" top "$d/goroutine.pb.gz" | grep -v '^Time:' >"$SCRATCH/pb.top"
strip_inline <"$SCRATCH/pb.top" | diff -u - "$SCRATCH/with-bin" >&2 ||
	fail_test "top BINARY goroutine.txt (with comment lines) differs beyond the inline marks"
for name in goroutine heap block mutex; do
	"$GOSCOPE" traces -lines -symbolize=force "$SCRATCH/plain" "$d/$name.txt" |
		traces_nonzero >"$SCRATCH/forced" || fail_test "force $name"
	"$GOSCOPE" traces -lines "$d/$name.pb.gz" | grep -v '^Time:' | traces_nonzero |
		diff -u - "$SCRATCH/forced" >&2 || fail_test "-symbolize=force differs on $name.txt"
done
# -symbolize=none keeps the addresses
"$GOSCOPE" top -symbolize=none "$SCRATCH/plain" "$d/goroutine.bare.txt" | grep -q 'main\.' &&
	fail_test "-symbolize=none symbolized"

# every report command takes the binary (peek after its regular expression)
"$GOSCOPE" peek 'main\.level2' "$SCRATCH/plain" "$d/goroutine.bare.txt" | grep -q 'main\.park (inline)' ||
	fail_test "peek RE BINARY PROFILE"
"$GOSCOPE" tree "$SCRATCH/plain" "$d/block.bare.txt" | grep -q 'main\.take (inline)' || fail_test "tree"
"$GOSCOPE" tags "$SCRATCH/plain" "$d/heap.bare.txt" >/dev/null || fail_test "tags"
# the symbolized profile, written as protobuf, reads in pprof as the runtime's own
for name in goroutine block mutex; do
	"$GOSCOPE" convert --to pprof -o "$SCRATCH/$name.conv.pb.gz" "$SCRATCH/plain" "$d/$name.bare.txt" ||
		fail_test "convert --to pprof BINARY $name.bare.txt"
	"$GO" tool pprof -traces "$SCRATCH/$name.conv.pb.gz" 2>/dev/null | grep -v '^Time:' >"$SCRATCH/conv"
	"$GO" tool pprof -traces "$d/$name.pb.gz" 2>/dev/null | grep -v '^Time:' | diff -u - "$SCRATCH/conv" >&2 ||
		fail_test "pprof -traces of the converted $name differs from the runtime's profile"
	grep -q '(inline)' "$SCRATCH/conv" || fail_test "no inlined frame in the converted $name"
done

# a binary that does not match is refused, never a wrong answer
expect_exit 2 "$GOSCOPE" top "$GO" "$d/goroutine.bare.txt"
grep -q 'does not match the profile' "$SCRATCH/err.$$" || fail_test "other binary: $(cat "$SCRATCH/err.$$")"
expect_exit 2 "$GOSCOPE" top "$SCRATCH/plain" "$SCRATCH/pie.d/goroutine.bare.txt"
grep -q 'does not match the profile' "$SCRATCH/err.$$" || fail_test "PIE profile: $(cat "$SCRATCH/err.$$")"
expect_exit 2 "$GOSCOPE" top "$GO" "$SCRATCH/pie.d/goroutine.bare.txt"
grep -q 'does not match the profile' "$SCRATCH/err.$$" || fail_test "other binary, PIE: $(cat "$SCRATCH/err.$$")"
# an executable alone is still not a profile
expect_exit 2 "$GOSCOPE" top "$SCRATCH/plain"
grep -q 'is an executable, not a profile' "$SCRATCH/err.$$" || fail_test "binary alone: $(cat "$SCRATCH/err.$$")"
pass_test
