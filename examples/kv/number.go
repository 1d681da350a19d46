package main

import (
	"math"
	"math/big"
	"strconv"
	"strings"
)

// parseInt parses a whole argument as a signed 64-bit integer exactly as
// Redis's string2ll: an optional '-', digits, no spaces, no '+', no
// leading zeros except "0" itself, at most 20 bytes.
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	i, neg := 0, false
	if b[0] == '-' {
		neg, i = true, 1
		if len(b) == 1 {
			return 0, false
		}
	}
	if b[i] < '1' || b[i] > '9' {
		return 0, false
	}
	var v uint64
	for ; i < len(b); i++ {
		d := b[i] - '0'
		if d > 9 {
			return 0, false
		}
		if v > (math.MaxUint64-uint64(d))/10 {
			return 0, false
		}
		v = v*10 + uint64(d)
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// intArg parses argument b or replies Redis's error and reports false
// (getLongLongFromObjectOrReply).
func intArg(c *client, b []byte) (int64, bool) {
	v, ok := parseInt(b)
	if !ok {
		c.AddReplyError("value is not an integer or out of range")
	}
	return v, ok
}

// longDoublePrec is the mantissa of x87's long double, which Redis uses
// for INCRBYFLOAT and HINCRBYFLOAT.
const longDoublePrec = 64

// bigFloat converts b, already checked by parseLongDouble, to a long
// double's precision.
func bigFloat(b []byte) (*big.Float, bool) {
	s := string(b)
	if len(s) == 0 || len(s) > 5*1024 || s[0] == ' ' || s[0] == '\t' {
		return nil, false
	}
	switch strings.ToLower(strings.TrimLeft(s, "+-")) {
	case "inf", "infinity":
		f := new(big.Float).SetInf(s[0] == '-')
		return f, true
	case "nan":
		return nil, false
	}
	// strtold also takes hex floats; big.Float's parser takes both forms.
	f, _, err := big.ParseFloat(s, 0, longDoublePrec, big.ToNearestEven)
	if err != nil {
		return nil, false
	}
	return f, true
}

// formatLongDouble prints f as Redis's ld2string with LD_STR_HUMAN:
// "%.17Lf" without trailing zeros (and without a trailing point).
func formatLongDouble(f *big.Float) string {
	if f.IsInf() {
		if f.Sign() < 0 {
			return "-inf"
		}
		return "inf"
	}
	s := f.Text('f', 17)
	if strings.IndexByte(s, '.') >= 0 {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// appendInt appends the decimal form of v.
func appendInt(dst []byte, v int64) []byte { return strconv.AppendInt(dst, v, 10) }

// Bounds of x87's long double, as exponents of big.Float.MantExp.
const (
	longDoubleMaxExp = 16384 // the largest finite value is just below 2^16384
	// The smallest subnormal is 2^-16445; below half of it, 2^-16446
	// (MantExp -16445), a value rounds to zero.
	longDoubleMinExp = -16445
)

// parseLongDouble parses b as Redis's string2ld does: shorter than
// MAX_LONG_DOUBLE_CHARS (5 KiB), no leading space, the whole of it taken by
// strtold's grammar (the same as strtod's: see strtod), not NaN, and
// neither overflowing nor underflowing to zero. bigFloat does the
// conversion, but on its own it also takes Go-only forms ("1_000",
// "0b101", "0o17"), values past the range of a long double ("1e5000",
// "1e-5000") and a 5 KiB argument, all of which Redis refuses.
func parseLongDouble(b []byte) (*big.Float, bool) {
	if len(b) == 0 || len(b) >= 5*1024 || cIsspace(b[0]) {
		return nil, false
	}
	if v, n, _ := strtod(b); n != len(b) || math.IsNaN(v) {
		return nil, false
	}
	f, ok := bigFloat(b)
	if !ok {
		return nil, false
	}
	if !f.IsInf() && f.Sign() != 0 {
		if exp := f.MantExp(nil); exp > longDoubleMaxExp || exp < longDoubleMinExp {
			return nil, false
		}
	}
	return f, true
}
