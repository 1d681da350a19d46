package mcproto_test

import (
	"fmt"

	"github.com/goae/goae/internal/mcproto"
)

// A server's read loop over one buffer of pipelined input: requests,
// a data block taken with Data, a refused line answered with memcached's
// reply, and noreply suppressing an error.
func ExampleParser() {
	in := []byte("set k 0 0 5\r\nhello\r\nget k j\r\nincr k x\r\nincr k x noreply\r\nbogus\r\nmn\r\n")
	var p mcproto.Parser
	var out []byte
	for len(in) > 0 {
		req, n, err := p.Parse(in)
		if err != nil {
			e := err.(*mcproto.Error)
			if e.Close {
				break
			}
			if !req.NoReply {
				out = append(out, e.Reply...)
			}
			in = in[n:]
			continue
		}
		if n == 0 {
			break // need more input
		}
		in = in[n:]
		if req == nil {
			continue // swallowed
		}
		switch {
		case req.Kind.IsStorage():
			value, m, err := mcproto.Data(in, req.Bytes)
			if m == 0 {
				return // the data block is still to come
			}
			in = in[m:]
			if err != nil {
				out = append(out, err.(*mcproto.Error).Reply...)
				continue
			}
			fmt.Printf("%s %s = %q\n", req.Kind, req.Key, value)
		case req.Kind.IsRetrieval():
			fmt.Printf("%s %q\n", req.Kind, req.Keys)
		default:
			fmt.Println(req.Kind)
		}
	}
	fmt.Printf("replies %q\n", out)
	// Output:
	// set k = "hello"
	// get ["k" "j"]
	// mn
	// replies "CLIENT_ERROR invalid numeric delta argument\r\nERROR\r\n"
}
