package respserver

import "github.com/goae/goae/internal/resp"

// The protocol-aware reply helpers: each sends a RESP3 type to a client
// whose Flags have RESP3 set (after HELLO 3) and its RESP2 stand-in
// otherwise, as Redis's addReply* functions branch on c->resp.

// Protocol is the client's protocol version, 2 or 3 (Redis's c->resp).
func (c *Client) Protocol() int {
	if c.Flags&RESP3 != 0 {
		return 3
	}
	return 2
}

// SetProtocol switches the client to protocol 2 or 3 (HELLO's protover).
func (c *Client) SetProtocol(v int) {
	if v == 3 {
		c.Flags |= RESP3
	} else {
		c.Flags &^= RESP3
	}
}

// AddReplyMapLen appends a map header of n pairs: "%n" in RESP3, an array
// of 2n elements in RESP2 (addReplyMapLen).
func (c *Client) AddReplyMapLen(n int) {
	if c.Flags&RESP3 != 0 {
		c.Out = resp.AppendMapLen(c.Out, n)
	} else {
		c.Out = resp.AppendArrayLen(c.Out, 2*n)
	}
	c.checkOutput()
}

// AddReplySetLen appends a set header of n elements: "~n" in RESP3, an
// array in RESP2 (addReplySetLen).
func (c *Client) AddReplySetLen(n int) {
	if c.Flags&RESP3 != 0 {
		c.Out = resp.AppendSetLen(c.Out, n)
	} else {
		c.Out = resp.AppendArrayLen(c.Out, n)
	}
	c.checkOutput()
}

// AddReplyPushLen appends a push header of n elements: ">n" in RESP3, an
// array in RESP2, where pub/sub messages are plain arrays (addReplyPushLen).
func (c *Client) AddReplyPushLen(n int) {
	if c.Flags&RESP3 != 0 {
		c.Out = resp.AppendPushLen(c.Out, n)
	} else {
		c.Out = resp.AppendArrayLen(c.Out, n)
	}
	c.checkOutput()
}

// AddReplyNullArray appends a missing array: "*-1" in RESP2, "_" in RESP3
// (addReplyNullArray).
func (c *Client) AddReplyNullArray() {
	if c.Flags&RESP3 != 0 {
		c.Out = append(c.Out, resp.Null3...)
	} else {
		c.Out = append(c.Out, resp.NullArray...)
	}
	c.checkOutput()
}

// AddReplyBool appends a boolean: "#t"/"#f" in RESP3, 1 or 0 in RESP2
// (addReplyBool).
func (c *Client) AddReplyBool(b bool) {
	if c.Flags&RESP3 != 0 {
		c.Out = resp.AppendBool(c.Out, b)
	} else if b {
		c.Out = append(c.Out, resp.One...)
	} else {
		c.Out = append(c.Out, resp.Zero...)
	}
	c.checkOutput()
}

// AddReplyDouble appends f as Redis 7.0's addReplyDouble: a RESP3 double,
// or the "%.17g" bulk string in RESP2.
func (c *Client) AddReplyDouble(f float64) {
	if c.Flags&RESP3 != 0 {
		c.Out = resp.AppendDouble(c.Out, f)
	} else {
		c.Out = resp.AppendBulkDouble(c.Out, f)
	}
	c.checkOutput()
}

// AddReplyHumanDouble appends a number the server has formatted itself
// (addReplyHumanLongDouble): a RESP3 double, or a bulk string in RESP2.
func (c *Client) AddReplyHumanDouble(text string) {
	if c.Flags&RESP3 != 0 {
		c.Out = resp.AppendDoubleText(c.Out, text)
	} else {
		c.Out = resp.AppendBulkString(c.Out, text)
	}
	c.checkOutput()
}

// AddReplyBigNum appends a big number: "(" in RESP3, a bulk string in RESP2
// (addReplyBigNum).
func (c *Client) AddReplyBigNum(digits string) {
	if c.Flags&RESP3 != 0 {
		c.Out = resp.AppendBigNumber(c.Out, digits)
	} else {
		c.Out = resp.AppendBulkString(c.Out, digits)
	}
	c.checkOutput()
}

// AddReplyVerbatim appends s as a verbatim string of format ext ("txt"):
// "=" in RESP3, a bulk string in RESP2 (addReplyVerbatim; INFO and CLIENT
// LIST reply with it).
func (c *Client) AddReplyVerbatim(s, ext string) {
	if c.Flags&RESP3 != 0 {
		c.Out = resp.AppendVerbatim(c.Out, s, ext)
	} else {
		c.Out = resp.AppendBulkString(c.Out, s)
	}
	c.checkOutput()
}
