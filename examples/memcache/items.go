package main

import (
	"errors"
	"reflect"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Items and their LRUs (items.c), and the cache that holds them.
//
// The storage is these files, each the memcached file of its concern:
// items.go (the item layout, the LRUs, eviction, the crawler, the Cache),
// assoc.go (the striped table and item locks), slabs.go (size classes and
// what an item costs), store.go (the operations a worker runs: Alloc,
// Store, Get, Gat, Touch, Delete, Incr, FlushAll), stats.go (per-worker
// counters and their sums), clock.go (current_time and exptime rules).
//
// An item is one allocation: the Item header below, then the key, then the
// value with its "\r\n", as memcached lays out an item in its slab chunk
// (ITEM_key, ITEM_data). The allocation is a Go type made per size class
// (a struct of the header and a byte array, see itemType), so the garbage
// collector sees the header's pointers and skips the bytes, and the key and
// value cost no allocation of their own. Once linked, an item's key, value,
// flags and size do not change: a store links a new item in place of the
// old one (item_replace). The one exception is memcached's: incr/decr
// rewrites a value in place when nobody else holds the item.
//
// Reference counts are memcached's: the table holds one, every Get another
// until Release. An item whose count falls to zero is freed: its bytes
// leave the -m accounting (the memory itself goes back to Go's allocator).
// Readers keep a value alive while they send it, and the eviction and the
// in-place incr skip items somebody holds, as memcached's do.

// Item is the header of an item (struct _stritem). Its fields are read
// under the item lock of its key; the LRU links under its class's LRU lock;
// time and exptime are atomics because `stats items` and touch write or read
// them from other locks.
type Item struct {
	next, prev *Item // LRU, head = most recent (it->next, it->prev)
	hnext      *Item // hash chain (it->h_next)
	cas        uint64
	hv         uint32        // hash of the key
	time       atomic.Uint32 // last access, relTime
	exptime    atomic.Uint32 // relTime, 0 = never
	flags      uint32        // client flags
	nbytes     uint32        // value length + 2 for "\r\n"
	refcount   atomic.Int32
	alloc      uint32 // bytes accounted against -m
	nkey       uint8
	clsid      uint8
	iflags     uint8
	// key, then value and "\r\n"
}

// itemHeaderSize is the Go header's size: the key starts there.
const itemHeaderSize = int(unsafe.Sizeof(Item{}))

// iflags (it_flags).
const (
	itemLinked    = 1 << iota // in the table and an LRU
	itemFetched               // read at least once since it was stored
	itemActive                // read again: gets one more trip round the LRU
	itemChunked               // larger than the largest chunk
	itemTokenSent             // mg handed out its recache token (W)
	itemStale                 // md I marked it stale (X)
	itemKeyBinary             // stored with the meta b flag: k shows it in base64
)

// keyMaxLength is KEY_MAX_LENGTH.
const keyMaxLength = 250

// itemType is the Go type of an item allocation of size bytes.
func itemType(size int) reflect.Type {
	return reflect.StructOf([]reflect.StructField{
		{Name: "H", Type: reflect.TypeOf(Item{})},
		{Name: "B", Type: reflect.ArrayOf(size-itemHeaderSize, reflect.TypeOf(byte(0)))},
	})
}

// tail returns the n bytes after the header.
func (it *Item) tail(n int) []byte {
	return unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(it), itemHeaderSize)), n)
}

// Key is ITEM_key.
func (it *Item) Key() []byte { return it.tail(int(it.nkey)) }

// Data is ITEM_data: the value followed by "\r\n", the bytes a reply sends
// after its VALUE line, and where conn_nread reads a value into.
func (it *Item) Data() []byte { return it.tail(int(it.nkey) + int(it.nbytes))[it.nkey:] }

// Value is the value without its "\r\n".
func (it *Item) Value() []byte { return it.Data()[:it.nbytes-2] }

// Flags is the client's flags.
func (it *Item) Flags() uint32 { return it.flags }

// CAS is the item's CAS unique (0 when CAS is off).
func (it *Item) CAS() uint64 { return it.cas }

// Exptime is the item's expiry as relTime (0 = never).
func (it *Item) Exptime() relTime { return it.exptime.Load() }

