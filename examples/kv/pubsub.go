package main

import (
	"slices"
	"unsafe"

	"github.com/goae/goae/internal/glob"
	"github.com/goae/goae/internal/respserver"
)

// Pub/Sub (Redis 7.0's pubsub.c). The server keeps, for each channel and
// each pattern, the clients subscribed to it; each subscribed client keeps
// its own channels, patterns and shard channels, in the order it
// subscribed. Messages are replies like any other: appended to the
// subscriber's output and written before the loop sleeps, so a subscriber
// that does not read only fills its own buffer, up to the pubsub class of
// client-output-buffer-limit, which then closes it.
//
// Shard channels (SSUBSCRIBE, SPUBLISH) are a namespace of their own, as
// in Redis outside cluster mode; patterns never match them.

// pubsubType is one of the two namespaces (Redis's pubsubtype): the
// reply names and the tables they use.
type pubsubType struct {
	subscribeMsg, unsubscribeMsg, messageMsg string
	shard                                    bool
}

var (
	pubsubGlobal = &pubsubType{subscribeMsg: "subscribe", unsubscribeMsg: "unsubscribe", messageMsg: "message"}
	pubsubShard  = &pubsubType{subscribeMsg: "ssubscribe", unsubscribeMsg: "sunsubscribe", messageMsg: "smessage", shard: true}
)

// subscribers is the set of clients of one channel or pattern, in the
// order they subscribed (a Redis list).
type subscribers struct {
	list []*client
}

func (sb *subscribers) remove(c *client) {
	if i := slices.Index(sb.list, c); i >= 0 {
		sb.list = slices.Delete(sb.list, i, i+1)
	}
}

// pubsubClient is what a subscribed client holds (c->pubsub_channels,
// c->pubsub_patterns, c->pubsub_shard_channels).
type pubsubClient struct {
	channels, patterns, shard []string
}

// pubsubState is the server's part (server.pubsub_channels,
// pubsub_patterns, pubsubshard_channels).
type pubsubState struct {
	channels map[string]*subscribers
	patterns map[string]*subscribers
	shard    map[string]*subscribers
	// patternOrder is the patterns in the order first subscribed, so that
	// PUBLISH delivers a client's pmessages in a fixed order.
	patternOrder []string
	clients      map[*client]*pubsubClient
}

func (p *pubsubState) table(t *pubsubType) map[string]*subscribers {
	if t.shard {
		return p.shard
	}
	return p.channels
}

func (pc *pubsubClient) list(t *pubsubType) *[]string {
	if t.shard {
		return &pc.shard
	}
	return &pc.channels
}

// pubsubOf is c's state, made on first use.
func (s *server) pubsubOf(c *client) *pubsubClient {
	pc := s.pubsub.clients[c]
	if pc == nil {
		if s.pubsub.clients == nil {
			s.pubsub.clients = map[*client]*pubsubClient{}
			s.pubsub.channels = map[string]*subscribers{}
			s.pubsub.patterns = map[string]*subscribers{}
			s.pubsub.shard = map[string]*subscribers{}
		}
		pc = &pubsubClient{}
		s.pubsub.clients[c] = pc
	}
	return pc
}

// subscriptionCount is clientSubscriptionsCount (channels and patterns);
// shardCount is clientShardSubscriptionsCount.
func (s *server) subscriptionCount(c *client) int {
	if pc := s.pubsub.clients[c]; pc != nil {
		return len(pc.channels) + len(pc.patterns)
	}
	return 0
}

func (s *server) shardCount(c *client) int {
	if pc := s.pubsub.clients[c]; pc != nil {
		return len(pc.shard)
	}
	return 0
}

func (s *server) countFor(c *client, t *pubsubType) int {
	if t.shard {
		return s.shardCount(c)
	}
	return s.subscriptionCount(c)
}

// inPubSubMode is CLIENT_PUBSUB: c has a subscription of any kind.
func (s *server) inPubSubMode(c *client) bool { return c.Flags&respserver.PubSub != 0 }

