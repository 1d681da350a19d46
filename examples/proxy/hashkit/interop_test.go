package hashkit

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/goae/goae/internal/testenv"
)

// TestNutcrackerPlacement stores keys through a real nutcracker in front of
// real redis-servers and checks that every key is on the server this
// package chooses: for ketama and modula, every hash, equal and unequal
// weights, named servers, a unix socket server, hash tags. (random cannot
// be compared key by key.)
func TestNutcrackerPlacement(t *testing.T) {
	bin := testenv.RequireBinary(t, "nutcracker")
	if testing.Short() {
		t.Skip("short: starts 11 redis-servers")
	}
	// Eleven backends; the last of the first four also listens on a unix
	// socket, for the name nutcracker gives a socket server.
	sockDir, err := os.MkdirTemp("", "hashkit")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockDir) })
	sock := filepath.Join(sockDir, "redis.sock")
	var ports []int
	for i := 0; i < 11; i++ {
		if i == 3 {
			ports = append(ports, testenv.StartRedis(t, "--unixsocket", sock, "--unixsocketperm", "700"))
		} else {
			ports = append(ports, testenv.StartRedis(t))
		}
	}
	backends := make([]*respConn, len(ports))
	for i, p := range ports {
		backends[i] = dialRESP(t, fmt.Sprintf("127.0.0.1:%d", p))
	}

	tcp := func(b int, weight int, name string) serverLine {
		return serverLine{addr: fmt.Sprintf("127.0.0.1:%d", ports[b]), weight: weight, name: name, backend: b}
	}
	long := func(c byte, n int) string { return string(c) + strings.Repeat("n", n-1) }
	specs := map[string][]serverLine{
		"equal":    {tcp(0, 1, ""), tcp(1, 1, ""), tcp(2, 1, ""), tcp(3, 1, "")},
		"weighted": {tcp(0, 1, ""), tcp(1, 2, ""), tcp(2, 3, ""), tcp(3, 5, "")},
		// Names of several lengths, listed out of their sorted order.
		"named": {tcp(0, 1, "server-b"), tcp(1, 3, "a"), tcp(2, 2, "zz"), tcp(3, 1, "mid")},
		// The fourth server by its unix socket, named "<path>:".
		"unix": {tcp(0, 1, ""), tcp(1, 2, ""), tcp(2, 1, ""), {addr: sock, weight: 1, backend: 3}},
		// The reference's eleven weights, where float32 point counts
		// differ from float64 ones (the weight 99 server gets 284 points).
		"eleven": func() (l []serverLine) {
			for i, w := range []int{15, 93, 39, 23, 46, 61, 64, 99, 68, 21, 76} {
				l = append(l, tcp(i, w, ""))
			}
			return l
		}(),
		// Long names: nutcracker cuts "name-i" to 272 bytes, so for the
		// 270-byte name "name-10" is hashed as "name-1", and the 300-byte
		// name gives one digest for every i. (84 bytes would be cut by
		// the 86-byte buffer of older twemproxy versions, not by 0.5.0.)
		"longnames": {tcp(0, 1, long('a', 84)), tcp(1, 2, long('b', 270)), tcp(2, 1, long('c', 300)), tcp(3, 1, long('d', 271))},
		// Two names alike in their first 272 bytes: every point of the one
		// ties with a point of the other, and (glibc's qsort being a
		// stable merge sort) the first in pool order wins every tie.
		"ties": {tcp(0, 1, ""), tcp(1, 1, strings.Repeat("t", 300)+"2"), tcp(2, 1, strings.Repeat("t", 300)+"1"), tcp(3, 2, "")},
	}
	specOrder := []string{"equal", "weighted", "named", "unix", "eleven", "longnames", "ties"}

	type tcase struct {
		dist Distribution
		hash string
		spec string
		tag  string
	}
	var cases []tcase
	for i, h := range HashNames() {
		cases = append(cases,
			tcase{Ketama, h, specOrder[i%len(specOrder)], ""},
			tcase{Modula, h, specOrder[(i+3)%len(specOrder)], ""})
	}
	for _, s := range specOrder {
		cases = append(cases, tcase{Ketama, "fnv1a_64", s, ""}, tcase{Ketama, "md5", s, ""}, tcase{Modula, "md5", s, ""})
	}
	cases = append(cases,
		tcase{Ketama, "fnv1a_64", "named", "{}"},
		tcase{Ketama, "murmur", "eleven", "{}"},
		tcase{Modula, "crc32a", "weighted", "$$"},
		tcase{Ketama, "hsieh", "unix", "$$"},
	)
	keys := placementKeys()

	total, ran := 0, 0
	for i, c := range cases {
		if slices.Contains(cases[:i], c) {
			continue
		}
		ran++
		name := fmt.Sprintf("%v/%s/%s", c.dist, c.hash, c.spec)
		if c.tag != "" {
			name += "/tag" + c.tag
		}
		t.Run(name, func(t *testing.T) {
			lines := specs[c.spec]
			for _, b := range backends {
				b.expect(t, "+OK", "FLUSHALL")
			}
			yaml := nutcrackerYAML(0, c.dist, c.hash, c.tag, lines)
			nc := startNutcracker(t, bin, yaml)
			defer nc.stop(t)

			// Where this package puts each key.
			srv, backendOf := hashkitServers(lines)
			h, err := Hash(c.hash)
			if err != nil {
				t.Fatal(err)
			}
			sel := Selector{Hash: h, HashTag: c.tag, Continuum: New(c.dist, srv)}

			// SET every key through nutcracker, pipelined.
			conn := dialRESP(t, nc.addr)
			defer conn.c.Close()
			for _, k := range keys {
				conn.send("SET", k, "v")
			}
			conn.flush(t)
			for _, k := range keys {
				if line := conn.line(t); line != "+OK" {
					t.Fatalf("SET %q through nutcracker: %q", k, line)
				}
			}
			// Ask every backend which keys it holds.
			where := make([][]int, len(keys))
			for b, bc := range backends {
				for _, k := range keys {
					bc.send("EXISTS", k)
				}
				bc.flush(t)
				for i := range keys {
					switch line := bc.line(t); line {
					case ":1":
						where[i] = append(where[i], b)
					case ":0":
					default:
						t.Fatalf("EXISTS on backend %d: %q", b, line)
					}
				}
			}
			matched := 0
			var bad []string
			for i, k := range keys {
				want := backendOf[sel.Index([]byte(k))]
				if len(where[i]) == 1 && where[i][0] == want {
					matched++
				} else if len(bad) < 10 {
					bad = append(bad, fmt.Sprintf("%q on backends %v, hashkit says %d", trunc(k), where[i], want))
				}
			}
			if matched != len(keys) {
				t.Errorf("%d of %d keys where hashkit puts them; first misplaced:\n%s", matched, len(keys), strings.Join(bad, "\n"))
			}

			// The empty key, on a connection of its own in case nutcracker
			// refuses it (it closes the connection on a protocol error).
			empty := dialRESP(t, nc.addr)
			defer empty.c.Close()
			empty.send("SET", "", "empty")
			empty.flush(t)
			if line, err := empty.lineErr(); err != nil || line != "+OK" {
				t.Logf("nutcracker did not store the empty key: %q %v", line, err)
			} else {
				want := backendOf[sel.Index(nil)]
				for b, bc := range backends {
					bc.send("EXISTS", "")
					bc.flush(t)
					if got := bc.line(t) == ":1"; got != (b == want) {
						t.Errorf("empty key: on backend %d %v, hashkit says backend %d", b, got, want)
					}
				}
				matched++
			}
			total += matched
			t.Logf("%d keys matched", matched)
		})
	}
	t.Logf("%d cases, %d keys in all placed as nutcracker places them", ran, total)
}

