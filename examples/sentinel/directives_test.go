package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/internal/testenv"
	"golang.org/x/sys/unix"
)

// runDaemonized runs bin on conf (with args) in dir, expects it to exit 0 at
// once having left a daemon behind, waits for the daemon's pid file and
// for its first rewrite (a myid), and returns the pid, stopped by it when
// the test ends.
func runDaemonized(t *testing.T, bin, dir, conf, pidfile string, args ...string) int {
	t.Helper()
	cmd := exec.Command(bin, append([]string{conf}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v, want exit 0\n%s", bin, err, out)
	}
	var pid int
	waitFor(t, 10*time.Second, bin+"'s pid file", func() bool {
		data, err := os.ReadFile(pidfile)
		if err != nil || !strings.HasSuffix(string(data), "\n") {
			return false
		}
		pid, err = strconv.Atoi(strings.TrimSuffix(string(data), "\n"))
		return err == nil && pid > 0
	})
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
	waitFor(t, 10*time.Second, bin+"'s first rewrite", func() bool {
		data, _ := os.ReadFile(filepath.Join(dir, conf))
		return myidLine.Match(data)
	})
	return pid
}

// stopByPID sends SIGTERM to pid and waits for it to be gone.
func stopByPID(t *testing.T, pid int) {
	t.Helper()
	syscall.Kill(pid, syscall.SIGTERM)
	waitFor(t, 10*time.Second, "the daemon to exit", func() bool {
		return syscall.Kill(pid, 0) == syscall.ESRCH
	})
}

// TestDebianSentinelConfMatchesRedis: Debian's /etc/redis/sentinel.conf as
// shipped, its pidfile, logfile and dir moved to a temp dir (the shipped
// ones are root's /run/sentinel, /var/log/redis and /var/lib/redis) and
// its master's port to one nothing listens on (not a system redis-server
// on 6379), its daemonize yes kept, and a free port on the command line. Tried: the
// real redis-sentinel and our binary on two copies of it. Expected: each
// process exits 0 at once, leaving a daemon in a session of its own with
// its pid (and a newline) in the pid file, the logfile written; both
// rewrite the file the same way; SIGTERM stops each and removes its pid
// file.
func TestDebianSentinelConfMatchesRedis(t *testing.T) {
	real := testenv.RequireBinary(t, "redis-sentinel")
	shipped, err := os.ReadFile("/etc/redis/sentinel.conf")
	if err != nil {
		t.Skipf("Debian's sentinel.conf: %v", err)
	}
	bin := buildSentinel(t) // periodic_test.go
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	mport, sport := strconv.Itoa(testenv.FreePort(t)), strconv.Itoa(testenv.FreePort(t))
	for _, who := range []string{"real", "ours"} {
		conf := string(shipped)
		for _, r := range []struct{ from, to string }{
			{"\npidfile /run/sentinel/redis-sentinel.pid\n", "\npidfile " + dir + "/" + who + ".pid\n"},
			{"\nlogfile /var/log/redis/redis-sentinel.log\n", "\nlogfile " + dir + "/" + who + ".log\n"},
			{"\ndir /var/lib/redis\n", "\ndir " + dir + "\n"},
			// Not the system's redis-server, if one runs.
			{"\nsentinel monitor mymaster 127.0.0.1 6379 2\n", "\nsentinel monitor mymaster 127.0.0.1 " + mport + " 2\n"},
		} {
			if !strings.Contains(conf, r.from) {
				t.Fatalf("the shipped file has no %q", strings.TrimSpace(r.from))
			}
			conf = strings.Replace(conf, r.from, r.to, 1)
		}
		if !strings.Contains(conf, "\ndaemonize yes\n") {
			t.Fatal("the shipped file has no daemonize yes")
		}
		if err := os.WriteFile(filepath.Join(dir, who+".conf"), []byte(conf), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, who := range []string{"real", "ours"} {
		b := real
		if who == "ours" {
			b = bin
		}
		pidfile := filepath.Join(dir, who+".pid")
		pid := runDaemonized(t, b, dir, who+".conf", pidfile, "--port", sport) // one after the other
		if sid, err := unix.Getsid(pid); err != nil || sid != pid {
			t.Errorf("%s: the daemon %d is in session %d (%v), want its own", who, pid, sid, err)
		}
		stopByPID(t, pid)
		if _, err := os.Stat(pidfile); !os.IsNotExist(err) {
			t.Errorf("%s: the pid file is still there after SIGTERM (%v)", who, err)
		}
		log, _ := os.ReadFile(filepath.Join(dir, who+".log"))
		if !strings.Contains(string(log), "Sentinel ID is ") || !strings.Contains(string(log), "Removing the pid file.") {
			t.Errorf("%s's log:\n%s", who, log)
		}
		data, err := os.ReadFile(filepath.Join(dir, who+".conf"))
		if err != nil {
			t.Fatal(err)
		}
		files[who] = string(data)
	}
	// The myids differ, and ours names its own pid and log files.
	id := myidLine.FindStringSubmatch(files["real"])[1]
	ours := myidLine.ReplaceAllString(files["ours"], "sentinel myid "+id)
	ours = strings.NewReplacer("ours.pid", "real.pid", "ours.log", "real.log").Replace(ours)
	if normalizeServerOptions(ours) != normalizeServerOptions(files["real"]) {
		t.Errorf("redis-sentinel wrote:\n%s\nours wrote:\n%s", files["real"], ours)
	}
}

// TestPidFile: ours without daemonize, with a relative pidfile after a
// dir. Expected: the file, in dir, holds the pid and a newline once the
// sentinel runs, and is gone after the shutdown, whose log says so.
func TestPidFile(t *testing.T) {
	dir := t.TempDir()
	wd, _ := os.Getwd()
	var o *ourSentinel
	t.Cleanup(func() { // after startOurs's shutdown
		os.Chdir(wd) // "dir" moved this process
		if _, err := os.Stat(filepath.Join(dir, "s.pid")); !os.IsNotExist(err) {
			t.Errorf("pid file still there after the shutdown: %v", err)
		}
		if !strings.Contains(o.log.String(), "* Removing the pid file.") {
			t.Errorf("log:\n%s", o.log)
		}
	})
	o = startOurs(t, "dir "+dir+"\npidfile s.pid\n")
	data, err := os.ReadFile(filepath.Join(dir, "s.pid"))
	if want := strconv.Itoa(os.Getpid()) + "\n"; err != nil || string(data) != want {
		t.Errorf("pid file: %q, %v; want %q", data, err, want)
	}
}

// TestSupervisedSystemd: ours with supervised systemd and NOTIFY_SOCKET
// set to a datagram socket the test reads, as systemd's Type=notify does
// (Debian's unit runs "--supervised systemd"). Expected: redis-sentinel's
// messages in its order: STATUS=Redis is loading..., STATUS=Ready to
// accept connections and READY=1 once it serves, STOPPING=1 at the
// shutdown; the log says it is supervised.
func TestSupervisedSystemd(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "notify")
	ln, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Skipf("unixgram: %v", err)
	}
	t.Setenv("NOTIFY_SOCKET", sock)
	var o *ourSentinel
	t.Cleanup(func() { // after startOurs's shutdown
		defer ln.Close()
		var got []string
		buf := make([]byte, 256)
		for {
			ln.SetReadDeadline(time.Now().Add(time.Second))
			n, err := ln.Read(buf)
			if err != nil {
				break
			}
			got = append(got, string(buf[:n]))
		}
		want := []string{"STATUS=Redis is loading...\n", "STATUS=Ready to accept connections\n", "READY=1\n", "STOPPING=1\n"}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("notifications %q, want %q", got, want)
		}
		if !strings.Contains(o.log.String(), "* Supervised by systemd.") {
			t.Errorf("log:\n%s", o.log)
		}
	})
	o = startOurs(t, "supervised systemd\n")
}

