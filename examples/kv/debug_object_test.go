package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/goae/goae/internal/testenv"
)

// debugObjectNorm blanks what differs between two servers in DEBUG
// OBJECT: the address, and the LRU clock (0 here for now).
var debugObjectNorm = regexp.MustCompile(`Value at:0x[0-9a-f]+|lru:\d+ lru_seconds_idle:\d+`)

// Input: keys of every type and encoding, lists of 1 to 3,000 elements
// under list-max-listpack-size -2, -1, -5, 1, 5 and 100 (set before each
// list is made) and list-compress-depth 1 on a short list; DEBUG OBJECT
// of each (kv's debugObjectCommand, called as the DEBUG command will,
// against redis-server started with enable-debug-command) and of a
// missing key. Expected: the same reply but for the address and the LRU
// fields: refcount, encoding, serializedlength and the ql_* figures.
func TestDebugObjectMatchesRedis(t *testing.T) {
	// kv is driven through exec, on this goroutine only: the test sets
	// the list fill in s.cfg between keys.
	s := newTestServer(t)
	e := s.newExecClient()
	redis := dialRaw(t, fmt.Sprintf("127.0.0.1:%d", testenv.StartRedis(t, "--enable-debug-command", "yes")))
	setup, keys := dumpKeys()
	for _, fill := range []string{"-2", "-1", "-5", "1", "5", "100"} {
		setup = append(setup, []string{"CONFIG", "SET", "list-max-listpack-size", fill})
		for _, n := range []int{1, 7, 300, 3000} {
			k := "l" + fill + "_" + strconv.Itoa(n)
			args := []string{"RPUSH", k}
			for i := 0; i < n; i++ {
				args = append(args, strings.Repeat("e", i%50)+strconv.Itoa(i))
			}
			setup = append(setup, args)
			keys = append(keys, k)
		}
	}
	setup = append(setup, []string{"CONFIG", "SET", "list-max-listpack-size", "-2"},
		[]string{"CONFIG", "SET", "list-compress-depth", "1"}, []string{"RPUSH", "lc", "a", "b"})
	keys = append(keys, "lc", "nokey")
	for _, cmd := range setup {
		e.exec(cmd...)
		redis.do(cmd...)
	}
	for _, k := range keys {
		if strings.HasPrefix(k, "l") && !strings.HasPrefix(k, "lzf") {
			// The list's fill is the one set when it was made.
			fill := "-2"
			if i := strings.IndexByte(k, '_'); i > 0 {
				fill = k[1:i]
			}
			v, _ := strconv.ParseInt(fill, 10, 64)
			s.cfg.listMaxListpackSize = v
			s.cfg.listCompressDepth = map[bool]int64{true: 1}[k == "lc"]
		}
		e.c.ResetOutput()
		e.c.Argv = [][]byte{[]byte("DEBUG"), []byte("OBJECT"), []byte(k)}
		debugObjectCommand(s, e.c)
		got := debugObjectNorm.ReplaceAllString(string(e.c.Out), "X")
		want := debugObjectNorm.ReplaceAllString(redis.do("DEBUG", "OBJECT", k), "X")
		if got != want {
			t.Errorf("DEBUG OBJECT %s:\n ours:  %q\n redis: %q", k, got, want)
		}
	}
}

// Input: DEBUG QUICKLIST-PACKED-THRESHOLD 10b on kv and on redis-server,
// then lists whose elements are under, at and over 10 bytes (RPUSH and
// LPUSH, a large element first, last and between small ones, two large
// ones in a row); DUMP and DEBUG OBJECT of each; each of Redis's DUMPs
// RESTOREd into kv and dumped again; then the threshold back to its
// default (0) and the same lists re-dumped. Expected: the same bytes:
// an element of the threshold or more is a plain node of its own
// (container 1, the element as it is), nothing joins it, and
// ql_nodes/ql_uncompressed_size count it as Redis does.
func TestQuicklistPackedThresholdMatchesRedis(t *testing.T) {
	s := newTestServer(t, func(c *config) { c.enableDebugCommand = protectedActionYes })
	a := dialRaw(t, startServer(t, s))
	b := dialRaw(t, fmt.Sprintf("127.0.0.1:%d", testenv.StartRedis(t, "--enable-debug-command", "yes")))
	big, at := strings.Repeat("x", 20), strings.Repeat("y", 10)
	lists := map[string][]string{
		"q1": {"RPUSH", "q1", big, "b", "c"},
		"q2": {"RPUSH", "q2", "a", at, "b", big, big, "c"},
		"q3": {"LPUSH", "q3", "a", big, "b"},
		"q4": {"RPUSH", "q4", "123456789", "1234567890", "12345678901"},
		"q5": {"RPUSH", "q5", at},
	}
	same := func(cmd ...string) string {
		t.Helper()
		g, w := a.do(cmd...), b.do(cmd...)
		if debugObjectNorm.ReplaceAllString(g, "X") != debugObjectNorm.ReplaceAllString(w, "X") {
			t.Errorf("%q:\n ours:  %q\n redis: %q", cmd, g, w)
		}
		return w
	}
	same("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "10b")
	for _, k := range []string{"q1", "q2", "q3", "q4", "q5"} {
		same(lists[k]...)
		same("DEBUG", "OBJECT", k)
		dump := same("DUMP", k)
		// Redis's payload into kv: the same list, dumped the same way.
		payload := bulkOf(t, dump)
		if r := a.do("RESTORE", k+"r", "0", payload); r != "+OK\r\n" {
			t.Errorf("RESTORE of redis's %s: %q", k, r)
		}
		if g := a.do("DUMP", k+"r"); g != dump {
			t.Errorf("DUMP of restored %s:\n ours:  %q\n redis: %q", k, g, dump)
		}
	}
	same("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0")
	for _, k := range []string{"q1", "q2"} {
		// Redis keeps the plain nodes a list has; kv's nodes are
		// recomputed. A new list of the same elements is compared.
		args := append([]string{"RPUSH", k + "n"}, lists[k][2:]...)
		same(args...)
		same("DUMP", k+"n")
		same("DEBUG", "OBJECT", k+"n")
	}
}
