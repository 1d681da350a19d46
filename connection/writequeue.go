package connection

import (
	"github.com/goae/goae/ae"
	"golang.org/x/sys/unix"
)

// MaxWritesPerEvent bounds the bytes written to one connection per event
// (NET_MAX_WRITES_PER_EVENT, 64 KiB), so one greedy peer cannot starve the
// others.
const MaxWritesPerEvent = 64 * 1024

// WriteQueue holds the connections of one loop with output to write
// before the loop sleeps (server.clients_pending_write), and writes them
// (handleClientsWithPendingWrites): replies are appended while commands
// run, the queue writes each connection once from the before-sleep hook,
// and only a connection left with output after that write gets a
// writable handler, which goes again once the output is drained. Most
// replies thus cost one write(2) and no epoll_ctl.
//
// A WriteQueue belongs to its loop's goroutine. Call BeforeSleep from the
// loop's before-sleep hook.
type WriteQueue struct {
	el      *ae.EventLoop
	pending []*Conn
	iov     []unix.Iovec
	bufs    [][]byte
	free    [][]byte // ChunkSize chunks for reuse

	// MaxWritesPerEvent bounds the bytes written to one connection per
	// write (default MaxWritesPerEvent).
	MaxWritesPerEvent int
	// Limit, if positive, is the most output a connection may have
	// pending: an Append past it drops the output and calls OnLimit, which
	// by default closes the connection (a slow or vanished reader must not
	// take the server's memory).
	Limit int
	// OnLimit replaces the default action when Limit is passed. The
	// connection's output is already dropped.
	OnLimit func(c *Conn)
	// Barrier installs the writable handler with the write barrier
	// (connSetWriteHandlerWithBarrier), as Redis's cluster links do.
	Barrier bool
	// OnWriteError, if set, is told of a failed write before the
	// connection is closed.
	OnWriteError func(c *Conn, err error)
	// OnDrain, if set, runs when a write leaves a connection with no
	// output pending after its writable handler was installed: the moment
	// a server that stopped reading from a slow peer reads again.
	OnDrain func(c *Conn)

	// BytesWritten counts the bytes written (stat_net_output_bytes).
	BytesWritten int64
	// WritableInstalls counts the writable handlers installed after a
	// short write: the slow path.
	WritableInstalls int64
}

// maxFreeChunks bounds the chunks a queue keeps for reuse (1 MiB).
const maxFreeChunks = 64

// NewWriteQueue returns the write queue of el's connections.
func NewWriteQueue(el *ae.EventLoop) *WriteQueue {
	return &WriteQueue{el: el, MaxWritesPerEvent: MaxWritesPerEvent}
}

// SetWriteQueue makes c's output buffered by q (Append, Flush). Set it
// before the first Append.
func (c *Conn) SetWriteQueue(q *WriteQueue) { c.wq = q }

// WriteQueue returns c's write queue, nil if none.
func (c *Conn) WriteQueue() *WriteQueue { return c.wq }

func (q *WriteQueue) chunk(n int) []byte {
	if n <= ChunkSize {
		if k := len(q.free); k > 0 {
			b := q.free[k-1]
			q.free[k-1] = nil
			q.free = q.free[:k-1]
			return b[:0]
		}
		return make([]byte, 0, ChunkSize)
	}
	return make([]byte, 0, n)
}

func (q *WriteQueue) putChunk(b []byte) {
	if cap(b) == ChunkSize && len(q.free) < maxFreeChunks {
		q.free = append(q.free, b[:0])
	}
}

// Append queues p to be written to c (it is copied), and puts c on its
// write queue. On a closed Conn, or one closing after its flush, it does
// nothing.
func (c *Conn) Append(p []byte) {
	if !c.canAppend() {
		return
	}
	c.outBuf().appendBytes(c.wq, p)
	c.appended()
}

// AppendString is Append for a string.
func (c *Conn) AppendString(s string) {
	if !c.canAppend() {
		return
	}
	c.outBuf().appendString(c.wq, s)
	c.appended()
}

func (c *Conn) canAppend() bool {
	if c.wq == nil {
		panic("connection: Append on a Conn without a WriteQueue")
	}
	return c.flags&(flagFdClosed|flagCloseScheduled|flagCloseAfterFlush) == 0
}

func (c *Conn) appended() {
	q := c.wq
	if q.Limit > 0 && c.out.pendingSize() > q.Limit {
		c.out.release(q)
		if q.OnLimit != nil {
			q.OnLimit(c)
		} else {
			c.Close()
		}
		return
	}
	c.queue()
}

// queue puts c on the list written before sleep, unless it is there or
// its writable handler is installed (putClientInPendingWriteQueue).
func (c *Conn) queue() {
	if c.flags&(flagPendingWrite|flagQueueWriting) == 0 {
		c.flags |= flagPendingWrite
		c.wq.pending = append(c.wq.pending, c)
	}
}

