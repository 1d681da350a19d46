package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/goae/goae/internal/testenv"
)

// TestThreads: --threads 2 in front of two redis-servers. Tried: 40
// client connections (the kernel spreads them over the two loops'
// SO_REUSEPORT listeners by their ports), each SETting 10 keys that hash
// to both servers, then GETting them back; the stats document after it.
// Expected: every reply right and every key on the backend the ring
// picks; in the stats, client_connections 40 and requests adding up to
// 800 across the servers (the loops' counters summed), and
// server_connections 2 on each server: one per loop, which shows both
// loops served (a single loop holds one, as the same run with --threads
// 1 shows).
func TestThreads(t *testing.T) {
	back := []int{testenv.StartRedis(t), testenv.StartRedis(t)}
	tmpl := redisPool("alpha", "{LISTEN0}", back, "  hash: md5\n")
	for _, threads := range []int{2, 1} {
		pp := startProc(t, proxyBinary(t), tmpl, 1, fmt.Sprintf("--threads=%d", threads))
		var conns []*rconn
		for i := 0; i < 40; i++ {
			conns = append(conns, dialR(t, pp.ports[0]))
		}
		for i, rc := range conns {
			for k := 0; k < 10; k++ {
				key := fmt.Sprintf("t%d:c%d:k%d", threads, i, k)
				if r := rc.do(t, "SET", key, key); r != "+OK\r\n" {
					t.Fatalf("SET %s: %q", key, r)
				}
			}
		}
		for i, rc := range conns {
			for k := 0; k < 10; k++ {
				key := fmt.Sprintf("t%d:c%d:k%d", threads, i, k)
				if r := rc.do(t, "GET", key); r != fmt.Sprintf("$%d\r\n%s\r\n", len(key), key) {
					t.Fatalf("GET %s: %q", key, r)
				}
			}
		}
		// Each key is on exactly one backend.
		b0, b1 := dialR(t, back[0]), dialR(t, back[1])
		on := [2]int{}
		for i := 0; i < 40; i++ {
			for k := 0; k < 10; k++ {
				key := fmt.Sprintf("t%d:c%d:k%d", threads, i, k)
				e0, e1 := b0.do(t, "EXISTS", key) == ":1\r\n", b1.do(t, "EXISTS", key) == ":1\r\n"
				if e0 == e1 {
					t.Fatalf("key %s on backend 0: %v, on 1: %v", key, e0, e1)
				}
				if e0 {
					on[0]++
				} else {
					on[1]++
				}
			}
		}
		if on[0] == 0 || on[1] == 0 {
			t.Fatalf("keys per backend %v: the test needs both", on)
		}
		var doc string
		deadline := time.Now().Add(5 * time.Second)
		for {
			time.Sleep(250 * time.Millisecond) // past two -i 100 aggregations
			doc = statsDoc(t, pp.stats)
			if statsValue(doc, "r0", "requests")+statsValue(doc, "r1", "requests") == 800 || time.Now().After(deadline) {
				break
			}
		}
		if n := statsValue(doc, "alpha", "client_connections"); n != 40 {
			t.Errorf("--threads %d: client_connections %d, want 40\n%s", threads, n, doc)
		}
		if n := statsValue(doc, "r0", "requests") + statsValue(doc, "r1", "requests"); n != 800 {
			t.Errorf("--threads %d: requests %d, want 800\n%s", threads, n, doc)
		}
		for _, s := range []string{"r0", "r1"} {
			if n := statsValue(doc, s, "server_connections"); n != threads {
				t.Errorf("--threads %d: %s server_connections %d, want %d\n%s", threads, s, n, threads, doc)
			}
		}
		if !strings.HasPrefix(doc, `{"service":"nutcracker", `) {
			t.Errorf("stats document %q", doc)
		}
	}
}

// TestThreadsOption: --threads is an extension spelled out in full. Tried:
// --threads 0, --threads 1025, --threads x, a --threads with no value,
// --threads=4; and --t, which nutcracker reads as --test-conf. Expected:
// an error for the first four, threads 4 for the fifth, and --t still
// --test-conf (no ambiguity added).
func TestThreadsOption(t *testing.T) {
	for _, args := range [][]string{{"--threads", "0"}, {"--threads", "1025"}, {"--threads", "x"}, {"--threads"}} {
		nci := setDefaultOptions()
		err := getOptions(args, &nci)
		if err == nil || !strings.Contains(err.Error(), "--threads requires a number between 1 and 1024") {
			t.Errorf("%q: %v, want the --threads error", args, err)
		}
	}
	nci := setDefaultOptions()
	if err := getOptions([]string{"--threads=4"}, &nci); err != nil || nci.threads != 4 {
		t.Errorf("--threads=4: %v, threads %d", err, nci.threads)
	}
	nci = setDefaultOptions()
	if err := getOptions([]string{"--t"}, &nci); err != nil || !nci.testConf {
		t.Errorf("--t: %v, testConf %v", err, nci.testConf)
	}
}
