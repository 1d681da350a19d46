package main

import "golang.org/x/sys/unix"

// lowerProcNofile lowers another process's RLIMIT_NOFILE soft limit to cur
// (prlimit(2), Linux only) and returns what puts it back.
func lowerProcNofile(pid int, cur uint64) (restore func(), err error) {
	var was unix.Rlimit
	if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, nil, &was); err != nil {
		return nil, err
	}
	lowered := unix.Rlimit{Cur: cur, Max: was.Max}
	if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, &lowered, nil); err != nil {
		return nil, err
	}
	return func() { unix.Prlimit(pid, unix.RLIMIT_NOFILE, &was, nil) }, nil
}
