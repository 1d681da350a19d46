package main

import (
	"container/heap"
	"math"
	"math/big"
	"time"

	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/respserver"
)

// Blocking operations, as Redis 7.0's blocked.c: a client that waits for
// a key (BLPOP and the rest), for replicas (WAIT) or for the end of a
// pause (CLIENT PAUSE) is blocked: respserver.Blocked stops its input from
// being parsed, its wait is recorded here, and it is unblocked by the
// event it waits for, its timeout, CLIENT UNBLOCK or its disconnection.
//
// Keys: each database maps a key to the FIFO of the clients blocked on it
// (db.blockingKeys); a push that creates such a key puts it on the ready
// list (signalKeyAsReady, from db.addNamed), which is run after the
// command, the whole of an EXEC included, and before the loop sleeps
// (handleClientsBlockedOnKeys), serving the clients in the order they
// blocked. Serving BLMOVE pushes to its destination, which can make more
// keys ready: the list is run until it stays empty.
//
// Timeouts: the blocked clients with a timeout are in a heap ordered by
// (timeout, client id), Redis's timeout radix tree; beforeSleep takes
// the expired ones off its top (handleBlockedClientsTimeout), so no
// timer or scan per client is needed. The loop wakes at least every
// 1000/hz ms for serverCron, which bounds how late a timeout fires, as in
// Redis.
//
// An unblocked client is queued (CLIENT_UNBLOCKED) and, before the loop
// sleeps, the rest of its input is run (processUnblockedClients); a
// postponed one runs its command again first.

// Blocking types (BLOCKED_*).
const (
	blockedNone = iota
	blockedList
	blockedZset
	blockedWait
	blockedPostpone
	numBlockedTypes
)

// List ends (LIST_HEAD, LIST_TAIL) and sorted set ends (ZSET_MIN,
// ZSET_MAX) a blocked client pops from and pushes to.
const (
	listHead = 0
	listTail = 1
	zsetMin  = 0
	zsetMax  = 1
)

// blockState is a client's blocking state (c->bpop plus the flags Redis
// keeps for it). It is made the first time the client blocks and kept,
// buffers and all, until the client goes, so that blocking again costs no
// allocation.
type blockState struct {
	c     *client
	btype uint8
	// pendingCommand: a postponed command to run again once unblocked
	// (CLIENT_PENDING_COMMAND), in argv.
	pendingCommand bool
	// timeout is when the wait ends, unix ms, 0 for never; compared as
	// unsigned, so that a deadline past the int64 range (Redis adds the
	// time without checking) never comes.
	timeout uint64
	heapIdx int // position in server.timeouts, -1 when not there
	d       *db // the database of the keys
	keys    []string
	nodes   []blockNode
	// target is BLMOVE's and BRPOPLPUSH's destination (bpop.target).
	target    []byte
	hasTarget bool
	// wherefrom and whereto are the ends to pop from and push to
	// (bpop.blockpos); count is BLMPOP's and BZMPOP's COUNT, -1 for the
	// commands that pop one element.
	wherefrom, whereto int8
	count              int64
	// argv and argbuf hold a postponed command's arguments.
	argv   [][]byte
	argbuf []byte
}

// blockNode is a client's place in the FIFO of one key.
type blockNode struct {
	bs         *blockState
	list       *blockList
	prev, next *blockNode
}

// blockList is the FIFO of the clients blocked on a key
// (db->blocking_keys[key]).
type blockList struct {
	key        string
	head, tail *blockNode
	n          int
}

// readyKey is a key that got data while clients were blocked on it
// (readyList).
type readyKey struct {
	d   *db
	key string
}

// blocking is the server's part of the blocking state.
type blocking struct {
	states map[*client]*blockState
	// byType counts the blocked clients by blocking type
	// (blocked_clients_by_type); total is server.blocked_clients.
	byType [numBlockedTypes]int
	total  int
	// timeouts is the heap of blocked clients with a timeout.
	timeouts timeoutHeap
	// ready and readySpare are server.ready_keys and the list it is
	// swapped with while it is run.
	ready, readySpare []readyKey
	// unblockedClients are the clients to reprocess before sleeping.
	unblockedClients []*blockState
	// postponed are the clients held by CLIENT PAUSE, in order.
	postponed []*blockState
	// freeLists are emptied key FIFOs kept for the next key, up to
	// maxFreeBlockLists of them.
	freeLists []*blockList
}

// maxFreeBlockLists bounds the FIFOs kept for reuse: enough for the keys
// a busy queue server waits on, without keeping those of a burst of
// distinct keys forever.
const maxFreeBlockLists = 1024

// maxKeptArgBuf is the most a client keeps of the buffer that held a
// postponed command's arguments.
const maxKeptArgBuf = 64 << 10

