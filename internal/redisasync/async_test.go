package redisasync

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/internal/testenv"
	"golang.org/x/sys/unix"
)

// Input: three GETs pipelined to a fake server that reads them, writes
// the first reply whole and half of the second ("$10\r\nhello"), and
// closes. Expected: the first callback gets "foo"; the second and third
// get nil, in order; then the disconnect callback runs once, with
// ErrEOF; the context is no longer connected and refuses commands.
func TestServerClosesMidReply(t *testing.T) {
	el := newLoop(t)
	port := fakeServer(t, func(c net.Conn) {
		r := bufio.NewReader(c)
		for i := 0; i < 3; i++ {
			if _, err := readCommand(r); err != nil {
				return
			}
		}
		io.WriteString(c, "$3\r\nfoo\r\n$10\r\nhello")
	})
	c := connect(t, el, port)
	rec := &recorder{}
	c.SetDisconnectCallback(rec.onDisconnect)
	for i := 1; i <= 3; i++ {
		c.CommandString(rec.cb, i, "GET", "k"+strconv.Itoa(i))
	}
	runUntil(t, el, "disconnect", func() bool { return rec.count("disconnect") > 0 })
	want := []string{`reply 1 "foo"`, "reply 2 <no reply>", "reply 3 <no reply>", "disconnect"}
	if len(rec.events) != len(want) {
		t.Fatalf("events %+v", rec.events)
	}
	for i, e := range rec.events {
		got := e.what
		if e.what == "reply" {
			got = fmt.Sprintf("reply %v %s", e.priv, e.reply)
		}
		if got != want[i] {
			t.Errorf("event %d: %s, want %s", i, got, want[i])
		}
	}
	if err := rec.events[3].err; !errors.Is(err, ErrEOF) || !errors.Is(c.Err(), ErrEOF) {
		t.Errorf("disconnect error %v (Err %v), want ErrEOF", err, c.Err())
	}
	if c.Connected() || c.Pending() != 0 || c.CommandString(nil, nil, "PING") != ErrClosed {
		t.Errorf("after disconnect: connected %v, pending %d", c.Connected(), c.Pending())
	}
}

// Input: a fake server that answers a PING with a nested array reply
// holding every RESP2 type, written one byte per write with a pause
// between them, then a status reply the same way. Expected: the replies
// come whole to their callbacks, equal to what was sent.
func TestReplySplitInto1ByteWrites(t *testing.T) {
	el := newLoop(t)
	reply1 := "*5\r\n+OK\r\n-ERR e\r\n:42\r\n*2\r\n$5\r\nhello\r\n$-1\r\n*-1\r\n"
	reply2 := "+PONG\r\n"
	port := fakeServer(t, func(c net.Conn) {
		r := bufio.NewReader(c)
		for _, reply := range []string{reply1, reply2} {
			if _, err := readCommand(r); err != nil {
				return
			}
			for i := 0; i < len(reply); i++ {
				c.Write([]byte{reply[i]})
				time.Sleep(time.Millisecond)
			}
		}
		io.Copy(io.Discard, c)
	})
	c := connect(t, el, port)
	rec := &recorder{}
	c.CommandString(rec.cb, nil, "PING")
	c.CommandString(rec.cb, nil, "PING")
	runUntil(t, el, "replies", func() bool { return len(rec.events) == 2 })
	if got := rec.events[0].reply; got != `["OK" (error) ERR e 42 ["hello" (nil)] (nil)]` {
		t.Errorf("reply 1: %s", got)
	}
	if got := rec.events[1].reply; got != `"PONG"` {
		t.Errorf("reply 2: %s", got)
	}
}

