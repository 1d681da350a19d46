package main

import (
	"bytes"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/goae/goae/examples/proxy/hashkit"
	"github.com/goae/goae/internal/testenv"
)

// logLine is the shape of a log line: "[YYYY-MM-DD HH:MM:SS.mmm] file:line
// message"; group 1 is the file, 2 the message.
var logLine = regexp.MustCompile(`^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] ([a-z_]+\.(?:c|go)):\d+ (.*)$`)

// logMessages returns the message part of each line of a log, leaving out
// the lines from skipFiles (the start and end banners).
func logMessages(t *testing.T, log string, skipFiles ...string) []string {
	t.Helper()
	var msgs []string
	for _, l := range strings.Split(strings.TrimSuffix(log, "\n"), "\n") {
		if l == "" {
			continue
		}
		m := logLine.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("log line %q is not shaped [date time.ms] file:line message", l)
			continue
		}
		skip := false
		for _, f := range skipFiles {
			skip = skip || m[1] == f
		}
		if !skip {
			msgs = append(msgs, m[2])
		}
	}
	return msgs
}

const srv = "  servers:\n   - 127.0.0.1:6379:1\n"
const lst = "alpha:\n  listen: 127.0.0.1:22121\n"

// badConfs are invalid configurations and the reasons logged for each
// (FILE stands for the file's name). nutcracker logs the same lines,
// except where ncSilent: it rejects an empty scalar without a word, and we
// say why.
var badConfs = []struct {
	name     string
	yml      string
	reasons  []string
	ncSilent bool
}{
	// conf_validate_document
	{"empty file", "", []string{"conf: 'FILE' must contain only 1 document; found 0 documents"}, false},
	{"only a comment", "# nothing\n", []string{"conf: 'FILE' must contain only 1 document; found 0 documents"}, false},
	{"two documents", lst + srv + "---\n" + lst + srv, []string{"conf: 'FILE' must contain only 1 document; found 2 documents"}, false},
	{"scanner error", lst + "  hash: md5: x\n" + srv, []string{"conf: failed (err 3) to get the next yaml document"}, false},
	{"parser error", lst + "  hash: md5\n bad: x\n" + srv, []string{"conf: failed (err 4) to get the next yaml document"}, false},
	{"tab indentation", lst + "\thash: md5\n" + srv, []string{"conf: failed (err 3) to get the next yaml document"}, false},
	{"unterminated quote", lst + "  hash: \"md5\n" + srv, []string{"conf: failed (err 3) to get the next yaml document"}, false},
	{"undefined alias", lst + "  hash: *a\n" + srv, []string{"conf: failed (err 5) to get the next yaml document"}, false},
	{"invalid UTF-8", lst + "  hash: \xff\xfe\n" + srv, []string{"conf: failed (err 2) to get the next yaml document"}, false},
	{"control character", lst + "  hash: a\x01b\n" + srv, []string{"conf: failed (err 2) to get the next yaml document"}, false},
	{"unclosed flow sequence", lst + "  hash: [a\n" + srv, []string{"conf: failed (err 4) to get the next yaml document"}, false},
	// conf_validate_tokens
	{"document start", "---\n" + lst + srv, []string{"conf: document start token (5) is disallowed"}, false},
	{"document end", lst + srv + "...\n", []string{"conf: document end token (6) is disallowed"}, false},
	{"version directive", "%YAML 1.1\n---\n" + lst + srv, []string{"conf: version directive token (3) is disallowed"}, false},
	{"tag directive", "%TAG ! tag:x,2000:\n---\n" + lst + srv, []string{"conf: tag directive token (4) is disallowed"}, false},
	{"flow sequence", lst + "  servers: [127.0.0.1:6379:1]\n", []string{"conf: flow sequence start token (10) is disallowed"}, false},
	{"flow mapping", "alpha: {listen: 127.0.0.1:22121}\n", []string{"conf: flow mapping start token (12) is disallowed"}, false},
	{"anchor", lst + "  hash: &a md5\n" + srv, []string{"conf: anchor token (19) is disallowed"}, false},
	{"anchor and alias", lst + "  hash: &a md5\n  distribution: *a\n" + srv, []string{"conf: anchor token (19) is disallowed"}, false},
	{"tag", lst + "  hash: !!str md5\n" + srv, []string{"conf: tag token (20) is disallowed"}, false},
	{"tag then anchor", lst + "  hash: !!str &a md5\n" + srv, []string{"conf: tag token (20) is disallowed"}, false},
	{"anchor then tag", lst + "  hash: &a !!str md5\n" + srv, []string{"conf: anchor token (19) is disallowed"}, false},
	{"flow after a tag", lst + "  hash: !!str md5\n  servers: [a]\n", []string{"conf: tag token (20) is disallowed"}, false},
	// conf_validate_structure
	{"a scalar document", "foo\n", []string{"conf: 'FILE' has invalid empty \"key:\" at depth 0"}, false},
	{"a sequence document", "- a\n- b\n", []string{"conf: 'FILE' has sequence at depth 0 instead of 2"}, false},
	{"pool is a scalar", "alpha: foo\n", []string{"conf: 'FILE' has invalid mapping \"key:\" at depth 1"}, false},
	{"pool is a sequence", "alpha:\n  - a\n", []string{"conf: 'FILE' has sequence at depth 1 instead of 2"}, false},
	{"no servers key", lst, []string{"conf: 'FILE' missing sequence directive at depth 2"}, false},
	{"servers a scalar", lst + "  servers: 127.0.0.1:6379:1\n", []string{"conf: 'FILE' missing sequence directive at depth 2"}, false},
	{"servers empty", lst + "  servers:\n", []string{"conf: 'FILE' missing sequence directive at depth 2"}, false},
	{"servers twice", lst + srv + "  servers:\n   - 127.0.0.1:6380:1\n", []string{"conf: 'FILE' has more than one sequence directive"}, false},
	{"too deep", lst + "  hash:\n    x: y\n" + srv, []string{"conf: 'FILE' has a depth greater than 2"}, false},
	{"mapping as pool key", "? a: b\n: c\n", []string{"conf: 'FILE' has more than one \"key:value\" at depth 1"}, false},
	// conf_parse: the directives
	{"unknown directive", lst + "  bogus: 1\n" + srv, []string{"conf: directive \"bogus\" is unknown"}, false},
	{"directive in upper case", lst + "  Hash: md5\n" + srv, []string{"conf: directive \"Hash\" is unknown"}, false},
	{"listen twice", lst + "  listen: 127.0.0.1:22122\n" + srv, []string{"conf: directive \"listen\" is a duplicate"}, false},
	{"listen as a sequence of two", "alpha:\n  listen:\n   - 127.0.0.1:22121\n   - 127.0.0.1:22122\n", []string{"conf: directive \"listen\" is a duplicate"}, false},
	{"hash twice", lst + "  hash: md5\n  hash: md5\n" + srv, []string{"conf: directive \"hash\" is a duplicate"}, false},
	{"redis twice", lst + "  redis: true\n  redis: true\n" + srv, []string{"conf: directive \"redis\" is a duplicate"}, false},
	{"timeout twice", lst + "  timeout: 1\n  timeout: 1\n" + srv, []string{"conf: directive \"timeout\" is a duplicate"}, false},
	{"redis_auth twice", lst + "  redis: true\n  redis_auth: a\n  redis_auth: b\n" + srv, []string{"conf: directive \"redis_auth\" is a duplicate"}, false},
	{"hash unknown", lst + "  hash: sha1\n" + srv, []string{"conf: directive \"hash\" is not a valid hash"}, false},
	{"hash in upper case", lst + "  hash: MD5\n" + srv, []string{"conf: directive \"hash\" is not a valid hash"}, false},
	{"hash as a block scalar", lst + "  hash: |\n    md5\n" + srv, []string{"conf: directive \"hash\" is not a valid hash"}, false},
	{"hash with a NUL", lst + "  hash: \"md\\0\"\n" + srv, []string{"conf: directive \"hash\" is not a valid hash"}, false},
	{"distribution unknown", lst + "  distribution: Ketama\n" + srv, []string{"conf: directive \"distribution\" is not a valid distribution"}, false},
	{"hash_tag one byte", lst + "  hash_tag: \"{\"\n" + srv, []string{"conf: directive \"hash_tag\" is not a valid hash tag string with two characters"}, false},
	{"hash_tag three bytes", lst + "  hash_tag: \"{}}\"\n" + srv, []string{"conf: directive \"hash_tag\" is not a valid hash tag string with two characters"}, false},
	{"bool yes", lst + "  redis: yes\n" + srv, []string{"conf: directive \"redis\" is not \"true\" or \"false\""}, false},
	{"bool True", lst + "  preconnect: True\n" + srv, []string{"conf: directive \"preconnect\" is not \"true\" or \"false\""}, false},
	{"bool 1", lst + "  auto_eject_hosts: 1\n" + srv, []string{"conf: directive \"auto_eject_hosts\" is not \"true\" or \"false\""}, false},
	{"bool on", lst + "  tcpkeepalive: on\n" + srv, []string{"conf: directive \"tcpkeepalive\" is not \"true\" or \"false\""}, false},
	{"tcpkeepalive twice", lst + "  tcpkeepalive: true\n  tcpkeepalive: false\n" + srv, []string{"conf: directive \"tcpkeepalive\" is a duplicate"}, false},
	{"number negative", lst + "  timeout: -1\n" + srv, []string{"conf: directive \"timeout\" is not a number"}, false},
	{"number plus", lst + "  backlog: +5\n" + srv, []string{"conf: directive \"backlog\" is not a number"}, false},
	{"number hex", lst + "  redis_db: 0x1\n" + srv, []string{"conf: directive \"redis_db\" is not a number"}, false},
	{"number float", lst + "  server_retry_timeout: 1.5\n" + srv, []string{"conf: directive \"server_retry_timeout\" is not a number"}, false},
	{"number wraps negative", lst + "  server_failure_limit: 2147483648\n" + srv, []string{"conf: directive \"server_failure_limit\" is not a number"}, false},
	{"client_connections checked", lst + "  client_connections: many\n" + srv, []string{"conf: directive \"client_connections\" is not a number"}, false},
	// listen
	{"listen without a port", "alpha:\n  listen: localhost\n" + srv, []string{"conf: directive \"listen\" has an invalid \"hostname:port\" format string"}, false},
	{"listen port 0", "alpha:\n  listen: 127.0.0.1:0\n" + srv, []string{"conf: directive \"listen\" has an invalid port in \"hostname:port\" format string"}, false},
	{"listen port 65536", "alpha:\n  listen: 127.0.0.1:65536\n" + srv, []string{"conf: directive \"listen\" has an invalid port in \"hostname:port\" format string"}, false},
	{"listen port not a number", "alpha:\n  listen: 127.0.0.1:x\n" + srv, []string{"conf: directive \"listen\" has an invalid port in \"hostname:port\" format string"}, false},
	{"listen empty host", "alpha:\n  listen: :22121\n" + srv, []string{
		"address resolution of node '' service '22121' failed: Name or service not known",
		"conf: directive \"listen\" has an invalid value"}, false},
	{"listen unknown host", "alpha:\n  listen: no.such.host.invalid:22121\n" + srv, []string{
		"address resolution of node 'no.such.host.invalid' service '22121' failed: Name or service not known",
		"conf: directive \"listen\" has an invalid value"}, false},
	{"listen bracketed IPv6", "alpha:\n  listen: \"[::1]:22121\"\n" + srv, []string{
		"address resolution of node '[::1]' service '22121' failed: Name or service not known",
		"conf: directive \"listen\" has an invalid value"}, false},
	{"listen perm above 0777", "alpha:\n  listen: /tmp/p.sock 1777\n" + srv, []string{"conf: directive \"listen\" has an invalid file permission in \"socket_path permission\" format string"}, false},
	{"listen perm negative", "alpha:\n  listen: /tmp/p.sock -1\n" + srv, []string{"conf: directive \"listen\" has an invalid file permission in \"socket_path permission\" format string"}, false},
	{"listen perm overflows", "alpha:\n  listen: /tmp/p.sock 7777777777777777777777\n" + srv, []string{"conf: directive \"listen\" has an invalid file permission in \"socket_path permission\" format string"}, false},
	{"listen path too long", "alpha:\n  listen: /tmp/" + strings.Repeat("a", 103) + "\n" + srv, []string{"conf: directive \"listen\" has an invalid value"}, false},
	// servers
	{"server without weight", lst + "  servers:\n   - 127.0.0.1:6379\n", []string{"conf: directive \"servers\" has an invalid \"hostname:port:weight [name]\"or \"/path/unix_socket:weight [name]\" format string"}, false},
	{"server port only", lst + "  servers:\n   - 6379:1\n", []string{"conf: directive \"servers\" has an invalid \"hostname:port:weight [name]\"or \"/path/unix_socket:weight [name]\" format string"}, false},
	{"unix server without weight", lst + "  servers:\n   - /tmp/r.sock\n", []string{"conf: directive \"servers\" has an invalid \"hostname:port:weight [name]\"or \"/path/unix_socket:weight [name]\" format string"}, false},
	{"unix server path with a colon", lst + "  servers:\n   - /tmp/a:b.sock:1\n", []string{"conf: directive \"servers\" has an invalid \"hostname:port:weight [name]\"or \"/path/unix_socket:weight [name]\" format string"}, false},
	{"server host with a NUL", lst + "  servers:\n   - \"a\\0b:6379:1\"\n", []string{"conf: directive \"servers\" has an invalid \"hostname:port:weight [name]\"or \"/path/unix_socket:weight [name]\" format string"}, false},
	{"server weight not a number", lst + "  servers:\n   - 127.0.0.1:6379:x\n", []string{"conf: directive \"servers\" has an invalid weight in \"hostname:port:weight [name]\" format string"}, false},
	{"server weight wraps negative", lst + "  servers:\n   - 127.0.0.1:6379:2147483648\n", []string{"conf: directive \"servers\" has an invalid weight in \"hostname:port:weight [name]\" format string"}, false},
	{"server name with a space", lst + "  servers:\n   - 127.0.0.1:6379:1 my name\n", []string{"conf: directive \"servers\" has an invalid weight in \"hostname:port:weight [name]\" format string"}, false},
	{"server zero weight", lst + "  servers:\n   - 127.0.0.1:6379:0\n", []string{"conf: directive \"servers\" has a zero weight in \"hostname:port:weight [name]\" format string"}, false},
	{"server port 0", lst + "  servers:\n   - 127.0.0.1:0:1\n", []string{"conf: directive \"servers\" has an invalid port in \"hostname:port:weight [name]\" format string"}, false},
	{"server port 65536", lst + "  servers:\n   - 127.0.0.1:65536:1\n", []string{"conf: directive \"servers\" has an invalid port in \"hostname:port:weight [name]\" format string"}, false},
	// empty scalars: nutcracker fails without a message
	{"listen empty", "alpha:\n  listen:\n" + srv, []string{"conf: 'FILE' has an empty scalar at line 2 column 10 (nutcracker 0.5.0 rejects it without a message)"}, true},
	{"empty pool name", "'':\n  listen: 127.0.0.1:22121\n" + srv, []string{"conf: 'FILE' has an empty scalar at line 1 column 1 (nutcracker 0.5.0 rejects it without a message)"}, true},
	{"empty key", lst + "  '': x\n" + srv, []string{"conf: 'FILE' has an empty scalar at line 3 column 3 (nutcracker 0.5.0 rejects it without a message)"}, true},
	{"empty redis_auth", lst + "  redis_auth: \"\"\n" + srv, []string{"conf: 'FILE' has an empty scalar at line 3 column 15 (nutcracker 0.5.0 rejects it without a message)"}, true},
	{"empty server", lst + "  servers:\n   -\n", []string{"conf: 'FILE' has an empty scalar at line 4 column 5 (nutcracker 0.5.0 rejects it without a message)"}, true},
	// conf_validate_pool, conf_validate_server, conf_post_validate
	{"no listen", "alpha:\n" + srv, []string{"conf: directive \"listen:\" is missing"}, false},
	{"server_connections 0", lst + "  server_connections: 0\n" + srv, []string{"conf: directive \"server_connections:\" cannot be 0"}, false},
	{"server_connections wraps to 0", lst + "  server_connections: 4294967296\n" + srv, []string{"conf: directive \"server_connections:\" cannot be 0"}, false},
	{"server_connections 0 before redis_auth", lst + "  server_connections: 0\n  redis_auth: x\n" + srv, []string{"conf: directive \"server_connections:\" cannot be 0"}, false},
	{"redis_auth without redis", lst + "  redis_auth: pw\n" + srv, []string{"conf: directive \"redis_auth:\" is only valid for a redis pool"}, false},
	{"redis_auth with redis false", lst + "  redis: false\n  redis_auth: pw\n" + srv + "   - 127.0.0.1:6379:1\n", []string{"conf: directive \"redis_auth:\" is only valid for a redis pool"}, false},
	{"no servers (listen took the sequence)", "alpha:\n  listen:\n   - 127.0.0.1:22121\n", []string{"conf: pool 'alpha' has no servers"}, false},
	{"same server twice", lst + "  servers:\n   - 127.0.0.1:6379:1\n   - 127.0.0.1:6379:2\n", []string{"conf: pool 'alpha' has servers with same name '127.0.0.1:6379'"}, false},
	{"same server name", lst + "  servers:\n   - 127.0.0.1:6379:1 a\n   - 127.0.0.1:6380:1 a\n", []string{"conf: pool 'alpha' has servers with same name 'a'"}, false},
	{"port 11211 named as the host", lst + "  servers:\n   - 10.0.0.1:11211:1\n   - 10.0.0.2:6379:1 10.0.0.1\n", []string{"conf: pool 'alpha' has servers with same name '10.0.0.1'"}, false},
	{"two empty names", lst + "  servers:\n   - \"127.0.0.1:6379:1 \"\n   - \"127.0.0.1:6380:1 \"\n", []string{"conf: pool 'alpha' has servers with same name ''"}, false},
	{"a bad pool after a good one", lst + srv + "beta:\n  listen: 127.0.0.1:22122\n  hash: nope\n" + srv, []string{"conf: directive \"hash\" is not a valid hash"}, false},
	{"second pool without listen", lst + srv + "beta:\n" + srv, []string{"conf: directive \"listen:\" is missing"}, false},
	{"same listen", "beta:\n  listen: 127.0.0.1:22121\n" + srv + lst + srv, []string{"conf: pools 'beta' and 'alpha' have the same listen address '127.0.0.1:22121'"}, false},
	{"same pool name", lst + srv + "alpha:\n  listen: 127.0.0.1:22122\n" + srv, []string{"conf: 'FILE' has pools with same name alpha'"}, false},
	{"same name and listen", lst + srv + lst + srv, []string{"conf: pools 'alpha' and 'alpha' have the same listen address '127.0.0.1:22121'"}, false},
}

