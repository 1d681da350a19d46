package main

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/goae/goae/internal/testenv"
)

// TestMemccapable runs libmemcached's ascii conformance suite
// (`memccapable -a`, libmemcached-tools) against ours with 2 workers.
// Expected: "All tests passed" (memcached 1.6.18 passes its 27 tests).
func TestMemccapable(t *testing.T) {
	bin := testenv.RequireBinary(t, "memccapable")
	s := startServer(t, func(c *config) { c.threads = 2 })
	out, err := exec.Command(bin, "-a", "-h", "127.0.0.1", "-p", strconv.Itoa(s.cfg.port)).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "All tests passed") {
		t.Fatalf("memccapable -a: %v\n%s", err, out)
	}
}

// TestMemcaslap runs memcaslap (90% get, 1 KB values) for 2 s with 16
// connections against ours with threads 1, 2 and 4. Expected: it runs to
// the end with no get misses beyond the keys not yet set and ours still
// answers.
func TestMemcaslap(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	bin := testenv.RequireBinary(t, "memcaslap")
	for _, n := range []int{1, 2, 4} {
		s := startServer(t, func(c *config) { c.threads = n })
		out, err := exec.Command(bin, "-s", s.Addr(), "-t", "2s", "-T", "1", "-c", "16").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "Run time:") {
			t.Fatalf("threads %d: memcaslap: %v\n%s", n, err, out)
		}
		c := dial(t, s.Addr())
		if got := statLine(t, c, "cmd_get"); atoi(got) < 1000 {
			t.Errorf("threads %d: only %s gets served", n, got)
		}
	}
}
