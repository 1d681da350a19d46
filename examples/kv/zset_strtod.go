package main

import (
	"errors"
	"math"
	"strconv"

	"github.com/goae/goae/internal/resp"
)

// strtod reads a double from the start of b as C's strtod does in the C
// locale (glibc), which is how Redis reads sorted set scores and score
// ranges: leading white space, a sign, then a decimal number with an
// optional exponent, a hexadecimal one ("0x1.8p3", also without the
// exponent), "inf", "infinity" or "nan", all letters in either case. It
// returns the value, the number of bytes taken (0 when there is no number,
// as strtod's end pointer left at the start) and whether strtod would set
// ERANGE: the value overflowed to infinity or underflowed to zero.
// strconv.ParseFloat alone differs: it takes "1_0" forms and "Inf"
// variants in other places, and refuses "0x10", which strtod reads as 16.
func strtod(b []byte) (v float64, n int, erange bool) {
	i := 0
	for i < len(b) && cIsspace(b[i]) {
		i++
	}
	start := i
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	switch {
	case hasPrefixFold(b[i:], "inf"):
		n = i + 3
		if hasPrefixFold(b[n:], "inity") {
			n += 5
		}
		v = math.Inf(1)
		if neg {
			v = -v
		}
		return v, n, false
	case hasPrefixFold(b[i:], "nan"):
		n = i + 3
		if n < len(b) && b[n] == '(' {
			k := n + 1
			for k < len(b) && (cIsalnum(b[k]) || b[k] == '_') {
				k++
			}
			if k < len(b) && b[k] == ')' {
				n = k + 1
			}
		}
		return math.NaN(), n, false
	}
	if i+1 < len(b) && b[i] == '0' && (b[i+1]|0x20) == 'x' {
		if v, n, erange, ok := strtodHex(b, start, i+2); ok {
			return v, n, erange
		}
		// "0x" without hex digits: strtod reads the "0".
	}
	j, nonzero, digits := i, false, 0
	for ; j < len(b) && cIsdigit(b[j]); j++ {
		digits++
		nonzero = nonzero || b[j] != '0'
	}
	if j < len(b) && b[j] == '.' {
		j++
		for ; j < len(b) && cIsdigit(b[j]); j++ {
			digits++
			nonzero = nonzero || b[j] != '0'
		}
	}
	if digits == 0 {
		return 0, 0, false
	}
	j = skipExponent(b, j, 'e')
	return parsedFloat(b[start:j], nonzero, j)
}

// strtodHex reads the hexadecimal mantissa from position i on (after
// "0x") and the optional binary exponent; ok is false when there is no hex
// digit.
func strtodHex(b []byte, start, i int) (v float64, n int, erange, ok bool) {
	j, nonzero, digits := i, false, 0
	for ; j < len(b) && cIsxdigit(b[j]); j++ {
		digits++
		nonzero = nonzero || b[j] != '0'
	}
	if j < len(b) && b[j] == '.' {
		j++
		for ; j < len(b) && cIsxdigit(b[j]); j++ {
			digits++
			nonzero = nonzero || b[j] != '0'
		}
	}
	if digits == 0 {
		return 0, 0, false, false
	}
	if k := skipExponent(b, j, 'p'); k > j {
		v, n, erange = parsedFloat(b[start:k], nonzero, k)
		return v, n, erange, true
	}
	// Go wants the exponent: add "p0".
	var tmp [64]byte
	text := append(append(tmp[:0], b[start:j]...), 'p', '0')
	v, _, erange = parsedFloat(text, nonzero, j)
	return v, j, erange, true
}

// skipExponent returns the position after an exponent ('e' or 'p', a
// sign, digits) at j, or j when there is none.
func skipExponent(b []byte, j int, letter byte) int {
	if j >= len(b) || (b[j]|0x20) != letter {
		return j
	}
	k := j + 1
	if k < len(b) && (b[k] == '+' || b[k] == '-') {
		k++
	}
	if k >= len(b) || !cIsdigit(b[k]) {
		return j
	}
	for k < len(b) && cIsdigit(b[k]) {
		k++
	}
	return k
}

// parsedFloat converts a number strtod's grammar took; nonzero tells
// whether its mantissa had a digit other than 0, to see underflow.
func parsedFloat(text []byte, nonzero bool, n int) (float64, int, bool) {
	v, err := strconv.ParseFloat(string(text), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, 0, false // cannot happen: text follows the grammar
	}
	erange := err != nil || (v == 0 && nonzero)
	return v, n, erange
}

// cIsspace is C's isspace in the C locale.
func cIsspace(ch byte) bool {
	return ch == ' ' || (ch >= '\t' && ch <= '\r')
}

func cIsdigit(ch byte) bool { return '0' <= ch && ch <= '9' }

func cIsxdigit(ch byte) bool {
	return cIsdigit(ch) || ('a' <= ch|0x20 && ch|0x20 <= 'f')
}

func cIsalnum(ch byte) bool {
	return cIsdigit(ch) || ('a' <= ch|0x20 && ch|0x20 <= 'z')
}

// hasPrefixFold reports whether b starts with the lower-case ASCII word.
func hasPrefixFold(b []byte, word string) bool {
	return len(b) >= len(word) && resp.EqualFold(b[:len(word)], word)
}
