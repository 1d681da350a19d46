package main

// These tests run the echo server in-process on its own goroutine, over
// loopback, with real sockets. They assert outcomes (bytes echoed, clients
// freed, counters of the slow paths), never speed: timeouts are safety
// nets only, far above what a loaded machine needs.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/anet"
	"github.com/goae/goae/internal/testenv"
	"golang.org/x/sys/unix"
)

// safety bounds every wait and every socket operation. It is a net for a
// hung test, not a performance budget: nothing here should come close.
const safety = 60 * time.Second

// tWriter sends the server's log lines to the test log.
type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// testServer is a server running Main on its own goroutine.
type testServer struct {
	*server
	address string // "127.0.0.1:port"
	done    chan struct{}
	once    sync.Once
}

// startServer starts an echo server on a free loopback port. It is stopped,
// and serve has returned, when the test ends (or when stop is called).
func startServer(t testing.TB, maxClients int) *testServer {
	t.Helper()
	if maxClients == 0 {
		maxClients = 10000
	}
	log := slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s, err := newServer(config{port: 0, bind: "127.0.0.1", maxClients: maxClients, log: log})
	if err != nil {
		t.Fatal(err)
	}
	ip, port := s.addr()
	ts := &testServer{server: s, address: net.JoinHostPort(ip, strconv.Itoa(port)), done: make(chan struct{})}
	go func() {
		defer close(ts.done)
		s.serve()
	}()
	t.Cleanup(func() { ts.stop(t) })
	return ts
}

// stop stops the loop from this goroutine, as main does on SIGTERM, and
// waits for serve to return.
func (ts *testServer) stop(t testing.TB) {
	ts.once.Do(func() {
		if err := ts.el.Post(func(el *ae.EventLoop) { el.Stop() }); err != nil {
			t.Errorf("posting Stop: %v", err)
		}
		select {
		case <-ts.done:
		case <-time.After(safety):
			t.Errorf("serve did not return %v after Stop", safety)
		}
	})
}

// onLoop runs f on the loop's goroutine and returns its result: the one
// race-free way to look at the server's state while it runs.
func onLoop[T any](t testing.TB, ts *testServer, f func() T) T {
	t.Helper()
	ch := make(chan T, 1)
	if err := ts.el.Post(func(*ae.EventLoop) { ch <- f() }); err != nil {
		t.Fatalf("Post: %v", err)
	}
	select {
	case v := <-ch:
		return v
	case <-time.After(safety):
		t.Fatalf("the loop did not run a posted function within %v", safety)
	}
	panic("unreachable")
}

func (ts *testServer) nconns(t testing.TB) int {
	t.Helper()
	return onLoop(t, ts, func() int { return ts.server.nconns })
}

// waitFor polls cond until it holds, failing the test after safety.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(safety)
	for d := time.Millisecond; !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", safety, what)
		}
		time.Sleep(d)
		if d < 20*time.Millisecond {
			d *= 2
		}
	}
}

func waitConns(t testing.TB, ts *testServer, want int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("server nconns == %d", want), func() bool { return ts.nconns(t) == want })
}

// dial connects a client, closed at the end of the test, with a safety
// deadline on all its I/O.
func dial(t testing.TB, ts *testServer) *net.TCPConn {
	t.Helper()
	return dialWith(t, ts, &net.Dialer{Timeout: safety})
}

// dialSmallRcvbuf connects a client whose receive buffer is set to
// 64 KiB before connecting, which turns off the kernel's autotuning of it:
// the kernel then holds little of the echo for a client that does not
// read.
func dialSmallRcvbuf(t testing.TB, ts *testServer) *net.TCPConn {
	t.Helper()
	d := &net.Dialer{Timeout: safety, Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		if err := rc.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, 64<<10)
		}); err != nil {
			return err
		}
		return serr
	}}
	return dialWith(t, ts, d)
}

