package redisasync

import (
	"bytes"
	"math"
	"strconv"
)

// Reader limits: the defaults a zero Reader (and a Context) uses.
const (
	// DefaultMaxBulkLen is the longest bulk string accepted, 512 MiB
	// (Redis's proto-max-bulk-len).
	DefaultMaxBulkLen = 512 << 20
	// DefaultMaxArrayLen is the most elements an aggregate may announce,
	// hiredis's REDIS_READER_MAX_ARRAY_ELEMENTS (2^32-1). Elements are
	// not allocated ahead of their arrival, so a big announced count
	// costs nothing until the elements come.
	DefaultMaxArrayLen = 1<<32 - 1
	// DefaultMaxDepth is the deepest nesting of aggregates accepted.
	DefaultMaxDepth = 512
	// DefaultMaxLineLen is the longest status, error or number line
	// accepted, 64 KiB (Redis's PROTO_INLINE_MAX_SIZE); hiredis has no
	// such limit and buffers a line without end for ever.
	DefaultMaxLineLen = 64 << 10
)

const (
	readSize    = 16 << 10 // the reader's first buffer, hiredis's 16 KiB read
	minRead     = 4 << 10  // the least room a read is given
	maxIdleBuf  = 64 << 10 // an empty buffer above this is dropped (hiredis's maxbuf)
	maxPooled   = 4096     // reply nodes kept between replies
	maxPrealloc = 1024     // elements allocated ahead of their arrival
)

// ProtocolError is a reply the reader cannot parse (REDIS_ERR_PROTOCOL),
// or one past the reader's limits. A Reader that returned one stays
// failed; a Context disconnects with it.
type ProtocolError struct {
	Msg string
}

func (e *ProtocolError) Error() string { return "redisasync: protocol error: " + e.Msg }

// Reader is an incremental RESP reply reader (redisReader): Feed it bytes
// as they come, split anywhere, and GetReply returns each reply once it
// is complete. It parses RESP2 (status, error, integer, bulk, null bulk,
// array, null array, nested arrays) and RESP3's null, boolean, double,
// big number, verbatim string, map, set and push; attributes and
// streamed aggregates are protocol errors.
//
// The reader does not go back over what it parsed: a reply split over
// many reads costs what a whole one does. Strings are not copied: a
// reply's Str points into the reader's buffer. The replies it returns,
// their nodes and their bytes are reused once the next GetReply or Feed
// call starts, so that the steady state allocates nothing.
//
// The zero Reader is ready to use with the Default limits; a field set
// to a positive value replaces its default.
type Reader struct {
	MaxBulkLen  int // longest bulk string
	MaxArrayLen int // most elements in an aggregate
	MaxDepth    int // deepest nesting of aggregates
	MaxLineLen  int // longest line (status, error, number)

	buf  []byte
	pos  int // the first byte not parsed
	scan int // bytes after pos already searched for "\r\n"

	bulk     int  // 1 + the length of the bulk string whose header is read, 0 if none
	bulkType Type // TypeString or TypeVerb
	stack    []frame
	root     *Reply
	nodes    []*Reply // node pool, reused reply after reply
	used     int
	err      error
	bufSize  int // the first buffer's size, readSize if 0 (tests make it tiny)
}

// frame is an aggregate being filled.
type frame struct {
	r    *Reply
	left int // elements still to come
}

// NewReader returns a Reader with the default limits
// (redisReaderCreate).
func NewReader() *Reader { return &Reader{} }

