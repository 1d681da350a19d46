package respserver

import (
	"fmt"

	"github.com/goae/goae/connection"
	"github.com/goae/goae/internal/resp"
)

// Client flags (CLIENT_*).
const (
	CloseAfterReply = 1 << iota // close once the replies queued so far are written
	CloseASAP                   // scheduled to be freed before the loop sleeps
	PendingWrite                // queued for BeforeSleep
	UnixSocket                  // connected through the unix socket
	Freed                       // freed: lists that still hold it skip it
	OutputLimited               // the output buffer limits apply (LimitOutput)
	RESP3                       // the client speaks RESP3 (HELLO 3): see Protocol
	PubSub                      // subscribed (CLIENT_PUBSUB): the pubsub class of output limits applies (SetPubSub)
	// Blocked (CLIENT_BLOCKED): the server holds the client in a blocking
	// command or a pause. Its input is read but not parsed until the
	// server clears the flag and calls Feed(c, nil); the idle timeout
	// spares it.
	Blocked
	ReplyOff      // CLIENT_REPLY_OFF: CLIENT REPLY OFF (clientreply.go)
	ReplySkipNext // CLIENT_REPLY_SKIP_NEXT: CLIENT REPLY SKIP was just run
	ReplySkip     // CLIENT_REPLY_SKIP: this command's reply is dropped
)

// Client is one connection (Redis's client struct). Its exported fields
// are the server's to read; Data is the server's own per-client state.
type Client struct {
	ID              int64
	fd              int32 // the socket's fd (its slot in Clients), -1 in memory or once freed
	Flags           int32
	Conn            *connection.Conn // the connection, nil for an in-memory client
	Addr            string           // "ip:port", or "path:0" on the unix socket
	Name            string           // CLIENT SETNAME
	Ctime           int64            // unix ms at connection
	LastInteraction int64            // unix ms of the last read
	// Argv is the command being run. Between commands its length is 0
	// and its array is kept for the next one (the parser fills it).
	Argv [][]byte
	// Parser is the client's request parser; its limits are the
	// server's (Unauthenticated is set before every command from
	// Handler.AuthRequired).
	Parser resp.Parser
	Data   any

	// Out holds the replies not yet handed to the connection; commands
	// append to it (the AddReply methods do). BeforeSleep passes it to
	// the connection (which writes it, or keeps what the socket did not
	// take) and empties it. An in-memory client keeps its replies here.
	Out []byte

	querybuf []byte // unparsed input is querybuf[qbpos:]
	qbpos    int
	// obufSoftLimitReachedTime is when (unix ms) the pending output was
	// first seen over the soft limit, 0 when it is under.
	obufSoftLimitReachedTime int64
	// obufMax: an append that leaves Out longer than this checks the
	// output buffer limits (math.MaxInt for a client without limits; 0
	// once it is closing, so that further replies are dropped).
	obufMax int
	srv     *Server
}

// FD is the socket's file descriptor: the client's slot in
// Server.Clients. It is -1 for an in-memory client and once freed.
func (c *Client) FD() int { return int(c.fd) }

// checkOutput runs after every append: one comparison unless the output
// has grown past the smallest limit (Redis checks on every reply added to
// the list, so that even one command's replies cannot grow unbounded).
func (c *Client) checkOutput() {
	if len(c.Out) > c.obufMax {
		c.outputOverLimit()
	}
}

func (c *Client) outputOverLimit() {
	if c.Flags&(CloseASAP|Freed) != 0 {
		// Its replies will never be sent (Redis's
		// _addReplyToBufferOrList returns for CLIENT_CLOSE_ASAP).
		c.Out = c.Out[:0]
		return
	}
	if c.srv != nil && !c.srv.closeClientOnOutputBufferLimitReached(c) {
		c.srv.setObufMax(c)
	}
}

// PendingOutput is the number of reply bytes not yet written: those in
// Out and those the connection holds.
func (c *Client) PendingOutput() int {
	if c.Conn != nil {
		return len(c.Out) + c.Conn.Pending()
	}
	return len(c.Out)
}

// OutputCap is the memory of the reply buffers: Out's capacity and the
// connection's output buffers.
func (c *Client) OutputCap() int {
	if c.Conn != nil {
		return cap(c.Out) + c.Conn.OutputMemory()
	}
	return cap(c.Out)
}

// QueryLen is the length of the query buffer, the command being run
// included (CLIENT LIST's qbuf, Redis's sdslen(c->querybuf)).
func (c *Client) QueryLen() int { return len(c.querybuf) }

// QueryCap is the capacity of the query buffer.
func (c *Client) QueryCap() int { return cap(c.querybuf) }

// Output returns the reply bytes not yet written (for tests and
// in-memory use; the slice is the client's own).
func (c *Client) Output() []byte { return c.Out }

// ResetOutput drops the replies not yet written.
func (c *Client) ResetOutput() {
	c.Out = c.Out[:0]
	if c.Conn != nil {
		c.Conn.DiscardOutput()
	}
}

// Reply helpers (addReply*): they append to the client's output buffer.

// AddReply appends a complete, already encoded reply such as resp.OK.
func (c *Client) AddReply(s string) { c.Out = append(c.Out, s...); c.checkOutput() }

// AddReplyBulk appends b as a bulk string.
func (c *Client) AddReplyBulk(b []byte) { c.Out = resp.AppendBulk(c.Out, b); c.checkOutput() }

// AddReplyBulkString appends s as a bulk string.
func (c *Client) AddReplyBulkString(s string) {
	c.Out = resp.AppendBulkString(c.Out, s)
	c.checkOutput()
}

// AddReplyInt appends an integer reply.
func (c *Client) AddReplyInt(n int64) { c.Out = resp.AppendInt(c.Out, n); c.checkOutput() }

// AddReplyArrayLen appends an array header of n elements.
func (c *Client) AddReplyArrayLen(n int) { c.Out = resp.AppendArrayLen(c.Out, n); c.checkOutput() }

// AddReplyNull appends a missing value (addReplyNull): the null bulk
// string "$-1" in RESP2, "_" in RESP3.
func (c *Client) AddReplyNull() {
	if c.Flags&RESP3 != 0 {
		c.Out = append(c.Out, resp.Null3...)
	} else {
		c.Out = append(c.Out, resp.NullBulk...)
	}
	c.checkOutput()
}

// AddReplyStatus appends a status reply ("+s").
func (c *Client) AddReplyStatus(s string) { c.Out = resp.AppendSimpleString(c.Out, s); c.checkOutput() }

// AddReplyError appends an error reply; see resp.AppendError for the "-ERR"
// prefix rule.
func (c *Client) AddReplyError(msg string) { c.Out = resp.AppendError(c.Out, msg); c.checkOutput() }

// AddReplyErrorf appends a formatted error reply.
func (c *Client) AddReplyErrorf(format string, a ...any) {
	c.AddReplyError(fmt.Sprintf(format, a...))
}

// AddReplyBulkDouble appends f as Redis's RESP2 double.
func (c *Client) AddReplyBulkDouble(f float64) {
	c.Out = resp.AppendBulkDouble(c.Out, f)
	c.checkOutput()
}
