package main

import (
	"strings"
	"testing"

	"github.com/goae/goae/internal/mcproto"
)

// Input: exptimes of every kind, stored at current_time 62 (the server
// started at testNow, process_started 62 s before it), then the clock
// moved. Expected (memcached's realtime and item expiry): 0 never expires;
// 100 and the absolute time testNow+100 both expire at current_time 162
// and not before; 30 days exactly is relative; 30 days + 1 is an absolute
// time long past; an absolute time before the start, at
// process_started, or negative is expired at once.
func TestExptimeRules(t *testing.T) {
	c, w := newTestCache(t, nil)
	if now, ps := c.CurrentTime(), c.ProcessStarted(); now != 62 || ps != testNow-62 {
		t.Fatalf("current_time %d process_started %d, want 62 and %d", now, ps, testNow-62)
	}
	cases := []struct {
		name    string
		exptime int64
		rel     relTime // 1 = already expired
	}{
		{"never", 0, 0},
		{"relative 100", 100, 162},
		{"absolute now+100", testNow + 100, 162},
		{"30 days", realtimeMaxDelta, 62 + realtimeMaxDelta},
		{"30 days + 1", realtimeMaxDelta + 1, 1},
		{"absolute 10 s ago", testNow - 10, 52},
		{"absolute at process_started", testNow - 62, 1},
		{"negative", -1, 1},
		{"very negative", -1 << 40, 1},
	}
	for _, tc := range cases {
		if got := c.Realtime(tc.exptime); got != tc.rel {
			t.Errorf("%s: realtime(%d) = %d, want %d", tc.name, tc.exptime, got, tc.rel)
		}
		if r := store(t, w, CmdSet, tc.name, "v", 0, tc.exptime, 0); r != Stored {
			t.Fatalf("%s: %v", tc.name, r)
		}
	}
	present := func(at relTime) map[string]bool {
		c.clock.set(at)
		m := map[string]bool{}
		for _, tc := range cases {
			if it := w.Peek([]byte(tc.name), false); it != nil {
				m[tc.name] = true
				w.Release(it)
			}
		}
		return m
	}
	if got := present(62); len(got) != 4 || !got["never"] || !got["relative 100"] || !got["absolute now+100"] || !got["30 days"] {
		t.Fatalf("at 62: present %v, want never, relative 100, absolute now+100, 30 days", got)
	}
	if got := present(161); len(got) != 4 {
		t.Fatalf("at 161: present %v", got)
	}
	if got := present(162); len(got) != 2 || !got["never"] || !got["30 days"] {
		t.Fatalf("at 162: present %v, want never and 30 days", got)
	}
	if got := present(1 << 31); len(got) != 1 || !got["never"] {
		t.Fatalf("at 2^31: present %v, want never", got)
	}
	if st := c.Stats(); st.GetExpired != uint64(len(cases)-1) || st.CurrItems != 1 {
		t.Fatalf("get_expired %d curr_items %d, want %d 1", st.GetExpired, st.CurrItems, len(cases)-1)
	}
}

// Input: the clock ticked from unix times (clock_handler). Expected:
// current_time is the seconds since process_started.
func TestClockTick(t *testing.T) {
	c, _ := newTestCache(t, nil)
	c.Tick(testNow + 1000)
	if got := c.CurrentTime(); got != 1062 {
		t.Fatalf("current_time %d, want 1062", got)
	}
}

