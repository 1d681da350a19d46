package main

import (
	"math"
	"math/rand/v2"
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
//	used = heap object bytes (runtime/metrics /memory/classes/heap/objects:bytes)
//	     - estimated bytes of the keys evicted since the last GC cycle ended
//
// The heap figure is what MemStats.HeapAlloc reports (live objects plus
// dead ones not yet swept), but metrics.Read does not stop the world; it
// costs about 500 ns, so it is read at most once per event loop iteration
// (the first command that needs it after the poll; BenchmarkUsedMemory).
// Within one iteration the figure does not see the memory the commands of
// that iteration add (bounded by what the clients' reads of that iteration
// brought in), only what eviction takes away. An evicted key's memory is
// garbage until the collector runs, so its estimated size (objectBytes)
// is subtracted until the GC cycle count moves; keys evicted while a cycle
// marks may survive that cycle, and are then counted again until the next
// one (a transient over-count, which evicts a little more than Redis
// would, never less). Other garbage (overwritten values, deleted keys,
// replies) counts as used until collected, also erring on the side of
// evicting.
//
// How far it is from RSS. With maxmemory set, the Go collector's soft
// memory limit (debug.SetMemoryLimit) is set to maxmemory plus a quarter
// plus 16 MB (memLimitFor), so that garbage is collected before the heap
// passes it instead of at twice the live heap (GOGC 100); RSS is then the
// heap figure plus the runtime's own memory (stacks, GC metadata, freed
// spans not yet returned) plus the binary. TestEvictWriteBurstRSS writes
// past the limit and measures it; bench/kvevict.sh prints RSS beside
// redis-server's. With maxmemory 0 the limit is put back as it was.

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
	// The memory figure: metrics is the sample read, heap its value,
	// sampled whether it was read in this loop iteration, gcCycles the
	// GC count when read, freed the bytes evicted since that count moved.
	metrics  []metrics.Sample
	heap     int64
	sampled  bool
	gcCycles uint64
	freed    int64
	// limitFor is the maxmemory the Go memory limit was last set for, and
	// origLimit the limit before the first setting.
	limitFor     int64
	origLimit    int64
	limitApplied bool
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
				{Name: "/memory/classes/heap/objects:bytes"},
				{Name: "/gc/cycles/total:gc-cycles"},
			}
		}
		metrics.Read(e.metrics)
		e.heap = int64(e.metrics[0].Value.Uint64())
		if n := e.metrics[1].Value.Uint64(); n != e.gcCycles {
			e.gcCycles, e.freed = n, 0
		}
		e.sampled = true
	}
	return max(e.heap-e.freed, 0)
}

// evictNewIteration marks the memory figure stale: called once per event
// loop iteration, after the poll.
func (s *server) evictNewIteration() { s.evict.sampled = false }

// memLimitFor is the Go soft memory limit for a maxmemory.
func memLimitFor(maxmemory int64) int64 { return maxmemory + maxmemory/4 + 16<<20 }

// evictCron keeps the Go memory limit in step with maxmemory, and starts
// evicting at once when a new limit is already passed (updateMaxmemory's
// startEvictionTimeProc), from serverCron.
func (s *server) evictCron() {
	e := &s.evict
	mm := s.cfg.maxmemory
	if mm == e.limitFor {
		return
	}
	if !e.limitApplied {
		e.origLimit = debug.SetMemoryLimit(-1)
		e.limitApplied = true
	}
	if mm == 0 {
		debug.SetMemoryLimit(e.origLimit)
	} else {
		debug.SetMemoryLimit(memLimitFor(mm))
		s.evict.sampled = false
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
		n := objectBytes(o)
		d.remove(o)
		freed += n
		s.evict.freed += n
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
