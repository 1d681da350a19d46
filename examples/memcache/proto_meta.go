package main

import (
	"encoding/base64"
	"strconv"

	"github.com/goae/goae/internal/mcproto"
)

// The meta commands (proto_text.c's process_mget_command,
// process_mset_command, process_mdelete_command,
// process_marithmetic_command, process_meta_command). mcproto has checked
// the flags; here they are executed, under the key's item lock where
// memcached takes it (mg with flags that change the item, ms's store, md,
// ma), and the flags asked for are echoed in request order. Meta errors are
// always sent; q hides only a command's nominal reply (mg EN, ms/md/ma HD).

// metaKey is META_KEY: " k<key>", base64 with a " b" after it for a binary
// key.
func metaKey(b, key []byte, binary bool) []byte {
	b = append(b, " k"...)
	if !binary {
		return append(b, key...)
	}
	b = base64.StdEncoding.AppendEncode(b, key)
	return append(b, " b"...)
}

// metaTTL appends an item's remaining TTL, -1 for none (mg/ma t).
func metaTTL(b []byte, exptime, now relTime) []byte {
	if exptime == 0 {
		return append(b, "-1"...)
	}
	return strconv.AppendUint(b, uint64(exptime-now), 10)
}

// processMgetCommand is process_mget_command.
func (c *conn) processMgetCommand(req *mcproto.Request) {
	w, cache, m := c.t.w, c.t.s.cache, &req.Meta
	key := req.Key
	hv := cache.assoc.hash(key)
	st := cache.assoc.stripeOf(hv)
	st.mu.Lock()
	it := cache.itemGet(w, key, hv, st, false)
	created := false
	if it == nil && m.Has('N') {
		// Autovivify: an empty item, whose first reader wins the token.
		if nit, err := cache.itemAlloc(w, key, hv, 0, 0, 0, st); err == nil {
			cache.link(nit, st)
			it, created = nit, true
		}
	}
	now := cache.clock.now()
	ttlSet := false
	if it == nil {
		st.mu.Unlock()
		w.statsMu.Lock()
		if m.Has('T') {
			w.stats.touchCmds++
			w.stats.touchMisses++
		} else {
			w.stats.getMisses++
		}
		w.stats.getCmds++
		w.statsMu.Unlock()
		if m.Quiet() {
			return
		}
		b := append(c.text(), "EN"...)
		for _, f := range m.Flags {
			switch f.Letter {
			case 'O':
				b = append(append(b, ' '), f.Token...)
			case 'k':
				b = metaKey(b, key, m.Has('b'))
			}
		}
		c.out.buf = append(b, '\r', '\n')
		return
	}
	b := c.text()
	if m.Has('v') {
		b = strconv.AppendUint(append(b, "VA "...), uint64(len(it.Data())-2), 10)
	} else {
		b = append(b, "HD"...)
	}
	won := false
	for _, f := range m.Flags {
		switch f.Letter {
		case 'T':
			ttlSet = true
			it.exptime.Store(cache.clock.realtime(int64(m.TTL)))
		case 'N':
			if created {
				it.exptime.Store(cache.clock.realtime(int64(m.Vivify)))
				won = true
			}
		case 'R':
			// Win the recache token when the TTL left is below R's.
			if e := it.exptime.Load(); it.iflags&itemTokenSent == 0 && !created && e != 0 &&
				e < cache.clock.realtime(int64(m.Recache)) {
				won = true
			}
		case 's':
			b = strconv.AppendUint(append(b, " s"...), uint64(len(it.Data())-2), 10)
		case 't':
			b = metaTTL(append(b, " t"...), it.exptime.Load(), now)
		case 'c':
			b = strconv.AppendUint(append(b, " c"...), it.cas, 10)
		case 'f':
			b = strconv.AppendUint(append(b, " f"...), uint64(it.flags), 10)
		case 'l':
			b = strconv.AppendUint(append(b, " l"...), uint64(now-it.time.Load()), 10)
		case 'h':
			if it.iflags&itemFetched != 0 {
				b = append(b, " h1"...)
			} else {
				b = append(b, " h0"...)
			}
		case 'O':
			b = append(append(b, ' '), f.Token...)
		case 'k':
			b = metaKey(b, it.Key(), it.iflags&itemKeyBinary != 0)
		}
	}
	// Z: a token is already out (so no W with it); X: stale, and the
	// first reader since wins.
	if it.iflags&itemTokenSent != 0 {
		b = append(b, " Z"...)
	}
	if it.iflags&itemStale != 0 {
		b = append(b, " X"...)
		if it.iflags&itemTokenSent == 0 {
			won = true
		}
	}
	if won {
		b = append(b, " W"...)
		it.iflags |= itemTokenSent
	}
	c.out.buf = append(b, '\r', '\n')
	// The bump comes after h and l have read the item as it was.
	if !m.Has('u') {
		cache.bump(it, now)
	}
	st.mu.Unlock()
	w.statsMu.Lock()
	if ttlSet {
		w.stats.touchCmds++
		w.stats.slab[it.clsid].touchHits++
	} else {
		w.stats.slab[it.clsid].getHits++
	}
	w.stats.getCmds++
	w.statsMu.Unlock()
	if m.Has('v') {
		c.addValue(it)
	} else {
		w.Release(it)
	}
}

