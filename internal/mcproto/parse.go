package mcproto

import (
	"bytes"
	"sync"
)

// Limits, with memcached 1.6.18's values.
const (
	// KeyMaxLength is KEY_MAX_LENGTH: the longest key, in bytes.
	KeyMaxLength = 250

	// MaxTokens is MAX_TOKENS: tokenize_command splits at most
	// MaxTokens-1 tokens (the last slot is its terminal marker); the
	// retrieval commands go on splitting their keys past that.
	MaxTokens = 24

	// DefaultMaxLineLength is the 2048 of try_read_command_ascii: when
	// more bytes than this are pending without a '\n', memcached closes
	// the connection, unless they start with "get " or "gets ".
	DefaultMaxLineLength = 2048

	// MaxBytes is the largest byte count a storage command may announce,
	// INT_MAX - 2 (the data block, with its "\r\n", must fit an int).
	MaxBytes = 1<<31 - 1 - 2

	// MaxMetaTokens is MFLAG_MAX_OPT_LENGTH: a meta command of more tokens
	// than this, its name and key included and counting tokenize_command's
	// terminal marker, is refused; so mg, md and ma take at most 17 flags,
	// and ms 16 besides its length.
	MaxMetaTokens = 20

	// MaxOpaqueLength is MFLAG_MAX_OPAQUE_LENGTH: the longest O token, the
	// O included.
	MaxOpaqueLength = 32

	// DefaultMaxGetLineLength bounds a get/gets line (memcached has no
	// bound): 1 MiB, room for 4,000 keys of 250 bytes.
	DefaultMaxGetLineLength = 1 << 20
)

// A Parser splits a client's byte stream into memcache text and meta
// protocol requests, one per call of Parse. It keeps the state of a line
// that has partly arrived and of a data block being swallowed, so a server
// needs one Parser per connection.
//
// The zero value is ready to use. A Parser must not be used by several
// goroutines at once.
type Parser struct {
	// MaxLineLength is how many bytes may be pending without a '\n'
	// before a line that is not a get or gets fails with ErrLineTooLong.
	// Zero means DefaultMaxLineLength, memcached's fixed 2048.
	MaxLineLength int

	// MaxGetLineLength bounds the length of a get or gets line, pending
	// or complete; a longer one fails with ErrGetLineTooLong. Zero means
	// DefaultMaxGetLineLength.
	MaxGetLineLength int

	scan    int      // the '\n' search resumes here
	swallow int64    // data bytes still to discard (conn_swallow's sbytes)
	s       *scratch // taken from scratchPool by Parse, given back by Release
}

// scratch is the Parser's working storage: the Request it returns and the
// token and key lists behind it. An idle connection need not hold it: see
// Release.
type scratch struct {
	req    Request
	toks   [MaxTokens - 1][]byte
	keys   [][]byte
	flagv  [MaxTokens]Flag
	keybuf [KeyMaxLength]byte // a meta command's base64-decoded key
}

// scratchPool holds the scratch of released Parsers.
var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// maxPooledKeys is the largest key list kept with a released scratch; a
// longer one (from a big multi-get) is left to the garbage collector.
const maxPooledKeys = 256

// Parse parses the next request at the start of buf, which must hold the
// client's unconsumed input: the bytes after those consumed by earlier
// calls. The results:
//
//   - A request: req != nil, err == nil and n > 0 is the length of its line.
//     For a storage command (req.Kind.IsStorage()) a data block of
//     req.Bytes+2 bytes follows; Parse does not consume it. Take it with
//     Data, or read it into an item and check it with CheckDataEnd, then go
//     on after it; or, to refuse the item, call Swallow(req.Bytes+2) and
//     let Parse discard it.
//   - Need more input: req == nil, n == 0, err == nil. Call Parse again
//     once more bytes are appended, with buf starting at the same byte (the
//     buffer may have been moved or compacted, but these bytes must stay).
//   - Bytes swallowed: req == nil, n > 0, err == nil: drop buf[:n] and call
//     again.
//   - A refused line: err is an *Error with memcached's reply and n > 0 its
//     length (drop it and go on). req is also set, with Kind (KindNone for
//     an unknown command) and NoReply: write err's Reply unless
//     req.NoReply. A meta set refused after its length has been read also
//     swallows its data block, as memcached does (see Swallowing).
//   - A closing error: err.Close is set; write err's Reply, if any, and
//     close the connection. n is then 0 and req nil.
//
// Parse never writes to buf and never allocates in proportion to what a
// client announces: a client that announces a 1 GB value and sends ten
// bytes costs nothing. It allocates only to grow the key list of a
// multi-get beyond the longest one seen so far (see Release).
func (p *Parser) Parse(buf []byte) (req *Request, n int, err error) {
	if p.swallow > 0 {
		k := int64(len(buf))
		if k > p.swallow {
			k = p.swallow
		}
		p.swallow -= k
		return nil, int(k), nil
	}
	if len(buf) < p.scan {
		panic("mcproto: Parse called with fewer bytes than an earlier call already searched; call Reset after discarding input")
	}
	if p.s == nil {
		p.s = scratchPool.Get().(*scratch)
	}
	i := bytes.IndexByte(buf[p.scan:], '\n')
	if i < 0 {
		p.scan = len(buf)
		return nil, 0, p.checkPending(buf)
	}
	end := p.scan + i
	p.scan = 0
	line := buf[:end]
	if len(line) > p.maxGetLineLength() && p.isGetLine(line) {
		return nil, 0, ErrGetLineTooLong
	}
	// try_read_command_ascii drops a '\r' before the '\n', but only from
	// a line of more than one byte: "\r\n" alone stays the one-token
	// line "\r" (ERROR either way).
	if end > 1 && line[end-1] == '\r' {
		line = line[:end-1]
	}
	p.s.req = Request{Line: line, Keys: p.s.keys[:0]}
	if e := p.processCommand(&p.s.req, line); e != nil {
		if e.Close {
			return nil, 0, e
		}
		return &p.s.req, end + 1, e
	}
	return &p.s.req, end + 1, nil
}

