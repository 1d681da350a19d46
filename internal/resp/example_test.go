package resp_test

import (
	"errors"
	"fmt"

	"github.com/goae/goae/internal/resp"
)

// A server's read handler: parse what has arrived, answer each command,
// keep an incomplete one for the next read, and on a protocol error reply
// and close, as Redis does. The limits are the server's, shared by its
// clients; the argument vector is the client's, reused by each command.
func ExampleParser() {
	limits := &resp.Limits{ProtoMaxBulkLen: 1 << 20}
	var p resp.Parser
	var argv [][]byte
	query := []byte("*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\nPING\r\n\r\n*1\r\n$4\r\nPI")
	var out []byte
	for len(query) > 0 {
		var n int
		var err error
		argv, n, err = p.Parse(query, argv, limits)
		var pe *resp.ProtocolError
		if errors.As(err, &pe) {
			out = resp.AppendError(out, pe.Msg)
			break // then close after writing out
		}
		if n == 0 {
			break // incomplete: keep query, read more, call Parse again
		}
		query = query[n:]
		switch {
		case len(argv) == 0:
			// an empty line: nothing to do
		case string(argv[0]) == "ECHO":
			out = resp.AppendBulk(out, argv[1])
		case string(argv[0]) == "PING":
			out = append(out, resp.Pong...)
		}
	}
	fmt.Printf("%q\nleft %q, need %d more bytes at least\n", out, query, p.Need())
	// Output:
	// "$5\r\nhello\r\n+PONG\r\n"
	// left "*1\r\n$4\r\nPI", need 4 more bytes at least
}

// Protocol errors carry Redis's exact text.
func ExampleProtocolError() {
	var p resp.Parser
	_, _, err := p.Parse([]byte("*1\r\n$-5\r\n"), nil, nil)
	fmt.Println(err == resp.ErrInvalidBulkLen)
	fmt.Printf("%q\n", resp.AppendError(nil, err.Error()))
	// Output:
	// true
	// "-ERR Protocol error: invalid bulk length\r\n"
}

// Replies are appended to an output buffer.
func ExampleAppendArrayLen() {
	out := resp.AppendArrayLen(nil, 3)
	out = resp.AppendBulkString(out, "a")
	out = resp.AppendInt(out, 42)
	out = resp.AppendNullBulk(out)
	fmt.Printf("%q\n", out)
	// Output:
	// "*3\r\n$1\r\na\r\n:42\r\n$-1\r\n"
}

// Redis 7.0 sends doubles to RESP2 clients as "%.17g" bulk strings.
func ExampleAppendBulkDouble() {
	fmt.Printf("%q\n", resp.AppendBulkDouble(nil, 1.1))
	// Output:
	// "$18\r\n1.1000000000000001\r\n"
}
