package main

import (
	"encoding/binary"
	"strings"

	"github.com/goae/goae/internal/resp"
)

// DUMP and RESTORE (cluster.c's dumpCommand and restoreCommand).
var dumpCommands = []*command{
	{name: "dump", arity: 2, flags: cmdReadonly, proc: dumpCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "restore", arity: -4, flags: cmdWrite | cmdDenyOOM | cmdCatDangerous, proc: restoreCommand, firstKey: 1, lastKey: 1, keyStep: 1},
}

func init() { keyCommands = append(keyCommands, dumpCommands...) }

// dumpCommand is DUMP key: the serialized value, or null.
func dumpCommand(s *server, c *client) {
	o := s.lookupRead(c.Argv[1])
	if o == nil {
		c.AddReplyNull()
		return
	}
	c.AddReplyBulk(s.createDumpPayload(o))
}

// verifyDumpPayload is verifyDumpPayload: at least the 10-byte footer,
// an RDB version this server reads, and the CRC64 of the rest.
func verifyDumpPayload(p []byte) bool {
	if len(p) < 10 {
		return false
	}
	footer := p[len(p)-10:]
	if binary.LittleEndian.Uint16(footer) > rdbVersion {
		return false
	}
	return crc64(0, p[:len(p)-8]) == binary.LittleEndian.Uint64(footer[2:])
}

// restoreCommand is RESTORE key ttl serialized-value [REPLACE] [ABSTTL]
// [IDLETIME seconds] [FREQ frequency]. IDLETIME and FREQ are parsed and
// checked as Redis does and set the restored object's access clock
// (objectSetLRUOrLFU, lru.go).
func restoreCommand(s *server, c *client) {
	replace, absttl := false, false
	var lfuFreq, lruIdle int64 = -1, -1
	argv := c.Argv
	for j := 4; j < len(argv); j++ {
		additional := len(argv) - j - 1
		switch opt := string(argv[j]); {
		case strings.EqualFold(opt, "replace"):
			replace = true
		case strings.EqualFold(opt, "absttl"):
			absttl = true
		case strings.EqualFold(opt, "idletime") && additional >= 1 && lfuFreq == -1:
			v, ok := resp.ParseInt(argv[j+1])
			if !ok {
				c.AddReplyError("value is not an integer or out of range")
				return
			}
			if v < 0 {
				c.AddReplyError("Invalid IDLETIME value, must be >= 0")
				return
			}
			lruIdle = v
			j++
		case strings.EqualFold(opt, "freq") && additional >= 1 && lruIdle == -1:
			v, ok := resp.ParseInt(argv[j+1])
			if !ok {
				c.AddReplyError("value is not an integer or out of range")
				return
			}
			if v < 0 || v > 255 {
				c.AddReplyError("Invalid FREQ value, must be >= 0 and <= 255")
				return
			}
			lfuFreq = v
			j++
		default:
			c.AddReply(resp.SyntaxErr)
			return
		}
	}
	key := argv[1]
	if !replace && s.lookup(key) != nil {
		c.AddReplyError("-BUSYKEY Target key name already exists.")
		return
	}
	ttl, ok := resp.ParseInt(argv[2])
	if !ok {
		c.AddReplyError("value is not an integer or out of range")
		return
	}
	if ttl < 0 {
		c.AddReplyError("Invalid TTL value, must be >= 0")
		return
	}
	payload := argv[3]
	if !verifyDumpPayload(payload) {
		c.AddReplyError("DUMP payload version or checksum are wrong")
		return
	}
	r := &rdbReader{p: payload}
	typ, err := r.byte()
	var obj *robj
	if err == nil {
		obj, err = s.rdbLoadObject(typ, r)
	}
	if err != nil {
		c.AddReplyError("Bad data format")
		return
	}
	deleted := false
	if replace {
		if old := s.lookup(key); old != nil {
			s.db.remove(old)
			deleted = true
		}
	}
	if ttl != 0 && !absttl {
		ttl += s.mstime
	}
	if ttl != 0 && ttl <= s.mstime {
		// Already expired: nothing is stored; a replaced key is deleted.
		if deleted {
			s.signalModifiedKey(s.db, key)
			s.notify(notifyGeneric, "del", key)
		}
		c.AddReply(resp.OK)
		return
	}
	obj.expire = ttl // addNamed files the TTL with the key
	s.db.add(key, obj)
	if o := s.db.dict[string(key)]; o != nil {
		objectSetLRUOrLFU(s, o, lfuFreq, lruIdle)
	}
	s.signalModifiedKey(s.db, key)
	s.notify(notifyGeneric, "restore", key)
	c.AddReply(resp.OK)
}
