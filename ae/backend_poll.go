//go:build goae_poll

package ae

// newDefaultPoller is poll(2) when built with the goae_poll tag.
var newDefaultPoller = newPollPoller
