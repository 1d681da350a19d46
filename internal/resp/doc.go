// Package resp is goae's Redis protocol layer: a RESP2 request parser that
// behaves exactly like Redis 7.0.15's, and reply writers. It owns neither
// sockets nor buffers; servers feed it the bytes they read and append its
// replies to the buffers they write.
//
// # Requests
//
// A Parser splits a client's query stream into commands, one per call of
// Parse, keeping the state of a partly arrived command between calls. The
// size limits (Limits, one for the whole server) and the argument vector
// (one per client) are the caller's and passed to each call. The
// arguments are slices of the caller's buffer: a server that reuses its
// buffers parses a pipeline without allocating. As in Redis, a request whose
// first byte is '*' is multibulk ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"); anything
// else is inline ("GET k\r\n", split like redis-cli input). Malformed input
// yields a *ProtocolError carrying Redis's exact text; the server replies
// with it and closes the connection, as Redis does. A typical read handler:
//
//	for len(q) > 0 {
//		var n int
//		var err error
//		c.argv, n, err = c.parser.Parse(q, c.argv, &srv.limits)
//		if err != nil {
//			var pe *resp.ProtocolError
//			errors.As(err, &pe)
//			c.out = resp.AppendError(c.out, pe.Msg)
//			c.closeAfterReply = true
//			break
//		}
//		if n == 0 {
//			break // need more input; keep q and read again
//		}
//		q = q[n:]
//		if len(c.argv) > 0 {
//			c.exec(c.argv) // valid until q's bytes are reused
//		}
//	}
//
// # Replies
//
// The Append functions encode replies at the end of a []byte, allocating
// only when it lacks capacity; the constants (OK, NullBulk, ...) are
// complete, ready-made replies. ReadReply decodes a reply, for tests and
// small clients.
//
// # Redis counterparts
//
// Names on the left are from Redis 7.0.15 (src/networking.c, src/server.c,
// src/sds.c, src/util.c):
//
//	client reqtype, multibulklen, bulklen, qb_pos   Parser (unexported state)
//	processInputBuffer (choice of request type)     Parser.Parse
//	processInlineBuffer                             Parser.Parse, inline path
//	sdssplitargs                                    the inline argument splitter
//	processMultibulkBuffer                          Parser.Parse, multibulk path
//	resetClient                                     automatic after each command; Parser.Reset
//	string2ll                                       the strict integer parser
//	setProtocolError + addReplyError                *ProtocolError, AppendError
//	PROTO_INLINE_MAX_SIZE                           DefaultInlineMaxSize, Limits.InlineMaxSize
//	proto-max-bulk-len                              DefaultProtoMaxBulkLen, Limits.ProtoMaxBulkLen
//	authRequired limits (10 args, 16384 bytes)      Parser.Unauthenticated, UnauthMax*
//	addReplyStatus                                  AppendSimpleString
//	addReplyError, addReplyErrorFormat              AppendError
//	addReplyLongLong                                AppendInt
//	addReplyArrayLen                                AppendArrayLen
//	addReplyBulk, addReplyBulkCBuffer               AppendBulk, AppendBulkString
//	addReplyBulkLongLong                            AppendBulkInt
//	addReplyDouble (RESP2)                          AppendBulkDouble
//	addReplyNull, addReplyNullArray (RESP2)         AppendNullBulk, AppendNullArray
//	addReplyMapLen, addReplySetLen (RESP3)          AppendMapLen, AppendSetLen
//	addReplyPushLen, addReplyAttributeLen (RESP3)   AppendPushLen, AppendAttributeLen
//	addReplyNull, addReplyNullArray (RESP3)         AppendNull3
//	addReplyDouble, addReplyBool (RESP3)            AppendDouble, AppendBool
//	addReplyHumanLongDouble (RESP3)                 AppendDoubleText
//	addReplyBigNum, addReplyVerbatim (RESP3)        AppendBigNumber, AppendVerbatim
//	shared.ok, shared.pong, shared.czero, ...       OK, Pong, Zero, ... (constants)
//
// # Deliberate differences
//
// Redis reads an argument of PROTO_MBULK_BIG_ARG (32 KiB) or more straight
// into a buffer allocated for its announced length. Parse never allocates
// for an announced length, so that a client announcing "$500000000" and
// sending ten bytes costs nothing; instead Parser.Need tells the caller how
// much is still to come and the caller sizes its reads. Redis also lifts
// proto-max-bulk-len for its master link and handles a bare "\n" from a
// replica; a Parser has no notion of either (set Limits.ProtoMaxBulkLen for the
// first; the second is just an empty command).
//
// Quirks of Redis that are kept on purpose, because clients can observe
// them: the two bytes after a bulk argument and the byte after a '\r' that
// ends a "*" or "$" line are skipped unread; a NUL byte in a line that is
// still being searched hides its terminator, as strchr does in Redis, so the
// request ends with a "too big" error; "*-1" and "*0" are empty commands;
// and the size limits apply to the bytes pending when the terminator has not
// been seen, not to the length of a line that arrives whole.
package resp
