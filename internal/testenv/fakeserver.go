package testenv

import (
	"net"
	"testing"
)

// FakeServer listens on a free loopback port (IPv4) and runs serve for
// each accepted connection on a goroutine of its own, closing the
// connection when serve returns; the listener is closed when the test
// ends. It returns the port. Tests use it for peers that misbehave on
// purpose: a backend that answers garbage, closes mid-reply, or never
// answers.
func FakeServer(t testing.TB, serve func(c net.Conn)) int {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				serve(c)
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}
