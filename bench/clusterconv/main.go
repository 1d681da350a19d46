// Command clusterconv measures how long a Redis Cluster bus converges, for
// bench/cluster.sh: it starts N processes of one kind on loopback (our
// examples/clusterbus binary, or redis-server 7.0 in cluster mode), joins
// them by a chain of CLUSTER MEETs (node i is told to meet node i+1, the
// N-1 MEETs sent all at once right after every node answers PING), and
// times from the first MEET until every node's CLUSTER NODES lists all N
// as connected masters (no handshake, fail?, fail or noaddr flag).
//
//	go build -o /tmp/clusterbus ./examples/clusterbus
//	go run ./bench/clusterconv --clusterbus /tmp/clusterbus --n 10,50 --rounds 3
//
// Rounds alternate the kinds (ours, redis, ours, redis, ...) so that a slow
// patch of a shared machine hits both. Every node is polled over one RESP
// connection kept for the round: every --poll (100 ms), CLUSTER NODES is
// written to each node not yet seen converged, then their replies are
// read. Once every node has been seen converged, one more pass asks all N
// at once, to check that none went back; the time reported is when the
// last node was first seen converged, late by at most one poll interval
// plus one pass. Polling is kept sparse on purpose: on a 2-core machine,
// waking 50 processes every 10 ms cost about a core (more for our Go
// nodes, whose wake-up from an idle epoll_wait costs more than Redis's)
// and slowed what it measured.
//
// CPU is the nodes' utime+stime (from /proc/PID/stat, summed over the N
// processes): from the first MEET to convergence (answering the polls
// included), and then over --idle (5 s) of the converged cluster with no
// client traffic: the cost of the bus at rest (clusterCron, pings and
// pongs), reported per second. Every process is killed by its PID at the
// end of its round, on failure too, and on SIGINT/SIGTERM.
//
// Raw rows go to --csv; the summary (medians, min-max, ours/redis ratio of
// medians) to stdout, progress to stderr.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/goae/goae/internal/resp"
)

// portIncr is the distance between a node's client and bus ports.
const portIncr = 10000

// clkTck is USER_HZ, the unit of /proc/PID/stat's times: 100 on every
// Linux this runs on (sysconf(_SC_CLK_TCK) needs cgo).
const clkTck = 100

type config struct {
	clusterbus  string
	redisServer string
	sizes       []int
	rounds      int
	kinds       []string
	nodeTimeout int
	roundTime   time.Duration
	poll        time.Duration
	idle        time.Duration
	csv         string
	keepFailed  bool
}

// result is one round.
type result struct {
	round   int
	kind    string
	n       int
	ok      bool
	ms      float64 // first MEET to convergence
	cpuMs   float64 // the nodes' CPU over that time
	idleMs  float64 // the nodes' CPU per second of the converged cluster at rest
	polls   int
	failure string
}