// timeoutHeap orders blocked clients by timeout, then client id.
type timeoutHeap []*blockState

func (h timeoutHeap) Len() int { return len(h) }
func (h timeoutHeap) Less(i, j int) bool {
	if h[i].timeout != h[j].timeout {
		return h[i].timeout < h[j].timeout
	}
	return h[i].c.ID < h[j].c.ID
}
func (h timeoutHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIdx, h[j].heapIdx = i, j
}
func (h *timeoutHeap) Push(x any) {
	bs := x.(*blockState)
	bs.heapIdx = len(*h)
	*h = append(*h, bs)
}
func (h *timeoutHeap) Pop() any {
	old := *h
	bs := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	bs.heapIdx = -1
	return bs
}

// blockStateOf returns c's blocking state, making it the first time.
func (s *server) blockStateOf(c *client) *blockState {
	bs := s.blocking.states[c]
	if bs == nil {
		if s.blocking.states == nil {
			s.blocking.states = map[*client]*blockState{}
		}
		bs = &blockState{c: c, heapIdx: -1}
		s.blocking.states[c] = bs
	}
	return bs
}

// blockedState returns c's blocking state if it is blocked, else nil.
func (s *server) blockedState(c *client) *blockState {
	if c.Flags&respserver.Blocked == 0 {
		return nil
	}
	return s.blocking.states[c]
}

// denyBlocking reports whether c may not block: inside a transaction a
// blocking command acts as if its timeout had passed at once
// (CLIENT_DENY_BLOCKING).
func denyBlocking(c *client) bool { return c.mflags&clientMulti != 0 }

// blockClient marks c blocked for btype (blockClient).
func (s *server) blockClient(bs *blockState, btype uint8) {
	c := bs.c
	c.Flags |= respserver.Blocked
	bs.btype = btype
	s.blocking.total++
	s.blocking.byType[btype]++
	if bs.timeout != 0 {
		heap.Push(&s.blocking.timeouts, bs)
	}
	if btype == blockedPostpone {
		s.blocking.postponed = append(s.blocking.postponed, bs)
		bs.pendingCommand = true
	}
}

// blockForKeys blocks c on keys (blockForKeys): it joins each key's FIFO
// once, however often the key is named.
func (s *server) blockForKeys(c *client, btype uint8, keys [][]byte, count int64, timeout uint64, target []byte, wherefrom, whereto int8) {
	bs := s.blockStateOf(c)
	d := s.db
	bs.d, bs.count, bs.timeout = d, count, timeout
	bs.wherefrom, bs.whereto = wherefrom, whereto
	bs.hasTarget = target != nil
	bs.target = append(bs.target[:0], target...)
	if d.blockingKeys == nil {
		d.blockingKeys = map[string]*blockList{}
		d.readyKeys = map[string]struct{}{}
		d.blocking = &s.blocking
	}
	// The nodes are linked by address: size the slice before linking.
	if cap(bs.nodes) < len(keys) {
		bs.nodes = make([]blockNode, 0, len(keys))
	}
	bs.nodes = bs.nodes[:0]
	prevKeys := bs.keys
	bs.keys = bs.keys[:0]
	for _, k := range keys {
		if containsKey(bs.keys, k) {
			continue
		}
		// Reuse the key's string: the FIFO's, or the one this client
		// blocked on last time, before making one.
		bl := d.blockingKeys[string(k)]
		var key string
		switch {
		case bl != nil:
			key = bl.key
		default:
			key = reuseKey(prevKeys, len(bs.keys), k)
		}
		bs.keys = append(bs.keys, key)
		if bl == nil {
			bl = s.newBlockList(key)
			d.blockingKeys[key] = bl
		}
		bs.nodes = append(bs.nodes, blockNode{bs: bs, list: bl})
		n := &bs.nodes[len(bs.nodes)-1]
		n.prev = bl.tail
		if bl.tail != nil {
			bl.tail.next = n
		} else {
			bl.head = n
		}
		bl.tail = n
		bl.n++
	}
	s.blockClient(bs, btype)
}

func containsKey(keys []string, k []byte) bool {
	for _, have := range keys {
		if have == string(k) {
			return true
		}
	}
	return false
}

// reuseKey returns k as a string, the one at keys[i] (of the client's
// previous block, whose array the new keys overwrite from the start)
// when it is the same, so that blocking on the same key again does not
// allocate.
func reuseKey(keys []string, i int, k []byte) string {
	if i < cap(keys) {
		if old := keys[:cap(keys)][i]; old == string(k) {
			return old
		}
	}
	return string(k)
}

