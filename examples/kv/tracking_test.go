package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/testenv"
)

// A tracking script runs steps on several connections of one server and
// records, per connection, every byte it receives: replies and the push
// or pub/sub messages that invalidations send. After each step every open
// connection is synced with a PING (the server has sent all it had for it
// before the PONG), so the transcripts do not depend on timing and can be
// compared byte for byte between redis-server and kv.
type trackStep struct {
	conn int
	cmd  string // "$IDn" is replaced by connection n's client ID; "QUIT" closes it
}

type trackRun struct {
	t     *testing.T
	conns []*rawConn
	ids   []int64
	out   []strings.Builder
	// inMulti: the connection is in MULTI, where a PING would be queued.
	inMulti []bool
}

func newTrackRun(t *testing.T, addr string, n int) *trackRun {
	r := &trackRun{t: t, out: make([]strings.Builder, n), inMulti: make([]bool, n)}
	for i := 0; i < n; i++ {
		c := dialRaw(t, addr)
		r.conns = append(r.conns, c)
		r.ids = append(r.ids, mustReply(t, c.do("CLIENT", "ID")).Int)
	}
	return r
}

// isPong tells a PING's reply in RESP2, RESP3 and RESP2 subscribed mode.
func isPong(raw string) bool {
	return raw == resp.Pong || raw == "*2\r\n$4\r\npong\r\n$0\r\n\r\n"
}

// sync sends PING on connection i and records what comes before its PONG.
func (r *trackRun) sync(i int) {
	c := r.conns[i]
	if c == nil {
		return
	}
	c.send(string(resp.AppendCommand(nil, "PING")))
	r.readToPong(i)
}

// readToPong records what connection i receives up to a PONG.
func (r *trackRun) readToPong(i int) {
	c := r.conns[i]
	for {
		raw := c.reply()
		if isPong(raw) {
			return
		}
		r.out[i].WriteString(raw)
	}
}

func (r *trackRun) run(steps []trackStep) {
	for _, st := range steps {
		line := st.cmd
		for j := len(r.ids) - 1; j >= 0; j-- {
			line = strings.ReplaceAll(line, "$ID"+strconv.Itoa(j), strconv.FormatInt(r.ids[j], 10))
		}
		args := cmds(line)[0]
		c := r.conns[st.conn]
		fmt.Fprintf(&r.out[st.conn], "> %s\n", st.cmd)
		verb := strings.ToLower(args[0])
		if r.inMulti[st.conn] || verb == "multi" {
			// A PING would be queued: read the one reply.
			r.out[st.conn].WriteString(c.do(args...))
			r.inMulti[st.conn] = verb != "exec" && verb != "discard"
		} else if verb == "quit" {
			r.out[st.conn].WriteString(c.do(args...))
			c.conn.Close()
			r.conns[st.conn] = nil
		} else {
			// The command and a PING in one write, read and run in one
			// loop iteration: what comes before the PONG is the reply and
			// whatever the command pushed here at once (a BCAST push for
			// its own write comes after, before the loop sleeps).
			c.send(string(resp.AppendCommand(resp.AppendCommand(nil, args...), "PING")))
			r.readToPong(st.conn)
		}
		for j := range r.conns {
			if j != st.conn {
				r.sync(j)
				// Where each step ends, for a reader of a failure.
				fmt.Fprintf(&r.out[j], "| after %d: %s\n", st.conn, st.cmd)
			}
		}
	}
}

// idField finds the replies that carry a client ID: HELLO's id,
// TRACKINGINFO's redirect, a tracking-redir-broken push and GETREDIR's
// answer.
var idField = regexp.MustCompile(`(\$2\r\nid\r\n|redirect\r\n|tracking-redir-broken\r\n|> CLIENT GETREDIR\n):(\d+)\r\n`)

// transcript is connection i's, with the client IDs named.
func (r *trackRun) transcript(i int) string {
	return idField.ReplaceAllStringFunc(r.out[i].String(), func(m string) string {
		sub := idField.FindStringSubmatch(m)
		for j, id := range r.ids {
			if sub[2] == strconv.FormatInt(id, 10) {
				return sub[1] + fmt.Sprintf(":ID%d\r\n", j)
			}
		}
		return m
	})
}

