package main

import (
	"strconv"
	"sync"

	"github.com/goae/goae/internal/mcproto"
)

// The storage operations a worker runs for a command: memcached.c's
// do_store_item and do_add_delta, items.c's do_item_get/do_item_touch and
// thread.c's item_* wrappers that take the key's item lock around them.
// Each takes one item lock (its key's), counts into the worker's own stats
// block (one lock of the worker's, never contended but by `stats`), and
// never blocks on another worker but for the same stripe.

// Worker is one worker thread's handle on the shared cache: its stats
// block (LIBEVENT_THREAD's stats) and the operations. A Worker is used by
// one goroutine at a time; `stats` reads it from another, under statsMu.
type Worker struct {
	c       *Cache
	statsMu sync.Mutex
	stats   threadStats
}

// NewWorker registers a worker whose stats `stats` will sum.
func (c *Cache) NewWorker() *Worker {
	w := &Worker{c: c}
	c.workersMu.Lock()
	c.workers = append(c.workers, w)
	c.workersMu.Unlock()
	return w
}

// Cache returns the cache w works on.
func (w *Worker) Cache() *Cache { return w.c }

// StoreCmd is the storage command (NREAD_*).
type StoreCmd uint8

// Storage commands, with memcached's numbers.
const (
	CmdAdd StoreCmd = iota + 1
	CmdSet
	CmdReplace
	CmdAppend
	CmdPrepend
	CmdCAS
)

// StoreResult is enum store_item_type.
type StoreResult uint8

// Store outcomes.
const (
	NotStored StoreResult = iota
	Stored
	Exists
	NotFound
)

var storeReplies = [...]string{"NOT_STORED", "STORED", "EXISTS", "NOT_FOUND"}

// String is the text protocol's reply line (without "\r\n").
func (r StoreResult) String() string { return storeReplies[r] }

// Alloc is item_alloc as process_update_command calls it: an item for key
// with flags and the client's exptime, room for a value of vlen bytes and
// "\r\n" (Data), to read the value into. Store or Discard it. It fails with
// ErrTooLarge (above -I, counted as store_too_large) or ErrNoMemory
// (nothing evictable, or -M; store_no_memory); a set that fails so must
// then Unlink the key's old value, as memcached does.
func (w *Worker) Alloc(key []byte, flags uint32, exptime int64, vlen int) (*Item, error) {
	c := w.c
	it, err := c.itemAlloc(w, key, c.assoc.hash(key), flags, c.clock.realtime(exptime), vlen, nil)
	if err != nil {
		w.statsMu.Lock()
		if err == ErrTooLarge {
			w.stats.storeTooLarge++
		} else if err == ErrNoMemory {
			w.stats.storeNoMemory++
		}
		w.statsMu.Unlock()
	}
	return it, err
}

// Discard gives back an item from Alloc that will not be stored (the
// client went away in the middle of its value).
func (w *Worker) Discard(it *Item) { w.c.release(it) }

// BadDataChunk gives back an item whose value did not end in "\r\n",
// counting it in cmd_set as complete_nread_ascii does.
func (w *Worker) BadDataChunk(it *Item) {
	w.statsMu.Lock()
	w.stats.slab[it.clsid].setCmds++
	w.statsMu.Unlock()
	w.c.release(it)
}

// Store is store_item: link it by cmd's rules, with casIn the client's
// CAS (0 for none; it matters for cas, append and prepend). It consumes
// the caller's reference to it, whatever the outcome, and returns the
// outcome and, when stored, the item's new CAS.
func (w *Worker) Store(it *Item, cmd StoreCmd, casIn uint64) (StoreResult, uint64) {
	return w.storeItem(it, cmd, casIn, false)
}

