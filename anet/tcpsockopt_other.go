//go:build !darwin && !linux

package anet

// setKeepAliveParams does nothing: Redis 7.0 tunes the keep-alive timers
// only on Linux and macOS, and leaves the system defaults elsewhere.
// (Redis 7.4 extended the tuning to the BSDs and Solaris.)
func setKeepAliveParams(fd, interval int) error {
	return nil
}
