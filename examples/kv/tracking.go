package main

import (
	"slices"
	"strings"

	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/respserver"
)

// Client side caching (Redis 7.0's tracking.c). A client that turns
// tracking on has the keys it reads remembered in the tracking table, key
// to client IDs; a write to such a key sends each of those clients one
// invalidation and forgets the key, until a client reads it again. In
// BCAST mode nothing is remembered per client: every key written that
// starts with one of the client's prefixes is collected during the loop
// iteration and sent to it before the loop sleeps. Invalidations are RESP3
// push messages (">2 invalidate [keys]"); a RESP2 client gets them through
// REDIRECT, as pub/sub messages on __redis__:invalidate to the client it
// names.
//
// Mapping to tracking.c: trackingState is its TrackingTable, PrefixTable
// and counters; trackedClient holds what Redis keeps in the client struct
// (the CLIENT_TRACKING* flags, client_tracking_redirection,
// client_tracking_prefixes), here in a map by client ID so that a client
// that never tracks pays nothing. Like Redis, the table holds IDs and
// drops those of clients that went lazily, when the key is invalidated.

// invalidateChannel is where RESP2 redirection sends invalidations.
const invalidateChannel = "__redis__:invalidate"

// trackedClient is a client with tracking on.
type trackedClient struct {
	c *client
	respserver.Tracking
	redir *client // the client Redirect named when tracking was enabled
}

// bcastState is one prefix of the prefix table: the keys written under
// it in this iteration, each with the client that wrote it last (nil for
// expiry), and the clients that asked for it.
type bcastState struct {
	keys    map[string]*client
	clients map[*client]struct{}
}

// trackingState is the server's part (TrackingTable, PrefixTable,
// TrackingTableTotalItems, server.tracking_clients and
// server.tracking_pending_keys).
type trackingState struct {
	table      map[string]map[int64]struct{} // nil until a client first enables tracking
	totalItems int64
	prefixes   map[string]*bcastState
	clients    map[int64]*trackedClient
	// pending holds invalidations for the client whose command is running,
	// sent once its reply is out (trackingHandlePendingKeyInvalidations);
	// a nil entry stands for a flush.
	pending []*string
	// maxKeys is tracking-table-max-keys (0: no limit); limitCounter is
	// trackingLimitUsedSlots' timeout_counter.
	maxKeys      int64
	limitCounter int
	// prefixScratch is trackingBroadcastInvalidationMessages' list of
	// prefixes with keys to send.
	prefixScratch []string
}

// enableTracking is CLIENT TRACKING ON with its options (enableTracking):
// the client's settings are respserver's, its BCAST prefixes are also in
// the prefix table.
func (s *server) enableTracking(c *client, req respserver.TrackingRequest) {
	t := &s.trk
	tc := t.clients[c.ID]
	if tc == nil {
		if t.clients == nil {
			t.clients = map[int64]*trackedClient{}
		}
		tc = &trackedClient{c: c}
		t.clients[c.ID] = tc
	}
	tc.redir = nil
	if req.Redir != nil {
		tc.redir = req.Redir.Data.(*client)
	}
	if t.table == nil {
		t.table = map[string]map[int64]struct{}{}
		t.prefixes = map[string]*bcastState{}
	}
	for _, p := range tc.Enable(req) {
		bs := t.prefixes[p]
		if bs == nil {
			bs = &bcastState{keys: map[string]*client{}, clients: map[*client]struct{}{}}
			t.prefixes[p] = bs
		}
		bs.clients[c] = struct{}{}
	}
}

// disableTracking is CLIENT TRACKING OFF, and the end of a client that
// tracks (disableTracking). The client's IDs stay in the table, to be
// dropped when their keys are invalidated.
func (s *server) disableTracking(c *client) {
	tc := s.trk.clients[c.ID]
	if tc == nil {
		return
	}
	for _, p := range tc.Prefixes {
		bs := s.trk.prefixes[p]
		delete(bs.clients, c)
		if len(bs.clients) == 0 {
			delete(s.trk.prefixes, p)
		}
	}
	delete(s.trk.clients, c.ID)
}

// tracked is c's tracking state, nil when it does not track.
func (s *server) tracked(c *client) *trackedClient {
	if len(s.trk.clients) == 0 {
		return nil
	}
	return s.trk.clients[c.ID]
}