// loadConf loads yml from a file in a temporary directory with a logger
// into a buffer; it returns the file name, the conf, the log and the
// error.
func loadConf(t *testing.T, yml string) (string, *conf, string, error) {
	t.Helper()
	name := filepath.Join(t.TempDir(), "c.yml")
	if err := os.WriteFile(name, []byte(yml), 0o644); err != nil {
		t.Fatal(err)
	}
	var log, stderr bytes.Buffer
	lv := new(slog.LevelVar)
	lv.Set(slogLevel(logNotice))
	cf, err := confCreate(name, slog.New(newLogHandler(&log, lv)), &stderr)
	if (err != nil) != (stderr.Len() > 0) {
		t.Errorf("error %v, stderr %q: the \"syntax is invalid\" line goes with an error", err, stderr.String())
	}
	return name, cf, log.String(), err
}

// TestConfBad loads each of badConfs and checks that it is refused with
// exactly the reasons listed, in nutcracker's log format.
func TestConfBad(t *testing.T) {
	for _, c := range badConfs {
		name, _, log, err := loadConf(t, c.yml)
		if err == nil {
			t.Errorf("%s: accepted:\n%s", c.name, c.yml)
			continue
		}
		got := logMessages(t, log)
		want := strings.Split(strings.ReplaceAll(strings.Join(c.reasons, "\n"), "FILE", name), "\n")
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: logged %q, want %q", c.name, got, want)
		}
	}
}

