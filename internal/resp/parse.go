package resp

import (
	"bytes"
	"math"
)

// Limits, with Redis 7.0's values. A zero field in Limits (or a nil
// *Limits) means the default below.
const (
	// DefaultProtoMaxBulkLen is the default of Redis's proto-max-bulk-len:
	// the longest argument a client may send, 512 MiB.
	DefaultProtoMaxBulkLen = 512 << 20

	// DefaultInlineMaxSize is PROTO_INLINE_MAX_SIZE: how many pending bytes
	// an inline request, a "*<count>" line or a "$<len>" line may take
	// without its terminator before Redis gives up on the client, 64 KiB.
	DefaultInlineMaxSize = 64 << 10

	// DefaultMaxMultibulkLen is the largest argument count Redis accepts,
	// INT_MAX.
	DefaultMaxMultibulkLen = math.MaxInt32

	// UnauthMaxMultibulkLen is the largest argument count accepted from a
	// client that still has to authenticate (Redis 7.0, CVE-2021-32675).
	UnauthMaxMultibulkLen = 10

	// UnauthMaxBulkLen is the longest argument accepted from a client that
	// still has to authenticate (Redis 7.0, CVE-2021-32675).
	UnauthMaxBulkLen = 16384
)

// reqType is Redis's client->reqtype.
type reqType uint8

const (
	reqNone      reqType = iota // between commands: the next byte decides
	reqInline                   // PROTO_REQ_INLINE
	reqMultibulk                // PROTO_REQ_MULTIBULK
)

// span locates a parsed argument relative to the start of the command, so
// the caller may move its buffer between two calls of Parse.
type span struct{ off, n int }

// Limits are the size limits a Parser enforces. A server holds one Limits
// for all its clients and passes it to every call of Parse, so that a
// changed limit (CONFIG SET proto-max-bulk-len) applies to every client at
// once, as Redis's globals do. A zero field means its default.
type Limits struct {
	// ProtoMaxBulkLen is the longest argument accepted, Redis's
	// proto-max-bulk-len; longer ones fail with ErrInvalidBulkLen.
	// Zero means DefaultProtoMaxBulkLen.
	ProtoMaxBulkLen int64

	// InlineMaxSize bounds the bytes searched for the end of an inline
	// request or of a "*" or "$" line, Redis's PROTO_INLINE_MAX_SIZE.
	// Zero means DefaultInlineMaxSize.
	InlineMaxSize int

	// MaxMultibulkLen is the largest argument count accepted; larger ones
	// fail with ErrInvalidMultibulkLen. Redis fixes it at INT_MAX, which
	// is also the most a Parser takes. Zero means DefaultMaxMultibulkLen.
	MaxMultibulkLen int32
}

// defaultLimits stands in for a nil *Limits.
var defaultLimits Limits

// A Parser splits a client's query stream into commands. It keeps the state
// of a command that has only partly arrived, as Redis keeps it in the client
// struct (reqtype, multibulklen, bulklen), so a server needs one Parser per
// connection and feeds it whatever it has read.
//
// The zero value is ready to use. A Parser holds neither the limits nor the
// argument vector it fills: both are the caller's, passed to Parse, so that
// a server with many idle connections keeps one copy of the limits and one
// argument vector per client (the field its commands read). A Parser must
// not be used by several goroutines at once.
type Parser struct {
	// Unauthenticated applies the stricter limits that Redis 7.0 puts on a
	// client that has not yet authenticated while a password is required
	// (authRequired in Redis): at most UnauthMaxMultibulkLen arguments of
	// at most UnauthMaxBulkLen bytes each. The server sets and clears it
	// between commands as the client's state changes, so an AUTH in a
	// pipeline lifts the limits for the very next command, as in Redis.
	Unauthenticated bool

	// The small fields share one word: a server holds a Parser per
	// connection.
	reqtype      reqType
	haveBulkLen  bool  // Redis's bulklen != -1
	nul          bool  // the line being searched holds a NUL before any terminator
	multibulklen int32 // arguments still to read; 0 before the "*" line is read
	bulklen      int64 // length of the argument being read, when haveBulkLen
	pos          int   // bytes of the current command parsed so far (qb_pos)
	scan         int   // the line search resumes here: buf[pos:scan] has no terminator and no NUL
	need         int   // see Need
	spans        []span
}

