package main

import (
	"math"
	"math/big"
	"strings"

	"github.com/goae/goae/internal/resp"
)

var stringCommands = []*command{
	{name: "get", arity: 2, flags: cmdReadonly | cmdFast, proc: getCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "set", arity: -3, flags: cmdWrite | cmdDenyOOM, proc: setCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "setnx", arity: 3, flags: cmdWrite | cmdFast | cmdDenyOOM, proc: setnxCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "setex", arity: 4, flags: cmdWrite | cmdDenyOOM, proc: setexCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "psetex", arity: 4, flags: cmdWrite | cmdDenyOOM, proc: psetexCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "getset", arity: 3, flags: cmdWrite | cmdFast | cmdDenyOOM, proc: getsetCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "getdel", arity: 2, flags: cmdWrite | cmdFast, proc: getdelCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "mget", arity: -2, flags: cmdReadonly | cmdFast, proc: mgetCommand, firstKey: 1, lastKey: -1, keyStep: 1},
	{name: "mset", arity: -3, flags: cmdWrite | cmdDenyOOM, proc: msetCommand, firstKey: 1, lastKey: -1, keyStep: 2},
	{name: "msetnx", arity: -3, flags: cmdWrite | cmdDenyOOM, proc: msetnxCommand, firstKey: 1, lastKey: -1, keyStep: 2},
	{name: "append", arity: 3, flags: cmdWrite | cmdFast | cmdDenyOOM, proc: appendCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "strlen", arity: 2, flags: cmdReadonly | cmdFast, proc: strlenCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "incr", arity: 2, flags: cmdWrite | cmdFast | cmdDenyOOM, proc: incrCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "decr", arity: 2, flags: cmdWrite | cmdFast | cmdDenyOOM, proc: decrCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "incrby", arity: 3, flags: cmdWrite | cmdFast | cmdDenyOOM, proc: incrbyCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "decrby", arity: 3, flags: cmdWrite | cmdFast | cmdDenyOOM, proc: decrbyCommand, firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "incrbyfloat", arity: 3, flags: cmdWrite | cmdFast | cmdDenyOOM, proc: incrbyfloatCommand, firstKey: 1, lastKey: 1, keyStep: 1},
}

// getString returns the string at key, nil if absent; it replies
// WRONGTYPE and reports false for another type.
func (s *server) getString(c *client, key []byte) (*robj, bool) {
	o := s.lookupRead(key)
	if o != nil && o.typ != objString {
		c.AddReply(resp.WrongTypeErr)
		return nil, false
	}
	return o, true
}

// getGeneric replies the string at argv[1] or nil (getGenericCommand).
func getGeneric(s *server, c *client) bool {
	o, ok := s.getString(c, c.Argv[1])
	if !ok {
		return false
	}
	if o == nil {
		c.AddReplyNull()
	} else {
		c.AddReplyBulk(o.str)
	}
	return true
}

func getCommand(s *server, c *client) { getGeneric(s, c) }

// SET flags (OBJ_SET_*).
const (
	setNX = 1 << iota
	setXX
	setGet
	setKeepTTL
	setEX
	setPX
	setEXAT
	setPXAT
)

// setCommand is SET key value [NX|XX] [GET] [EX s|PX ms|EXAT t|PXAT t|KEEPTTL].
func setCommand(s *server, c *client) {
	flags, expire, ok := parseSetOptions(c, c.Argv[3:])
	if !ok {
		return
	}
	var when int64
	if flags&(setEX|setPX|setEXAT|setPXAT) != 0 {
		if when, ok = expireToMillis(s, c, expire, flags); !ok {
			return
		}
	}
	setGeneric(s, c, flags, c.Argv[1], c.Argv[2], when, resp.OK, resp.NullBulk)
}

// parseSetOptions is parseExtendedStringArgumentsOrReply for SET.
func parseSetOptions(c *client, opts [][]byte) (flags int, expire []byte, ok bool) {
	const expires = setEX | setPX | setEXAT | setPXAT
	for j := 0; j < len(opts); j++ {
		opt := strings.ToLower(string(opts[j]))
		hasNext := j+1 < len(opts)
		switch {
		case opt == "nx" && flags&setXX == 0:
			flags |= setNX
		case opt == "xx" && flags&setNX == 0:
			flags |= setXX
		case opt == "get":
			flags |= setGet
		case opt == "keepttl" && flags&expires == 0:
			flags |= setKeepTTL
		case opt == "ex" && flags&(setKeepTTL|expires&^setEX) == 0 && hasNext:
			flags |= setEX
			j++
			expire = opts[j]
		case opt == "px" && flags&(setKeepTTL|expires&^setPX) == 0 && hasNext:
			flags |= setPX
			j++
			expire = opts[j]
		case opt == "exat" && flags&(setKeepTTL|expires&^setEXAT) == 0 && hasNext:
			flags |= setEXAT
			j++
			expire = opts[j]
		case opt == "pxat" && flags&(setKeepTTL|expires&^setPXAT) == 0 && hasNext:
			flags |= setPXAT
			j++
			expire = opts[j]
		default:
			c.AddReply(resp.SyntaxErr)
			return 0, nil, false
		}
	}
	return flags, expire, true
}

