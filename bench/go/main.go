// Command gort-go is the Go twin of gort's named workloads: the same
// definitions (see docs/WORKLOADS.md and WORKLOADS-NOTES.md here),
// the same CLI contract and the same JSON line, so that every gort/Go ratio
// compares the same work.
//
//	gort-go list [--json]
//	gort-go run WORKLOAD [--procs N] [--n N] [--gogc N] [--json]
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Kinds of workload: which extra object the JSON line carries.
const (
	kindSched = "sched" // adds "sched": {steals, goroutines_peak}
	kindGC    = "gc"    // adds "gc": {num_gc, pause_total_ns, ...}
)

// kv is one extra field of the JSON line; order is preserved.
type kv struct {
	Key string
	Val interface{}
}

// outcome is what a workload hands back to main.
type outcome struct {
	wallNs  int64  // the whole workload (setup included), see WORKLOADS-NOTES.md
	timedNs int64  // the timed part; ns_per_op = timedNs / n
	result  int64  // the workload's result (checked against want)
	extra   []kv   // workload-specific fields, in order
	gc      *gcOut // GC workloads only
}

type workload struct {
	name     string
	defaultN int64
	kind     string
	// check validates n before the run (nil: any n >= 1).
	check func(n int64) error
	// run does the work. It returns an error when the result is wrong.
	run func(n int64) (*outcome, error)
}

var workloads = []workload{
	{"yield", 1000000, kindSched, nil, runYield},
	{"spawn", 1000000, kindSched, nil, runSpawn},
	{"skynet", 1000000, kindSched, checkPow10, runSkynet},
	{"imbalance", 100000, kindSched, nil, runImbalance},
	{"pingpong", 2000000, kindSched, nil, runPingpong},
	{"chan_buffered", 20000000, kindSched, nil, runChanBuffered},
	{"chan_buffered_4x4", 20000000, kindSched, checkMultiple(4), runChanBuffered4x4},
	{"select4", 2000000, kindSched, checkMultiple(4), runSelect4},
	{"sieve", 1000, kindSched, nil, runSieve},
	{"timers", 100000, kindSched, nil, runTimers},
	{"mutex_contended", 16000000, kindSched, checkMultiple(8), runMutex},
	{"rwmutex_read", 16000000, kindSched, checkMultiple(8), runRWMutex},
	{"context_cancel", 100000, kindSched, nil, runContextCancel},
	{"alloc_small", 50000000, kindGC, nil, runAllocSmall},
	{"binary_trees", 18, kindGC, checkRange(6, 25), runBinaryTrees},
	{"gc_pause", 1000000, kindGC, nil, runGCPause},
	{"tcp_echo", 200000, kindSched, checkMultiple(echoConns), runTCPEcho},
}

func checkPow10(n int64) error {
	for m := n; m > 1; m /= 10 {
		if m%10 != 0 {
			return fmt.Errorf("n must be a power of 10 (number of leaves), got %d", n)
		}
	}
	return nil
}

func checkMultiple(k int64) func(int64) error {
	return func(n int64) error {
		if n%k != 0 {
			return fmt.Errorf("n must be a multiple of %d, got %d", k, n)
		}
		return nil
	}
}

func checkRange(lo, hi int64) func(int64) error {
	return func(n int64) error {
		if n < lo || n > hi {
			return fmt.Errorf("n must be in %d..%d, got %d", lo, hi, n)
		}
		return nil
	}
}

// listWorkloads prints one name a line, or with --json the names, default
// sizes and kinds as gort's `list --json` prints them (its other members
// are gort's own), so tests/node/workloads.test.mjs can check that the two
// tables agree.
func listWorkloads(args []string) {
	if len(args) == 0 {
		for _, w := range workloads {
			fmt.Println(w.name)
		}
		return
	}
	if len(args) > 1 || (args[0] != "--json" && args[0] != "-json") {
		usage()
	}
	type entry struct {
		Name     string `json:"name"`
		DefaultN int64  `json:"default_n"`
		Kind     string `json:"kind"`
	}
	doc := struct {
		Workloads []entry `json:"workloads"`
	}{}
	for _, w := range workloads {
		doc.Workloads = append(doc.Workloads, entry{w.name, w.defaultN, w.kind})
	}
	out, err := json.Marshal(doc)
	if err != nil {
		fatalf("list: %v", err)
	}
	fmt.Println(string(out))
}

