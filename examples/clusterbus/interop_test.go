package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/testenv"
)

// retryTB turns StartRedis's final Fatalf into a value, so that a start
// that failed because the bus port (port+10000) was taken or out of range
// can be tried again on another port. Skips pass through.
type retryTB struct {
	testing.TB
	failed string
}

func (r *retryTB) Fatalf(format string, args ...any) { r.failed = fmt.Sprintf(format, args...) }

// startClusterRedisNode starts a real redis-server 7.0 in cluster mode
// with the given node timeout, nodes.conf path (a new one in a temporary
// directory when conf is "") and extra arguments, and returns its client
// port. Redis exits
// when it cannot bind its bus port; StartRedis already retries three
// times, and we retry that a few times more.
func startClusterRedisNode(t *testing.T, timeoutMs int, conf string, extra ...string) int {
	t.Helper()
	// Skip, or fail under GOAE_INTEROP=require, with the real t: only
	// start failures are retried.
	testenv.RequireBinary(t, "redis-server")
	for attempt := 0; attempt < 5; attempt++ {
		r := &retryTB{TB: t}
		if conf == "" {
			conf = filepath.Join(t.TempDir(), "nodes.conf")
		}
		port := testenv.StartRedis(r, append([]string{"--cluster-enabled", "yes", "--cluster-config-file", conf,
			"--cluster-node-timeout", strconv.Itoa(timeoutMs)}, extra...)...)
		if r.failed == "" {
			return port
		}
		t.Logf("redis-server did not start, retrying: %s", r.failed)
	}
	t.Fatalf("redis-server did not start in cluster mode")
	return 0
}

