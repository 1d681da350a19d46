package main

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/testenv"
)

// The lru field sits in the padding after typ: robj and the part of an
// embstr a GET reads keep their sizes and offsets.
func TestRobjLRUFieldInPadding(t *testing.T) {
	if got := unsafe.Offsetof(robj{}.lru); got != 1 {
		t.Errorf("lru at offset %d, want 1 (the padding after typ)", got)
	}
	if got := unsafe.Offsetof(robj{}.slot); got != 4 {
		t.Errorf("slot at offset %d, want 4", got)
	}
	if end := unsafe.Offsetof(embstr{}.o) + unsafe.Offsetof(robj{}.str) + unsafe.Sizeof([]byte(nil)); end > 64 {
		t.Errorf("an embstr's buf, typ, lru, slot, expire and str end at byte %d, past 64", end)
	}
	var o robj
	for _, v := range []uint32{0, 1, 0xabcdef, lruClockMax} {
		o.setLRU(v)
		if got := o.getLRU(); got != v {
			t.Errorf("setLRU(%#x) read back %#x", v, got)
		}
	}
}

// Input: LFULogIncr from each counter with draws on either side of
// Redis's probability 1/((counter-5)*factor+1). Expected: an increment
// exactly when the draw is below it; 255 stays; counters up to 5 always
// grow.
func TestLFULogIncrFormula(t *testing.T) {
	for _, factor := range []int{0, 1, 10, 100} {
		for c := 0; c < 255; c++ {
			base := float64(c) - 5
			if base < 0 {
				base = 0
			}
			p := 1.0 / (base*float64(factor) + 1)
			if got := lfuLogIncrP(uint8(c), factor); got != p {
				t.Fatalf("factor %d counter %d: p %v, want %v", factor, c, got, p)
			}
			if got := lfuLogIncr(uint8(c), factor, p*0.999); got != uint8(c+1) {
				t.Fatalf("factor %d counter %d, draw below p: %d, want %d", factor, c, got, c+1)
			}
			if p < 1 {
				if got := lfuLogIncr(uint8(c), factor, p); got != uint8(c) {
					t.Fatalf("factor %d counter %d, draw at p: %d, want %d", factor, c, got, c)
				}
			}
		}
		if got := lfuLogIncr(255, factor, 0); got != 255 {
			t.Errorf("factor %d: 255 went to %d", factor, got)
		}
	}
}

