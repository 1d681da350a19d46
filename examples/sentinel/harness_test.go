package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/testenv"
)

// respConn is a small blocking RESP client for the tests: it keeps each
// reply's raw bytes (for byte-for-byte comparisons) and a decoded value
// (string, int64, nil, []any, respError; maps decode as flat []any).
type respConn struct {
	t  testing.TB
	c  net.Conn
	br *bufio.Reader
}

type respError string

func dialResp(t testing.TB, port int) *respConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), 5*time.Second)
	if err != nil {
		t.Fatalf("dial %d: %v", port, err)
	}
	t.Cleanup(func() { c.Close() })
	return &respConn{t: t, c: c, br: bufio.NewReader(c)}
}

func (r *respConn) send(args ...string) {
	r.t.Helper()
	r.c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := r.c.Write(resp.AppendCommand(nil, args...)); err != nil {
		r.t.Fatalf("write %v: %v", args, err)
	}
}

// read reads one reply, waiting at most d.
func (r *respConn) read(d time.Duration) ([]byte, any, error) {
	r.c.SetReadDeadline(time.Now().Add(d))
	var raw bytes.Buffer
	v, err := readValue(r.br, &raw)
	return raw.Bytes(), v, err
}

// do sends a command and returns its reply's raw bytes and value.
func (r *respConn) do(args ...string) ([]byte, any) {
	r.t.Helper()
	r.send(args...)
	raw, v, err := r.read(10 * time.Second)
	if err != nil {
		r.t.Fatalf("reply to %v: %v", args, err)
	}
	return raw, v
}

// query sends a command and reads its reply, waiting at most d, with the
// error returned: for a respConn from dialRespErr, whose t is not the
// test's (do and val would call Fatalf on it, which panics).
func (r *respConn) query(d time.Duration, args ...string) (any, error) {
	r.c.SetWriteDeadline(time.Now().Add(d))
	if _, err := r.c.Write(resp.AppendCommand(nil, args...)); err != nil {
		return nil, err
	}
	_, v, err := r.read(d)
	return v, err
}

func (r *respConn) val(args ...string) any {
	r.t.Helper()
	_, v := r.do(args...)
	return v
}

