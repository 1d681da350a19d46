package main

import (
	"math"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"unsafe"

	"github.com/goae/goae/ae"
)

// maxmemory as evict.c has it: before each command, when maxmemory is
// set and the memory used is over it, keys are evicted by the policy
// until it is under again (performEvictions), for at most the time
// maxmemory-eviction-tenacity gives, after which a time event goes on
// evicting between commands; commands flagged denyoom are refused with
// -OOM while nothing more can be evicted.
//
// How the memory used is counted. Redis's zmalloc keeps a byte counter of
// every allocation; Go has no such hook, and runtime.ReadMemStats stops
// the world. The figure here is
//
//	used = live heap bytes marked by the last GC cycle (runtime/metrics /gc/heap/live:bytes)
//	     + estimated bytes of the keys added since that cycle (objectBytes, at db.add)
//	     - estimated bytes of the keys removed since (evicted, deleted, expired, at db.remove)
//
// so garbage does not count (an evicted key's memory is freed by the
// collector later, but it is no longer used), and the counters are reset
// to the truth at every GC cycle. metrics.Read does not stop the world;
// it costs about 500 ns, so it is read at most once per event loop
// iteration (the first command that needs it after the poll;
// BenchmarkUsedMemory), and the counters are kept only while maxmemory
// is set (one load and branch in add and remove otherwise). What it does
// not see between two cycles: values growing in place (APPEND, LPUSH to an
// existing list: an aggregate is counted as it is when added, usually
// empty, and as it is when removed), buffers of clients and tables
// growing; each GC cycle brings those in. A key evicted while a cycle
// marks may be counted live by it until the next one (a transient
// over-count). Setting maxmemory runs one full collection, for a true
// starting figure, and sums the keys' estimates of each keyspace, which
// add and remove then keep, so that FLUSHALL and FLUSHDB, which drop a
// keyspace whole, count it removed in O(1).
//
// How far it is from RSS. With maxmemory set, the Go collector's soft
// memory limit (debug.SetMemoryLimit) is set to maxmemory plus a quarter
// plus 16 MB (memLimitFor), so that the collector runs before the heap
// passes that instead of at twice the live heap (GOGC 100); RSS is then
// at most about that plus the binary. TestEvictWriteBurstRSS writes 256 MB
// past a 32 MB limit and checks the peak RSS against it (and logs
// redis-server's); TestEvictHitRatioInterop logs used_memory and RSS
// beside redis-server's. With maxmemory 0 the limit is put back as it was.

// Eviction results (EVICT_OK, EVICT_RUNNING, EVICT_FAIL).
const (
	evictOK = iota
	evictRunning
	evictFail
)

// evpoolSize is EVPOOL_SIZE: the candidates kept across evictions.
const evpoolSize = 16

// oomErr is shared.oomerr.
const oomErr = "-OOM command not allowed when used memory > 'maxmemory'."

// evictionPoolEntry is a candidate: a key, its database, and its score
// (idle: the higher, the better to evict).
type evictionPoolEntry struct {
	idle uint64
	key  string
	dbid int
}

// evictState is maxmemory's state: the pool, the memory figure and the
// eviction time event.
type evictState struct {
	pool [evpoolSize]evictionPoolEntry
	// samples is evictionPoolPopulate's scratch.
	samples []*robj
	// The memory figure (see the top of this file): metrics is the
	// sample read, sampled whether it was read in this loop iteration,
	// gcCycles the GC count when read, live the live heap of that cycle,
	// added and removed the key bytes since.
	metrics  []metrics.Sample
	sampled  bool
	gcCycles uint64
	live     int64
	added    int64
	removed  int64
	// counting: the counters run (maxmemory set, as evictApplyLimit last
	// saw it: a maxmemory set to 0 and back between two looks at it
	// keeps them running, so they stay true).
	counting bool
	// limitFor is the maxmemory the Go memory limit was last set for.
	limitFor int64
	// procRunning: the eviction time event is on (isEvictionProcRunning).
	procRunning bool
	// nextDB is the random policies' round-robin start (next_db).
	nextDB int
}