// TestConfOpenFailure: a missing file is logged with strerror's text and
// gives no "syntax is invalid" line (conf_open fails before).
func TestConfOpenFailure(t *testing.T) {
	var log, stderr bytes.Buffer
	lv := new(slog.LevelVar)
	name := filepath.Join(t.TempDir(), "missing.yml")
	_, err := confCreate(name, slog.New(newLogHandler(&log, lv)), &stderr)
	if err == nil || stderr.Len() != 0 {
		t.Fatalf("err %v, stderr %q", err, stderr.String())
	}
	want := "conf: failed to open configuration '" + name + "': No such file or directory"
	if got := logMessages(t, log.String()); len(got) != 1 || got[0] != want {
		t.Errorf("logged %q, want %q", got, want)
	}
}

// TestConfDefaults loads a pool with only listen and one server and checks
// every directive's default: hash fnv1a_64, no hash tag, ketama, no timeout
// (-1), backlog 512, client_connections 0, memcache, no keepalive, no
// auth, db 0, no
// preconnect, no ejection, 1 server connection, retry 30000 ms, failure
// limit 2.
func TestConfDefaults(t *testing.T) {
	_, cf, log, err := loadConf(t, lst+srv)
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	cp := cf.pools[0]
	if cp.hash != "fnv1a_64" || cp.hashFunc == nil || cp.hashTag != "" || cp.distribution != hashkit.Ketama ||
		cp.timeout != -1 || cp.backlog != 512 || cp.clientConnections != 0 || cp.redis || cp.tcpKeepalive || cp.redisAuth != "" ||
		cp.redisDB != 0 || cp.preconnect || cp.autoEjectHosts || cp.serverConnections != 1 ||
		cp.serverRetryTimeout != 30000 || cp.serverFailureLimit != 2 {
		t.Errorf("defaults: %+v", cp)
	}
	want := &net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 22121}
	if cp.listen.pname != "127.0.0.1:22121" || cp.listen.name != "127.0.0.1" || cp.listen.port != 22121 ||
		cp.listen.addr.String() != want.String() || cp.listen.hasPerm {
		t.Errorf("listen: %+v", cp.listen)
	}
}