// nonLoopbackIPv4 is an IPv4 address of this host that is not a
// loopback one, or "".
func nonLoopbackIPv4() string {
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() {
			return n.IP.String()
		}
	}
	return ""
}

// TestServerDirectivesTakeEffect: ours and redis-sentinel with
// protected-mode yes, maxclients 3, rename-command PING foo and timeout 1,
// listening on loopback and on another address of this host. Tried: a
// client through the other address; PING, FOO; a fourth client; a client
// left idle, and a subscribed one. Expected: the same bytes from both: the
// DENIED text; the unknown-command error and +PONG; the max-clients error;
// the idle client closed after more than a second, the subscribed one
// kept.
func TestServerDirectivesTakeEffect(t *testing.T) {
	ip := nonLoopbackIPv4()
	if ip == "" {
		t.Skip("no non-loopback address on this host")
	}
	body := "protected-mode yes\nmaxclients 3\nrename-command PING foo\ntimeout 1\n"
	type result struct{ denied, ping, foo, full, idle, subscribed string }
	run := func(port int) result {
		var r result
		read := func(c net.Conn) string {
			c.SetReadDeadline(time.Now().Add(3 * time.Second))
			var b bytes.Buffer
			buf := make([]byte, 4096)
			for {
				n, err := c.Read(buf)
				b.Write(buf[:n])
				if err != nil || bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
					return b.String()
				}
			}
		}
		ext, err := net.Dial("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
		if err != nil {
			t.Fatal(err)
		}
		ext.Write([]byte("PING\r\n"))
		r.denied = read(ext)
		ext.Close()
		time.Sleep(100 * time.Millisecond) // its slot is freed
		a := dialResp(t, port)
		_, v := a.do("PING")
		r.ping = fmt.Sprint(v)
		_, v = a.do("FOO")
		r.foo = fmt.Sprint(v)
		sub := dialResp(t, port)
		sub.do("SUBSCRIBE", "x")
		idle := dialResp(t, port)
		idle.do("FOO")
		fourth, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			t.Fatal(err)
		}
		r.full = read(fourth)
		fourth.Close()
		// Clients idle for more than timeout are closed by the next check
		// (Redis checks each about once a second).
		_, _, err = idle.read(4 * time.Second)
		r.idle = fmt.Sprint(err != nil)
		sub.send("PING")
		_, v, err = sub.read(2 * time.Second)
		r.subscribed = fmt.Sprint(v, err)
		return r
	}
	body += "bind 127.0.0.1 " + ip + "\n" // after writeConf's bind line
	want := run(startReal(t, body).port)
	got := run(startOurs(t, body).port)
	if got != want {
		t.Errorf("redis-sentinel:\n%+v\nours:\n%+v", want, got)
	}
	if !strings.HasPrefix(want.denied, "-DENIED") || want.idle != "true" || want.full != "-ERR max number of clients reached\r\n" {
		t.Errorf("unexpected redis-sentinel results: %+v", want)
	}
}

