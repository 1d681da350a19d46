package main

// Buffers (nc_mbuf.c). nutcracker reads into fixed chunks of -m bytes (48
// of them a header) and chains them into messages. Here a connection
// reads into one buffer taken from a free list of -m byte chunks and
// grown while a message is longer; a message copies its bytes into a
// buffer of its own, kept with it on the message free list. A connection
// gives its read buffer back as soon as it holds nothing unparsed, so an
// idle client holds no buffer, and the free list is trimmed to what the
// last interval used (nutcracker's mbufs are never freed: #203, #538).

// mbufHeader is the header nutcracker's mbuf keeps inside each chunk: the
// data size of an mbuf is the chunk size less it, and a key that does not
// fit that is refused.
const mbufHeader = 48

// mbufPool is the free list of read buffers (free_mbufq).
type mbufPool struct {
	size int
	free [][]byte
	used int
	peak int
}

// mbufGet is mbuf_get: an empty buffer of the chunk size.
func (p *mbufPool) mbufGet() []byte {
	p.used++
	p.peak = max(p.peak, p.used)
	if n := len(p.free); n > 0 {
		b := p.free[n-1]
		p.free[n-1] = nil
		p.free = p.free[:n-1]
		return b[:0]
	}
	return make([]byte, 0, p.size)
}

// mbufPut is mbuf_put. Buffers grown past the chunk size are dropped.
func (p *mbufPool) mbufPut(b []byte) {
	p.used--
	if cap(b) == p.size {
		p.free = append(p.free, b[:0])
	}
}

// trim drops the free buffers the last interval did not need.
func (p *mbufPool) trim() {
	keep := p.peak - p.used
	if len(p.free) > keep {
		clear(p.free[keep:])
		p.free = p.free[:keep]
	}
	p.peak = p.used
}

// readInto reads once from a connection into *buf, taken from the pool
// when nil and grown when full; it returns the bytes read and the error.
func (p *mbufPool) readInto(buf *[]byte, read func([]byte) (int, error)) (int, error) {
	b := *buf
	if b == nil {
		b = p.mbufGet()
	}
	if len(b) == cap(b) {
		nb := make([]byte, len(b), 2*cap(b))
		copy(nb, b)
		if cap(b) == p.size {
			p.mbufPut(b)
			p.used++ // the grown buffer stands for it
		}
		b = nb
	}
	n, err := read(b[len(b):cap(b)])
	if n > 0 {
		b = b[:len(b)+n]
	}
	*buf = b
	return n, err
}

// consume drops the first n bytes of *buf, giving the buffer back when
// nothing is left.
func (p *mbufPool) consume(buf *[]byte, n int) {
	b := *buf
	if n >= len(b) {
		if b != nil {
			p.mbufPut(b)
		}
		*buf = nil
		return
	}
	if n > 0 {
		k := copy(b, b[n:])
		b = b[:k]
	}
	*buf = b
}
