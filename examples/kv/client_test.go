package main

import (
	"fmt"
	"io"
	"net"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/testenv"
)

// helloIDRe matches the client id in a HELLO reply, which differs between
// two servers.
var helloIDRe = regexp.MustCompile(`\$2\r\nid\r\n:\d+\r\n`)

// diffRedisWith is diffRedis against a redis-server set up first with
// the setup commands (on a connection of their own), comparing replies
// after normalize. (A password is set this way: testenv.StartRedis waits
// for a PONG that a server started with --requirepass does not give.)
func diffRedisWith(t *testing.T, ours string, setup, cmds [][]string, normalize func(string) string) {
	t.Helper()
	redis := fmt.Sprintf("127.0.0.1:%d", testenv.StartRedis(t))
	if len(setup) > 0 {
		admin := dialRaw(t, redis)
		for _, cmd := range setup {
			if got := admin.do(cmd...); got != resp.OK {
				t.Fatalf("redis %q: %q", cmd, got)
			}
		}
	}
	a, b := dialRaw(t, ours), dialRaw(t, redis)
	for i, cmd := range cmds {
		got, want := normalize(a.do(cmd...)), normalize(b.do(cmd...))
		if got != want {
			t.Fatalf("command %d %q:\n ours:  %q\n redis: %q", i, strings.Join(cmd, " "), got, want)
		}
	}
}

func normHelloID(s string) string { return helloIDRe.ReplaceAllString(s, "$$2\r\nid\r\n:ID\r\n") }

// Input: CLIENT subcommands' error cases and the name round trip, and
// HELLO's, on our server and on redis-server 7.0. Expected: identical
// replies (HELLO's client id aside).
func TestClientAndHelloMatchRedis(t *testing.T) {
	s := newTestServer(t)
	diffRedisWith(t, startServer(t, s), nil, cmds(
		"CLIENT GETNAME", "CLIENT SETNAME \"a b\"", "CLIENT SETNAME a\nb", "CLIENT SETNAME é",
		"CLIENT SETNAME name~with!chars", "CLIENT GETNAME", "CLIENT SETNAME \"\"", "CLIENT GETNAME",
		"CLIENT SETNAME bob", "CLIENT GETNAME", "CLIENT SETNAME", "CLIENT SETNAME a b", "CLIENT GETNAME x",
		"CLIENT ID x", "CLIENT INFO x", "CLIENT", "CLIENT FOO", "CLIENT HELP x", "CLIENT HELP",
		"CLIENT KILL", "CLIENT KILL 1.2.3.4:5", "CLIENT KILL id", "CLIENT KILL ID abc", "CLIENT KILL ID 0",
		"CLIENT KILL ID -5", "CLIENT KILL ID 999999", "CLIENT KILL FOO bar", "CLIENT KILL SKIPME maybe",
		"CLIENT KILL ADDR 1.2.3.4:5 SKIPME yes", "CLIENT KILL LADDR 1.1.1.1:1", "CLIENT KILL USER nobody",
		"CLIENT KILL USER default ID 999999", "CLIENT KILL TYPE foo", "CLIENT KILL TYPE master",
		"CLIENT KILL TYPE pubsub SKIPME no", "CLIENT KILL ID 5 TYPE", "CLIENT KILL ID abc TYPE",
		"CLIENT LIST TYPE foo", "CLIENT LIST TYPE master", "CLIENT LIST TYPE replica", "CLIENT LIST TYPE slave",
		"CLIENT LIST TYPE pubsub", "CLIENT LIST ID", "CLIENT LIST ID abc", "CLIENT LIST ID 999999",
		"CLIENT LIST ID 999999 1000000", "CLIENT LIST ID 1 x", "CLIENT LIST foo", "CLIENT LIST TYPE normal x",
		"CLIENT NO-EVICT on", "CLIENT NO-EVICT OFF", "CLIENT NO-EVICT maybe", "CLIENT NO-EVICT",
		"HELLO", "HELLO 2", "HELLO 1", "HELLO 0", "HELLO -1", "HELLO 4", "HELLO 9223372036854775808", "HELLO x",
		"HELLO 2 foo", "HELLO 2 AUTH", "HELLO 2 AUTH x", "HELLO 2 SETNAME", "HELLO 2 SETNAME \"a b\"",
		"HELLO 2 AUTH nobody pass", "HELLO 2 SETNAME hello-name", "CLIENT GETNAME",
		"HELLO 2 AUTH default anything SETNAME n2", "CLIENT GETNAME", "HELLO 2 SETNAME \"\"", "CLIENT GETNAME",
		"HELLO 2 SETNAME x foo", "HELLO 4 foo", "HELLO x foo", "HELLO 3", "GET nokey", "HELLO", "HELLO 3 SETNAME y",
		"CLIENT GETNAME", "HELLO 2", "GET nokey",
	), normHelloID)
}