func main() {
	var cfg config
	sizes := flag.String("n", "10,50", "cluster sizes, comma-separated")
	kinds := flag.String("kinds", "ours,redis", "kinds to alternate: ours (--clusterbus) and/or redis (--redis-server)")
	flag.StringVar(&cfg.clusterbus, "clusterbus", "", "our clusterbus binary (go build -o PATH ./examples/clusterbus)")
	flag.StringVar(&cfg.redisServer, "redis-server", "redis-server", "redis-server binary")
	flag.IntVar(&cfg.rounds, "rounds", 3, "rounds per kind and size")
	flag.IntVar(&cfg.nodeTimeout, "node-timeout", 15000, "--cluster-node-timeout of every node, ms (15000 is redis.conf's default)")
	flag.DurationVar(&cfg.roundTime, "round-timeout", 120*time.Second, "give a round up if it has not converged by then")
	flag.DurationVar(&cfg.poll, "poll", 100*time.Millisecond, "pause between two polls of the nodes not yet converged")
	flag.DurationVar(&cfg.idle, "idle", 5*time.Second, "after convergence, measure the nodes' CPU over this long with no polls (0: skip)")
	flag.StringVar(&cfg.csv, "csv", "", "file for the raw rows (default: none)")
	flag.BoolVar(&cfg.keepFailed, "keep-failed", false, "keep the directories (nodes.conf, logs) of failed rounds")
	flag.Parse()

	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 2 {
			fatalf("bad --n %q: sizes must be 2 or more", *sizes)
		}
		cfg.sizes = append(cfg.sizes, n)
	}
	for _, k := range strings.Split(*kinds, ",") {
		k = strings.TrimSpace(k)
		switch k {
		case "ours":
			if cfg.clusterbus == "" {
				fatalf("--clusterbus is required for the kind ours")
			}
		case "redis":
			p, err := exec.LookPath(cfg.redisServer)
			if err != nil {
				fatalf("redis-server: %v", err)
			}
			cfg.redisServer = p
		default:
			fatalf("unknown kind %q (ours, redis)", k)
		}
		cfg.kinds = append(cfg.kinds, k)
	}
	if cfg.rounds < 1 {
		fatalf("--rounds must be 1 or more")
	}

	// SIGINT/SIGTERM (bench/cluster.sh's timeout): kill every node, then
	// exit.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		s := <-sigs
		n := killAll()
		fmt.Fprintf(os.Stderr, "clusterconv: %s: killed %d node processes\n", s, n)
		os.Exit(128 + int(s.(syscall.Signal)))
	}()

	var csv io.Writer = io.Discard
	if cfg.csv != "" {
		f, err := os.Create(cfg.csv)
		if err != nil {
			fatalf("%v", err)
		}
		defer f.Close()
		csv = f
	}
	fmt.Fprintln(csv, "round,kind,nodes,ok,ms,cpu_ms,idle_cpu_ms_per_s,polls,failure")

	var results []result
	for _, n := range cfg.sizes {
		for r := 1; r <= cfg.rounds; r++ {
			for _, kind := range cfg.kinds {
				res := runRound(&cfg, kind, n, r)
				results = append(results, res)
				fmt.Fprintf(csv, "%d,%s,%d,%t,%.1f,%.0f,%.1f,%d,%q\n", res.round, res.kind, res.n, res.ok, res.ms, res.cpuMs, res.idleMs, res.polls, res.failure)
				if res.ok {
					fmt.Fprintf(os.Stderr, "# N=%-3d round %d %-5s converged in %8.1f ms  (nodes' CPU %6.0f ms, %d polls; at rest %5.1f ms/s)\n",
						n, r, kind, res.ms, res.cpuMs, res.polls, res.idleMs)
				} else {
					fmt.Fprintf(os.Stderr, "# N=%-3d round %d %-5s FAILED: %s\n", n, r, kind, res.failure)
				}
				time.Sleep(500 * time.Millisecond) // let the last round's sockets and processes go
			}
		}
	}
	failed := summary(os.Stdout, &cfg, results)
	if failed > 0 {
		os.Exit(1)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "clusterconv: "+format+"\n", args...)
	os.Exit(2)
}

// ---- Processes

// live holds every node process not yet reaped, for killAll.
var live = struct {
	sync.Mutex
	procs map[*nodeProc]struct{}
	root  string // the current round's directory
}{procs: map[*nodeProc]struct{}{}}

type nodeProc struct {
	cmd  *exec.Cmd
	port int
	dir  string
	done chan struct{} // closed once the process is reaped
}

// killAll kills every live node and waits up to 2 s for them to be
// reaped (an unreaped node would stay a zombie), then removes the
// round's directory.
func killAll() int {
	live.Lock()
	n := len(live.procs)
	for p := range live.procs {
		p.cmd.Process.Kill()
	}
	live.Unlock()
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		live.Lock()
		left := len(live.procs)
		live.Unlock()
		if left == 0 {
			break
		}
	}
	live.Lock()
	if live.root != "" {
		os.RemoveAll(live.root)
	}
	live.Unlock()
	return n
}

