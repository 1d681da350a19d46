// Command echo is a TCP echo server on ae event loops, written the way
// Redis's networking.c serves clients, on goae's connection layer: a
// bounded accept loop, one read per readable event, output queued and
// written from the before-sleep hook, and a writable handler installed
// only while output remains.
//
// With --threads N it runs N loops, each on its own thread with its own
// listening socket on the same port (SO_REUSEPORT): the kernel spreads
// the connections over them, and each client lives on one loop only.
//
//	go run ./examples/echo --port 7000 [--threads 2]
//	nc 127.0.0.1 7000
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/anet"
	"github.com/goae/goae/connection"
	"golang.org/x/sys/unix"
)

func main() {
	var cfg config
	flag.IntVar(&cfg.port, "port", 7000, "TCP port to listen on (0 picks a free one)")
	flag.StringVar(&cfg.bind, "bind", "127.0.0.1", "address to bind")
	flag.IntVar(&cfg.maxClients, "maxclients", 10000, "maximum number of connected clients, all loops together")
	flag.IntVar(&cfg.threads, "threads", 1, "event loops, each on its own thread, sharing the port (SO_REUSEPORT)")
	level := flag.String("loglevel", "info", "debug, info, warn or error")
	flag.Parse()

	var lv slog.Level
	if err := lv.UnmarshalText([]byte(*level)); err != nil {
		slog.Error("bad --loglevel", "value", *level)
		os.Exit(2)
	}
	cfg.log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lv}))
	if cfg.threads < 1 {
		cfg.log.Error("bad --threads", "value", cfg.threads)
		os.Exit(2)
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)

	if cfg.threads == 1 {
		s, err := newServer(cfg)
		if err != nil {
			cfg.log.Error("cannot start", "err", err)
			os.Exit(1)
		}
		// Signals arrive on another goroutine; Post hands the stop to the loop.
		go func() {
			sig := <-sigs
			cfg.log.Info("shutting down", "signal", sig.String())
			s.el.Post(func(el *ae.EventLoop) { el.Stop() })
		}()
		ip, port := s.addr()
		cfg.log.Info("ready to accept connections", "addr", ip, "port", port, "poller", s.el.APIName())
		s.serve()
		return
	}

	m, err := startThreads(cfg)
	if err != nil {
		cfg.log.Error("cannot start", "err", err)
		os.Exit(1)
	}
	cfg.log.Info("ready to accept connections", "addr", cfg.bind, "port", m.port, "threads", cfg.threads,
		"poller", m.loops.Loop(0).APIName())
	sig := <-sigs
	cfg.log.Info("shutting down", "signal", sig.String())
	m.stop()
}

// threads is a multi-loop echo server.
type threads struct {
	loops   *connection.Loops
	servers []*server
	port    int
	once    sync.Once
}

// startThreads starts cfg.threads loops serving one port. Port 0 is
// resolved first by a socket bound with SO_REUSEPORT, not listening (so
// no connection lands on it), that holds the port until every loop has
// bound it, so all of them get the same one.
func startThreads(cfg config) (*threads, error) {
	cfg.clients = new(atomic.Int64)
	hold, port, err := holdPort(cfg.bind, cfg.port)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", anet.FormatAddr(cfg.bind, cfg.port), err)
	}
	defer unix.Close(hold)
	cfg.port = port
	m := &threads{servers: make([]*server, cfg.threads), port: cfg.port}
	m.loops, err = connection.StartLoops(cfg.threads, cfg.maxClients+reservedFds, func(i int, el *ae.EventLoop) error {
		s, err := newServerOn(el, cfg, true)
		m.servers[i] = s
		return err
	})
	if err != nil {
		for _, s := range m.servers {
			if s != nil {
				s.close()
			}
		}
		return nil, err
	}
	return m, nil
}

// holdPort binds a SO_REUSEPORT socket to bind:port without listening
// and returns it with the port it got.
func holdPort(bind string, port int) (int, int, error) {
	ip, err := netip.ParseAddr(bind)
	if err != nil {
		return -1, 0, fmt.Errorf("--bind %q: an IP address is needed with --threads", bind)
	}
	ip = ip.Unmap()
	af := unix.AF_INET
	var sa unix.Sockaddr
	if ip.Is4() {
		sa = &unix.SockaddrInet4{Port: port, Addr: ip.As4()}
	} else {
		af, sa = unix.AF_INET6, &unix.SockaddrInet6{Port: port, Addr: ip.As16()}
	}
	fd, err := unix.Socket(af, unix.SOCK_STREAM, 0)
	if err != nil {
		return -1, 0, os.NewSyscallError("socket", err)
	}
	unix.CloseOnExec(fd)
	err = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
	if err == nil {
		err = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
	}
	if err == nil {
		err = unix.Bind(fd, sa)
	}
	if err != nil {
		unix.Close(fd)
		return -1, 0, err
	}
	_, got, err := anet.FdToString(fd, anet.SockName)
	return fd, got, err
}

// stop stops every loop, then frees each one's clients and listener
// (the loops are closed and their goroutines done: no race).
func (m *threads) stop() {
	m.once.Do(func() {
		m.loops.Stop()
		for _, s := range m.servers {
			s.close()
		}
	})
}
