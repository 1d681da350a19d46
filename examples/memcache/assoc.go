package main

import (
	"bytes"
	"hash/maphash"
	"sync"
	"sync/atomic"
)

// The hash table (assoc.c) and the item locks (thread.c item_lock).
//
// memcached keeps one table of 2^hashpower buckets, shared by all workers,
// and guards it with item locks: a power-of-two array of mutexes, sized by
// the thread count, the lock for a key chosen by the low bits of its hash.
// Growing that table needs every worker to pause (assoc_expand under the
// global lock switch). Here the table is striped by the same lock index:
// stripe i holds exactly the keys whose item lock is i, in buckets of its
// own, so the item lock also guards the stripe's buckets, and a stripe
// grows alone under its lock (a pause for that stripe's keys only). No
// request takes a lock other than its key's item lock, plus its class's LRU
// lock when it links or unlinks an item.

const (
	// hashpowerDefault is HASHPOWER_DEFAULT: 2^16 buckets at start.
	hashpowerDefault = 16
	// hashBits is the width of an item's hash: a stripe grows up to the
	// bits left above the lock index.
	hashBits = 32
)

// itemLockHashpower is memcached_thread_init's choice of item lock count
// from the worker count: 2^10 locks for 1-2 workers, 2^11 for 3, 2^12 for
// 4, 2^13 up to 10, 2^14 up to 20, 2^15 beyond.
func itemLockHashpower(threads int) uint {
	switch {
	case threads < 3:
		return 10
	case threads < 4:
		return 11
	case threads < 5:
		return 12
	case threads <= 10:
		return 13
	case threads <= 20:
		return 14
	}
	return 15
}

// stripe is one item lock and the buckets of the keys it guards.
type stripe struct {
	mu      sync.Mutex
	buckets []*Item // chains through Item.hnext
	count   int     // items linked in this stripe
	_       [24]byte
}

// assoc is the striped table.
type assoc struct {
	seed     maphash.Seed
	stripes  []stripe
	lockBits uint         // item_lock_hashpower
	lockMask uint32       // hashmask(item_lock_hashpower)
	buckets  atomic.Int64 // in all stripes, for hash_power_level
}

// init makes 2^lockPower stripes holding 2^hashpower buckets in all.
func (a *assoc) init(hashpower, lockPower uint) {
	a.seed = maphash.MakeSeed()
	a.lockBits = lockPower
	a.lockMask = 1<<lockPower - 1
	a.stripes = make([]stripe, 1<<lockPower)
	per := 1
	if hashpower > lockPower {
		per = 1 << (hashpower - lockPower)
	}
	for i := range a.stripes {
		a.stripes[i].buckets = make([]*Item, per)
	}
	a.buckets.Store(int64(per) << lockPower)
}

// hash is memcached's hash(key, nkey) (murmur3 there; the runtime's
// AES-based hash here, seeded per process, so keys cannot be chosen to
// collide).
func (a *assoc) hash(key []byte) uint32 { return uint32(maphash.Bytes(a.seed, key)) }

// stripeOf is item_lock(hv)'s choice: the low bits of the hash.
func (a *assoc) stripeOf(hv uint32) *stripe { return &a.stripes[hv&a.lockMask] }

// bucket is the bucket of hv within its stripe: the bits above the lock
// index.
func (a *assoc) bucket(s *stripe, hv uint32) **Item {
	return &s.buckets[(hv>>a.lockBits)&uint32(len(s.buckets)-1)]
}

// find is assoc_find: the item with this key, or nil. The caller holds
// the stripe's lock.
func (a *assoc) find(s *stripe, key []byte, hv uint32) *Item {
	for it := *a.bucket(s, hv); it != nil; it = it.hnext {
		if it.hv == hv && bytes.Equal(it.Key(), key) {
			return it
		}
	}
	return nil
}

// insert is assoc_insert: put it at the head of its chain, growing the
// stripe first when it holds more than 1.5 items per bucket (memcached's
// expansion threshold). The key must not be present.
func (a *assoc) insert(s *stripe, it *Item) {
	if s.count >= len(s.buckets)*3/2 && uint(len(s.buckets)) < 1<<(hashBits-a.lockBits) {
		a.expand(s)
	}
	b := a.bucket(s, it.hv)
	it.hnext = *b
	*b = it
	s.count++
}

// remove is assoc_delete: unchain it.
func (a *assoc) remove(s *stripe, it *Item) {
	for p := a.bucket(s, it.hv); *p != nil; p = &(*p).hnext {
		if *p == it {
			*p = it.hnext
			it.hnext = nil
			s.count--
			return
		}
	}
}

// expand is assoc_expand for one stripe: double its buckets and rechain
// its items, all under the stripe's lock.
func (a *assoc) expand(s *stripe) {
	old := s.buckets
	s.buckets = make([]*Item, 2*len(old))
	for _, it := range old {
		for it != nil {
			next := it.hnext
			b := a.bucket(s, it.hv)
			it.hnext = *b
			*b = it
			it = next
		}
	}
	a.buckets.Add(int64(len(old)))
}

// hashPowerLevel is `stats` hash_power_level: log2 of the buckets in all
// stripes (stripes grow one by one, so this is the floor).
func (a *assoc) hashPowerLevel() int {
	n, p := a.buckets.Load(), 0
	for n > 1 {
		n >>= 1
		p++
	}
	return p
}
