package main

import (
	"bytes"
	"fmt"
	"math/rand"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/goae/goae/internal/mcproto"
)

// modelEntry is what the model says a key holds.
type modelEntry struct {
	val   string
	flags uint32
	cas   uint64
	held  int // references kept to this entry's item: incr cannot write in place
}

// heldRead is a value a goroutine keeps, as a connection keeps an item
// while its reply is being written, with what it read at the time.
type heldRead struct {
	it  *Item
	val string
	k   int         // key index: release under its mutex
	m   *modelEntry // the entry it was read as
}

// Input: 4 goroutines, each a worker, doing 20,000 random operations
// (set/add/replace/append/prepend, cas with the right and a wrong CAS,
// get, incr/decr, delete, touch) on 48 shared keys with values of 0 to
// 1,500 bytes (several classes, so LRUs and stripes are shared); each
// operation on a key runs while the test holds that key's mutex, so a
// model can say exactly what every reply must be. Some gets keep their item
// for a while, as a reply being sent does. Expected: every outcome, value,
// flags and CAS as the model says (0 mismatches); every kept item still
// shows the value it had when read (nothing writes over an item somebody
// holds); after all, the stats sum to the operations done and the memory
// accounting matches the items.
func TestConcurrentModel(t *testing.T) {
	const workers, opsPer, nkeys = 4, 20000, 48
	c, _ := newTestCache(t, nil)
	var mus [nkeys]sync.Mutex
	model := make([]*modelEntry, nkeys)
	var gets, sets atomic.Uint64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for g := 0; g < workers; g++ {
		wg.Add(1)
		go func(seed int64) {
			defer wg.Done()
			w := c.NewWorker()
			r := rand.New(rand.NewSource(seed))
			var held []heldRead
			fail := func(format string, a ...any) {
				errs <- fmt.Errorf(format, a...)
			}
			for op := 0; op < opsPer; op++ {
				k := r.Intn(nkeys)
				key := []byte("key-" + strconv.Itoa(k))
				mus[k].Lock()
				m := model[k]
				err := modelStep(w, r, k, key, &model[k], m, &gets, &sets, &held)
				mus[k].Unlock()
				if err != nil {
					fail("worker %d op %d key %s: %v", seed, op, key, err)
					return
				}
				if len(held) > 8 || (len(held) > 0 && r.Intn(4) == 0) {
					if err := releaseHeld(w, &mus, held[0]); err != nil {
						fail("%v", err)
						return
					}
					held = held[1:]
				}
			}
			for _, h := range held {
				if err := releaseHeld(w, &mus, h); err != nil {
					fail("%v", err)
				}
			}
		}(int64(g))
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	st := c.Stats()
	live := 0
	for _, m := range model {
		if m != nil {
			live++
		}
	}
	if st.CurrItems != uint64(live) || st.CmdGet != gets.Load() || st.CmdSet != sets.Load() {
		t.Fatalf("curr_items %d cmd_get %d cmd_set %d, want %d %d %d", st.CurrItems, st.CmdGet, st.CmdSet, live, gets.Load(), sets.Load())
	}
	checkAccounting(t, c)
}

// modelStep runs one random operation on key and checks it against the
// model entry m (nil: missing), updating *slot.
func modelStep(w *Worker, r *rand.Rand, k int, key []byte, slot **modelEntry, m *modelEntry, gets, sets *atomic.Uint64, held *[]heldRead) error {
	randVal := func() string {
		switch r.Intn(4) {
		case 0:
			return strconv.Itoa(r.Intn(100000))
		case 1:
			return ""
		}
		return string(bytes.Repeat([]byte{byte('a' + r.Intn(26))}, r.Intn(1500)))
	}
	switch op := r.Intn(10); op {
	case 0, 1, 2: // storage commands
		cmd := StoreCmd(1 + r.Intn(6))
		val, flags := randVal(), uint32(r.Intn(3))
		var casIn uint64
		if cmd == CmdCAS || (r.Intn(4) == 0 && (cmd == CmdAppend || cmd == CmdPrepend)) {
			casIn = uint64(r.Int63n(1 << 40))
			if m != nil && r.Intn(2) == 0 {
				casIn = m.cas
			}
		}
		it, err := w.Alloc(key, flags, 0, len(val))
		if err != nil {
			return err
		}
		copy(it.Data(), val)
		sets.Add(1)
		res, cas := w.Store(it, cmd, casIn)
		want, next := modelStore(m, cmd, val, flags, casIn)
		if res != want {
			return fmt.Errorf("cmd %d cas %d: %v, want %v (model %+v)", cmd, casIn, res, want, m)
		}
		if res == Stored {
			next.cas = cas
			*slot = next
		}
	case 3, 4, 5: // get, sometimes kept
		gets.Add(1)
		it := w.Get(key)
		if (it != nil) != (m != nil) {
			return fmt.Errorf("get: present %v, model %+v", it != nil, m)
		}
		if it == nil {
			return nil
		}
		if string(it.Value()) != m.val || it.Flags() != m.flags || it.CAS() != m.cas {
			return fmt.Errorf("get: %q flags %d cas %d, model %+v", it.Value(), it.Flags(), it.CAS(), m)
		}
		if r.Intn(3) == 0 {
			m.held++
			*held = append(*held, heldRead{it, m.val, k, m})
		} else {
			w.Release(it)
		}
	case 6, 7: // incr/decr
		incr, delta := r.Intn(2) == 0, uint64(r.Intn(1000))
		res, v, cas := w.Incr(key, incr, delta, 0)
		if m == nil {
			if res != DeltaNotFound {
				return fmt.Errorf("incr on missing: %v", res)
			}
			return nil
		}
		n, ok := mcproto.SafeStrtoull([]byte(m.val + "\r\n"))
		if len(m.val) == 0 || !ok {
			if res != DeltaNonNumeric {
				return fmt.Errorf("incr of %q: %v", m.val, res)
			}
			return nil
		}
		if incr {
			n += delta
		} else if delta > n {
			n = 0
		} else {
			n -= delta
		}
		if res != DeltaOK || v != n {
			return fmt.Errorf("incr=%v %d of %q: %v %d, want %d", incr, delta, m.val, res, v, n)
		}
		s := strconv.FormatUint(n, 10)
		if len(s) <= len(m.val) && m.held == 0 {
			s += string(bytes.Repeat([]byte{' '}, len(m.val)-len(s)))
		}
		*slot = &modelEntry{val: s, flags: m.flags, cas: cas}
	case 8:
		if got := w.Delete(key); got != (m != nil) {
			return fmt.Errorf("delete: %v, model %+v", got, m)
		}
		*slot = nil
	case 9:
		if got := w.Touch(key, 0); got != (m != nil) {
			return fmt.Errorf("touch: %v, model %+v", got, m)
		}
	}
	return nil
}

// releaseHeld checks a kept item still shows what was read and gives it
// back, under its key's mutex so that the model's held count is exact.
func releaseHeld(w *Worker, mus *[48]sync.Mutex, h heldRead) error {
	mus[h.k].Lock()
	defer mus[h.k].Unlock()
	if string(h.it.Value()) != h.val {
		return fmt.Errorf("held item %s changed from %q to %q", h.it.Key(), h.val, h.it.Value())
	}
	h.m.held--
	w.Release(h.it)
	return nil
}

// modelStore is do_store_item's rules on the model.
func modelStore(m *modelEntry, cmd StoreCmd, val string, flags uint32, casIn uint64) (StoreResult, *modelEntry) {
	if m == nil {
		switch cmd {
		case CmdSet, CmdAdd:
			return Stored, &modelEntry{val: val, flags: flags}
		case CmdCAS:
			return NotFound, nil
		}
		return NotStored, nil
	}
	switch cmd {
	case CmdAdd:
		return NotStored, nil
	case CmdCAS:
		if casIn != m.cas {
			return Exists, nil
		}
	case CmdAppend, CmdPrepend:
		if casIn != 0 && casIn != m.cas {
			return Exists, nil
		}
		if cmd == CmdAppend {
			return Stored, &modelEntry{val: m.val + val, flags: m.flags}
		}
		return Stored, &modelEntry{val: val + m.val, flags: m.flags}
	}
	return Stored, &modelEntry{val: val, flags: flags}
}

// checkAccounting checks, with no item held or in flight, that every
// linked item is on its class's LRU with consistent links, found in the
// table, held only by it; and that the bytes accounted (in all and per
// class) are exactly those of the linked items.
func checkAccounting(t *testing.T, c *Cache) {
	t.Helper()
	var total int64
	var items uint64
	w := &Worker{c: c}
	for id := powerSmallest; id <= c.slabs.largest; id++ {
		l := &c.lrus[id]
		var n uint64
		var sum, chunks int64
		var prev *Item
		for it := l.head; it != nil; it = it.next {
			if it.prev != prev || int(it.clsid) != id || it.iflags&itemLinked == 0 || it.refcount.Load() != 1 {
				t.Fatalf("class %d: item %q: prev ok %v class %d linked %v refcount %d",
					id, it.Key(), it.prev == prev, it.clsid, it.iflags&itemLinked != 0, it.refcount.Load())
			}
			st := c.assoc.stripeOf(it.hv)
			if c.assoc.find(st, it.Key(), it.hv) != it {
				t.Fatalf("class %d: %q on the LRU, not in the table", id, it.Key())
			}
			_, need := c.itemSizes(int(it.nkey), it.flags, int(it.nbytes))
			_, k := c.slabs.allocSize(need)
			chunks += int64(k)
			sum += int64(it.alloc)
			n++
			prev = it
		}
		if l.tail != prev || l.number != n {
			t.Fatalf("class %d: tail ok %v, number %d, walked %d", id, l.tail == prev, l.number, n)
		}
		sc := &c.slabs.classes[id]
		if sc.usedBytes.Load() != sum || sc.usedChunks.Load() != chunks {
			t.Fatalf("class %d: used bytes %d chunks %d, items hold %d and %d", id, sc.usedBytes.Load(), sc.usedChunks.Load(), sum, chunks)
		}
		total += sum
		items += n
	}
	var chained int
	for i := range c.assoc.stripes {
		chained += c.assoc.stripes[i].count
	}
	if got := c.mem.Load(); got != total || uint64(chained) != items {
		t.Fatalf("%d bytes accounted, items hold %d; %d items chained, %d on LRUs", got, total, chained, items)
	}
	_ = w
}

// Input: 4 goroutines each doing 5,000 incr by 1 of one key, with no lock
// of the test's. Expected: the final value is 20,000 and the values the
// incrs returned are exactly 1..20,000, each once (every incr atomic).
func TestConcurrentIncrOneKey(t *testing.T) {
	const workers, per = 4, 5000
	c, w0 := newTestCache(t, nil)
	set(t, w0, "n", "0")
	results := make([][]uint64, workers)
	var wg sync.WaitGroup
	for g := 0; g < workers; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			w := c.NewWorker()
			for i := 0; i < per; i++ {
				res, v, _ := w.Incr([]byte("n"), true, 1, 0)
				if res != DeltaOK {
					t.Errorf("incr: %v", res)
					return
				}
				results[g] = append(results[g], v)
			}
		}(g)
	}
	wg.Wait()
	var all []uint64
	for _, r := range results {
		all = append(all, r...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	for i, v := range all {
		if v != uint64(i+1) {
			t.Fatalf("incr results: position %d holds %d", i, v)
		}
	}
	if v, _ := get(w0, "n"); v != strconv.Itoa(workers*per) {
		t.Fatalf("final %q", v)
	}
}

// Input: 4 goroutines each making 2,000 increments of one counter by gets
// then cas, retrying on EXISTS, with no lock of the test's. Expected: the
// counter ends at 8,000; cas_hits is 8,000 and cas_badval the number of
// EXISTS the goroutines saw.
func TestConcurrentCASLoop(t *testing.T) {
	const workers, per = 4, 2000
	c, w0 := newTestCache(t, nil)
	set(t, w0, "c", "0")
	var badval atomic.Uint64
	var wg sync.WaitGroup
	for g := 0; g < workers; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := c.NewWorker()
			for i := 0; i < per; {
				it := w.Get([]byte("c"))
				n, _ := strconv.Atoi(string(it.Value()))
				cas := it.CAS()
				w.Release(it)
				val := strconv.Itoa(n + 1)
				nit, err := w.Alloc([]byte("c"), 0, 0, len(val))
				if err != nil {
					t.Error(err)
					return
				}
				copy(nit.Data(), val)
				switch res, _ := w.Store(nit, CmdCAS, cas); res {
				case Stored:
					i++
				case Exists:
					badval.Add(1)
				default:
					t.Errorf("cas: %v", res)
					return
				}
			}
		}()
	}
	wg.Wait()
	st := c.Stats()
	if v, _ := get(w0, "c"); v != strconv.Itoa(workers*per) || st.CasHits != workers*per || st.CasBadval != badval.Load() {
		t.Fatalf("counter %q cas_hits %d cas_badval %d (seen %d), want %d %d", v, st.CasHits, st.CasBadval, badval.Load(), workers*per, workers*per)
	}
}

