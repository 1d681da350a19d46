package main

import (
	"fmt"
	"io"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/testenv"
)

// Input: COMMAND's subcommands in the cases whose replies do not depend
// on the size of the command table, on our server and on redis-server
// 7.0. Expected: identical replies.
func TestCommandMatchesRedis(t *testing.T) {
	s := newTestServer(t)
	diffRedis(t, startServer(t, s), cmds(
		"COMMAND COUNT x", "COMMAND FOO", "COMMAND HELP x",
		"COMMAND INFO nosuch", "COMMAND INFO nosuch|x", "COMMAND INFO client|nosuch", "COMMAND INFO get|x",
		"COMMAND INFO a|b|c", "COMMAND DOCS nosuch", "COMMAND DOCS nosuch client|nosuch",
		"COMMAND GETKEYS", "COMMAND GETKEYS get", "COMMAND GETKEYS get a", "COMMAND GETKEYS GET a",
		"COMMAND GETKEYS get a b", "COMMAND GETKEYS set k v EX 10", "COMMAND GETKEYS mset a 1 b 2", "COMMAND GETKEYS mset a 1 b",
		"COMMAND GETKEYS mget a b c", "COMMAND GETKEYS del a b c", "COMMAND GETKEYS rename a b", "COMMAND GETKEYS ping",
		"COMMAND GETKEYS nosuch a", "COMMAND GETKEYS client list", "COMMAND GETKEYS client nosuch", "COMMAND GETKEYS client",
		"COMMAND GETKEYS keys *", "COMMAND GETKEYS expire k 10 NX", "COMMAND GETKEYS ttl",
		"COMMAND LIST FILTERBY", "COMMAND LIST FILTERBY foo x", "COMMAND LIST foo", "COMMAND LIST FILTERBY pattern",
		"COMMAND LIST FILTERBY pattern x y", "COMMAND LIST FILTERBY MODULE x", "COMMAND LIST FILTERBY ACLCAT nosuch",
		"COMMAND LIST FILTERBY PATTERN get", "COMMAND LIST FILTERBY PATTERN GET", "COMMAND LIST FILTERBY PATTERN client|kill",
		"COMMAND LIST FILTERBY PATTERN nosuch*", "COMMAND LIST FILTERBY PATTERN [pe]xpireat",
	))
}

