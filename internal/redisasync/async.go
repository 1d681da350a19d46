package redisasync

import (
	"errors"
	"io"
	"time"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/connection"
)

// Callback is a command's reply callback (redisCallbackFn). r is the
// reply, valid until the callback returns; it is nil when the context
// is disconnected or freed before the reply came. privdata is what was
// passed with the command.
type Callback func(c *Context, r *Reply, privdata any)

// ConnectCallback is told how the connect ended (redisConnectCallback):
// err is nil once connected, else why it failed, and the context is then
// freed (its pending callbacks get nil; the disconnect callback does not
// run, as the context never connected).
type ConnectCallback func(c *Context, err error)

// DisconnectCallback runs once when a context that connected goes away
// (redisDisconnectCallback): err is nil for Disconnect or Free, else what
// broke the link (ErrEOF, a socket error, a *ProtocolError, a
// *ServerError).
type DisconnectCallback func(c *Context, err error)

// PushCallback receives RESP3 push messages that are not pub/sub ones,
// such as client-tracking invalidations (redisAsyncPushFn).
type PushCallback func(c *Context, r *Reply)

// Options tune Connect. The zero value is redisAsyncConnect's.
type Options struct {
	// Source, if set, is the local address to bind before connecting,
	// best effort (redisAsyncConnectBind's source_addr, as Redis passes
	// bind-source-addr or the sentinel's announce address).
	Source string
	// Timeout, if positive, bounds the connect (redisOptions's
	// connect_timeout): past it the connect callback gets an error
	// matching unix.ETIMEDOUT.
	Timeout time.Duration
	// Reader limits; zero means the Default ones.
	MaxBulkLen, MaxArrayLen, MaxDepth, MaxLineLen int
}

// Errors a context reports.
var (
	// ErrEOF: the server closed the connection (REDIS_ERR_EOF).
	ErrEOF = errors.New("redisasync: server closed the connection")
	// ErrClosed: a command on a context that is disconnecting or freed
	// (redisAsyncCommand's REDIS_ERR).
	ErrClosed = errors.New("redisasync: context is disconnecting or freed")
	// ErrNotSubscribed: (P|S)UNSUBSCRIBE on a context not subscribed.
	ErrNotSubscribed = errors.New("redisasync: unsubscribe on a context that is not subscribed")
	// ErrNoCommand: a command with no arguments.
	ErrNoCommand = errors.New("redisasync: empty command")
)

// ServerError is an error reply that no command was waiting for, which
// the server sends before closing (max clients reached, say): the
// context disconnects with it (REDIS_ERR_OTHER with the reply's text).
type ServerError struct {
	Msg string
}

func (e *ServerError) Error() string { return "redisasync: " + e.Msg }

// Context flags (REDIS_* in hiredis's context flags).
const (
	flagConnected     = 1 << iota // REDIS_CONNECTED
	flagDisconnecting             // REDIS_DISCONNECTING: no new commands
	flagFreeing                   // REDIS_FREEING: free once out of callbacks
	flagFreed                     // __redisAsyncFree ran
	flagSubscribed                // REDIS_SUBSCRIBED
	flagMonitoring                // REDIS_MONITORING
	flagWriting                   // the write handler is installed (redisAeEvents.writing)
)

// Context is an asynchronous connection to a Redis server on an event
// loop (redisAsyncContext attached with redisAeAttach). It belongs to the
// loop's goroutine: every method and every callback runs there.
type Context struct {
	conn   *connection.Conn
	reader Reader
	obuf   []byte // output not written yet, from osent
	osent  int

	replies       cbQueue                    // ac->replies
	subReplies    cbQueue                    // ac->sub.replies: commands sent while subscribed
	subs          [3]map[string]*subCallback // ac->sub.channels, patterns, and shard channels
	pendingUnsubs int                        // ac->sub.pending_unsubs

	flags      uint16
	inCallback int // REDIS_IN_CALLBACK, counted
	err        error

	onConnect    ConnectCallback
	onDisconnect DisconnectCallback
	onPush       PushCallback
	data         any
}