// usedMemory is the memory figure the limit is compared with (see the
// top of this file).
func (s *server) usedMemory() int64 {
	e := &s.evict
	if !e.sampled {
		if e.metrics == nil {
			e.metrics = []metrics.Sample{
				{Name: "/gc/heap/live:bytes"},
				{Name: "/gc/cycles/total:gc-cycles"},
			}
		}
		metrics.Read(e.metrics)
		if n := e.metrics[1].Value.Uint64(); n != e.gcCycles {
			e.gcCycles, e.live = n, int64(e.metrics[0].Value.Uint64())
			e.added, e.removed = 0, 0
		}
		e.sampled = true
	}
	return max(e.live+e.added-e.removed, 0)
}

// evictNewIteration marks the memory figure stale: called once per event
// loop iteration, after the poll.
func (s *server) evictNewIteration() { s.evict.sampled = false }

// keyAdded and keyRemoved keep the figure's counters, and the keyspace's
// running total of its keys' estimates (from db.add and db.remove, while
// maxmemory is set: evictState.counting).
func (s *server) keyAdded(k *keyspace, o *robj) {
	n := objectBytes(o)
	s.evict.added += n
	k.memBytes += n
}

func (s *server) keyRemoved(k *keyspace, o *robj) {
	n := objectBytes(o)
	s.evict.removed += n
	k.memBytes = max(k.memBytes-n, 0)
}

// keyspaceFlushed counts a flushed keyspace's total as removed, in O(1)
// as the flush itself is.
func (s *server) keyspaceFlushed(old *keyspace) { s.evict.removed += old.memBytes }

// countKeyspaces sets each keyspace's total from its keys, when the
// counters start.
func (s *server) countKeyspaces() {
	for _, d := range s.dbs {
		d.memBytes = 0
		for _, o := range d.slots {
			if o != nil {
				d.memBytes += objectBytes(o)
			}
		}
	}
}

// goMemoryLimit is the Go memory limit the process started with
// (GOMEMLIMIT, or none), which maxmemory 0 puts back.
var goMemoryLimit = debug.SetMemoryLimit(-1)

// evictRelease puts the Go memory limit back when the server closes (the
// limit is the process's: a test process runs many servers).
func (s *server) evictRelease() {
	if s.evict.limitFor != 0 {
		debug.SetMemoryLimit(goMemoryLimit)
		s.evict.limitFor, s.evict.counting = 0, false
	}
}

// memLimitFor is the Go soft memory limit for a maxmemory.
func memLimitFor(maxmemory int64) int64 { return maxmemory + maxmemory/4 + 16<<20 }

// evictCron keeps the Go memory limit in step with maxmemory, from
// serverCron.
func (s *server) evictCron() {
	if s.cfg.maxmemory != s.evict.limitFor {
		s.evictApplyLimit()
	}
}

// evictApplyLimit follows a new maxmemory: the Go memory limit, a full
// collection for a true starting figure, and eviction at once when the
// new limit is already passed (updateMaxmemory's startEvictionTimeProc).
func (s *server) evictApplyLimit() {
	e := &s.evict
	mm := s.cfg.maxmemory
	if mm == 0 {
		debug.SetMemoryLimit(goMemoryLimit)
		e.counting = false
	} else {
		debug.SetMemoryLimit(memLimitFor(mm))
		if !e.counting {
			// The counters start now: from a collection's true figure.
			runtime.GC()
			s.countKeyspaces()
			e.counting = true
		}
		e.sampled = false
		if s.usedMemory() > mm {
			s.startEvictionTimeProc()
		}
	}
	e.limitFor = mm
}

