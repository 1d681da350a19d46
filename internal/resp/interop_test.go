package resp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/goae/goae/internal/testenv"
)

// redisPassword is set as requirepass on the redis-server the interop test
// starts, so that both the authenticated and the unauthenticated limits can
// be compared on one server.
const redisPassword = "secret"

// TestRedisInterop starts a real redis-server (7.0 is what this package
// copies) with testenv.StartRedis, sends it requests raw over TCP, and expects its reply bytes, and
// whether it closes the connection, to equal what this package's parser and
// writers produce for the same bytes. It skips when redis-server is not on
// PATH, and fails instead when GOAE_INTEROP=require.
func TestRedisInterop(t *testing.T) {
	port := testenv.StartRedis(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	// The password is set once the server is up: StartRedis's readiness
	// check is a bare PING. This connection stays authenticated.
	admin, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if got := roundTrip(t, admin, string(AppendCommand(nil, "CONFIG", "SET", "requirepass", redisPassword))); got != OK {
		t.Fatalf("CONFIG SET requirepass: %q", got)
	}

	t.Run("requests", func(t *testing.T) {
		for _, c := range interopCases() {
			c := c
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				wantOut, wantClose := ourReplies(t, []byte(c.in), c.unauth)
				gotOut, gotClose := sendRaw(t, addr, []byte(c.in), !c.unauth, wantClose)
				if !bytes.Equal(gotOut, wantOut) || gotClose != wantClose {
					t.Errorf("input %.80q (%d bytes, authenticated=%v):\nredis  %q closed=%v\nparser %q closed=%v",
						c.in, len(c.in), !c.unauth, gotOut, gotClose, wantOut, wantClose)
				}
			})
		}
	})

	t.Run("replies", func(t *testing.T) { checkReplies(t, addr) })
}

type interopCase struct {
	name   string
	in     string
	unauth bool // send without AUTH first
}