// updatePubSubFlag sets or clears CLIENT_PUBSUB from the counts, which
// also moves c between the normal and pubsub output limits, and drops
// the state of a client with no subscription left.
func (s *server) updatePubSubFlag(c *client) {
	on := s.subscriptionCount(c)+s.shardCount(c) > 0
	if !on {
		delete(s.pubsub.clients, c)
	}
	s.rs.SetPubSub(c.Client, on)
}

// addReplyPubsubSubscribed is the reply to each channel of (S|P)SUBSCRIBE.
func (s *server) addReplyPubsubSubscribed(c *client, kind, name string, count int) {
	c.AddReplyPushLen(3)
	c.AddReplyBulkString(kind)
	c.AddReplyBulkString(name)
	c.AddReplyInt(int64(count))
}

// addReplyPubsubUnsubscribed is the same for the unsubscribes; a nil
// name (nothing was subscribed) is a null.
func (s *server) addReplyPubsubUnsubscribed(c *client, kind string, name *string, count int) {
	c.AddReplyPushLen(3)
	c.AddReplyBulkString(kind)
	if name == nil {
		c.AddReplyNull()
	} else {
		c.AddReplyBulkString(*name)
	}
	c.AddReplyInt(int64(count))
}

// pubsubSubscribeChannel subscribes c to channel, replying either way.
func (s *server) pubsubSubscribeChannel(c *client, channel string, t *pubsubType) {
	pc := s.pubsubOf(c)
	l := pc.list(t)
	if !slices.Contains(*l, channel) {
		*l = append(*l, channel)
		tab := s.pubsub.table(t)
		sb := tab[channel]
		if sb == nil {
			sb = &subscribers{}
			tab[channel] = sb
		}
		sb.list = append(sb.list, c)
	}
	s.addReplyPubsubSubscribed(c, t.subscribeMsg, channel, s.countFor(c, t))
}

// pubsubUnsubscribeChannel unsubscribes c from channel; notify says to
// reply (not when a client goes or RESET).
func (s *server) pubsubUnsubscribeChannel(c *client, channel string, notify bool, t *pubsubType) {
	if pc := s.pubsub.clients[c]; pc != nil {
		l := pc.list(t)
		if i := slices.Index(*l, channel); i >= 0 {
			*l = slices.Delete(*l, i, i+1)
			tab := s.pubsub.table(t)
			if sb := tab[channel]; sb != nil {
				sb.remove(c)
				if len(sb.list) == 0 {
					delete(tab, channel)
				}
			}
		}
	}
	if notify {
		s.addReplyPubsubUnsubscribed(c, t.unsubscribeMsg, &channel, s.countFor(c, t))
	}
}

// pubsubUnsubscribeAllChannels unsubscribes c from every channel of t,
// replying for each (or once with a null when there was none) if notify.
func (s *server) pubsubUnsubscribeAllChannels(c *client, notify bool, t *pubsubType) {
	var names []string
	if pc := s.pubsub.clients[c]; pc != nil {
		names = slices.Clone(*pc.list(t))
	}
	for _, ch := range names {
		s.pubsubUnsubscribeChannel(c, ch, notify, t)
	}
	if notify && len(names) == 0 {
		s.addReplyPubsubUnsubscribed(c, t.unsubscribeMsg, nil, s.countFor(c, t))
	}
}

// pubsubSubscribePattern subscribes c to pattern.
func (s *server) pubsubSubscribePattern(c *client, pattern string) {
	pc := s.pubsubOf(c)
	if !slices.Contains(pc.patterns, pattern) {
		pc.patterns = append(pc.patterns, pattern)
		sb := s.pubsub.patterns[pattern]
		if sb == nil {
			sb = &subscribers{}
			s.pubsub.patterns[pattern] = sb
			s.pubsub.patternOrder = append(s.pubsub.patternOrder, pattern)
		}
		sb.list = append(sb.list, c)
	}
	s.addReplyPubsubSubscribed(c, "psubscribe", pattern, s.subscriptionCount(c))
}

