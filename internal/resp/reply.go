package resp

import (
	"bytes"
	"errors"
)

// Reply is one RESP2 or RESP3 reply, as ReadReply decodes it. It is meant
// for tests and small clients; servers never need it.
type Reply struct {
	// Type is the reply's first byte: '+' status, '-' error, ':' integer,
	// '$' bulk string, '*' array; in RESP3 also '%' map, '~' set, '>'
	// push, '_' null, '#' boolean, ',' double, '(' big number, '='
	// verbatim string and '!' blob error. An attribute ('|') is read and
	// dropped with the reply it annotates, as clients may do.
	Type byte
	// Str is the text of a status, error, double or big number (without
	// its type byte) or the contents of a bulk, verbatim ("txt:..." as
	// sent) or blob error string. It points into the input.
	Str []byte
	// Int is the value of an integer reply, and 1 or 0 for a boolean.
	Int int64
	// Array holds the elements of an array, set or push reply, and a
	// map's keys and values alternately.
	Array []Reply
	// Null is set for the null bulk string "$-1", the null array "*-1"
	// and RESP3's null "_".
	Null bool
}

// ErrBadReply is returned by ReadReply for input that is not RESP.
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
	case ',', '(':
		if len(line) == 0 {
			return Reply{}, 0, ErrBadReply
		}
		r.Str = line
		return r, n, nil
	case '_':
		if len(line) != 0 {
			return Reply{}, 0, ErrBadReply
		}
		r.Null = true
		return r, n, nil
	case '#':
		if len(line) != 1 || (line[0] != 't' && line[0] != 'f') {
			return Reply{}, 0, ErrBadReply
		}
		if line[0] == 't' {
			r.Int = 1
		}
		return r, n, nil
	case '|':
		// An attribute: its pairs, then the reply it annotates.
		_, m, err := readAggregate(b, line, n, 2, depth)
		if err != nil || m == 0 {
			return Reply{}, 0, err
		}
		e, k, err := readReply(b[m:], depth+1)
		if err != nil || k == 0 {
			return Reply{}, 0, err
		}
		return e, m + k, nil
	case '%':
		return readAggregate(b, line, n, 2, depth)
	case '~', '>':
		return readAggregate(b, line, n, 1, depth)
	case '$', '=', '!':
		l, ok := ParseInt(line)
		if !ok || l < -1 {
			return Reply{}, 0, ErrBadReply
		}
		if l == -1 && r.Type == '$' {
			r.Null = true
			return r, n, nil
		}
		if l < 0 {
			return Reply{}, 0, ErrBadReply
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
		return readAggregate(b, line, n, 1, depth)
	}
	return Reply{}, 0, ErrBadReply
}

// readAggregate reads the elements of an array, set or push (per = 1) or
// of a map or attribute (per = 2, a key and a value for each of the count
// in line), which start at b[n:].
func readAggregate(b, line []byte, n, per int, depth int) (Reply, int, error) {
	r := Reply{Type: b[0]}
	count, ok := ParseInt(line)
	if !ok || count < 0 || count > (1<<62)/int64(per) || depth >= maxReplyDepth {
		return Reply{}, 0, ErrBadReply
	}
	count *= int64(per)
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