// redisDo sends one command to a Redis client port over a raw RESP
// connection and returns the reply.
func redisDo(t testing.TB, port int, args ...string) resp.Reply {
	t.Helper()
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 2*time.Second)
	if err != nil {
		t.Fatalf("redis: %v", err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write(resp.AppendCommand(nil, args...)); err != nil {
		t.Fatalf("redis: %v", err)
	}
	br := bufio.NewReader(c)
	var buf []byte
	chunk := make([]byte, 16384)
	for {
		if len(buf) > 0 {
			if r, _, err := resp.ReadReply(buf); err == nil {
				return r
			}
		}
		k, err := br.Read(chunk)
		if err != nil {
			t.Fatalf("redis %s: %v", strings.Join(args, " "), err)
		}
		buf = append(buf, chunk[:k]...)
	}
}

func redisStr(t testing.TB, port int, args ...string) string {
	t.Helper()
	r := redisDo(t, port, args...)
	if r.Type == '-' {
		t.Fatalf("redis %s: %s", strings.Join(args, " "), r.Str)
	}
	return string(r.Str)
}

// Input: a real redis-server 7.0 (cluster-node-timeout 2000) and two of
// our nodes, X and Y. Redis is told CLUSTER MEET 127.0.0.1 <X's port>
// (over a raw RESP connection; the bus port defaults to port+10000); Y
// is told CLUSTER MEET <Redis>.
// Expected: within a few seconds Redis's CLUSTER NODES shows X and Y as
// "master - ... connected" at their addresses, X and Y show Redis (and
// each other, learnt through gossip) the same way; after 2 × node-timeout
// + 1 s no view has fail?, handshake or noaddr anywhere, Redis's
// pong_received for X has advanced, and Redis's CLUSTER LINKS has both
// directions with X and Y. Then X is stopped: Redis and Y agree it has
// failed ("master,fail" in both views), through our failure reports,
// Redis's, and the FAIL broadcast.
func TestInteropWithRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("starts redis-server and waits 5 s")
	}
	const timeout = 2000
	rconf := filepath.Join(t.TempDir(), "nodes.conf")
	rport := startClusterRedisNode(t, timeout, rconf)
	x := startNode(t, Config{NodeTimeout: timeout})
	y := startNode(t, Config{NodeTimeout: timeout})
	if x.busPort != x.cfg.Port+PortIncr {
		t.Fatalf("X's bus port %d is not port+10000", x.busPort)
	}
	idR := redisStr(t, rport, "cluster", "myid")
	idX, idY := myID(t, x), myID(t, y)

	if s := redisStr(t, rport, "cluster", "meet", "127.0.0.1", strconv.Itoa(x.cfg.Port)); s != "OK" {
		t.Fatalf("redis CLUSTER MEET: %s", s)
	}
	if s := callStr(t, y, "cluster", "meet", "127.0.0.1", strconv.Itoa(rport)); s != "OK" {
		t.Fatalf("our CLUSTER MEET: %s", s)
	}

	redisView := func() map[string]nodeLine {
		return parseClusterNodes(t, redisStr(t, rport, "cluster", "nodes"))
	}
	healthy := func(l nodeLine, ok bool, port int) bool {
		return ok && l.flags == "master" && l.master == "-" && l.link == "connected" && l.ip == "127.0.0.1" && l.port == port
	}
	waitFor(t, 15*time.Second, "Redis, X and Y to see each other", func() bool {
		rv := redisView()
		lx, okx := rv[idX]
		ly, oky := rv[idY]
		if len(rv) != 3 || !healthy(lx, okx, x.cfg.Port) || lx.cport != x.busPort || !healthy(ly, oky, y.cfg.Port) {
			return false
		}
		for _, n := range []*node{x, y} {
			v := clusterNodes(t, n)
			lr, ok := v[idR]
			if len(v) != 3 || !healthy(lr, ok, rport) || lr.cport != rport+PortIncr {
				return false
			}
		}
		return true
	})
	if t.Failed() {
		t.Logf("redis:\n%s", redisStr(t, rport, "cluster", "nodes"))
		return
	}
	// Our MEET taught Redis its own address (getsockname of our link).
	if me := redisView()[idR]; me.flags != "myself,master" || me.ip != "127.0.0.1" || me.port != rport {
		t.Errorf("Redis's own line: %v", me)
	}
	pongBefore := redisView()[idX].pongR

	time.Sleep(2*timeout*time.Millisecond + time.Second)
	views := map[string]string{
		"redis": redisStr(t, rport, "cluster", "nodes"),
		"X":     callStr(t, x, "cluster", "nodes"),
		"Y":     callStr(t, y, "cluster", "nodes"),
	}
	for who, text := range views {
		v := parseClusterNodes(t, text)
		if len(v) != 3 {
			t.Errorf("%s knows %d nodes:\n%s", who, len(v), text)
		}
		for _, l := range v {
			for _, bad := range []string{"fail", "handshake", "noaddr"} {
				if strings.Contains(l.flags, bad) {
					t.Errorf("%s shows %s as %s:\n%s", who, l.id, l.flags, text)
				}
			}
			if l.link != "connected" {
				t.Errorf("%s shows %s disconnected:\n%s", who, l.id, text)
			}
		}
	}
	if after := redisView()[idX].pongR; after <= pongBefore {
		t.Errorf("Redis's pong_received for X did not advance: %d then %d", pongBefore, after)
	}
	// Redis has both directions with us (CLUSTER LINKS, 7.0+).
	links := redisDo(t, rport, "cluster", "links")
	dirs := map[string]bool{}
	for _, l := range links.Array {
		var dir, nodeID string
		for i := 0; i+1 < len(l.Array); i += 2 {
			switch string(l.Array[i].Str) {
			case "direction":
				dir = string(l.Array[i+1].Str)
			case "node":
				nodeID = string(l.Array[i+1].Str)
			}
		}
		dirs[dir+" "+nodeID] = true
	}
	for _, id := range []string{idX, idY} {
		if !dirs["to "+id] || !dirs["from "+id] {
			t.Errorf("Redis's CLUSTER LINKS lacks a direction for %s: %v", id, dirs)
		}
	}

	x.stop()
	stopped := time.Now()
	waitFor(t, 15*time.Second, "Redis and Y to mark X as failed", func() bool {
		return redisView()[idX].flags == "master,fail" && clusterNodes(t, y)[idX].flags == "master,fail"
	})
	t.Logf("X marked failed by Redis and Y %v after it stopped", time.Since(stopped).Round(time.Millisecond))
	if l := redisView()[idY]; l.flags != "master" {
		t.Errorf("Redis's view of Y after X failed: %v", l)
	}
}

