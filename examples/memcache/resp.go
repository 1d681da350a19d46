package main

import (
	"strconv"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/connection"
)

// The replies' queue and its transmit (memcached.c's mc_resp objects,
// resp_start/resp_add_iov, out_string and transmit). memcached keeps a
// queue of response objects, each a little header text plus pointers to
// an item's key and value, and sends them with one sendmsg of many
// iovecs; a value is never copied. Here the text of every queued reply
// goes into one buffer, lent by the worker while replies are pending, and
// a value is either copied into it (a small one: cheaper than an iovec of
// its own) or referred to, its item held until it is written.

// copyValueMax is the largest value copied into the reply text; larger
// ones are sent from their items.
const copyValueMax = 1024

// writeBufferSize is the size of the reply buffers a worker lends.
const writeBufferSize = 16 * 1024

// iovPerWrite is how many buffers one writev gets: connection.Conn.Writev
// takes up to 16 without allocating.
const iovPerWrite = 16

// output is a conn's queued replies: buf, with the values of vals spliced
// in at their offsets, written from (bi, vi, voff) on.
type output struct {
	buf  []byte
	vals []outVal
	held int // bytes of the referred values

	bi   int // bytes of buf written
	vi   int // vals before vi are written
	voff int // bytes of vals[vi] written, once buf up to its pos is
}

// outVal is a value sent from its item, after buf[:pos].
type outVal struct {
	pos int
	it  *Item
}

// pending reports whether anything is queued (c->resp_head).
func (o *output) pending() bool { return len(o.buf) > o.bi || o.vi < len(o.vals) }

// size is the bytes queued and not yet written, for the output limit.
func (o *output) size() int { return len(o.buf) - o.bi + o.held }

// text returns the reply buffer to append to, lent by t when the conn has
// none.
func (c *conn) text() []byte {
	if c.out.buf == nil {
		c.out.buf = c.t.wbufAlloc()
	}
	return c.out.buf
}

// outString is out_string / out_errstring: a whole reply line, "\r\n"
// included, unless noreply (which hides errors too, for the classic
// commands).
func (c *conn) outString(s string) {
	if c.noreply {
		return
	}
	c.out.buf = append(c.text(), s...)
}

// outLine is outString for a line without its "\r\n".
func (c *conn) outLine(s string) {
	if c.noreply {
		return
	}
	c.out.buf = append(append(c.text(), s...), '\r', '\n')
}

// outUint replies a number line (incr/decr).
func (c *conn) outUint(v uint64) {
	if c.noreply {
		return
	}
	c.out.buf = append(strconv.AppendUint(c.text(), v, 10), '\r', '\n')
}

// addValue queues it's data (value and "\r\n") after the text queued so
// far, copying a small one; the caller's reference to it passes to the
// output.
func (c *conn) addValue(it *Item) {
	d := it.Data()
	if len(d) <= copyValueMax {
		c.out.buf = append(c.text(), d...)
		c.t.w.Release(it)
		return
	}
	c.text()
	c.out.vals = append(c.out.vals, outVal{pos: len(c.out.buf), it: it})
	c.out.held += len(d)
}

// reset drops the queue, giving back the items and the buffer.
func (o *output) reset(t *thread) {
	for i := range o.vals {
		t.w.Release(o.vals[i].it)
		o.vals[i].it = nil
	}
	if cap(o.vals) > 64 {
		o.vals = nil
	}
	o.vals = o.vals[:0]
	if o.buf != nil {
		t.wbufFree(o.buf)
		o.buf = nil
	}
	o.held, o.bi, o.vi, o.voff = 0, 0, 0, 0
}

type transmitResult uint8

const (
	transmitComplete   transmitResult = iota // all written
	transmitIncomplete                       // more to write now
	transmitSoftError                        // the socket is full: wait for writable
	transmitHardError                        // the connection failed
)

// transmit is transmit: one writev of what is queued. A full socket leaves
// the conn waiting for writable, reading nothing until the queue drains.
func (c *conn) transmit() transmitResult {
	o := &c.out
	if !o.pending() {
		return transmitComplete
	}
	bufs := c.t.iov[:0]
	bi, vi, voff := o.bi, o.vi, o.voff
	for len(bufs) < iovPerWrite {
		end := len(o.buf)
		if vi < len(o.vals) {
			end = o.vals[vi].pos
		}
		if bi < end {
			bufs = append(bufs, o.buf[bi:end])
			bi = end
		}
		if vi >= len(o.vals) || len(bufs) == iovPerWrite {
			break
		}
		bufs = append(bufs, o.vals[vi].it.Data()[voff:])
		vi, voff = vi+1, 0
	}
	n, err := c.c.Writev(bufs)
	clear(bufs)
	if n > 0 {
		c.t.w.CountIO(0, uint64(n))
		o.advance(n)
		if !o.pending() {
			return transmitComplete
		}
		return transmitIncomplete
	}
	if err == connection.ErrWouldBlock {
		if !c.updateEvent(ae.Writable) {
			return transmitHardError
		}
		return transmitSoftError
	}
	return transmitHardError
}

// advance marks n more bytes written.
func (o *output) advance(n int) {
	for n > 0 {
		end := len(o.buf)
		if o.vi < len(o.vals) {
			end = o.vals[o.vi].pos
		}
		if o.bi < end {
			k := min(n, end-o.bi)
			o.bi += k
			n -= k
			continue
		}
		d := len(o.vals[o.vi].it.Data()) - o.voff
		if n < d {
			o.voff += n
			return
		}
		n -= d
		o.held -= len(o.vals[o.vi].it.Data())
		o.vi, o.voff = o.vi+1, 0
	}
}
