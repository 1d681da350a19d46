//go:build (darwin || dragonfly || freebsd || netbsd || openbsd) && !goae_poll

package ae

const defaultApiName = "kqueue"
