package redisasync

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/internal/testenv"
)

func newLoop(t testing.TB) *ae.EventLoop {
	t.Helper()
	el, err := ae.New(1024)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { el.Close() })
	return el
}

// runUntil runs loop iterations until cond holds, failing after a
// generous bound (a safety net, never the assertion).
func runUntil(t testing.TB, el *ae.EventLoop, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not reached in 10 s", what)
		}
		el.ProcessEvents(ae.AllEvents)
	}
}

// runFor runs the loop for d, for tests that check nothing more happens.
func runFor(el *ae.EventLoop, d time.Duration) {
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		el.ProcessEvents(ae.AllEvents | ae.DontWait)
		time.Sleep(time.Millisecond)
	}
}

// fakeServer is testenv.FakeServer with a 20 s deadline on each
// connection, so that a test that goes wrong ends.
func fakeServer(t testing.TB, serve func(c net.Conn)) int {
	t.Helper()
	return testenv.FakeServer(t, func(c net.Conn) {
		c.SetDeadline(time.Now().Add(20 * time.Second))
		serve(c)
	})
}

// readCommand reads one RESP array of bulk strings, as clients send.
func readCommand(r *bufio.Reader) ([]string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	if len(line) < 3 || line[0] != '*' {
		return nil, fmt.Errorf("not an array: %q", line)
	}
	n, err := strconv.Atoi(line[1 : len(line)-2])
	if err != nil {
		return nil, err
	}
	args := make([]string, n)
	for i := range args {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		l, err := strconv.Atoi(line[1 : len(line)-2])
		if err != nil || line[0] != '$' {
			return nil, fmt.Errorf("bad bulk header %q", line)
		}
		b := make([]byte, l+2)
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, err
		}
		args[i] = string(b[:l])
	}
	return args, nil
}

// answerServer is a fake server that answers every command with
// reply(args), until it returns "" (then it closes).
func answerServer(t testing.TB, reply func(args []string) string) int {
	return fakeServer(t, func(c net.Conn) {
		r := bufio.NewReader(c)
		for {
			args, err := readCommand(r)
			if err != nil {
				return
			}
			out := reply(args)
			if out == "" {
				return
			}
			if _, err := io.WriteString(c, out); err != nil {
				return
			}
		}
	})
}

// okServer answers PING with +PONG, ECHO x with $x, and anything else
// with +OK.
func okServer(t testing.TB) int {
	return answerServer(t, func(args []string) string {
		switch args[0] {
		case "PING":
			return "+PONG\r\n"
		case "ECHO":
			return "$" + strconv.Itoa(len(args[1])) + "\r\n" + args[1] + "\r\n"
		}
		return "+OK\r\n"
	})
}

// connect connects to 127.0.0.1:port and fails the test if Connect
// does; the context is freed at the end.
func connect(t testing.TB, el *ae.EventLoop, port int) *Context {
	t.Helper()
	c, err := Connect(el, "127.0.0.1", port, Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Free)
	return c
}

// event is one callback run, recorded in order.
type event struct {
	what  string // "reply", "connect", "disconnect"
	priv  any
	reply string // Reply.String(), "<no reply>" for nil
	err   error
}

// recorder records callbacks in the order they run.
type recorder struct{ events []event }

func (rec *recorder) cb(c *Context, r *Reply, priv any) {
	rec.events = append(rec.events, event{what: "reply", priv: priv, reply: r.String()})
}

func (rec *recorder) onConnect(c *Context, err error) {
	rec.events = append(rec.events, event{what: "connect", err: err})
}

func (rec *recorder) onDisconnect(c *Context, err error) {
	rec.events = append(rec.events, event{what: "disconnect", err: err})
}

func (rec *recorder) count(what string) int {
	n := 0
	for _, e := range rec.events {
		if e.what == what {
			n++
		}
	}
	return n
}
