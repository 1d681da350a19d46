package respserver

import (
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/anet"
	"github.com/goae/goae/connection"
	"github.com/goae/goae/internal/resp"
	"golang.org/x/sys/unix"
)

// echoServer runs a Server whose one command replies its arguments as an
// array, on its own loop goroutine, until the test ends.
func echoServer(t *testing.T, cfg Config) string {
	t.Helper()
	el, err := ae.New(1024)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	s := New(el, cfg, Handler{Command: func(c *Client) {
		c.AddReplyArrayLen(len(c.Argv))
		for _, a := range c.Argv {
			c.AddReplyBulk(a)
		}
	}})
	lfd, err := anet.TCPServer(0, "127.0.0.1", 511)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := connection.NewListener(el, lfd, connection.ListenConfig{Log: cfg.Log}, s.AcceptTCP); err != nil {
		t.Fatal(err)
	}
	el.SetBeforeSleepProc(func(*ae.EventLoop) { s.BeforeSleep() })
	done := make(chan struct{})
	go func() { el.Main(); s.Close(); unix.Close(lfd); el.Close(); close(done) }()
	t.Cleanup(func() { el.Post(func(el *ae.EventLoop) { el.Stop() }); <-done })
	_, port, _ := anet.FdToString(lfd, anet.SockName)
	return anet.FormatAddr("127.0.0.1", port)
}

func readAll(t *testing.T, conn net.Conn, want int) string {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, want)
	if _, err := io.ReadFull(conn, buf); err != nil {
		t.Fatalf("read %d bytes: %v (got %q)", want, err, buf)
	}
	return string(buf)
}

// Input: 200 pipelined commands written one byte at a time, then as one
// block. Expected: 200 replies in order each time (commands split at every
// boundary resume in the parser and the query buffer).
func TestPipelinesSplitAnywhere(t *testing.T) {
	addr := echoServer(t, Config{})
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var req, want []byte
	for i := 0; i < 200; i++ {
		arg := strings.Repeat("x", i)
		req = resp.AppendCommand(req, "ECHO", arg)
		want = resp.AppendArrayLen(want, 2)
		want = resp.AppendBulkString(want, "ECHO")
		want = resp.AppendBulkString(want, arg)
	}
	go func() {
		for i := range req {
			conn.Write(req[i : i+1])
		}
	}()
	if got := readAll(t, conn, len(want)); got != string(want) {
		t.Fatal("byte-at-a-time pipeline: replies differ")
	}
	conn.Write(req)
	if got := readAll(t, conn, len(want)); got != string(want) {
		t.Fatal("one-block pipeline: replies differ")
	}
}

// Input: a good command, then a bad bulk length, then a good command.
// Expected: the first reply, Redis's protocol error, then the connection
// closes and the third command never runs.
func TestProtocolErrorClosesAfterReply(t *testing.T) {
	addr := echoServer(t, Config{})
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte("PING\r\n*1\r\n$-5\r\nPING\r\n"))
	want := "*1\r\n$4\r\nPING\r\n-ERR Protocol error: invalid bulk length\r\n"
	if got := readAll(t, conn, len(want)); got != want {
		t.Fatalf("got %q", got)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := conn.Read(make([]byte, 1)); n != 0 || err == nil {
		t.Fatalf("connection still open: %d %v", n, err)
	}
}

// Input: Feed on an in-memory client, with a command split in two.
// Expected: the reply appears once the command is whole; NumClients does
// not count the client.
func TestFeedInMemory(t *testing.T) {
	el, err := ae.New(16)
	if err != nil {
		t.Fatal(err)
	}
	defer el.Close()
	s := New(el, Config{}, Handler{Command: func(c *Client) { c.AddReplyBulk(c.Argv[0]) }})
	c := s.NewClient()
	s.Feed(c, []byte("*1\r\n$4\r\nPI"))
	if len(c.Output()) != 0 {
		t.Fatalf("reply before the command is whole: %q", c.Output())
	}
	s.Feed(c, []byte("NG\r\n"))
	if got := string(c.Output()); got != "$4\r\nPING\r\n" {
		t.Fatalf("reply %q", got)
	}
	if s.NumClients() != 0 {
		t.Fatalf("NumClients = %d", s.NumClients())
	}
}

