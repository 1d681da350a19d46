package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/rueidis"
)

// Input: rueidis (Redis's own Go client) with its default options, which
// say HELLO 3 and turn on client side caching (CLIENT TRACKING ON OPTIN,
// then CLIENT CACHING YES + MULTI + PTTL + GET + EXEC per cached read);
// a cached GET, another client's SET of the key, the GET again. Expected:
// it connects; the second read is served from its cache; after the SET the
// invalidation push reaches it and the next read fetches the new value.
func TestRueidisDefaultOptions(t *testing.T) {
	s := newTestServer(t)
	addr := startServer(t, s)
	client, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{addr}})
	if err != nil {
		t.Fatalf("rueidis.NewClient with default options: %v", err)
	}
	defer client.Close()
	ctx := context.Background()
	if err := client.Do(ctx, client.B().Set().Key("k").Value("v1").Build()).Error(); err != nil {
		t.Fatalf("SET: %v", err)
	}
	get := func() (string, bool) {
		t.Helper()
		r := client.DoCache(ctx, client.B().Get().Key("k").Cache(), time.Minute)
		v, err := r.ToString()
		if err != nil {
			t.Fatalf("cached GET: %v", err)
		}
		return v, r.IsCacheHit()
	}
	if v, hit := get(); v != "v1" || hit {
		t.Fatalf("first cached GET = %q (hit %v), want v1 from the server", v, hit)
	}
	if v, hit := get(); v != "v1" || !hit {
		t.Fatalf("second cached GET = %q (hit %v), want v1 from the cache", v, hit)
	}
	other := dialRaw(t, addr)
	if got := other.do("SET", "k", "v2"); got != "+OK\r\n" {
		t.Fatalf("SET from another client: %q", got)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		v, hit := get()
		if v == "v2" && !hit {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after another client's SET the cached GET still says %q (hit %v): no invalidation", v, hit)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if list := other.do("CLIENT", "LIST"); !strings.Contains(list, " flags=t ") {
		t.Fatalf("no client is tracking (flags=t): rueidis did not turn caching on:\n%s", list)
	}
}