// expireToMillis turns an EX/PX/EXAT/PXAT argument into an absolute unix
// time in ms (getExpireMillisecondsOrReply).
func expireToMillis(s *server, c *client, arg []byte, flags int) (int64, bool) {
	v, ok := intArg(c, arg)
	if !ok {
		return 0, false
	}
	seconds := flags&(setEX|setEXAT) != 0
	if v <= 0 || (seconds && v > math.MaxInt64/1000) {
		c.AddReplyError("invalid expire time in '" + c.lastcmdName() + "' command")
		return 0, false
	}
	if seconds {
		v *= 1000
	}
	if flags&(setEX|setPX) != 0 {
		if v > math.MaxInt64-s.mstime {
			c.AddReplyError("invalid expire time in '" + c.lastcmdName() + "' command")
			return 0, false
		}
		v += s.mstime
	}
	return v, true
}

// lastcmdName is the name of the command being run, for error texts.
func (c *client) lastcmdName() string {
	return strings.ToLower(string(c.Argv[0]))
}

// setGeneric is setGenericCommand: the common tail of SET, SETNX, SETEX
// and PSETEX.
func setGeneric(s *server, c *client, flags int, key, val []byte, when int64, okReply, abortReply string) {
	if flags&setGet != 0 && !getGeneric(s, c) {
		return
	}
	found := s.lookup(key) != nil
	if (flags&setNX != 0 && found) || (flags&setXX != 0 && !found) {
		if flags&setGet == 0 {
			if abortReply == resp.NullBulk {
				c.AddReplyNull() // "_" in RESP3
			} else {
				c.AddReply(abortReply)
			}
		}
		return
	}
	o := s.setKey(key, val, flags&setKeepTTL != 0)
	s.notify(notifyString, "set", key)
	if when != 0 {
		s.db.setExpire(o, when)
		s.notify(notifyGeneric, "expire", key)
	}
	if flags&setGet == 0 {
		c.AddReply(okReply)
	}
}

func setnxCommand(s *server, c *client) {
	setGeneric(s, c, setNX, c.Argv[1], c.Argv[2], 0, resp.One, resp.Zero)
}

func setexCommand(s *server, c *client) { setexGeneric(s, c, setEX) }

func psetexCommand(s *server, c *client) { setexGeneric(s, c, setPX) }

func setexGeneric(s *server, c *client, unit int) {
	when, ok := expireToMillis(s, c, c.Argv[2], unit)
	if !ok {
		return
	}
	setGeneric(s, c, 0, c.Argv[1], c.Argv[3], when, resp.OK, "")
}

func getsetCommand(s *server, c *client) {
	if !getGeneric(s, c) {
		return
	}
	s.setKey(c.Argv[1], c.Argv[2], false)
	s.notify(notifyString, "set", c.Argv[1])
}

func getdelCommand(s *server, c *client) {
	o, ok := s.getString(c, c.Argv[1])
	if !ok {
		return
	}
	if o == nil {
		c.AddReplyNull()
		return
	}
	c.AddReplyBulk(o.str)
	s.db.remove(o)
	s.signalModifiedKey(s.db, c.Argv[1])
	s.notify(notifyGeneric, "del", c.Argv[1])
}

func mgetCommand(s *server, c *client) {
	c.AddReplyArrayLen(len(c.Argv) - 1)
	for _, key := range c.Argv[1:] {
		o := s.lookupRead(key)
		if o == nil || o.typ != objString {
			c.AddReplyNull()
		} else {
			c.AddReplyBulk(o.str)
		}
	}
}

func msetCommand(s *server, c *client) { msetGeneric(s, c, false) }

func msetnxCommand(s *server, c *client) { msetGeneric(s, c, true) }

