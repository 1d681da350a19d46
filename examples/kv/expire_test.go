package main

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/testenv"
)

// fillTTL stores n string keys prefix:0..n-1, with a TTL at when (0: none).
func fillTTL(s *server, prefix string, n int, when int64) {
	for i := 0; i < n; i++ {
		o := s.setKey([]byte(prefix+":"+strconv.Itoa(i)), []byte("v"), false)
		if when != 0 {
			s.db.setExpire(o, when)
		}
	}
}

// checkExpires checks db.expires against the keyspace: one entry per key
// with a TTL, each at the index expirePos says, with the key's expire
// time, and the cursor within the slice.
func checkExpires(t *testing.T, d *db) {
	t.Helper()
	n := 0
	for _, o := range d.dict {
		if o.expire != 0 {
			n++
		}
	}
	if n != len(d.expires) {
		t.Fatalf("%d keys with a TTL, %d in expires", n, len(d.expires))
	}
	for i, e := range d.expires {
		if d.dict[e.o.key] != e.o || d.expirePos[e.o.slot] != int32(i) || e.when != e.o.expire || e.when == 0 {
			t.Fatalf("expires[%d] = %q when %d: dict has %p (entry %p), expirePos %d, expire %d",
				i, e.o.key, e.when, d.dict[e.o.key], e.o, d.expirePos[e.o.slot], e.o.expire)
		}
	}
	if d.expiresCursor < 0 || d.expiresCursor > len(d.expires) {
		t.Fatalf("cursor %d outside [0, %d]", d.expiresCursor, len(d.expires))
	}
}

// Input: 2,000 keys with a TTL, 100 of them (5%) already expired, and
// 1,000 keys without one; slow cycles only, no command touches a key.
// Expected: all 100 are deleted within (2,000 + 100) / 20 = 105 cycles,
// the bound the cursor gives: a round visits every key, 20 a cycle at
// least, plus at most one repeat visit per deletion. Sampling at random,
// as Redis 5's cycle did, misses a given key in 105 samples of 20 out of
// 2,000 with probability about 1/e.
func TestActiveExpireReclaimsEveryKey(t *testing.T) {
	s := newTestServer(t)
	t.Cleanup(s.close)
	now := time.Now().UnixMilli()
	fillTTL(s, "persistent", 1000, 0)
	fillTTL(s, "stale", 100, now-1000)
	fillTTL(s, "fresh", 1900, now+3600_000)
	checkExpires(t, s.db)
	cycles := 0
	for ; len(s.db.expires) > 1900; cycles++ {
		if cycles == 105 {
			t.Fatalf("after %d slow cycles %d expired keys are left", cycles, len(s.db.expires)-1900)
		}
		s.activeExpireCycle(activeExpireCycleSlow)
	}
	checkExpires(t, s.db)
	if s.stats.expiredKeys != 100 || s.db.size() != 2900 || s.stats.keyspaceHits+s.stats.keyspaceMisses != 0 {
		t.Fatalf("expired %d keys, %d left, %d lookups; want 100, 2900, 0",
			s.stats.expiredKeys, s.db.size(), s.stats.keyspaceHits+s.stats.keyspaceMisses)
	}
	t.Logf("reclaimed in %d cycles", cycles)
}

