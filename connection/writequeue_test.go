package connection

import (
	"bytes"
	"testing"
	"time"

	"github.com/goae/goae/ae"
	"golang.org/x/sys/unix"
)

// queueLoop returns a loop whose before-sleep hook runs a WriteQueue.
// An idle pipe is registered on it, as a server's listener would be: a
// loop with no fd (and DontWait) does not run the hook at all.
func queueLoop(t testing.TB) (*ae.EventLoop, *WriteQueue) {
	el := newLoop(t, 256)
	q := NewWriteQueue(el)
	el.SetBeforeSleepProc(func(*ae.EventLoop) { q.BeforeSleep() })
	var p [2]int
	if err := unix.Pipe(p[:]); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(p[0]); unix.Close(p[1]) })
	el.CreateFileEvent(p[0], ae.Readable, func(*ae.EventLoop, int, any, ae.Mask) {}, nil)
	return el, q
}

// Input: three small appends to a Conn, then one loop iteration.
// Expected: nothing is written until before-sleep; then the peer has all
// of it in order, Pending is 0, and no writable event was ever armed
// (the short-reply path costs one write and no epoll_ctl).
func TestWriteQueueSmallReply(t *testing.T) {
	el, q := queueLoop(t)
	c, peer := pair(t, el)
	c.SetWriteQueue(q)
	c.Append([]byte("+OK\r\n"))
	c.AppendString(":1\r\n")
	b := append(c.AvailableBuffer(), "$1\r\nx\r\n"...)
	mem := c.OutputMemory()
	c.Append(b)
	if c.OutputMemory() != mem || &c.out.bufs[0][len(c.out.bufs[0])-1] != &b[len(b)-1] {
		t.Fatal("a reply built in AvailableBuffer did not stay in the buffer it was built in")
	}
	if got := drain(peer); len(got) != 0 || c.Pending() != 16 || q.Len() != 1 {
		t.Fatalf("before sleep: peer has %q, pending %d, queue %d", got, c.Pending(), q.Len())
	}
	el.ProcessEvents(ae.FileEvents | ae.DontWait | ae.CallBeforeSleep)
	if got := string(drain(peer)); got != "+OK\r\n:1\r\n$1\r\nx\r\n" {
		t.Fatalf("peer got %q", got)
	}
	if c.Pending() != 0 || el.GetFileEvents(c.FD())&ae.Writable != 0 || q.Len() != 0 {
		t.Fatalf("pending %d, mask %d, queue %d after the write", c.Pending(), el.GetFileEvents(c.FD()), q.Len())
	}
}

// Input: 8 MiB appended in pieces of odd sizes (so the output is one
// first buffer grown to 16 KiB, then chained chunks), to a peer that
// reads only after the first write. Expected: the first before-sleep
// write stops at MaxWritesPerEvent or a full socket, leaving output
// pending and the writable handler armed; as the peer reads, the rest is
// written by the handler; the peer receives every byte in order; then the
// handler is removed and the chunks go back to the queue's free list.
func TestWriteQueueBigOutputChained(t *testing.T) {
	el, q := queueLoop(t)
	c, peer := pair(t, el)
	c.SetWriteQueue(q)
	var want []byte
	for i := 0; len(want) < 8<<20; i++ {
		p := bytes.Repeat([]byte{byte('a' + i%26)}, 1+i*37%20000)
		want = append(want, p...)
		c.Append(p)
	}
	if len(c.out.bufs) < 2 {
		t.Fatalf("output in %d buffer(s), want chained chunks", len(c.out.bufs))
	}
	el.ProcessEvents(ae.FileEvents | ae.DontWait | ae.CallBeforeSleep)
	if c.Pending() == 0 || el.GetFileEvents(c.FD())&ae.Writable == 0 {
		t.Fatalf("after one write: pending %d, mask %d; want output left and the handler armed", c.Pending(), el.GetFileEvents(c.FD()))
	}
	// Redis's bound: iovecs are gathered while under 64 KiB, so one
	// event writes at most that plus the last buffer (20,000 bytes here).
	if w := len(want) - c.Pending(); w > MaxWritesPerEvent+20000 {
		t.Fatalf("one write event wrote %d bytes, bound is %d + one buffer", w, MaxWritesPerEvent)
	}
	var got []byte
	runUntil(t, el, "8 MiB written", func() bool {
		got = append(got, drain(peer)...)
		return c.Pending() == 0 && len(got) == len(want)
	})
	if !bytes.Equal(got, want) {
		t.Fatal("the peer's bytes differ from those appended")
	}
	if el.GetFileEvents(c.FD())&ae.Writable != 0 {
		t.Fatal("the writable handler stayed armed once drained")
	}
	if len(q.free) == 0 {
		t.Fatal("no chunk came back to the free list")
	}
}

// Input: output appended, then CloseAfterFlush and another Append.
// Expected: the peer gets the first output only, then EOF; the Conn is
// closed.
func TestCloseAfterFlush(t *testing.T) {
	el, q := queueLoop(t)
	c, peer := pair(t, el)
	c.SetWriteQueue(q)
	c.AppendString("-ERR bye\r\n")
	c.CloseAfterFlush()
	c.AppendString("dropped")
	el.ProcessEvents(ae.FileEvents | ae.DontWait | ae.CallBeforeSleep)
	if got := string(drain(peer)); got != "-ERR bye\r\n" {
		t.Fatalf("peer got %q", got)
	}
	if n, err := unix.Read(peer, make([]byte, 1)); n != 0 || err != nil {
		t.Fatalf("after the flush: read %d, %v; want EOF", n, err)
	}
	if c.FD() != -1 {
		t.Fatal("the Conn is still open")
	}
}