// Input: 4 goroutines each adding the same 2,000 keys, each its own value.
// Expected: exactly one STORED per key, and the key holds the winner's
// value.
func TestConcurrentAdd(t *testing.T) {
	const workers, nkeys = 4, 2000
	c, w0 := newTestCache(t, nil)
	winners := make([][]int32, workers)
	var wg sync.WaitGroup
	for g := 0; g < workers; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			w := c.NewWorker()
			winners[g] = make([]int32, nkeys)
			for k := 0; k < nkeys; k++ {
				if store(t, w, CmdAdd, "k"+strconv.Itoa(k), strconv.Itoa(g), 0, 0, 0) == Stored {
					winners[g][k] = 1
				}
			}
		}(g)
	}
	wg.Wait()
	for k := 0; k < nkeys; k++ {
		n, who := 0, -1
		for g := 0; g < workers; g++ {
			if winners[g][k] == 1 {
				n++
				who = g
			}
		}
		if v, _ := get(w0, "k"+strconv.Itoa(k)); n != 1 || v != strconv.Itoa(who) {
			t.Fatalf("key %d: %d adds stored, value %q, winner %d", k, n, v, who)
		}
	}
}

// fillVal is a value all of whose bytes are a letter chosen by the key's
// last digit: a value read for a key (appends included) must be made of
// that letter only (and is never a number, so incr leaves it alone).
func fillVal(key []byte, n int) []byte { return bytes.Repeat([]byte{'a' + key[len(key)-1] - '0'}, n) }

