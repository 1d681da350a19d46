package main

import (
	"bytes"
	"fmt"
	"io"
	"math/rand"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goae/goae/internal/testenv"
)

// Bad input. Each test says what it sends and what it expects; each
// checks that a second client is served while or after it happens, and
// bounds the memory the server spends on it, read from the storage's
// accounting (Cache.mem, TotalMalloced in Stats) and from runtime.MemStats
// (the server runs in the test's process: TotalAlloc counts every byte
// allocated meanwhile, by anyone, so a bound on it bounds the server's
// allocations). Where memcached replies, the same bytes go to a real
// memcached 1.6.18 (testenv.StartMemcached) and the replies are compared.

// memSnap is the heap after a collection.
type memSnap struct{ total, heap uint64 }

func memNow() memSnap {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return memSnap{m.TotalAlloc, m.HeapAlloc}
}

// allocatedSince is the bytes allocated since b; liveGrowth the growth of
// the live heap since b (0 if it shrank).
func (a memSnap) allocatedSince(b memSnap) uint64 { return a.total - b.total }
func (a memSnap) liveGrowth(b memSnap) uint64 {
	if a.heap < b.heap {
		return 0
	}
	return a.heap - b.heap
}

// checkServed is the second client: a fresh connection whose set, get and
// delete must be answered right.
func checkServed(t *testing.T, addr string) {
	t.Helper()
	c := dial(t, addr)
	defer c.Close()
	k := fmt.Sprintf("second-%d", time.Now().UnixNano())
	got := roundTrip(t, c, "set "+k+" 5 0 3\r\nabc\r\nget "+k+"\r\ndelete "+k+"\r\n", "DELETED\r\n")
	if want := "STORED\r\nVALUE " + k + " 5 3\r\nabc\r\nEND\r\nDELETED\r\n"; got != want {
		t.Errorf("second client: got %q, want %q", got, want)
	}
}

// TestBadInput runs each bad input against ours and, in a subtest, against
// one real memcached shared by them all (emptied by flush_all before each).
func TestBadInput(t *testing.T) {
	port := 0
	if _, err := exec.LookPath("memcached"); err == nil {
		port = testenv.StartMemcached(t)
	}
	mc := func(t *testing.T) string {
		t.Helper()
		if port == 0 {
			testenv.RequireBinary(t, "memcached") // skips, or fails under GOAE_INTEROP=require
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		c := dial(t, addr)
		roundTrip(t, c, "flush_all\r\n", "OK\r\n")
		c.Close()
		return addr
	}
	for _, tc := range []struct {
		name string
		f    func(*testing.T, func(*testing.T) string)
	}{
		{"HugeAnnounce", badInputHugeAnnounce},
		{"LongLines", badInputLongLines},
		{"BinaryJunk", badInputBinaryJunk},
		{"ManyKeys", badInputManyKeys},
		{"ByteCounts", badInputByteCounts},
		{"NeverReads", badInputNeverReads},
		{"IdleConns", badInputIdleConns},
		{"DisconnectMidValue", badInputDisconnectMidValue},
		{"FdExhaustion", badInputFdExhaustion},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.f(t, mc) })
	}
}

// conns returns every conn of every worker, read on their loops.
func conns(t *testing.T, s *server) []*conn {
	var out []*conn
	for _, th := range s.threads {
		onLoop(t, th, func() {
			th.eachConn(func(c *conn) { out = append(out, c) })
		})
	}
	return out
}

// connState reads c's state and what it holds on its loop.
type connView struct {
	state         connState
	rbuf, sbytes  int64
	outSize, held int
	item          bool
}

