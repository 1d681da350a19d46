package main

import (
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
)

// Size classes, as memcached's slabs.c computes them. memcached carves
// 1 MB pages into chunks of one class and hands a chunk to each item; here
// every item is one Go allocation of exactly its class's chunk size, so the
// classes decide what an item costs (and so what -m counts), which LRU it
// sits on, and what `stats slabs` reports, while the Go allocator (with the
// GC) stands in for the pages and their free lists.

const (
	// powerSmallest is POWER_SMALLEST: class ids start at 1; 0 means "too
	// large" (slabs_clsid).
	powerSmallest = 1

	// maxSlabClasses is MAX_NUMBER_OF_SLAB_CLASSES (63 + 1).
	maxSlabClasses = 64

	// chunkAlignBytes is CHUNK_ALIGN_BYTES: chunk sizes are multiples of 8.
	chunkAlignBytes = 8

	// mcItemHeader is sizeof(item) in memcached on a 64-bit build (48), and
	// mcCASBytes the CAS it adds when CAS is on: the sizes an item is
	// classed and limited by are memcached's (item_make_header), so that
	// -I and the class of an item are the same as there.
	mcItemHeader = 48
	mcCASBytes   = 8

	defaultSlabPageSize = 1 << 20
)

// slabClass is one slabclass_t: its chunk size and how many fit a page,
// with the chunks in use (atomic: taken and given back on every store,
// without the class's LRU lock).
type slabClass struct {
	size    int // chunk size in bytes
	perslab int // chunks per 1 MB page

	// typ is the Go type of an item of this class: the Item header then
	// size-itemHeaderSize bytes (see newItemMem).
	typ reflect.Type

	usedChunks atomic.Int64
	usedBytes  atomic.Int64 // accounted bytes of this class's items
}

// slabs is the set of classes (slabs_init) and the rules that go with it.
type slabs struct {
	classes     [maxSlabClasses]slabClass
	largest     int // power_largest
	chunkMax    int // slab_chunk_size_max
	pageSize    int
	itemSizeMax int

	// chunkedTypes holds the Go types of allocations above chunkMax, made
	// on first use (a map of int keys: a lookup does not allocate, where a
	// sync.Map would box the key).
	chunkedMu    sync.Mutex
	chunkedTypes map[int]reflect.Type
}

// init is slabs_init: from sizeof(item)+chunk_size (96 with the default -n
// 48), each class factor times the last, rounded up to 8, until a class
// would reach slab_chunk_size_max/factor; the last class is
// slab_chunk_size_max itself (512 KB: half a page).
func (s *slabs) init(chunkSize int, factor float64, itemSizeMax, pageSize int) error {
	if factor <= 1 {
		return settingsError("Factor must be greater than 1")
	}
	if chunkSize <= 0 {
		return settingsError("Chunk size must be greater than 0")
	}
	s.pageSize = pageSize
	s.itemSizeMax = itemSizeMax
	s.chunkMax = pageSize / 2
	if s.chunkMax > itemSizeMax {
		// memcached refuses a chunk max above -I; a small -I here simply
		// makes the largest class -I.
		s.chunkMax = itemSizeMax
	}
	i := powerSmallest - 1
	size := uint32(mcItemHeader + chunkSize)
	for i++; i < maxSlabClasses-1; i++ {
		if float64(size) >= float64(s.chunkMax)/factor {
			break
		}
		if size%chunkAlignBytes != 0 {
			size += chunkAlignBytes - size%chunkAlignBytes
		}
		s.classes[i].size = int(size)
		s.classes[i].perslab = pageSize / int(size)
		size = uint32(float64(size) * factor)
	}
	s.largest = i
	s.classes[i].size = s.chunkMax
	s.classes[i].perslab = pageSize / s.chunkMax
	for id := powerSmallest; id <= s.largest; id++ {
		c := &s.classes[id]
		if c.size < itemHeaderSize+2 {
			return fmt.Errorf("slab class %d: chunk size %d below the item header", id, c.size)
		}
		c.typ = itemType(c.size)
	}
	return nil
}

// clsid is slabs_clsid: the smallest class whose chunk holds size bytes,
// the largest class for a size above it (a chunked item), 0 when size is
// 0 or above -I.
func (s *slabs) clsid(size int) int {
	if size == 0 || size > s.itemSizeMax {
		return 0
	}
	// Binary search over the increasing chunk sizes.
	lo, hi := powerSmallest, s.largest
	if size > s.classes[hi].size {
		return s.largest
	}
	for lo < hi {
		m := (lo + hi) / 2
		if s.classes[m].size >= size {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

// allocSize is the bytes an item of ntotal bytes takes: its class's chunk
// or, above slab_chunk_size_max, as many whole largest chunks as it fills
// plus a chunk of the class that fits the rest (memcached's chunked items:
// do_item_alloc_chunk sizes the last chunk to the remainder). It also
// returns the chunks used, for `stats slabs`.
func (s *slabs) allocSize(ntotal int) (size, chunks int) {
	if ntotal <= s.chunkMax {
		return s.classes[s.classFor(ntotal)].size, 1
	}
	full, rest := ntotal/s.chunkMax, ntotal%s.chunkMax
	size, chunks = full*s.chunkMax, full
	if rest > 0 {
		size += s.classes[s.classFor(rest)].size
		chunks++
	}
	return size, chunks
}

// typeFor returns the Go type of an item allocation of size bytes.
func (s *slabs) typeFor(id, size int) reflect.Type {
	if c := &s.classes[id]; c.size == size {
		return c.typ
	}
	s.chunkedMu.Lock()
	defer s.chunkedMu.Unlock()
	t, ok := s.chunkedTypes[size]
	if !ok {
		if s.chunkedTypes == nil {
			s.chunkedTypes = map[int]reflect.Type{}
		}
		t = itemType(size)
		s.chunkedTypes[size] = t
	}
	return t
}

// classFor is the class an item needing size bytes is kept in: as clsid,
// but with no -I limit (the caller has checked it with memcached's size).
func (s *slabs) classFor(size int) int {
	if size > s.chunkMax {
		return s.largest
	}
	return s.clsid(size)
}
