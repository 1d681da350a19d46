package main

// reply_errors (an extension, not in nutcracker): a pool with
// "reply_errors: true" answers a request nutcracker would close the
// client for with the error the backend itself would give, in its turn
// among the replies, and goes on reading (twemproxy #113, #600).
//
// Redis pools, with Redis 7.0's texts:
//   - a command not in nutcracker's table (KEYS, SELECT, MULTI, ...):
//     "-ERR unknown command 'keys', with args beginning with: '*' ";
//   - a wrong arity for its class (INCR, MSET k1 v1 k2):
//     "-ERR wrong number of arguments for 'incr' command";
//   - EVAL or EVALSHA with numkeys 0 or not a number (the proxy needs a
//     key to route by): "-ERR wrong number of arguments for 'eval'
//     command, the proxy needs at least one key";
//   - a key longer than the mbuf limit: "-ERR key too long for the
//     proxy, at most N bytes";
//   - an inline command ("PING\r\n"): "-ERR inline commands are not
//     supported by the proxy, send 'ping' as a RESP array";
//   - an empty command ("*0\r\n", a blank line): skipped without a
//     reply, as Redis does;
//   - broken framing ("*1\r\nx"): Redis's "-ERR Protocol error: ..." text,
//     then the connection closes once the replies before it are written,
//     as Redis closes after a protocol error (the stream cannot be
//     resynchronised).
//
// memcache pools, as memcached 1.6 answers (internal/mcproto's texts):
// "ERROR" for a command the proxy does not forward (stats, flush_all,
// verbosity, gat, meta commands, bget; an ms's data block is skipped),
// "CLIENT_ERROR bad command line format" for a key over 250 bytes or a bad
// number, "CLIENT_ERROR bad data chunk" for a data block without its
// "\r\n" (noreply silences those two, as in memcached), and memcached's
// closing errors (a line too long) still close.

import (
	"errors"
	"math"
	"strconv"

	"github.com/goae/goae/internal/mcproto"
	redisproto "github.com/goae/goae/internal/resp"
)

// refusal is what memcacheParseReq found when it refused a request: the
// bytes the request takes, the reply memcached would give ("" for none),
// and whether the connection is to close after it.
type refusal struct {
	n     int
	reply string
	close bool
}

// refusal returns the context's scratch refusal for a reply_errors pool,
// nil otherwise (memcacheParseReq then only refuses).
func (cl *clientConn) refusal() *refusal {
	if !cl.pool.cp.replyErrors {
		return nil
	}
	return &cl.pool.ctx.ref
}

// set records a refusal; it returns -1, memcacheParseReq's refusal.
func (r *refusal) set(n int, reply string, closeConn bool) int {
	if r != nil {
		*r = refusal{n: n, reply: reply, close: closeConn}
	}
	return -1
}

// mcParseError records an error of mcproto's Parse: a closing one (n is
// then 0), or one answered unless the request was noreply.
func (r *refusal) mcParseError(err error, req *mcproto.Request, n int) int {
	var e *mcproto.Error
	if !errors.As(err, &e) {
		return r.set(0, "", true)
	}
	if e.Close || req == nil {
		return r.set(0, e.Reply, true)
	}
	return r.mcReply(n, e, req.NoReply)
}

// mcReply records a refusal answered with e's reply unless noreply.
func (r *refusal) mcReply(n int, err error, noreply bool) int {
	reply := ""
	var e *mcproto.Error
	if errors.As(err, &e) && !noreply {
		reply = e.Reply
	}
	return r.set(n, reply, false)
}

// mcUnsupported records a command memcached knows but the proxy does not
// forward: "ERROR", as memcached answers a command it does not know. The
// data block of an ms is skipped, so the stream stays in step.
func (r *refusal) mcUnsupported(p *mcproto.Parser, req *mcproto.Request, n int) int {
	if r != nil && req.Kind == mcproto.KindMetaSet {
		p.Swallow(int64(req.Bytes) + 2)
	}
	return r.set(n, mcproto.ErrUnknownCommand.Reply, false)
}

// refuse handles a request the parser refused in a reply_errors pool: it
// queues the error reply in m (or frees m) and returns the bytes the
// request took; 0 when more input is needed, or -1 when the connection
// must close at once without a reply.
func (cl *clientConn) refuse(b []byte, m *msg) int {
	ctx := cl.pool.ctx
	var r refusal
	if cl.pool.cp.redis {
		r = redisRefusal(b, ctx.keyLimit, &ctx.refArgv)
	} else {
		r = ctx.ref
	}
	if r.close && r.reply == "" {
		return -1
	}
	if r.n == 0 && !r.close {
		return 0
	}
	if r.reply == "" {
		ctx.msgs.msgPut(m)
	} else {
		m.typ, m.local, m.done = msgOther, true, true
		m.rsp = append(m.rsp[:0], r.reply...)
		cl.outq.push(m)
	}
	if r.close {
		// Read no more; close once the owed replies are written.
		cl.quit = true
		r.n = max(r.n, 1)
	}
	cl.sendReplies()
	return r.n
}

// redisRefusal says why redisParseReq refused the request at the start
// of b, and what Redis would answer. It re-reads the request with
// internal/resp's parser, which frames requests exactly as Redis does;
// argv is scratch for it.
func redisRefusal(b []byte, keyLimit int, argv *[][]byte) refusal {
	var rp redisproto.Parser
	args, n, err := rp.Parse(b, (*argv)[:0], nil)
	*argv = args
	defer clear(args)
	if err != nil {
		msg := "Protocol error"
		var pe *redisproto.ProtocolError
		if errors.As(err, &pe) {
			msg = pe.Msg
		}
		return refusal{reply: string(redisproto.AppendError(nil, msg)), close: true}
	}
	if n == 0 {
		return refusal{}
	}
	if len(args) == 0 {
		return refusal{n: n} // an empty command: Redis skips it
	}
	name := lowerName(args[0])
	if b[0] != '*' {
		return refusal{n: n, reply: "-ERR inline commands are not supported by the proxy, send '" +
			redisproto.Truncate(name, 128) + "' as a RESP array\r\n"}
	}
	cmd, known := redisCommands[name]
	if !known {
		return refusal{n: n, reply: string(redisproto.AppendError(nil, redisproto.UnknownCommandError(args)))}
	}
	var scratch msg
	if redisParseReq(b[:n], &scratch, math.MaxInt32) == n {
		// Well formed but for a key's length.
		return refusal{n: n, reply: "-ERR key too long for the proxy, at most " + strconv.Itoa(keyLimit-1) + " bytes\r\n"}
	}
	reply := "-ERR wrong number of arguments for '" + name + "' command"
	if cmd.class == redisArgEval && len(args) >= 3 {
		reply += ", the proxy needs at least one key"
	}
	return refusal{n: n, reply: reply + "\r\n"}
}

// lowerName is a command name in lower case, as Redis names a command in
// its arity error.
func lowerName(b []byte) string {
	out := []byte(string(b))
	for i, c := range out {
		if c >= 'A' && c <= 'Z' {
			out[i] = c + 'a' - 'A'
		}
	}
	return string(out)
}
