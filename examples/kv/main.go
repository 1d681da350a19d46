// Command kv is a Redis-protocol key-value server on one ae event loop,
// built the way Redis's networking.c is: a bounded accept loop, one read
// per readable event, commands parsed with internal/resp and run in
// place, replies written from the before-sleep hook, serverCron as a time
// event. redis-cli, redis-benchmark and go-redis use it as they use Redis.
//
//	go run ./examples/kv                 # 127.0.0.1:6379
//	go run ./examples/kv --port 7777 --requirepass secret
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
	cfg := defaultConfig()
	flag.IntVar(&cfg.port, "port", cfg.port, "TCP port (0: pick a free one)")
	flag.StringVar(&cfg.bind, "bind", cfg.bind, "address to listen on")
	flag.StringVar(&cfg.unixsocket, "unixsocket", "", "also listen on this unix socket path")
	perm := flag.Uint("unixsocketperm", 0, "permissions of the unix socket (octal, e.g. 0700; 0 keeps the umask's)")
	flag.IntVar(&cfg.maxclients, "maxclients", cfg.maxclients, "maximum number of connected clients")
	flag.IntVar(&cfg.timeout, "timeout", 0, "close a client idle for this many seconds (0: never)")
	flag.IntVar(&cfg.hz, "hz", cfg.hz, "serverCron frequency, 1 to 500")
	flag.StringVar(&cfg.requirepass, "requirepass", "", "password clients must AUTH with")
	flag.IntVar(&cfg.tcpKeepalive, "tcp-keepalive", cfg.tcpKeepalive, "TCP keepalive interval in seconds (0: off)")
	level := flag.String("loglevel", "notice", "debug, verbose, notice or warning")
	flag.Parse()
	cfg.unixsocketperm = uint32(*perm)

	lv, ok := logLevels[*level]
	if !ok {
		slog.Error("Invalid --loglevel", "value", *level)
		os.Exit(2)
	}
	cfg.log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lv}))

	s, err := newServer(cfg)
	if err != nil {
		cfg.log.Error(err.Error())
		os.Exit(1)
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		sig := <-sigs
		cfg.log.Warn("Received signal, scheduling shutdown...", "signal", sig.String())
		s.el.Post(func(*ae.EventLoop) { s.shutdown() })
	}()
	ip, port := s.addr()
	cfg.log.Info("Ready to accept connections", "addr", ip, "port", port, "unixsocket", cfg.unixsocket, "maxclients", s.cfg.maxclients, "poller", s.el.ApiName())
	s.serve()
	cfg.log.Warn("Server is now ready to exit, bye bye...")
}

// logLevels maps Redis's loglevel names (and slog's) to slog levels.
var logLevels = map[string]slog.Level{
	"debug": slog.LevelDebug, "verbose": slog.LevelDebug,
	"notice": slog.LevelInfo, "info": slog.LevelInfo,
	"warning": slog.LevelWarn, "warn": slog.LevelWarn, "error": slog.LevelError,
}
