package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/goae/goae/internal/testenv"
)

// -u/--user, run as memcached's init scripts run it. The command runs in a
// child process (this test binary re-run as TestHelperMain, which calls
// main), since a switched identity cannot be switched back.

// TestHelperMain is the child: main with GOAE_MEMCACHE_ARGS as its
// command line. Skipped unless a test started it.
func TestHelperMain(t *testing.T) {
	if os.Getenv("GOAE_MEMCACHE_MAIN") != "1" {
		t.Skip("the -u tests' child process")
	}
	os.Args = append([]string{"memcache"}, strings.Fields(os.Getenv("GOAE_MEMCACHE_ARGS"))...)
	main()
}

// helperCmd is our command in a child process with args, run by bin (the
// test binary or a copy of it).
func helperCmd(bin string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, "-test.run=^TestHelperMain$")
	cmd.Env = append(os.Environ(), "GOAE_MEMCACHE_MAIN=1", "GOAE_MEMCACHE_ARGS="+strings.Join(args, " "))
	return cmd
}

// runToExit runs cmd and returns its stderr and exit status.
func runToExit(t *testing.T, cmd *exec.Cmd) (string, int) {
	t.Helper()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return stderr.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stderr.String(), 0
}

// startChild starts cmd, a server on port, waits until it answers version
// and stops it with sig, by its PID, at the end of the test (memcached
// takes up to a second to notice a SIGTERM; it keeps nothing, so it is
// killed).
func startChild(t *testing.T, cmd *exec.Cmd, port int, sig os.Signal) {
	t.Helper()
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(sig)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	for deadline := time.Now().Add(20 * time.Second); ; {
		select {
		case <-done:
			t.Fatalf("%s exited: %s", cmd.Path, out.String())
		default:
		}
		if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second); err == nil {
			c.SetDeadline(time.Now().Add(2 * time.Second))
			io.WriteString(c, "version\r\n")
			l, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if strings.HasPrefix(l, "VERSION ") {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer on port %d: %s", cmd.Path, port, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// idsOf reads the real, effective, saved and fs uids and gids and the
// supplementary groups of every thread of pid.
func idsOf(t *testing.T, pid int) []string {
	t.Helper()
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", pid))
	if err != nil || len(tasks) == 0 {
		t.Skipf("cannot read /proc/%d/task: %v", pid, err)
	}
	var out []string
	for _, f := range tasks {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // a thread that ended
		}
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "Uid:") || strings.HasPrefix(l, "Gid:") || strings.HasPrefix(l, "Groups:") {
				out = append(out, strings.Join(strings.Fields(l), " "))
			}
		}
	}
	return out
}

func TestParseUser(t *testing.T) {
	for _, args := range [][]string{{"-u", "memcache"}, {"-umemcache"}, {"--user", "memcache"}, {"--user=memcache"}} {
		if cfg, msg, _, ok := parseArgs(args); !ok || cfg.user != "memcache" {
			t.Errorf("%q: user %q (ok %v, %q)", args, cfg.user, ok, msg)
		}
	}
	if _, msg, _, _ := parseArgs([]string{"-h"}); !strings.Contains(msg, "-u, --user=<user>") {
		t.Errorf("-h lacks -u: %q", msg)
	}
}

// TestUserSwitch, as root: tried -u with a user that does not exist.
// Expected: memcached's "can't find the user X to switch to" on stderr and
// exit status 67 (EX_NOUSER), as the real binary gives. Then -u nobody:
// expected the server up and serving, every one of its threads (the
// workers' locked ones included) with nobody's uid and gid in all four
// slots and no supplementary groups.
func TestUserSwitch(t *testing.T) {
	if !isRoot() {
		t.Skip("needs root")
	}
	const nouser = "goae-no-such-user"
	msg, status := runToExit(t, helperCmd(os.Args[0], "-u", nouser, "-p", "0"))
	if want := "can't find the user " + nouser + " to switch to\n"; msg != want || status != 67 {
		t.Errorf("-u %s: %q, status %d; want %q, 67", nouser, msg, status, want)
	}
	t.Run("memcached", func(t *testing.T) {
		bin := testenv.RequireBinary(t, "memcached")
		theirs, tstatus := runToExit(t, exec.Command(bin, "-u", nouser, "-p", "0", "-U", "0"))
		if theirs != msg || tstatus != status {
			t.Errorf("-u %s: memcached %q, status %d; ours %q, %d", nouser, theirs, tstatus, msg, status)
		}
	})

	port := testenv.FreePort(t)
	cmd := helperCmd(os.Args[0], "-u", "nobody", "-p", strconv.Itoa(port), "-t", "4")
	startChild(t, cmd, port, syscall.SIGTERM)
	c := dial(t, fmt.Sprintf("127.0.0.1:%d", port))
	roundTrip(t, c, "set k 0 0 1\r\nx\r\nget k\r\n", "VALUE k 0 1\r\nx\r\nEND\r\n")
	ids := idsOf(t, cmd.Process.Pid)
	for _, l := range ids {
		if l != "Uid: 65534 65534 65534 65534" && l != "Gid: 65534 65534 65534 65534" && l != "Groups:" {
			t.Errorf("after -u nobody, a thread has %q", l)
		}
	}
	t.Logf("%d threads checked", len(ids)/3)
}

// TestUserIgnoredWhenNotRoot: tried -u with a user that does not exist,
// started as nobody. Expected: -u ignored, the server up and serving, as
// memcached (checked against the binary, started as nobody too).
func TestUserIgnoredWhenNotRoot(t *testing.T) {
	if !isRoot() {
		t.Skip("needs root, to start the child as nobody")
	}
	// nobody must be able to run a copy of this binary.
	dir := t.TempDir() // $TMPDIR/TestName.../001, both made 0700
	os.Chmod(dir, 0o755)
	os.Chmod(filepath.Dir(dir), 0o755)
	bin := filepath.Join(dir, "memcache.test")
	b, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	asNobody := &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	port := testenv.FreePort(t)
	cmd := helperCmd(bin, "-u", "goae-no-such-user", "-p", strconv.Itoa(port))
	cmd.SysProcAttr = asNobody
	startChild(t, cmd, port, syscall.SIGTERM)
	c := dial(t, fmt.Sprintf("127.0.0.1:%d", port))
	roundTrip(t, c, "set k 0 0 1\r\nx\r\nget k\r\n", "VALUE k 0 1\r\nx\r\nEND\r\n")

	t.Run("memcached", func(t *testing.T) {
		mbin := testenv.RequireBinary(t, "memcached")
		port := testenv.FreePort(t)
		cmd := exec.Command(mbin, "-u", "goae-no-such-user", "-p", strconv.Itoa(port), "-l", "127.0.0.1", "-U", "0")
		cmd.SysProcAttr = asNobody
		startChild(t, cmd, port, syscall.SIGKILL)
	})
}