// Time is the item's last access as relTime.
func (it *Item) Time() relTime { return it.time.Load() }

// ClassID is the item's slab class.
func (it *Item) ClassID() int { return int(it.clsid) }

// Errors of Alloc, as process_update_command tells them apart.
var (
	ErrTooLarge = errors.New("SERVER_ERROR object too large for cache")
	ErrNoMemory = errors.New("SERVER_ERROR out of memory storing object")
	ErrKeyLen   = errors.New("CLIENT_ERROR bad command line format")
)

// Settings are the storage's options (memcached's settings).
type Settings struct {
	MaxBytes    int64   // -m: a hard limit on the bytes of all items
	ItemSizeMax int     // -I
	ChunkSize   int     // -n: the smallest class holds 48 + this
	Factor      float64 // -f
	Threads     int     // -t: sizes the item locks
	HashPower   int     // -o hashpower: log2 of the buckets at start
	UseCAS      bool    // not -C
	EvictToFree bool    // not -M
}

// DefaultSettings are memcached's defaults.
func DefaultSettings() Settings {
	return Settings{
		MaxBytes:    64 << 20,
		ItemSizeMax: 1 << 20,
		ChunkSize:   48,
		Factor:      1.25,
		Threads:     4,
		HashPower:   hashpowerDefault,
		UseCAS:      true,
		EvictToFree: true,
	}
}

// lru is one class's LRU (memcached keeps HOT, WARM and COLD per class; one
// list here, with a second trip for active items standing in for WARM, see
// lruPullTail) and the class's itemstats and item counts, all under mu.
type lru struct {
	mu         sync.Mutex
	head, tail *Item

	number     uint64 // items linked (sizes[id])
	bytes      uint64 // their ITEM_ntotal (stats `bytes`, mem_requested)
	totalItems uint64

	evicted          uint64
	evictedNonzero   uint64
	evictedTime      relTime // age of the last evicted item
	evictedUnfetched uint64
	evictedActive    uint64
	reclaimed        uint64
	expiredUnfetched uint64
	movesToWarm      uint64 // active items given a second trip
	outOfMemory      uint64

	// The crawler's cursor: the next item it looks at (nil: start again at
	// the tail), moved on by unlinkQ when that item leaves the list.
	crawlPos            *Item
	crawlerReclaimed    uint64
	crawlerItemsChecked uint64
	_                   [64]byte // keeps one class's lock off the next one's line
}

// linkQ is item_link_q: put it at the head.
func (l *lru) linkQ(it *Item) {
	it.prev = nil
	it.next = l.head
	if it.next != nil {
		it.next.prev = it
	}
	l.head = it
	if l.tail == nil {
		l.tail = it
	}
}

// unlinkQ is item_unlink_q.
func (l *lru) unlinkQ(it *Item) {
	if l.crawlPos == it {
		l.crawlPos = it.prev
	}
	if l.head == it {
		l.head = it.next
	}
	if l.tail == it {
		l.tail = it.prev
	}
	if it.next != nil {
		it.next.prev = it.prev
	}
	if it.prev != nil {
		it.prev.next = it.next
	}
	it.next, it.prev = nil, nil
}

// Cache is the storage shared by every worker: the striped table and item
// locks, the classes and their LRUs, the clock, the CAS counter and the
// flush time. Workers reach it through a Worker each.
type Cache struct {
	settings Settings
	clock    clock
	slabs    slabs
	assoc    assoc
	lrus     [maxSlabClasses]lru

	mem      atomic.Int64  // bytes accounted: every allocated item's chunks
	maxBytes atomic.Int64  // -m, changed by cache_memlimit
	casID    atomic.Uint64 // get_cas_id

	// settings.oldest_live and oldest_cas: flush_all's moment.
	oldestLive atomic.Uint32
	oldestCas  atomic.Uint64

	workersMu sync.Mutex
	workers   []*Worker
}

// settingsError is a refused setting, its text memcached's message for it
// (what main prints before it exits).
type settingsError string

func (e settingsError) Error() string { return string(e) }

