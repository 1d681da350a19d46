//go:build linux && !goae_poll

package ae

const defaultApiName = "epoll"
