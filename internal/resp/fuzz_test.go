package resp

import (
	"bytes"
	"testing"
	"unsafe"
)

// FuzzParse parses arbitrary input in one piece and in chunks of 1 to 16
// bytes, authenticated or not, and expects: no panic; n never beyond the
// input; an error consuming nothing; every argument inside the bytes its
// command consumed; no byte written outside them; and chunked parsing
// yielding exactly the one-piece result. A third run with tiny limits
// exercises the size errors under the same invariants.
//
// The one-piece and chunked runs use an InlineMaxSize above the input's
// length: Redis's size limits depend on how much is pending when a
// terminator is missing, so with a reachable limit a line that arrives whole
// is legitimately treated differently from one that trickles in.
func FuzzParse(f *testing.F) {
	for _, s := range pipelines {
		f.Add([]byte(s), false, uint8(0))
	}
	f.Add([]byte("*11\r\n"), true, uint8(1))
	f.Add([]byte("*1\r\n$16385\r\n"), true, uint8(2))
	f.Add([]byte("ECHO \"\\x41\\n\" 'a\\'b' x\"y z\"\r\n"), false, uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, unauth bool, chunk uint8) {
		limits := tparser{Parser: Parser{Unauthenticated: unauth}, Limits: Limits{InlineMaxSize: len(data) + 1}}

		p := limits
		want := checkedParseAll(t, &p, bytes.Clone(data))

		p = limits
		// Chunks of 1 to 16 bytes; but no more than about 512 chunks, since
		// feedChunks copies the pending bytes on every read.
		step := max(int(chunk)%16+1, len(data)/512)
		if got := feedChunks(t, &p, bytes.Clone(data), step); !got.equal(want) {
			t.Fatalf("in chunks of %d:\n got %v\nwant %v", step, got, want)
		}

		p = tparser{Parser: Parser{Unauthenticated: unauth}, Limits: Limits{InlineMaxSize: 8, ProtoMaxBulkLen: 16, MaxMultibulkLen: 4}}
		checkedParseAll(t, &p, bytes.Clone(data))
	})
}

// checkedParseAll is parseAll with the fuzz invariants checked on every
// call of Parse.
func checkedParseAll(t *testing.T, p *tparser, in []byte) result {
	var r result
	orig := bytes.Clone(in)
	off := 0 // in == buf[off:] of the original
	for len(in) > 0 {
		argv, n, err := p.Parse(in)
		if n < 0 || n > len(in) {
			t.Fatalf("Parse consumed %d of %d bytes", n, len(in))
		}
		// Compare what follows the consumed bytes with the original; for
		// long inputs only a window, to keep the check linear.
		end := len(in)
		if len(orig) > 4096 {
			end = min(end, n+1024)
		}
		if !bytes.Equal(in[n:end], orig[off+n:off+end]) {
			t.Fatalf("Parse wrote beyond the %d bytes it consumed", n)
		}
		if err != nil {
			if n != 0 || argv != nil {
				t.Fatalf("error %v with n=%d, argv=%q", err, n, argv)
			}
			r.err = err.(*ProtocolError).Msg
			break
		}
		if n == 0 {
			if argv != nil {
				t.Fatalf("incomplete with argv=%q", argv)
			}
			break
		}
		cmd := []string{}
		for _, a := range argv {
			if !inside(a, in[:n]) {
				t.Fatalf("argument %q lies outside the %d consumed bytes", a, n)
			}
			cmd = append(cmd, string(a))
		}
		r.cmds = append(r.cmds, cmd)
		in = in[n:]
		off += n
	}
	r.rest = len(in)
	return r
}

// inside reports whether the memory of a lies within that of buf.
func inside(a, buf []byte) bool {
	base := uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
	p := uintptr(unsafe.Pointer(unsafe.SliceData(a)))
	return len(a) == 0 && len(buf) == 0 || p >= base && p+uintptr(len(a)) <= base+uintptr(len(buf))
}