// Input: N accesses from LFU_INIT_VAL with a seeded generator. Expected:
// the counters of redis.conf's table (measured on Redis) within a few:
// factor 10: 100 hits 10, 1000 hits 18, 100K hits 142; factor 1: 100
// hits 18, 1000 hits 49; factor 100: 1M hits 143.
func TestLFULogIncrTable(t *testing.T) {
	cases := []struct {
		factor, hits int
		want         int
	}{
		{10, 100, 10}, {10, 1000, 18}, {10, 100000, 142},
		{1, 100, 18}, {1, 1000, 49},
		{100, 1000000, 143},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range cases {
		c := uint8(lfuInitVal)
		for range tc.hits {
			c = lfuLogIncr(c, tc.factor, r.Float64())
		}
		if d := int(c) - tc.want; d < -4 || d > 4 {
			t.Errorf("factor %d, %d hits: counter %d, redis.conf's table says %d", tc.factor, tc.hits, c, tc.want)
		}
	}
}

// Input: counters stamped some minutes ago, with several decay times,
// including 0 (no decay) and a 16-bit minute clock that wrapped.
// Expected: LFUDecrAndReturn's counter - elapsed/decay, floored at 0.
func TestLFUDecrAndReturn(t *testing.T) {
	s := newTestServer(t)
	s.mstime = 1_700_000_000_000
	now := s.lfuTimeInMinutes()
	cases := []struct {
		ago     uint32
		counter uint32
		decay   int64
		want    uint32
	}{
		{0, 20, 1, 20}, {3, 20, 1, 17}, {30, 20, 1, 0}, {10, 20, 5, 18},
		{10, 20, 0, 20}, {9, 20, 10, 20}, {1000, 255, 1, 0},
	}
	for _, tc := range cases {
		s.cfg.lfuDecayTime = tc.decay
		var o robj
		o.setLRU(((now-tc.ago)&65535)<<8 | tc.counter)
		if got := s.lfuDecrAndReturn(&o); got != tc.want {
			t.Errorf("counter %d, %d minutes ago, decay %d: %d, want %d", tc.counter, tc.ago, tc.decay, got, tc.want)
		}
	}
	// The minute clock wrapped: ldt 65530, now 4 is 9 minutes later.
	s.mstime = 4 * 60 * 1000
	s.cfg.lfuDecayTime = 1
	var o robj
	o.setLRU(65530<<8 | 20)
	if got := s.lfuDecrAndReturn(&o); got != 11 {
		t.Errorf("across the wrap: %d, want 20-9 = 11", got)
	}
}

// Input: an LRU stamp before and (wrapped) after the clock. Expected:
// estimateObjectIdleTime's two branches.
func TestEstimateObjectIdleTime(t *testing.T) {
	s := newTestServer(t)
	s.lruclock = 1000
	var o robj
	o.setLRU(990)
	if got := s.estimateObjectIdleTime(&o); got != 10_000 {
		t.Errorf("10 ticks ago: %d ms, want 10000", got)
	}
	o.setLRU(lruClockMax - 5)
	if got := s.estimateObjectIdleTime(&o); got != (1000+5)*1000 {
		t.Errorf("wrapped: %d ms, want %d", got, (1000+5)*1000)
	}
}

// Input: objectSetLRUOrLFU as RESTORE's IDLETIME and FREQ call it, under
// an LRU and an LFU policy, with negative (absent) values and an idle
// time past the clock. Expected: OBJECT IDLETIME/FREQ read back what was
// set; an absent value sets nothing and reports false.
func TestObjectSetLRUOrLFU(t *testing.T) {
	s := newTestServer(t)
	s.updateCachedTime()
	s.lruclock = lruClockAt(s.mstime)
	ec := s.newExecClient()
	ec.exec("SET", "k", "v")
	o := s.db.dict["k"]
	if !objectSetLRUOrLFU(s, o, -1, 100) {
		t.Fatal("LRU idle 100: not set")
	}
	if got := ec.exec("OBJECT", "IDLETIME", "k"); got != ":100\r\n" {
		t.Errorf("OBJECT IDLETIME after idle 100: %q", got)
	}
	if objectSetLRUOrLFU(s, o, 7, -1) {
		t.Error("LRU policy, no idle given: reported set")
	}
	// Longer ago than the clock reaches: half-way round, a long idle.
	if !objectSetLRUOrLFU(s, o, -1, int64(s.lruclock)+10) {
		t.Fatal("idle past the clock: not set")
	}
	if got := s.estimateObjectIdleTime(o) / 1000; got < lruClockMax/2-1 || got > lruClockMax/2+1 {
		t.Errorf("idle past the clock reads %d s, want about %d", got, lruClockMax/2)
	}

	ec.exec("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
	if !objectSetLRUOrLFU(s, o, 42, 100) {
		t.Fatal("LFU freq 42: not set")
	}
	if got := ec.exec("OBJECT", "FREQ", "k"); got != ":42\r\n" {
		t.Errorf("OBJECT FREQ after freq 42: %q", got)
	}
	if objectSetLRUOrLFU(s, o, -1, 100) {
		t.Error("LFU policy, no freq given: reported set")
	}
}

// Input: TYPE, EXISTS, TTL, PTTL and OBJECT on a key idle for 100 s, then
// TOUCH, then GET. Expected: the first leave the idle time (Redis's
// LOOKUP_NOTOUCH), TOUCH and GET reset it.
func TestLookupNoTouch(t *testing.T) {
	s := newTestServer(t)
	s.updateCachedTime()
	s.lruclock = lruClockAt(s.mstime)
	ec := s.newExecClient()
	ec.exec("SET", "k", "v")
	objectSetLRUOrLFU(s, s.db.dict["k"], -1, 100)
	for _, cmd := range [][]string{{"TYPE", "k"}, {"EXISTS", "k"}, {"TTL", "k"}, {"PTTL", "k"}, {"OBJECT", "FREQ", "k"}, {"OBJECT", "IDLETIME", "k"}} {
		ec.exec(cmd...)
		if got := ec.exec("OBJECT", "IDLETIME", "k"); got != ":100\r\n" {
			t.Fatalf("after %v: OBJECT IDLETIME %q, want :100", cmd, got)
		}
	}
	for _, cmd := range [][]string{{"TOUCH", "k"}, {"GET", "k"}} {
		objectSetLRUOrLFU(s, s.db.dict["k"], -1, 100)
		ec.exec(cmd...)
		if got := ec.exec("OBJECT", "IDLETIME", "k"); got != ":0\r\n" {
			t.Fatalf("after %v: OBJECT IDLETIME %q, want :0", cmd, got)
		}
	}
	// RENAME and MOVE keep the value's counter (touched once, as
	// lookupKeyWrite does: from 100, 101 at most), not a new key's 5.
	ec.exec("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
	objectSetLRUOrLFU(s, s.db.dict["k"], 100, -1)
	ec.exec("RENAME", "k", "k2")
	if got := ec.exec("OBJECT", "FREQ", "k2"); got != ":100\r\n" && got != ":101\r\n" {
		t.Errorf("after RENAME: OBJECT FREQ %q, want :100 or :101", got)
	}
	ec.exec("MOVE", "k2", "1")
	ec.exec("SELECT", "1")
	if got := ec.exec("OBJECT", "FREQ", "k2"); got != ":100\r\n" && got != ":101\r\n" && got != ":102\r\n" {
		t.Errorf("after MOVE: OBJECT FREQ %q, want 100 to 102", got)
	}
}

// Input: OBJECT IDLETIME and FREQ on a missing key, under the default
// policy and under allkeys-lfu, on a fresh key and after one GET, and
// with the wrong arity (an idle time itself is left out: the LRU clock
// may tick between two commands; TestObjectSetLRUOrLFU checks values). Expected: redis-server 7.0's replies byte for
// byte (a new key's counter is LFU_INIT_VAL 5; the first access always
// increments it).
func TestObjectIdletimeFreqInterop(t *testing.T) {
	testenv.RequireBinary(t, "redis-server")
	s := newTestServer(t)
	addr := startServer(t, s)
	diffRedis(t, addr, cmds(
		"OBJECT IDLETIME nokey",
		"OBJECT FREQ nokey",
		"SET k v",
		"OBJECT FREQ k",
		"OBJECT IDLETIME",
		"OBJECT FREQ k extra",
		"CONFIG SET maxmemory-policy allkeys-lfu",
		"SET k2 v",
		"OBJECT FREQ k2",
		"GET k2",
		"OBJECT FREQ k2",
		"OBJECT IDLETIME k2",
		"OBJECT FREQ nokey",
		"CONFIG SET maxmemory-policy volatile-lfu",
		"OBJECT IDLETIME k2",
		"CONFIG SET maxmemory-policy volatile-ttl",
		"OBJECT FREQ k2",
	))
}

// Input: 2,000 GETs of each of 8 keys under allkeys-lfu, on kv and on
// redis-server, factor 10 and factor 1. Expected: the mean OBJECT FREQ
// within a few of each other (both draw at random; the formula's mean is
// about 25 and 67, with standard deviations 2.7 and 4.3 a key).
func TestLFUCounterInterop(t *testing.T) {
	testenv.RequireBinary(t, "redis-server")
	s := newTestServer(t)
	ours := dialRaw(t, startServer(t, s))
	redis := dialRaw(t, fmt.Sprintf("127.0.0.1:%d", testenv.StartRedis(t)))
	const keys, hits = 8, 2000
	for _, tc := range []struct {
		factor string
		tol    float64
	}{{"10", 4}, {"1", 6}} {
		mean := map[string]float64{}
		for name, r := range map[string]*rawConn{"ours": ours, "redis": redis} {
			r.do("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
			r.do("CONFIG", "SET", "lfu-log-factor", tc.factor)
			var b strings.Builder
			for k := range keys {
				key := "hot" + strconv.Itoa(k)
				r.do("DEL", key)
				if got := r.do("SET", key, "v"); got != resp.OK {
					t.Fatalf("%s: SET %q", name, got)
				}
				for range hits {
					b.Write(resp.AppendCommand(nil, "GET", key))
				}
			}
			r.send(b.String())
			for range keys * hits {
				r.reply()
			}
			for k := range keys {
				got := r.do("OBJECT", "FREQ", "hot"+strconv.Itoa(k))
				n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(got, ":")))
				if err != nil {
					t.Fatalf("%s: OBJECT FREQ %q", name, got)
				}
				mean[name] += float64(n) / keys
			}
		}
		if d := mean["ours"] - mean["redis"]; d < -tc.tol || d > tc.tol {
			t.Errorf("factor %s, %d GETs: mean OBJECT FREQ ours %.1f, redis %.1f", tc.factor, hits, mean["ours"], mean["redis"])
		}
		t.Logf("factor %s, %d GETs: mean OBJECT FREQ ours %.1f, redis %.1f", tc.factor, hits, mean["ours"], mean["redis"])
	}
}

// TestRestoreSetsAccessClock: RESTORE's IDLETIME and FREQ reach the
// restored object (objectSetLRUOrLFU), as in Redis. Tried: a DUMP of a
// string restored with IDLETIME 1000 under allkeys-lru, and with FREQ 100
// under allkeys-lfu. Expected: OBJECT IDLETIME 1000 (or 1001 if a clock
// second passes), OBJECT FREQ 100; without them a fresh object (idle 0,
// LFU's initial 5).
func TestRestoreSetsAccessClock(t *testing.T) {
	s := newTestServer(t)
	s.exec("SET", "src", "value")
	payload := s.exec("DUMP", "src")
	p := payload[strings.IndexByte(payload, '\n')+1 : len(payload)-2] // the bulk's bytes
	s.exec("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
	if got := s.exec("RESTORE", "a", "0", p, "IDLETIME", "1000"); got != "+OK\r\n" {
		t.Fatalf("RESTORE IDLETIME: %q", got)
	}
	if got := s.exec("OBJECT", "IDLETIME", "a"); got != ":1000\r\n" && got != ":1001\r\n" {
		t.Errorf("OBJECT IDLETIME after RESTORE IDLETIME 1000: %q", got)
	}
	s.exec("RESTORE", "b", "0", p)
	if got := s.exec("OBJECT", "IDLETIME", "b"); got != ":0\r\n" {
		t.Errorf("OBJECT IDLETIME after a plain RESTORE: %q", got)
	}
	s.exec("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
	if got := s.exec("RESTORE", "c", "0", p, "FREQ", "100"); got != "+OK\r\n" {
		t.Fatalf("RESTORE FREQ: %q", got)
	}
	if got := s.exec("OBJECT", "FREQ", "c"); got != ":100\r\n" {
		t.Errorf("OBJECT FREQ after RESTORE FREQ 100: %q", got)
	}
	s.exec("RESTORE", "d", "0", p)
	if got := s.exec("OBJECT", "FREQ", "d"); got != ":5\r\n" {
		t.Errorf("OBJECT FREQ after a plain RESTORE: %q", got)
	}
}
