package mcproto

// Error is a request memcached refuses. Reply is memcached 1.6.18's exact
// reply line, "\r\n" included; the connection stays open unless Close is
// set. A Close error with an empty Reply is a silent close, as memcached
// does for an over-long line and for an HTTP request line.
//
// Parse returns these very values, so callers may compare with == or
// errors.Is. Whether the reply is sent depends on the request: see
// Request.NoReply.
type Error struct {
	Reply string
	Close bool
}

// Error returns the reply line without its "\r\n", or a description of a
// silent close.
func (e *Error) Error() string {
	if e.Reply == "" {
		if e == ErrHTTPRequest {
			return "HTTP request line (connection closed without a reply)"
		}
		return "line too long (connection closed without a reply)"
	}
	return e.Reply[:len(e.Reply)-2]
}

// Replies to malformed text-protocol commands (proto_text.c).
var (
	// ErrUnknownCommand is "ERROR": an unknown command, or a known one with
	// the wrong number of tokens (WANT_TOKENS), which noreply never
	// suppresses; also cache_memlimit's reply to a size that is not a
	// number, which it does.
	ErrUnknownCommand = &Error{Reply: "ERROR\r\n"}
	// ErrBadFormat: a key over KeyMaxLength bytes, a flags, exptime,
	// bytes or cas token that is not a number of its kind, a byte count
	// below 0 or above MaxBytes, a non-numeric verbosity level.
	ErrBadFormat = &Error{Reply: "CLIENT_ERROR bad command line format\r\n"}
	// ErrInvalidExptime: touch, gat/gats or flush_all with an exptime that
	// is not an integer.
	ErrInvalidExptime = &Error{Reply: "CLIENT_ERROR invalid exptime argument\r\n"}
	// ErrInvalidDelta: incr/decr with a delta that is not a u64.
	ErrInvalidDelta = &Error{Reply: "CLIENT_ERROR invalid numeric delta argument\r\n"}
	// ErrDeleteUsage: delete with a third token other than "0" or
	// "noreply" (memcached 1.6 still accepts the legacy "0" hold time).
	// The two spaces before "Usage" are memcached's.
	ErrDeleteUsage = &Error{Reply: "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n"}
	// ErrBadDataChunk: a data block that does not end in "\r\n"
	// (complete_nread_ascii). Returned by Data and CheckDataEnd, never by
	// Parse. noreply suppresses it for the classic storage commands; ms
	// always sends it.
	ErrBadDataChunk = &Error{Reply: "CLIENT_ERROR bad data chunk\r\n"}
)

// Replies decided by the server rather than the parser, with memcached's
// texts, so that every server built on this package writes the same bytes.
var (
	// ErrTooLarge: the item does not fit the item size limit (-I). The
	// server replies with it only once the data block is swallowed (call
	// Parser.Swallow), and a set also deletes the key's old value.
	ErrTooLarge = &Error{Reply: "SERVER_ERROR object too large for cache\r\n"}
	// ErrOutOfMemoryStoring: no memory for the item and nothing to evict
	// (or -M); the data block is swallowed as for ErrTooLarge.
	ErrOutOfMemoryStoring = &Error{Reply: "SERVER_ERROR out of memory storing object\r\n"}
	// ErrOutOfMemory: incr/decr or ma could not allocate the new value.
	ErrOutOfMemory = &Error{Reply: "SERVER_ERROR out of memory\r\n"}
	// ErrNonNumeric: incr/decr or ma on a value that is not a decimal u64.
	ErrNonNumeric = &Error{Reply: "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n"}
	// ErrStatsDetailUsage: "stats detail" without on, off or dump.
	ErrStatsDetailUsage = &Error{Reply: "CLIENT_ERROR usage: stats detail on|off|dump\r\n"}
	// ErrShutdownNotEnabled: shutdown on a server started without -A.
	ErrShutdownNotEnabled = &Error{Reply: "ERROR: shutdown not enabled\r\n"}
	// ErrMemlimitTooSmall: cache_memlimit below 8 (megabytes).
	ErrMemlimitTooSmall = &Error{Reply: "MEMLIMIT_TOO_SMALL cannot set maxbytes to less than 8m\r\n"}
)

