package redisasync

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

// readAll feeds in whole and returns the replies, formatted, and the
// error the reader stopped on.
func readAll(r *Reader, chunks ...string) ([]string, error) {
	var out []string
	for _, ch := range chunks {
		r.Feed([]byte(ch))
		for {
			rep, err := r.GetReply()
			if err != nil {
				return out, err
			}
			if rep == nil {
				break
			}
			out = append(out, rep.String())
		}
	}
	return out, nil
}

var readerCases = []struct {
	in   string
	want string // Reply.String()
	typ  Type
}{
	{"+OK\r\n", `"OK"`, TypeStatus},
	{"+\r\n", `""`, TypeStatus},
	{"-ERR unknown command\r\n", "(error) ERR unknown command", TypeError},
	{":0\r\n", "0", TypeInteger},
	{":-42\r\n", "-42", TypeInteger},
	{":9223372036854775807\r\n", "9223372036854775807", TypeInteger},
	{":-9223372036854775808\r\n", "-9223372036854775808", TypeInteger},
	{"$5\r\nhello\r\n", `"hello"`, TypeString},
	{"$0\r\n\r\n", `""`, TypeString},
	{"$4\r\na\r\nb\r\n", `"a\r\nb"`, TypeString},
	{"$-1\r\n", "(nil)", TypeNil},
	{"*-1\r\n", "(nil)", TypeNil},
	{"*0\r\n", "[]", TypeArray},
	{"*3\r\n:1\r\n$1\r\na\r\n$-1\r\n", `[1 "a" (nil)]`, TypeArray},
	{"*2\r\n*2\r\n+a\r\n*0\r\n*1\r\n*1\r\n:7\r\n", `[["a" []] [[7]]]`, TypeArray},
	{"*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n", `["message" "ch" "hello"]`, TypeArray},
	// RESP3
	{"_\r\n", "(nil)", TypeNil},
	{"#t\r\n", "true", TypeBool},
	{"#f\r\n", "false", TypeBool},
	{",3.14\r\n", `"3.14"`, TypeDouble},
	{",inf\r\n", `"inf"`, TypeDouble},
	{"(12345678901234567890123\r\n", `"12345678901234567890123"`, TypeBigNum},
	{"=8\r\ntxt:some\r\n", `"some"`, TypeVerb},
	{"%1\r\n+k\r\n:1\r\n", `["k" 1]`, TypeMap},
	{"~2\r\n:1\r\n:2\r\n", "[1 2]", TypeSet},
	{">2\r\n+invalidate\r\n*1\r\n$1\r\nk\r\n", `["invalidate" ["k"]]`, TypePush},
}

// Input: every reply form of RESP2 and RESP3 (status, error, integers
// at the int64 limits, bulk, empty and binary bulk, null bulk, null and
// empty arrays, nested arrays, a pub/sub message, null, bool, double,
// bignum, verbatim, map, set, push), fed whole, one byte at a time, and
// split in two at every offset. Expected: one reply each time, of the
// type and value listed, however the input was split.
func TestReaderReplies(t *testing.T) {
	for _, tc := range readerCases {
		var r Reader
		r.Feed([]byte(tc.in))
		rep, err := r.GetReply()
		if err != nil || rep == nil {
			t.Fatalf("%q: reply %v, error %v", tc.in, rep, err)
		}
		if rep.Type != tc.typ || rep.String() != tc.want {
			t.Errorf("%q: got %v %s, want %v %s", tc.in, rep.Type, rep, tc.typ, tc.want)
		}
		if rep, err := r.GetReply(); rep != nil || err != nil {
			t.Errorf("%q: a second reply %v, %v", tc.in, rep, err)
		}
		var bytes []string
		for i := range tc.in {
			bytes = append(bytes, tc.in[i:i+1])
		}
		if got, err := readAll(new(Reader), bytes...); err != nil || len(got) != 1 || got[0] != tc.want {
			t.Errorf("%q byte by byte: %v, %v", tc.in, got, err)
		}
		for i := 1; i < len(tc.in); i++ {
			if got, err := readAll(new(Reader), tc.in[:i], tc.in[i:]); err != nil || len(got) != 1 || got[0] != tc.want {
				t.Errorf("%q split at %d: %v, %v", tc.in, i, got, err)
			}
		}
	}
	var r Reader
	r.Feed([]byte("=8\r\nmkd:some\r\n"))
	if rep, _ := r.GetReply(); string(rep.VType[:]) != "mkd" {
		t.Errorf("verbatim format %q, want mkd", rep.VType)
	}
}

// Input: all the cases above concatenated, fed as one buffer, then byte
// by byte into one reader. Expected: the same replies in order, each
// valid when returned (the reader reuses its nodes and buffer only on
// the next call).
func TestReaderPipeline(t *testing.T) {
	var all strings.Builder
	var want []string
	for _, tc := range readerCases {
		all.WriteString(tc.in)
		want = append(want, tc.want)
	}
	got, err := readAll(new(Reader), all.String())
	if err != nil || strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("whole: %v, %v", got, err)
	}
	var bytes []string
	s := all.String()
	for i := range s {
		bytes = append(bytes, s[i:i+1])
	}
	got, err = readAll(new(Reader), bytes...)
	if err != nil || strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("byte by byte: %v, %v", got, err)
	}
}