// msetState is what an ms keeps while its value is read (c->mset_res and
// the flags memcached stashes in the response buffer).
type msetState struct {
	quiet bool
	stale bool   // I with a compare CAS (c->set_stale): see doStoreItem
	echo  []byte // the flags to echo: "O<opaque>", "k", "c", in order, space-separated
}

// processMsetCommand is process_mset_command: as process_update_command,
// with the mode, the CAS and the TTL from the flags.
func (c *conn) processMsetCommand(req *mcproto.Request) {
	m := &req.Meta
	cmd := CmdSet
	exptime := int64(0)
	if m.Has('T') {
		exptime = int64(m.TTL)
	}
	switch m.Mode {
	case 'E':
		cmd = CmdAdd
	case 'A':
		cmd = CmdAppend // 1.6.18 takes N here but does not vivify: NS
	case 'P':
		cmd = CmdPrepend
	case 'R':
		cmd = CmdReplace
	}
	// A compare CAS makes set and replace a cas.
	if m.Has('C') && (cmd == CmdSet || cmd == CmdReplace) {
		cmd = CmdCAS
	}
	it, err := c.t.w.Alloc(req.Key, m.ClientFlags, exptime, req.Bytes)
	if err != nil {
		if err == ErrTooLarge {
			c.outString(mcproto.ErrTooLarge.Reply)
		} else {
			c.outString(mcproto.ErrOutOfMemoryStoring.Reply)
		}
		c.t.w.Unlink(req.Key) // no stale value either way
		c.sbytes = int64(req.Bytes) + 2
		c.setState(connSwallow)
		return
	}
	if m.Has('b') {
		it.iflags |= itemKeyBinary
	}
	ms := c.mset
	if ms == nil {
		ms = new(msetState)
		c.mset = ms
	}
	ms.quiet = m.Quiet()
	// I only matters to a cas (set or replace with C), as in memcached.
	ms.stale = m.Has('I') && cmd == CmdCAS
	ms.echo = ms.echo[:0]
	for _, f := range m.Flags {
		switch f.Letter {
		case 'O':
			ms.echo = append(append(ms.echo, f.Token...), ' ')
		case 'k', 'c':
			ms.echo = append(ms.echo, f.Letter, ' ')
		}
	}
	c.meta = true
	c.item = it
	c.rlbytes = int32(len(it.Data()))
	c.nreadCmd = cmd
	c.nreadCAS = m.CompareCAS
	c.setState(connNread)
}

