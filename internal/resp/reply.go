package resp

import (
	"bytes"
	"errors"
)

// Reply is one RESP2 reply, as ReadReply decodes it. It is meant for tests
// and small clients; servers never need it.
type Reply struct {
	// Type is the reply's first byte: '+' status, '-' error, ':' integer,
	// '$' bulk string, '*' array.
	Type byte
	// Str is the text of a status or error (without its '+' or '-') or the
	// contents of a bulk string. It points into the input.
	Str []byte
	// Int is the value of an integer reply.
	Int int64
	// Array holds the elements of an array reply.
	Array []Reply
	// Null is set for the null bulk string "$-1" and the null array "*-1".
	Null bool
}

// ErrBadReply is returned by ReadReply for input that is not RESP2.
var ErrBadReply = errors.New("resp: malformed reply")

// maxReplyDepth bounds the nesting of arrays, so that hostile input cannot
// make ReadReply recurse without end.
const maxReplyDepth = 64

// ReadReply decodes one reply from the start of b and returns it with the
// number of bytes it took. If b holds only part of a reply it returns n == 0
// and a nil error; read more and call again with the same start. Unlike the
// request parser, it is strict: every line must end in "\r\n".
func ReadReply(b []byte) (r Reply, n int, err error) {
	return readReply(b, 0)
}

func readReply(b []byte, depth int) (Reply, int, error) {
	i := bytes.Index(b, []byte(CRLF))
	if i < 0 {
		return Reply{}, 0, nil
	}
	line, n := b[1:i], i+2
	r := Reply{Type: b[0]}
	switch r.Type {
	case '+', '-':
		r.Str = line
		return r, n, nil
	case ':':
		v, ok := ParseInt(line)
		if !ok {
			return Reply{}, 0, ErrBadReply
		}
		r.Int = v
		return r, n, nil
	case '$':
		l, ok := ParseInt(line)
		if !ok || l < -1 {
			return Reply{}, 0, ErrBadReply
		}
		if l == -1 {
			r.Null = true
			return r, n, nil
		}
		if int64(len(b)-n) < l+2 {
			return Reply{}, 0, nil
		}
		end := n + int(l)
		if b[end] != '\r' || b[end+1] != '\n' {
			return Reply{}, 0, ErrBadReply
		}
		r.Str = b[n:end:end]
		return r, end + 2, nil
	case '*':
		count, ok := ParseInt(line)
		if !ok || count < -1 || depth >= maxReplyDepth {
			return Reply{}, 0, ErrBadReply
		}
		if count == -1 {
			r.Null = true
			return r, n, nil
		}
		// Every element takes at least three bytes ("+\r\n"): size the
		// array by what can be there, not by what is announced.
		r.Array = make([]Reply, 0, min(count, int64(len(b)-n)/3))
		for ; count > 0; count-- {
			e, m, err := readReply(b[n:], depth+1)
			if err != nil || m == 0 {
				return Reply{}, 0, err
			}
			r.Array = append(r.Array, e)
			n += m
		}
		return r, n, nil
	}
	return Reply{}, 0, ErrBadReply
}
