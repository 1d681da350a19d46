package main

import (
	"strconv"

	"github.com/goae/goae/internal/mcproto"
)

// The text protocol's commands (proto_text.c). internal/mcproto has read
// and checked the line (process_command_ascii's tokenizing and every
// refusal it makes before touching the cache); here each command runs and
// answers with memcached's bytes.

// processCommand is process_command_ascii's dispatch, after the parse.
func (c *conn) processCommand(req *mcproto.Request) {
	c.noreply = req.NoReply
	if c.t.s.verbose() > 1 {
		c.t.s.log.Debug("command", "addr", c.addr(), "line", string(req.Line))
	}
	switch req.Kind {
	case mcproto.KindSet:
		c.processUpdateCommand(req, CmdSet)
	case mcproto.KindAdd:
		c.processUpdateCommand(req, CmdAdd)
	case mcproto.KindReplace:
		c.processUpdateCommand(req, CmdReplace)
	case mcproto.KindAppend:
		c.processUpdateCommand(req, CmdAppend)
	case mcproto.KindPrepend:
		c.processUpdateCommand(req, CmdPrepend)
	case mcproto.KindCas:
		c.processUpdateCommand(req, CmdCAS)
	case mcproto.KindGet, mcproto.KindGets, mcproto.KindGat, mcproto.KindGats:
		c.processGetCommand(req)
	case mcproto.KindDelete:
		if c.t.w.Delete(req.Key) {
			c.outString("DELETED\r\n")
		} else {
			c.outString("NOT_FOUND\r\n")
		}
	case mcproto.KindIncr, mcproto.KindDecr:
		c.processArithmeticCommand(req)
	case mcproto.KindTouch:
		if c.t.w.Touch(req.Key, int64(req.Exptime)) {
			c.outString("TOUCHED\r\n")
		} else {
			c.outString("NOT_FOUND\r\n")
		}
	case mcproto.KindFlushAll:
		c.t.w.FlushAll(int64(req.Exptime))
		c.outString("OK\r\n")
	case mcproto.KindVersion:
		c.outString("VERSION " + version + "\r\n")
	case mcproto.KindVerbosity:
		c.t.s.verbosity.Store(int32(min(req.Level, 2)))
		c.outString("OK\r\n")
	case mcproto.KindQuit:
		// Replies queued before it are sent; nothing after it runs.
		c.closeAfterWrite = true
		c.setState(connMwrite)
	case mcproto.KindStats:
		c.processStat(req.Args)
	case mcproto.KindShutdown:
		c.outString(mcproto.ErrShutdownNotEnabled.Reply)
	case mcproto.KindCacheMemlimit:
		c.processMemlimitCommand(req)
	case mcproto.KindSlabs:
		c.processSlabsCommand(req.Args)
	case mcproto.KindRefreshCerts:
		c.outString("Error TLS not enabled\r\n")
	case mcproto.KindMetaGet:
		c.processMgetCommand(req)
	case mcproto.KindMetaSet:
		c.processMsetCommand(req)
	case mcproto.KindMetaDelete:
		c.processMdeleteCommand(req)
	case mcproto.KindMetaArithmetic:
		c.processMarithmeticCommand(req)
	case mcproto.KindMetaNoop:
		// Not counted in cmd_meta: memcached 1.6.18 counts me alone.
		c.outString("MN\r\n")
	case mcproto.KindMetaDebug:
		c.processMetaCommand(req)
	default:
		// lru, lru_crawler, watch, extstore: not served (see README).
		c.outString("ERROR\r\n")
	}
}

