package anet

import (
	"errors"
	"fmt"
)

// SetSockMarkID tags the socket fd with id for the system's packet
// filter and routing (anetSetSockMarkId, Redis 7.0's socket-mark-id
// config): SO_MARK on Linux (which needs CAP_NET_ADMIN), SO_USER_COOKIE on
// FreeBSD, SO_RTABLE on OpenBSD. Elsewhere it returns an error matching
// errors.ErrUnsupported; Redis reports the same case in its err buffer
// but returns ANET_OK, so a port of Redis's callers logs such an error and
// goes on.
func SetSockMarkID(fd int, id uint32) error {
	if sockMarkOpt < 0 {
		return fmt.Errorf("anetSetSockMarkid unsupported on this platform: %w", errors.ErrUnsupported)
	}
	return setSockMark(fd, id)
}
