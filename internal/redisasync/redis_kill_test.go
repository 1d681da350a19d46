package redisasync

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/internal/testenv"
	"golang.org/x/sys/unix"
)

// syncCommand sends one command to 127.0.0.1:port on a blocking socket
// of its own (not on a loop, so that no context on a test's loop reads
// meanwhile) and returns the reply.
func syncCommand(t *testing.T, port int, args ...string) *Reply {
	t.Helper()
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), 5*time.Second)
	if err != nil {
		t.Fatalf("dial :%d: %v", port, err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := io.WriteString(c, b.String()); err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	var rd Reader
	buf := make([]byte, 64<<10)
	for {
		n, err := c.Read(buf)
		rd.Feed(buf[:n])
		r, perr := rd.GetReply()
		if perr != nil {
			t.Fatalf("%v: %v", args, perr)
		}
		if r != nil {
			return r
		}
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
}

// describe formats a reply with its type at every level (String alone
// does not tell a status from a bulk string, or a set from an array).
func describe(r *Reply) string {
	if r == nil {
		return "<no reply>"
	}
	switch r.Type {
	case TypeArray, TypeMap, TypeSet, TypePush:
		parts := make([]string, len(r.Elements))
		for i, e := range r.Elements {
			parts[i] = describe(e)
		}
		return r.Type.String() + "[" + strings.Join(parts, " ") + "]"
	case TypeVerb:
		return "verbatim(" + string(r.VType[:]) + ")" + r.String()
	}
	return r.Type.String() + ":" + r.String()
}

// clientField returns field=value of the client named name in a CLIENT
// LIST reply, "" if not listed.
func clientField(list, name, field string) string {
	for _, l := range strings.Split(list, "\n") {
		if !strings.Contains(l, " name="+name+" ") {
			continue
		}
		for _, f := range strings.Fields(l) {
			if v, ok := strings.CutPrefix(f, field+"="); ok {
				return v
			}
		}
	}
	return ""
}

// Input: a real redis-server holding a 32 MiB string (GET) and a list
// of 300,000 elements of 100 bytes (LRANGE: about 32 MiB of RESP). A
// context with SO_RCVBUF set to 64 KiB in its connect callback sends the
// big command, then PING and INCR, and reads slowly: 50 loop iterations
// with a 1 ms pause once the reply started, then none at all. Checked
// before the kill from a second socket: the server still holds output
// for the context (CLIENT LIST omem > 0), so the kill is mid-reply.
// Tried: SIGKILL the redis-server, wait until its port refuses, run the
// loop. Expected: the three callbacks get nil, in order, then the
// disconnect callback runs once with an error (EOF or a reset); the
// context is no longer connected, nothing is pending, no panic.
func TestRedisKilledMidReply(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup []string
		big   []string
	}{
		{"GET", []string{"SETRANGE", "big", strconv.Itoa(32<<20 - 1), "x"}, []string{"GET", "big"}},
		{"LRANGE", []string{"EVAL", "for i = 1, 300000 do redis.call('RPUSH', KEYS[1], ARGV[1]) end return redis.call('LLEN', KEYS[1])",
			"1", "list", strings.Repeat("v", 100)}, []string{"LRANGE", "list", "0", "-1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			port := testenv.StartRedis(t)
			if got := syncCommand(t, port, tc.setup...); got.IsError() {
				t.Fatalf("%v: %s", tc.setup, got)
			}
			info := syncCommand(t, port, "INFO", "server").Text()
			pid := 0
			for _, l := range strings.Split(info, "\r\n") {
				if v, ok := strings.CutPrefix(l, "process_id:"); ok {
					pid, _ = strconv.Atoi(v)
				}
			}
			if pid == 0 {
				t.Fatalf("no process_id in INFO: %.300s", info)
			}

			el := newLoop(t)
			c := connect(t, el, port)
			rec := &recorder{}
			var rcvbuf error = errors.New("connect callback did not run")
			c.SetConnectCallback(func(c *Context, err error) {
				if err == nil {
					rcvbuf = unix.SetsockoptInt(c.Conn().FD(), unix.SOL_SOCKET, unix.SO_RCVBUF, 64<<10)
				}
			})
			c.SetDisconnectCallback(rec.onDisconnect)
			c.CommandString(nil, nil, "CLIENT", "SETNAME", "victim")
			c.CommandString(rec.cb, 1, tc.big...)
			c.CommandString(rec.cb, 2, "PING")
			c.CommandString(rec.cb, 3, "INCR", "n")
			runUntil(t, el, "the reply to start", func() bool {
				return c.OutputPending() == 0 && (c.reader.Buffered() > 0 || len(c.reader.stack) > 0)
			})
			if rcvbuf != nil {
				t.Fatalf("SO_RCVBUF: %v", rcvbuf)
			}
			for i := 0; i < 50; i++ {
				el.ProcessEvents(ae.AllEvents | ae.DontWait)
				time.Sleep(time.Millisecond)
			}
			if len(rec.events) != 0 {
				t.Fatalf("a reply came whole before the kill: %+v", rec.events)
			}
			// The loop is not run from here on: the server cannot send more
			// than the socket buffers hold.
			list := syncCommand(t, port, "CLIENT", "LIST").Text()
			omem := clientField(list, "victim", "omem")
			if n, _ := strconv.Atoi(omem); n == 0 {
				t.Fatalf("the server holds no output for the context (omem=%q): the kill would not be mid-reply\n%s", omem, list)
			}
			t.Logf("the server holds %s bytes of output for the context when killed", omem)
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(10 * time.Second)
			for {
				nc, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second)
				if err != nil {
					break
				}
				nc.Close()
				if time.Now().After(deadline) {
					t.Fatal("redis-server still answers 10 s after SIGKILL")
				}
				time.Sleep(10 * time.Millisecond)
			}
			runUntil(t, el, "the disconnect", func() bool { return rec.count("disconnect") > 0 })
			runFor(el, 20*time.Millisecond)
			var got []string
			for _, e := range rec.events {
				if e.what == "reply" {
					got = append(got, fmt.Sprintf("reply %v %s", e.priv, e.reply))
				} else {
					got = append(got, e.what)
				}
			}
			want := "reply 1 <no reply>|reply 2 <no reply>|reply 3 <no reply>|disconnect"
			if strings.Join(got, "|") != want {
				t.Fatalf("events %s, want %s", strings.Join(got, "|"), want)
			}
			derr := rec.events[3].err
			if derr == nil || (!errors.Is(derr, ErrEOF) && !errors.Is(derr, unix.ECONNRESET)) {
				t.Errorf("disconnect error %v, want ErrEOF or ECONNRESET", derr)
			}
			t.Logf("disconnect error: %v", derr)
			if c.Connected() || c.Pending() != 0 || c.Conn().FD() != -1 {
				t.Errorf("after the disconnect: connected %v, pending %d, fd %d", c.Connected(), c.Pending(), c.Conn().FD())
			}
		})
	}
}

