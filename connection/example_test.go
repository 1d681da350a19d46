package connection_test

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"strconv"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/connection"
)

// A custom-protocol server: each line a client sends comes back in upper
// case. The read handler reads once per event and keeps a partial line
// for the next; replies are appended and written before the loop sleeps.
func Example() {
	el, _ := ae.New(1024)
	q := connection.NewWriteQueue(el)
	el.SetBeforeSleepProc(func(*ae.EventLoop) { q.BeforeSleep() })

	type client struct{ line []byte }
	buf := make([]byte, 16*1024)
	onRead := func(c *connection.Conn) {
		cl := c.PrivateData().(*client)
		n, err := c.Read(buf)
		if err == connection.ErrWouldBlock {
			return
		}
		if err != nil {
			c.Close() // io.EOF or an error
			return
		}
		cl.line = append(cl.line, buf[:n]...)
		for {
			i := bytes.IndexByte(cl.line, '\n')
			if i < 0 {
				break
			}
			c.Append(bytes.ToUpper(cl.line[:i+1]))
			cl.line = cl.line[i+1:]
		}
	}
	ln, err := connection.Listen(el, "tcp", "127.0.0.1:0", connection.ListenConfig{},
		func(c *connection.Conn, ip string, port int) {
			c.SetWriteQueue(q)
			c.SetPrivateData(&client{})
			c.SetReadHandler(onRead)
			c.Accept(nil)
		})
	if err != nil {
		fmt.Println(err)
		return
	}

	go func() { // a client, on another goroutine
		defer el.Post(func(el *ae.EventLoop) { el.Stop() })
		conn, err := net.Dial("tcp", ln.Addr())
		if err != nil {
			fmt.Println(err)
			return
		}
		defer conn.Close()
		fmt.Fprint(conn, "hello\nev")
		fmt.Fprint(conn, "ent loop\n")
		r := bufio.NewReader(conn)
		for i := 0; i < 2; i++ {
			line, _ := r.ReadString('\n')
			fmt.Print(line)
		}
	}()
	el.Main()
	ln.Close()
	el.Close()
	// Output:
	// HELLO
	// EVENT LOOP
}

// A client connection: Connect returns at once and the handler runs on
// the loop when the connect is over. Output appended meanwhile is sent
// once connected.
func ExampleConn_Connect() {
	// A server to talk to, on net: it answers "pong" to anything.
	srv, _ := net.Listen("tcp", "127.0.0.1:0")
	defer srv.Close()
	go func() {
		c, err := srv.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.Read(make([]byte, 64))
		c.Write([]byte("pong\n"))
	}()
	port := srv.Addr().(*net.TCPAddr).Port

	el, _ := ae.New(64)
	defer el.Close()
	q := connection.NewWriteQueue(el)
	el.SetBeforeSleepProc(func(*ae.EventLoop) { q.BeforeSleep() })

	c := connection.NewSocket(el)
	c.SetWriteQueue(q)
	c.SetReadHandler(func(c *connection.Conn) {
		buf := make([]byte, 64)
		if n, err := c.Read(buf); err == nil {
			fmt.Printf("reply: %s", buf[:n])
			c.Close()
			el.Stop()
		}
	})
	err := c.Connect("localhost", port, connection.ConnectOptions{}, func(c *connection.Conn) {
		fmt.Println("connect:", c.State())
		if c.State() != connection.StateConnected {
			el.Stop()
		}
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	c.AppendString("ping\n")
	el.Main()
	// Output:
	// connect: connected
	// reply: pong
}

// A multi-loop server: four loops, each on its own thread, each listening
// on the same port through SO_REUSEPORT; the kernel spreads the
// connections over them. Each loop has its own write queue.
func ExampleStartLoops() {
	probe, _ := net.Listen("tcp4", "127.0.0.1:0") // a free port
	addr := probe.Addr().String()
	probe.Close()

	listeners := make([]*connection.Listener, 4)
	loops, err := connection.StartLoops(4, 1024, func(i int, el *ae.EventLoop) error {
		q := connection.NewWriteQueue(el)
		el.SetBeforeSleepProc(func(*ae.EventLoop) { q.BeforeSleep() })
		var err error
		listeners[i], err = connection.Listen(el, "tcp4", addr, connection.ListenConfig{ReusePort: true},
			func(c *connection.Conn, _ string, _ int) {
				c.SetWriteQueue(q)
				c.SetReadHandler(func(c *connection.Conn) {
					buf := make([]byte, 512)
					if n, err := c.Read(buf); err == nil {
						c.Append(buf[:n]) // echo
					} else if err != connection.ErrWouldBlock {
						c.Close()
					}
				})
				c.Accept(nil)
			})
		return err
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() {
		loops.Stop() // the loops are closed; their listeners are the caller's
		for _, l := range listeners {
			l.Close()
		}
	}()
	for i := 0; i < 3; i++ {
		conn, err := net.Dial("tcp4", addr)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Fprintf(conn, "hello %d\n", i)
		line, _ := bufio.NewReader(conn).ReadString('\n')
		fmt.Print(line)
		conn.Close()
	}
	fmt.Println("loops:", strconv.Itoa(loops.Len()))
	// Output:
	// hello 0
	// hello 1
	// hello 2
	// loops: 4
}