// processUpdateCommand is process_update_command: allocate the item and
// read the value into it (conn_nread), or refuse it and swallow the value
// (conn_swallow), the refusal sent only once the value has gone.
func (c *conn) processUpdateCommand(req *mcproto.Request, cmd StoreCmd) {
	it, err := c.t.w.Alloc(req.Key, req.Flags, int64(req.Exptime), req.Bytes)
	if err != nil {
		if err == ErrTooLarge {
			c.outString(mcproto.ErrTooLarge.Reply)
		} else {
			c.outString(mcproto.ErrOutOfMemoryStoring.Reply)
		}
		c.sbytes = int64(req.Bytes) + 2
		c.setState(connSwallow)
		// A set that cannot be stored must not leave the old value.
		if cmd == CmdSet {
			c.t.w.Unlink(req.Key)
		}
		return
	}
	c.item = it
	c.rlbytes = int32(len(it.Data()))
	c.nreadCmd = cmd
	c.nreadCAS = req.CAS
	c.setState(connNread)
}

// completeNread is complete_nread_ascii: the value is in; check its
// "\r\n" and store it.
func (c *conn) completeNread() {
	it := c.item
	c.item = nil
	c.setState(connNewCmd)
	if c.meta {
		c.finalizeMset(it)
		return
	}
	if mcproto.CheckDataEnd(it.Data()) != nil {
		c.t.w.BadDataChunk(it)
		c.outString(mcproto.ErrBadDataChunk.Reply)
		return
	}
	res, _ := c.t.w.Store(it, c.nreadCmd, c.nreadCAS)
	c.outString(storeLines[res])
}

var storeLines = [...]string{
	NotStored: "NOT_STORED\r\n", Stored: "STORED\r\n", Exists: "EXISTS\r\n", NotFound: "NOT_FOUND\r\n",
}

// processGetCommand is process_get_command: a VALUE line and the data for
// each key found, in order, then END. gat and gats touch what they find.
func (c *conn) processGetCommand(req *mcproto.Request) {
	w := c.t.w
	withCAS := req.Kind == mcproto.KindGets || req.Kind == mcproto.KindGats
	touch := req.Kind == mcproto.KindGat || req.Kind == mcproto.KindGats
	for _, key := range req.Keys {
		var it *Item
		if touch {
			it = w.Gat(key, int64(req.Exptime))
		} else {
			it = w.Get(key)
		}
		if it == nil {
			continue
		}
		b := append(c.text(), "VALUE "...)
		b = append(b, it.Key()...)
		b = append(b, ' ')
		b = strconv.AppendUint(b, uint64(it.Flags()), 10)
		b = append(b, ' ')
		b = strconv.AppendUint(b, uint64(len(it.Data())-2), 10)
		if withCAS {
			b = append(b, ' ')
			b = strconv.AppendUint(b, it.CAS(), 10)
		}
		c.out.buf = append(b, '\r', '\n')
		c.addValue(it)
	}
	c.out.buf = append(c.text(), "END\r\n"...)
}

// processArithmeticCommand is process_arithmetic_command (incr, decr).
func (c *conn) processArithmeticCommand(req *mcproto.Request) {
	res, v, _ := c.t.w.Incr(req.Key, req.Kind == mcproto.KindIncr, req.Delta, 0)
	if res == DeltaOK {
		c.outUint(v)
		return
	}
	c.outLine(res.String())
}

// processMemlimitCommand is process_memlimit_command (cache_memlimit).
func (c *conn) processMemlimitCommand(req *mcproto.Request) {
	switch {
	case req.Level < 8:
		c.outString(mcproto.ErrMemlimitTooSmall.Reply)
	case req.Level > 1000000000:
		c.outString("MEMLIMIT_ADJUST_FAILED input value is megabytes not bytes\r\n")
	default:
		c.t.s.cache.SetMemLimit(c.t.w, int64(req.Level)<<20)
		c.outString("OK\r\n")
	}
}

// processSlabsCommand is process_slabs_command, of which only automove is
// taken (and does nothing: there are no pages to move).
func (c *conn) processSlabsCommand(args [][]byte) {
	if len(args) == 2 && string(args[0]) == "automove" {
		if v, err := strconv.Atoi(string(args[1])); err == nil && v >= 0 && v <= 2 {
			c.outString("OK\r\n")
			return
		}
	}
	c.outString("ERROR\r\n")
}
