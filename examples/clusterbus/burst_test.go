//go:build linux

// BenchmarkAcceptBurst is Linux only: its dialer uses SOCK_CLOEXEC and
// Pdeathsig, and it reads listen overflows and open fds from /proc.

package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/internal/testenv"
	"golang.org/x/sys/unix"
)

// burstConns is how many connections BenchmarkAcceptBurst dials at once.
const burstConns = 10000

// burstDialers is how many goroutines dial them.
const burstDialers = 8

// burstDialerEnv, set in the environment, makes this test binary the
// dialing process of BenchmarkAcceptBurst instead of running tests (see
// init below): "port conns dialers".
const burstDialerEnv = "CLUSTERBUS_BURST_DIALER"

// BenchmarkAcceptBurst dials 10,000 connections at once, from 8
// goroutines, to one node's bus port and measures what the bounded accept
// loop (1000 accepts per call, MAX_CLUSTER_ACCEPTS_PER_CALL) does to the
// node's loop. It runs twice: backlog=511 is the node as it is (Redis's
// tcp-backlog default), where a few connections find the accept queue
// full and wait for the kernel's retransmit; backlog=4096 (the listen(2)
// backlog; Linux caps it at net.core.somaxconn) shows the loop's own pace
// without those waits. The metrics:
//
//   - accept-ms: from the first dial until the node has accepted all
//     10,000 (nd.ln.Accepted), to the end of the loop iteration that
//     accepted the last one; accept99-ms the same for the first 99%
//     (9,900);
//   - dial-ms: from the first dial until the last connect returned;
//   - max-iter-ms: the longest loop iteration during the burst, from the
//     after-sleep hook to the next before-sleep hook (the work the loop
//     does between two polls), and busy-ms the sum of those iterations:
//     the loop's working time, which the waits below do not inflate;
//   - max-cron-late-ms: the worst lateness of clusterCron's 100 ms time
//     event during the burst (it started when due + this), and
//     idle-cron-late-ms the same over 1 s of idle loop before the burst
//     (epoll_wait's millisecond timeout makes up to 1 ms normal);
//   - burst-crons, accept-calls: clusterCron runs and accept handler calls
//     during the burst; listen-overflows: the kernel's ListenOverflows
//     counter (this network namespace, /proc/net/netstat) over the burst:
//     connections that found the accept queue full and had to retransmit.
//     On Linux a dropped SYN is sent again after 1 s, then 2 s more, and
//     its dialer goroutine waits meanwhile, so a few overflows stretch
//     accept-ms and dial-ms by whole seconds while the loop sits idle:
//     read them with listen-overflows and busy-ms.
//
// It is a measurement, never a pass/fail on speed: run it by hand,
// bench/cluster.sh does
//
//	go test -run '^$' -bench AcceptBurst -benchtime 1x -count 5 ./examples/clusterbus
//
// With b.N > 1 each metric is the median over the N bursts.
//
// The node runs in this process, as the other in-process tests run it,
// with clusterCron's time event replaced by a wrapper that times each
// call (the cron itself is unchanged) and the after-sleep and before-sleep
// hooks wrapped. The dialing is done by a second process, this test binary
// run again with CLUSTERBUS_BURST_DIALER set: dialled and accepted ends in
// one process would need 2 x 10,000 fds, more than the 20,000 a process
// may have on the machine this was written on (root without
// CAP_SYS_RESOURCE cannot raise the hard limit), and would push the
// accepted fds past the loop's set size (10,128) where a node alone in its
// process keeps them below. Each process needs 10,000 + 1000 fds: the
// soft RLIMIT_NOFILE is raised (and the hard one as root, when allowed),
// else the benchmark skips. Both processes time with CLOCK_MONOTONIC,
// which is the same clock for both. The links get no data and stay idle;
// at the end the dialled ends are reset (SO_LINGER 0, so no TIME_WAIT is
// left), the dialer exits, the node is stopped, and this process's fd
// count must be back where it was.
func BenchmarkAcceptBurst(b *testing.B) {
	testenv.RaiseNofile(b, burstConns+1000) // each of the two processes holds one side
	for _, backlog := range []int{tcpBacklog, 4096} {
		b.Run(fmt.Sprintf("backlog=%d", backlog), func(b *testing.B) {
			var runs []burstResult
			for i := 0; i < b.N; i++ {
				runs = append(runs, runAcceptBurst(b, burstConns, backlog))
			}
			reportBurst(b, runs)
		})
	}
}

