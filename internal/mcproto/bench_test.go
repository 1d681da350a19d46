package mcproto

import (
	"strings"
	"testing"
)

// parseAll parses every request in buf with p, taking data blocks with
// Data, and returns how many it parsed; it fails tb on any error.
func parseAll(tb testing.TB, p *Parser, buf []byte) int {
	count := 0
	for len(buf) > 0 {
		req, n, err := p.Parse(buf)
		if err != nil || n == 0 {
			tb.Fatalf("Parse: %v (n=%d) at %.40q", err, n, buf)
		}
		buf = buf[n:]
		if req != nil && req.Kind.IsStorage() {
			_, n, err := Data(buf, req.Bytes)
			if err != nil || n == 0 {
				tb.Fatalf("Data: %v (n=%d)", err, n)
			}
			buf = buf[n:]
		}
		count++
	}
	return count
}

var (
	getOne   = []byte("get user:000001\r\n")
	setOne   = []byte("set user:000001 0 0 32\r\n" + strings.Repeat("v", 32) + "\r\n")
	mgOne    = []byte("mg user:000001 v f t O123 k\r\n")
	msOne    = []byte("ms user:000001 32 T30 F5 c\r\n" + strings.Repeat("v", 32) + "\r\n")
	getMulti = []byte("get" + strings.Repeat(" user:000001", 100) + "\r\n")
)

// TestZeroAllocs expects no allocation per request on the hot paths: a get
// of one key, a set with its data block, mg and ms with flags, and a
// 100-key get once the key list has grown.
func TestZeroAllocs(t *testing.T) {
	for _, c := range []struct {
		name string
		buf  []byte
	}{{"get", getOne}, {"set", setOne}, {"mg", mgOne}, {"ms", msOne}, {"get 100 keys", getMulti}} {
		var p Parser
		parseAll(t, &p, c.buf) // warm up: the key list grows once
		if a := testing.AllocsPerRun(1000, func() { parseAll(t, &p, c.buf) }); a != 0 {
			t.Errorf("%s: %v allocations per request, want 0", c.name, a)
		}
	}
}

func benchParse(b *testing.B, buf []byte) {
	var p Parser
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		parseAll(b, &p, buf)
	}
}

// BenchmarkParseGet parses "get <key>"; expect 0 allocs/op.
func BenchmarkParseGet(b *testing.B) { benchParse(b, getOne) }

// BenchmarkParseSet parses a set line and takes its 32-byte data block;
// expect 0 allocs/op.
func BenchmarkParseSet(b *testing.B) { benchParse(b, setOne) }

// BenchmarkParseMetaGet parses an mg with five flags; expect 0 allocs/op.
func BenchmarkParseMetaGet(b *testing.B) { benchParse(b, mgOne) }

// BenchmarkParseMetaSet parses an ms with three flags and its data block;
// expect 0 allocs/op.
func BenchmarkParseMetaSet(b *testing.B) { benchParse(b, msOne) }

// BenchmarkParseGet100 parses a get of 100 keys; expect 0 allocs/op.
func BenchmarkParseGet100(b *testing.B) { benchParse(b, getMulti) }
