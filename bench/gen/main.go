// Command gen writes a large, realistic CPU profile (gzip-compressed profile.proto) for
// goscope's benchmarks against `go tool pprof`. The output depends only on the flags and the
// seed, so every run of the benchmark reads the same bytes.
//
//	gen -o big.pb.gz [-samples 1000000] [-functions 50000] [-seed 1]
//
// The profile imitates a large Go service: about 1500 packages (standard library, third-party
// modules, the service's own) in layers, functions with package-qualified names (methods,
// closures, generic instantiations), files and lines, one to three locations per function with
// some inlined frames, and stacks drawn by random walks down a call graph whose edges go from
// higher to lower layers, so that stack weights are tree-shaped with heavy paths rather than
// uniform. About 60% of samples carry string labels (handler, tenant, region).
//
// The protobuf encoding is written directly with the standard library.
package main

import (
	"bufio"
	"compress/gzip"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
)

func main() {
	out := flag.String("o", "", "output file (gzip-compressed profile.proto)")
	samples := flag.Int("samples", 1000000, "number of samples")
	functions := flag.Int("functions", 50000, "number of functions")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "usage: gen -o FILE [-samples N] [-functions N] [-seed N]")
		os.Exit(2)
	}
	g := newGenerator(*seed, *functions)
	p := g.profile(*samples)
	if err := write(*out, p); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "gen: %d samples, %d locations, %d functions, %d strings\n",
		len(p.samples), len(p.locations), len(p.functions), len(p.strings.list))
}

// ---- the model ----

const layers = 6 // 0 runtime, 1 std low, 2 std high, 3 third-party, 4 service internals, 5 handlers

type pkg struct {
	path  string
	dir   string // directory of its source files
	layer int
	files []string
}

type function struct {
	name      string
	file      string
	startLine int64
	pkg       int
	small     bool // may be inlined into callers
}

type line struct {
	function int
	line     int64
}

type location struct {
	address uint64
	lines   []line // [0] innermost inlined frame, last = the physical function
	fn      int    // the physical function
}

type label struct{ key, value string }

type sample struct {
	stack  []int // location indices, leaf first
	count  int64
	labels []label
}

type profile struct {
	strings   *stringTable
	functions []function
	locations []location
	samples   []sample
}

type generator struct {
	rng       *rand.Rand
	pkgs      []pkg
	functions []function
	byLayer   [layers][]int // function indices per layer
	smallBy   [layers][]int // small (inlinable) functions per layer
	locations []location
	locsOf    [][]int // locations of each function
	used      []bool
}

