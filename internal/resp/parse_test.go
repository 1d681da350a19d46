package resp

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// result is everything Parse said about one input: the commands in order
// (an empty command is an empty slice), the bytes left unconsumed, and the
// error that ended parsing, if any.
type result struct {
	cmds [][]string
	rest int
	err  string
}

func (r result) String() string {
	return fmt.Sprintf("cmds=%q rest=%d err=%q", r.cmds, r.rest, r.err)
}

func (r result) equal(o result) bool { return r.String() == o.String() }

// parseAll runs p over in until it needs more input or fails, as a server's
// read handler would.
func parseAll(t testing.TB, p *tparser, in []byte) result {
	t.Helper()
	var r result
	for len(in) > 0 {
		argv, n, err := p.Parse(in)
		if err != nil {
			var pe *ProtocolError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse returned %T %v, want *ProtocolError", err, err)
			}
			r.err = pe.Msg
			break
		}
		if n == 0 {
			break
		}
		if n > len(in) {
			t.Fatalf("Parse consumed %d of %d bytes", n, len(in))
		}
		cmd := []string{}
		for _, a := range argv {
			cmd = append(cmd, string(a))
		}
		r.cmds = append(r.cmds, cmd)
		in = in[n:]
	}
	r.rest = len(in)
	return r
}

// feedChunks gives p the input chunk bytes at a time, like a server whose
// reads return chunk bytes each, dropping what each command consumed. The
// result's rest counts every byte of in not consumed, fed or not.
func feedChunks(t testing.TB, p *tparser, in []byte, chunk int) result {
	t.Helper()
	var r result
	var q []byte
	consumed := 0
	for off := 0; off < len(in) && r.err == ""; off += chunk {
		// A new slice each time: the Parser must not care where the
		// unconsumed bytes live, only that they are the same bytes.
		q = append(append([]byte(nil), q...), in[off:min(off+chunk, len(in))]...)
		part := parseAll(t, p, q)
		r.cmds = append(r.cmds, part.cmds...)
		r.err = part.err
		consumed += len(q) - part.rest
		q = q[len(q)-part.rest:]
	}
	r.rest = len(in) - consumed
	return r
}

func cmds(c ...[]string) [][]string { return c }

