package mcproto

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// commandCase is one command line and what Parse must make of it, as a
// summary (see summary in helpers_test.go).
type commandCase struct {
	in   string
	want string
}

var longKey = strings.Repeat("k", KeyMaxLength+1) // one byte over the key limit
var maxKey = strings.Repeat("k", KeyMaxLength)    // exactly at it

// textCases are the classic commands: every form memcached 1.6.18 accepts
// and every refusal the parser alone decides, with memcached's reply.
// Those that end in an error are also sent to the real memcached by
// TestMemcachedDifferential.
var textCases = []commandCase{
	// Storage commands.
	{"set k 5 100 3\r\n", `set key="k" flags=5 exptime=100 bytes=3`},
	{"set k 0 0 3 noreply\r\n", `set key="k" bytes=3 noreply`},
	{"add k 0 0 1\r\n", `add key="k" bytes=1`},
	{"replace k 0 0 1\r\n", `replace key="k" bytes=1`},
	{"append k 0 0 1\r\n", `append key="k" bytes=1`},
	{"prepend k 0 0 1\r\n", `prepend key="k" bytes=1`},
	{"cas k 1 2 3 99\r\n", `cas key="k" flags=1 exptime=2 bytes=3 cas=99`},
	{"cas k 0 0 1 18446744073709551615 noreply\r\n", `cas key="k" bytes=1 cas=18446744073709551615 noreply`},
	{"set k 0 0 0\r\n", `set key="k" bytes=0`},
	{"set " + maxKey + " 0 0 1\r\n", `set key="` + maxKey + `" bytes=1`},
	{"set k 4294967295 0 1\r\n", `set key="k" flags=4294967295 bytes=1`},
	{"set k 0 0 2147483645\r\n", `set key="k" bytes=2147483645`},
	{"set k 0 -1 1\r\n", `set key="k" exptime=-1 bytes=1`},
	{"set  k  0 0 1 \r\n", `set key="k" bytes=1`}, // extra spaces are no tokens
	{"set k 0 0 1\n", `set key="k" bytes=1`},      // a bare "\n" ends a line
	{"set k 0 0 1\r\r\n", `set key="k" bytes=1`},  // "1\r": strtol stops at white space
	{"set k +5 0 1\r\n", `set key="k" flags=5 bytes=1`},
	{"set k \t5 0 1\r\n", `set key="k" flags=5 bytes=1`},
	{"set k 5\tz 0 1\r\n", `set key="k" flags=5 bytes=1`},
	{"set k -0 0 1\r\n", `set key="k" bytes=1`},
	{"set k 0 4294967297 1\r\n", `set key="k" exptime=1 bytes=1`}, // exptime truncated as memcached does
	{"set k\t 0 0 1\r\n", `set key="k\t" bytes=1`},                // a tab is part of the key
	{"set k 0 0 1 x\r\n", `set key="k" bytes=1`},                  // a sixth token that is not noreply is ignored
	{"set k 0 0\r\n", "error=ERROR"},
	{"set k 0 0 1 noreply x\r\n", "error=ERROR"}, // ERROR is never suppressed
	{"set " + longKey + " 0 0 1\r\n", "error=CLIENT_ERROR bad command line format"},
	{"set " + longKey + " 0 0 1 noreply\r\n", "error=CLIENT_ERROR bad command line format noreply"},
	{"set k 4294967296 0 1\r\n", "error=CLIENT_ERROR bad command line format"}, // memcached: flags 0
	{"set k 0 0 4294967296\r\n", "error=CLIENT_ERROR bad command line format"}, // memcached: 0 bytes
	{"set k x 0 1\r\n", "error=CLIENT_ERROR bad command line format"},
	{"set k -1 0 1\r\n", "error=CLIENT_ERROR bad command line format"},
	{"set k 0 x 1\r\n", "error=CLIENT_ERROR bad command line format"},
	{"set k 0 0 x\r\n", "error=CLIENT_ERROR bad command line format"},
	{"set k 0 0 noreply\r\n", "error=CLIENT_ERROR bad command line format noreply"}, // noreply as the byte count
	{"set k 0 0 x noreply\r\n", "error=CLIENT_ERROR bad command line format noreply"},
	{"set k 0 0 -1\r\n", "error=CLIENT_ERROR bad command line format"},
	{"set k 0 0 2147483646\r\n", "error=CLIENT_ERROR bad command line format"},
	{"set k 0 0 2147483648\r\n", "error=CLIENT_ERROR bad command line format"},
	{"set k 0 0 1x\r\n", "error=CLIENT_ERROR bad command line format"},
	{"set k 0 0 99999999999999999999\r\n", "error=CLIENT_ERROR bad command line format"},
	{"cas k 0 0 1\r\n", "error=ERROR"},
	{"cas k 0 0 1 abc\r\n", "error=CLIENT_ERROR bad command line format"},
	{"cas k 0 0 1 -1\r\n", "error=CLIENT_ERROR bad command line format"},

	// Retrieval.
	{"get k\r\n", `get keys=["k"]`},
	{"get a b a\r\n", `get keys=["a" "b" "a"]`},
	{"gets a b\r\n", `gets keys=["a" "b"]`},
	{"get a\tb\r\n", `get keys=["a\tb"]`},
	{"get k noreply\r\n", `get keys=["k" "noreply"]`}, // get has no noreply
	{"bget k\r\n", `get keys=["k"]`},
	{"get " + maxKey + "\r\n", `get keys=["` + maxKey + `"]`},
	{"gat 100 a b\r\n", `gat keys=["a" "b"] exptime=100`},
	{"gats -1 a\r\n", `gats keys=["a"] exptime=-1`},
	{"gat 100\r\n", `gat keys=[] exptime=100`},
	{"get a\rb\r\n", `get keys=["a\rb"]`},                        // a '\r' inside a line is a key byte
	{"get k\r\r\n", `get keys=["k\r"]`},                          // only one '\r' is dropped
	{"get" + keyList(30) + "\r\n", `get keys=` + quotedKeys(30)}, // past the 23 tokens split
	{"get" + keyList(23) + " " + longKey + "\r\n", "error=CLIENT_ERROR bad command line format"},
	{"get\r\n", "error=ERROR"},
	{"gets\r\n", "error=ERROR"},
	{"bget\r\n", "error=ERROR"},
	{"getx k\r\n", "error=ERROR"},
	{"get\x00 k\r\n", "error=ERROR"}, // a NUL ends the line: "get" alone
	{"get a " + longKey + "\r\n", "error=CLIENT_ERROR bad command line format"},
	{"gat x k\r\n", "error=CLIENT_ERROR invalid exptime argument"},

	// delete, incr/decr, touch.
	{"delete k\r\n", `delete key="k"`},
	{"delete k 0\r\n", `delete key="k"`},
	{"delete k noreply\r\n", `delete key="k" noreply`},
	{"delete k 0 noreply\r\n", `delete key="k" noreply`},
	{"delete\r\n", "error=ERROR"},
	{"delete a b c d\r\n", "error=ERROR"},
	{"delete k 1\r\n", "error=CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]"},
	{"delete k 1 noreply\r\n", "error=CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply] noreply"},
	{"delete k noreply 0\r\n", "error=CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]"},
	{"delete k 0 0\r\n", "error=CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]"},
	{"delete " + longKey + "\r\n", "error=CLIENT_ERROR bad command line format"},
	{"delete " + longKey + " noreply\r\n", "error=CLIENT_ERROR bad command line format noreply"},
	{"incr k 5\r\n", `incr key="k" delta=5`},
	{"decr k 18446744073709551615 noreply\r\n", `decr key="k" delta=18446744073709551615 noreply`},
	{"incr k\r\n", "error=ERROR"},
	{"incr k 1 2 3\r\n", "error=ERROR"},
	{"incr k x\r\n", "error=CLIENT_ERROR invalid numeric delta argument"},
	{"incr k -1\r\n", "error=CLIENT_ERROR invalid numeric delta argument"},
	{"incr k 18446744073709551616\r\n", "error=CLIENT_ERROR invalid numeric delta argument"},
	{"incr k x noreply\r\n", "error=CLIENT_ERROR invalid numeric delta argument noreply"},
	{"incr " + longKey + " 1\r\n", "error=CLIENT_ERROR bad command line format"},
	{"touch k 10\r\n", `touch key="k" exptime=10`},
	{"touch k 10 noreply\r\n", `touch key="k" exptime=10 noreply`},
	{"touch k\r\n", "error=ERROR"},
	{"touch k 1 2 3\r\n", "error=ERROR"},
	{"touch k x\r\n", "error=CLIENT_ERROR invalid exptime argument"},
	{"touch " + longKey + " x\r\n", "error=CLIENT_ERROR bad command line format"},

	// The rest.
	{"flush_all\r\n", "flush_all"},
	{"flush_all 10\r\n", "flush_all exptime=10 delay"},
	{"flush_all noreply\r\n", "flush_all noreply"},
	{"flush_all 0 noreply\r\n", "flush_all delay noreply"},
	{"flush_all -1\r\n", "flush_all exptime=-1 delay"},
	{"flush_all x\r\n", "error=CLIENT_ERROR invalid exptime argument"},
	{"flush_all x noreply\r\n", "error=CLIENT_ERROR invalid exptime argument noreply"},
	{"flush_all noreply x\r\n", "error=CLIENT_ERROR invalid exptime argument"},
	{"flush_all 1 2 3\r\n", "error=ERROR"},
	{"version\r\n", "version"},
	{"version x y\r\n", "version"},
	{"quit\r\n", "quit"},
	{"quit x\r\n", "quit"},
	{"verbosity 1\r\n", "verbosity level=1"},
	{"verbosity 1 2\r\n", "verbosity level=1"},
	{"verbosity 1 noreply\r\n", "verbosity level=1 noreply"},
	{"verbosity\r\n", "error=ERROR"},
	{"verbosity 1 2 3\r\n", "error=ERROR"},
	{"verbosity x\r\n", "error=CLIENT_ERROR bad command line format"},
	{"verbosity noreply\r\n", "error=CLIENT_ERROR bad command line format noreply"},
	{"stats\r\n", "stats args=[]"},
	{"stats settings\r\n", `stats args=["settings"]`},
	{"stats detail on\r\n", `stats args=["detail" "on"]`},
	{"shutdown\r\n", "shutdown args=[]"},
	{"slabs reassign 1 2\r\n", `slabs args=["reassign" "1" "2"]`},
	{"lru_crawler crawl 1\r\n", `lru_crawler args=["crawl" "1"]`},
	{"watch\r\n", "watch args=[]"},
	{"refresh_certs\r\n", "refresh_certs args=[]"},
	{"lru mode flat\r\n", `lru args=["mode" "flat"]`},
	{"extstore item_size 5\r\n", `extstore args=["item_size" "5"]`},
	{"lru\r\n", "error=ERROR"},
	{"extstore\r\n", "error=ERROR"},
	{"cache_memlimit 100\r\n", "cache_memlimit level=100"},
	{"cache_memlimit 100 noreply\r\n", "cache_memlimit level=100 noreply"},
	{"cache_memlimit\r\n", "error=ERROR"},
	{"cache_memlimit x\r\n", "error=ERROR"},
	{"cache_memlimit x noreply\r\n", "error=ERROR noreply"},

	// Unknown commands, and lines that are not commands.
	{"\r\n", "error=ERROR"},
	{"\n", "error=ERROR"},
	{"   \r\n", "error=ERROR"},
	{"x\r\n", "error=ERROR"},
	{"ve\r\n", "error=ERROR"},
	{"GET k\r\n", "error=ERROR"}, // command names are lower case
	{"SET k 0 0 1\r\n", "error=ERROR"},
	{"foo\r\n", "error=ERROR"},
	{"\x00set k 0 0 1\r\n", "error=ERROR"},
	{"GET / HTTP/1.1\r\n", "close"},
	{"xx HTTP/\r\n", "close"},
	{"HTTP/1.1\r\n", "close"},
	{"mxx HTTP/1.1\r\n", "close"},
	{"px HTTP/1.1\r\n", "close"},
	{"xx HTTP/1.1\x00\r\n", "close"},
	{"xx HTTP/1.1\r\r\n", "close"},
	{"xx y\x00 HTTP/1.1\r\n", "error=ERROR"},
	{"xx HTTPx\r\n", "error=ERROR"},
	{"xx b HTTP/1.1 z\r\n", "error=ERROR"},
	{"set HTTP/1.1\r\n", "error=ERROR"}, // a known first letter: no HTTP check
	{"ab HTTP/1.1\r\n", "error=ERROR"},
	{"tx HTTP/1.1\r\n", "error=ERROR"},
	{"get / HTTP/1.1\r\n", `get keys=["/" "HTTP/1.1"]`},
	// Only the first 23 tokens are split: the 23rd is the one checked.
	{"xx b c d e f g h i j k l m n o p q r s t u v HTTP/1.1 z\r\n", "close"},
	{"xx b c d e f g h i j k l m n o p q r s t u v w HTTP/1.1\r\n", "error=ERROR"},
}