func (s *server) newBlockList(key string) *blockList {
	if n := len(s.blocking.freeLists); n > 0 {
		bl := s.blocking.freeLists[n-1]
		s.blocking.freeLists = s.blocking.freeLists[:n-1]
		bl.key = key
		return bl
	}
	return &blockList{key: key}
}

// unblockClientWaitingData takes c off the FIFOs of its keys
// (unblockClientWaitingData).
func (s *server) unblockClientWaitingData(bs *blockState) {
	for i := range bs.nodes {
		n := &bs.nodes[i]
		bl := n.list
		if n.prev != nil {
			n.prev.next = n.next
		} else {
			bl.head = n.next
		}
		if n.next != nil {
			n.next.prev = n.prev
		} else {
			bl.tail = n.prev
		}
		bl.n--
		if bl.n == 0 {
			delete(bs.d.blockingKeys, bl.key)
			bl.key, bl.head, bl.tail = "", nil, nil
			if len(s.blocking.freeLists) < maxFreeBlockLists {
				s.blocking.freeLists = append(s.blocking.freeLists, bl)
			}
		}
		*n = blockNode{}
	}
	bs.nodes = bs.nodes[:0]
	bs.hasTarget = false
}

// unblockClient ends c's wait, whatever it was for, and queues it to run
// the rest of its input (unblockClient).
func (s *server) unblockClient(bs *blockState) {
	switch bs.btype {
	case blockedList, blockedZset:
		s.unblockClientWaitingData(bs)
	case blockedPostpone:
		for i, p := range s.blocking.postponed {
			if p == bs {
				s.blocking.postponed = append(s.blocking.postponed[:i], s.blocking.postponed[i+1:]...)
				break
			}
		}
	}
	s.blocking.total--
	s.blocking.byType[bs.btype]--
	bs.c.Flags &^= respserver.Blocked
	bs.btype = blockedNone
	if bs.heapIdx >= 0 {
		heap.Remove(&s.blocking.timeouts, bs.heapIdx)
	}
	bs.timeout = 0
	if bs.c.bflags&clientUnblocked == 0 {
		bs.c.bflags |= clientUnblocked
		s.blocking.unblockedClients = append(s.blocking.unblockedClients, bs)
	}
}

// replyToBlockedClientTimedOut gives a blocked client the reply of its
// timeout (replyToBlockedClientTimedOut): a null array for a key, the
// replicas that acknowledged (none here) for WAIT.
func replyToBlockedClientTimedOut(bs *blockState) {
	switch bs.btype {
	case blockedList, blockedZset:
		bs.c.AddReplyNullArray()
	case blockedWait:
		bs.c.AddReply(resp.Zero)
	}
}

// handleBlockedClientsTimeout unblocks the clients whose timeout has
// passed, earliest first (handleBlockedClientsTimeout).
func (s *server) handleBlockedClientsTimeout() {
	h := &s.blocking.timeouts
	if h.Len() == 0 {
		return
	}
	now := uint64(time.Now().UnixMilli())
	for h.Len() > 0 && (*h)[0].timeout < now {
		bs := (*h)[0]
		mark := len(bs.c.Out)
		replyToBlockedClientTimedOut(bs)
		s.unblockClient(bs)
		bs.c.CommandDone(mark)
	}
}

// processUnblockedClients runs, for each client unblocked since the last
// time, its postponed command and the rest of its input
// (processUnblockedClients). Clients unblocked meanwhile are run too.
func (s *server) processUnblockedClients() {
	b := &s.blocking
	for i := 0; i < len(b.unblockedClients); i++ {
		bs := b.unblockedClients[i]
		if bs == nil {
			continue
		}
		b.unblockedClients[i] = nil
		c := bs.c
		c.bflags &^= clientUnblocked
		if c.Flags&(respserver.Freed|respserver.Blocked) != 0 {
			continue
		}
		if bs.pendingCommand {
			bs.pendingCommand = false
			storage := c.Argv
			c.Argv = bs.argv
			s.command(c.Client)
			c.Argv = storage[:0]
			if cap(bs.argbuf) > maxKeptArgBuf && c.Flags&respserver.Blocked == 0 {
				bs.argbuf, bs.argv = nil, nil // a big postponed SET's copy
			}
			if c.Flags&respserver.Freed != 0 {
				continue
			}
		}
		if c.Flags&respserver.Blocked == 0 {
			// Runs what is left in its query buffer and queues the replies.
			s.rs.Feed(c.Client, nil)
		}
	}
	b.unblockedClients = b.unblockedClients[:0]
}

// blockedBeforeSleep is the blocking work of beforeSleep, in Redis's
// order: timeouts, then the clients unblocked, then any key left ready.
func (s *server) blockedBeforeSleep() {
	s.handleBlockedClientsTimeout()
	if len(s.blocking.unblockedClients) > 0 {
		s.processUnblockedClients()
	}
	if len(s.blocking.ready) > 0 {
		s.handleClientsBlockedOnKeys()
		s.processUnblockedClients()
	}
}