// Input: set a and b, flush_all now; set c (another class, so its
// allocation does not look at a and b's LRU) in the same second; gets; the
// clock moves on and d is set in a and b's class. Expected: right after the
// flush curr_items is still 2 (items go lazily); a and b are gone for gets
// (get_flushed 2); c, stored after the flush within its second, is there
// (its CAS is newer than the flush's); d too. Then flushed items at the
// tail of d's class are reclaimed by d's allocation. cmd_flush 1.
func TestFlushAllNow(t *testing.T) {
	c, w := newTestCache(t, nil)
	set(t, w, "a", "1")
	set(t, w, "b", "2")
	w.FlushAll(0)
	if st := c.Stats(); st.CurrItems != 2 || st.CmdFlush != 1 {
		t.Fatalf("curr_items %d cmd_flush %d right after flush, want 2 1", st.CurrItems, st.CmdFlush)
	}
	c3 := strings.Repeat("3", 40)
	set(t, w, "c", c3)
	for k, want := range map[string]bool{"a": false, "b": false, "c": true} {
		if _, ok := get(w, k); ok != want {
			t.Fatalf("after flush_all: %s present %v, want %v", k, ok, want)
		}
	}
	if st := c.Stats(); st.GetFlushed != 2 || st.CurrItems != 1 || st.GetMisses != 2 {
		t.Fatalf("get_flushed %d curr_items %d get_misses %d, want 2 1 2", st.GetFlushed, st.CurrItems, st.GetMisses)
	}
	c.clock.set(c.clock.now() + 1)
	set(t, w, "d", "4")
	for k, want := range map[string]bool{"a": false, "c": true, "d": true} {
		if _, ok := get(w, k); ok != want {
			t.Fatalf("a second later: %s present %v, want %v", k, ok, want)
		}
	}
	// Flushed again; e's allocation in the same class meets d at the tail.
	w.FlushAll(-5) // negative: now
	c.clock.set(c.clock.now() + 1)
	set(t, w, "e", "5")
	if st := c.Stats(); st.Reclaimed != 1 || st.ExpiredUnfetched != 0 || st.CurrItems != 2 {
		t.Fatalf("reclaimed %d expired_unfetched %d curr_items %d, want 1 0 2 (c and e)", st.Reclaimed, st.ExpiredUnfetched, st.CurrItems)
	}
	// A flushed item is also gone for add, which stores.
	if r := store(t, w, CmdAdd, "c", "new", 0, 0, 0); r != Stored {
		t.Fatalf("add over a flushed item = %v", r)
	}
}

// Input: flush_all 10 at current_time 62, items stored at 62 and 65, read
// until the moment, one stored after it. Expected: memcached's rule:
// oldest_live becomes 71 (the moment less a second), so everything
// updated at or before 71 is visible until current_time 71 and gone from
// then on; an item stored at 72 stays.
func TestFlushAllDelayed(t *testing.T) {
	c, w := newTestCache(t, nil)
	set(t, w, "a", "1")
	w.FlushAll(10)
	c.clock.set(65)
	set(t, w, "b", "2")
	c.clock.set(70)
	for _, k := range []string{"a", "b"} {
		if _, ok := get(w, k); !ok {
			t.Fatalf("at 70: %s gone before the flush moment", k)
		}
	}
	c.clock.set(71)
	for _, k := range []string{"a", "b"} {
		if _, ok := get(w, k); ok {
			t.Fatalf("at 71: %s still there", k)
		}
	}
	c.clock.set(72)
	set(t, w, "c", "3")
	if _, ok := get(w, "c"); !ok {
		t.Fatalf("c stored after the moment is gone")
	}
}

// Input: flush_all with CAS off (-C). Expected: oldest_live is now, so
// items of this second are gone, including one stored right after the
// flush (memcached's imprecision without CAS); the next second's stay.
func TestFlushAllNoCAS(t *testing.T) {
	c, w := newTestCache(t, func(s *Settings) { s.UseCAS = false })
	set(t, w, "a", "1")
	w.FlushAll(0)
	set(t, w, "b", "2")
	if _, ok := get(w, "a"); ok {
		t.Fatal("a survived flush_all")
	}
	if _, ok := get(w, "b"); ok {
		t.Fatal("b, same second, survived flush_all without CAS")
	}
	c.clock.set(c.clock.now() + 1)
	set(t, w, "c", "3")
	if _, ok := get(w, "c"); !ok {
		t.Fatal("c, next second, gone")
	}
}

