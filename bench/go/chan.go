package main

import (
	"fmt"
	"sync"
	"time"
)

// pingpong: a partner goroutine (started before timing) does
// `for v := range A { B <- v+1 }`; main does, for i in 0..N-1, A <- i;
// sum += <-B. A and B are unbuffered. Timed: main's loop. result = sum =
// N(N+1)/2.
func runPingpong(n int64) (*outcome, error) {
	a, b := make(chan int64), make(chan int64)
	go func() {
		for v := range a {
			b <- v + 1
		}
	}()
	notePeak()
	t0 := time.Now()
	var sum int64
	for i := int64(0); i < n; i++ {
		a <- i
		sum += <-b
	}
	el := time.Since(t0).Nanoseconds()
	close(a)
	if want := n * (n + 1) / 2; sum != want {
		return nil, fmt.Errorf("result %d, want %d", sum, want)
	}
	return &outcome{wallNs: el, timedNs: el, result: sum}, nil
}

// chan_buffered: one channel of int64 with capacity 1024 (made before
// timing); one producer sends 0..N-1 then closes; one consumer ranges and
// sums. Timed from starting the two goroutines to the consumer's sum being
// received by main. result = N(N-1)/2.
func runChanBuffered(n int64) (*outcome, error) {
	ch := make(chan int64, 1024)
	res := make(chan int64)
	t0 := time.Now()
	go func() {
		for i := int64(0); i < n; i++ {
			ch <- i
		}
		close(ch)
	}()
	go func() {
		var s int64
		for v := range ch {
			s += v
		}
		res <- s
	}()
	notePeak()
	sum := <-res
	el := time.Since(t0).Nanoseconds()
	if want := n * (n - 1) / 2; sum != want {
		return nil, fmt.Errorf("result %d, want %d", sum, want)
	}
	return &outcome{wallNs: el, timedNs: el, result: sum}, nil
}

// chan_buffered_4x4: the same channel (cap 1024) with 4 producers, producer
// p sending p*N/4 .. (p+1)*N/4-1 (N a multiple of 4), and 4 consumers that
// each range and sum; main waits for the producers, closes the channel,
// then adds up the 4 consumer sums. Timed from starting the 8 goroutines to
// the last consumer sum. result = N(N-1)/2.
func runChanBuffered4x4(n int64) (*outcome, error) {
	ch := make(chan int64, 1024)
	res := make(chan int64, 4)
	q := n / 4
	var prod sync.WaitGroup
	prod.Add(4)
	t0 := time.Now()
	for c := 0; c < 4; c++ {
		go func() {
			var s int64
			for v := range ch {
				s += v
			}
			res <- s
		}()
	}
	for p := int64(0); p < 4; p++ {
		go func(lo, hi int64) {
			for i := lo; i < hi; i++ {
				ch <- i
			}
			prod.Done()
		}(p*q, (p+1)*q)
	}
	notePeak()
	prod.Wait()
	close(ch)
	var sum int64
	for c := 0; c < 4; c++ {
		sum += <-res
	}
	el := time.Since(t0).Nanoseconds()
	if want := n * (n - 1) / 2; sum != want {
		return nil, fmt.Errorf("result %d, want %d", sum, want)
	}
	return &outcome{wallNs: el, timedNs: el, result: sum}, nil
}

// select4: 4 unbuffered channels; producer k (k = 0..3) sends the N/4
// values k*N/4 .. (k+1)*N/4-1 on channel k (N a multiple of 4); main runs N
// iterations of one select with 4 receive cases and sums what it gets.
// Timed from starting the producers to the end of main's loop. result =
// N(N-1)/2.
func runSelect4(n int64) (*outcome, error) {
	var cs [4]chan int64
	for k := range cs {
		cs[k] = make(chan int64)
	}
	q := n / 4
	t0 := time.Now()
	for k := int64(0); k < 4; k++ {
		go func(c chan int64, lo, hi int64) {
			for i := lo; i < hi; i++ {
				c <- i
			}
		}(cs[k], k*q, (k+1)*q)
	}
	notePeak()
	var sum int64
	for i := int64(0); i < n; i++ {
		select {
		case v := <-cs[0]:
			sum += v
		case v := <-cs[1]:
			sum += v
		case v := <-cs[2]:
			sum += v
		case v := <-cs[3]:
			sum += v
		}
	}
	el := time.Since(t0).Nanoseconds()
	if want := n * (n - 1) / 2; sum != want {
		return nil, fmt.Errorf("result %d, want %d", sum, want)
	}
	return &outcome{wallNs: el, timedNs: el, result: sum}, nil
}

// sieve: Go's concurrent prime sieve (the go.dev/doc/play/sieve.go shape).
// generate sends 2, 3, 4, ... on an unbuffered channel; for i in 0..N-1:
// prime = <-ch; sum += prime; ch1 = make(chan); go filter(ch, ch1, prime);
// ch = ch1. The generator and the N filters are left blocked at the end.
// Timed: all of it. result = sum of the first N primes (N=1000: 3682913),
// checked against trial division.
func runSieve(n int64) (*outcome, error) {
	t0 := time.Now()
	ch := make(chan int64)
	go sieveGenerate(ch)
	var sum int64
	for i := int64(0); i < n; i++ {
		prime := <-ch
		sum += prime
		ch1 := make(chan int64)
		go sieveFilter(ch, ch1, prime)
		ch = ch1
	}
	el := time.Since(t0).Nanoseconds()
	notePeak()
	if want := sumFirstPrimes(n); sum != want {
		return nil, fmt.Errorf("result %d, want %d", sum, want)
	}
	if n == 1000 && sum != 3682913 {
		return nil, fmt.Errorf("result %d, want 3682913", sum)
	}
	return &outcome{wallNs: el, timedNs: el, result: sum}, nil
}

func sieveGenerate(ch chan<- int64) {
	for i := int64(2); ; i++ {
		ch <- i
	}
}

func sieveFilter(in <-chan int64, out chan<- int64, prime int64) {
	for {
		i := <-in
		if i%prime != 0 {
			out <- i
		}
	}
}

func sumFirstPrimes(n int64) int64 {
	var sum, found int64
	for c := int64(2); found < n; c++ {
		prime := true
		for d := int64(2); d*d <= c; d++ {
			if c%d == 0 {
				prime = false
				break
			}
		}
		if prime {
			sum += c
			found++
		}
	}
	return sum
}