// storeItem is Store with store_item's cas_stale: ms with I, whose cas
// may store a value older than the item's as stale (doStoreItem).
func (w *Worker) storeItem(it *Item, cmd StoreCmd, casIn uint64, casStale bool) (StoreResult, uint64) {
	c := w.c
	st := c.assoc.stripeOf(it.hv)
	st.mu.Lock()
	res, cas, cs, csClass := c.doStoreItem(w, it, cmd, st, casIn, casStale)
	st.mu.Unlock()
	w.statsMu.Lock()
	w.stats.slab[it.clsid].setCmds++
	switch cs {
	case casHit:
		w.stats.slab[csClass].casHits++
	case casBadval:
		w.stats.slab[csClass].casBadval++
	case casMiss:
		w.stats.casMisses++
	}
	w.statsMu.Unlock()
	c.release(it)
	return res, cas
}

// casStat is which CAS counter a store moves.
type casStat uint8

const (
	casNoStat casStat = iota
	casHit
	casBadval
	casMiss
)

// doStoreItem is do_store_item. The caller holds st, it's stripe.
func (c *Cache) doStoreItem(w *Worker, it *Item, cmd StoreCmd, st *stripe, casIn uint64, casStale bool) (res StoreResult, cas uint64, cs casStat, csClass uint8) {
	key := it.Key()
	old := c.itemGet(w, key, it.hv, st, false)
	linked := it
	if old == nil {
		switch cmd {
		case CmdAdd, CmdSet:
			c.link(it, st)
			res = Stored
		case CmdCAS:
			res, cs = NotFound, casMiss
		}
		// replace, append, prepend need an item.
	} else {
		casMatch, casNone := casIn == old.cas, casIn == 0
		doStore := false
		var newIt *Item
		switch cmd {
		case CmdAdd:
			// add only adds a missing item, but refreshes the old one.
			c.update(old, c.clock.now())
		case CmdCAS:
			switch {
			case !casNone && casMatch:
				cs, csClass, doStore = casHit, old.clsid, true
			case casStale && !casNone && casIn < old.cas:
				// CAS_STALE (ms I with a CAS older than the item's): the
				// value is stored all the same, counted as a hit, but
				// keeps the old TTL and is marked stale, its token sent
				// if the old one's was, so mg shows X (and W to the first
				// reader, as after md I).
				it.exptime.Store(old.exptime.Load())
				it.iflags |= itemStale | old.iflags&itemTokenSent
				cs, csClass, doStore = casHit, old.clsid, true
			default:
				cs, csClass, res = casBadval, old.clsid, Exists
			}
		case CmdAppend, CmdPrepend:
			if !casNone && !casMatch {
				res = Exists
				break
			}
			vlen := int(old.nbytes-2) + int(it.nbytes-2)
			var err error
			newIt, err = c.itemAlloc(w, key, it.hv, old.flags, old.exptime.Load(), vlen, st)
			if err != nil {
				break // NOT_STORED: too large, or no memory for the copy
			}
			d := newIt.Data()
			if cmd == CmdAppend {
				copy(d[copy(d, old.Value()):], it.Data())
			} else {
				copy(d[copy(d, it.Value()):], old.Data())
			}
			linked, doStore = newIt, true
		case CmdReplace, CmdSet:
			doStore = true
		}
		if doStore {
			c.replace(old, linked, st)
			res = Stored
		}
		c.release(old)
		if newIt != nil {
			c.release(newIt)
		}
	}
	if res == Stored {
		cas = linked.cas
	}
	return res, cas, cs, csClass
}

// Get is item_get for get/gets: the live item at key, with a reference the
// caller gives back by Release once its value is sent, or nil. A hit marks
// the item read (do_item_bump). Counts cmd_get, get_hits or get_misses.
func (w *Worker) Get(key []byte) *Item {
	c := w.c
	hv := c.assoc.hash(key)
	st := c.assoc.stripeOf(hv)
	st.mu.Lock()
	it := c.itemGet(w, key, hv, st, true)
	st.mu.Unlock()
	w.statsMu.Lock()
	w.stats.getCmds++
	if it != nil {
		w.stats.slab[it.clsid].getHits++
	} else {
		w.stats.getMisses++
	}
	w.statsMu.Unlock()
	return it
}

