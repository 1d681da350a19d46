package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/goae/goae/ae"
)

// Input: the loop is stalled for 2.5 s (a function posted to it sleeps),
// as a paused process or a slow fsync would. Expected: the next timer run
// sees more than the 2 s trigger on the monotonic clock and enters TILT
// (+tilt "#tilt mode entered" published, INFO's sentinel_tilt:1), and
// is-master-down-by-addr answers 0 meanwhile.
func TestTiltOnStall(t *testing.T) {
	port := 1 // nothing listens there: the master stays unreachable
	conf := fmt.Sprintf("sentinel monitor mymaster 127.0.0.1 %d 1\n", port)
	ours := startOurs(t, conf)
	ev := watchEvents(t, ours.port)
	c := dialResp(t, ours.port)
	c.do("PING")
	s := ours.s
	s.el.Post(func(*ae.EventLoop) { time.Sleep(2500 * time.Millisecond) })
	waitFor(t, 10*time.Second, "+tilt", func() bool {
		e, ok := ev.find("+tilt ")
		return ok && e == "+tilt #tilt mode entered"
	})
	info := fmt.Sprint(c.val("INFO", "sentinel"))
	if !strings.Contains(info, "sentinel_tilt:1\r\n") || strings.Contains(info, "sentinel_tilt_since_seconds:-1") {
		t.Errorf("INFO sentinel during TILT:\n%s", info)
	}
	if _, v := c.do("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", "127.0.0.1", "1", "0", "*"); fmt.Sprint(v) != "[0 * 0]" {
		t.Errorf("is-master-down-by-addr in TILT: %v", v)
	}
}
