//go:build freebsd || dragonfly

package rlimit

import "math"

// rlim converts to rlim_t, a signed 64-bit int here (RLIM_INFINITY is
// its maximum).
func rlim(v uint64) int64 { return int64(min(v, math.MaxInt64)) }
