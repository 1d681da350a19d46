package ae

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Input: a non-blocking connect to a closed loopback port, waited for
// Writable, then for Readable. Expected: Writable (aeWait maps POLLERR/POLLHUP to
// writable, unlike the epoll mapping), and SO_ERROR says ECONNREFUSED.
func TestWaitConnectRefused(t *testing.T) {
	// Find a closed port: bind one, read it, close it.
	l, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	sa := &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}
	if err := unix.Bind(l, sa); err != nil {
		t.Fatal(err)
	}
	got, _ := unix.Getsockname(l)
	unix.Close(l)
	port := got.(*unix.SockaddrInet4).Port

	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	nonblock(t, []int{fd})
	err = unix.Connect(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}, Port: port})
	if err != nil && err != unix.EINPROGRESS && err != unix.ECONNREFUSED {
		t.Fatalf("connect: %v", err)
	}
	mask, err := Wait(fd, Writable, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if mask != Writable {
		t.Fatalf("Wait(W) on refused connect = %d, want Writable (%d)", mask, Writable)
	}
	// Asked for Readable, the error condition still comes back as
	// Writable, never Readable: aeWait's mapping.
	if mask, err := Wait(fd, Readable, 5*time.Second); mask&Writable == 0 || err != nil {
		t.Fatalf("Wait(R) on refused connect = %d, %v; want Writable set", mask, err)
	}
	if soerr, _ := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR); unix.Errno(soerr) != unix.ECONNREFUSED {
		t.Fatalf("SO_ERROR = %v, want ECONNREFUSED", unix.Errno(soerr))
	}
}

// Input: an empty pipe with a 0 and a 20 ms timeout, then one byte.
// Expected: 0 (timeout) twice, then Readable; a closed fd gives an error
// or POLLNVAL, never a hang.
func TestWaitReadable(t *testing.T) {
	r, w := pipe(t)
	for _, d := range []time.Duration{0, 20 * time.Millisecond} {
		if mask, err := Wait(r, Readable, d); mask != 0 || err != nil {
			t.Fatalf("Wait(empty, %v) = %d, %v; want 0, nil", d, mask, err)
		}
	}
	write(t, w, "x")
	if mask, err := Wait(r, Readable, -1); mask != Readable || err != nil {
		t.Fatalf("Wait(readable) = %d, %v", mask, err)
	}
	if mask, err := Wait(w, Writable, 0); mask != Writable || err != nil {
		t.Fatalf("Wait(pipe write end, W) = %d, %v", mask, err)
	}
}
