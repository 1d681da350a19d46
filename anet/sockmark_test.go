package anet

import (
	"errors"
	"os"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// Input: SetSockMarkID(fd, 42) on a TCP socket, then on a closed fd.
// Expected: on Linux, SO_MARK reads back 42 (when the test runs with
// CAP_NET_ADMIN, as root; EPERM otherwise), and the closed fd gives
// "setsockopt: bad file descriptor"; where there is no socket mark, an
// error matching errors.ErrUnsupported.
func TestSetSockMarkID(t *testing.T) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	err = SetSockMarkID(fd, 42)
	switch runtime.GOOS {
	case "linux":
		if errors.Is(err, unix.EPERM) && os.Geteuid() != 0 {
			t.Skip("SO_MARK needs CAP_NET_ADMIN")
		}
		if err != nil {
			t.Fatalf("SetSockMarkID: %v", err)
		}
		if got, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, sockMarkOpt); err != nil || got != 42 {
			t.Fatalf("SO_MARK = %d, %v; want 42", got, err)
		}
		err = SetSockMarkID(-1, 1)
		if !errors.Is(err, unix.EBADF) || err.Error() != "setsockopt: bad file descriptor" {
			t.Fatalf("SetSockMarkID(-1) = %v", err)
		}
	case "freebsd", "openbsd":
		if err != nil && !errors.Is(err, unix.EPERM) {
			t.Fatalf("SetSockMarkID: %v", err)
		}
	default:
		if !errors.Is(err, errors.ErrUnsupported) {
			t.Fatalf("SetSockMarkID = %v, want ErrUnsupported", err)
		}
	}
}