// NewCache makes the storage with settings s, its clock started at the
// unix time now.
func NewCache(s Settings, now int64) (*Cache, error) {
	if s.Threads <= 0 {
		return nil, settingsError("Number of threads must be greater than 0")
	}
	if s.ItemSizeMax < 1024 {
		return nil, settingsError("Item max size cannot be less than 1024 bytes.")
	}
	if s.ItemSizeMax > 1<<30 {
		return nil, settingsError("Cannot set item size limit higher than a gigabyte.")
	}
	if int64(s.ItemSizeMax) > s.MaxBytes/2 {
		return nil, settingsError("Cannot set item size limit higher than 1/2 of memory max.")
	}
	if s.HashPower == 0 {
		s.HashPower = hashpowerDefault
	}
	lockPower := itemLockHashpower(s.Threads)
	if uint(s.HashPower) <= lockPower {
		return nil, settingsError("Hash table power size cannot be equal to or less than item lock table")
	}
	c := &Cache{settings: s}
	c.maxBytes.Store(s.MaxBytes)
	if err := c.slabs.init(s.ChunkSize, s.Factor, s.ItemSizeMax, defaultSlabPageSize); err != nil {
		return nil, err
	}
	c.assoc.init(uint(s.HashPower), lockPower)
	c.clock.start(now)
	return c, nil
}

// Settings returns the settings the cache runs with (`stats settings`).
func (c *Cache) Settings() Settings {
	s := c.settings
	s.MaxBytes = c.maxBytes.Load()
	return s
}

// SetMemLimit is cache_memlimit's storage part: -m becomes n bytes (the
// command refuses less than 8 MB), and when that is below what is
// accounted, items are evicted, oldest class tail first, until it fits or
// only held and in-flight items remain; these go as they are released
// (memcached instead lets its page mover shrink the cache over time).
// Until then new items are refused room, so the limit holds for them.
func (c *Cache) SetMemLimit(w *Worker, n int64) {
	c.maxBytes.Store(n)
	for c.mem.Load() > n {
		if !c.evictOther(w, 0, nil) {
			break
		}
	}
}

// SlabChunkMax is slab_chunk_size_max (`stats settings` slab_chunk_max).
func (c *Cache) SlabChunkMax() int { return c.slabs.chunkMax }

// Tick is clock_handler: set current_time from the unix time now.
func (c *Cache) Tick(now int64) { c.clock.tick(now) }

// CurrentTime is current_time.
func (c *Cache) CurrentTime() relTime { return c.clock.now() }

// ProcessStarted is process_started (unix seconds).
func (c *Cache) ProcessStarted() int64 { return c.clock.processStarted }

// Realtime converts a client's exptime as memcached does (realtime).
func (c *Cache) Realtime(exptime int64) relTime { return c.clock.realtime(exptime) }

// nextCAS is get_cas_id.
func (c *Cache) nextCAS() uint64 { return c.casID.Add(1) }

// itemSizes gives the bytes memcached would count for an item
// (item_make_header + CAS: what -I, `bytes` and the class are decided by),
// and the bytes this layout needs (the Go header is larger than memcached's
// by up to 7 bytes; an item whose layout would not fit its memcached class
// goes one class up).
func (c *Cache) itemSizes(nkey int, flags uint32, nbytes int) (ntotal, need int) {
	ntotal = mcItemHeader + nkey + 1 + nbytes
	if flags != 0 {
		ntotal += 4
	}
	if c.settings.UseCAS {
		ntotal += mcCASBytes
	}
	need = max(ntotal, itemHeaderSize+nkey+nbytes)
	return ntotal, need
}

// ntotal is ITEM_ntotal of a stored item.
func (c *Cache) ntotal(it *Item) int {
	n, _ := c.itemSizes(int(it.nkey), it.flags, int(it.nbytes))
	return n
}