// Send writes p now as far as the socket takes it, at most the queue's
// MaxWritesPerEvent bytes, and keeps the rest, without copying it, to be
// written when the socket is writable; with output already pending it
// only keeps p, so that bytes keep their order. It is the write a
// before-sleep hook makes for a server that builds its replies in a
// buffer of its own (Redis's writeToClient on c->buf): in the common case
// one write(2) and no copy, and a long reply is never copied either.
//
// kept reports whether c kept p: then p belongs to c until written and
// the caller must not touch it again (take a new buffer); otherwise p was
// written whole and is the caller's again. ok reports whether c is still
// open.
func (c *Conn) Send(p []byte) (kept, ok bool) {
	if !c.canAppend() || len(p) == 0 {
		return false, !c.closed()
	}
	if c.out.pendingSize() > 0 || c.state != StateConnected {
		c.outBuf().adopt(p)
		c.appended()
		return true, !c.closed()
	}
	q := c.wq
	n, err := c.Write(p[:min(len(p), q.MaxWritesPerEvent)])
	q.BytesWritten += int64(n)
	if err != nil && err != ErrWouldBlock {
		if q.OnWriteError != nil {
			q.OnWriteError(c, err)
		}
		c.Close()
		return false, false
	}
	if n == len(p) {
		return false, true
	}
	c.outBuf().adopt(p[n:])
	c.appended()
	return true, !c.closed()
}

// DiscardOutput drops the output not yet written: a server closing c for
// overcoming its output limits gives the memory back at once.
func (c *Conn) DiscardOutput() {
	c.out.release(c.wq)
	c.out = nil
}

// ReleaseOutput gives back the drained output's buffer, for an idle
// connection (clientsCron's buffer resizing): it costs nothing until it
// sends again. It does nothing while output is pending.
func (c *Conn) ReleaseOutput() {
	if c.out.pendingSize() == 0 {
		c.out.release(c.wq)
		c.out = nil
	}
}

// Pending returns the bytes appended and not yet written.
func (c *Conn) Pending() int { return c.out.pendingSize() }

// OutputMemory returns the bytes the output buffers hold, their
// capacity (Redis's getClientOutputBufferMemoryUsage, CLIENT LIST's omem
// counts the same way).
func (c *Conn) OutputMemory() int {
	if c.out == nil {
		return 0
	}
	n := 0
	for _, b := range c.out.bufs {
		n += cap(b)
	}
	return n
}

// AvailableBuffer returns an empty slice whose capacity is the room left
// in c's last output buffer, to append to (strconv.AppendInt, say) and
// pass to Append, which then copies nothing: it sees the bytes are
// already in place and takes them. (bufio.Writer's AvailableBuffer has
// Write copy them onto themselves.) A slice that outgrew the room is
// copied as any other. It may be empty with no capacity.
func (c *Conn) AvailableBuffer() []byte {
	if c.out == nil {
		return nil
	}
	if n := len(c.out.bufs); n > 0 {
		b := c.out.bufs[n-1]
		return b[len(b):len(b):cap(b)]
	}
	return nil
}

// CloseAfterFlush closes c once its pending output is written
// (CLIENT_CLOSE_AFTER_REPLY); Append does nothing from now on. With no
// output pending, c closes before the loop sleeps.
func (c *Conn) CloseAfterFlush() {
	if c.closed() {
		return
	}
	c.flags |= flagCloseAfterFlush
	c.queue()
}

// Flush writes c's pending output now, at most the queue's
// MaxWritesPerEvent bytes (writeToClient), and reports whether c is still
// open. Output left over is written when c is writable.
func (c *Conn) Flush() bool {
	if c.closed() {
		return false
	}
	if c.state == StateConnecting {
		return true // written once connected: the queue's handler waits
	}
	q := c.wq
	written := 0
	for c.out.pendingSize() > 0 && written < q.MaxWritesPerEvent {
		var n int
		var err error
		if len(c.out.bufs) == 1 {
			n, err = c.Write(c.out.bufs[0][c.out.sent:])
		} else {
			q.bufs = c.out.pending(q.bufs[:0], q.MaxWritesPerEvent-written)
			if cap(q.iov) < len(q.bufs) {
				q.iov = make([]unix.Iovec, 0, min(len(q.bufs), iovMax))
			}
			n, err = c.writev(q.bufs, q.iov)
			clear(q.bufs)
		}
		if n > 0 {
			c.out.consume(q, n)
			written += n
		}
		if err == ErrWouldBlock {
			break
		}
		if err != nil {
			if q.OnWriteError != nil {
				q.OnWriteError(c, err)
			}
			c.Close()
			return false
		}
	}
	q.BytesWritten += int64(written)
	if c.out.pendingSize() > 0 {
		return true
	}
	c.out.drained(q)
	if c.flags&flagQueueWriting != 0 {
		c.flags &^= flagQueueWriting
		c.SetWriteHandler(nil)
		if q.OnDrain != nil {
			q.OnDrain(c)
			if c.closed() {
				return false
			}
		}
	}
	if c.flags&flagCloseAfterFlush != 0 {
		c.Close()
		return false
	}
	return true
}

// queueWriteHandler is the writable handler a WriteQueue installs
// (sendReplyToClient).
func queueWriteHandler(c *Conn) { c.Flush() }

// BeforeSleep writes every queued connection once and installs the
// writable handler on those left with output (handleClientsWithPendingWrites).
// Call it from the loop's before-sleep hook.
func (q *WriteQueue) BeforeSleep() {
	for i := 0; i < len(q.pending); i++ {
		c := q.pending[i]
		q.pending[i] = nil
		c.flags &^= flagPendingWrite
		if c.closed() || !c.Flush() {
			continue
		}
		if c.out.pendingSize() > 0 && c.flags&flagQueueWriting == 0 {
			c.flags |= flagQueueWriting
			q.WritableInstalls++
			if err := c.SetWriteHandlerWithBarrier(queueWriteHandler, q.Barrier); err != nil {
				c.flags &^= flagQueueWriting
				c.setErr(err)
				c.Close()
			}
		}
	}
	q.pending = q.pending[:0]
}

// Len returns the number of connections waiting to be written.
func (q *WriteQueue) Len() int { return len(q.pending) }
