#!/usr/bin/env bash
# The symbols fixture (inlining, closures, generics, methods) built in several ways: for each
# text layout (internal linking, PIE, external linking, arm64), the stripped builds
# (-ldflags='-s -w', and a copy with no section headers at all, which forces the pclntab
# scan and the moduledata search) give the same addr2line answers as the full build at
# every PC, and those equal go tool addr2line on the full build. -i shows the inline chain.
set -u
. "$SRCDIR/tests/cli/common.sh"
GO=${GO:-go}
[ -x "$GO" ] || GO=$(command -v go) || fail_test "no Go toolchain"
src="$SRCDIR/tests/fixtures/go/symbols"

build() { # build NAME [go build flags...]
	local name=$1
	shift
	(cd "$src" && "$GO" build -o "$SCRATCH/$name" "$@" .) || fail_test "cannot build fixture $name"
}
# a copy of $1 whose ELF header says there are no section headers
drop_sections() {
	python3 -c '
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[0x28:0x30] = bytes(8)      # e_shoff
b[0x3c:0x40] = bytes(4)      # e_shnum, e_shstrndx
open(sys.argv[2], "wb").write(b)
' "$1" "$2"
}

every_pc() { # all PCs of every function of the full build (the fixture is small)
	"$GO" tool nm -size "$1" | python3 -c '
import sys
for line in sys.stdin:
    f = line.split()
    if len(f) >= 4 and f[2] in ("T", "t") and int(f[1]) > 0:
        a, n = int(f[0], 16), int(f[1])
        step = 1 if f[3].startswith("main.") else max(1, n // 7)
        for pc in range(a, a + n, step):
            print("%x" % pc)
'
}

check_layout() { # LABEL FULL STRIPPED...
	local label=$1 full=$2
	shift 2
	every_pc "$SCRATCH/$full" >"$SCRATCH/$label.pcs" || fail_test "cannot list functions of $full"
	[ "$(wc -l <"$SCRATCH/$label.pcs")" -ge 5000 ] || fail_test "$label: too few PCs"
	"$GO" tool addr2line "$SCRATCH/$full" <"$SCRATCH/$label.pcs" >"$SCRATCH/$label.want" ||
		fail_test "go tool addr2line $full failed"
	for b in "$full" "$@"; do
		"$GOSCOPE" addr2line "$SCRATCH/$b" <"$SCRATCH/$label.pcs" >"$SCRATCH/$b.got" ||
			fail_test "goscope addr2line $b exited $?"
		cmp -s "$SCRATCH/$label.want" "$SCRATCH/$b.got" || {
			diff "$SCRATCH/$label.want" "$SCRATCH/$b.got" | head -10 >&2
			fail_test "$label: goscope addr2line on $b differs from go tool addr2line on $full"
		}
		"$GOSCOPE" addr2line -i "$SCRATCH/$b" <"$SCRATCH/$label.pcs" >"$SCRATCH/$b.goti"
		if [ "$b" != "$full" ]; then
			cmp -s "$SCRATCH/$full.goti" "$SCRATCH/$b.goti" ||
				fail_test "$label: addr2line -i on $b differs from the full build"
		fi
	done
}

build full
build stripped -ldflags='-s -w'
drop_sections "$SCRATCH/stripped" "$SCRATCH/nosections"
check_layout internal full stripped nosections

build pie -buildmode=pie
build pie-stripped -buildmode=pie -ldflags='-s -w'
drop_sections "$SCRATCH/pie-stripped" "$SCRATCH/pie-nosections"
check_layout pie pie pie-stripped pie-nosections

if command -v gcc >/dev/null; then
	build ext -ldflags='-linkmode=external'
	build ext-stripped -ldflags='-linkmode=external -s -w'
	drop_sections "$SCRATCH/ext-stripped" "$SCRATCH/ext-nosections"
	check_layout external ext ext-stripped ext-nosections
fi

GOARCH=arm64 build arm64
GOARCH=arm64 build arm64-stripped -ldflags='-s -w'
drop_sections "$SCRATCH/arm64-stripped" "$SCRATCH/arm64-nosections"
check_layout arm64 arm64 arm64-stripped arm64-nosections
"$GOSCOPE" info "$SCRATCH/arm64-nosections" | grep -Eq '^  functions +[0-9]+ .*scan' ||
	fail_test "the pclntab of a binary without sections was not found by a scan"

# the build info of a PIE without section headers is found past its first writable segment
"$GOSCOPE" info -m "$SCRATCH/pie-nosections" | grep -q '^	path	example.com/goscope/fixtures/symbols$' ||
	fail_test "no build info found in a PIE without section headers"

# the inline chain of norm -> addSquare -> square inside main.work, on every build
for b in full stripped pie-nosections arm64-nosections; do
	"$GOSCOPE" addr2line --json "$SCRATCH/$b" <"$SCRATCH/$( case $b in full|stripped) echo internal ;; pie*) echo pie ;; arm64*) echo arm64 ;; esac).pcs" |
		python3 -c '
import json, sys
chains = set()
for line in sys.stdin:
    fr = json.loads(line)["frames"]
    if fr and fr[-1]["function"] == "main.work":
        chains.add(tuple(f["function"] for f in fr))
want = ("main.square", "main.addSquare", "main.norm", "main.work")
assert want in chains, sorted(chains)
assert ("main.addSquare", "main.norm", "main.work") in chains, sorted(chains)
' || fail_test "$b: the inline chain square <- addSquare <- norm <- work was not found"
done

# closures, generics and methods are named as go tool addr2line names them
for name in 'main.closures.func1' 'main.main.func1' 'main.(*stack[go.shape.string]).pop' \
	'main.(*circle).area' 'main.rect.area' 'main.mapSlice[go.shape.interface'; do
	grep -qF "$name" "$SCRATCH/full.goti" || fail_test "no frame named like '$name'"
done
pass_test
