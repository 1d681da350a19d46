package testenv

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("finding a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// StartRedis starts a real redis-server on a free loopback port with
// persistence off, waits until it answers PING and returns its port. The
// server is stopped, by its PID, when the test ends. extra are more
// command-line arguments ("--requirepass", "x", ...). Like RequireBinary,
// it skips the test when redis-server is missing, or fails it under
// GOAE_INTEROP=require.
func StartRedis(t testing.TB, extra ...string) int {
	t.Helper()
	dir := t.TempDir()
	return startServer(t, "redis-server", func(port int) []string {
		return append([]string{
			"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--daemonize", "no",
			"--dir", dir, "--logfile", "",
		}, extra...)
	}, waitPing)
}

// StartMemcached starts a real memcached on a free loopback port with UDP
// off, waits until it answers "version" and returns its port; stopped, by
// its PID, when the test ends. extra are more command-line arguments
// ("-t", "2", ...). As root it passes "-u root", without which memcached
// refuses to start. It skips or fails as StartRedis does.
func StartMemcached(t testing.TB, extra ...string) int {
	t.Helper()
	return startServer(t, "memcached", func(port int) []string {
		args := []string{"-p", strconv.Itoa(port), "-l", "127.0.0.1", "-U", "0"}
		if os.Geteuid() == 0 {
			args = append(args, "-u", "root")
		}
		return append(args, extra...)
	}, waitVersion)
}

// startServer runs the binary name with args(port) on a free port until
// ready(port, exited) says it answers, trying three ports, and stops it by
// its PID at the end of the test.
func startServer(t testing.TB, name string, args func(port int) []string, ready func(port int, exited <-chan struct{}) error) int {
	t.Helper()
	bin := RequireBinary(t, name)
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port := FreePort(t)
		p := StartProcess(t, exec.Command(bin, args(port)...))
		if lastErr = ready(port, p.Exited); lastErr == nil {
			return port
		}
		p.Stop()
		lastErr = fmt.Errorf("%v; output:\n%s", lastErr, p.Out.String())
	}
	t.Fatalf("%s did not start: %v", name, lastErr)
	return 0
}

// waitPing waits up to 10 s for PONG (or NOAUTH) on port, or for the
// process to exit.
func waitPing(port int, exited <-chan struct{}) error {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("redis-server exited")
		default:
		}
		conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			conn.SetDeadline(time.Now().Add(2 * time.Second))
			fmt.Fprint(conn, "PING\r\n")
			line, _ := bufio.NewReader(conn).ReadString('\n')
			conn.Close()
			// A server started with --requirepass answers NOAUTH: it is up.
			if line == "+PONG\r\n" || strings.HasPrefix(line, "-NOAUTH") {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("no PONG on port %d within 10 s", port)
}

// waitVersion waits up to 10 s for memcached to answer "version" on port,
// or for the process to exit.
func waitVersion(port int, exited <-chan struct{}) error {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("memcached exited")
		default:
		}
		conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			conn.SetDeadline(time.Now().Add(2 * time.Second))
			fmt.Fprint(conn, "version\r\n")
			line, _ := bufio.NewReader(conn).ReadString('\n')
			conn.Close()
			if strings.HasPrefix(line, "VERSION ") {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("no VERSION on port %d within 10 s", port)
}
