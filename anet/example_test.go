package anet_test

import (
	"fmt"
	"log"

	"golang.org/x/sys/unix"

	"github.com/goae/goae/anet"
)

// waitFor blocks until fd has one of events. poll(2) returns EINTR when a
// signal arrives, and the Go runtime sends signals, so it loops.
func waitFor(fd int, events int16) {
	for {
		pfd := []unix.PollFd{{Fd: int32(fd), Events: events}}
		n, err := unix.Poll(pfd, 5000)
		if err == unix.EINTR {
			continue
		}
		if err != nil || n == 0 {
			log.Fatalf("poll: %v (n=%d)", err, n)
		}
		return
	}
}

// A client and a server on loopback, the way Redis does it: listen on a
// free port, connect without blocking, accept, finish the connect with
// GetError, and echo a few bytes.
func Example() {
	// Port 0: the kernel picks a free port, read back from the socket.
	lfd, err := anet.TCPServer(0, "127.0.0.1", 511)
	if err != nil {
		log.Fatal(err)
	}
	defer unix.Close(lfd)
	_, port, err := anet.FdToString(lfd, anet.SockName)
	if err != nil {
		log.Fatal(err)
	}

	cfd, err := anet.TCPNonBlockConnect("127.0.0.1", port)
	if err != nil {
		log.Fatal(err)
	}
	defer unix.Close(cfd)

	// The listener is blocking (as Redis returns it), so this waits for
	// the handshake. The accepted fd is non-blocking.
	sfd, ip, _, err := anet.TCPAccept(lfd)
	if err != nil {
		log.Fatal(err)
	}
	defer unix.Close(sfd)
	fmt.Println("accepted a client from", ip)

	// The client's connect is finished once its fd is writable.
	waitFor(cfd, unix.POLLOUT)
	if err := anet.GetError(cfd); err != nil {
		log.Fatal(err)
	}

	// Client → server → client.
	if _, err := unix.Write(cfd, []byte("PING")); err != nil {
		log.Fatal(err)
	}
	buf := make([]byte, 64)
	waitFor(sfd, unix.POLLIN)
	n, err := unix.Read(sfd, buf)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := unix.Write(sfd, buf[:n]); err != nil {
		log.Fatal(err)
	}
	waitFor(cfd, unix.POLLIN)
	n, err = unix.Read(cfd, buf)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("echoed %q\n", buf[:n])
	// Output:
	// accepted a client from 127.0.0.1
	// echoed "PING"
}