// pubsubUnsubscribePattern unsubscribes c from pattern.
func (s *server) pubsubUnsubscribePattern(c *client, pattern string, notify bool) {
	if pc := s.pubsub.clients[c]; pc != nil {
		if i := slices.Index(pc.patterns, pattern); i >= 0 {
			pc.patterns = slices.Delete(pc.patterns, i, i+1)
			if sb := s.pubsub.patterns[pattern]; sb != nil {
				sb.remove(c)
				if len(sb.list) == 0 {
					delete(s.pubsub.patterns, pattern)
					if j := slices.Index(s.pubsub.patternOrder, pattern); j >= 0 {
						s.pubsub.patternOrder = slices.Delete(s.pubsub.patternOrder, j, j+1)
					}
				}
			}
		}
	}
	if notify {
		s.addReplyPubsubUnsubscribed(c, "punsubscribe", &pattern, s.subscriptionCount(c))
	}
}

// pubsubUnsubscribeAllPatterns is pubsubUnsubscribeAllChannels for
// patterns.
func (s *server) pubsubUnsubscribeAllPatterns(c *client, notify bool) {
	var names []string
	if pc := s.pubsub.clients[c]; pc != nil {
		names = slices.Clone(pc.patterns)
	}
	for _, p := range names {
		s.pubsubUnsubscribePattern(c, p, notify)
	}
	if notify && len(names) == 0 {
		s.addReplyPubsubUnsubscribed(c, "punsubscribe", nil, s.subscriptionCount(c))
	}
}

// pubsubUnsubscribeAll drops every subscription of c without a reply: a
// client that goes, or RESET.
func (s *server) pubsubUnsubscribeAll(c *client) {
	if s.pubsub.clients[c] == nil {
		return
	}
	s.pubsubUnsubscribeAllChannels(c, false, pubsubGlobal)
	s.pubsubUnsubscribeAllChannels(c, false, pubsubShard)
	s.pubsubUnsubscribeAllPatterns(c, false)
	s.updatePubSubFlag(c)
}

// pubsubPublishMessage delivers message to the subscribers of channel and,
// for the global namespace, of every pattern it matches, and returns how
// many messages went out (pubsubPublishMessage).
func (s *server) pubsubPublishMessage(channel, message []byte, t *pubsubType) int {
	receivers := 0
	if s.pubsub.clients == nil {
		return 0
	}
	chs := unsafe.String(unsafe.SliceData(channel), len(channel)) // for lookups only
	if sb := s.pubsub.table(t)[chs]; sb != nil {
		for _, c := range sb.list {
			c.AddReplyPushLen(3)
			c.AddReplyBulkString(t.messageMsg)
			c.AddReplyBulk(channel)
			c.AddReplyBulk(message)
			s.queueWriteOther(c)
			receivers++
		}
	}
	if t.shard {
		return receivers
	}
	for _, p := range s.pubsub.patternOrder {
		if !glob.Match(keyBytes(p), chs, false) {
			continue
		}
		for _, c := range s.pubsub.patterns[p].list {
			c.AddReplyPushLen(4)
			c.AddReplyBulkString("pmessage")
			c.AddReplyBulkString(p)
			c.AddReplyBulk(channel)
			c.AddReplyBulk(message)
			s.queueWriteOther(c)
			receivers++
		}
	}
	return receivers
}

// The commands.

func subscribeCommand(s *server, c *client) {
	for _, ch := range c.Argv[1:] {
		s.pubsubSubscribeChannel(c, string(ch), pubsubGlobal)
	}
	s.updatePubSubFlag(c)
}

func ssubscribeCommand(s *server, c *client) {
	for _, ch := range c.Argv[1:] {
		s.pubsubSubscribeChannel(c, string(ch), pubsubShard)
	}
	s.updatePubSubFlag(c)
}

