package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/goae/goae/internal/testenv"
)

// TestMyidClashReported: three of ours on one master, two of them
// started from config files with the same "sentinel myid" (a copied
// file, redis#4652). Tried and expected: each of the two logs that the
// other's address carries its myid; the third, which flaps between the
// two addresses with +sentinel-address-switch as redis-sentinel does,
// logs that the two share a myid; each warning is logged once (they are
// rate-limited to one a minute per pair); a sentinel with a myid of its
// own, alone with one of the two, logs nothing of the kind.
func TestMyidClashReported(t *testing.T) {
	master := testenv.StartRedis(t)
	conf := fmt.Sprintf("sentinel monitor mymaster 127.0.0.1 %d 2\n"+
		"sentinel down-after-milliseconds mymaster 5000\n", master)
	shared := strings.Repeat("ab", 20)
	a := startOurs(t, conf+"sentinel myid "+shared+"\n")
	b := startOurs(t, conf+"sentinel myid "+shared+"\n")
	c := startOurs(t, conf+"sentinel myid "+strings.Repeat("c", 40)+"\n")
	ev := watchEvents(t, c.port)
	own := "has this sentinel's myid " + shared
	waitFor(t, 20*time.Second, "both sentinels with the shared myid to report the other", func() bool {
		return strings.Contains(a.log.String(), own) && strings.Contains(b.log.String(), own)
	})
	for _, x := range []struct {
		o     *ourSentinel
		other int
	}{{a, b.port}, {b, a.port}} {
		if want := fmt.Sprintf("the sentinel at 127.0.0.1:%d %s", x.other, own); !strings.Contains(x.o.log.String(), want) {
			t.Errorf("sentinel :%d: no %q in its log", x.o.port, want)
		}
	}
	waitFor(t, 20*time.Second, "the third sentinel to report the flapping pair", func() bool {
		return strings.Contains(c.log.String(), "share the myid "+shared)
	})
	if _, ok := ev.find("+sentinel-address-switch"); !ok {
		t.Errorf("the third sentinel published no +sentinel-address-switch:\n%s", ev.all())
	}
	// A few more hello periods (2 s each): no second report of a pair.
	time.Sleep(5 * time.Second)
	for _, o := range []*ourSentinel{a, b} {
		if n := strings.Count(o.log.String(), own); n != 1 {
			t.Errorf("sentinel :%d reported the clash %d times in 5 s", o.port, n)
		}
	}
	if n := strings.Count(c.log.String(), "share the myid"); n != 1 {
		t.Errorf("the third sentinel reported the pair %d times", n)
	}
	if strings.Contains(c.log.String(), "has this sentinel's myid") {
		t.Errorf("the third sentinel, whose myid is its own, reported a clash of its own")
	}
}
