package main

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"
)

// yield: two goroutines, released together, call runtime.Gosched() N times
// in all (the first n-n/2 times, the second n/2 times). Timed from the
// release to the return of wg.Wait. result = number of yields = N.
func runYield(n int64) (*outcome, error) {
	counts := [2]int64{n - n/2, n / 2}
	var done [2]int64
	var ready, wg sync.WaitGroup
	start := make(chan struct{})
	ready.Add(2)
	wg.Add(2)
	for g := 0; g < 2; g++ {
		go func(g int) {
			defer wg.Done()
			ready.Done()
			<-start
			var k int64
			for ; k < counts[g]; k++ {
				runtime.Gosched()
			}
			done[g] = k
		}(g)
	}
	ready.Wait()
	notePeak()
	t0 := time.Now()
	close(start)
	wg.Wait()
	el := time.Since(t0).Nanoseconds()
	res := done[0] + done[1]
	if res != n {
		return nil, fmt.Errorf("result %d, want %d", res, n)
	}
	return &outcome{wallNs: el, timedNs: el, result: res}, nil
}

// spawn: wg.Add(N); main starts N goroutines that each only call wg.Done();
// wg.Wait(). Timed from the start of the spawn loop to Wait's return.
// result = N (Wait returning means all N ran).
func runSpawn(n int64) (*outcome, error) {
	var wg sync.WaitGroup
	wg.Add(int(n))
	t0 := time.Now()
	for i := int64(0); i < n; i++ {
		go wg.Done()
	}
	notePeak()
	wg.Wait()
	el := time.Since(t0).Nanoseconds()
	return &outcome{wallNs: el, timedNs: el, result: n}, nil
}

// skynet: the classic skynet benchmark with N leaves (N a power of 10).
// skynet(c, num, size): if size == 1 { c <- num }; otherwise make one
// unbuffered channel rc, start 10 children skynet(rc, num+i*size/10,
// size/10), receive 10 values from rc, send their sum on c. The root is a
// goroutine too: (10N-1)/9 goroutines in all (1,111,111 for N = 10^6).
// Timed from starting the root to receiving its sum. result = N(N-1)/2.
func runSkynet(n int64) (*outcome, error) {
	t0 := time.Now()
	c := make(chan int64)
	go skynet(c, 0, n)
	res := <-c
	el := time.Since(t0).Nanoseconds()
	if want := n * (n - 1) / 2; res != want {
		return nil, fmt.Errorf("result %d, want %d", res, want)
	}
	return &outcome{wallNs: el, timedNs: el, result: res}, nil
}

func skynet(c chan int64, num, size int64) {
	if size == 1 {
		c <- num
		return
	}
	rc := make(chan int64)
	sub := size / 10
	for i := int64(0); i < 10; i++ {
		go skynet(rc, num+i*sub, sub)
	}
	var sum int64
	for i := 0; i < 10; i++ {
		sum += <-rc
	}
	c <- sum
}

// imbalance: main (one goroutine, on one P) starts N task goroutines in a
// loop and waits; the other Ps get work only by stealing. Task i computes
// imbalanceTask(i) (about 10 us of dependent 64-bit arithmetic) and stores
// it in out[i]. Timed from the spawn loop's start to wg.Wait's return.
// result = sum of out[i] (each < 2^32, so exact in a double).
const imbalanceIters = 6000

func imbalanceTask(i uint64) uint64 {
	x := i + 0x9E3779B97F4A7C15
	for k := 0; k < imbalanceIters; k++ {
		x = x*6364136223846793005 + 1442695040888963407
		x ^= x >> 29
	}
	return x >> 32
}

// imbalanceWant100k is the result for the default N = 100,000.
const imbalanceWant100k = 213830452308652

