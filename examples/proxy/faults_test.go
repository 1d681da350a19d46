package main

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/goae/goae/internal/testenv"
)

// TestFaultsInterop: nutcracker and ours, each in front of two
// redis-servers of their own (named alike) in a pool with
// auto_eject_hosts (failure limit 1, retry 1.5 s) and a pool without, and
// a pool whose one server accepts and never answers (timeout 300 ms).
// Tried and expected, compared byte for byte with nutcracker: after one
// backend is SIGKILLed, its idle connection's EOF ejects it (server_ejects
// 1 in both), its keys route to the survivor (misses, and writes land
// there) while the other pool answers "-ERR Connection refused" for them;
// after the retry timeout the ejected server is back in the ring, and the
// first request for it fails and ejects it again; three pipelined GETs to
// the hung server all get "-ERR Connection timed out" together.
func TestFaultsInterop(t *testing.T) {
	testenv.RequireBinary(t, "nutcracker")
	var back [2][]int
	var kill [2]func()
	for side := 0; side < 2; side++ {
		for i := 0; i < 2; i++ {
			p := testenv.FreePort(t)
			c := startRedisProc(t, p)
			back[side] = append(back[side], p)
			if i == 1 {
				kill[side] = func() { c.Process.Kill(); c.Wait() }
			}
		}
	}
	hung, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hung.Close()
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := hung.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	hport := hung.Addr().(*net.TCPAddr).Port
	nc, ours := startBoth(t, 3, func(side int) string {
		return redisPool("eject", "{LISTEN0}", back[side], "  hash: md5\n  auto_eject_hosts: true\n  server_failure_limit: 1\n  server_retry_timeout: 1500\n") +
			redisPool("noeject", "{LISTEN1}", back[side], "  hash: md5\n") +
			redisPool("hung", "{LISTEN2}", []int{hport}, "  timeout: 300\n")
	})
	var sets, gets [][]string
	for i := 0; i < 20; i++ {
		k := fmt.Sprintf("k%d", i)
		sets = append(sets, cmd("set", k, "v"+k))
		gets = append(gets, cmd("get", k))
	}
	getStream := resp(gets...)
	// Connect both pools to both backends and store the keys.
	runDiff(t, nc, ours, 0, []diffCase{{"set", resp(sets...), 0}})
	runDiff(t, nc, ours, 1, []diffCase{{"get-before", getStream, 0}})
	kill[0]()
	kill[1]()
	for _, pp := range []*proxyProc{nc, ours} {
		deadline := time.Now().Add(10 * time.Second)
		for statsValue(statsDoc(t, pp.stats), "eject", "server_ejects") < 1 {
			if time.Now().After(deadline) {
				t.Fatalf("%s: the killed server was never ejected: %s", pp.name, statsDoc(t, pp.stats))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	ejected := time.Now()
	runDiff(t, nc, ours, 0, []diffCase{{"get-ejected", getStream, 0}, {"set-ejected", resp(cmd("set", "k1", "new"), cmd("get", "k1")), 0}})
	runDiff(t, nc, ours, 1, []diffCase{{"get-dead", getStream, 0}, {"mget-dead", resp(cmd("mget", "k0", "k1", "k2", "k3"), cmd("ping")), 0}})
	time.Sleep(time.Until(ejected.Add(1700 * time.Millisecond)))
	runDiff(t, nc, ours, 0, []diffCase{{"get-retried", getStream, 0}, {"get-after", getStream, 0}})
	runDiff(t, nc, ours, 2, []diffCase{{"timeout", resp(cmd("get", "a"), cmd("get", "b"), cmd("get", "c")), 0}})
	time.Sleep(250 * time.Millisecond)
	a, b := statsDoc(t, nc.stats), statsDoc(t, ours.stats)
	for _, f := range []string{"server_ejects", "forward_error", "client_err", "client_eof"} {
		for _, pool := range []string{"eject", "noeject", "hung"} {
			if x, y := statsValue(a, pool, f), statsValue(b, pool, f); x != y {
				t.Errorf("%s %s: nutcracker %d, ours %d", pool, f, x, y)
			}
		}
	}
	if x, y := statsValue(a, "r0\": {\"server_eof\":0, \"server_err\":0, \"server_timedout", "server_timedout"), statsValue(b, "r0", "server_timedout"); x >= 0 && x != y {
		t.Logf("server_timedout: nutcracker %d, ours %d", x, y)
	}
	if !strings.Contains(b, `"server_timedout":1`) {
		t.Errorf("ours: no server_timedout: %s", b)
	}
}
