package main

// Hardening tests that read Linux's /proc or use prlimit(2) and
// TCP_KEEPIDLE.

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goae/goae/internal/resp"
	"golang.org/x/sys/unix"
)

// Input: a client connects to a server with the default tcp-keepalive
// (300) and one with --timeout 1.
// Expected: the accepted socket has SO_KEEPALIVE on with TCP_KEEPIDLE
// 300; the idle client is closed by serverCron (TestIdleTimeout has the
// active client side); a new client is served.
func TestIdleClientsKeepaliveAndTimeout(t *testing.T) {
	s := newTestServer(t, func(c *config) { c.timeout = 1; c.hz = 50 })
	addr := startServer(t, s)
	r := dialRaw(t, addr)
	r.do("PING")
	var ka, idle int
	var kerr, ierr error
	onLoopT(t, s, func() {
		for _, c := range s.rs.Clients() {
			if c != nil {
				ka, kerr = unix.GetsockoptInt(c.FD(), unix.SOL_SOCKET, unix.SO_KEEPALIVE)
				idle, ierr = unix.GetsockoptInt(c.FD(), unix.IPPROTO_TCP, unix.TCP_KEEPIDLE)
			}
		}
	})
	if kerr != nil || ka == 0 {
		t.Errorf("SO_KEEPALIVE = %d, %v; want on", ka, kerr)
	}
	if ierr != nil || idle != 300 {
		t.Errorf("TCP_KEEPIDLE = %d, %v; want 300", idle, ierr)
	}
	readToClose(t, r.conn)
	expectServed(t, addr)
}

// Input: the kv command as a child process with two clients connected;
// its RLIMIT_NOFILE is then lowered (prlimit) to leave 3 free fds, and 10
// more clients connect, each sending PING.
// Expected: 3 of them are served; for the rest accept fails with EMFILE
// and the listener pauses (its log line) instead of spinning: the child
// uses under 20% of a core over 2 s (read from /proc/<pid>/stat; a
// spinning loop uses about 100%); the connected clients are served; once
// the limit is raised again every pending client gets its PONG and a new
// client is served.
func TestFdExhaustionChildProcess(t *testing.T) {
	kv := startKV(t, buildKV(t))
	addr, logs, pid := kv.addr, kv.logs, kv.cmd.Process.Pid
	a, b := dialRaw(t, addr), dialRaw(t, addr)
	if a.do("PING") != resp.Pong || b.do("PING") != resp.Pong {
		t.Fatal("no PONG")
	}

	var old unix.Rlimit
	if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, nil, &old); err != nil {
		t.Skipf("prlimit: %v", err)
	}
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Skipf("cannot list the child's fds: %v", err)
	}
	// Leave exactly 3 free fd numbers under the limit (accept takes the
	// lowest free number; fds already open above the limit stay valid).
	open := map[int]bool{}
	for _, e := range ents {
		if fd, err := strconv.Atoi(e.Name()); err == nil {
			open[fd] = true
		}
	}
	limit, free := 0, 0
	for ; free < 3; limit++ {
		if !open[limit] {
			free++
		}
	}
	low := old
	low.Cur = uint64(limit)
	if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, &low, nil); err != nil {
		t.Skipf("cannot lower the child's RLIMIT_NOFILE: %v", err)
	}
	restore := sync.OnceFunc(func() {
		if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, &old, nil); err != nil {
			t.Errorf("restoring the child's RLIMIT_NOFILE: %v", err)
		}
	})
	t.Cleanup(restore)

	pending := make([]*rawConn, 10)
	for i := range pending {
		pending[i] = dialRaw(t, addr)
		pending[i].send("PING\r\n")
	}
	waitUntil(t, "the listener to pause on EMFILE", func() bool {
		return strings.Contains(logs.String(), "out of file descriptors, pausing accepts")
	})
	time.Sleep(200 * time.Millisecond)
	cpu0, wall0 := procCPU(t, pid), time.Now()
	time.Sleep(2 * time.Second)
	cpu, wall := procCPU(t, pid)-cpu0, time.Since(wall0)
	share := float64(cpu) / float64(wall)
	t.Logf("child out of fds: %v CPU over %v (%.1f%% of a core)", cpu, wall, 100*share)
	if share >= 0.20 {
		t.Errorf("%.1f%% of a core while out of fds: the loop spins", 100*share)
	}
	if a.do("PING") != resp.Pong || b.do("PING") != resp.Pong {
		t.Fatal("connected clients not served while out of fds")
	}
	served := 0
	for _, c := range pending {
		if got, _ := readFor(c.conn, 100*time.Millisecond); got == resp.Pong {
			served++
			c.send("PING\r\n") // answered again below
		}
	}
	if served != 3 {
		t.Errorf("%d pending clients served while 3 fds were free", served)
	}
	restore()
	for i, c := range pending {
		if got := c.reply(); got != resp.Pong {
			t.Fatalf("pending client %d after the fds came back: %q", i, got)
		}
	}
	expectServed(t, addr)
}