// diffTracking runs steps on kv and on redis-server 7.0.15 and compares
// each connection's transcript.
func diffTracking(t *testing.T, nconns int, steps []trackStep) {
	t.Helper()
	redis := fmt.Sprintf("127.0.0.1:%d", testenv.StartRedis(t))
	ours := startServer(t, newTestServer(t))
	a, b := newTrackRun(t, ours, nconns), newTrackRun(t, redis, nconns)
	a.run(steps)
	b.run(steps)
	for i := 0; i < nconns; i++ {
		if got, want := a.transcript(i), b.transcript(i); got != want {
			at := 0
			for at < len(got) && at < len(want) && got[at] == want[at] {
				at++
			}
			// Show the replies around the first difference, one per line.
			from := max(0, at-200)
			t.Errorf("connection %d differs after %q:\n ours:  %s\n redis: %s", i, compactRESP(got[from:at]),
				compactRESP(got[at:min(at+400, len(got))]), compactRESP(want[at:min(at+400, len(want))]))
		}
	}
}

func steps(lines ...string) []trackStep {
	var out []trackStep
	for _, l := range lines {
		n, cmd, _ := strings.Cut(l, " ")
		i, err := strconv.Atoi(n)
		if err != nil {
			panic(l)
		}
		out = append(out, trackStep{conn: i, cmd: cmd})
	}
	return out
}

// Input: a RESP3 client (0) tracking by default, another (1) writing:
// reads then writes of the same keys by 1 and by 0 itself, MGET and MSET
// of several keys, DEL, FLUSHALL by 0 and FLUSHDB by 1, TRACKINGINFO and
// GETREDIR on and off. Expected: redis-server's bytes on both connections:
// one ">2 invalidate [key]" per remembered key written (after the writer's
// own reply when 0 writes), the key forgotten once invalidated, a null for
// every flush, nothing once tracking is off.
func TestTrackingDefaultMatchesRedis(t *testing.T) {
	diffTracking(t, 2, steps(
		"0 HELLO 3", "0 CLIENT TRACKING ON", "1 SET k v", "0 GET k", "1 SET k w", "1 SET k w2", "0 GET k",
		"0 SET k x", "0 GET k", "0 MGET k a b", "1 MSET a 1 b 2 k 3", "0 GET k", "0 STRLEN k", "1 APPEND k z",
		"0 EXISTS k", "1 DEL k", "0 GET k", "0 FLUSHALL", "0 GET k", "1 FLUSHDB",
		"0 CLIENT TRACKINGINFO", "0 CLIENT GETREDIR", "0 CLIENT TRACKING OFF", "0 CLIENT TRACKINGINFO",
		"0 CLIENT GETREDIR", "0 GET k", "1 SET k y", "0 HELLO 2", "0 CLIENT TRACKING ON", "0 GET k", "1 SET k z",
		"0 CLIENT TRACKINGINFO",
	))
}

// Input: OPTIN with and without CLIENT CACHING yes (also over a MULTI,
// where it covers the transaction, and across another CLIENT subcommand),
// OPTOUT with CLIENT CACHING no, NOLOOP, and every error of CLIENT
// TRACKING and CLIENT CACHING. Expected: redis-server's bytes.
func TestTrackingOptinOptoutMatchesRedis(t *testing.T) {
	diffTracking(t, 2, steps(
		"0 HELLO 3", "0 CLIENT CACHING YES", "0 CLIENT TRACKING ON OPTIN", "0 GET k1", "1 SET k1 x",
		"0 CLIENT CACHING YES", "0 GET k2", "1 SET k2 x", "0 CLIENT CACHING YES", "0 GET k9", "0 GET k10",
		"1 MSET k9 1 k10 2", "0 CLIENT CACHING YES", "0 CLIENT GETREDIR", "0 GET k11", "1 SET k11 1",
		"0 CLIENT CACHING YES", "0 MULTI", "0 GET k3", "0 GET k4", "0 EXEC", "1 MSET k3 1 k4 2",
		"0 CLIENT TRACKINGINFO", "0 CLIENT CACHING YES", "0 CLIENT TRACKINGINFO", "0 CLIENT CACHING NO",
		"0 CLIENT TRACKING ON OPTOUT", "0 CLIENT TRACKING OFF", "0 CLIENT TRACKING ON OPTOUT NOLOOP",
		"0 GET k5", "0 SET k5 v", "0 GET k5", "1 SET k5 w", "0 CLIENT CACHING NO", "0 GET k6", "1 SET k6 x",
		"0 CLIENT CACHING YES", "0 CLIENT TRACKINGINFO", "0 CLIENT TRACKING ON BCAST",
		"0 CLIENT TRACKING OFF", "0 CLIENT TRACKING ON BCAST OPTIN", "0 CLIENT TRACKING ON PREFIX a",
		"0 CLIENT TRACKING ON OPTIN OPTOUT", "0 CLIENT TRACKING maybe", "0 CLIENT TRACKING ON FOO",
		"0 CLIENT TRACKING ON REDIRECT", "0 CLIENT TRACKING ON REDIRECT abc", "0 CLIENT TRACKING ON REDIRECT 999999",
		"0 CLIENT TRACKING ON REDIRECT $ID1 REDIRECT $ID1", "0 CLIENT TRACKING OFF REDIRECT x",
		"0 CLIENT CACHING maybe", "0 CLIENT CACHING", "0 CLIENT GETREDIR x", "0 CLIENT TRACKINGINFO x",
		"0 CLIENT TRACKING", "0 CLIENT TRACKING ON BCAST PREFIX a PREFIX ab",
	))
}