// evictionTimeLimitUs converts maxmemory-eviction-tenacity (0 to 100) to
// the time performEvictions may spend: 50 us a step up to 10, then 15%
// more a step (about 2 minutes at 99), no limit at 100.
func evictionTimeLimitUs(tenacity int) int64 {
	if tenacity <= 10 {
		return 50 * int64(tenacity)
	}
	if tenacity < 100 {
		return int64(500.0 * math.Pow(1.15, float64(tenacity)-10.0))
	}
	return math.MaxInt64
}

// startEvictionTimeProc keeps evicting between commands (evictionTimeProc)
// until memory is under the limit or nothing can be evicted.
func (s *server) startEvictionTimeProc() {
	if s.evict.procRunning || s.el == nil {
		return
	}
	s.evict.procRunning = true
	s.el.CreateTimeEvent(0, func(*ae.EventLoop, int64, any) int {
		if s.performEvictions() == evictRunning {
			return 0
		}
		s.evict.procRunning = false
		return ae.NoMore
	}, nil, nil)
}

// isSafeToPerformEvictions: not while clients are paused (the dataset
// must then stay still).
func (s *server) isSafeToPerformEvictions() bool { return !s.checkClientPauseTimeout() }

// performEvictions evicts keys by the policy until the memory used is
// under maxmemory or the time limit passes (then the time event goes on),
// and reports evictOK, evictRunning or evictFail (over the limit and
// nothing evictable, or noeviction).
func (s *server) performEvictions() int {
	if !s.isSafeToPerformEvictions() {
		return evictOK
	}
	mm := s.cfg.maxmemory
	if mm != s.evict.limitFor {
		s.evictApplyLimit()
	}
	used := s.usedMemory()
	if mm == 0 || used <= mm {
		return evictOK
	}
	if s.cfg.maxmemoryPolicy == policyNoEviction {
		return evictFail
	}
	toFree := used - mm
	limit := evictionTimeLimitUs(int(s.cfg.maxmemoryEvictionTenacity))
	start := monotonicMicros()
	var freed int64
	keysFreed := 0
	for freed < toFree {
		d, o := s.evictionCandidate()
		if o == nil {
			return evictFail
		}
		freed += objectBytes(o)
		d.remove(o) // which counts it removed
		s.stats.evictedKeys++
		s.signalModifiedKeyString(d, o.key)
		s.notifyKeyspaceEvent(notifyEvicted, "evicted", keyBytes(o.key), d.id)
		keysFreed++
		if keysFreed%16 == 0 && monotonicMicros()-start > limit {
			s.startEvictionTimeProc()
			break
		}
	}
	if s.evict.procRunning {
		return evictRunning
	}
	return evictOK
}

// evictionCandidate picks the key to evict by the policy, nil when there
// is none (the main loop of performEvictions).
func (s *server) evictionCandidate() (*db, *robj) {
	p := s.cfg.maxmemoryPolicy
	if p == policyAllkeysRandom || p == policyVolatileRandom {
		for range s.dbs {
			s.evict.nextDB++
			d := s.dbs[s.evict.nextDB%len(s.dbs)]
			if p == policyAllkeysRandom && d.size() > 0 {
				return d, randomObject(d)
			}
			if p == policyVolatileRandom && len(d.expires) > 0 {
				return d, d.expires[rand.IntN(len(d.expires))].o
			}
		}
		return nil, nil
	}
	pool := &s.evict.pool
	for {
		total := 0
		for i, d := range s.dbs {
			n := len(d.expires)
			if p.isAllkeys() {
				n = d.size()
			}
			if n > 0 {
				s.evictionPoolPopulate(i, d)
				total += n
			}
		}
		if total == 0 {
			return nil, nil
		}
		// From the best candidate down; a key no longer there (or no
		// longer with a TTL, for volatile policies) is a ghost.
		for k := evpoolSize - 1; k >= 0; k-- {
			if pool[k].key == "" {
				continue
			}
			d := s.dbs[pool[k].dbid]
			o := d.dict[pool[k].key]
			pool[k] = evictionPoolEntry{}
			if o != nil && (p.isAllkeys() || o.expire != 0) {
				return d, o
			}
		}
	}
}

