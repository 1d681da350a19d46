package anet

import "golang.org/x/sys/unix"

// sockMarkOpt is SOCKOPTMARKID of Redis's config.h.
const sockMarkOpt = unix.SO_RTABLE
