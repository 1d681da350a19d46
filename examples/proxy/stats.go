package main

// Stats (nc_stats.c): the metric tables and stats_describe (-D); the
// counters, which the loop updates as it goes and which are copied into
// the snapshot every -i ms (stats_aggregate); and the stats listener,
// which writes one JSON document of the snapshot to each connection and
// closes it (stats_send_rsp). nutcracker runs the listener on a thread of
// its own; here it is a file event on the one loop.

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/goae/goae/ae"
	"github.com/goae/goae/connection"
)

// statsType is stats_type_t: how a metric behaves.
type statsType int

const (
	statsCounter   statsType = iota // STATS_COUNTER: only goes up
	statsGauge                      // STATS_GAUGE: goes up and down
	statsTimestamp                  // STATS_TIMESTAMP: a time in usec since epoch
)

// statsMetric is one entry of STATS_POOL_CODEC or STATS_SERVER_CODEC.
type statsMetric struct {
	name string
	typ  statsType
	desc string
}

// statsPoolCodec is STATS_POOL_CODEC, the per-pool metrics in order.
var statsPoolCodec = []statsMetric{
	{"client_eof", statsCounter, "# eof on client connections"},
	{"client_err", statsCounter, "# errors on client connections"},
	{"client_connections", statsGauge, "# active client connections"},
	{"server_ejects", statsCounter, "# times backend server was ejected"},
	{"forward_error", statsCounter, "# times we encountered a forwarding error"},
	{"fragments", statsCounter, "# fragments created from a multi-vector request"},
}

// statsServerCodec is STATS_SERVER_CODEC, the per-server metrics in order.
var statsServerCodec = []statsMetric{
	{"server_eof", statsCounter, "# eof on server connections"},
	{"server_err", statsCounter, "# errors on server connections"},
	{"server_timedout", statsCounter, "# timeouts on server connections"},
	{"server_connections", statsGauge, "# active server connections"},
	{"server_ejected_at", statsTimestamp, "timestamp when server was ejected in usec since epoch"},
	{"requests", statsCounter, "# requests"},
	{"request_bytes", statsCounter, "total request bytes"},
	{"responses", statsCounter, "# responses"},
	{"response_bytes", statsCounter, "total response bytes"},
	{"in_queue", statsGauge, "# requests in incoming queue"},
	{"in_queue_bytes", statsGauge, "current request bytes in incoming queue"},
	{"out_queue", statsGauge, "# requests in outgoing queue"},
	{"out_queue_bytes", statsGauge, "current request bytes in outgoing queue"},
}

// statsDescribe writes what -D prints after the version banner
// (stats_describe): each metric's name padded to 20 columns and its
// description in quotes, pool metrics then server metrics.
func statsDescribe(w io.Writer) {
	fmt.Fprintf(w, "pool stats:\n")
	for _, m := range statsPoolCodec {
		fmt.Fprintf(w, "  %-20s\"%s\"\n", m.name, m.desc)
	}
	fmt.Fprintf(w, "\nserver stats:\n")
	for _, m := range statsServerCodec {
		fmt.Fprintf(w, "  %-20s\"%s\"\n", m.name, m.desc)
	}
}

// statsCtx is struct stats.
type statsCtx struct {
	ctx      *ncContext
	start    time.Time
	source   string // the host name
	interval int

	// total_connections and curr_connections (conn_ntotal_conn,
	// conn_ncurr_conn): every connection but the stats ones, listeners
	// included, read when a document is sent.
	totalConns int64
	currConns  int64

	// snapshot: per pool its counters, then its servers', and their
	// names (the pools and servers may change on a reload, reload.go).
	pools     [][6]int64
	servers   [][][13]int64
	poolNames []string
	srvNames  [][]string
	// The connection counts at the snapshot, for the other loops of a
	// --threads group to read (threads.go).
	snapTotal, snapCurr int64

	listener *connection.Listener
	buf      []byte
}

// statsCreate is stats_create.
func statsCreate(ctx *ncContext, nci *instance) *statsCtx {
	st := &statsCtx{ctx: ctx, start: time.Now(), interval: nci.statsInterval}
	st.source, _ = os.Hostname()
	return st
}

// statsStart binds the stats listener (stats_listen) and arms the
// aggregation every -i ms.
func (st *statsCtx) statsStart(nci *instance) error {
	ctx := st.ctx
	if ctx.loopIdx > 0 {
		// --threads: the first loop serves the stats of every loop.
		st.armAggregate()
		return nil
	}
	addr := fmt.Sprintf("%s:%d", nci.statsAddr, nci.statsPort)
	if ip := parseIP(nci.statsAddr); ip != "" {
		addr = ip + ":" + strconv.Itoa(nci.statsPort)
	}
	ln, err := connection.Listen(ctx.el, "tcp", addr, connection.ListenConfig{Backlog: 512}, st.statsAccept)
	if err != nil {
		logError(ctx.log, "bind on m %d to addr '%s:%d' failed: %s", -1, nci.statsAddr, nci.statsPort, strerror(err))
		return err
	}
	st.listener = ln
	st.armAggregate()
	return nil
}

