package redisasync_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/internal/redisasync"
)

// A context against a tiny in-process server that answers PING with
// +PONG and anything else with its first argument as a bulk string.
// Commands are sent before the connect completes; the replies come in
// order, each with its private data; Disconnect waits for them, then the
// disconnect callback runs.
func Example() {
	ln, _ := net.Listen("tcp4", "127.0.0.1:0")
	defer ln.Close()
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		r := bufio.NewReader(conn)
		for {
			var args []string
			var n int
			if _, err := fmt.Fscanf(r, "*%d\r\n", &n); err != nil {
				return
			}
			for i := 0; i < n; i++ {
				var l int
				fmt.Fscanf(r, "$%d\r\n", &l)
				b := make([]byte, l+2)
				io.ReadFull(r, b)
				args = append(args, string(b[:l]))
			}
			if strings.EqualFold(args[0], "PING") {
				fmt.Fprint(conn, "+PONG\r\n")
			} else {
				fmt.Fprintf(conn, "$%d\r\n%s\r\n", len(args[0]), args[0])
			}
		}
	}()

	el, _ := ae.New(64)
	defer el.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	c, err := redisasync.Connect(el, "127.0.0.1", port, redisasync.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	c.SetConnectCallback(func(c *redisasync.Context, err error) { fmt.Println("connected:", err) })
	c.SetDisconnectCallback(func(c *redisasync.Context, err error) {
		fmt.Println("disconnected:", err)
		el.Stop()
	})
	show := func(c *redisasync.Context, r *redisasync.Reply, privdata any) {
		fmt.Printf("%v: %s (pending %d)\n", privdata, r, c.Pending())
	}
	c.CommandString(show, "first", "PING")
	c.CommandString(show, "second", "HELLO-THERE")
	c.Command(show, "third", []byte("PING"))
	c.Disconnect()
	el.Main()
	// Output:
	// connected: <nil>
	// first: "PONG" (pending 2)
	// second: "HELLO-THERE" (pending 1)
	// third: "PONG" (pending 0)
	// disconnected: <nil>
}