func runImbalance(n int64) (*outcome, error) {
	out := make([]uint64, n)
	var wg sync.WaitGroup
	wg.Add(int(n))
	t0 := time.Now()
	for i := int64(0); i < n; i++ {
		go func(i int64) {
			out[i] = imbalanceTask(uint64(i))
			wg.Done()
		}(i)
	}
	notePeak()
	wg.Wait()
	el := time.Since(t0).Nanoseconds()
	var sum uint64
	for _, v := range out {
		sum += v
	}
	if n == 100000 && sum != imbalanceWant100k {
		return nil, fmt.Errorf("result %d, want %d", sum, uint64(imbalanceWant100k))
	}
	return &outcome{wallNs: el, timedNs: el, result: int64(sum)}, nil
}

// timers: d_i = 1 ms + (i-th output of splitmix64 seeded 42, i from 0) mod
// 9,000,001 ns, all computed before timing. Goroutine i: t0 = now;
// time.Sleep(d_i); late_i = (now - t0) - d_i. Timed (wall) from the first
// spawn to wg.Wait's return. Lateness mean / p50 / p99 (nearest rank) in
// microseconds. result = number of timers with late_i >= 0 (must be N).
func runTimers(n int64) (*outcome, error) {
	d := make([]time.Duration, n)
	rng := splitmix64{42}
	for i := range d {
		d[i] = time.Millisecond + time.Duration(rng.next()%9000001)
	}
	late := make([]int64, n)
	var wg sync.WaitGroup
	wg.Add(int(n))
	t0 := time.Now()
	for i := int64(0); i < n; i++ {
		go func(i int64) {
			s := time.Now()
			time.Sleep(d[i])
			late[i] = int64(time.Since(s) - d[i])
			wg.Done()
		}(i)
	}
	notePeak()
	wg.Wait()
	el := time.Since(t0).Nanoseconds()
	var ok, sum int64
	for _, l := range late {
		if l >= 0 {
			ok++
		}
		sum += l
	}
	if ok != n {
		return nil, fmt.Errorf("%d timers fired early, want 0", n-ok)
	}
	mean := float64(sum) / float64(n) / 1e3
	p50 := float64(percentileNearestRank(late, 50)) / 1e3
	p99 := float64(percentileNearestRank(late, 99)) / 1e3
	return &outcome{wallNs: el, timedNs: el, result: ok, extra: []kv{
		{"late_mean_us", round3(mean)},
		{"late_p50_us", round3(p50)},
		{"late_p99_us", round3(p99)},
	}}, nil
}

// context_cancel: root = WithCancel(Background); N children WithCancel(root)
// made by main, one goroutine each that signals "parked" (a WaitGroup) and
// blocks on <-child.Done(), then wg.Done(). setup = from the start to the
// last "parked" signal; then sleep 10 ms so that all are really parked;
// cancel = from cancel(root) to wg.Wait's return (the timed part).
// wall = the whole workload, sleep included. result = number of children
// whose Err() is Canceled afterwards (checked outside the timed part). The
// children's own cancel functions are only called after that check.
func runContextCancel(n int64) (*outcome, error) {
	t0 := time.Now()
	root, cancel := context.WithCancel(context.Background())
	children := make([]context.Context, n)
	cancels := make([]context.CancelFunc, n)
	var parked, wg sync.WaitGroup
	parked.Add(int(n))
	wg.Add(int(n))
	for i := range children {
		c, cf := context.WithCancel(root)
		children[i], cancels[i] = c, cf
		go func(c context.Context) {
			parked.Done()
			<-c.Done()
			wg.Done()
		}(c)
	}
	parked.Wait()
	notePeak()
	setup := time.Since(t0).Nanoseconds()
	time.Sleep(10 * time.Millisecond)
	t1 := time.Now()
	cancel()
	wg.Wait()
	canc := time.Since(t1).Nanoseconds()
	wall := time.Since(t0).Nanoseconds()
	var ok int64
	for i, c := range children {
		if c.Err() == context.Canceled {
			ok++
		}
		cancels[i]() // no-op after the root's cancel; keeps vet happy
	}
	if ok != n {
		return nil, fmt.Errorf("result %d, want %d", ok, n)
	}
	return &outcome{wallNs: wall, timedNs: canc, result: ok, extra: []kv{
		{"cancel_ms", round3(ms(canc))},
		{"setup_ms", round3(ms(setup))},
	}}, nil
}
