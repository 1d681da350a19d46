package mcproto

// processMeta dispatches the two-letter commands starting with 'm', as
// process_command_ascii does.
func (p *Parser) processMeta(req *Request, c byte, tok [][]byte, ntokens int) *Error {
	switch c {
	case 'g':
		req.Kind = KindMetaGet
		return p.processMetaGet(req, tok, ntokens)
	case 's':
		req.Kind = KindMetaSet
		return p.processMetaSet(req, tok, ntokens)
	case 'd':
		req.Kind = KindMetaDelete
		return p.processMetaDelete(req, tok, ntokens, KindMetaDelete)
	case 'a':
		req.Kind = KindMetaArithmetic
		return p.processMetaDelete(req, tok, ntokens, KindMetaArithmetic)
	case 'n':
		req.Kind = KindMetaNoop
		return nil
	case 'e':
		req.Kind = KindMetaDebug
		return p.processMetaDebug(req, tok, ntokens)
	}
	return ErrUnknownCommand
}

// processMetaGet is process_mget_command's checks, in its order.
func (p *Parser) processMetaGet(req *Request, tok [][]byte, ntokens int) *Error {
	if ntokens < 3 {
		return ErrUnknownCommand
	}
	if len(tok[1]) > KeyMaxLength {
		return ErrBadFormat
	}
	if ntokens > MaxMetaTokens {
		return ErrMetaGetFlagsTooLong
	}
	if e := p.metaFlagPreparse(req, tok, 2); e != nil {
		return e
	}
	return checkOpaque(&req.Meta)
}

// processMetaSet is process_mset_command's checks: ms <key> <bytes>
// <flags>*. Once the length is read, every refusal also swallows the data
// block.
func (p *Parser) processMetaSet(req *Request, tok [][]byte, ntokens int) *Error {
	if ntokens < 3 {
		return ErrUnknownCommand
	}
	if len(tok[1]) > KeyMaxLength || ntokens == 3 {
		return ErrBadFormat
	}
	if ntokens > MaxMetaTokens {
		return ErrMetaFlagsTooLong
	}
	vlen, ok := safeStrtol32(tok[2])
	if !ok || vlen < 0 || vlen > MaxBytes {
		return ErrBadFormat
	}
	req.Bytes = int(vlen)
	e := p.metaFlagPreparse(req, tok, 3)
	if e == nil {
		// memcached checks the opaque's length before the mode, but
		// reports a bad mode first.
		eo := checkOpaque(&req.Meta)
		switch req.Meta.Mode {
		case 0, 'E', 'A', 'P', 'R', 'S':
			e = eo
		default:
			e = ErrMetaSetMode
		}
	}
	if e != nil {
		p.swallow = int64(vlen) + 2
	}
	return e
}

// processMetaDelete holds the checks process_mdelete_command and
// process_marithmetic_command share: any flag error is reported as
// ErrMetaInvalidOrDuplicateFlag; ma then checks its mode.
func (p *Parser) processMetaDelete(req *Request, tok [][]byte, ntokens int, kind Kind) *Error {
	if ntokens < 3 {
		return ErrUnknownCommand
	}
	if len(tok[1]) > KeyMaxLength {
		return ErrBadFormat
	}
	if ntokens > MaxMetaTokens {
		return ErrMetaFlagsTooLong
	}
	if kind == KindMetaArithmetic {
		req.Meta.Delta = 1
	}
	if e := p.metaFlagPreparse(req, tok, 2); e != nil {
		return ErrMetaInvalidOrDuplicateFlag
	}
	if kind == KindMetaArithmetic {
		switch req.Meta.Mode {
		case 0, 'I', '+', 'D', '-':
		default:
			return ErrMetaArithmeticMode
		}
	}
	return checkOpaque(&req.Meta)
}

// processMetaDebug is process_meta_command's reading: me <key> [b]; the b
// must be the token right after the key, other tokens are ignored, and a
// key that does not decode is a format error.
func (p *Parser) processMetaDebug(req *Request, tok [][]byte, ntokens int) *Error {
	if ntokens < 3 || len(tok[1]) > KeyMaxLength {
		return ErrBadFormat
	}
	req.Meta.RawKey = tok[1]
	key := tok[1]
	if ntokens >= 4 && string(tok[2]) == "b" {
		n := base64Decode(p.s.keybuf[:], tok[1])
		if n == 0 {
			return ErrBadFormat
		}
		key = p.s.keybuf[:n:n]
		req.Meta.set |= 1 << ('b' - 'a')
	}
	p.setKey(req, key)
	return nil
}

// checkOpaque refuses an O token longer than MaxOpaqueLength. memcached
// checks it while it builds the reply; here it is checked up front (see
// the package doc).
func checkOpaque(m *Meta) *Error {
	if len(m.Opaque) > MaxOpaqueLength {
		return ErrMetaOpaqueTooLong
	}
	return nil
}

// metaFlagPreparse is _meta_flag_preparse: it reads the flags from
// tok[start:] into req.Meta, decodes a base64 key, and sets req.Key. An
// unknown or repeated flag stops it at once; a bad flag value is noted and
// the scan goes on, so that the last bad value's message is the one
// reported (a bad F keeps the default message).
func (p *Parser) metaFlagPreparse(req *Request, tok [][]byte, start int) *Error {
	m := &req.Meta
	m.RawKey = tok[1]
	key := tok[1]
	var failed *Error
	nf := 0
	for _, t := range tok[start:] {
		o := t[0]
		if o >= 127 {
			return ErrMetaDuplicateFlag
		}
		bit, isLetter := letterBit(o)
		if isLetter && m.set&bit != 0 {
			return ErrMetaDuplicateFlag
		}
		switch o {
		case 'b':
			n := base64Decode(p.s.keybuf[:], tok[1])
			if n == 0 {
				failed = ErrMetaDecodingKey
			}
			key = p.s.keybuf[:n:n]
		case 'N', 'T', 'R':
			v, ok := safeStrtolTrunc(t[1:])
			if !ok {
				failed = ErrMetaBadToken
			}
			switch o {
			case 'N':
				m.Vivify = v
			case 'T':
				m.TTL = v
			default:
				m.Recache = v
			}
		case 'F':
			v, ok := safeStrtoul(t[1:])
			if !ok && failed == nil {
				failed = ErrBadFormat
			}
			m.ClientFlags = v
		case 'C':
			v, ok := SafeStrtoull(t[1:])
			if !ok {
				failed = ErrMetaBadToken
			}
			m.CompareCAS = v
		case 'M':
			if len(t) != 2 {
				failed = ErrMetaMTokenLength
			} else {
				m.Mode = t[1]
			}
		case 'J':
			v, ok := SafeStrtoull(t[1:])
			if !ok {
				failed = ErrMetaInitial
			}
			m.Initial = v
		case 'D':
			v, ok := SafeStrtoull(t[1:])
			if !ok {
				failed = ErrMetaDelta
			}
			m.Delta = v
		case 'O':
			m.Opaque = t
		case 'P', 'L', 'I', 'k', 's', 't', 'c', 'f', 'v', 'h', 'u', 'q', 'l':
		default:
			return ErrMetaInvalidFlag
		}
		m.set |= bit
		p.s.flagv[nf] = Flag{Letter: o, Token: t}
		nf++
	}
	m.Flags = p.s.flagv[:nf:nf]
	p.setKey(req, key)
	return failed
}
