package main

import (
	"fmt"
	"testing"

	"github.com/goae/goae/internal/resp"
)

// pubsubFixture makes n in-memory subscribers of "ch", half of them
// through the pattern "c*" when patterns is set, and a publisher.
func pubsubFixture(tb testing.TB, n int, patterns bool) (*server, *client, []*client) {
	s := newTestServer(tb)
	subs := make([]*client, n)
	for i := range subs {
		subs[i] = benchClient(s)
		if patterns && i%2 == 1 {
			feed(s, subs[i], resp.AppendCommand(nil, "PSUBSCRIBE", "c*"))
		} else {
			feed(s, subs[i], resp.AppendCommand(nil, "SUBSCRIBE", "ch"))
		}
	}
	return s, benchClient(s), subs
}

// Input: PUBLISH of a 16-byte message to 1, 100 and 1,000 in-memory
// subscribers (half by a pattern in the second case), in steady state.
// Expected: 0 allocations per PUBLISH: each message is appended to the
// subscribers' output buffers, as any reply is.
func TestPublishZeroAllocs(t *testing.T) {
	for _, n := range []int{1, 100, 1000} {
		for _, pat := range []bool{false, true} {
			s, pub, subs := pubsubFixture(t, n, pat)
			batch := resp.AppendCommand(nil, "PUBLISH", "ch", "0123456789abcdef")
			run := func() {
				for _, c := range subs {
					c.ResetOutput()
				}
				feed(s, pub, batch)
			}
			run()
			if want := fmt.Sprintf(":%d\r\n", n); string(pub.Out) != want {
				t.Fatalf("PUBLISH to %d = %q", n, pub.Out)
			}
			if a := testing.AllocsPerRun(200, run); a != 0 {
				t.Errorf("%d subscribers (patterns %v): %v allocs per PUBLISH", n, pat, a)
			}
			s.close()
		}
	}
}

// BenchmarkPublishFanout is one PUBLISH to N in-memory subscribers;
// ns/op divided by N is the cost of one delivered message.
func BenchmarkPublishFanout(b *testing.B) {
	for _, n := range []int{1, 100, 1000, 10000} {
		b.Run(fmt.Sprint("subs=", n), func(b *testing.B) {
			s, pub, subs := pubsubFixture(b, n, false)
			defer s.close()
			batch := resp.AppendCommand(nil, "PUBLISH", "ch", "0123456789abcdef")
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for _, c := range subs {
					c.ResetOutput()
				}
				feed(s, pub, batch)
			}
		})
	}
}
