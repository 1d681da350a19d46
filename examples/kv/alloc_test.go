package main

import (
	"fmt"
	"testing"

	"github.com/goae/goae/internal/resp"
)

// feed runs one pipelined batch through the same path a read event takes
// (parse, lookup, arity, call, reply), without the socket.
func feed(s *server, c *client, batch []byte) {
	c.ResetOutput()
	s.rs.Feed(c.Client, batch)
}

func benchClient(s *server) *client {
	c := s.newExecClient().c
	c.Out = make([]byte, 0, 64*1024)
	return c
}

// Input: steady-state GET of an existing key, GET of a missing key, SET
// overwriting a key with a value of the same size, INCR, and PING, each as
// a multibulk request through processInputBuffer. Expected: zero
// allocations per command (the value of a new key is the only allocation
// SET makes, and these overwrite).
func TestZeroAllocsCommandPath(t *testing.T) {
	s := newTestServer(t)
	t.Cleanup(s.close)
	s.exec("SET", "key", "value-0001")
	s.exec("SET", "counter", "1")
	c := benchClient(s)
	for _, tc := range []struct {
		name  string
		batch []byte
		reply string
	}{
		{"GET", resp.AppendCommand(nil, "GET", "key"), "$10\r\nvalue-0001\r\n"},
		{"GET missing", resp.AppendCommand(nil, "GET", "nokey"), "$-1\r\n"},
		{"SET overwrite", resp.AppendCommand(nil, "SET", "key", "value-0002"), "+OK\r\n"},
		{"INCR", resp.AppendCommand(nil, "INCR", "counter"), ""},
		{"PING inline", []byte("PING\r\n"), "+PONG\r\n"},
	} {
		feed(s, c, tc.batch)
		if tc.reply != "" && string(c.Out) != tc.reply {
			t.Fatalf("%s replied %q, want %q", tc.name, c.Out, tc.reply)
		}
		if n := testing.AllocsPerRun(1000, func() { feed(s, c, tc.batch) }); n != 0 {
			t.Errorf("%s: %v allocs per command", tc.name, n)
		}
	}
}

// BenchmarkCommandPath measures one command through parse, dispatch and
// reply (no socket), with -benchmem showing the allocations.
func BenchmarkCommandPath(b *testing.B) {
	s := newTestServer(b)
	defer s.close()
	s.exec("SET", "key:000042", "xxx")
	s.exec("SET", "counter", "1")
	for _, bc := range []struct {
		name  string
		batch []byte
	}{
		{"GET", resp.AppendCommand(nil, "GET", "key:000042")},
		{"SET", resp.AppendCommand(nil, "SET", "key:000042", "xxx")},
		{"INCR", resp.AppendCommand(nil, "INCR", "counter")},
		{"PING", resp.AppendCommand(nil, "PING")},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c := benchClient(s)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				feed(s, c, bc.batch)
			}
		})
	}
}

// BenchmarkGetKeyspace runs GET over a keyspace of 100,000 keys (redis-benchmark -r 100000) named
// as redis-benchmark -r names them ("key:" and 12 digits) with 3-byte
// values, in a fixed pseudo-random order: unlike BenchmarkCommandPath,
// whose one key stays in the cache, this measures the cache misses of
// the key lookup, most of GET's cost under redis-benchmark.
func BenchmarkGetKeyspace(b *testing.B) {
	const keys = 100_000
	s := newTestServer(b)
	defer s.close()
	name := func(i int) string { return fmt.Sprintf("key:%012d", i) }
	for i := 0; i < keys; i++ {
		s.setKey([]byte(name(i)), []byte("xxx"), false)
	}
	const batches = 4096
	cmds := make([][]byte, batches)
	x := uint32(2463534242)
	for i := range cmds {
		for j := 0; j < 16; j++ { // 16 pipelined GETs, as -P 16
			x ^= x << 13
			x ^= x >> 17
			x ^= x << 5
			cmds[i] = resp.AppendCommand(cmds[i], "GET", name(int(x%keys)))
		}
	}
	c := benchClient(s)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		feed(s, c, cmds[i%batches])
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*16), "ns/GET")
}