// Connection-closing errors (try_read_command_ascii, process_command_ascii).
var (
	// ErrLineTooLong: more than Parser.MaxLineLength (2048) bytes are pending without a
	// '\n' and the line does not start with "get " or "gets " (after at
	// most 100 spaces). memcached closes the connection without a reply.
	ErrLineTooLong = &Error{Close: true}
	// ErrHTTPRequest: an unknown command whose last token starts with
	// "HTTP/" ("GET / HTTP/1.1"): a browser or an HTTP client. memcached
	// closes the connection without a reply.
	ErrHTTPRequest = &Error{Close: true}
	// ErrGetLineTooLong: a get/gets line longer than the Parser's
	// MaxGetLineLength. memcached has no such limit (its multiget buffer
	// grows without bound); this package replies with this line and
	// closes the connection (a documented difference).
	ErrGetLineTooLong = &Error{Reply: "CLIENT_ERROR line too long\r\n", Close: true}
)

// Replies to malformed meta commands. noreply (the q flag) never
// suppresses them.
var (
	// ErrMetaInvalidFlag: a flag letter memcached does not know.
	ErrMetaInvalidFlag = &Error{Reply: "CLIENT_ERROR invalid flag\r\n"}
	// ErrMetaDuplicateFlag: a flag given twice, or a flag token whose first
	// byte is 127 or above.
	ErrMetaDuplicateFlag = &Error{Reply: "CLIENT_ERROR duplicate flag\r\n"}
	// ErrMetaInvalidOrDuplicateFlag: md and ma report every flag error
	// (unknown, repeated, bad token) with this one text.
	ErrMetaInvalidOrDuplicateFlag = &Error{Reply: "CLIENT_ERROR invalid or duplicate flag\r\n"}
	// ErrMetaBadToken: an N, T, R or C flag whose token is not a number.
	ErrMetaBadToken = &Error{Reply: "CLIENT_ERROR bad token in command line format\r\n"}
	// ErrMetaMTokenLength: an M flag that is not exactly one mode letter.
	ErrMetaMTokenLength = &Error{Reply: "CLIENT_ERROR incorrect length for M token\r\n"}
	// ErrMetaInitial: a J flag that is not a u64.
	ErrMetaInitial = &Error{Reply: "CLIENT_ERROR invalid numeric initial value\r\n"}
	// ErrMetaDelta: a D flag that is not a u64.
	ErrMetaDelta = &Error{Reply: "CLIENT_ERROR invalid numeric delta value\r\n"}
	// ErrMetaDecodingKey: the b flag with a key that is not base64.
	ErrMetaDecodingKey = &Error{Reply: "CLIENT_ERROR error decoding key\r\n"}
	// ErrMetaOpaqueTooLong: an O token of more than 32 bytes, the O
	// included.
	ErrMetaOpaqueTooLong = &Error{Reply: "CLIENT_ERROR opaque token too long\r\n"}
	// ErrMetaGetFlagsTooLong: mg with more than MaxMetaFlags flags.
	ErrMetaGetFlagsTooLong = &Error{Reply: "CLIENT_ERROR options flags are too long\r\n"}
	// ErrMetaFlagsTooLong: ms, md or ma with too many flags (ms counts its
	// length token too).
	ErrMetaFlagsTooLong = &Error{Reply: "CLIENT_ERROR options flags too long\r\n"}
	// ErrMetaSetMode: ms with an M mode other than E, A, P, R, S.
	ErrMetaSetMode = &Error{Reply: "CLIENT_ERROR invalid mode for ms M token\r\n"}
	// ErrMetaArithmeticMode: ma with an M mode other than I, +, D, -.
	ErrMetaArithmeticMode = &Error{Reply: "CLIENT_ERROR invalid mode for ma M token\r\n"}
)
