#!/usr/bin/env bash
# Runtime layouts against DWARF, for every Go version of lib/gobin/layouts/VERSIONS that this
# machine can fetch (GOTOOLCHAIN, through the module proxy; cached in the module cache): the
# probe fixture is built for amd64 and arm64, as an executable and as a PIE, with DWARF and
# with -ldflags='-s -w'. Checks: (a) what goscope reads from the DWARF of the full builds is
# exactly the built-in table of that version (every field offset and size, the label
# representation, the wait-reason strings); (b) the stripped builds get the same layout from
# the tables. A version that cannot be fetched is reported and skipped; the test is skipped
# (77) only when no version at all can be built.
set -u
. "$SRCDIR/tests/cli/common.sh"
GO=${GO:-go}
[ -x "$GO" ] || GO=$(command -v go) || fail_test "no Go toolchain"
src="$SRCDIR/tests/fixtures/go/layoutprobe"
tables="$SRCDIR/lib/gobin/layouts"
# probes are cached between runs (and presets), keyed by the probe's source
key=$(cat "$src/main.go" "$src/go.mod" | cksum | cut -d' ' -f1)
cache=${FIXTURES:-$SCRATCH}/layoutprobe-$key
mkdir -p "$cache"

build() { # VERSION ARCH MODE(exe|pie) STRIP(full|stripped) -> prints the binary's path
	local v=$1 arch=$2 mode=$3 strip=$4 out="$cache/$1-$2-$3-$4" ld=""
	[ "$strip" = stripped ] && ld="-s -w"
	if [ ! -s "$out" ]; then
		(cd "$src" && GOTOOLCHAIN=$v GOOS=linux GOARCH=$arch CGO_ENABLED=0 GOFLAGS=-mod=mod \
			"$GO" build -buildmode="$mode" -ldflags="$ld" -o "$out.tmp" . >"$SCRATCH/build.log" 2>&1) ||
			return 1
		mv "$out.tmp" "$out"
	fi
	echo "$out"
}