// keyList is " k0 k1 ... k<n-1>".
func keyList(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, " k%d", i)
	}
	return b.String()
}

// quotedKeys is keyList's keys as summary prints them.
func quotedKeys(n int) string {
	keys := strings.Fields(keyList(n))
	return fmt.Sprintf("%q", keys)
}

// TestParseCommands parses each of textCases and metaCases in one piece,
// followed by a "mn" line, and expects the summary given, a consumed count
// that ends exactly at the line's end, and the following "mn" parsed next.
func TestParseCommands(t *testing.T) {
	for _, c := range append(append([]commandCase(nil), textCases...), metaCases...) {
		var p Parser
		in := []byte(c.in + "mn\r\n")
		req, n, err := p.Parse(in)
		got := summary(req, err)
		if got != c.want {
			t.Errorf("Parse(%q):\n got %s\nwant %s", c.in, got, c.want)
			continue
		}
		if err != nil && err.(*Error).Close {
			continue
		}
		if n != len(c.in) {
			t.Errorf("Parse(%q) consumed %d bytes, want %d", c.in, n, len(c.in))
			continue
		}
		if req.Kind == KindMetaSet && err != nil {
			continue // swallowing its data block: see TestSwallow
		}
		if req, _, err := p.Parse(in[n:]); err != nil || req == nil || req.Kind != KindMetaNoop {
			t.Errorf("after %q: the next line parsed as %s, want mn", c.in, summary(req, err))
		}
	}
}

