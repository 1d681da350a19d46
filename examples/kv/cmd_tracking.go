package main

import (
	"strings"

	"github.com/goae/goae/internal/resp"
)

// The CLIENT subcommands of client side caching (clientCommand's
// "tracking", "caching", "getredir" and "trackinginfo" branches in Redis
// 7.0's networking.c), with its replies.

// clientTrackingCommand is CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p
// ...] [BCAST] [OPTIN] [OPTOUT] [NOLOOP].
func clientTrackingCommand(s *server, c *client) {
	var redirect int64
	var redir *client
	var options uint8
	var prefixes []string
	for j := 3; j < len(c.Argv); j++ {
		more := len(c.Argv) - 1 - j
		opt := string(c.Argv[j])
		switch {
		case strings.EqualFold(opt, "redirect") && more > 0:
			j++
			if redirect != 0 {
				c.AddReplyError("A client can only redirect to a single other client")
				return
			}
			id, ok := resp.ParseInt(c.Argv[j])
			if !ok {
				c.AddReplyError("value is not an integer or out of range")
				return
			}
			// The client must exist now, even if it may go later.
			redir = s.clientByID(c, id)
			if redir == nil {
				c.AddReplyError("The client ID you want redirect to does not exist")
				return
			}
			redirect = id
		case strings.EqualFold(opt, "bcast"):
			options |= trackingBcast
		case strings.EqualFold(opt, "optin"):
			options |= trackingOptin
		case strings.EqualFold(opt, "optout"):
			options |= trackingOptout
		case strings.EqualFold(opt, "noloop"):
			options |= trackingNoloop
		case strings.EqualFold(opt, "prefix") && more > 0:
			j++
			prefixes = append(prefixes, string(c.Argv[j]))
		default:
			c.AddReply(resp.SyntaxErr)
			return
		}
	}
	switch {
	case strings.EqualFold(string(c.Argv[2]), "on"):
		if options&trackingBcast == 0 && len(prefixes) > 0 {
			c.AddReplyError("PREFIX option requires BCAST mode to be enabled")
			return
		}
		tc := s.tracked(c)
		if tc != nil && (tc.flags&trackingBcast != 0) != (options&trackingBcast != 0) {
			c.AddReplyError("You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.")
			return
		}
		if options&trackingBcast != 0 && options&(trackingOptin|trackingOptout) != 0 {
			c.AddReplyError("OPTIN and OPTOUT are not compatible with BCAST")
			return
		}
		if options&trackingOptin != 0 && options&trackingOptout != 0 {
			c.AddReplyError("You can't specify both OPTIN mode and OPTOUT mode")
			return
		}
		if tc != nil && ((options&trackingOptin != 0 && tc.flags&trackingOptout != 0) ||
			(options&trackingOptout != 0 && tc.flags&trackingOptin != 0)) {
			c.AddReplyError("You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.")
			return
		}
		if options&trackingBcast != 0 && !checkPrefixCollisions(c, tc, prefixes) {
			return
		}
		s.enableTracking(c, redirect, redir, options, prefixes)
	case strings.EqualFold(string(c.Argv[2]), "off"):
		s.disableTracking(c)
	default:
		c.AddReply(resp.SyntaxErr)
		return
	}
	c.AddReply(resp.OK)
}

// checkPrefixCollisions refuses BCAST prefixes of which one starts with
// another, among those given and those tc has (checkPrefixCollisionsOrReply).
func checkPrefixCollisions(c *client, tc *trackedClient, prefixes []string) bool {
	overlap := func(a, b string) bool {
		n := min(len(a), len(b))
		return a[:n] == b[:n]
	}
	for i, p := range prefixes {
		if tc != nil {
			for _, have := range tc.prefixes {
				if overlap(have, p) {
					c.AddReplyErrorf("Prefix '%s' overlaps with an existing prefix '%s'. Prefixes for a single client must not overlap.", p, have)
					return false
				}
			}
		}
		for _, q := range prefixes[i+1:] {
			if overlap(p, q) {
				c.AddReplyErrorf("Prefix '%s' overlaps with another provided prefix '%s'. Prefixes for a single client must not overlap.", p, q)
				return false
			}
		}
	}
	return true
}

// clientCachingCommand is CLIENT CACHING YES|NO: whether the next command
// (or transaction) is tracked, in OPTIN and OPTOUT mode.
func clientCachingCommand(s *server, c *client) {
	tc := s.tracked(c)
	if tc == nil {
		c.AddReplyError("CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled")
		return
	}
	switch opt := string(c.Argv[2]); {
	case strings.EqualFold(opt, "yes"):
		if tc.flags&trackingOptin == 0 {
			c.AddReplyError("CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.")
			return
		}
	case strings.EqualFold(opt, "no"):
		if tc.flags&trackingOptout == 0 {
			c.AddReplyError("CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.")
			return
		}
	default:
		c.AddReply(resp.SyntaxErr)
		return
	}
	tc.flags |= trackingCaching
	c.AddReply(resp.OK)
}

// clientGetredirCommand is CLIENT GETREDIR: the redirection, 0 for none,
// -1 when tracking is off.
func clientGetredirCommand(s *server, c *client) {
	if tc := s.tracked(c); tc != nil {
		c.AddReplyInt(tc.redirect)
	} else {
		c.AddReplyInt(-1)
	}
}

// clientTrackinginfoCommand is CLIENT TRACKINGINFO.
func clientTrackinginfoCommand(s *server, c *client) {
	tc := s.tracked(c)
	c.AddReplyMapLen(3)
	c.AddReplyBulkString("flags")
	var flags []string
	if tc == nil {
		flags = append(flags, "off")
	} else {
		flags = append(flags, "on")
		if tc.flags&trackingBcast != 0 {
			flags = append(flags, "bcast")
		}
		if tc.flags&trackingOptin != 0 {
			flags = append(flags, "optin")
			if tc.flags&trackingCaching != 0 {
				flags = append(flags, "caching-yes")
			}
		}
		if tc.flags&trackingOptout != 0 {
			flags = append(flags, "optout")
			if tc.flags&trackingCaching != 0 {
				flags = append(flags, "caching-no")
			}
		}
		if tc.flags&trackingNoloop != 0 {
			flags = append(flags, "noloop")
		}
		if tc.flags&trackingBrokenRedir != 0 {
			flags = append(flags, "broken_redirect")
		}
	}
	c.AddReplySetLen(len(flags))
	for _, f := range flags {
		c.AddReplyBulkString(f)
	}
	c.AddReplyBulkString("redirect")
	if tc != nil {
		c.AddReplyInt(tc.redirect)
	} else {
		c.AddReplyInt(-1)
	}
	c.AddReplyBulkString("prefixes")
	if tc == nil {
		c.AddReply(resp.EmptyArray)
		return
	}
	c.AddReplyArrayLen(len(tc.prefixes))
	for _, p := range tc.prefixes {
		c.AddReplyBulkString(p)
	}
}