// trackingRememberKeys records the keys of the read-only command c just
// ran (trackingRememberKeys), unless OPTIN without CLIENT CACHING yes or
// OPTOUT with CLIENT CACHING no says otherwise.
func (s *server) trackingRememberKeys(tc *trackedClient, cmd *command, argv [][]byte) {
	optin, optout := tc.Flags&respserver.TrackingOptin != 0, tc.Flags&respserver.TrackingOptout != 0
	caching := tc.Flags&respserver.TrackingCaching != 0
	if (optin && !caching) || (optout && caching) {
		return
	}
	first, last, step := keyRange(cmd, len(argv))
	if first <= 0 {
		return
	}
	for j := first; j <= last; j += step {
		key := argv[j]
		ids := s.trk.table[string(key)]
		if ids == nil {
			ids = map[int64]struct{}{}
			s.trk.table[string(key)] = ids
		}
		if _, ok := ids[tc.c.ID]; !ok {
			ids[tc.c.ID] = struct{}{}
			s.trk.totalItems++
		}
	}
}

// keyRange is the positions of cmd's keys in an argv of argc arguments
// (getKeysFromCommand for the first/last/step key specs): first is 0 for a
// command without keys.
func keyRange(cmd *command, argc int) (first, last, step int) {
	first, last, step = cmd.firstKey, cmd.lastKey, cmd.keyStep
	if first == 0 {
		return 0, 0, 0
	}
	if last < 0 {
		last = argc + last
	}
	if step <= 0 {
		step = 1
	}
	if last >= argc {
		last = argc - 1
	}
	return first, last, step
}

// trackingInvalidateKey tells the clients that may cache key that it
// changed (trackingInvalidateKey); bcast also collects it for the BCAST
// prefixes it falls under (false when the key only leaves the table). key
// may point into a request: it is copied where it is kept.
func (s *server) trackingInvalidateKey(key string, bcast bool) {
	t := &s.trk
	if bcast && len(t.prefixes) > 0 {
		s.trackingRememberKeyToBroadcast(key)
	}
	ids := t.table[key]
	if ids == nil {
		return
	}
	cur := s.currentClient
	for id := range ids {
		tc := t.clients[id]
		if tc == nil || tc.Flags&respserver.TrackingBcast != 0 {
			continue
		}
		if tc.Flags&respserver.TrackingNoloop != 0 && tc.c == cur {
			continue
		}
		if tc.c == cur && s.executing > 0 {
			// Its reply comes first: send once the command is done.
			k := strings.Clone(key)
			t.pending = append(t.pending, &k)
			continue
		}
		s.sendTrackingMessage(tc, key, false)
	}
	t.totalItems -= int64(len(ids))
	delete(t.table, key)
}

// trackingRememberKeyToBroadcast adds key to every prefix it starts with,
// noting who wrote it (for NOLOOP).
func (s *server) trackingRememberKeyToBroadcast(key string) {
	for p, bs := range s.trk.prefixes {
		if !strings.HasPrefix(key, p) {
			continue
		}
		if _, ok := bs.keys[key]; ok {
			bs.keys[key] = s.currentClient
		} else {
			bs.keys[strings.Clone(key)] = s.currentClient
		}
	}
}

// sendTrackingMessage sends one invalidation to tc, or to the client it
// redirects to (sendTrackingMessage). With proto false msg is a key name;
// with proto true it is already encoded (a BCAST array of keys, or the
// null a flush sends).
func (s *server) sendTrackingMessage(tc *trackedClient, msg string, proto bool) {
	c := tc.c
	redirected := false
	if tc.Redirect != 0 {
		r := tc.redir
		if r == nil || r.Flags&respserver.Freed != 0 || r.ID != tc.Redirect {
			tc.Flags |= respserver.TrackingBrokenRedir
			if c.Protocol() == 3 {
				c.AddReplyPushLen(2)
				c.AddReplyBulkString("tracking-redir-broken")
				c.AddReplyInt(tc.Redirect)
				s.queueWriteOther(c)
			}
			return
		}
		c, redirected = r, true
	}
	switch {
	case c.Protocol() == 3:
		c.AddReplyPushLen(2)
		c.AddReplyBulkString("invalidate")
	case redirected && s.inPubSubMode(c):
		c.AddReplyArrayLen(3)
		c.AddReplyBulkString("message")
		c.AddReplyBulkString(invalidateChannel)
	default:
		// A RESP2 client without redirection has no way to get it.
		return
	}
	if proto {
		c.AddReply(msg)
	} else {
		c.AddReplyArrayLen(1)
		c.AddReplyBulkString(msg)
	}
	s.queueWriteOther(c)
}

// queueWriteOther makes sure a reply added to a client other than the one
// whose command runs gets written before the loop sleeps.
func (s *server) queueWriteOther(c *client) {
	if c != s.currentClient {
		s.rs.QueueWrite(c.Client)
	}
}

// trackingHandlePendingKeyInvalidations sends the invalidations held back
// while the current client's command ran, once it is done and outside any
// EXEC (execution_nesting 0).
func (s *server) trackingHandlePendingKeyInvalidations() {
	t := &s.trk
	if len(t.pending) == 0 || s.executing > 0 {
		return
	}
	if cur := s.currentClient; cur != nil && cur.Flags&respserver.Freed == 0 {
		if tc := t.clients[cur.ID]; tc != nil {
			for _, k := range t.pending {
				if k == nil {
					s.sendTrackingMessage(tc, nullFor(cur), true)
				} else {
					s.sendTrackingMessage(tc, *k, false)
				}
			}
		}
	}
	clear(t.pending)
	t.pending = t.pending[:0]
}

