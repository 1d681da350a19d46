package anet

import "golang.org/x/sys/unix"

// setKeepAliveParams sets the idle time before the first keep-alive probe
// to interval seconds. macOS calls TCP_KEEPIDLE TCP_KEEPALIVE; Redis 7.0
// sets only this one there and keeps the system's probe interval and
// count.
func setKeepAliveParams(fd, interval int) error {
	return setsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPALIVE, interval, "TCP_KEEPALIVE")
}