// Parse parses the next command at the start of buf, which must hold the
// client's unconsumed input: the bytes after those consumed by earlier calls.
// argv is storage for the result: pass the argument vector the previous
// call returned (or nil); its array is reused, and its entries past the new
// result's length are cleared so that they keep no old input alive. lim
// holds the size limits (nil for the defaults). It returns one of three
// results:
//
//   - A complete command: argv holds its arguments and n > 0 is the number of
//     bytes it took; the caller drops buf[:n] before the next call. An empty
//     command (a blank inline line, "*0\r\n", "*-1\r\n") has len(argv) == 0:
//     Redis resets the client and reads on, and so should the caller.
//   - Need more data: n == 0 and err == nil. The Parser remembers how far it
//     got; call Parse again once more bytes are appended, with buf starting
//     at the same byte as before (the caller may have moved or compacted its
//     buffer, but must not drop or change the bytes it passed).
//   - A protocol error: err is a *ProtocolError with Redis's exact text, and
//     the Parser is reset. Reply and close the connection, as Redis does.
//
// The arguments point into buf; nothing is copied. They stay valid until the
// caller modifies, reuses or compacts those bytes of buf, or calls Parse
// again, whichever comes first; the slice argv itself is reused by the next
// call it is passed to. Each argument's capacity ends with it, so appending to one cannot
// overwrite its neighbour.
//
// Parse does not write to buf, with one exception: the quoted arguments of an
// inline command are unescaped in place, inside the bytes the command
// consumed (the result is never longer than its quoted form). Unquoted inline
// arguments and multibulk arguments are never written.
//
// Parse never allocates in proportion to an announced length: a client that
// announces "$500000000" and sends ten bytes costs the Parser nothing but its
// state. Redis pre-allocates arguments of PROTO_MBULK_BIG_ARG (32 KiB) or more
// so that it can read them in place; Parse deliberately does not, and leaves
// the buffer policy to the caller (see Need). Memory grows only with the
// number of arguments actually received.
//
// As in Redis, the size limits are checked against the bytes at hand: an
// inline request is rejected when lim.InlineMaxSize bytes are pending without a
// '\n', so a longer line that arrives whole is accepted. Redis reads at most
// 16 KiB at a time for such input; a caller that does the same gets Redis's
// behaviour exactly.
func (p *Parser) Parse(buf []byte, argv [][]byte, lim *Limits) (_ [][]byte, n int, err error) {
	if len(buf) < p.pos || len(buf) < p.scan {
		panic("resp: Parse called with fewer bytes than an earlier call already parsed; call Reset after discarding input")
	}
	p.need = 0
	if p.reqtype == reqNone {
		if len(buf) == 0 {
			return nil, 0, nil
		}
		// processInputBuffer: the first byte decides the request type.
		if buf[0] == '*' {
			p.reqtype = reqMultibulk
		} else {
			p.reqtype = reqInline
		}
	}
	if lim == nil {
		lim = &defaultLimits
	}
	if p.reqtype == reqInline {
		return p.parseInline(buf, argv, lim)
	}
	return p.parseMultibulk(buf, argv, lim)
}

// Need reports how many bytes beyond those passed to the last call of Parse
// the argument being read still needs, terminating CRLF included. It is 0
// when that call completed a command or failed, or when the Parser is
// waiting for the end of a line and cannot know. A server may use it to size
// its next read, bounded by its own policy: the figure comes from the client
// and is only a claim.
func (p *Parser) Need() int { return p.need }

// Reset discards the state of a partly parsed command, for a caller that
// discards its input (or reuses the Parser for another connection).
// Unauthenticated is kept. The caller's argument vector is its own to
// clear.
func (p *Parser) Reset() {
	p.resetCommand()
	p.need = 0
}

// Release gives up the storage the Parser keeps between commands (the
// argument positions, reused by each command so that parsing does not
// allocate), so that an idle connection holds none; the next command
// allocates it again. The caller drops its argument vector at the same
// time. Between commands it returns true; while a command has partly
// arrived it keeps everything and returns false.
func (p *Parser) Release() bool {
	if p.reqtype != reqNone {
		return false
	}
	p.spans = nil
	return true
}

// resetCommand is Redis's resetClient as far as the parser is concerned.
func (p *Parser) resetCommand() {
	p.reqtype = reqNone
	p.multibulklen = 0
	p.bulklen = 0
	p.haveBulkLen = false
	p.pos = 0
	p.scan = 0
	p.nul = false
	p.spans = p.spans[:0]
}

// fail resets the Parser and returns err.
func (p *Parser) fail(err *ProtocolError) ([][]byte, int, error) {
	p.resetCommand()
	p.need = 0
	return nil, 0, err
}

// clearTail clears the entries of the previous result, old, that the new
// one (built in the same array) no longer uses, so that they keep no old
// input alive.
func clearTail(argv, old [][]byte) {
	if len(argv) < len(old) && len(old) <= cap(argv) {
		clear(argv[len(argv):len(old)])
	}
}

// indexLine returns the index in buf of the first c at or after p.pos, or -1
// when there is none before the first NUL byte. Redis searches its query
// buffer with strchr, which stops at NUL: a line holding a NUL before its
// terminator is never complete, and the client ends with a "too big" error
// once InlineMaxSize bytes are pending. The search resumes where the last one
// stopped, so a line that trickles in is not scanned over and over.
func (p *Parser) indexLine(buf []byte, c byte) int {
	if p.nul {
		return -1
	}
	from := max(p.pos, p.scan)
	rest := buf[from:]
	// Protocol lines ("*3", "$5") are short: a plain loop finds their end
	// sooner than two calls of IndexByte would.
	short := min(len(rest), 16)
	for j, b := range rest[:short] {
		if b == c {
			p.scan = from + j
			return from + j
		}
		if b == 0 {
			p.nul = true
			return -1
		}
	}
	from += short
	rest = rest[short:]
	i := bytes.IndexByte(rest, c)
	head := rest
	if i >= 0 {
		head = rest[:i]
	}
	if bytes.IndexByte(head, 0) >= 0 {
		p.nul = true
		return -1
	}
	if i < 0 {
		p.scan = len(buf)
		return -1
	}
	p.scan = from + i
	return from + i
}

func (l *Limits) protoMaxBulkLen() int64 {
	if l.ProtoMaxBulkLen > 0 {
		// Keep bulklen+2 from overflowing.
		return min(l.ProtoMaxBulkLen, math.MaxInt64-2)
	}
	return DefaultProtoMaxBulkLen
}

func (l *Limits) inlineMaxSize() int {
	if l.InlineMaxSize > 0 {
		return l.InlineMaxSize
	}
	return DefaultInlineMaxSize
}

func (l *Limits) maxMultibulkLen() int64 {
	if l.MaxMultibulkLen > 0 {
		return int64(l.MaxMultibulkLen)
	}
	return DefaultMaxMultibulkLen
}
