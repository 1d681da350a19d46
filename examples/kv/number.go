package main

import (
	"github.com/goae/goae/internal/resp"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// intArg parses argument b or replies Redis's error and reports false
// (getLongLongFromObjectOrReply).
func intArg(c *client, b []byte) (int64, bool) {
	v, ok := resp.ParseInt(b)
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
