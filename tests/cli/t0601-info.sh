#!/usr/bin/env bash
# goscope info: `info -m` is byte-identical to `go version -m` on every executable of the Go
# toolchain and on the symbols fixture built normally, stripped (-s -w), as PIE and for
# arm64; the readable and JSON summaries say what the binary is; bad inputs fail cleanly.
set -u
. "$SRCDIR/tests/cli/common.sh"
GO=${GO:-go}
[ -x "$GO" ] || GO=$(command -v go) || fail_test "no Go toolchain"

bins=("$("$GO" env GOROOT)/bin/go" "$("$GO" env GOROOT)/bin/gofmt")
for f in "$("$GO" env GOTOOLDIR)"/*; do
	[ -f "$f" ] && [ -x "$f" ] && bins+=("$f")
done

# the fixture, four ways (same sources, different link modes)
src="$SRCDIR/tests/fixtures/go/symbols"
build() { # build NAME [go build flags...]
	local name=$1
	shift
	(cd "$src" && "$GO" build -o "$SCRATCH/$name" "$@" .) || fail_test "cannot build fixture $name"
}
build full
build stripped -ldflags='-s -w'
build pie -buildmode=pie
GOARCH=arm64 build arm64
bins+=("$SCRATCH/full" "$SCRATCH/stripped" "$SCRATCH/pie" "$SCRATCH/arm64")

# a module with a replaced dependency, and build settings that need quoting
mkdir -p "$SCRATCH/rp/dep"
printf 'module example.com/rp\ngo 1.21\nrequire example.com/dep v0.0.0\nreplace example.com/dep => ./dep\n' >"$SCRATCH/rp/go.mod"
printf 'module example.com/dep\ngo 1.21\n' >"$SCRATCH/rp/dep/go.mod"
printf 'package dep\n\nfunc X() int { return 1 }\n' >"$SCRATCH/rp/dep/dep.go"
printf 'package main\n\nimport (\n\t"example.com/dep"\n\t"os"\n)\n\nvar v string\n\nfunc main() { os.Exit(dep.X() - 1 + len(v)) }\n' >"$SCRATCH/rp/main.go"
(cd "$SCRATCH/rp" && "$GO" build -o "$SCRATCH/replaced" -ldflags='-X "main.v=a b\tc`d" -X main.w=é' .) ||
	fail_test "cannot build the replaced-dependency program"
grep -q '^	=>	./dep	(devel)	$' <("$GO" version -m "$SCRATCH/replaced") || fail_test "the replaced build has no => line"
bins+=("$SCRATCH/replaced")

[ ${#bins[@]} -ge 8 ] || fail_test "found only ${#bins[@]} toolchain binaries"
for b in "${bins[@]}"; do
	"$GO" version -m "$b" >"$SCRATCH/want" 2>&1
	"$GOSCOPE" info -m "$b" >"$SCRATCH/got" 2>&1 || fail_test "goscope info -m $b exited $?"
	cmp -s "$SCRATCH/want" "$SCRATCH/got" || {
		diff "$SCRATCH/want" "$SCRATCH/got" | head -20 >&2
		fail_test "goscope info -m $b differs from go version -m"
	}
done

# several files at once, as go version -m does
"$GO" version -m "$SCRATCH/full" "$SCRATCH/pie" >"$SCRATCH/want"
"$GOSCOPE" info -m "$SCRATCH/full" "$SCRATCH/pie" >"$SCRATCH/got" || fail_test "info -m on two files"
cmp -s "$SCRATCH/want" "$SCRATCH/got" || fail_test "info -m on two files differs from go version -m"

# the readable summary
out=$("$GOSCOPE" info "$SCRATCH/stripped") || fail_test "goscope info exited $?"
want_version=$("$GO" env GOVERSION)
for pat in "go version +$want_version\$" "path +example.com/goscope/fixtures/symbols\$" \
	"arch +amd64\$" "pie +no\$" "symbol table +stripped\$" "dwarf +absent\$" "go build id +[A-Za-z0-9_/-]+\$" \
	"functions +[0-9]+ "; do
	printf '%s\n' "$out" | grep -Eq "^  $pat" || { printf '%s\n' "$out" >&2; fail_test "info summary lacks /$pat/"; }
done
out=$("$GOSCOPE" info "$SCRATCH/full")
printf '%s\n' "$out" | grep -Eq '^  symbol table +present$' || fail_test "full build not seen with a symbol table"
printf '%s\n' "$out" | grep -Eq '^  dwarf +present$' || fail_test "full build not seen with DWARF"
"$GOSCOPE" info "$SCRATCH/pie" | grep -Eq '^  pie +yes$' || fail_test "PIE build not seen as PIE"
"$GOSCOPE" info "$SCRATCH/arm64" | grep -Eq '^  arch +arm64$' || fail_test "arm64 build not seen as arm64"

# JSON
"$GOSCOPE" info --json "$SCRATCH/pie" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["pie"] is True and d["arch"] == "amd64", d
assert d["path"] == "example.com/goscope/fixtures/symbols", d["path"]
assert d["settings"]["-buildmode"] == "pie", d["settings"]
assert d["pclntab"]["functions"] > 100, d["pclntab"]
' || fail_test "info --json is not what was expected"
"$GOSCOPE" info --json "$SCRATCH/full" "$SCRATCH/arm64" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert [x["arch"] for x in d] == ["amd64", "arm64"], d
' || fail_test "info --json on two files is not an array of two"

# a running process, by PID: gofmt waits on its standard input
mkfifo "$SCRATCH/fifo"
"$("$GO" env GOROOT)/bin/gofmt" <"$SCRATCH/fifo" >/dev/null &
gofmt_pid=$!
exec 3>"$SCRATCH/fifo"
for _ in $(seq 100); do # the child opens the fifo before it execs gofmt
	case "$(readlink "/proc/$gofmt_pid/exe")" in */gofmt) break ;; esac
	sleep 0.05
done
"$GO" version -m "/proc/$gofmt_pid/exe" >"$SCRATCH/want"
"$GOSCOPE" info -m "$gofmt_pid" >"$SCRATCH/got" 2>&1
rc=$?
exec 3>&-
wait "$gofmt_pid"
[ $rc = 0 ] || fail_test "info -m PID exited $rc: $(cat "$SCRATCH/got")"
cmp -s "$SCRATCH/want" "$SCRATCH/got" || fail_test "info -m PID differs from go version -m /proc/PID/exe"
"$GOSCOPE" info -m "$$" >"$SCRATCH/self" 2>&1 # bash is not a Go binary: must fail
[ $? = 2 ] || fail_test "info on a non-Go process did not exit 2"
grep -q "not a Go executable" "$SCRATCH/self" || fail_test "info on a non-Go process: $(cat "$SCRATCH/self")"

# bad inputs: exit 2 with a one-line message, never a crash
printf 'not an elf' >"$SCRATCH/text"
expect_exit 2 "$GOSCOPE" info "$SCRATCH/text"
head -c 4000 "$SCRATCH/full" >"$SCRATCH/truncated"
expect_exit 2 "$GOSCOPE" info -m "$SCRATCH/truncated"
expect_exit 2 "$GOSCOPE" info /no/such/file
err=$("$GOSCOPE" info /no/such/file 2>&1)
case "$err" in "goscope info: cannot read Go build info from '/no/such/file': "*) ;;
*) fail_test "unexpected message: $err" ;; esac
expect_exit 2 "$GOSCOPE" info "$(command -v bash)"
expect_exit 64 "$GOSCOPE" info
pass_test
