package main

import (
	"io"
	"log/slog"
	"net"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/goae/goae/ae"
)

// TestThreadsSharePort starts the --threads 4 server on port 0 and dials
// 64 clients, each echoing a message of its own, with maxclients 60.
// Expected: every loop got the same port; the first 60 clients are served
// by the loops together (more than one of them: the kernel spreads
// connections by the 4-tuple hash, all on one loop has probability
// 4^-59); the 4 past maxclients are closed at once, the limit being
// counted over all loops; stop returns with every client freed.
func TestThreadsSharePort(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	m, err := startThreads(config{port: 0, bind: "127.0.0.1", maxClients: 60, threads: 4, log: log})
	if err != nil {
		t.Fatal(err)
	}
	defer m.stop()
	for i, s := range m.servers {
		if _, port := s.addr(); port != m.port {
			t.Fatalf("loop %d listens on %d, loop 0 on %d", i, port, m.port)
		}
	}
	addr := "127.0.0.1:" + strconv.Itoa(m.port)
	var conns []net.Conn
	refused := 0
	for i := 0; i < 64; i++ {
		c, err := net.DialTimeout("tcp4", addr, safety)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(safety))
		msg := "client " + strconv.Itoa(i) + "\n"
		c.Write([]byte(msg))
		got := make([]byte, len(msg))
		if _, err := io.ReadFull(c, got); err != nil {
			refused++
			continue
		}
		if string(got) != msg {
			t.Fatalf("client %d got %q", i, got)
		}
		conns = append(conns, c)
	}
	if refused != 4 || len(conns) != 60 {
		t.Fatalf("%d served, %d refused; want 60 and 4", len(conns), refused)
	}
	loops := 0
	for i, s := range m.servers {
		ch := make(chan int, 1)
		m.loops.Loop(i).Post(func(*ae.EventLoop) { ch <- s.nconns })
		if <-ch > 0 {
			loops++
		}
	}
	if loops < 2 {
		t.Fatal("every client landed on one loop: the port is not shared")
	}
	m.stop()
	if n := m.servers[0].cfg.clients.Load(); n != 0 {
		t.Fatalf("%d clients counted after stop", n)
	}
}

// Input: holdPort for 127.0.0.1, ::1 and a host name. Expected: a port
// held for the two addresses (closed afterwards), and for the name an
// error saying --threads needs an IP address.
func TestHoldPort(t *testing.T) {
	for _, bind := range []string{"127.0.0.1", "::1"} {
		fd, port, err := holdPort(bind, 0)
		if err != nil || port == 0 {
			t.Fatalf("holdPort(%s) = %d, %d, %v", bind, fd, port, err)
		}
		syscall.Close(fd)
	}
	if _, _, err := holdPort("localhost", 0); err == nil {
		t.Fatal("holdPort(localhost) succeeded")
	}
}