// Input: touch and gat on present and missing keys, with TTLs. Expected:
// TOUCHED/NOT_FOUND; the new exptime applies (and can remove a TTL with
// 0); the CAS stays; gat -1 returns the item once and it is gone after;
// cmd_touch, touch_hits and touch_misses count both commands; cmd_get and
// get_hits only the gets (memcached 1.6 counts a gat as a touch alone).
func TestTouchAndGat(t *testing.T) {
	c, w := newTestCache(t, nil)
	if r := store(t, w, CmdSet, "k", "v", 0, 10, 0); r != Stored {
		t.Fatal(r)
	}
	cas := casOf(w, "k")
	if !w.Touch([]byte("k"), 100) || w.Touch([]byte("missing"), 100) {
		t.Fatal("touch outcomes wrong")
	}
	c.clock.set(62 + 50)
	if _, ok := get(w, "k"); !ok {
		t.Fatal("touched to 100 s, gone after 50")
	}
	it := w.Gat([]byte("k"), 0)
	if it == nil || it.Exptime() != 0 || it.CAS() != cas || string(it.Value()) != "v" {
		t.Fatalf("gat 0 = %v", it)
	}
	w.Release(it)
	c.clock.set(1 << 30)
	if _, ok := get(w, "k"); !ok {
		t.Fatal("gat 0 left a TTL")
	}
	if it := w.Gat([]byte("k"), -1); it == nil {
		t.Fatal("gat -1 missed")
	} else {
		w.Release(it)
	}
	if it := w.Gat([]byte("k"), 100); it != nil {
		t.Fatal("gat -1 did not expire the item")
	}
	st := c.Stats()
	if st.CmdTouch != 5 || st.TouchHits != 3 || st.TouchMisses != 2 || st.CmdGet != 2 || st.GetHits != 2 {
		t.Fatalf("cmd_touch %d touch_hits %d touch_misses %d cmd_get %d get_hits %d, want 5 3 2 2 2",
			st.CmdTouch, st.TouchHits, st.TouchMisses, st.CmdGet, st.GetHits)
	}
}

// Input: incr/decr on the reference's cases. Expected: its replies and
// stored bytes: wrap at 2^64 on incr, floor 0 on decr, the in-place store
// padded with spaces to the old length ("1000" - 1 -> "999 "; the wrap
// leaves "0" and 19 spaces), a longer result a new item of exact length
// ("99" + 1 -> "100"), leading and trailing spaces accepted, the
// non-numeric values refused, a new CAS every time, hits and misses
// counted.
func TestIncrDecr(t *testing.T) {
	c, w := newTestCache(t, nil)
	steps := []struct {
		init    string // "" keeps the previous value
		incr    bool
		delta   uint64
		res     DeltaResult
		value   uint64
		stored  string
		comment string
	}{
		{"1000", false, 1, DeltaOK, 999, "999 ", "in place, padded"},
		{"", true, 1, DeltaOK, 1000, "1000", "back to 4 digits in place"},
		{"99", true, 1, DeltaOK, 100, "100", "longer: new item"},
		{"5", false, 10, DeltaOK, 0, "0", "decr floors at 0"},
		{"18446744073709551615", true, 1, DeltaOK, 0, "0" + strings.Repeat(" ", 19), "incr wraps"},
		{"18446744073709551615", true, 18446744073709551615, DeltaOK, 18446744073709551614, "18446744073709551614", "wrap by max"},
		{" 12", true, 1, DeltaOK, 13, "13 ", "leading space"},
		{"12 ", true, 1, DeltaOK, 13, "13 ", "trailing space"},
		{"+7", true, 1, DeltaOK, 8, "8 ", "strtoull's sign"},
		{"1 2", true, 1, DeltaOK, 2, "2  ", "stops at the space"},
		{"abc", true, 1, DeltaNonNumeric, 0, "abc", "letters"},
		{"-1", true, 1, DeltaNonNumeric, 0, "-1", "negative"},
		{"12abc", true, 1, DeltaNonNumeric, 0, "12abc", "trailing junk"},
		{"123456789012345678901", true, 1, DeltaNonNumeric, 0, "123456789012345678901", "21 digits"},
		{"18446744073709551616", true, 1, DeltaNonNumeric, 0, "18446744073709551616", "2^64"},
	}
	hits := 0
	for _, s := range steps {
		if s.init != "" {
			set(t, w, "n", s.init)
		}
		before := casOf(w, "n")
		res, value, cas := w.Incr([]byte("n"), s.incr, s.delta, 0)
		if res != s.res || value != s.value {
			t.Fatalf("%s: %q incr=%v %d = %v %d, want %v %d", s.comment, s.init, s.incr, s.delta, res, value, s.res, s.value)
		}
		if v, _ := get(w, "n"); v != s.stored {
			t.Fatalf("%s: stored %q, want %q", s.comment, v, s.stored)
		}
		if res == DeltaOK {
			hits++
			if cas == before || cas != casOf(w, "n") {
				t.Fatalf("%s: CAS %d (before %d, now %d): not a new one", s.comment, cas, before, casOf(w, "n"))
			}
		}
	}
	set(t, w, "empty", "")
	if res, _, _ := w.Incr([]byte("empty"), true, 1, 0); res != DeltaNonNumeric || res.String() != "CLIENT_ERROR cannot increment or decrement non-numeric value" {
		t.Fatalf("incr of an empty value = %v", res)
	}
	if res, _, _ := w.Incr([]byte("nope"), true, 1, 0); res != DeltaNotFound {
		t.Fatal("incr of a missing key found it")
	}
	w.Incr([]byte("nope"), false, 1, 0)
	if res, _, _ := w.Incr([]byte("n"), true, 1, 12345); res != DeltaCASMismatch {
		t.Fatalf("incr with a wrong CAS = %v", res)
	}
	st := c.Stats()
	if st.IncrHits+st.DecrHits != uint64(hits) || st.DecrHits != 2 || st.IncrMisses != 1 || st.DecrMisses != 1 {
		t.Fatalf("incr_hits %d decr_hits %d incr_misses %d decr_misses %d, want %d 2 1 1", st.IncrHits, st.DecrHits, st.IncrMisses, st.DecrMisses, hits-2)
	}
}