func dialWith(t testing.TB, ts *testServer, d *net.Dialer) *net.TCPConn {
	t.Helper()
	c, err := d.Dial("tcp", ts.address)
	if err != nil {
		t.Fatalf("dial %s: %v", ts.address, err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(safety))
	return c.(*net.TCPConn)
}

func localPort(c net.Conn) int { return c.LocalAddr().(*net.TCPAddr).Port }

// roundTrip writes msg and checks that exactly msg comes back.
func roundTrip(t testing.TB, c net.Conn, msg []byte) {
	t.Helper()
	if _, err := c.Write(msg); err != nil {
		t.Fatalf("write: %v", err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("reading the echo of %d bytes: %v", len(msg), err)
	}
	if !bytes.Equal(got, msg) {
		t.Fatalf("echo differs from what was sent (%d bytes)", len(msg))
	}
}

// randomBytes returns n pseudo-random bytes, the same for the same seed.
func randomBytes(n int, seed int64) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(seed)).Read(b)
	return b
}

// readStream reads len(want) bytes from c and compares them with want as
// they arrive. It returns a description of the first problem, or "".
func readStream(c net.Conn, want []byte) string {
	buf := make([]byte, 64<<10)
	for off := 0; off < len(want); {
		n, err := c.Read(buf[:min(len(buf), len(want)-off)])
		if n > 0 && !bytes.Equal(buf[:n], want[off:off+n]) {
			i := 0
			for buf[i] == want[off+i] {
				i++
			}
			return fmt.Sprintf("byte %d of the echo differs: got %#x, want %#x", off+i, buf[i], want[off+i])
		}
		off += n
		if err != nil {
			return fmt.Sprintf("read failed after %d of %d bytes: %v", off, len(want), err)
		}
	}
	return ""
}

// writeStream writes data in chunks of chunk bytes.
func writeStream(c net.Conn, data []byte, chunk int) error {
	for off := 0; off < len(data); off += chunk {
		if _, err := c.Write(data[off:min(off+chunk, len(data))]); err != nil {
			return fmt.Errorf("write at %d of %d: %w", off, len(data), err)
		}
	}
	return nil
}

// countFds returns the number of open fds of this process.
func countFds(t testing.TB) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot count fds: %v", err)
	}
	return len(ents) // the directory's own fd is counted every time alike
}

