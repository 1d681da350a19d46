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
}

// connected creates the kv state of a new connection.
func (s *server) connected(rc *respserver.Client) {
	rc.Data = &client{Client: rc, authed: s.cfg.requirepass == ""}
}

// freed drops what the server keeps for a connection that went.
func (s *server) freed(rc *respserver.Client) {
	if c, ok := rc.Data.(*client); ok {
		s.freeClientMultiState(c)
		s.disableTracking(c)
	}
}

// command runs one parsed command of a connection.
func (s *server) command(rc *respserver.Client) {
	c := rc.Data.(*client)
	s.currentClient = c
	s.processCommand(c)
	if len(s.trk.clients) > 0 {
		s.trackingResetClient(c)
	}
	s.currentClient = nil
}

// freeClientAsync closes c once the loop is about to sleep.
func (s *server) freeClientAsync(c *client) { s.rs.FreeClientAsync(c.Client) }