// start runs one node of kind on port (bus port port+10000) in dir.
func start(cfg *config, kind string, port int, dir string) (*nodeProc, error) {
	conf := filepath.Join(dir, "nodes.conf")
	timeout := strconv.Itoa(cfg.nodeTimeout)
	var cmd *exec.Cmd
	switch kind {
	case "ours":
		cmd = exec.Command(cfg.clusterbus, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--cluster-config-file", conf, "--cluster-node-timeout", timeout, "--loglevel", "warning")
	case "redis":
		cmd = exec.Command(cfg.redisServer, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--cluster-enabled", "yes", "--cluster-config-file", conf, "--cluster-node-timeout", timeout,
			"--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", dir, "--loglevel", "warning", "--logfile", "")
	}
	log, err := os.Create(filepath.Join(dir, "log"))
	if err != nil {
		return nil, err
	}
	defer log.Close()
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = log, log
	// Belt and braces: where the kernel can, it kills the node if this
	// process dies without its cleanup (SIGKILL).
	cmd.SysProcAttr = dieWithParent()
	p := &nodeProc{cmd: cmd, port: port, dir: dir, done: make(chan struct{})}
	live.Lock()
	defer live.Unlock()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	live.procs[p] = struct{}{}
	go func() {
		cmd.Wait()
		live.Lock()
		delete(live.procs, p)
		live.Unlock()
		close(p.done)
	}()
	return p, nil
}

// stopAll sends SIGTERM to every process, waits up to 3 s for all, and
// kills the rest.
func stopAll(procs []*nodeProc) {
	for _, p := range procs {
		p.cmd.Process.Signal(syscall.SIGTERM)
	}
	deadline := time.After(3 * time.Second)
	for _, p := range procs {
		select {
		case <-p.done:
		case <-deadline:
			p.cmd.Process.Kill()
			<-p.done
		}
	}
}

// logTail returns the end of a node's log, for failure messages.
func logTail(p *nodeProc) string {
	b, _ := os.ReadFile(filepath.Join(p.dir, "log"))
	s := strings.TrimSpace(string(b))
	if len(s) > 400 {
		s = "..." + s[len(s)-400:]
	}
	return s
}

// cpuTicks returns a process's utime+stime in clock ticks.
func cpuTicks(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// Field 2 (comm) may hold spaces: split after the last ')'.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64) // field 14
	st, err2 := strconv.ParseInt(f[12], 10, 64) // field 15
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("bad /proc/%d/stat", pid)
	}
	return ut + st, nil
}

func sumTicks(procs []*nodeProc) (int64, error) {
	var sum int64
	for _, p := range procs {
		t, err := cpuTicks(p.cmd.Process.Pid)
		if err != nil {
			return 0, err
		}
		sum += t
	}
	return sum, nil
}

// ---- Ports

// pickPorts returns n client ports such that each port and port+10000 are
// free on 127.0.0.1 (a listen succeeded a moment ago) and distinct from
// every other chosen port, all below the ephemeral range so that no
// client's source port can hold them.
func pickPorts(n int) ([]int, error) {
	lo := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if v, err := strconv.Atoi(f[0]); err == nil {
				lo = v
			}
		}
	}
	const min = 10000 // client ports from 10000, bus ports from 20000
	if lo-portIncr-min < 10*n {
		return nil, fmt.Errorf("ephemeral ports start at %d: no room for %d port pairs below", lo, n)
	}
	used := map[int]bool{}
	var ports []int
	for tries := 0; len(ports) < n; tries++ {
		if tries > 100*n {
			return nil, errors.New("no free port pairs")
		}
		p := min + rand.IntN(lo-portIncr-min)
		if used[p] || used[p+portIncr] || !free(p) || !free(p+portIncr) {
			continue
		}
		used[p], used[p+portIncr] = true, true
		ports = append(ports, p)
	}
	return ports, nil
}

