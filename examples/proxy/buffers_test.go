package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/internal/testenv"
)

// startInProcess runs a proxy in this process on tmpl (one pool on a free
// port) with -i interval ms, its loop on a goroutine of its own; the loop
// is stopped and closed when the test ends. It returns the context and
// the pool's port. Anything that reads or changes the context runs on the
// loop (onLoop).
func startInProcess(t *testing.T, tmpl string, interval int) (*ncContext, int) {
	t.Helper()
	port := testenv.FreePort(t)
	name := filepath.Join(t.TempDir(), "nc.yml")
	if err := os.WriteFile(name, []byte(confFor(tmpl, []int{port})), 0o644); err != nil {
		t.Fatal(err)
	}
	cf, err := confCreate(name, nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	nci := setDefaultOptions()
	nci.statsPort, nci.statsAddr, nci.statsInterval = testenv.FreePort(t), "127.0.0.1", interval
	ctx, err := coreStart(&nci, cf, nil)
	if err != nil {
		t.Fatal(err)
	}
	loopDone := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		ctx.el.Main()
		close(loopDone)
	}()
	t.Cleanup(func() {
		ctx.el.Post(func(el *ae.EventLoop) { el.Stop() })
		<-loopDone
		ctx.el.Close()
	})
	return ctx, port
}

// onLoop runs fn on ctx's loop and waits for it.
func onLoop(ctx *ncContext, fn func()) {
	done := make(chan struct{})
	ctx.el.Post(func(*ae.EventLoop) { fn(); close(done) })
	<-done
}

// TestReqSendIovecs: 600 requests of 1 to 40 KB (24 MB in all, more than
// the socket buffers take at once) queued at once on one server
// connection, to a backend that reads nothing for 300 ms and then reads
// slowly. Expected: every writev of reqSend is given at most 128 buffers
// (NC_IOV_MAX), at least one is given exactly 128 (the queue was longer),
// later calls start with a request's unsent rest (short writes), and the
// backend receives every byte of every request, in order.
func TestReqSendIovecs(t *testing.T) {
	const nreq = 600
	var want bytes.Buffer
	reqs := make([][]byte, nreq)
	for i := range reqs {
		v := bytes.Repeat([]byte{byte('a' + i%26)}, 1000+(i*7919)%40000)
		reqs[i] = resp(cmd("set", fmt.Sprintf("k%d", i), string(v)))
		want.Write(reqs[i])
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan []byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- nil
			return
		}
		defer c.Close()
		time.Sleep(300 * time.Millisecond)
		var b bytes.Buffer
		buf := make([]byte, 32<<10)
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		for b.Len() < want.Len() {
			n, err := c.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		got <- b.Bytes()
	}()
	var mu sync.Mutex
	var calls []int
	partial := 0
	testWritev = func(bufs [][]byte) {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, len(bufs))
		if len(bufs) > 0 && len(calls) > 1 && !bytes.HasPrefix(bufs[0], []byte("*3\r\n")) {
			partial++
		}
	}
	t.Cleanup(func() { testWritev = nil })
	ctx, _ := startInProcess(t, redisPool("alpha", "{LISTEN0}", []int{ln.Addr().(*net.TCPAddr).Port}, ""), 30000)
	onLoop(ctx, func() {
		p := ctx.pools[0]
		sc, errno := p.servers[0].serverConnGet()
		if errno != 0 {
			t.Errorf("connect: errno %d", errno)
			return
		}
		for _, r := range reqs {
			m := ctx.msgs.msgGet()
			m.pool = p
			m.buf = append(m.buf[:0], r...)
			sc.enqueueInq(m)
		}
	})
	b := <-got
	if !bytes.Equal(b, want.Bytes()) {
		i := 0
		for i < len(b) && i < want.Len() && b[i] == want.Bytes()[i] {
			i++
		}
		t.Fatalf("the backend got %d bytes of %d, the first difference at %d", len(b), want.Len(), i)
	}
	mu.Lock()
	defer mu.Unlock()
	max128, over, sum := 0, 0, 0
	for _, n := range calls {
		sum += n
		if n == maxIovecs {
			max128++
		}
		if n > maxIovecs {
			over++
		}
	}
	t.Logf("%d writev calls (%d of 128 buffers, %d starting with a partly sent request): %v", len(calls), max128, partial, calls)
	if over > 0 || max128 == 0 || partial == 0 || sum < nreq {
		t.Errorf("writev calls given %v buffers: want at most %d each, some of exactly %d, some after a short write", calls, maxIovecs, maxIovecs)
	}
}