// TestParseErrors feeds each malformed (or just incomplete) request in one
// piece and expects Redis 7.0.15's exact error text, or no error and the
// input still pending when Redis would wait for more.
func TestParseErrors(t *testing.T) {
	pad := func(prefix string, total int) string { return prefix + strings.Repeat("x", total-len(prefix)) }
	tests := []struct {
		name   string
		in     string
		p      tparser
		want   string // error text; "" means incomplete, nothing consumed
		wantOK [][]string
	}{
		// Inline.
		{name: "inline 64KiB+1 without newline", in: strings.Repeat("a", 65537), want: "Protocol error: too big inline request"},
		{name: "inline exactly 64KiB without newline waits", in: strings.Repeat("a", 65536)},
		{name: "inline 64KiB+1 with newline at the end is accepted", in: strings.Repeat("a", 65537) + "\n", wantOK: cmds([]string{strings.Repeat("a", 65537)})},
		{name: "inline NUL hides the newline", in: "PI\x00NG\r\n"},
		{name: "inline NUL far into the line hides the newline", in: "ECHO 0123456789abcdef0123\x00\r\n"},
		{name: "inline NUL then 64KiB", in: pad("PI\x00NG\r\n", 65537), want: "Protocol error: too big inline request"},
		{name: "inline custom limit", in: "0123456789", p: tparser{Limits: Limits{InlineMaxSize: 9}}, want: "Protocol error: too big inline request"},
		{name: "unterminated double quote", in: "PING \"a\r\n", want: "Protocol error: unbalanced quotes in request"},
		{name: "unterminated single quote", in: "PING 'a\r\n", want: "Protocol error: unbalanced quotes in request"},
		{name: "closing quote followed by a letter", in: "ECHO \"a\"b\r\n", want: "Protocol error: unbalanced quotes in request"},
		{name: "closing single quote followed by a letter", in: "ECHO 'a'b\r\n", want: "Protocol error: unbalanced quotes in request"},
		{name: "escaped closing quote", in: "ECHO \"a\\\"\r\n", want: "Protocol error: unbalanced quotes in request"},
		{name: "backslash at end of quoted line", in: "ECHO \"a\\\r\n", want: "Protocol error: unbalanced quotes in request"},
		{name: "single quotes: backslash backslash quote is an escaped quote", in: "ECHO 'a\\\\'\r\n", want: "Protocol error: unbalanced quotes in request"},

		// Multibulk count.
		{name: "count line 64KiB+1 without CR", in: pad("*", 65537), want: "Protocol error: too big mbulk count string"},
		{name: "count line 64KiB without CR waits", in: pad("*", 65536)},
		{name: "count line NUL hides the CR", in: pad("*1\x00\r\n", 65537), want: "Protocol error: too big mbulk count string"},
		{name: "count line CR is the last byte", in: "*1\r"},
		{name: "bulk line NUL far into the line hides the CR", in: "*1\r\n$0123456789abcdef0123\x00\r\n"},
		{name: "empty count", in: "*\r\n", want: "Protocol error: invalid multibulk length"},
		{name: "minus zero", in: "*-0\r\n", want: "Protocol error: invalid multibulk length"},
		{name: "leading zero", in: "*01\r\n", want: "Protocol error: invalid multibulk length"},
		{name: "plus sign", in: "*+1\r\n", want: "Protocol error: invalid multibulk length"},
		{name: "leading space", in: "* 1\r\n", want: "Protocol error: invalid multibulk length"},
		{name: "trailing space", in: "*1 \r\n", want: "Protocol error: invalid multibulk length"},
		{name: "letters", in: "*1a\r\n", want: "Protocol error: invalid multibulk length"},
		{name: "INT_MAX+1", in: "*2147483648\r\n", want: "Protocol error: invalid multibulk length"},
		{name: "INT_MAX waits for arguments", in: "*2147483647\r\n"},
		{name: "int64 overflow", in: "*9223372036854775808\r\n", want: "Protocol error: invalid multibulk length"},
		{name: "21 digits", in: "*100000000000000000000\r\n", want: "Protocol error: invalid multibulk length"},
		{name: "custom count limit", in: "*4\r\n", p: tparser{Limits: Limits{MaxMultibulkLen: 3}}, want: "Protocol error: invalid multibulk length"},
		{name: "unauthenticated 11 args", in: "*11\r\n", p: tparser{Parser: Parser{Unauthenticated: true}}, want: "Protocol error: unauthenticated multibulk length"},
		{name: "unauthenticated 10 args waits", in: "*10\r\n", p: tparser{Parser: Parser{Unauthenticated: true}}},
		{name: "unauthenticated INT_MAX+1 is invalid first", in: "*2147483648\r\n", p: tparser{Parser: Parser{Unauthenticated: true}}, want: "Protocol error: invalid multibulk length"},
		{name: "unauthenticated negative count is fine", in: "*-100\r\n", p: tparser{Parser: Parser{Unauthenticated: true}}, wantOK: cmds([]string{})},

		// Bulk header.
		{name: "junk instead of $", in: "*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n", want: "Protocol error: expected '$', got 'f'"},
		{name: "CR instead of $ becomes a space", in: "*1\r\n\r\n\r\n", want: "Protocol error: expected '$', got ' '"},
		{name: "LF instead of $ becomes a space", in: "*1\r\n\nX\r\n", want: "Protocol error: expected '$', got ' '"},
		{name: "high byte instead of $", in: "*1\r\n\xff\r\n", want: "Protocol error: expected '$', got '\xff'"},
		{name: "the byte is checked only once the line is complete", in: "*1\r\nfoo"},
		{name: "bulk line 64KiB+1 without CR", in: pad("*1\r\n$", 65541), want: "Protocol error: too big bulk count string"},
		{name: "bulk line 64KiB without CR waits", in: pad("*1\r\n$", 65540)},
		{name: "bulk line NUL hides the CR", in: pad("*1\r\n$1\x00\r\n", 65541), want: "Protocol error: too big bulk count string"},
		{name: "negative bulk length", in: "*1\r\n$-1\r\n", want: "Protocol error: invalid bulk length"},
		{name: "empty bulk length", in: "*1\r\n$\r\n", want: "Protocol error: invalid bulk length"},
		{name: "bulk length leading zero", in: "*1\r\n$01\r\n", want: "Protocol error: invalid bulk length"},
		{name: "bulk length letters", in: "*1\r\n$1x\r\n", want: "Protocol error: invalid bulk length"},
		{name: "bulk length 512MiB+1", in: "*1\r\n$536870913\r\n", want: "Protocol error: invalid bulk length"},
		{name: "bulk length 512MiB waits", in: "*1\r\n$536870912\r\n"},
		{name: "custom bulk limit", in: "*1\r\n$11\r\n", p: tparser{Limits: Limits{ProtoMaxBulkLen: 10}}, want: "Protocol error: invalid bulk length"},
		{name: "unauthenticated 16385 bytes", in: "*1\r\n$16385\r\n", p: tparser{Parser: Parser{Unauthenticated: true}}, want: "Protocol error: unauthenticated bulk length"},
		{name: "unauthenticated 16384 bytes waits", in: "*1\r\n$16384\r\n", p: tparser{Parser: Parser{Unauthenticated: true}}},
		{name: "unauthenticated 512MiB+1 is invalid first", in: "*1\r\n$536870913\r\n", p: tparser{Parser: Parser{Unauthenticated: true}}, want: "Protocol error: invalid bulk length"},
		{name: "bulk without its CRLF waits", in: "*3\r\n$3\r\nSET"},
		{name: "bulk with one byte of its CRLF waits", in: "*3\r\n$3\r\nSET\r"},
		{name: "error after complete commands", in: "PING\r\n*1\r\n$4\r\nPING\r\n*x\r\n", want: "Protocol error: invalid multibulk length", wantOK: cmds([]string{"PING"}, []string{"PING"})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.p
			got := parseAll(t, &p, []byte(tt.in))
			want := result{cmds: tt.wantOK, err: tt.want}
			if tt.want == "" {
				// Incomplete: what is left is the unfinished request.
				consumed := 0
				for range tt.wantOK {
					_, n, _ := new(tparser).Parse([]byte(tt.in[consumed:]))
					consumed += n
				}
				want.rest = len(tt.in) - consumed
			} else {
				want.rest = got.rest // bytes after an error are not looked at
			}
			if !got.equal(want) {
				t.Errorf("in %.40q:\n got %v\nwant %v", tt.in, got, want)
			}
		})
	}
}