// TestConfValues sets every directive (numbers and booleans quoted and
// not, since a scalar's value is what nutcracker reads) and checks what
// was read; client_connections is read and then ignored, as in 0.5.0.
func TestConfValues(t *testing.T) {
	yml := "alpha:\n" +
		"  listen: /tmp/goae-proxy-test.sock 0660\n" +
		"  hash: murmur\n" +
		"  hash_tag: \"{}\"\n" +
		"  distribution: modula\n" +
		"  timeout: \"400\"\n" +
		"  backlog: 1024\n" +
		"  client_connections: 100\n" +
		"  redis: \"true\"\n" +
		"  tcpkeepalive: true\n" +
		"  redis_auth: s3cret\n" +
		"  redis_db: 3\n" +
		"  preconnect: true\n" +
		"  auto_eject_hosts: true\n" +
		"  server_connections: 4\n" +
		"  server_retry_timeout: 2000\n" +
		"  server_failure_limit: 0\n" +
		"  servers:\n" +
		"   - 127.0.0.1:6379:1\n"
	_, cf, log, err := loadConf(t, yml)
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	cp := cf.pools[0]
	if cp.hash != "murmur" || cp.hashFunc([]byte("a")) != hashkit.Murmur([]byte("a")) || cp.hashTag != "{}" ||
		cp.distribution != hashkit.Modula || cp.timeout != 400 || cp.backlog != 1024 || cp.clientConnections != 0 ||
		!cp.redis || !cp.tcpKeepalive || cp.redisAuth != "s3cret" || cp.redisDB != 3 || !cp.preconnect || !cp.autoEjectHosts ||
		cp.serverConnections != 4 || cp.serverRetryTimeout != 2000 || cp.serverFailureLimit != 0 {
		t.Errorf("values: %+v", cp)
	}
	l := cp.listen
	if l.name != "/tmp/goae-proxy-test.sock" || !l.hasPerm || l.perm != 0o660 || l.port != 0 ||
		l.addr.String() != "/tmp/goae-proxy-test.sock" || l.addr.Network() != "unix" {
		t.Errorf("listen: %+v", l)
	}
}