verified=() unavailable=()
for v in $(grep -v '^#' "$tables/VERSIONS"); do
	minor=${v#go1.}
	minor=${minor%%.*}
	if ! build "$v" amd64 exe full >/dev/null; then
		echo "note: cannot build with $v (toolchain not fetchable here?):" >&2
		tail -3 "$SCRATCH/build.log" >&2
		unavailable+=("$v")
		continue
	fi
	for arch in amd64 arm64; do
		table="$tables/go1.$minor-$arch.tsv"
		[ -f "$table" ] || fail_test "no table $table"
		grep -v '^#' "$table" >"$SCRATCH/want"
		for mode in exe pie; do
			for strip in full stripped; do
				bin=$(build "$v" "$arch" "$mode" "$strip") ||
					{ cat "$SCRATCH/build.log" >&2; fail_test "cannot build $v $arch $mode $strip"; }
				name="$v/$arch/$mode/$strip"
				"$GOSCOPE" info --layout-table "$bin" >"$SCRATCH/got" ||
					fail_test "$name: goscope info --layout-table exited $?"
				if ! cmp -s "$SCRATCH/want" "$SCRATCH/got"; then
					diff "$SCRATCH/want" "$SCRATCH/got" | head -20 >&2
					fail_test "$name: layout differs from the table go1.$minor-$arch.tsv"
				fi
				"$GOSCOPE" info --layout --json "$bin" >"$SCRATCH/json" ||
					fail_test "$name: goscope info --layout --json exited $?"
				"$GOSCOPE" info --layout --no-symtab --json "$bin" >"$SCRATCH/scan.json" ||
					fail_test "$name: goscope info --layout --no-symtab --json exited $?"
				python3 - "$SCRATCH/json" "$strip" "$name" "$SCRATCH/scan.json" <<'PY' || fail_test "$name: bad --layout --json"
import json, sys
d = json.load(open(sys.argv[1]))
strip, name = sys.argv[2], sys.argv[3]
scan = json.load(open(sys.argv[4]))
six = ("runtime.allgs", "runtime.allglen", "runtime.allgptr", "runtime.allm",
       "runtime.waitReasonStrings", "runtime.buildVersion", "runtime.firstmoduledata")
for s in six:
    assert scan["addresses"][s]["source"] == "scan", (name, s, "not found by the scan")
    if strip == "full":
        assert scan["addresses"][s]["address"] == d["addresses"][s]["address"], \
            (name, s, "scan %#x != symtab %#x" % (scan["addresses"][s]["address"], d["addresses"][s]["address"]))
    else:
        assert d["addresses"][s]["source"] == "scan", (name, s)
assert d["wait_reasons_source"] == "binary", (name, d["wait_reasons_source"])
assert scan["wait_reasons_source"] == "binary", (name, scan["wait_reasons_source"])
src = {d["fields"][f]["source"] for f in d["fields"]}
want = {"dwarf"} if strip == "full" else {"table"}
assert src == want, (name, src)
assert not d["approximate"] and not d["version_guessed"], name
if strip == "full":
    for s in six:
        assert d["addresses"][s]["source"] == "symtab", (name, s)
PY
			done
		done
	done
	# the table alone (no DWARF) gives the same as DWARF on the full build
	bin=$(build "$v" amd64 exe full)
	"$GOSCOPE" info --layout-table --no-dwarf "$bin" >"$SCRATCH/got" || fail_test "$v: --no-dwarf exited $?"
	grep -v '^#' "$tables/go1.$minor-amd64.tsv" | cmp -s - "$SCRATCH/got" ||
		fail_test "$v: --no-dwarf layout differs from the table"
	verified+=("$v")
done

echo "verified: ${verified[*]:-none}"
[ ${#unavailable[@]} -eq 0 ] || echo "not fetchable here (skipped): ${unavailable[*]}"
if [ ${#verified[@]} -eq 0 ]; then
	echo "skip: no Go version of $tables/VERSIONS could be built (no module proxy access?)"
	exit 77
fi

# A version older than the tables (go1.19, if it can be fetched): with DWARF the layout is
# exact; stripped, it is the nearest table, flagged approximate, and the wait reasons still
# come from the binary (27 in go1.19), bounded by waitReason.String's check.
old=go1.19.13
if full=$(build $old amd64 exe full) && stripped=$(build $old amd64 exe stripped); then
	"$GOSCOPE" info --layout --json "$full" >"$SCRATCH/old-full.json" || fail_test "$old: --layout exited $?"
	"$GOSCOPE" info --layout --json "$stripped" >"$SCRATCH/old-stripped.json" || fail_test "$old: --layout exited $?"
	python3 - "$SCRATCH/old-full.json" "$SCRATCH/old-stripped.json" <<'PY' || fail_test "$old: approximate layout not flagged"
import json, sys
full, stripped = (json.load(open(f)) for f in sys.argv[1:3])
assert not full["approximate"] and stripped["approximate"], (full["approximate"], stripped["approximate"])
assert {f["source"] for f in full["fields"].values()} == {"dwarf"}
assert full["wait_reasons"] == stripped["wait_reasons"] and len(full["wait_reasons"]) == 27
assert stripped["wait_reasons_source"] == "binary"
PY
	"$GOSCOPE" info --layout "$stripped" | grep -q "may be wrong" || fail_test "$old: no warning in --layout"
	echo "older than the tables: $old flagged approximate"
else
	echo "note: $old cannot be fetched here; the approximate-layout check is skipped"
fi

# usage errors
expect_exit 64 "$GOSCOPE" info --layout -m "$bin"
expect_exit 64 "$GOSCOPE" info --no-dwarf "$bin"
expect_exit 64 "$GOSCOPE" info --layout-table --json "$bin"
# not a Go binary
expect_exit 2 "$GOSCOPE" info --layout /bin/sh
pass_test
