package main

// What a bad client gets: each test names the input and the expected
// outcome, and then checks that a second, well-behaved client is still
// served (expectServed). README.md's "What a bad client gets" lists them.

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/respserver"
	"github.com/goae/goae/internal/testenv"
	"golang.org/x/sys/unix"
)

// onLoopT runs f on s's loop goroutine and waits for it, failing after 20 s.
func onLoopT(t testing.TB, s *server, f func()) {
	t.Helper()
	done := make(chan struct{})
	if err := s.el.Post(func(*ae.EventLoop) { f(); close(done) }); err != nil {
		t.Fatalf("post: %v", err)
	}
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the loop did not run a posted function within 20 s")
	}
}

func loopNumClients(t testing.TB, s *server) int {
	var n int
	onLoopT(t, s, func() { n = s.rs.NumClients() })
	return n
}

// waitUntil polls cond every 10 ms for up to 20 s.
func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// expectServed is the second, well-behaved client: a fresh connection
// gets PONG and a SET/GET round trip.
func expectServed(t testing.TB, addr string) {
	t.Helper()
	r := dialRaw(t, addr)
	if got := r.do("PING"); got != resp.Pong {
		t.Fatalf("well-behaved client: PING = %q", got)
	}
	key := fmt.Sprintf("good:%d", time.Now().UnixNano())
	if got := r.do("SET", key, "v"); got != resp.OK {
		t.Fatalf("well-behaved client: SET = %q", got)
	}
	if got := r.do("GET", key); got != "$1\r\nv\r\n" {
		t.Fatalf("well-behaved client: GET = %q", got)
	}
	r.conn.Close()
}

// readToClose reads until the server closes the connection (EOF or
// reset) and returns what came before; it fails if that takes 20 s.
func readToClose(t testing.TB, conn net.Conn) string {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	var got []byte
	buf := make([]byte, 64<<10)
	for {
		n, err := conn.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			if isTimeout(err) {
				t.Fatalf("connection not closed within 20 s (got %q)", resp.Truncate(string(got), 200))
			}
			return string(got)
		}
	}
}

// readFor reads what arrives within d, without expecting a close.
func readFor(conn net.Conn, d time.Duration) (string, bool) {
	conn.SetReadDeadline(time.Now().Add(d))
	var got []byte
	buf := make([]byte, 64<<10)
	for {
		n, err := conn.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			return string(got), !isTimeout(err)
		}
	}
}

// Input: malformed RESP, each case on its own connection: a negative or
// non-numeric bulk length, a bad multibulk count, a missing '$', an
// unbalanced quote, and junk where a bulk's CRLF belongs.
// Expected: Redis 7.0's exact "-ERR Protocol error: ..." reply and the
// connection closed after it (junk after a bulk is skipped unread, as
// Redis does: the next command runs). When redis-server is installed the
// same bytes go to it and the outcomes must be identical.
func TestBadClientMalformedRESP(t *testing.T) {
	cases := []struct {
		name, input, want string
		closed            bool
	}{
		{"negative bulk length", "*1\r\n$-5\r\nPING\r\n", "-ERR Protocol error: invalid bulk length\r\n", true},
		{"non-numeric bulk length", "*2\r\n$3\r\nGET\r\n$x\r\nk\r\n", "-ERR Protocol error: invalid bulk length\r\n", true},
		{"non-numeric multibulk count", "*x\r\n", "-ERR Protocol error: invalid multibulk length\r\n", true},
		{"missing $", "*1\r\nPING\r\n", "-ERR Protocol error: expected '$', got 'P'\r\n", true},
		{"good then bad", "PING\r\n*1\r\n$4\r\nPING\r\n*1\r\n:1\r\n", "+PONG\r\n+PONG\r\n-ERR Protocol error: expected '$', got ':'\r\n", true},
		{"unbalanced quotes", "SET k \"v\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n", true},
		{"junk instead of CRLF after a bulk", "*1\r\n$4\r\nPINGxxQUIT\r\n", "+PONG\r\n+OK\r\n", true},
	}
	s := newTestServer(t)
	addr := startServer(t, s)
	outcome := func(addr, input string) (string, bool) {
		conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.Write([]byte(input))
		return readFor(conn, 2*time.Second)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, closed := outcome(addr, tc.input)
			if got != tc.want || closed != tc.closed {
				t.Fatalf("input %q: got %q closed=%v, want %q closed=%v", tc.input, got, closed, tc.want, tc.closed)
			}
			expectServed(t, addr)
		})
	}
	if _, err := exec.LookPath("redis-server"); err != nil && !testenv.InteropRequired() {
		t.Log("redis-server not installed: outcomes not compared with Redis")
		return
	}
	redis := fmt.Sprintf("127.0.0.1:%d", testenv.StartRedis(t))
	for _, tc := range cases {
		got, closed := outcome(redis, tc.input)
		if got != tc.want || closed != tc.closed {
			t.Errorf("redis-server on %q: %q closed=%v; this test expects %q closed=%v", tc.input, got, closed, tc.want, tc.closed)
		}
	}
}