// TestConfListenForms checks listen values that nutcracker accepts: the
// last colon splits an IPv6 address, localhost resolves, a socket path
// with and without a permission (strtol's reading: "abc" and "9" are 0,
// "-0" is 0).
func TestConfListenForms(t *testing.T) {
	for _, c := range []struct {
		listen, name string
		port         int
		perm         uint32
		hasPerm      bool
	}{
		{"\"::1:22121\"", "::1", 22121, 0, false},
		{"localhost:22121", "localhost", 22121, 0, false},
		{"0.0.0.0:65535", "0.0.0.0", 65535, 0, false},
		{"/tmp/p.sock", "/tmp/p.sock", 0, 0, false},
		{"/tmp/p.sock 0777", "/tmp/p.sock", 0, 0o777, true},
		{"/tmp/p.sock 644", "/tmp/p.sock", 0, 0o644, true},
		{"/tmp/p.sock abc", "/tmp/p.sock", 0, 0, true},
		{"/tmp/p.sock 9", "/tmp/p.sock", 0, 0, true},
		{"/tmp/p.sock -0", "/tmp/p.sock", 0, 0, true},
		{"/tmp/" + strings.Repeat("a", 102), "/tmp/" + strings.Repeat("a", 102), 0, 0, false},
	} {
		_, cf, log, err := loadConf(t, "alpha:\n  listen: "+c.listen+"\n"+srv)
		if err != nil {
			t.Errorf("listen %s: %v\n%s", c.listen, err, log)
			continue
		}
		l := cf.pools[0].listen
		if l.name != c.name || l.port != c.port || l.perm != c.perm || l.hasPerm != c.hasPerm || l.addr == nil {
			t.Errorf("listen %s: %+v", c.listen, l)
		}
	}
}