func usage() {
	fmt.Fprintf(os.Stderr, "usage: gort-go list [--json]\n       gort-go run WORKLOAD [--procs N] [--n N] [--gogc N] [--json]\n")
	os.Exit(2)
}

func fatalf(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "gort-go: "+format+"\n", args...)
	os.Exit(2)
}

func main() {
	args := os.Args[1:]
	if len(args) == 0 {
		usage()
	}
	switch args[0] {
	case "list":
		listWorkloads(args[1:])
		return
	case "run":
	case "-h", "--help", "help":
		usage()
	default:
		fatalf("unknown command %q", args[0])
	}
	var (
		name    string
		n       int64 = -1
		procs         = runtime.NumCPU()
		gogc          = -2 // -2: leave as is
		jsonOut bool
	)
	for i := 1; i < len(args); i++ {
		a := args[i]
		key, val, hasVal := strings.Cut(a, "=")
		next := func() string {
			if hasVal {
				return val
			}
			i++
			if i >= len(args) {
				fatalf("%s needs a value", key)
			}
			return args[i]
		}
		num := func() int64 {
			s := next()
			v, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 10, 64)
			if err != nil {
				fatalf("%s: bad number %q", key, s)
			}
			return v
		}
		switch key {
		case "--json":
			jsonOut = true
		case "--n", "-n":
			n = num()
		case "--procs":
			procs = int(num())
		case "--gogc":
			gogc = int(num())
		default:
			if strings.HasPrefix(a, "-") || name != "" {
				fatalf("unexpected argument %q", a)
			}
			name = a
		}
	}
	if name == "" {
		usage()
	}
	var w *workload
	for i := range workloads {
		if workloads[i].name == name {
			w = &workloads[i]
		}
	}
	if w == nil {
		fatalf("unknown workload %q (see gort-go list)", name)
	}
	if n < 0 {
		n = w.defaultN
	}
	if n < 1 {
		fatalf("%s: n must be >= 1", name)
	}
	if w.check != nil {
		if err := w.check(n); err != nil {
			fatalf("%s: %v", name, err)
		}
	}
	if procs < 1 {
		fatalf("--procs must be >= 1")
	}
	runtime.GOMAXPROCS(procs)
	if gogc != -2 {
		debug.SetGCPercent(gogc)
	}
	effGOGC := debug.SetGCPercent(100)
	debug.SetGCPercent(effGOGC)

	var gs *goroutineSampler
	if w.kind == kindSched {
		gs = startGoroutineSampler()
	}
	out, err := w.run(n)
	var peakG int
	if gs != nil {
		peakG = gs.stop()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "gort-go: %s: FAILED: %v\n", name, err)
		os.Exit(1)
	}
	rss := rssPeakBytes()
	nsPerOp := float64(out.timedNs) / float64(n)

	if !jsonOut {
		var b strings.Builder
		fmt.Fprintf(&b, "%s: n=%d procs=%d wall=%.3f ms ns/op=%.3f result=%d rss_peak=%.1f MiB",
			name, n, procs, ms(out.wallNs), nsPerOp, out.result, float64(rss)/(1<<20))
		for _, e := range out.extra {
			fmt.Fprintf(&b, " %s=%v", e.Key, e.Val)
		}
		if g := out.gc; g != nil {
			fmt.Fprintf(&b, " gc=%d pause_max=%.1f us pause_p50=%.1f us pause_total=%.3f ms heap_peak=%.1f MiB",
				g.NumGC, float64(g.PauseMaxNs)/1e3, float64(g.PauseP50Ns)/1e3,
				float64(g.PauseTotalNs)/1e6, float64(g.HeapPeakBytes)/(1<<20))
		}
		if gs != nil {
			fmt.Fprintf(&b, " goroutines_peak=%d", peakG)
		}
		fmt.Println(b.String())
		return
	}

	fields := []kv{
		{"workload", name},
		{"n", n},
		{"procs", procs},
		{"wall_ms", round3(ms(out.wallNs))},
		{"ns_per_op", round3(nsPerOp)},
		{"result", out.result},
		{"rss_peak_bytes", rss},
	}
	fields = append(fields, out.extra...)
	if out.gc != nil {
		fields = append(fields, kv{"gc", out.gc})
	}
	if gs != nil {
		fields = append(fields, kv{"sched", []kv{
			{"steals", nil}, // Go does not expose steal counts
			{"goroutines_peak", peakG},
		}})
	}
	fields = append(fields,
		kv{"impl", "go"},
		kv{"go_version", runtime.Version()},
		kv{"gogc", effGOGC},
	)
	w2 := bufio.NewWriter(os.Stdout)
	w2.Write(encodeObject(fields))
	w2.WriteByte('\n')
	w2.Flush()
}