// Input: COMMAND, COMMAND COUNT, COMMAND INFO and COMMAND LIST here, and
// COMMAND INFO on redis-server 7.0 for the same names. Expected: Redis
// 7.0's ten-field shape for every command and subcommand; COUNT the
// number of top-level entries; for every command Redis also has, the same
// name, arity and key positions, flags and ACL categories among Redis's
// own, and subcommands Redis has with the same arity.
func TestCommandInfoStructure(t *testing.T) {
	s := newTestServer(t)
	ours := dialRaw(t, startServer(t, s))
	redis := dialRaw(t, fmt.Sprintf("127.0.0.1:%d", testenv.StartRedis(t)))

	all := mustReply(t, ours.do("COMMAND"))
	count := mustReply(t, ours.do("COMMAND", "COUNT")).Int
	if int64(len(all.Array)) != count || count != int64(len(s.commands)) {
		t.Fatalf("COMMAND has %d entries, COUNT %d, table %d", len(all.Array), count, len(s.commands))
	}
	if got := ours.do("COMMAND", "INFO"); got != string(reencode(nil, all)) {
		t.Fatal("COMMAND INFO without names differs from COMMAND")
	}
	names := map[string]bool{}
	var check func(e resp.Reply, sub bool)
	check = func(e resp.Reply, sub bool) {
		t.Helper()
		if e.Type != '*' || len(e.Array) != 10 {
			t.Fatalf("entry %q is not ten fields", reencode(nil, e))
		}
		f := e.Array
		types := "$:*:::***" + "*"
		for i := range f {
			if f[i].Type != types[i] {
				t.Fatalf("%s: field %d has type %c", f[0].Str, i, f[i].Type)
			}
		}
		name := string(f[0].Str)
		if strings.Contains(name, "|") != sub {
			t.Errorf("name %q (subcommand: %v)", name, sub)
		}
		names[name] = true
		for _, fl := range f[2].Array {
			if fl.Type != '+' {
				t.Errorf("%s: flag %q not a status", name, fl.Str)
			}
		}
		for _, cat := range f[6].Array {
			if cat.Type != '+' || !strings.HasPrefix(string(cat.Str), "@") {
				t.Errorf("%s: category %q", name, cat.Str)
			}
		}
		for _, sc := range f[9].Array {
			check(sc, true)
		}
	}
	for _, e := range all.Array {
		check(e, false)
	}

	// Against Redis, one command at a time.
	for name := range names {
		mine := mustReply(t, ours.do("COMMAND", "INFO", name)).Array[0]
		theirs := mustReply(t, redis.do("COMMAND", "INFO", name)).Array[0]
		if theirs.Null {
			continue // not a Redis command
		}
		for i, what := range []string{"name", "arity", "", "first key", "last key", "key step"} {
			if what != "" && (mine.Array[i].Int != theirs.Array[i].Int || string(mine.Array[i].Str) != string(theirs.Array[i].Str)) {
				t.Errorf("%s: %s %q%d, Redis %q%d", name, what, mine.Array[i].Str, mine.Array[i].Int, theirs.Array[i].Str, theirs.Array[i].Int)
			}
		}
		for _, field := range []int{2, 6} {
			for _, x := range mine.Array[field].Array {
				if !slices.ContainsFunc(theirs.Array[field].Array, func(y resp.Reply) bool { return string(y.Str) == string(x.Str) }) {
					t.Errorf("%s: %q is not among Redis's %q", name, x.Str, reencode(nil, theirs.Array[field]))
				}
			}
		}
	}

	// COMMAND INFO get, exactly, and a container's.
	want := "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n*0\r\n*0\r\n"
	if got := ours.do("COMMAND", "INFO", "GET"); got != want {
		t.Errorf("COMMAND INFO GET = %q, want %q", got, want)
	}
	cfg := mustReply(t, ours.do("COMMAND", "INFO", "config")).Array[0].Array
	if cfg[1].Int != -2 || len(cfg[2].Array) != 0 || string(reencode(nil, cfg[6])) != "*1\r\n+@slow\r\n" || len(cfg[9].Array) != len(s.commands["config"].subcommands) {
		t.Errorf("COMMAND INFO config = %q", reencode(nil, mustReply(t, ours.do("COMMAND", "INFO", "config"))))
	}
	hello := mustReply(t, ours.do("COMMAND", "INFO", "hello")).Array[0].Array
	if string(reencode(nil, hello[2])) != "*2\r\n+fast\r\n+no_auth\r\n" {
		t.Errorf("hello's flags %q", reencode(nil, hello[2]))
	}

	// COMMAND LIST: every name above, subcommands included; filters.
	list := mustBulks(t, ours.do("COMMAND", "LIST"))
	slices.Sort(list)
	var wantList []string
	for n := range names {
		wantList = append(wantList, n)
	}
	slices.Sort(wantList)
	if !slices.Equal(list, wantList) {
		t.Errorf("COMMAND LIST = %q, want %q", list, wantList)
	}
	if got := mustBulks(t, ours.do("COMMAND", "LIST", "FILTERBY", "PATTERN", "CLIENT*")); !slices.Contains(got, "client") || !slices.Contains(got, "client|list") {
		t.Errorf("FILTERBY PATTERN CLIENT* = %q", got)
	}
	keyspace := mustBulks(t, ours.do("COMMAND", "LIST", "FILTERBY", "ACLCAT", "KEYSPACE"))
	for _, n := range []string{"del", "expire", "scan", "ttl"} {
		if !slices.Contains(keyspace, n) {
			t.Errorf("FILTERBY ACLCAT keyspace lacks %s: %q", n, keyspace)
		}
	}
	if slices.Contains(keyspace, "get") {
		t.Errorf("FILTERBY ACLCAT keyspace has get")
	}
}

// Input: COMMAND DOCS, for every command and for a few names. Expected: a
// flat map of name to docs that passes the checks redis-cli 7.0 asserts
// when it builds its help (string keys; summary, since and group strings;
// subcommands a map whose keys have the form "container|sub"), Redis's
// texts for Redis's commands, and unknown names left out.
func TestCommandDocs(t *testing.T) {
	s := newTestServer(t)
	r := dialRaw(t, startServer(t, s))
	all := mustReply(t, r.do("COMMAND", "DOCS"))
	if len(all.Array) != 2*len(s.commands) {
		t.Fatalf("COMMAND DOCS has %d elements for %d commands", len(all.Array), len(s.commands))
	}
	var check func(name string, docs resp.Reply, container string)
	check = func(name string, docs resp.Reply, container string) {
		t.Helper()
		if container != "" && !strings.HasPrefix(name, container+"|") {
			t.Errorf("subcommand %q of %s", name, container)
		}
		if docs.Type != '*' || len(docs.Array)%2 != 0 {
			t.Fatalf("docs of %s: %q", name, reencode(nil, docs))
		}
		seen := map[string]bool{}
		for i := 0; i < len(docs.Array); i += 2 {
			k, v := docs.Array[i], docs.Array[i+1]
			if k.Type != '$' {
				t.Fatalf("docs of %s: key %q", name, reencode(nil, k))
			}
			seen[string(k.Str)] = true
			switch string(k.Str) {
			case "summary", "since", "group":
				if v.Type != '$' {
					t.Errorf("docs of %s: %s is %q", name, k.Str, reencode(nil, v))
				}
			case "subcommands":
				if v.Type != '*' || len(v.Array)%2 != 0 {
					t.Fatalf("docs of %s: subcommands %q", name, reencode(nil, v))
				}
				for j := 0; j < len(v.Array); j += 2 {
					check(string(v.Array[j].Str), v.Array[j+1], name)
				}
			default:
				t.Errorf("docs of %s: unexpected key %q", name, k.Str)
			}
		}
		for _, k := range []string{"summary", "since", "group"} {
			if !seen[k] {
				t.Errorf("docs of %s lack %s", name, k)
			}
		}
	}
	for i := 0; i < len(all.Array); i += 2 {
		check(string(all.Array[i].Str), all.Array[i+1], "")
	}

	want := "*2\r\n$3\r\nget\r\n*6\r\n$7\r\nsummary\r\n$22\r\nGet the value of a key\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nstring\r\n"
	if got := r.do("COMMAND", "DOCS", "nosuch", "GET"); got != want {
		t.Errorf("COMMAND DOCS nosuch GET = %q, want %q", got, want)
	}
	if got := mustReply(t, r.do("COMMAND", "DOCS", "CLIENT|LIST")); len(got.Array) != 2 || string(got.Array[0].Str) != "client|list" {
		t.Errorf("COMMAND DOCS CLIENT|LIST = %q", reencode(nil, got))
	}
}

