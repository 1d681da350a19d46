package main

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bradfitz/gomemcache/memcache"
	"github.com/goae/goae/internal/testenv"
)

// A real client, bradfitz/gomemcache, against ours at --threads 1, 2 and 4
// and against a real memcached, from several goroutines sharing one
// Client (a pool of connections spread over the workers). Each goroutine
// runs the same script on keys of its own, so its transcript is
// deterministic; the transcripts are checked against what the script must
// give (gomemcacheWant) and, when memcached is installed, against
// memcached's, line by line.

// gmGoroutines is how many goroutines run the script at once.
const gmGoroutines = 8

// gmBigKey and gmBigLimit: the largest value memcached 1.6.18 stores under
// a 3-byte key with flags 0 at -I 1m (1048576 - 48 header - 8 CAS - 4 key
// - 2 "\r\n"; checked against the binary).
const (
	gmBigKey   = "big"
	gmBigLimit = 1048514
)

// gmBigSizes are the value sizes tried near -I.
var gmBigSizes = []int{512 << 10, 1<<20 - 1000, gmBigLimit - 1, gmBigLimit, gmBigLimit + 1, gmBigLimit + 2, 1 << 20, 1<<20 + 1}

// gmResult renders an outcome for the transcript: the error's text (which
// for an unexpected reply line holds the server's line), or the item.
func gmResult(it *memcache.Item, err error) string {
	if err != nil {
		return "err " + err.Error()
	}
	if it == nil {
		return "ok"
	}
	cas := "cas=0"
	if it.CasID != 0 {
		cas = "cas>0"
	}
	return fmt.Sprintf("item %q flags=%d %s", it.Value, it.Flags, cas)
}

// gmScript is what one goroutine runs, on keys under prefix p.
func gmScript(mc *memcache.Client, p string) []string {
	var out []string
	rec := func(op string, it *memcache.Item, err error) { out = append(out, op+" -> "+gmResult(it, err)) }
	recErr := func(op string, err error) { rec(op, nil, err) }
	recN := func(op string, n uint64, err error) {
		if err != nil {
			recErr(op, err)
			return
		}
		out = append(out, fmt.Sprintf("%s -> %d", op, n))
	}
	k, a, none, n := p+"k", p+"a", p+"none", p+"n"

	it, err := mc.Get(k)
	rec("get k", it, err)
	recErr("set k v1 flags 7", mc.Set(&memcache.Item{Key: k, Value: []byte("v1"), Flags: 7}))
	it, err = mc.Get(k)
	rec("get k", it, err)
	recErr("add k", mc.Add(&memcache.Item{Key: k, Value: []byte("x")}))
	recErr("add a", mc.Add(&memcache.Item{Key: a, Value: []byte("added")}))
	recErr("replace none", mc.Replace(&memcache.Item{Key: none, Value: []byte("x")}))
	recErr("replace k v2 flags 8", mc.Replace(&memcache.Item{Key: k, Value: []byte("v2"), Flags: 8}))
	it, err = mc.Get(k)
	rec("get k", it, err)

	// CAS: a fresh one succeeds, a stale one conflicts, one on a deleted
	// key misses.
	if it != nil {
		stale := *it
		it.Value = []byte("v3")
		recErr("cas k v3", mc.CompareAndSwap(it))
		stale.Value = []byte("v4")
		recErr("cas k v4 (stale)", mc.CompareAndSwap(&stale))
	}
	it, err = mc.Get(k)
	rec("get k", it, err)
	ia, err := mc.Get(a)
	rec("get a", ia, err)
	recErr("delete a", mc.Delete(a))
	if ia != nil {
		recErr("cas a (deleted)", mc.CompareAndSwap(ia))
	}

	recErr("append k", mc.Append(&memcache.Item{Key: k, Value: []byte("-app")}))
	recErr("prepend k", mc.Prepend(&memcache.Item{Key: k, Value: []byte("pre-")}))
	recErr("append none", mc.Append(&memcache.Item{Key: none, Value: []byte("x")}))
	it, err = mc.Get(k)
	rec("get k", it, err)

	// incr/decr: the 64-bit wrap, decr stopping at 0, the in-place store
	// (a shorter number padded with spaces), misses and non-numbers.
	recErr("set n 2^64-2", mc.Set(&memcache.Item{Key: n, Value: []byte("18446744073709551614")}))
	v, err := mc.Increment(n, 1)
	recN("incr n 1", v, err)
	v, err = mc.Increment(n, 1)
	recN("incr n 1 (wraps)", v, err)
	v, err = mc.Increment(n, 5)
	recN("incr n 5", v, err)
	v, err = mc.Decrement(n, 10)
	recN("decr n 10", v, err)
	it, err = mc.Get(n)
	rec("get n", it, err)
	recErr("set n 1", mc.Set(&memcache.Item{Key: n, Value: []byte("1")}))
	v, err = mc.Increment(n, 18446744073709551615)
	recN("incr n 2^64-1 (wraps)", v, err)
	v, err = mc.Decrement(none, 1)
	recN("decr none", v, err)
	v, err = mc.Increment(k, 1)
	recN("incr k (not a number)", v, err)

	recErr("touch k 100", mc.Touch(k, 100))
	recErr("touch none", mc.Touch(none, 100))
	it, err = mc.GetAndTouch(k, 200)
	rec("gat k 200", it, err)
	recErr("delete k", mc.Delete(k))
	recErr("delete k again", mc.Delete(k))
	it, err = mc.Get(k)
	rec("get k", it, err)

	// GetMulti of 1,000 keys, every other one set.
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = fmt.Sprintf("%sm%04d", p, i)
		if i%2 == 0 {
			if err := mc.Set(&memcache.Item{Key: keys[i], Value: []byte("val-" + keys[i]), Flags: uint32(i)}); err != nil {
				recErr("set "+keys[i], err)
			}
		}
	}
	m, err := mc.GetMulti(keys)
	bad := 0
	for i, key := range keys {
		got, ok := m[key]
		if ok != (i%2 == 0) || ok && (string(got.Value) != "val-"+key || got.Flags != uint32(i)) {
			bad++
		}
	}
	out = append(out, fmt.Sprintf("getmulti 1000 keys -> %d hits, %d wrong, err %v", len(m), bad, err))
	return out
}

