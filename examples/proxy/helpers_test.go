package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/goae/goae/internal/testenv"
)

// A running proxy (ours or nutcracker) and how to reach it.
type proxyProc struct {
	name  string
	cmd   *exec.Cmd
	ports []int // one listen port per pool, in the order given
	stats int
	log   string
}

// confFor fills a YAML template: {LISTENi} become 127.0.0.1:<port>.
func confFor(tmpl string, ports []int) string {
	for i, p := range ports {
		tmpl = strings.ReplaceAll(tmpl, fmt.Sprintf("{LISTEN%d}", i), fmt.Sprintf("127.0.0.1:%d", p))
	}
	return tmpl
}

// startProc runs bin (ours or nutcracker) on tmpl with npools listen
// ports, -i 100, and waits until every port accepts; it is stopped by its
// PID at the end of the test.
func startProc(t *testing.T, bin, tmpl string, npools int, extra ...string) *proxyProc {
	t.Helper()
	dir := t.TempDir()
	pp := &proxyProc{name: filepath.Base(bin), stats: testenv.FreePort(t), log: filepath.Join(dir, "log")}
	for i := 0; i < npools; i++ {
		pp.ports = append(pp.ports, testenv.FreePort(t))
	}
	conf := filepath.Join(dir, "nc.yml")
	if err := os.WriteFile(conf, []byte(confFor(tmpl, pp.ports)), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"-c", conf, "-s", strconv.Itoa(pp.stats), "-a", "127.0.0.1", "-i", "100", "-o", pp.log}, extra...)
	pp.cmd = exec.Command(bin, args...)
	if err := pp.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		pp.cmd.Process.Kill()
		pp.cmd.Wait()
	})
	for _, p := range append([]int{pp.stats}, pp.ports...) {
		waitAccept(t, p, pp)
	}
	return pp
}

func waitAccept(t *testing.T, port int, pp *proxyProc) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(pp.log)
			t.Fatalf("%s: port %d never accepted: %s", pp.name, port, log)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// startBoth runs nutcracker and ours on the same template; fill maps a
// side (0 nutcracker, 1 ours) to the template for it.
func startBoth(t *testing.T, npools int, fill func(side int) string) (nc, ours *proxyProc) {
	t.Helper()
	ncBin := testenv.RequireBinary(t, "nutcracker")
	bin := proxyBinary(t)
	return startProc(t, ncBin, fill(0), npools), startProc(t, bin, fill(1), npools)
}

// exchange writes the chunks to a new connection to port (each write
// apart, so that the proxy sees the split) and reads the replies: until
// EOF, until want bytes have come (want > 0), or until idle passes with
// nothing new. It reports whether the connection was closed.
func exchange(t *testing.T, port int, chunks [][]byte, want int, idle time.Duration) ([]byte, bool) {
	t.Helper()
	return exchangeNet(t, "tcp", fmt.Sprintf("127.0.0.1:%d", port), chunks, want, idle)
}

// exchangeNet is exchange with a connection to addr on network ("tcp",
// "unix").
func exchangeNet(t *testing.T, network, addr string, chunks [][]byte, want int, idle time.Duration) ([]byte, bool) {
	t.Helper()
	c, err := net.Dial(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	done := make(chan struct{})
	var out bytes.Buffer
	eof := false
	go func() {
		defer close(done)
		buf := make([]byte, 64<<10)
		for {
			wait := idle
			if want > 0 && out.Len() < want {
				wait = 10 * time.Second
			}
			c.SetReadDeadline(time.Now().Add(wait))
			n, err := c.Read(buf)
			out.Write(buf[:n])
			if err == io.EOF || (err != nil && !isTimeout(err)) {
				eof = true
				return
			}
			if err != nil {
				return
			}
		}
	}()
	for _, ch := range chunks {
		if _, err := c.Write(ch); err != nil {
			break
		}
		if len(chunks) <= 64 {
			time.Sleep(2 * time.Millisecond)
		}
	}
	<-done
	return out.Bytes(), eof
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// split cuts b into chunks of n bytes (n <= 0: one chunk).
func split(b []byte, n int) [][]byte {
	if n <= 0 {
		return [][]byte{b}
	}
	var out [][]byte
	for len(b) > n {
		out = append(out, b[:n])
		b = b[n:]
	}
	return append(out, b)
}

// resp builds RESP commands.
func resp(cmds ...[]string) []byte {
	var b bytes.Buffer
	for _, args := range cmds {
		fmt.Fprintf(&b, "*%d\r\n", len(args))
		for _, a := range args {
			fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
		}
	}
	return b.Bytes()
}

func cmd(args ...string) []string { return args }

// redisDo sends one command to a redis at addr and returns the raw reply.
type rconn struct {
	c net.Conn
	r *bufio.Reader
}

func dialR(t *testing.T, port int) *rconn {
	t.Helper()
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rconn{c, bufio.NewReader(c)}
}

func (rc *rconn) do(t *testing.T, args ...string) string {
	t.Helper()
	rc.c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := rc.c.Write(resp(args)); err != nil {
		t.Fatal(err)
	}
	s, err := readReply(rc.r)
	if err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	return s
}

// readReply reads one RESP reply, returned raw.
func readReply(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return line, err
	}
	switch line[0] {
	case '$':
		n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
		if n < 0 {
			return line, nil
		}
		b := make([]byte, n+2)
		_, err := io.ReadFull(r, b)
		return line + string(b), err
	case '*':
		n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
		s := line
		for i := 0; i < n; i++ {
			e, err := readReply(r)
			s += e
			if err != nil {
				return s, err
			}
		}
		return s, nil
	}
	return line, nil
}

// startRedisProc starts a redis-server the test can kill mid-run.
func startRedisProc(t *testing.T, port int) *exec.Cmd {
	t.Helper()
	bin := testenv.RequireBinary(t, "redis-server")
	c := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Process.Kill()
		c.Wait()
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if nc, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			nc.Close()
			return c
		}
		if time.Now().After(deadline) {
			t.Fatal("redis-server did not start")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// statsDoc fetches a stats document.
func statsDoc(t *testing.T, port int) string {
	t.Helper()
	out, _ := exchange(t, port, nil, 0, 2*time.Second)
	return string(out)
}

var numRe = regexp.MustCompile(`":\d+`)

// statsShape blanks the numbers and the host of a stats document.
func statsShape(doc string) string {
	doc = regexp.MustCompile(`"source":"[^"]*"`).ReplaceAllString(doc, `"source":""`)
	return numRe.ReplaceAllString(doc, `":N`)
}

// statsValue returns counter name of server (or pool) in a document.
func statsValue(doc, obj, name string) int {
	i := strings.Index(doc, `"`+obj+`": {`)
	if i < 0 {
		return -1
	}
	m := regexp.MustCompile(`"` + name + `":(\d+)`).FindStringSubmatch(doc[i:])
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

var _ = syscall.SIGINT
