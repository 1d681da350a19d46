package main

import "unsafe"

// The keys side of blocking (blocked.c's signalKeyAsReady and
// handleClientsBlockedOnKeys with t_list.c's and t_zset.c's serving): a
// key that gets data while clients wait on it is queued once per run of
// the ready list, and the list is run after every command and before the
// loop sleeps.

// signalKeyAsReady queues key of d, just created with type typ, if clients
// wait on it for that type (signalKeyAsReady).
func (d *db) signalKeyAsReady(key string, typ uint8) {
	b := d.blocking
	var btype uint8
	switch typ {
	case objList:
		btype = blockedList
	case objZset:
		btype = blockedZset
	default:
		return
	}
	if b.byType[btype] == 0 {
		return
	}
	bl := d.blockingKeys[key]
	if bl == nil {
		return
	}
	if _, ok := d.readyKeys[key]; ok {
		return
	}
	d.readyKeys[bl.key] = struct{}{}
	b.ready = append(b.ready, readyKey{d: d, key: bl.key})
}

// scanDatabaseForReadyKeys signals the keys of d that clients wait on and
// that now hold data, after SWAPDB brought in another keyspace
// (scanDatabaseForReadyKeys).
func (s *server) scanDatabaseForReadyKeys(d *db) {
	for key := range d.blockingKeys {
		if o := s.lookupDB(d, keyBytes(key)); o != nil {
			d.signalKeyAsReady(key, o.typ)
		}
	}
}

// keyBytes views a key string as bytes, for lookups (never written).
func keyBytes(key string) []byte { return unsafe.Slice(unsafe.StringData(key), len(key)) }

// handleClientsBlockedOnKeys serves the clients blocked on the keys that
// got data, key by key in the order they got it, and for each key the
// clients in the order they blocked (handleClientsBlockedOnKeys).
func (s *server) handleClientsBlockedOnKeys() {
	b := &s.blocking
	for len(b.ready) > 0 {
		l := b.ready
		b.ready = b.readySpare[:0]
		for i := range l {
			rl := l[i]
			l[i] = readyKey{}
			delete(rl.d.readyKeys, rl.key)
			s.db = rl.d
			o := s.lookupDB(rl.d, keyBytes(rl.key))
			if o == nil {
				continue
			}
			switch o.typ {
			case objList:
				s.serveClientsBlockedOnListKey(o, rl)
			case objZset:
				s.serveClientsBlockedOnSortedSetKey(o, rl)
			}
		}
		b.readySpare = l[:0]
	}
}

// serveClientsBlockedOnListKey serves the clients blocked on a list key
// until it is empty (serveClientsBlockedOnListKey).
func (s *server) serveClientsBlockedOnListKey(o *robj, rl readyKey) {
	if s.blocking.byType[blockedList] == 0 {
		return
	}
	bl := rl.d.blockingKeys[rl.key]
	if bl == nil {
		return
	}
	for n := bl.head; n != nil; {
		next := n.next
		bs := n.bs
		if bs.btype != blockedList {
			n = next
			continue
		}
		c := bs.c
		mark := len(c.Out)
		deleted := s.serveClientBlockedOnList(bs, o, rl.key, rl.d)
		s.unblockClient(bs)
		c.CommandDone(mark)
		if deleted {
			break
		}
		n = next
	}
}

// serveClientsBlockedOnSortedSetKey serves the clients blocked on a sorted
// set key until it is empty (serveClientsBlockedOnSortedSetKey).
func (s *server) serveClientsBlockedOnSortedSetKey(o *robj, rl readyKey) {
	if s.blocking.byType[blockedZset] == 0 {
		return
	}
	bl := rl.d.blockingKeys[rl.key]
	if bl == nil {
		return
	}
	for n := bl.head; n != nil; {
		next := n.next
		bs := n.bs
		if bs.btype != blockedZset {
			n = next
			continue
		}
		c := bs.c
		mark := len(c.Out)
		nested := c.lastcmd != nil && c.lastcmd.name == "bzmpop"
		deleted := genericZpop(s, c, o, keyBytes(rl.key), int(bs.wherefrom), bs.count, nested)
		s.unblockClient(bs)
		c.CommandDone(mark)
		if deleted {
			break
		}
		n = next
	}
}