// itemAlloc is do_item_alloc: an unlinked item with refcount 1 for key,
// with room for a value of vlen bytes and "\r\n", its bytes counted
// against -m (evicting to make room). held is the stripe whose lock the
// caller holds (append, incr), whose items cannot be evicted meanwhile.
func (c *Cache) itemAlloc(w *Worker, key []byte, hv uint32, flags uint32, exptime relTime, vlen int, held *stripe) (*Item, error) {
	if len(key) == 0 || len(key) > keyMaxLength {
		return nil, ErrKeyLen
	}
	if vlen < 0 || vlen > c.slabs.itemSizeMax {
		return nil, ErrTooLarge // and no sum below can overflow an int
	}
	ntotal, need := c.itemSizes(len(key), flags, vlen+2)
	if c.slabs.clsid(ntotal) == 0 {
		return nil, ErrTooLarge
	}
	id := c.slabs.classFor(need)
	size, chunks := c.slabs.allocSize(need)

	// memcached without the segmented LRU pulls expired items off the tail
	// before every allocation, so their memory goes to the new item first.
	c.lruPullTail(w, id, false, held)
	if !c.reserve(w, int64(size), id, held) {
		l := &c.lrus[id]
		l.mu.Lock()
		l.outOfMemory++
		l.mu.Unlock()
		return nil, ErrNoMemory
	}
	sc := &c.slabs.classes[id]
	sc.usedChunks.Add(int64(chunks))
	sc.usedBytes.Add(int64(size))

	it := (*Item)(reflect.New(c.slabs.typeFor(id, size)).UnsafePointer())
	it.hv = hv
	it.flags = flags
	it.exptime.Store(exptime)
	it.nbytes = uint32(vlen + 2)
	it.refcount.Store(1)
	it.alloc = uint32(size)
	it.nkey = uint8(len(key))
	it.clsid = uint8(id)
	if need > c.slabs.chunkMax {
		it.iflags = itemChunked
	}
	copy(it.tail(len(key)), key)
	d := it.Data()
	d[len(d)-2], d[len(d)-1] = '\r', '\n'
	return it, nil
}

// reserve counts n more bytes against -m, evicting from the tail of class
// id's LRU first and then from the other classes' (memcached evicts from
// the same class only and fails when it has nothing: #793) until they fit.
// It fails when eviction is off (-M), the item is larger than -m, or
// nothing can be evicted.
func (c *Cache) reserve(w *Worker, n int64, id int, held *stripe) bool {
	limit := c.maxBytes.Load()
	if n > limit {
		return false
	}
	for {
		m := c.mem.Load()
		if m+n <= limit {
			if c.mem.CompareAndSwap(m, m+n) {
				return true
			}
			continue
		}
		if !c.settings.EvictToFree {
			return false
		}
		if c.lruPullTail(w, id, true, held) {
			continue
		}
		if !c.evictOther(w, id, held) {
			return false
		}
	}
}

// evictOther evicts from a class other than id, the one whose tail was
// used longest ago first (the cache's oldest item, as one global LRU would
// choose), then any that has something to give.
func (c *Cache) evictOther(w *Worker, id int, held *stripe) bool {
	oldest, oldestTime := 0, relTime(0)
	for j := powerSmallest; j <= c.slabs.largest; j++ {
		if j == id {
			continue
		}
		l := &c.lrus[j]
		l.mu.Lock()
		if l.tail != nil {
			if t := l.tail.time.Load(); oldest == 0 || t < oldestTime {
				oldest, oldestTime = j, t
			}
		}
		l.mu.Unlock()
	}
	if oldest == 0 {
		return false
	}
	if c.lruPullTail(w, oldest, true, held) {
		return true
	}
	for j := c.slabs.largest; j >= powerSmallest; j-- {
		if j != id && j != oldest && c.lruPullTail(w, j, true, held) {
			return true
		}
	}
	return false
}

// lruTries is how many items lru_pull_tail looks at before it gives up:
// busy ones (held by a reader, or under an item lock) count, active ones
// sent round again do not.
const lruTries = 5

