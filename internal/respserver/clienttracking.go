package respserver

// The client side of client side caching (networking.c's clientCommand
// "tracking", "caching", "getredir" and "trackinginfo" branches, and what
// Redis 7.0 keeps in the client struct for tracking.c): a client's
// tracking settings, the checks of CLIENT TRACKING and the replies of the
// other three, for every server built on this package. The keys a
// tracking client has read and the invalidations are the server's.

import (
	"slices"

	"github.com/goae/goae/internal/resp"
)

// Tracking flags (CLIENT_TRACKING_*).
const (
	TrackingBrokenRedir = 1 << iota // the REDIRECT client went away
	TrackingBcast                   // BCAST
	TrackingOptin                   // OPTIN
	TrackingOptout                  // OPTOUT
	TrackingCaching                 // CLIENT CACHING yes|no given for the next command
	TrackingNoloop                  // NOLOOP
)

// Tracking is a client's tracking settings: the CLIENT_TRACKING* flags,
// client_tracking_redirection (0 for none) and client_tracking_prefixes
// (sorted, as Redis's rax lists them). A nil *Tracking is tracking off.
type Tracking struct {
	Flags    uint8
	Redirect int64
	Prefixes []string
}

// TrackingRequest is a CLIENT TRACKING command that passed its checks.
type TrackingRequest struct {
	On       bool
	Options  uint8   // TrackingBcast, TrackingOptin, TrackingOptout, TrackingNoloop
	Redirect int64   // 0 for none
	Redir    *Client // the client Redirect names, as it is now
	Prefixes []string
}

// Enable is enableTracking's part on the client: the mode flags replaced
// by req's (CLIENT CACHING's flag stays), the redirection set, and in
// BCAST mode req's prefixes added ("" when it gives none). It returns the
// prefixes that are new to the client, for the server's prefix table.
func (t *Tracking) Enable(req TrackingRequest) (added []string) {
	t.Flags &^= TrackingBrokenRedir | TrackingBcast | TrackingOptin | TrackingOptout | TrackingNoloop
	t.Flags |= req.Options & (TrackingBcast | TrackingOptin | TrackingOptout | TrackingNoloop)
	t.Redirect = req.Redirect
	if req.Options&TrackingBcast == 0 {
		return nil
	}
	prefixes := req.Prefixes
	if len(prefixes) == 0 {
		prefixes = []string{""}
	}
	for _, p := range prefixes {
		i, found := slices.BinarySearch(t.Prefixes, p)
		if !found {
			t.Prefixes = slices.Insert(t.Prefixes, i, p)
			added = append(added, p)
		}
	}
	return added
}

// ParseClientTracking checks CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX
// p ...] [BCAST] [OPTIN] [OPTOUT] [NOLOOP] from c against cur, c's
// settings (nil when tracking is off), with Redis's error replies. On
// false the error is replied; on true the caller turns tracking on (with
// Enable) or off and replies +OK.
func (s *Server) ParseClientTracking(c *Client, cur *Tracking) (req TrackingRequest, ok bool) {
	argv := c.Argv
	for j := 3; j < len(argv); j++ {
		more := len(argv) - 1 - j
		opt := string(argv[j])
		switch {
		case resp.EqualFold(opt, "redirect") && more > 0:
			j++
			if req.Redirect != 0 {
				c.AddReplyError("A client can only redirect to a single other client")
				return req, false
			}
			id, ok := resp.ParseInt(argv[j])
			if !ok {
				c.AddReplyError("value is not an integer or out of range")
				return req, false
			}
			// The client must exist now, even if it may go later.
			if req.Redir = s.ClientByID(c, id); req.Redir == nil {
				c.AddReplyError("The client ID you want redirect to does not exist")
				return req, false
			}
			req.Redirect = id
		case resp.EqualFold(opt, "bcast"):
			req.Options |= TrackingBcast
		case resp.EqualFold(opt, "optin"):
			req.Options |= TrackingOptin
		case resp.EqualFold(opt, "optout"):
			req.Options |= TrackingOptout
		case resp.EqualFold(opt, "noloop"):
			req.Options |= TrackingNoloop
		case resp.EqualFold(opt, "prefix") && more > 0:
			j++
			req.Prefixes = append(req.Prefixes, string(argv[j]))
		default:
			c.AddReply(resp.SyntaxErr)
			return req, false
		}
	}
	switch {
	case resp.EqualFold(argv[2], "on"):
		req.On = true
	case resp.EqualFold(argv[2], "off"):
		return req, true
	default:
		c.AddReply(resp.SyntaxErr)
		return req, false
	}
	bcast := req.Options&TrackingBcast != 0
	optin, optout := req.Options&TrackingOptin != 0, req.Options&TrackingOptout != 0
	switch {
	case !bcast && len(req.Prefixes) > 0:
		c.AddReplyError("PREFIX option requires BCAST mode to be enabled")
	case cur != nil && (cur.Flags&TrackingBcast != 0) != bcast:
		c.AddReplyError("You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.")
	case bcast && (optin || optout):
		c.AddReplyError("OPTIN and OPTOUT are not compatible with BCAST")
	case optin && optout:
		c.AddReplyError("You can't specify both OPTIN mode and OPTOUT mode")
	case cur != nil && ((optin && cur.Flags&TrackingOptout != 0) || (optout && cur.Flags&TrackingOptin != 0)):
		c.AddReplyError("You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.")
	case bcast && !checkPrefixCollisions(c, cur, req.Prefixes):
	default:
		return req, true
	}
	return req, false
}