// TestConfMultiPool loads three pools, given out of order, with tcp and
// unix servers, names, weights and the 11211 rule, and checks nutcracker's
// result: pools sorted by name (shorter first), each pool's servers sorted
// by name (shorter first, then bytewise) with the names ketama hashes.
func TestConfMultiPool(t *testing.T) {
	yml := "" +
		"zeta:\n" +
		"  listen: 127.0.0.1:22123\n" +
		"  hash: md5\n" +
		"  servers:\n" +
		"   - 10.0.0.2:11211:1\n" +
		"   - 10.0.0.1:11211:2\n" +
		"   - 10.0.0.10:11212:1\n" +
		"beta_two:\n" +
		"  listen: /tmp/goae-proxy-beta.sock\n" +
		"  redis: true\n" +
		"  servers:\n" +
		"   - 127.0.0.1:6381:1 shard-b\n" +
		"   - 127.0.0.1:6380:1 shard-a\n" +
		"   - /tmp/redis.sock:3 shard-c\n" +
		"   - 127.0.0.1:6379:2 z\n" +
		"alpha:\n" +
		"  listen: 127.0.0.1:22121\n" +
		"  redis: true\n" +
		"  distribution: modula\n" +
		"  servers:\n" +
		"   - /tmp/redis.sock:1\n" +
		"   - 127.0.0.1:6379:1\n" +
		"   - localhost:6379:1\n"
	_, cf, log, err := loadConf(t, yml)
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	type srvWant struct {
		name, addr   string
		port, weight int
	}
	want := []struct {
		pool    string
		servers []srvWant
	}{
		{"zeta", []srvWant{{"10.0.0.1", "10.0.0.1", 11211, 2}, {"10.0.0.2", "10.0.0.2", 11211, 1}, {"10.0.0.10:11212", "10.0.0.10", 11212, 1}}},
		{"alpha", []srvWant{{"127.0.0.1:6379", "127.0.0.1", 6379, 1}, {"localhost:6379", "localhost", 6379, 1}, {"/tmp/redis.sock:", "/tmp/redis.sock", 0, 1}}},
		{"beta_two", []srvWant{{"z", "127.0.0.1", 6379, 2}, {"shard-a", "127.0.0.1", 6380, 1}, {"shard-b", "127.0.0.1", 6381, 1}, {"shard-c", "/tmp/redis.sock", 0, 3}}},
	}
	if len(cf.pools) != len(want) {
		t.Fatalf("%d pools, want %d", len(cf.pools), len(want))
	}
	for i, w := range want {
		cp := cf.pools[i]
		if cp.name != w.pool {
			t.Errorf("pool %d is %q, want %q", i, cp.name, w.pool)
			continue
		}
		var got []srvWant
		for _, s := range cp.servers {
			got = append(got, srvWant{s.name, s.addrstr, s.port, s.weight})
		}
		if len(got) != len(w.servers) {
			t.Errorf("pool %s: servers %v, want %v", cp.name, got, w.servers)
			continue
		}
		for j := range got {
			if got[j] != w.servers[j] {
				t.Errorf("pool %s: servers %v, want %v", cp.name, got, w.servers)
				break
			}
		}
		// What placement sees is the same order and names (hashkit's
		// sort leaves it unchanged).
		hs := cp.hashkitServers()
		sorted := append([]hashkit.Server(nil), hs...)
		hashkit.SortServers(sorted)
		for j := range hs {
			if hs[j] != sorted[j] || hs[j].Name != cp.servers[j].name || int(hs[j].Weight) != cp.servers[j].weight {
				t.Errorf("pool %s: hashkit servers %v, sorted %v", cp.name, hs, sorted)
				break
			}
		}
	}
	if cf.pools[2].servers[3].pname != "/tmp/redis.sock:3" || cf.pools[0].servers[2].pname != "10.0.0.10:11212:1" {
		t.Errorf("pnames: %q %q", cf.pools[2].servers[3].pname, cf.pools[0].servers[2].pname)
	}
}

