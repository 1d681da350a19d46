// Command clusterbus is a Redis Cluster bus node that real redis-server
// 7.0 nodes accept, built on ae and anet: a port of the link, handshake,
// gossip, failure-detection, slots-and-epochs parts of Redis 7.0's
// src/cluster.c, with nodes.conf. It knows which master serves each slot
// but serves no slots and no keys itself.
//
// The wire codec (msg.go, encode.go, decode.go) is tested against packets
// captured from redis-server 7.0.15; the node follows cluster.c's
// sections and names: cluster.go (structures, init, before-sleep),
// node.go (node table), failreports.go, links.go, packet.go
// (clusterProcessPacket), gossip.go, slots.go (slots, epochs, cluster
// state), cron.go (clusterCron), commands.go and commands_slots.go (the
// CLUSTER command), config.go (nodes.conf).
//
// Usage:
//
//	clusterbus [--port 7000] [--bind 127.0.0.1] [--cluster-port 0]
//	           [--cluster-config-file nodes.conf] [--cluster-node-timeout 15000]
//	           [--cluster-announce-ip ip] [--loglevel notice]
//
// The bus listens on --cluster-port, or --port + 10000. The client port
// (--port, served by internal/respserver) answers PING and CLUSTER MEET,
// NODES, SLOTS, SHARDS, MYID, INFO, LINKS, FORGET, RESET, SAVECONFIG and
// COUNT-FAILURE-REPORTS, with Redis 7.0's replies.
//
// # Where this node departs from Redis 7.0, or had to choose
//
//   - Slots. Owners are learnt from masters' headers and UPDATE messages
//     by Redis's configEpoch rules (clusterUpdateSlotsConfigWith), a
//     sender claiming slots under an older epoch gets an UPDATE, and
//     nodes.conf keeps the owners. This node never takes slots (no
//     ADDSLOTS, SETSLOT or migration), holds no keys and replicates
//     nothing: the importing, dirty-slot and turn-into-a-replica cases of
//     clusterUpdateSlotsConfigWith have nothing to act on.
//   - Failure quorum. markNodeAsFailingIfNeeded needs size/2+1 votes,
//     size being the number of masters serving at least one slot
//     (clusterUpdateState), counting failure reports from masters and our
//     own PFAIL if we are a master, as Redis 7.0 does (slots or not). With
//     three slot-owning masters the quorum is 2; with slotless masters
//     only, size is 0 and the quorum 1, and a node we see as PFAIL becomes
//     FAIL as soon as one other master gossips it as PFAIL or FAIL (only a
//     failure report triggers the check).
//   - Replicas, failover, manual failover, PUBLISH and MODULE: not
//     implemented. PUBLISH is decoded, logged at debug level and ignored;
//     failover auth requests get no vote, which is what a master without
//     slots does anyway.
//   - Names: a node learnt from gossip, or a handshake PONG, must carry a
//     name verifyClusterNodeId accepts ([a-z0-9]{40}); Redis 7.0 takes any
//     40 bytes, which could make nodes.conf unreadable.
//   - Framing: a totlen above MaxMessageLen (64 MiB) closes the link, as a
//     bad signature does; Redis has no bound. A write that would block is
//     retried later instead of freeing the link.
//   - nodes.conf is written to a temporary file, fsynced, renamed over the
//     old one, and the directory fsynced; Redis rewrites it in place. It
//     is not flock'ed, and a failed write is logged, not fatal.
//   - One --bind address (Redis takes a list); no TLS; no
//     cluster-link-sendbuf-limit (0, its 7.0 default, means none anyway).
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/goae/goae/ae"
)

func main() {
	var cfg Config
	fs := flag.NewFlagSet("clusterbus", flag.ExitOnError)
	fs.IntVar(&cfg.Port, "port", 7000, "client (RESP) port, advertised to the cluster")
	fs.StringVar(&cfg.Bind, "bind", "127.0.0.1", "address to listen on")
	fs.IntVar(&cfg.ClusterPort, "cluster-port", 0, "cluster bus port (0: port+10000)")
	fs.StringVar(&cfg.ConfigFile, "cluster-config-file", "nodes.conf", "cluster state file")
	fs.Int64Var(&cfg.NodeTimeout, "cluster-node-timeout", defaultNodeTimeout, "node timeout in milliseconds")
	fs.StringVar(&cfg.AnnounceIP, "cluster-announce-ip", "", "IP address announced to the other nodes")
	loglevel := fs.String("loglevel", "notice", "debug, verbose, notice or warning")
	fs.Parse(os.Args[1:])

	level, ok := map[string]slog.Level{"debug": llDebug, "verbose": llVerbose, "notice": llNotice, "warning": llWarning}[*loglevel]
	if !ok {
		fmt.Fprintf(os.Stderr, "clusterbus: unknown --loglevel %q\n", *loglevel)
		os.Exit(2)
	}
	// Redis's level names rather than slog's ("DEBUG+2" is VERBOSE).
	names := map[slog.Level]string{llDebug: "DEBUG", llVerbose: "VERBOSE", llNotice: "NOTICE", llWarning: "WARNING"}
	cfg.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if l, ok := a.Value.Any().(slog.Level); ok && a.Key == slog.LevelKey {
				if name, ok := names[l]; ok {
					a.Value = slog.StringValue(name)
				}
			}
			return a
		}}))

	// A cluster node sleeps in epoll_wait most of the time, up to
	// clusterCron's 100 ms. With more than one P, the runtime hands the
	// loop's P to another thread during each sleep longer than 10 ms and
	// takes it back after (futex, epoll_pwait and sysmon wake-ups every
	// cron tick); with one P it only parks it. bench/clusterconv's CPU
	// of a converged cluster at rest went from 2.25x redis-server's to
	// 1.56x with 10 nodes, and from 2.7x to 1.95x with 50. The
	// environment's GOMAXPROCS, if set, wins.
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
	n, err := newNode(cfg)
	if err != nil {
		cfg.Log.Error(err.Error())
		os.Exit(1)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		s := <-sig
		cfg.Log.Warn(fmt.Sprintf("Received %s scheduling shutdown...", s))
		n.el.Post(func(el *ae.EventLoop) {
			n.clusterSaveConfigOrLog(true)
			el.Stop()
		})
	}()
	cfg.Log.Info(fmt.Sprintf("Cluster bus listening on %s:%d, I'm %s", cfg.Bind, n.busPort, n.cluster.myself.name))
	n.run()
}
