package main

import (
	"fmt"
	"runtime"
	"time"
)

// small is the pointer-free 32-byte object of alloc_small.
type small struct{ a, b, c, d int64 }

var smallSink *small

// alloc_small: for i in 0..N-1: p = new(small); p.a = i; smallSink = p
// (the previous object is dead from then on). GC window and timed part:
// the loop. result = smallSink.a + 1 = N.
func runAllocSmall(n int64) (*outcome, error) {
	w := startGCWatch()
	t0 := time.Now()
	for i := int64(0); i < n; i++ {
		p := new(small)
		p.a = i
		smallSink = p
	}
	el := time.Since(t0).Nanoseconds()
	g := w.stop()
	res := smallSink.a + 1
	if res != n {
		return nil, fmt.Errorf("result %d, want %d", res, n)
	}
	return &outcome{wallNs: el, timedNs: el, result: res, gc: g}, nil
}

// btNode is the 16-byte node of binary_trees.
type btNode struct{ left, right *btNode }

func btBottomUp(depth int) *btNode {
	if depth <= 0 {
		return &btNode{}
	}
	return &btNode{btBottomUp(depth - 1), btBottomUp(depth - 1)}
}

func (t *btNode) check() int64 {
	if t.left == nil {
		return 1
	}
	return 1 + t.left.check() + t.right.check()
}

// binary_trees: the Benchmarks Game binary-trees on one goroutine (main),
// n = max depth, 6..25 (min depth 4):
// stretch tree of depth n+1 (check 2^(n+2)-1); a long-lived tree of depth
// n; for d = 4, 6, ..., n: 2^(n-d+4) iterations of build depth d + check,
// summing the checks (each 2^(d+1)-1); finally check the long-lived tree
// (2^(n+1)-1). check counts nodes; a depth-0 tree is one node. Every check
// is verified. GC window and timed part: all of it. result = the sum of all
// the printed checks (stretch + each depth's total + long-lived).
func runBinaryTrees(n int64) (*outcome, error) {
	const minDepth = 4
	maxDepth := int(n)
	w := startGCWatch()
	t0 := time.Now()
	var res int64
	fail := func(what string, got, want int64) error {
		return fmt.Errorf("%s: check %d, want %d", what, got, want)
	}
	stretch := btBottomUp(maxDepth + 1).check()
	if want := int64(1)<<(maxDepth+2) - 1; stretch != want {
		return nil, fail("stretch tree", stretch, want)
	}
	res += stretch
	long := btBottomUp(maxDepth)
	for d := minDepth; d <= maxDepth; d += 2 {
		iters := int64(1) << (maxDepth - d + minDepth)
		var chk int64
		for i := int64(0); i < iters; i++ {
			chk += btBottomUp(d).check()
		}
		if want := iters * (int64(1)<<(d+1) - 1); chk != want {
			return nil, fail(fmt.Sprintf("depth %d", d), chk, want)
		}
		res += chk
	}
	lc := long.check()
	if want := int64(1)<<(maxDepth+1) - 1; lc != want {
		return nil, fail("long lived tree", lc, want)
	}
	res += lc
	runtime.KeepAlive(long)
	el := time.Since(t0).Nanoseconds()
	g := w.stop()
	return &outcome{wallNs: el, timedNs: el, result: res, gc: g}, nil
}

// gcNode is the 64-byte pointerful node of gc_pause: 2 pointers + 6 int64.
type gcNode struct {
	left, right *gcNode
	v           [6]int64
}

var (
	gcRoot *gcNode
	gcSink *gcNode
)

// gcPauseAllocs is the number of allocations for n live nodes:
// floor(n * 33,554,432 / 1,000,000), i.e. 2 GiB of 64-byte objects at the
// default n = 1,000,000, and the same allocation/live ratio at other n.
func gcPauseAllocs(n int64) int64 { return n * 33554432 / 1000000 }

func gcBuild(i, n int64) *gcNode {
	if i >= n {
		return nil
	}
	t := &gcNode{}
	t.v[0] = i
	t.left = gcBuild(2*i+1, n)
	t.right = gcBuild(2*i+2, n)
	return t
}

func (t *gcNode) sum() (count, sum int64) {
	for t != nil {
		c, s := t.left.sum()
		count += c + 1
		sum += s + t.v[0]
		t = t.right
	}
	return
}

// gc_pause: build the live set, a complete binary tree of n nodes in heap
// order (node i has children 2i+1 and 2i+2 when < n; v[0] = i), each node
// allocated separately depth-first (node, then left subtree, then right),
// rooted in a global; runtime.GC(); then the timed part and the GC window:
// gcPauseAllocs(n) times {p = new(gcNode); p.v[0] = i; gcSink = p}.
// alloc_ms = the timed part; wall = build + GC + allocations.
// ns_per_op = alloc ns / n (the rule); ns_per_alloc = alloc ns / allocs.
// result = sum of v[0] over the live tree afterwards = n(n-1)/2 (and it
// must still have n nodes).
func runGCPause(n int64) (*outcome, error) {
	allocs := gcPauseAllocs(n)
	t0 := time.Now()
	gcRoot = gcBuild(0, n)
	runtime.GC()
	w := startGCWatch()
	t1 := time.Now()
	for i := int64(0); i < allocs; i++ {
		p := &gcNode{}
		p.v[0] = i
		gcSink = p
	}
	el := time.Since(t1).Nanoseconds()
	g := w.stop()
	wall := time.Since(t0).Nanoseconds()
	count, sum := gcRoot.sum()
	if count != n {
		return nil, fmt.Errorf("live tree has %d nodes, want %d", count, n)
	}
	if want := n * (n - 1) / 2; sum != want {
		return nil, fmt.Errorf("result %d, want %d", sum, want)
	}
	nsPerAlloc := 0.0
	if allocs > 0 {
		nsPerAlloc = float64(el) / float64(allocs)
	}
	return &outcome{wallNs: wall, timedNs: el, result: sum, gc: g, extra: []kv{
		{"alloc_ms", round3(ms(el))},
		{"allocs", allocs},
		{"ns_per_alloc", round3(nsPerAlloc)},
	}}, nil
}
