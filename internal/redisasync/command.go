package redisasync

import (
	"strconv"

	"github.com/goae/goae/internal/resp"
)

// subCallback is a channel's or pattern's callback (the redisCallback of
// ac->sub.channels and ac->sub.patterns), with hiredis's bookkeeping of
// confirmations still to come.
type subCallback struct {
	fn              Callback
	priv            any
	pendingSubs     int  // subscribe confirmations still to come (pending_subs)
	unsubscribeSent bool // an unsubscribe for it was sent (unsubscribe_sent)
}

// Kinds of subscription: ac->sub.channels, ac->sub.patterns and, for
// Redis 7's sharded pub/sub, the shard channels.
const (
	subChannel = iota
	subPattern
	subShard
)

// Command sends a command given as its arguments, the name first, and
// queues fn to get its reply with privdata (redisAsyncCommandArgv, and
// redisAsyncCommand without the format string). The command is written
// as a RESP array into the context's output, and the writable event is
// installed until the output is written; before the connect completes it
// waits. fn may be nil: the reply is then read and dropped.
//
// (P|S)SUBSCRIBE registers fn for each channel or pattern named: it gets
// the subscribe confirmation, every message, and the unsubscribe
// confirmation; the context is subscribed until the last one is
// confirmed. (P|S)UNSUBSCRIBE's fn is not used: its confirmations go to
// the channels' callbacks. MONITOR's fn gets every line that follows.
//
// It returns ErrClosed once Disconnect or Free was called, and
// ErrNotSubscribed for an unsubscribe outside subscribed mode, as
// redisAsyncCommand returns REDIS_ERR. args are copied; Command keeps no
// reference to them.
func (c *Context) Command(fn Callback, privdata any, args ...[]byte) error {
	return command(c, fn, privdata, args)
}

// CommandString is Command with string arguments.
func (c *Context) CommandString(fn Callback, privdata any, args ...string) error {
	return command(c, fn, privdata, args)
}

func command[T string | []byte](c *Context, fn Callback, priv any, args []T) error {
	if c.Closed() {
		return ErrClosed
	}
	if len(args) == 0 {
		return ErrNoCommand
	}
	cb := callback{fn: fn, priv: priv}
	name := args[0]
	kind, base := subKind(name)
	switch {
	case base == baseSubscribe && len(args) > 1:
		c.flags |= flagSubscribed
		d := c.subs[kind]
		if d == nil {
			d = make(map[string]*subCallback)
			c.subs[kind] = d
		}
		for _, ch := range args[1:] {
			// As dictReplace: a new callback, counting the confirmations
			// still due for the old one.
			sc := &subCallback{fn: fn, priv: priv, pendingSubs: 1}
			if old := d[string(ch)]; old != nil {
				sc.pendingSubs += old.pendingSubs
			}
			d[string(ch)] = sc
		}
	case base == baseUnsubscribe:
		if c.flags&flagSubscribed == 0 {
			return ErrNotSubscribed
		}
		d := c.subs[kind]
		if len(args) > 1 {
			for _, ch := range args[1:] {
				if sc := d[string(ch)]; sc != nil && !sc.unsubscribeSent {
					sc.unsubscribeSent = true
				} else {
					c.pendingUnsubs++ // its reply names no callback: to be ignored
				}
			}
		} else {
			none := true
			for _, sc := range d {
				if !sc.unsubscribeSent {
					sc.unsubscribeSent = true
					none = false
				}
			}
			if none {
				c.pendingUnsubs++ // one reply, with no channel
			}
		}
	case base == baseNone && kind == subChannel && resp.EqualFold(name, "monitor"):
		c.flags |= flagMonitoring
		c.replies.push(cb)
	case c.flags&flagSubscribed != 0:
		c.subReplies.push(cb)
	default:
		c.replies.push(cb)
	}
	appendCommand(c, args)
	c.armWrite()
	return nil
}

// appendArgs writes args as a RESP array (redisFormatCommandArgv).
func appendArgs[T string | []byte](b []byte, args []T) []byte {
	b = append(b, '*')
	b = strconv.AppendInt(b, int64(len(args)), 10)
	b = append(b, '\r', '\n')
	for _, a := range args {
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(len(a)), 10)
		b = append(b, '\r', '\n')
		b = append(b, a...)
		b = append(b, '\r', '\n')
	}
	return b
}

// appendCommand adds a command to the output (__redisAppendCommand).
func appendCommand[T string | []byte](c *Context, args []T) {
	// A partial write left the front of the buffer written: reclaim it
	// before it grows.
	if c.osent > 0 && c.osent >= len(c.obuf)/2 {
		k := copy(c.obuf, c.obuf[c.osent:])
		c.obuf, c.osent = c.obuf[:k], 0
	}
	c.obuf = appendArgs(c.obuf, args)
}

// Command bases, after a "p" or "s" prefix.
const (
	baseNone = iota
	baseSubscribe
	baseUnsubscribe
	baseMessage
)

// subKind classifies a pub/sub command or reply kind: "subscribe",
// "psubscribe", "ssubscribe", "unsubscribe" ..., "message", "pmessage",
// "smessage", in any case.
func subKind[T string | []byte](s T) (kind, base int) {
	if b := subBase(s); b != baseNone {
		return subChannel, b
	}
	if len(s) < 2 {
		return subChannel, baseNone
	}
	switch s[0] | 0x20 {
	case 'p':
		kind = subPattern
	case 's':
		kind = subShard
	default:
		return subChannel, baseNone
	}
	if b := subBase(s[1:]); b != baseNone {
		return kind, b
	}
	return subChannel, baseNone
}

func subBase[T string | []byte](s T) int {
	switch {
	case resp.EqualFold(s, "subscribe"):
		return baseSubscribe
	case resp.EqualFold(s, "unsubscribe"):
		return baseUnsubscribe
	case resp.EqualFold(s, "message"):
		return baseMessage
	}
	return baseNone
}
