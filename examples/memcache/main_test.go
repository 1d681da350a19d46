package main

import (
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goae/goae/internal/testenv"
	"golang.org/x/sys/unix"
)

// TestParseArgs: memcached's command line, long and short. Each row is the
// arguments tried and what is expected: the settings read, or memcached's
// message and exit status.
func TestParseArgs(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		check  func(config) bool
		msg    string
		status int
	}{
		{args: nil, check: func(c config) bool {
			return c.port == 11211 && c.listen[0] == "127.0.0.1" && c.threads == 4 && c.memoryLimit == 64<<20 &&
				c.maxConns == 1024 && c.itemSizeMax == 1<<20
		}},
		{args: []string{"-p", "11311", "-t", "2", "-m", "128", "-c", "10", "-I", "2m", "-U", "0", "-vv"}, check: func(c config) bool {
			return c.port == 11311 && c.threads == 2 && c.memoryLimit == 128<<20 && c.maxConns == 10 && c.itemSizeMax == 2<<20 && c.verbose == 2
		}},
		{args: []string{"--port=7", "--threads", "3", "--listen", "0.0.0.0,::1", "--max-item-size=512k", "-p9"}, check: func(c config) bool {
			return c.port == 9 && c.threads == 3 && len(c.listen) == 2 && c.listen[1] == "::1" && c.itemSizeMax == 512<<10
		}},
		{args: []string{"-s", "/tmp/x.sock", "--memory-limit", "8", "-I", "4096"}, check: func(c config) bool {
			return c.unixSocket == "/tmp/x.sock" && c.memoryLimit == 8<<20 && c.itemSizeMax == 4096
		}},
		{args: []string{"-V"}, msg: "memcached " + version + "\n", status: 0},
		{args: []string{"--version"}, msg: "memcached " + version + "\n", status: 0},
		{args: []string{"-t", "0"}, msg: "Number of threads must be greater than 0\n", status: 64},
		{args: []string{"-I", "1000"}, msg: "Item max size cannot be less than 1024 bytes.\n", status: 64},
		{args: []string{"-I", "64m"}, msg: "Cannot set item size limit higher than 1/2 of memory max.\n", status: 64},
		{args: []string{"-m", "4096", "-I", "2000m"}, msg: "Cannot set item size limit higher than a gigabyte.\n", status: 64},
		{args: []string{"-U", "11211"}, msg: "UDP is not supported by this server: use -U 0\n", status: 64},
		{args: []string{"-p"}, msg: "memcached: option requires an argument -- 'p'\n", status: 64},
		{args: []string{"--bogus"}, msg: "memcached: unrecognized option '--bogus'\nTry `memcached -h' for more information.\n", status: 64},
	} {
		cfg, msg, status, ok := parseArgs(tc.args)
		if tc.check != nil {
			if !ok || !tc.check(cfg) {
				t.Errorf("%q: ok %v, config %+v (%q)", tc.args, ok, cfg, msg)
			}
			continue
		}
		if ok || msg != tc.msg || status != tc.status {
			t.Errorf("%q: got %q, status %d (ok %v); want %q, %d", tc.args, msg, status, ok, tc.msg, tc.status)
		}
	}
	if _, msg, _, _ := parseArgs([]string{"-h"}); !strings.Contains(msg, "--max-item-size") {
		t.Errorf("-h: %q", msg)
	}
}

// TestVersionShape: memcached -V prints "memcached 1.6.18"; ours is the
// same shape with its own version.
func TestVersionShape(t *testing.T) {
	if !strings.HasPrefix(version, "1.6.18") {
		t.Errorf("version %q", version)
	}
	if _, msg, _, _ := parseArgs([]string{"-V"}); !versionLine.MatchString(strings.TrimSuffix(msg, "\n")) {
		t.Errorf("-V prints %q", msg)
	}
}

// TestStatsNames: tried `stats`, `stats items` and `stats slabs` after one
// set on both servers. Expected: the same STAT names in the same order as
// memcached 1.6.18 (values differ: pids, times, what is not ported), and
// in `stats settings` the settings both have, with the same values.
func TestStatsNames(t *testing.T) {
	mc := "127.0.0.1:" + strconv.Itoa(testenv.StartMemcached(t))
	ours := startServer(t, nil).Addr()
	get := func(addr, cmd string) (names []string, values map[string]string) {
		c := dial(t, addr)
		roundTrip(t, c, "set a 0 0 1\r\nx\r\n", "STORED\r\n")
		values = map[string]string{}
		for _, l := range strings.Split(roundTrip(t, c, cmd+"\r\n", "END\r\n"), "\r\n") {
			f := strings.Fields(l)
			if len(f) == 3 && f[0] == "STAT" {
				names = append(names, f[1])
				values[f[1]] = f[2]
			}
		}
		return names, values
	}
	for _, cmd := range []string{"stats", "stats items", "stats slabs"} {
		want, _ := get(mc, cmd)
		got, _ := get(ours, cmd)
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s names:\nmemcached: %v\nours:      %v", cmd, want, got)
		}
	}
	_, want := get(mc, "stats settings")
	_, got := get(ours, "stats settings")
	for _, name := range []string{"maxbytes", "maxconns", "udpport", "verbosity", "evictions", "growth_factor",
		"chunk_size", "num_threads", "reqs_per_event", "cas_enabled", "tcp_backlog", "item_size_max",
		"slab_chunk_max", "maxconns_fast", "idle_timeout"} {
		if got[name] != want[name] {
			t.Errorf("stats settings %s: ours %q, memcached %q", name, got[name], want[name])
		}
	}
}

