package main

// Stats (nc_stats.c). So far the metric tables and stats_describe (-D);
// the aggregation and the stats listener come with the serving part.

import (
	"fmt"
	"io"
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