func free(port int) bool {
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// ---- RESP connections

type conn struct {
	c   net.Conn
	buf []byte
	r   int // start of the unread part of buf
}

func dial(port int) (*conn, error) {
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
	if err != nil {
		return nil, err
	}
	return &conn{c: c, buf: make([]byte, 0, 64<<10)}, nil
}

func (c *conn) send(args ...string) error {
	c.c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, err := c.c.Write(resp.AppendCommand(nil, args...))
	return err
}

// reply reads one reply. Its strings point into c's buffer: they are
// valid until the next reply.
func (c *conn) reply() (resp.Reply, error) {
	c.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if c.r > 0 {
		c.buf = c.buf[:copy(c.buf, c.buf[c.r:])]
		c.r = 0
	}
	for {
		if len(c.buf) > 0 {
			r, n, err := resp.ReadReply(c.buf)
			if err != nil {
				return r, err
			}
			if n > 0 {
				c.r = n
				return r, nil
			}
		}
		if len(c.buf) == cap(c.buf) {
			c.buf = slices.Grow(c.buf, cap(c.buf))
		}
		k, err := c.c.Read(c.buf[len(c.buf):cap(c.buf)])
		c.buf = c.buf[:len(c.buf)+k]
		if err != nil {
			return resp.Reply{}, err
		}
	}
}

// ---- A round

// converged reports whether CLUSTER NODES text lists exactly the nodes on
// ports, each a master with a connected link and no handshake, fail?,
// fail or noaddr flag.
func converged(text string, ports map[int]bool) bool {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) != len(ports) {
		return false
	}
	seen := map[int]bool{}
	for _, line := range lines {
		f := strings.Fields(line)
		if len(f) < 8 || f[7] != "connected" {
			return false
		}
		master := false
		for _, fl := range strings.Split(f[2], ",") {
			switch fl {
			case "master":
				master = true
			case "handshake", "fail?", "fail", "noaddr":
				return false
			}
		}
		if !master {
			return false
		}
		// ip:port@cport[,hostname]
		addr, _, _ := strings.Cut(f[1], "@")
		port, err := strconv.Atoi(addr[strings.LastIndexByte(addr, ':')+1:])
		if err != nil || !ports[port] || seen[port] {
			return false
		}
		seen[port] = true
	}
	return true
}