// Input: a running server at hz 100, 20,000 keys set with PX 20 to 220
// and 10,000 without a TTL, then only INFO. Expected: expires reaches 0
// within 5 s with every one of the 20,000 counted in expired_keys and
// no keyspace lookup.
func TestActiveExpireRunningServer(t *testing.T) {
	s := newTestServer(t, func(c *config) { c.hz = 100 })
	r := dialRaw(t, startServer(t, s))
	var batch []byte
	for i := 0; i < 30000; i++ {
		if i%3 == 0 {
			batch = resp.AppendCommand(batch, "SET", "k:"+strconv.Itoa(i), "v")
		} else {
			batch = resp.AppendCommand(batch, "SET", "k:"+strconv.Itoa(i), "v", "PX", strconv.Itoa(20+i%200))
		}
	}
	r.send(string(batch))
	for i := 0; i < 30000; i++ {
		if got := r.reply(); got != resp.OK {
			t.Fatalf("SET %d: %q", i, got)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, f := parseInfo(t, r.do("INFO"))
		if strings.HasPrefix(f["keyspace"]["db0"], "keys=10000,expires=0,") {
			if f["stats"]["expired_keys"] != "20000" || f["stats"]["keyspace_hits"] != "0" || f["stats"]["keyspace_misses"] != "0" {
				t.Fatalf("stats after reclaim: %v", f["stats"])
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 5 s: db0:%s, expired_keys %s", f["keyspace"]["db0"], f["stats"]["expired_keys"])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// layoutStale gives every key in expires a TTL, expired (1 s ago) where
// stale(j) holds for its position j counted from the end of the slice,
// where the cursor starts, and an hour away elsewhere. It returns how
// many are stale.
func layoutStale(s *server, stale func(j int) bool) int {
	now := time.Now().UnixMilli()
	n := 0
	for i := range s.db.expires {
		when := now + 3600_000
		if stale(len(s.db.expires) - 1 - i) {
			when = now - 1000
			n++
		}
		s.db.setExpire(s.db.expires[i].o, when)
	}
	return n
}

// Input: 2,000 keys with a TTL, with 1, 2, 3 or 10 of every 20 in a row
// expired (5%, 10%, 15%, 50%), and one slow cycle. A deletion moves an
// already visited key into the place of the deleted one, so each sample
// of 20 the cycle takes holds exactly that share. Expected: at 5% and
// 10% (not above ACTIVE_EXPIRE_CYCLE_ACCEPTABLE_STALE) the cycle stops
// after its first sample (1 or 2 deletions); at 15% and 50% it repeats
// until every stale key is gone, its next sample finding none. At
// active-expire-effort 10 (65 keys a sample, 1% acceptable) the 5% layout
// repeats too. At hz 1 the time limit (250 ms) is out of reach.
func TestActiveExpireRepeatsAboveAcceptableStale(t *testing.T) {
	for _, tc := range []struct {
		effort    string
		perTwenty []int // positions, in each 20, of the stale keys
		want      int   // deletions by one cycle, -1 for all
	}{
		{"1", []int{0}, 1},
		{"1", []int{0, 10}, 2},
		{"1", []int{0, 7, 14}, -1},
		{"1", []int{0, 2, 4, 6, 8, 10, 12, 14, 16, 18}, -1},
		{"10", []int{0}, -1},
	} {
		t.Run(fmt.Sprintf("effort=%s,stale=%d%%", tc.effort, len(tc.perTwenty)*5), func(t *testing.T) {
			s := newTestServer(t, func(c *config) { c.hz = 1 })
			t.Cleanup(s.close)
			if got := s.exec("CONFIG", "SET", "active-expire-effort", tc.effort); got != resp.OK {
				t.Fatalf("CONFIG SET active-expire-effort %s: %q", tc.effort, got)
			}
			fillTTL(s, "k", 2000, 1)
			stale := layoutStale(s, func(j int) bool {
				for _, p := range tc.perTwenty {
					if j%20 == p {
						return true
					}
				}
				return false
			})
			s.activeExpireCycle(activeExpireCycleSlow)
			checkExpires(t, s.db)
			want := int64(tc.want)
			if tc.want < 0 {
				want = int64(stale)
			}
			if s.stats.expiredKeys != want {
				t.Fatalf("one slow cycle deleted %d of %d stale keys, want %d", s.stats.expiredKeys, stale, want)
			}
			if s.expireCycle.timelimitExit || s.stats.expiredTimeCapReachedCount != 0 {
				t.Fatal("the cycle stopped at its time limit")
			}
		})
	}
}

// Input: the fast cycle, called as the loop calls it (beforeSleep), in
// each state expire.c tests. Expected:
//   - after slow cycles that ended below their time limit, it does
//     nothing, whatever the stale estimate (Redis compares the estimate,
//     a fraction, with a percentage, so even 90% is "acceptable");
//   - after a slow cycle that hit its limit (100,000 stale keys at hz 500:
//     500 us), it runs, deleting more keys;
//   - it does not run again within 2 ms (twice its 1,000 us) of the last
//     fast cycle's start, and does after that;
//   - once a cycle ends below its limit, it stops running.
func TestActiveExpireFastCycle(t *testing.T) {
	s := newTestServer(t, func(c *config) { c.hz = 500 })
	t.Cleanup(s.close)
	now := time.Now().UnixMilli()
	fillTTL(s, "stale", 100_000, now-1000)

	st := &s.expireCycle
	s.stats.expiredStalePerc = 0.9
	s.beforeSleep(s.el)
	if s.stats.expiredKeys != 0 || st.lastFastCycle != 0 {
		t.Fatalf("fast cycle ran without a time-limited cycle before it: %d deleted", s.stats.expiredKeys)
	}
	s.stats.expiredStalePerc = 0

	s.activeExpireCycle(activeExpireCycleSlow)
	afterSlow := s.stats.expiredKeys
	if !st.timelimitExit || s.stats.expiredTimeCapReachedCount != 1 || afterSlow == 0 || afterSlow == 100_000 {
		t.Fatalf("slow cycle at hz 500 over 100,000 stale keys: timelimit_exit %v, cap reached %d, deleted %d",
			st.timelimitExit, s.stats.expiredTimeCapReachedCount, afterSlow)
	}
	if s.stats.expiredStalePerc < 0.049 {
		t.Errorf("stale estimate %v after a sample all stale, want 5%%", s.stats.expiredStalePerc)
	}

	s.beforeSleep(s.el)
	afterFast := s.stats.expiredKeys
	if afterFast == afterSlow || st.lastFastCycle == 0 {
		t.Fatal("fast cycle did not run after a time-limited slow cycle")
	}
	if !st.timelimitExit {
		t.Fatal("fast cycle over stale keys did not stop at its 1,000 us")
	}

	st.lastFastCycle = monotonicMicros() // as if one had just started
	s.beforeSleep(s.el)
	if s.stats.expiredKeys != afterFast {
		t.Fatal("fast cycle ran again within twice its duration")
	}
	st.lastFastCycle = monotonicMicros() - 2001
	s.beforeSleep(s.el)
	if s.stats.expiredKeys == afterFast {
		t.Fatal("fast cycle did not run 2 ms after the last one")
	}

	for i := 0; len(s.db.expires) > 0; i++ {
		if i == 1000 {
			t.Fatalf("%d stale keys left after 1,000 slow cycles", len(s.db.expires))
		}
		s.activeExpireCycle(activeExpireCycleSlow)
	}
	s.activeExpireCycle(activeExpireCycleSlow) // nothing to do: ends below its limit
	if st.timelimitExit {
		t.Fatal("a cycle with nothing to expire left timelimit_exit set")
	}
	fillTTL(s, "later", 1000, time.Now().UnixMilli()-1000)
	st.lastFastCycle = 0
	before := s.stats.expiredKeys
	s.beforeSleep(s.el)
	if s.stats.expiredKeys != before {
		t.Fatal("fast cycle ran after a slow cycle that ended below its limit")
	}
}

// Input: active-expire-effort 1, 5 and 10. Expected: expire.c's
// parameters, effort-1 = e: keys per loop 20+20/4*e, fast duration
// 1000+1000/4*e us, slow time 25+2e%, acceptable stale 10-e%.
func TestActiveExpireTuning(t *testing.T) {
	for effort, want := range map[int]expireTuning{
		1:  {20, 1000, 25, 10},
		5:  {40, 2000, 33, 6},
		10: {65, 3250, 43, 1},
	} {
		if got := activeExpireTuning(effort); got != want {
			t.Errorf("effort %d: %+v, want %+v", effort, got, want)
		}
	}
}

// Input: CONFIG GET and SET of active-expire-effort: the default, both
// bounds and one past each, non-integers (Redis's string2ll rejects "+1",
// "01", " 1", "1.0", "0x1", ""), with another parameter in the same SET,
// one of them bad (all or nothing), and a glob. Expected: redis-server
// 7.0's replies, byte for byte.
func TestActiveExpireEffortConfigRedis(t *testing.T) {
	s := newTestServer(t)
	addr := startServer(t, s)
	var c [][]string
	c = append(c, []string{"CONFIG", "GET", "active-expire-effort"})
	for _, v := range []string{"1", "10", "0", "11", "-1", "5", "+1", "01", " 1", "1.0", "0x1", "", "1x", "99999999999999999999"} {
		c = append(c, []string{"CONFIG", "SET", "active-expire-effort", v}, []string{"CONFIG", "GET", "active-expire-effort"})
	}
	c = append(c, cmds(
		"CONFIG SET active-expire-effort 3 hz 20",
		"CONFIG GET active-expire-effort",
		"CONFIG GET hz",
		"CONFIG SET active-expire-effort 7 hz x",
		"CONFIG GET active-expire-effort",
		"CONFIG SET hz 10 active-expire-effort 12",
		"CONFIG GET hz",
		"CONFIG SET active-expire-effort 4 active-expire-effort 5",
		"CONFIG GET active-expire-effort",
		"CONFIG SET ACTIVE-EXPIRE-EFFORT 2",
		"CONFIG GET Active-Expire-Effort",
		"CONFIG GET active-expire-effort*",
		"CONFIG GET active-expire-eff?rt",
		"CONFIG SET active-expire-effort",
	)...)
	diffRedis(t, addr, c)
	var effort int
	onLoop(s, func() { effort = s.cfg.activeExpireEffort })
	if effort != 2 {
		t.Fatalf("active-expire-effort = %d after the SETs, want 2", effort)
	}
}

// Input: running averages of sample averages. Expected: Redis's integer
// arithmetic, (avg/50)*49 + sample/50, the first sample taken as the
// average.
func TestRunningAvgTTL(t *testing.T) {
	for _, tc := range []struct{ avg, sample, want int64 }{
		{0, 1000, 1000},
		{1000, 2000, 1020},
		{1000, 0, 980},
		{99, 99, 50}, // 1*49 + 1: integer division, as in Redis
		{0, 49, 0},
		{1_000_000, 1_000_000, 1_000_000},
	} {
		if got := runningAvgTTL(tc.avg, tc.sample); got != tc.want {
			t.Errorf("runningAvgTTL(%d, %d) = %d, want %d", tc.avg, tc.sample, got, tc.want)
		}
	}
}

// Input: 500 keys with EX 1000 and 500 without a TTL, on our server and
// on redis-server 7.0, then 500 ms of cron. Expected: INFO keyspace reads
// "db0:keys=1000,expires=500,avg_ttl=T" on both, T within 1% of
// 1,000,000 ms on ours and within 1% of Redis's.
func TestAvgTTL(t *testing.T) {
	ours := dialRaw(t, startServer(t, newTestServer(t)))
	redis := dialRaw(t, fmt.Sprintf("127.0.0.1:%d", testenv.StartRedis(t)))
	ttls := map[string]int64{}
	for name, r := range map[string]*rawConn{"ours": ours, "redis": redis} {
		for i := 0; i < 1000; i++ {
			args := []string{"SET", "k:" + strconv.Itoa(i), "v"}
			if i%2 == 0 {
				args = append(args, "EX", "1000")
			}
			if got := r.do(args...); got != resp.OK {
				t.Fatalf("%s: SET: %q", name, got)
			}
		}
	}
	time.Sleep(500 * time.Millisecond)
	for name, r := range map[string]*rawConn{"ours": ours, "redis": redis} {
		_, f := parseInfo(t, r.do("INFO", "keyspace"))
		v, ok := strings.CutPrefix(f["keyspace"]["db0"], "keys=1000,expires=500,avg_ttl=")
		ttl, err := strconv.ParseInt(v, 10, 64)
		if !ok || err != nil {
			t.Fatalf("%s: db0:%s", name, f["keyspace"]["db0"])
		}
		ttls[name] = ttl
	}
	if ttls["ours"] < 990_000 || ttls["ours"] > 1_000_000 {
		t.Errorf("avg_ttl %d, want within 1%% of 1,000,000", ttls["ours"])
	}
	if d := ttls["ours"] - ttls["redis"]; d > ttls["redis"]/100 || -d > ttls["redis"]/100 {
		t.Errorf("avg_ttl %d, redis-server's %d", ttls["ours"], ttls["redis"])
	}
	t.Logf("avg_ttl ours %d, redis %d", ttls["ours"], ttls["redis"])
}

// Input: INFO stats before and after a slow cycle that deletes 2,000
// expired keys (every sample all stale, the last empty), with the cycle's
// time then set to 2,500 us, and after CONFIG RESETSTAT. Expected: Redis's
// fields after expired_keys, formatted as Redis 7.0 does
// (expired_stale_perc with two decimals, of the estimate times 100: 5.00;
// expire_cycle_cpu_milliseconds in whole ms: 2), and zero again after
// RESETSTAT.
func TestInfoExpireStats(t *testing.T) {
	s := newTestServer(t)
	t.Cleanup(s.close)
	e := s.newExecClient()
	stats := func() string {
		_, f := parseInfo(t, e.exec("INFO", "stats"))
		return fmt.Sprintf("%s %s %s %s", f["stats"]["expired_keys"], f["stats"]["expired_stale_perc"],
			f["stats"]["expired_time_cap_reached_count"], f["stats"]["expire_cycle_cpu_milliseconds"])
	}
	if got := stats(); got != "0 0.00 0 0" {
		t.Fatalf("fresh: %q", got)
	}
	if !strings.Contains(e.exec("INFO", "stats"), "\r\nexpired_keys:0\r\nexpired_stale_perc:0.00\r\nexpired_time_cap_reached_count:0\r\nexpire_cycle_cpu_milliseconds:0\r\nevicted_keys:0\r\n") {
		t.Fatal("INFO stats does not have Redis 7.0's order around expired_keys")
	}
	fillTTL(s, "k", 2000, time.Now().UnixMilli()-1000)
	s.activeExpireCycle(activeExpireCycleSlow) // 100 samples, all stale, then none: estimate 0.05
	if s.stats.expireCycleTimeUsed <= 0 {
		t.Fatalf("expire cycle time %d us after a cycle", s.stats.expireCycleTimeUsed)
	}
	s.stats.expireCycleTimeUsed = 2500 // as if 2.5 ms had been spent
	if got := stats(); got != "2000 5.00 0 2" {
		t.Fatalf("after a cycle: %q, want \"2000 5.00 0 2\"", got)
	}
	e.exec("CONFIG", "RESETSTAT")
	if got := stats(); got != "0 0.00 0 0" {
		t.Fatalf("after RESETSTAT: %q", got)
	}
}

// Input: 300 keys with a TTL, then, for several rounds of the cursor and
// seeds, random steps of the cursor interleaved with deletions, new keys
// with a TTL, TTLs removed (PERSIST), TTLs changed in place and keys
// renamed. Expected: at the end of each round, every key that had a TTL
// from the round's start to its end, untouched, was visited in it, as
// dictScan guarantees; expires stays consistent with the keyspace.
func TestExpiresCursorVisitsEveryKey(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		rng := rand.New(rand.NewPCG(seed, 0))
		s := newTestServer(t)
		far := time.Now().UnixMilli() + 3600_000
		fillTTL(s, "k", 300, far)
		next := 300
		newKey := func(ttl bool) {
			o := s.setKey([]byte("k:"+strconv.Itoa(next)), []byte("v"), false)
			next++
			if ttl {
				s.db.setExpire(o, far+int64(rng.IntN(1000)))
			}
		}
		randomKey := func() *robj {
			o := s.db.slots[rng.IntN(len(s.db.slots))]
			for o == nil {
				o = s.db.slots[rng.IntN(len(s.db.slots))]
			}
			return o
		}
		for round := 0; round < 5; round++ {
			// Let the cursor finish the round it is in, so the next one
			// starts from the end.
			for s.db.expiresCursor != 0 {
				s.db.expiresNext()
			}
			present := map[string]bool{}
			for _, e := range s.db.expires {
				present[e.o.key] = true
			}
			visited := map[string]bool{}
			touched := map[string]bool{}
			for started := false; !started || s.db.expiresCursor != 0; {
				switch op := rng.IntN(10); {
				case op < 5 && len(s.db.expires) > 0:
					visited[s.db.expires[s.db.expiresNext()].o.key] = true
					started = true
				case op == 5:
					o := randomKey()
					touched[o.key] = true
					s.db.remove(o)
				case op == 6:
					newKey(rng.IntN(4) != 0)
				case op == 7:
					o := randomKey()
					touched[o.key] = true
					s.db.setExpire(o, 0)
				case op == 8:
					if o := randomKey(); o.expire != 0 {
						s.db.setExpire(o, o.expire+1) // stays in place
					} else {
						touched[o.key] = true
						s.db.setExpire(o, far)
					}
				case op == 9:
					o := randomKey()
					touched[o.key] = true
					s.db.remove(o)
					s.db.add([]byte("k:"+strconv.Itoa(next)), o)
					next++
				}
				if len(s.db.expires) == 0 {
					break
				}
			}
			checkExpires(t, s.db)
			for k := range present {
				if !touched[k] && !visited[k] {
					t.Fatalf("seed %d round %d: %q had a TTL for the whole round and was not visited", seed, round, k)
				}
			}
		}
		s.close()
	}
}

// Input: 100,000 keys with a TTL, all but 1,000 deleted. Expected: the
// next cron's shrinkExpires leaves a slice of at most 2,000 entries'
// capacity (Redis resizes a dict under 10% full), the same entries in the
// same order.
func TestShrinkExpires(t *testing.T) {
	s := newTestServer(t)
	t.Cleanup(s.close)
	fillTTL(s, "k", 100_000, time.Now().UnixMilli()+3600_000)
	for i := 1000; i < 100_000; i++ {
		s.db.remove(s.db.dict["k:"+strconv.Itoa(i)])
	}
	before := append([]expireEntry(nil), s.db.expires...)
	s.db.shrinkExpires()
	if cap(s.db.expires) > 2000 || len(s.db.expires) != 1000 {
		t.Fatalf("len %d cap %d after shrinking", len(s.db.expires), cap(s.db.expires))
	}
	for i, e := range before {
		if s.db.expires[i] != e {
			t.Fatalf("entry %d moved", i)
		}
	}
	checkExpires(t, s.db)
}
