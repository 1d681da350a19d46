package main

import (
	"strconv"
	"strings"
	"testing"
)

// Input: each storage command on a missing key and on a present one, with
// flags and exptimes that append/prepend must not take. Expected:
// memcached's outcomes (add on present, replace/append/prepend on missing
// -> NOT_STORED; cas on missing -> NOT_FOUND, wrong cas -> EXISTS, right
// cas -> STORED), the values, and append/prepend keeping the old flags,
// exptime and class counts right.
func TestStoreCommands(t *testing.T) {
	c, w := newTestCache(t, nil)
	steps := []struct {
		cmd       StoreCmd
		key, val  string
		flags     uint32
		exptime   int64
		cas       uint64 // ^0: the key's current CAS
		want      StoreResult
		wantVal   string // "" with wantGone: key must be missing
		wantFlags uint32
		wantGone  bool
	}{
		{cmd: CmdReplace, key: "a", val: "x", want: NotStored, wantGone: true},
		{cmd: CmdAppend, key: "a", val: "x", want: NotStored, wantGone: true},
		{cmd: CmdPrepend, key: "a", val: "x", want: NotStored, wantGone: true},
		{cmd: CmdCAS, key: "a", val: "x", cas: 7, want: NotFound, wantGone: true},
		{cmd: CmdAdd, key: "a", val: "one", flags: 3, want: Stored, wantVal: "one", wantFlags: 3},
		{cmd: CmdAdd, key: "a", val: "two", want: NotStored, wantVal: "one", wantFlags: 3},
		{cmd: CmdAppend, key: "a", val: "-end", flags: 9, exptime: -1, want: Stored, wantVal: "one-end", wantFlags: 3},
		{cmd: CmdPrepend, key: "a", val: "start-", flags: 9, exptime: -1, want: Stored, wantVal: "start-one-end", wantFlags: 3},
		{cmd: CmdReplace, key: "a", val: "r", flags: 4, want: Stored, wantVal: "r", wantFlags: 4},
		{cmd: CmdCAS, key: "a", val: "bad", cas: 1, want: Exists, wantVal: "r", wantFlags: 4},
		{cmd: CmdCAS, key: "a", val: "good", flags: 5, cas: ^uint64(0), want: Stored, wantVal: "good", wantFlags: 5},
		{cmd: CmdAppend, key: "a", val: "x", cas: 1, want: Exists, wantVal: "good", wantFlags: 5},
		{cmd: CmdAppend, key: "a", val: "!", cas: ^uint64(0), want: Stored, wantVal: "good!", wantFlags: 5},
		{cmd: CmdSet, key: "a", val: "", want: Stored, wantVal: "", wantFlags: 0},
		{cmd: CmdSet, key: "b", val: strings.Repeat("v", 5000), flags: 1, want: Stored, wantVal: strings.Repeat("v", 5000), wantFlags: 1},
	}
	for i, s := range steps {
		cas := s.cas
		if cas == ^uint64(0) {
			cas = casOf(w, s.key)
		}
		if got := store(t, w, s.cmd, s.key, s.val, s.flags, s.exptime, cas); got != s.want {
			t.Fatalf("step %d: cmd %d %s %q = %v, want %v", i, s.cmd, s.key, s.val, got, s.want)
		}
		it := w.Peek([]byte(s.key), false)
		if s.wantGone {
			if it != nil {
				t.Fatalf("step %d: %s present", i, s.key)
			}
			continue
		}
		if it == nil {
			t.Fatalf("step %d: %s missing", i, s.key)
		}
		if string(it.Value()) != s.wantVal || it.Flags() != s.wantFlags || it.Exptime() != 0 || string(it.Key()) != s.key {
			t.Fatalf("step %d: %s = %q flags %d exptime %d, want %q flags %d exptime 0",
				i, it.Key(), it.Value(), it.Flags(), it.Exptime(), s.wantVal, s.wantFlags)
		}
		w.Release(it)
	}
	st := c.Stats()
	if st.CurrItems != 2 || st.CasHits != 1 || st.CasBadval != 1 || st.CasMisses != 1 || st.CmdSet != uint64(len(steps)) {
		t.Fatalf("curr_items %d cas_hits %d cas_badval %d cas_misses %d cmd_set %d, want 2 1 1 1 %d",
			st.CurrItems, st.CasHits, st.CasBadval, st.CasMisses, st.CmdSet, len(steps))
	}
	// "a" (0 flags, empty value) and "b": memcached's ITEM_ntotal.
	if want := uint64(48+8+1+1+2) + uint64(48+8+1+1+4+5002); st.Bytes != want {
		t.Fatalf("bytes %d, want %d", st.Bytes, want)
	}
}