func msetGeneric(s *server, c *client, nx bool) {
	if len(c.Argv)%2 == 0 {
		c.AddReplyError("wrong number of arguments for '" + c.lastcmd.name + "' command")
		return
	}
	if nx {
		for j := 1; j < len(c.Argv); j += 2 {
			if s.lookup(c.Argv[j]) != nil {
				c.AddReply(resp.Zero)
				return
			}
		}
	}
	for j := 1; j < len(c.Argv); j += 2 {
		s.setKey(c.Argv[j], c.Argv[j+1], false)
		s.notify(notifyString, "set", c.Argv[j])
	}
	if nx {
		c.AddReply(resp.One)
	} else {
		c.AddReply(resp.OK)
	}
}

func appendCommand(s *server, c *client) {
	o, ok := s.getString(c, c.Argv[1])
	if !ok {
		return
	}
	if o == nil {
		o = s.setKey(c.Argv[1], c.Argv[2], false)
		s.notify(notifyString, "append", c.Argv[1])
		c.AddReplyInt(int64(len(o.str)))
		return
	}
	if int64(len(o.str)+len(c.Argv[2])) > s.cfg.protoMaxBulkLen {
		c.AddReplyError("string exceeds maximum allowed size (proto-max-bulk-len)")
		return
	}
	o.str = append(o.str, c.Argv[2]...)
	makeStringRaw(o)
	s.signalModifiedKey(s.db, c.Argv[1])
	s.notify(notifyString, "append", c.Argv[1])
	c.AddReplyInt(int64(len(o.str)))
}

func strlenCommand(s *server, c *client) {
	o, ok := s.getString(c, c.Argv[1])
	if !ok {
		return
	}
	if o == nil {
		c.AddReply(resp.Zero)
		return
	}
	c.AddReplyInt(int64(len(o.str)))
}

func incrCommand(s *server, c *client) { incrDecr(s, c, 1) }
func decrCommand(s *server, c *client) { incrDecr(s, c, -1) }

func incrbyCommand(s *server, c *client) {
	if incr, ok := intArg(c, c.Argv[2]); ok {
		incrDecr(s, c, incr)
	}
}

func decrbyCommand(s *server, c *client) {
	incr, ok := intArg(c, c.Argv[2])
	if !ok {
		return
	}
	if incr == math.MinInt64 {
		c.AddReplyError("decrement would overflow")
		return
	}
	incrDecr(s, c, -incr)
}

// incrDecr is incrDecrCommand. The new value is written in place into the
// string's buffer: INCR on an existing key does not allocate.
func incrDecr(s *server, c *client, incr int64) {
	o, ok := s.getString(c, c.Argv[1])
	if !ok {
		return
	}
	var value int64
	if o != nil {
		if value, ok = resp.ParseInt(o.str); !ok {
			c.AddReplyError("value is not an integer or out of range")
			return
		}
	}
	if (incr < 0 && value < 0 && incr < math.MinInt64-value) ||
		(incr > 0 && value > 0 && incr > math.MaxInt64-value) {
		c.AddReplyError("increment or decrement would overflow")
		return
	}
	value += incr
	if o == nil {
		var num [20]byte
		s.setKey(c.Argv[1], appendInt(num[:0], value), false)
	} else {
		o.str = appendInt(o.str[:0], value)
		o.ptr = nil // an int again, whatever it was (object.go)
		s.signalModifiedKey(s.db, c.Argv[1])
	}
	s.notify(notifyString, "incrby", c.Argv[1])
	c.AddReplyInt(value)
}

func incrbyfloatCommand(s *server, c *client) {
	o, ok := s.getString(c, c.Argv[1])
	if !ok {
		return
	}
	value := new(big.Float).SetPrec(longDoublePrec)
	if o != nil {
		v, ok := parseLongDouble(o.str)
		if !ok {
			c.AddReplyError("value is not a valid float")
			return
		}
		value = v
	}
	incr, ok := parseLongDouble(c.Argv[2])
	if !ok {
		c.AddReplyError("value is not a valid float")
		return
	}
	if value.IsInf() || incr.IsInf() { // the sum is infinite or NaN
		c.AddReplyError("increment would produce NaN or Infinity")
		return
	}
	sum := new(big.Float).SetPrec(longDoublePrec).SetMode(big.ToNearestEven).Add(value, incr)
	// long double overflows past about 1.19e4932.
	if exp := sum.MantExp(nil); exp > longDoubleMaxExp {
		c.AddReplyError("increment would produce NaN or Infinity")
		return
	}
	text := formatLongDouble(sum)
	o = s.setKey(c.Argv[1], []byte(text), true)
	markStringEncoding(o, strEncEmbstr) // createStringObjectFromLongDouble
	s.notify(notifyString, "incrbyfloat", c.Argv[1])
	c.AddReplyBulk(o.str)
}
