package main

import (
	"github.com/goae/goae/internal/respserver"
)

// client is a connection with this server's per-client state; the
// connection itself (buffers, parser, replies) is respserver's. It is
// kept to 24 bytes, one of Go's size classes: kv holds one per connection.
type client struct {
	*respserver.Client
	lastcmd *command
	db      int32 // SELECTed database (c->db->id), an index in server.dbs
	authed  bool
	mflags  uint8 // transaction flags: clientMulti, ... (multi.go)
	bflags  uint8 // connection flags: clientNoEvict, ... (cmd_misc.go)
}

// connected creates the kv state of a new connection.
func (s *server) connected(rc *respserver.Client) {
	rc.Data = &client{Client: rc, authed: s.cfg.requirepass == ""}
}

// freed drops what the server keeps for a connection that went.
func (s *server) freed(rc *respserver.Client) {
	if c, ok := rc.Data.(*client); ok {
		s.freeClientMultiState(c)
		s.freeClientBlockState(c)
		s.disableTracking(c)
		s.pubsubUnsubscribeAll(c)
	}
}

// command runs one parsed command of a connection, then serves the
// clients blocked on the keys it pushed to (processCommand's
// handleClientsBlockedOnKeys). With CLIENT REPLY OFF or SKIP the reply is
// dropped (respserver.Client.CommandDone). c is the current client throughout
// (server.current_client), which tracking's NOLOOP needs.
func (s *server) command(rc *respserver.Client) {
	c := rc.Data.(*client)
	s.currentClient = c
	if c.Flags&respserver.ReplyFlags == 0 {
		s.processCommand(c)
		c.CommandDone(-1)
	} else {
		mark := len(c.Out)
		s.processCommand(c)
		c.CommandDone(mark)
	}
	if len(s.blocking.ready) > 0 {
		s.handleClientsBlockedOnKeys()
	}
	if len(s.trk.clients) > 0 {
		s.trackingResetClient(c)
	}
	s.currentClient = nil
}

// freeClientAsync closes c once the loop is about to sleep.
func (s *server) freeClientAsync(c *client) { s.rs.FreeClientAsync(c.Client) }