// byteRelay listens on a free loopback port and relays each connection
// to 127.0.0.1:upstream: what the client sends goes through as it comes;
// what the server sends is written back one byte per write, with
// TCP_NODELAY and a short pause after each byte, so that the client gets
// its replies in 1-byte segments. It returns the port and a counter of
// the 1-byte writes made.
func byteRelay(t *testing.T, upstream int) (int, *atomic.Int64) {
	t.Helper()
	writes := &atomic.Int64{}
	port := testenv.FakeServer(t, func(c net.Conn) {
		c.(*net.TCPConn).SetNoDelay(true)
		up, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(upstream), 5*time.Second)
		if err != nil {
			return
		}
		defer up.Close()
		go func() {
			io.Copy(up, c)
			up.(*net.TCPConn).CloseWrite()
		}()
		buf := make([]byte, 4096)
		for {
			n, err := up.Read(buf)
			for i := 0; i < n; i++ {
				if _, err := c.Write(buf[i : i+1]); err != nil {
					return
				}
				writes.Add(1)
				time.Sleep(20 * time.Microsecond)
			}
			if err != nil {
				return
			}
		}
	})
	return port, writes
}

// Input: the same commands sent to a real redis-server (started with
// --enable-debug-command yes) directly and through byteRelay, which
// writes its replies one byte per write: in RESP2, FLUSHALL, SET of a
// value holding CRLF and NUL, GET, GET of a missing key, an unknown
// command, INCR on a string, an EVAL returning a nested array with an
// empty one and a nil, BLPOP timing out (a nil array), RPUSH, LRANGE,
// HSET, HGETALL, INFO keyspace; then HELLO 3 and, in RESP3, DEBUG
// PROTOCOL of string, integer, double, bignum, null, array, set, map,
// verbatim, true and false, HGETALL (a map), SMEMBERS (a set), ZSCORE
// (a double). Expected: every reply through the relay equals, type by
// type, the one over the direct connection (HELLO 3's own: a map with
// proto 3); the relay made one write per byte of the replies, many more
// writes than replies.
func TestRedisReplySplitInto1ByteWrites(t *testing.T) {
	port := testenv.StartRedis(t, "--enable-debug-command", "yes")
	relay, writes := byteRelay(t, port)
	cmds := [][]string{
		{"FLUSHALL"},
		{"SET", "k", "a\r\nb\x00c"},
		{"GET", "k"},
		{"GET", "missing"},
		{"NOSUCHCOMMAND", "x"},
		{"INCR", "k"},
		{"EVAL", "return {1, {2, 'x', {}}, 'y', false}", "0"},
		{"BLPOP", "nothing", "0.01"},
		{"RPUSH", "l", "a", "", "ccc"},
		{"LRANGE", "l", "0", "-1"},
		{"HSET", "h", "f", "v"},
		{"HGETALL", "h"},
		{"SADD", "s", "m"},
		{"ZADD", "z", "1.5", "m"},
		{"INFO", "keyspace"},
		{"HELLO", "3"},
		{"DEBUG", "PROTOCOL", "string"},
		{"DEBUG", "PROTOCOL", "integer"},
		{"DEBUG", "PROTOCOL", "double"},
		{"DEBUG", "PROTOCOL", "bignum"},
		{"DEBUG", "PROTOCOL", "null"},
		{"DEBUG", "PROTOCOL", "array"},
		{"DEBUG", "PROTOCOL", "set"},
		{"DEBUG", "PROTOCOL", "map"},
		{"DEBUG", "PROTOCOL", "verbatim"},
		{"DEBUG", "PROTOCOL", "true"},
		{"DEBUG", "PROTOCOL", "false"},
		{"HGETALL", "h"},
		{"SMEMBERS", "s"},
		{"ZSCORE", "z", "m"},
		{"PING"},
	}
	run := func(p int) []string {
		el := newLoop(t)
		c := connect(t, el, p)
		got := make([]string, len(cmds))
		n := 0
		for i, cmd := range cmds {
			// One at a time, so that each reply comes alone, byte by byte.
			c.CommandString(func(_ *Context, r *Reply, _ any) { got[i] = describe(r); n++ }, nil, cmd...)
			runUntil(t, el, strings.Join(cmd, " "), func() bool { return n == i+1 })
		}
		return got
	}
	direct := run(port)
	relayed := run(relay)
	for i, cmd := range cmds {
		if cmd[0] == "HELLO" {
			if !strings.HasPrefix(relayed[i], "map[") || !strings.Contains(relayed[i], `string:"proto" integer:3`) {
				t.Errorf("HELLO 3 through the relay: %s", relayed[i])
			}
			continue
		}
		if relayed[i] != direct[i] {
			t.Errorf("%q: through the relay %s, directly %s", cmd, relayed[i], direct[i])
		}
	}
	for _, want := range []string{`string:"a\r\nb\x00c"`, "nil:(nil)", `set[string:"m"]`, "double:\"1.5\"", "bool:true",
		`map[string:"f" string:"v"]`, "verbatim(txt)"} {
		found := false
		for _, r := range relayed {
			found = found || strings.Contains(r, want)
		}
		if !found {
			t.Errorf("no reply holds %s: %q", want, relayed)
		}
	}
	t.Logf("%d replies came through %d 1-byte writes", len(cmds), writes.Load())
	if writes.Load() < 10*int64(len(cmds)) {
		t.Errorf("only %d 1-byte writes for %d replies", writes.Load(), len(cmds))
	}
}
