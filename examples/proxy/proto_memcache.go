package main

// The memcache ASCII protocol (proto/nc_memcache.c): requests through
// internal/mcproto's parser (the one examples/memcache uses), limited to
// what nutcracker supports; the reply parser; get/gets split per server
// and coalesced into one END.

import (
	"bytes"
	"unsafe"

	"github.com/goae/goae/internal/mcproto"
)

// memcacheParseReq is memcache_parse_req: the request at the start of b
// into m. It returns its length (the data block included), 0 when more
// input is needed, -1 when nutcracker would close the client: a protocol
// error, an unsupported command, a bad data block. When it returns -1 and
// ref is not nil, ref says what memcached would have answered
// (reply_errors, replyerr.go).
func memcacheParseReq(p *mcproto.Parser, b []byte, m *msg, ref *refusal) int {
	req, n, err := p.Parse(b)
	if err != nil {
		return ref.mcParseError(err, req, n)
	}
	if n == 0 {
		return 0
	}
	if req == nil {
		return ref.set(n, "", false) // a refused ms's data block, swallowed
	}
	m.typ = msgOther
	m.args = m.args[:0]
	switch req.Kind {
	case mcproto.KindSet, mcproto.KindAdd, mcproto.KindReplace, mcproto.KindAppend,
		mcproto.KindPrepend, mcproto.KindCas:
		_, dn, derr := mcproto.Data(b[n:], req.Bytes)
		if dn == 0 {
			p.Reset()
			return 0
		}
		if derr != nil {
			return ref.mcReply(n+dn, derr, req.NoReply)
		}
		n += dn
	case mcproto.KindGet, mcproto.KindGets:
		if len(req.Line) < 3 || req.Line[0] != 'g' {
			return ref.mcUnsupported(p, req, n) // bget
		}
		m.typ = msgMcGet
		if req.Kind == mcproto.KindGets {
			m.typ = msgMcGets
		}
	case mcproto.KindDelete, mcproto.KindIncr, mcproto.KindDecr, mcproto.KindTouch:
	case mcproto.KindVersion:
	case mcproto.KindQuit:
		m.typ = msgQuit
	default:
		return ref.mcUnsupported(p, req, n)
	}
	for _, k := range req.Keys {
		// The keys are slices of b (mcproto never copies them).
		off := int(uintptr(unsafe.Pointer(unsafe.SliceData(k))) - uintptr(unsafe.Pointer(unsafe.SliceData(b))))
		m.args = append(m.args, span{int32(off), int32(off + len(k))})
	}
	if len(m.args) > 0 {
		m.key = m.args[0]
	} else {
		m.key = span{}
	}
	m.noreply = req.NoReply
	return n
}

// memcacheFragmented reports whether m is a multi-key get or gets.
func memcacheFragmented(m *msg) bool {
	return (m.typ == msgMcGet || m.typ == msgMcGets) && len(m.args) > 1
}

// memcacheFragmentAppend builds fragment f's "get k..." line from parent's
// keys whose indexes are in keys (memcache_fragment_retrieval).
func memcacheFragmentAppend(f, parent *msg, keys []int, scratch [][]byte) [][]byte {
	scratch = scratch[:0]
	for _, k := range keys {
		a := parent.args[k]
		scratch = append(scratch, parent.buf[a.start:a.end])
	}
	kind := mcproto.KindGet
	if parent.typ == msgMcGets {
		kind = mcproto.KindGets
	}
	f.buf = mcproto.AppendRetrieval(f.buf[:0], kind, 0, scratch)
	f.typ = parent.typ
	clear(scratch)
	return scratch[:0]
}

// mcLine returns the index after the "\r\n" ending the line at b[i:], or 0.
func mcLine(b []byte, i int) int {
	for j := i; j+1 < len(b); j++ {
		if b[j] == '\r' && b[j+1] == '\n' {
			return j + 2
		}
	}
	return 0
}

