package connection

import (
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/goae/goae/ae"
)

// Loops runs N event loops, each on its own goroutine locked to an OS
// thread: the multi-loop model of memcached's worker threads, or of a
// server whose loops each accept on one port shared through SO_REUSEPORT
// (ListenConfig.ReusePort), the kernel spreading connections over them.
// Nothing is shared between the loops but what the caller shares; each
// loop's handlers run on its goroutine only.
type Loops struct {
	els  []*ae.EventLoop
	done sync.WaitGroup
	once sync.Once
}

// StartLoops makes n loops of setsize fds and starts them. setup runs for
// each loop on that loop's goroutine, before its Main, to register what it
// serves (a listener, a cron); if any setup fails, every loop is stopped
// and the errors are returned joined. Each loop is closed when its Main
// returns.
func StartLoops(n, setsize int, setup func(i int, el *ae.EventLoop) error) (*Loops, error) {
	if n < 1 {
		return nil, fmt.Errorf("connection: %d loops", n)
	}
	g := &Loops{els: make([]*ae.EventLoop, n)}
	for i := range g.els {
		el, err := ae.New(setsize)
		if err != nil {
			for _, el := range g.els[:i] {
				el.Close()
			}
			return nil, err
		}
		g.els[i] = el
	}
	errs := make([]error, n)
	var ready sync.WaitGroup
	ready.Add(n)
	start := make(chan bool)
	g.done.Add(n)
	for i, el := range g.els {
		go func() {
			defer g.done.Done()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			defer el.Close()
			errs[i] = setup(i, el)
			ready.Done()
			if <-start {
				el.Main()
			}
		}()
	}
	ready.Wait()
	err := errors.Join(errs...)
	for range g.els {
		start <- err == nil
	}
	if err != nil {
		g.done.Wait()
		return nil, err
	}
	return g, nil
}

// Len returns the number of loops.
func (g *Loops) Len() int { return len(g.els) }

// Loop returns loop i. Use it from another goroutine only through Post.
func (g *Loops) Loop(i int) *ae.EventLoop { return g.els[i] }

// Stop stops every loop (a posted Stop) and waits until all have returned
// and are closed. It may be called from any goroutine but the loops' own,
// more than once.
func (g *Loops) Stop() {
	g.once.Do(func() {
		for _, el := range g.els {
			el.Post(func(el *ae.EventLoop) { el.Stop() })
		}
	})
	g.done.Wait()
}

// Wait waits until every loop has returned.
func (g *Loops) Wait() { g.done.Wait() }
