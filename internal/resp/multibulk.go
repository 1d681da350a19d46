package resp

// parseMultibulk follows Redis 7.0.15's processMultibulkBuffer: a
// "*<count>\r\n" line, then count arguments, each "$<len>\r\n" followed by
// len bytes and two more that Redis skips without looking at them.
func (p *Parser) parseMultibulk(buf []byte, argv [][]byte, lim *Limits) ([][]byte, int, error) {
	if p.multibulklen == 0 {
		// The count cannot be read without a "\r".
		nl := p.indexLine(buf, '\r')
		if nl < 0 {
			if len(buf)-p.pos > lim.inlineMaxSize() {
				return p.fail(ErrTooBigMbulkCount)
			}
			return nil, 0, nil
		}
		// The buffer should also hold the byte after the '\r'. Redis never
		// checks that this byte is '\n'; it just skips it.
		if nl > len(buf)-2 {
			return nil, 0, nil
		}
		ll, ok := ParseInt(buf[p.pos+1 : nl])
		if !ok || ll > lim.maxMultibulkLen() {
			return p.fail(ErrInvalidMultibulkLen)
		}
		if ll > UnauthMaxMultibulkLen && p.Unauthenticated {
			return p.fail(ErrUnauthMultibulkLen)
		}
		p.pos = nl + 2
		if ll <= 0 {
			// "*0", "*-1": an empty command, consumed.
			return p.complete(buf, argv)
		}
		p.multibulklen = int32(ll) // at most maxMultibulkLen, an int32
		// Unlike Redis, which allocates min(count, 1024) argv slots here,
		// nothing is sized by the announced count: spans grows with the
		// arguments that actually arrive.
	}

	for p.multibulklen > 0 {
		if !p.haveBulkLen {
			nl := p.indexLine(buf, '\r')
			if nl < 0 {
				if len(buf)-p.pos > lim.inlineMaxSize() {
					return p.fail(ErrTooBigBulkCount)
				}
				return nil, 0, nil
			}
			if nl > len(buf)-2 {
				return nil, 0, nil
			}
			if buf[p.pos] != '$' {
				return p.fail(expectedDollar(buf[p.pos]))
			}
			ll, ok := ParseInt(buf[p.pos+1 : nl])
			// Redis checks validity first and authentication second, so a
			// huge length is "invalid" even for an unauthenticated client.
			if !ok || ll < 0 || ll > lim.protoMaxBulkLen() {
				return p.fail(ErrInvalidBulkLen)
			}
			if ll > UnauthMaxBulkLen && p.Unauthenticated {
				return p.fail(ErrUnauthBulkLen)
			}
			p.pos = nl + 2
			p.bulklen = ll
			p.haveBulkLen = true
		}

		// The argument and the two bytes after it must all be here.
		if avail := int64(len(buf) - p.pos); avail < p.bulklen+2 {
			p.need = clampInt(p.bulklen + 2 - avail)
			return nil, 0, nil
		}
		n := int(p.bulklen)
		p.spans = append(p.spans, span{p.pos, n})
		p.pos += n + 2
		p.haveBulkLen = false
		p.multibulklen--
	}
	return p.complete(buf, argv)
}

// complete turns the spans of the finished command into argv (built in
// old's array) and readies
// the Parser for the next command.
func (p *Parser) complete(buf []byte, old [][]byte) ([][]byte, int, error) {
	argv := old[:0]
	for _, s := range p.spans {
		end := s.off + s.n
		argv = append(argv, buf[s.off:end:end])
	}
	clearTail(argv, old)
	n := p.pos
	p.resetCommand()
	return argv, n, nil
}

// clampInt converts a non-negative int64 to int, saturating where int is
// narrower.
func clampInt(v int64) int {
	if int64(int(v)) != v {
		return int(^uint(0) >> 1)
	}
	return int(v)
}
