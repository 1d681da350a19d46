package mcproto

import (
	"bytes"
	"math"
)

// The number readers below are memcached's safe_strtol, safe_strtoul and
// safe_strtoull (util.c), which wrap the C library's strtol family. A token
// never holds a space (the tokenizer splits on spaces), but it may hold the
// other bytes C's isspace accepts, so those rules are copied exactly:
// leading white space (\t \n \v \f \r) is skipped, one '+' or '-' may come
// next, then at least one decimal digit; the digits must be followed by the
// end of the token or by a white-space byte, after which anything goes
// ("5\tjunk" reads as 5). A value beyond the 64-bit range fails (ERANGE).

// isCSpace is C's isspace in the "C" locale.
func isCSpace(c byte) bool {
	return c == ' ' || c >= '\t' && c <= '\r'
}

// strtou64 is strtoull with base 10: the magnitude and the sign it read,
// and false when there were no digits, the magnitude overflowed 64 bits,
// or the digits were not followed by the end or a white-space byte. As in
// C, a '-' negates the result modulo 2^64; the callers decide what a
// negative input means.
func strtou64(b []byte) (v uint64, neg, ok bool) {
	i := 0
	for i < len(b) && isCSpace(b[i]) {
		i++
	}
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	start := i
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		d := uint64(b[i] - '0')
		if v > (math.MaxUint64-d)/10 {
			// ERANGE; strtoull keeps consuming digits, but the
			// result is a failure either way.
			return 0, neg, false
		}
		v = v*10 + d
	}
	if i == start {
		return 0, neg, false // no digits: str == endptr
	}
	if i < len(b) && !isCSpace(b[i]) {
		return 0, neg, false // trailing garbage
	}
	return v, neg, true
}

// hasMinus is memcached's strchr(str, '-') over the token.
func hasMinus(b []byte) bool {
	for _, c := range b {
		if c == '-' {
			return true
		}
	}
	return false
}

// SafeStrtoull is memcached's safe_strtoull: a u64. A '-' is refused only
// when the wrapped result looks negative as a signed number, as in
// memcached ("-0" reads as 0). b is read as the C string memcached hands
// it, ending at its first NUL, so it serves both a protocol token and a
// stored value being incremented ("12\r\n", or "12\x00..." where
// strtoull stops at the NUL). examples/memcache's incr/decr calls it.
func SafeStrtoull(b []byte) (uint64, bool) {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	v, neg, ok := strtou64(b)
	if !ok {
		return 0, false
	}
	if neg {
		v = -v
	}
	if int64(v) < 0 && hasMinus(b) {
		return 0, false
	}
	return v, true
}

// safeStrtoul is safe_strtoul without its silent truncation: memcached
// parses an unsigned long (64 bits) and stores it in a uint32, so
// "4294967296" reads as 0. Here a value that does not fit 32 bits fails
// (a documented difference, see the package doc).
func safeStrtoul(b []byte) (uint32, bool) {
	v, ok := SafeStrtoull(b)
	if !ok || v > math.MaxUint32 {
		return 0, false
	}
	return uint32(v), true
}

// safeStrtoulTrunc is safe_strtoul exactly, truncation included, for the
// arguments where memcached's behaviour is kept (verbosity levels,
// cache_memlimit).
func safeStrtoulTrunc(b []byte) (uint32, bool) {
	v, ok := SafeStrtoull(b)
	return uint32(v), ok
}

// strtol64 is strtol with base 10 on a 64-bit long: it fails outside
// [-2^63, 2^63-1].
func strtol64(b []byte) (int64, bool) {
	v, neg, ok := strtou64(b)
	if !ok {
		return 0, false
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return int64(-v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// safeStrtolTrunc is safe_strtol exactly: a 64-bit strtol stored in an
// int32, so "4294967297" reads as 1. Used for exptimes, as memcached does.
func safeStrtolTrunc(b []byte) (int32, bool) {
	v, ok := strtol64(b)
	return int32(v), ok
}

// safeStrtol32 is safe_strtol without the truncation: a value outside
// int32 fails. Used for byte counts (a documented difference).
func safeStrtol32(b []byte) (int32, bool) {
	v, ok := strtol64(b)
	if !ok || v < math.MinInt32 || v > math.MaxInt32 {
		return 0, false
	}
	return int32(v), true
}
