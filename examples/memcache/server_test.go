package main

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"
)

// startServer runs our server in this process on a free loopback port,
// with memcached's defaults changed by mod, until the test ends.
func startServer(t testing.TB, mod func(*config)) *server {
	t.Helper()
	cfg := defaultConfig()
	cfg.port = 0
	if mod != nil {
		mod(&cfg)
	}
	s, err := newServer(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	go s.run()
	t.Cleanup(s.stop)
	return s
}

// dial connects to addr, failing the test if it cannot.
func dial(t testing.TB, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// readUntil reads from c until the bytes read end with suffix, the peer
// closes (closed true), or nothing comes for idle.
func readUntil(c net.Conn, suffix string, idle time.Duration) (out []byte, closed bool) {
	buf := make([]byte, 64*1024)
	for {
		if suffix != "" && bytes.HasSuffix(out, []byte(suffix)) {
			return out, false
		}
		c.SetReadDeadline(time.Now().Add(idle))
		n, err := c.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				return out, false
			}
			return out, true
		}
	}
}

// roundTrip sends req on c and reads the reply up to and including the
// line want ends with ("END\r\n", say).
func roundTrip(t testing.TB, c net.Conn, req, want string) string {
	t.Helper()
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	out, _ := readUntil(c, want, 5*time.Second)
	if !strings.HasSuffix(string(out), want) {
		t.Fatalf("%q: got %q, want it to end in %q", req, out, want)
	}
	return string(out)
}
