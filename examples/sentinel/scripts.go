package main

// User scripts (sentinel.c's sentinelScheduleScriptExecution,
// sentinelRunPendingScripts, sentinelCollectTerminatedScripts,
// sentinelKillTimedoutScripts, sentinelCallClientReconfScript): a
// master's notification-script runs on each warning-level event about it
// ("TYPE MSG"), its client-reconfig-script on each failover it leads or
// follows. Jobs wait in one queue; at most 16 run at once; a script still
// running after script-max-runtime is killed; one that exits 1 or dies by
// a signal is run again later (script-retry-delay, doubling), up to 10
// runs in all.
//
// Where Redis forks (the loop stays free), os.StartProcess does the same
// (a vfork and an exec, no goroutine); each tick of sentinelTimer reaps
// its own children with wait4(pid, WNOHANG), never wait4(-1) as Redis
// does, since a Go program may have children of its own. An exec that
// fails is reported as Redis's child would report it (its _exit(2): an
// error, not retried).

import (
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

const (
	sentinelScriptMaxQueue   = 256
	sentinelScriptMaxRunning = 16
	sentinelScriptMaxRetry   = 10
	sentinelScriptMaxArgs    = 16
)

// sentinelScriptJob is sentinel.c's.
type sentinelScriptJob struct {
	running   bool
	retryNum  int
	argv      []string
	startTime int64 // when it started, or when it may run again (a retry); 0: now
	proc      *os.Process
}

func (sj *sentinelScriptJob) pid() int {
	if sj.proc == nil {
		return 0
	}
	return sj.proc.Pid
}

// scriptsState is sentinel.scripts_queue and sentinel.running_scripts.
type scriptsState struct {
	queue   []*sentinelScriptJob
	running int
}

// sentinelScheduleScriptExecution queues path with its arguments; past
// the queue limit the oldest job not running is dropped.
func (s *sentinelState) sentinelScheduleScriptExecution(path string, args ...string) {
	if len(args) > sentinelScriptMaxArgs-1 {
		args = args[:sentinelScriptMaxArgs-1]
	}
	sj := &sentinelScriptJob{argv: append([]string{path}, args...)}
	q := &s.scripts
	q.queue = append(q.queue, sj)
	if len(q.queue) > sentinelScriptMaxQueue {
		for i, old := range q.queue {
			if !old.running {
				q.queue = append(q.queue[:i], q.queue[i+1:]...)
				break
			}
		}
	}
}

// sentinelRunPendingScripts starts the jobs that are due, oldest first,
// while fewer than the limit run.
func (s *sentinelState) sentinelRunPendingScripts() {
	q := &s.scripts
	now := s.mstime()
	for _, sj := range q.queue {
		if q.running >= sentinelScriptMaxRunning {
			return
		}
		if sj.running || (sj.startTime != 0 && sj.startTime > now) {
			continue
		}
		sj.running = true
		sj.startTime = s.mstime()
		sj.retryNum++
		p, err := os.StartProcess(sj.argv[0], sj.argv, &os.ProcAttr{
			Files: []*os.File{nil, os.Stdout, os.Stderr},
		})
		if err != nil {
			// Redis's child exits 2 when execve fails: reported, not
			// retried. A failed fork is its "signal 99".
			q.running++
			sj.proc = nil
			s.sentinelScriptDone(sj, execFailureStatus(err))
			continue
		}
		sj.proc = p
		q.running++
		s.sentinelEvent(llDebug, "+script-child", nil, "%d", p.Pid)
	}
}

// execFailureStatus is the (signal, exit code) Redis would report for a
// script that could not be started.
func execFailureStatus(err error) [2]int {
	if errno, ok := err.(*os.PathError); ok && (errno.Err == syscall.EAGAIN || errno.Err == syscall.ENOMEM) {
		return [2]int{99, 0}
	}
	return [2]int{0, 2}
}

// sentinelCollectTerminatedScripts reaps the scripts that ended.
func (s *sentinelState) sentinelCollectTerminatedScripts() {
	for _, sj := range append([]*sentinelScriptJob(nil), s.scripts.queue...) {
		if !sj.running || sj.proc == nil {
			continue
		}
		var ws unix.WaitStatus
		pid, err := unix.Wait4(sj.proc.Pid, &ws, unix.WNOHANG, nil)
		if err == unix.EINTR {
			continue
		}
		if err == nil && pid == 0 {
			continue // still running
		}
		exitcode, bysignal := 0, 0
		if err != nil {
			// Reaped by someone else (it should not happen): count it
			// as a failure to retry.
			bysignal = 99
		} else {
			exitcode = ws.ExitStatus()
			if ws.Signaled() {
				exitcode, bysignal = 0, int(ws.Signal())
			}
		}
		s.sentinelEvent(llDebug, "-script-child", nil, "%d %d %d", sj.proc.Pid, exitcode, bysignal)
		sj.proc.Release()
		s.sentinelScriptDone(sj, [2]int{bysignal, exitcode})
	}
}

// sentinelScriptDone is the end of one run of sj with (signal, exit
// code): a retry if it asked for one and runs are left, else the job goes
// (reported if it did not end well).
func (s *sentinelState) sentinelScriptDone(sj *sentinelScriptJob, st [2]int) {
	q := &s.scripts
	bysignal, exitcode := st[0], st[1]
	q.running--
	if (bysignal != 0 || exitcode == 1) && sj.retryNum != sentinelScriptMaxRetry {
		sj.running = false
		sj.proc = nil
		sj.startTime = s.mstime() + s.sentinelScriptRetryDelay(sj.retryNum)
		return
	}
	if bysignal != 0 || exitcode != 0 {
		s.sentinelEvent(llWarning, "-script-error", nil, "%s %d %d", sj.argv[0], bysignal, exitcode)
	}
	for i, x := range q.queue {
		if x == sj {
			q.queue = append(q.queue[:i], q.queue[i+1:]...)
			break
		}
	}
}

// sentinelScriptRetryDelay is script-retry-delay doubled for each run
// after the first.
func (s *sentinelState) sentinelScriptRetryDelay(retryNum int) int64 {
	delay := s.timers.scriptRetryDelay
	for ; retryNum > 1; retryNum-- {
		delay *= 2
	}
	return delay
}

// sentinelKillTimedoutScripts SIGKILLs the scripts running for longer
// than script-max-runtime; they are reaped (and retried) later.
func (s *sentinelState) sentinelKillTimedoutScripts() {
	now := s.mstime()
	for _, sj := range s.scripts.queue {
		if sj.running && sj.proc != nil && now-sj.startTime > s.timers.scriptMaxRuntime {
			s.sentinelEvent(llWarning, "-script-timeout", nil, "%s %d", sj.argv[0], sj.proc.Pid)
			sj.proc.Signal(syscall.SIGKILL)
		}
	}
}

// sentinelCallClientReconfScript queues the master's
// client-reconfig-script: NAME leader|observer STATE FROMIP FROMPORT TOIP TOPORT.
func (s *sentinelState) sentinelCallClientReconfScript(master *sentinelRedisInstance, leader bool, state string, from, to sentinelAddr) {
	if master.cfg == nil || master.cfg.clientReconfigScript == nil {
		return
	}
	role := "observer"
	if leader {
		role = "leader"
	}
	s.sentinelScheduleScriptExecution(*master.cfg.clientReconfigScript, master.name, role, state,
		s.cfg.announceSentinelAddr(from), strconv.Itoa(from.port), s.cfg.announceSentinelAddr(to), strconv.Itoa(to.port))
}

// sentinelNotificationScript is sentinelEvent's tail: a warning about an
// instance runs its master's notification-script with TYPE and MSG.
func (s *sentinelState) sentinelNotificationScript(level int, typ string, ri *sentinelRedisInstance, msg string) {
	if level != llWarning || ri == nil {
		return
	}
	master := ri
	if ri.flags&sriMaster == 0 {
		master = ri.master
	}
	if master != nil && master.cfg != nil && master.cfg.notificationScript != nil {
		s.sentinelScheduleScriptExecution(*master.cfg.notificationScript, typ, msg)
	}
}

// sentinelPendingScriptsCommand is SENTINEL PENDING-SCRIPTS: the queue,
// each job as a map of argv, flags, pid, run-time or run-delay and
// retry-num.
func sentinelPendingScriptsCommand(s *sentinelState, c *client) {
	now := s.mstime()
	c.AddReplyArrayLen(len(s.scripts.queue))
	for _, sj := range s.scripts.queue {
		c.AddReplyMapLen(5)
		c.AddReplyBulkString("argv")
		c.AddReplyArrayLen(len(sj.argv))
		for _, a := range sj.argv {
			c.AddReplyBulkString(a)
		}
		c.AddReplyBulkString("flags")
		if sj.running {
			c.AddReplyBulkString("running")
		} else {
			c.AddReplyBulkString("scheduled")
		}
		c.AddReplyBulkString("pid")
		c.AddReplyBulkString(strconv.Itoa(sj.pid()))
		if sj.running {
			c.AddReplyBulkString("run-time")
			c.AddReplyBulkString(strconv.FormatInt(now-sj.startTime, 10))
		} else {
			delay := int64(0)
			if sj.startTime != 0 {
				delay = max(sj.startTime-now, 0)
			}
			c.AddReplyBulkString("run-delay")
			c.AddReplyBulkString(strconv.FormatInt(delay, 10))
		}
		c.AddReplyBulkString("retry-num")
		c.AddReplyBulkString(strconv.Itoa(sj.retryNum))
	}
}
