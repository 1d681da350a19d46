package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/testenv"
)

// Input: patterns and strings covering each branch of Redis's
// stringmatchlen, including the cases its test suite and CVE fixes deal
// with. Expected: Redis's answer for each.
func TestStringMatch(t *testing.T) {
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
		if got := stringMatch([]byte(tc.pattern), tc.s, tc.nocase); got != tc.want {
			t.Errorf("stringMatch(%q, %q, nocase=%v) = %v, want %v", tc.pattern, tc.s, tc.nocase, got, tc.want)
		}
	}
}

// Input: a pattern of many stars against a long string that fails at the
// end, the shape of CVE-2022-36021. Expected: an answer in well under a
// second (without skipLongerMatches this takes exponential time).
func TestStringMatchPathological(t *testing.T) {
	pattern := []byte(strings.Repeat("*a", 40) + "*b")
	s := strings.Repeat("a", 5000)
	start := time.Now()
	if stringMatch(pattern, s, false) {
		t.Fatal("matched")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %v", d)
	}
	// Past the nesting limit the match fails, as in Redis.
	deep := []byte(strings.Repeat("*a", 1100))
	if stringMatch(deep, strings.Repeat("a", 1100), false) {
		t.Fatal("a pattern nested past 1000 levels matched")
	}
}

// Input: matching with every kind of pattern element. Expected: no
// allocation.
func TestStringMatchNoAlloc(t *testing.T) {
	pattern := []byte("u*[a-z]?[^0-9]\\*x*")
	key := "user:1000:ab*xyz"
	allocs := testing.AllocsPerRun(100, func() {
		stringMatch(pattern, key, true)
		stringMatch(pattern, key, false)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per run", allocs)
	}
}

// Input: random keys and random patterns over an alphabet rich in glob
// syntax, the keys set on a real redis-server and matched there with
// KEYS. Expected: KEYS's answer is exactly the keys stringMatch accepts.
func TestStringMatchMatchesRedisKeys(t *testing.T) {
	port := testenv.StartRedis(t)
	r := dialRaw(t, fmt.Sprintf("127.0.0.1:%d", port))
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "ab-^]\\[*?A\xe9\xff"
	randStr := func(max int) string {
		n := rng.IntN(max + 1)
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(b)
	}
	keys := map[string]bool{}
	for len(keys) < 300 {
		k := randStr(5)
		if k == "" {
			continue
		}
		keys[k] = true
	}
	var args []string
	for k := range keys {
		args = append(args, k, "1")
	}
	if got := r.do(append([]string{"MSET"}, args...)...); got != resp.OK {
		t.Fatalf("MSET: %q", got)
	}
	for i := 0; i < 2000; i++ {
		pattern := randStr(6)
		if pattern == "*" {
			continue // KEYS's "all keys" shortcut
		}
		var want []string
		for k := range keys {
			if stringMatch([]byte(pattern), k, false) {
				want = append(want, k)
			}
		}
		slices.Sort(want)
		got := mustBulks(t, r.do("KEYS", pattern))
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("KEYS %q: redis %q, stringMatch %q", pattern, got, want)
		}
	}

	// The nesting limit: Debian's 7.0.15 has the CVE-2024-31228 fix.
	long := strings.Repeat("a", 1100)
	r.do("SET", long, "1")
	for _, n := range []int{900, 1100} {
		pattern := strings.Repeat("*a", n)
		got := slices.Contains(mustBulks(t, r.do("KEYS", pattern)), long)
		if want := stringMatch([]byte(pattern), long, false); got != want {
			t.Errorf("%d stars: redis matched=%v, stringMatch %v", n, got, want)
		}
	}
}

// mustReply decodes one whole raw reply.
func mustReply(t testing.TB, raw string) resp.Reply {
	t.Helper()
	r, n, err := resp.ReadReply([]byte(raw))
	if err != nil || n != len(raw) {
		t.Fatalf("bad reply %q: n=%d err=%v", raw, n, err)
	}
	return r
}

// mustBulks returns the elements of an array reply of bulk strings.
func mustBulks(t testing.TB, raw string) []string {
	t.Helper()
	r := mustReply(t, raw)
	if r.Type != '*' {
		t.Fatalf("not an array: %q", raw)
	}
	out := make([]string, 0, len(r.Array))
	for _, e := range r.Array {
		if e.Type != '$' {
			t.Fatalf("element not a bulk string in %q", raw)
		}
		out = append(out, string(e.Str))
	}
	return out
}