// reportBurst reports the medians of runs as the benchmark's metrics.
func reportBurst(b *testing.B, runs []burstResult) {
	med := func(f func(r burstResult) float64) float64 {
		v := make([]float64, len(runs))
		for i, r := range runs {
			v[i] = f(r)
		}
		slices.Sort(v)
		if len(v)%2 == 1 {
			return v[len(v)/2]
		}
		return (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
	b.ReportMetric(0, "ns/op") // the time of a whole run (node, idle second, teardown) means nothing
	b.ReportMetric(med(func(r burstResult) float64 { return ms(r.accept) }), "accept-ms")
	b.ReportMetric(med(func(r burstResult) float64 { return ms(r.accept99) }), "accept99-ms")
	b.ReportMetric(med(func(r burstResult) float64 { return ms(r.dial) }), "dial-ms")
	b.ReportMetric(med(func(r burstResult) float64 { return ms(r.maxIter) }), "max-iter-ms")
	b.ReportMetric(med(func(r burstResult) float64 { return ms(r.busy) }), "busy-ms")
	b.ReportMetric(med(func(r burstResult) float64 { return ms(r.maxCronLate) }), "max-cron-late-ms")
	b.ReportMetric(med(func(r burstResult) float64 { return ms(r.idleCronLate) }), "idle-cron-late-ms")
	b.ReportMetric(med(func(r burstResult) float64 { return float64(r.crons) }), "burst-crons")
	b.ReportMetric(med(func(r burstResult) float64 { return float64(r.acceptCalls) }), "accept-calls")
	b.ReportMetric(med(func(r burstResult) float64 { return float64(r.overflows) }), "listen-overflows")
}

type burstResult struct {
	accept, accept99      time.Duration
	dial                  time.Duration
	maxIter, busy         time.Duration
	maxCronLate           time.Duration
	idleCronLate          time.Duration
	crons, acceptCalls    int64
	overflows, iterations int64
}

// burstOpenFds counts this process's open fds.
func burstOpenFds(b *testing.B) int {
	b.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		b.Fatalf("counting fds: %v", err)
	}
	return len(ents) - 1 // the directory's own fd
}

// burstListenOverflows reads TcpExt ListenOverflows from /proc/net/netstat
// (-1 when it cannot).
func burstListenOverflows() int64 {
	f, err := os.Open("/proc/net/netstat")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	var names []string
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || fields[0] != "TcpExt:" {
			continue
		}
		if names == nil {
			names = fields
			continue
		}
		for i, name := range names {
			if name == "ListenOverflows" && i < len(fields) {
				v, err := strconv.ParseInt(fields[i], 10, 64)
				if err != nil {
					return -1
				}
				return v
			}
		}
		return -1
	}
	return -1
}

// burstMono reads CLOCK_MONOTONIC, which the node's process and the
// dialer's share.
func burstMono() time.Duration {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return time.Duration(ts.Nano())
}

// burstConnect connects the blocking socket fd, finishing the connect
// with poll if a signal interrupted it.
func burstConnect(fd int, sa unix.Sockaddr) error {
	err := unix.Connect(fd, sa)
	switch err {
	case nil, unix.EISCONN:
		return nil
	case unix.EINTR, unix.EINPROGRESS, unix.EALREADY:
	default:
		return err
	}
	for {
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
		if _, err := unix.Poll(pfd, -1); err == unix.EINTR {
			continue
		} else if err != nil {
			return err
		}
		soerr, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
		if err != nil {
			return err
		}
		if soerr != 0 {
			return unix.Errno(soerr)
		}
		return nil
	}
}

