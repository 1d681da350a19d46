// Command echo is a TCP echo server on one ae event loop, written the way
// Redis's networking.c serves clients: a bounded accept loop, one read per
// readable event, output queued and written from the before-sleep hook,
// and a writable handler installed only while output remains.
//
//	go run ./examples/echo --port 7000
//	nc 127.0.0.1 7000
package main

import (
	"flag"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/goae/goae/ae"
)

func main() {
	var cfg config
	flag.IntVar(&cfg.port, "port", 7000, "TCP port to listen on (0 picks a free one)")
	flag.StringVar(&cfg.bind, "bind", "127.0.0.1", "address to bind")
	flag.IntVar(&cfg.maxClients, "maxclients", 10000, "maximum number of connected clients")
	level := flag.String("loglevel", "info", "debug, info, warn or error")
	flag.Parse()

	var lv slog.Level
	if err := lv.UnmarshalText([]byte(*level)); err != nil {
		slog.Error("bad --loglevel", "value", *level)
		os.Exit(2)
	}
	cfg.log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lv}))

	s, err := newServer(cfg)
	if err != nil {
		cfg.log.Error("cannot start", "err", err)
		os.Exit(1)
	}
	// Signals arrive on another goroutine; Post hands the stop to the loop.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		sig := <-sigs
		cfg.log.Info("shutting down", "signal", sig.String())
		s.el.Post(func(el *ae.EventLoop) { el.Stop() })
	}()
	ip, port := s.addr()
	cfg.log.Info("ready to accept connections", "addr", ip, "port", port, "poller", s.el.APIName())
	s.serve()
}
