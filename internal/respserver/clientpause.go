package respserver

import (
	"time"

	"github.com/goae/goae/internal/resp"
)

// PauseType is pause_type: what a CLIENT PAUSE holds, in increasing
// strength.
type PauseType int

const (
	PauseOff   PauseType = iota // CLIENT_PAUSE_OFF
	PauseWrite                  // CLIENT_PAUSE_WRITE: commands that may write or replicate
	PauseAll                    // CLIENT_PAUSE_ALL: every command
)

// Pause is the CLIENT PAUSE in force: server.client_pause_type and
// client_pause_end_time (unix ms). Which commands it holds, and how the
// held clients run again, is the server's (processCommand's
// blockPostponeClient, unpauseClients).
type Pause struct {
	Type PauseType
	End  int64
}

// ClientPauseCommand is CLIENT PAUSE timeout [WRITE|ALL] for c (argv:
// CLIENT PAUSE ...): the arguments checked with Redis's errors, the
// timeout read as getTimeoutFromObjectOrReply reads milliseconds, and p
// extended, as pauseClients does, so that a pause only grows, in strength
// and in length. It replies to c, and reports whether p changed.
func ClientPauseCommand(c *Client, p *Pause) bool {
	if len(c.Argv) > 4 {
		c.AddReplyError(resp.SubcommandSyntaxError(string(c.Argv[0]), string(c.Argv[1])))
		return false
	}
	typ := PauseAll
	if len(c.Argv) == 4 {
		switch {
		case resp.EqualFold(c.Argv[3], "write"):
			typ = PauseWrite
		case resp.EqualFold(c.Argv[3], "all"):
		default:
			c.AddReplyError("CLIENT PAUSE mode must be WRITE or ALL")
			return false
		}
	}
	end, ok := resp.ParseInt(c.Argv[2])
	if !ok {
		c.AddReplyError("timeout is not an integer or out of range")
		return false
	}
	if end < 0 {
		c.AddReplyError("timeout is negative")
		return false
	}
	if end > 0 {
		// Redis adds the time without checking: past the int64 range
		// the deadline wraps.
		end += time.Now().UnixMilli()
	}
	if p.Type == PauseOff {
		*p = Pause{Type: typ, End: end}
	} else {
		p.Type, p.End = max(p.Type, typ), max(p.End, end)
	}
	c.AddReply(resp.OK)
	return true
}
