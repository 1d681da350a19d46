package main

// The storage's counters: each worker's own block (memcached's
// thread_stats, under the thread's stats mutex, which only `stats`
// contends for), the per-class item stats kept with each LRU (itemstats),
// and the sums `stats`, `stats items` and `stats slabs` print.

// slabThreadStats is a worker's counters per class (slab_stats).
type slabThreadStats struct {
	setCmds    uint64
	getHits    uint64
	touchHits  uint64
	deleteHits uint64
	casHits    uint64
	casBadval  uint64
	incrHits   uint64
	decrHits   uint64
}

func (s *slabThreadStats) add(o *slabThreadStats) {
	s.setCmds += o.setCmds
	s.getHits += o.getHits
	s.touchHits += o.touchHits
	s.deleteHits += o.deleteHits
	s.casHits += o.casHits
	s.casBadval += o.casBadval
	s.incrHits += o.incrHits
	s.decrHits += o.decrHits
}

// threadStats is a worker's block (struct thread_stats). The connection
// code counts its own fields (bytes, yields, meta) here too, under
// Worker.LockStats, so that `stats` sums one block per worker.
type threadStats struct {
	getCmds       uint64
	getMisses     uint64
	getExpired    uint64
	getFlushed    uint64
	touchCmds     uint64
	touchMisses   uint64
	deleteMisses  uint64
	incrMisses    uint64
	decrMisses    uint64
	casMisses     uint64
	flushCmds     uint64
	storeTooLarge uint64
	storeNoMemory uint64

	metaCmds     uint64
	bytesRead    uint64
	bytesWritten uint64
	connYields   uint64

	slab [maxSlabClasses]slabThreadStats
}

func (s *threadStats) add(o *threadStats) {
	s.getCmds += o.getCmds
	s.getMisses += o.getMisses
	s.getExpired += o.getExpired
	s.getFlushed += o.getFlushed
	s.touchCmds += o.touchCmds
	s.touchMisses += o.touchMisses
	s.deleteMisses += o.deleteMisses
	s.incrMisses += o.incrMisses
	s.decrMisses += o.decrMisses
	s.casMisses += o.casMisses
	s.flushCmds += o.flushCmds
	s.storeTooLarge += o.storeTooLarge
	s.storeNoMemory += o.storeNoMemory
	s.metaCmds += o.metaCmds
	s.bytesRead += o.bytesRead
	s.bytesWritten += o.bytesWritten
	s.connYields += o.connYields
	for i := range s.slab {
		s.slab[i].add(&o.slab[i])
	}
}

// LockStats and UnlockStats guard w's block for counters the connection
// code keeps (CountRead and the like).
func (w *Worker) LockStats()   { w.statsMu.Lock() }
func (w *Worker) UnlockStats() { w.statsMu.Unlock() }

// CountIO adds to bytes_read and bytes_written.
func (w *Worker) CountIO(read, written uint64) {
	w.statsMu.Lock()
	w.stats.bytesRead += read
	w.stats.bytesWritten += written
	w.statsMu.Unlock()
}

// CountYield adds to conn_yields; CountMeta to cmd_meta.
func (w *Worker) CountYield() { w.statsMu.Lock(); w.stats.connYields++; w.statsMu.Unlock() }
func (w *Worker) CountMeta()  { w.statsMu.Lock(); w.stats.metaCmds++; w.statsMu.Unlock() }

// ClassStats is one class in use, for `stats items` and `stats slabs`.
type ClassStats struct {
	ID            int
	ChunkSize     int
	ChunksPerPage int
	UsedChunks    int64 // chunks held by items, stored or in flight
	UsedBytes     int64 // their bytes, against -m
	TotalPages    int64 // pages those chunks would fill (memcached's total_pages)

	// stats items (itemstats and sizes)
	Number           uint64
	MemRequested     uint64
	Age              relTime // seconds since the tail item's last access
	Evicted          uint64
	EvictedNonzero   uint64
	EvictedTime      relTime
	EvictedUnfetched uint64
	EvictedActive    uint64
	OutOfMemory      uint64
	Reclaimed        uint64
	ExpiredUnfetched uint64
	MovesToWarm      uint64
	TotalItems       uint64

	CrawlerReclaimed    uint64
	CrawlerItemsChecked uint64

	// stats slabs: the workers' per-class counters
	GetHits, CmdSet, DeleteHits, IncrHits, DecrHits, CasHits, CasBadval, TouchHits uint64
}

// Stats is what the storage contributes to `stats`, summed over workers
// and classes.
type Stats struct {
	CmdGet, CmdSet, CmdTouch, CmdFlush, CmdMeta       uint64
	GetHits, GetMisses, GetExpired, GetFlushed        uint64
	DeleteHits, DeleteMisses                          uint64
	IncrHits, IncrMisses, DecrHits, DecrMisses        uint64
	CasHits, CasMisses, CasBadval                     uint64
	TouchHits, TouchMisses                            uint64
	StoreTooLarge, StoreNoMemory                      uint64
	BytesRead, BytesWritten, ConnYields               uint64
	CurrItems, TotalItems, Bytes                      uint64
	Evictions, Reclaimed                              uint64
	ExpiredUnfetched, EvictedUnfetched, EvictedActive uint64
	CrawlerReclaimed, CrawlerItemsChecked             uint64
	LimitMaxbytes                                     int64
	TotalMalloced                                     int64 // bytes accounted now (never above LimitMaxbytes)
	HashPowerLevel                                    int
	HashBytes                                         int64
	Classes                                           []ClassStats // the classes with chunks or items, by id
}