// Input: redis-cli ping, --scan --pattern (with keys spread over several
// SCAN calls) and --scan alone. Expected: exit 0, nothing on stderr, and
// exactly the matching keys.
func TestRedisCLIPingAndScan(t *testing.T) {
	cli := testenv.RequireBinary(t, "redis-cli")
	s := newTestServer(t)
	r := dialRaw(t, startServer(t, s))
	_, port := s.addr()
	if out := runRedisCLI(t, cli, port, "ping"); out != "PONG\n" {
		t.Fatalf("redis-cli ping = %q", out)
	}
	var want []string
	for i := 0; i < 250; i++ {
		r.do("SET", fmt.Sprintf("k%d", i), "v")
		r.do("SET", fmt.Sprintf("other%d", i), "v")
		want = append(want, fmt.Sprintf("k%d", i))
	}
	slices.Sort(want)
	got := strings.Fields(runRedisCLI(t, cli, port, "--scan", "--pattern", "k*"))
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("redis-cli --scan --pattern k* printed %d keys, want %d", len(got), len(want))
	}
	if all := strings.Fields(runRedisCLI(t, cli, port, "--scan")); len(all) != 500 {
		t.Fatalf("redis-cli --scan printed %d keys", len(all))
	}
}

// Input: an interactive redis-cli (on a pseudo-terminal, through
// script(1)) asking "help get", "help client list" and "help @generic",
// which it answers from the COMMAND DOCS it fetches at startup. Expected:
// the summaries, no assertion failure or complaint, exit 0.
func TestRedisCLIInteractiveHelp(t *testing.T) {
	cli := testenv.RequireBinary(t, "redis-cli")
	script, err := exec.LookPath("script")
	if err != nil || runtime.GOOS != "linux" {
		t.Skip("needs util-linux script(1) for a pseudo-terminal")
	}
	s := newTestServer(t)
	startServer(t, s)
	_, port := s.addr()
	// stty gives the terminal a size, so that linenoise does not query
	// the cursor position.
	cmd := exec.Command(script, "-qfec", fmt.Sprintf("stty cols 200 rows 50; %s -p %d", cli, port), "/dev/null")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var out strings.Builder
	done := make(chan error, 1)
	go func() {
		var buf [4096]byte
		for {
			n, err := stdout.Read(buf[:])
			mu.Lock()
			out.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				done <- cmd.Wait()
				return
			}
		}
	}()
	// waitFor waits until the output holds text n times.
	waitFor := func(text string, n int) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for time.Now().Before(deadline) {
			mu.Lock()
			got := strings.Count(out.String(), text)
			mu.Unlock()
			if got >= n {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		cmd.Process.Kill()
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("no %q in redis-cli's output:\n%q", text, out.String())
	}
	prompt := fmt.Sprintf("127.0.0.1:%d> ", port)
	waitFor(prompt, 1)
	for _, step := range []struct{ line, expect string }{
		{"help get", "Get the value of a key"},
		{"help client list", "Get the list of client connections"},
		{"help @generic", "Delete a key"},
	} {
		io.WriteString(stdin, step.line+"\r")
		waitFor(step.expect, 1)
	}
	io.WriteString(stdin, "quit\r")
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("redis-cli exited with %v:\n%q", err, out.String())
		}
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		t.Fatal("redis-cli did not exit")
	}
	for _, bad := range []string{"Assertion", "Unknown type", "ERR", "abort"} {
		if strings.Contains(out.String(), bad) {
			t.Errorf("redis-cli output has %q:\n%q", bad, out.String())
		}
	}
	stdin.Close()
}

// Input: every command and subcommand in kv's table. Expected: each has
// a COMMAND DOCS entry (summary, since, group), so that COMMAND DOCS and
// the ACL categories it drives cover everything kv runs.
func TestEveryCommandHasDocs(t *testing.T) {
	s := newTestServer(t)
	for name, cmd := range s.commands {
		if _, ok := commandDocs[name]; !ok {
			t.Errorf("%s has no COMMAND DOCS entry", name)
		}
		for sub := range cmd.subcommands {
			if _, ok := commandDocs[name+"|"+sub]; !ok {
				t.Errorf("%s|%s has no COMMAND DOCS entry", name, sub)
			}
		}
	}
}