// Input: HELLO and AUTH on servers that require a password, before and
// after authenticating. Expected: Redis 7.0.15's NOAUTH text for HELLO,
// WRONGPASS for bad credentials, and HELLO AUTH authenticating the
// connection and naming it.
func TestHelloAuthMatchesRedis(t *testing.T) {
	s := newTestServer(t, func(c *config) { c.requirepass = "secret" })
	diffRedisWith(t, startServer(t, s), cmds("CONFIG SET requirepass secret"), cmds(
		"HELLO", "HELLO 2", "HELLO 4", "HELLO x", "HELLO 2 SETNAME bob", "HELLO 2 SETNAME \"a b\"",
		"HELLO 2 AUTH default wrong", "HELLO 2 AUTH nobody secret", "HELLO 2 AUTH default", "CLIENT GETNAME",
		"PING", "HELLO 2 AUTH default secret SETNAME bob", "CLIENT GETNAME", "PING", "HELLO", "HELLO 2",
		"HELLO 2 AUTH default wrong", "PING", "HELLO 3", "HELLO 3 AUTH default wrong", "HELLO 3 AUTH default secret",
		"GET nokey", "HELLO 2", "GET nokey",
	), normHelloID)
}

// Input: HELLO 3, HELLO, HELLO 2 on a fresh connection, GET of a missing
// key in each protocol, and HELLO 3 AUTH on a server with a password.
// Expected: HELLO 3 answers a RESP3 map (proto 3) and switches the
// connection (a missing key is "_"), HELLO without a version answers in
// the current protocol, HELLO 2 switches back ("$-1"); HELLO 3 AUTH
// authenticates as HELLO 2 AUTH does.
func TestHelloProtocols(t *testing.T) {
	s := newTestServer(t)
	r := dialRaw(t, startServer(t, s))
	id := mustReply(t, r.do("CLIENT", "ID")).Int
	body := func(proto int) string {
		return fmt.Sprintf("$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:%d\r\n$2\r\nid\r\n:%d\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n", proto, id)
	}
	for _, step := range []struct {
		args []string
		want string
	}{
		{[]string{"HELLO"}, "*14\r\n" + body(2)},
		{[]string{"HELLO", "3"}, "%7\r\n" + body(3)},
		{[]string{"GET", "nokey"}, "_\r\n"},
		{[]string{"HELLO"}, "%7\r\n" + body(3)},
		{[]string{"hello", "2", "setname", "x"}, "*14\r\n" + body(2)},
		{[]string{"GET", "nokey"}, resp.NullBulk},
		{[]string{"PING"}, resp.Pong},
	} {
		if got := r.do(step.args...); got != step.want {
			t.Fatalf("%q = %q, want %q", step.args, got, step.want)
		}
	}

	s2 := newTestServer(t, func(c *config) { c.requirepass = "pw" })
	r2 := dialRaw(t, startServer(t, s2))
	if got := r2.do("HELLO", "3", "AUTH", "default", "pw"); !strings.HasPrefix(got, "%7\r\n") {
		t.Fatalf("HELLO 3 AUTH = %q", got)
	}
	if got := r2.do("GET", "x"); got != "_\r\n" {
		t.Fatalf("GET after HELLO 3 AUTH = %q", got)
	}
}

// parseClientLine parses one CLIENT LIST line into its fields.
func parseClientLine(t *testing.T, line string) map[string]string {
	t.Helper()
	f := map[string]string{}
	for _, kv := range strings.Split(line, " ") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			t.Fatalf("field %q in %q", kv, line)
		}
		f[k] = v
	}
	return f
}

// parseClientList parses a CLIENT LIST reply into one field map per client.
func parseClientList(t *testing.T, raw string) []map[string]string {
	t.Helper()
	body := string(mustReply(t, raw).Str)
	if body == "" {
		return nil
	}
	if !strings.HasSuffix(body, "\n") {
		t.Fatalf("CLIENT LIST does not end in a newline: %q", body)
	}
	var out []map[string]string
	for _, l := range strings.Split(strings.TrimSuffix(body, "\n"), "\n") {
		out = append(out, parseClientLine(t, l))
	}
	return out
}