// finalizeMset is _finalize_mset, after complete_nread_ascii's check.
func (c *conn) finalizeMset(it *Item) {
	ms := c.mset
	c.meta = false
	w := c.t.w
	if mcproto.CheckDataEnd(it.Data()) != nil {
		w.BadDataChunk(it)
		c.out.buf = append(c.text(), mcproto.ErrBadDataChunk.Reply...)
		return
	}
	key := it.Key()
	binary := it.iflags&itemKeyBinary != 0 // read while the item is still ours alone
	it.refcount.Add(1)                     // the key stays ours to read for k below
	defer w.Release(it)
	res, cas := w.storeItem(it, c.nreadCmd, c.nreadCAS, ms.stale)
	if res == Stored && ms.quiet {
		return
	}
	b := append(c.text(), msetCodes[res]...)
	for f := ms.echo; len(f) > 0; {
		i := 0
		for i < len(f) && f[i] != ' ' {
			i++
		}
		switch tok := f[:i]; tok[0] {
		case 'O':
			b = append(append(b, ' '), tok...)
		case 'k':
			b = metaKey(b, key, binary)
		case 'c':
			b = strconv.AppendUint(append(b, " c"...), cas, 10)
		}
		f = f[i+1:]
	}
	c.out.buf = append(b, '\r', '\n')
}

var msetCodes = [...]string{NotStored: "NS", Stored: "HD", Exists: "EX", NotFound: "NF"}

// processMdeleteCommand is process_mdelete_command.
func (c *conn) processMdeleteCommand(req *mcproto.Request) {
	w, cache, m := c.t.w, c.t.s.cache, &req.Meta
	key := req.Key
	hv := cache.assoc.hash(key)
	st := cache.assoc.stripeOf(hv)
	st.mu.Lock()
	it := cache.itemGet(w, key, hv, st, false)
	code := "NF"
	switch {
	case it == nil:
		w.countDeleteMiss()
	case m.Has('C') && it.cas != m.CompareCAS:
		w.countDeleteMiss()
		code = "EX"
	case m.Has('I'):
		// Invalidate: keep the item, stale, with a new CAS, for the next
		// reader to win the token.
		if m.Has('T') {
			it.exptime.Store(cache.clock.realtime(int64(m.TTL)))
		}
		it.iflags |= itemStale
		it.iflags &^= itemTokenSent
		if cache.settings.UseCAS {
			it.cas = cache.nextCAS()
		}
		code = "HD"
	default:
		w.statsMu.Lock()
		w.stats.slab[it.clsid].deleteHits++
		w.statsMu.Unlock()
		cache.unlink(it, st)
		code = "HD"
	}
	if it != nil {
		cache.release(it)
	}
	st.mu.Unlock()
	if code == "HD" && m.Quiet() {
		return
	}
	c.out.buf = c.metaEcho(append(c.text(), code...), m, key)
}

func (w *Worker) countDeleteMiss() {
	w.statsMu.Lock()
	w.stats.deleteMisses++
	w.statsMu.Unlock()
}

// metaEcho appends the O and k flags and the line's end.
func (c *conn) metaEcho(b []byte, m *mcproto.Meta, key []byte) []byte {
	for _, f := range m.Flags {
		switch f.Letter {
		case 'O':
			b = append(append(b, ' '), f.Token...)
		case 'k':
			b = metaKey(b, key, m.Has('b'))
		}
	}
	return append(b, '\r', '\n')
}