// TestSplitEveryByte feeds every case, and the pipelines, one byte at a
// time and in chunks of 2, 3, 7 and 16 bytes, and expects the same events as
// when the input arrives in one piece: the parser keeps its place in a line
// that trickles in.
func TestSplitEveryByte(t *testing.T) {
	inputs := []string{}
	for _, c := range append(append([]commandCase(nil), textCases...), metaCases...) {
		inputs = append(inputs, c.in+"mn\r\n")
	}
	for _, pl := range pipelines {
		inputs = append(inputs, pl.in)
	}
	for _, in := range inputs {
		var p Parser
		want := drive(&p, []byte(in), 0)
		for _, chunk := range []int{1, 2, 3, 7, 16} {
			var p Parser
			got := drive(&p, []byte(in), chunk)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("%q in chunks of %d:\n got %q\nwant %q", in, chunk, got, want)
			}
		}
	}
}

// pipelines are several commands, data blocks included, in one buffer.
var pipelines = []struct {
	in   string
	want []string
}{
	{
		"set a 0 0 1\r\nx\r\nget a b\r\ndelete a\r\nmn\r\n",
		[]string{`set key="a" bytes=1`, `value="x"`, `get keys=["a" "b"]`, `delete key="a"`, "mn"},
	},
	{
		// Values may hold anything, "\r\n" and command text included.
		"set a 0 0 9\r\nget b\r\nxx\r\nset b 1 0 0\r\n\r\nincr a 1\r\n",
		[]string{`set key="a" bytes=9`, `value="get b\r\nxx"`, `set key="b" flags=1 bytes=0`, `value=""`, `incr key="a" delta=1`},
	},
	{
		// A bad data chunk: "xyz\r\n" for 1 byte takes "xyz", then "\r\n"
		// is an empty command (ERROR), as memcached has it.
		"set k 0 0 1\r\nxyz\r\nmn\r\n",
		[]string{`set key="k" bytes=1`, "value error=CLIENT_ERROR bad data chunk", "error=ERROR", "mn"},
	},
	{
		// A refused line never swallows its data: the value is read as a
		// command.
		"set " + longKey + " 0 0 1\r\nx\r\nmn\r\n",
		[]string{"error=CLIENT_ERROR bad command line format", "error=ERROR", "mn"},
	},
	{
		// The driver refuses items over refuseOver bytes and swallows them.
		"set big 0 0 100\r\n" + strings.Repeat("v", 100) + "\r\nget big\r\n",
		[]string{`set key="big" bytes=100`, "too large", `get keys=["big"]`},
	},
	{
		// An ms refused after its length swallows its data block itself.
		"ms k 2 Z\r\nxx\r\nms k 2 T\r\nab\r\nmn\r\n",
		[]string{"error=CLIENT_ERROR invalid flag", "error=CLIENT_ERROR bad token in command line format", "mn"},
	},
	{
		"ms k 2 T30 F5 c\r\nhi\r\nmg k v\r\nmn\r\n",
		[]string{`ms key="k" bytes=2 flags=[T30 F5 c] ttl=30 client-flags=5`, `value="hi"`, `mg key="k" flags=[v]`, "mn"},
	},
	{
		// quit is a request like any other; the server stops reading.
		"get a\r\nquit\r\nget b\r\n",
		[]string{`get keys=["a"]`, "quit", `get keys=["b"]`},
	},
	{
		// A data block that has not fully arrived leaves the input pending.
		"set k 0 0 5\r\nab",
		[]string{`set key="k" bytes=5`, "need-more"},
	},
	{
		"get a b c",
		[]string{"need-more"},
	},
	{
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		[]string{"close"},
	},
}