// gmWant is what gmScript must give.
func gmWant() []string {
	return []string{
		`get k -> err memcache: cache miss`,
		`set k v1 flags 7 -> ok`,
		`get k -> item "v1" flags=7 cas>0`,
		`add k -> err memcache: item not stored`,
		`add a -> ok`,
		`replace none -> err memcache: item not stored`,
		`replace k v2 flags 8 -> ok`,
		`get k -> item "v2" flags=8 cas>0`,
		`cas k v3 -> ok`,
		`cas k v4 (stale) -> err memcache: compare-and-swap conflict`,
		`get k -> item "v3" flags=8 cas>0`,
		`get a -> item "added" flags=0 cas>0`,
		`delete a -> ok`,
		`cas a (deleted) -> err memcache: cache miss`,
		`append k -> ok`,
		`prepend k -> ok`,
		`append none -> err memcache: item not stored`,
		`get k -> item "pre-v3-app" flags=8 cas>0`,
		`set n 2^64-2 -> ok`,
		`incr n 1 -> 18446744073709551615`,
		`incr n 1 (wraps) -> 0`,
		`incr n 5 -> 5`,
		`decr n 10 -> 0`,
		`get n -> item "0                   " flags=0 cas>0`,
		`set n 1 -> ok`,
		`incr n 2^64-1 (wraps) -> 0`,
		`decr none -> err memcache: cache miss`,
		`incr k (not a number) -> err memcache: client error: cannot increment or decrement non-numeric value`,
		`touch k 100 -> ok`,
		`touch none -> err memcache: cache miss`,
		`gat k 200 -> item "pre-v3-app" flags=8 cas=0`,
		`delete k -> ok`,
		`delete k again -> err memcache: cache miss`,
		`get k -> err memcache: cache miss`,
		`getmulti 1000 keys -> 500 hits, 0 wrong, err <nil>`,
	}
}

