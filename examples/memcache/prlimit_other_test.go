//go:build !linux

package main

import "errors"

// lowerProcNofile needs prlimit(2), which only Linux has.
func lowerProcNofile(pid int, cur uint64) (restore func(), err error) {
	return nil, errors.ErrUnsupported
}