// init turns this test binary into BenchmarkAcceptBurst's dialer when
// CLUSTERBUS_BURST_DIALER is set; it does nothing otherwise.
func init() {
	if arg := os.Getenv(burstDialerEnv); arg != "" {
		os.Exit(burstDialer(arg))
	}
}

// burstDialer is the dialing process. arg is "port conns dialers". It
// says "ready", waits for "go" on stdin, dials conns blocking connections
// to 127.0.0.1:port from dialers goroutines, and says "dialed T0 END
// FAILED ERROR" (CLOCK_MONOTONIC ns of the first dial and of the last
// connect's return). When stdin closes it resets every connection
// (SO_LINGER 0) and exits.
func burstDialer(arg string) int {
	var port, conns, dialers int
	if _, err := fmt.Sscanf(arg, "%d %d %d", &port, &conns, &dialers); err != nil || conns < 1 || dialers < 1 {
		fmt.Printf("error bad %s %q\n", burstDialerEnv, arg)
		return 2
	}
	// The Go runtime has raised the soft limit to the hard one.
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil || rl.Cur < uint64(conns+100) {
		fmt.Printf("error the dialer may open %d fds, needs %d\n", rl.Cur, conns+100)
		return 2
	}
	in := bufio.NewReader(os.Stdin)
	fmt.Println("ready")
	if line, err := in.ReadString('\n'); err != nil || line != "go\n" {
		return 2
	}
	fds := make([]int, conns)
	for i := range fds {
		fds[i] = -1
	}
	sa := &unix.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}
	var (
		next, failed, end atomic.Int64
		firstErr          atomic.Value
		wg                sync.WaitGroup
	)
	t0 := burstMono()
	for w := 0; w < dialers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= conns {
					return
				}
				fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
				if err == nil {
					fds[i] = fd
					err = burstConnect(fd, sa)
				}
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				t := int64(burstMono())
				for {
					old := end.Load()
					if t <= old || end.CompareAndSwap(old, t) {
						break
					}
				}
			}
		}()
	}
	wg.Wait()
	msg, _ := firstErr.Load().(string)
	fmt.Printf("dialed %d %d %d %q\n", int64(t0), end.Load(), failed.Load(), msg)
	io.Copy(io.Discard, in)
	for _, fd := range fds {
		if fd >= 0 {
			unix.SetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0})
			unix.Close(fd)
		}
	}
	return 0
}

// burstProc is the dialer process, seen from the benchmark.
type burstProc struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string // stdout, line by line; closed at EOF
	stderr strings.Builder
	done   chan struct{}
}

func startBurstDialer(b *testing.B, port, conns, dialers int) *burstProc {
	b.Helper()
	p := &burstProc{lines: make(chan string, 4), done: make(chan struct{})}
	p.cmd = exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	p.cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d %d %d", burstDialerEnv, port, conns, dialers))
	p.cmd.Stderr = &p.stderr
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		b.Fatal(err)
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		b.Fatalf("starting the dialer: %v", err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
		p.cmd.Wait()
		close(p.done)
	}()
	return p
}

// line waits for the dialer's next line.
func (p *burstProc) line(b *testing.B, timeout time.Duration) string {
	b.Helper()
	select {
	case l, ok := <-p.lines:
		if !ok {
			<-p.done
			b.Fatalf("the dialer exited (%v): %s", p.cmd.ProcessState, p.stderr.String())
		}
		if strings.HasPrefix(l, "error ") {
			b.Fatalf("the dialer: %s", l[len("error "):])
		}
		return l
	case <-time.After(timeout):
		b.Fatalf("no word from the dialer in %v", timeout)
	}
	return ""
}