// Connect starts a non-blocking connect to host:port on el and returns
// the context at once (redisAsyncConnectBind, or redisAsyncConnect with
// zero Options, then redisAeAttach): commands may be sent right away;
// they are written once the connect completes. host is an IP address or
// a name, resolved off the loop. An error known at once (an address that
// cannot be parsed, no fd) is returned with no context, as hiredis
// returns a context with err set; every later failure goes to the connect
// callback.
func Connect(el *ae.EventLoop, host string, port int, opts Options) (*Context, error) {
	c := newContext(el, opts)
	err := c.conn.Connect(host, port, connection.ConnectOptions{Source: opts.Source, Timeout: opts.Timeout}, connectHandler)
	if err != nil {
		c.conn.Close()
		return nil, err
	}
	return c, nil
}

// ConnectUnix is Connect to a unix socket (redisAsyncConnectUnix).
func ConnectUnix(el *ae.EventLoop, path string, opts Options) (*Context, error) {
	c := newContext(el, opts)
	if err := c.conn.ConnectUnix(path, connectHandler); err != nil {
		c.conn.Close()
		return nil, err
	}
	return c, nil
}

func newContext(el *ae.EventLoop, opts Options) *Context {
	c := &Context{conn: connection.NewSocket(el)}
	c.reader.MaxBulkLen, c.reader.MaxArrayLen = opts.MaxBulkLen, opts.MaxArrayLen
	c.reader.MaxDepth, c.reader.MaxLineLen = opts.MaxDepth, opts.MaxLineLen
	c.conn.SetPrivateData(c)
	// Reading is armed from the start and stays armed (redisAeAddRead);
	// the connection registers it once the socket exists.
	c.conn.SetReadHandler(readHandler)
	return c
}

// SetConnectCallback sets the callback told of the connect's outcome
// (redisAsyncSetConnectCallback). Set it right after Connect: the
// connect completes on the loop, later.
func (c *Context) SetConnectCallback(fn ConnectCallback) { c.onConnect = fn }

// SetDisconnectCallback sets the callback run once when a connected
// context goes away (redisAsyncSetDisconnectCallback).
func (c *Context) SetDisconnectCallback(fn DisconnectCallback) { c.onDisconnect = fn }

// SetPushCallback sets the callback of RESP3 pushes that are not pub/sub
// messages (redisAsyncSetPushCallback); without one they are dropped.
func (c *Context) SetPushCallback(fn PushCallback) { c.onPush = fn }

// Conn returns the connection under the context, for its addresses and
// socket options. Do not read, write, close it or change its handlers.
func (c *Context) Conn() *connection.Conn { return c.conn }

// Loop returns the context's event loop.
func (c *Context) Loop() *ae.EventLoop { return c.conn.Loop() }

// Err returns the error that disconnected the context, nil if none (ac->err
// and ac->errstr).
func (c *Context) Err() error { return c.err }

// Data returns what SetData stored (ac->data).
func (c *Context) Data() any { return c.data }

// SetData stores data with the context (ac->data), typically the link
// it belongs to.
func (c *Context) SetData(data any) { c.data = data }

// Pending returns the number of commands sent whose reply has not come
// yet (the length of hiredis's replies lists): what a sentinel counts as
// a link's pending commands. Subscriptions are not counted: their
// callbacks stay for as long as the subscription.
func (c *Context) Pending() int { return c.replies.len() + c.subReplies.len() }

// Connected reports whether the connect completed and the context was not
// freed since (REDIS_CONNECTED).
func (c *Context) Connected() bool { return c.flags&(flagConnected|flagFreed) == flagConnected }

// Closed reports whether the context is disconnecting or freed: it takes
// no more commands.
func (c *Context) Closed() bool { return c.flags&(flagDisconnecting|flagFreeing|flagFreed) != 0 }

// Subscribed reports whether the context is in subscribed mode
// (REDIS_SUBSCRIBED): from the first (P|S)SUBSCRIBE sent until the
// confirmation of the last unsubscribe.
func (c *Context) Subscribed() bool { return c.flags&flagSubscribed != 0 }

