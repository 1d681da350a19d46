package main

import (
	"bytes"
	"errors"
	"fmt"
	"net"

	"strings"
	"testing"
	"time"

	"github.com/goae/goae/ae"
	"golang.org/x/sys/unix"
)

// dialBus connects to n's bus port.
func dialBus(t *testing.T, n *node) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", n.busPort))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closedWithin reports whether the peer closes c within d (EOF or
// reset), reading and discarding whatever comes first.
func closedWithin(c net.Conn, d time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(d))
	buf := make([]byte, 65536)
	for {
		_, err := c.Read(buf)
		if err == nil {
			continue
		}
		var ne net.Error
		return !(errors.As(err, &ne) && ne.Timeout())
	}
}

// pingFrom is a valid PING from a node named id (unknown to the
// receiver, which still answers it with a PONG).
func pingFrom(id string) []byte {
	h := Header{Type: TypePing, Port: 1, CPort: 10001, Flags: NodeMaster}
	copy(h.Sender[:], id)
	return AppendMessage(nil, &Message{Header: h})
}

// Input: two converged nodes A and B; then, each on its own connection to
// A's bus port: a bad signature, a header with totlen below 2256, a
// connection that sends half a header and closes, a totlen of 100 MB, a
// PING whose totlen lies about its gossip count, and a totlen of 50 MB
// followed by only 10 KB.
// Expected: as clusterReadHandler, the first four links are closed (the
// 100 MB one by our MaxMessageLen bound); the lying PING is dropped and
// the same link still answers a valid PING with a PONG; the 50 MB link
// stays open holding only the bytes that came (the buffer grows with
// arrivals, not with totlen). Throughout, B stays a connected master in
// A's view and A keeps getting B's PONGs.
func TestGarbageClosesOnlyThatLink(t *testing.T) {
	a := startNode(t, Config{NodeTimeout: 2000})
	b := startNode(t, Config{NodeTimeout: 2000})
	meet(t, a, b)
	waitConverged(t, 10*time.Second, a, b)
	idB := myID(t, b)

	good := pingFrom(strings.Repeat("e", 40))
	badSig := append([]byte("XXXX"), good[4:]...)
	short := bytes.Clone(good[:HeaderLen])
	put32(short[4:], 100)
	huge := bytes.Clone(good[:8])
	put32(huge[4:], 100<<20)
	for _, tc := range []struct {
		name string
		data []byte
		half bool // send and close our side
	}{
		{"bad signature", badSig, false},
		{"totlen below header", short, false},
		{"100 MB totlen", huge, false},
		{"truncated header", good[:1000], true},
	} {
		c := dialBus(t, a)
		if _, err := c.Write(tc.data); err != nil {
			t.Fatalf("%s: write: %v", tc.name, err)
		}
		if tc.half {
			c.(*net.TCPConn).CloseWrite()
		}
		if !closedWithin(c, 3*time.Second) {
			t.Errorf("%s: link not closed", tc.name)
		}
	}

	// Lying totlen: count says 2 gossip entries, totlen has none. Dropped;
	// the link survives and answers the next PING.
	lying := bytes.Clone(good)
	put16(lying[offCount:], 2)
	c := dialBus(t, a)
	c.Write(append(lying, good...))
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	reply, err := readMessage(c)
	if err != nil {
		t.Fatalf("lying totlen: no PONG for the valid PING after it: %v", err)
	}
	if m, err := Decode(reply); err != nil || m.Type != TypePong {
		t.Fatalf("lying totlen: reply %v, %v; want a PONG", m, err)
	}
	if closedWithin(c, 200*time.Millisecond) {
		t.Errorf("lying totlen: link closed, want kept")
	}

	// 50 MB announced, 10 KB sent: open, and the buffer holds ~10 KB.
	big := bytes.Clone(good)
	put32(big[4:], 50<<20)
	c2 := dialBus(t, a)
	c2.Write(append(big, make([]byte, 10000-len(big))...))
	var maxBuf int
	waitFor(t, 3*time.Second, "10 KB buffered", func() bool {
		maxBuf = 0
		total := 0
		a.do(func() {
			for l := range a.links {
				if l.inbound && len(l.rcvbuf) > 0 {
					total += len(l.rcvbuf)
					maxBuf = max(maxBuf, cap(l.rcvbuf))
				}
			}
		})
		return total == 10000
	})
	if maxBuf > 64<<10 {
		t.Errorf("receive buffer of %d bytes for 10 KB received", maxBuf)
	}
	if closedWithin(c2, 200*time.Millisecond) {
		t.Errorf("50 MB totlen, 10 KB sent: link closed, want kept waiting")
	}

	// The good peer is unharmed and its PONGs keep coming.
	before := clusterNodes(t, a)[idB].pongR
	waitFor(t, 5*time.Second, "a new PONG from B", func() bool {
		l := clusterNodes(t, a)[idB]
		return l.pongR > before && l.flags == "master" && l.link == "connected"
	})
}

// acceptNode returns a node that is not running, with a backlog that
// holds n pending connections, and n connections dialled to its bus
// port. The test drives the loop itself with ProcessEvents, which is
// allowed while no goroutine runs it.
func acceptNode(t *testing.T, conns int) *node {
	t.Helper()
	nd, err := newNode(Config{Port: 0, ClusterPort: pickBusPort(t), Backlog: conns + 100, Log: testLogger(t.Name())})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		go nd.run()
		nd.stop()
	})
	for i := 0; i < conns; i++ {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", nd.busPort))
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		t.Cleanup(func() { c.Close() })
	}
	return nd
}

// pickBusPort returns a free port for a bus listener.
func pickBusPort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Input: 2500 connections pending on the bus port before the loop runs.
// Expected: the first accept call takes exactly 1000
// (MAX_CLUSTER_ACCEPTS_PER_CALL), the second 1000 more, the third the
// last 500, each accepted fd becoming an inbound link.
func TestBusAcceptBatch(t *testing.T) {
	var rl unix.Rlimit
	unix.Getrlimit(unix.RLIMIT_NOFILE, &rl)
	if rl.Cur < 6000 {
		t.Skipf("RLIMIT_NOFILE %d is too low for 2500 connection pairs", rl.Cur)
	}
	nd := acceptNode(t, 2500)
	for i, want := range []int64{1000, 2000, 2500} {
		nd.el.ProcessEvents(ae.FileEvents | ae.DontWait)
		if got := nd.ln.Accepted.Load(); got != want {
			t.Fatalf("after iteration %d: accepted %d, want %d", i+1, got, want)
		}
	}
	if len(nd.links) != 2500 {
		t.Fatalf("%d inbound links, want 2500", len(nd.links))
	}
}

// Input: 3 pending connections while the loading flag is set, then
// cleared. Expected: nothing accepted while loading although the handler
// runs each iteration; all three accepted once loading ends.
func TestBusAcceptHeldWhileLoading(t *testing.T) {
	nd := acceptNode(t, 3)
	nd.loading.Store(true)
	for i := 0; i < 3; i++ {
		nd.el.ProcessEvents(ae.FileEvents | ae.DontWait)
	}
	if got, calls := nd.ln.Accepted.Load(), nd.ln.Calls.Load(); got != 0 || calls != 3 {
		t.Fatalf("while loading: accepted %d in %d calls, want 0 in 3", got, calls)
	}
	nd.loading.Store(false)
	nd.el.ProcessEvents(ae.FileEvents | ae.DontWait)
	if got := nd.ln.Accepted.Load(); got != 3 {
		t.Fatalf("after loading: accepted %d, want 3", got)
	}
}
