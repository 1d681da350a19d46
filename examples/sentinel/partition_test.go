package main

import (
	"bytes"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goae/goae/internal/testenv"
)

// partitionProxy stands between the sentinels (and the replica) and the
// master. It tells a sentinel's connections apart by the CLIENT SETNAME
// each link sends first ("sentinel-<first 8 of myid>-cmd|pubsub"); while
// cut is set, the connections of the sentinel whose myid starts with
// cut carry nothing in either direction: packets lost, no reset, as a
// network partition looks to the sentinel.
type partitionProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	cut    string
	conns  []net.Conn
}

func startPartitionProxy(t *testing.T, target int) *partitionProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &partitionProxy{ln: ln, target: "127.0.0.1:" + strconv.Itoa(target)}
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		for _, c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.handle(c)
		}
	}()
	return p
}

func (p *partitionProxy) port() int { return p.ln.Addr().(*net.TCPAddr).Port }

func (p *partitionProxy) setCut(prefix string) {
	p.mu.Lock()
	p.cut = prefix
	p.mu.Unlock()
}

func (p *partitionProxy) handle(c net.Conn) {
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns = append(p.conns, c, s)
	p.mu.Unlock()
	var name struct {
		sync.Mutex
		seen []byte // the first bytes the client sent
		who  string // the myid prefix found in them
	}
	blocked := func() bool {
		name.Lock()
		who := name.who
		name.Unlock()
		p.mu.Lock()
		defer p.mu.Unlock()
		return who != "" && p.cut != "" && who == p.cut
	}
	pipe := func(dst, src net.Conn, fromClient bool) {
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if err != nil {
				dst.Close()
				return
			}
			if fromClient {
				name.Lock()
				if name.who == "" && len(name.seen) < 4096 {
					name.seen = append(name.seen, buf[:n]...)
					if i := bytes.Index(name.seen, []byte("sentinel-")); i >= 0 && len(name.seen) >= i+17 {
						name.who = string(name.seen[i+9 : i+17])
					}
				}
				name.Unlock()
			}
			if blocked() {
				continue // lost on the way
			}
			if _, err := dst.Write(buf[:n]); err != nil {
				src.Close()
				return
			}
		}
	}
	go pipe(s, c, true)
	go pipe(c, s, false)
}

// Input: three of our sentinels (quorum 2, down-after 1000) and a replica
// reach the master through a proxy; one sentinel's links to the master
// are then cut off (its packets dropped, as in a network partition) for 6
// s, then restored. Expected: that sentinel reports +sdown for the master
// and asks the others, who still see it up, so nobody reaches +odown,
// nobody tries a failover and the master keeps its address; once the
// links are back the sentinel reports -sdown.
func TestPartitionedSentinelDoesNotFailOver(t *testing.T) {
	master := testenv.StartRedis(t, "--repl-diskless-sync-delay", "0")
	proxy := startPartitionProxy(t, master)
	testenv.StartRedis(t, "--replicaof", "127.0.0.1", strconv.Itoa(proxy.port()))
	conf := fmt.Sprintf("sentinel monitor mymaster 127.0.0.1 %d 2\n"+
		"sentinel down-after-milliseconds mymaster 1000\n"+
		"sentinel failover-timeout mymaster 6000\n", proxy.port())
	const cutID = "abcdef01"
	ids := []string{cutID + strings.Repeat("1", 32), strings.Repeat("2", 40), strings.Repeat("3", 40)}
	var ours []*ourSentinel
	var evs []*eventWatcher
	for _, id := range ids {
		o := startOurs(t, conf+"sentinel myid "+id+"\n")
		ours = append(ours, o)
		evs = append(evs, watchEvents(t, o.port))
	}
	waitFor(t, 30*time.Second, "every sentinel to see the replica and 2 sentinels", func() bool {
		for _, o := range ours {
			m, _ := asMap(dialResp(t, o.port).val("SENTINEL", "MASTER", "mymaster"))
			if m["num-slaves"] != "1" || m["num-other-sentinels"] != "2" {
				return false
			}
		}
		return true
	})
	addr := "127.0.0.1:" + strconv.Itoa(proxy.port())

	proxy.setCut(cutID)
	waitFor(t, 10*time.Second, "the cut-off sentinel to report +sdown", func() bool {
		_, ok := evs[0].find("+sdown master mymaster ")
		return ok
	})
	time.Sleep(6 * time.Second)
	for i, ev := range evs {
		for _, bad := range []string{"+odown", "+try-failover", "+elected-leader", "+switch-master"} {
			if e, ok := ev.find(bad); ok {
				t.Errorf("sentinel %d with one of three partitioned: %q\n%s", i, e, ev.all())
			}
		}
		if got := masterAddr(t, ours[i].port); got != addr {
			t.Errorf("sentinel %d: master moved to %s", i, got)
		}
	}
	for i, ev := range evs[1:] {
		if e, ok := ev.find("+sdown master mymaster "); ok {
			t.Errorf("sentinel %d, not partitioned, reported %q", i+1, e)
		}
	}

	proxy.setCut("")
	waitFor(t, 20*time.Second, "the sentinel to report -sdown once its links are back", func() bool {
		_, ok := evs[0].find("-sdown master mymaster ")
		return ok
	})
}
