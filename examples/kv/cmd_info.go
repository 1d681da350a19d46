package main

import (
	"bytes"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

var infoCommands = []*command{
	{name: "info", arity: -1, proc: infoCommand},
}

// infoSections are the sections INFO knows, in the order it prints them.
// Persistence, replication and cpu hold only the lines that are true of
// this server (no persistence, a master with no replicas); clients such
// as redis-cli look at role and loading.
var infoSections = []struct {
	name, title string
	gen         func(s *server, b *infoBuilder)
}{
	{"server", "Server", infoServer},
	{"clients", "Clients", infoClients},
	{"memory", "Memory", infoMemory},
	{"persistence", "Persistence", infoPersistence},
	{"stats", "Stats", infoStats},
	{"replication", "Replication", infoReplication},
	{"cpu", "CPU", infoCPU},
	{"keyspace", "Keyspace", infoKeyspace},
}

// infoCommand is INFO [section ...]: Redis's "# Section" headers and
// "field:value" lines, sections separated by a blank line, as one bulk
// string. No argument, "default", "all" and "everything" give every
// section here; unknown sections give nothing, as in Redis.
func infoCommand(s *server, c *client) {
	want := map[string]bool{}
	if len(c.Argv) == 1 {
		want["default"] = true
	}
	for _, arg := range c.Argv[1:] {
		want[strings.ToLower(string(arg))] = true
	}
	all := want["default"] || want["all"] || want["everything"]
	b := &infoBuilder{}
	for _, sec := range infoSections {
		if all || want[sec.name] {
			if b.buf.Len() > 0 {
				b.buf.WriteString("\r\n")
			}
			b.buf.WriteString("# ")
			b.buf.WriteString(sec.title)
			b.buf.WriteString("\r\n")
			sec.gen(s, b)
		}
	}
	c.AddReplyVerbatim(b.buf.String(), "txt")
}

type infoBuilder struct{ buf bytes.Buffer }

func (b *infoBuilder) str(field, v string) {
	b.buf.WriteString(field)
	b.buf.WriteByte(':')
	b.buf.WriteString(v)
	b.buf.WriteString("\r\n")
}

func (b *infoBuilder) int(field string, v int64) { b.str(field, strconv.FormatInt(v, 10)) }

// goaeVersion is the module version this binary was built from, "(devel)"
// for a build from a checkout.
func goaeVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// unameString is "sysname release machine", as Redis's os field.
func unameString() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return runtime.GOOS
	}
	cstr := func(b []byte) string {
		if i := bytes.IndexByte(b, 0); i >= 0 {
			b = b[:i]
		}
		return string(b)
	}
	return cstr(u.Sysname[:]) + " " + cstr(u.Release[:]) + " " + cstr(u.Machine[:])
}

func infoServer(s *server, b *infoBuilder) {
	uptime := int64(time.Since(s.startTime).Seconds())
	_, port := s.addr()
	exe, _ := os.Executable()
	b.str("redis_version", redisVersion)
	b.str("redis_mode", "standalone")
	// What this really is: the version answers above are what Redis-aware
	// clients need to see.
	b.str("goae_version", goaeVersion())
	b.str("goae_server", "examples/kv")
	b.str("go_version", runtime.Version())
	b.str("os", unameString())
	b.int("arch_bits", strconv.IntSize)
	b.str("multiplexing_api", s.el.APIName())
	b.int("process_id", int64(os.Getpid()))
	b.int("tcp_port", int64(port))
	b.int("server_time_usec", time.Now().UnixMicro())
	b.int("uptime_in_seconds", uptime)
	b.int("uptime_in_days", uptime/86400)
	b.int("hz", int64(s.cfg.hz))
	b.int("configured_hz", int64(s.cfg.hz))
	b.str("executable", exe)
	b.str("config_file", "")
}

func infoClients(s *server, b *infoBuilder) {
	b.int("connected_clients", int64(s.rs.NumClients()))
	b.int("maxclients", int64(s.cfg.maxclients))
	b.int("blocked_clients", int64(s.blocking.total))
	b.int("tracking_clients", int64(len(s.trk.clients)))
}