// Input: requests past Redis's size limits, each on its own connection: a
// multibulk count past INT_MAX, a bulk length past proto-max-bulk-len
// (512mb by default, and 1mb with --proto-max-bulk-len 1mb), an inline
// request of 64 KiB + 1 with no newline, a "*" line of 70,000 digits.
// Expected: Redis's error text and the connection closed.
func TestBadClientOversize(t *testing.T) {
	cases := []struct {
		name, input, want string
	}{
		{"multibulk count past INT_MAX", "*2147483648\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
		{"bulk past proto-max-bulk-len", "*1\r\n$536870913\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
		{"inline past 64 KiB", strings.Repeat("a", 64<<10+1), "-ERR Protocol error: too big inline request\r\n"},
		{"mbulk count line past 64 KiB", "*" + strings.Repeat("1", 70000), "-ERR Protocol error: too big mbulk count string\r\n"},
		{"bulk count line past 64 KiB", "*1\r\n$" + strings.Repeat("1", 70000), "-ERR Protocol error: too big bulk count string\r\n"},
	}
	s := newTestServer(t)
	addr := startServer(t, s)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := dialRaw(t, addr)
			r.send(tc.input)
			if got := readToClose(t, r.conn); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			expectServed(t, addr)
		})
	}
	t.Run("--proto-max-bulk-len 1mb", func(t *testing.T) {
		cfg := defaultConfig()
		if err := cfg.setParam("proto-max-bulk-len", "1mb"); err != nil {
			t.Fatal(err)
		}
		small := startServer(t, newTestServer(t, func(c *config) { c.protoMaxBulkLen = cfg.protoMaxBulkLen }))
		r := dialRaw(t, small)
		if got := r.do("SET", "k", strings.Repeat("x", 1<<20)); got != resp.OK {
			t.Fatalf("SET of exactly 1mb: %q", got)
		}
		r.send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048577\r\n")
		if got, want := readToClose(t, r.conn), "-ERR Protocol error: invalid bulk length\r\n"; got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
		expectServed(t, small)
	})
}

// Input: --client-query-buffer-limit 1mb, and a client sending a 2 MB
// argument of a SET.
// Expected: once the query buffer passes 1 MiB the server closes the
// connection with no reply (Redis logs and frees the client); the key is
// not set; the other client is served.
func TestBadClientQueryBufferLimit(t *testing.T) {
	cfg := defaultConfig()
	if err := cfg.setParam("client-query-buffer-limit", "1mb"); err != nil || cfg.clientQueryBufferLimit != 1<<20 {
		t.Fatalf("1mb = %d, %v", cfg.clientQueryBufferLimit, err)
	}
	limit := cfg.clientQueryBufferLimit
	if err := cfg.setParam("client-query-buffer-limit", "1000kb"); err == nil {
		t.Fatal("1000kb accepted: Redis's minimum is 1mb")
	}
	s := newTestServer(t, func(c *config) { c.clientQueryBufferLimit = limit })
	addr := startServer(t, s)
	r := dialRaw(t, addr)
	go func() {
		r.conn.Write([]byte("*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$2000000\r\n"))
		r.conn.Write(make([]byte, 1500000))
	}()
	if got := readToClose(t, r.conn); got != "" {
		t.Fatalf("got %q before the close, want nothing", got)
	}
	if got := dialRaw(t, addr).do("EXISTS", "big"); got != ":0\r\n" {
		t.Fatalf("EXISTS big = %q", got)
	}
	expectServed(t, addr)
}

