#!/usr/bin/env bash
# arm64 through core files: the parked fixture cross-built for linux/arm64 runs under qemu's
# user-mode emulator, serves its own /debug/pprof/goroutine?debug=2, then crashes with
# GOTRACEBACK=crash (SIGABRT), and qemu writes the guest's core (an aarch64 ELF core:
# NT_PRSTATUS per thread, the guest's memory, no NT_FILE). `goscope goroutines --all --binary
# BIN CORE` must agree with the dump for every goroutine parked in the fixture's fixed places
# (tests/cli/goroutines_cmp.py: id, state, frames by function and file:line with +0x offsets,
# creator) and read the pprof labels. Every Go version of lib/gobin/layouts/VERSIONS this
# machine can fetch, as a plain executable and a stripped PIE; the installed toolchain's build
# also stripped and as a PIE with symbols.
set -u
. "$SRCDIR/tests/cli/common.sh"
. "$SRCDIR/tests/cli/parked.bash"
[ -n "${GO:-}" ] && [ -x "$GO" ] || GO=$(command -v go) || fail_test "no Go toolchain"
qemu=$(command -v qemu-aarch64) || fail_test "qemu-aarch64 is missing (scripts/install-deps.sh installs qemu-user)"
sysroot=/usr/aarch64-linux-gnu
[ -e "$sysroot/lib/ld-linux-aarch64.so.1" ] ||
	fail_test "no aarch64 dynamic loader in $sysroot (scripts/install-deps.sh installs libc6-arm64-cross)"
ulimit -c unlimited 2>/dev/null || ulimit -c "$(ulimit -H -c)"
[ "$(ulimit -c)" = 0 ] && { echo "SKIP: core files are limited to 0 bytes (ulimit -H -c)" >&2; exit 77; }
cmp_py="$SRCDIR/tests/cli/goroutines_cmp.py"
run="$SCRATCH/arm64"
pattern=$(cat /proc/sys/kernel/core_pattern)

# qemu then dies of the signal itself and the kernel may write a core of qemu (an x86-64
# process): in $run when core_pattern is relative; in core_pattern's directory, where it is
# removed here (found by its pid) when absolute; a pipe's helper keeps its own.
remove_host_core() { # PID STAMP
	local f
	case "$pattern" in /*) ;; *) return 0 ;; esac
	for f in $(find "$(dirname "$pattern")" -maxdepth 1 -type f -newer "$2" 2>/dev/null); do
		"$GOSCOPE" threads --json "$f" 2>/dev/null | python3 -c '
import json, sys
sys.exit(0 if json.load(sys.stdin).get("pid") == int(sys.argv[1]) else 1)' "$1" && rm -f "$f"
	done
}

check() { # NAME BIN
	local name=$1 bin=$2 log core pid addr
	rm -rf "$run" && mkdir -p "$run"
	log="$run/fixture.out"
	touch "$run/stamp"
	# qemu writes the guest's core as qemu_<program>_<date>_<pid>.core in the current directory
	# (in a shell of its own that exits normally and keeps "Aborted (core dumped)" to itself)
	(cd "$run" && GOTRACEBACK=crash "$qemu" -L "$sysroot" "$bin" -max-lifetime 2m \
		>"$log" 2>"$run/fixture.err"; true) 2>/dev/null &
	local shell=$!
	for _ in $(seq 300); do
		[ -s "$log" ] && break
		sleep 0.1
	done
	read -r addr pid <"$log" || fail_test "$name did not start under qemu: $(tail -3 "$run/fixture.err")"
	T05_PIDS+=("$pid")
	curl -sf "http://$addr/debug/pprof/goroutine?debug=2" >"$run/want" ||
		fail_test "$name: cannot fetch the fixture's own dump"
	kill -ABRT "$pid"
	core=""
	for _ in $(seq 300); do
		core=$(find "$run" -maxdepth 1 -name 'qemu_*.core' 2>/dev/null | head -1)
		# complete once qemu has exited
		[ -n "$core" ] && ! kill -0 "$pid" 2>/dev/null && break
		sleep 0.1
	done
	[ -n "$core" ] || fail_test "$name: qemu wrote no core file"
	wait "$shell"
	remove_host_core "$pid" "$run/stamp"
	"$GOSCOPE" goroutines --all --binary "$bin" "$core" >"$run/got" 2>"$run/err" ||
		{ cat "$run/err" >&2; fail_test "$name: goscope goroutines --all of the arm64 core exited $?"; }
	python3 "$cmp_py" "$run/want" "$run/got" >"$run/cmp" ||
		{ cat "$run/cmp" >&2; fail_test "$name: the arm64 core differs from the runtime's own dump"; }
	echo "$name: $(tail -1 "$run/cmp")"
	"$GOSCOPE" goroutines --all --json --binary "$bin" "$core" >"$run/got.json" ||
		fail_test "$name: goroutines --all --json of the arm64 core failed"
	python3 - "$run/got.json" <<'PY' || fail_test "$name: labels read from the arm64 core are wrong"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["source"] == "core file", d["source"]
waiters = [g for g in d["goroutines"] if any(f["func"] == "main.mutexWaiter" for f in g["frames"])]
assert len(waiters) == 5 and all(g["labels"] == {"worker": "mutex"} for g in waiters), waiters
PY
	rm -rf "$run"
}

each_go_version arm64 "exe piestripped" check
gover=$("$GO" env GOVERSION)
for mode in stripped pie; do
	bin=$(build_parked_variant "$gover" "$mode" 0 arm64) ||
		{ cat "$SCRATCH/build.log" >&2; fail_test "cannot build $gover $mode for arm64"; }
	check "$gover/$mode/arm64" "$bin"
done
echo "verified on arm64: ${VERIFIED[*]}"
pass_test
