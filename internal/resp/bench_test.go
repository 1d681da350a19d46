package resp

import (
	"bytes"
	"testing"
)

// BenchmarkParsePipeline parses a buffer of 100 SET and 100 GET multibulk
// commands per iteration with one Parser; expect 0 allocs/op.
func BenchmarkParsePipeline(b *testing.B) {
	buf := pipelineBatch(100)
	var p tparser
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		parseBatch(b, &p, buf)
	}
}

// BenchmarkParseInline parses 100 inline SET commands per iteration (as
// typed into telnet); expect 0 allocs/op.
func BenchmarkParseInline(b *testing.B) {
	buf := bytes.Repeat([]byte("SET key:000001 value-0123456789\r\n"), 100)
	var p tparser
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		parseBatch(b, &p, buf)
	}
}

// BenchmarkParseBigArg parses one SET with a 1 MiB value per iteration.
func BenchmarkParseBigArg(b *testing.B) {
	buf := AppendCommand(nil, "SET", "k", string(bytes.Repeat([]byte("x"), 1<<20)))
	var p tparser
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		parseBatch(b, &p, buf)
	}
}

// BenchmarkWriteReplies appends one of each common reply (11 replies) into
// a reused buffer per iteration; expect 0 allocs/op.
func BenchmarkWriteReplies(b *testing.B) {
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf = appendMix(buf[:0])
	}
	b.SetBytes(int64(len(buf)))
}

// BenchmarkWriteBulk appends 100 bulk replies (GET hits) per iteration
// into a reused buffer; expect 0 allocs/op.
func BenchmarkWriteBulk(b *testing.B) {
	buf := make([]byte, 0, 8192)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf = buf[:0]
		for j := 0; j < 100; j++ {
			buf = AppendBulk(buf, benchValue)
		}
	}
	b.SetBytes(int64(len(buf)))
}
