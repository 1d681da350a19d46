package main

import (
	"fmt"
	"testing"

	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/testenv"
)

var (
	blpopReq = resp.AppendCommand(nil, "BLPOP", "pp", "0")
	lpushReq = resp.AppendCommand(nil, "LPUSH", "pp", "job")
	lpopReq  = resp.AppendCommand(nil, "LPOP", "pp")
)

const blpopServed = "*2\r\n$2\r\npp\r\n$3\r\njob\r\n"

// pingPong is one BLPOP/LPUSH exchange between two in-memory clients, on
// the path a socket's read takes: the worker blocks, the producer's push
// serves it after the command, and the before-sleep step reprocesses it.
func pingPong(s *server, worker, producer *client) {
	worker.ResetOutput()
	producer.ResetOutput()
	s.rs.Feed(worker.Client, blpopReq)
	s.rs.Feed(producer.Client, lpushReq)
	s.blockedBeforeSleep()
}

// pushPop is the same element's trip without blocking: LPUSH then LPOP.
func pushPop(s *server, worker, producer *client) {
	worker.ResetOutput()
	producer.ResetOutput()
	s.rs.Feed(producer.Client, lpushReq)
	s.rs.Feed(worker.Client, lpopReq)
}

// Input: BLPOP on an empty key served by another client's LPUSH, 1,000
// times. Expected: the worker gets its element each time, and blocking,
// waking and reprocessing it allocate nothing: the exchange allocates no
// more than LPUSH then LPOP of the same element (whose list, emptied,
// is made again by each push).
func TestBLPOPWakeAllocs(t *testing.T) {
	s := newTestServer(t)
	t.Cleanup(s.close)
	worker, producer := benchClient(s), benchClient(s)
	pingPong(s, worker, producer)
	if string(worker.Out) != blpopServed || string(producer.Out) != ":1\r\n" {
		t.Fatalf("worker got %q, producer %q", worker.Out, producer.Out)
	}
	blocking := testing.AllocsPerRun(1000, func() { pingPong(s, worker, producer) })
	plain := testing.AllocsPerRun(1000, func() { pushPop(s, worker, producer) })
	if blocking > plain {
		t.Errorf("BLPOP/LPUSH: %v allocs per exchange, LPUSH/LPOP %v: blocking allocates", blocking, plain)
	}
	if s.blocking.total != 0 || len(s.dbs[0].blockingKeys) != 0 {
		t.Fatalf("state left: %d blocked, %d keys", s.blocking.total, len(s.dbs[0].blockingKeys))
	}
}

// BenchmarkBLPOPPingPong measures a BLPOP served by an LPUSH (block,
// wake, serve, reprocess) without sockets; -benchmem shows the
// allocations per wake, all of them LPUSH's own (BenchmarkLPUSHLPOP).
func BenchmarkBLPOPPingPong(b *testing.B) {
	s := newTestServer(b)
	defer s.close()
	worker, producer := benchClient(s), benchClient(s)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		pingPong(s, worker, producer)
	}
}

// BenchmarkLPUSHLPOP is BenchmarkBLPOPPingPong's element trip without
// blocking, for comparison.
func BenchmarkLPUSHLPOP(b *testing.B) {
	s := newTestServer(b)
	defer s.close()
	worker, producer := benchClient(s), benchClient(s)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		pushPop(s, worker, producer)
	}
}

// BenchmarkBLPOPPingPongNet is a ping-pong over loopback sockets against
// kv and against redis-server 7.0 in one run, for their ratio: client A
// loops on BLPOP ping then LPUSH pong, client B on LPUSH ping then BLPOP
// pong, so each waits on the other's push; an op is one exchange (two
// pushes, two pops, mostly two wakes).
func BenchmarkBLPOPPingPongNet(b *testing.B) {
	kv := startServer(b, newTestServer(b))
	redis := fmt.Sprintf("127.0.0.1:%d", testenv.StartRedis(b))
	blpop := func(key string) string { return string(resp.AppendCommand(nil, "BLPOP", key, "0")) }
	lpush := func(key string) string { return string(resp.AppendCommand(nil, "LPUSH", key, "x")) }
	for _, srv := range []struct{ name, addr string }{{"kv", kv}, {"redis", redis}} {
		b.Run(srv.name, func(b *testing.B) {
			a, c := dialRaw(b, srv.addr), dialRaw(b, srv.addr)
			popPing, pushPong, pushPing, popPong := blpop("ping"), lpush("pong"), lpush("ping"), blpop("pong")
			done := make(chan struct{})
			b.ResetTimer()
			go func() {
				defer close(done)
				for range b.N {
					a.send(popPing)
					a.reply()
					a.send(pushPong)
					a.reply()
				}
			}()
			for range b.N {
				c.send(pushPing)
				c.reply()
				c.send(popPong)
				c.reply()
			}
			<-done
		})
	}
}