// TestConfServerForms: the odd server lines nutcracker accepts: an empty
// host, a weight and a port that wrap around 2^32, a name after the last
// space, an empty name, a unix path without a port.
func TestConfServerForms(t *testing.T) {
	for _, c := range []struct {
		line, name, addr string
		port, weight     int
	}{
		{"\":6379:1\"", ":6379", "", 6379, 1},
		{"127.0.0.1:6379:4294967297", "127.0.0.1:6379", "127.0.0.1", 6379, 1},
		{"127.0.0.1:4294967297:1", "127.0.0.1:4294967297", "127.0.0.1", 1, 1},
		{"127.0.0.1:011211:1", "127.0.0.1", "127.0.0.1", 11211, 1},
		{"\"::1:6379:1\"", "::1:6379", "::1", 6379, 1},
		{"127.0.0.1:6379:1 name", "name", "127.0.0.1", 6379, 1},
		{"\"127.0.0.1:6379:1 \"", "", "127.0.0.1", 6379, 1},
		{"/tmp/r.sock:5", "/tmp/r.sock:", "/tmp/r.sock", 0, 5},
		{"\"/tmp/r\\0.sock:5\"", "/tmp/r\x00.sock:", "/tmp/r\x00.sock", 0, 5},
	} {
		_, cf, log, err := loadConf(t, lst+"  servers:\n   - "+c.line+"\n")
		if err != nil {
			t.Errorf("server %s: %v\n%s", c.line, err, log)
			continue
		}
		s := cf.pools[0].servers[0]
		if s.name != c.name || s.addrstr != c.addr || s.port != c.port || s.weight != c.weight {
			t.Errorf("server %s: %+v, want name %q addr %q port %d weight %d", c.line, s, c.name, c.addr, c.port, c.weight)
		}
	}
}

