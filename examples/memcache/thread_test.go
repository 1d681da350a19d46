package main

import (
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/internal/testenv"
)

// onLoop runs f on worker t's loop and waits for it: how a test reads what
// belongs to a worker.
func onLoop(t *testing.T, th *thread, f func()) {
	t.Helper()
	done := make(chan struct{})
	if err := th.el.Post(func(*ae.EventLoop) { f(); close(done) }); err != nil {
		t.Fatal(err)
	}
	<-done
}

// TestThreads runs 8 clients at once against servers of 1, 2 and 4
// workers. Tried: each client sets, reads back and increments keys of its
// own, and increments one shared counter, 200 times. Expected: every
// reply right, the shared counter at 8 x 200, `stats` saying threads N,
// and the 8 connections spread round robin, 8/N on each worker.
func TestThreads(t *testing.T) {
	for _, n := range []int{1, 2, 4} {
		t.Run(fmt.Sprintf("threads=%d", n), func(t *testing.T) {
			s := startServer(t, func(c *config) { c.threads = n })
			const clients, rounds = 8, 200
			conns := make([]net.Conn, clients)
			for i := range conns {
				conns[i] = dial(t, s.Addr())
				roundTrip(t, conns[i], "version\r\n", "\r\n")
			}
			roundTrip(t, conns[0], "set shared 0 0 1\r\n0\r\n", "STORED\r\n")
			var wg sync.WaitGroup
			errs := make(chan error, clients)
			for i, c := range conns {
				wg.Add(1)
				go func() {
					defer wg.Done()
					buf := make([]byte, 4096)
					ask := func(req, want string) error {
						if _, err := io.WriteString(c, req); err != nil {
							return err
						}
						c.SetReadDeadline(time.Now().Add(5 * time.Second))
						got := ""
						for len(got) < len(want) {
							k, err := c.Read(buf)
							if err != nil {
								return err
							}
							got += string(buf[:k])
						}
						if got != want {
							return fmt.Errorf("%q: got %q, want %q", req, got, want)
						}
						return nil
					}
					for r := 0; r < rounds; r++ {
						k := fmt.Sprintf("c%d-%d", i, r)
						v := fmt.Sprintf("%d", r)
						if err := ask(fmt.Sprintf("set %s 0 0 %d\r\n%s\r\nget %s\r\n", k, len(v), v, k),
							fmt.Sprintf("STORED\r\nVALUE %s 0 %d\r\n%s\r\nEND\r\n", k, len(v), v)); err != nil {
							errs <- err
							return
						}
						if err := ask("incr "+k+" 1\r\n", fmt.Sprintf("%d\r\n", r+1)); err != nil {
							errs <- err
							return
						}
						if _, err := io.WriteString(c, "incr shared 1 noreply\r\n"); err != nil {
							errs <- err
							return
						}
					}
					errs <- ask("mn\r\n", "MN\r\n")
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			got := roundTrip(t, conns[0], "get shared\r\n", "END\r\n")
			if want := fmt.Sprintf("VALUE shared 0 4\r\n%d\r\nEND\r\n", clients*rounds); got != want {
				t.Errorf("shared counter: got %q, want %q", got, want)
			}
			stats := roundTrip(t, conns[0], "stats\r\n", "END\r\n")
			if !strings.Contains(stats, fmt.Sprintf("STAT threads %d\r\n", n)) ||
				!strings.Contains(stats, fmt.Sprintf("STAT curr_connections %d\r\n", clients)) {
				t.Errorf("stats lacks threads %d / curr_connections %d:\n%s", n, clients, stats)
			}
			for i, th := range s.threads {
				k := 0
				th.eachConn(func(*conn) { k++ })
				if k != clients/n {
					t.Errorf("worker %d has %d connections, want %d (round robin)", i, k, clients/n)
				}
			}
		})
	}
}

// TestConnLimit: with -c 2, tried a third client while two are connected.
// Expected: it reads "ERROR Too many open connections" and EOF (as
// memcached's maxconns_fast), rejected_connections is 1, and once a client
// leaves a new one is served (clients are counted, not fds). The limit
// does not pause accepting: accepting_conns stays 1 and
// listen_disabled_num 0, as on a real memcached (subtest: -c 64, clients
// dialed until one is refused, `stats` on the first).
func TestConnLimit(t *testing.T) {
	s := startServer(t, func(c *config) { c.maxConns = 2 })
	a, b := dial(t, s.Addr()), dial(t, s.Addr())
	roundTrip(t, a, "version\r\n", "\r\n")
	roundTrip(t, b, "version\r\n", "\r\n")
	third := dial(t, s.Addr())
	out, closed := readUntil(third, "", 3*time.Second)
	if string(out) != "ERROR Too many open connections\r\n" || !closed {
		t.Fatalf("third client: got %q (closed %v)", out, closed)
	}
	checkLimitStats(t, a)
	b.Close()
	deadline := time.Now().Add(3 * time.Second)
	for s.currConns.Load() != 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	c := dial(t, s.Addr())
	roundTrip(t, c, "version\r\n", "\r\n")
	if st := roundTrip(t, c, "stats\r\n", "END\r\n"); !strings.Contains(st, "STAT rejected_connections 1\r\n") {
		t.Errorf("stats: rejected_connections is not 1:\n%s", st)
	}
	t.Run("memcached", func(t *testing.T) {
		addr := "127.0.0.1:" + strconv.Itoa(testenv.StartMemcached(t, "-c", "64", "-t", "1"))
		first := dial(t, addr)
		roundTrip(t, first, "version\r\n", "\r\n")
		refused := false
		for i := 0; i < 64 && !refused; i++ {
			c := dial(t, addr)
			out, _ := readUntil(c, "", 30*time.Millisecond)
			refused = string(out) == "ERROR Too many open connections\r\n"
		}
		if !refused {
			t.Fatalf("memcached -c 64 took 64 more clients")
		}
		checkLimitStats(t, first)
	})
}

// checkLimitStats: `stats` on c after a client was refused for the
// connection limit: accepting_conns 1, listen_disabled_num 0,
// rejected_connections at least 1.
func checkLimitStats(t *testing.T, c net.Conn) {
	t.Helper()
	st := roundTrip(t, c, "stats\r\n", "END\r\n")
	if !strings.Contains(st, "STAT accepting_conns 1\r\n") || !strings.Contains(st, "STAT listen_disabled_num 0\r\n") ||
		strings.Contains(st, "STAT rejected_connections 0\r\n") {
		t.Errorf("stats after a refusal for -c: want accepting_conns 1, listen_disabled_num 0, rejected_connections above 0:\n%s", st)
	}
}

// TestIdleConnHoldsNoBuffers: after a get and a set, tried looking at the
// conn on its worker. Expected: no read buffer, no reply buffer, no item,
// the parser released, state conn_read (waiting for readable).
func TestIdleConnHoldsNoBuffers(t *testing.T) {
	s := startServer(t, func(c *config) { c.threads = 1 })
	c := dial(t, s.Addr())
	roundTrip(t, c, "set k 0 0 2000\r\n"+strings.Repeat("v", 2000)+"\r\nget k\r\n", "END\r\n")
	onLoop(t, s.threads[0], func() {
		s.threads[0].eachConn(func(o *conn) {
			if o.rbuf != nil || o.out.buf != nil || len(o.out.vals) != 0 || o.item != nil || o.state != connRead {
				t.Errorf("idle conn: rbuf %d bytes, reply buf %d, %d values held, item %v, state %v",
					len(o.rbuf), cap(o.out.buf), len(o.out.vals), o.item != nil, o.state)
			}
		})
	})
}

// TestBackPressure: tried a client that pipelines 200 gets of a 500 KB
// value and never reads. Expected: the server stops reading it (its conn
// waits in conn_mwrite for writable, bytes_read stops growing) while a
// second client is served; then, with a 1 MB output limit, a get of three
// such values closes the client.
func TestBackPressure(t *testing.T) {
	s := startServer(t, func(c *config) { c.threads = 1 })
	good := dial(t, s.Addr())
	big := strings.Repeat("b", 500*1024)
	roundTrip(t, good, fmt.Sprintf("set big 0 0 %d\r\n%s\r\n", len(big), big), "STORED\r\n")
	slow := dial(t, s.Addr())
	slow.(*net.TCPConn).SetReadBuffer(4096)
	go io.WriteString(slow, strings.Repeat("get big\r\n", 200))
	var before, after string
	time.Sleep(300 * time.Millisecond)
	before = statLine(t, good, "bytes_read")
	time.Sleep(300 * time.Millisecond)
	after = statLine(t, good, "bytes_read")
	// Only the good client's own "stats\r\n" (7 bytes) may come in between.
	if b, a := atoi(before), atoi(after); b == 0 || a-b > 7 {
		t.Errorf("bytes_read went from %s to %s while the slow reader was not reading", before, after)
	}
	roundTrip(t, good, "get nokey\r\n", "END\r\n")
	onLoop(t, s.threads[0], func() {
		s.threads[0].eachConn(func(o *conn) {
			if o.out.held > 0 && o.state != connMwrite {
				t.Errorf("the slow reader's conn is in %v, want conn_mwrite", o.state)
			}
			if o.out.held > reqsPerEvent*len(big)+len(big) {
				t.Errorf("the slow reader's queue holds %d bytes of values, more than %d requests' worth", o.out.held, reqsPerEvent)
			}
		})
	})

	s2 := startServer(t, func(c *config) { c.threads = 1; c.outputLimit = 1 << 20 })
	c := dial(t, s2.Addr())
	roundTrip(t, c, fmt.Sprintf("set big 0 0 %d\r\n%s\r\n", len(big), big), "STORED\r\n")
	c.(*net.TCPConn).SetReadBuffer(4096)
	io.WriteString(c, "get big big big\r\nget big\r\n")
	time.Sleep(200 * time.Millisecond)
	out, closed := readUntil(c, "", 3*time.Second)
	if !closed || len(out) >= 4*len(big) {
		t.Errorf("over the output limit: read %d bytes, closed %v; want a close before the second get's reply", len(out), closed)
	}
}

// statLine returns the value of one `stats` line.
func statLine(t *testing.T, c net.Conn, name string) string {
	t.Helper()
	for _, l := range strings.Split(roundTrip(t, c, "stats\r\n", "END\r\n"), "\r\n") {
		if v, ok := strings.CutPrefix(l, "STAT "+name+" "); ok {
			return v
		}
	}
	return ""
}