func unsubscribeCommand(s *server, c *client) {
	if len(c.Argv) == 1 {
		s.pubsubUnsubscribeAllChannels(c, true, pubsubGlobal)
	} else {
		for _, ch := range c.Argv[1:] {
			s.pubsubUnsubscribeChannel(c, string(ch), true, pubsubGlobal)
		}
	}
	s.updatePubSubFlag(c)
}

func sunsubscribeCommand(s *server, c *client) {
	if len(c.Argv) == 1 {
		s.pubsubUnsubscribeAllChannels(c, true, pubsubShard)
	} else {
		for _, ch := range c.Argv[1:] {
			s.pubsubUnsubscribeChannel(c, string(ch), true, pubsubShard)
		}
	}
	s.updatePubSubFlag(c)
}

func psubscribeCommand(s *server, c *client) {
	for _, p := range c.Argv[1:] {
		s.pubsubSubscribePattern(c, string(p))
	}
	s.updatePubSubFlag(c)
}

func punsubscribeCommand(s *server, c *client) {
	if len(c.Argv) == 1 {
		s.pubsubUnsubscribeAllPatterns(c, true)
	} else {
		for _, p := range c.Argv[1:] {
			s.pubsubUnsubscribePattern(c, string(p), true)
		}
	}
	s.updatePubSubFlag(c)
}

func publishCommand(s *server, c *client) {
	c.AddReplyInt(int64(s.pubsubPublishMessage(c.Argv[1], c.Argv[2], pubsubGlobal)))
}

func spublishCommand(s *server, c *client) {
	c.AddReplyInt(int64(s.pubsubPublishMessage(c.Argv[1], c.Argv[2], pubsubShard)))
}

// pubsubChannelsReply is PUBSUB CHANNELS / SHARDCHANNELS [pattern]: the
// channels with subscribers, sorted (Redis walks a dict: any order).
func (s *server) pubsubChannelsReply(c *client, tab map[string]*subscribers) {
	if len(c.Argv) > 3 {
		addReplySubcommandSyntaxError(c)
		return
	}
	var pat string
	if len(c.Argv) == 3 {
		pat = string(c.Argv[2])
	}
	var names []string
	for ch := range tab {
		if len(c.Argv) == 2 || glob.Match(keyBytes(pat), ch, false) {
			names = append(names, ch)
		}
	}
	slices.Sort(names)
	c.AddReplyArrayLen(len(names))
	for _, n := range names {
		c.AddReplyBulkString(n)
	}
}

func pubsubChannelsCommand(s *server, c *client) { s.pubsubChannelsReply(c, s.pubsub.channels) }

func pubsubShardchannelsCommand(s *server, c *client) { s.pubsubChannelsReply(c, s.pubsub.shard) }

// pubsubNumsubReply is PUBSUB NUMSUB / SHARDNUMSUB [channel ...]: a map in
// RESP3, pairs in RESP2.
func pubsubNumsubReply(c *client, tab map[string]*subscribers) {
	c.AddReplyMapLen(len(c.Argv) - 2)
	for _, ch := range c.Argv[2:] {
		c.AddReplyBulk(ch)
		n := 0
		if sb := tab[string(ch)]; sb != nil {
			n = len(sb.list)
		}
		c.AddReplyInt(int64(n))
	}
}

func pubsubNumsubCommand(s *server, c *client) { pubsubNumsubReply(c, s.pubsub.channels) }

func pubsubShardnumsubCommand(s *server, c *client) { pubsubNumsubReply(c, s.pubsub.shard) }

func pubsubNumpatCommand(s *server, c *client) { c.AddReplyInt(int64(len(s.pubsub.patterns))) }

