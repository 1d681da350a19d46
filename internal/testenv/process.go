package testenv

import (
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Process is a program a test started: its output, a channel closed when
// it has exited, and Stop.
type Process struct {
	Cmd    *exec.Cmd
	Out    *SyncBuffer   // its stdout and stderr
	Exited chan struct{} // closed once it has exited (and been waited for)
	once   sync.Once
}

// StartProcess starts cmd with its output in Out; it is stopped (Stop)
// when the test ends.
func StartProcess(t testing.TB, cmd *exec.Cmd) *Process {
	t.Helper()
	p := &Process{Cmd: cmd, Out: &SyncBuffer{}, Exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.Out, p.Out
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", cmd.Path, err)
	}
	go func() { cmd.Wait(); close(p.Exited) }()
	t.Cleanup(p.Stop)
	return p
}

// Stop sends SIGTERM to the process it started (by its PID), SIGKILL if
// it has not exited 5 s later, and waits for it; once only.
func (p *Process) Stop() {
	p.once.Do(func() {
		p.Cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.Exited:
		case <-time.After(5 * time.Second):
			p.Cmd.Process.Kill()
			<-p.Exited
		}
	})
}
