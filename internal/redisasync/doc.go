// Package redisasync is an asynchronous Redis client on the goae event
// loop: hiredis's redisAsyncContext with its ae adapter (redisAeAttach),
// built on the connection package. The sentinel's links and the proxy's
// sentinel following use it.
//
// A context connects without blocking and takes commands at once; they
// are written once connected. Each command's callback gets its reply in
// the order sent, with the private data given with it:
//
//	c, err := redisasync.Connect(el, "127.0.0.1", 6379, redisasync.Options{Source: bindAddr})
//	c.SetConnectCallback(func(c *redisasync.Context, err error) { ... })
//	c.SetDisconnectCallback(func(c *redisasync.Context, err error) { ... })
//	c.CommandString(onInfo, link, "INFO")
//	c.CommandString(onHello, link, "SUBSCRIBE", "__sentinel__:hello")
//
// Everything runs on the loop's goroutine: the methods, and every
// callback. A reply given to a callback is valid until it returns.
//
// # From hiredis to redisasync
//
//	hiredis (async.h, adapters/ae.h, read.h)   redisasync
//	redisAsyncContext                          *Context
//	redisAsyncConnect(ip, port)                Connect(el, host, port, Options{})
//	redisAsyncConnectBind(ip, port, source)    Connect(el, host, port, Options{Source: source})
//	redisAsyncConnectWithOptions, connect_timeout  Options.Timeout
//	redisAsyncConnectUnix(path)                ConnectUnix(el, path, Options{})
//	redisAeAttach(loop, ac)                    the el argument of Connect
//	redisAeReadEvent, redisAsyncHandleRead     the Conn's read handler: one read, then the callbacks
//	redisAeWriteEvent, redisAsyncHandleWrite   the Conn's write handler: one write
//	redisAeAddRead / redisAeDelRead            read handler set at creation, kept until the end
//	redisAeAddWrite / redisAeDelWrite          write handler set by a command, removed once drained
//	redisAeCleanup                             Conn.Close when the context is freed
//	redisAsyncSetConnectCallback               (*Context).SetConnectCallback (status -> error)
//	redisAsyncSetDisconnectCallback            (*Context).SetDisconnectCallback (status -> error)
//	redisAsyncSetPushCallback                  (*Context).SetPushCallback
//	redisAsyncCommandArgv, redisAsyncCommand   (*Context).Command (args [][]byte), CommandString (args []string)
//	redisFormatCommandArgv                     the RESP array Command writes
//	redisAsyncDisconnect                       (*Context).Disconnect: after the pending replies
//	redisAsyncFree                             (*Context).Free: now, pending callbacks get nil
//	__redisAsyncHandleConnect(Failure)         the Conn's connect handler
//	redisProcessCallbacks                      processCallbacks, after each read
//	__redisGetSubscribeCallback                subscribeCallback
//	__redisAsyncFree                           free: nil replies, then the disconnect callback
//	REDIS_IN_CALLBACK                          Free and Disconnect inside a callback are deferred
//	REDIS_CONNECTED, REDIS_SUBSCRIBED          (*Context).Connected, Subscribed
//	REDIS_DISCONNECTING, REDIS_FREEING         (*Context).Closed
//	ac->replies (its length)                   (*Context).Pending
//	ac->err, ac->errstr                        (*Context).Err
//	ac->data                                   (*Context).Data, SetData
//	ac->c.obuf (its length)                    (*Context).OutputPending
//	REDIS_ERR_EOF                              ErrEOF
//	REDIS_ERR_PROTOCOL                         *ProtocolError
//	REDIS_ERR_IO                               the socket's error (a unix.Errno)
//	REDIS_ERR_OTHER (a spontaneous error)      *ServerError
//	REDIS_ERR_TIMEOUT                          an error matching unix.ETIMEDOUT
//	redisReply, REDIS_REPLY_*                  Reply, TypeString ... TypeVerb (same values)
//	redisReader, redisReaderCreate             Reader, NewReader (or a zero Reader)
//	redisReaderFeed, redisReaderGetReply       (*Reader).Feed, GetReply
//	reader->maxelements                        Reader.MaxArrayLen, Options.MaxArrayLen
//
// # Semantics kept from hiredis
//
//   - Commands sent while connecting are buffered and written once
//     connected; the connect completes on the first writable event
//     (SO_ERROR checked), TCP_NODELAY is set, then the connect callback
//     runs, then the output is written.
//   - The writable event is installed only while output waits, and
//     removed once it is written; the readable one stays installed.
//   - Replies go to callbacks first in, first out. An error reply no
//     callback waits for (Redis past maxclients, before closing)
//     disconnects the context with a *ServerError rather than the EOF
//     that follows; any other such reply is dropped.
//   - Subscribed mode, as hiredis 1.2 keeps it: SUBSCRIBE, PSUBSCRIBE
//     and SSUBSCRIBE register the command's callback per channel or
//     pattern, which gets the confirmations and the messages; commands
//     sent while subscribed get their own replies (PING's ["pong", ""]
//     included); the context leaves subscribed mode on the confirmation
//     of the last unsubscribe, counting the subscribes and unsubscribes
//     not yet confirmed. MONITOR's callback gets every line that follows.
//   - On disconnect or free, each pending callback gets a nil reply, then
//     each subscription callback, then the disconnect callback runs once:
//     with nil after Disconnect or Free, else with the error. It runs
//     only for a context that connected: a failed connect goes to the
//     connect callback alone.
//   - Free and Disconnect from inside one of the context's callbacks take
//     effect when it returns: the context stays intact until then.
//
// # Differences
//
//   - Names are resolved off the loop, and Options.Timeout bounds the
//     whole connect (the connection package's Connect).
//   - Reader limits: a bulk longer than MaxBulkLen (512 MiB), a line
//     longer than MaxLineLen (64 KiB), nesting deeper than MaxDepth
//     (512) are protocol errors; hiredis buffers a line without end.
//     A bad or oversize reply disconnects with a *ProtocolError, never a
//     panic (hiredis asserts on some malformed pub/sub replies).
//   - RESP3 pushes that are pub/sub messages are routed to their
//     channel's callback whatever is pending; other pushes go to the
//     push callback. Attributes and streamed aggregates are not parsed.
//   - The steady path allocates nothing: a command and its reply reuse
//     the output buffer, the callback ring, the reader's buffer and
//     reply nodes; strings are not copied out of the read buffer.
package redisasync