// TestReresolveOffTheLoop: resolve-hostnames yes, a master by the name
// localhost (127.0.0.1 from /etc/hosts at load) where nothing listens, and
// the lookups made on reconnect answered by the test: the first one held
// for a second and a half, then the name moved to 127.0.0.2, where a
// listener stands at the master's port. Expected: the loop answers PING
// at once while the lookup hangs; then the master's ip is 127.0.0.2 and
// the sentinel connects there.
func TestReresolveOffTheLoop(t *testing.T) {
	mport := testenv.FreePort(t)
	ln, err := net.Listen("tcp", "127.0.0.2:"+strconv.Itoa(mport))
	if err != nil {
		t.Skipf("127.0.0.2: %v", err)
	}
	defer ln.Close()
	accepted := make(chan struct{}, 8)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- struct{}{}
			defer c.Close()
		}
	}()
	o := startOurs(t, fmt.Sprintf("sentinel resolve-hostnames yes\nsentinel monitor m localhost %d 2\n", mport))
	release := make(chan struct{})
	asked := make(chan string, 64)
	set := make(chan struct{})
	o.s.el.Post(func(*ae.EventLoop) {
		o.s.lookupHost = func(ctx context.Context, host string) ([]string, error) {
			asked <- host
			select {
			case <-release:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			return []string{"127.0.0.2"}, nil
		}
		close(set)
	})
	<-set
	select {
	case h := <-asked:
		if h != "localhost" {
			t.Errorf("looked up %q", h)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no lookup on reconnect")
	}
	c := dialResp(t, o.port)
	for deadline := time.Now().Add(1500 * time.Millisecond); time.Now().Before(deadline); {
		start := time.Now()
		if raw, _ := c.do("PING"); string(raw) != "+PONG\r\n" || time.Since(start) > 500*time.Millisecond {
			t.Fatalf("PING while the lookup hangs: %q after %v", raw, time.Since(start))
		}
		time.Sleep(100 * time.Millisecond)
	}
	close(release)
	waitFor(t, 10*time.Second, "the master's ip to follow the name", func() bool {
		m, _ := asMap(c.val("SENTINEL", "MASTER", "m"))
		return m["ip"] == "127.0.0.2"
	})
	select {
	case <-accepted:
	case <-time.After(10 * time.Second):
		t.Fatal("no connection to the new address")
	}
}
