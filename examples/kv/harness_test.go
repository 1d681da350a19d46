package main

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/testenv"
)

// newTestServer makes a server on a free loopback port without running
// its loop: tests drive commands through exec, or run the loop with
// startServer.
func newTestServer(t testing.TB, mod ...func(*config)) *server {
	t.Helper()
	cfg := defaultConfig()
	cfg.port = 0
	cfg.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, m := range mod {
		m(&cfg)
	}
	s, err := newServer(cfg)
	if err != nil {
		t.Fatalf("newServer: %v", err)
	}
	// A server never started (or already stopped by startServer's
	// cleanup, which runs first) gives back its loop and listeners.
	t.Cleanup(s.close)
	return s
}

// execClient runs commands straight through processCommand, without a
// socket: the reply bytes are what the client would have been sent.
type execClient struct {
	s *server
	c *client
}

func (s *server) newExecClient() *execClient {
	rc := s.rs.NewClient()
	rc.Addr = "127.0.0.1:1"
	return &execClient{s: s, c: rc.Data.(*client)}
}

// exec runs one command and returns the raw reply.
func (e *execClient) exec(args ...string) string {
	e.c.ResetOutput()
	e.c.Argv = make([][]byte, len(args))
	for i, a := range args {
		e.c.Argv[i] = []byte(a)
	}
	e.s.processCommand(e.c)
	return string(e.c.Out)
}

// exec runs one command on a fresh client of s.
func (s *server) exec(args ...string) string { return s.newExecClient().exec(args...) }

// startServer runs s's loop on its own goroutine until the test ends and
// returns its address.
func startServer(t testing.TB, s *server) string {
	t.Helper()
	done := make(chan struct{})
	go func() { s.serve(); close(done) }()
	t.Cleanup(func() {
		s.el.Post(func(*ae.EventLoop) { s.shutdown() })
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("server did not stop within 10 s")
		}
	})
	ip, port := s.addr()
	return fmt.Sprintf("%s:%d", ip, port)
}

// rawConn is a minimal RESP client that keeps reply bytes as they came.
type rawConn struct {
	t    testing.TB
	conn net.Conn
	buf  []byte
}

func dialRaw(t testing.TB, addr string) *rawConn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { conn.Close() })
	return &rawConn{t: t, conn: conn}
}

// do sends one command as a multibulk request and returns the raw reply.
func (r *rawConn) do(args ...string) string {
	r.t.Helper()
	r.send(string(resp.AppendCommand(nil, args...)))
	return r.reply()
}

// send writes raw bytes.
func (r *rawConn) send(raw string) {
	r.t.Helper()
	r.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(r.conn, raw); err != nil {
		r.t.Fatalf("write: %v", err)
	}
}

// reply reads one whole reply and returns its raw bytes.
func (r *rawConn) reply() string {
	r.t.Helper()
	var chunk [64 * 1024]byte
	for {
		if _, n, err := resp.ReadReply(r.buf); err != nil {
			r.t.Fatalf("bad reply %q: %v", r.buf, err)
		} else if n > 0 {
			out := string(r.buf[:n])
			r.buf = r.buf[n:]
			return out
		}
		r.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, err := r.conn.Read(chunk[:])
		if err != nil {
			r.t.Fatalf("read: %v (have %q)", err, r.buf)
		}
		r.buf = append(r.buf, chunk[:n]...)
	}
}

// diffRedis runs each command on our server (over a socket) and on a real
// redis-server 7.0, in order, and fails on the first reply that differs
// byte for byte. A command whose reply legitimately differs (say INFO)
// does not belong in such a list. Unordered replies (SMEMBERS, KEYS,
// HGETALL) can be wrapped with sorted(...) by the caller before comparing;
// here every reply is compared as it came.
func diffRedis(t *testing.T, ours string, cmds [][]string) {
	t.Helper()
	redis := fmt.Sprintf("127.0.0.1:%d", testenv.StartRedis(t))
	a, b := dialRaw(t, ours), dialRaw(t, redis)
	for i, cmd := range cmds {
		got, want := a.do(cmd...), b.do(cmd...)
		if got != want {
			t.Fatalf("command %d %q:\n ours:  %q\n redis: %q", i, strings.Join(cmd, " "), got, want)
		}
	}
}

// cmds splits lines into commands; arguments are space-separated, and a
// quoted argument "like this" may hold spaces.
func cmds(lines ...string) [][]string {
	var out [][]string
	for _, l := range lines {
		var args []string
		var cur bytes.Buffer
		inQuote := false
		for i := 0; i < len(l); i++ {
			switch ch := l[i]; {
			case ch == '"':
				inQuote = !inQuote
				if !inQuote && cur.Len() == 0 {
					args = append(args, "")
				}
			case ch == ' ' && !inQuote:
				if cur.Len() > 0 {
					args = append(args, cur.String())
					cur.Reset()
				}
			default:
				cur.WriteByte(ch)
			}
		}
		if cur.Len() > 0 {
			args = append(args, cur.String())
		}
		out = append(out, args)
	}
	return out
}
