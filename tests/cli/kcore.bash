# Helpers for the tests that make the kernel write a core file (sourced after common.sh):
# whether it can, and where the core lands.

# kcore_setup DIR: skips the test (exit 77) when the kernel pipes cores to a helper program or
# core files are limited to 0 bytes; raises `ulimit -c`; makes DIR, the directory the crashing
# process must run in; sets KCORE_DIR (where its core will land) and KCORE_STAMP (a file older
# than the core).
kcore_setup() {
	local pattern
	pattern=$(cat /proc/sys/kernel/core_pattern)
	case "$pattern" in
	'|'*) echo "SKIP: the kernel pipes core files to '$pattern'" >&2; exit 77 ;;
	esac
	ulimit -c unlimited 2>/dev/null || ulimit -c "$(ulimit -H -c)"
	[ "$(ulimit -c)" = 0 ] && { echo "SKIP: core files are limited to 0 bytes (ulimit -H -c)" >&2; exit 77; }
	mkdir -p "$1"
	# the core lands where core_pattern says: relative to the crashing process's directory,
	# or an absolute directory
	case "$pattern" in /*) KCORE_DIR=$(dirname "$pattern") ;; *) KCORE_DIR="$1/$(dirname "$pattern")" ;; esac
	KCORE_STAMP="$1/.stamp.$RANDOM"
	touch "$KCORE_STAMP"
	sleep 0.01
}

# kcore_find: waits up to 10 s for an ELF core newer than KCORE_STAMP in KCORE_DIR; sets
# KCORE (fails the test when none appears).
kcore_find() {
	local f
	KCORE=""
	for _ in $(seq 100); do
		for f in $(find "$KCORE_DIR" -maxdepth 1 -type f -newer "$KCORE_STAMP" 2>/dev/null); do
			if [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ] && readelf -h "$f" 2>/dev/null | grep -q 'CORE'; then
				KCORE=$f
			fi
		done
		[ -n "$KCORE" ] && return 0
		sleep 0.1
	done
	fail_test "no kernel core file appeared in $KCORE_DIR (core_pattern '$(cat /proc/sys/kernel/core_pattern)')"
}