// processMarithmeticCommand is process_marithmetic_command.
func (c *conn) processMarithmeticCommand(req *mcproto.Request) {
	w, cache, m := c.t.w, c.t.s.cache, &req.Meta
	key := req.Key
	incr := m.Mode != 'D' && m.Mode != '-'
	hv := cache.assoc.hash(key)
	st := cache.assoc.stripeOf(hv)
	st.mu.Lock()
	res, value, _, cls := cache.addDelta(w, key, hv, st, incr, m.Delta, m.CompareCAS)
	var it *Item
	created := false
	code := ""
	switch res {
	case DeltaOK:
		if it = cache.itemGet(w, key, hv, st, false); it == nil {
			code = "NF"
		}
	case DeltaNonNumeric, DeltaEOM:
		st.mu.Unlock()
		c.out.buf = append(append(c.text(), res.String()...), '\r', '\n')
		return
	case DeltaNotFound:
		if m.Has('N') {
			value = m.Initial
			var num [20]byte
			v := strconv.AppendUint(num[:0], value, 10)
			nit, err := cache.itemAlloc(w, key, hv, 0, 0, len(v), st)
			if err != nil {
				st.mu.Unlock()
				c.out.buf = append(c.text(), "SERVER_ERROR Out of memory allocating new item\r\n"...)
				return
			}
			copy(nit.Data(), v)
			cache.link(nit, st)
			it, created = nit, true
		} else {
			code = "NF"
		}
	case DeltaCASMismatch:
		code = "EX"
	}
	w.statsMu.Lock()
	switch {
	case res == DeltaNotFound && !created && incr:
		w.stats.incrMisses++
	case res == DeltaNotFound && !created:
		w.stats.decrMisses++
	case cls != 0 && incr:
		w.stats.slab[cls].incrHits++
	case cls != 0:
		w.stats.slab[cls].decrHits++
	}
	w.statsMu.Unlock()
	if it == nil {
		st.mu.Unlock()
		c.out.buf = c.metaEcho(append(c.text(), code...), m, key)
		return
	}
	var num [20]byte
	v := strconv.AppendUint(num[:0], value, 10)
	b := c.text()
	if m.Has('v') {
		b = strconv.AppendUint(append(b, "VA "...), uint64(len(v)), 10)
	} else {
		b = append(b, "HD"...)
	}
	now := cache.clock.now()
	for _, f := range m.Flags {
		switch f.Letter {
		case 'c':
			b = strconv.AppendUint(append(b, " c"...), it.cas, 10)
		case 't':
			b = metaTTL(append(b, " t"...), it.exptime.Load(), now)
		case 'T':
			it.exptime.Store(cache.clock.realtime(int64(m.TTL)))
		case 'N':
			if created {
				it.exptime.Store(cache.clock.realtime(int64(m.Vivify)))
			}
		case 'O':
			b = append(append(b, ' '), f.Token...)
		case 'k':
			b = metaKey(b, key, m.Has('b'))
		}
	}
	cache.release(it)
	st.mu.Unlock()
	if m.Quiet() && !created {
		return // q hides a nominal ma, its value too
	}
	b = append(b, '\r', '\n')
	if m.Has('v') {
		b = append(append(b, v...), '\r', '\n')
	}
	c.out.buf = b
}

// processMetaCommand is process_meta_command (me): the item's metadata,
// read under its item lock.
func (c *conn) processMetaCommand(req *mcproto.Request) {
	w, cache := c.t.w, c.t.s.cache
	w.CountMeta()
	key := req.Key
	hv := cache.assoc.hash(key)
	st := cache.assoc.stripeOf(hv)
	st.mu.Lock()
	defer st.mu.Unlock()
	it := cache.itemGet(w, key, hv, st, false)
	if it == nil {
		c.out.buf = append(c.text(), "EN\r\n"...)
		return
	}
	defer cache.release(it)
	now := cache.clock.now()
	b := append(c.text(), "ME "...)
	if it.iflags&itemKeyBinary != 0 {
		b = base64.StdEncoding.AppendEncode(b, it.Key())
	} else {
		b = append(b, it.Key()...)
	}
	b = append(b, " exp="...)
	if e := it.exptime.Load(); e == 0 {
		b = append(b, "-1"...)
	} else {
		b = strconv.AppendInt(b, int64(int32(e-now)), 10)
	}
	b = strconv.AppendUint(append(b, " la="...), uint64(now-it.time.Load()), 10)
	b = strconv.AppendUint(append(b, " cas="...), it.cas, 10)
	if it.iflags&itemFetched != 0 {
		b = append(b, " fetch=yes"...)
	} else {
		b = append(b, " fetch=no"...)
	}
	b = strconv.AppendUint(append(b, " cls="...), uint64(it.clsid), 10)
	b = strconv.AppendUint(append(b, " size="...), uint64(cache.ntotal(it)), 10)
	c.out.buf = append(b, '\r', '\n')
}
