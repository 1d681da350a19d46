package resp

// ProtocolError reports a request that breaks the protocol. Redis answers
// such a request with "-ERR " followed by Msg and closes the connection once
// that reply is written (setProtocolError sets CLIENT_CLOSE_AFTER_REPLY);
// a server built on this package should do the same, for example:
//
//	out = resp.AppendError(out, perr.Msg)
//	// flush out, then close the connection
//
// After Parse returns a ProtocolError the Parser is reset, but the byte
// stream it was reading cannot be resynchronised: Redis never tries to, and
// neither should the caller.
type ProtocolError struct {
	// Msg is Redis's exact error text without the leading "-ERR ",
	// for example "Protocol error: invalid bulk length".
	Msg string
}

// Error returns Msg.
func (e *ProtocolError) Error() string { return e.Msg }

// The protocol errors of Redis 7.0.15's processInlineBuffer and
// processMultibulkBuffer, with their exact texts. Parse returns these very
// values, so callers may compare with == or errors.Is. The one message that
// embeds input, "Protocol error: expected '$', got '%c'", has no sentinel:
// Parse returns a fresh *ProtocolError for it.
var (
	// ErrTooBigInline: an inline request has no '\n' within
	// InlineMaxSize bytes.
	ErrTooBigInline = &ProtocolError{"Protocol error: too big inline request"}
	// ErrUnbalancedQuotes: an inline request has an unterminated quote, or a
	// closing quote followed by something other than a space (sdssplitargs
	// returned NULL).
	ErrUnbalancedQuotes = &ProtocolError{"Protocol error: unbalanced quotes in request"}
	// ErrTooBigMbulkCount: the "*<count>" line has no '\r' within
	// InlineMaxSize bytes.
	ErrTooBigMbulkCount = &ProtocolError{"Protocol error: too big mbulk count string"}
	// ErrInvalidMultibulkLen: the count is not an integer or exceeds
	// MaxMultibulkLen (INT_MAX in Redis).
	ErrInvalidMultibulkLen = &ProtocolError{"Protocol error: invalid multibulk length"}
	// ErrUnauthMultibulkLen: an unauthenticated client announced more than
	// UnauthMaxMultibulkLen arguments.
	ErrUnauthMultibulkLen = &ProtocolError{"Protocol error: unauthenticated multibulk length"}
	// ErrTooBigBulkCount: a "$<len>" line has no '\r' within InlineMaxSize
	// bytes.
	ErrTooBigBulkCount = &ProtocolError{"Protocol error: too big bulk count string"}
	// ErrInvalidBulkLen: the length is not an integer, is negative, or
	// exceeds ProtoMaxBulkLen.
	ErrInvalidBulkLen = &ProtocolError{"Protocol error: invalid bulk length"}
	// ErrUnauthBulkLen: an unauthenticated client announced an argument
	// longer than UnauthMaxBulkLen bytes.
	ErrUnauthBulkLen = &ProtocolError{"Protocol error: unauthenticated bulk length"}
)

// expectedDollar builds Redis's "expected '$', got '%c'" error for byte c.
// Redis formats it with addReplyErrorFormat, which turns '\r' and '\n' in
// the middle of the message into spaces; c is always in the middle, so the
// same mapping is all that is needed here. A NUL byte can never be c: the
// line search stops at NUL (see indexLine), so Parse never gets this far.
func expectedDollar(c byte) *ProtocolError {
	if c == '\r' || c == '\n' {
		c = ' '
	}
	return &ProtocolError{"Protocol error: expected '$', got '" + string([]byte{c}) + "'"}
}