// Stats sums every worker's block and every class's counters.
func (c *Cache) Stats() Stats {
	var t threadStats
	c.workersMu.Lock()
	for _, w := range c.workers {
		w.statsMu.Lock()
		t.add(&w.stats)
		w.statsMu.Unlock()
	}
	c.workersMu.Unlock()

	s := Stats{
		CmdGet: t.getCmds, CmdTouch: t.touchCmds, CmdFlush: t.flushCmds, CmdMeta: t.metaCmds,
		GetMisses: t.getMisses, GetExpired: t.getExpired, GetFlushed: t.getFlushed,
		DeleteMisses: t.deleteMisses, IncrMisses: t.incrMisses, DecrMisses: t.decrMisses,
		CasMisses: t.casMisses, TouchMisses: t.touchMisses,
		StoreTooLarge: t.storeTooLarge, StoreNoMemory: t.storeNoMemory,
		BytesRead: t.bytesRead, BytesWritten: t.bytesWritten, ConnYields: t.connYields,
		LimitMaxbytes:  c.maxBytes.Load(),
		TotalMalloced:  c.mem.Load(),
		HashPowerLevel: c.assoc.hashPowerLevel(),
		HashBytes:      c.assoc.buckets.Load() * 8,
	}
	now := c.clock.now()
	for id := powerSmallest; id <= c.slabs.largest; id++ {
		sc := &c.slabs.classes[id]
		l := &c.lrus[id]
		ts := &t.slab[id]
		cs := ClassStats{
			ID: id, ChunkSize: sc.size, ChunksPerPage: sc.perslab,
			UsedChunks: sc.usedChunks.Load(), UsedBytes: sc.usedBytes.Load(),
			GetHits: ts.getHits, CmdSet: ts.setCmds, DeleteHits: ts.deleteHits, IncrHits: ts.incrHits,
			DecrHits: ts.decrHits, CasHits: ts.casHits, CasBadval: ts.casBadval, TouchHits: ts.touchHits,
		}
		cs.TotalPages = (cs.UsedChunks + int64(sc.perslab) - 1) / int64(sc.perslab)
		l.mu.Lock()
		cs.Number, cs.MemRequested, cs.TotalItems = l.number, l.bytes, l.totalItems
		if l.tail != nil {
			cs.Age = now - l.tail.time.Load()
		}
		cs.Evicted, cs.EvictedNonzero, cs.EvictedTime = l.evicted, l.evictedNonzero, l.evictedTime
		cs.EvictedUnfetched, cs.EvictedActive, cs.OutOfMemory = l.evictedUnfetched, l.evictedActive, l.outOfMemory
		cs.Reclaimed, cs.ExpiredUnfetched, cs.MovesToWarm = l.reclaimed, l.expiredUnfetched, l.movesToWarm
		cs.CrawlerReclaimed, cs.CrawlerItemsChecked = l.crawlerReclaimed, l.crawlerItemsChecked
		l.mu.Unlock()

		s.CmdSet += cs.CmdSet
		s.GetHits += cs.GetHits
		s.DeleteHits += cs.DeleteHits
		s.IncrHits += cs.IncrHits
		s.DecrHits += cs.DecrHits
		s.CasHits += cs.CasHits
		s.CasBadval += cs.CasBadval
		s.TouchHits += cs.TouchHits
		s.CurrItems += cs.Number
		s.TotalItems += cs.TotalItems
		s.Bytes += cs.MemRequested
		s.Evictions += cs.Evicted
		s.Reclaimed += cs.Reclaimed
		s.ExpiredUnfetched += cs.ExpiredUnfetched
		s.EvictedUnfetched += cs.EvictedUnfetched
		s.EvictedActive += cs.EvictedActive
		s.CrawlerReclaimed += cs.CrawlerReclaimed
		s.CrawlerItemsChecked += cs.CrawlerItemsChecked
		if cs.UsedChunks != 0 || cs.Number != 0 || cs.TotalItems != 0 || cs.CmdSet != 0 {
			s.Classes = append(s.Classes, cs)
		}
	}
	return s
}

// ResetStats is `stats reset`'s storage part (threadlocal_stats_reset,
// item_stats_reset and stats.total_items): the counters start again; what
// is stored now (curr_items, bytes, used chunks) stays.
func (c *Cache) ResetStats() {
	c.workersMu.Lock()
	for _, w := range c.workers {
		w.statsMu.Lock()
		w.stats = threadStats{}
		w.statsMu.Unlock()
	}
	c.workersMu.Unlock()
	for id := range c.lrus {
		l := &c.lrus[id]
		l.mu.Lock()
		l.totalItems = 0
		l.evicted, l.evictedNonzero, l.evictedTime = 0, 0, 0
		l.evictedUnfetched, l.evictedActive, l.outOfMemory = 0, 0, 0
		l.reclaimed, l.expiredUnfetched, l.movesToWarm = 0, 0, 0
		l.crawlerReclaimed, l.crawlerItemsChecked = 0, 0
		l.mu.Unlock()
	}
}
