// Package glob is Redis's glob-style pattern matching (stringmatchlen in
// util.c), shared by the servers that match keys, channels, config
// parameters and master names the way Redis does: KEYS, SCAN MATCH,
// PSUBSCRIBE, CONFIG GET, SENTINEL RESET.
package glob

// maxNesting bounds the recursion of '*' (Redis's protection against
// abusive patterns, CVE-2024-31228, which Debian backports to 7.0.15).
const maxNesting = 1000

// Match reports whether s matches the glob-style pattern, exactly as
// Redis's stringmatchlen (util.c): '*' any sequence, '?' any byte,
// "[...]" a set with "a-z" ranges (ends in either order) and a leading
// '^' for negation, '\' escaping the next byte; nocase folds ASCII letters.
// An unterminated '[' set ends at the end of the pattern. Like Redis it
// compares bytes as C's signed char, which matters only to ranges with an
// end at or above 0x80. It does not allocate.
//
// Note that "*" does not match the empty string (the loop needs a byte of
// input to start): KEYS and SCAN treat a lone "*" as "everything" before
// calling it, as Redis does.
func Match(pattern []byte, s string, nocase bool) bool {
	skipLonger := false
	return stringMatchImpl(pattern, s, nocase, &skipLonger, 0)
}

// cLower is tolower of the C locale on a (signed) char: only ASCII
// letters change.
func cLower(c int) int {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// schar is a byte as C's signed char on the platforms Redis runs on.
func schar(b byte) int { return int(int8(b)) }

// stringMatchImpl is stringmatchlen_impl. p and s shrink from the front as
// the C pointers advance; skipLonger is the flag that stops the
// exponential retry of earlier '*' once a later one has failed everywhere.
func stringMatchImpl(p []byte, s string, nocase bool, skipLonger *bool, nesting int) bool {
	if nesting > maxNesting {
		return false
	}
	for len(p) > 0 && len(s) > 0 {
		switch p[0] {
		case '*':
			for len(p) > 1 && p[1] == '*' {
				p = p[1:]
			}
			if len(p) == 1 {
				return true
			}
			for len(s) > 0 {
				if stringMatchImpl(p[1:], s, nocase, skipLonger, nesting+1) {
					return true
				}
				if *skipLonger {
					return false
				}
				s = s[1:]
			}
			// The rest of the pattern matched nowhere in the rest of the
			// string: a longer match for an earlier '*' cannot help.
			*skipLonger = true
			return false
		case '?':
			s = s[1:]
		case '[':
			p = p[1:]
			not := len(p) > 0 && p[0] == '^'
			if not {
				p = p[1:]
			}
			match := false
			for {
				if len(p) == 0 {
					// Unterminated set: it ends with the pattern. (C reads
					// the terminating NUL here, neither '\\' nor ']', and
					// steps back so that the advance below lands on it.)
					break
				}
				if p[0] == '\\' && len(p) >= 2 {
					p = p[1:]
					if p[0] == s[0] {
						match = true
					}
				} else if p[0] == ']' {
					break
				} else if len(p) >= 3 && p[1] == '-' {
					start, end, c := schar(p[0]), schar(p[2]), schar(s[0])
					if start > end {
						start, end = end, start
					}
					if nocase {
						start, end, c = cLower(start), cLower(end), cLower(c)
					}
					p = p[2:]
					if c >= start && c <= end {
						match = true
					}
				} else if !nocase {
					if p[0] == s[0] {
						match = true
					}
				} else if cLower(schar(p[0])) == cLower(schar(s[0])) {
					match = true
				}
				p = p[1:]
			}
			if not {
				match = !match
			}
			if !match {
				return false
			}
			s = s[1:]
		case '\\':
			if len(p) >= 2 {
				p = p[1:]
			}
			fallthrough
		default:
			if !nocase {
				if p[0] != s[0] {
					return false
				}
			} else if cLower(schar(p[0])) != cLower(schar(s[0])) {
				return false
			}
			s = s[1:]
		}
		// Step past the byte just matched (or the ']' closing a set; an
		// unterminated set left nothing to step past).
		if len(p) > 0 {
			p = p[1:]
		}
		if len(s) == 0 {
			for len(p) > 0 && p[0] == '*' {
				p = p[1:]
			}
			break
		}
	}
	return len(p) == 0 && len(s) == 0
}
