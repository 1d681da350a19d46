package main

import (
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goae/goae/internal/testenv"
)

// The differential test: the same bytes go to a real memcached 1.6.18
// (testenv.StartMemcached: skipped with a message when it is missing, a
// failure under GOAE_INTEROP=require) and to ours, and the replies must be
// the same bytes, CAS values and the version compared by shape.

// diffCase is one conversation: steps are written one by one, 30 ms
// apart, so each step arrives in a read of its own (a value split across
// reads is two steps). {cas} in a step is replaced by the last CAS this
// connection has seen from this server. Unless closes, a miss with an
// opaque of its own is sent last and the replies are read up to its EN.
type diffCase struct {
	name   string
	steps  []string
	closes bool // the server closes the connection: read to EOF
}

var casRe = regexp.MustCompile(`(?m)(^VALUE \S+ \d+ \d+ (\d+)\r$)|( c(\d+))|(cas=(\d+))`)

// lastCAS returns the last CAS in out.
func lastCAS(out string) string {
	m := casRe.FindAllStringSubmatch(out, -1)
	if len(m) == 0 {
		return "0"
	}
	l := m[len(m)-1]
	for _, i := range []int{2, 4, 6} {
		if l[i] != "" {
			return l[i]
		}
	}
	return "0"
}

var (
	valueCASRe = regexp.MustCompile(`(?m)^(VALUE \S+ \d+ \d+) \d+\r$`)
	metaCASRe  = regexp.MustCompile(`(?m)^((?:VA|HD|NS|EX|NF|EN)(?: [^\r]*)?) c\d+`)
	meCASRe    = regexp.MustCompile(`cas=\d+`)
	versionRe  = regexp.MustCompile(`(?m)^VERSION [0-9]+\.[0-9]+\.[0-9]+\S*\r$`)
	// versionLine is what memcached -V prints: "memcached 1.6.18".
	versionLine = regexp.MustCompile(`^memcached [0-9]+\.[0-9]+\.[0-9]+\S*$`)
)

// normalize replaces what may differ between the servers by its shape.
func normalize(s string) string {
	s = valueCASRe.ReplaceAllString(s, "$1 <cas>")
	for metaCASRe.MatchString(s) {
		s = metaCASRe.ReplaceAllString(s, "$1 c<cas>")
	}
	s = meCASRe.ReplaceAllString(s, "cas=<cas>")
	return versionRe.ReplaceAllString(s, "VERSION <version>\r")
}

// converse runs dc against addr and returns the raw replies.
func converse(t *testing.T, addr string, dc diffCase) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var out strings.Builder
	n := 0
	sync := func() {
		// An opaque of its own, so a reply to the steps cannot pass for
		// this one.
		n++
		io.WriteString(c, fmt.Sprintf("mg __sync__ Osync%d\r\n", n))
		b, _ := readUntil(c, fmt.Sprintf("EN Osync%d\r\n", n), 5*time.Second)
		out.Write(b)
	}
	sync() // the connection is up on the worker before the timing starts
	for _, step := range dc.steps {
		if strings.Contains(step, "{cas}") {
			sync()
			step = strings.ReplaceAll(step, "{cas}", lastCAS(out.String()))
		}
		if _, err := io.WriteString(c, step); err != nil {
			break
		}
		time.Sleep(30 * time.Millisecond)
	}
	if dc.closes {
		b, closed := readUntil(c, "", 3*time.Second)
		out.Write(b)
		if !closed {
			out.WriteString("<still open>")
		} else {
			out.WriteString("<closed>")
		}
	} else {
		sync()
	}
	return out.String()
}

func s(steps ...string) []string { return steps }

// keys returns n keys of the given prefix, space-separated.
func keys(prefix string, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s%05d", prefix, i)
	}
	return b.String()
}

// varKeys returns n keys of 2 to 17 bytes, space-separated, with a miss
// ("nokey...") after every 8th: a get line of about 13 bytes a key. It
// checks that no multiple of the 16 KB read buffer falls on a space, so
// each buffer's end cuts a key in two (the line straddles
// len/readBufferSize buffers).
func varKeys(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "v%d%s", i, strings.Repeat("x", i%13))
		if i%8 == 7 {
			fmt.Fprintf(&b, " nokey%d", i)
		}
	}
	line := "get " + b.String()
	for off := readBufferSize; off < len(line); off += readBufferSize {
		if line[off] == ' ' || line[off-1] == ' ' {
			panic(fmt.Sprintf("varKeys(%d): a read buffer ends at a space (offset %d)", n, off))
		}
	}
	return b.String()
}