// TestErrorSentinels checks that Parse returns the exported values, so
// callers can use errors.Is, and that each has the text Redis sends.
func TestErrorSentinels(t *testing.T) {
	tests := []struct {
		in   string
		p    tparser
		want *ProtocolError
	}{
		{strings.Repeat("a", 65537), tparser{}, ErrTooBigInline},
		{"\"\r\n", tparser{}, ErrUnbalancedQuotes},
		{strings.Repeat("*", 65537), tparser{}, ErrTooBigMbulkCount},
		{"*x\r\n", tparser{}, ErrInvalidMultibulkLen},
		{"*11\r\n", tparser{Parser: Parser{Unauthenticated: true}}, ErrUnauthMultibulkLen},
		{"*1\r\n" + strings.Repeat("$", 65537), tparser{}, ErrTooBigBulkCount},
		{"*1\r\n$x\r\n", tparser{}, ErrInvalidBulkLen},
		{"*1\r\n$20000\r\n", tparser{Parser: Parser{Unauthenticated: true}}, ErrUnauthBulkLen},
	}
	for _, tt := range tests {
		_, _, err := tt.p.Parse([]byte(tt.in))
		if !errors.Is(err, tt.want) {
			t.Errorf("Parse(%.20q) = %v, want the sentinel %q", tt.in, err, tt.want.Msg)
		}
	}
}