// Input: 4 goroutines doing random sets (0 to 3,000 bytes, so many
// classes), appends, gets that keep items a while, deletes and incrs on
// 400 keys into -m 64 KB (-I 4 KB), far less than they write, some with
// TTLs of 1-2 s while the clock moves; a fifth goroutine reads the
// accounting all along and runs the LRU crawler in slices. Expected: the bytes accounted
// are never above -m, seen by every store and by the watcher; every value
// read is its own key's (no item crosses keys); evictions happen; at the
// end the accounting equals the linked items' chunks exactly.
func TestHardMemoryLimitConcurrent(t *testing.T) {
	const workers, opsPer, nkeys = 4, 15000, 400
	c, _ := newTestCache(t, func(s *Settings) { s.MaxBytes, s.ItemSizeMax = 64<<10, 4096 })
	limit := c.settings.MaxBytes
	stop := make(chan struct{})
	var peak atomic.Int64
	var watcher sync.WaitGroup
	watcher.Add(1)
	go func() {
		defer watcher.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if m := c.mem.Load(); m > peak.Load() {
				peak.Store(m)
			}
			c.Crawl(20) // the LRU crawler's slices, as a timer would run them
		}
	}()
	var wg sync.WaitGroup
	for g := 0; g < workers; g++ {
		wg.Add(1)
		go func(seed int64) {
			defer wg.Done()
			w := c.NewWorker()
			r := rand.New(rand.NewSource(seed))
			var held []*Item
			for op := 0; op < opsPer; op++ {
				key := []byte("key" + strconv.Itoa(r.Intn(nkeys)))
				if seed == 0 && op%1000 == 999 {
					c.clock.set(c.clock.now() + 1) // 1-2 s TTLs run out
				}
				switch r.Intn(6) {
				case 0, 1:
					n := r.Intn(3000)
					if r.Intn(4) == 0 {
						n = r.Intn(50)
					}
					it, err := w.Alloc(key, 0, int64(r.Intn(3)), n)
					if err == ErrNoMemory {
						continue // everything at the tails held or locked: allowed
					} else if err != nil {
						t.Error(err)
						return
					}
					copy(it.Data(), fillVal(key, n))
					w.Store(it, CmdSet, 0)
				case 2:
					it, err := w.Alloc(key, 0, 0, 10)
					if err != nil {
						continue
					}
					copy(it.Data(), fillVal(key, 10))
					w.Store(it, CmdAppend, 0)
				case 3:
					if it := w.Get(key); it != nil {
						if !bytes.Equal(it.Value(), fillVal(key, len(it.Value()))) {
							t.Errorf("key %s holds a value not its own: %.40q", key, it.Value())
							return
						}
						held = append(held, it)
					}
				case 4:
					w.Delete(key)
				case 5:
					w.Incr(key, true, 1, 0)
				}
				if m := c.mem.Load(); m > limit {
					t.Errorf("%d bytes accounted, -m %d", m, limit)
					return
				}
				if len(held) > 4 {
					w.Release(held[0])
					held = held[1:]
				}
			}
			for _, it := range held {
				w.Release(it)
			}
		}(int64(g))
	}
	wg.Wait()
	close(stop)
	watcher.Wait()
	if p := peak.Load(); p > limit {
		t.Fatalf("peak %d bytes accounted, -m %d", p, limit)
	}
	st := c.Stats()
	if st.Evictions == 0 || st.TotalMalloced > limit {
		t.Fatalf("evictions %d total_malloced %d: the workload did not press on -m", st.Evictions, st.TotalMalloced)
	}
	checkAccounting(t, c)
	t.Logf("evictions %d reclaimed %d curr_items %d total_malloced %d peak %d", st.Evictions, st.Reclaimed, st.CurrItems, st.TotalMalloced, peak.Load())
}

