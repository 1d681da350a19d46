package connection

// Buffered output: what Redis's client keeps in c->buf and c->reply
// (networking.c), here in the connection layer so that every server has
// one copy of it. Small output stays in one contiguous buffer, written
// with write(2); past ChunkSize it goes on in chained chunks, written with
// writev(2), so a big reply is never copied to grow a buffer.

// ChunkSize is the size of an output chunk past the first buffer
// (PROTO_REPLY_CHUNK_BYTES, 16 KiB). A drained connection keeps its first
// buffer only while it is no bigger than this.
const ChunkSize = 16 * 1024

// output is a Conn's pending output: bufs[0][sent:] and the later bufs.
type output struct {
	bufs [][]byte
	sent int // bytes of bufs[0] already written
	size int // bytes still to write
}

// pendingSize returns the bytes still to write; a nil output has none.
func (o *output) pendingSize() int {
	if o == nil {
		return 0
	}
	return o.size
}

// appendBytes queues p, copying it.
func (o *output) appendBytes(q *WriteQueue, p []byte) {
	o.size += len(p)
	if n := len(o.bufs); n > 0 {
		last := &o.bufs[n-1]
		room := cap(*last) - len(*last)
		if len(p) > 0 && room >= len(p) && &(*last)[:cap(*last)][len(*last)] == &p[0] {
			// p was built in place from AvailableBuffer: take it as it is.
			*last = (*last)[:len(*last)+len(p)]
			return
		}
		if room < len(p) && n == 1 && cap(*last) < ChunkSize {
			// The first buffer grows as a slice does, up to a chunk.
			*last = growTo(*last, min(max(2*cap(*last), len(*last)+len(p)), ChunkSize))
			room = cap(*last) - len(*last)
		}
		k := min(room, len(p))
		*last = append(*last, p[:k]...)
		p = p[k:]
	}
	if len(p) == 0 {
		return
	}
	var b []byte
	if len(o.bufs) == 0 && len(p) < ChunkSize {
		b = make([]byte, 0, max(len(p), 64))
	} else {
		b = q.chunk(len(p))
	}
	o.bufs = append(o.bufs, append(b, p...))
}

// adopt queues p itself, without copying: p belongs to the output now.
func (o *output) adopt(p []byte) {
	o.bufs = append(o.bufs, p)
	o.size += len(p)
}

func growTo(b []byte, c int) []byte {
	g := make([]byte, len(b), c)
	copy(g, b)
	return g
}

// appendString is appendBytes for a string.
func (o *output) appendString(q *WriteQueue, s string) {
	// The conversion does not allocate: append copies from it.
	o.appendBytes(q, unsafeBytes(s))
}

// consume drops n written bytes, giving whole chunks back to q.
func (o *output) consume(q *WriteQueue, n int) {
	o.size -= n
	for n > 0 {
		b := o.bufs[0]
		left := len(b) - o.sent
		if n < left {
			o.sent += n
			return
		}
		n -= left
		o.sent = 0
		if len(o.bufs) == 1 {
			o.bufs[0] = b[:0] // keep the first buffer
			return
		}
		q.putChunk(b)
		o.bufs[0] = nil
		o.bufs = o.bufs[1:]
	}
}

// drained resets a written-out output, keeping a small first buffer.
func (o *output) drained(q *WriteQueue) {
	if o == nil {
		return
	}
	if len(o.bufs) == 1 && cap(o.bufs[0]) <= ChunkSize {
		o.bufs[0] = o.bufs[0][:0]
		o.sent = 0
		return
	}
	o.release(q)
}

// release drops all output, giving chunks back to q.
func (o *output) release(q *WriteQueue) {
	if o == nil {
		return
	}
	for i, b := range o.bufs {
		if q != nil && cap(b) == ChunkSize {
			q.putChunk(b)
		}
		o.bufs[i] = nil
	}
	o.bufs, o.sent, o.size = nil, 0, 0
}

// pending returns the unsent bytes as a list of buffers, the first
// starting at sent, into dst: buffers are added while they hold fewer
// than budget bytes in all and are fewer than IOV_MAX, as
// writevToClient gathers its iovecs.
func (o *output) pending(dst [][]byte, budget int) [][]byte {
	total := 0
	for i, b := range o.bufs {
		if total >= budget || len(dst) == iovMax {
			break
		}
		if i == 0 {
			b = b[o.sent:]
		}
		dst = append(dst, b)
		total += len(b)
	}
	return dst
}
