package glob

import (
	"strings"
	"testing"
	"time"
)

// Input: patterns and strings covering each branch of Redis's
// stringmatchlen, including the cases its test suite and CVE fixes deal
// with. Expected: Redis's answer for each.
func TestMatch(t *testing.T) {
	cases := []struct {
		pattern, s string
		nocase     bool
		want       bool
	}{
		{"", "", false, true},
		{"", "a", false, false},
		{"a", "", false, false},
		{"*", "", false, false}, // the loop needs a byte; KEYS special-cases "*"
		{"*", "anything", false, true},
		{"**", "x", false, true},
		{"a*", "a", false, true},
		{"a*", "abc", false, true},
		{"a*", "ba", false, false},
		{"*a", "bba", false, true},
		{"*a", "bab", false, false},
		{"a*b*c", "axxbyyc", false, true},
		{"a*b*c", "axxbyy", false, false},
		{"a*", "a", false, true},
		{"a**", "a", false, true},
		{"h?llo", "hello", false, true},
		{"h?llo", "hllo", false, false},
		{"?", "", false, false},
		{"h[ae]llo", "hallo", false, true},
		{"h[ae]llo", "hillo", false, false},
		{"h[^e]llo", "hallo", false, true},
		{"h[^e]llo", "hello", false, false},
		{"h[a-b]llo", "hbllo", false, true},
		{"h[a-b]llo", "hcllo", false, false},
		{"[z-a]", "m", false, true}, // reversed range
		// "a-]" is a range from 'a' down to ']' (the ']' is taken as its
		// end), and the set runs on to the end of the pattern.
		{"[a-]", "-", false, false},
		{"[a-]", "a", false, true},
		{"[a-]", "^", false, true},
		{"[-a]", "-", false, true},
		{"[]]", "]", false, false}, // an empty set, then a literal ']'
		{"[]]", "", false, false},
		{"[\\]]", "]", false, true},
		{"[\\-]", "-", false, true},
		{"[\\", "\\", false, true}, // unterminated: the set holds a '\'
		{"[abc", "b", false, true}, // unterminated set ends with the pattern
		{"[abc", "bc", false, false},
		{"[", "a", false, false},
		{"[^", "a", false, true},
		{"[^a", "b", false, true},
		{"\\*", "*", false, true},
		{"\\*", "a", false, false},
		{"\\?", "?", false, true},
		{"\\[a]", "[a]", false, true},
		{"a\\", "a\\", false, true}, // trailing '\' is a literal
		{"\\", "\\", false, true},
		{"HELLO", "hello", false, false},
		{"HELLO", "hello", true, true},
		{"h[A-Z]llo", "hello", true, true},
		{"h[A-Z]llo", "hello", false, false},
		{"[^E]", "e", true, false},
		{"*\xff", "a\xff", false, true},
		{"[\x80-\xff]", "\x90", false, true},
		// Signed chars: 'a' (97) to 0xff (-1) is the range -1..97, which
		// holds '0' but not 'b'.
		{"[a-\xff]", "b", false, false},
		{"[a-\xff]", "0", false, true},
		{"a*b", strings.Repeat("a", 100), false, false},
		{"*a*a*a*a*a*a*a*a*a*a*b", strings.Repeat("a", 100), false, false},
	}
	for _, tc := range cases {
		if got := Match([]byte(tc.pattern), tc.s, tc.nocase); got != tc.want {
			t.Errorf("Match(%q, %q, nocase=%v) = %v, want %v", tc.pattern, tc.s, tc.nocase, got, tc.want)
		}
	}
}

// Input: a pattern of many stars against a long string that fails at the
// end, the shape of CVE-2022-36021. Expected: an answer in well under a
// second (without skipLongerMatches this takes exponential time).
func TestMatchPathological(t *testing.T) {
	pattern := []byte(strings.Repeat("*a", 40) + "*b")
	s := strings.Repeat("a", 5000)
	start := time.Now()
	if Match(pattern, s, false) {
		t.Fatal("matched")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %v", d)
	}
	// Past the nesting limit the match fails, as in Redis.
	deep := []byte(strings.Repeat("*a", 1100))
	if Match(deep, strings.Repeat("a", 1100), false) {
		t.Fatal("a pattern nested past 1000 levels matched")
	}
}

// Input: matching with every kind of pattern element. Expected: no
// allocation.
func TestMatchNoAlloc(t *testing.T) {
	pattern := []byte("u*[a-z]?[^0-9]\\*x*")
	key := "user:1000:ab*xyz"
	allocs := testing.AllocsPerRun(100, func() {
		Match(pattern, key, true)
		Match(pattern, key, false)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per run", allocs)
	}
}