// varSets returns the pipelined sets of varKeys(n)'s hits, value = key,
// flags = i.
func varSets(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		k := fmt.Sprintf("v%d%s", i, strings.Repeat("x", i%13))
		fmt.Fprintf(&b, "set %s %d 0 %d noreply\r\n%s\r\n", k, i, len(k), k)
	}
	return b.String()
}

var (
	longKey = strings.Repeat("k", 251)
	okKey   = strings.Repeat("k", 250)
	kb2     = strings.Repeat("x", 2048)
)

// diffCases: what was tried, each named for what it checks; expected is
// memcached's reply, byte for byte.
var diffCases = []diffCase{
	// Storage commands and their replies.
	{name: "set get", steps: s("set a 5 0 3\r\nabc\r\nget a\r\nget a a nokey a\r\n")},
	{name: "set zero length", steps: s("set z 0 0 0\r\n\r\nget z\r\n")},
	{name: "add", steps: s("add a 0 0 1\r\nx\r\nadd a 0 0 1\r\ny\r\nget a\r\n")},
	{name: "replace", steps: s("replace r 0 0 1\r\nx\r\nset r 1 0 1\r\nx\r\nreplace r 2 0 1\r\ny\r\nget r\r\n")},
	{name: "append prepend keep flags", steps: s("append p 0 0 1\r\nx\r\nprepend p 0 0 1\r\nx\r\nset p 7 0 2\r\nmm\r\nappend p 0 0 2\r\n>>\r\nprepend p 9 0 2\r\n<<\r\nget p\r\n")},
	{name: "cas", steps: s("cas c 0 0 1 1\r\nx\r\nset c 0 0 1\r\nx\r\ngets c\r\n", "cas c 0 0 1 {cas}\r\ny\r\ncas c 0 0 1 1\r\nz\r\ngets c\r\n")},
	{name: "cas bad token", steps: s("cas c 0 0 1 abc\r\nx\r\ncas c 0 0 1 -1\r\nx\r\ncas c 0 0 1\r\nx\r\n")},
	{name: "noreply", steps: s("set n 0 0 1 noreply\r\nx\r\nadd n 0 0 1 noreply\r\ny\r\nappend n 0 0 1 noreply\r\nz\r\nget n\r\ndelete n noreply\r\ndelete n noreply\r\nincr n 1 noreply\r\ntouch n 1 noreply\r\nflush_all noreply\r\nverbosity 1 noreply\r\nget n\r\n")},
	{name: "noreply suppresses errors", steps: s("set k 0 0 x noreply\r\nset n 0 0 1\r\nab\r\nset n 0 0 2\r\nab\r\nincr n 1 noreply\r\nset n 0 0 1 noreply\r\nxyz\r\n")},
	{name: "bad data chunk", steps: s("set k 0 0 1\r\nxyz\r\nget k\r\n")},
	{name: "wrong token counts", steps: s("set k 0 0\r\nset\r\nget\r\ndelete\r\nincr k\r\ntouch k\r\nGET k\r\nbogus\r\n\r\n")},
	{name: "bad numbers", steps: s("set k x 0 1\r\nx\r\nset k 0 x 1\r\nx\r\nset k 0 0 -1\r\nset k 0 0 2147483648\r\n")},
	{name: "key length", steps: s("set " + longKey + " 0 0 1\r\nx\r\nset " + okKey + " 0 0 1\r\nx\r\nget " + okKey + "\r\nget a " + longKey + "\r\ndelete " + longKey + "\r\nincr " + longKey + " 1\r\ntouch " + longKey + " 1\r\n")},
	{name: "value split across reads", steps: s("set sp 0 0 10\r\nhello", " wor", "ld\r", "\nget sp\r\n")},
	{name: "line split across reads", steps: s("ge", "t a", "\r", "\nset x 0 0 1\r", "\nx\r\nget x\r\n")},
	{name: "pipelined in one packet", steps: s("set p1 0 0 1\r\n1\r\nset p2 0 0 1\r\n2\r\nget p1 p2\r\nincr p1 5\r\ndelete p2\r\nget p1 p2\r\nversion\r\nmn\r\nmg p1 v\r\n")},
	{name: "more than reqs_per_event pipelined", steps: s(strings.Repeat("incr q 1\r\n", 5) + "set q 0 0 1\r\n0\r\n" + strings.Repeat("incr q 1\r\n", 60) + "get q\r\n")},

	// Retrieval.
	{name: "gets", steps: s("set g 3 0 2\r\nhi\r\ngets g nokey g\r\n")},
	{name: "gat gats", steps: s("set t 0 0 2\r\nhi\r\ngat 100 t nokey\r\ngats 100 t\r\ngat 100\r\ngat abc t\r\ngat -1 t\r\nget t\r\n")},
	// 10,000 keys of 2 to 17 bytes and 1,250 misses: a get line of
	// 131,240 bytes, over 8 read buffers, each 16 KB boundary in the
	// middle of a key (varKeys checks); then gets of them twice over.
	{name: "large multiget across read buffers", steps: s(varSets(10000), "get "+varKeys(10000)+"\r\n", "gets "+varKeys(10000)+" "+varKeys(10000)+"\r\n")},
	{name: "large value", steps: s("set big 1 0 100000\r\n" + strings.Repeat("v", 100000) + "\r\nget big big\r\n")},
	{name: "long get line in pieces", steps: s("get "+keys("nokey", 300), " "+keys("nokey2", 300), "\r\n")},

	// delete, incr/decr, touch.
	{name: "delete", steps: s("set d 0 0 1\r\nx\r\ndelete d\r\ndelete d\r\nset d 0 0 1\r\nx\r\ndelete d 0\r\ndelete d 1\r\ndelete d 0 noreply\r\ndelete d 0 0 0\r\n")},
	{name: "incr decr", steps: s("incr i 1\r\ndecr i 1\r\nset i 0 0 2\r\n10\r\nincr i 5\r\ndecr i 100\r\nincr i 18446744073709551615\r\nincr i 1\r\nincr i abc\r\nincr i -1\r\nincr i 18446744073709551616\r\nget i\r\n")},
	{name: "incr wrap and padding", steps: s("set w 0 0 20\r\n18446744073709551615\r\nincr w 1\r\nget w\r\nset n 0 0 4\r\n1000\r\ndecr n 1\r\nget n\r\nset m 0 0 2\r\n99\r\nincr m 1\r\nget m\r\n")},
	{name: "incr non-numeric", steps: s("set x 0 0 3\r\nabc\r\nincr x 1\r\nset y 0 0 3\r\n 12\r\nincr y 1\r\nset y2 0 0 3\r\n12 \r\nincr y2 1\r\nset e 0 0 0\r\n\r\nincr e 1\r\n")},
	{name: "touch", steps: s("touch t 10\r\nset t 0 0 1\r\nx\r\ntouch t 10\r\ntouch t abc\r\ntouch t -1\r\nget t\r\n")},

	// Expiry rules.
	{name: "exptime rules", steps: s("set e1 0 -1 1\r\nx\r\nset e2 0 100 1\r\nx\r\nset e3 0 1000000000 1\r\nx\r\nset e4 0 2592000 1\r\nx\r\nset e5 0 9999999999 1\r\nx\r\nget e1 e2 e3 e4 e5\r\n")},

	// flush_all, version, verbosity, quit.
	{name: "flush_all", steps: s("set f 0 0 1\r\nx\r\nflush_all\r\nget f\r\nset f 0 0 1\r\nx\r\nget f\r\nflush_all 0\r\nflush_all abc\r\nflush_all 1 2\r\nflush_all 1 noreply\r\nflush_all -1\r\nget f\r\n")},
	{name: "flush_all delay", steps: s("set f 0 0 1\r\nx\r\nflush_all 100\r\nget f\r\n")},
	{name: "version", steps: s("version\r\nversion extra tokens\r\n")},
	{name: "verbosity", steps: s("verbosity\r\nverbosity 1\r\nverbosity 5\r\nverbosity abc\r\nverbosity 1 2\r\nverbosity 1 2 3\r\nverbosity 0\r\n")},
	{name: "quit", steps: s("set q 0 0 1\r\nx\r\nget q\r\nquit\r\nget q\r\n"), closes: true},
	{name: "quit extra tokens", steps: s("quit now\r\n"), closes: true},

	// stats replies decided without counters.
	{name: "stats subcommands", steps: s("stats reset\r\nstats detail\r\nstats detail on\r\nstats detail off\r\nstats detail dump\r\nstats sizes\r\nstats bogus\r\nstats noreply\r\n")},
	{name: "admin commands", steps: s("shutdown\r\ncache_memlimit 4\r\ncache_memlimit abc\r\ncache_memlimit 64 noreply\r\ncache_memlimit 64\r\nslabs automove 1\r\nslabs\r\nlru_crawler\r\nrefresh_certs\r\n")},

	// The value of a refused store is swallowed, the reply sent after it.
	{name: "too large swallowed, set deletes old", steps: s("set big 0 0 1\r\nx\r\nset big 0 0 1048517\r\n", strings.Repeat("y", 600000), strings.Repeat("y", 448517)+"\r\nget big\r\n")},
	{name: "too large add keeps old", steps: s("set big 0 0 1\r\nx\r\nadd big 0 0 2000000\r\n" + strings.Repeat("y", 2000000) + "\r\nreplace big 0 0 2000000 noreply\r\n" + strings.Repeat("y", 2000000) + "\r\nget big\r\n")},
	{name: "largest item fits", steps: s("set k 0 0 1048516\r\n" + strings.Repeat("y", 1048516) + "\r\nget nokey\r\nset k 1 0 1048516\r\n" + strings.Repeat("y", 1048516) + "\r\n")},
	{name: "swallow waits for the bytes", steps: s("set big 0 0 2000000\r\n"+strings.Repeat("y", 1000), strings.Repeat("y", 1000))},

	// Lines that close the connection.
	{name: "2048 rule", steps: s("set " + kb2), closes: true},
	{name: "2048 rule after a reply", steps: s("version\r\n", "bogus "+kb2), closes: true},
	{name: "http request", steps: s("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), closes: true},
	{name: "long get allowed", steps: s("get "+kb2, kb2+"\r\n")},

	// Meta commands, each flag.
	{name: "mn", steps: s("mn\r\nmn extra\r\n")},
	{name: "mg flags", steps: s("set m 5 0 2\r\nhi\r\nmg m\r\nmg m v\r\nmg m s v f t k O123 c\r\nmg m h l\r\nmg m q\r\nmg m k q v\r\nmg nokey O1 k\r\nmg nokey q\r\nmg nokey q k\r\nmg m u h\r\n")},
	{name: "mg T touches", steps: s("set m 0 0 2\r\nhi\r\nmg m T100 t\r\nmg m t\r\nmg m T-1 v\r\nmg m v\r\n")},
	{name: "mg N vivify and R recache", steps: s("mg viv N30 t v c\r\nmg viv N30 t v\r\nmg viv v\r\nset r 0 100 1\r\nx\r\nmg r R200 v\r\nmg r R200 v\r\nmg r R50 v\r\n")},
	{name: "mg errors", steps: s("mg\r\nmg k zz\r\nmg k v v\r\nmg k O" + strings.Repeat("1", 32) + "\r\nmg k O" + strings.Repeat("1", 31) + "\r\nmg " + longKey + " v\r\nmg a== b v\r\nmg k Tabc\r\n")},
	{name: "mg base64 key", steps: s("ms YWJj 2 b\r\nhi\r\nmg YWJj b v k\r\nget abc\r\nmg abc k v\r\nme YWJj b\r\n")},
	{name: "ms flags", steps: s("ms s 2\r\nhi\r\nms s 2 T100 F7 c k O9\r\nhi\r\nmg s f t v\r\nms s 2 q\r\nhq\r\nms s 2 q O1\r\nhq\r\nmg s v\r\n")},
	{name: "ms modes", steps: s("ms s 1 ME\r\na\r\nms s 1 ME\r\nb\r\nms s 1 MA\r\nc\r\nms s 1 MP\r\nd\r\nms s 1 MR\r\ne\r\nms nos 1 MR\r\ne\r\nms nos 1 MA\r\ne\r\nms s 1 MS\r\nf\r\nmg s v\r\nms viv 1 MA N100\r\nv\r\nmg viv v t\r\n")},
	{name: "ms cas", steps: s("ms c 1 c\r\na\r\n", "ms c 1 C{cas} c\r\nb\r\nms c 1 C1\r\nx\r\nms nokey 1 C1\r\nx\r\nmg c v\r\n")},
	{name: "ms errors", steps: s("ms\r\nms k\r\nms k abc\r\nms k 2 MX\r\nhi\r\nms k 2 zz\r\nhi\r\nms k 2 v v\r\nhi\r\nms k 2\r\nhello\r\nmg k v\r\nms k 2000000 T0\r\n" + strings.Repeat("y", 2000000) + "\r\n")},
	{name: "ms bad data chunk with q", steps: s("ms k 2 q\r\nhello\r\n")},
	{name: "md", steps: s("md k\r\nmd k q\r\nmd k O1 k\r\nset k 0 0 1\r\nx\r\nmd k q\r\nmd k\r\nset k 0 0 1\r\nx\r\nmd k C1\r\nmd k O5 k\r\nmd k zz\r\nmd\r\n")},
	// ms I: with a CAS older than the item's, the value is stored (HD, a
	// new CAS, counted as a cas hit) but keeps the old TTL (none here, so
	// that no clock tick between the servers shows; T30 would give t30)
	// and is stale: the next mg shows X W, the one after Z X; a second
	// stale ms keeps the token (Z X, no W). A matching CAS stores a fresh value; a CAS
	// above the item's, C0, and I without C or with E/A/P are as without I.
	{name: "ms invalidate older cas", steps: s("set k 3 0 1\r\nx\r\nmg k c\r\n", "ms k 1 I C1 T30 F9 c\r\ny\r\nmg k v t f\r\nmg k v t\r\nms k 1 I C2 k\r\nz\r\nmg k v t\r\n")},
	{name: "ms invalidate matching or newer cas", steps: s("set k 0 100 1\r\nx\r\nmg k c\r\n", "ms k 1 I C{cas} T0\r\ny\r\nmg k v t\r\nmg k c\r\n", "ms k 1 I C1{cas}\r\nw\r\nms k 1 I C0 c\r\nw\r\nms k 1 I\r\nz\r\nmg k v t\r\nms nokey 1 I C1\r\nn\r\n")},
	{name: "ms invalidate modes", steps: s("set k 0 0 1\r\nx\r\nmg k c\r\n", "ms k 1 I C1 MR\r\nr\r\nmg k v\r\nms k 1 I C1 ME\r\ne\r\nms k 1 I C1 MA\r\na\r\nms k 1 I C1 MP\r\np\r\nms k 1 I C1 MS q\r\ns\r\nmg k v\r\nmd k I\r\nmg k c\r\n", "ms k 1 I C{cas}\r\nm\r\nmg k v\r\n")},
	{name: "md invalidate", steps: s("set k 0 0 1\r\nx\r\nmd k I T30\r\nmg k v c t\r\nmg k v\r\nmd nokey I\r\n")},
	{name: "ma", steps: s("ma n\r\nma n q\r\nma n N0 J10 v t\r\nma n v\r\nma n MD D3 v\r\nma n M- v\r\nma n M+ D100 v c\r\nma n q\r\nma n q v\r\nma n O7 k v\r\nma n C1 v\r\nmg n v\r\n")},
	{name: "ma errors", steps: s("ma\r\nma k MX\r\nma k Dabc\r\nma k Jx\r\nset s 0 0 1\r\nx\r\nma s\r\nma k zz\r\n")},
	{name: "me", steps: s("me nokey\r\nset m 0 0 2\r\nhi\r\nme m\r\nme\r\nme " + longKey + "\r\nme a== b\r\n")},
}

// TestDifferential runs every diffCase on a real memcached and on ours
// (two workers) and compares the replies.
func TestDifferential(t *testing.T) {
	mc := "127.0.0.1:" + strconv.Itoa(testenv.StartMemcached(t))
	ours := startServer(t, func(c *config) { c.threads = 2 }).Addr()
	for _, dc := range diffCases {
		t.Run(dc.name, func(t *testing.T) {
			flush := diffCase{steps: s("flush_all noreply\r\n")}
			converse(t, mc, flush)
			converse(t, ours, flush)
			want := normalize(converse(t, mc, dc))
			got := normalize(converse(t, ours, dc))
			if got != want {
				t.Errorf("sent %q\nmemcached: %s\nours:      %s", clip(strings.Join(dc.steps, "|")), clip(want), clip(got))
			}
		})
	}
}

// clip shortens long test output.
func clip(s string) string {
	if len(s) > 3000 {
		return strconv.Quote(s[:1500]) + fmt.Sprintf(" ...(%d bytes)... ", len(s)-3000) + strconv.Quote(s[len(s)-1500:])
	}
	return strconv.Quote(s)
}
