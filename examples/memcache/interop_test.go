package main

import (
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/goae/goae/internal/testenv"
)

// memccapableLine is one test's line of `memccapable -a`: "ascii set
// noreply      [pass]".
var memccapableLine = regexp.MustCompile(`(?m)^(ascii [a-z ]*?)\s+\[(\w+)\]$`)

// memccapable runs `memccapable -a` against port and returns its output
// and its tests as "name: result", in order.
func memccapable(t *testing.T, bin string, port int) (string, []string) {
	t.Helper()
	out, err := exec.Command(bin, "-a", "-h", "127.0.0.1", "-p", strconv.Itoa(port)).CombinedOutput()
	if err != nil {
		t.Errorf("memccapable -a on port %d: %v", port, err)
	}
	var tests []string
	for _, m := range memccapableLine.FindAllStringSubmatch(string(out), -1) {
		tests = append(tests, m[1]+": "+m[2])
	}
	return string(out), tests
}

// TestMemccapable runs libmemcached's ascii conformance suite
// (`memccapable -a`, libmemcached-tools) against ours with 2 workers and
// against a real memcached 1.6.18 (subtest). Expected: "All tests
// passed" and every test line [pass] on ours (at least 27, as memcached
// passes); and the same tests, by name and in order, with the same
// results, as on memcached.
func TestMemccapable(t *testing.T) {
	bin := testenv.RequireBinary(t, "memccapable")
	s := startServer(t, func(c *config) { c.threads = 2 })
	out, got := memccapable(t, bin, s.cfg.port)
	passed := 0
	for _, r := range got {
		if strings.HasSuffix(r, ": pass") {
			passed++
		}
	}
	if !strings.Contains(out, "All tests passed") || passed != len(got) || passed < 27 {
		t.Fatalf("memccapable -a: %d of %d tests passed (want all, at least 27):\n%s", passed, len(got), out)
	}
	t.Run("memcached", func(t *testing.T) {
		mout, want := memccapable(t, bin, testenv.StartMemcached(t))
		if !strings.Contains(mout, "All tests passed") {
			t.Errorf("memcached fails memccapable -a:\n%s", mout)
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("memccapable -a: %d tests on ours, %d on memcached:\nmemcached: %q\nours:      %q", len(got), len(want), want, got)
		}
	})
}

// memcaslapNumbers are the counters memcaslap prints at the end
// ("cmd_get: 160076").
var memcaslapNumber = regexp.MustCompile(`(?m)^(cmd_get|cmd_set|get_misses|verify_misses|verify_failed): (\d+)$`)

// memcaslapTrouble are the lines memcaslap prints when something went
// wrong: an error reply ("<fd ERROR ..."), data that failed verification
// ("<fd data verification failed"), a lost or refused connection, a
// failed write.
var memcaslapTrouble = regexp.MustCompile(`(?m)^(<\d+ .*|.*verification failed.*|Server .* (disconnect|reconnect).*|Failed to write.*|socket\(\) error.*|Initializing connection failed.*|Unknown (error|command).*|Catastrophic.*)$`)

// TestMemcaslap runs memcaslap (90% get, 1 KB values, 10% of the gets'
// data verified: --verify=0.1) for 2 s with 16 connections against ours
// with threads 1, 2 and 4. Expected: it runs to the end ("Run time:");
// prints no error line (memcaslapTrouble); verify_misses and
// verify_failed 0; get_misses 0 unless ours evicted (memcaslap gets only
// keys it has set, none expire, so a miss needs an eviction; its 2 s of
// sets fit in -m 64 anyway), and no more than ours counted; its cmd_get
// and cmd_set at least 1000 and ahead of ours (it counts a request when
// sent) by at most the 16 still in flight when it stopped; ours still
// answers.
func TestMemcaslap(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	bin := testenv.RequireBinary(t, "memcaslap")
	const conns = 16
	for _, n := range []int{1, 2, 4} {
		s := startServer(t, func(c *config) { c.threads = n })
		out, err := exec.Command(bin, "-s", s.Addr(), "-t", "2s", "-T", "1", "-c", strconv.Itoa(conns), "--verify=0.1").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "Run time:") {
			t.Fatalf("threads %d: memcaslap: %v\n%s", n, err, out)
		}
		if bad := memcaslapTrouble.FindAllString(string(out), 5); len(bad) > 0 {
			t.Errorf("threads %d: memcaslap reports trouble: %q\n%s", n, bad, out)
		}
		slap := map[string]int{}
		for _, m := range memcaslapNumber.FindAllStringSubmatch(string(out), -1) {
			slap[m[1]] = atoi(m[2])
		}
		if len(slap) != 5 {
			t.Fatalf("threads %d: memcaslap printed %v of cmd_get, cmd_set, get_misses, verify_misses, verify_failed:\n%s", n, slap, out)
		}
		c := dial(t, s.Addr())
		_, st := statsOf(t, c, "stats")
		ours := func(name string) int { return atoi(st[name]) }
		if slap["verify_misses"] != 0 || slap["verify_failed"] != 0 {
			t.Errorf("threads %d: memcaslap verify_misses %d, verify_failed %d; want 0", n, slap["verify_misses"], slap["verify_failed"])
		}
		if m := slap["get_misses"]; m > ours("get_misses") || (m > 0 && ours("evictions") == 0) {
			t.Errorf("threads %d: memcaslap get_misses %d; ours counted %d get_misses and %d evictions", n, m, ours("get_misses"), ours("evictions"))
		}
		for _, name := range []string{"cmd_get", "cmd_set"} {
			if d := slap[name] - ours(name); slap[name] < 1000 || d < 0 || d > conns {
				t.Errorf("threads %d: memcaslap %s %d, ours %d: want at least 1000, ahead by 0 to %d", n, name, slap[name], ours(name), conns)
			}
		}
	}
}
