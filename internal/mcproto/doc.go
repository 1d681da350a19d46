// Package mcproto is goae's memcache protocol parser: the text protocol and
// the meta commands of memcached 1.6.18, read as memcached's proto_text.c
// reads them, for examples/memcache (a drop-in memcached) and the
// twemproxy-style proxy. It does no I/O and owns no buffer: a server feeds
// it the bytes it has read and gets requests back, with their keys as
// slices of its own buffer.
//
// # Requests
//
// A Parser splits one connection's input into requests, one per call of
// Parse, remembering how far it searched a line that has partly arrived.
// A typical read loop (memcached's conn_parse_cmd, conn_nread and
// conn_swallow):
//
//	for {
//		req, n, err := c.parser.Parse(c.rbuf)
//		if err != nil {
//			e := err.(*mcproto.Error)
//			if e.Close {
//				c.out = append(c.out, e.Reply...) // often empty: a silent close
//				c.closeAfterWrite()
//				return
//			}
//			if !req.NoReply {
//				c.out = append(c.out, e.Reply...)
//			}
//			c.rbuf = c.rbuf[n:]
//			continue
//		}
//		if n == 0 {
//			break // need more input
//		}
//		c.rbuf = c.rbuf[n:]
//		if req == nil {
//			continue // bytes of a refused data block, swallowed
//		}
//		if req.Kind.IsStorage() {
//			value, m, err := mcproto.Data(c.rbuf, req.Bytes)
//			// m == 0: the block is still to come; or, for a value too
//			// large: c.parser.Swallow(int64(req.Bytes) + 2) and reply
//			// mcproto.ErrTooLarge.
//			...
//		}
//		c.process(req)
//	}
//
// A storage command's line says how long its data block is (Request.Bytes,
// plus "\r\n"); Parse never reads the block, so a server can take it from
// its buffer with Data or read it straight into an item and check its end
// with CheckDataEnd. A client that announces 1 GB and sends ten bytes costs
// the parser nothing.
//
// Errors are *Error values holding memcached's reply line byte for byte.
// For the classic commands memcached lets noreply suppress every reply,
// errors included, once it has seen the noreply token; Request.NoReply says
// when that applies (the ERROR for a wrong token count comes before, and is
// always sent). Meta commands always send their errors; their q flag is in
// Request.Meta.
//
// # Keys, for a proxy
//
// Request.Keys lists every key in request order as slices of the input
// (duplicates kept), Request.Kind says which command it is, and
// Kind.IsRetrieval marks the get/gets/gat/gats lines a proxy splits by
// server; Request.Line is the line as received. Keys are never copied or
// rewritten: a base64 meta key (the b flag) is decoded into the Parser's own
// buffer and the input stays as it was.
//
// # Memory
//
// An idle Parser is five words. Its working storage (the Request, the token
// and key lists, about 2 KB) is taken from a pool shared by all Parsers on
// the first Parse and given back by Release, which a server calls when a
// connection goes idle, as memcached gives its read buffer back; the key
// list grows to the largest multi-get seen, and only lists of up to 256
// keys go back to the pool. Parsing allocates nothing else: no request, key
// or argument is copied.
//
// # memcached counterparts
//
// Names on the left are from memcached 1.6.18 (proto_text.c, memcached.c,
// util.c, base64.c):
//
//	try_read_command_ascii                 Parser.Parse (line search, the 2048 rule)
//	process_command_ascii                  processCommand (dispatch by first byte, then name)
//	tokenize_command, MAX_TOKENS           Parser.tokenize, MaxTokens
//	set_noreply_maybe                      setNoreplyMaybe, Request.NoReply
//	process_update_command                 processUpdate (set/add/replace/append/prepend/cas)
//	process_get_command                    processGet (get/gets/gat/gats/bget)
//	process_arithmetic_command             processArithmetic (incr/decr)
//	process_delete_command                 processDelete
//	process_touch_command                  processTouch
//	process_flush_all_command              processFlushAll
//	process_verbosity_command              processVerbosity
//	process_memlimit_command               processMemlimit
//	process_stat, process_shutdown_command,
//	  process_slabs_command, ...           Request.Args (the server's to answer)
//	process_mget_command                   processMetaGet
//	process_mset_command                   processMetaSet
//	process_mdelete_command                processMetaDelete
//	process_marithmetic_command            processMetaDelete (its shared checks) and the ma mode
//	process_meta_command (me)              processMetaDebug
//	_meta_flag_preparse, struct _meta_flags  metaFlagPreparse, Meta
//	complete_nread_ascii ("\r\n" check)    Data, CheckDataEnd
//	conn_swallow, c->sbytes                Parser.Swallow, Parser.Swallowing
//	safe_strtoul, safe_strtol, safe_strtoull  safeStrtoul, safeStrtol32 / safeStrtolTrunc, SafeStrtoull
//	base64_decode                          base64Decode
//	KEY_MAX_LENGTH                         KeyMaxLength
//	MFLAG_MAX_OPT_LENGTH, MFLAG_MAX_OPAQUE_LENGTH  MaxMetaTokens, MaxOpaqueLength
//	out_string(c, "...") texts             the Err* values
//
// # Behaviour kept from memcached
//
// Tokens are split on spaces only: a tab or any other byte is part of a key.
// A line ends at "\n", with one "\r" before it dropped (not from a line of
// one byte); a NUL byte ends the line early. Only 23 tokens are split, so a
// command with more is an ERROR, and the HTTP check (an unknown command
// whose last split token starts with "HTTP/": silent close) looks at the
// 23rd token of a longer line; the retrieval commands read all their keys.
// Numbers are read as the C library's strtol family reads them: leading
// white space, a sign, and trailing white space followed by anything ("5\tz"
// is 5, "-0" is 0). Exptimes are read into 32 bits as memcached does
// (4294967297 is 1). With more than DefaultMaxLineLength (2048) bytes pending and
// no "\n", a line that is not a get or gets closes the connection without a
// reply; like memcached, that depends on how much has arrived, so a longer
// line that arrives whole is read. A refused command line never swallows the
// data that follows it (the value is then read as a command), except an ms
// refused after its length was read, whose block Parse swallows itself.
//
// # Deliberate differences
//
//   - A get or gets line is bounded: one longer than MaxGetLineLength
//     (default 1 MiB), pending or whole, fails with ErrGetLineTooLong, which
//     replies "CLIENT_ERROR line too long" and closes. memcached grows its
//     buffer for such lines without limit (memcached#1046, #895).
//   - Flags and byte counts that do not fit 32 bits are refused with
//     "CLIENT_ERROR bad command line format" (ms's F flag too). memcached
//     reads them as 64-bit numbers and truncates them silently: flags
//     4294967296 stores 0, a byte count of 4294967296 reads an empty value.
//   - memcached finds some errors while it runs the command, after part of
//     its work is done: a get with a key over 250 bytes has looked up the
//     keys before it (and drops the replies queued before it), mg and ma
//     check the O token's length while building the reply, after touching
//     or changing the item. Here every such refusal comes from Parse, before
//     the server does anything.
package mcproto
