package main

// The process steps of nc.c that come before and after serving:
// nc_test_conf (-t), nc_pre_run (log, daemon, pid file, banner) with
// nc_daemonize and the pid file, and nc_post_run.
//
// -d: Go cannot fork(2) a running runtime, so nc_daemonize's double fork
// becomes a re-exec: the process starts a copy of itself (the same
// executable and arguments, GOAE_PROXY_DAEMONIZED=1 in its environment) in
// a new session (setsid), with stdin, stdout and stderr on /dev/null and
// the same working directory (nutcracker calls nc_daemonize(1), which keeps
// it), and exits 0 at once, as nutcracker's first parent does; the copy
// clears its umask as nutcracker does and carries on as the daemon: pid
// file (the -p file, Debian's /run/nutcracker/nutcracker.pid by default;
// only a daemon writes one, as in Debian's 0.5.0), log, configuration,
// serving. The log is opened before the re-exec, so a bad -o is reported
// on the terminal as nutcracker reports it. Unlike nutcracker's second
// fork, the daemon is the leader of its session; it opens no terminal.

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/internal/reexec"
	"golang.org/x/sys/unix"
)

// daemonEnv marks the re-executed daemon copy (see the file comment).
const daemonEnv = "GOAE_PROXY_DAEMONIZED"

// errDaemonized is returned to the process that started the daemon: it is
// to exit 0 at once.
var errDaemonized = errors.New("daemonized")

// eventBackend is the name of the poller goae's loop uses here, for the
// version banner ("async event backend: epoll").
func eventBackend() string {
	el, err := ae.New(16)
	if err != nil {
		return "epoll"
	}
	defer el.Close()
	return el.APIName()
}

// ncTestConf is nc_test_conf (-t): it loads the configuration and writes
// nutcracker's verdict on stderr, reporting whether it is valid.
//
// nutcracker does not open its log for -t, so it logs no reason. Here the
// reason is logged when -o names a file (nutcracker would leave the file
// alone); without -o nothing is logged, and stderr is nutcracker's either
// way.
func ncTestConf(nci *instance, stderr io.Writer) bool {
	var log *slog.Logger
	if nci.logFileSet && nci.logFilename != "" {
		if f, err := os.OpenFile(nci.logFilename, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644); err == nil {
			defer f.Close()
			lv := new(slog.LevelVar)
			lv.Set(slogLevel(max(logEmerg, min(nci.logLevel, logPVerb))))
			log = slog.New(newLogHandler(f, lv))
		}
	}
	if _, err := confCreate(nci.confFilename, log, stderr); err != nil {
		fmt.Fprintf(stderr, "nutcracker: configuration file '%s' syntax is invalid\n", nci.confFilename)
		return false
	}
	fmt.Fprintf(stderr, "nutcracker: configuration file '%s' syntax is ok\n", nci.confFilename)
	return true
}

// runState is what nc_pre_run sets up and nc_post_run undoes.
type runState struct {
	log     *logOutput
	pid     int
	pidfile string // created by ncCreatePidfile, to remove
}

// logger returns the log's logger, or nil before the log is open.
func (rs *runState) logger() *slog.Logger {
	if rs == nil || rs.log == nil {
		return nil
	}
	return rs.log.logger
}

// ncPreRun is nc_pre_run: open the log, become a daemon for -d, write the
// pid file (a daemon only), log the start banner. It returns errDaemonized
// in the process that started the daemon; on another error the caller
// runs ncPostRun and exits 1.
func ncPreRun(nci *instance, stderr io.Writer) (*runState, error) {
	rs := &runState{}
	lo, err := logInit(nci.logLevel, nci.logFilename, stderr)
	if err != nil {
		return rs, err
	}
	rs.log = lo
	if nci.daemonize {
		if !reexec.IsDaemon(daemonEnv) {
			if err := ncDaemonize(rs.logger()); err != nil {
				return rs, err
			}
			return rs, errDaemonized
		}
		unix.Umask(0)
	}
	rs.pid = os.Getpid()
	if nci.daemonize && nci.pidFilename != "" {
		if err := rs.ncCreatePidfile(nci.pidFilename); err != nil {
			return rs, err
		}
	}
	ncPrintRun(rs.logger(), rs.pid)
	return rs, nil
}

// ncDaemonize is nc_daemonize as a re-exec (see the file comment), with
// its log lines for each failure.
func ncDaemonize(log *slog.Logger) error {
	err := reexec.Daemon(daemonEnv, "")
	var re *reexec.Error
	if errors.As(err, &re) {
		switch re.Op {
		case "executable":
			logError(log, "daemonize: cannot find the executable: %s", strerror(re.Err))
		case "open":
			logError(log, "open(\"/dev/null\") failed: %s", strerror(re.Err))
		default:
			logError(log, "daemonize: starting '%s' failed: %s", re.Path, strerror(re.Err))
		}
	}
	return err
}

// ncCreatePidfile is nc_create_pidfile: the pid, without a newline, in a
// file created 0644 (or truncated).
func (rs *runState) ncCreatePidfile(name string) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		logError(rs.logger(), "opening pid file '%s' failed: %s", name, strerror(err))
		return err
	}
	defer f.Close()
	rs.pidfile = name
	if _, err := f.WriteString(strconv.Itoa(rs.pid)); err != nil {
		logError(rs.logger(), "write to pid file '%s' failed: %s", name, strerror(err))
		return err
	}
	return nil
}

// ncPrintRun is nc_print_run: the start banner, with uname's system,
// release and machine.
func ncPrintRun(log *slog.Logger, pid int) {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		loga(log, "nutcracker-%s started on pid %d", ncVersion, pid)
	} else {
		loga(log, "nutcracker-%s built for %s %s %s started on pid %d", ncVersion,
			unix.ByteSliceToString(u.Sysname[:]), unix.ByteSliceToString(u.Release[:]),
			unix.ByteSliceToString(u.Machine[:]), pid)
	}
	loga(log, "run, rabbit run / dig that hole, forget the sun / and when at last the work is done / don't sit down / it's time to dig another one")
}

// ncPostRun is nc_post_run: remove the pid file, log the end, close the
// log.
func ncPostRun(rs *runState) {
	if rs == nil {
		return
	}
	if rs.pidfile != "" {
		if err := os.Remove(rs.pidfile); err != nil {
			logError(rs.logger(), "unlink of pid file '%s' failed, ignored: %s", rs.pidfile, strerror(err))
		}
	}
	loga(rs.logger(), "done, rabbit done")
	rs.log.logDeinit()
}