// shrinkSndbufs sets SO_SNDBUF to 64 KiB on the sockets of the clients
// the server holds now. That turns off the kernel's autotuning of them (up
// to 4 MiB on loopback), so that output a client does not read soon waits
// in the server's own buffer rather than in the kernel. Shrinking a send
// buffer is safe on a connected socket (shrinking a receive buffer is
// not: data already allowed by the window would be dropped).
func (ts *testServer) shrinkSndbufs(t testing.TB) {
	t.Helper()
	if err := onLoop(t, ts, func() error {
		for _, c := range ts.conns {
			if c != nil && c.fd >= 0 {
				if err := unix.SetsockoptInt(c.fd, unix.SOL_SOCKET, unix.SO_SNDBUF, 64<<10); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		t.Fatalf("shrinking the server's send buffers: %v", err)
	}
}

// connState is what the server holds for one client.
type connState struct {
	found, paused, writing bool
	unsent, length, cap    int
}

// stateOfPeer returns the server's state of the client whose local port
// is port.
func (ts *testServer) stateOfPeer(t testing.TB, port int) connState {
	t.Helper()
	return onLoop(t, ts, func() connState {
		for _, c := range ts.conns {
			if c == nil || c.fd < 0 {
				continue
			}
			if _, p, err := anet.FdToString(c.fd, anet.PeerName); err == nil && p == port {
				writing := ts.el.GetFileEvents(c.fd)&ae.Writable != 0
				return connState{true, c.paused, writing, c.unsent(), c.unsent(), c.cn.OutputMemory()}
			}
		}
		return connState{}
	})
}

// TestManyClientsLargePipelinedStreams tries 50 clients at once, each
// writing its own 4 MiB pseudo-random stream in 256 KiB writes from one
// goroutine while another goroutine reads the echo. The streams are far
// larger than the socket buffers (the clients' receive buffers and the
// server's send buffers are set to 64 KiB); the readers of the odd
// clients start only once the server has paused some client's reads, so
// output piles up in the server for certain.
// Expected: every client gets back exactly its own stream, byte for byte;
// the server went through the slow paths (a short write that installed
// the writable handler, reads paused past 1 MiB of unsent output) at
// least once each; once the clients close, the server frees them all.
func TestManyClientsLargePipelinedStreams(t *testing.T) {
	const (
		clients   = 50
		streamLen = 4 << 20
		chunk     = 256 << 10
		stride    = 4099 // offset between two clients' streams in pool
	)
	ts := startServer(t, 0)
	pool := randomBytes(streamLen+clients*stride, 1)

	conns := make([]*net.TCPConn, clients)
	for i := range conns {
		conns[i] = dialSmallRcvbuf(t, ts)
	}
	// Shrink the server's send buffers too, whatever the machine's
	// tcp_wmem: the kernel then holds a few hundred KiB of each echo, and
	// the rest of the echo of a client that does not read waits in the
	// server's own buffer. Having read the 4 MiB of such a client, the
	// server must have paused reading from it on the way.
	waitConns(t, ts, clients)
	ts.shrinkSndbufs(t)
	var wg sync.WaitGroup
	for i, c := range conns {
		want := pool[i*stride : i*stride+streamLen] // distinct per client
		wg.Add(2)
		go func() {
			defer wg.Done()
			if err := writeStream(c, want, chunk); err != nil {
				t.Errorf("client %d: %v", i, err)
			}
		}()
		go func() {
			defer wg.Done()
			if i%2 == 1 {
				// Hold off until the server pauses some client, which
				// it must do: it keeps reading this client's stream
				// and cannot send it.
				deadline := time.Now().Add(safety)
				for ts.stats.readPauses.Load() == 0 && time.Now().Before(deadline) {
					time.Sleep(time.Millisecond)
				}
			}
			if msg := readStream(c, want); msg != "" {
				t.Errorf("client %d: %s", i, msg)
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	if n := onLoop(t, ts, func() int64 { return ts.q.WritableInstalls }); n == 0 {
		t.Errorf("the writable handler was never installed: no short write happened")
	} else {
		t.Logf("writable handler installed %d times", n)
	}
	if n := ts.stats.readPauses.Load(); n == 0 {
		t.Errorf("reads were never paused for back-pressure")
	} else {
		t.Logf("reads paused %d times", n)
	}
	if n := ts.nconns(t); n != clients {
		t.Errorf("nconns = %d with %d clients connected", n, clients)
	}
	for _, c := range conns {
		c.Close()
	}
	waitConns(t, ts, 0)
}

// TestSlowReaderIsPausedAndBounded tries a client that writes 256 KiB
// chunks without end and never reads, next to a well-behaved client.
// Expected: the server stops reading from the slow client (its writes
// then block until they time out on the client's side), holds no more
// than 1 MiB plus one read of output for it however much it tried to
// write, serves the other client normally meanwhile, and frees the slow
// client once it closes.
func TestSlowReaderIsPausedAndBounded(t *testing.T) {
	ts := startServer(t, 0)
	slow := dial(t, ts)
	good := dial(t, ts)
	roundTrip(t, good, []byte("hello")) // both are accepted now

	var (
		written  atomic.Int64
		timeouts atomic.Int64
		stop     = make(chan struct{})
		stopped  = make(chan struct{})
	)
	go func() {
		defer close(stopped)
		chunk := randomBytes(256<<10, 2)
		for {
			select {
			case <-stop:
				return
			default:
			}
			slow.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
			n, err := slow.Write(chunk)
			written.Add(int64(n))
			if errors.Is(err, os.ErrDeadlineExceeded) {
				timeouts.Add(1)
			} else if err != nil {
				t.Errorf("slow client write: %v", err)
				return
			}
		}
	}()
	stopWriter := sync.OnceFunc(func() { close(stop); <-stopped })
	t.Cleanup(stopWriter)

	port := localPort(slow)
	waitFor(t, "the server to pause reading from the slow client", func() bool {
		return ts.stateOfPeer(t, port).paused
	})
	// Once paused, the client's writes must block for good: wait for two
	// more client-side timeouts.
	t0 := timeouts.Load()
	waitFor(t, "the slow client's writes to time out", func() bool { return timeouts.Load() >= t0+2 })

	// The well-behaved client is served while the slow one is stuck.
	for i := 0; i < 100; i++ {
		roundTrip(t, good, []byte(fmt.Sprintf("message %d from the good client\n", i)))
	}
	big := randomBytes(512<<10, 3)
	bigWritten := make(chan error, 1)
	go func() { bigWritten <- writeStream(good, big, 64<<10) }()
	if msg := readStream(good, big); msg != "" {
		t.Fatalf("good client: %s", msg)
	}
	if err := <-bigWritten; err != nil {
		t.Fatalf("good client: %v", err)
	}

	st := ts.stateOfPeer(t, port)
	const limit = maxPendingOutput + len(server{}.readBuf)
	t.Logf("slow client wrote %d bytes; the server holds %d unsent (out len %d cap %d), writing=%v",
		written.Load(), st.unsent, st.length, st.cap, st.writing)
	if !st.found || !st.paused {
		t.Fatalf("slow client state %+v: want it connected and paused", st)
	}
	if st.unsent > limit {
		t.Errorf("server holds %d unsent bytes for the slow client, want <= %d", st.unsent, limit)
	}
	if st.cap > 4*limit {
		t.Errorf("output buffer capacity %d for the slow client, want it bounded (<= %d)", st.cap, 4*limit)
	}
	if !st.writing {
		t.Errorf("slow client has unsent output but no writable handler")
	}

	stopWriter()
	slow.Close()
	waitConns(t, ts, 1)
	if st := ts.stateOfPeer(t, port); st.found {
		t.Errorf("slow client still held by the server after it closed: %+v", st)
	}
	roundTrip(t, good, []byte("still here"))
}

// TestThousandsOfConnections tries 3000 clients connected at once, each
// sending a small distinct message. Expected: the server holds all 3000,
// every client gets its own message back, and after they all close the
// server's nconns returns to 0 and its fds are all closed: the process
// has as many fds as before the clients came, and as before the server
// started once it is stopped.
func TestThousandsOfConnections(t *testing.T) {
	const clients = 3000
	testenv.RaiseNofile(t, 2*clients+100)

	warm, err := net.Listen("tcp", "127.0.0.1:0") // the runtime's poller fds exist from here on
	if err != nil {
		t.Fatal(err)
	}
	warm.Close()
	fdsBefore := countFds(t)
	ts := startServer(t, 0)
	fdsServing := countFds(t)

	conns := make([]net.Conn, clients)
	var wg sync.WaitGroup
	var next atomic.Int64
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < clients; i = int(next.Add(1)) - 1 {
				c, err := net.DialTimeout("tcp", ts.address, safety)
				if err != nil {
					t.Errorf("dial %d: %v", i, err)
					return
				}
				c.SetDeadline(time.Now().Add(safety))
				conns[i] = c
			}
		}()
	}
	wg.Wait()
	t.Cleanup(func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	})
	if t.Failed() {
		return
	}
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			msg := []byte(fmt.Sprintf("client %d of %d says hello\n", i, clients))
			if _, err := c.Write(msg); err != nil {
				t.Errorf("client %d: write: %v", i, err)
				return
			}
			if msg2 := readStream(c, msg); msg2 != "" {
				t.Errorf("client %d: %s", i, msg2)
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	if n := ts.nconns(t); n != clients {
		t.Fatalf("nconns = %d with %d clients connected", n, clients)
	}
	for _, c := range conns {
		c.Close()
	}
	waitConns(t, ts, 0)
	// Client fds are closed at once; the server's as it reads each EOF,
	// which nconns == 0 says is done. Poll anyway: the count is of the
	// whole process.
	waitFor(t, fmt.Sprintf("%d fds open, as before the clients", fdsServing), func() bool { return countFds(t) == fdsServing })
	ts.stop(t)
	waitFor(t, fmt.Sprintf("%d fds open, as before the server", fdsBefore), func() bool { return countFds(t) == fdsBefore })
}

// TestVanishingClients tries 24 clients that vanish while the server
// holds output for them (each writes and does not read until the server
// has unsent echo for it in its own buffer; their receive buffers and the
// server's send buffers are small so that it does): 8 close (their unread
// data makes the kernel send RST), 8 close after SO_LINGER 0 (RST for
// certain), 4 shut down their write side (the server reads EOF with
// output unsent) and then close, 4 read part of their echo and close
// mid-stream. Meanwhile 4 well-behaved clients stream 1 MiB each, half
// before and half after the others vanish.
// Expected: the well-behaved clients get their streams back intact, and
// the server frees every vanished client (nconns falls to the 4 that
// remain, then to 0 when they close).
func TestVanishingClients(t *testing.T) {
	const (
		good      = 4
		vanishing = 24
		goodLen   = 1 << 20
	)
	ts := startServer(t, 0)
	pool := randomBytes(2<<20+64<<10, 4)

	vs := make([]*net.TCPConn, vanishing)
	for i := range vs {
		vs[i] = dialSmallRcvbuf(t, ts)
	}
	waitConns(t, ts, vanishing)
	ts.shrinkSndbufs(t)

	goods := make([]*net.TCPConn, good)
	for i := range goods {
		goods[i] = dial(t, ts)
	}
	vanished := make(chan struct{})
	var goodWG sync.WaitGroup
	for i, c := range goods {
		want := pool[i*1000 : i*1000+goodLen]
		goodWG.Add(2)
		go func() {
			defer goodWG.Done()
			if err := writeStream(c, want[:goodLen/2], 32<<10); err != nil {
				t.Errorf("good client %d: %v", i, err)
				return
			}
			<-vanished // the rest after the others are gone
			if err := writeStream(c, want[goodLen/2:], 32<<10); err != nil {
				t.Errorf("good client %d: %v", i, err)
			}
		}()
		go func() {
			defer goodWG.Done()
			if msg := readStream(c, want); msg != "" {
				t.Errorf("good client %d: %s", i, msg)
			}
		}()
	}
	letGoodsFinish := sync.OnceFunc(func() { close(vanished) })
	t.Cleanup(func() { // if the test fails half-way
		letGoodsFinish()
		for _, c := range goods {
			c.Close()
		}
		goodWG.Wait()
	})

	// Each vanishing client writes (2 MiB, or 1 MiB for those that will
	// read) until done or the server stops reading it.
	var wg sync.WaitGroup
	for i, c := range vs {
		data := pool[i*2000 : i*2000+2<<20]
		if i%6 == 5 {
			data = data[:1<<20]
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for off := 0; off < len(data); off += 64 << 10 {
				c.SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
				if _, err := c.Write(data[off:min(off+64<<10, len(data))]); err != nil {
					if !errors.Is(err, os.ErrDeadlineExceeded) {
						t.Errorf("vanishing client %d: write: %v", i, err)
					}
					return
				}
			}
		}()
	}
	wg.Wait()
	for i, c := range vs {
		port := localPort(c)
		waitFor(t, fmt.Sprintf("the server to hold unsent output for vanishing client %d", i), func() bool {
			return ts.stateOfPeer(t, port).unsent > 0
		})
	}
	for i, c := range vs {
		switch i % 6 {
		case 0, 2: // close with everything unread: RST
		case 1, 3: // RST for certain
			if err := c.SetLinger(0); err != nil {
				t.Fatalf("SetLinger: %v", err)
			}
		case 4: // half-close: the server reads EOF with output unsent
			if err := c.CloseWrite(); err != nil {
				t.Fatalf("CloseWrite: %v", err)
			}
		case 5: // read part of the echo, then close mid-stream
			if msg := readStream(c, pool[i*2000:i*2000+100<<10]); msg != "" {
				t.Errorf("vanishing client %d: %s", i, msg)
			}
		}
		c.Close()
	}
	waitConns(t, ts, good)
	letGoodsFinish()
	goodWG.Wait()
	if n := ts.nconns(t); n != good {
		t.Errorf("nconns = %d, want the %d well-behaved clients", n, good)
	}
	for _, c := range goods {
		c.Close()
	}
	waitConns(t, ts, 0)
}

// TestMaxClients tries a third connection to a server with maxclients 2.
// Expected: the server closes it at once (the client reads EOF), the
// first two clients still get their echoes, and once one of them leaves
// a new client is accepted.
func TestMaxClients(t *testing.T) {
	ts := startServer(t, 2)
	c1, c2 := dial(t, ts), dial(t, ts)
	roundTrip(t, c1, []byte("one"))
	roundTrip(t, c2, []byte("two")) // both accepted and registered

	c3 := dial(t, ts)
	if n, err := c3.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("third client read = %d, %v; want EOF: the server must close it", n, err)
	}
	roundTrip(t, c1, []byte("one again"))
	roundTrip(t, c2, []byte("two again"))
	if n := ts.nconns(t); n != 2 {
		t.Fatalf("nconns = %d, want 2", n)
	}

	c1.Close()
	waitConns(t, ts, 1)
	c4 := dial(t, ts)
	roundTrip(t, c4, []byte("four"))
	roundTrip(t, c2, []byte("two, third time"))
}

// TestEMFILEDoesNotSpin tries more clients than the process has fds for:
// with the loop held, 10 clients connect (they wait in the listen
// backlog); the soft RLIMIT_NOFILE is lowered and the fds under it are
// filled so that exactly 3 are free; then the loop is let go.
// Expected: the server accepts 3, gets EMFILE on the fourth and rests its
// listener, so the accept handler runs about 10 times a second (asserted:
// fewer than 50 calls in 1 s; a spinning loop makes thousands) while the
// connected clients are served; closing a client frees fds that pending
// clients then get; once the fds are back all pending clients are
// accepted and served, and new ones too.
func TestEMFILEDoesNotSpin(t *testing.T) {
	const (
		pending = 10
		free    = 3
	)
	// The default maxclients: fds held by the test process (and by
	// go test itself) raise the fds numbers the server gets above a
	// small set size.
	ts := startServer(t, 0)
	a, b := dial(t, ts), dial(t, ts)
	roundTrip(t, a, []byte("a"))
	roundTrip(t, b, []byte("b"))

	// Hold the loop so that the pending clients stay in the backlog.
	held, release := make(chan struct{}), make(chan struct{})
	releaseLoop := sync.OnceFunc(func() { close(release) })
	if err := ts.el.Post(func(*ae.EventLoop) { close(held); <-release }); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(releaseLoop) // runs before the server's stop
	<-held
	cs := make([]*net.TCPConn, pending)
	msgs := make([][]byte, pending)
	for i := range cs {
		cs[i] = dial(t, ts)
		msgs[i] = []byte(fmt.Sprintf("pending client %d\n", i))
		if _, err := cs[i].Write(msgs[i]); err != nil {
			t.Fatal(err)
		}
	}

	// Leave exactly `free` fds: lower the soft limit just above the
	// highest open fd and fill every slot under it with /dev/null.
	restore := testenv.LeaveFreeFds(t, free)

	releaseLoop()
	waitConns(t, ts, 2+free)
	calls0 := ts.ln.Calls.Load()
	time.Sleep(time.Second)
	calls := ts.ln.Calls.Load() - calls0
	t.Logf("accept handler called %d times in 1 s while out of fds", calls)
	if calls >= 50 {
		t.Errorf("accept handler called %d times in 1 s while out of fds: the loop spins on EMFILE", calls)
	}
	if n := ts.nconns(t); n != 2+free {
		t.Errorf("nconns = %d while out of fds, want %d", n, 2+free)
	}

	// Connected clients are served meanwhile, the accepted pending ones
	// included.
	roundTrip(t, a, []byte("a while out of fds"))
	roundTrip(t, b, []byte("b while out of fds"))
	accepted := map[int]bool{}
	for i, c := range cs {
		if ts.stateOfPeer(t, localPort(c)).found {
			accepted[i] = true
			if msg := readStream(c, msgs[i]); msg != "" {
				t.Errorf("pending client %d, accepted: %s", i, msg)
			}
		}
	}
	if len(accepted) != free {
		t.Errorf("%d pending clients accepted, want %d", len(accepted), free)
	}

	// Closing a client frees two fds (its own and the server's): two
	// more pending clients get in.
	a.Close()
	waitConns(t, ts, 2+free+1)

	// With the fds back, all the pending clients are accepted.
	restore()
	waitConns(t, ts, 1+pending)
	for i, c := range cs {
		if accepted[i] {
			roundTrip(t, c, []byte("again"))
		} else if msg := readStream(c, msgs[i]); msg != "" {
			t.Errorf("pending client %d: %s", i, msg)
		}
	}
	roundTrip(t, b, []byte("b at the end"))
	roundTrip(t, dial(t, ts), []byte("a new client"))
}

// TestSIGTERM builds the command, starts it with --port 0, connects a
// client and sends the process SIGTERM. Expected: it logs its port
// ("port=N") and echoes, and on SIGTERM logs "shutting down", closes the
// client (which reads EOF) and exits with status 0.
func TestSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command; skipped with -short")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("go tool not found: %v", err)
	}
	exe := filepath.Join(t.TempDir(), "echo")
	build := exec.Command(goTool, "build", "-o", exe, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	cmd := exec.Command(exe, "--port", "0", "--bind", "127.0.0.1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	t.Cleanup(func() {
		cmd.Process.Kill() // a no-op once it has exited
	})

	var logMu sync.Mutex
	var logBuf bytes.Buffer
	portc := make(chan int, 1)
	logDone := make(chan struct{})
	go func() {
		defer close(logDone)
		re := regexp.MustCompile(`\bport=(\d+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logMu.Lock()
			logBuf.WriteString(sc.Text() + "\n")
			logMu.Unlock()
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				p, _ := strconv.Atoi(m[1])
				select {
				case portc <- p:
				default:
				}
			}
		}
	}()
	logs := func() string {
		logMu.Lock()
		defer logMu.Unlock()
		return logBuf.String()
	}

	var port int
	select {
	case port = <-portc:
	case <-logDone:
		t.Fatalf("the server exited without logging its port:\n%s", logs())
	case <-time.After(safety):
		t.Fatalf("no port=N logged in %v:\n%s", safety, logs())
	}
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), safety)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(safety))
	roundTrip(t, c, []byte("ping"))

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if n, err := c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Errorf("client read after SIGTERM = %d, %v; want EOF", n, err)
	}
	select {
	case <-logDone: // stderr closed: the process is exiting
	case <-time.After(safety):
		t.Fatalf("the server did not exit %v after SIGTERM:\n%s", safety, logs())
	}
	go func() { exited <- cmd.Wait() }()
	select {
	case err = <-exited:
	case <-time.After(safety):
		t.Fatalf("the server did not exit %v after SIGTERM", safety)
	}
	if err != nil {
		t.Errorf("exit after SIGTERM: %v (want status 0)\n%s", err, logs())
	}
	if !strings.Contains(logs(), "shutting down") {
		t.Errorf("no \"shutting down\" in the log:\n%s", logs())
	}
}
