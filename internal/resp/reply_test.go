package resp

import (
	"fmt"
	"testing"
)

// show renders a Reply compactly for comparisons.
func show(r Reply) string {
	switch {
	case r.Null:
		return fmt.Sprintf("%c(null)", r.Type)
	case r.Type == ':':
		return fmt.Sprintf(":%d", r.Int)
	case r.Type == '*':
		s := "["
		for i, e := range r.Array {
			if i > 0 {
				s += " "
			}
			s += show(e)
		}
		return s + "]"
	}
	return fmt.Sprintf("%c%q", r.Type, r.Str)
}

// TestReadReply decodes each kind of reply, a nested array, replies cut
// short (expecting n == 0 and no error) and malformed ones (ErrBadReply).
func TestReadReply(t *testing.T) {
	tests := []struct {
		in   string
		want string // show() of the reply; "" when incomplete; "bad" for ErrBadReply
		n    int
	}{
		{"+OK\r\n", `+"OK"`, 5},
		{"-ERR x y\r\n", `-"ERR x y"`, 10},
		{":-12\r\n", ":-12", 6},
		{"$5\r\nhello\r\n", `$"hello"`, 11},
		{"$0\r\n\r\n", `$""`, 6},
		{"$-1\r\n", "$(null)", 5},
		{"*-1\r\n", "*(null)", 5},
		{"*0\r\n", "[]", 4},
		{"*3\r\n:1\r\n*1\r\n+a\r\n$-1\r\n:9", `[:1 [+"a"] $(null)]`, 21},
		{"$5\r\nhel", "", 0},
		{"*2\r\n:1\r\n", "", 0},
		{"+OK\r", "", 0},
		{"", "", 0},
		{"$5\r\nhelloXX", "bad", 0},
		{"$-2\r\n", "bad", 0},
		{":x\r\n", "bad", 0},
		{"?\r\n", "bad", 0},
		{"*1000000000\r\n:1\r\n", "", 0},
	}
	for _, tt := range tests {
		r, n, err := ReadReply([]byte(tt.in))
		got := show(r)
		switch {
		case err == ErrBadReply:
			got = "bad"
		case err != nil:
			got = err.Error()
		case n == 0:
			got = ""
		}
		if got != tt.want || n != tt.n {
			t.Errorf("ReadReply(%q) = %s, %d; want %s, %d", tt.in, got, n, tt.want, tt.n)
		}
	}
}

// TestReadReplyDepth nests arrays past the limit and expects ErrBadReply
// instead of unbounded recursion.
func TestReadReplyDepth(t *testing.T) {
	var in []byte
	for i := 0; i < maxReplyDepth+1; i++ {
		in = append(in, "*1\r\n"...)
	}
	in = append(in, ":1\r\n"...)
	if _, _, err := ReadReply(in); err != ErrBadReply {
		t.Errorf("nesting %d deep: err = %v, want ErrBadReply", maxReplyDepth+1, err)
	}
}

// TestWriteThenRead writes replies with the Append functions and reads them
// back, expecting the values written.
func TestWriteThenRead(t *testing.T) {
	var b []byte
	b = AppendArrayLen(b, 4)
	b = AppendBulkString(b, "v")
	b = AppendInt(b, -3)
	b = AppendNullBulk(b)
	b = AppendError(b, "oops")
	r, n, err := ReadReply(b)
	if err != nil || n != len(b) {
		t.Fatalf("ReadReply: %d of %d bytes, %v", n, len(b), err)
	}
	if got, want := show(r), `[$"v" :-3 $(null) -"ERR oops"]`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