// randomObject is a random key of a non-empty keyspace.
func randomObject(d *db) *robj {
	for range 64 {
		if o := d.slots[rand.IntN(len(d.slots))]; o != nil {
			return o
		}
	}
	start := rand.IntN(len(d.slots))
	for i := range d.slots {
		if o := d.slots[(start+i)%len(d.slots)]; o != nil {
			return o
		}
	}
	return nil
}

// sampleKeys is dictGetSomeKeys: up to maxmemory-samples objects of d
// (all keys, or those with a TTL), not necessarily distinct.
func (s *server) sampleKeys(d *db, allkeys bool) []*robj {
	out := s.evict.samples[:0]
	want := int(s.cfg.maxmemorySamples)
	if allkeys {
		// Free positions are skipped; the draws are bounded as Redis's
		// empty-bucket steps are.
		for tries := 0; len(out) < want && tries < want*10 && d.size() > 0; tries++ {
			if o := d.slots[rand.IntN(len(d.slots))]; o != nil {
				out = append(out, o)
			}
		}
	} else {
		for n := len(d.expires); len(out) < want && len(out) < n; {
			out = append(out, d.expires[rand.IntN(n)].o)
		}
	}
	s.evict.samples = out
	return out
}

// evictionPoolPopulate samples d and files the samples that beat a pool
// entry in the pool, kept in ascending order of idle (so the best
// candidate is last), as evict.c's evictionPoolPopulate.
func (s *server) evictionPoolPopulate(dbid int, d *db) {
	p := s.cfg.maxmemoryPolicy
	pool := &s.evict.pool
	for _, o := range s.sampleKeys(d, p.isAllkeys()) {
		var idle uint64
		switch {
		case p.isLRU():
			idle = uint64(s.estimateObjectIdleTime(o))
		case p.isLFU():
			// Lower frequency, better candidate.
			idle = 255 - uint64(s.lfuDecrAndReturn(o))
		default: // volatile-ttl: the sooner it expires, the better.
			idle = math.MaxUint64 - uint64(o.expire)
		}
		k := 0
		for k < evpoolSize && pool[k].key != "" && pool[k].idle < idle {
			k++
		}
		switch {
		case k == 0 && pool[evpoolSize-1].key != "":
			// Worse than every candidate of a full pool.
			continue
		case k < evpoolSize && pool[k].key == "":
			// An empty position: nothing to move.
		case pool[evpoolSize-1].key == "":
			// Room on the right: shift k.. right.
			copy(pool[k+1:], pool[k:evpoolSize-1])
		default:
			// Full: drop the worst (leftmost), shift left of k.
			k--
			copy(pool[:k], pool[1:k+1])
		}
		pool[k] = evictionPoolEntry{idle: idle, key: o.key, dbid: dbid}
	}
}

// Sizes for objectBytes: the object, and a key's share of the map, the
// slot table and, with a TTL, the expires table.
const (
	robjBytes   = int64(unsafe.Sizeof(robj{}))
	embstrSize  = int64(unsafe.Sizeof(embstr{}))
	keyOverhead = 40
	ttlOverhead = int64(unsafe.Sizeof(expireEntry{})) + 4
	sliceBytes  = 24
	strBytes    = 16
)