// interopCases are the inputs of TestRedisInterop. Inputs that must exceed
// a 64 KiB limit are exactly one byte over it, so that Redis (which reads
// 16 KiB at a time) has read all of them when it fails, and the kernel does
// not reset the connection over unread bytes.
func interopCases() []interopCase {
	pad := func(prefix string, total int) string { return prefix + strings.Repeat("x", total-len(prefix)) }
	const bad = "*1\r\n$-1\r\n" // ends a case with an error, so Redis closes
	cases := []interopCase{
		{"empty commands", "*-1\r\n*0\r\n*-10\r\n\r\n\n   \r\nPING\r\n" + bad, false},
		{"minus zero count", "*-0\r\n", false},
		{"empty count", "*\r\n", false},
		{"count with plus", "*+1\r\n", false},
		{"count with leading zero", "*01\r\n", false},
		{"count with space", "*1 \r\n", false},
		{"count INT_MAX+1", "*2147483648\r\n", false},
		{"count 21 digits", "*100000000000000000000\r\n", false},
		{"count INT_MAX waits", "*2147483647\r\n", false},
		{"junk instead of $", "*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n", false},
		{"CR instead of $", "*1\r\n\r\n\r\n", false},
		{"LF instead of $", "*1\r\n\nX\r\n", false},
		{"high byte instead of $", "*1\r\n\xff\r\n", false},
		{"bytes after bulk not checked", "*1\r\n$4\r\nPINGXX" + bad, false},
		{"byte after count CR not checked", "*1\rX$4\r\nPING\r\n" + bad, false},
		{"byte after length CR not checked", "*1\r\n$4\rXPING\r\n" + bad, false},
		{"negative bulk length", "*1\r\n$-1\r\n", false},
		{"empty bulk length", "*1\r\n$\r\n", false},
		{"bulk length leading zero", "*1\r\n$01\r\n", false},
		{"bulk length 512MiB+1", "*1\r\n$536870913\r\n", false},
		{"bulk length 512MiB waits", "*1\r\n$536870912\r\n", false},
		{"binary bulk", "*2\r\n$4\r\nECHO\r\n$5\r\na\x00\r\nb\r\n" + bad, false},
		{"empty bulk", "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n" + bad, false},
		{"count line over 64KiB", pad("*", 65537), false},
		{"count line NUL then 64KiB", pad("*1\x00\r\n", 65537), false},
		{"count line NUL waits", "*1\x00\r\n", false},
		{"bulk line over 64KiB", pad("*1\r\n$", 65541), false},
		{"bulk line NUL then 64KiB", pad("*1\r\n$1\x00\r\n", 65541), false},
		{"inline over 64KiB", strings.Repeat("a", 65537), false},
		{"inline 64KiB waits", strings.Repeat("a", 65536), false},
		{"inline NUL then 64KiB", pad("PI\x00NG\r\n", 65537), false},
		{"inline NUL waits", "PI\x00NG\r\n", false},
		{"inline 64KiB-1 line with CRLF", "PING" + strings.Repeat(" ", 65531) + "\r\n" + bad, false},
		{"inline LF alone", "PING\nPING\r\n" + bad, false},
		{"inline unterminated double quote", "PING \"a\r\n", false},
		{"inline unterminated single quote", "ECHO 'a\r\n", false},
		{"inline text after closing quote", "ECHO \"a\"b\r\n", false},
		{"inline escaped closing quote", "ECHO \"a\\\"\r\n", false},
		{"inline single-quoted backslashes", "ECHO 'a\\\\'\r\n", false},
		{"inline escapes", "ECHO \"\\x41\\x4g\\n\\q\\t\\b\\a\\r\\xff\"\r\nECHO 'a\\'b\\n'\r\nECHO '\\x41'\r\n" + bad, false},
		{"inline odd spaces", "ECHO a\vb\r\n\vECHO x\r\nECHO \"a\"\v\r\nECHO a\fb\r\n" + bad, false},
		{"inline quote inside argument", "ECHO x\"bar baz\"\r\nECHO x'a b'\r\nECHO \"\"\r\n" + bad, false},

		{"unauth 11 args", "*11\r\n", true},
		{"unauth 10 args waits", "*10\r\n", true},
		{"unauth count INT_MAX+1 is invalid", "*2147483648\r\n", true},
		{"unauth 16385 bytes", "*1\r\n$16385\r\n", true},
		{"unauth 16384 bytes", "*2\r\n$4\r\nECHO\r\n$16384\r\n" + strings.Repeat("y", 16384) + "\r\n*11\r\n", true},
		{"unauth 512MiB+1 is invalid", "*1\r\n$536870913\r\n", true},
		{"unauth command then 11 args", "PING\r\n*11\r\n", true},
		{"AUTH lifts the limit for the next command", "AUTH " + redisPassword + "\r\n*11\r\n$-1\r\n", true},
		{"unauth negative count", "*-100\r\n" + "*11\r\n", true},
	}
	return cases
}

// ourReplies runs the parser over in as a server would, answering the few
// commands the interop inputs use (AUTH, PING, ECHO) as Redis 7.0 does, and
// returns the reply bytes and whether the server would close the connection.
func ourReplies(t *testing.T, in []byte, unauth bool) ([]byte, bool) {
	p := tparser{Parser: Parser{Unauthenticated: unauth}}
	var out []byte
	for len(in) > 0 {
		argv, n, err := p.Parse(in)
		var pe *ProtocolError
		if errors.As(err, &pe) {
			return AppendError(out, pe.Msg), true
		} else if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		if n == 0 {
			break
		}
		in = in[n:]
		if len(argv) == 0 {
			continue
		}
		name := strings.ToUpper(string(argv[0]))
		switch {
		case name == "AUTH" && len(argv) == 2 && string(argv[1]) == redisPassword:
			out = append(out, OK...)
			p.Unauthenticated = false
		case p.Unauthenticated && (name == "PING" || name == "ECHO"):
			out = append(out, NoAuthErr...)
		case name == "PING" && len(argv) == 1:
			out = append(out, Pong...)
		case name == "ECHO" && len(argv) == 2:
			out = AppendBulk(out, argv[1])
		default:
			t.Fatalf("the interop test cannot answer %q", argv)
		}
	}
	return out, false
}