// Input: incr of "1000" while a reader holds the item (as a connection
// sending it does). Expected: memcached's refcount rule: no in-place
// write; a new item "1001" of exact length takes its place and the reader
// still sees "1000"; once released, the next incr is in place again.
func TestIncrNotInPlaceWhileRead(t *testing.T) {
	_, w := newTestCache(t, nil)
	set(t, w, "n", "1000")
	held := w.Get([]byte("n"))
	if res, v, _ := w.Incr([]byte("n"), true, 1, 0); res != DeltaOK || v != 1001 {
		t.Fatalf("incr = %v %d", res, v)
	}
	if string(held.Value()) != "1000" {
		t.Fatalf("the reader's value changed to %q", held.Value())
	}
	w.Release(held)
	it := w.Peek([]byte("n"), false)
	if it == held {
		t.Fatal("the held item was written in place")
	}
	w.Release(it)
	w.Incr([]byte("n"), false, 2, 0)
	if v, _ := get(w, "n"); v != "999 " {
		t.Fatalf("after decr 2: %q, want in place \"999 \"", v)
	}
}

// Input: tokens for safe_strtoull as the delta argument. Expected: the u64
// values memcached accepts; 2^64, -1, "abc", "" and "1x" refused.
func TestSafeStrtoull(t *testing.T) {
	for _, tc := range []struct {
		in string
		v  uint64
		ok bool
	}{
		{"0", 0, true}, {"18446744073709551615", 1<<64 - 1, true}, {"18446744073709551616", 0, false},
		{"-1", 0, false}, {"-0", 0, true}, {"abc", 0, false}, {"", 0, false}, {"1x", 0, false}, {"\t5", 5, true},
		{"12\r\n", 12, true}, {"12\x00junk", 12, true}, {"\x0012", 0, false},
	} {
		if v, ok := mcproto.SafeStrtoull([]byte(tc.in)); v != tc.v || ok != tc.ok {
			t.Errorf("mcproto.SafeStrtoull(%q) = %d %v, want %d %v", tc.in, v, ok, tc.v, tc.ok)
		}
	}
}

// Input: deletes of present, missing and expired keys, and Unlink (the
// failed set's clean-up). Expected: DELETED/NOT_FOUND, delete_hits 1,
// delete_misses 2 (the expired one counts as a miss and as get_expired),
// Unlink counts neither.
func TestDelete(t *testing.T) {
	c, w := newTestCache(t, nil)
	set(t, w, "a", "1")
	set(t, w, "u", "1")
	if r := store(t, w, CmdSet, "e", "1", 0, 1, 0); r != Stored {
		t.Fatal(r)
	}
	c.clock.set(63)
	if !w.Delete([]byte("a")) || w.Delete([]byte("a")) || w.Delete([]byte("e")) {
		t.Fatal("delete outcomes wrong")
	}
	w.Unlink([]byte("u"))
	if _, ok := get(w, "u"); ok {
		t.Fatal("Unlink left the item")
	}
	st := c.Stats()
	if st.DeleteHits != 1 || st.DeleteMisses != 2 || st.GetExpired != 1 || st.CurrItems != 0 || st.TotalMalloced != 0 {
		t.Fatalf("delete_hits %d delete_misses %d get_expired %d curr_items %d total_malloced %d, want 1 2 1 0 0",
			st.DeleteHits, st.DeleteMisses, st.GetExpired, st.CurrItems, st.TotalMalloced)
	}
}

