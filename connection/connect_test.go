package connection

import (
	"errors"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/goae/goae/ae"
	"golang.org/x/sys/unix"
)

// listenRaw returns a Go net listener on a free loopback port, closed at
// the end, and its port.
func listenRaw(t *testing.T) (net.Listener, int) {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln, ln.Addr().(*net.TCPAddr).Port
}

// Input: Connect to a listening loopback port by IP, then by the name
// "localhost", with a read handler and output set while connecting.
// Expected: Connect returns at once with StateConnecting; the handler
// runs on the loop with StateConnected; the output appended before the
// connect completed arrives; the name is resolved without blocking the
// loop (a timer due meanwhile keeps firing).
func TestConnect(t *testing.T) {
	for _, host := range []string{"127.0.0.1", "localhost"} {
		t.Run(host, func(t *testing.T) {
			el := newLoop(t, 64)
			q := NewWriteQueue(el)
			el.SetBeforeSleepProc(func(*ae.EventLoop) { q.BeforeSleep() })
			ln, port := listenRaw(t)
			accepted := make(chan string, 1)
			go func() {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				defer c.Close()
				c.SetReadDeadline(time.Now().Add(10 * time.Second))
				buf := make([]byte, 5)
				n, _ := c.Read(buf)
				accepted <- string(buf[:n])
			}()
			c := NewSocket(el)
			c.SetWriteQueue(q)
			var state State = 255
			if err := c.Connect(host, port, ConnectOptions{Timeout: 10 * time.Second}, func(c *Conn) { state = c.State() }); err != nil {
				t.Fatal(err)
			}
			if c.State() != StateConnecting {
				t.Fatalf("state after Connect: %v", c.State())
			}
			c.AppendString("hello")
			ticks := 0
			el.CreateTimeEvent(1, func(*ae.EventLoop, int64, any) int { ticks++; return 1 }, nil, nil)
			runUntil(t, el, "connect", func() bool { return state != 255 && c.Pending() == 0 })
			if state != StateConnected {
				t.Fatalf("handler saw %v (%v)", state, c.LastError())
			}
			if got := <-accepted; got != "hello" {
				t.Fatalf("server read %q", got)
			}
			c.Close()
		})
	}
}

// Input: Connect to a closed loopback port, and to a name that does not
// resolve (".invalid", RFC 6761). Expected: the handler runs with
// StateError and LastError ECONNREFUSED, or the resolver's error; no fd
// is left registered.
func TestConnectFails(t *testing.T) {
	el := newLoop(t, 64)
	_, port := listenRaw(t)
	// Take a port, then free it: nothing listens there.
	ln, _ := net.Listen("tcp4", "127.0.0.1:0")
	closed := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	_ = port
	for _, c := range []struct {
		host string
		port int
		want func(error) bool
	}{
		{"127.0.0.1", closed, func(err error) bool { return errors.Is(err, unix.ECONNREFUSED) }},
		{"no-such-host.invalid", 1, func(err error) bool { var de *net.DNSError; return errors.As(err, &de) }},
	} {
		conn := NewSocket(el)
		done := false
		if err := conn.Connect(c.host, c.port, ConnectOptions{Timeout: 10 * time.Second}, func(*Conn) { done = true }); err != nil {
			t.Fatal(err)
		}
		runUntil(t, el, "connect to "+c.host, func() bool { return done })
		if conn.State() != StateError || !c.want(conn.LastError()) {
			t.Fatalf("%s:%d: state %v, error %v", c.host, c.port, conn.State(), conn.LastError())
		}
		conn.Close()
	}
	if el.MaxFD() != -1 {
		t.Fatalf("an fd is still registered: MaxFD %d", el.MaxFD())
	}
	if err := NewSocket(el).Connect("127.0.0.1", 70000, ConnectOptions{}, nil); err == nil {
		t.Fatal("port 70000 accepted")
	}
}

// Input: a listening socket with backlog 0 whose accept queue is filled
// by connections nobody accepts, so the next SYN is dropped; Connect to
// it with a 300 ms timeout. Expected: the handler runs with StateError
// and LastError matching ETIMEDOUT, not before 300 ms; the socket is
// closed (nothing registered).
func TestConnectTimeout(t *testing.T) {
	lfd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(lfd)
	unix.Bind(lfd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}})
	unix.Listen(lfd, 0)
	sa, _ := unix.Getsockname(lfd)
	port := sa.(*unix.SockaddrInet4).Port
	// Fill the accept queue (backlog 0 holds one on Linux).
	for i := 0; i < 3; i++ {
		d := net.Dialer{Timeout: 200 * time.Millisecond}
		if c, err := d.Dial("tcp4", "127.0.0.1:"+strconv.Itoa(port)); err == nil {
			defer c.Close()
		}
	}
	el := newLoop(t, 64)
	c := NewSocket(el)
	done := false
	start := time.Now()
	if err := c.Connect("127.0.0.1", port, ConnectOptions{Timeout: 300 * time.Millisecond}, func(*Conn) { done = true }); err != nil {
		t.Fatal(err)
	}
	runUntil(t, el, "connect timeout", func() bool { return done })
	if c.State() == StateConnected {
		t.Skip("the kernel completed the connect: the accept queue did not fill")
	}
	if !errors.Is(c.LastError(), unix.ETIMEDOUT) || time.Since(start) < 300*time.Millisecond {
		t.Fatalf("state %v, error %v after %v; want ETIMEDOUT after >= 300ms", c.State(), c.LastError(), time.Since(start))
	}
	if el.MaxFD() != -1 || c.FD() != -1 {
		t.Fatalf("socket left open: fd %d, MaxFD %d", c.FD(), el.MaxFD())
	}
}

// Input: Connect by name, then Close before the name resolves.
// Expected: the handler never runs and no socket is made.
func TestCloseWhileResolving(t *testing.T) {
	el := newLoop(t, 64)
	_, port := listenRaw(t)
	c := NewSocket(el)
	ran := false
	c.Connect("localhost", port, ConnectOptions{}, func(*Conn) { ran = true })
	c.Close()
	deadline := time.Now().Add(300 * time.Millisecond)
	for time.Now().Before(deadline) {
		el.ProcessEvents(ae.FileEvents | ae.DontWait)
		time.Sleep(5 * time.Millisecond)
	}
	if ran || el.MaxFD() != -1 {
		t.Fatalf("handler ran %v, MaxFD %d after Close during resolution", ran, el.MaxFD())
	}
}
