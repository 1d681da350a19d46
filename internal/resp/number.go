package resp

// ParseInt is Redis's string2ll: a strict decimal int64. It accepts what
// Redis accepts and nothing more: an optional '-', then either "0" alone or
// a digit 1-9 followed by digits; no '+', no spaces, no leading zeros, no
// "-0", and fewer than 21 bytes (LONG_STR_SIZE). Overflow fails.
func ParseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) >= 21 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := false
	if b[0] == '-' {
		neg = true
		b = b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	if b[0] < '1' || b[0] > '9' {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (1<<64-1)/10 {
			return 0, false
		}
		v *= 10
		if v > 1<<64-1-d {
			return 0, false
		}
		v += d
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true // -(1<<63) wraps to itself, which is right
	}
	if v > 1<<63-1 {
		return 0, false
	}
	return int64(v), true
}
