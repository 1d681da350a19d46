package main

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goae/goae/ae"
)

// BenchmarkEcho compares the example's server, one ae loop on one
// goroutine, with what a Go programmer writes instead: net.Listen and a
// goroutine per connection copying what it reads back to the client.
//
// Each op is one 1 KiB message written by a client and read back in full;
// b.N messages are shared among the clients, each doing request/response
// on its own connection from its own goroutine. Connecting the clients
// and starting and stopping the server are outside the timed region.
// Clients and server share the machine: on a 2-core box the figures
// compare the servers under equal client load, not their peak.
//
//	go test -run '^$' -bench Echo -benchmem ./examples/echo
//	bench/echo.sh   # medians of -count 5 and the ratio
func BenchmarkEcho(b *testing.B) {
	for _, clients := range []int{50, 1000} {
		for _, srv := range []struct {
			name  string
			start func(b *testing.B) (addr string, stop func())
		}{
			{"ae", startAEEcho},
			{"net", startNetEcho},
		} {
			b.Run(srv.name+"/clients="+strconv.Itoa(clients), func(b *testing.B) {
				addr, stop := srv.start(b)
				defer stop()
				runEchoClients(b, addr, clients)
			})
		}
	}
}

// startAEEcho runs the example's server on its own goroutine.
func startAEEcho(b *testing.B) (string, func()) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := newServer(config{port: 0, bind: "127.0.0.1", maxClients: 10000, log: log})
	if err != nil {
		b.Fatal(err)
	}
	ip, port := s.addr()
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.serve()
	}()
	return net.JoinHostPort(ip, strconv.Itoa(port)), func() {
		s.el.Post(func(el *ae.EventLoop) { el.Stop() })
		<-done
	}
}

// startNetEcho runs the plain Go echo server: one goroutine per
// connection reading into a 32 KiB buffer (io.Copy's size) and writing
// back what it read.
func startNetEcho(b *testing.B) (string, func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns = map[net.Conn]struct{}{}
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return // listener closed
			}
			mu.Lock()
			conns[c] = struct{}{}
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				buf := make([]byte, 32<<10)
				for {
					n, err := c.Read(buf)
					if n > 0 {
						if _, werr := c.Write(buf[:n]); werr != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String(), func() {
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	}
}

// runEchoClients connects clients to addr, then times b.N 1 KiB
// request/response exchanges spread over them.
func runEchoClients(b *testing.B, addr string, clients int) {
	b.ReportAllocs()
	conns := make([]net.Conn, clients)
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	for i := range conns {
		c, err := net.DialTimeout("tcp", addr, 30*time.Second)
		if err != nil {
			b.Fatalf("dial client %d: %v", i, err)
		}
		conns[i] = c
	}
	msg := make([]byte, 1024)
	for i := range msg {
		msg[i] = byte('a' + i%26)
	}
	// Every client gets one exchange first: connections are accepted and
	// registered before the clock starts.
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			exchange(b, c, msg, make([]byte, len(msg)))
		}()
	}
	wg.Wait()

	var left atomic.Int64
	left.Store(int64(b.N))
	start := make(chan struct{})
	var ready sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		ready.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, len(msg))
			ready.Done()
			<-start
			for left.Add(-1) >= 0 {
				if !exchange(b, c, msg, buf) {
					return
				}
			}
		}()
	}
	ready.Wait() // the goroutines' allocations are not counted
	b.ResetTimer()
	t0 := time.Now()
	close(start)
	wg.Wait()
	elapsed := time.Since(t0)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
}

// exchange writes msg and reads it back into buf.
func exchange(b *testing.B, c net.Conn, msg, buf []byte) bool {
	if _, err := c.Write(msg); err != nil {
		b.Error(err)
		return false
	}
	if _, err := io.ReadFull(c, buf); err != nil {
		b.Error(err)
		return false
	}
	if !bytes.Equal(buf, msg) {
		b.Error("echo differs from the message")
		return false
	}
	return true
}