// TestParseCommands feeds well-formed pipelines in one piece and expects
// the commands Redis would execute, with empty commands reported as such.
func TestParseCommands(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want [][]string
		rest int
	}{
		{"multibulk", "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n", cmds([]string{"SET", "k", "value"}), 0},
		{"star minus one is an empty command", "*-1\r\n", cmds([]string{}), 0},
		{"star zero is an empty command", "*0\r\n", cmds([]string{}), 0},
		{"star minus ten", "*-10\r\nPING\r\n", cmds([]string{}, []string{"PING"}), 0},
		{"empty inline lines", "\r\n\n   \t\r\nPING\r\n", cmds([]string{}, []string{}, []string{}, []string{"PING"}), 0},
		{"LF alone ends an inline line", "PING\nPING\r\n", cmds([]string{"PING"}, []string{"PING"}), 0},
		{"bytes after a bulk are skipped unread", "*1\r\n$4\r\nPINGXX*1\r\n$4\r\nPING\r\n", cmds([]string{"PING"}, []string{"PING"}), 0},
		{"byte after CR of the count is skipped unread", "*1\rX$4\r\nPING\r\n", cmds([]string{"PING"}), 0},
		{"byte after CR of the length is skipped unread", "*1\r\n$4\rXPING\r\n", cmds([]string{"PING"}), 0},
		{"binary argument with NUL and CRLF", "*2\r\n$4\r\nECHO\r\n$5\r\na\x00\r\nb\r\n", cmds([]string{"ECHO", "a\x00\r\nb"}), 0},
		{"empty argument", "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n", cmds([]string{"ECHO", ""}), 0},
		{"inline then multibulk then inline", "GET a\r\n*2\r\n$3\r\nGET\r\n$1\r\nb\r\nGET c\r\n", cmds([]string{"GET", "a"}, []string{"GET", "b"}, []string{"GET", "c"}), 0},
		{"trailing partial command is left", "PING\r\n*2\r\n$3\r\nGET\r\n$1\r\n", cmds([]string{"PING"}), 17},
		{"inline line longer than 64KiB arriving whole", strings.Repeat("a", 70000) + "\r\n", cmds([]string{strings.Repeat("a", 70000)}), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseAll(t, new(tparser), []byte(tt.in))
			want := result{cmds: tt.want, rest: tt.rest}
			if !got.equal(want) {
				t.Errorf("in %.60q:\n got %v\nwant %v", tt.in, got, want)
			}
		})
	}
}

