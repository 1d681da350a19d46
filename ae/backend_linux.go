//go:build linux && !goae_poll

package ae

// newDefaultPoller is epoll on Linux.
var newDefaultPoller = newEpollPoller
