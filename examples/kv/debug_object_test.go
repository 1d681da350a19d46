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