// Input: a new item, and stores, gets and deletes. Expected: the CAS
// counter gives every store a new, larger CAS starting at 1 (append and a
// replacing set included), a get or touch keeps it, and a delete's next
// store still gets a larger one.
func TestCASUnique(t *testing.T) {
	_, w := newTestCache(t, nil)
	set(t, w, "k", "1")
	if got := casOf(w, "k"); got != 1 {
		t.Fatalf("first CAS %d, want 1", got)
	}
	prev := uint64(1)
	for i, op := range []func(){
		func() { set(t, w, "k", "2") },
		func() { store(t, w, CmdAppend, "k", "3", 0, 0, 0) },
		func() { w.Incr([]byte("k"), true, 1, 0) },
		func() { w.Delete([]byte("k")); set(t, w, "k", "4") },
	} {
		op()
		got := casOf(w, "k")
		if got <= prev {
			t.Fatalf("op %d: CAS %d not above %d", i, got, prev)
		}
		prev = got
		get(w, "k")
		w.Touch([]byte("k"), 100)
		if casOf(w, "k") != prev {
			t.Fatalf("op %d: get/touch changed the CAS", i)
		}
	}
}

// Input: CAS off (-C). Expected: items carry CAS 0, and a cas command
// with any value is EXISTS (0 never matches a client's CAS).
func TestCASDisabled(t *testing.T) {
	c, w := newTestCache(t, func(s *Settings) { s.UseCAS = false })
	set(t, w, "k", "v")
	if got := casOf(w, "k"); got != 0 {
		t.Fatalf("CAS %d with CAS off", got)
	}
	if r := store(t, w, CmdCAS, "k", "w", 0, 0, 5); r != Exists {
		t.Fatalf("cas = %v, want EXISTS", r)
	}
	// bytes: no 8-byte CAS in ITEM_ntotal.
	if got, want := c.Stats().Bytes, uint64(48+1+1+1+2); got != want {
		t.Fatalf("bytes %d, want %d", got, want)
	}
}

// Input: 20,000 keys in a table of 1,024 stripes of 2 buckets each
// (hashpower 11 with one thread), so that every stripe grows several times
// under its lock, then every other key deleted. Expected: the table grew,
// each stripe's chains hold exactly the count it keeps, every key is found
// with its own value, the deleted ones are gone and the others stay.
func TestAssocGrowth(t *testing.T) {
	c, w := newTestCache(t, func(s *Settings) { s.Threads, s.HashPower = 1, 11 }) // 1024 stripes of 2 buckets
	const n = 20000
	key := func(i int) string { return "key:" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + itoa(i) }
	for i := 0; i < n; i++ {
		set(t, w, key(i), itoa(i))
	}
	if c.assoc.hashPowerLevel() <= 11 {
		t.Fatalf("hash_power_level %d after %d items: the table did not grow", c.assoc.hashPowerLevel(), n)
	}
	total := 0
	for i := range c.assoc.stripes {
		s := &c.assoc.stripes[i]
		k := 0
		for _, it := range s.buckets {
			for ; it != nil; it = it.hnext {
				k++
			}
		}
		if k != s.count {
			t.Fatalf("stripe %d holds %d items, counts %d", i, k, s.count)
		}
		total += k
	}
	if total != n {
		t.Fatalf("%d items chained, want %d", total, n)
	}
	for i := 0; i < n; i++ {
		if v, ok := get(w, key(i)); !ok || v != itoa(i) {
			t.Fatalf("get %s = %q, %v", key(i), v, ok)
		}
	}
	for i := 0; i < n; i += 2 {
		if !w.Delete([]byte(key(i))) {
			t.Fatalf("delete %s missed", key(i))
		}
	}
	for i := 0; i < n; i++ {
		if _, ok := get(w, key(i)); ok != (i%2 == 1) {
			t.Fatalf("get %s after deletes: present %v", key(i), ok)
		}
	}
	if st := c.Stats(); st.CurrItems != n/2 || st.DeleteHits != n/2 {
		t.Fatalf("curr_items %d delete_hits %d, want %d", st.CurrItems, st.DeleteHits, n/2)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