// gmRun runs the whole sequence against addr: the script from
// gmGoroutines goroutines at once, then values near -I, then FlushAll.
// It returns the transcript.
func gmRun(t *testing.T, addr string) []string {
	t.Helper()
	mc := memcache.New(addr)
	mc.Timeout = 10 * time.Second // -race on two shared cores
	mc.MaxIdleConns = gmGoroutines
	defer mc.Close()
	if err := mc.Ping(); err != nil {
		t.Fatalf("ping %s: %v", addr, err)
	}
	outs := make([][]string, gmGoroutines)
	var wg sync.WaitGroup
	for g := range outs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[g] = gmScript(mc, fmt.Sprintf("g%d-", g))
		}()
	}
	wg.Wait()
	var out []string
	for g, o := range outs {
		for _, l := range o {
			out = append(out, fmt.Sprintf("g%d: %s", g, l))
		}
	}

	// Values near -I (1m): stored and read back whole up to the limit,
	// "SERVER_ERROR object too large for cache" past it.
	for _, size := range gmBigSizes {
		val := []byte(strings.Repeat(strconv.Itoa(size%10), size))
		err := mc.Set(&memcache.Item{Key: gmBigKey, Value: val})
		line := fmt.Sprintf("set %s %d bytes -> %s", gmBigKey, size, gmResult(nil, err))
		if err == nil {
			it, err := mc.Get(gmBigKey)
			switch {
			case err != nil:
				line += ", get: " + err.Error()
			case string(it.Value) != string(val):
				line += fmt.Sprintf(", get: %d bytes, not the value set", len(it.Value))
			default:
				line += ", read back"
			}
		} else if _, err := mc.Get(gmBigKey); err != memcache.ErrCacheMiss {
			// A set refused as too large deletes the old value.
			line += fmt.Sprintf(", old value: %v", err)
		}
		out = append(out, line)
	}

	out = append(out, "flush_all -> "+gmResult(nil, mc.FlushAll()))
	_, err := mc.Get("g0-n")
	out = append(out, "get g0-n after flush -> "+gmResult(nil, err))
	m, err := mc.GetMulti([]string{"g1-m0000", "g2-m0002", "g3-m0004"})
	out = append(out, fmt.Sprintf("getmulti after flush -> %d hits, err %v", len(m), err))
	return out
}

// gmWantAll is gmRun's whole expected transcript.
func gmWantAll() []string {
	var out []string
	for g := 0; g < gmGoroutines; g++ {
		for _, l := range gmWant() {
			out = append(out, fmt.Sprintf("g%d: %s", g, l))
		}
	}
	for _, size := range gmBigSizes {
		r := "ok, read back"
		if size > gmBigLimit {
			r = `err memcache: unexpected response line from "set": "SERVER_ERROR object too large for cache\r\n"`
		}
		out = append(out, fmt.Sprintf("set %s %d bytes -> %s", gmBigKey, size, r))
	}
	return append(out,
		"flush_all -> ok",
		"get g0-n after flush -> err memcache: cache miss",
		"getmulti after flush -> 0 hits, err <nil>")
}

// diffLines reports the lines where got and want differ.
func diffLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	for i := 0; i < max(len(got), len(want)); i++ {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Errorf("%s, line %d:\n got  %s\n want %s", what, i, g, w)
		}
	}
}

// TestGomemcache: tried the gomemcache script above from 8 goroutines
// (get/set/add/replace/cas with a conflict and a miss, append/prepend,
// incr/decr with the 64-bit wrap and the padded in-place store, touch,
// gat, delete, a 1,000-key GetMulti), values of 512 KB to 1 MB + 1 near
// -I, and FlushAll, against ours at --threads 1, 2 and 4 and against a
// real memcached 1.6.18. Expected: the transcript gmWantAll, the same from
// memcached, line by line.
func TestGomemcache(t *testing.T) {
	want := gmWantAll()
	var ours []string
	for _, n := range []int{1, 2, 4} {
		t.Run(fmt.Sprintf("threads=%d", n), func(t *testing.T) {
			s := startServer(t, func(c *config) { c.threads = n })
			ours = gmRun(t, s.Addr())
			diffLines(t, fmt.Sprintf("ours (threads %d)", n), ours, want)
		})
	}
	t.Run("memcached", func(t *testing.T) {
		port := testenv.StartMemcached(t)
		theirs := gmRun(t, fmt.Sprintf("127.0.0.1:%d", port))
		diffLines(t, "memcached", theirs, want)
		if ours != nil {
			diffLines(t, "ours against memcached", ours, theirs)
		}
	})
}