// heapInUse is HeapAlloc after a full GC.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// Input: a client announces a 500 MB bulk ("*3 SET k $500000000") and
// sends 10 bytes of it, then waits.
// Expected: the server holds the client, waiting for the rest, but its
// heap grows by far less than the announced size (asserted: under 32 MiB;
// the read buffer grows only as bytes arrive, by at most 1 MiB a read);
// the other client is served meanwhile.
func TestBadClientAnnouncedBulkIsNotAllocated(t *testing.T) {
	s := newTestServer(t)
	addr := startServer(t, s)
	expectServed(t, addr)
	before := heapInUse()
	r := dialRaw(t, addr)
	r.send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$500000000\r\n0123456789")
	waitUntil(t, "the server to read the 10 bytes", func() bool {
		var q int
		onLoopT(t, s, func() {
			for _, c := range s.rs.Clients() {
				if c != nil {
					q = max(q, c.QueryLen())
				}
			}
		})
		return q > 0
	})
	after := heapInUse()
	grown := int64(after) - int64(before)
	t.Logf("heap before %d, after %d: grew %d bytes for a 500 MB announcement", before, after, grown)
	if grown > 32<<20 {
		t.Fatalf("heap grew by %d bytes after a 500 MB announcement of 10 bytes", grown)
	}
	expectServed(t, addr)
	if _, closed := readFor(r.conn, 200*time.Millisecond); closed {
		t.Fatal("the announcing client was dropped: it is within the limits and must be waited for")
	}
}

// Input: --requirepass; unauthenticated clients announce 11 arguments, or
// an argument of 16385 bytes.
// Expected: Redis's "Protocol error: unauthenticated multibulk length" /
// "unauthenticated bulk length" and the close; an authenticated client
// sends both without trouble.
func TestBadClientUnauthenticatedLimits(t *testing.T) {
	s := newTestServer(t, func(c *config) { c.requirepass = "pw" })
	addr := startServer(t, s)
	for _, tc := range []struct{ input, want string }{
		{"*11\r\n", "-ERR Protocol error: unauthenticated multibulk length\r\n"},
		{"*2\r\n$4\r\nAUTH\r\n$16385\r\n", "-ERR Protocol error: unauthenticated bulk length\r\n"},
	} {
		r := dialRaw(t, addr)
		r.send(tc.input)
		if got := readToClose(t, r.conn); got != tc.want {
			t.Fatalf("input %q: got %q, want %q", tc.input, got, tc.want)
		}
	}
	good := dialRaw(t, addr)
	if got := good.do("AUTH", "pw"); got != resp.OK {
		t.Fatal(got)
	}
	args := []string{"RPUSH", "l"}
	for i := 0; i < 10; i++ {
		args = append(args, strings.Repeat("x", 20000))
	}
	if got := good.do(args...); got != ":10\r\n" {
		t.Fatalf("authenticated RPUSH with 12 args of 20000 bytes: %q", got)
	}
}

// slowReader dials with a small receive buffer and pipelines n GETs of
// key, never reading.
func slowReader(t testing.TB, addr, key string, n int) net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) { unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, 4096) })
	}}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	var req []byte
	for i := 0; i < n; i++ {
		req = resp.AppendCommand(req, "GET", key)
	}
	go conn.Write(req)
	return conn
}

// pendingOutput is the largest pending output among s's clients.
func maxPendingOutput(t testing.TB, s *server) int {
	var most int
	onLoopT(t, s, func() {
		for _, c := range s.rs.Clients() {
			if c != nil {
				most = max(most, c.PendingOutput())
			}
		}
	})
	return most
}

// Input: --client-output-buffer-limit "normal 8mb 0 0"; a 1 MiB value,
// and a client that pipelines 200 GETs of it (200 MiB of replies) and
// never reads.
// Expected: once its pending output passes 8 MiB the server schedules it
// to close (Redis's log line), stops running its pipeline, frees it (the
// client reads EOF or a reset) and gives the memory back (heap within
// 24 MiB of where it was); another client is served meanwhile and after.
func TestSlowReaderHardLimit(t *testing.T) {
	lim := defaultObufLimits()
	if err := setObuf(&lim, "normal 8mb 0 0"); err != nil {
		t.Fatal(err)
	}
	s := newTestServer(t, func(c *config) { c.clientOutputBufferLimit = lim })
	addr := startServer(t, s)
	good := dialRaw(t, addr)
	if got := good.do("SET", "big", strings.Repeat("v", 1<<20)); got != resp.OK {
		t.Fatal(got)
	}
	before := heapInUse()
	var calls0 int64 // the command table is shared by the package's servers
	onLoopT(t, s, func() { calls0 = s.lookupCommand([]byte("get")).calls })
	slow := slowReader(t, addr, "big", 200)
	closed := make(chan string, 1)
	go func() {
		slow.SetReadDeadline(time.Now().Add(30 * time.Second))
		_, err := io.Copy(io.Discard, slow)
		closed <- fmt.Sprint(err)
	}()
	waitUntil(t, "the slow reader to be closed", func() bool {
		if good.do("PING") != resp.Pong { // served throughout
			t.Fatal("good client not answered")
		}
		var n int64
		onLoopT(t, s, func() { n = s.rs.Stats.OutputBufferLimitClosed })
		return n == 1 && loopNumClients(t, s) == 1
	})
	if err := <-closed; strings.Contains(err, "timeout") {
		t.Fatalf("slow reader not disconnected: %s", err)
	}
	var calls int64
	onLoopT(t, s, func() { calls = s.lookupCommand([]byte("get")).calls - calls0 })
	if calls >= 200 {
		t.Errorf("all %d GETs ran: the pipeline of a client scheduled to close must stop", calls)
	}
	after := heapInUse()
	t.Logf("heap %d before the slow reader, %d after it was closed; %d GETs ran", before, after, calls)
	if int64(after)-int64(before) > 24<<20 {
		t.Errorf("heap grew by %d bytes: the closed client's output was not released", int64(after)-int64(before))
	}
	expectServed(t, addr)
}