// Peek is item_get without stats and, unless update, without marking the
// item read: for the meta commands, which count for themselves.
func (w *Worker) Peek(key []byte, update bool) *Item {
	c := w.c
	hv := c.assoc.hash(key)
	st := c.assoc.stripeOf(hv)
	st.mu.Lock()
	it := c.itemGet(w, key, hv, st, update)
	st.mu.Unlock()
	return it
}

// PeekMeta is Peek that also reports, as they were under the item lock,
// whether the item had been read before this look (mg h) and when it was
// last accessed (mg l).
func (w *Worker) PeekMeta(key []byte, update bool) (it *Item, fetchedBefore bool, lastAccess relTime) {
	c := w.c
	hv := c.assoc.hash(key)
	st := c.assoc.stripeOf(hv)
	st.mu.Lock()
	if it = c.assoc.find(st, key, hv); it != nil {
		fetchedBefore, lastAccess = it.iflags&itemFetched != 0, it.time.Load()
	}
	it = c.itemGet(w, key, hv, st, update)
	st.mu.Unlock()
	return it, fetchedBefore, lastAccess
}

// Release gives back a reference from Get, Gat or Peek.
func (w *Worker) Release(it *Item) { w.c.release(it) }

// touch is item_touch (do_item_touch): get and set a new exptime.
func (w *Worker) touch(key []byte, exptime int64) *Item {
	c := w.c
	hv := c.assoc.hash(key)
	st := c.assoc.stripeOf(hv)
	st.mu.Lock()
	it := c.itemGet(w, key, hv, st, true)
	if it != nil {
		it.exptime.Store(c.clock.realtime(exptime))
	}
	st.mu.Unlock()
	return it
}

// Gat is item_touch for gat/gats: as Get, and the item's exptime becomes
// exptime (client rules; the CAS stays). Counts cmd_touch and touch_hits
// or touch_misses (not cmd_get), as process_get_command does for gat.
func (w *Worker) Gat(key []byte, exptime int64) *Item {
	it := w.touch(key, exptime)
	w.statsMu.Lock()
	w.stats.touchCmds++
	if it != nil {
		w.stats.slab[it.clsid].touchHits++
	} else {
		w.stats.touchMisses++
	}
	w.statsMu.Unlock()
	return it
}

// Touch is process_touch_command's storage part: true (TOUCHED) when key
// was there and now has exptime, false (NOT_FOUND).
func (w *Worker) Touch(key []byte, exptime int64) bool {
	it := w.touch(key, exptime)
	w.statsMu.Lock()
	w.stats.touchCmds++
	if it != nil {
		w.stats.slab[it.clsid].touchHits++
	} else {
		w.stats.touchMisses++
	}
	w.statsMu.Unlock()
	if it == nil {
		return false
	}
	w.c.release(it)
	return true
}

// Delete is process_delete_command's storage part: true (DELETED) when
// key was there, false (NOT_FOUND). Counts delete_hits or delete_misses.
func (w *Worker) Delete(key []byte) bool {
	it := w.unlinkKey(key)
	w.statsMu.Lock()
	if it != nil {
		w.stats.slab[it.clsid].deleteHits++
	} else {
		w.stats.deleteMisses++
	}
	w.statsMu.Unlock()
	if it == nil {
		return false
	}
	w.c.release(it)
	return true
}

// Unlink removes key's item without counting a delete: what a set that
// failed for size or memory does to the old value.
func (w *Worker) Unlink(key []byte) {
	if it := w.unlinkKey(key); it != nil {
		w.c.release(it)
	}
}

// unlinkKey unlinks key's live item and returns it with a reference.
func (w *Worker) unlinkKey(key []byte) *Item {
	c := w.c
	hv := c.assoc.hash(key)
	st := c.assoc.stripeOf(hv)
	st.mu.Lock()
	it := c.itemGet(w, key, hv, st, false)
	if it != nil {
		c.unlink(it, st)
	}
	st.mu.Unlock()
	return it
}