// Input: BCAST with two prefixes, writes under each, under neither and
// under both at once, the client's own writes with and without NOLOOP,
// overlapping prefixes (given together and against the existing ones),
// the empty prefix, and a FLUSHALL. Expected: redis-server's bytes: one
// push per prefix per loop iteration, keys in byte order.
func TestTrackingBcastMatchesRedis(t *testing.T) {
	diffTracking(t, 2, steps(
		"0 HELLO 3", "0 CLIENT TRACKING ON BCAST PREFIX user: PREFIX obj", "1 SET user:1 a", "1 SET other x",
		"1 MSET obj:2 b user:0 c user:9 d objx e", "0 SET user:2 d", "0 CLIENT TRACKING ON BCAST PREFIX user:",
		"0 CLIENT TRACKING ON BCAST PREFIX us", "0 CLIENT TRACKING ON BCAST PREFIX zz", "1 SET zz1 a",
		"0 CLIENT TRACKINGINFO", "0 CLIENT TRACKING OFF", "0 CLIENT TRACKING ON BCAST NOLOOP", "1 SET z 1",
		"0 SET y 2", "0 MSET y 3 x 4", "1 MSET y 5 w 6", "1 FLUSHALL", "0 CLIENT TRACKINGINFO",
		"0 CLIENT TRACKING ON BCAST PREFIX a", "1 DEL nothing", "1 SET a1 1",
	))
}

// Input: REDIRECT to a RESP3 client (2) from a RESP2 client (0) and from
// a RESP3 one (1), then the target quits and the keys are written again.
// Expected: redis-server's bytes: invalidations arrive at 2 while it is
// there; after, the RESP3 tracker gets a "tracking-redir-broken" push and
// the RESP2 one nothing, and TRACKINGINFO says broken_redirect.
func TestTrackingRedirectMatchesRedis(t *testing.T) {
	diffTracking(t, 4, steps(
		"2 HELLO 3", "0 CLIENT TRACKING ON REDIRECT $ID2", "1 HELLO 3", "1 CLIENT TRACKING ON REDIRECT $ID2",
		"0 GET a", "1 GET b", "3 SET a 1", "3 SET b 2", "0 CLIENT GETREDIR", "0 CLIENT TRACKINGINFO",
		"0 GET a", "1 GET b", "2 QUIT", "3 SET a 3", "3 SET b 4", "0 CLIENT TRACKINGINFO", "1 CLIENT TRACKINGINFO",
		"0 GET a", "3 SET a 5", "0 CLIENT TRACKING ON REDIRECT $ID2",
	))
}