// Input: a queue with Limit 1 MiB and a peer that never reads; 2 MiB
// appended in 64 KiB pieces, with a write in between. Expected: once the
// pending output passes the limit the Conn is closed (default OnLimit)
// and its output dropped; with an OnLimit set, that runs instead, with
// the output already dropped.
func TestWriteQueueLimit(t *testing.T) {
	el, q := queueLoop(t)
	q.Limit = 1 << 20
	c, _ := pair(t, el)
	c.SetWriteQueue(q)
	piece := make([]byte, 64<<10)
	for i := 0; i < 32 && c.FD() >= 0; i++ {
		c.Append(piece)
		el.ProcessEvents(ae.FileEvents | ae.DontWait | ae.CallBeforeSleep)
	}
	if c.FD() != -1 || c.Pending() != 0 {
		t.Fatalf("past the limit: fd %d, pending %d; want closed and dropped", c.FD(), c.Pending())
	}
	hit := 0
	q.OnLimit = func(c *Conn) { hit++ }
	d, _ := pair(t, el)
	d.SetWriteQueue(q)
	d.Append(make([]byte, 2<<20))
	if hit != 1 || d.Pending() != 0 || d.FD() < 0 {
		t.Fatalf("OnLimit ran %d times, pending %d, fd %d", hit, d.Pending(), d.FD())
	}
}

// Input: a write to a peer that has closed. Expected: OnWriteError sees
// EPIPE and the Conn is closed.
func TestWriteQueueWriteError(t *testing.T) {
	el, q := queueLoop(t)
	c, peer := pair(t, el)
	c.SetWriteQueue(q)
	var werr error
	q.OnWriteError = func(_ *Conn, err error) { werr = err }
	unix.Close(peer)
	c.AppendString("x")
	el.ProcessEvents(ae.FileEvents | ae.DontWait | ae.CallBeforeSleep)
	if werr != unix.EPIPE || c.FD() != -1 {
		t.Fatalf("write error %v, fd %d; want EPIPE and closed", werr, c.FD())
	}
}

// Input: 1000 rounds of: peer sends a request, the read handler reads it
// and appends a reply, before-sleep writes it, the peer reads it.
// Expected: no allocation per round in steady state (the loop's hot path
// with a Conn and a WriteQueue).
func TestZeroAllocsRequestReply(t *testing.T) {
	el, q := queueLoop(t)
	c, peer := pair(t, el)
	c.SetWriteQueue(q)
	buf := make([]byte, 64)
	c.SetReadHandler(func(c *Conn) {
		n, _ := c.Read(buf)
		c.Append(buf[:n])
	})
	req := []byte("PING\r\n")
	back := make([]byte, 64)
	round := func() {
		unix.Write(peer, req)
		el.ProcessEvents(ae.FileEvents | ae.DontWait | ae.CallBeforeSleep)
		unix.Read(peer, back)
	}
	for i := 0; i < 100; i++ {
		round()
	}
	if a := testing.AllocsPerRun(1000, round); a != 0 {
		t.Fatalf("%.1f allocations per request/reply", a)
	}
}

// Input: Send of a short reply, then of 4 MiB to a peer that is not
// reading, then of a short reply while that output is pending.
// Expected: the short one is written at once and not kept; the big one
// is written as far as the socket takes it and the rest kept without a
// copy (the output's buffer is p's own backing array); the last one is
// kept whole, behind it; the peer then reads everything in order.
func TestSendKeepsWithoutCopy(t *testing.T) {
	el, q := queueLoop(t)
	c, peer := pair(t, el)
	c.SetWriteQueue(q)
	if kept, ok := c.Send([]byte("+OK\r\n")); kept || !ok || string(drain(peer)) != "+OK\r\n" {
		t.Fatalf("short Send: kept %v ok %v", kept, ok)
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<18)
	want := append([]byte(nil), big...)
	kept, ok := c.Send(big)
	if !kept || !ok || c.Pending() == 0 {
		t.Fatalf("big Send: kept %v ok %v pending %d", kept, ok, c.Pending())
	}
	written := len(big) - c.Pending()
	if &c.out.bufs[0][0] != &big[written] {
		t.Fatal("the unwritten rest was copied")
	}
	if kept, _ := c.Send([]byte("tail")); !kept {
		t.Fatal("Send behind pending output did not keep it")
	}
	want = append(want, "tail"...)
	// The peer reads between iterations, which must not block: the
	// writer fills the socketpair again at every before-sleep.
	var got []byte
	deadline := time.Now().Add(10 * time.Second)
	for c.Pending() > 0 || len(got) < len(want) {
		if time.Now().After(deadline) {
			t.Fatalf("not all written in 10 s: pending %d, read %d of %d", c.Pending(), len(got), len(want))
		}
		got = append(got, drain(peer)...)
		el.ProcessEvents(ae.FileEvents | ae.DontWait | ae.CallBeforeSleep)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("the peer's bytes differ")
	}
}