// clientListFieldOrder are Redis 7.0.15's CLIENT LIST fields, in order.
var clientListFieldOrder = []string{"id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "sub", "psub", "ssub", "multi", "qbuf", "qbuf-free", "argv-mem", "multi-mem", "rbs", "rbp", "obl", "oll", "omem", "tot-mem", "events", "cmd", "user", "redir", "resp"}

// Input: two named connections, then CLIENT LIST, CLIENT LIST TYPE
// normal, CLIENT LIST ID and CLIENT INFO. Expected: Redis 7.0's fields in
// Redis's order, one line per client in connection order, with each
// connection's real id, addresses, fd, name and last command.
func TestClientList(t *testing.T) {
	s := newTestServer(t)
	addr := startServer(t, s)
	a, b := dialRaw(t, addr), dialRaw(t, addr)
	a.do("CLIENT", "SETNAME", "alpha")
	b.do("CLIENT", "SETNAME", "beta")
	b.do("GET", "x")
	idA := mustReply(t, a.do("CLIENT", "ID")).Int
	idB := mustReply(t, b.do("CLIENT", "ID")).Int

	raw := a.do("CLIENT", "LIST")
	body := string(mustReply(t, raw).Str)
	for _, l := range strings.Split(strings.TrimSuffix(body, "\n"), "\n") {
		var keys []string
		for _, kv := range strings.Split(l, " ") {
			k, _, _ := strings.Cut(kv, "=")
			keys = append(keys, k)
		}
		if strings.Join(keys, " ") != strings.Join(clientListFieldOrder, " ") {
			t.Fatalf("CLIENT LIST fields:\n %q\nwant\n %q", keys, clientListFieldOrder)
		}
	}
	lines := parseClientList(t, raw)
	if len(lines) != 2 {
		t.Fatalf("CLIENT LIST has %d lines: %q", len(lines), raw)
	}
	la, lb := lines[0], lines[1]
	conns := []struct {
		f    map[string]string
		conn net.Conn
		id   int64
		name string
		cmd  string
	}{{la, a.conn, idA, "alpha", "client|list"}, {lb, b.conn, idB, "beta", "client|id"}}
	for _, c := range conns {
		if c.f["id"] != strconv.FormatInt(c.id, 10) || c.f["name"] != c.name || c.f["cmd"] != c.cmd {
			t.Errorf("line %v: want id=%d name=%s cmd=%s", c.f, c.id, c.name, c.cmd)
		}
		if c.f["addr"] != c.conn.LocalAddr().String() || c.f["laddr"] != c.conn.RemoteAddr().String() {
			t.Errorf("addresses %s %s, want %s %s", c.f["addr"], c.f["laddr"], c.conn.LocalAddr(), c.conn.RemoteAddr())
		}
		fd, err := strconv.Atoi(c.f["fd"])
		if err != nil || fd < 0 {
			t.Errorf("fd=%q", c.f["fd"])
		}
		for k, want := range map[string]string{"flags": "N", "db": "0", "multi": "-1", "sub": "0", "user": "default", "redir": "-1", "resp": "2", "events": "r"} {
			if c.f[k] != want {
				t.Errorf("%s=%q, want %q", k, c.f[k], want)
			}
		}
		// age and idle are whole seconds of the clock (Redis's unixtime minus
		// ctime/last interaction), so a second boundary between connect and
		// CLIENT LIST makes them 1: both are allowed, anything more is not.
		for _, k := range []string{"age", "idle"} {
			if v := c.f[k]; v != "0" && v != "1" {
				t.Errorf("%s=%q, want 0 or 1", k, v)
			}
		}
	}
	if q, _ := strconv.Atoi(la["qbuf"]); q != len(resp.AppendCommand(nil, "CLIENT", "LIST")) {
		t.Errorf("qbuf=%s for the command being run", la["qbuf"])
	}
	if m, _ := strconv.Atoi(la["argv-mem"]); m != len("CLIENTLIST") {
		t.Errorf("argv-mem=%s", la["argv-mem"])
	}

	if got := parseClientList(t, a.do("CLIENT", "LIST", "TYPE", "normal")); len(got) != 2 {
		t.Errorf("CLIENT LIST TYPE normal: %d lines", len(got))
	}
	got := parseClientList(t, a.do("CLIENT", "LIST", "ID", strconv.FormatInt(idB, 10), "999", strconv.FormatInt(idB, 10)))
	if len(got) != 2 || got[0]["name"] != "beta" || got[1]["name"] != "beta" {
		t.Errorf("CLIENT LIST ID idB 999 idB = %v", got)
	}
	info := parseClientList(t, b.do("CLIENT", "INFO"))
	if len(info) != 1 || info[0]["id"] != strconv.FormatInt(idB, 10) || info[0]["cmd"] != "client|info" {
		t.Errorf("CLIENT INFO = %v", info)
	}
}

// waitClosed waits for the server to close r's connection.
func waitClosed(t *testing.T, r *rawConn) {
	t.Helper()
	r.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	var buf [64]byte
	n, err := r.conn.Read(buf[:])
	if err != io.EOF {
		t.Fatalf("connection not closed: read %q, %v", buf[:n], err)
	}
}

// Input: CLIENT KILL in its forms: another client by ID, by ADDR, by
// LADDR, the old ip:port form, the caller itself with SKIPME no and with
// the old form. Expected: the count (or OK) as Redis replies it, the
// victims' connections closed, the caller's only after its reply.
func TestClientKill(t *testing.T) {
	s := newTestServer(t)
	addr := startServer(t, s)
	killer := dialRaw(t, addr)

	v := dialRaw(t, addr)
	id := mustReply(t, v.do("CLIENT", "ID")).Int
	if got := killer.do("CLIENT", "KILL", "ID", strconv.FormatInt(id, 10)); got != resp.One {
		t.Fatalf("KILL ID = %q", got)
	}
	waitClosed(t, v)
	if got := killer.do("CLIENT", "KILL", "ID", strconv.FormatInt(id, 10)); got != resp.Zero {
		t.Fatalf("KILL ID again = %q", got)
	}

	v = dialRaw(t, addr)
	v.do("PING")
	if got := killer.do("CLIENT", "KILL", v.conn.LocalAddr().String()); got != resp.OK {
		t.Fatalf("KILL ip:port = %q", got)
	}
	waitClosed(t, v)

	v = dialRaw(t, addr)
	v.do("PING")
	if got := killer.do("CLIENT", "KILL", "ADDR", v.conn.LocalAddr().String(), "SKIPME", "yes"); got != resp.One {
		t.Fatalf("KILL ADDR = %q", got)
	}
	waitClosed(t, v)

	// LADDR matches every client of this listener but the caller.
	v1, v2 := dialRaw(t, addr), dialRaw(t, addr)
	v1.do("PING")
	v2.do("PING")
	if got := killer.do("CLIENT", "KILL", "LADDR", addr); got != ":2\r\n" {
		t.Fatalf("KILL LADDR = %q", got)
	}
	waitClosed(t, v1)
	waitClosed(t, v2)
	if got := killer.do("PING"); got != resp.Pong {
		t.Fatalf("killer after KILL LADDR: %q", got)
	}

	// The caller: SKIPME yes spares it; SKIPME no replies, then closes.
	myID := strconv.FormatInt(mustReply(t, killer.do("CLIENT", "ID")).Int, 10)
	if got := killer.do("CLIENT", "KILL", "ID", myID); got != resp.Zero {
		t.Fatalf("KILL own ID = %q", got)
	}
	if got := killer.do("CLIENT", "KILL", "ID", myID, "SKIPME", "no"); got != resp.One {
		t.Fatalf("KILL own ID SKIPME no = %q", got)
	}
	waitClosed(t, killer)

	// The old form kills the caller too.
	self := dialRaw(t, addr)
	self.do("PING")
	if got := self.do("CLIENT", "KILL", self.conn.LocalAddr().String()); got != resp.OK {
		t.Fatalf("KILL own ip:port = %q", got)
	}
	waitClosed(t, self)

	// Nothing is left but a new client.
	last := dialRaw(t, addr)
	if got := parseClientList(t, last.do("CLIENT", "LIST")); len(got) != 1 {
		t.Fatalf("clients left: %v", got)
	}
}

// Input: redis-cli client list against this server. Expected: exit 0,
// nothing on stderr, and a line for redis-cli's own connection.
func TestRedisCLIClientList(t *testing.T) {
	cli := testenv.RequireBinary(t, "redis-cli")
	s := newTestServer(t)
	startServer(t, s)
	_, port := s.addr()
	out := runRedisCLI(t, cli, port, "client", "list")
	if !strings.Contains(out, "cmd=client|list") || !strings.HasPrefix(out, "id=") {
		t.Fatalf("redis-cli client list printed %q", out)
	}
}

// runRedisCLI runs redis-cli -p port args... and returns its stdout, failing
// on a non-zero exit or anything on stderr.
func runRedisCLI(t *testing.T, cli string, port int, args ...string) string {
	t.Helper()
	cmd := exec.Command(cli, append([]string{"-p", strconv.Itoa(port)}, args...)...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatalf("redis-cli: %v", err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil || stderr.Len() > 0 {
			t.Fatalf("redis-cli %q: %v\nstderr: %s\nstdout: %s", args, err, stderr.String(), stdout.String())
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("redis-cli %q did not finish; stdout so far: %s", args, stdout.String())
	}
	return stdout.String()
}
