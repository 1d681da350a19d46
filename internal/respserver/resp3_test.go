package respserver

import (
	"math"
	"testing"
)

// Each protocol-aware helper on a RESP2 client and on a RESP3 one (after
// SetProtocol(3)): the RESP2 stand-ins are what redis-server 7.0.15 sends
// a client that never said HELLO 3 (HGETALL's flat array, SMEMBERS's
// array, ZSCORE's bulk "%.17g", BLPOP's "*-1", SISMEMBER-like 1/0), the
// RESP3 forms what it sends after HELLO 3.
func TestReplyByProtocol(t *testing.T) {
	for _, tc := range []struct {
		name         string
		add          func(c *Client)
		resp2, resp3 string
	}{
		{"map", func(c *Client) { c.AddReplyMapLen(2) }, "*4\r\n", "%2\r\n"},
		{"set", func(c *Client) { c.AddReplySetLen(2) }, "*2\r\n", "~2\r\n"},
		{"push", func(c *Client) { c.AddReplyPushLen(3) }, "*3\r\n", ">3\r\n"},
		{"null array", func(c *Client) { c.AddReplyNullArray() }, "*-1\r\n", "_\r\n"},
		{"null", func(c *Client) { c.AddReplyNull() }, "$-1\r\n", "_\r\n"},
		{"true", func(c *Client) { c.AddReplyBool(true) }, ":1\r\n", "#t\r\n"},
		{"false", func(c *Client) { c.AddReplyBool(false) }, ":0\r\n", "#f\r\n"},
		{"double", func(c *Client) { c.AddReplyDouble(1.1) }, "$18\r\n1.1000000000000001\r\n", ",1.1000000000000001\r\n"},
		{"inf", func(c *Client) { c.AddReplyDouble(math.Inf(1)) }, "$3\r\ninf\r\n", ",inf\r\n"},
		{"human double", func(c *Client) { c.AddReplyHumanDouble("0.3") }, "$3\r\n0.3\r\n", ",0.3\r\n"},
		{"big number", func(c *Client) { c.AddReplyBigNum("12345678901234567890") }, "$20\r\n12345678901234567890\r\n", "(12345678901234567890\r\n"},
		{"verbatim", func(c *Client) { c.AddReplyVerbatim("a\r\nb", "txt") }, "$4\r\na\r\nb\r\n", "=8\r\ntxt:a\r\nb\r\n"},
	} {
		for _, proto := range []int{2, 3} {
			c := &Client{obufMax: math.MaxInt} // in memory, no limits
			c.SetProtocol(proto)
			if c.Protocol() != proto {
				t.Fatalf("Protocol() = %d after SetProtocol(%d)", c.Protocol(), proto)
			}
			tc.add(c)
			want := tc.resp2
			if proto == 3 {
				want = tc.resp3
			}
			if string(c.Out) != want {
				t.Errorf("%s, RESP%d: got %q, want %q", tc.name, proto, c.Out, want)
			}
		}
	}
}
