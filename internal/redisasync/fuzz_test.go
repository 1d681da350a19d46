package redisasync

import (
	"errors"
	"strings"
	"testing"
)

// FuzzReader feeds arbitrary input to the reader whole, and split into
// pieces whose sizes come from the input's own bytes (1 to 8), into a
// reader whose buffer starts at 4 bytes. Expected:
// no panic; a reader that stops stops with a *ProtocolError; both
// readings give the same replies and stop alike, whatever the split.
// The reader has small limits (bulk 1 KiB, 64 elements, depth 8, lines
// of 64 bytes) so that short inputs reach them. The seed corpus (every
// case of the reader tests, inputs at the limits) runs with go test;
// go test -fuzz FuzzReader explores.
func FuzzReader(f *testing.F) {
	for _, tc := range readerCases {
		f.Add([]byte(tc.in))
	}
	f.Add([]byte("*2\r\n*1\r\n$3\r\nabc\r\n:5\r\n+OK\r\n-ERR x\r\n"))
	f.Add([]byte("$3\r\nab"))
	f.Add([]byte("*4294967295\r\n:1\r\n"))
	f.Add([]byte("$536870912\r\nab"))
	f.Add([]byte(strings.Repeat("*1\r\n", 9) + ":1\r\n"))
	f.Add([]byte("+" + strings.Repeat("a", 70) + "\r\n"))
	f.Add([]byte("$1025\r\n"))
	f.Add([]byte("%33\r\n"))
	// Small limits, so that inputs of a few bytes reach them.
	newReader := func() *Reader { return &Reader{MaxBulkLen: 1024, MaxArrayLen: 64, MaxDepth: 8, MaxLineLen: 64} }
	// The split reading starts with a 4-byte buffer, so that it is moved
	// and replaced under replies in progress again and again.
	tinyReader := func() *Reader { r := newReader(); r.bufSize = 4; return r }
	f.Fuzz(func(t *testing.T, in []byte) {
		whole, errWhole := readAll(newReader(), string(in))
		var chunks []string
		for i := 0; i < len(in); {
			n := 1 + int(in[i])%8
			n = min(n, len(in)-i)
			chunks = append(chunks, string(in[i:i+n]))
			i += n
		}
		split, errSplit := readAll(tinyReader(), chunks...)
		for _, err := range []error{errWhole, errSplit} {
			var pe *ProtocolError
			if err != nil && !errors.As(err, &pe) {
				t.Fatalf("error %T %v", err, err)
			}
		}
		if (errWhole == nil) != (errSplit == nil) || (errWhole != nil && errWhole.Error() != errSplit.Error()) {
			t.Fatalf("whole: %v; split: %v", errWhole, errSplit)
		}
		if strings.Join(whole, "\x00") != strings.Join(split, "\x00") {
			t.Fatalf("whole %q\nsplit %q", whole, split)
		}
	})
}