// Input: a connected client that sent "PING" and got its reply, then
// stayed idle past 2 s as the clients cron sees it; a second client with
// half a command pending.
// Expected: the cron takes back the idle client's query buffer (as
// Redis's clientsCronResizeQueryBuffer does) and also its drained reply
// buffer; the client with a partial command keeps its bytes, and both
// still work afterwards.
func TestCronReleasesIdleBuffers(t *testing.T) {
	el, err := ae.New(64)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { el.Close() })
	s := New(el, Config{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, Handler{Command: func(c *Client) {
		c.AddReplyBulk(c.Argv[0])
	}})
	s.Now = 1_000_000
	pair := func() (*Client, int) {
		fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
		if err != nil {
			t.Fatal(err)
		}
		unix.SetNonblock(fds[0], true)
		unix.SetNonblock(fds[1], true)
		t.Cleanup(func() { unix.Close(fds[1]) })
		s.AcceptUnix(connection.NewAcceptedSocket(el, fds[0]), "", 0)
		return s.Clients()[fds[0]], fds[1]
	}
	idle, idlePeer := pair()
	busy, busyPeer := pair()
	unix.Write(idlePeer, []byte("PING\r\n"))
	unix.Write(busyPeer, []byte("*1\r\n$4\r\nPI"))
	el.ProcessEvents(ae.FileEvents | ae.DontWait)
	// Reply written by BeforeSleep; the buffer it was built in stays.
	s.BeforeSleep()
	buf := make([]byte, 64)
	if n, _ := unix.Read(idlePeer, buf); string(buf[:n]) != "$4\r\nPING\r\n" {
		t.Fatalf("reply %q", buf[:n])
	}
	if idle.OutputCap() == 0 || busy.QueryCap() == 0 {
		t.Fatalf("before the cron: idle output cap %d, busy query cap %d; want both > 0", idle.OutputCap(), busy.QueryCap())
	}
	s.Now += idleQueryMs + 1
	for i := 0; i < 20; i++ { // enough calls to visit every slot
		s.Cron(10)
	}
	if idle.OutputCap() != 0 || idle.QueryCap() != 0 {
		t.Errorf("idle client keeps output cap %d, query cap %d; want 0, 0", idle.OutputCap(), idle.QueryCap())
	}
	if busy.QueryLen() != len("*1\r\n$4\r\nPI") {
		t.Errorf("client with a partial command has %d query bytes, want %d", busy.QueryLen(), len("*1\r\n$4\r\nPI"))
	}
	unix.Write(idlePeer, []byte("PING\r\n"))
	unix.Write(busyPeer, []byte("NG\r\n"))
	el.ProcessEvents(ae.FileEvents | ae.DontWait)
	s.BeforeSleep()
	for _, fd := range []int{idlePeer, busyPeer} {
		if n, _ := unix.Read(fd, buf); string(buf[:n]) != "$4\r\nPING\r\n" {
			t.Errorf("reply after the cron: %q", buf[:n])
		}
	}
}

// Input: a client on a socketpair sending "PING" 1000 times, each read,
// run, replied to and written by BeforeSleep through the connection
// layer, the peer reading each reply. Expected: no allocation per
// request in steady state: the read into the shared buffer, the reply in
// the client's buffer, Conn.Send's one write.
func TestZeroAllocsSocketPath(t *testing.T) {
	el, err := ae.New(64)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { el.Close() })
	s := New(el, Config{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, Handler{Command: func(c *Client) {
		c.AddReply("+PONG\r\n")
	}})
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	unix.SetNonblock(fds[0], true)
	t.Cleanup(func() { s.Close(); unix.Close(fds[1]) })
	s.AcceptUnix(connection.NewAcceptedSocket(el, fds[0]), "", 0)
	req, buf := []byte("PING\r\n"), make([]byte, 64)
	round := func() {
		unix.Write(fds[1], req)
		el.ProcessEvents(ae.FileEvents | ae.DontWait)
		s.BeforeSleep()
		if n, _ := unix.Read(fds[1], buf); string(buf[:n]) != "+PONG\r\n" {
			t.Fatalf("reply %q", buf[:n])
		}
	}
	for i := 0; i < 100; i++ {
		round()
	}
	if a := testing.AllocsPerRun(1000, round); a != 0 {
		t.Fatalf("%.1f allocations per request on the socket path", a)
	}
}