// TestPipeline parses each of pipelines in one piece and expects its events
// in order.
func TestPipeline(t *testing.T) {
	for _, pl := range pipelines {
		var p Parser
		got := drive(&p, []byte(pl.in), 0)
		if strings.Join(got, "\n") != strings.Join(pl.want, "\n") {
			t.Errorf("%q:\n got %q\nwant %q", pl.in, got, pl.want)
		}
	}
}

// TestLongLines checks the 2048-byte rule of try_read_command_ascii and
// this package's bound on get lines.
func TestLongLines(t *testing.T) {
	getLine := func(n int) string { // "get k k k ..." of n bytes
		s := "get" + strings.Repeat(" k", (n-3)/2)
		return s + strings.Repeat(" ", n-len(s))
	}
	cases := []struct {
		name, in, want string
		limit          int
	}{
		{"2048 bytes without newline wait", strings.Repeat("x", 2048), "need-more", 0},
		{"2049 bytes without newline close", strings.Repeat("x", 2049), "close", 0},
		{"a long line that arrives whole is read", strings.Repeat("x", 5000) + "\r\n", "error=ERROR", 0},
		{"a get line may be longer", getLine(3000), "need-more", 0},
		{"a gets line too", "gets" + getLine(3000)[3:], "need-more", 0},
		{"100 spaces before get are allowed", strings.Repeat(" ", 100) + getLine(3000), "need-more", 0},
		{"101 are not", strings.Repeat(" ", 101) + getLine(3000), "close", 0},
		{"get without a space is no get", "getk" + strings.Repeat("x", 3000), "close", 0},
		{"a set line is not", "set " + strings.Repeat("k", 3000), "close", 0},
		{"a get line over the limit closes", getLine(1001), "close=CLIENT_ERROR line too long", 1000},
		{"a get line at the limit waits", getLine(1000), "need-more", 1000},
		{"a whole get line over the limit closes too", getLine(1001) + "\r\n", "close=CLIENT_ERROR line too long", 1000},
		{"a whole get line at the limit is read", getLine(1000) + "\n", "get", 1000},
		{"the default limit", getLine(DefaultMaxGetLineLength + 1), "close=CLIENT_ERROR line too long", 0},
	}
	for _, c := range cases {
		p := Parser{MaxGetLineLength: c.limit}
		req, _, err := p.Parse([]byte(c.in))
		got := summary(req, err)
		if req != nil && req.Kind == KindGet {
			got = "get"
		}
		if got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
}

// TestMultiGetStraddle sends a get of 10,000 keys of assorted lengths
// through a 16 KiB read buffer compacted between reads, as memcached's
// conn_read does, so that keys straddle every read boundary
// (memcached#849), and expects every key intact and in order.
func TestMultiGetStraddle(t *testing.T) {
	var keys []string
	line := []byte("get")
	for i := 0; i < 10000; i++ {
		k := strings.Repeat(string(rune('a'+i%26)), 1+i*7%40) + "-" + string(rune('0'+i%10))
		keys = append(keys, k)
		line = append(line, ' ')
		line = append(line, k...)
	}
	line = append(line, "\r\nmn\r\n"...)
	for _, read := range []int{16384, 4096, 1000, 333} {
		var p Parser
		buf := make([]byte, 0, 1<<20)
		var got []string
		for off := 0; ; {
			end := min(off+read, len(line))
			buf = append(buf, line[off:end]...)
			off = end
			req, n, err := p.Parse(buf)
			if err != nil {
				t.Fatalf("read size %d: %v", read, err)
			}
			if req != nil {
				if req.Kind != KindGet {
					t.Fatalf("read size %d: got %s", read, summary(req, err))
				}
				for _, k := range req.Keys {
					got = append(got, string(k))
				}
				buf = append(buf[:0], buf[n:]...)
				break
			}
			if off == len(line) {
				t.Fatalf("read size %d: need more after the whole line", read)
			}
		}
		if strings.Join(got, " ") != strings.Join(keys, " ") {
			t.Errorf("read size %d: %d keys, first difference:", read, len(got))
			for i := range keys {
				if i >= len(got) || got[i] != keys[i] {
					t.Errorf("  key %d: got %.40q, want %q", i, got[min(i, len(got)-1)], keys[i])
					break
				}
			}
		}
		if req, _, _ := p.Parse(buf); req == nil || req.Kind != KindMetaNoop {
			t.Errorf("read size %d: the line after the get did not parse", read)
		}
	}
}

// TestData checks the data block helpers: need more, a good block, and a
// bad chunk terminator.
func TestData(t *testing.T) {
	cases := []struct {
		buf   string
		bytes int
		value string
		n     int
		err   error
	}{
		{"", 0, "", 0, nil},
		{"\r", 0, "", 0, nil},
		{"\r\n", 0, "", 2, nil},
		{"abc\r", 3, "", 0, nil},
		{"abc\r\nget k\r\n", 3, "abc", 5, nil},
		{"a\r\n\r\n", 3, "a\r\n", 5, nil},
		{"xyz\r\n", 1, "", 3, ErrBadDataChunk},
		{"ab\n\n", 2, "", 4, ErrBadDataChunk},
		{"ab\r\r", 2, "", 4, ErrBadDataChunk},
	}
	for _, c := range cases {
		value, n, err := Data([]byte(c.buf), c.bytes)
		if string(value) != c.value || n != c.n || !errors.Is(err, c.err) {
			t.Errorf("Data(%q, %d) = %q, %d, %v; want %q, %d, %v", c.buf, c.bytes, value, n, err, c.value, c.n, c.err)
		}
	}
	if err := CheckDataEnd([]byte("x\r\n")); err != nil {
		t.Errorf("CheckDataEnd(x\\r\\n) = %v", err)
	}
	if err := CheckDataEnd([]byte("\n")); err != ErrBadDataChunk {
		t.Errorf("CheckDataEnd(\\n) = %v, want ErrBadDataChunk", err)
	}
}

// TestSwallow checks that Swallow discards exactly the bytes asked, across
// calls, before the next line; and that an ms refused after its length
// swallows its own block.
func TestSwallow(t *testing.T) {
	var p Parser
	in := []byte("set k 0 0 10\r\n0123456789\r\nmn\r\n")
	req, n, err := p.Parse(in)
	if err != nil || req.Bytes != 10 {
		t.Fatalf("set line: %s", summary(req, err))
	}
	p.Swallow(int64(req.Bytes) + 2)
	rest := in[n:]
	// Offer the block in two parts: 5 bytes, then the rest.
	if req, n, err := p.Parse(rest[:5]); req != nil || n != 5 || err != nil || p.Swallowing() != 7 {
		t.Fatalf("first part: %v %d %v, swallowing %d", req, n, err, p.Swallowing())
	}
	rest = rest[5:]
	if req, n, err := p.Parse(rest); req != nil || n != 7 || err != nil || p.Swallowing() != 0 {
		t.Fatalf("second part: %v %d %v", req, n, err)
	}
	rest = rest[7:]
	if req, _, _ := p.Parse(rest); req == nil || req.Kind != KindMetaNoop {
		t.Fatalf("after the swallow: %s", summary(req, nil))
	}

	p = Parser{}
	in = []byte("ms k 3 Z\r\nabc\r\nmn\r\n")
	req, n, err = p.Parse(in)
	if err != ErrMetaInvalidFlag || p.Swallowing() != 5 {
		t.Fatalf("ms with a bad flag: %s, swallowing %d", summary(req, err), p.Swallowing())
	}
	if _, n2, _ := p.Parse(in[n:]); n2 != 5 {
		t.Fatalf("swallowed %d bytes, want 5", n2)
	}
	// An ms refused before its length is read swallows nothing.
	p = Parser{}
	if _, _, err := p.Parse([]byte("ms k x Z\r\n")); err != ErrBadFormat || p.Swallowing() != 0 {
		t.Fatalf("ms with a bad length: %v, swallowing %d", err, p.Swallowing())
	}
}

// TestNumbers checks the readers of numeric tokens against what
// memcached's safe_strto* make of them (checked on the binary where it
// matters: see textCases).
func TestNumbers(t *testing.T) {
	u32 := []struct {
		in string
		v  uint32
		ok bool
	}{
		{"0", 0, true}, {"+5", 5, true}, {"\t5", 5, true}, {"5\tz", 5, true},
		{"-0", 0, true}, {"4294967295", 4294967295, true},
		{"4294967296", 0, false}, // memcached: silently 0; here refused
		{"18446744073709551615", 0, false},
		{"-1", 0, false}, {"", 0, false}, {"+", 0, false}, {"x", 0, false}, {"5x", 0, false},
	}
	for _, c := range u32 {
		if v, ok := safeStrtoul([]byte(c.in)); v != c.v || ok != c.ok {
			t.Errorf("safeStrtoul(%q) = %d, %v; want %d, %v", c.in, v, ok, c.v, c.ok)
		}
	}
	i32 := []struct {
		in    string
		trunc int32
		okT   bool
		exact int32
		okE   bool
	}{
		{"5", 5, true, 5, true},
		{"-5", -5, true, -5, true},
		{"4294967297", 1, true, 0, false},
		{"2147483648", -2147483648, true, 0, false},
		{"-2147483648", -2147483648, true, -2147483648, true},
		{"9223372036854775807", -1, true, 0, false},
		{"9223372036854775808", 0, false, 0, false},
		{"-9223372036854775808", 0, true, 0, false},
		{"x", 0, false, 0, false},
	}
	for _, c := range i32 {
		if v, ok := safeStrtolTrunc([]byte(c.in)); v != c.trunc || ok != c.okT {
			t.Errorf("safeStrtolTrunc(%q) = %d, %v; want %d, %v", c.in, v, ok, c.trunc, c.okT)
		}
		if v, ok := safeStrtol32([]byte(c.in)); v != c.exact || ok != c.okE {
			t.Errorf("safeStrtol32(%q) = %d, %v; want %d, %v", c.in, v, ok, c.exact, c.okE)
		}
	}
	u64 := []struct {
		in string
		v  uint64
		ok bool
	}{
		{"18446744073709551615", 18446744073709551615, true},
		{"18446744073709551616", 0, false},
		{"-1", 0, false},
		{"-0", 0, true},
		// strtoull negates modulo 2^64; memcached refuses only results
		// that look negative, so this one reads as 1.
		{"-18446744073709551615", 1, true},
	}
	for _, c := range u64 {
		if v, ok := SafeStrtoull([]byte(c.in)); v != c.v || ok != c.ok {
			t.Errorf("SafeStrtoull(%q) = %d, %v; want %d, %v", c.in, v, ok, c.v, c.ok)
		}
	}
}

// TestParseDoesNotWrite parses every case and checks that the input is
// unchanged: keys are slices of it, never copies or rewrites.
func TestParseDoesNotWrite(t *testing.T) {
	for _, c := range append(append([]commandCase(nil), textCases...), metaCases...) {
		var p Parser
		in := []byte(c.in)
		orig := bytes.Clone(in)
		req, _, _ := p.Parse(in)
		if !bytes.Equal(in, orig) {
			t.Errorf("Parse(%q) changed its input to %q", orig, in)
		}
		if req != nil && req.Kind.IsRetrieval() {
			for _, k := range req.Keys {
				if !within(k, in) {
					t.Errorf("Parse(%q): key %q is not a slice of the input", orig, k)
				}
			}
		}
	}
}

// TestLineTerminator checks which bytes Request.Line keeps: one '\r' before
// the '\n' is dropped, but not from a line of one byte ("\r\n" is the line
// "\r" in memcached).
func TestLineTerminator(t *testing.T) {
	for _, c := range []struct{ in, line string }{
		{"\r\n", "\r"}, {"\n", ""}, {"x\r\n", "x"}, {"x\n", "x"}, {"x\r\r\n", "x\r"}, {"get k\r\n", "get k"},
	} {
		var p Parser
		req, _, _ := p.Parse([]byte(c.in))
		if req == nil || string(req.Line) != c.line {
			t.Errorf("Parse(%q): Line %q, want %q", c.in, req.Line, c.line)
		}
	}
}
