package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/testenv"
)

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