// Input: --client-output-buffer-limit "normal 0 2mb 1" (no hard limit;
// soft 2 MiB for 1 s), hz 50, and a client that pipelines 10 GETs of a
// 1 MiB value and never reads.
// Expected: it is not closed as soon as it passes the soft limit, but
// once it has stayed over it for more than 1 s (checked in clientsCron):
// asserted as at least 1 s between sending the pipeline and the close.
// The other client is served throughout.
func TestSlowReaderSoftLimit(t *testing.T) {
	lim, err := parseOutputBufferLimit("normal 0 2mb 1", defaultObufLimits())
	if err != nil {
		t.Fatal(err)
	}
	s := newTestServer(t, func(c *config) { c.clientOutputBufferLimit = lim; c.hz = 50 })
	addr := startServer(t, s)
	good := dialRaw(t, addr)
	good.do("SET", "big", strings.Repeat("v", 1<<20))
	// The server first sees the output over the limit after this, so a
	// close before 1 s from here is too early.
	sent := time.Now()
	slowReader(t, addr, "big", 10)
	waitUntil(t, "the slow reader's output to pass 2 MiB", func() bool { return maxPendingOutput(t, s) > 2<<20 })
	waitUntil(t, "the slow reader to be closed", func() bool {
		if good.do("PING") != resp.Pong {
			t.Fatal("good client not answered")
		}
		return loopNumClients(t, s) == 1
	})
	if d := time.Since(sent); d < time.Second {
		t.Fatalf("closed %v after passing the soft limit, before its 1 s", d)
	}
	expectServed(t, addr)
}

// Input: --client-output-buffer-limit "normal 0 0 0" (Redis's default: no
// limit), and a client that pipelines 20 GETs of a 1 MiB value and reads
// nothing for 1.5 s.
// Expected: it is not closed; it then reads all 20 replies intact.
func TestSlowReaderNoLimit(t *testing.T) {
	lim, err := parseOutputBufferLimit("normal 0 0 0", defaultObufLimits())
	if err != nil || lim.normal != respserver.NoOutputBufferLimit {
		t.Fatalf("normal 0 0 0 = %+v, %v", lim, err)
	}
	s := newTestServer(t, func(c *config) { c.clientOutputBufferLimit = lim; c.hz = 50 })
	addr := startServer(t, s)
	good := dialRaw(t, addr)
	val := strings.Repeat("v", 1<<20)
	good.do("SET", "big", val)
	conn := slowReader(t, addr, "big", 20)
	waitUntil(t, "the output to pass 8 MiB", func() bool { return maxPendingOutput(t, s) > 8<<20 })
	time.Sleep(1500 * time.Millisecond)
	r := &rawConn{t: t, conn: conn}
	want := string(resp.AppendBulkString(nil, val))
	for i := 0; i < 20; i++ {
		if got := r.reply(); got != want {
			t.Fatalf("reply %d: %d bytes", i, len(got))
		}
	}
	expectServed(t, addr)
}

