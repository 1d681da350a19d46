// Package rlimit reads and sets RLIMIT_NOFILE, the limit on open fds, in
// one type on every system: unix.Rlimit's fields are uint64 on Linux,
// macOS, NetBSD and OpenBSD but int64 on FreeBSD and DragonFly, so code
// that compares them with a count compiles on some systems only.
package rlimit

import "golang.org/x/sys/unix"

// NoFile returns the soft and hard RLIMIT_NOFILE.
func NoFile() (cur, max uint64, err error) {
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
		return 0, 0, err
	}
	return uint64(rl.Cur), uint64(rl.Max), nil
}

// SetNoFile sets the soft and hard RLIMIT_NOFILE.
func SetNoFile(cur, max uint64) error {
	rl := unix.Rlimit{Cur: rlim(cur), Max: rlim(max)}
	return unix.Setrlimit(unix.RLIMIT_NOFILE, &rl)
}
