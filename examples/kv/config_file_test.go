package main

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/goae/goae/internal/redisconf"
	"github.com/goae/goae/internal/resp"
	"github.com/goae/goae/internal/testenv"
)

// startRedisConf runs redis-server with the config file path first and
// extra options after it, on a free port, until the test ends (stopped
// by its PID); it returns the address.
func startRedisConf(t *testing.T, path string, extra ...string) string {
	t.Helper()
	bin := testenv.RequireBinary(t, "redis-server")
	port := testenv.FreePort(t)
	args := append([]string{path, "--port", fmt.Sprint(port), "--daemonize", "no"}, extra...)
	p := testenv.StartProcess(t, exec.Command(bin, args...))
	out, done := p.Out, p.Exited
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for deadline := time.Now().Add(10 * time.Second); ; {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr
		}
		select {
		case <-done:
			t.Fatalf("redis-server exited: %s", out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server did not start: %s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// newFileServer starts kv as `kv path args...` would, in this process.
func newFileServer(t *testing.T, args ...string) *server {
	t.Helper()
	cfg := defaultConfig()
	if _, _, err := parseArgs(args, &cfg); err != nil {
		t.Fatalf("parseArgs %q: %v", args, err)
	}
	cfg.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := newServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.close)
	return s
}

// rewriteSample is a config file with comments, blank lines, an alias,
// two save lines, a quoted value and a line of a parameter that CONFIG
// SET makes default again.
const rewriteSample = `# my comment
bind 127.0.0.1
save ""
hash-max-ziplist-entries 100


# another
appendonly no
logfile ""
save 100 1
latency-tracking-info-percentiles 50
client-output-buffer-limit normal 0 0 0
maxmemory-policy allkeys-lru
timeout 30
`

var portLine = regexp.MustCompile(`(?m)^port \d+$`)

// splitRewritten parses a rewritten file into the lines before the
// signature (in order) and those after it (sorted: Redis appends in its
// hash table's order), with the port, which differs, masked.
func splitRewritten(t *testing.T, path string) (kept []string, appended []string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := portLine.ReplaceAllString(string(b), "port P")
	before, after, _ := strings.Cut(text, redisconf.Signature+"\n")
	appended = strings.Split(strings.TrimSuffix(after, "\n"), "\n")
	sort.Strings(appended)
	return strings.Split(before, "\n"), appended
}

// Input: the same config file for kv and redis-server 7.0.15, the same
// CONFIG SETs (a parameter in the file, one made default again, an alias,
// multi-argument ones, a quoted string, a password), CONFIG REWRITE on
// both; then kv started again from its rewritten file.
// Expected: the files are the same (the old lines rewritten in place,
// orphaned save lines dropped, blank runs collapsed, then the signature
// and the non-default parameters, compared as a set, with the default
// user's ACL line); the restarted kv has the values that were set.
func TestConfigRewriteMatchesRedis(t *testing.T) {
	dir := t.TempDir()
	kvPath, redisPath := filepath.Join(dir, "kv.conf"), filepath.Join(dir, "redis.conf")
	for _, p := range []string{kvPath, redisPath} {
		if err := os.WriteFile(p, []byte(rewriteSample), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s := newFileServer(t, kvPath, "--port", "0", "--dir", dir)
	a := dialRaw(t, startServer(t, s))
	b := dialRaw(t, startRedisConf(t, redisPath, "--dir", dir))
	sets := cmds(
		"CONFIG SET maxmemory 100mb hash-max-listpack-value 1000 notify-keyspace-events KEA",
		`CONFIG SET save "3600 1 60 5" client-output-buffer-limit "pubsub 1mb 2mb 3" maxmemory-clients 5%`,
		"CONFIG SET timeout 0 zset-max-ziplist-entries 7 masterauth \"x y\" replica-announce-ip \"a\\b\"",
		"CONFIG SET maxmemory-policy volatile-ttl loglevel warning shutdown-on-sigterm \"nosave now\" slowlog-log-slower-than -1",
		"CONFIG SET requirepass s3cret",
		"AUTH s3cret",
		"CONFIG REWRITE",
	)
	for _, cmd := range sets {
		if g, w := a.do(cmd...), b.do(cmd...); g != w {
			t.Fatalf("%q: kv %q, redis %q", cmd, g, w)
		}
	}
	kk, ka := splitRewritten(t, kvPath)
	rk, ra := splitRewritten(t, redisPath)
	if strings.Join(kk, "\n") != strings.Join(rk, "\n") {
		t.Errorf("rewritten lines differ:\n kv:\n%s\n redis:\n%s", strings.Join(kk, "\n"), strings.Join(rk, "\n"))
	}
	if strings.Join(ka, "\n") != strings.Join(ra, "\n") {
		t.Errorf("appended lines differ:\n kv:\n%s\n redis:\n%s", strings.Join(ka, "\n"), strings.Join(ra, "\n"))
	}

	// A second rewrite reuses the lines of the first as Redis does (the
	// client-output-buffer-limit line written for pubsub is reused for
	// the slave class, and pubsub appended again).
	for _, cmd := range cmds("CONFIG SET client-output-buffer-limit \"slave 1mb 1mb 1\"", "CONFIG REWRITE") {
		if g, w := a.do(cmd...), b.do(cmd...); g != w {
			t.Fatalf("%q: kv %q, redis %q", cmd, g, w)
		}
	}
	kv2, _ := os.ReadFile(kvPath)
	redis2, _ := os.ReadFile(redisPath)
	if k, r := portLine.ReplaceAllString(string(kv2), "port P"), portLine.ReplaceAllString(string(redis2), "port P"); sortAfterSignature(k) != sortAfterSignature(r) {
		t.Errorf("second rewrite differs:\n kv:\n%q\n redis:\n%q", k, r)
	}

	// kv started again from the rewritten file has the values set.
	want := a.do("CONFIG", "GET", "*")
	s2 := newFileServer(t, kvPath, "--port", "0")
	c := dialRaw(t, startServer(t, s2))
	if got := c.do("AUTH", "s3cret"); got != resp.OK {
		t.Fatalf("AUTH after restart: %q", got)
	}
	wp, gp := configPairs(t, want), configPairs(t, c.do("CONFIG", "GET", "*"))
	for name, v := range wp {
		if gp[name] != v && name != "port" {
			t.Errorf("after restart %s = %q, was %q", name, gp[name], v)
		}
	}
}

// sortAfterSignature sorts the lines after the first signature line up
// to the next blank one (the appended block of a rewrite).
func sortAfterSignature(text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if l == redisconf.Signature {
			j := i + 1
			for j < len(lines) && lines[j] != "" {
				j++
			}
			sort.Strings(lines[i+1 : j])
			break
		}
	}
	return strings.Join(lines, "\n")
}

// Input: a config file renaming FLUSHALL to XFLUSH and removing CONFIG,
// given to kv and to redis-server; the old and new names, in either case,
// one after the other (kv's last-command shortcut must not bring the old
// name back), with a wrong argument count.
// Expected: the same replies.
func TestRenameCommandMatchesRedis(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.conf")
	os.WriteFile(path, []byte("rename-command FLUSHALL XFLUSH\nrename-command config \"\"\n"), 0o644)
	a := dialRaw(t, startServer(t, newFileServer(t, path, "--port", "0")))
	b := dialRaw(t, startRedisConf(t, path, "--save", "", "--dir", dir))
	for _, cmd := range cmds("SET k v", "XFLUSH", "FLUSHALL", "DBSIZE", "SET k v", "xflush", "flushall", "XFLUSH x y",
		"CONFIG GET hz") {
		if g, w := a.do(cmd...), b.do(cmd...); g != w {
			t.Errorf("%q: kv %q, redis %q", cmd, g, w)
		}
	}
}

// Input: CONFIG REWRITE on a kv started without a config file.
// Expected: Redis's error (redis-server started the same way answers it).
func TestConfigRewriteWithoutFile(t *testing.T) {
	diffRedis(t, startServer(t, newTestServer(t)), cmds("CONFIG REWRITE"))
}

// Input: bad config files and command lines, given to redis-server
// 7.0.15 and to kv's parser: an unknown directive, a bad value of each
// type, unbalanced quotes, a wrong argument count, a bad --option.
// Expected: kv's error is byte for byte the block redis-server prints to
// stderr before it exits 1.
func TestConfigFileErrorsMatchRedis(t *testing.T) {
	bin := testenv.RequireBinary(t, "redis-server")
	dir := t.TempDir()
	for i, tc := range []struct {
		file string
		args []string
	}{
		{"port 1\nfoo bar\n", nil},
		{"# c\n\nmaxmemory 1xb\n", nil},
		{"hz abc\n", nil},
		{"timeout -1\n", nil},
		{"daemonize maybe\n", nil},
		{"loglevel loud\n", nil},
		{"save 1\n", nil},
		{"requirepass \"unbalanced\n", nil},
		{"timeout 1 2\n", nil},
		{"dbfilename a/b\n", nil},
		{"client-output-buffer-limit normal 1 1\n", nil},
		{"notify-keyspace-events Q\n", nil},
		{"replicaof 127.0.0.1 99999\n", nil},
		{"", []string{"--hz", "x"}},
		{"port 1\n", []string{"--maxmemory", "100mb", "--nosuch", "1"}},
		{"", []string{"--save", "--hz", "abc"}},
		{"activedefrag yes\n", nil},
		{"oom-score-adj-values 1 2\n", nil},
		{"latency-tracking-info-percentiles 200\n", nil},
		{"rename-command nosuch x\n", nil},
		{"rename-command get set\n", nil},
		{"rename-command get x\nrename-command get y\n", nil},
		{"rename-command get\n", nil},
	} {
		path := filepath.Join(dir, fmt.Sprintf("bad%d.conf", i))
		if err := os.WriteFile(path, []byte(tc.file), 0o644); err != nil {
			t.Fatal(err)
		}
		args := append([]string{path}, tc.args...)
		cmd := exec.Command(bin, args...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
			t.Fatalf("redis-server %q: %v (%s)", args, err, stderr.String())
		}
		cfg := defaultConfig()
		_, _, kerr := parseArgs(args, &cfg)
		if kerr == nil {
			t.Errorf("kv %q: accepted, redis: %q", args, stderr.String())
			continue
		}
		if kerr.Error() != stderr.String() {
			t.Errorf("kv %q:\n ours:  %q\n redis: %q", args, kerr.Error(), stderr.String())
		}
	}
}

// Input: the kv command with a bad config file line.
// Expected: Redis's FATAL CONFIG FILE ERROR block on stderr and exit
// status 1; -v and --help as redis-server's; with a good file and --name value overrides after it, kv
// starts with the file's values and the overrides winning.
func TestConfigFileCommandLine(t *testing.T) {
	exe := buildKV(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.conf")
	os.WriteFile(bad, []byte("maxmemory lots\n"), 0o644)
	out, err := exec.Command(exe, bad).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("kv with a bad file: %v", err)
	}
	want := "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 1\n>>> 'maxmemory lots'\nargument must be a memory value\n"
	if string(out) != want {
		t.Errorf("stderr %q, want %q", out, want)
	}
	// -v prints the version and exits 0; -h the usage, exit 1.
	if out, err := exec.Command(exe, "-v").Output(); err != nil || !strings.Contains(string(out), "v=7.0.15") {
		t.Errorf("kv -v: %q, %v", out, err)
	}
	if err := exec.Command(exe, "--help").Run(); err == nil {
		t.Errorf("kv --help exited 0")
	}
	good := filepath.Join(dir, "good.conf")
	port := testenv.FreePort(t)
	os.WriteFile(good, []byte(fmt.Sprintf("port %d\nhz 20\nmaxmemory 10mb\nloglevel notice\n", port)), 0o644)
	p := &kvProc{logs: &testenv.SyncBuffer{}, exited: make(chan error, 1)}
	p.cmd = exec.Command(exe, good, "--maxmemory", "20mb", "--save", "--loglevel", "notice")
	p.cmd.Stderr = p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { p.exited <- p.cmd.Wait(); close(done) }()
	t.Cleanup(func() { p.cmd.Process.Kill(); <-done })
	waitUntil(t, "kv to log that it is ready", func() bool { return strings.Contains(p.logs.String(), "Ready to accept connections") })
	r := dialRaw(t, fmt.Sprintf("127.0.0.1:%d", port))
	got := configPairs(t, r.do("CONFIG", "GET", "hz", "maxmemory", "save"))
	if got["hz"] != "20" || got["maxmemory"] != "20971520" || got["save"] != "" {
		t.Errorf("CONFIG GET after file and overrides: %v", got)
	}
}