// TestInlineSplitting feeds one inline line each and expects the arguments
// of Redis's sdssplitargs (several confirmed with ECHO on redis-server 7.0.15
// by TestRedisInterop).
func TestInlineSplitting(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"SET k v", []string{"SET", "k", "v"}},
		{"  a   b  ", []string{"a", "b"}},
		{"SET k \"a b\"", []string{"SET", "k", "a b"}},
		{`"\x41\x4g\n\q"`, []string{"Ax4g\nq"}},
		{`"\xff\x00\X41"`, []string{"\xff\x00X41"}},
		{`"\x"`, []string{"x"}},
		{`"\x4"`, []string{"x4"}},
		{`"\t\b\a\r\n"`, []string{"\t\b\a\r\n"}},
		{`"\\" "\""`, []string{`\`, `"`}},
		{`'a\'b\n'`, []string{`a'b\n`}},
		{`'\x41'`, []string{`\x41`}},
		{"a\vb", []string{"a\vb"}},
		{"a\fb", []string{"a\fb"}},
		{"\vECHO x", []string{"ECHO", "x"}},
		{`x"bar baz"`, []string{"xbar baz"}},
		{`x'bar baz'`, []string{"xbar baz"}},
		{`""`, []string{""}},
		{`"" ''`, []string{"", ""}},
		{"\"a\"\v", []string{"a"}},
		{"\"a\"\fb", []string{"a", "b"}},
		{"a\rb", []string{"a", "b"}},
		{"a\tb", []string{"a", "b"}},
		{"\xfe\xff", []string{"\xfe\xff"}},
		{`a"b"c"d e"`, nil}, // "b" is followed by c: unbalanced
		{`"a" "b`, nil},
	}
	for _, tt := range tests {
		in := []byte(tt.in + "\r\n")
		argv, n, err := new(tparser).Parse(in)
		if tt.want == nil {
			if err != ErrUnbalancedQuotes {
				t.Errorf("%q: got %q, %v; want unbalanced quotes", tt.in, argv, err)
			}
			continue
		}
		var got []string
		for _, a := range argv {
			got = append(got, string(a))
		}
		if err != nil || n != len(in) || fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tt.want) {
			t.Errorf("%q: got %q, n=%d, err=%v; want %q, n=%d", tt.in, got, n, err, tt.want, len(in))
		}
	}
}

var pipelines = []string{
	"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n",
	"PING\r\n\r\n*0\r\n*-1\r\nSET k \"a\\x41 b\" 'c\\'d'\nGET k\r\n",
	"*2\r\n$4\r\nECHO\r\n$12\r\nhello\r\nworld\r\n*1\r\n$4\r\nPINGXX*1\rX$4\rXPING\r\n",
	"*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n",
	"*1\r\n$-1\r\n",
	"PING \"unbalanced\r\n",
	"*1\r\n\xff\r\n",
	"PING\r\n*2\r\n$3\r\nGET\r\n$10\r\nincomplete",
	"PI\x00NG\r\nPING\r\n",
}

// TestIncremental splits each pipeline at every byte boundary, and also
// feeds it in chunks of 1, 2, 3, 7 and 16 bytes, expecting exactly what
// parsing it in one piece yields: the same commands, error and leftover.
func TestIncremental(t *testing.T) {
	for _, in := range pipelines {
		want := parseAll(t, new(tparser), []byte(in))
		for cut := 1; cut < len(in); cut++ {
			var p tparser
			first := parseAll(t, &p, []byte(in[:cut]))
			if first.err != "" {
				if first.err != want.err {
					t.Fatalf("%q cut at %d: early error %q, one-shot %v", in, cut, first.err, want)
				}
				continue
			}
			second := parseAll(t, &p, []byte(in[cut-first.rest:]))
			got := result{cmds: append(first.cmds, second.cmds...), rest: second.rest, err: second.err}
			if !got.equal(want) {
				t.Errorf("%q cut at %d:\n got %v\nwant %v", in, cut, got, want)
			}
		}
		for _, chunk := range []int{1, 2, 3, 7, 16} {
			if got := feedChunks(t, new(tparser), []byte(in), chunk); !got.equal(want) {
				t.Errorf("%q in chunks of %d:\n got %v\nwant %v", in, chunk, got, want)
			}
		}
	}
}

// TestNeed feeds a bulk argument piece by piece and expects Need to count
// the bytes still missing, CRLF included, and 0 while a line is awaited or
// after a complete command.
func TestNeed(t *testing.T) {
	var p tparser
	steps := []struct {
		in   string
		need int
	}{
		{"*2\r\n$3\r", 0},
		{"*2\r\n$3\r\nG", 0 + 2 + 2},
		{"*2\r\n$3\r\nGET\r\n$10\r\n", 12},
		{"*2\r\n$3\r\nGET\r\n$10\r\n0123456789\r", 1},
		{"*2\r\n$3\r\nGET\r\n$10\r\n0123456789\r\n", 0},
	}
	for _, s := range steps {
		p.Parse([]byte(s.in))
		if got := p.Need(); got != s.need {
			t.Errorf("after %q: Need() = %d, want %d", s.in, got, s.need)
		}
	}
	p.Reset()
	p.Parse([]byte("*1\r\n$500000000\r\n0123456789"))
	if got := p.Need(); got != 500000000+2-10 {
		t.Errorf("after a 500MB claim with 10 bytes: Need() = %d, want %d", got, 500000000+2-10)
	}
}

