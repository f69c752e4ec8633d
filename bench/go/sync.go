package main

import (
	"fmt"
	"sync"
	"time"
)

// syncWorkers is the number of goroutines of mutex_contended and
// rwmutex_read; n counts lock+unlock pairs in all (default 8 x 2,000,000).
const syncWorkers = 8

// mutex_contended: 8 goroutines, each signals "ready" then waits on a start
// channel; main waits for all 8 ready signals, then closes start (timing
// starts there); each does N/8 times {mu.Lock(); counter++; mu.Unlock()};
// timing ends when wg.Wait returns. result = counter = N.
func runMutex(n int64) (*outcome, error) {
	var mu sync.Mutex
	var counter int64
	el := releaseWorkers(func(int) {
		for i := int64(0); i < n/syncWorkers; i++ {
			mu.Lock()
			counter++
			mu.Unlock()
		}
	})
	if counter != n {
		return nil, fmt.Errorf("result %d, want %d", counter, n)
	}
	return &outcome{wallNs: el, timedNs: el, result: counter}, nil
}

// rwmutex_read: the same with {rw.RLock(); s += shared; rw.RUnlock()} where
// shared is an int64 equal to 1 and s is the goroutine's own sum; no
// writers. result = sum of the 8 sums = N.
func runRWMutex(n int64) (*outcome, error) {
	var rw sync.RWMutex
	shared := int64(1)
	var sums [syncWorkers]int64
	el := releaseWorkers(func(g int) {
		var s int64
		for i := int64(0); i < n/syncWorkers; i++ {
			rw.RLock()
			s += shared
			rw.RUnlock()
		}
		sums[g] = s
	})
	var res int64
	for _, s := range sums {
		res += s
	}
	if res != n {
		return nil, fmt.Errorf("result %d, want %d", res, n)
	}
	return &outcome{wallNs: el, timedNs: el, result: res}, nil
}

// releaseWorkers starts syncWorkers goroutines running body(g), releases them
// together and returns the ns from the release to the last one's end.
func releaseWorkers(body func(g int)) int64 {
	var ready, wg sync.WaitGroup
	start := make(chan struct{})
	ready.Add(syncWorkers)
	wg.Add(syncWorkers)
	for g := 0; g < syncWorkers; g++ {
		go func(g int) {
			defer wg.Done()
			ready.Done()
			<-start
			body(g)
		}(g)
	}
	ready.Wait()
	notePeak()
	t0 := time.Now()
	close(start)
	wg.Wait()
	return time.Since(t0).Nanoseconds()
}