// lruPullTail is lru_pull_tail: look at the tail of class id's LRU.
// Expired and flushed items found there are reclaimed (their memory is
// what the caller will use: `reclaimed`, and `expired_unfetched` when never
// read). Without evict it stops at the first live item. With evict it
// removes one item: the first expired one, or the first live one that is
// neither busy nor active, which is evicted (`evictions`,
// `evicted_unfetched`...); an active one (read twice since stored) loses
// its flag and goes back to the head, memcached's move from COLD to WARM.
// It reports whether it removed anything.
func (c *Cache) lruPullTail(w *Worker, id int, evict bool, held *stripe) bool {
	l := &c.lrus[id]
	now := c.clock.now()
	removed := false
	l.mu.Lock()
	tries := lruTries
	steps := l.number + lruTries
	for it := l.tail; it != nil && tries > 0 && steps > 0; steps-- {
		prev := it.prev
		st := c.assoc.stripeOf(it.hv)
		if st == held || !st.mu.TryLock() {
			tries--
			it = prev
			continue
		}
		if it.refcount.Load() != 1 {
			st.mu.Unlock()
			tries--
			it = prev
			continue
		}
		// memcached's tail and crawler checks take an item whose exptime is
		// now as still live (a get does not).
		if e := it.exptime.Load(); (e != 0 && e < now) || c.isFlushed(it, now) {
			l.reclaimed++
			if it.iflags&itemFetched == 0 {
				l.expiredUnfetched++
			}
			c.unlinkLocked(it, st, l)
			st.mu.Unlock()
			removed = true
			if evict {
				break
			}
			tries--
			it = prev
			continue
		}
		if !evict {
			st.mu.Unlock()
			break
		}
		if it.iflags&itemActive != 0 {
			it.iflags &^= itemActive
			l.unlinkQ(it)
			l.linkQ(it)
			l.movesToWarm++
			st.mu.Unlock()
			it = prev
			continue
		}
		l.evicted++
		l.evictedTime = now - it.time.Load()
		if it.exptime.Load() != 0 {
			l.evictedNonzero++
		}
		if it.iflags&itemFetched == 0 {
			l.evictedUnfetched++
		}
		c.unlinkLocked(it, st, l)
		st.mu.Unlock()
		removed = true
		break
	}
	l.mu.Unlock()
	return removed
}

// Crawl is the LRU crawler's expiry pass (items.c's item crawler with
// crawler_expired_eval), in slices a loop's timer can afford: in each
// class it looks at up to budget items, going from where the last call
// stopped toward the head and starting again at the tail after a full
// pass, and unlinks the expired and flushed ones nobody holds
// (crawler_reclaimed; expired_unfetched for expired ones never read;
// crawler_items_checked). Only the class's LRU lock is held, one slice at a
// time, and item locks are tried, never waited for.
func (c *Cache) Crawl(budget int) (checked, reclaimed int) {
	now := c.clock.now()
	for id := powerSmallest; id <= c.slabs.largest; id++ {
		l := &c.lrus[id]
		l.mu.Lock()
		it := l.crawlPos
		if it == nil {
			it = l.tail
		}
		n := 0
		for ; it != nil && n < budget; n++ {
			prev := it.prev
			st := c.assoc.stripeOf(it.hv)
			if st.mu.TryLock() {
				flushed := c.isFlushed(it, now)
				if e := it.exptime.Load(); it.refcount.Load() == 1 && ((e != 0 && e < now) || flushed) {
					l.crawlerReclaimed++
					if it.iflags&itemFetched == 0 && !flushed {
						l.expiredUnfetched++
					}
					c.unlinkLocked(it, st, l)
					reclaimed++
				}
				st.mu.Unlock()
			}
			it = prev
		}
		l.crawlPos = it
		l.crawlerItemsChecked += uint64(n)
		l.mu.Unlock()
		checked += n
	}
	return checked, reclaimed
}

// isFlushed is item_is_flushed: flush_all's moment has come and the item
// was last updated at or before it (or, within the flush's own second,
// stored before it: its CAS is older).
func (c *Cache) isFlushed(it *Item, now relTime) bool {
	ol := c.oldestLive.Load()
	if ol == 0 || ol > now {
		return false
	}
	oc := c.oldestCas.Load()
	return it.time.Load() <= ol || (oc != 0 && it.cas != 0 && it.cas < oc)
}

// release is do_item_remove: drop one reference, freeing the item when it
// was the last.
func (c *Cache) release(it *Item) {
	if n := it.refcount.Add(-1); n == 0 {
		c.free(it)
	} else if n < 0 {
		panic("memcache: item released more often than referenced")
	}
}

