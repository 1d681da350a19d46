//go:build !freebsd && !dragonfly

package rlimit

// rlim converts to rlim_t, an unsigned 64-bit int here.
func rlim(v uint64) uint64 { return v }