func viewConn(t *testing.T, c *conn) (v connView) {
	onLoop(t, c.t, func() {
		v = connView{c.state, int64(len(c.rbuf)), c.sbytes, c.out.size(), c.out.held, c.item != nil}
	})
	return v
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// badInputHugeAnnounce: tried `set k 0 0 1073741824` (1 GB, above -I)
// followed by 10 bytes, with k set before. Expected, from memcached:
// nothing yet (the refusal is queued until the announced bytes are
// swallowed), the old k already gone, the connection open; ours also
// holds no read buffer and allocates nothing for it (under 1 MiB
// allocated meanwhile by the whole process, the storage's bytes not
// grown), the conn in conn_swallow owing 1 GB + 2 - 10 bytes. Then the
// rest of the bytes are sent (GOAE_LONG=1 only: a gigabyte over loopback)
// and the reply is `SERVER_ERROR object too large for cache`, with no more
// than 1 MiB allocated for the whole gigabyte.
func badInputHugeAnnounce(t *testing.T, memcachedAddr func(*testing.T) string) {
	const announced = 1 << 30
	run := func(t *testing.T, addr string, during func(c net.Conn)) {
		c := dial(t, addr)
		roundTrip(t, c, "set k 0 0 1\r\nx\r\n", "STORED\r\n")
		io.WriteString(c, fmt.Sprintf("set k 0 0 %d\r\n0123456789", announced))
		if out, closed := readUntil(c, "", 300*time.Millisecond); len(out) != 0 || closed {
			t.Errorf("after 10 of %d bytes: got %q, closed %v; want nothing yet", announced, out, closed)
		}
		second := dial(t, addr)
		if got := roundTrip(t, second, "get k\r\n", "END\r\n"); got != "END\r\n" {
			t.Errorf("the old k after a refused set: got %q, want it deleted", got)
		}
		checkServed(t, addr)
		if during != nil {
			during(c)
		}
		if os.Getenv("GOAE_LONG") == "" {
			return
		}
		chunk := make([]byte, 1<<20)
		before := memNow()
		rest := announced + 2 - 10
		go func() {
			for rest > 0 {
				n := min(rest, len(chunk))
				if _, err := c.Write(chunk[:n]); err != nil {
					return
				}
				rest -= n
			}
		}()
		c.SetReadDeadline(time.Now().Add(60 * time.Second))
		line := make([]byte, 100)
		n, err := io.ReadAtLeast(c, line, len("SERVER_ERROR object too large for cache\r\n"))
		if got := string(line[:n]); got != "SERVER_ERROR object too large for cache\r\n" {
			t.Errorf("after the whole gigabyte: got %q (%v)", got, err)
		}
		if a := memNow().allocatedSince(before); a > 1<<20 {
			t.Errorf("swallowing a gigabyte allocated %d bytes, want at most 1 MiB", a)
		}
		roundTrip(t, c, "get k\r\n", "END\r\n")
	}
	t.Run("ours", func(t *testing.T) {
		s := startServer(t, func(c *config) { c.threads = 2 })
		before := memNow()
		mem := s.cache.mem.Load()
		run(t, s.Addr(), func(net.Conn) {
			after := memNow()
			if a := after.allocatedSince(before); a > 1<<20 {
				t.Errorf("announcing 1 GB allocated %d bytes, want at most 1 MiB", a)
			}
			if m := s.cache.mem.Load(); m > mem {
				t.Errorf("the storage's bytes grew from %d to %d", mem, m)
			}
			found := false
			for _, c := range conns(t, s) {
				if v := viewConn(t, c); v.state == connSwallow {
					found = true
					if v.rbuf != 0 || v.sbytes != announced+2-10 || v.item {
						t.Errorf("swallowing: holds a %d-byte read buffer, item %v, owes %d bytes (want 0, false, %d)",
							v.rbuf, v.item, v.sbytes, announced+2-10)
					}
				}
			}
			if !found {
				t.Errorf("no conn in conn_swallow")
			}
		})
	})
	t.Run("memcached", func(t *testing.T) { run(t, memcachedAddr(t), nil) })
}

// badInputLongLines: tried 2 MB without a newline, as junk ("xxx...")
// and as a get line ("get kkk..."), and a 1 MB get line (1,000,000 bytes,
// under our 1 MiB bound) without a newline, then its newline.
// Expected: the junk closes the connection with no reply (memcached's
// 2048-byte rule, both servers); the 2 MB get line gets ours'
// "CLIENT_ERROR line too long" and a close (memcached buffers a get line
// without bound: a deliberate difference, not compared); the 1 MB get line
// waits, the connection open, then answers END for its keys (all misses),
// both servers. Memory, ours: the junk allocates under 1 MiB; the get lines
// grow the read buffer to at most 2 MiB (the doublings to it: under 8 MiB
// allocated) and, once closed or answered, nothing stays live beyond
// 1 MiB.
func badInputLongLines(t *testing.T, memcachedAddr func(*testing.T) string) {
	junk := bytes.Repeat([]byte("x"), 2<<20)
	getLine := append([]byte("get "), bytes.Repeat([]byte("k"), 2<<20)...)
	var mget []byte
	for i := 0; len(mget) < 1_000_000-20; i++ {
		mget = fmt.Appendf(mget, " key%07d", i)
	}
	mget = append([]byte("get"), mget...)
	mget = append(mget, bytes.Repeat([]byte(" "), 1_000_000-len(mget))...) // 1,000,000 bytes

	send := func(c net.Conn, b []byte) { go c.Write(b) }
	closes := func(t *testing.T, addr string, b []byte, wantReply string) {
		c := dial(t, addr)
		roundTrip(t, c, "version\r\n", "\r\n")
		send(c, b)
		out, closed := readUntil(c, "", 5*time.Second)
		if string(out) != wantReply || !closed {
			t.Errorf("%d bytes of %.4q...: got %q, closed %v; want %q and a close", len(b), b, out, closed, wantReply)
		}
	}
	waits := func(t *testing.T, addr string, during func()) {
		c := dial(t, addr)
		roundTrip(t, c, "version\r\n", "\r\n")
		send(c, mget)
		time.Sleep(300 * time.Millisecond)
		if out, closed := readUntil(c, "", 300*time.Millisecond); len(out) != 0 || closed {
			t.Errorf("a 1 MB get line without its newline: got %q, closed %v; want nothing yet", out, closed)
		}
		checkServed(t, addr)
		if during != nil {
			during()
		}
		if got := roundTrip(t, c, "\r\n", "END\r\n"); got != "END\r\n" {
			t.Errorf("the 1 MB get line's reply: got %.100q, want END", got)
		}
		checkServed(t, addr)
	}

	t.Run("ours", func(t *testing.T) {
		s := startServer(t, func(c *config) { c.threads = 2 })
		before := memNow()
		closes(t, s.Addr(), junk, "")
		checkServed(t, s.Addr())
		if a := memNow().allocatedSince(before); a > 1<<20 {
			t.Errorf("2 MB of junk: %d bytes allocated, want at most 1 MiB", a)
		}
		before = memNow()
		closes(t, s.Addr(), getLine, "CLIENT_ERROR line too long\r\n")
		checkServed(t, s.Addr())
		after := memNow()
		if a := after.allocatedSince(before); a > 8<<20 {
			t.Errorf("a 2 MB get line: %d bytes allocated, want at most 8 MiB", a)
		}
		if g := after.liveGrowth(before); g > 1<<20 {
			t.Errorf("a 2 MB get line, closed: the live heap grew by %d bytes, want at most 1 MiB", g)
		}
		before = memNow()
		waits(t, s.Addr(), func() {
			for _, c := range conns(t, s) {
				if v := viewConn(t, c); v.rbuf > 2<<20 {
					t.Errorf("a 1 MB get line pending: a read buffer of %d bytes, want at most 2 MiB", v.rbuf)
				}
			}
			if a := memNow().allocatedSince(before); a > 8<<20 {
				t.Errorf("a 1 MB get line pending: %d bytes allocated, want at most 8 MiB", a)
			}
		})
	})
	t.Run("memcached", func(t *testing.T) {
		addr := memcachedAddr(t)
		closes(t, addr, junk, "")
		checkServed(t, addr)
		waits(t, addr, nil)
	})
}

// junkFor is seeded random bytes, the first not 0x80 (which makes
// memcached speak its binary protocol, not served here), ending in a
// version command that an open connection answers.
func junkFor(seed int64, n int) []byte {
	r := rand.New(rand.NewSource(seed))
	b := make([]byte, n)
	r.Read(b)
	if b[0] == 0x80 {
		b[0] = 0
	}
	return append(b, "\r\nversion\r\n"...)
}

// badInputBinaryJunk: tried 8 blobs of 32 KB of seeded random bytes,
// each on a connection of its own, then "version". Expected: the same
// bytes back from ours as from memcached (lines of ERROR, or a close where
// a line runs past 2048 bytes; VERSION by shape), every time a second
// client served, and under 4 MiB allocated by ours for it all. Then a blob
// starting with 0x80 (memcached's binary magic): ours must not crash and
// go on serving.
func badInputBinaryJunk(t *testing.T, memcachedAddr func(*testing.T) string) {
	converse := func(t *testing.T, addr string, b []byte) string {
		c := dial(t, addr)
		defer c.Close()
		go c.Write(b)
		var out []byte
		closed := false
		buf := make([]byte, 64<<10)
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		for !bytes.Contains(out, []byte("VERSION ")) || !bytes.HasSuffix(out, []byte("\r\n")) {
			n, err := c.Read(buf)
			out = append(out, buf[:n]...)
			if err != nil {
				closed = true
				break
			}
		}
		return fmt.Sprintf("%s closed=%v", normalize(string(out)), closed)
	}
	s := startServer(t, func(c *config) { c.threads = 2 })
	var ours []string
	before := memNow()
	for seed := int64(1); seed <= 8; seed++ {
		ours = append(ours, converse(t, s.Addr(), junkFor(seed, 32<<10)))
		o := ours[len(ours)-1]
		t.Logf("junk seed %d: %d ERROR lines, VERSION %v, %s", seed, strings.Count(o, "ERROR\r\n"),
			strings.Contains(o, "VERSION <version>"), o[strings.LastIndexByte(o, ' ')+1:])
		checkServed(t, s.Addr())
	}
	if a := memNow().allocatedSince(before); a > 4<<20 {
		t.Errorf("8 x 32 KB of junk: %d bytes allocated, want at most 4 MiB", a)
	}
	b := junkFor(99, 32<<10)
	b[0] = 0x80
	converse(t, s.Addr(), b)
	checkServed(t, s.Addr())

	t.Run("memcached", func(t *testing.T) {
		addr := memcachedAddr(t)
		for i, o := range ours {
			if theirs := converse(t, addr, junkFor(int64(i+1), 32<<10)); theirs != o {
				t.Errorf("junk seed %d:\n ours      %.300q\n memcached %.300q", i+1, o, theirs)
			}
		}
	})
}

// badInputManyKeys: tried one get of 10,000 keys, every other one
// set. Expected: 5,000 VALUE blocks then END, byte for byte as memcached's,
// a second client served meanwhile, and under 16 MiB allocated by ours
// for the reply (the 10,000-key line parsed once).
func badInputManyKeys(t *testing.T, memcachedAddr func(*testing.T) string) {
	var sets, get strings.Builder
	get.WriteString("get")
	for i := 0; i < 10000; i++ {
		k := fmt.Sprintf("mk%05d", i)
		get.WriteString(" " + k)
		if i%2 == 0 {
			fmt.Fprintf(&sets, "set %s %d 0 %d noreply\r\n%s\r\n", k, i, len(k)+1, k+"!")
		}
	}
	get.WriteString("\r\n")
	run := func(t *testing.T, addr string, mid func()) string {
		c := dial(t, addr)
		roundTrip(t, c, sets.String()+"mn\r\n", "MN\r\n")
		if mid != nil {
			mid()
		}
		out := roundTrip(t, c, get.String(), "END\r\n")
		if n := strings.Count(out, "VALUE "); n != 5000 {
			t.Errorf("get of 10,000 keys: %d VALUE blocks, want 5,000", n)
		}
		checkServed(t, addr)
		return out
	}
	s := startServer(t, func(c *config) { c.threads = 2 })
	var before memSnap
	ours := run(t, s.Addr(), func() { before = memNow() })
	if a := memNow().allocatedSince(before); a > 16<<20 {
		t.Errorf("a get of 10,000 keys: %d bytes allocated, want at most 16 MiB", a)
	}
	t.Run("memcached", func(t *testing.T) {
		if theirs := run(t, memcachedAddr(t), nil); theirs != ours {
			t.Errorf("replies differ: ours %d bytes, memcached %d", len(ours), len(theirs))
		}
	})
}

// byteCountCases are storage lines with bad byte counts, each followed
// by a data line and a get, and the replies memcached 1.6.18 gives.
var byteCountCases = []struct{ send, want string }{
	{"set k 0 0 -1\r\nab\r\nget k\r\n", "CLIENT_ERROR bad command line format\r\nERROR\r\nEND\r\n"},
	{"set k 0 0 99999999999999999999\r\nab\r\nget k\r\n", "CLIENT_ERROR bad command line format\r\nERROR\r\nEND\r\n"},
	{"set k 0 0 -99999999999999999999\r\nab\r\nget k\r\n", "CLIENT_ERROR bad command line format\r\nERROR\r\nEND\r\n"},
	{"set k 0 0 2147483646\r\nab\r\nget k\r\n", "CLIENT_ERROR bad command line format\r\nERROR\r\nEND\r\n"},
	{"set k 0 0 2x\r\nab\r\nget k\r\n", "CLIENT_ERROR bad command line format\r\nERROR\r\nEND\r\n"},
	{"set k 0 0 +2\r\nab\r\nget k\r\n", "STORED\r\nVALUE k 0 2\r\nab\r\nEND\r\n"},
	{"add k2 0 0 -1 noreply\r\nab\r\nget k2\r\n", "ERROR\r\nEND\r\n"},
	{"cas k 0 0 -1 1\r\nab\r\nget k\r\n", "CLIENT_ERROR bad command line format\r\nERROR\r\nVALUE k 0 2\r\nab\r\nEND\r\n"},
	{"append k 0 0 -5\r\nab\r\nget k\r\n", "CLIENT_ERROR bad command line format\r\nERROR\r\nVALUE k 0 2\r\nab\r\nEND\r\n"},
	{"ms k -1 T0\r\nab\r\nmg k v\r\n", "CLIENT_ERROR bad command line format\r\nERROR\r\nVA 2\r\nab\r\n"},
	{"ms k 99999999999999999999\r\nab\r\nmg k v\r\n", "CLIENT_ERROR bad command line format\r\nERROR\r\nVA 2\r\nab\r\n"},
	{"incr k -1\r\nincr k 99999999999999999999\r\n", "CLIENT_ERROR invalid numeric delta argument\r\nCLIENT_ERROR invalid numeric delta argument\r\n"},
}

// badInputByteCounts: tried negative, non-numeric, over-long and
// past-INT_MAX byte counts (byteCountCases: each then sends a data line,
// read as a command, and a get). Expected: memcached's replies (the table,
// checked against the binary in the subtest), nothing stored, a second
// client served. Then `set k 0 0 2147483645` (INT_MAX - 2, the largest
// count memcached takes): refused as too large only once its bytes are
// swallowed, so nothing yet and nothing allocated (under 1 MiB).
func badInputByteCounts(t *testing.T, memcachedAddr func(*testing.T) string) {
	run := func(t *testing.T, addr string, mid func()) {
		for _, tc := range byteCountCases {
			c := dial(t, addr)
			got := roundTrip(t, c, tc.send, tc.want[len(tc.want)-5:])
			if got != tc.want {
				t.Errorf("%q: got %q, want %q", tc.send, got, tc.want)
			}
			c.Close()
			checkServed(t, addr)
		}
		if mid != nil {
			mid()
		}
		c := dial(t, addr)
		io.WriteString(c, "set k 0 0 2147483645\r\nab\r\n")
		if out, closed := readUntil(c, "", 300*time.Millisecond); len(out) != 0 || closed {
			t.Errorf("set of INT_MAX-2 bytes: got %q, closed %v; want nothing until they are sent", out, closed)
		}
		checkServed(t, addr)
	}
	s := startServer(t, func(c *config) { c.threads = 2 })
	var before memSnap
	run(t, s.Addr(), func() { before = memNow() })
	if a := memNow().allocatedSince(before); a > 1<<20 {
		t.Errorf("announcing INT_MAX-2 bytes: %d bytes allocated, want at most 1 MiB", a)
	}
	t.Run("memcached", func(t *testing.T) { run(t, memcachedAddr(t), nil) })
}

// badInputNeverReads: a 500 KB value; tried a client that asks for it
// 1,000 times and never reads, first as 1,000 pipelined gets, then as one
// get of 1,000 keys. Expected, ours: the pipelined gets are not all
// answered into memory: the client is no longer read (back-pressure),
// its queue holding at most reqs_per_event + 1 replies' worth of
// references, and the whole process allocates under 32 MiB for 500 MB of
// replies (values are referred to, not copied); the single get queues
// 500 MB of references, past the 256 MiB output limit, and the client is
// closed. A second client is served throughout. memcached has no output
// limit and never closes such a client: nothing to compare.
func badInputNeverReads(t *testing.T, _ func(*testing.T) string) {
	s := startServer(t, func(c *config) { c.threads = 2 })
	big := strings.Repeat("b", 500*1024)
	good := dial(t, s.Addr())
	roundTrip(t, good, fmt.Sprintf("set big 0 0 %d\r\n%s\r\n", len(big), big), "STORED\r\n")
	mem := s.cache.mem.Load()
	before := memNow()

	slow := dial(t, s.Addr())
	slow.(*net.TCPConn).SetReadBuffer(4096)
	go io.WriteString(slow, strings.Repeat("get big\r\n", 1000))
	time.Sleep(500 * time.Millisecond)
	checkServed(t, s.Addr())
	for _, c := range conns(t, s) {
		if v := viewConn(t, c); v.held > (reqsPerEvent+1)*len(big) {
			t.Errorf("a client that never reads: %d bytes of values queued, want at most %d requests' worth", v.held, reqsPerEvent+1)
		}
	}
	if a := memNow().allocatedSince(before); a > 32<<20 {
		t.Errorf("1,000 pipelined gets of 500 KB never read: %d bytes allocated, want at most 32 MiB", a)
	}

	one := dial(t, s.Addr())
	one.(*net.TCPConn).SetReadBuffer(4096)
	io.WriteString(one, "get"+strings.Repeat(" big", 1000)+"\r\n")
	out, closed := readUntil(one, "", 5*time.Second)
	if !closed || len(out) > 0 {
		t.Errorf("one get of 1,000 x 500 KB: read %d bytes, closed %v; want a close past the output limit", len(out), closed)
	}
	checkServed(t, s.Addr())
	if m := s.cache.mem.Load(); m != mem {
		t.Errorf("the storage's bytes went from %d to %d", mem, m)
	}
	slow.Close()
	waitFor(t, "the two clients to go", func() bool { return s.currConns.Load() == 1 })
	if g := memNow().liveGrowth(before); g > 4<<20 {
		t.Errorf("both gone: the live heap grew by %d bytes, want at most 4 MiB", g)
	}
}

// badInputIdleConns: tried 500 connections, each sending a set and a
// get of a 2 KB value, then staying idle. Expected: none of them holds a
// read buffer, a reply buffer, an item or a queued value; each worker
// keeps at most 16 spare read buffers (its cache); the live heap grows by
// under 8 KiB per connection, client side included (one 16 KiB read
// buffer each would be twice that); a second client served.
func badInputIdleConns(t *testing.T, _ func(*testing.T) string) {
	const n = 500
	testenv.RaiseNofile(t, 2*n+256)
	s := startServer(t, func(c *config) { c.threads = 4 })
	checkServed(t, s.Addr())
	val := strings.Repeat("v", 2000)
	before := memNow()
	cs := make([]net.Conn, n)
	for i := range cs {
		cs[i] = dial(t, s.Addr())
		k := fmt.Sprintf("idle%d", i)
		roundTrip(t, cs[i], fmt.Sprintf("set %s 0 0 %d\r\n%s\r\nget %s\r\n", k, len(val), val, k), "END\r\n")
	}
	after := memNow()
	if got := len(conns(t, s)); got != n {
		t.Fatalf("%d conns on the workers, want %d", got, n)
	}
	for _, c := range conns(t, s) {
		if v := viewConn(t, c); v.rbuf != 0 || v.outSize != 0 || v.held != 0 || v.item || v.state != connRead {
			t.Errorf("an idle conn holds a %d-byte read buffer, %d bytes of replies, item %v, in %v", v.rbuf, v.outSize, v.item, v.state)
			break
		}
	}
	for i, th := range s.threads {
		onLoop(t, th, func() {
			if len(th.rbufs) > 16 {
				t.Errorf("worker %d caches %d read buffers, want at most 16", i, len(th.rbufs))
			}
		})
	}
	// The storage's 500 items are part of the growth: take them out.
	items := uint64(s.cache.Stats().TotalMalloced)
	per := (after.liveGrowth(before) - min(items, after.liveGrowth(before))) / n
	t.Logf("live heap per idle connection, both ends, items excluded: %d bytes", per)
	if per > 8<<10 {
		t.Errorf("the live heap grew by %d bytes per idle connection, want at most 8 KiB", per)
	}
	checkServed(t, s.Addr())
}

// badInputDisconnectMidValue: k holds "old"; tried `set k 0 0 100000`
// and 50,000 of its bytes, then a close. Expected: k still "old" (the new
// item is never linked), both servers; ours: the item was allocated while
// the value came (the storage's bytes grew) and is given back at the
// close (the bytes return to where they were; curr_items unchanged); a
// second client served.
func badInputDisconnectMidValue(t *testing.T, memcachedAddr func(*testing.T) string) {
	run := func(t *testing.T, addr string, mid func()) {
		c := dial(t, addr)
		roundTrip(t, c, "set k 0 0 3\r\nold\r\n", "STORED\r\n")
		io.WriteString(c, "set k 0 0 100000\r\n"+strings.Repeat("n", 50000))
		time.Sleep(200 * time.Millisecond)
		if mid != nil {
			mid()
		}
		c.Close()
		time.Sleep(100 * time.Millisecond)
		second := dial(t, addr)
		if got := roundTrip(t, second, "get k\r\n", "END\r\n"); got != "VALUE k 0 3\r\nold\r\nEND\r\n" {
			t.Errorf("k after a disconnect in the middle of its new value: got %q, want the old value", got)
		}
		checkServed(t, addr)
	}
	t.Run("ours", func(t *testing.T) {
		s := startServer(t, func(c *config) { c.threads = 2 })
		var mem int64
		run(t, s.Addr(), func() {
			mem = s.cache.mem.Load()
			found := false
			for _, c := range conns(t, s) {
				if v := viewConn(t, c); v.state == connNread && v.item {
					found = true
				}
			}
			if !found {
				t.Errorf("no conn in conn_nread with its item")
			}
		})
		// The second client is still connected.
		waitFor(t, "the client to go", func() bool { return s.currConns.Load() == 1 })
		st := s.cache.Stats()
		if st.CurrItems != 1 || st.TotalMalloced >= mem || mem-st.TotalMalloced < 100000 {
			t.Errorf("after the disconnect: %d items, %d bytes accounted (%d while the value came); want 1 item and the 100,000-byte item given back",
				st.CurrItems, st.TotalMalloced, mem)
		}
	})
	t.Run("memcached", func(t *testing.T) { run(t, memcachedAddr(t), nil) })
}

// badInputFdExhaustion: with one fd left to the process
// (testenv.LeaveFreeFds), tried a new client, whose socket takes that fd,
// so the server's accept fails with EMFILE. Expected: the dispatcher
// pauses accepting instead of spinning on the still-readable listener:
// over 1 s its accept handler runs at most 50 times (a pause is 100 ms;
// a spinning loop runs it hundreds of thousands of times) and pauses at
// least once; the client already connected is served meanwhile, and its
// `stats` reads accepting_conns 0; the new client hears nothing; once fds
// are free again it is accepted and served, accepting_conns reads 1,
// listen_disabled_num at least 1 and time_in_listen_disabled_us above 0,
// and after `stats reset` both read 0. The same on a real memcached
// (subtest), its fds limited from outside (prlimit on its pid, from
// `stats`), with what memcached 1.6.18 adds: it re-enables accepting only
// once a connection closes (ours retries every 100 ms), so listen_disabled_num
// is exactly 1 there (ours counts each failed retry: at least 1).
func badInputFdExhaustion(t *testing.T, memcachedAddr func(*testing.T) string) {
	t.Run("ours", func(t *testing.T) {
		s := startServer(t, func(c *config) { c.threads = 2 })
		old := dial(t, s.Addr())
		roundTrip(t, old, "version\r\n", "\r\n")
		l := s.lsocks[0].l
		restore := testenv.LeaveFreeFds(t, 1)
		calls, pauses := l.Calls.Load(), l.Pauses.Load()
		var c net.Conn
		var err error
		var once sync.Once
		defer once.Do(restore)
		if c, err = net.DialTimeout("tcp", s.Addr(), 2*time.Second); err != nil {
			once.Do(restore)
			t.Fatalf("dialing with one fd left: %v", err)
		}
		defer c.Close()
		io.WriteString(c, "version\r\n")
		time.Sleep(time.Second)
		dc, dp := l.Calls.Load()-calls, l.Pauses.Load()-pauses
		// The old client needs no new fd.
		io.WriteString(old, "version\r\n")
		oldOut, _ := readUntil(old, "\r\n", 5*time.Second)
		// Paused but for a moment every 100 ms (the retry, failing again).
		pausedStat := awaitStat(t, old, "accepting_conns", "0")
		newOut, _ := readUntil(c, "", 200*time.Millisecond)
		once.Do(restore)
		t.Logf("over 1 s without fds: %d accept calls, %d pauses", dc, dp)
		if dc > 50 || dp < 1 {
			t.Errorf("over 1 s without fds: %d accept calls, %d pauses; want at most 50 calls and a pause", dc, dp)
		}
		if !strings.HasPrefix(string(oldOut), "VERSION ") {
			t.Errorf("the connected client, fds exhausted: got %q", oldOut)
		}
		if pausedStat != "0" {
			t.Errorf("stats while accepting is paused: accepting_conns %s, want 0", pausedStat)
		}
		if len(newOut) != 0 {
			t.Errorf("the client not yet accepted got %q", newOut)
		}
		if out, _ := readUntil(c, "\r\n", 5*time.Second); !strings.HasPrefix(string(out), "VERSION ") {
			t.Errorf("the new client, once fds are free: got %q", out)
		}
		checkListenStats(t, old, false)
		checkServed(t, s.Addr())
	})
	t.Run("memcached", func(t *testing.T) {
		addr := memcachedAddr(t)
		st, victim := dial(t, addr), dial(t, addr)
		roundTrip(t, victim, "version\r\n", "\r\n")
		pid, _ := strconv.Atoi(statLine(t, st, "pid"))
		ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
		if err != nil {
			t.Skipf("cannot list memcached's fds: %v", err)
		}
		// The limit at memcached's lowest free fd: no new fd under it
		// (those it holds above, inherited, stay usable).
		used := map[int]bool{}
		for _, e := range ents {
			if fd, err := strconv.Atoi(e.Name()); err == nil {
				used[fd] = true
			}
		}
		free := 0
		for used[free] {
			free++
		}
		restore, err := lowerProcNofile(pid, uint64(free))
		if err != nil {
			t.Skipf("prlimit: %v", err)
		}
		var once sync.Once
		defer once.Do(restore)
		// A connection closing meanwhile frees one: dial until one waits.
		var pending net.Conn
		for i := 0; i < 32 && pending == nil; i++ {
			c := dial(t, addr)
			time.Sleep(50 * time.Millisecond)
			if statLine(t, st, "listen_disabled_num") != "0" {
				pending = c
			}
		}
		if pending == nil {
			t.Fatalf("memcached never ran out of fds")
		}
		io.WriteString(pending, "version\r\n")
		if v := statLine(t, st, "accepting_conns"); v != "0" {
			t.Errorf("memcached, out of fds: accepting_conns %s, want 0", v)
		}
		once.Do(restore)
		victim.Close() // memcached accepts again once a connection closes
		if out, _ := readUntil(pending, "\r\n", 5*time.Second); !strings.HasPrefix(string(out), "VERSION ") {
			t.Errorf("the pending client, once fds are free: got %q", out)
		}
		checkListenStats(t, st, true)
	})
}

// awaitStat polls `stats` on c for up to 1 s until name reads want, and
// returns what it read last.
func awaitStat(t *testing.T, c net.Conn, name, want string) (v string) {
	t.Helper()
	for deadline := time.Now().Add(time.Second); ; time.Sleep(20 * time.Millisecond) {
		if v = statLine(t, c, name); v == want || time.Now().After(deadline) {
			return v
		}
	}
}

// checkListenStats checks `stats` on c once accepting is back after a
// pause: accepting_conns 1, listen_disabled_num 1 (at least 1 unless
// exact), time_in_listen_disabled_us above 0; then `stats reset` zeroes
// both counters.
func checkListenStats(t *testing.T, c net.Conn, exact bool) {
	t.Helper()
	if v := awaitStat(t, c, "accepting_conns", "1"); v != "1" {
		t.Errorf("accepting again: accepting_conns %s, want 1", v)
	}
	n, _ := strconv.Atoi(statLine(t, c, "listen_disabled_num"))
	us, _ := strconv.Atoi(statLine(t, c, "time_in_listen_disabled_us"))
	if n < 1 || (exact && n != 1) || us <= 0 {
		t.Errorf("after a pause: listen_disabled_num %d, time_in_listen_disabled_us %d; want 1 (exact %v) and above 0", n, us, exact)
	}
	roundTrip(t, c, "stats reset\r\n", "RESET\r\n")
	if n, us := statLine(t, c, "listen_disabled_num"), statLine(t, c, "time_in_listen_disabled_us"); n != "0" || us != "0" {
		t.Errorf("after stats reset: listen_disabled_num %s, time_in_listen_disabled_us %s; want 0 and 0", n, us)
	}
}
