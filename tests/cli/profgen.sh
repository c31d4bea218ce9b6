# Builds (once, cached in $FIXTURES) and runs a small Go program that writes real profiles
# into a directory: cpu.pb.gz (CPU with pprof labels), heap.pb.gz, goroutine.pb.gz (with
# labels), and the ?debug=1 texts goroutine.txt, threadcreate.txt, heap.txt, block.txt,
# mutex.txt, plus allocs.pb.gz, block.pb.gz and mutex.pb.gz, and DIR/profgen, the binary that
# wrote them. Sourced by the t01xx tests after common.sh: `profgen DIR`.
: "${GO:?GO must point at the go tool}"
: "${FIXTURES:?}"
export HOME=${HOME:-$FIXTURES}
export GOCACHE=${GOCACHE:-$FIXTURES/gocache}
export GOFLAGS=-mod=mod GOTOOLCHAIN=local GOPROXY=off

profgen_build() {
	local dir="$FIXTURES/profgen" src
	src=$(mktemp -d "$SCRATCH/profgen-src.XXXXXX")
	cat >"$src/main.go" <<'EOF'
// profgen writes real Go profiles for goscope's codec tests.
package main

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"time"
)

var sink [][]byte

//go:noinline
func burn(n int) int {
	s := 0
	for i := 0; i < n; i++ {
		s += i * i % 7
	}
	return s
}

//go:noinline
func allocate(n int) {
	for i := 0; i < n; i++ {
		sink = append(sink, make([]byte, 512+i%4096))
		if len(sink) > 2000 {
			sink = sink[:0]
		}
	}
}

func write(dir, name string, f func(*os.File) error) {
	out, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		panic(err)
	}
	if err := f(out); err != nil {
		panic(err)
	}
	if err := out.Close(); err != nil {
		panic(err)
	}
}

func main() {
	dir := os.Args[1]
	runtime.MemProfileRate = 4096
	runtime.SetBlockProfileRate(1)
	runtime.SetMutexProfileFraction(1)

	cpu, err := os.Create(filepath.Join(dir, "cpu.pb.gz"))
	if err != nil {
		panic(err)
	}
	if err := pprof.StartCPUProfile(cpu); err != nil {
		panic(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, w := range []string{"alpha", "beta"} {
		wg.Add(1)
		go pprof.Do(context.Background(), pprof.Labels("worker", w, "phase", "burn"), func(context.Context) {
			defer wg.Done()
			// a fixed amount of CPU work (about 0.3 s), so that a busy machine still
			// yields labelled samples of both workers
			end := time.Now().Add(400 * time.Millisecond)
			for i := 0; i < 1500 || time.Now().Before(end); i++ {
				burn(200000)
				mu.Lock()
				allocate(50)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	pprof.StopCPUProfile()
	if err := cpu.Close(); err != nil {
		panic(err)
	}

	// goroutines parked with labels, so that the goroutine profiles carry them
	block := make(chan struct{})
	var ready sync.WaitGroup
	for _, w := range []string{"x", "y", "y"} {
		ready.Add(1)
		go pprof.Do(context.Background(), pprof.Labels("job", w), func(context.Context) {
			ready.Done()
			<-block
		})
	}
	ready.Wait()
	// wait until all three sit in the channel receive (on a busy machine one may still be
	// between Done and the receive), so that the two "y" goroutines share one stack
	buf := make([]byte, 1<<20)
	for i := 0; i < 500; i++ {
		n := runtime.Stack(buf, true)
		if strings.Count(string(buf[:n]), "[chan receive]") >= 3 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	runtime.GC()

	for _, name := range []string{"goroutine", "heap", "allocs", "block", "mutex", "threadcreate"} {
		p := pprof.Lookup(name)
		write(dir, name+".pb.gz", func(f *os.File) error { return p.WriteTo(f, 0) })
		write(dir, name+".txt", func(f *os.File) error { return p.WriteTo(f, 1) })
	}
	close(block)
}
EOF
	printf 'module profgen\ngo 1.22\n' >"$src/go.mod"
	mkdir -p "$FIXTURES"
	(cd "$src" && "$GO" build -o "$src/profgen" .) || fail_test "cannot build the profgen Go program"
	mv "$src/profgen" "$dir.$$" && mv -f "$dir.$$" "$dir"
	rm -rf "$src"
}

profgen() {
	[ -x "$FIXTURES/profgen" ] && [ "$FIXTURES/profgen" -nt "$SRCDIR/tests/cli/profgen.sh" ] ||
		profgen_build
	mkdir -p "$1"
	# a private copy: another test may rebuild the shared one while this one uses it
	cp "$FIXTURES/profgen" "$1/profgen" || fail_test "cannot copy profgen"
	"$1/profgen" "$1" || fail_test "profgen failed"
}
