package ae_test

import (
	"fmt"
	"io"
	"net"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/anet"
	"golang.org/x/sys/unix"
)

// An echo server in a few dozen lines: accept, read, queue the bytes,
// write them back, and wait for writability only when a write comes up
// short. A client on another goroutine talks to it, then stops the loop
// with Post.
func Example() {
	el, _ := ae.New(1024)
	defer el.Close()
	lfd, _ := anet.TCPServer(0, "127.0.0.1", 511)
	defer unix.Close(lfd)
	anet.NonBlock(lfd)

	type client struct{ out []byte }
	var onRead, onWrite ae.FileProc
	flush := func(el *ae.EventLoop, fd int, c *client) {
		n, _ := unix.Write(fd, c.out)
		if n > 0 {
			c.out = c.out[n:]
		}
		if len(c.out) > 0 {
			el.CreateFileEvent(fd, ae.Writable, onWrite, c) // wait for room
		} else {
			el.DeleteFileEvent(fd, ae.Writable)
		}
	}
	onWrite = func(el *ae.EventLoop, fd int, cd any, mask ae.Mask) { flush(el, fd, cd.(*client)) }
	onRead = func(el *ae.EventLoop, fd int, cd any, mask ae.Mask) {
		var buf [4096]byte
		n, err := unix.Read(fd, buf[:])
		if n <= 0 && err != unix.EAGAIN {
			el.DeleteFileEvent(fd, ae.Readable|ae.Writable)
			unix.Close(fd)
			return
		}
		c := cd.(*client)
		c.out = append(c.out, buf[:max(n, 0)]...)
		flush(el, fd, c)
	}
	el.CreateFileEvent(lfd, ae.Readable, func(el *ae.EventLoop, fd int, _ any, _ ae.Mask) {
		if cfd, _, _, err := anet.TCPAccept(fd); err == nil {
			el.CreateFileEvent(cfd, ae.Readable, onRead, &client{})
		}
	}, nil)

	_, port, _ := anet.FdToString(lfd, anet.SockName)
	go func() {
		conn, _ := net.Dial("tcp", anet.FormatAddr("127.0.0.1", port))
		conn.Write([]byte("hello, ae"))
		buf := make([]byte, 9)
		io.ReadFull(conn, buf)
		fmt.Printf("echoed: %s\n", buf)
		conn.Close()
		el.Post(func(el *ae.EventLoop) { el.Stop() })
	}()
	el.Main()
	// Output: echoed: hello, ae
}

// A time event runs after the delay it was created with and again after
// each delay its proc returns, until the proc returns NoMore.
func ExampleEventLoop_CreateTimeEvent() {
	el, _ := ae.New(16)
	defer el.Close()
	runs := 0
	el.CreateTimeEvent(10, func(el *ae.EventLoop, id int64, clientData any) int {
		runs++
		fmt.Printf("%s run %d\n", clientData, runs)
		if runs == 3 {
			el.Stop()
			return ae.NoMore
		}
		return 5 // again in 5 ms
	}, "cron", func(el *ae.EventLoop, clientData any) {
		fmt.Printf("%s finalized\n", clientData)
	})
	el.Main()
	el.ProcessEvents(ae.TimeEvents | ae.DontWait) // the pass that frees it
	// Output:
	// cron run 1
	// cron run 2
	// cron run 3
	// cron finalized
}

// Post hands work to the loop from another goroutine: the function runs on
// the loop's goroutine, so it may touch the loop's state without locks.
func ExampleEventLoop_Post() {
	el, _ := ae.New(16)
	defer el.Close()
	results := make(chan int, 3) // a handler must never block the loop
	go func() {
		sum := 0
		for i := 1; i <= 3; i++ {
			sum += <-results
		}
		fmt.Println("sum computed on the loop:", sum)
		el.Post(func(el *ae.EventLoop) { el.Stop() })
	}()
	state := 0 // owned by the loop
	for i := 1; i <= 3; i++ {
		i := i
		go el.Post(func(el *ae.EventLoop) {
			state += i
			results <- i * 10
		})
	}
	el.Main()
	fmt.Println("state:", state)
	// Output:
	// sum computed on the loop: 60
	// state: 6
}
