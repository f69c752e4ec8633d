package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// echoConns is the number of tcp_echo connections; n counts round trips in
// all (default 100 x 2,000).
const (
	echoConns    = 100
	echoMsg      = 64
	echoDeadline = 60 * time.Second // bound on the whole exchange
)

// tcp_echo: listen on 127.0.0.1:0; an accept goroutine accepts exactly 100
// connections and runs one server goroutine per connection: loop {read up
// to 64 B into a 64-byte buffer; write those bytes back} until EOF. Main
// dials the 100 client connections first (TCP_NODELAY on both sides, a 60 s
// deadline on every connection), starts 100 client goroutines that signal
// ready and wait on a start channel, then releases them together (timing
// starts). Client c does n/100 times {write 64 B; read exactly 64 B} with
// message j of client c being bytes (c + j + k) & 0xff, k = 0..63, and
// compares the echo. Timing ends when the last client is done. rt_per_sec
// = n / timed seconds. result = number of verified round trips = n.
func runTCPEcho(n int64) (*outcome, error) {
	t0 := time.Now()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	defer ln.Close()
	deadline := time.Now().Add(echoDeadline)

	var servers sync.WaitGroup
	acceptErr := make(chan error, 1)
	go func() {
		for i := 0; i < echoConns; i++ {
			c, err := ln.Accept()
			if err != nil {
				acceptErr <- err
				return
			}
			c.(*net.TCPConn).SetNoDelay(true)
			c.SetDeadline(deadline)
			servers.Add(1)
			go func(c net.Conn) {
				defer servers.Done()
				defer c.Close()
				var buf [echoMsg]byte
				for {
					k, err := c.Read(buf[:])
					if err != nil {
						return
					}
					if _, err := c.Write(buf[:k]); err != nil {
						return
					}
				}
			}(c)
		}
		acceptErr <- nil
	}()

	conns := make([]net.Conn, echoConns)
	for i := range conns {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			return nil, err
		}
		c.(*net.TCPConn).SetNoDelay(true)
		c.SetDeadline(deadline)
		conns[i] = c
	}
	if err := <-acceptErr; err != nil {
		return nil, err
	}

	per := n / echoConns
	ok := make([]int64, echoConns)
	errs := make([]error, echoConns)
	var ready, wg sync.WaitGroup
	start := make(chan struct{})
	ready.Add(echoConns)
	wg.Add(echoConns)
	for ci, c := range conns {
		go func(ci int, c net.Conn) {
			defer wg.Done()
			var out, in [echoMsg]byte
			ready.Done()
			<-start
			for j := int64(0); j < per; j++ {
				for k := range out {
					out[k] = byte(int64(ci) + j + int64(k))
				}
				if _, err := c.Write(out[:]); err != nil {
					errs[ci] = err
					return
				}
				if _, err := io.ReadFull(c, in[:]); err != nil {
					errs[ci] = err
					return
				}
				if !bytes.Equal(in[:], out[:]) {
					errs[ci] = fmt.Errorf("conn %d: echo %d differs", ci, j)
					return
				}
				ok[ci]++
			}
		}(ci, c)
	}
	ready.Wait()
	notePeak()
	t1 := time.Now()
	close(start)
	wg.Wait()
	el := time.Since(t1).Nanoseconds()
	for _, c := range conns {
		c.Close()
	}
	servers.Wait()
	wall := time.Since(t0).Nanoseconds()

	var res int64
	for ci := range conns {
		if errs[ci] != nil {
			return nil, errs[ci]
		}
		res += ok[ci]
	}
	if res != n {
		return nil, fmt.Errorf("result %d, want %d", res, n)
	}
	return &outcome{wallNs: wall, timedNs: el, result: res, extra: []kv{
		{"rt_per_sec", round3(float64(n) / (float64(el) / 1e9))},
	}}, nil
}