// TestPoolTrim: the mbuf and message free lists keep what the last
// interval needed and give back the rest (trim, every -i ms). Unit: after
// a burst of 200 buffers and 200 messages all given back, the free lists
// hold 200 each; the first trim keeps them (the interval used them), the
// second, after an idle interval, leaves none; what is taken after a trim
// is a fresh, empty buffer of the chunk size and a cleared message, and
// the lists refill from what is given back. A burst while 10 are held
// keeps the 10 out of the count. In process: a proxy at -i 500 answers a
// burst of 3000 pipelined GETs; right after it, its message free list
// holds hundreds or more; 3 intervals later it holds none and its mbuf
// list at most one; a GET is then answered.
func TestPoolTrim(t *testing.T) {
	mp := mbufPool{size: 512}
	var held [][]byte
	for i := 0; i < 200; i++ {
		held = append(held, mp.mbufGet())
	}
	for _, b := range held {
		mp.mbufPut(b)
	}
	var msgs msgPool
	var mheld []*msg
	for i := 0; i < 200; i++ {
		m := msgs.msgGet()
		m.buf = append(m.buf, "*1\r\n$4\r\nping\r\n"...)
		m.tmoIdx = 3
		mheld = append(mheld, m)
	}
	for _, m := range mheld {
		msgs.msgPut(m)
	}
	if len(mp.free) != 200 || len(msgs.free) != 200 {
		t.Fatalf("after the burst: %d free mbufs, %d free messages, want 200 each", len(mp.free), len(msgs.free))
	}
	mp.trim()
	msgs.trim()
	if len(mp.free) != 200 || len(msgs.free) != 200 {
		t.Errorf("first trim: %d free mbufs, %d free messages, want 200 each (the interval used them)", len(mp.free), len(msgs.free))
	}
	mp.trim()
	msgs.trim()
	if len(mp.free) != 0 || len(msgs.free) != 0 {
		t.Errorf("second trim: %d free mbufs, %d free messages, want 0", len(mp.free), len(msgs.free))
	}
	b := mp.mbufGet()
	m := msgs.msgGet()
	if len(b) != 0 || cap(b) != 512 || m.tmoIdx != -1 || len(m.buf) != 0 || m.pool != nil {
		t.Errorf("after the trims: buffer len %d cap %d; message %+v", len(b), cap(b), *m)
	}
	mp.mbufPut(b)
	msgs.msgPut(m)
	if len(mp.free) != 1 || len(msgs.free) != 1 || mp.used != 0 || msgs.used != 0 {
		t.Errorf("given back: %d free mbufs, %d free messages, used %d and %d", len(mp.free), len(msgs.free), mp.used, msgs.used)
	}
	held = held[:0]
	for i := 0; i < 10; i++ {
		held = append(held, mp.mbufGet())
	}
	mp.trim()
	burst := make([][]byte, 0, 50)
	for i := 0; i < 50; i++ {
		burst = append(burst, mp.mbufGet())
	}
	for _, b := range burst {
		mp.mbufPut(b)
	}
	mp.trim()
	mp.trim()
	if len(mp.free) != 0 || mp.used != 10 {
		t.Errorf("10 held: %d free after two trims (want 0), %d used (want 10)", len(mp.free), mp.used)
	}

	ctx, port := startInProcess(t, redisPool("alpha", "{LISTEN0}", []int{testenv.StartRedis(t)}, ""), 500)
	c := dialR(t, port)
	var gets [][]string
	for i := 0; i < 3000; i++ {
		gets = append(gets, cmd("get", fmt.Sprintf("k%d", i)))
	}
	c.c.SetDeadline(time.Now().Add(30 * time.Second))
	c.c.Write(resp(gets...))
	for range gets {
		if s, err := readReply(c.r); err != nil || s != "$-1\r\n" {
			t.Fatalf("burst: %q %v", s, err)
		}
	}
	var freeMsgs, freeMbufs int
	onLoop(ctx, func() { freeMsgs, freeMbufs = len(ctx.msgs.free), len(ctx.mbufs.free) })
	t.Logf("after the burst: %d free messages, %d free mbufs", freeMsgs, freeMbufs)
	if freeMsgs < 100 {
		t.Errorf("after a burst of 3000 GETs: %d free messages, want many", freeMsgs)
	}
	time.Sleep(1600 * time.Millisecond)
	onLoop(ctx, func() { freeMsgs, freeMbufs = len(ctx.msgs.free), len(ctx.mbufs.free) })
	if freeMsgs != 0 || freeMbufs > 1 {
		t.Errorf("3 idle intervals later: %d free messages, %d free mbufs, want 0 and at most 1", freeMsgs, freeMbufs)
	}
	if got := c.do(t, "get", "k1"); got != "$-1\r\n" {
		t.Errorf("after the trims: %q", got)
	}
}