// Input: the nodes.conf redis-server wrote during TestInteropWithRedis's
// kind of setup (Redis, then X meeting it), loaded by our
// clusterLoadConfig; and a nodes.conf our node wrote, given to a new
// redis-server as its cluster-config-file.
// Expected: we read Redis's file (myself is Redis's id, X is a master at
// its address, the vars line sets currentEpoch); Redis reads ours and
// takes our node's name as its own, knowing our peer.
func TestNodesConfCompatibleWithRedis(t *testing.T) {
	rconf := filepath.Join(t.TempDir(), "nodes.conf")
	rport := startClusterRedisNode(t, 2000, rconf)
	x := startNode(t, Config{NodeTimeout: 2000})
	idR, idX := redisStr(t, rport, "cluster", "myid"), myID(t, x)
	callStr(t, x, "cluster", "meet", "127.0.0.1", strconv.Itoa(rport))
	waitFor(t, 10*time.Second, "Redis knows X", func() bool {
		l, ok := parseClusterNodes(t, redisStr(t, rport, "cluster", "nodes"))[idX]
		return ok && l.flags == "master"
	})
	redisStr(t, rport, "cluster", "saveconfig")
	data, err := os.ReadFile(rconf)
	if err != nil {
		t.Fatal(err)
	}
	got := loadConfText(t, string(data))
	if got.cluster.myself == nil || got.cluster.myself.name.String() != idR {
		t.Fatalf("loading Redis's nodes.conf: myself is not %s:\n%s", idR, data)
	}
	if xn := got.clusterLookupNode(nameArg([]byte(idX))); xn == nil || !nodeIsMaster(xn) || xn.cport != x.busPort || xn.port != x.cfg.Port {
		t.Fatalf("loading Redis's nodes.conf: X missing or wrong:\n%s", data)
	}

	// Ours to Redis: a node with a nodes.conf that knows Redis.
	conf := filepath.Join(t.TempDir(), "ours.conf")
	y := startNode(t, Config{NodeTimeout: 2000, ConfigFile: conf})
	idY := myID(t, y)
	callStr(t, y, "cluster", "meet", "127.0.0.1", strconv.Itoa(rport))
	waitFor(t, 10*time.Second, "nodes.conf with Redis", func() bool {
		b, _ := os.ReadFile(conf)
		return strings.Contains(string(b), idR+" 127.0.0.1:")
	})
	y.stop()
	rport2 := startClusterRedisNode(t, 2000, conf)
	if got := redisStr(t, rport2, "cluster", "myid"); got != idY {
		t.Fatalf("Redis started on our nodes.conf is %s, want %s", got, idY)
	}
	if _, ok := parseClusterNodes(t, redisStr(t, rport2, "cluster", "nodes"))[idR]; !ok {
		t.Fatalf("Redis started on our nodes.conf does not know %s", idR)
	}
}

// Input: a redis-server 7.0 started with --cluster-announce-hostname
// redis-host.example, met by our node.
// Expected: Redis's PINGs carry the hostname ping extension, and our
// CLUSTER NODES shows Redis as "127.0.0.1:<port>@<cport>,redis-host.example"
// (clusterGenNodeDescription's hostname suffix).
func TestInteropHostnameExtension(t *testing.T) {
	rport := startClusterRedisNode(t, 2000, "", "--cluster-announce-hostname", "redis-host.example")
	x := startNode(t, Config{NodeTimeout: 2000})
	idR := redisStr(t, rport, "cluster", "myid")
	callStr(t, x, "cluster", "meet", "127.0.0.1", strconv.Itoa(rport))
	waitFor(t, 10*time.Second, "the hostname in our view of Redis", func() bool {
		l, ok := clusterNodes(t, x)[idR]
		return ok && l.flags == "master" && l.hostname == "redis-host.example" && l.port == rport && l.cport == rport+PortIncr
	})
}
