package main

// The sentinel's own pub/sub (pubsub.c, the part a sentinel uses): clients
// SUBSCRIBE or PSUBSCRIBE to event channels and receive what sentinelEvent
// publishes; PUBLISH accepts only hellos (sentinelPublishCommand).
// respserver has no pub/sub, so the subscriptions live here.

import (
	"slices"
	"strings"

	"github.com/goae/goae/internal/glob"
	"github.com/goae/goae/internal/resp"
)

// pubsubState holds the subscriptions: channel -> clients, in the order
// they subscribed, and the pattern subscriptions.
type pubsubState struct {
	channels map[string][]*client
	patterns []patternSub
}

type patternSub struct {
	pattern string
	c       *client
}

// addReplyPubsubMessage is "message channel payload" (a push in RESP3).
func addReplyPubsubMessage(c *client, channel, msg string) {
	c.AddReplyPushLen(3)
	c.AddReplyBulkString("message")
	c.AddReplyBulkString(channel)
	c.AddReplyBulkString(msg)
}

func addReplyPubsubPatMessage(c *client, pat, channel, msg string) {
	c.AddReplyPushLen(4)
	c.AddReplyBulkString("pmessage")
	c.AddReplyBulkString(pat)
	c.AddReplyBulkString(channel)
	c.AddReplyBulkString(msg)
}

// addReplySubscription is the (un)subscribe confirmation; channel "" is
// a null (an unsubscribe with nothing subscribed).
func addReplySubscription(c *client, kind, channel string, null bool) {
	c.AddReplyPushLen(3)
	c.AddReplyBulkString(kind)
	if null {
		c.AddReplyNull()
	} else {
		c.AddReplyBulkString(channel)
	}
	c.AddReplyInt(int64(len(c.channels) + len(c.patterns)))
}

// pubsubPublishMessage is pubsub.c's: every subscriber of the channel,
// then every pattern that matches it; it returns the receivers.
func (s *sentinelState) pubsubPublishMessage(channel, msg string) int {
	n := 0
	for _, c := range s.pubsub.channels[channel] {
		addReplyPubsubMessage(c, channel, msg)
		s.rs.QueueWrite(c.Client)
		n++
	}
	for _, p := range s.pubsub.patterns {
		if glob.Match([]byte(p.pattern), channel, false) {
			addReplyPubsubPatMessage(p.c, p.pattern, channel, msg)
			s.rs.QueueWrite(p.c.Client)
			n++
		}
	}
	return n
}

func subscribeCommand(s *sentinelState, c *client) {
	if s.pubsub.channels == nil {
		s.pubsub.channels = map[string][]*client{}
	}
	for _, a := range c.Argv[1:] {
		ch := string(a)
		if !slices.Contains(c.channels, ch) {
			c.channels = append(c.channels, ch)
			s.pubsub.channels[ch] = append(s.pubsub.channels[ch], c)
		}
		addReplySubscription(c, "subscribe", ch, false)
	}
}

func psubscribeCommand(s *sentinelState, c *client) {
	for _, a := range c.Argv[1:] {
		p := string(a)
		if !slices.Contains(c.patterns, p) {
			c.patterns = append(c.patterns, p)
			s.pubsub.patterns = append(s.pubsub.patterns, patternSub{p, c})
		}
		addReplySubscription(c, "psubscribe", p, false)
	}
}

func (s *sentinelState) unsubscribeChannel(c *client, ch string, notify bool) {
	if i := slices.Index(c.channels, ch); i >= 0 {
		c.channels = slices.Delete(c.channels, i, i+1)
		subs := s.pubsub.channels[ch]
		if j := slices.Index(subs, c); j >= 0 {
			subs = slices.Delete(subs, j, j+1)
		}
		if len(subs) == 0 {
			delete(s.pubsub.channels, ch)
		} else {
			s.pubsub.channels[ch] = subs
		}
	}
	if notify {
		addReplySubscription(c, "unsubscribe", ch, false)
	}
}

func (s *sentinelState) unsubscribePattern(c *client, p string, notify bool) {
	if i := slices.Index(c.patterns, p); i >= 0 {
		c.patterns = slices.Delete(c.patterns, i, i+1)
		s.pubsub.patterns = slices.DeleteFunc(s.pubsub.patterns, func(x patternSub) bool { return x.c == c && x.pattern == p })
	}
	if notify {
		addReplySubscription(c, "punsubscribe", p, false)
	}
}

// pubsubUnsubscribeAll drops every subscription of c (a freed client, or
// UNSUBSCRIBE and PUNSUBSCRIBE without arguments when notify).
func (s *sentinelState) pubsubUnsubscribeAll(c *client, notify bool) {
	for _, ch := range slices.Clone(c.channels) {
		s.unsubscribeChannel(c, ch, notify)
	}
	for _, p := range slices.Clone(c.patterns) {
		s.unsubscribePattern(c, p, notify)
	}
}

func unsubscribeCommand(s *sentinelState, c *client) {
	if len(c.Argv) == 1 {
		if len(c.channels) == 0 {
			addReplySubscription(c, "unsubscribe", "", true)
		}
		for _, ch := range slices.Clone(c.channels) {
			s.unsubscribeChannel(c, ch, true)
		}
		return
	}
	for _, a := range c.Argv[1:] {
		s.unsubscribeChannel(c, string(a), true)
	}
}

func punsubscribeCommand(s *sentinelState, c *client) {
	if len(c.Argv) == 1 {
		if len(c.patterns) == 0 {
			addReplySubscription(c, "punsubscribe", "", true)
		}
		for _, p := range slices.Clone(c.patterns) {
			s.unsubscribePattern(c, p, true)
		}
		return
	}
	for _, a := range c.Argv[1:] {
		s.unsubscribePattern(c, string(a), true)
	}
}

// publishCommand is sentinelPublishCommand: only hellos, processed as if
// they came from a pub/sub link.
func publishCommand(s *sentinelState, c *client) {
	if !strings.EqualFold(c.arg(1), helloChannel) || c.arg(1) != helloChannel {
		s.addReplyError(c, "Only HELLO messages are accepted by Sentinel instances.")
		return
	}
	s.sentinelProcessHelloMessage(c.arg(2))
	c.AddReply(resp.One)
}