func runRound(cfg *config, kind string, n, round int) (res result) {
	res = result{round: round, kind: kind, n: n}
	fail := func(format string, args ...any) result {
		res.failure = fmt.Sprintf(format, args...)
		return res
	}
	root, err := os.MkdirTemp("", "clusterconv-")
	if err != nil {
		return fail("%v", err)
	}
	live.Lock()
	live.root = root
	live.Unlock()
	var procs []*nodeProc
	var conns []*conn
	defer func() {
		for _, c := range conns {
			c.c.Close()
		}
		stopAll(procs)
		if res.ok || !cfg.keepFailed {
			os.RemoveAll(root)
		} else {
			fmt.Fprintf(os.Stderr, "# kept %s\n", root)
		}
	}()

	// Start all N, then wait for each to answer PING; a node that exits
	// (its port taken meanwhile) is started again on other ports.
	ports, err := pickPorts(n)
	if err != nil {
		return fail("%v", err)
	}
	for i := 0; i < n; i++ {
		dir := filepath.Join(root, strconv.Itoa(i))
		if err := os.Mkdir(dir, 0o755); err != nil {
			return fail("%v", err)
		}
		p, err := start(cfg, kind, ports[i], dir)
		if err != nil {
			return fail("starting node %d: %v", i, err)
		}
		procs = append(procs, p)
	}
	conns = make([]*conn, n)
	for i := 0; i < n; i++ {
		for attempt := 0; conns[i] == nil; attempt++ {
			c, err := waitUp(procs[i])
			if err == nil {
				conns[i] = c
				break
			}
			if attempt == 3 {
				return fail("node %d (port %d) did not start: %v: %s", i, procs[i].port, err, logTail(procs[i]))
			}
			stopAll(procs[i : i+1])
			newPorts, perr := pickPorts(1)
			if perr != nil {
				return fail("%v", perr)
			}
			dir := filepath.Join(root, fmt.Sprintf("%d.%d", i, attempt+1))
			if err := os.Mkdir(dir, 0o755); err != nil {
				return fail("%v", err)
			}
			ports[i] = newPorts[0]
			p, err := start(cfg, kind, ports[i], dir)
			if err != nil {
				return fail("starting node %d: %v", i, err)
			}
			procs[i] = p
		}
	}
	portSet := map[int]bool{}
	for _, p := range ports {
		portSet[p] = true
	}
	if len(portSet) != n {
		return fail("duplicate ports")
	}

	ticks0, err := sumTicks(procs)
	if err != nil {
		return fail("%v", err)
	}
	// The chain of MEETs, all written before any reply is read.
	t0 := time.Now()
	for i := 0; i < n-1; i++ {
		if err := conns[i].send("CLUSTER", "MEET", "127.0.0.1", strconv.Itoa(ports[i+1])); err != nil {
			return fail("MEET to node %d: %v", i, err)
		}
	}
	for i := 0; i < n-1; i++ {
		r, err := conns[i].reply()
		if err != nil || r.Type != '+' || string(r.Str) != "OK" {
			return fail("MEET to node %d: %q %v", i, r.Str, err)
		}
	}

	deadline := t0.Add(cfg.roundTime)
	seen := make([]bool, n) // converged in the node's last reply
	left := n               // nodes not seen converged
	var last time.Time      // when the last of them was first seen converged
	lastView := ""          // a view that was not converged, for the failure message
	for {
		// A confirming pass asks all N once all have been seen converged.
		confirm := left == 0
		res.polls++
		for i, c := range conns {
			if confirm || !seen[i] {
				if err := c.send("CLUSTER", "NODES"); err != nil {
					return fail("CLUSTER NODES to node %d: %v: %s", i, err, logTail(procs[i]))
				}
			}
		}
		for i, c := range conns {
			if !confirm && seen[i] {
				continue
			}
			r, err := c.reply()
			if err != nil || r.Type != '$' {
				return fail("CLUSTER NODES from node %d: %q %v: %s", i, r.Str, err, logTail(procs[i]))
			}
			switch ok := converged(string(r.Str), portSet); {
			case ok && !seen[i]:
				seen[i] = true
				left--
				last = time.Now()
			case !ok && seen[i]:
				seen[i] = false // went back: wait for it again
				left++
			}
			if !seen[i] {
				lastView = fmt.Sprintf("node %d (port %d) sees:\n%s", i, ports[i], r.Str)
			}
		}
		if confirm && left == 0 {
			break
		}
		if left > 0 && time.Now().After(deadline) {
			return fail("not converged after %v (%d polls, %d of %d nodes); %s", cfg.roundTime, res.polls, n-left, n, lastView)
		}
		if left > 0 {
			time.Sleep(cfg.poll)
		}
	}
	res.ms = float64(last.Sub(t0).Microseconds()) / 1000
	ticks1, err := sumTicks(procs)
	if err != nil {
		return fail("%v", err)
	}
	res.cpuMs = float64(ticks1-ticks0) * 1000 / clkTck
	if cfg.idle > 0 {
		time.Sleep(cfg.idle)
		ticks2, err := sumTicks(procs)
		if err != nil {
			return fail("%v", err)
		}
		res.idleMs = float64(ticks2-ticks1) * 1000 / clkTck / cfg.idle.Seconds()
	}
	res.ok = true
	return res
}

