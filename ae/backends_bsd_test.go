//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package ae

var testBackends = []backend{
	{"kqueue", newKqueuePoller},
	{"poll", newPollPoller},
}
