package main

// --threads N (an extension, not in nutcracker; twemproxy #435, #465):
// one loop is the ceiling of a nutcracker, so the proxy can run N loops,
// each on its own OS thread (connection.StartLoops), each with its own
// pools, server connections, buffers and timeouts, accepting on the same
// listen ports through SO_REUSEPORT: the kernel spreads the client
// connections over the loops, and nothing on the request path is shared.
//
//   - Each loop opens its own connections to every server (so a server
//     sees up to N x server_connections of them), and ejects and retries
//     servers on its own failure counts.
//   - The client limit is shared out: each loop takes 1/N of what
//     core_calc_connections leaves once every loop's server connections
//     are counted.
//   - A unix socket listener cannot be shared that way: the first loop
//     alone serves it.
//   - The stats listener is on the first loop, and its document adds up
//     every loop's snapshot (server_ejected_at: the latest), so the
//     numbers are the whole process's, in nutcracker's layout.
//   - Signals are handled on the first loop; a reload (reload.go) is
//     carried out by every loop on its own pools.

import (
	"slices"
	"sync"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/connection"
)

// loopGroup is the loops of a --threads process.
type loopGroup struct {
	// mu guards every loop's stats snapshot (statsCtx's pools, servers,
	// names, snapTotal, snapCurr), written by the loop, read by the first.
	mu    sync.Mutex
	ctxs  []*ncContext
	loops *connection.Loops
}

// len is the number of loops (1 without a group).
func (g *loopGroup) len() int {
	if g == nil {
		return 1
	}
	return len(g.ctxs)
}

// ncRunThreads is ncRun for --threads N: N loops, each running
// core_start on the same configuration, until a signal ends the process.
func ncRunThreads(nci *instance, rs *runState, cf *conf) error {
	g := &loopGroup{ctxs: make([]*ncContext, nci.threads)}
	log := rs.logger()
	loops, err := connection.StartLoops(nci.threads, coreSetsize(), func(i int, el *ae.EventLoop) error {
		ctx, err := coreStartOn(el, nci, cf, log, i, g)
		g.ctxs[i] = ctx
		return err
	})
	if err != nil {
		return err
	}
	g.loops = loops
	loga(log, "serving on %d loops", nci.threads)
	signalInit(g.ctxs[0], nci, rs)
	loops.Wait()
	return nil
}

// statsMakeRsp is stats_make_rsp for the whole group, on the first loop:
// its snapshot with every other loop's added, pool by pool and server by
// server by name.
func (g *loopGroup) statsMakeRsp(st *statsCtx, b []byte) []byte {
	g.mu.Lock()
	defer g.mu.Unlock()
	sum := *st
	sum.pools = slices.Clone(st.pools)
	sum.servers = make([][][13]int64, len(st.servers))
	for i := range st.servers {
		sum.servers[i] = slices.Clone(st.servers[i])
	}
	for _, ctx := range g.ctxs {
		o := ctx.stats
		if o == st {
			continue
		}
		sum.totalConns += o.snapTotal
		sum.currConns += o.snapCurr
		for i, name := range sum.poolNames {
			oi := slices.Index(o.poolNames, name)
			if oi < 0 {
				continue
			}
			for k := range sum.pools[i] {
				sum.pools[i][k] += o.pools[oi][k]
			}
			for j, sname := range sum.srvNames[i] {
				oj := slices.Index(o.srvNames[oi], sname)
				if oj < 0 {
					continue
				}
				addServerStats(&sum.servers[i][j], &o.servers[oi][oj])
			}
		}
	}
	return sum.statsMakeRsp(b)
}

// addServerStats adds a server's counters and gauges to dst; of two
// ejection times it keeps the later.
func addServerStats(dst, src *[13]int64) {
	for k, m := range statsServerCodec {
		if m.typ == statsTimestamp {
			dst[k] = max(dst[k], src[k])
		} else {
			dst[k] += src[k]
		}
	}
}