// Input: one goroutine, 30,000 random sets, appends, deletes and kept
// gets into -m 32 KB, checking after every step. Expected: the accounting
// is never above -m, and every 500 steps (readers let go) it equals the
// linked items' chunks exactly.
func TestHardMemoryLimitSequential(t *testing.T) {
	c, w := newTestCache(t, func(s *Settings) { s.MaxBytes, s.ItemSizeMax = 32<<10, 4096 })
	r := rand.New(rand.NewSource(1))
	var held []*Item
	for op := 0; op < 30000; op++ {
		key := []byte("k" + strconv.Itoa(r.Intn(200)))
		switch r.Intn(4) {
		case 0, 1:
			n := r.Intn(4000)
			if it, err := w.Alloc(key, uint32(r.Intn(2)), 0, n); err == nil {
				w.Store(it, CmdSet, 0)
			} else if err != ErrNoMemory {
				t.Fatal(err)
			}
		case 2:
			if it, err := w.Alloc(key, 0, 0, r.Intn(100)); err == nil {
				w.Store(it, CmdAppend, 0)
			}
		case 3:
			if it := w.Get(key); it != nil {
				held = append(held, it)
			}
		}
		if m := c.mem.Load(); m > c.settings.MaxBytes {
			t.Fatalf("op %d: %d bytes accounted, -m %d", op, m, c.settings.MaxBytes)
		}
		if len(held) > 3 {
			w.Release(held[0])
			held = held[1:]
		}
		if op%500 == 499 {
			for _, it := range held {
				w.Release(it)
			}
			held = held[:0]
			checkAccounting(t, c)
		}
	}
	if c.Stats().Evictions == 0 {
		t.Fatal("no evictions: the workload did not press on -m")
	}
}
