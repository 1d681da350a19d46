package respserver

// CLIENT REPLY ON|OFF|SKIP (networking.c's clientCommand "reply" branch)
// and what resetClient does with its flags after every command.

import "github.com/goae/goae/internal/resp"

// ReplyFlags are CLIENT REPLY's flags: a server that sees none of them set
// on a client can skip the mark it would pass to CommandDone.
const ReplyFlags = ReplyOff | ReplySkipNext | ReplySkip

// ClientReplyCommand is CLIENT REPLY ON|OFF|SKIP: OFF and SKIP reply
// nothing, SKIP being ignored while replies are off.
func ClientReplyCommand(c *Client) {
	switch opt := string(c.Argv[2]); {
	case resp.EqualFold(opt, "on"):
		c.Flags &^= ReplySkip | ReplyOff
		c.AddReply(resp.OK)
	case resp.EqualFold(opt, "off"):
		c.Flags |= ReplyOff
	case resp.EqualFold(opt, "skip"):
		if c.Flags&ReplyOff == 0 {
			c.Flags |= ReplySkipNext
		}
	default:
		c.AddReply(resp.SyntaxErr)
	}
}

// CommandDone ends a command of c as resetClient does for the reply
// flags: with replies off or skipped, what the command added past mark
// (the length of Out before it ran; -1 when nothing is to be dropped)
// goes, and a SKIP asked for by this command moves on to the next one. A
// client left Blocked keeps its flags until it is served (and CommandDone
// is called again for the command that then runs).
func (c *Client) CommandDone(mark int) {
	if c.Flags&ReplyFlags == 0 {
		return
	}
	if mark >= 0 && c.Flags&(ReplyOff|ReplySkip) != 0 && mark <= len(c.Out) {
		c.Out = c.Out[:mark]
	}
	if c.Flags&Blocked != 0 {
		return
	}
	c.Flags &^= ReplySkip
	if c.Flags&ReplySkipNext != 0 {
		c.Flags = c.Flags&^ReplySkipNext | ReplySkip
	}
}