// encodeObject writes an ordered JSON object; nested []kv become objects.
func encodeObject(fields []kv) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.Key)
		b.Write(k)
		b.WriteByte(':')
		if sub, ok := f.Val.([]kv); ok {
			b.Write(encodeObject(sub))
			continue
		}
		v, err := json.Marshal(f.Val)
		if err != nil {
			panic(err)
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes()
}

func ms(ns int64) float64 { return float64(ns) / 1e6 }

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// rssPeakBytes is VmHWM from /proc/self/status, in bytes (0 if unreadable).
func rssPeakBytes() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line[len("VmHWM:"):])
			if len(f) >= 1 {
				kb, err := strconv.ParseInt(f[0], 10, 64)
				if err == nil {
					return kb * 1024
				}
			}
		}
	}
	return 0
}

// splitmix64 is Vigna's SplitMix64; state starts at the seed and the first
// call returns the first output.
type splitmix64 struct{ state uint64 }

func (s *splitmix64) next() uint64 {
	s.state += 0x9E3779B97F4A7C15
	z := s.state
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// percentileNearestRank returns the p-th percentile (0 < p <= 100) of xs by
// the nearest-rank method: sorted[ceil(p/100*len)-1]. xs is sorted in place.
func percentileNearestRank(xs []int64, p float64) int64 {
	if len(xs) == 0 {
		return 0
	}
	sort.Slice(xs, func(i, j int) bool { return xs[i] < xs[j] })
	r := int(math.Ceil(p / 100 * float64(len(xs))))
	if r < 1 {
		r = 1
	}
	if r > len(xs) {
		r = len(xs)
	}
	return xs[r-1]
}

// goroutineSampler samples runtime.NumGoroutine() every millisecond; the
// peak excludes the sampler itself (so it counts main and the workload's
// goroutines). Workloads also call notePeak() at the points where their
// goroutine count is highest (e.g. right after the spawn loop). It is still
// a lower bound: spikes between samples can be missed.
type goroutineSampler struct {
	stopc chan struct{}
	done  chan int
}

const sampleEvery = time.Millisecond

func startGoroutineSampler() *goroutineSampler {
	s := &goroutineSampler{stopc: make(chan struct{}), done: make(chan int)}
	ready := make(chan struct{})
	go func() {
		peak := runtime.NumGoroutine()
		close(ready)
		t := time.NewTicker(sampleEvery)
		defer t.Stop()
		for {
			select {
			case <-s.stopc:
				if g := runtime.NumGoroutine(); g > peak {
					peak = g
				}
				s.done <- peak - 1
				return
			case <-t.C:
				if g := runtime.NumGoroutine(); g > peak {
					peak = g
				}
			}
		}
	}()
	<-ready
	atomic.StoreInt32(&samplerActive, 1)
	return s
}

func (s *goroutineSampler) stop() int {
	close(s.stopc)
	p := <-s.done
	if q := int(atomic.LoadInt64(&notedPeak)); q > p {
		p = q
	}
	return p
}

var (
	notedPeak     int64
	samplerActive int32
)

// notePeak records runtime.NumGoroutine() (minus the sampler) into the
// goroutine peak; it is a no-op for workloads without a sampler.
func notePeak() {
	if atomic.LoadInt32(&samplerActive) == 0 {
		return
	}
	g := int64(runtime.NumGoroutine() - 1)
	for {
		old := atomic.LoadInt64(&notedPeak)
		if g <= old || atomic.CompareAndSwapInt64(&notedPeak, old, g) {
			return
		}
	}
}
