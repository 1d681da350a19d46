package mcproto

import "bytes"

// processCommand is process_command_ascii as far as the parser goes: it
// tokenizes line, picks the command as memcached does (by first byte, then
// by name) and checks its tokens, filling req. It returns the error
// memcached would reply with, or nil for a request the server must run.
func (p *Parser) processCommand(req *Request, line []byte) *Error {
	line = cutNUL(line)
	n, rest := p.tokenize(line)
	ntokens := n + 1 // memcached's count includes its terminal token
	// No command is shorter than two bytes.
	if n == 0 || len(p.s.toks[0]) < 2 {
		return ErrUnknownCommand
	}
	tok := p.s.toks[:n]
	cmd := tok[0]
	first := cmd[0]
	switch {
	case first == 'm' && len(cmd) == 2:
		return p.processMeta(req, cmd[1], tok, ntokens)
	case first == 'g':
		if ntokens < 3 {
			return ErrUnknownCommand
		}
		switch string(cmd) {
		case "get":
			req.Kind = KindGet
		case "gets":
			req.Kind = KindGets
		case "gat":
			req.Kind = KindGat
		case "gats":
			req.Kind = KindGats
		default:
			return ErrUnknownCommand
		}
		return p.processGet(req, tok, rest)
	case first == 's':
		switch string(cmd) {
		case "set":
			req.Kind = KindSet
			return p.processUpdate(req, tok, ntokens)
		case "stats":
			req.Kind = KindStats
		case "shutdown":
			req.Kind = KindShutdown
		case "slabs":
			req.Kind = KindSlabs
		default:
			return ErrUnknownCommand
		}
		req.Args = tok[1:]
		return nil
	case first == 'a':
		switch string(cmd) {
		case "add":
			req.Kind = KindAdd
		case "append":
			req.Kind = KindAppend
		default:
			return ErrUnknownCommand
		}
		return p.processUpdate(req, tok, ntokens)
	case first == 'c':
		switch string(cmd) {
		case "cas":
			req.Kind = KindCas
			return p.processUpdate(req, tok, ntokens)
		case "cache_memlimit":
			req.Kind = KindCacheMemlimit
			return p.processMemlimit(req, tok, ntokens)
		}
		return ErrUnknownCommand
	case first == 'i':
		if string(cmd) == "incr" {
			req.Kind = KindIncr
			return p.processArithmetic(req, tok, ntokens)
		}
		return ErrUnknownCommand
	case first == 'd':
		switch string(cmd) {
		case "delete":
			req.Kind = KindDelete
			return p.processDelete(req, tok, ntokens)
		case "decr":
			req.Kind = KindDecr
			return p.processArithmetic(req, tok, ntokens)
		}
		return ErrUnknownCommand
	case first == 't':
		if string(cmd) == "touch" {
			req.Kind = KindTouch
			return p.processTouch(req, tok, ntokens)
		}
		return ErrUnknownCommand
	}
	switch string(cmd) {
	case "replace":
		req.Kind = KindReplace
		return p.processUpdate(req, tok, ntokens)
	case "prepend":
		req.Kind = KindPrepend
		return p.processUpdate(req, tok, ntokens)
	case "bget":
		if ntokens < 3 {
			return ErrUnknownCommand
		}
		req.Kind = KindGet
		return p.processGet(req, tok, rest)
	case "flush_all":
		req.Kind = KindFlushAll
		return p.processFlushAll(req, tok, ntokens)
	case "version":
		req.Kind = KindVersion
		return nil
	case "quit":
		req.Kind = KindQuit
		return nil
	case "verbosity":
		req.Kind = KindVerbosity
		return p.processVerbosity(req, tok, ntokens)
	case "lru_crawler":
		req.Kind = KindLRUCrawler
	case "watch":
		req.Kind = KindWatch
	case "refresh_certs":
		req.Kind = KindRefreshCerts
	case "lru", "extstore":
		if ntokens < 3 {
			return ErrUnknownCommand
		}
		req.Kind = KindLRU
		if cmd[0] == 'e' {
			req.Kind = KindExtstore
		}
	default:
		// A browser: the last token split is "HTTP/...".
		if bytes.HasPrefix(tok[n-1], []byte("HTTP/")) {
			return ErrHTTPRequest
		}
		return ErrUnknownCommand
	}
	req.Args = tok[1:]
	return nil
}

// setNoreplyMaybe is set_noreply_maybe: noreply counts when it is the last
// token split.
func setNoreplyMaybe(req *Request, tok [][]byte) bool {
	if string(tok[len(tok)-1]) == "noreply" {
		req.NoReply = true
	}
	return req.NoReply
}

// setKey makes key the request's only key.
func (p *Parser) setKey(req *Request, key []byte) {
	req.Key = key
	p.s.keys = append(p.s.keys[:0], key)
	req.Keys = p.s.keys
}

// processUpdate is process_update_command: set, add, replace, append,
// prepend (<key> <flags> <exptime> <bytes> [noreply]) and cas (... <cas>
// [noreply]).
func (p *Parser) processUpdate(req *Request, tok [][]byte, ntokens int) *Error {
	handleCas := req.Kind == KindCas
	if handleCas {
		if ntokens != 7 && ntokens != 8 {
			return ErrUnknownCommand
		}
	} else if ntokens != 6 && ntokens != 7 {
		return ErrUnknownCommand
	}
	setNoreplyMaybe(req, tok)
	if len(tok[1]) > KeyMaxLength {
		return ErrBadFormat
	}
	p.setKey(req, tok[1])
	flags, ok1 := safeStrtoul(tok[2])
	exptime, ok2 := safeStrtolTrunc(tok[3])
	vlen, ok3 := safeStrtol32(tok[4])
	if !ok1 || !ok2 || !ok3 {
		return ErrBadFormat
	}
	req.Flags, req.Exptime = flags, exptime
	if handleCas {
		cas, ok := SafeStrtoull(tok[5])
		if !ok {
			return ErrBadFormat
		}
		req.CAS = cas
	}
	if vlen < 0 || vlen > MaxBytes {
		return ErrBadFormat
	}
	req.Bytes = int(vlen)
	return nil
}

