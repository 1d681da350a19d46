//go:build (darwin || dragonfly || freebsd || netbsd || openbsd) && !goae_poll

package ae

// newDefaultPoller is kqueue on the BSDs and macOS.
var newDefaultPoller = newKqueuePoller
