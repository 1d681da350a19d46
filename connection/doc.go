// Package connection is a Go port of Redis 7.0's connection layer
// (connection.h, connection.c, connhelpers.h), the part between the ae
// event loop and a server: a Conn per socket, with its state, its read,
// write and connect handlers, and a Close that is safe from inside them;
// plus what every server on goae otherwise writes by hand, once: the
// bounded accept with a back-off on fd exhaustion, non-blocking connects
// by address or by name, buffered output written before the loop sleeps,
// and several loops sharing a port.
//
// A server looks like this (see the examples):
//
//	el, _ := ae.New(10128)
//	q := connection.NewWriteQueue(el)
//	el.SetBeforeSleepProc(func(*ae.EventLoop) { q.BeforeSleep() })
//	connection.Listen(el, "tcp", "127.0.0.1:7000", connection.ListenConfig{},
//		func(c *connection.Conn, ip string, port int) {
//			c.SetWriteQueue(q)
//			c.SetReadHandler(onRead)
//			c.Accept(nil)
//		})
//	el.Main()
//
// where onRead calls c.Read once, as Redis's readQueryFromClient does,
// and c.Append to reply.
//
// # From connection.h to goae
//
//	Redis 7.0                              goae
//	connection                             *connection.Conn
//	ConnectionState CONN_STATE_*           connection.State, StateNone ... StateError
//	ConnectionCallbackFunc                 connection.Handler
//	connCreateSocket                       NewSocket(el)
//	connCreateAcceptedSocket(fd)           NewAcceptedSocket(el, fd)
//	connConnect(conn, addr, port, src, h)  c.Connect(host, port, ConnectOptions{Source, Timeout}, h)
//	(6.2 unix connect)                     c.ConnectUnix(path, h)
//	connAccept(conn, h)                    c.Accept(h)
//	connRead, connWrite, connWritev        c.Read, c.Write, c.Writev
//	(memcached's sendmsg of many iovecs)   c.WritevWith(bufs, &iovecs)
//	connSetReadHandler                     c.SetReadHandler
//	connSetWriteHandler(WithBarrier)       c.SetWriteHandler, c.SetWriteHandlerWithBarrier
//	connHasReadHandler, connHasWriteHandler c.HasReadHandler, c.HasWriteHandler
//	connClose                              c.Close
//	(memcached's dispatch_conn_new)        c.Detach: the fd, open, for a Conn on another loop
//	connGetState, connGetLastError         c.State, c.LastError
//	connGetPrivateData, connSetPrivateData c.PrivateData, c.SetPrivateData
//	connGetFd (conn->fd)                   c.FD
//	connBlock, connNonBlock                c.Block, c.NonBlock
//	connEnableTcpNoDelay, connDisable...   c.EnableTCPNoDelay, c.DisableTCPNoDelay
//	connKeepAlive                          c.KeepAlive
//	connSendTimeout, connRecvTimeout       c.SendTimeout, c.RecvTimeout (time.Duration)
//	connSyncWrite, connSyncRead, ...Line   c.SyncWrite, c.SyncRead, c.SyncReadLine (time.Duration)
//	connFormatFdAddr (peer, sock)          c.PeerAddr, c.LocalAddr
//	connSocketEventHandler                 the one ae.FileProc of every socket Conn
//	callHandler, connIncrRefs/DecrRefs     internal: every handler call holds a reference
//	CONN_FLAG_CLOSE_SCHEDULED              Close inside a handler completes when it returns
//	CONN_FLAG_WRITE_BARRIER                SetWriteHandlerWithBarrier(h, true)
//	acceptTcpHandler, acceptUnixHandler    Listener (Listen, NewListener)
//	MAX_ACCEPTS_PER_CALL                   DefaultMaxAcceptsPerCall (1000)
//	tcp-backlog                            ListenConfig.Backlog (511)
//	clients_pending_write                  WriteQueue
//	handleClientsWithPendingWrites         (*WriteQueue).BeforeSleep
//	writeToClient, sendReplyToClient       c.Flush, the queue's writable handler
//	NET_MAX_WRITES_PER_EVENT               MaxWritesPerEvent (64 KiB)
//	PROTO_REPLY_CHUNK_BYTES                ChunkSize (16 KiB)
//	_addReplyToBufferOrList                c.Append, c.AppendString, c.AvailableBuffer
//	CLIENT_CLOSE_AFTER_REPLY               c.CloseAfterFlush
//	(io-threads, not ported)               Loops: N loops, one per thread, SO_REUSEPORT
//
// # Semantics kept from Redis
//
// The socket type registers one ae handler for both directions, so ae
// calls it once per iteration even when both fire: it completes a
// connect in progress first (SO_ERROR gives StateConnected or
// StateError, then the connect handler runs), then calls the read and
// write handlers, the write one first with the barrier. Each call holds
// a reference: Close from inside a handler closes the fd at once but the
// Conn stays valid until the outermost handler returns, and none of its
// other handlers run after it. Read returns io.EOF (StateClosed) when the
// peer closed, ErrWouldBlock when there is nothing now (StateConnected
// kept), and other errors with StateError and LastError set.
//
// # What goae adds
//
//   - Listener pauses for RetryAfter on EMFILE/ENFILE instead of spinning
//     (Redis logs and returns, and the level-triggered fd calls it again
//     at once); options before bind: SO_REUSEPORT, the backlog, dual-stack
//     IPv6.
//   - Connect takes names and resolves them on another goroutine, the
//     result posted back to the loop, and has a timeout; Redis resolves
//     with a blocking getaddrinfo on the loop and has none.
//   - WriteQueue.Limit bounds a connection's pending output, closing it
//     by default; Redis's client-output-buffer-limit classes are a
//     server's policy built on Pending (see internal/respserver).
//   - A Conn is never freed by the layer: Close drops its fd, handlers and
//     output, and the garbage collector does the rest.
package connection