func pubsubHelpCommand(s *server, c *client) {
	c.AddReplyHelp("PUBSUB", []string{
		"CHANNELS [<pattern>]",
		"    Return the currently active channels matching a <pattern> (default: '*').",
		"NUMPAT",
		"    Return number of subscriptions to patterns.",
		"NUMSUB [<channel> ...]",
		"    Return the number of subscribers for the specified channels, excluding",
		"    pattern subscriptions(default: no channels).",
		"SHARDCHANNELS [<pattern>]",
		"    Return the currently active shard level channels matching a <pattern> (default: '*').",
		"SHARDNUMSUB [<shardchannel> ...]",
		"    Return the number of subscribers for the specified shard level channel(s)",
	})
}

// subscribedModeAllowed is what a RESP2 client in subscribed mode may
// still send (processCommand's check).
func subscribedModeAllowed(name string) bool {
	switch name {
	case "ping", "subscribe", "ssubscribe", "unsubscribe", "sunsubscribe", "psubscribe", "punsubscribe", "quit", "reset":
		return true
	}
	return false
}

// subscribedModeError is Redis 7.0.15's refusal of any other command.
func subscribedModeError(name string) string {
	return "Can't execute '" + name + "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
}

// pingSubscribed is PING from a RESP2 subscriber: a "pong" message.
func pingSubscribed(c *client) {
	c.AddReplyArrayLen(2)
	c.AddReplyBulkString("pong")
	if len(c.Argv) == 2 {
		c.AddReplyBulk(c.Argv[1])
	} else {
		c.AddReplyBulkString("")
	}
}

var pubsubCommands = []*command{
	{name: "subscribe", arity: -2, flags: cmdPubsub | cmdNoscript | cmdLoading | cmdStale, proc: subscribeCommand},
	{name: "unsubscribe", arity: -1, flags: cmdPubsub | cmdNoscript | cmdLoading | cmdStale, proc: unsubscribeCommand},
	{name: "psubscribe", arity: -2, flags: cmdPubsub | cmdNoscript | cmdLoading | cmdStale, proc: psubscribeCommand},
	{name: "punsubscribe", arity: -1, flags: cmdPubsub | cmdNoscript | cmdLoading | cmdStale, proc: punsubscribeCommand},
	{name: "ssubscribe", arity: -2, flags: cmdPubsub | cmdNoscript | cmdLoading | cmdStale, proc: ssubscribeCommand,
		firstKey: 1, lastKey: -1, keyStep: 1},
	{name: "sunsubscribe", arity: -1, flags: cmdPubsub | cmdNoscript | cmdLoading | cmdStale, proc: sunsubscribeCommand,
		firstKey: 1, lastKey: -1, keyStep: 1},
	{name: "publish", arity: 3, flags: cmdPubsub | cmdLoading | cmdStale | cmdFast | cmdMayReplicate, proc: publishCommand},
	{name: "spublish", arity: 3, flags: cmdPubsub | cmdLoading | cmdStale | cmdFast | cmdMayReplicate, proc: spublishCommand,
		firstKey: 1, lastKey: 1, keyStep: 1},
	{name: "pubsub", arity: -2, subcommands: subcommandMap(
		&command{name: "pubsub|channels", arity: -2, flags: cmdPubsub | cmdLoading | cmdStale, proc: pubsubChannelsCommand},
		&command{name: "pubsub|numsub", arity: -2, flags: cmdPubsub | cmdLoading | cmdStale, proc: pubsubNumsubCommand},
		&command{name: "pubsub|numpat", arity: 2, flags: cmdPubsub | cmdLoading | cmdStale, proc: pubsubNumpatCommand},
		&command{name: "pubsub|shardchannels", arity: -2, flags: cmdPubsub | cmdLoading | cmdStale, proc: pubsubShardchannelsCommand},
		&command{name: "pubsub|shardnumsub", arity: -2, flags: cmdPubsub | cmdLoading | cmdStale, proc: pubsubShardnumsubCommand},
		&command{name: "pubsub|help", arity: 2, flags: cmdLoading | cmdStale, proc: pubsubHelpCommand},
	)},
}