func readValue(br *bufio.Reader, raw *bytes.Buffer) (any, error) {
	line, err := br.ReadString('\n')
	if err != nil {
		return nil, err
	}
	raw.WriteString(line)
	if len(line) < 3 {
		return nil, errors.New("short line")
	}
	body := line[1 : len(line)-2]
	switch line[0] {
	case '+':
		return body, nil
	case '-':
		return respError(body), nil
	case ':':
		n, _ := strconv.ParseInt(body, 10, 64)
		return n, nil
	case '_':
		return nil, nil
	case '$', '=':
		n, _ := strconv.Atoi(body)
		if n < 0 {
			return nil, nil
		}
		buf := make([]byte, n+2)
		if _, err := ioReadFull(br, buf); err != nil {
			return nil, err
		}
		raw.Write(buf)
		s := string(buf[:n])
		if line[0] == '=' {
			s = s[4:]
		}
		return s, nil
	case '*', '%', '~', '>':
		n, _ := strconv.Atoi(body)
		if n < 0 {
			return nil, nil
		}
		if line[0] == '%' {
			n *= 2
		}
		out := make([]any, 0, n)
		for i := 0; i < n; i++ {
			v, err := readValue(br, raw)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	}
	return nil, fmt.Errorf("bad reply line %q", line)
}

func ioReadFull(br *bufio.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := br.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// asMap turns a flat key/value reply into a map and the key order.
func asMap(v any) (map[string]string, []string) {
	m := map[string]string{}
	var keys []string
	list, _ := v.([]any)
	for i := 0; i+1 < len(list); i += 2 {
		k := fmt.Sprint(list[i])
		keys = append(keys, k)
		m[k] = fmt.Sprint(list[i+1])
	}
	return m, keys
}

func asMaps(v any) []map[string]string {
	var out []map[string]string
	list, _ := v.([]any)
	for _, e := range list {
		m, _ := asMap(e)
		out = append(out, m)
	}
	return out
}

// waitFor polls cond every 100 ms for up to d.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// ourSentinel is this package's sentinel running in the test process on
// its own loop goroutine.
type ourSentinel struct {
	s    *sentinelState // touch only from the loop (Post)
	port int
	conf string
	log  *testenv.SyncBuffer
}

// writeConf writes a sentinel config in a temp dir of its own.
func writeConf(t testing.TB, port int, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sentinel.conf")
	text := fmt.Sprintf("port %d\nbind 127.0.0.1\n%s", port, body)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// startOurs runs our sentinel on a free port with the config body.
func startOurs(t testing.TB, body string) *ourSentinel {
	t.Helper()
	port := testenv.FreePort(t)
	conf := writeConf(t, port, body)
	logs := &testenv.SyncBuffer{}
	s, err := newSentinel([]string{conf}, logs)
	if err != nil {
		t.Fatalf("our sentinel did not start: %v\n%s", err, logs)
	}
	done := make(chan struct{})
	go func() { s.run(); close(done) }()
	t.Cleanup(func() {
		s.el.Post(func(*ae.EventLoop) { s.prepareForShutdown() })
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Errorf("our sentinel did not stop")
		}
		if t.Failed() {
			t.Logf("our sentinel's log:\n%s", logs)
		}
	})
	return &ourSentinel{s: s, port: port, conf: conf, log: logs}
}

// realSentinel is a redis-sentinel process.
type realSentinel struct {
	port int
	conf string
	cmd  *exec.Cmd
	out  *testenv.SyncBuffer
}

// startReal runs redis-sentinel on a free port with the config body,
// stopped by its PID when the test ends.
func startReal(t testing.TB, body string) *realSentinel {
	t.Helper()
	bin := testenv.RequireBinary(t, "redis-sentinel")
	port := testenv.FreePort(t)
	conf := writeConf(t, port, body)
	p := testenv.StartProcess(t, exec.Command(bin, conf))
	cmd, out := p.Cmd, p.Out
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("redis-sentinel :%d log:\n%s", port, out)
		}
	})
	waitFor(t, 10*time.Second, "redis-sentinel to answer", func() bool {
		c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			return false
		}
		c.Close()
		return true
	})
	return &realSentinel{port: port, conf: conf, cmd: cmd, out: out}
}

// redisPID reads a redis-server's process_id from INFO.
func redisPID(t testing.TB, port int) int {
	t.Helper()
	info := fmt.Sprint(dialResp(t, port).val("INFO", "server"))
	for _, l := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(l, "process_id:"); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	t.Fatalf("no process_id in INFO of :%d", port)
	return 0
}

// eventWatcher collects the events a sentinel publishes (PSUBSCRIBE *).
type eventWatcher struct {
	mu     sync.Mutex
	events []string // "type payload"
}

func watchEvents(t testing.TB, port int) *eventWatcher {
	t.Helper()
	c := dialResp(t, port)
	c.do("PSUBSCRIBE", "*")
	w := &eventWatcher{}
	go func() {
		for {
			_, v, err := c.read(time.Hour)
			if err != nil {
				return
			}
			if l, ok := v.([]any); ok && len(l) == 4 {
				w.mu.Lock()
				w.events = append(w.events, fmt.Sprint(l[2])+" "+fmt.Sprint(l[3]))
				w.mu.Unlock()
			}
		}
	}()
	return w
}

// find returns the first event with that prefix.
func (w *eventWatcher) find(prefix string) (string, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, e := range w.events {
		if strings.HasPrefix(e, prefix) {
			return e, true
		}
	}
	return "", false
}

func (w *eventWatcher) all() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.events, "\n")
}