// armAggregate takes the first snapshot and arms the aggregation.
func (st *statsCtx) armAggregate() {
	ctx := st.ctx
	st.statsAggregate()
	interval := int64(max(st.interval, 1))
	ctx.el.CreateTimeEvent(interval, func(*ae.EventLoop, int64, any) int {
		st.statsAggregate()
		ctx.msgs.trim()
		ctx.mbufs.trim()
		return int(interval)
	}, nil, nil)
}

// parseIP gives a numeric stats address as Go's listener wants it.
func parseIP(a string) string {
	if a == "" {
		return ""
	}
	if a[0] == '[' || (len(a) > 0 && !containsColon(a)) {
		return a
	}
	return "[" + a + "]"
}

func containsColon(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			return true
		}
	}
	return false
}

// statsAggregate is stats_aggregate: the live counters into the snapshot.
func (st *statsCtx) statsAggregate() {
	ctx := st.ctx
	if g := ctx.group; g != nil {
		g.mu.Lock()
		defer g.mu.Unlock()
	}
	st.pools = resize(st.pools, len(ctx.pools))
	st.servers = resize(st.servers, len(ctx.pools))
	st.poolNames = resize(st.poolNames, len(ctx.pools))
	st.srvNames = resize(st.srvNames, len(ctx.pools))
	for i, p := range ctx.pools {
		st.pools[i] = p.stats
		st.poolNames[i] = p.cp.name
		st.servers[i] = resize(st.servers[i], len(p.servers))
		st.srvNames[i] = resize(st.srvNames[i], len(p.servers))
		for j, s := range p.servers {
			st.servers[i][j] = s.stats
			st.srvNames[i][j] = s.cs.name
		}
	}
	st.snapTotal, st.snapCurr = st.totalConns, st.currConns
}

// resize returns s with length n, reusing its array when it can.
func resize[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s[:n]
	}
	return append(s[:cap(s)], make([]T, n-cap(s))...)
}

// statsAccept writes the document and closes (stats_send_rsp).
func (st *statsCtx) statsAccept(c *connection.Conn, ip string, port int) {
	c.SetWriteQueue(st.ctx.wq)
	if c.Accept(nil) != nil {
		return
	}
	if g := st.ctx.group; g != nil {
		st.buf = g.statsMakeRsp(st, st.buf[:0])
	} else {
		st.buf = st.statsMakeRsp(st.buf[:0])
	}
	c.Append(st.buf)
	c.CloseAfterFlush()
}

// statsMakeRsp is stats_make_rsp: the document, byte for byte in
// nutcracker's layout.
func (st *statsCtx) statsMakeRsp(b []byte) []byte {
	now := time.Now()
	b = append(b, `{"service":"nutcracker", "source":"`...)
	b = append(b, st.source...)
	b = append(b, `", "version":"`...)
	b = append(b, ncVersion...)
	b = append(b, `", "uptime":`...)
	b = strconv.AppendInt(b, int64(now.Sub(st.start)/time.Second), 10)
	b = append(b, `, "timestamp":`...)
	b = strconv.AppendInt(b, now.Unix(), 10)
	b = append(b, `, "total_connections":`...)
	b = strconv.AppendInt(b, st.totalConns, 10)
	b = append(b, `, "curr_connections":`...)
	b = strconv.AppendInt(b, st.currConns, 10)
	for i, name := range st.poolNames {
		if i == 0 {
			b = append(b, ", "...)
		} else {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, name...)
		b = append(b, `": {`...)
		for k, m := range statsPoolCodec {
			if k > 0 {
				b = append(b, ", "...)
			}
			b = append(b, '"')
			b = append(b, m.name...)
			b = append(b, `":`...)
			b = strconv.AppendInt(b, st.pools[i][k], 10)
		}
		for j, sname := range st.srvNames[i] {
			if j == 0 {
				b = append(b, `, "`...)
			} else {
				b = append(b, `},"`...)
			}
			b = append(b, sname...)
			b = append(b, `": {`...)
			for k, m := range statsServerCodec {
				if k > 0 {
					b = append(b, ", "...)
				}
				b = append(b, '"')
				b = append(b, m.name...)
				b = append(b, `":`...)
				b = strconv.AppendInt(b, st.servers[i][j][k], 10)
			}
		}
		b = append(b, "}}"...)
	}
	return append(b, "}\n"...)
}
