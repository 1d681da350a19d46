package resp

import (
	"math"
	"strconv"
)

// RESP3 encoders (Redis 6+'s reply types beyond RESP2). Like the RESP2
// Append functions they append one reply, or one aggregate header, to dst.
// A server that speaks both protocols picks per client: respserver's
// AddReply methods send the RESP2 form to a RESP2 client and these to a
// client that said HELLO 3, as Redis's addReply* functions look at c->resp.

// Null3 is RESP3's one null ("_\r\n"), which stands for both RESP2 nulls.
const Null3 = "_\r\n"

// AppendMapLen appends the RESP3 map header "%n\r\n" (addReplyMapLen); n
// key-value pairs follow it.
func AppendMapLen(dst []byte, n int) []byte { return appendPrefixed(dst, '%', int64(n)) }

// AppendSetLen appends the RESP3 set header "~n\r\n" (addReplySetLen).
func AppendSetLen(dst []byte, n int) []byte { return appendPrefixed(dst, '~', int64(n)) }

// AppendPushLen appends the RESP3 push header ">n\r\n" (addReplyPushLen),
// which frames out-of-band data: pub/sub messages and tracking
// invalidations.
func AppendPushLen(dst []byte, n int) []byte { return appendPrefixed(dst, '>', int64(n)) }

// AppendAttributeLen appends the RESP3 attribute header "|n\r\n"
// (addReplyAttributeLen); n pairs follow, then the reply they describe.
func AppendAttributeLen(dst []byte, n int) []byte { return appendPrefixed(dst, '|', int64(n)) }

// AppendNull3 appends RESP3's null "_\r\n".
func AppendNull3(dst []byte) []byte { return append(dst, Null3...) }

// AppendBool appends RESP3's "#t\r\n" or "#f\r\n" (addReplyBool for a RESP3
// client; RESP2 gets the integer 1 or 0).
func AppendBool(dst []byte, b bool) []byte {
	if b {
		return append(dst, "#t\r\n"...)
	}
	return append(dst, "#f\r\n"...)
}

// AppendDouble appends f as Redis 7.0's addReplyDouble does for a RESP3
// client: ",%.17g\r\n", with ",inf" and ",-inf" for infinities (and NaN as
// glibc prints it, which Redis never sends). AppendBulkDouble is the RESP2
// form.
func AppendDouble(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, ",inf\r\n"...)
	case math.IsInf(f, -1):
		return append(dst, ",-inf\r\n"...)
	case math.IsNaN(f):
		if math.Signbit(f) {
			return append(dst, ",-nan\r\n"...)
		}
		return append(dst, ",nan\r\n"...)
	}
	dst = append(dst, ',')
	dst = strconv.AppendFloat(dst, f, 'g', 17, 64)
	return append(dst, '\r', '\n')
}

// AppendDoubleText appends an already formatted number as a RESP3 double
// (",text\r\n"): addReplyHumanLongDouble's RESP3 form, for INCRBYFLOAT-like
// replies whose text the server computes itself.
func AppendDoubleText(dst []byte, text string) []byte {
	dst = append(dst, ',')
	dst = append(dst, text...)
	return append(dst, '\r', '\n')
}

// AppendBigNumber appends the RESP3 big number "(digits\r\n"
// (addReplyBigNum); RESP2 gets the digits as a bulk string.
func AppendBigNumber(dst []byte, digits string) []byte {
	dst = append(dst, '(')
	dst = append(dst, digits...)
	return append(dst, '\r', '\n')
}

// AppendVerbatim appends the RESP3 verbatim string "=len\r\next:s\r\n"
// (addReplyVerbatim), where ext is the three-letter format ("txt" or
// "mkd") and len counts ext and its colon. RESP2 gets s as a bulk string.
func AppendVerbatim(dst []byte, s, ext string) []byte {
	dst = appendPrefixed(dst, '=', int64(len(s)+4))
	dst = append(dst, ext...)
	dst = append(dst, ':')
	dst = append(dst, s...)
	return append(dst, '\r', '\n')
}