// TestHugeClaimCostsNothing announces a 500 MB argument and a 2^31-1
// argument count, sends 10 bytes, and expects Parse to allocate nothing.
func TestHugeClaimCostsNothing(t *testing.T) {
	for _, in := range []string{"*1\r\n$500000000\r\n0123456789", "*2147483647\r\n$1\r\nx"} {
		buf := []byte(in)
		allocs := testing.AllocsPerRun(100, func() {
			var p tparser
			if _, n, err := p.Parse(buf); n != 0 || err != nil {
				t.Fatalf("Parse(%q) = %d, %v; want incomplete", in, n, err)
			}
		})
		if allocs != 0 {
			t.Errorf("Parse(%q) allocated %v times, want 0", in, allocs)
		}
	}
}

// TestSteadyStateAllocs parses a pipeline of SET/GET commands repeatedly
// with one Parser and expects no allocation once argv has grown.
func TestSteadyStateAllocs(t *testing.T) {
	buf := pipelineBatch(50)
	var p tparser
	parseBatch(t, &p, buf) // warm up: argv and spans grow once
	if allocs := testing.AllocsPerRun(100, func() { parseBatch(t, &p, buf) }); allocs != 0 {
		t.Errorf("parsing a pipeline allocated %v times per run, want 0", allocs)
	}
}

// TestRelease: between commands Release gives the argument storage back
// (the next command allocates it again, where a warm Parser does not);
// with half a command parsed it refuses and keeps the state, so the rest
// of the command still completes it.
func TestRelease(t *testing.T) {
	cmd := []byte("*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n")
	var p tparser
	p.Parse(cmd)
	if allocs := testing.AllocsPerRun(10, func() { p.Parse(cmd) }); allocs != 0 {
		t.Fatalf("warm Parser allocated %v times per command, want 0", allocs)
	}
	if allocs := testing.AllocsPerRun(10, func() {
		if !p.Release() {
			t.Fatal("Release between commands returned false")
		}
		p.Parse(cmd)
	}); allocs == 0 {
		t.Error("after Release the next command allocated nothing: the storage was kept")
	}
	if _, n, _ := p.Parse(cmd[:12]); n != 0 {
		t.Fatalf("partial command: n = %d, want 0", n)
	}
	if p.Release() {
		t.Error("Release with half a command parsed returned true")
	}
	argv, n, err := p.Parse(cmd)
	if err != nil || n != len(cmd) || len(argv) != 2 || string(argv[1]) != "key" {
		t.Errorf("completing the command after a refused Release: %q, %d, %v", argv, n, err)
	}
}

// TestArgvPointsIntoInput parses multibulk and unquoted inline commands and
// expects each argument to alias the input, with no room to grow into its
// neighbour, and the input to be unchanged.
func TestArgvPointsIntoInput(t *testing.T) {
	for _, in := range []string{"*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n", "GET key\r\n"} {
		buf := []byte(in)
		argv, _, _ := new(tparser).Parse(buf)
		for _, a := range argv {
			if !inside(a, buf) {
				t.Errorf("%q: argument %q is not a slice of the input", in, a)
			}
			if cap(a) != len(a) {
				t.Errorf("%q: argument %q has capacity %d, want %d", in, a, cap(a), len(a))
			}
		}
		if string(buf) != in {
			t.Errorf("input changed from %q to %q", in, buf)
		}
	}
}