// free is item_free: the item's bytes leave the accounting.
func (c *Cache) free(it *Item) {
	_, need := c.itemSizes(int(it.nkey), it.flags, int(it.nbytes))
	_, chunks := c.slabs.allocSize(need)
	sc := &c.slabs.classes[it.clsid]
	sc.usedChunks.Add(-int64(chunks))
	sc.usedBytes.Add(-int64(it.alloc))
	c.mem.Add(-int64(it.alloc))
}

// link is do_item_link: give it a CAS and the current time, put it in the
// table and at the head of its LRU; the table holds a reference. The
// caller holds st's lock and the key is absent.
func (c *Cache) link(it *Item, st *stripe) {
	it.iflags |= itemLinked
	it.time.Store(c.clock.now())
	if c.settings.UseCAS {
		it.cas = c.nextCAS()
	}
	c.assoc.insert(st, it)
	l := &c.lrus[it.clsid]
	l.mu.Lock()
	l.linkQ(it)
	l.number++
	l.bytes += uint64(c.ntotal(it))
	l.totalItems++
	l.mu.Unlock()
	it.refcount.Add(1)
}

// unlink is do_item_unlink. The caller holds st's lock.
func (c *Cache) unlink(it *Item, st *stripe) {
	if it.iflags&itemLinked == 0 {
		return
	}
	l := &c.lrus[it.clsid]
	l.mu.Lock()
	c.unlinkLocked(it, st, l)
	l.mu.Unlock()
}

// unlinkLocked is do_item_unlink_nolock: the caller holds st's lock and the
// item's LRU lock.
func (c *Cache) unlinkLocked(it *Item, st *stripe, l *lru) {
	it.iflags &^= itemLinked
	l.number--
	l.bytes -= uint64(c.ntotal(it))
	l.unlinkQ(it)
	c.assoc.remove(st, it)
	c.release(it)
}

// replace is item_replace: new takes old's place.
func (c *Cache) replace(old, new *Item, st *stripe) {
	c.unlink(old, st)
	c.link(new, st)
}

// update is do_item_update: refresh the last-access time, at most once an
// interval.
func (c *Cache) update(it *Item, now relTime) {
	if it.time.Load() < now-itemUpdateInterval && it.iflags&itemLinked != 0 {
		it.time.Store(now)
	}
}

// bump is do_item_bump: the first read marks an item fetched, the next one
// active (which saves it from the next eviction) and refreshes its time.
// The caller holds its item lock.
func (c *Cache) bump(it *Item, now relTime) {
	if it.iflags&itemActive != 0 {
		return
	}
	if it.iflags&itemFetched == 0 {
		it.iflags |= itemFetched
		return
	}
	it.iflags |= itemActive
	it.time.Store(now)
}

// itemGet is do_item_get: the live item with key, with a reference for the
// caller, or nil. A flushed or expired item found is unlinked and counted
// (get_flushed, get_expired). The caller holds st's lock.
func (c *Cache) itemGet(w *Worker, key []byte, hv uint32, st *stripe, doUpdate bool) *Item {
	it := c.assoc.find(st, key, hv)
	if it == nil {
		return nil
	}
	now := c.clock.now()
	if c.isFlushed(it, now) {
		c.unlink(it, st)
		w.statsMu.Lock()
		w.stats.getFlushed++
		w.statsMu.Unlock()
		return nil
	}
	if e := it.exptime.Load(); e != 0 && e <= now {
		c.unlink(it, st)
		w.statsMu.Lock()
		w.stats.getExpired++
		w.statsMu.Unlock()
		return nil
	}
	it.refcount.Add(1)
	if doUpdate {
		c.bump(it, now)
	}
	return it
}

// FlushAll is flush_all's effect (process_flush_all_command): with exptime
// 0 or negative every item stored before now becomes invisible; with a
// delay (exptime rules) every item last updated before that moment, when
// it comes. Items go lazily, when met.
func (c *Cache) FlushAll(exptime int64) {
	now := c.clock.now()
	newOldest := now
	if exptime > 0 {
		newOldest = c.clock.realtime(exptime)
	}
	if c.settings.UseCAS {
		c.oldestLive.Store(newOldest - 1)
		if newOldest-1 <= now {
			c.oldestCas.Store(c.nextCAS())
		}
	} else {
		c.oldestLive.Store(newOldest)
	}
}
