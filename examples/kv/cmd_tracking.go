package main

import (
	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/respserver"
)

// The CLIENT subcommands of client side caching (clientCommand's
// "tracking", "caching", "getredir" and "trackinginfo" branches in Redis
// 7.0's networking.c). Their checks and replies are respserver's
// (clienttracking.go); kv adds the tracking table and the prefix table.

// trackingOf is c's tracking settings, nil when it does not track.
func (s *server) trackingOf(c *client) *respserver.Tracking {
	if tc := s.tracked(c); tc != nil {
		return &tc.Tracking
	}
	return nil
}

// clientTrackingCommand is CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p
// ...] [BCAST] [OPTIN] [OPTOUT] [NOLOOP].
func clientTrackingCommand(s *server, c *client) {
	req, ok := s.rs.ParseClientTracking(c.Client, s.trackingOf(c))
	if !ok {
		return
	}
	if req.On {
		s.enableTracking(c, req)
	} else {
		s.disableTracking(c)
	}
	c.AddReply(resp.OK)
}

// clientCachingCommand is CLIENT CACHING YES|NO.
func clientCachingCommand(s *server, c *client) {
	respserver.ClientCachingCommand(c.Client, s.trackingOf(c))
}

// clientGetredirCommand is CLIENT GETREDIR.
func clientGetredirCommand(s *server, c *client) {
	respserver.ClientGetredirCommand(c.Client, s.trackingOf(c))
}

// clientTrackinginfoCommand is CLIENT TRACKINGINFO.
func clientTrackinginfoCommand(s *server, c *client) {
	respserver.ClientTrackinginfoCommand(c.Client, s.trackingOf(c))
}