// freeClientBlockState forgets a client that goes: it leaves its keys'
// FIFOs, the timeout heap and the lists of clients to reprocess and
// postponed, with no reply (freeClient's unblockClient).
func (s *server) freeClientBlockState(c *client) {
	bs := s.blocking.states[c]
	if bs == nil {
		return
	}
	if c.Flags&respserver.Blocked != 0 {
		s.unblockClient(bs)
	}
	if c.bflags&clientUnblocked != 0 {
		// Its slot is cleared rather than removed: processUnblockedClients
		// may be walking the list by index.
		for i, u := range s.blocking.unblockedClients {
			if u == bs {
				s.blocking.unblockedClients[i] = nil
				break
			}
		}
		c.bflags &^= clientUnblocked
	}
	delete(s.blocking.states, c)
}

// getTimeout parses a blocking command's timeout, in seconds (a float)
// or, with ms, in milliseconds (an integer), into the unix ms it ends at,
// 0 for never (getTimeoutFromObjectOrReply). As Redis computes it: seconds
// are multiplied by 1000 as a long double and truncated, a positive
// timeout under a millisecond counts as one, and a value past the range
// of a long long becomes its minimum (what x87 conversion gives), hence
// "timeout is negative".
func (s *server) getTimeout(c *client, b []byte, ms bool) (uint64, bool) {
	var tval int64
	if v, ok := resp.ParseInt(b); ok {
		switch {
		case ms:
			tval = v
		case v > math.MaxInt64/1000 || v < math.MinInt64/1000:
			tval = math.MinInt64
		default:
			tval = v * 1000
		}
	} else if ms {
		c.AddReplyError("timeout is not an integer or out of range")
		return 0, false
	} else {
		f, ok := parseLongDouble(b)
		if !ok {
			c.AddReplyError("timeout is not a float or out of range")
			return 0, false
		}
		tval = longDoubleMillis(f)
	}
	if tval < 0 {
		c.AddReplyError("timeout is negative")
		return 0, false
	}
	if tval > 0 {
		// Redis adds the time without checking: past the int64 range the
		// deadline wraps and, compared unsigned, never comes.
		tval += time.Now().UnixMilli()
	}
	return uint64(tval), true
}

// longDoubleMillis is (long long)(f * 1000.0) for a long double f, with
// Redis 7.0's rounding up of a positive timeout under 1 ms.
func longDoubleMillis(f *big.Float) int64 {
	p := new(big.Float).SetPrec(longDoublePrec).Mul(f, big.NewFloat(1000))
	if p.IsInf() {
		return math.MinInt64
	}
	i, acc := p.Int64()
	if acc != big.Exact && (i == math.MaxInt64 || i == math.MinInt64) {
		return math.MinInt64
	}
	if i == 0 && f.Sign() > 0 {
		return 1
	}
	return i
}

// clientUnblockCommand is CLIENT UNBLOCK id [TIMEOUT|ERROR]: the blocked
// client gets its timeout's reply, or an UNBLOCKED error, and 1 is
// replied; 0 when no such client is blocked. A client held by CLIENT
// PAUSE is not one it unblocks.
func clientUnblockCommand(s *server, c *client) {
	if len(c.Argv) > 4 {
		addReplySubcommandSyntaxError(c)
		return
	}
	unblockError := false
	if len(c.Argv) == 4 {
		switch {
		case resp.EqualFold(c.Argv[3], "timeout"):
		case resp.EqualFold(c.Argv[3], "error"):
			unblockError = true
		default:
			c.AddReplyError("CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
			return
		}
	}
	id, ok := intArg(c, c.Argv[2])
	if !ok {
		return
	}
	target := s.clientByID(c, id)
	var bs *blockState
	if target != nil {
		bs = s.blockedState(target)
	}
	if bs == nil || bs.btype == blockedPostpone {
		c.AddReply(resp.Zero)
		return
	}
	tc := bs.c
	mark := len(tc.Out)
	if unblockError {
		s.stats.totalErrorReplys++
		tc.AddReplyError("-UNBLOCKED client unblocked via CLIENT UNBLOCK")
	} else {
		replyToBlockedClientTimedOut(bs)
	}
	s.unblockClient(bs)
	tc.CommandDone(mark)
	c.AddReply(resp.One)
}

// unblockedFlag reports whether c waits to be reprocessed after its wait
// ended (CLIENT_UNBLOCKED, "u" in CLIENT LIST).
func (c *client) unblockedFlag() bool { return c.bflags&clientUnblocked != 0 }
