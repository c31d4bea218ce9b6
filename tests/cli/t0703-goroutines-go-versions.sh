#!/usr/bin/env bash
# The dump formats of every Go version the machine can build (the toolchains of Go 1.21 to
# 1.25 already in the module cache; no download): the parked fixture built with each one
# serves a debug=2 dump that goscope goroutines --all reproduces byte for byte, whose mutex
# waiters form one group of 5, and whose SIGQUIT traceback (GOTRACEBACK=system) reads with
# the same goroutines. Go 1.26 is t0700's.
set -u
. "$SRCDIR/tests/cli/common.sh"
. "$SRCDIR/tests/cli/parked.bash"

cd "$SCRATCH"
modcache=$("$GO" env GOMODCACHE)
tested=0
for dir in "$modcache"/golang.org/toolchain@v0.0.1-go1.2[1-5].*.linux-amd64; do
	[ -d "$dir" ] || continue
	v=${dir##*toolchain@v0.0.1-}
	v=${v%.linux-amd64}
	# built once per fixture change and toolchain (the first build of a toolchain is slow)
	bin="$FIXTURES/parked/parked-$v"
	mkdir -p "$FIXTURES/parked"
	if ! [ -x "$bin" ] || [ "$(stat -c %Y "$bin")" -lt "$(find "$SRCDIR/tests/fixtures/go/parked" -type f -printf "%T@\n" | sort -n | tail -1 | cut -d. -f1)" ]; then
		if ! (cd "$SRCDIR/tests/fixtures/go/parked" && GOTOOLCHAIN=$v GOPROXY=off GOFLAGS=-mod=mod \
			CGO_ENABLED=0 "$GO" build -o "$bin.tmp.$$" . && mv -f "$bin.tmp.$$" "$bin") >"build-$v.log" 2>&1; then
			echo "note: cannot build with $v: $(tail -1 "build-$v.log")"
			continue
		fi
	fi
	PARKED_BIN=$bin start_parked
	http_get "http://$PARKED_ADDR/debug/pprof/goroutine?debug=2" "dump-$v.txt"
	expect_exit 0 "$GOSCOPE" goroutines --all "dump-$v.txt"
	cmp -s "dump-$v.txt" "$SCRATCH/out.$$" || fail_test "$v: --all is not the dump: $(diff "dump-$v.txt" "$SCRATCH/out.$$" | head -6)"
	expect_exit 0 "$GOSCOPE" goroutines --json "dump-$v.txt"
	python3 - "$SCRATCH/out.$$" <<'PY' || fail_test "$v: the mutex waiters are not one group of 5"
import json, sys
g = [g for g in json.load(open(sys.argv[1]))["groups"] if any(f["func"] == "main.mutexWaiter" for f in g["frames"])]
sys.exit(0 if len(g) == 1 and g[0]["count"] == 5 and g[0]["state"] == "sync.Mutex.Lock" else 1)
PY
	kill -QUIT "$PARKED_PID"
	for i in $(seq 100); do kill -0 "$PARKED_PID" 2>/dev/null || break; sleep 0.1; done
	expect_exit 0 "$GOSCOPE" goroutines --all "$PARKED_ERR"
	[ "$(grep -c '^goroutine ' "$PARKED_ERR")" = "$(grep -c '^goroutine ' "$SCRATCH/out.$$")" ] ||
		fail_test "$v: the SIGQUIT traceback lost goroutines"
	grep -q '^main.mutexWaiter' "$SCRATCH/out.$$" || fail_test "$v: no main.mutexWaiter in the SIGQUIT traceback"
	echo "ok: $v"
	tested=$((tested + 1))
done
echo "$tested older Go versions tested"
pass_test