// stop closes the dialer's stdin, so that it resets its connections and
// exits, and waits for it (killing it after 30 s).
func (p *burstProc) stop() {
	p.stdin.Close()
	go func() {
		for range p.lines {
		}
	}()
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

func runAcceptBurst(b *testing.B, conns, backlog int) burstResult {
	b.Helper()
	// A node with no client port and no nodes.conf on a free bus port,
	// listening with the given backlog.
	var nd *node
	fdsBefore := 0
	for attempt := 0; nd == nil; attempt++ {
		port := testenv.FreePort(b)
		fdsBefore = burstOpenFds(b)
		n, err := newNode(Config{ClusterPort: port, Log: testLogger("burst"), Backlog: backlog})
		switch {
		case err == nil:
			nd = n
		case errors.Is(err, unix.EADDRINUSE) && attempt < 20:
		default:
			b.Fatalf("newNode: %v", err)
		}
	}
	failEarly := func(format string, args ...any) {
		go nd.run() // run closes what the node owns once stopped
		nd.stop()
		b.Fatalf(format, args...)
	}
	// Alone in its process the node's fds stay under its set size
	// (10,128); the test binary may hold a few more fds than a node does.
	if need := fdsBefore + 3 + conns + 16; need > nd.el.SetSize() {
		b.Logf("raising the loop's set size to %d for %d fds open before the node", need, fdsBefore)
		if err := nd.el.ResizeSetSize(need); err != nil {
			failEarly("ResizeSetSize: %v", err)
		}
	}

	// Everything below named loop* is touched only on the loop goroutine
	// (the hooks and the cron wrapper) and read through nd.do.
	var (
		start atomic.Int64 // burstMono() when the dialer is told to go; 0 before
		done  = make(chan struct{})

		loopAfter        time.Duration // the last after-sleep
		loopDone         bool
		loopEnd          time.Duration // the before-sleep after the last accept
		loopEnd99        time.Duration // the same after 99% of them
		loopMaxIter      time.Duration
		loopIters        int64
		loopBusy         time.Duration
		loopCronPrevEnd  time.Duration
		loopCronPeriod   time.Duration
		loopCronCalls    int64
		loopBurstCrons   int64
		loopMaxCronLate  time.Duration
		loopIdleCronLate time.Duration
	)
	accepted0 := nd.ln.Accepted.Load()
	nd.el.SetAfterSleepProc(func(*ae.EventLoop) { loopAfter = burstMono() })
	nd.el.SetBeforeSleepProc(func(el *ae.EventLoop) {
		now := burstMono()
		if st := time.Duration(start.Load()); st != 0 && !loopDone {
			if loopAfter >= st {
				loopIters++
				loopBusy += now - loopAfter
				loopMaxIter = max(loopMaxIter, now-loopAfter)
			}
			accepted := nd.ln.Accepted.Load() - accepted0
			if loopEnd99 == 0 && accepted*100 >= int64(conns)*99 {
				loopEnd99 = now
			}
			if accepted >= int64(conns) {
				loopDone, loopEnd = true, now
				close(done)
			}
		}
		nd.beforeSleep(el)
	})
	// Replace clusterCron's time event by a wrapper that times it; the
	// check after the idle second makes sure the wrapper ran as the cron.
	if err := nd.el.DeleteTimeEvent(nd.cronID); err != nil {
		failEarly("deleting clusterCron's time event (id %d): %v", nd.cronID, err)
	}
	nd.el.CreateTimeEvent(1, func(el *ae.EventLoop, id int64, clientData any) int {
		t := burstMono()
		if loopCronPrevEnd != 0 {
			late := t - (loopCronPrevEnd + loopCronPeriod)
			if st := time.Duration(start.Load()); st != 0 && t >= st && !loopDone {
				loopBurstCrons++
				loopMaxCronLate = max(loopMaxCronLate, late)
			} else if st == 0 {
				loopIdleCronLate = max(loopIdleCronLate, late)
			}
		}
		ret := nd.clusterCronProc(el, id, clientData)
		loopCronCalls++
		loopCronPrevEnd, loopCronPeriod = burstMono(), time.Duration(ret)*time.Millisecond
		return ret
	}, nil, nil)
	go nd.run()

	var dialer *burstProc
	cleaned := false
	cleanup := func() {
		if !cleaned {
			cleaned = true
			if dialer != nil {
				dialer.stop()
			}
			nd.stop()
		}
	}
	defer cleanup() // on b.Fatal too
	dialer = startBurstDialer(b, nd.busPort, conns, burstDialers)
	if l := dialer.line(b, 30*time.Second); l != "ready" {
		b.Fatalf("the dialer said %q", l)
	}

	// One idle second: clusterCron's idle lateness, and a check that the
	// wrapper is the only clusterCron.
	time.Sleep(time.Second)
	var calls int64
	var iter uint64
	if !nd.do(func() { calls, iter = loopCronCalls, nd.cronIteration }) {
		b.Fatal("node stopped")
	}
	if calls < 5 || uint64(calls) != iter {
		b.Fatalf("clusterCron ran %d times, the wrapper %d times in 1 s: the replaced time event was not clusterCron", iter, calls)
	}

	overflows0 := burstListenOverflows()
	calls0 := nd.ln.Calls.Load()
	start.Store(int64(burstMono()))
	if _, err := io.WriteString(dialer.stdin, "go\n"); err != nil {
		b.Fatalf("the dialer: %v", err)
	}
	var t0, dialEnd, failed int64
	var firstErr string
	l := dialer.line(b, 5*time.Minute)
	if _, err := fmt.Sscanf(l, "dialed %d %d %d %q", &t0, &dialEnd, &failed, &firstErr); err != nil {
		b.Fatalf("the dialer said %q: %v", l, err)
	}
	if failed > 0 {
		b.Fatalf("%d of %d connects failed; first: %s", failed, conns, firstErr)
	}
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		b.Fatalf("only %d of %d connections accepted 60 s after they were all dialled", nd.ln.Accepted.Load()-accepted0, conns)
	}
	overflows1 := burstListenOverflows()

	var r burstResult
	var links int
	if !nd.do(func() {
		r = burstResult{
			accept:       loopEnd - time.Duration(t0),
			accept99:     loopEnd99 - time.Duration(t0),
			maxIter:      loopMaxIter,
			busy:         loopBusy,
			maxCronLate:  loopMaxCronLate,
			idleCronLate: loopIdleCronLate,
			crons:        loopBurstCrons,
			iterations:   loopIters,
		}
		links = len(nd.links)
	}) {
		b.Fatal("node stopped")
	}
	r.dial = time.Duration(dialEnd - t0)
	r.acceptCalls = nd.ln.Calls.Load() - calls0
	r.overflows = -1
	if overflows0 >= 0 && overflows1 >= 0 {
		r.overflows = overflows1 - overflows0
	}
	if links != conns {
		b.Fatalf("%d links open after %d accepts: some accepted fds were closed", links, conns)
	}
	b.Logf("accept %v (99%%: %v; dial %v), %d iterations, longest %v, busy %v; %d crons, latest %v late (idle: %v); %d accept calls; %d listen overflows",
		r.accept.Round(time.Microsecond), r.accept99.Round(time.Microsecond), r.dial.Round(time.Microsecond), r.iterations, r.maxIter.Round(time.Microsecond), r.busy.Round(time.Microsecond),
		r.crons, r.maxCronLate.Round(time.Microsecond), r.idleCronLate.Round(time.Microsecond), r.acceptCalls, r.overflows)

	cleanup()
	if after := burstOpenFds(b); after != fdsBefore {
		b.Errorf("%d fds open after the burst, %d before", after, fdsBefore)
	}
	return r
}
