package resp

import (
	"math"
	"strconv"
)

// The Append functions encode one RESP2 reply at the end of dst and return
// the extended slice, as strconv.AppendInt does. They allocate only when dst
// lacks the capacity, so a server that keeps one output buffer per client
// writes replies without allocating.

// AppendSimpleString appends the status reply "+s\r\n" (Redis's
// addReplyStatus). Any '\r' or '\n' in s becomes a space, as in Redis's
// addReplyStatusFormat, so s cannot break the framing.
func AppendSimpleString(dst []byte, s string) []byte {
	dst = append(dst, '+')
	dst = appendSanitized(dst, s)
	return append(dst, '\r', '\n')
}

// AppendError appends an error reply the way Redis's addReplyErrorFormat
// does: '\r' and '\n' at either end of msg are trimmed and those inside it
// become spaces; then, as in addReplyErrorLength, "-ERR " is put in front
// unless msg already starts with '-' (which lets a caller choose its own
// code, "-WRONGTYPE ..."). For example AppendError(dst, "Protocol error:
// invalid bulk length") appends "-ERR Protocol error: invalid bulk length\r\n".
func AppendError(dst []byte, msg string) []byte {
	for len(msg) > 0 && (msg[0] == '\r' || msg[0] == '\n') {
		msg = msg[1:]
	}
	for len(msg) > 0 && (msg[len(msg)-1] == '\r' || msg[len(msg)-1] == '\n') {
		msg = msg[:len(msg)-1]
	}
	if len(msg) == 0 || msg[0] != '-' {
		dst = append(dst, "-ERR "...)
	}
	dst = appendSanitized(dst, msg)
	return append(dst, '\r', '\n')
}

// appendSanitized appends s with every '\r' and '\n' turned into a space
// (sdsmapchars(s, "\r\n", "  ", 2) in Redis).
func appendSanitized(dst []byte, s string) []byte {
	start := len(dst)
	dst = append(dst, s...)
	for i := start; i < len(dst); i++ {
		if dst[i] == '\r' || dst[i] == '\n' {
			dst[i] = ' '
		}
	}
	return dst
}

// AppendInt appends the integer reply ":n\r\n" (addReplyLongLong).
func AppendInt(dst []byte, n int64) []byte {
	return appendPrefixed(dst, ':', n)
}

// AppendArrayLen appends the array header "*n\r\n" (addReplyArrayLen); the
// n elements follow it.
func AppendArrayLen(dst []byte, n int) []byte {
	return appendPrefixed(dst, '*', int64(n))
}

// AppendNullArray appends the RESP2 null array "*-1\r\n"
// (addReplyNullArray), which Redis sends for instance when BLPOP times out.
func AppendNullArray(dst []byte) []byte {
	return append(dst, NullArray...)
}

// AppendNullBulk appends the RESP2 null bulk string "$-1\r\n"
// (addReplyNull), the reply to GET of a missing key.
func AppendNullBulk(dst []byte) []byte {
	return append(dst, NullBulk...)
}

// AppendBulk appends b as the bulk string "$len\r\nb\r\n"
// (addReplyBulkCBuffer). A nil b is still an empty string, not a null
// reply: use AppendNullBulk for that.
func AppendBulk(dst, b []byte) []byte {
	dst = appendPrefixed(dst, '$', int64(len(b)))
	dst = append(dst, b...)
	return append(dst, '\r', '\n')
}

// AppendBulkString appends s as a bulk string, like AppendBulk
// (addReplyBulkCString for a non-NULL string).
func AppendBulkString(dst []byte, s string) []byte {
	dst = appendPrefixed(dst, '$', int64(len(s)))
	dst = append(dst, s...)
	return append(dst, '\r', '\n')
}

// AppendBulkInt appends the decimal form of n as a bulk string
// (addReplyBulkLongLong): a number that a command returns as a string
// rather than as an integer reply.
func AppendBulkInt(dst []byte, n int64) []byte {
	var tmp [20]byte // len("-9223372036854775808")
	return AppendBulk(dst, strconv.AppendInt(tmp[:0], n, 10))
}

// AppendBulkDouble appends f as Redis 7.0's addReplyDouble does for a RESP2
// client: a bulk string of C's "%.17g" (ZSCORE of 1.1 is
// "1.1000000000000001"), "inf" and "-inf" for infinities. NaN, which Redis
// never sends, is "nan" as glibc prints it.
//
// This is not INCRBYFLOAT's format: Redis computes INCRBYFLOAT in long double
// and prints it with "%.17Lf" minus trailing zeros (ld2string's
// LD_STR_HUMAN), so 0.1 + 0.2 is "0.3"; float64 cannot reproduce that, and
// the server that implements the command has to (math/big.Float with a
// 64-bit mantissa can), then send its text with AppendBulkString.
func AppendBulkDouble(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return AppendBulkString(dst, "inf")
	case math.IsInf(f, -1):
		return AppendBulkString(dst, "-inf")
	case math.IsNaN(f):
		if math.Signbit(f) {
			return AppendBulkString(dst, "-nan")
		}
		return AppendBulkString(dst, "nan")
	}
	// Go's 'g' with precision 17 matches C's "%.17g": the exponent form
	// below 1e-4 and from 1e17 on, trailing zeros removed, an exponent of at
	// least two digits. The longest result is 24 bytes.
	var tmp [32]byte
	return AppendBulk(dst, strconv.AppendFloat(tmp[:0], f, 'g', 17, 64))
}

// AppendCommand appends args as a request, an array of bulk strings: what a
// client sends and what Parse reads.
func AppendCommand(dst []byte, args ...string) []byte {
	dst = AppendArrayLen(dst, len(args))
	for _, a := range args {
		dst = AppendBulkString(dst, a)
	}
	return dst
}

// appendPrefixed appends prefix, n in decimal and CRLF: Redis's
// _addReplyLongLongWithPrefix.
func appendPrefixed(dst []byte, prefix byte, n int64) []byte {
	dst = append(dst, prefix)
	dst = strconv.AppendInt(dst, n, 10)
	return append(dst, '\r', '\n')
}
