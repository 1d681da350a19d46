package main

// Messages (nc_message.c): a request parsed from a client, or one the
// proxy makes itself (a fragment of a multi-key request, the AUTH and
// SELECT sent first on a server connection), with the reply it gets.
//
// A request lives in up to two queues at once, as in nutcracker: its
// client's out queue (replies are written in that order) and a server
// connection's in queue (to send) then out queue (awaiting the reply).
// It is freed when neither holds it any more: msgPut is called by
// whichever side lets go last (see reqDone and clientClose).

// msgType is the command class of a request, as much as the proxy needs
// to answer, split and coalesce it (nutcracker's msg_type_t, in short).
type msgType uint8

const (
	msgOther    msgType = iota // forwarded whole
	msgMget                    // redis MGET
	msgDel                     // redis DEL
	msgUnlink                  // redis UNLINK
	msgTouch                   // redis TOUCH
	msgMset                    // redis MSET
	msgPing                    // redis PING: answered here
	msgQuit                    // redis QUIT / memcache quit
	msgAuth                    // redis AUTH: answered here
	msgMcGet                   // memcache get
	msgMcGets                  // memcache gets
	msgInternal                // AUTH or SELECT sent first to a server
)

// msg is struct msg, both a request and, in rsp, its reply's bytes.
type msg struct {
	owner *clientConn // the client, nil once it is gone or for internal messages
	pool  *serverPool
	typ   msgType

	// buf is the request as it is sent to the server: the client's bytes
	// unchanged, or a fragment's rebuilt command; sent counts what
	// writev has taken.
	buf  []byte
	sent int
	// xbytes is what nutcracker's request_bytes counts beyond buf (MSET
	// fragments, redisFragmentAppend).
	xbytes int

	// args are the offsets of the arguments' bytes in buf (redis) or of
	// the keys (memcache), start and end.
	args []span
	key  span // the routing key

	// rsp is the reply: the server's bytes, or one the proxy made.
	rsp []byte
	// failed is msg->error: the request failed (no server reply will
	// come); errno is msg->err, the cause, 0 when there was none (a server
	// EOF). The client gets "-ERR <strerror>" or "SERVER_ERROR
	// <strerror>", "unknown" for errno 0.
	failed bool
	errno  int

	noreply bool // memcache noreply: no reply expected
	done    bool // the reply is complete (or the request failed)
	local   bool // answered by the proxy (rsp holds the reply)
	swallow bool // the reply is dropped (internal requests)
	inSrv   bool // a server connection's queue holds it

	// Fragments: a parent holds its fragments in frags and the server
	// index of each of its keys in keySrv; a fragment points back.
	parent    *msg
	frags     []*msg
	fragSrv   []int // per fragment: server index
	keyFrag   []int // per key of the parent: index in frags
	nfragDone int

	// The timeout tree (a heap here): deadline in ms, index in the heap.
	deadline int64
	tmoIdx   int
	conn     *serverConn // the server connection it is queued on
}

// span is a byte range of a message's buf.
type span struct{ start, end int32 }

// msgPool is the free list of messages (free_msgq).
type msgPool struct {
	free []*msg
	used int // in use, for the idle trimming
	peak int // most in use since the last trim
}

// msgGet is msg_get: a cleared message from the free list.
func (p *msgPool) msgGet() *msg {
	p.used++
	p.peak = max(p.peak, p.used)
	if n := len(p.free); n > 0 {
		m := p.free[n-1]
		p.free = p.free[:n-1]
		return m
	}
	return &msg{tmoIdx: -1}
}

// maxKeptBuf is the largest buffer a freed message keeps.
const maxKeptBuf = 64 << 10

// msgPut is msg_put: m (and its fragments) back on the free list, keeping
// their buffers unless large.
func (p *msgPool) msgPut(m *msg) {
	for _, f := range m.frags {
		p.msgPut(f)
	}
	buf, rsp, args := m.buf[:0], m.rsp[:0], m.args[:0]
	if cap(buf) > maxKeptBuf {
		buf = nil
	}
	if cap(rsp) > maxKeptBuf {
		rsp = nil
	}
	frags, fragSrv, keyFrag := m.frags[:0], m.fragSrv[:0], m.keyFrag[:0]
	clear(m.frags)
	*m = msg{buf: buf, rsp: rsp, args: args, frags: frags, fragSrv: fragSrv, keyFrag: keyFrag, tmoIdx: -1}
	p.used--
	p.free = append(p.free, m)
}

// trim gives back free messages beyond what the last interval needed: the
// pool shrinks when the proxy goes idle (twemproxy's never does).
func (p *msgPool) trim() {
	keep := p.peak - p.used
	if len(p.free) > keep {
		clear(p.free[keep:])
		p.free = p.free[:keep]
	}
	p.peak = p.used
}

// msgQueue is a FIFO of messages (the TAILQs of struct conn).
type msgQueue struct {
	q    []*msg
	head int
}

func (q *msgQueue) len() int { return len(q.q) - q.head }

func (q *msgQueue) push(m *msg) {
	if q.head > 0 && q.head == len(q.q) {
		q.q, q.head = q.q[:0], 0
	}
	q.q = append(q.q, m)
}

func (q *msgQueue) peek() *msg {
	if q.head == len(q.q) {
		return nil
	}
	return q.q[q.head]
}

func (q *msgQueue) pop() *msg {
	m := q.q[q.head]
	q.q[q.head] = nil
	q.head++
	if q.head == len(q.q) {
		q.q, q.head = q.q[:0], 0
	}
	return m
}

// msgTmo is the timeout tree of nc_message.c (msg_tmo_insert, msg_tmo_min,
// msg_tmo_delete): requests in flight by deadline, as a binary heap.
type msgTmo []*msg

func (h *msgTmo) insert(m *msg) {
	m.tmoIdx = len(*h)
	*h = append(*h, m)
	h.up(m.tmoIdx)
}

func (h *msgTmo) min() *msg {
	if len(*h) == 0 {
		return nil
	}
	return (*h)[0]
}

func (h *msgTmo) delete(m *msg) {
	i := m.tmoIdx
	if i < 0 {
		return
	}
	s := *h
	n := len(s) - 1
	if i != n {
		s[i] = s[n]
		s[i].tmoIdx = i
	}
	s[n] = nil
	*h = s[:n]
	m.tmoIdx = -1
	if i < n {
		h.down(i)
		h.up(i)
	}
}

func (h msgTmo) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if h[p].deadline <= h[i].deadline {
			return
		}
		h.swap(i, p)
		i = p
	}
}

func (h msgTmo) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		c := l
		if r := l + 1; r < len(h) && h[r].deadline < h[l].deadline {
			c = r
		}
		if h[i].deadline <= h[c].deadline {
			return
		}
		h.swap(i, c)
		i = c
	}
}

func (h msgTmo) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].tmoIdx, h[j].tmoIdx = i, j
}

// pushFront puts m at the head (TAILQ_INSERT_HEAD).
func (q *msgQueue) pushFront(m *msg) {
	if q.head > 0 {
		q.head--
		q.q[q.head] = m
		return
	}
	q.q = append(q.q, nil)
	copy(q.q[1:], q.q)
	q.q[0] = m
}