// OutputPending returns the bytes of commands not written to the socket
// yet.
func (c *Context) OutputPending() int { return len(c.obuf) - c.osent }

// Disconnect closes the context once every pending reply has come
// (redisAsyncDisconnect): from now on it takes no command; the pending
// callbacks get their replies; then the socket is closed, subscription
// callbacks get nil, and the disconnect callback runs with nil. With
// nothing pending it closes at once, or, inside one of its callbacks,
// once the callbacks of what was read have run.
func (c *Context) Disconnect() {
	if c.flags&flagFreed != 0 {
		return
	}
	c.flags |= flagDisconnecting
	if c.inCallback == 0 && c.Pending() == 0 {
		c.disconnect(nil)
	}
}

// Free closes the context now (redisAsyncFree): the socket is closed,
// every pending callback, then every subscription callback, gets a nil
// reply, and the disconnect callback runs with nil if the context had
// connected. Called from inside one of the context's own callbacks, it
// takes effect when that callback returns (REDIS_IN_CALLBACK); the
// replies already read are then dropped, their callbacks getting nil.
// Freeing a freed context does nothing.
func (c *Context) Free() {
	if c.flags&flagFreed != 0 {
		return
	}
	c.flags |= flagFreeing
	if c.inCallback == 0 {
		c.free()
	}
}

// run calls a callback as in-callback (__redisRunCallback).
func (c *Context) run(fn Callback, priv any, r *Reply) {
	if fn == nil {
		return
	}
	c.inCallback++
	defer c.leaveCallback()
	fn(c, r, priv)
}

func (c *Context) leaveCallback() { c.inCallback-- }

// settle completes a Free or Disconnect asked from inside a callback,
// once out of it.
func (c *Context) settle() bool {
	switch {
	case c.flags&flagFreed != 0:
		return false
	case c.inCallback > 0:
		return true
	case c.flags&flagFreeing != 0:
		c.free()
		return false
	case c.flags&flagDisconnecting != 0 && c.Pending() == 0:
		c.disconnect(nil)
		return false
	}
	return true
}

// disconnect ends the context (__redisAsyncDisconnect): err is what broke
// it, nil for a clean Disconnect.
func (c *Context) disconnect(err error) {
	if c.err == nil {
		c.err = err
	}
	c.flags |= flagDisconnecting
	if c.inCallback > 0 {
		c.flags |= flagFreeing // out of the callback, settle frees
		return
	}
	c.free()
}

// free releases the context (__redisAsyncFree).
func (c *Context) free() {
	if c.flags&flagFreed != 0 {
		return
	}
	byUser := c.flags&flagFreeing != 0 && c.err == nil
	c.flags |= flagFreed | flagFreeing | flagDisconnecting
	c.flags &^= flagWriting
	c.conn.Close() // _EL_CLEANUP and redisFree's close
	for {
		cb, ok := c.replies.shift()
		if !ok {
			break
		}
		c.run(cb.fn, cb.priv, nil)
	}
	for {
		cb, ok := c.subReplies.shift()
		if !ok {
			break
		}
		c.run(cb.fn, cb.priv, nil)
	}
	subs := c.subs
	c.subs = [3]map[string]*subCallback{}
	for _, d := range subs {
		for _, sc := range d {
			c.run(sc.fn, sc.priv, nil)
		}
	}
	c.obuf, c.osent = nil, 0
	c.reader.Reset()
	if c.flags&flagConnected != 0 && c.onDisconnect != nil {
		err := c.err
		if byUser {
			err = nil
		}
		c.inCallback++
		defer c.leaveCallback()
		c.onDisconnect(c, err)
	}
}