// goodConfs are valid configurations that nutcracker must accept too.
var goodConfs = []string{
	lst + srv,
	"\xef\xbb\xbf" + lst + srv, // a UTF-8 byte order mark
	strings.ReplaceAll(lst+srv, "\n", "\r\n"),
	"# comment\n" + lst + "  # comment\n" + srv + "\n",
	"? alpha\n: listen: 127.0.0.1:22121\n" + srv, // an explicit key
	"alpha:\n  listen: \"127.0.0.1:22121\"\n  'servers':\n   - '127.0.0.1:6379:1'\n",
	lst + "  servers:\n   - 127.0.0.1:6379:1\n  hash: md5\n", // keys after the sequence
	lst + "  redis: true\n  redis_auth: \"x y\"\n" + srv,
	"alpha:\n  listen: /tmp/p.sock 0777\n" + srv,
	"alpha:\n  listen: /tmp/p.sock abc\n" + srv,
	"alpha:\n  listen: localhost:22121\n" + srv,
	lst + "  servers:\n   - \":6379:1\"\n   - 127.0.0.1:6379:4294967297\n   - /tmp/r.sock:1\n",
	lst + srv + "beta:\n  listen: 127.0.0.1:22122\n" + srv + "gamma:\n  listen: /tmp/g.sock\n  servers:\n   - /tmp/r.sock:1 r\n",
}

// TestConfGood loads each of goodConfs.
func TestConfGood(t *testing.T) {
	for _, yml := range goodConfs {
		if _, _, log, err := loadConf(t, yml); err != nil {
			t.Errorf("%q: %v\n%s", yml, err, log)
		}
	}
}

// TestConfAgainstNutcracker runs every configuration of badConfs and
// goodConfs through nutcracker and the built proxy: `-t -c F` must give
// the same exit status and stderr (the verdict lines); for a bad one, the
// serving mode `-c F -o LOG` must give the same stderr and exit status,
// and the reason lines of the two logs must be the same messages (the
// "[timestamp] file:line" prefix differs: nc_conf.c:529 against
// conf.go:NNN), but for the empty scalars nutcracker rejects without a
// message (its log then has no reason line, ours one).
func TestConfAgainstNutcracker(t *testing.T) {
	nc := testenv.RequireBinary(t, "nutcracker")
	bin := proxyBinary(t)
	port := strconv.Itoa(testenv.FreePort(t))
	check := func(name, yml string, bad bool, ncSilent bool) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "c.yml"), []byte(yml), 0o644); err != nil {
			t.Fatal(err)
		}
		want := runProc(t, dir, nc, "-t", "-c", "c.yml")
		got := runProc(t, dir, bin, "-t", "-c", "c.yml")
		if got.code != want.code || !bytes.Equal(got.stderr, want.stderr) {
			t.Errorf("%s: -t: nutcracker exit %d %q, proxy exit %d %q", name, want.code, want.stderr, got.code, got.stderr)
		}
		if want.code != map[bool]int{false: 0, true: 1}[bad] {
			t.Errorf("%s: nutcracker -t exit %d, the case says bad=%v", name, want.code, bad)
		}
		if !bad {
			return
		}
		want = runProc(t, dir, nc, "-c", "c.yml", "-o", "nc.log", "-s", port, "-a", "127.0.0.1")
		got = runProc(t, dir, bin, "-c", "c.yml", "-o", "proxy.log", "-s", port, "-a", "127.0.0.1")
		if got.code != want.code || !bytes.Equal(got.stderr, want.stderr) {
			t.Errorf("%s: serving mode: nutcracker exit %d %q, proxy exit %d %q", name, want.code, want.stderr, got.code, got.stderr)
		}
		ncLog, _ := os.ReadFile(filepath.Join(dir, "nc.log"))
		pLog, _ := os.ReadFile(filepath.Join(dir, "proxy.log"))
		ncMsgs := logMessages(t, string(ncLog), "nc.c")
		pMsgs := logMessages(t, string(pLog), "run.go")
		if ncSilent {
			if len(ncMsgs) != 0 || len(pMsgs) != 1 {
				t.Errorf("%s: nutcracker logged %q (expected no reason), proxy %q (expected one)", name, ncMsgs, pMsgs)
			}
			return
		}
		if strings.Join(ncMsgs, "\n") != strings.Join(pMsgs, "\n") || len(ncMsgs) == 0 {
			t.Errorf("%s: reasons differ:\nnutcracker %q\nproxy      %q", name, ncMsgs, pMsgs)
		}
	}
	for _, c := range badConfs {
		check(c.name, c.yml, true, c.ncSilent)
	}
	for i, yml := range goodConfs {
		check("good "+strconv.Itoa(i), yml, false, false)
	}
}