// nullFor is shared.null[c->resp].
func nullFor(c *client) string {
	if c.Protocol() == 3 {
		return resp.Null3
	}
	return resp.NullBulk
}

// trackingInvalidateKeysOnFlush sends every tracking client a null, "all
// keys", and empties the table (trackingInvalidateKeysOnFlush).
func (s *server) trackingInvalidateKeysOnFlush() {
	t := &s.trk
	for _, tc := range t.clients {
		if tc.c == s.currentClient {
			t.pending = append(t.pending, nil)
		} else {
			s.sendTrackingMessage(tc, nullFor(tc.c), true)
		}
	}
	if t.table != nil {
		t.table = map[string]map[int64]struct{}{}
		t.totalItems = 0
	}
}

// trackingLimitUsedSlots keeps the table within tracking-table-max-keys by
// invalidating keys picked at random, with an effort that grows each time
// it is still over (trackingLimitUsedSlots). Go's map iteration starts at a
// random place, which stands in for raxRandomWalk.
func (s *server) trackingLimitUsedSlots() {
	t := &s.trk
	if t.table == nil || t.maxKeys == 0 {
		return
	}
	if int64(len(t.table)) <= t.maxKeys {
		t.limitCounter = 0
		return
	}
	effort := 100 * (t.limitCounter + 1)
	for key := range t.table {
		if effort == 0 {
			break
		}
		effort--
		s.trackingInvalidateKey(key, false)
		if int64(len(t.table)) <= t.maxKeys {
			t.limitCounter = 0
			return
		}
	}
	t.limitCounter++
}

// trackingBroadcastInvalidationMessages sends each BCAST client the keys
// written under its prefixes in this iteration, in the table's order (rax
// iterates in byte order), leaving out for a NOLOOP client the keys it
// wrote last itself (trackingBroadcastInvalidationMessages).
func (s *server) trackingBroadcastInvalidationMessages() {
	t := &s.trk
	if t.table == nil || len(t.clients) == 0 {
		return
	}
	// Prefixes in byte order, as the rax iterates them: a client with
	// several gets their messages in that order.
	// The names go in a slice kept between calls: with BCAST clients this
	// runs before every sleep, and most sleeps have no key to send.
	names := t.prefixScratch[:0]
	for p, bs := range t.prefixes {
		if len(bs.keys) > 0 {
			names = append(names, p)
		}
	}
	t.prefixScratch = names
	if len(names) == 0 {
		return
	}
	slices.Sort(names)
	for _, p := range names {
		bs := t.prefixes[p]
		keys := make([]string, 0, len(bs.keys))
		for k := range bs.keys {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		all := string(trackingBuildBroadcastReply(nil, keys, bs.keys))
		for c := range bs.clients {
			tc := t.clients[c.ID]
			if tc == nil {
				continue
			}
			if tc.Flags&respserver.TrackingNoloop != 0 {
				if adhoc := trackingBuildBroadcastReply(c, keys, bs.keys); adhoc != nil {
					s.sendTrackingMessage(tc, string(adhoc), true)
				}
			} else {
				s.sendTrackingMessage(tc, all, true)
			}
		}
		clear(bs.keys)
	}
}

// trackingBuildBroadcastReply encodes keys as an array, without those c
// wrote last when c is not nil; nil when nothing is left.
func trackingBuildBroadcastReply(c *client, keys []string, by map[string]*client) []byte {
	n := len(keys)
	if c != nil {
		n = 0
		for _, k := range keys {
			if by[k] != c {
				n++
			}
		}
		if n == 0 {
			return nil
		}
	}
	out := resp.AppendArrayLen(nil, n)
	for _, k := range keys {
		if c == nil || by[k] != c {
			out = resp.AppendBulkString(out, k)
		}
	}
	return out
}

// trackingResetClient ends CLIENT CACHING's effect after the command it
// was for, unless that was another CLIENT subcommand or the client is in
// MULTI, where it covers the transaction (resetClient).
func (s *server) trackingResetClient(c *client) {
	tc := s.trk.clients[c.ID]
	if tc == nil || tc.Flags&respserver.TrackingCaching == 0 || c.mflags&clientMulti != 0 {
		return
	}
	if len(c.Argv) >= 2 && resp.EqualFold(c.Argv[0], "client") && lookupSubcommand(s.commands["client"], c.Argv[1]) != nil {
		return
	}
	tc.Flags &^= respserver.TrackingCaching
}
