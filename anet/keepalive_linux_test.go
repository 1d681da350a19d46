package anet_test

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/goae/goae/anet"
)

// TestKeepAliveLinux: KeepAlive(fd, interval) sets SO_KEEPALIVE=1,
// TCP_KEEPIDLE=interval, TCP_KEEPINTVL=max(interval/3, 1) and
// TCP_KEEPCNT=3, read back with getsockopt: 300 gives 300/100/3, 2 gives
// 2/1/3.
func TestKeepAliveLinux(t *testing.T) {
	for _, c := range []struct{ interval, idle, intvl int }{
		{300, 300, 100},
		{2, 2, 1},
	} {
		fd := rawSocket(t)
		if err := anet.KeepAlive(fd, c.interval); err != nil {
			t.Fatalf("KeepAlive(%d): %v", c.interval, err)
		}
		got := []int{
			getsockoptInt(t, fd, unix.SOL_SOCKET, unix.SO_KEEPALIVE),
			getsockoptInt(t, fd, unix.IPPROTO_TCP, unix.TCP_KEEPIDLE),
			getsockoptInt(t, fd, unix.IPPROTO_TCP, unix.TCP_KEEPINTVL),
			getsockoptInt(t, fd, unix.IPPROTO_TCP, unix.TCP_KEEPCNT),
		}
		if got[0] == 0 || got[1] != c.idle || got[2] != c.intvl || got[3] != 3 {
			t.Errorf("KeepAlive(%d): SO_KEEPALIVE %d, TCP_KEEPIDLE %d, TCP_KEEPINTVL %d, TCP_KEEPCNT %d; want on, %d, %d, 3",
				c.interval, got[0], got[1], got[2], got[3], c.idle, c.intvl)
		}
	}
}

// TestKeepAliveErrorHasNoNewline: KeepAlive with interval 0 passes
// SO_KEEPALIVE but the kernel refuses TCP_KEEPIDLE=0 with EINVAL; the
// message is "setsockopt TCP_KEEPIDLE: invalid argument", without the
// trailing "\n" of Redis's.
func TestKeepAliveErrorHasNoNewline(t *testing.T) {
	fd := rawSocket(t)
	checkErr(t, "KeepAlive(fd, 0)", anet.KeepAlive(fd, 0), unix.EINVAL,
		"setsockopt TCP_KEEPIDLE: invalid argument")
}