// sendRaw connects to addr, authenticates if auth is set, writes in and
// returns what the server answers and whether it closed the connection.
// When the server is not expected to close, it reads until the connection
// has been idle for a moment.
func sendRaw(t *testing.T, addr string, in []byte, auth, expectClose bool) ([]byte, bool) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if auth {
		if got := roundTrip(t, conn, "AUTH "+redisPassword+"\r\n"); got != OK {
			t.Fatalf("AUTH: %q", got)
		}
	}
	// Write concurrently: Redis may answer, and even close, before it has
	// read everything.
	go conn.Write(in)

	var out []byte
	buf := make([]byte, 64<<10)
	idle := 300 * time.Millisecond
	if expectClose {
		idle = 10 * time.Second
	}
	for {
		conn.SetReadDeadline(time.Now().Add(idle))
		n, err := conn.Read(buf)
		out = append(out, buf[:n]...)
		if err == io.EOF {
			return out, true
		}
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			return out, false
		}
		if errors.Is(err, syscall.ECONNRESET) {
			t.Logf("connection reset by redis-server after %q", out)
			return out, true
		}
		if err != nil {
			t.Fatalf("read: %v", err)
		}
	}
}

// roundTrip writes a request and reads one reply.
func roundTrip(t *testing.T, conn net.Conn, req string) string {
	t.Helper()
	if _, err := conn.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	var in []byte
	buf := make([]byte, 4096)
	for {
		if _, n, err := ReadReply(in); err != nil {
			t.Fatalf("reply to %q: %v in %q", req, err, in)
		} else if n > 0 {
			return string(in[:n])
		}
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("reply to %q: %v after %q", req, err, in)
		}
		in = append(in, buf[:n]...)
	}
}

// checkReplies sends commands whose replies this package can produce and
// expects the bytes of the constants and Append functions.
func checkReplies(t *testing.T, addr string) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	cmd := func(args ...string) string { return string(AppendCommand(nil, args...)) }
	steps := []struct {
		req, want string
	}{
		{cmd("AUTH", redisPassword), OK},
		{cmd("PING"), Pong},
		{cmd("SET", "s", "v"), OK},
		{cmd("LPUSH", "s", "x"), WrongTypeErr},
		{cmd("GET", "nokey"), NullBulk},
		{cmd("EXISTS", "nokey"), Zero},
		{cmd("EXISTS", "s"), One},
		{cmd("LRANGE", "nokey", "0", "-1"), EmptyArray},
		{cmd("SET", "e", ""), OK},
		{cmd("GET", "e"), EmptyBulk},
		{cmd("SET", "k", "v", "NX", "XX"), SyntaxErr},
		{cmd("LSET", "nolist", "0", "x"), NoKeyErr},
		{cmd("RPUSH", "l", "a"), string(AppendInt(nil, 1))},
		{cmd("LSET", "l", "5", "x"), OutOfRangeErr},
		{cmd("LRANGE", "l", "0", "-1"), string(AppendBulkString(AppendArrayLen(nil, 1), "a"))},
		{cmd("MULTI"), OK},
		{cmd("PING"), Queued},
		{cmd("DISCARD"), OK},
		{cmd("BLPOP", "nolist", "0.01"), NullArray},
		{cmd("INCRBY", "i", "-5"), string(AppendInt(nil, -5))},
		{cmd("DEL", "i"), string(AppendInt(nil, 1))},
		{cmd("FOO\r\nBAR"), string(AppendError(nil, "unknown command 'FOO\r\nBAR', with args beginning with: "))},
	}
	for _, f := range []float64{1.1, 0.1, 1e300, 1e-5, 0.0001, 1e17, 1e16, 123456789012345678, 5e-324, -2.5, 3, 1.0 / 3, 12345.678, 1.7976931348623157e308} {
		s := strconv.FormatFloat(f, 'g', -1, 64)
		steps = append(steps,
			struct{ req, want string }{cmd("ZADD", "z", s, "m"), ""},
			struct{ req, want string }{cmd("ZSCORE", "z", "m"), string(AppendBulkDouble(nil, f))})
	}
	steps = append(steps, struct{ req, want string }{cmd("ZADD", "z", "-inf", "m"), ""},
		struct{ req, want string }{cmd("ZSCORE", "z", "m"), string(AppendBulkDouble(nil, math.Inf(-1)))})
	for _, s := range steps {
		if got := roundTrip(t, conn, s.req); s.want != "" && got != s.want {
			t.Errorf("%q: redis sent %q, this package writes %q", s.req, got, s.want)
		}
	}
}