// TestQuotedInlineRewritesOnlyItsLine parses a quoted inline command
// followed by more input and expects the bytes after the line untouched.
func TestQuotedInlineRewritesOnlyItsLine(t *testing.T) {
	in := []byte("SET k \"a\\x41\"\r\n*1\r\n$4\r\nPING\r\n")
	tail := string(in[15:])
	argv, n, err := new(tparser).Parse(in)
	if err != nil || n != 15 || string(argv[2]) != "aA" {
		t.Fatalf("got %q, %d, %v", argv, n, err)
	}
	if string(in[n:]) != tail {
		t.Errorf("bytes after the line changed: %q, want %q", in[n:], tail)
	}
}

// TestParseShrunkBufferPanics passes fewer bytes than an earlier call had
// already parsed and expects a panic rather than silent misparsing.
func TestParseShrunkBufferPanics(t *testing.T) {
	var p tparser
	p.Parse([]byte("*2\r\n$3\r\nGET\r\n"))
	defer func() {
		if recover() == nil {
			t.Error("Parse with a shorter buffer did not panic")
		}
	}()
	p.Parse([]byte("*2\r\n"))
}

// TestResetAfterError expects a Parser to parse a fresh stream normally
// after it reported a protocol error.
func TestResetAfterError(t *testing.T) {
	var p tparser
	if _, _, err := p.Parse([]byte("*1\r\n$x\r\n")); err != ErrInvalidBulkLen {
		t.Fatalf("got %v, want invalid bulk length", err)
	}
	argv, n, err := p.Parse([]byte("PING\r\n"))
	if err != nil || n != 6 || len(argv) != 1 || string(argv[0]) != "PING" {
		t.Fatalf("after the error: %q, %d, %v", argv, n, err)
	}
}

// TestParseInt checks string2ll's rules on edge inputs.
func TestParseInt(t *testing.T) {
	tests := []struct {
		in string
		v  int64
		ok bool
	}{
		{"0", 0, true}, {"1", 1, true}, {"-1", -1, true}, {"10", 10, true},
		{"9223372036854775807", 1<<63 - 1, true}, {"-9223372036854775808", -1 << 63, true},
		{"9223372036854775808", 0, false}, {"-9223372036854775809", 0, false},
		{"18446744073709551616", 0, false}, {"", 0, false}, {"-", 0, false},
		{"-0", 0, false}, {"00", 0, false}, {"01", 0, false}, {"+1", 0, false},
		{" 1", 0, false}, {"1 ", 0, false}, {"1a", 0, false}, {"0x1", 0, false},
		{"000000000000000000001", 0, false},
	}
	for _, tt := range tests {
		v, ok := ParseInt([]byte(tt.in))
		if v != tt.v || ok != tt.ok {
			t.Errorf("ParseInt(%q) = %d, %v; want %d, %v", tt.in, v, ok, tt.v, tt.ok)
		}
	}
}

// pipelineBatch returns n SET and n GET commands in multibulk form.
func pipelineBatch(n int) []byte {
	var b []byte
	for i := 0; i < n; i++ {
		key := fmt.Sprintf("key:%06d", i)
		b = AppendCommand(b, "SET", key, "value-0123456789")
		b = AppendCommand(b, "GET", key)
	}
	return b
}

// parseBatch parses every command in buf with p.
func parseBatch(t testing.TB, p *tparser, buf []byte) {
	for len(buf) > 0 {
		argv, n, err := p.Parse(buf)
		if err != nil || n == 0 || len(argv) == 0 {
			t.Fatalf("parseBatch: %d, %v", n, err)
		}
		buf = buf[n:]
	}
}

// tparser is a Parser with the limits and the argument vector that a
// server keeps beside it (the limits shared, the vector in its client), so
// that the tests can call Parse as a server does with one argument.
type tparser struct {
	Parser
	Limits
	argv [][]byte
}

func (t *tparser) Parse(buf []byte) ([][]byte, int, error) {
	argv, n, err := t.Parser.Parse(buf, t.argv, &t.Limits)
	if err == nil {
		t.argv = argv
	}
	return argv, n, err
}
