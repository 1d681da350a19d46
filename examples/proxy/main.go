package main

// main (nc.c): the command line, -h/-V/-D/-t, nc_pre_run, then nc_run:
// the configuration, core_start and the loop, with nutcracker's signals
// (nc_signal.c): SIGINT exits, SIGHUP reopens the log, SIGTTIN and
// SIGTTOU raise and lower the log level, SIGUSR1, SIGUSR2 do nothing,
// SIGPIPE is ignored.

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/connection"
)

func main() { os.Exit(ncMain(os.Args[1:], os.Stderr)) }

// ncMain is nc.c's main: it returns the exit status. nutcracker writes all
// of its terminal output to stderr; so does this.
func ncMain(args []string, stderr io.Writer) int {
	nci := setDefaultOptions()
	if err := getOptions(args, &nci); err != nil {
		fmt.Fprintln(stderr, err)
		showUsage(stderr)
		return 1
	}
	if nci.showVersion {
		showVersion(stderr, eventBackend())
		if nci.showHelp {
			showUsage(stderr)
		}
		if nci.describeStats {
			statsDescribe(stderr)
		}
		return 0
	}
	if nci.testConf {
		if !ncTestConf(&nci, stderr) {
			return 1
		}
		return 0
	}
	rs, err := ncPreRun(&nci, stderr)
	if errors.Is(err, errDaemonized) {
		return 0
	}
	if err == nil {
		err = ncRun(&nci, rs, stderr)
	}
	ncPostRun(rs)
	if err != nil {
		return 1
	}
	return 0
}

// ncRun is nc_run: core_start, then the loop until a signal ends it.
func ncRun(nci *instance, rs *runState, stderr io.Writer) error {
	log := rs.logger()
	cf, err := confCreate(nci.confFilename, log, stderr)
	if err != nil {
		return err
	}
	// A P more than the loops, and the loops yield now and then
	// (connection.ReserveProcs): pinned to one CPU, as nutcracker is
	// usually run and as bench/proxy.sh runs it, Go starts with one P and
	// sysmon then takes it back from every epoll_wait.
	connection.ReserveProcs(max(nci.threads, 1))
	if nci.threads > 1 {
		return ncRunThreads(nci, rs, cf)
	}
	ctx, err := coreStart(nci, cf, log)
	if err != nil {
		return err
	}
	signalInit(ctx, nci, rs)
	ctx.el.Main()
	return nil
}

// signalInit is signal_init: the signals are caught on a goroutine and
// handled on ctx's loop (signal_handler), the first loop with --threads.
func signalInit(ctx *ncContext, nci *instance, rs *runState) {
	el := ctx.el
	ch := make(chan os.Signal, 8)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGHUP, syscall.SIGTTIN, syscall.SIGTTOU,
		syscall.SIGUSR1, syscall.SIGUSR2)
	signal.Ignore(syscall.SIGPIPE)
	go func() {
		for sig := range ch {
			s := sig.(syscall.Signal)
			el.Post(func(*ae.EventLoop) { signalHandler(s, rs, ctx, nci) })
		}
	}()
}

// signalHandler is signal_handler; with --reload, SIGHUP also reloads the
// configuration (reload.go).
func signalHandler(sig syscall.Signal, rs *runState, ctx *ncContext, nci *instance) {
	log := rs.logger()
	names := map[syscall.Signal]string{syscall.SIGINT: "SIGINT", syscall.SIGHUP: "SIGHUP",
		syscall.SIGTTIN: "SIGTTIN", syscall.SIGTTOU: "SIGTTOU", syscall.SIGUSR1: "SIGUSR1", syscall.SIGUSR2: "SIGUSR2"}
	action := ""
	switch sig {
	case syscall.SIGHUP:
		action = ", reopening log file"
		if nci.reloadOnHup {
			action += " and reloading configuration"
		}
	case syscall.SIGTTIN:
		action = ", up logging level"
	case syscall.SIGTTOU:
		action = ", down logging level"
	case syscall.SIGINT:
		action = ", exiting"
	}
	loga(log, "signal %d (%s) received%s", int(sig), names[sig], action)
	switch sig {
	case syscall.SIGHUP:
		rs.log.logReopen()
		if nci.reloadOnHup {
			reloadTrigger(ctx, nci)
		}
	case syscall.SIGTTIN:
		rs.log.logLevelUp()
	case syscall.SIGTTOU:
		rs.log.logLevelDown()
	case syscall.SIGINT:
		os.Exit(1)
	}
}
