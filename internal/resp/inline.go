package resp

import "bytes"

// parseInline follows Redis 7.0.15's processInlineBuffer: the request is the
// line up to '\n' (a '\r' before it is dropped), split into arguments the
// way sdssplitargs splits it. Redis's special case of a bare "\n" from a
// replica (it refreshes the replica's ACK time) is left out: the empty
// command it yields is all the parser reports.
func (p *Parser) parseInline(buf []byte, old [][]byte, lim *Limits) ([][]byte, int, error) {
	// An inline command is parsed in one go once its line is complete, so
	// p.pos stays 0 here; only the line search is resumable.
	nl := p.indexLine(buf, '\n')
	if nl < 0 {
		if len(buf) > lim.inlineMaxSize() {
			return p.fail(ErrTooBigInline)
		}
		return nil, 0, nil
	}
	end := nl
	if end > 0 && buf[end-1] == '\r' {
		end--
	}
	line := buf[:end]
	// Only quotes make sdssplitargs fail, and only quoted arguments are
	// rewritten; so a line with quotes is checked first, and a bad one is
	// left as it was.
	var argv [][]byte
	if !bytes.ContainsAny(line, `"'`) {
		argv = splitPlain(line, old[:0])
	} else {
		if _, ok := splitArgs(line, nil, true); !ok {
			return p.fail(ErrUnbalancedQuotes)
		}
		argv, _ = splitArgs(line, old[:0], false)
	}
	clearTail(argv, old)
	p.resetCommand()
	return argv, nl + 1, nil
}

// isSpace is C's isspace in the "C" locale, which is the one Redis uses for
// character classes.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func hexDigitValue(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// splitArgs splits line as Redis's sdssplitargs does and appends the
// arguments to argv. It reports false where sdssplitargs returns NULL: an
// unterminated quote, or a closing quote followed by anything but a space.
// With dryRun set it only reports that, writing nothing and appending
// nothing; the real run then takes the very same path, because every write
// lands at or before the byte being read.
//
// Its rules, which are Redis's and look odd in places:
//   - Arguments are separated by runs of isspace bytes (' ', \t, \n, \v, \f,
//     \r), but an unquoted argument ends only at ' ', \t, \n or \r, so a \v
//     or \f inside one is kept ("a\vb" is one argument).
//   - A quote may start in the middle of an argument: x"a b" is "xa b".
//   - In "double quotes": \xHH (two hex digits) is that byte; \n \r \t \b \a
//     are the control characters; a backslash before any other byte is that
//     byte.
//   - In 'single quotes' only \' is an escape.
//
// line holds no NUL byte (indexLine saw to that), so its end plays the part
// of sdssplitargs's terminating NUL. Each argument that contains quotes is
// unescaped in place, written from its own first byte on; the output never
// outruns the input, and unquoted arguments are not written at all.
func splitArgs(line []byte, argv [][]byte, dryRun bool) ([][]byte, bool) {
	n := len(line)
	i := 0
	for {
		for i < n && isSpace(line[i]) {
			i++
		}
		if i == n {
			return argv, true
		}
		start := i
		w := i // next output byte; w <= i always
		inq, insq := false, false
		for done := false; !done; {
			switch {
			case inq:
				if i == n {
					return argv, false // unterminated "
				}
				c := line[i]
				switch {
				case c == '\\' && i+3 < n && line[i+1] == 'x' &&
					isHexDigit(line[i+2]) && isHexDigit(line[i+3]):
					w = put(line, w, dryRun, hexDigitValue(line[i+2])<<4|hexDigitValue(line[i+3]))
					i += 3
				case c == '\\' && i+1 < n:
					i++
					switch c = line[i]; c {
					case 'n':
						c = '\n'
					case 'r':
						c = '\r'
					case 't':
						c = '\t'
					case 'b':
						c = '\b'
					case 'a':
						c = '\a'
					}
					w = put(line, w, dryRun, c)
				case c == '"':
					// The closing quote must be followed by a space or
					// nothing at all.
					if i+1 < n && !isSpace(line[i+1]) {
						return argv, false
					}
					done = true
				default:
					w = put(line, w, dryRun, c)
				}
			case insq:
				if i == n {
					return argv, false // unterminated '
				}
				c := line[i]
				switch {
				case c == '\\' && i+1 < n && line[i+1] == '\'':
					i++
					w = put(line, w, dryRun, '\'')
				case c == '\'':
					if i+1 < n && !isSpace(line[i+1]) {
						return argv, false
					}
					done = true
				default:
					w = put(line, w, dryRun, c)
				}
			default:
				if i == n {
					done = true
					break
				}
				switch c := line[i]; c {
				case ' ', '\n', '\r', '\t':
					done = true
				case '"':
					inq = true
				case '\'':
					insq = true
				default:
					w = put(line, w, dryRun, c)
				}
			}
			if i < n {
				i++
			}
		}
		if !dryRun {
			argv = append(argv, line[start:w:w])
		}
	}
}

// splitPlain is splitArgs for a line without quotes, the usual case, where
// there is nothing to unescape: runs of isspace bytes separate arguments,
// and an argument ends at ' ', '\t', '\n' or '\r' only.
func splitPlain(line []byte, argv [][]byte) [][]byte {
	n := len(line)
	i := 0
	for {
		for i < n && isSpace(line[i]) {
			i++
		}
		if i == n {
			return argv
		}
		start := i
		for i < n && !isSeparator(line[i]) {
			i++
		}
		argv = append(argv, line[start:i:i])
	}
}

// isSeparator reports whether c ends an unquoted argument in sdssplitargs.
func isSeparator(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

// put stores c at line[w] and returns w+1. It writes only a byte that
// changes, so the bytes of unquoted arguments are left untouched, and
// nothing in a dry run.
func put(line []byte, w int, dryRun bool, c byte) int {
	if !dryRun && line[w] != c {
		line[w] = c
	}
	return w + 1
}

// SplitArgs splits line into arguments as Redis's sdssplitargs does, for
// callers outside the inline parser: a config file line, a command-line
// option. It reads line as sdssplitargs reads its C string, up to the first
// NUL byte, and reports false where sdssplitargs returns NULL (an
// unterminated quote, or a closing quote followed by anything but a space).
// The arguments are copies; line is not modified.
func SplitArgs(line string) ([]string, bool) {
	b := []byte(line)
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	if _, ok := splitArgs(b, nil, true); !ok {
		return nil, false
	}
	argv, _ := splitArgs(b, nil, false)
	out := make([]string, len(argv))
	for i, a := range argv {
		out[i] = string(a)
	}
	return out, true
}

// Repr is sds.c's sdscatrepr, SplitArgs' inverse: s in double quotes,
// with \\ and \" escaped, \n \r \t \a \b as such, and every other byte
// that is not printable ASCII as \xHH. Config rewrites quote values with
// it.
func Repr(s string) string {
	b := make([]byte, 0, len(s)+2)
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', '"':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, `\n`...)
		case '\r':
			b = append(b, `\r`...)
		case '\t':
			b = append(b, `\t`...)
		case '\a':
			b = append(b, `\a`...)
		case '\b':
			b = append(b, `\b`...)
		default:
			if c >= 0x20 && c <= 0x7e {
				b = append(b, c)
			} else {
				const hex = "0123456789abcdef"
				b = append(b, '\\', 'x', hex[c>>4], hex[c&15])
			}
		}
	}
	return string(append(b, '"'))
}