// Input: CONFIG SET tracking-table-max-keys 10, then a RESP3 tracking
// client reads 100 keys. Expected: the table is brought back to 10 keys
// (checked before each command and by the cron), each key dropped sent to
// the client as an invalidation, as trackingLimitUsedSlots does; INFO's
// tracking_total_keys reports it; CONFIG GET reads the value back.
func TestTrackingTableMaxKeys(t *testing.T) {
	s := newTestServer(t)
	addr := startServer(t, s)
	c := dialRaw(t, addr)
	c.do("HELLO", "3")
	if got := c.do("CONFIG", "SET", "tracking-table-max-keys", "10"); got != resp.OK {
		t.Fatalf("CONFIG SET: %q", got)
	}
	if got := c.do("CONFIG", "GET", "tracking-table-max-keys"); !strings.Contains(got, "$2\r\n10\r\n") {
		t.Fatalf("CONFIG GET: %q", got)
	}
	c.do("CLIENT", "TRACKING", "ON")
	invalidated := map[string]bool{}
	// do sends a command and returns its reply, noting the pushes before it.
	do := func(args ...string) string {
		c.send(string(resp.AppendCommand(nil, args...)))
		for {
			raw := c.reply()
			r := mustReply(t, raw)
			if r.Type != '>' {
				return raw
			}
			for _, k := range r.Array[1].Array {
				invalidated[string(k.Str)] = true
			}
		}
	}
	for i := 0; i < 100; i++ {
		do("GET", fmt.Sprint("key:", i))
	}
	info := do("INFO", "stats")
	m := regexp.MustCompile(`tracking_total_keys:(\d+)`).FindStringSubmatch(info)
	if m == nil {
		t.Fatalf("INFO has no tracking_total_keys: %q", info)
	}
	if n, _ := strconv.Atoi(m[1]); n > 11 {
		t.Fatalf("tracking_total_keys = %d with tracking-table-max-keys 10", n)
	}
	if len(invalidated) < 89 {
		t.Fatalf("%d keys invalidated for the table's limit, want at least 89", len(invalidated))
	}
}

// Input: 1,000 RESP3 clients each track the same 100 keys, then all of
// them disconnect at once, then one write to each key. Expected: the
// table holds 100 keys and 100,000 items while they are there; the writes
// after they went send nothing to anyone and leave the table empty (IDs
// of clients that went are dropped lazily, as Redis drops them).
func TestTrackingClientsGone(t *testing.T) {
	s := newTestServer(t)
	addr := startServer(t, s)
	conns := make([]*rawConn, 1000)
	for i := range conns {
		conns[i] = dialRaw(t, addr)
		conns[i].do("HELLO", "3")
		conns[i].do("CLIENT", "TRACKING", "ON")
		var req []byte
		for k := 0; k < 100; k++ {
			req = resp.AppendCommand(req, "GET", fmt.Sprint("k", k))
		}
		conns[i].send(string(req))
		for k := 0; k < 100; k++ {
			conns[i].reply()
		}
	}
	w := dialRaw(t, addr)
	info := w.do("INFO", "stats")
	if !strings.Contains(info, "tracking_total_keys:100\r\n") || !strings.Contains(info, "tracking_total_items:100000\r\n") {
		t.Fatalf("INFO stats with 1,000 clients tracking 100 keys:\n%s", info)
	}
	for _, c := range conns {
		c.conn.Close()
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(w.do("INFO", "clients"), "connected_clients:1\r\n") {
		if time.Now().After(deadline) {
			t.Fatal("the 1,000 clients are still connected")
		}
		time.Sleep(10 * time.Millisecond)
	}
	for k := 0; k < 100; k++ {
		w.do("SET", fmt.Sprint("k", k), "v")
	}
	info = w.do("INFO", "stats")
	if !strings.Contains(info, "tracking_total_keys:0\r\n") || !strings.Contains(info, "tracking_total_items:0\r\n") {
		t.Fatalf("INFO stats after the writes:\n%s", info)
	}
	if !strings.Contains(w.do("INFO", "clients"), "tracking_clients:0\r\n") {
		t.Fatal("tracking_clients is not 0 once they went")
	}
}

// compactRESP makes a transcript readable in a test failure: pub/sub
// messages as "[pattern] channel: message", other replies with their
// CRLFs shown as spaces.
func compactRESP(s string) string {
	s = strings.ReplaceAll(s, "*4\r\n$8\r\npmessage\r\n", "\n   pmessage ")
	s = strings.ReplaceAll(s, "*3\r\n$7\r\nmessage\r\n", "\n   message ")
	return strings.ReplaceAll(s, "\r\n", " ")
}

// Input: a client tracking in BCAST mode with a prefix, and the loop's
// before-sleep broadcast run with no key written since. Expected: no
// allocation (it runs before every sleep while a BCAST client exists).
func TestTrackingBroadcastIdleZeroAllocs(t *testing.T) {
	s := newTestServer(t)
	t.Cleanup(s.close)
	c := s.newExecClient()
	if got := c.exec("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "user:"); got != resp.OK {
		t.Fatalf("CLIENT TRACKING ON BCAST = %q", got)
	}
	s.trackingBroadcastInvalidationMessages()
	if n := testing.AllocsPerRun(1000, s.trackingBroadcastInvalidationMessages); n != 0 {
		t.Fatalf("%v allocs per idle broadcast", n)
	}
}