// serverLine is one entry of a pool's servers: list.
type serverLine struct {
	addr    string // host:port or unix socket path
	weight  int
	name    string
	backend int // index of the redis-server it reaches
}

func (l serverLine) String() string {
	s := fmt.Sprintf("%s:%d", l.addr, l.weight)
	if l.name != "" {
		s += " " + l.name
	}
	return s
}

// hashkitServers turns server lines into this package's sorted servers and
// the backend each sorted index reaches.
func hashkitServers(lines []serverLine) ([]Server, []int) {
	type pair struct {
		s Server
		b int
	}
	var ps []pair
	for _, l := range lines {
		ps = append(ps, pair{Server{Name: ServerName(l.addr, l.name), Weight: uint32(l.weight)}, l.backend})
	}
	slices.SortFunc(ps, func(a, b pair) int { return CompareNames(a.s.Name, b.s.Name) })
	srv := make([]Server, len(ps))
	backend := make([]int, len(ps))
	for i, p := range ps {
		srv[i], backend[i] = p.s, p.b
	}
	return srv, backend
}

// placementKeys returns 500 distinct keys: plain ones, hash-tagged ones,
// bytes >= 0x80 in every tail position, and long ones.
func placementKeys() []string {
	seen := map[string]bool{}
	var keys []string
	add := func(k string) {
		if !seen[k] && k != "" {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	for _, k := range []string{"foo", "bar", "key:0", "key:1", "user:{42}:a", "user:{42}:b", "ключ",
		"{}a", "{a", "a}", "a{}b", "$$x", "a$b$c", "\xff{\x80\x81}x", "\x80", "\xff", "ab\xff",
		"a\x00b", strings.Repeat("x", 100), strings.Repeat("\xd0\xba", 500), strings.Repeat("k", 5000)} {
		add(k)
	}
	for i := 0; i < 100; i++ {
		add(fmt.Sprintf("key:%d", i))
	}
	for i := 0; i < 60; i++ {
		add(fmt.Sprintf("user:{%d}:%c", i%20, 'a'+i%3))
		add(fmt.Sprintf("order$%d$%d", i%15, i))
	}
	r := rand.New(rand.NewPCG(1, 2))
	for len(keys) < 500 {
		b := make([]byte, 1+r.IntN(40))
		for i := range b {
			if r.IntN(2) == 0 {
				b[i] = byte(0x80 + r.IntN(0x80))
			} else {
				b[i] = byte(0x20 + r.IntN(0x5f))
			}
		}
		add(string(b))
	}
	return keys
}

func nutcrackerYAML(listen int, d Distribution, hash, tag string, lines []serverLine) string {
	var b strings.Builder
	fmt.Fprintf(&b, "pool:\n  listen: 127.0.0.1:%d\n  hash: %s\n  distribution: %v\n  redis: true\n", listen, hash, d)
	if tag != "" {
		fmt.Fprintf(&b, "  hash_tag: %q\n", tag)
	}
	b.WriteString("  servers:\n")
	for _, l := range lines {
		fmt.Fprintf(&b, "   - %s\n", l)
	}
	return b.String()
}

// nutcracker is a running nutcracker process.
type nutcracker struct {
	cmd  *exec.Cmd
	done chan struct{}
	addr string
	log  string
}

// startNutcracker runs nutcracker on the pool in yaml (whose listen port 0
// is replaced by a free port), with its stats on another free port, and
// waits until it answers PING.
func startNutcracker(t *testing.T, bin, yaml string) *nutcracker {
	t.Helper()
	dir := t.TempDir()
	port := testenv.FreePort(t)
	yaml = strings.Replace(yaml, "listen: 127.0.0.1:0\n", fmt.Sprintf("listen: 127.0.0.1:%d\n", port), 1)
	conf := filepath.Join(dir, "nutcracker.yml")
	if err := os.WriteFile(conf, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	nc := &nutcracker{addr: fmt.Sprintf("127.0.0.1:%d", port), log: filepath.Join(dir, "nutcracker.log"), done: make(chan struct{})}
	nc.cmd = exec.Command(bin, "-c", conf, "-s", strconv.Itoa(testenv.FreePort(t)), "-a", "127.0.0.1",
		"-p", filepath.Join(dir, "nutcracker.pid"), "-o", nc.log)
	var out bytes.Buffer
	nc.cmd.Stdout, nc.cmd.Stderr = &out, &out
	if err := nc.cmd.Start(); err != nil {
		t.Fatalf("starting nutcracker: %v", err)
	}
	go func() { nc.cmd.Wait(); close(nc.done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case <-nc.done:
			logText, _ := os.ReadFile(nc.log)
			t.Fatalf("nutcracker exited: %s\n%s\nconfig:\n%s", out.String(), logText, yaml)
		default:
		}
		if c, err := net.DialTimeout("tcp", nc.addr, time.Second); err == nil {
			c.SetDeadline(time.Now().Add(2 * time.Second))
			fmt.Fprint(c, "*1\r\n$4\r\nPING\r\n")
			line, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if line == "+PONG\r\n" {
				return nc
			}
		}
		if time.Now().After(deadline) {
			nc.stop(t)
			t.Fatalf("nutcracker did not answer PING on %s within 10 s", nc.addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop ends nutcracker by its PID: SIGINT, then SIGKILL after 5 s.
func (nc *nutcracker) stop(t *testing.T) {
	nc.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-nc.done:
	case <-time.After(5 * time.Second):
		t.Logf("nutcracker (pid %d) ignored SIGINT; killing it", nc.cmd.Process.Pid)
		nc.cmd.Process.Kill()
		<-nc.done
	}
}

// respConn is a minimal pipelining RESP client for replies of one line.
type respConn struct {
	c   net.Conn
	r   *bufio.Reader
	out []byte
}

func dialRESP(t *testing.T, addr string) *respConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return &respConn{c: c, r: bufio.NewReader(c)}
}

func (rc *respConn) send(args ...string) {
	rc.out = fmt.Appendf(rc.out, "*%d\r\n", len(args))
	for _, a := range args {
		rc.out = fmt.Appendf(rc.out, "$%d\r\n%s\r\n", len(a), a)
	}
}

func (rc *respConn) flush(t *testing.T) {
	t.Helper()
	rc.c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := rc.c.Write(rc.out); err != nil {
		t.Fatalf("write: %v", err)
	}
	rc.out = rc.out[:0]
}

func (rc *respConn) lineErr() (string, error) {
	s, err := rc.r.ReadString('\n')
	return strings.TrimSuffix(s, "\r\n"), err
}

func (rc *respConn) line(t *testing.T) string {
	t.Helper()
	s, err := rc.lineErr()
	if err != nil {
		t.Fatalf("read: %v (got %q)", err, s)
	}
	return s
}

func (rc *respConn) expect(t *testing.T, want string, args ...string) {
	t.Helper()
	rc.send(args...)
	rc.flush(t)
	if got := rc.line(t); got != want {
		t.Fatalf("%v: %q, want %q", args, got, want)
	}
}

// trunc shortens a key for a message.
func trunc(k string) string {
	if len(k) > 40 {
		return k[:40] + fmt.Sprintf("...(%d bytes)", len(k))
	}
	return k
}
