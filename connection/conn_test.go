package connection

import (
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/goae/goae/ae"
	"golang.org/x/sys/unix"
)

// Input: a connected Conn; the peer writes "hello", then nothing, then
// closes. Expected: Read gives "hello"; then ErrWouldBlock with the state
// still StateConnected (Redis: -1 and CONN_STATE_CONNECTED); then io.EOF
// and StateClosed. A Read on the closed Conn gives ErrClosed.
func TestReadStates(t *testing.T) {
	el := newLoop(t, 64)
	c, peer := pair(t, el)
	unix.Write(peer, []byte("hello"))
	buf := make([]byte, 16)
	if n, err := c.Read(buf); err != nil || string(buf[:n]) != "hello" {
		t.Fatalf("Read = %q, %v", buf[:n], err)
	}
	if n, err := c.Read(buf); n != 0 || err != ErrWouldBlock || !errors.Is(err, unix.EAGAIN) || c.State() != StateConnected {
		t.Fatalf("empty Read = %d, %v, %v; want 0, ErrWouldBlock, connected", n, err, c.State())
	}
	unix.Close(peer)
	if n, err := c.Read(buf); n != 0 || err != io.EOF || c.State() != StateClosed {
		t.Fatalf("Read after peer close = %d, %v, %v; want 0, EOF, closed", n, err, c.State())
	}
	c.Close()
	if _, err := c.Read(buf); err != ErrClosed {
		t.Fatalf("Read after Close = %v, want ErrClosed", err)
	}
	if c.FD() != -1 {
		t.Fatalf("FD after Close = %d", c.FD())
	}
}

// Input: a write to a socketpair whose peer has closed. Expected: an
// error (EPIPE), StateError, LastError set to it; the process survives
// (the Go runtime turns SIGPIPE on fds other than 1 and 2 into EPIPE).
func TestWriteError(t *testing.T) {
	el := newLoop(t, 64)
	c, peer := pair(t, el)
	unix.Close(peer)
	_, err := c.Write([]byte("x"))
	if !errors.Is(err, unix.EPIPE) || c.State() != StateError || c.LastError() != err {
		t.Fatalf("Write to closed peer = %v, state %v, last %v; want EPIPE, error", err, c.State(), c.LastError())
	}
}

// Input: a Conn readable and writable in the same iteration, with a read
// and a write handler, without and with the barrier. Expected: one ae
// handler for the fd (ae sees the same proc both ways); read then write,
// and with the barrier write then read.
func TestHandlerOrderAndBarrier(t *testing.T) {
	for _, barrier := range []bool{false, true} {
		el := newLoop(t, 64)
		c, peer := pair(t, el)
		var order []string
		c.SetReadHandler(func(c *Conn) { order = append(order, "read"); c.Read(make([]byte, 8)) })
		c.SetWriteHandlerWithBarrier(func(*Conn) { order = append(order, "write") }, barrier)
		unix.Write(peer, []byte("x"))
		el.ProcessEvents(ae.FileEvents | ae.DontWait)
		want := "[read write]"
		if barrier {
			want = "[write read]"
		}
		if s := fmt.Sprint(order); s != want {
			t.Fatalf("barrier %v: %s, want %s", barrier, s, want)
		}
		if m := el.GetFileEvents(c.FD()); m != ae.Readable|ae.Writable {
			t.Fatalf("registered mask %d, want R|W without ae.Barrier", m)
		}
	}
}

// Input: a readable and writable Conn whose read handler closes it.
// Expected: the write handler is not called; the Conn is valid inside
// the handler after Close (its state readable, FD -1), a second Close is
// a no-op, the peer sees EOF, and setting a handler afterwards fails.
func TestCloseInsideHandler(t *testing.T) {
	el := newLoop(t, 64)
	c, peer := pair(t, el)
	wrote := false
	c.SetReadHandler(func(c *Conn) {
		c.Read(make([]byte, 8))
		c.Close()
		c.Close()
		if c.FD() != -1 {
			t.Errorf("FD inside the handler after Close = %d", c.FD())
		}
	})
	c.SetWriteHandler(func(*Conn) { wrote = true })
	unix.Write(peer, []byte("x"))
	el.ProcessEvents(ae.FileEvents | ae.DontWait)
	if wrote {
		t.Fatal("the write handler ran after the read handler closed the Conn")
	}
	if n, err := unix.Read(peer, make([]byte, 1)); n != 0 || err != nil {
		t.Fatalf("peer read = %d, %v; want EOF", n, err)
	}
	if err := c.SetReadHandler(func(*Conn) {}); err != ErrClosed {
		t.Fatalf("SetReadHandler after Close = %v", err)
	}
	if el.MaxFD() != -1 {
		t.Fatalf("the closed Conn's fd is still registered (MaxFD %d)", el.MaxFD())
	}
}

