package main

import (
	"fmt"
	"strconv"
	"testing"
	"time"
)

// Input: three real redis-server 7.0 nodes in cluster mode and three of
// our nodes (in-process), all with cluster-node-timeout 2000, introduced
// by a chain of five CLUSTER MEETs alternating the kinds: redis1 meets
// ours1, ours1 meets redis2, redis2 meets ours2, ours2 meets redis3,
// redis3 meets ours3.
// Expected: each kind's gossip spreads the nodes the other kind
// introduced: every one of the six CLUSTER NODES lists the six ids, each
// at 127.0.0.1, its client port and that port + 10000, "master"
// ("myself,master" for itself), link connected, so with no fail?,
// handshake or noaddr. Sampled every 100 ms for 2 × node timeout + 1 s
// afterwards (long enough for any unanswered ping to turn into PFAIL),
// every view stays so.
func TestMixedCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three redis-servers and watches for 5 s")
	}
	const timeout = 2000
	type member struct {
		name  string
		id    string
		port  int // client port; the bus is port + 10000
		ours  *node
		nodes func() string // its CLUSTER NODES
	}
	var redis, ours []*member
	for i := 1; i <= 3; i++ {
		port := startClusterRedisNode(t, timeout, "")
		redis = append(redis, &member{name: fmt.Sprintf("redis%d", i), port: port,
			nodes: func() string { return redisStr(t, port, "cluster", "nodes") }})
	}
	for i := 1; i <= 3; i++ {
		n := startNode(t, Config{NodeTimeout: timeout})
		ours = append(ours, &member{name: fmt.Sprintf("ours%d", i), port: n.cfg.Port, ours: n,
			nodes: func() string { return callStr(t, n, "cluster", "nodes") }})
	}
	meetFrom := func(a, b *member) {
		var s string
		if a.ours != nil {
			s = callStr(t, a.ours, "cluster", "meet", "127.0.0.1", strconv.Itoa(b.port))
		} else {
			s = redisStr(t, a.port, "cluster", "meet", "127.0.0.1", strconv.Itoa(b.port))
		}
		if s != "OK" {
			t.Fatalf("%s CLUSTER MEET %s: %s", a.name, b.name, s)
		}
	}
	// The chain, in order: redis1, ours1, redis2, ours2, redis3, ours3.
	var all []*member
	for i := range redis {
		all = append(all, redis[i], ours[i])
	}
	want := map[string]int{}
	for _, m := range all {
		if m.ours != nil {
			m.id = myID(t, m.ours)
		} else {
			m.id = redisStr(t, m.port, "cluster", "myid")
		}
		want[m.id] = m.port
	}
	for i := 0; i+1 < len(all); i++ {
		meetFrom(all[i], all[i+1])
	}

	var last string
	defer func() {
		if t.Failed() && last != "" {
			t.Logf("last view that did not match:\n%s", last)
		}
	}()
	clean := func() bool {
		for _, m := range all {
			text := m.nodes()
			if why := checkView(parseClusterNodes(t, text), m.id, "", want); why != "" {
				last = fmt.Sprintf("%s (%s): %s\n%s", m.name, m.id, why, text)
				return false
			}
		}
		return true
	}
	start := time.Now()
	waitFor(t, 30*time.Second, "the six nodes to list each other as connected masters", clean)
	t.Logf("converged %v after the MEETs", time.Since(start).Round(time.Millisecond))

	watch := 2*timeout*time.Millisecond + time.Second
	samples := 0
	for end := time.Now().Add(watch); time.Now().Before(end); samples++ {
		if !clean() {
			t.Fatalf("a view changed %v into the watch (sample %d)", time.Since(end.Add(-watch)).Round(time.Millisecond), samples)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("all six views clean in %d samples over %v", samples, watch)
}
