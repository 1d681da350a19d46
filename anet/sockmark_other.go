//go:build !linux && !freebsd && !openbsd

package anet

// sockMarkOpt < 0: this system has no socket mark (Redis's config.h
// defines HAVE_SOCKOPTMARKID only on Linux, FreeBSD and OpenBSD).
const sockMarkOpt = -1

func setSockMark(fd int, id uint32) error { return nil }
