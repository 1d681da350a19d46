package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/testenv"
)

// countFds is the number of open fds of the process.
func countFds(t testing.TB) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot count fds: %v", err)
	}
	return len(ents)
}

// baseline is what a flood must leave as it found: the process's fds,
// goroutines and heap, taken with the server running.
type baseline struct {
	fds, goroutines int
	heap            uint64
}

func takeBaseline(t testing.TB, s *server) baseline {
	waitUntil(t, "no clients before the baseline", func() bool { return loopNumClients(t, s) == 0 })
	// The runtime's poller fds exist from the first dial on.
	if c, err := net.Dial("tcp", "127.0.0.1:1"); err == nil {
		c.Close()
	}
	return baseline{fds: countFds(t), goroutines: runtime.NumGoroutine(), heap: heapInUse()}
}

// check waits for the server to have no clients, then for the fds and
// goroutines to be back to the baseline, and checks the heap is within
// 32 MiB of it.
func (b baseline) check(t testing.TB, s *server) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for loopNumClients(t, s) != 0 {
		if time.Now().After(deadline) {
			onLoopT(t, s, func() {
				for _, c := range s.rs.Clients() {
					if c != nil {
						t.Logf("left: fd %d addr %s flags %#x omem %d qbuf %d", c.FD(), c.Addr, c.Flags, c.PendingOutput(), c.QueryLen())
					}
				}
			})
			t.Fatal("the server did not free every client within 20 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	deadline = time.Now().Add(20 * time.Second)
	for countFds(t) != b.fds {
		if time.Now().After(deadline) {
			ents, _ := os.ReadDir("/proc/self/fd")
			for _, e := range ents {
				l, _ := os.Readlink("/proc/self/fd/" + e.Name())
				t.Logf("fd %s -> %s", e.Name(), l)
			}
			t.Fatalf("%d fds open, %d before: a leak", countFds(t), b.fds)
		}
		time.Sleep(10 * time.Millisecond)
	}
	waitUntil(t, fmt.Sprintf("%d goroutines, as before", b.goroutines), func() bool { return runtime.NumGoroutine() <= b.goroutines })
	heap := heapInUse()
	t.Logf("heap %d at the start, %d at the end", b.heap, heap)
	if int64(heap)-int64(b.heap) > 32<<20 {
		t.Errorf("heap %d bytes above where it started", int64(heap)-int64(b.heap))
	}
}

// parallel runs f(i) for i in [0, n) on 16 goroutines (not one per
// connection: the race detector allows 8128 goroutines).
func parallel(n int, f func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				f(i)
			}
		}()
	}
	wg.Wait()
}

