package main

import (
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

	"github.com/goae/goae/internal/testenv"
)

// buildBinary builds this command into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go tool on PATH: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "clusterbus")
	out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// proc is one clusterbus process.
type proc struct {
	cmd  *exec.Cmd
	port int
	done chan struct{}
	out  testenv.SyncBuffer
}

// startProc runs bin with a client port that, like its bus port
// (port+10000), was free a moment ago, retrying on other ports when the
// process exits early (a port taken meanwhile). port, if not 0, is used
// as is.
func startProc(t *testing.T, bin string, port int, args ...string) *proc {
	t.Helper()
	for attempt := 0; attempt < 10; attempt++ {
		p := &proc{port: port, done: make(chan struct{})}
		if p.port == 0 {
			cport := testenv.FreePort(t)
			if cport <= PortIncr {
				continue
			}
			p.port = cport - PortIncr
			// Readiness below is a dial to the client port: another
			// server listening there would pass it while our process
			// exits, unable to bind.
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p.port))
			if err != nil {
				continue
			}
			l.Close()
		}
		p.cmd = exec.Command(bin, append([]string{"--port", strconv.Itoa(p.port), "--loglevel", "warning"}, args...)...)
		p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
		if err := p.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { p.cmd.Wait(); close(p.done) }()
		t.Cleanup(func() {
			p.cmd.Process.Kill()
			<-p.done
		})
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			select {
			case <-p.done:
				deadline = time.Time{}
				continue
			default:
			}
			if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", p.port)); err == nil {
				c.Close()
				return p
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Logf("clusterbus on port %d did not start: %s", p.port, p.out.String())
		if port != 0 {
			break
		}
	}
	t.Fatalf("clusterbus did not start")
	return nil
}

// Input: the command built and run as three processes with nodes.conf
// files and a 2000 ms node timeout, introduced by CLUSTER MEET sent to
// the first one's client port; then SIGTERM to the third, and a restart
// on the same port and file.
// Expected: the flags work (--port, --cluster-config-file,
// --cluster-node-timeout, --loglevel); the three converge; SIGTERM exits
// cleanly leaving a nodes.conf in Redis's format; the restarted process
// has the same name and rejoins without a new MEET.
func TestCommandProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the command")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	var ps []*proc
	for i := 0; i < 3; i++ {
		ps = append(ps, startProc(t, bin, 0, "--cluster-config-file", filepath.Join(dir, fmt.Sprintf("nodes-%d.conf", i)),
			"--cluster-node-timeout", "2000"))
	}
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = redisStr(t, p.port, "cluster", "myid")
	}
	for _, p := range ps[1:] {
		redisStr(t, ps[0].port, "cluster", "meet", "127.0.0.1", strconv.Itoa(p.port))
	}
	converged := func() bool {
		for _, p := range ps {
			v := parseClusterNodes(t, redisStr(t, p.port, "cluster", "nodes"))
			if len(v) != len(ps) {
				return false
			}
			for _, id := range ids {
				if fl := v[id].flags; fl != "master" && fl != "myself,master" || v[id].link != "connected" {
					return false
				}
			}
		}
		return true
	}
	waitFor(t, 20*time.Second, "three processes to converge", converged)

	last := ps[2]
	last.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-last.done:
	case <-time.After(5 * time.Second):
		t.Fatalf("no exit after SIGTERM")
	}
	if !last.cmd.ProcessState.Success() {
		t.Fatalf("exit after SIGTERM: %v\n%s", last.cmd.ProcessState, last.out.String())
	}
	conf := filepath.Join(dir, "nodes-2.conf")
	data, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	if !strings.Contains(text, ids[2]+" 127.0.0.1:"+strconv.Itoa(last.port)+"@"+strconv.Itoa(last.port+PortIncr)+" myself,master ") ||
		!strings.Contains(text, "\nvars currentEpoch ") {
		t.Fatalf("nodes.conf after SIGTERM:\n%s", text)
	}
	ps[2] = startProc(t, bin, last.port, "--cluster-config-file", conf, "--cluster-node-timeout", "2000")
	if got := redisStr(t, ps[2].port, "cluster", "myid"); got != ids[2] {
		t.Fatalf("restarted process is %s, was %s", got, ids[2])
	}
	waitFor(t, 20*time.Second, "the restarted process to rejoin", converged)
}