// checkPending applies memcached's rule to a line that has no '\n' yet:
// beyond MaxLineLength pending bytes the connection is closed, unless the
// line is a get or gets (which may be long), and those are bounded here by
// MaxGetLineLength.
func (p *Parser) checkPending(buf []byte) error {
	if len(buf) <= p.maxLineLength() && len(buf) <= p.maxGetLineLength() {
		return nil
	}
	if !p.isGetLine(buf) {
		if len(buf) > p.maxLineLength() {
			return ErrLineTooLong
		}
		return nil
	}
	if len(buf) > p.maxGetLineLength() {
		return ErrGetLineTooLong
	}
	return nil
}

// isGetLine is try_read_command_ascii's test for a large multiget: at most
// 100 leading spaces, then "get " or "gets ".
func (p *Parser) isGetLine(b []byte) bool {
	i := 0
	for i < len(b) && b[i] == ' ' {
		i++
	}
	if i > 100 {
		return false
	}
	b = b[i:]
	return bytes.HasPrefix(b, []byte("get ")) || bytes.HasPrefix(b, []byte("gets "))
}

func (p *Parser) maxLineLength() int {
	if p.MaxLineLength > 0 {
		return p.MaxLineLength
	}
	return DefaultMaxLineLength
}

func (p *Parser) maxGetLineLength() int {
	if p.MaxGetLineLength > 0 {
		return p.MaxGetLineLength
	}
	return DefaultMaxGetLineLength
}

// Swallow makes the Parser discard the next n bytes of input before it
// parses another line: memcached's conn_swallow, for a storage command
// whose item is refused (ErrTooLarge, ErrOutOfMemoryStoring). Call it with
// req.Bytes+2 right after Parse returned the request; Parse then returns
// the swallowed bytes as consumed (req == nil, n > 0) until they are all
// gone. memcached sends the refusal only after the swallow: a server that
// wants the same order holds its replies while Swallowing is non-zero.
func (p *Parser) Swallow(n int64) {
	if n > 0 {
		p.swallow += n
	}
}

// Swallowing returns how many bytes of a refused data block are still to
// be discarded.
func (p *Parser) Swallowing() int64 { return p.swallow }

// Reset discards the state of a partly received line and of a swallow,
// for a caller that discards its input (or reuses the Parser for another
// connection). The limit fields are kept.
func (p *Parser) Reset() {
	p.scan = 0
	p.swallow = 0
	if p.s != nil {
		p.s.clear()
	}
}

// Release gives the Parser's working storage (about 2 KB, and the key list
// a multi-get grew) back to a pool shared by all Parsers, so that an idle
// connection holds only the Parser itself (a few words); the next Parse
// takes storage from the pool again. The state of a partly received line
// or of a swallow is kept, so Release may be called at any time; but the
// last Request returned must no longer be used.
func (p *Parser) Release() {
	if p.s == nil {
		return
	}
	p.s.clear()
	if cap(p.s.keys) > maxPooledKeys {
		p.s.keys = nil
	}
	scratchPool.Put(p.s)
	p.s = nil
}

// clear drops every reference to input, so that pooled storage does not
// keep a client's buffer alive.
func (s *scratch) clear() {
	s.req = Request{}
	clear(s.keys[:cap(s.keys)])
	s.keys = s.keys[:0]
	clear(s.toks[:])
	clear(s.flagv[:])
}

// tokenize is tokenize_command on line (which ends at its first NUL, as
// memcached's strlen does): it splits on spaces into at most MaxTokens-1
// tokens and returns how many. ntokens in memcached's terms, which counts
// its terminal marker, is the result plus one. rest is what follows the
// last token split when the split stopped early (the unsplit remainder,
// possibly only spaces), or nil.
func (p *Parser) tokenize(line []byte) (n int, rest []byte) {
	i := 0
	for {
		for i < len(line) && line[i] == ' ' {
			i++
		}
		if i == len(line) {
			return n, nil
		}
		// Tokens are short: a plain loop finds their end sooner than
		// bytes.IndexByte's call would.
		j := i + 1
		for j < len(line) && line[j] != ' ' {
			j++
		}
		p.s.toks[n] = line[i:j:j]
		n++
		if j == len(line) {
			return n, nil
		}
		i = j + 1
		if n == MaxTokens-1 {
			if i < len(line) {
				return n, line[i:]
			}
			return n, nil
		}
	}
}

// cutNUL returns line up to its first NUL byte.
func cutNUL(line []byte) []byte {
	if i := bytes.IndexByte(line, 0); i >= 0 {
		return line[:i]
	}
	return line
}