// Input: 10,000 clients connected at once (1,000 with -short), each
// running SET, INCR and GET on its own key. The clients live in a child
// process (this test binary, TestFloodClientsHelper), so that the
// server's process has 10,000 fds and the 20,000 of both ends fit the
// RLIMIT_NOFILE of either.
// Expected: every reply right (the child checks them); NumClients
// 10,000; a well-behaved client served while they are connected; when
// the child exits the server frees them all, and its process's fds,
// goroutines and heap return to where they were.
func TestFlood10kConcurrentConnections(t *testing.T) {
	clients := 10000
	if testing.Short() {
		clients = 1000
	}
	testenv.RaiseNofile(t, uint64(clients+300))
	s := newTestServer(t, func(c *config) { c.maxclients = clients + 100 })
	addr := startServer(t, s)
	base := takeBaseline(t, s)

	child := exec.Command(os.Args[0], "-test.run=^TestFloodClientsHelper$", "-test.v")
	child.Env = append(os.Environ(), fmt.Sprintf("GOAE_FLOOD_CLIENTS=%s,%d", addr, clients))
	stdin, err := child.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out := &testenv.SyncBuffer{}
	child.Stdout, child.Stderr = out, out
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- child.Wait() }()
	t.Cleanup(func() { child.Process.Kill() })
	deadline := time.After(120 * time.Second)
	for !strings.Contains(out.String(), "flood clients ready") {
		select {
		case err := <-exited:
			t.Fatalf("the client process exited: %v\n%s", err, out.String())
		case <-deadline:
			t.Fatalf("the client process was not ready in 120 s\n%s", out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	if n := loopNumClients(t, s); n != clients {
		t.Fatalf("NumClients = %d with %d connected", n, clients)
	}
	expectServed(t, addr)
	stdin.Close() // the child closes its connections and exits
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("the client process: %v\n%s", err, out.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the client process did not exit in 60 s")
	}
	base.check(t, s)
	expectServed(t, addr)
	base.check(t, s)
}

// TestFloodClientsHelper is the client process of
// TestFlood10kConcurrentConnections; it skips unless run as one.
func TestFloodClientsHelper(t *testing.T) {
	env := os.Getenv("GOAE_FLOOD_CLIENTS")
	if env == "" {
		t.Skip("only as TestFlood10kConcurrentConnections's child process")
	}
	addr, nstr, _ := strings.Cut(env, ",")
	clients, _ := strconv.Atoi(nstr)
	testenv.RaiseNofile(t, uint64(clients+100))
	conns := make([]*rawConn, clients)
	parallel(clients, func(i int) {
		c, err := net.DialTimeout("tcp", addr, 20*time.Second)
		if err != nil {
			t.Errorf("dial %d: %v", i, err)
			return
		}
		conns[i] = &rawConn{t: t, conn: c}
	})
	if t.Failed() {
		return
	}
	parallel(clients, func(i int) {
		conns[i].send(fmt.Sprintf("SET flood:%d %d\r\nINCR flood:%d\r\nGET flood:%d\r\n", i, i, i, i))
	})
	var bad atomic.Int64
	parallel(clients, func(i int) {
		c := conns[i]
		want := fmt.Sprintf("+OK\r\n:%d\r\n%s", i+1, resp.AppendBulkString(nil, fmt.Sprint(i+1)))
		if got := c.reply() + c.reply() + c.reply(); got != want && bad.Add(1) < 5 {
			t.Errorf("client %d: %q, want %q", i, got, want)
		}
	})
	if t.Failed() {
		return
	}
	fmt.Println("flood clients ready")
	io.Copy(io.Discard, os.Stdin)
	for _, c := range conns {
		c.conn.Close()
	}
}

// Input: 10,000 connections opened and closed at once by 16 goroutines
// (1,000 with -short); a third close at once, a third after sending a
// PING they do not read, a third with SO_LINGER 0 (reset).
// Expected: the server accepts and frees each (total connections counted
// 10,000), fds, goroutines and heap return to where they were, and a
// well-behaved client is served.
func TestFloodConnectCloseBurst(t *testing.T) {
	n := 10000
	if testing.Short() {
		n = 1000
	}
	s := newTestServer(t)
	addr := startServer(t, s)
	base := takeBaseline(t, s)
	var conns0 int64
	onLoopT(t, s, func() { conns0 = s.rs.Stats.Connections })
	parallel(n, func(i int) {
		c, err := net.DialTimeout("tcp", addr, 10*time.Second)
		if err != nil {
			t.Errorf("dial %d: %v", i, err)
			return
		}
		switch i % 3 {
		case 1:
			c.Write([]byte("PING\r\n"))
		case 2:
			c.(*net.TCPConn).SetLinger(0)
		}
		c.Close()
	})
	waitUntil(t, "every connection accepted", func() bool {
		var got int64
		onLoopT(t, s, func() { got = s.rs.Stats.Connections - conns0 })
		return got == int64(n)
	})
	base.check(t, s)
	expectServed(t, addr)
}

// Input: 40 clients that vanish mid-command (half of a SET with a 100 KB
// value sent, then close or reset) and 40 that vanish mid-reply (they
// pipeline 4 GETs of a 1 MiB value with a small receive buffer, read
// 64 KiB, then close or reset), while a well-behaved client works. (With
// 20 GETs each, 800 MiB of replies at once, the machine's memory pressure
// under -race and other work stalled everything past the 10 s deadlines;
// 4 MiB per client is still far more than the sockets hold.)
// Expected: the well-behaved client's replies all right; the server frees
// every vanished client; fds, goroutines and heap return to where they
// were.
func TestFloodDisconnectMidCommandAndMidReply(t *testing.T) {
	s := newTestServer(t)
	addr := startServer(t, s)
	good := dialRaw(t, addr)
	val := make([]byte, 1<<20)
	for i := range val {
		val[i] = 'a' + byte(i%26)
	}
	if got := good.do("SET", "big", string(val)); got != resp.OK {
		t.Fatal(got)
	}
	good.conn.Close()
	base := takeBaseline(t, s)
	good = dialRaw(t, addr)

	stop := make(chan struct{})
	goodDone := make(chan struct{})
	go func() {
		defer close(goodDone)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			key := fmt.Sprintf("good:%d", i)
			good.send(fmt.Sprintf("SET %s %d\r\nGET %s\r\n", key, i, key))
			if got := good.reply() + good.reply(); got != fmt.Sprintf("+OK\r\n%s", resp.AppendBulkString(nil, fmt.Sprint(i))) {
				t.Errorf("good client: %q", got)
				return
			}
		}
	}()
	parallel(40, func(i int) {
		c, err := net.DialTimeout("tcp", addr, 10*time.Second)
		if err != nil {
			t.Errorf("dial: %v", err)
			return
		}
		c.Write([]byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\n"))
		c.Write(make([]byte, 50000))
		time.Sleep(10 * time.Millisecond)
		if i%2 == 0 {
			c.(*net.TCPConn).SetLinger(0)
		}
		c.Close()
	})
	parallel(40, func(i int) {
		c := slowReader(t, addr, "big", 4)
		buf := make([]byte, 64<<10)
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		for got := 0; got < len(buf); {
			n, err := c.Read(buf[got:])
			if err != nil {
				t.Errorf("mid-reply client %d: %v", i, err)
				break
			}
			got += n
		}
		if i%2 == 0 {
			c.(*net.TCPConn).SetLinger(0)
		}
		c.Close()
	})
	close(stop)
	<-goodDone
	good.conn.Close()
	probe := dialRaw(t, addr)
	if got := probe.do("EXISTS", "k"); got != ":0\r\n" {
		t.Errorf("a SET cut mid-command ran: EXISTS k = %q", got)
	}
	probe.conn.Close()
	base.check(t, s)
	expectServed(t, addr)
}