// FlushAll is flush_all: counts cmd_flush and flushes (Cache.FlushAll).
func (w *Worker) FlushAll(exptime int64) {
	w.c.FlushAll(exptime)
	w.statsMu.Lock()
	w.stats.flushCmds++
	w.statsMu.Unlock()
}

// DeltaResult is enum delta_result_type.
type DeltaResult uint8

// incr/decr outcomes.
const (
	DeltaOK DeltaResult = iota
	DeltaNonNumeric
	DeltaEOM
	DeltaNotFound
	DeltaCASMismatch
)

var deltaReplies = [...]string{
	"", "CLIENT_ERROR cannot increment or decrement non-numeric value",
	"SERVER_ERROR out of memory", "NOT_FOUND", "EXISTS",
}

// String is the reply line of a failed incr/decr (empty for DeltaOK, whose
// reply is the value).
func (r DeltaResult) String() string { return deltaReplies[r] }

// Incr is add_delta for incr (incr true) and decr: the value, a decimal
// u64, plus or minus delta (incr wraps mod 2^64, decr stops at 0), with
// casIn (0 for none) to compare first (ma C). It returns the outcome, the
// new value and the item's new CAS. A result no longer than the stored
// value is written in place padded with spaces; a longer one makes a new
// item. Counts incr_hits/decr_hits or incr_misses/decr_misses.
func (w *Worker) Incr(key []byte, incr bool, delta, casIn uint64) (DeltaResult, uint64, uint64) {
	c := w.c
	hv := c.assoc.hash(key)
	st := c.assoc.stripeOf(hv)
	st.mu.Lock()
	res, value, cas, cls := c.addDelta(w, key, hv, st, incr, delta, casIn)
	st.mu.Unlock()
	w.statsMu.Lock()
	switch {
	case res == DeltaNotFound && incr:
		w.stats.incrMisses++
	case res == DeltaNotFound:
		w.stats.decrMisses++
	case cls != 0 && incr:
		w.stats.slab[cls].incrHits++
	case cls != 0:
		w.stats.slab[cls].decrHits++
	}
	w.statsMu.Unlock()
	return res, value, cas
}

// addDelta is do_add_delta; cls is the item's class when the value was
// numeric (memcached counts the hit then, even if the new item cannot be
// had). The caller holds st.
func (c *Cache) addDelta(w *Worker, key []byte, hv uint32, st *stripe, incr bool, delta, casIn uint64) (res DeltaResult, value, cas uint64, cls uint8) {
	it := c.itemGet(w, key, hv, st, false)
	if it == nil {
		return DeltaNotFound, 0, 0, 0
	}
	defer c.release(it)
	// Zero-length and chunked values cannot be numbers.
	if it.nbytes <= 2 || it.iflags&itemChunked != 0 {
		return DeltaNonNumeric, 0, 0, 0
	}
	if casIn != 0 && it.cas != casIn {
		return DeltaCASMismatch, 0, 0, 0
	}
	value, ok := mcproto.SafeStrtoull(it.Data())
	if !ok {
		return DeltaNonNumeric, 0, 0, 0
	}
	if incr {
		value += delta
	} else if delta > value {
		value = 0
	} else {
		value -= delta
	}
	cls = it.clsid
	var buf [20]byte
	num := strconv.AppendUint(buf[:0], value, 10)
	// refcount 2: the table's and ours, so nobody is reading the value; we
	// hold the item lock, so nobody can start to.
	if len(num)+2 <= int(it.nbytes) && it.refcount.Load() == 2 {
		if c.settings.UseCAS {
			it.cas = c.nextCAS()
		}
		v := it.Value()
		for i := copy(v, num); i < len(v); i++ {
			v[i] = ' '
		}
		c.update(it, c.clock.now())
		return DeltaOK, value, it.cas, cls
	}
	newIt, err := c.itemAlloc(w, key, hv, it.flags, it.exptime.Load(), len(num), st)
	if err != nil {
		return DeltaEOM, 0, 0, cls
	}
	copy(newIt.Data(), num)
	c.replace(it, newIt, st)
	cas = newIt.cas
	c.release(newIt)
	return DeltaOK, value, cas, cls
}
