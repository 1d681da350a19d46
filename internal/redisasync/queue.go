package redisasync

// callback is a command's callback and private data (redisCallback).
type callback struct {
	fn   Callback
	priv any
}

// cbQueue is a FIFO of callbacks (redisCallbackList), a ring that keeps
// its room: pushing and shifting allocate nothing once it has grown.
type cbQueue struct {
	buf  []callback // len is a power of two
	head int
	n    int
}

func (q *cbQueue) len() int { return q.n }

// push appends cb (__redisPushCallback).
func (q *cbQueue) push(cb callback) {
	if q.n == len(q.buf) {
		nb := make([]callback, max(8, 2*len(q.buf)))
		for i := 0; i < q.n; i++ {
			nb[i] = q.buf[(q.head+i)&(len(q.buf)-1)]
		}
		q.buf, q.head = nb, 0
	}
	q.buf[(q.head+q.n)&(len(q.buf)-1)] = cb
	q.n++
}

// shift removes and returns the oldest callback (__redisShiftCallback);
// ok is false when the queue is empty.
func (q *cbQueue) shift() (cb callback, ok bool) {
	if q.n == 0 {
		return callback{}, false
	}
	cb = q.buf[q.head]
	q.buf[q.head] = callback{}
	q.head = (q.head + 1) & (len(q.buf) - 1)
	q.n--
	return cb, true
}