func limit(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

// Feed appends p to the input (redisReaderFeed); p is copied.
func (r *Reader) Feed(p []byte) {
	if len(p) == 0 {
		return
	}
	s := r.space(len(p))
	copy(s, p)
	r.buf = r.buf[:len(r.buf)+len(p)]
}

// space returns the free room after the input, at least n bytes, making
// it by moving the unparsed input to the front when no reply in progress
// points into the buffer, by a new buffer otherwise (the old one stays
// with the nodes that point into it).
func (r *Reader) space(n int) []byte {
	if cap(r.buf)-len(r.buf) >= n {
		return r.buf[len(r.buf):cap(r.buf)]
	}
	if len(r.stack) == 0 && r.pos > 0 {
		k := copy(r.buf, r.buf[r.pos:])
		r.buf = r.buf[:k]
		r.pos = 0
		if cap(r.buf)-len(r.buf) >= n {
			return r.buf[len(r.buf):cap(r.buf)]
		}
	}
	unparsed := len(r.buf) - r.pos
	c := max(cap(r.buf), limit(r.bufSize, readSize))
	for c < unparsed+n {
		c *= 2
	}
	nb := make([]byte, unparsed, c)
	copy(nb, r.buf[r.pos:])
	r.buf, r.pos = nb, 0
	return nb[unparsed:c]
}

// Buffered returns the bytes fed and not parsed yet.
func (r *Reader) Buffered() int { return len(r.buf) - r.pos }

// Err returns the protocol error the reader stopped on, if any.
func (r *Reader) Err() error { return r.err }

// Reset drops the input and any reply in progress, and clears an error.
func (r *Reader) Reset() {
	*r = Reader{MaxBulkLen: r.MaxBulkLen, MaxArrayLen: r.MaxArrayLen, MaxDepth: r.MaxDepth,
		MaxLineLen: r.MaxLineLen, bufSize: r.bufSize}
}

func (r *Reader) fail(msg string) (*Reply, error) {
	r.err = &ProtocolError{Msg: msg}
	return nil, r.err
}

// GetReply returns the next complete reply (redisReaderGetReply), nil
// and no error when more input is needed, or a *ProtocolError.
func (r *Reader) GetReply() (*Reply, error) {
	if r.err != nil {
		return nil, r.err
	}
	if len(r.stack) == 0 {
		// A new reply starts: the previous one's nodes and bytes are free.
		if len(r.nodes) > maxPooled {
			r.nodes = nil
		}
		r.used = 0
		if r.pos == len(r.buf) && r.bulk == 0 {
			if cap(r.buf) > maxIdleBuf {
				r.buf = nil
			} else {
				r.buf = r.buf[:0]
			}
			r.pos, r.scan = 0, 0
		}
	}
	for {
		if r.bulk > 0 {
			n := r.bulk - 1
			if len(r.buf)-r.pos < n+2 {
				return nil, nil
			}
			b := r.buf[r.pos : r.pos+n+2]
			if b[n] != '\r' || b[n+1] != '\n' {
				return r.fail("bulk string not followed by CRLF")
			}
			r.pos += n + 2
			r.bulk = 0
			node := r.node(r.bulkType)
			node.Str = b[:n:n]
			if node.Type == TypeVerb {
				if n < 4 || b[3] != ':' {
					return r.fail("verbatim string 4 bytes of content type are missing or incorrectly encoded")
				}
				copy(node.VType[:], b[:3])
				node.Str = b[4:n:n]
			}
			if r.add(node, 0) {
				return r.root, nil
			}
			continue
		}
		typ, line, ok := r.line()
		if !ok {
			return nil, r.err
		}
		var node *Reply
		count := 0
		switch typ {
		case '+', '-':
			node = r.node(TypeStatus)
			if typ == '-' {
				node.Type = TypeError
			}
			node.Str = line[:len(line):len(line)]
		case ':':
			v, ok := parseInt(line)
			if !ok {
				return r.fail("bad integer value")
			}
			node = r.node(TypeInteger)
			node.Integer = v
		case '$', '=':
			v, ok := parseInt(line)
			if !ok {
				return r.fail("bad bulk string length")
			}
			if v == -1 {
				node = r.node(TypeNil)
				break
			}
			if v < -1 || v > int64(limit(r.MaxBulkLen, DefaultMaxBulkLen)) {
				return r.fail("bulk string length out of range")
			}
			r.bulk = int(v) + 1
			r.bulkType = TypeString
			if typ == '=' {
				r.bulkType = TypeVerb
			}
			continue
		case '*', '%', '~', '>':
			v, ok := parseInt(line)
			if !ok {
				return r.fail("bad multi-bulk length")
			}
			if v == -1 {
				node = r.node(TypeNil)
				break
			}
			t := TypeArray
			switch typ {
			case '%':
				t = TypeMap
				if v > 0 {
					v *= 2 // a key and a value each
				}
			case '~':
				t = TypeSet
			case '>':
				t = TypePush
			}
			maxLen := int64(DefaultMaxArrayLen)
			if r.MaxArrayLen > 0 {
				maxLen = int64(r.MaxArrayLen)
			}
			if v < -1 || v > maxLen {
				return r.fail("multi-bulk length out of range")
			}
			if v > math.MaxInt32 && strconv.IntSize == 32 {
				return r.fail("multi-bulk length out of range")
			}
			count = int(v)
			if count > 0 && len(r.stack) >= limit(r.MaxDepth, DefaultMaxDepth) {
				return r.fail("nested aggregates too deep")
			}
			node = r.node(t)
			if want := min(count, maxPrealloc); cap(node.Elements) < want {
				node.Elements = make([]*Reply, 0, want)
			}
		case '_':
			if len(line) != 0 {
				return r.fail("bad nil value")
			}
			node = r.node(TypeNil)
		case '#':
			if len(line) != 1 || (line[0] != 't' && line[0] != 'f') {
				return r.fail("bad bool value")
			}
			node = r.node(TypeBool)
			if line[0] == 't' {
				node.Integer = 1
			}
		case ',':
			if _, err := strconv.ParseFloat(unsafeString(line), 64); err != nil && !isRangeErr(err) {
				return r.fail("bad double value")
			}
			node = r.node(TypeDouble)
			node.Str = line[:len(line):len(line)]
		case '(':
			if !isBigNum(line) {
				return r.fail("bad bignum value")
			}
			node = r.node(TypeBigNum)
			node.Str = line[:len(line):len(line)]
		case '|':
			return r.fail("attribute replies are not supported")
		default:
			return r.fail("got " + strconv.QuoteRune(rune(typ)) + " as reply type byte")
		}
		if r.add(node, count) {
			return r.root, nil
		}
	}
}

// line returns the next line's type byte and content, consuming it; ok
// false means it is not complete yet, or r.err is set.
func (r *Reader) line() (typ byte, line []byte, ok bool) {
	b := r.buf[r.pos:]
	max := limit(r.MaxLineLen, DefaultMaxLineLen)
	i := bytes.Index(b[r.scan:], crlf)
	if i < 0 {
		// What is here is all before the CRLF to come, but for a '\r'
		// that may be its first byte: the same rule as below, so input
		// split anywhere fails alike.
		n := len(b)
		if n > 0 && b[n-1] == '\r' {
			n--
		}
		if n > max+1 {
			r.fail("line too long")
			return 0, nil, false
		}
		r.scan = max0(len(b) - 1) // a trailing '\r' may meet its '\n' next time
		return 0, nil, false
	}
	i += r.scan
	r.scan = 0
	if i == 0 {
		r.fail("empty line")
		return 0, nil, false
	}
	if i > max+1 {
		r.fail("line too long")
		return 0, nil, false
	}
	r.pos += i + 2
	return b[0], b[1:i], true
}

var crlf = []byte("\r\n")

func max0(n int) int {
	if n < 0 {
		return 0
	}
	return n
}

// node takes a reply node from the pool.
func (r *Reader) node(t Type) *Reply {
	if r.used == len(r.nodes) {
		r.nodes = append(r.nodes, new(Reply))
	}
	n := r.nodes[r.used]
	r.used++
	els := n.Elements[:0]
	if cap(els) > maxPrealloc {
		els = nil
	}
	*n = Reply{Type: t, Elements: els}
	return n
}

// add puts a finished node (or an aggregate of count elements still to
// come) in its place, and reports whether the top-level reply is complete.
func (r *Reader) add(n *Reply, count int) bool {
	if len(r.stack) == 0 {
		r.root = n
	} else {
		top := &r.stack[len(r.stack)-1]
		top.r.Elements = append(top.r.Elements, n)
		top.left--
	}
	if count > 0 {
		r.stack = append(r.stack, frame{r: n, left: count})
		return false
	}
	for len(r.stack) > 0 && r.stack[len(r.stack)-1].left == 0 {
		r.stack[len(r.stack)-1] = frame{}
		r.stack = r.stack[:len(r.stack)-1]
	}
	return len(r.stack) == 0
}

// parseInt parses a decimal int64 as hiredis's string2ll does: an
// optional '-', no '+', no leading zeros, no spaces, no overflow.
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || b[0] < '1' || b[0] > '9' {
		return 0, false
	}
	var u uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if u > (math.MaxUint64-d)/10 {
			return 0, false
		}
		u = u*10 + d
	}
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return int64(-u), true
	}
	if u > math.MaxInt64 {
		return 0, false
	}
	return int64(u), true
}

func isBigNum(b []byte) bool {
	if len(b) > 0 && b[0] == '-' {
		b = b[1:]
	}
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}