// TestImprovements: where ours refuses what memcached takes (README).
// Tried: flags and a byte count past 32 bits, a get line over 1 MiB.
// Expected: CLIENT_ERROR bad command line format for the first two (memcached
// truncates them silently), "CLIENT_ERROR line too long" and a close for
// the last (memcached buffers it without bound).
func TestImprovements(t *testing.T) {
	s := startServer(t, nil)
	c := dial(t, s.Addr())
	roundTrip(t, c, "set k 4294967296 0 1\r\nx\r\n", "CLIENT_ERROR bad command line format\r\nERROR\r\n")
	roundTrip(t, c, "set k 0 0 4294967296\r\n", "CLIENT_ERROR bad command line format\r\n")
	c.Write([]byte("get " + strings.Repeat("k ", 600*1024)))
	out, closed := readUntil(c, "", 3*time.Second)
	if string(out) != "CLIENT_ERROR line too long\r\n" || !closed {
		t.Errorf("1 MiB get line: got %q, closed %v", out, closed)
	}
}

// TestUnixSocket: -s listens on a unix socket instead of TCP. Tried: a
// set and get over it. Expected: STORED, the value, and `stats conns`
// naming the socket.
func TestUnixSocket(t *testing.T) {
	path := t.TempDir() + "/mc.sock"
	s := startServer(t, func(c *config) { c.unixSocket = path })
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	roundTrip(t, c, "set k 0 0 1\r\nx\r\nget k\r\n", "VALUE k 0 1\r\nx\r\nEND\r\n")
	if st := roundTrip(t, c, "stats conns\r\n", "END\r\n"); !strings.Contains(st, "addr unix:"+path) {
		t.Errorf("stats conns: %q", st)
	}
	_ = s
}

// rawClient is a blocking socket driven by raw system calls, so that a
// test counting allocations counts the server's only.
type rawClient struct {
	fd  int
	buf []byte
}

func newRawClient(t *testing.T, addr string) *rawClient {
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	sa := &unix.SockaddrInet4{Port: p}
	copy(sa.Addr[:], net.ParseIP(host).To4())
	if err := unix.Connect(fd, sa); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	return &rawClient{fd: fd, buf: make([]byte, 4096)}
}

// do sends req and reads until the reply is want's length.
func (r *rawClient) do(req []byte, want int) int {
	unix.Write(r.fd, req)
	got := 0
	for got < want {
		n, err := unix.Read(r.fd, r.buf[got:])
		if err != nil || n <= 0 {
			return got
		}
		got += n
	}
	return got
}

// TestZeroAllocsThroughConn: a get and a set over a real connection,
// through the whole server (parse, storage, reply, writev), counted by
// testing.AllocsPerRun. Expected: a get allocates nothing, a set only its
// item (one allocation).
func TestZeroAllocsThroughConn(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	s := startServer(t, func(c *config) { c.threads = 1 })
	r := newRawClient(t, s.Addr())
	set := []byte("set k 0 0 5\r\nhello\r\n")
	get := []byte("get k\r\n")
	getReply := len("VALUE k 0 5\r\nhello\r\nEND\r\n")
	if n := r.do(set, len("STORED\r\n")); n != 8 {
		t.Fatalf("set: %d bytes of reply", n)
	}
	if n := r.do(get, getReply); n != getReply {
		t.Fatalf("get: %d bytes of reply", n)
	}
	a := testing.AllocsPerRun(200, func() { r.do(get, getReply) })
	t.Logf("get: %.2f allocs per request", a)
	if a > 0.1 {
		t.Errorf("get: %.2f allocs per request, want 0", a)
	}
	a = testing.AllocsPerRun(200, func() { r.do(set, 8) })
	t.Logf("set: %.2f allocs per request", a)
	if a > 1.1 {
		t.Errorf("set: %.2f allocs per request, want 1 (the item)", a)
	}
}
