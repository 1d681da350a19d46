//go:build linux

package ae

var testBackends = []backend{
	{"epoll", newEpollPoller},
	{"poll", newPollPoller},
}
