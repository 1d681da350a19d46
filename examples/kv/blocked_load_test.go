package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/testenv"
	"github.com/redis/go-redis/v9"
)

// blockingLeftovers describes what the server still holds for blocked
// clients; "" when nothing.
func blockingLeftovers(s *server) string {
	var out string
	onLoop(s, func() {
		b := &s.blocking
		n := 0
		for _, d := range s.dbs {
			n += len(d.blockingKeys) + len(d.readyKeys)
		}
		if b.total != 0 || len(b.states) != 0 || b.timeouts.Len() != 0 || len(b.postponed) != 0 || n != 0 || len(b.ready) != 0 {
			out = fmt.Sprintf("blocked %d, states %d, timeouts %d, postponed %d, keys %d, ready %d",
				b.total, len(b.states), b.timeouts.Len(), len(b.postponed), n, len(b.ready))
		}
	})
	return out
}

// Input: 8 go-redis workers looping on BLPOP jobs 1 (a timeout of a
// second) and 4 producers pushing 5,000 jobs in all with RPUSH, each job
// a distinct number; then one "stop" per worker. Expected: every job
// delivered exactly once, none lost or repeated, and the server holding
// no blocking state once the workers are gone.
func TestBLPOPWorkerPool(t *testing.T) {
	s := newTestServer(t)
	addr := startServer(t, s)
	const workers, producers, jobs = 8, 4, 5000
	ctx := context.Background()
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	errs := make(chan error, workers+producers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rdb := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, DisableIdentity: true})
			defer rdb.Close()
			for {
				kv, err := rdb.BLPop(ctx, time.Second, "jobs").Result()
				if errors.Is(err, redis.Nil) {
					continue
				}
				if err != nil {
					errs <- err
					return
				}
				if kv[1] == "stop" {
					return
				}
				mu.Lock()
				seen[kv[1]]++
				mu.Unlock()
			}
		}()
	}
	var pwg sync.WaitGroup
	for p := range producers {
		pwg.Add(1)
		go func() {
			defer pwg.Done()
			rdb := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, DisableIdentity: true})
			defer rdb.Close()
			for j := p; j < jobs; j += producers {
				if err := rdb.RPush(ctx, "jobs", j).Err(); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	pwg.Wait()
	stopper := goRedis(t, addr)
	for range workers {
		stopper.RPush(ctx, "jobs", "stop")
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(seen) != jobs {
		t.Fatalf("%d distinct jobs delivered, want %d", len(seen), jobs)
	}
	for j := range jobs {
		if n := seen[strconv.Itoa(j)]; n != 1 {
			t.Fatalf("job %d delivered %d times", j, n)
		}
	}
	stopper.Close()
	time.Sleep(50 * time.Millisecond)
	if left := blockingLeftovers(s); left != "" {
		t.Fatalf("after the workers: %s", left)
	}
}

// Input: 1,000 clients (200 with -short) block in turn on one key with
// BLPOP, then one RPUSH of 1,000 elements numbered in order; on our
// server and on redis-server. Expected: client i gets element i on both,
// that is, clients are served in the order they blocked.
func TestBlockedThousandFIFO(t *testing.T) {
	n := 1000
	if testing.Short() {
		n = 200
	}
	testenv.RaiseNofile(t, uint64(4*n+300))
	ours := startServer(t, newTestServer(t))
	redisAddr := fmt.Sprintf("127.0.0.1:%d", testenv.StartRedis(t))
	for _, addr := range []string{ours, redisAddr} {
		ctl := dialRaw(t, addr)
		conns := make([]*rawConn, n)
		for i := range conns {
			conns[i] = dialRaw(t, addr)
			conns[i].send(string(resp.AppendCommand(nil, "BLPOP", "fifo", "0")))
			waitBlocked(t, ctl, strconv.Itoa(i+1))
		}
		args := []string{"RPUSH", "fifo"}
		for i := range n {
			args = append(args, strconv.Itoa(i))
		}
		if got := ctl.do(args...); got != ":"+strconv.Itoa(n)+"\r\n" {
			t.Fatalf("%s: RPUSH = %q", addr, got)
		}
		for i, c := range conns {
			v := strconv.Itoa(i)
			want := "*2\r\n$4\r\nfifo\r\n$" + strconv.Itoa(len(v)) + "\r\n" + v + "\r\n"
			if got := c.reply(); got != want {
				t.Fatalf("%s: client %d got %q, want %q", addr, i, got, want)
			}
		}
		if got := ctl.do("EXISTS", "fifo"); got != resp.Zero {
			t.Fatalf("%s: EXISTS after = %q", addr, got)
		}
	}
}

// Input: 10,000 clients (1,000 with -short) blocked at once, half with a
// 0.3 s timeout and half with none, on 100 keys, from a child process
// (this test binary, TestBlockedClientsHelper, so that the 20,000 fds of
// both ends fit RLIMIT_NOFILE); a second client pings while they wait;
// then the half without timeout disconnect all at once (the child
// exits). Expected: each timed-out client gets a null array (the child
// checks), the ping is answered, INFO's blocked_clients settles at 5,000
// and then 0, and no blocking state is left: a push to the keys
// afterwards stays in them.
func TestBlockedTenThousandTimeoutsAndDisconnect(t *testing.T) {
	n := 10000
	if testing.Short() {
		n = 1000
	}
	testenv.RaiseNofile(t, uint64(n+300))
	s := newTestServer(t, func(c *config) { c.maxclients = n + 100 })
	addr := startServer(t, s)
	ctl := dialRaw(t, addr)

	child := exec.Command(os.Args[0], "-test.run=^TestBlockedClientsHelper$", "-test.v")
	child.Env = append(os.Environ(), fmt.Sprintf("GOAE_BLOCKED_CLIENTS=%s,%d", addr, n))
	stdin, err := child.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out := &testenv.SyncBuffer{}
	child.Stdout, child.Stderr = out, out
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- child.Wait() }()
	t.Cleanup(func() { child.Process.Kill() })
	deadline := time.After(120 * time.Second)
	for !strings.Contains(out.String(), "blocked clients timed out") {
		if got := ctl.do("PING"); got != "+PONG\r\n" {
			t.Fatalf("PING while blocked = %q", got)
		}
		select {
		case err := <-exited:
			t.Fatalf("the client process exited: %v\n%s", err, out.String())
		case <-deadline:
			t.Fatalf("the client process did not finish in 120 s\n%s", out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	waitBlocked(t, ctl, strconv.Itoa(n/2))
	stdin.Close() // the child closes its connections at once and exits
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("the client process: %v\n%s", err, out.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the client process did not exit in 60 s")
	}
	waitBlocked(t, ctl, "0")
	if left := blockingLeftovers(s); left != "" {
		t.Fatalf("after the disconnections: %s", left)
	}
	if got := ctl.do("RPUSH", "key1", "v"); got != resp.One {
		t.Fatalf("RPUSH after = %q", got)
	}
	if got := ctl.do("LLEN", "key1"); got != resp.One {
		t.Fatalf("LLEN after = %q: a gone client was served", got)
	}
}

// TestBlockedClientsHelper is the client process of
// TestBlockedTenThousandTimeoutsAndDisconnect; it skips unless run as one.
func TestBlockedClientsHelper(t *testing.T) {
	env := os.Getenv("GOAE_BLOCKED_CLIENTS")
	if env == "" {
		t.Skip("only as TestBlockedTenThousandTimeoutsAndDisconnect's child process")
	}
	addr, nstr, _ := strings.Cut(env, ",")
	n, _ := strconv.Atoi(nstr)
	testenv.RaiseNofile(t, uint64(n+100))
	conns := make([]net.Conn, n)
	parallel(n, func(i int) {
		c, err := net.DialTimeout("tcp", addr, 20*time.Second)
		if err != nil {
			t.Errorf("dial %d: %v", i, err)
			return
		}
		timeout := "0"
		if i%2 == 0 {
			timeout = "0.3"
		}
		c.Write(resp.AppendCommand(nil, "BLPOP", "key"+strconv.Itoa(i%100), timeout))
		conns[i] = c
	})
	if t.Failed() {
		return
	}
	parallel(n/2, func(j int) {
		c := conns[2*j]
		c.SetReadDeadline(time.Now().Add(60 * time.Second))
		buf := make([]byte, 16)
		got, err := c.Read(buf)
		if err != nil || string(buf[:got]) != resp.NullArray {
			t.Errorf("client %d: %q %v, want a null array", 2*j, buf[:got], err)
		}
	})
	if t.Failed() {
		return
	}
	fmt.Println("blocked clients timed out")
	io.Copy(io.Discard, os.Stdin)
	for _, c := range conns {
		c.Close()
	}
}