// checkPrefixCollisions refuses BCAST prefixes of which one starts with
// another, among those given and those cur has
// (checkPrefixCollisionsOrReply).
func checkPrefixCollisions(c *Client, cur *Tracking, prefixes []string) bool {
	overlap := func(a, b string) bool {
		n := min(len(a), len(b))
		return a[:n] == b[:n]
	}
	for i, p := range prefixes {
		if cur != nil {
			for _, have := range cur.Prefixes {
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

// ClientCachingCommand is CLIENT CACHING YES|NO for a client whose
// settings are t (nil: tracking off): whether its next command (or
// transaction) is tracked, in OPTIN and OPTOUT mode.
func ClientCachingCommand(c *Client, t *Tracking) {
	if t == nil {
		c.AddReplyError("CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled")
		return
	}
	switch opt := string(c.Argv[2]); {
	case resp.EqualFold(opt, "yes"):
		if t.Flags&TrackingOptin == 0 {
			c.AddReplyError("CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.")
			return
		}
	case resp.EqualFold(opt, "no"):
		if t.Flags&TrackingOptout == 0 {
			c.AddReplyError("CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.")
			return
		}
	default:
		c.AddReply(resp.SyntaxErr)
		return
	}
	t.Flags |= TrackingCaching
	c.AddReply(resp.OK)
}

// ClientGetredirCommand is CLIENT GETREDIR: the redirection, 0 for none,
// -1 when tracking is off.
func ClientGetredirCommand(c *Client, t *Tracking) {
	if t != nil {
		c.AddReplyInt(t.Redirect)
	} else {
		c.AddReplyInt(-1)
	}
}

// ClientTrackinginfoCommand is CLIENT TRACKINGINFO.
func ClientTrackinginfoCommand(c *Client, t *Tracking) {
	c.AddReplyMapLen(3)
	c.AddReplyBulkString("flags")
	var flags []string
	if t == nil {
		flags = append(flags, "off")
	} else {
		flags = append(flags, "on")
		if t.Flags&TrackingBcast != 0 {
			flags = append(flags, "bcast")
		}
		if t.Flags&TrackingOptin != 0 {
			flags = append(flags, "optin")
			if t.Flags&TrackingCaching != 0 {
				flags = append(flags, "caching-yes")
			}
		}
		if t.Flags&TrackingOptout != 0 {
			flags = append(flags, "optout")
			if t.Flags&TrackingCaching != 0 {
				flags = append(flags, "caching-no")
			}
		}
		if t.Flags&TrackingNoloop != 0 {
			flags = append(flags, "noloop")
		}
		if t.Flags&TrackingBrokenRedir != 0 {
			flags = append(flags, "broken_redirect")
		}
	}
	c.AddReplySetLen(len(flags))
	for _, f := range flags {
		c.AddReplyBulkString(f)
	}
	c.AddReplyBulkString("redirect")
	if t != nil {
		c.AddReplyInt(t.Redirect)
	} else {
		c.AddReplyInt(-1)
	}
	c.AddReplyBulkString("prefixes")
	if t == nil {
		c.AddReply(resp.EmptyArray)
		return
	}
	c.AddReplyArrayLen(len(t.Prefixes))
	for _, p := range t.Prefixes {
		c.AddReplyBulkString(p)
	}
}