// Input: malformed replies: an unknown type byte, an empty line, bad
// integers (letters, "+1", a leading zero, "-0", overflow), bulk
// lengths below -1, a bulk not ended by CRLF, a bad nil, bool, double,
// bignum and verbatim, an attribute. Expected: a *ProtocolError, and the
// reader keeps returning it.
func TestReaderProtocolErrors(t *testing.T) {
	for _, in := range []string{
		"!oops\r\n", "\r\n", "x\r\n",
		":abc\r\n", ":+1\r\n", ":01\r\n", ":-0\r\n", ":\r\n", ":9223372036854775808\r\n", ":-9223372036854775809\r\n",
		"$-2\r\n", "$abc\r\n", "$3\r\nabcd\r\n", "$3\r\nabc\rx\r\n", "*-2\r\n", "*x\r\n",
		"_x\r\n", "#x\r\n", "#\r\n", ",abc\r\n", "(12a\r\n", "(\r\n", "=3\r\ntxt\r\n", "=5\r\ntxt!x\r\n",
		"|1\r\n+a\r\n+b\r\n:1\r\n",
	} {
		var r Reader
		got, err := readAll(&r, in)
		var pe *ProtocolError
		if !errors.As(err, &pe) {
			t.Errorf("%q: got %v, %v; want a protocol error", in, got, err)
			continue
		}
		if _, err2 := r.GetReply(); err2 != err {
			t.Errorf("%q: the error did not stick: %v", in, err2)
		}
		r.Reset()
		if got, err := readAll(&r, "+OK\r\n"); err != nil || len(got) != 1 {
			t.Errorf("%q: after Reset: %v, %v", in, got, err)
		}
	}
}

// Input: replies past each limit, whole and byte by byte: a bulk of 11
// bytes with MaxBulkLen 10, an array of 4 with MaxArrayLen 3 (a map of 2
// pairs counts 4), nesting 5 deep with MaxDepth 4, a status line of 17
// bytes with MaxLineLen 16 (with and without its CRLF yet), and the
// default limits against "$536870913" and "*4294967296". Expected: a
// protocol error each; the same replies at the limit are read.
func TestReaderLimits(t *testing.T) {
	lim := func() *Reader { return &Reader{MaxBulkLen: 10, MaxArrayLen: 3, MaxDepth: 4, MaxLineLen: 16} }
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"$10\r\n0123456789\r\n", true},
		{"$11\r\n01234567890\r\n", false},
		{"*3\r\n:1\r\n:2\r\n:3\r\n", true},
		{"*4\r\n:1\r\n:2\r\n:3\r\n:4\r\n", false},
		{"%2\r\n:1\r\n:2\r\n:3\r\n:4\r\n", false},
		{"*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n", true},
		{"*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n", false},
		{"+0123456789abcdef\r\n", true},
		{"+0123456789abcdefg\r\n", false},
		{"+0123456789abcdefg", false},
	} {
		_, err := readAll(lim(), tc.in)
		var bytes []string
		for i := range tc.in {
			bytes = append(bytes, tc.in[i:i+1])
		}
		_, err1 := readAll(lim(), bytes...)
		if (err == nil) != tc.ok || (err1 == nil) != tc.ok {
			t.Errorf("%q: errors %v / %v byte by byte; want ok=%v", tc.in, err, err1, tc.ok)
		}
	}
	for _, in := range []string{"$536870913\r\n", "*4294967296\r\n"} {
		if _, err := readAll(new(Reader), in); err == nil {
			t.Errorf("%q: accepted with the default limits", in)
		}
	}
	// A huge announced array costs nothing until its elements come.
	r := new(Reader)
	if got, err := readAll(r, "*4294967295\r\n:1\r\n"); err != nil || len(got) != 0 {
		t.Fatalf("announced 2^32-1: %v, %v", got, err)
	}
	if cap(r.stack[0].r.Elements) > maxPrealloc {
		t.Fatalf("preallocated %d elements", cap(r.stack[0].r.Elements))
	}
}

// Input: a 1 MiB bulk string fed in 1000-byte pieces, then a reply of
// 10,000 small elements fed in 7-byte pieces (so that buffers are moved
// while a reply points into them). Expected: both replies intact.
func TestReaderBigSplit(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", 1<<16)
	in := "$" + itoa(len(big)) + "\r\n" + big + "\r\n"
	var b strings.Builder
	b.WriteString("*10000\r\n")
	for i := 0; i < 10000; i++ {
		b.WriteString("$" + itoa(len(itoa(i))) + "\r\n" + itoa(i) + "\r\n")
	}
	r := new(Reader)
	for _, tc := range []struct {
		in    string
		piece int
	}{{in, 1000}, {b.String(), 7}} {
		var got *Reply
		for i := 0; i < len(tc.in); i += tc.piece {
			r.Feed([]byte(tc.in[i:min(i+tc.piece, len(tc.in))]))
			rep, err := r.GetReply()
			if err != nil {
				t.Fatal(err)
			}
			if rep != nil {
				got = rep
			}
		}
		switch {
		case got == nil:
			t.Fatal("no reply")
		case got.Type == TypeString && string(got.Str) != big:
			t.Fatal("1 MiB bulk corrupted")
		case got.Type == TypeArray:
			if len(got.Elements) != 10000 {
				t.Fatalf("%d elements", len(got.Elements))
			}
			for i, e := range got.Elements {
				if string(e.Str) != itoa(i) {
					t.Fatalf("element %d = %q", i, e.Str)
				}
			}
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// Input: the same small array reply fed and read 100 times after a
// warm-up. Expected: no allocation per reply (nodes and buffer reused).
func TestReaderAllocs(t *testing.T) {
	in := []byte("*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n:12\r\n")
	r := new(Reader)
	step := func() {
		r.Feed(in)
		for {
			rep, err := r.GetReply()
			if err != nil {
				t.Fatal(err)
			}
			if rep == nil {
				return
			}
		}
	}
	step()
	if n := testing.AllocsPerRun(100, step); n != 0 {
		t.Fatalf("%v allocations per reply", n)
	}
}
