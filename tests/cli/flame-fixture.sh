# Profiles for the flame/folded/convert tests (sourced after common.sh): a small Go program
# that burns CPU in a few labelled goroutines (with inlined calls) and allocates, built and run
# once per build tree; the profiles are cached under $FIXTURES/flame (flock: tests run in
# parallel). flame_fixture sets FLAME_CPU and FLAME_HEAP; without Go the test fails.
: "${GO:=go}"
flame_fixture() {
	local dir="$FIXTURES/flame"
	FLAME_CPU="$dir/cpu.pb.gz"
	FLAME_HEAP="$dir/heap.pb.gz"
	mkdir -p "$dir"
	(
		flock 9
		[ -s "$FLAME_CPU" ] && [ -s "$FLAME_HEAP" ] && exit 0
		src=$(mktemp -d)
		cat >"$src/main.go" <<'GO'
package main

import (
	"context"
	"crypto/sha256"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
)

//go:noinline
func hashLoop(n int) byte {
	var b [32]byte
	for i := 0; i < n; i++ {
		b = sha256.Sum256(b[:])
	}
	return b[0]
}

func small(x int) int {
	s := x
	for j := 0; j < 8; j++ {
		s = s*31 + j
	}
	return s
}

//go:noinline
func hot(n int) int {
	s := 0
	for i := 0; i < n; i++ {
		s += small(i)
	}
	return s
}

var keep [][]byte

//go:noinline
func sorter(n int) {
	xs := make([]string, n)
	for i := range xs {
		xs[i] = strings.Repeat("x", i%17) + string(rune('a'+i%26))
	}
	sort.Strings(xs)
	keep = append(keep, make([]byte, 1<<16))
	if len(keep) > 64 {
		keep = keep[1:]
	}
}

// A fixed amount of work, so that a busy machine gives a longer run, not fewer samples.
func work(rounds int) {
	for i := 0; i < rounds; i++ {
		hashLoop(4000)
		hot(2000000)
		sorter(20000)
	}
}

func main() {
	runtime.MemProfileRate = 4096
	f, err := os.Create(os.Args[1])
	if err != nil {
		panic(err)
	}
	pprof.StartCPUProfile(f)
	done := make(chan bool)
	for _, w := range []string{"a", "b"} {
		go pprof.Do(context.Background(), pprof.Labels("worker", w), func(context.Context) {
			work(12)
			done <- true
		})
	}
	<-done
	<-done
	pprof.StopCPUProfile()
	f.Close()
	h, err := os.Create(os.Args[2])
	if err != nil {
		panic(err)
	}
	pprof.Lookup("heap").WriteTo(h, 0)
	h.Close()
}
GO
		printf 'module flamefixture\n\ngo 1.21\n' >"$src/go.mod"
		(cd "$src" && GOFLAGS=-mod=mod "$GO" build -o prog . && ./prog cpu.tmp heap.tmp) ||
			{ echo "FAIL: cannot build or run the Go fixture" >&2; exit 1; }
		mv "$src/heap.tmp" "$FLAME_HEAP" && mv "$src/cpu.tmp" "$FLAME_CPU"
		rm -rf "$src"
	) 9>"$dir/.lock" || fail_test "no fixture profiles"
}
