package anet

import "golang.org/x/sys/unix"

// setKeepAliveParams tunes the keep-alive timers the way anetKeepAlive
// does on Linux: first probe after interval seconds of idleness, then
// probes every interval/3 seconds (at least 1), and the connection is
// declared dead after 3 unanswered probes.
//
// Redis ends these three error messages with "\n"; that is a bug in Redis
// and is not reproduced.
func setKeepAliveParams(fd, interval int) error {
	if err := setsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPIDLE, interval, "TCP_KEEPIDLE"); err != nil {
		return err
	}
	intvl := interval / 3
	if intvl == 0 {
		intvl = 1
	}
	if err := setsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPINTVL, intvl, "TCP_KEEPINTVL"); err != nil {
		return err
	}
	return setsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPCNT, 3, "TCP_KEEPCNT")
}