// Input: a Conn closed by a handler of another Conn while both are in
// the same fired batch. Expected: the closed one's handler does not run.
func TestCloseOtherInSameBatch(t *testing.T) {
	el := newLoop(t, 64)
	a, pa := pair(t, el)
	b, pb := pair(t, el)
	ran := 0
	h := func(c *Conn) {
		ran++
		c.Read(make([]byte, 8))
		if c == a {
			b.Close()
		} else {
			a.Close()
		}
	}
	a.SetReadHandler(h)
	b.SetReadHandler(h)
	unix.Write(pa, []byte("x"))
	unix.Write(pb, []byte("x"))
	el.ProcessEvents(ae.FileEvents | ae.DontWait)
	if ran != 1 {
		t.Fatalf("%d handlers ran, want 1", ran)
	}
}

// Input: Accept on a Conn not in StateAccepting, and an accept handler
// that closes its Conn. Expected: the first fails; the second returns
// ErrClosed and the Conn is closed.
func TestAccept(t *testing.T) {
	el := newLoop(t, 64)
	c, _ := pair(t, el)
	if err := c.Accept(nil); err == nil {
		t.Fatal("Accept on a connected Conn succeeded")
	}
	fds, _ := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	defer unix.Close(fds[1])
	d := NewAcceptedSocket(el, fds[0])
	if d.State() != StateAccepting {
		t.Fatalf("state %v", d.State())
	}
	if err := d.Accept(func(c *Conn) { c.Close() }); err != ErrClosed || d.FD() != -1 {
		t.Fatalf("Accept with a closing handler = %v, fd %d", err, d.FD())
	}
}

// Input: SyncWrite of 4 MiB to a peer that reads from another goroutine,
// then SyncReadLine of "PONG\r\nrest" and of a line that never ends.
// Expected: all 4 MiB written; the line comes back as "PONG" with "rest"
// left unread; the unended line times out with ETIMEDOUT after about the
// timeout.
func TestSyncIO(t *testing.T) {
	el := newLoop(t, 64)
	c, peer := pair(t, el)
	got := make(chan int)
	go func() {
		total := 0
		buf := make([]byte, 1<<16)
		for total < 4<<20 {
			ae.Wait(peer, ae.Readable, time.Second)
			n, _ := unix.Read(peer, buf)
			if n > 0 {
				total += n
			}
		}
		got <- total
	}()
	if n, err := c.SyncWrite(make([]byte, 4<<20), 10*time.Second); n != 4<<20 || err != nil {
		t.Fatalf("SyncWrite = %d, %v", n, err)
	}
	if total := <-got; total != 4<<20 {
		t.Fatalf("peer read %d", total)
	}
	unix.Write(peer, []byte("PONG\r\nrest"))
	line, err := c.SyncReadLine(make([]byte, 64), time.Second)
	if err != nil || string(line) != "PONG" {
		t.Fatalf("SyncReadLine = %q, %v", line, err)
	}
	start := time.Now()
	if line, err := c.SyncReadLine(make([]byte, 64), 100*time.Millisecond); !errors.Is(err, unix.ETIMEDOUT) || string(line) != "rest" {
		t.Fatalf("unended line = %q, %v; want rest, ETIMEDOUT", line, err)
	}
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Fatalf("timed out after %v", d)
	}
}

// Input: StartLoops(3) whose second setup fails. Expected: the error is
// returned and no loop keeps running (StartLoops waits for them).
func TestStartLoopsSetupError(t *testing.T) {
	ran := make([]bool, 3)
	g, err := StartLoops(3, 16, func(i int, el *ae.EventLoop) error {
		ran[i] = true
		if i == 1 {
			return errors.New("no")
		}
		return nil
	})
	if g != nil || err == nil || err.Error() != "no" || !ran[0] || !ran[2] {
		t.Fatalf("StartLoops = %v, %v; ran %v", g, err, ran)
	}
}