// processGet is process_get_command's reading of its tokens: gat and gats
// take an exptime first; then every token is a key, the ones past
// tokenize_command's limit included (memcached tokenizes the rest of the
// line batch by batch). Any key over KeyMaxLength refuses the whole line.
func (p *Parser) processGet(req *Request, tok [][]byte, rest []byte) *Error {
	keys := tok[1:]
	if req.Kind == KindGat || req.Kind == KindGats {
		exptime, ok := safeStrtolTrunc(tok[1])
		if !ok {
			return ErrInvalidExptime
		}
		req.Exptime = exptime
		keys = keys[1:]
	}
	ks := p.s.keys[:0]
	for _, k := range keys {
		if len(k) > KeyMaxLength {
			return ErrBadFormat
		}
		ks = append(ks, k)
	}
	for len(rest) > 0 {
		for len(rest) > 0 && rest[0] == ' ' {
			rest = rest[1:]
		}
		if len(rest) == 0 {
			break
		}
		j := bytes.IndexByte(rest, ' ')
		if j < 0 {
			j = len(rest)
		}
		if j > KeyMaxLength {
			p.s.keys = ks
			return ErrBadFormat
		}
		ks = append(ks, rest[:j:j])
		rest = rest[j:]
	}
	p.s.keys = ks
	req.Keys = ks
	if len(ks) > 0 {
		req.Key = ks[0]
	}
	return nil
}

// processDelete is process_delete_command: delete <key> [0] [noreply].
func (p *Parser) processDelete(req *Request, tok [][]byte, ntokens int) *Error {
	if ntokens < 3 || ntokens > 5 {
		return ErrUnknownCommand
	}
	if ntokens > 3 {
		holdIsZero := string(tok[2]) == "0"
		setsNoreply := setNoreplyMaybe(req, tok)
		valid := ntokens == 4 && (holdIsZero || setsNoreply) ||
			ntokens == 5 && holdIsZero && setsNoreply
		if !valid {
			return ErrDeleteUsage
		}
	}
	if len(tok[1]) > KeyMaxLength {
		return ErrBadFormat
	}
	p.setKey(req, tok[1])
	return nil
}

// processArithmetic is process_arithmetic_command: incr/decr <key>
// <delta> [noreply].
func (p *Parser) processArithmetic(req *Request, tok [][]byte, ntokens int) *Error {
	if ntokens != 4 && ntokens != 5 {
		return ErrUnknownCommand
	}
	setNoreplyMaybe(req, tok)
	if len(tok[1]) > KeyMaxLength {
		return ErrBadFormat
	}
	p.setKey(req, tok[1])
	delta, ok := SafeStrtoull(tok[2])
	if !ok {
		return ErrInvalidDelta
	}
	req.Delta = delta
	return nil
}

// processTouch is process_touch_command: touch <key> <exptime> [noreply].
func (p *Parser) processTouch(req *Request, tok [][]byte, ntokens int) *Error {
	if ntokens != 4 && ntokens != 5 {
		return ErrUnknownCommand
	}
	setNoreplyMaybe(req, tok)
	if len(tok[1]) > KeyMaxLength {
		return ErrBadFormat
	}
	p.setKey(req, tok[1])
	exptime, ok := safeStrtolTrunc(tok[2])
	if !ok {
		return ErrInvalidExptime
	}
	req.Exptime = exptime
	return nil
}

// processFlushAll is process_flush_all_command: flush_all [delay]
// [noreply].
func (p *Parser) processFlushAll(req *Request, tok [][]byte, ntokens int) *Error {
	if ntokens < 2 || ntokens > 4 {
		return ErrUnknownCommand
	}
	want := 2
	if setNoreplyMaybe(req, tok) {
		want = 3
	}
	if ntokens != want {
		exptime, ok := safeStrtolTrunc(tok[1])
		if !ok {
			return ErrInvalidExptime
		}
		req.Exptime = exptime
		req.HasDelay = true
	}
	return nil
}

// processVerbosity is process_verbosity_command: verbosity <level>
// [noreply]. The level is read as memcached reads it (truncated to 32
// bits); the server clamps it to 2.
func (p *Parser) processVerbosity(req *Request, tok [][]byte, ntokens int) *Error {
	if ntokens != 3 && ntokens != 4 {
		return ErrUnknownCommand
	}
	setNoreplyMaybe(req, tok)
	level, ok := safeStrtoulTrunc(tok[1])
	if !ok {
		return ErrBadFormat
	}
	req.Level = level
	return nil
}

// processMemlimit is process_memlimit_command's reading: cache_memlimit
// <megabytes> [noreply]; a non-numeric size is answered with ERROR (which
// noreply suppresses here).
func (p *Parser) processMemlimit(req *Request, tok [][]byte, ntokens int) *Error {
	if ntokens != 3 && ntokens != 4 {
		return ErrUnknownCommand
	}
	setNoreplyMaybe(req, tok)
	mb, ok := safeStrtoulTrunc(tok[1])
	if !ok {
		return ErrUnknownCommand
	}
	req.Level = mb
	return nil
}