// mcValueBytes returns the <bytes> of a "VALUE key flags bytes [cas]" line.
func mcValueBytes(line []byte) (int, bool) {
	tok, n, v := 0, 0, 0
	digits := false
	for i := 0; i <= len(line); i++ {
		if i == len(line) || line[i] == ' ' || line[i] == '\r' {
			if i > 0 && line[i-1] != ' ' {
				tok++
				if tok == 4 {
					return v, digits
				}
			}
			if i == len(line) || line[i] == '\r' {
				break
			}
			continue
		}
		if tok == 3 {
			c := line[i]
			if c < '0' || c > '9' || n > 9 {
				return 0, false
			}
			v, digits = v*10+int(c-'0'), true
			n++
		}
	}
	return 0, false
}

// memcacheParseRsp is memcache_parse_rsp for the extent of a reply: a
// retrieval reply (VALUE blocks then END) or a one-line reply. It returns
// the length, 0 when incomplete, -1 when malformed.
func memcacheParseRsp(b []byte) int {
	i := 0
	for {
		e := mcLine(b, i)
		if e == 0 {
			if len(b)-i > 2048 {
				return -1
			}
			return 0
		}
		line := b[i:e]
		switch {
		case hasPrefix(line, "VALUE "):
			n, ok := mcValueBytes(line)
			if !ok {
				return -1
			}
			end := e + n + 2
			if end > len(b) {
				return 0
			}
			if b[end-2] != '\r' || b[end-1] != '\n' {
				return -1
			}
			i = end
		case string(line) == "END\r\n":
			return e
		case i > 0 || !mcRspLine(line):
			return -1
		default:
			return e
		}
	}
}

// mcRspLine reports whether line is a one-line reply memcache_parse_rsp
// knows: a number (incr, decr), STORED NOT_STORED EXISTS NOT_FOUND
// DELETED TOUCHED, or ERROR CLIENT_ERROR SERVER_ERROR VERSION with any
// text after them. Anything else from a server is a parse error that
// closes its connection (a request on it gets "SERVER_ERROR Invalid
// argument").
func mcRspLine(line []byte) bool {
	body := line[:len(line)-2]
	t := 0
	for t < len(body) && body[t] != ' ' {
		t++
	}
	tok, rest := body[:t], body[t:]
	blank := len(bytes.TrimLeft(rest, " ")) == 0
	switch string(tok) {
	case "STORED", "NOT_STORED", "EXISTS", "NOT_FOUND", "DELETED", "TOUCHED":
		return blank
	case "ERROR", "CLIENT_ERROR", "SERVER_ERROR", "VERSION":
		return true
	}
	if len(tok) == 0 {
		return false
	}
	for _, c := range tok {
		if c < '0' || c > '9' {
			return false
		}
	}
	return blank
}

// memcacheServerError is the reply to a request failed with errno.
func memcacheServerError(dst []byte, errno int) []byte {
	dst = append(dst, "SERVER_ERROR "...)
	dst = append(dst, errnoText(errno)...)
	return append(dst, "\r\n"...)
}

// memcacheCoalesce builds a multi-get's reply (memcache_post_coalesce):
// key by key in request order, the next VALUE its server returned, then
// one END. A fragment whose reply is not a retrieval reply makes it an
// error; it reports that.
func memcacheCoalesce(m *msg, cursors []int) ([]int, bool) {
	out := m.rsp[:0]
	cursors = cursors[:0]
	for _, f := range m.frags {
		if !hasPrefix(f.rsp, "VALUE ") && !hasPrefix(f.rsp, "END\r\n") {
			m.rsp = memcacheServerError(out[:0], einval)
			return cursors, true
		}
		cursors = append(cursors, 0)
	}
	for _, fi := range m.keyFrag {
		r := m.frags[fi].rsp
		j := cursors[fi]
		if !hasPrefix(r[j:], "VALUE ") {
			continue
		}
		e := mcLine(r, j)
		n, _ := mcValueBytes(r[j:e])
		end := e + n + 2
		out = append(out, r[j:end]...)
		cursors[fi] = end
	}
	m.rsp = append(out, "END\r\n"...)
	return cursors, false
}