// Input: Connect by the name "localhost" (so the connect cannot be over
// before the loop runs), then five commands at once, before any loop
// iteration. Expected: Connect returns a context at once; the commands
// are accepted and counted pending with their bytes held; once the loop
// runs, the connect callback runs first, then the five replies come in
// order.
func TestCommandsBeforeConnect(t *testing.T) {
	el := newLoop(t)
	port := okServer(t)
	c, err := Connect(el, "localhost", port, Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Free()
	rec := &recorder{}
	c.SetConnectCallback(rec.onConnect)
	for i := 0; i < 5; i++ {
		if err := c.CommandString(rec.cb, i, "ECHO", "m"+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	if c.Connected() || c.Pending() != 5 || c.OutputPending() == 0 {
		t.Fatalf("before the loop: connected %v, pending %d, output %d", c.Connected(), c.Pending(), c.OutputPending())
	}
	runUntil(t, el, "replies", func() bool { return len(rec.events) == 6 })
	if e := rec.events[0]; e.what != "connect" || e.err != nil {
		t.Fatalf("first event %+v", e)
	}
	for i, e := range rec.events[1:] {
		if e.priv != i || e.reply != strconv.Quote("m"+strconv.Itoa(i)) {
			t.Errorf("reply %d: %+v", i, e)
		}
	}
	if c.Pending() != 0 {
		t.Errorf("pending %d after all replies", c.Pending())
	}
}

// Input: the writable event across a command's life: a command sent on
// a connected context, the loop run until its reply. Expected: the
// writable event is installed while the command waits to be written and
// removed once it is (hiredis's ae adapter); reading stays installed.
func TestWritableOnlyWhileOutputPending(t *testing.T) {
	el := newLoop(t)
	c := connect(t, el, okServer(t))
	connected := false
	c.SetConnectCallback(func(*Context, error) { connected = true })
	runUntil(t, el, "connect", func() bool { return connected })
	fd := c.Conn().FD()
	if m := el.GetFileEvents(fd); m != ae.Readable {
		t.Fatalf("idle: events %v, want readable only", m)
	}
	got := false
	c.CommandString(func(*Context, *Reply, any) { got = true }, nil, "PING")
	if m := el.GetFileEvents(fd); m != ae.Readable|ae.Writable {
		t.Fatalf("command queued: events %v, want readable and writable", m)
	}
	runUntil(t, el, "reply", func() bool { return got })
	if m := el.GetFileEvents(fd); m != ae.Readable {
		t.Fatalf("drained: events %v, want readable only", m)
	}
}

// Input: Connect to a loopback port nobody listens on, with two
// commands queued. Expected: either Connect fails at once, or the
// connect callback gets ECONNREFUSED; the queued callbacks get nil
// before that; the disconnect callback never runs (the context never
// connected, as in hiredis).
func TestConnectRefused(t *testing.T) {
	el := newLoop(t)
	port := testenv.FreePort(t)
	c, err := Connect(el, "127.0.0.1", port, Options{})
	if err != nil {
		if !errors.Is(err, unix.ECONNREFUSED) {
			t.Fatalf("Connect: %v", err)
		}
		return
	}
	rec := &recorder{}
	c.SetConnectCallback(rec.onConnect)
	c.SetDisconnectCallback(rec.onDisconnect)
	c.CommandString(rec.cb, 1, "PING")
	c.CommandString(rec.cb, 2, "PING")
	runUntil(t, el, "connect failure", func() bool { return rec.count("connect") > 0 })
	runFor(el, 20*time.Millisecond)
	if len(rec.events) != 3 || rec.events[0].what != "connect" || rec.count("reply") != 2 || rec.count("disconnect") != 0 {
		t.Fatalf("events %+v", rec.events)
	}
	if !errors.Is(rec.events[0].err, unix.ECONNREFUSED) || !errors.Is(c.Err(), unix.ECONNREFUSED) {
		t.Fatalf("connect error %v", rec.events[0].err)
	}
	for _, e := range rec.events[1:] {
		if e.reply != "<no reply>" {
			t.Fatalf("pending callback got %s", e.reply)
		}
	}
	if el.MaxFD() != -1 {
		t.Fatalf("fd left registered: MaxFD %d", el.MaxFD())
	}
}

// Input: a listening socket with backlog 0 whose accept queue is filled,
// so the next SYN is dropped; Connect to it with a 200 ms timeout and a
// command queued. Expected: the connect callback gets ETIMEDOUT no
// sooner than 200 ms; the command's callback gets nil.
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
	for i := 0; i < 3; i++ {
		d := net.Dialer{Timeout: 200 * time.Millisecond}
		if c, err := d.Dial("tcp4", "127.0.0.1:"+strconv.Itoa(port)); err == nil {
			defer c.Close()
		}
	}
	el := newLoop(t)
	start := time.Now()
	c, err := Connect(el, "127.0.0.1", port, Options{Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	c.SetConnectCallback(rec.onConnect)
	c.CommandString(rec.cb, nil, "PING")
	runUntil(t, el, "connect timeout", func() bool { return rec.count("connect") > 0 })
	if rec.events[0].err == nil {
		t.Skip("the kernel completed the connect: the accept queue did not fill")
	}
	if !errors.Is(rec.events[0].err, unix.ETIMEDOUT) || time.Since(start) < 200*time.Millisecond {
		t.Fatalf("connect error %v after %v, want ETIMEDOUT after >= 200ms", rec.events[0].err, time.Since(start))
	}
	if len(rec.events) != 2 || rec.events[1].reply != "<no reply>" {
		t.Fatalf("events %+v", rec.events)
	}
}

// Input: three pipelined commands whose replies arrive in one read; the
// first callback calls Free, then checks the context, then sends a
// command. Expected: inside the callback the context is intact (Free is
// deferred: still connected, 2 pending) but refuses the command; once
// the callback returns, the other two callbacks get nil even though
// their replies were read, then the disconnect callback runs once with
// nil; a Free from inside those nil callbacks and the disconnect
// callback does nothing more.
func TestFreeInsideCallback(t *testing.T) {
	el := newLoop(t)
	port := fakeServer(t, func(c net.Conn) {
		r := bufio.NewReader(c)
		for i := 0; i < 3; i++ {
			readCommand(r)
		}
		io.WriteString(c, "+a\r\n+b\r\n+c\r\n")
		io.Copy(io.Discard, c)
	})
	c := connect(t, el, port)
	rec := &recorder{}
	var inside string
	c.SetDisconnectCallback(func(c *Context, err error) {
		rec.onDisconnect(c, err)
		c.Free()
	})
	c.CommandString(func(c *Context, r *Reply, priv any) {
		rec.cb(c, r, priv)
		c.Free()
		inside = fmt.Sprintf("connected=%v pending=%d cmd=%v", c.Connected(), c.Pending(), c.CommandString(nil, nil, "PING"))
	}, 1, "PING")
	for i := 2; i <= 3; i++ {
		c.CommandString(func(c *Context, r *Reply, priv any) { rec.cb(c, r, priv); c.Free() }, i, "PING")
	}
	runUntil(t, el, "disconnect", func() bool { return rec.count("disconnect") > 0 })
	runFor(el, 20*time.Millisecond)
	if want := "connected=true pending=2 cmd=" + ErrClosed.Error(); inside != want {
		t.Errorf("inside the callback: %s, want %s", inside, want)
	}
	var got []string
	for _, e := range rec.events {
		got = append(got, fmt.Sprintf("%s %v %s %v", e.what, e.priv, e.reply, e.err))
	}
	want := []string{`reply 1 "a" <nil>`, "reply 2 <no reply> <nil>", "reply 3 <no reply> <nil>", "disconnect <nil>  <nil>"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("events\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// Input: three pipelined commands; the first callback calls Disconnect
// and then tries another command. Expected: the command is refused; the
// other two callbacks still get their replies ("b", "c"); then the
// socket closes and the disconnect callback runs once with nil.
func TestDisconnectInsideCallback(t *testing.T) {
	el := newLoop(t)
	port := fakeServer(t, func(c net.Conn) {
		r := bufio.NewReader(c)
		for _, s := range []string{"a", "b", "c"} {
			readCommand(r)
			io.WriteString(c, "+"+s+"\r\n")
		}
		io.Copy(io.Discard, c)
	})
	c := connect(t, el, port)
	rec := &recorder{}
	c.SetDisconnectCallback(rec.onDisconnect)
	var refused error
	c.CommandString(func(c *Context, r *Reply, priv any) {
		rec.cb(c, r, priv)
		c.Disconnect()
		refused = c.CommandString(nil, nil, "PING")
	}, 1, "PING")
	c.CommandString(rec.cb, 2, "PING")
	c.CommandString(rec.cb, 3, "PING")
	runUntil(t, el, "disconnect", func() bool { return rec.count("disconnect") > 0 })
	var got []string
	for _, e := range rec.events {
		got = append(got, fmt.Sprintf("%s %s %v", e.what, e.reply, e.err))
	}
	if want := `reply "a" <nil>|reply "b" <nil>|reply "c" <nil>|disconnect  <nil>`; strings.Join(got, "|") != want {
		t.Errorf("events %s, want %s", strings.Join(got, "|"), want)
	}
	if refused != ErrClosed {
		t.Errorf("command after Disconnect: %v", refused)
	}
	if c.Conn().FD() != -1 {
		t.Errorf("socket still open")
	}
}

// Input: Disconnect with nothing pending, outside any callback; Free
// inside the connect callback with a command queued. Expected: the first
// closes at once, disconnect callback with nil; the second runs the
// queued callback with nil, then the disconnect callback with nil.
func TestDisconnectIdleAndFreeInConnect(t *testing.T) {
	el := newLoop(t)
	port := okServer(t)
	c := connect(t, el, port)
	rec := &recorder{}
	c.SetDisconnectCallback(rec.onDisconnect)
	c.SetConnectCallback(func(*Context, error) {})
	runUntil(t, el, "connect", c.Connected)
	c.Disconnect()
	if len(rec.events) != 1 || rec.events[0].what != "disconnect" || rec.events[0].err != nil || c.Conn().FD() != -1 {
		t.Fatalf("idle Disconnect: %+v", rec.events)
	}

	c2 := connect(t, el, port)
	rec2 := &recorder{}
	c2.SetDisconnectCallback(rec2.onDisconnect)
	c2.SetConnectCallback(func(c *Context, err error) { c.Free() })
	c2.CommandString(rec2.cb, nil, "PING")
	runUntil(t, el, "free in connect", func() bool { return rec2.count("disconnect") > 0 })
	if len(rec2.events) != 2 || rec2.events[0].reply != "<no reply>" || rec2.events[1].err != nil {
		t.Fatalf("Free in connect callback: %+v", rec2.events)
	}
}

// Input: a fake server that answers with a reply type byte RESP does not
// have ("!"), and one that sends a bulk of 2 MiB to a context with
// MaxBulkLen 1 MiB, each with two commands pending. Expected: the
// context disconnects with a *ProtocolError, both callbacks get nil,
// nothing panics.
func TestProtocolErrorDisconnects(t *testing.T) {
	for _, tc := range []struct {
		reply string
		opts  Options
	}{
		{"!what\r\n", Options{}},
		{"$2097152\r\n" + strings.Repeat("x", 100), Options{MaxBulkLen: 1 << 20}},
	} {
		el := newLoop(t)
		port := answerServer(t, func([]string) string { return tc.reply })
		tc.opts.Timeout = 10 * time.Second
		c, err := Connect(el, "127.0.0.1", port, tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		rec := &recorder{}
		c.SetDisconnectCallback(rec.onDisconnect)
		c.CommandString(rec.cb, nil, "PING")
		c.CommandString(rec.cb, nil, "PING")
		runUntil(t, el, "disconnect", func() bool { return rec.count("disconnect") > 0 })
		var pe *ProtocolError
		if len(rec.events) != 3 || rec.events[0].reply != "<no reply>" || rec.events[1].reply != "<no reply>" ||
			!errors.As(rec.events[2].err, &pe) {
			t.Errorf("%.20q: events %+v", tc.reply, rec.events)
		}
	}
}

// Input: a fake server that, as Redis past maxclients, sends an error
// reply at once and closes, to a context with no command pending, then
// to one with a PING pending. Expected: with none pending, the
// disconnect error is a *ServerError with the server's text, not
// ErrEOF; with one pending, the error is that command's reply and the
// disconnect error the close (EOF or reset).
func TestSpontaneousError(t *testing.T) {
	el := newLoop(t)
	port := fakeServer(t, func(c net.Conn) {
		io.WriteString(c, "-ERR max number of clients reached\r\n")
	})
	c := connect(t, el, port)
	rec := &recorder{}
	c.SetDisconnectCallback(rec.onDisconnect)
	runUntil(t, el, "disconnect", func() bool { return rec.count("disconnect") > 0 })
	var se *ServerError
	if !errors.As(rec.events[0].err, &se) || se.Msg != "ERR max number of clients reached" {
		t.Fatalf("disconnect error %v", rec.events[0].err)
	}

	c2 := connect(t, el, port)
	rec2 := &recorder{}
	c2.SetDisconnectCallback(rec2.onDisconnect)
	c2.CommandString(rec2.cb, nil, "PING")
	runUntil(t, el, "disconnect", func() bool { return rec2.count("disconnect") > 0 })
	// The close comes as EOF, or as a reset when the PING reached the
	// server's socket unread.
	if rec2.events[0].reply != "(error) ERR max number of clients reached" ||
		!(errors.Is(rec2.events[1].err, ErrEOF) || errors.Is(rec2.events[1].err, unix.ECONNRESET)) {
		t.Fatalf("events %+v", rec2.events)
	}
}

// Input: a fake pub/sub server: SUBSCRIBE a b with one callback,
// PSUBSCRIBE n* with another, then it pushes a message on a, a pmessage
// on n*, a message on an unknown channel, then the connection closes.
// Expected: each message reaches its channel's or pattern's callback
// (the unknown one none), confirmations included; on close each of the
// three subscriptions' callbacks gets nil, then the disconnect callback.
func TestSubscribedDisconnect(t *testing.T) {
	el := newLoop(t)
	port := fakeServer(t, func(c net.Conn) {
		r := bufio.NewReader(c)
		readCommand(r)
		readCommand(r)
		io.WriteString(c, "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n"+
			"*3\r\n$10\r\npsubscribe\r\n$2\r\nn*\r\n:3\r\n"+
			"*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$2\r\nhi\r\n"+
			"*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$2\r\nno\r\n$3\r\nyes\r\n"+
			"*3\r\n$7\r\nmessage\r\n$1\r\nz\r\n$1\r\n?\r\n")
	})
	c := connect(t, el, port)
	rec := &recorder{}
	c.SetDisconnectCallback(rec.onDisconnect)
	c.CommandString(rec.cb, "ab", "SUBSCRIBE", "a", "b")
	c.CommandString(rec.cb, "n", "PSUBSCRIBE", "n*")
	if !c.Subscribed() || c.Pending() != 0 {
		t.Fatalf("subscribed %v pending %d", c.Subscribed(), c.Pending())
	}
	runUntil(t, el, "disconnect", func() bool { return rec.count("disconnect") > 0 })
	var got []string
	for _, e := range rec.events[:5] {
		got = append(got, fmt.Sprintf("%v %s", e.priv, e.reply))
	}
	want := `ab ["subscribe" "a" 1]|ab ["subscribe" "b" 2]|n ["psubscribe" "n*" 3]|ab ["message" "a" "hi"]|n ["pmessage" "n*" "no" "yes"]`
	if strings.Join(got, "|") != want {
		t.Fatalf("got %s\nwant %s", strings.Join(got, "|"), want)
	}
	rest := rec.events[5:]
	if len(rest) != 4 || rest[3].what != "disconnect" || !errors.Is(rest[3].err, ErrEOF) {
		t.Fatalf("after the messages: %+v", rest)
	}
	for _, e := range rest[:3] {
		if e.reply != "<no reply>" {
			t.Fatalf("subscription callback on close got %s", e.reply)
		}
	}
}

// Input: a subscription callback that Frees the context on its first
// message while two more messages are in the same read (the sentinel's
// hello handler resetting the master whose link it is). Expected: the
// first message is delivered, then the subscription callback gets nil
// once, then the disconnect callback; the two later messages are not.
func TestFreeInsideMessageCallback(t *testing.T) {
	el := newLoop(t)
	port := fakeServer(t, func(c net.Conn) {
		readCommand(bufio.NewReader(c))
		msg := "*3\r\n$7\r\nmessage\r\n$1\r\nh\r\n$1\r\nx\r\n"
		io.WriteString(c, "*3\r\n$9\r\nsubscribe\r\n$1\r\nh\r\n:1\r\n"+msg+msg+msg)
		io.Copy(io.Discard, c)
	})
	c := connect(t, el, port)
	rec := &recorder{}
	c.SetDisconnectCallback(rec.onDisconnect)
	c.CommandString(func(c *Context, r *Reply, priv any) {
		rec.cb(c, r, priv)
		if r != nil && string(r.Elements[0].Str) == "message" {
			c.Free()
		}
	}, nil, "SUBSCRIBE", "h")
	runUntil(t, el, "disconnect", func() bool { return rec.count("disconnect") > 0 })
	var got []string
	for _, e := range rec.events {
		got = append(got, e.what+" "+e.reply)
	}
	want := `reply ["subscribe" "h" 1]|reply ["message" "h" "x"]|reply <no reply>|disconnect `
	if strings.Join(got, "|") != want {
		t.Fatalf("got %s\nwant %s", strings.Join(got, "|"), want)
	}
}

// Input: subscribed-mode bookkeeping without a server: UNSUBSCRIBE when
// not subscribed; a command with no arguments. Expected: ErrNotSubscribed
// and ErrNoCommand; nothing queued.
func TestCommandRefusals(t *testing.T) {
	el := newLoop(t)
	c := connect(t, el, okServer(t))
	if err := c.CommandString(nil, nil, "UNSUBSCRIBE"); err != ErrNotSubscribed {
		t.Errorf("UNSUBSCRIBE: %v", err)
	}
	if err := c.Command(nil, nil); err != ErrNoCommand {
		t.Errorf("no arguments: %v", err)
	}
	if c.Pending() != 0 || c.OutputPending() != 0 {
		t.Errorf("pending %d, output %d", c.Pending(), c.OutputPending())
	}
}

// Input: the steady path of one command and its reply on a connected
// context, against a server on a raw socket in the test's own goroutine
// (so that only the client is measured): Command with []byte arguments
// and with strings, then a pub/sub message to a subscribed context.
// Expected: no allocation per command and reply, after a warm-up.
func TestAllocsPerCommand(t *testing.T) {
	lfd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(lfd)
	unix.Bind(lfd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}})
	unix.Listen(lfd, 16)
	sa, _ := unix.Getsockname(lfd)
	el := newLoop(t)
	c := connect(t, el, sa.(*unix.SockaddrInet4).Port)
	sfd, _, err := unix.Accept(lfd)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(sfd)
	runUntil(t, el, "connect", c.Connected)

	buf := make([]byte, 4096)
	got := 0
	cb := func(*Context, *Reply, any) { got++ }
	key, val := []byte("key"), []byte("value")
	reply := []byte("$5\r\nvalue\r\n")
	roundTrip := func(send func()) {
		want := got + 1
		if send != nil {
			send()
			for c.OutputPending() > 0 {
				el.ProcessEvents(ae.FileEvents)
			}
			unix.Read(sfd, buf)
		}
		unix.Write(sfd, reply)
		for got < want {
			el.ProcessEvents(ae.FileEvents)
		}
	}
	cases := []struct {
		name string
		send func()
	}{
		{"Command", func() { c.Command(cb, nil, []byte("SET"), key, val) }},
		{"CommandString", func() { c.CommandString(cb, c, "GET", "key") }},
	}
	for _, tc := range cases {
		roundTrip(tc.send)
		if n := testing.AllocsPerRun(100, func() { roundTrip(tc.send) }); n != 0 {
			t.Errorf("%s: %v allocations per command and reply", tc.name, n)
		}
	}

	c.CommandString(cb, nil, "SUBSCRIBE", "chan")
	for c.OutputPending() > 0 {
		el.ProcessEvents(ae.FileEvents)
	}
	unix.Read(sfd, buf)
	reply = []byte("*3\r\n$9\r\nsubscribe\r\n$4\r\nchan\r\n:1\r\n")
	roundTrip(nil)
	reply = []byte("*3\r\n$7\r\nmessage\r\n$4\r\nchan\r\n$2\r\nhi\r\n")
	if n := testing.AllocsPerRun(100, func() { roundTrip(nil) }); n != 0 {
		t.Errorf("message: %v allocations per message", n)
	}
}