// waitUp waits up to 10 s for p to answer PING on its client port and
// returns the connection.
func waitUp(p *nodeProc) (*conn, error) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case <-p.done:
			return nil, fmt.Errorf("exited (%v)", p.cmd.ProcessState)
		default:
		}
		c, err := dial(p.port)
		if err == nil {
			var r resp.Reply
			if err = c.send("PING"); err == nil {
				r, err = c.reply()
			}
			if err == nil && r.Type == '+' && string(r.Str) == "PONG" {
				return c, nil
			}
			if err == nil {
				err = fmt.Errorf("PING: %c%q", r.Type, r.Str)
			}
			c.c.Close()
		}
		if time.Now().After(deadline) {
			return nil, err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ---- Summary

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// summary prints, per size and kind, the medians and ranges of the
// converged rounds and the ratio to redis's medians, and returns the
// number of failed rounds.
func summary(w io.Writer, cfg *config, results []result) int {
	failed := 0
	fmt.Fprintf(w, "%-5s %-6s %6s %6s %11s %17s %7s %10s %15s %7s %13s %7s\n",
		"nodes", "kind", "rounds", "failed", "conv ms med", "conv ms min-max", "x redis", "cpu ms med", "cpu ms min-max", "x redis", "rest ms/s med", "x redis")
	for _, n := range cfg.sizes {
		type agg struct{ ms, cpu, idle []float64 }
		by := map[string]*agg{}
		fails := map[string]int{}
		for _, r := range results {
			if r.n != n {
				continue
			}
			if !r.ok {
				fails[r.kind]++
				failed++
				continue
			}
			a := by[r.kind]
			if a == nil {
				a = &agg{}
				by[r.kind] = a
			}
			a.ms = append(a.ms, r.ms)
			a.cpu = append(a.cpu, r.cpuMs)
			a.idle = append(a.idle, r.idleMs)
		}
		var redisMs, redisCPU, redisIdle float64
		if a := by["redis"]; a != nil {
			redisMs, redisCPU, redisIdle = median(a.ms), median(a.cpu), median(a.idle)
		}
		for _, kind := range cfg.kinds {
			a := by[kind]
			if a == nil {
				fmt.Fprintf(w, "%-5d %-6s %6d %6d %11s\n", n, kind, fails[kind], fails[kind], "-")
				continue
			}
			ratio := func(m, ref float64) string {
				if ref == 0 {
					return "-"
				}
				return fmt.Sprintf("%.2f", m/ref)
			}
			m, c, id := median(a.ms), median(a.cpu), median(a.idle)
			idle, idleRatio := "-", "-"
			if cfg.idle > 0 {
				idle, idleRatio = fmt.Sprintf("%.1f", id), ratio(id, redisIdle)
			}
			fmt.Fprintf(w, "%-5d %-6s %6d %6d %11.0f %17s %7s %10.0f %15s %7s %13s %7s\n", n, kind, len(a.ms)+fails[kind], fails[kind],
				m, fmt.Sprintf("%.0f-%.0f", slices.Min(a.ms), slices.Max(a.ms)), ratio(m, redisMs),
				c, fmt.Sprintf("%.0f-%.0f", slices.Min(a.cpu), slices.Max(a.cpu)), ratio(c, redisCPU), idle, idleRatio)
		}
	}
	fmt.Fprintf(w, "\nconv ms: first CLUSTER MEET until every node lists all N as connected masters (polled every %v);\n", cfg.poll)
	fmt.Fprintf(w, "cpu ms: the N nodes' utime+stime over that time, summed (answering the polls included); rest ms/s: the\n")
	fmt.Fprintf(w, "same per second over %v of the converged cluster without polls; x redis: ratio of medians (lower is better);\n", cfg.idle)
	fmt.Fprintf(w, "chain of N-1 MEETs on 127.0.0.1, --cluster-node-timeout %d.\n", cfg.nodeTimeout)
	return failed
}