// Input: the flag's values. Expected: Redis's syntax and units; the
// default is "normal 256mb 64mb 60" (goae's) with Redis's replica and
// pubsub classes, shown as Redis's CONFIG GET shows all three; a value
// changes only the classes it names; respserver's zero Config means the
// same.
func TestOutputBufferLimitFlag(t *testing.T) {
	def := defaultObufLimits()
	if got := formatOutputBufferLimit(def); got != "normal 268435456 67108864 60 slave 268435456 67108864 60 pubsub 33554432 8388608 60" {
		t.Fatalf("default = %q", got)
	}
	with := func(f func(*obufLimits)) obufLimits { l := def; f(&l); return l }
	for _, tc := range []struct {
		in   string
		want obufLimits
	}{
		{"normal 256mb 64mb 60", def},
		{"NORMAL 1gb 1g 5", with(func(l *obufLimits) { l.normal = respserver.OutputBufferLimit{Hard: 1 << 30, Soft: 1e9, SoftSeconds: 5} })},
		{"normal 1kb 10 0 pubsub 1mb 0 0", with(func(l *obufLimits) {
			l.normal = respserver.OutputBufferLimit{Hard: 1024, Soft: 10}
			l.pubsub = respserver.OutputBufferLimit{Hard: 1 << 20, Soft: -1, SoftSeconds: -1}
		})},
		{"replica 1mb 1mb 1", with(func(l *obufLimits) {
			l.replica = respserver.OutputBufferLimit{Hard: 1 << 20, Soft: 1 << 20, SoftSeconds: 1}
		})},
		{"normal 0 0 0", with(func(l *obufLimits) { l.normal = respserver.NoOutputBufferLimit })},
	} {
		got, err := parseOutputBufferLimit(tc.in, def)
		if err != nil || got != tc.want {
			t.Errorf("%q = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"normal 1 2", "normal -1 0 0", "normal 1xb 0 0", "master 1 1 1", "normal 1 1 -1",
		"normal 1 1 1 pubsub x 1 1"} {
		if got, err := parseOutputBufferLimit(bad, def); err == nil || got != def {
			t.Errorf("%q accepted (or changed the limits)", bad)
		}
	}
	el, err := ae.New(16)
	if err != nil {
		t.Fatal(err)
	}
	defer el.Close()
	cfg := respserver.New(el, respserver.Config{}, respserver.Handler{}).Config().OutputBufferLimit
	if cfg != (respserver.OutputBufferLimit{Hard: 256 << 20, Soft: 64 << 20, SoftSeconds: 60}) {
		t.Fatalf("respserver default = %+v", cfg)
	}
}

// cpuSelf is the process's user+system CPU time.
func cpuSelf(t testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Input: more clients than fds. With the loop held, 10 clients connect
// (they wait in the backlog); the soft RLIMIT_NOFILE of the process is
// lowered and the fds under it filled so that 3 are free; the loop is let
// go. (In-process, as examples/echo's TestEMFILEDoesNotSpin: the server
// and the fd accounting are the test's own; the CPU measured is the whole
// test process, which is idle but for the server.)
// Expected: 3 are accepted, the listener pauses on EMFILE instead of
// spinning: the process uses under 20% of a core over 2 s (getrusage;
// a spinning loop uses about 100%); connected clients are served; once
// fds free all the pending clients are accepted and served.
func TestFdExhaustionDoesNotSpin(t *testing.T) {
	const pending, free = 10, 3
	s := newTestServer(t)
	addr := startServer(t, s)
	a := dialRaw(t, addr)
	a.do("PING")

	held, release := make(chan struct{}), make(chan struct{})
	releaseLoop := sync.OnceFunc(func() { close(release) })
	if err := s.el.Post(func(*ae.EventLoop) { close(held); <-release }); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(releaseLoop)
	<-held
	cs := make([]*rawConn, pending)
	for i := range cs {
		cs[i] = dialRaw(t, addr)
		cs[i].send(fmt.Sprintf("SET pending:%d %d\r\n", i, i))
	}

	restore := testenv.LeaveFreeFds(t, free)

	releaseLoop()
	waitUntil(t, "3 pending clients accepted", func() bool { return loopNumClients(t, s) == 1+free })
	time.Sleep(200 * time.Millisecond)
	cpu0, wall0 := cpuSelf(t), time.Now()
	time.Sleep(2 * time.Second)
	cpu, wall := cpuSelf(t)-cpu0, time.Since(wall0)
	share := float64(cpu) / float64(wall)
	var pauses int64
	onLoopT(t, s, func() { pauses = s.listeners[0].Pauses.Load() })
	t.Logf("out of fds: %v CPU over %v (%.1f%% of a core), %d listener pauses", cpu, wall, 100*share, pauses)
	if share >= 0.20 {
		t.Errorf("%.1f%% of a core while out of fds: the loop spins", 100*share)
	}
	if pauses == 0 {
		t.Error("the listener never paused on EMFILE")
	}
	if got := a.do("PING"); got != resp.Pong {
		t.Fatalf("connected client while out of fds: %q", got)
	}
	restore()
	waitUntil(t, "all pending clients accepted", func() bool { return loopNumClients(t, s) == 1+pending })
	for i, c := range cs {
		if got := c.reply(); got != resp.OK {
			t.Fatalf("pending client %d: %q", i, got)
		}
	}
	expectServed(t, addr)
}

// buildKV builds the command into the test's temp dir.
func buildKV(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the kv command; skipped with -short")
	}
	exe := filepath.Join(t.TempDir(), "kv")
	if out, err := exec.Command("go", "build", "-o", exe, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return exe
}

// Input: the kv command started by a shell with "ulimit -n 200" and
// --maxclients 10000, then 169 clients.
// Expected: Redis's three warnings at startup, maxclients reduced to
// 200 - 32 = 168 (Redis's CONFIG_MIN_RESERVED_FDS); 168 clients served;
// the 169th gets "-ERR max number of clients reached" and
// is closed; once one leaves a new client is served.
func TestMaxclientsLoweredToFitNofile(t *testing.T) {
	exe := buildKV(t)
	port := testenv.FreePort(t)
	cmd := exec.Command("sh", "-c", fmt.Sprintf("ulimit -n 200 && exec %s --port %d --maxclients 10000", exe, port))
	stderr := &testenv.SyncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	waitUntil(t, "the server to listen", func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	for _, want := range []string{
		"You requested maxclients of 10000 requiring at least 10032 max file descriptors.",
		"Current maximum open files is 200. maxclients has been reduced to 168 to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'.",
		"maxclients=168",
	} {
		waitUntil(t, "the log line "+want, func() bool { return strings.Contains(stderr.String(), want) })
	}
	// The probe connection above may still be being freed.
	conns := make([]*rawConn, 168)
	for i := range conns {
		conns[i] = dialRaw(t, addr)
		for {
			got := conns[i].do("PING")
			if got == resp.Pong {
				break
			}
			// a slot still held by the probe connection: retry
			conns[i].conn.Close()
			time.Sleep(20 * time.Millisecond)
			conns[i] = dialRaw(t, addr)
		}
	}
	extra := dialRaw(t, addr)
	if got := readToClose(t, extra.conn); got != "-ERR max number of clients reached\r\n" {
		t.Fatalf("client 169 got %q", got)
	}
	if got := conns[0].do("PING"); got != resp.Pong {
		t.Fatalf("client 1 after the refusal: %q", got)
	}
	conns[0].conn.Close()
	waitUntil(t, "a slot to free", func() bool {
		r := dialRaw(t, addr)
		defer r.conn.Close()
		r.send("PING\r\n")
		got, _ := readFor(r.conn, time.Second)
		return got == resp.Pong
	})
}

// kvProc is the kv command running as a child process.
type kvProc struct {
	cmd    *exec.Cmd
	logs   *testenv.SyncBuffer // its stderr
	addr   string
	exited chan error // receives cmd.Wait's result once it exits
}

// startKV runs exe (from buildKV) on a free port with args, and returns
// once it logs that it is ready. The test's end kills it if it still runs.
func startKV(t *testing.T, exe string, args ...string) *kvProc {
	t.Helper()
	port := testenv.FreePort(t)
	p := &kvProc{logs: &testenv.SyncBuffer{}, addr: fmt.Sprintf("127.0.0.1:%d", port), exited: make(chan error, 1)}
	p.cmd = exec.Command(exe, append([]string{"--port", fmt.Sprint(port)}, args...)...)
	p.cmd.Stderr = p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { p.exited <- p.cmd.Wait(); close(done) }()
	t.Cleanup(func() { p.cmd.Process.Kill(); <-done })
	waitUntil(t, "the server to log that it is ready", func() bool {
		return strings.Contains(p.logs.String(), "Ready to accept connections")
	})
	return p
}

// procCPU is a process's user+system CPU time from /proc/<pid>/stat
// (getrusage's figures, for a child not yet waited for).
func procCPU(t testing.TB, pid int) time.Duration {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Skipf("cannot read the child's CPU time: %v", err)
	}
	// Fields after the command name, which is in parentheses.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / 100 // USER_HZ
}