// connectHandler completes the connect (__redisAsyncHandleConnect, and
// __redisAsyncHandleConnectFailure).
func connectHandler(conn *connection.Conn) {
	c := conn.PrivateData().(*Context)
	if c.flags&flagFreed != 0 {
		return
	}
	if conn.State() != connection.StateConnected {
		err := conn.LastError()
		if err == nil {
			err = errors.New("redisasync: connect failed")
		}
		c.err = err
		c.flags |= flagDisconnecting
		if c.onConnect != nil {
			c.inCallback++
			func() {
				defer c.leaveCallback()
				c.onConnect(c, err)
			}()
		}
		c.free()
		return
	}
	conn.EnableTCPNoDelay()
	c.flags |= flagConnected
	if c.onConnect != nil {
		c.inCallback++
		func() {
			defer c.leaveCallback()
			c.onConnect(c, nil)
		}()
	}
	c.settle()
}

// readHandler is the loop's readable event (redisAeReadEvent calling
// redisAsyncHandleRead): one read, then the callbacks of every complete
// reply.
func readHandler(conn *connection.Conn) {
	c := conn.PrivateData().(*Context)
	if c.flags&flagFreed != 0 || c.flags&flagConnected == 0 {
		return
	}
	room := c.reader.space(minRead)
	n, err := conn.Read(room)
	if n > 0 {
		c.reader.buf = c.reader.buf[:len(c.reader.buf)+n]
	}
	switch {
	case err == connection.ErrWouldBlock:
		return
	case err == io.EOF:
		c.disconnect(ErrEOF)
		return
	case err != nil:
		c.disconnect(err)
		return
	}
	c.processCallbacks()
}

// writeHandler is the loop's writable event (redisAeWriteEvent calling
// redisAsyncHandleWrite): one write; once the output is drained the
// writable event is removed (redisAeDelWrite). Reading stays armed.
func writeHandler(conn *connection.Conn) {
	c := conn.PrivateData().(*Context)
	if c.flags&flagFreed != 0 {
		return
	}
	if c.osent < len(c.obuf) {
		n, err := conn.Write(c.obuf[c.osent:])
		if err != nil && err != connection.ErrWouldBlock {
			c.disconnect(err)
			return
		}
		c.osent += n
	}
	if c.osent == len(c.obuf) {
		if cap(c.obuf) > maxIdleBuf {
			c.obuf = nil
		} else {
			c.obuf = c.obuf[:0]
		}
		c.osent = 0
		c.flags &^= flagWriting
		conn.SetWriteHandler(nil)
	}
}

// armWrite installs the writable event if it is not (redisAeAddWrite,
// through _EL_ADD_WRITE).
func (c *Context) armWrite() {
	if c.flags&flagWriting == 0 {
		c.flags |= flagWriting
		c.conn.SetWriteHandler(writeHandler)
	}
}

// processCallbacks hands every complete reply read to its callback
// (redisProcessCallbacks).
func (c *Context) processCallbacks() {
	for {
		r, err := c.reader.GetReply()
		if err != nil {
			c.disconnect(err)
			return
		}
		if r == nil {
			// Out of replies: a Disconnect waiting for them completes.
			if c.flags&flagDisconnecting != 0 && c.Pending() == 0 {
				c.disconnect(nil)
			}
			return
		}
		var cb callback
		switch {
		case r.Type == TypePush:
			if !isSubscribeReply(r) {
				if c.onPush != nil {
					c.inCallback++
					func() {
						defer c.leaveCallback()
						c.onPush(c, r)
					}()
				}
				if !c.settle() {
					return
				}
				continue
			}
			cb = c.subscribeCallback(r)
		case c.replies.len() > 0:
			// Even subscribed, the commands sent before get their replies
			// before pub/sub messages come.
			cb, _ = c.replies.shift()
		case c.flags&flagSubscribed != 0:
			cb = c.subscribeCallback(r)
		case r.Type == TypeError:
			// An error nobody waits for comes before the server closes
			// (max clients, loading): keep it rather than the EOF.
			c.disconnect(&ServerError{Msg: string(r.Str)})
			return
		default:
			continue // nobody asked: ignore it
		}
		c.run(cb.fn, cb.priv, r)
		if c.flags&flagMonitoring != 0 && !c.Closed() {
			c.replies.push(cb)
		}
		if !c.settle() {
			return
		}
	}
}
