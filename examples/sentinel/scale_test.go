package main

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goae/goae/internal/testenv"
)

// addrOf is SENTINEL GET-MASTER-ADDR-BY-NAME name on the sentinel at port.
func addrOf(t testing.TB, port int, name string) string {
	t.Helper()
	v, _ := dialResp(t, port).val("SENTINEL", "GET-MASTER-ADDR-BY-NAME", name).([]any)
	if len(v) != 2 {
		return ""
	}
	return fmt.Sprint(v[0]) + ":" + fmt.Sprint(v[1])
}

// Input: 20 masters, each with one replica (real redis-server), monitored
// at once by three of our sentinels (quorum 2, down-after 1000); then one
// master (m7) SIGKILLed. Expected: every sentinel finds all 20 replicas
// and the two other sentinels for every master; m7 fails over to its
// replica on all three; the other 19 masters keep their address and
// none of them is ever reported +sdown.
func TestTwentyMasters(t *testing.T) {
	if testing.Short() {
		t.Skip("40 redis-servers; skipped with -short")
	}
	const n = 20
	var masters, replicas []int
	var conf strings.Builder
	for i := 0; i < n; i++ {
		m := testenv.StartRedis(t, "--repl-diskless-sync-delay", "0")
		masters = append(masters, m)
		replicas = append(replicas, testenv.StartRedis(t, "--replicaof", "127.0.0.1", strconv.Itoa(m)))
		fmt.Fprintf(&conf, "sentinel monitor m%d 127.0.0.1 %d 2\nsentinel down-after-milliseconds m%d 1000\nsentinel failover-timeout m%d 6000\n", i, m, i, i)
	}
	var ours []*ourSentinel
	var evs []*eventWatcher
	for i := 0; i < 3; i++ {
		o := startOurs(t, conf.String())
		ours = append(ours, o)
		evs = append(evs, watchEvents(t, o.port))
	}
	waitFor(t, 60*time.Second, "every sentinel to see a replica and 2 sentinels for each of the 20 masters", func() bool {
		for _, o := range ours {
			c := dialResp(t, o.port)
			ms := asMaps(c.val("SENTINEL", "MASTERS"))
			if len(ms) != n {
				return false
			}
			for _, m := range ms {
				if m["num-slaves"] != "1" || m["num-other-sentinels"] != "2" {
					return false
				}
			}
		}
		return true
	})
	const victim = 7
	killMaster(t, masters[victim])
	want := "127.0.0.1:" + strconv.Itoa(replicas[victim])
	waitFor(t, 40*time.Second, "m7 to fail over to its replica on all three", func() bool {
		for _, o := range ours {
			if addrOf(t, o.port, "m7") != want {
				return false
			}
		}
		return true
	})
	for i := 0; i < n; i++ {
		if i == victim {
			continue
		}
		for j, o := range ours {
			if got := addrOf(t, o.port, "m"+strconv.Itoa(i)); got != "127.0.0.1:"+strconv.Itoa(masters[i]) {
				t.Errorf("sentinel %d: m%d moved to %s", j, i, got)
			}
		}
	}
	for j, ev := range evs {
		for _, line := range strings.Split(ev.all(), "\n") {
			if strings.HasPrefix(line, "+sdown master m") && !strings.HasPrefix(line, "+sdown master m7 ") {
				t.Errorf("sentinel %d reported %q", j, line)
			}
		}
	}
}