// Input: 60 items in class 1 and 40 in class 2, every other one with a
// 10 s TTL, 5 of the expiring class-1 ones read; the clock moved past the
// TTL; Crawl with a budget of 7 called 9 times (class 1's pass). Expected: the
// crawler unlinks exactly the 50 expired items (crawler_reclaimed 50,
// expired_unfetched 45, none of it counted as reclaimed or get_expired),
// the 50 others stay, and crawler_items_checked counts every look: 60 in
// class 1, 40 and then 20 (a second pass) in class 2.
func TestCrawlExpired(t *testing.T) {
	c, w := newTestCache(t, nil)
	for i := 0; i < 100; i++ {
		val := "0123456789"
		if i >= 60 {
			val = strings.Repeat("v", 40)
		}
		exp := int64(0)
		if i%2 == 0 {
			exp = 10
		}
		if r := store(t, w, CmdSet, "k"+itoa(i), val, 0, exp, 0); r != Stored {
			t.Fatal(r)
		}
	}
	for i := 0; i < 10; i += 2 {
		get(w, "k"+itoa(i))
	}
	c.clock.set(c.clock.now() + 11)
	total := 0
	for calls := 0; calls < 9; calls++ { // ceil(60/7) = 9 calls cover class 1
		_, r := c.Crawl(7)
		total += r
	}
	st := c.Stats()
	if total != 50 || st.CrawlerReclaimed != 50 || st.ExpiredUnfetched != 45 || st.Reclaimed != 0 || st.GetExpired != 0 || st.CurrItems != 50 {
		t.Fatalf("crawled %d: crawler_reclaimed %d expired_unfetched %d reclaimed %d get_expired %d curr_items %d, want 50 50 45 0 0 50",
			total, st.CrawlerReclaimed, st.ExpiredUnfetched, st.Reclaimed, st.GetExpired, st.CurrItems)
	}
	// Class 2 finished its 40 in 6 calls, then made a whole second pass
	// over its 20 live items in the last 3 (7 + 7 + 6).
	if want := uint64(60 + 40 + 20); st.CrawlerItemsChecked != want {
		t.Fatalf("crawler_items_checked %d, want %d", st.CrawlerItemsChecked, want)
	}
	for i := 0; i < 100; i++ {
		if _, ok := get(w, "k"+itoa(i)); ok != (i%2 == 1) {
			t.Fatalf("k%d present %v", i, ok)
		}
	}
	checkAccounting(t, c)
}

// Input: the crawler's cursor item deleted between two slices, then
// flush_all and a crawl. Expected: the crawl goes on from its neighbour
// (every item looked at, none twice in the pass: 30 looks for 30 items),
// and flushed items are reclaimed without counting as expired_unfetched.
func TestCrawlCursorAndFlush(t *testing.T) {
	c, w := newTestCache(t, nil)
	for i := 0; i < 31; i++ {
		set(t, w, "k"+itoa(i), "v")
	}
	c.Crawl(10)
	cur := c.lrus[1].crawlPos
	if cur == nil {
		t.Fatal("no cursor after a partial pass")
	}
	w.Delete(cur.Key())
	if c.lrus[1].crawlPos == cur {
		t.Fatal("cursor still on the deleted item")
	}
	c.Crawl(20)
	if got := c.Stats().CrawlerItemsChecked; got != 30 || c.lrus[1].crawlPos != nil {
		t.Fatalf("%d looks after two slices (pass done: %v), want 30 and done", got, c.lrus[1].crawlPos == nil)
	}
	w.FlushAll(0)
	c.clock.set(c.clock.now() + 1)
	if _, r := c.Crawl(100); r != 30 {
		t.Fatalf("crawl after flush reclaimed %d, want 30", r)
	}
	if st := c.Stats(); st.ExpiredUnfetched != 0 || st.CurrItems != 0 || st.TotalMalloced != 0 {
		t.Fatalf("expired_unfetched %d curr_items %d total_malloced %d, want 0 0 0", st.ExpiredUnfetched, st.CurrItems, st.TotalMalloced)
	}
}
