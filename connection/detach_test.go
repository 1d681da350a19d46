package connection

import (
	"bytes"
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

// TestDetachHandsTheFdToAnotherLoop: a Conn detached on one loop (from
// inside its read handler, as a dispatcher would) leaves that loop with
// nothing registered and the fd open; wrapped on a second loop, it reads
// what the peer sends next and writes back. Detaching again fails with
// ErrClosed and returns -1.
func TestDetachHandsTheFdToAnotherLoop(t *testing.T) {
	el1, el2 := newLoop(t, 64), newLoop(t, 64)
	c, peer := pair(t, el1)
	fd := -1
	c.SetReadHandler(func(c *Conn) {
		var err error
		if fd, err = c.Detach(); err != nil {
			t.Errorf("Detach: %v", err)
		}
	})
	unix.Write(peer, []byte("x"))
	runUntil(t, el1, "detach", func() bool { return fd >= 0 })
	if el1.MaxFD() != -1 || c.FD() != -1 || c.State() != StateConnected {
		t.Fatalf("after Detach: MaxFD %d, FD %d, state %v; want -1, -1, connected", el1.MaxFD(), c.FD(), c.State())
	}
	if n, err := c.Detach(); n != -1 || !errors.Is(err, ErrClosed) {
		t.Fatalf("second Detach = %d, %v; want -1, ErrClosed", n, err)
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil {
		t.Fatalf("the detached fd is closed: %v", err)
	}

	c2 := NewAcceptedSocket(el2, fd)
	c2.Accept(nil)
	t.Cleanup(c2.Close)
	var got []byte
	c2.SetReadHandler(func(c *Conn) {
		buf := make([]byte, 16)
		if n, _ := c.Read(buf); n > 0 {
			got = append(got, buf[:n]...)
			c.Write(bytes.ToUpper(buf[:n]))
		}
	})
	unix.Write(peer, []byte("yz"))
	runUntil(t, el2, "read on the second loop", func() bool { return len(got) >= 3 })
	if string(got) != "xyz" {
		t.Fatalf("second loop read %q, want %q (the byte the first loop left unread, then the new ones)", got, "xyz")
	}
	if b := drain(peer); string(b) != "XYZ" {
		t.Fatalf("peer got %q, want %q", b, "XYZ")
	}
}

// TestWritevWithManyBuffers: 300 buffers go out in one WritevWith (one
// writev of 300 iovecs, where Writev allocates past 16), and once the
// Iovecs has grown the call allocates nothing.
func TestWritevWithManyBuffers(t *testing.T) {
	el := newLoop(t, 64)
	c, peer := pair(t, el)
	bufs := make([][]byte, 300)
	var want []byte
	for i := range bufs {
		bufs[i] = []byte{byte('a' + i%26)}
		want = append(want, bufs[i]...)
	}
	var v Iovecs
	if n, err := c.WritevWith(bufs, &v); n != len(bufs) || err != nil {
		t.Fatalf("WritevWith = %d, %v; want %d, nil", n, err, len(bufs))
	}
	if got := drain(peer); !bytes.Equal(got, want) {
		t.Fatalf("peer got %d bytes, want %d in order", len(got), len(want))
	}
	allocs := testing.AllocsPerRun(50, func() {
		c.WritevWith(bufs, &v)
		drain1(peer, len(bufs))
	})
	if allocs != 0 {
		t.Fatalf("WritevWith allocates %.1f times per call with a grown Iovecs, want 0", allocs)
	}
}

// drain1buf is drain1's buffer: one on the stack would escape under -race
// (x/sys reports reads to the race detector).
var drain1buf [512]byte

// drain1 reads and drops n bytes from fd without allocating.
func drain1(fd, n int) {
	for n > 0 {
		m, err := unix.Read(fd, drain1buf[:min(n, len(drain1buf))])
		if m <= 0 || err != nil {
			return
		}
		n -= m
	}
}