// bytesToHuman is Redis's bytesToHuman: B under 1 KiB, else two decimals
// and K, M, G, T or P.
func bytesToHuman(n uint64) string {
	units := []string{"K", "M", "G", "T", "P"}
	if n < 1024 {
		return strconv.FormatUint(n, 10) + "B"
	}
	d := float64(n) / 1024
	for _, u := range units {
		if d < 1024 || u == "P" {
			return strconv.FormatFloat(d, 'f', 2, 64) + u
		}
		d /= 1024
	}
	return ""
}

// rssBytes is the resident set size from /proc/self/statm (0 where there
// is no /proc).
func rssBytes() uint64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data))
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * uint64(os.Getpagesize())
}

// infoMemory reports the memory figure maxmemory is compared with as
// used_memory (evict.go says how it is counted: the heap objects, read
// fresh here, less what eviction freed since the last GC cycle); and the
// process's resident set as used_memory_rss.
func infoMemory(s *server, b *infoBuilder) {
	s.evictNewIteration()
	used := s.usedMemory()
	rss := rssBytes()
	b.int("used_memory", used)
	b.str("used_memory_human", bytesToHuman(uint64(used)))
	b.int("used_memory_rss", int64(rss))
	b.str("used_memory_rss_human", bytesToHuman(rss))
	b.int("maxmemory", s.cfg.maxmemory)
	b.str("maxmemory_human", bytesToHuman(uint64(s.cfg.maxmemory)))
	b.str("maxmemory_policy", s.cfg.maxmemoryPolicy.String())
	b.str("mem_allocator", "go")
}

func infoPersistence(s *server, b *infoBuilder) {
	b.int("loading", 0)
	b.int("async_loading", 0)
	b.int("rdb_bgsave_in_progress", 0)
	b.int("aof_enabled", 0)
	b.int("aof_rewrite_in_progress", 0)
}

func infoStats(s *server, b *infoBuilder) {
	st := &s.stats
	b.int("total_connections_received", s.rs.Stats.Connections)
	b.int("total_commands_processed", st.numCommands)
	b.int("instantaneous_ops_per_sec", s.instantaneousOps())
	b.int("total_net_input_bytes", s.rs.Stats.NetInputBytes)
	b.int("total_net_output_bytes", s.rs.Stats.NetOutputBytes)
	b.int("rejected_connections", s.rs.Stats.Rejected)
	b.int("expired_keys", st.expiredKeys)
	b.str("expired_stale_perc", strconv.FormatFloat(st.expiredStalePerc*100, 'f', 2, 64))
	b.int("expired_time_cap_reached_count", st.expiredTimeCapReachedCount)
	b.int("expire_cycle_cpu_milliseconds", st.expireCycleTimeUsed/1000)
	b.int("evicted_keys", st.evictedKeys)
	b.int("keyspace_hits", st.keyspaceHits)
	b.int("keyspace_misses", st.keyspaceMisses)
	b.int("pubsub_channels", int64(len(s.pubsub.channels)))
	b.int("pubsub_patterns", int64(len(s.pubsub.patterns)))
	b.int("pubsubshard_channels", int64(len(s.pubsub.shard)))
	b.int("tracking_total_keys", int64(len(s.trk.table)))
	b.int("tracking_total_items", s.trk.totalItems)
	b.int("tracking_total_prefixes", int64(len(s.trk.prefixes)))
	b.int("total_error_replies", st.totalErrorReplys)
}

func infoReplication(s *server, b *infoBuilder) {
	b.str("role", "master")
	b.int("connected_slaves", 0)
}

// infoCPU is the process's CPU time from getrusage, as Redis reports it.
func infoCPU(s *server, b *infoBuilder) {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return
	}
	tv := func(t unix.Timeval) string {
		return strconv.FormatFloat(float64(t.Sec)+float64(t.Usec)/1e6, 'f', 6, 64)
	}
	b.str("used_cpu_sys", tv(ru.Stime))
	b.str("used_cpu_user", tv(ru.Utime))
}

// infoKeyspace lists each database that holds keys, in order; avg_ttl is
// the expiry cycle's running estimate, in ms (db->avg_ttl).
func infoKeyspace(s *server, b *infoBuilder) {
	for _, d := range s.dbs {
		if n := d.size(); n > 0 {
			b.str("db"+strconv.Itoa(d.id), "keys="+strconv.Itoa(n)+",expires="+strconv.Itoa(len(d.expires))+",avg_ttl="+strconv.FormatInt(d.avgTTL, 10))
		}
	}
}