// objectBytes estimates the heap bytes o and its key hold, which evicting
// it frees: exact for a string's parts, sampled for the elements of an
// aggregate (up to five, scaled, as MEMORY USAGE samples).
func objectBytes(o *robj) int64 {
	n := int64(keyOverhead)
	if o.expire != 0 {
		n += ttlOverhead
	}
	if o.typ == objString && isEmbstr(o) {
		n += sizeClass(embstrSize)
		if len(o.str) > 0 && !insideEmbstr(o) {
			n += sizeClass(int64(cap(o.str)))
		}
		return n
	}
	n += sizeClass(robjBytes) + sizeClass(int64(len(o.key)))
	switch v := o.ptr.(type) {
	case nil:
		n += sizeClass(int64(cap(o.str)))
	case *list:
		n += int64(len(v.buf))*sliceBytes + sampledBytes(v.len(), func(i int) int64 { return sizeClass(int64(cap(v.at(i)))) })
	case *hash:
		per := int64(strBytes+sliceBytes) + 32 // entry, map slot
		n += sampledBytes(v.len(), func(i int) int64 {
			e := v.entries[i]
			return per + sizeClass(int64(len(e.field))) + sizeClass(int64(cap(e.val)))
		})
	case *set:
		n += sampledBytes(v.len(), func(i int) int64 { return strBytes + 32 + sizeClass(int64(len(v.members[i]))) })
	case *zset:
		per := sizeClass(int64(unsafe.Sizeof(zslNode{}))) + 32 + 8
		n += sampledBytes(v.len(), func(i int) int64 {
			if i < len(v.scan) {
				return per + sizeClass(int64(len(v.scan[i].ele)))
			}
			return per
		})
	}
	return n
}

// embstrBase is the address an embstr holding o would start at; only
// compared with other addresses, never turned back into a pointer.
func embstrBase(o *robj) uintptr {
	return uintptr(unsafe.Pointer(o)) - unsafe.Offsetof(embstr{}.o)
}

// isEmbstr reports whether o is the object of an embstr: its key's bytes
// are the embstr's first.
func isEmbstr(o *robj) bool {
	return len(o.key) > 0 && uintptr(unsafe.Pointer(unsafe.StringData(o.key))) == embstrBase(o)
}

// insideEmbstr reports whether o's value is still in its embstr's buffer.
func insideEmbstr(o *robj) bool {
	p, b := uintptr(unsafe.Pointer(unsafe.SliceData(o.str))), embstrBase(o)
	return p >= b && p < b+embstrBytes
}

// sampledBytes is the bytes of n elements estimated from up to five.
func sampledBytes(n int, elem func(i int) int64) int64 {
	if n == 0 {
		return 0
	}
	k := min(n, 5)
	var sum int64
	for j := range k {
		sum += elem(j * n / k)
	}
	return sum * int64(n) / int64(k)
}

// sizeClass rounds an allocation up roughly as Go's size classes do:
// 16 bytes up to 1 KB, then an eighth of the power of two.
func sizeClass(n int64) int64 {
	if n <= 0 {
		return 0
	}
	if n <= 1024 {
		return (n + 15) &^ 15
	}
	step := int64(1) << (63 - leadingZeros64(uint64(n)) - 3)
	return (n + step - 1) / step * step
}

func leadingZeros64(x uint64) int {
	n := 0
	for x&(1<<63) == 0 {
		x <<= 1
		n++
	}
	return n
}

// processMaxmemory is processCommand's maxmemory step: evict if needed,
// then refuse c's command with -OOM when memory stays over the limit and
// the command may grow it (denyoom, an EXEC queuing one, or anything
// queued inside MULTI but EXEC, DISCARD, QUIT and RESET). It reports
// whether the command was refused.
func (s *server) processMaxmemory(c *client, cmd *command) bool {
	outOfMemory := s.performEvictions() == evictFail
	if !outOfMemory {
		return false
	}
	reject := cmd.flags&cmdDenyOOM != 0
	if cmd.name == "exec" {
		if ms := s.multi[c]; ms != nil {
			for _, q := range ms.cmds {
				if q.cmd.flags&cmdDenyOOM != 0 {
					reject = true
				}
			}
		}
	} else if c.mflags&clientMulti != 0 && cmd.name != "discard" && cmd.name != "reset" {
		reject = true
	}
	if !reject {
		return false
	}
	if cmd.name == "exec" {
		// execCommandAbort quotes the error without its '-'.
		s.rejectCommandFor(c, cmd, oomErr[1:])
	} else {
		s.rejectCommandFor(c, cmd, oomErr)
	}
	return true
}
