package main

// The process around the sentinel, as server.c's main and finishShutdown
// handle it: supervision (redisIsSupervised, redisCommunicateSystemd),
// daemonize, the pid file.
//
// daemonize yes: Go cannot fork(2) a running runtime, so Redis's fork
// becomes a re-exec, as the proxy's -d does: once the configuration has
// loaded (its errors still reach the terminal), the process starts a copy
// of itself (the same executable and arguments, in the working directory
// it was started in, GOAE_SENTINEL_DAEMONIZED=1 in its environment) in a
// new session (setsid), with stdin, stdout and stderr on /dev/null, and
// exits 0, as Redis's parent does; the copy loads the configuration again
// and carries on as the daemon: log, listening, pid file (Redis's default
// /var/run/redis.pid when none is configured), serving.

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"syscall"

	"github.com/goae/goae/internal/reexec"
)

// daemonEnv marks the re-executed daemon copy.
const daemonEnv = "GOAE_SENTINEL_DAEMONIZED"

// errDaemonized is returned to the process that started the daemon: it is
// to exit 0 at once.
var errDaemonized = errors.New("daemonized")

// defaultPidFile is CONFIG_DEFAULT_PID_FILE.
const defaultPidFile = "/var/run/redis.pid"

// redisIsSupervised is server.c's: "auto" picks upstart or systemd from
// the environment; systemd supervision holds when the notify socket takes
// the first status; upstart's stops the process (SIGSTOP) to say it is
// ready, as Redis does, before it has even started.
func (s *sentinelState) redisIsSupervised() bool {
	mode := s.cfg.supervised
	if mode == "auto" {
		if os.Getenv("UPSTART_JOB") != "" {
			s.log(llVerbose, "Upstart supervision detected.")
			mode = "upstart"
		} else if os.Getenv("NOTIFY_SOCKET") != "" {
			s.log(llVerbose, "Systemd supervision detected.")
			mode = "systemd"
		}
	}
	ok := false
	switch mode {
	case "upstart":
		if os.Getenv("UPSTART_JOB") == "" {
			s.log(llWarning, "upstart supervision requested, but UPSTART_JOB not found!")
			break
		}
		s.log(llNotice, "supervised by upstart, will stop to signal readiness.")
		syscall.Kill(os.Getpid(), syscall.SIGSTOP)
		os.Unsetenv("UPSTART_JOB")
		ok = true
	case "systemd":
		if s.communicateSystemd("STATUS=Redis is loading...\n") > 0 {
			s.log(llNotice, "Supervised by systemd. Please make sure you set appropriate values for TimeoutStartSec and TimeoutStopSec in your service unit.")
			ok = true
		}
	}
	if ok {
		s.cfg.supervised = mode
	}
	return ok
}

// communicateSystemd is redisCommunicateSystemd with libsystemd's
// sd_notify(0, msg): one datagram to $NOTIFY_SOCKET (a leading '@' names
// an abstract socket). It returns sd_notify's result: 1 sent, 0 no socket
// (logged), a negative errno (logged).
func (s *sentinelState) communicateSystemd(msg string) int {
	path := os.Getenv("NOTIFY_SOCKET")
	if path == "" {
		s.log(llWarning, "systemd supervision error: NOTIFY_SOCKET not found!")
		return 0
	}
	err := error(syscall.EINVAL)
	if path[0] == '/' || path[0] == '@' {
		var c *net.UnixConn
		if c, err = net.DialUnix("unixgram", nil, &net.UnixAddr{Name: path, Net: "unixgram"}); err == nil {
			_, err = c.Write([]byte(msg))
			c.Close()
		}
	}
	if err != nil {
		errno := syscall.EIO
		errors.As(err, &errno)
		s.log(llWarning, fmt.Sprintf("systemd supervision error: sd_notify: %d", -int(errno)))
		return -int(errno)
	}
	return 1
}

// daemonize is server.c's daemonize as a re-exec (see the file comment):
// in the first process it starts the daemon copy and returns
// errDaemonized; in the copy it returns nil.
func (s *sentinelState) daemonize(startDir string) error {
	if reexec.IsDaemon(daemonEnv) {
		return nil
	}
	if err := reexec.Daemon(daemonEnv, startDir); err != nil {
		s.log(llWarning, "Can't daemonize: "+err.Error())
		return err
	}
	return errDaemonized
}

// createPidFile is server.c's: the pid and a newline, best effort (a
// failure is logged); a daemon without a pidfile takes the default one.
func (s *sentinelState) createPidFile() {
	if s.cfg.pidfile == nil {
		p := defaultPidFile
		s.cfg.pidfile = &p
	}
	if err := os.WriteFile(*s.cfg.pidfile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o666); err != nil {
		s.log(llWarning, "Failed to write PID file: "+strerror(err))
	}
}
