// Package reexec is daemonize(3) for a Go program: a running Go runtime
// cannot fork, so the servers that offer daemonize (the sentinel's
// `daemonize yes`, the proxy's -d, as redis-sentinel and nutcracker fork)
// start a copy of themselves instead, detached, and the first process
// exits. The copy knows itself by a variable in its environment.
package reexec

import (
	"os"
	"os/exec"
	"syscall"
)

// Error says which step of Daemon failed: Op is "executable" (finding
// the program), "open" (of /dev/null) or "start", Path the file involved.
type Error struct {
	Op, Path string
	Err      error
}

func (e *Error) Error() string { return e.Op + " " + e.Path + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// IsDaemon reports whether this process is the copy Daemon started with
// env set, and unsets env, so that a program the daemon runs is not
// taken for one.
func IsDaemon(env string) bool {
	if os.Getenv(env) == "" {
		return false
	}
	os.Unsetenv(env)
	return true
}

// Daemon starts a copy of this process (the same executable and
// arguments) with env=1 added to its environment, in dir ("" for this
// one's), in a session of its own (setsid), its standard input, output
// and error on /dev/null, and does not wait for it: the caller exits.
func Daemon(env, dir string) error {
	exe, err := os.Executable()
	if err != nil {
		return &Error{Op: "executable", Path: os.Args[0], Err: err}
	}
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return &Error{Op: "open", Path: os.DevNull, Err: err}
	}
	defer devnull.Close()
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env+"=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = devnull, devnull, devnull
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return &Error{Op: "start", Path: exe, Err: err}
	}
	return cmd.Process.Release()
}