func newGenerator(seed uint64, nfunc int) *generator {
	g := &generator{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	g.makePackages()
	g.makeFunctions(nfunc)
	g.makeLocations()
	return g
}

// ---- names ----

var stdPkgs = [][]string{
	{"runtime", "internal/runtime/atomic", "internal/runtime/syscall/linux", "runtime/internal/math", "internal/bytealg", "internal/abi", "internal/sync"},
	{"sync", "sync/atomic", "syscall", "internal/poll", "os", "io", "bytes", "strings", "strconv", "unicode/utf8", "math", "math/bits", "sort", "slices", "maps", "time", "errors", "hash/crc32", "hash/maphash", "reflect", "internal/reflectlite", "internal/godebug", "internal/fmtsort", "container/heap", "container/list"},
	{"net", "net/http", "net/http/internal", "net/url", "net/textproto", "bufio", "fmt", "encoding/json", "encoding/binary", "encoding/base64", "encoding/hex", "compress/gzip", "compress/flate", "crypto/tls", "crypto/sha256", "crypto/aes", "crypto/cipher", "crypto/internal/fips140/sha256", "crypto/internal/fips140/aes/gcm", "crypto/ecdsa", "crypto/x509", "context", "database/sql", "database/sql/driver", "log", "log/slog", "regexp", "regexp/syntax", "text/template", "html/template", "mime/multipart", "io/fs", "path/filepath", "os/exec", "math/big", "vendor/golang.org/x/net/http2/hpack"},
}

var modules = []string{
	"google.golang.org/grpc", "google.golang.org/protobuf", "github.com/jackc/pgx/v5", "go.uber.org/zap",
	"github.com/prometheus/client_golang", "github.com/redis/go-redis/v9", "go.opentelemetry.io/otel",
	"github.com/klauspost/compress", "github.com/golang/snappy", "github.com/json-iterator/go",
	"github.com/gorilla/mux", "github.com/go-chi/chi/v5", "github.com/aws/aws-sdk-go-v2", "github.com/segmentio/kafka-go",
	"github.com/spf13/cobra", "github.com/hashicorp/golang-lru/v2", "github.com/cespare/xxhash/v2",
	"go.etcd.io/bbolt", "github.com/dgraph-io/ristretto", "golang.org/x/sync", "golang.org/x/net", "golang.org/x/text",
	"github.com/google/uuid", "github.com/valyala/fasthttp", "github.com/tidwall/gjson", "github.com/pierrec/lz4/v4",
}

var subdirs = []string{
	"internal/transport", "internal/codec", "internal/impl", "internal/pool", "internal/cache", "internal/wire",
	"pkg/client", "pkg/server", "pkg/store", "pkg/metrics", "pkg/auth", "pkg/queue", "pkg/config", "pkg/util",
	"internal/encoding", "internal/buffer", "internal/stream", "internal/retry", "internal/balancer", "internal/resolver",
	"proto", "api", "core", "zapcore", "pgconn", "pgtype", "otlp", "sdk/trace", "flate", "zstd", "s2", "metadata",
}

var services = []string{"checkout", "payments", "inventory", "search", "gateway", "accounts", "orders", "shipping", "catalog", "notify"}

var serviceDirs = []string{
	"internal/handler", "internal/service", "internal/store", "internal/model", "internal/cache", "internal/rpc",
	"internal/validate", "internal/pricing", "internal/events", "internal/middleware", "internal/authz",
	"internal/report", "internal/search/index", "internal/search/rank", "internal/billing", "internal/ledger",
}

var typeWords = []string{
	"Server", "Client", "Conn", "Pool", "Cache", "Encoder", "Decoder", "Handler", "Router", "Store", "Tx", "Batch",
	"Reader", "Writer", "Buffer", "Queue", "Worker", "Session", "Request", "Response", "Stream", "Frame", "Codec",
	"Index", "Ranker", "Ledger", "Order", "Cart", "Invoice", "Account", "Token", "Resolver", "Balancer", "Picker",
	"Limiter", "Tracer", "Span", "Meter", "Histogram", "Counter", "Registry", "Scheduler", "Dispatcher", "Broker",
	"Consumer", "Producer", "Partition", "Segment", "Snapshot", "Iterator", "Cursor", "Row", "Rows", "Stmt", "Plan",
}

var verbWords = []string{
	"Serve", "Handle", "Get", "Put", "Flush", "Encode", "Decode", "Read", "Write", "Lookup", "Validate", "Marshal",
	"Unmarshal", "Process", "Run", "Close", "Open", "Dial", "Exec", "Query", "Scan", "Next", "Commit", "Rollback",
	"Append", "Grow", "Reset", "Load", "Store", "Swap", "Compute", "Merge", "Split", "Sort", "Search", "Match",
	"Parse", "Format", "Render", "Emit", "Record", "Observe", "Acquire", "Release", "Wait", "Notify", "Send", "Recv",
	"Apply", "Compact", "Index", "Rank", "Score", "Price", "Charge", "Refund", "Authorize", "Retry", "Backoff",
}

var lowerWords = []string{
	"handle", "process", "decode", "encode", "parse", "compute", "walk", "visit", "collect", "build", "apply",
	"merge", "sortBy", "hashKey", "lookup", "fill", "grow", "copyTo", "readFull", "writeAll", "flushLocked",
	"loop", "run", "serveConn", "readRequest", "writeResponse", "checksum", "compress", "decompress", "tokenize",
	"normalize", "validate", "resolve", "dispatch", "schedule", "retry", "spin", "park", "scanRows", "bindArgs",
}

var fileWords = []string{
	"server", "client", "conn", "pool", "cache", "encode", "decode", "handler", "router", "store", "tx", "batch",
	"reader", "writer", "buffer", "queue", "worker", "session", "stream", "frame", "codec", "index", "util",
	"types", "proto", "stats", "metrics", "config", "errors", "iter", "hash", "sort", "map", "list", "table",
}

var runtimeFuncs = []string{
	"runtime.mallocgc", "runtime.memmove", "runtime.memclrNoHeapPointers", "runtime.mapaccess2_faststr",
	"runtime.mapassign_faststr", "runtime.growslice", "runtime.newobject", "runtime.makeslice",
	"runtime.scanobject", "runtime.gcDrain", "runtime.findObject", "runtime.greyobject", "runtime.futex",
	"runtime.lock2", "runtime.unlock2", "runtime.chansend", "runtime.chanrecv", "runtime.selectgo",
	"runtime.schedule", "runtime.findRunnable", "runtime.park_m", "runtime.mcall", "runtime.systemstack",
	"runtime.morestack", "runtime.newstack", "runtime.copystack", "runtime.nanotime", "runtime.usleep",
	"runtime.osyield", "runtime.madvise", "runtime.sysUnused", "runtime.(*mheap).alloc", "runtime.(*mcache).refill",
	"runtime.(*mcentral).cacheSpan", "runtime.(*sweepLocked).sweep", "runtime.heapBitsSetType", "runtime.typedmemmove",
	"runtime.wbBufFlush", "runtime.bulkBarrierPreWrite", "runtime.memequal", "runtime.aeshashbody", "runtime.concatstrings",
	"runtime.slicebytetostring", "runtime.stringtoslicebyte", "runtime.convT64", "runtime.assertE2I2", "runtime.ifaceeq",
	"runtime.gopark", "runtime.goready", "runtime.netpoll", "runtime.epollwait", "runtime.notesleep", "runtime.stopm",
	"runtime.procyield", "runtime.gcBgMarkWorker", "runtime.bgsweep", "runtime.bgscavenge", "runtime.asyncPreempt",
}

func (g *generator) pick(list []string) string { return list[g.rng.IntN(len(list))] }

func (g *generator) makePackages() {
	add := func(path, dir string, layer int) {
		g.pkgs = append(g.pkgs, pkg{path: path, dir: dir, layer: layer})
	}
	for layer, list := range stdPkgs {
		for _, p := range list {
			add(p, "/usr/local/go/src/"+p, layer)
		}
	}
	seen := map[string]bool{}
	for _, m := range modules {
		version := fmt.Sprintf("@v%d.%d.%d", 1+g.rng.IntN(2), g.rng.IntN(40), g.rng.IntN(12))
		add(m, "/root/go/pkg/mod/"+m+version, 3)
		for i := 0; i < 12; i++ {
			sub := g.pick(subdirs)
			if seen[m+"/"+sub] {
				continue
			}
			seen[m+"/"+sub] = true
			add(m+"/"+sub, "/root/go/pkg/mod/"+m+version+"/"+sub, 3)
		}
	}
	for _, s := range services {
		mod := "github.com/acme/" + s
		add(mod+"/cmd/"+s, "/src/"+s+"/cmd/"+s, 5)
		for _, d := range serviceDirs {
			layer := 4
			if strings.Contains(d, "handler") || strings.Contains(d, "rpc") || strings.Contains(d, "middleware") {
				layer = 5
			}
			add(mod+"/"+d, "/src/"+s+"/"+d, layer)
			for i := 0; i < 5; i++ {
				sub := d + "/" + g.pick(fileWords)
				if seen[mod+"/"+sub] {
					continue
				}
				seen[mod+"/"+sub] = true
				add(mod+"/"+sub, "/src/"+s+"/"+sub, layer-g.rng.IntN(2))
			}
		}
	}
	for i := range g.pkgs {
		n := 2 + g.rng.IntN(10)
		for j := 0; j < n; j++ {
			g.pkgs[i].files = append(g.pkgs[i].files, g.pkgs[i].dir+"/"+g.pick(fileWords)+".go")
		}
	}
}

func (g *generator) funcName(p *pkg) string {
	q := p.path
	switch r := g.rng.IntN(20); {
	case r < 7:
		return fmt.Sprintf("%s.(*%s).%s", q, g.pick(typeWords), g.pick(verbWords))
	case r < 10:
		return fmt.Sprintf("%s.%s.%s", q, g.pick(typeWords), g.pick(verbWords))
	case r < 15:
		return fmt.Sprintf("%s.%s", q, g.pick(lowerWords))
	case r < 17:
		return fmt.Sprintf("%s.%s.func%d", q, g.pick(lowerWords), 1+g.rng.IntN(4))
	case r < 18:
		return fmt.Sprintf("%s.(*%s).%s.func%d", q, g.pick(typeWords), g.pick(verbWords), 1+g.rng.IntN(3))
	case r < 19:
		return fmt.Sprintf("%s.%s[go.shape.%s]", q, g.pick(verbWords), g.pick([]string{"int", "string", "uint64", "*uint8", "struct {}"}))
	default:
		return fmt.Sprintf("%s.(*%s[go.shape.%s]).%s", q, g.pick(typeWords), g.pick([]string{"int", "string", "interface {}"}), g.pick(verbWords))
	}
}

func (g *generator) makeFunctions(n int) {
	names := map[string]bool{}
	addFunc := func(name string, pi int, small bool) {
		p := &g.pkgs[pi]
		f := function{name: name, file: p.files[g.rng.IntN(len(p.files))], startLine: int64(10 + g.rng.IntN(3000)), pkg: pi, small: small}
		names[name] = true
		g.byLayer[p.layer] = append(g.byLayer[p.layer], len(g.functions))
		if small {
			g.smallBy[p.layer] = append(g.smallBy[p.layer], len(g.functions))
		}
		g.functions = append(g.functions, f)
	}
	// The runtime's well-known functions first, in package "runtime" (index 0).
	for _, name := range runtimeFuncs {
		addFunc(name, 0, g.rng.IntN(4) == 0)
	}
	// Package sizes follow a heavy-tailed distribution: a few big packages, many small ones.
	weights := make([]float64, len(g.pkgs))
	total := 0.0
	for i := range weights {
		weights[i] = 1 / math.Pow(float64(1+g.rng.IntN(len(g.pkgs))), 0.6)
		total += weights[i]
	}
	for len(g.functions) < n {
		x := g.rng.Float64() * total
		pi := 0
		for pi < len(weights)-1 && x > weights[pi] {
			x -= weights[pi]
			pi++
		}
		name := g.funcName(&g.pkgs[pi])
		for k := 2; names[name]; k++ {
			name = fmt.Sprintf("%s%d", strings.TrimRight(name, "0123456789"), k)
		}
		addFunc(name, pi, g.rng.IntN(5) == 0)
	}
}

// makeLocations gives each function one to four call sites (2.5 on average); a quarter of
// them have one or two inlined callees (small functions of the same or a lower layer).
func (g *generator) makeLocations() {
	g.locsOf = make([][]int, len(g.functions))
	addr := uint64(0x401000)
	for fi := range g.functions {
		f := &g.functions[fi]
		layer := g.pkgs[f.pkg].layer
		n := 1 + g.rng.IntN(2) + g.rng.IntN(2) + g.rng.IntN(2)
		for k := 0; k < n; k++ {
			addr += uint64(4 + g.rng.IntN(200))
			loc := location{address: addr, fn: fi}
			if g.rng.IntN(4) == 0 {
				inl := 1 + g.rng.IntN(2)
				for j := 0; j < inl; j++ {
					l := g.rng.IntN(layer + 1)
					if len(g.smallBy[l]) == 0 {
						continue
					}
					callee := g.smallBy[l][g.rng.IntN(len(g.smallBy[l]))]
					if callee == fi {
						continue
					}
					c := &g.functions[callee]
					loc.lines = append([]line{{callee, c.startLine + int64(1+g.rng.IntN(20))}}, loc.lines...)
				}
			}
			loc.lines = append(loc.lines, line{fi, f.startLine + int64(1+g.rng.IntN(150))})
			g.locsOf[fi] = append(g.locsOf[fi], len(g.locations))
			g.locations = append(g.locations, loc)
		}
	}
	g.used = make([]bool, len(g.locations))
}

// ---- stacks ----

// hash64 mixes values into a deterministic pseudo-random number (the call graph is a
// function of the seed, not of the walk order).
func hash64(xs ...uint64) uint64 {
	h := uint64(0xcbf29ce484222325)
	for _, x := range xs {
		h ^= x
		h *= 0x100000001b3
		h ^= h >> 29
		h *= 0xbf58476d1ce4e5b9
		h ^= h >> 32
	}
	return h
}

// callee returns the j-th function called from location loc: mostly a function of the same or
// the next lower layers, sometimes a runtime function (allocation, maps, scheduling).
func (g *generator) callee(loc, j int, seed uint64) int {
	h := hash64(seed, uint64(loc), uint64(j))
	fn := g.locations[loc].fn
	layer := g.pkgs[g.functions[fn].pkg].layer
	if layer == 0 || h%100 < 12 {
		// Runtime functions: hot ones (lower indices) are called far more often.
		r := len(runtimeFuncs)
		idx := int((h >> 8) % uint64(r))
		idx = idx * idx / r
		return idx
	}
	down := int((h >> 8) % 3)
	target := layer - down
	if h%100 < 30 {
		target = layer // calls within the same layer: siblings, recursion
	}
	if target < 0 {
		target = 0
	}
	list := g.byLayer[target]
	// Calls stay mostly inside a neighbourhood of the caller's package.
	pos := sort.SearchInts(list, fn)
	span := len(list) / 8
	if span < 1 {
		span = 1
	}
	k := pos + int((h>>16)%uint64(2*span+1)) - span
	if k < 0 {
		k = -k
	}
	return list[k%len(list)]
}

func (g *generator) stack(seed uint64, scratch []int) []int {
	stack := scratch[:0]
	// Roots: runtime.goexit's caller side is the goroutine entry; handlers sit near the top.
	entries := g.byLayer[5]
	e := entries[int(math.Pow(g.rng.Float64(), 2.5)*float64(len(entries)))]
	loc := g.locsOf[e][g.rng.IntN(len(g.locsOf[e]))]
	stack = append(stack, loc)
	for depth := 1; depth < 64; depth++ {
		fn := g.locations[loc].fn
		layer := g.pkgs[g.functions[fn].pkg].layer
		stop := 0.04 + 0.05*float64(5-layer)
		if layer == 0 {
			stop = 0.55
		}
		if g.rng.Float64() < stop {
			break
		}
		// The j-th callee is chosen with weight 1/(j+1)^1.3: a few hot paths, a long tail.
		j := int(math.Floor(math.Pow(g.rng.Float64(), 3) * 12))
		next := g.callee(loc, j, seed)
		locs := g.locsOf[next]
		loc = locs[int(hash64(uint64(loc), uint64(j))%uint64(len(locs)))]
		stack = append(stack, loc)
	}
	// Leaf first, as in profile.proto.
	for i, k := 0, len(stack)-1; i < k; i, k = i+1, k-1 {
		stack[i], stack[k] = stack[k], stack[i]
	}
	return stack
}

var handlers = []string{
	"/api/v1/cart", "/api/v1/checkout", "/api/v1/orders", "/api/v1/orders/{id}", "/api/v1/search",
	"/api/v1/items/{id}", "/api/v1/payments", "/api/v1/refunds", "/api/v2/recommendations", "/healthz",
	"/metrics", "/api/v1/accounts/{id}", "/api/v1/inventory/reserve", "/api/v1/shipping/quote", "grpc.Checkout/Place",
	"grpc.Inventory/Reserve", "grpc.Search/Query", "kafka:orders", "kafka:payments", "cron:reindex",
}

var regions = []string{"eu-west-1", "eu-central-1", "us-east-1", "us-west-2", "ap-southeast-1"}

func (g *generator) profile(n int) *profile {
	p := &profile{strings: newStringTable()}
	seed := g.rng.Uint64()
	scratch := make([]int, 0, 64)
	tenants := make([]string, 300)
	for i := range tenants {
		tenants[i] = fmt.Sprintf("tenant-%04d", i*37%10000)
	}
	for i := 0; i < n; i++ {
		st := g.stack(seed, scratch)
		s := sample{stack: append([]int(nil), st...), count: 1}
		if g.rng.IntN(10) == 0 {
			s.count = int64(2 + g.rng.IntN(4))
		}
		if g.rng.IntN(10) < 6 {
			h := handlers[int(math.Pow(g.rng.Float64(), 2)*float64(len(handlers)))]
			s.labels = append(s.labels, label{"handler", h})
			if g.rng.IntN(4) != 0 {
				s.labels = append(s.labels, label{"tenant", tenants[int(math.Pow(g.rng.Float64(), 3)*float64(len(tenants)))]})
			}
			if g.rng.IntN(2) == 0 {
				s.labels = append(s.labels, label{"region", regions[g.rng.IntN(len(regions))]})
			}
		}
		for _, l := range s.stack {
			g.used[l] = true
		}
		p.samples = append(p.samples, s)
	}
	// Keep only the locations (and functions) the samples use, renumbered densely, as the Go
	// runtime does.
	locID := make([]int, len(g.locations))
	usedFn := make([]bool, len(g.functions))
	for i, l := range g.locations {
		if !g.used[i] {
			continue
		}
		locID[i] = len(p.locations) + 1
		p.locations = append(p.locations, l)
		for _, ln := range l.lines {
			usedFn[ln.function] = true
		}
	}
	fnID := make([]int, len(g.functions))
	for i, f := range g.functions {
		if usedFn[i] {
			fnID[i] = len(p.functions) + 1
			p.functions = append(p.functions, f)
		}
	}
	for i := range p.locations {
		l := &p.locations[i]
		lines := make([]line, len(l.lines))
		for j, ln := range l.lines {
			lines[j] = line{fnID[ln.function] - 1, ln.line}
		}
		l.lines = lines
	}
	for i := range p.samples {
		for j, l := range p.samples[i].stack {
			p.samples[i].stack[j] = locID[l] - 1
		}
	}
	return p
}

// ---- encoding ----

type stringTable struct {
	index map[string]int64
	list  []string
}

func newStringTable() *stringTable {
	return &stringTable{index: map[string]int64{"": 0}, list: []string{""}}
}

func (t *stringTable) id(s string) int64 {
	if i, ok := t.index[s]; ok {
		return i
	}
	i := int64(len(t.list))
	t.index[s] = i
	t.list = append(t.list, s)
	return i
}

type enc struct{ b []byte }

func (e *enc) varint(x uint64) {
	for x >= 0x80 {
		e.b = append(e.b, byte(x)|0x80)
		x >>= 7
	}
	e.b = append(e.b, byte(x))
}

func (e *enc) key(field, wire int) { e.varint(uint64(field<<3 | wire)) }

func (e *enc) uint(field int, x uint64) {
	if x != 0 {
		e.key(field, 0)
		e.varint(x)
	}
}

func (e *enc) int(field int, x int64) { e.uint(field, uint64(x)) }

func (e *enc) bytes(field int, b []byte) {
	e.key(field, 2)
	e.varint(uint64(len(b)))
	e.b = append(e.b, b...)
}

func (e *enc) packed(field int, xs []uint64) {
	if len(xs) == 0 {
		return
	}
	var inner enc
	for _, x := range xs {
		inner.varint(x)
	}
	e.bytes(field, inner.b)
}

func (e *enc) msg(field int, build func(*enc)) {
	var inner enc
	build(&inner)
	e.bytes(field, inner.b)
}

func write(path string, p *profile) error {
	st := p.strings
	const period = 10000000 // 100 Hz
	var e enc
	valueType := func(field int, typ, unit string) {
		e.msg(field, func(m *enc) {
			m.int(1, st.id(typ))
			m.int(2, st.id(unit))
		})
	}
	valueType(1, "samples", "count")
	valueType(1, "cpu", "nanoseconds")
	ids := make([]uint64, 0, 64)
	for _, s := range p.samples {
		e.msg(2, func(m *enc) {
			ids = ids[:0]
			for _, l := range s.stack {
				ids = append(ids, uint64(l+1))
			}
			m.packed(1, ids)
			m.packed(2, []uint64{uint64(s.count), uint64(s.count * period)})
			for _, l := range s.labels {
				m.msg(3, func(lm *enc) {
					lm.int(1, st.id(l.key))
					lm.int(2, st.id(l.value))
				})
			}
		})
	}
	e.msg(3, func(m *enc) {
		m.uint(1, 1)
		m.uint(2, 0x400000)
		m.uint(3, 0x400000+uint64(len(p.locations))*256+0x100000)
		m.int(5, st.id("/usr/local/bin/checkout-service"))
		m.int(6, st.id("6f1c2b9a8e7d4c3b2a190817f6e5d4c3b2a19081"))
		for _, f := range []int{7, 8, 9, 10} {
			m.uint(f, 1)
		}
	})
	for i, l := range p.locations {
		e.msg(4, func(m *enc) {
			m.uint(1, uint64(i+1))
			m.uint(2, 1)
			m.uint(3, l.address)
			for _, ln := range l.lines {
				m.msg(4, func(lm *enc) {
					lm.uint(1, uint64(ln.function+1))
					lm.int(2, ln.line)
				})
			}
		})
	}
	for i, f := range p.functions {
		e.msg(5, func(m *enc) {
			m.uint(1, uint64(i+1))
			m.int(2, st.id(f.name))
			m.int(3, st.id(f.name))
			m.int(4, st.id(f.file))
			m.int(5, f.startLine)
		})
	}
	// Every string is interned by now; the table goes last but is numbered as used above.
	for _, s := range st.list {
		e.bytes(6, []byte(s))
	}
	e.int(9, 1795000000000000000) // 2026-11-17 UTC
	e.int(10, 600*1000000000)     // a 10-minute profile
	valueType(11, "cpu", "nanoseconds")
	e.int(12, period)

	f, err := os.Create(path + ".tmp")
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	zw, _ := gzip.NewWriterLevel(bw, gzip.DefaultCompression)
	if _, err := zw.Write(e.b); err != nil {
		f.Close()
		return err
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}
