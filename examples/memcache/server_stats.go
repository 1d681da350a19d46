package main

import (
	"os"
	"strconv"
	"syscall"
	"time"
)

// The stats commands: process_stat (proto_text.c) and what it prints,
// server_stats, process_stat_settings, process_stats_conns (memcached.c)
// and the storage's items and slabs lines (items.c, slabs.c). The names
// and their order are memcached 1.6.18's; counters of machinery not
// ported (the slab mover, the logger, extstore) print 0.

// processStat is process_stat.
func (c *conn) processStat(args [][]byte) {
	if len(args) == 0 {
		c.serverStats()
		c.out.buf = append(c.text(), "END\r\n"...)
		return
	}
	switch string(args[0]) {
	case "reset":
		s := c.t.s
		s.cache.ResetStats()
		s.totalConns.Store(0)
		s.rejectedConns.Store(0)
		// stats_reset zeroes struct stats, the listen counters with it.
		s.pausesAtReset.Store(s.listenPauses())
		s.listenDisabled.Store(0)
		c.outString("RESET\r\n")
		return
	case "detail":
		if len(args) < 2 {
			c.outString("CLIENT_ERROR usage: stats detail on|off|dump\r\n")
			return
		}
		switch string(args[1]) {
		case "on", "off":
			c.outString("OK\r\n")
		case "dump":
			c.outString("END\r\n")
		default:
			c.outString("CLIENT_ERROR usage: stats detail on|off|dump\r\n")
		}
		return
	case "settings":
		c.statSettings()
	case "conns":
		c.statsConns()
	case "items":
		c.statsItems()
	case "slabs":
		c.statsSlabs()
	case "sizes":
		c.appendStat("sizes_status", "disabled")
	default:
		c.outString("ERROR\r\n")
		return
	}
	c.out.buf = append(c.text(), "END\r\n"...)
}

// appendStat is append_stat: one "STAT name value" line.
func (c *conn) appendStat(name, value string) {
	b := append(c.text(), "STAT "...)
	b = append(b, name...)
	b = append(b, ' ')
	b = append(b, value...)
	c.out.buf = append(b, '\r', '\n')
}

func (c *conn) statU(name string, v uint64) { c.appendStat(name, strconv.FormatUint(v, 10)) }
func (c *conn) statI(name string, v int64)  { c.appendStat(name, strconv.FormatInt(v, 10)) }

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func timeval(tv syscall.Timeval) string {
	return strconv.FormatInt(int64(tv.Sec), 10) + "." + pad6(int64(tv.Usec))
}

func pad6(us int64) string {
	s := strconv.FormatInt(us, 10)
	for len(s) < 6 {
		s = "0" + s
	}
	return s
}

// serverStats is server_stats, then the storage's part (get_stats(NULL)).
func (c *conn) serverStats() {
	s := c.t.s
	cache := s.cache
	st := cache.Stats()
	now := time.Now().Unix()
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	c.statI("pid", int64(os.Getpid()))
	c.statU("uptime", uint64(cache.CurrentTime()-itemUpdateInterval-2))
	c.statI("time", now)
	c.appendStat("version", version)
	c.appendStat("libevent", "goae")
	c.statI("pointer_size", 64)
	c.appendStat("rusage_user", timeval(ru.Utime))
	c.appendStat("rusage_system", timeval(ru.Stime))
	c.statI("max_connections", int64(s.cfg.maxConns))
	c.statI("curr_connections", s.currConns.Load())
	c.statI("total_connections", s.totalConns.Load())
	c.statI("rejected_connections", s.rejectedConns.Load())
	c.statI("connection_structures", s.connStructs.Load()+int64(len(s.lsocks)))
	c.statI("response_obj_oom", 0)
	c.statI("response_obj_count", 0)
	c.statI("response_obj_bytes", 0)
	c.statI("read_buf_count", 0)
	c.statI("read_buf_bytes", 0)
	c.statI("read_buf_bytes_free", 0)
	c.statI("read_buf_oom", 0)
	c.statI("reserved_fds", 0)
	c.statU("cmd_get", st.CmdGet)
	c.statU("cmd_set", st.CmdSet)
	c.statU("cmd_flush", st.CmdFlush)
	c.statU("cmd_touch", st.CmdTouch)
	c.statU("cmd_meta", st.CmdMeta)
	c.statU("get_hits", st.GetHits)
	c.statU("get_misses", st.GetMisses)
	c.statU("get_expired", st.GetExpired)
	c.statU("get_flushed", st.GetFlushed)
	c.statU("delete_misses", st.DeleteMisses)
	c.statU("delete_hits", st.DeleteHits)
	c.statU("incr_misses", st.IncrMisses)
	c.statU("incr_hits", st.IncrHits)
	c.statU("decr_misses", st.DecrMisses)
	c.statU("decr_hits", st.DecrHits)
	c.statU("cas_misses", st.CasMisses)
	c.statU("cas_hits", st.CasHits)
	c.statU("cas_badval", st.CasBadval)
	c.statU("touch_hits", st.TouchHits)
	c.statU("touch_misses", st.TouchMisses)
	c.statU("store_too_large", st.StoreTooLarge)
	c.statU("store_no_memory", st.StoreNoMemory)
	c.statI("auth_cmds", 0)
	c.statI("auth_errors", 0)
	c.statU("bytes_read", st.BytesRead)
	c.statU("bytes_written", st.BytesWritten)
	c.statI("limit_maxbytes", st.LimitMaxbytes)
	accepting := int64(1)
	if s.notAccepting.Load() {
		accepting = 0
	}
	c.statI("accepting_conns", accepting)
	c.statI("listen_disabled_num", s.listenPauses()-s.pausesAtReset.Load())
	c.statI("time_in_listen_disabled_us", s.listenDisabled.Load())
	c.statI("threads", int64(s.cfg.threads))
	c.statU("conn_yields", st.ConnYields)
	c.statI("hash_power_level", int64(st.HashPowerLevel))
	c.statI("hash_bytes", st.HashBytes)
	c.statI("hash_is_expanding", 0)
	for _, name := range []string{"slab_reassign_rescues", "slab_reassign_chunk_rescues",
		"slab_reassign_evictions_nomem", "slab_reassign_inline_reclaim", "slab_reassign_busy_items",
		"slab_reassign_busy_deletes", "slab_reassign_running", "slabs_moved", "lru_crawler_running"} {
		c.statI(name, 0)
	}
	c.statI("lru_crawler_starts", 1)
	for _, name := range []string{"lru_maintainer_juggles", "malloc_fails", "log_worker_dropped",
		"log_worker_written", "log_watcher_skipped", "log_watcher_sent", "log_watchers",
		"unexpected_napi_ids", "round_robin_fallback"} {
		c.statI(name, 0)
	}
	c.statU("bytes", st.Bytes)
	c.statU("curr_items", st.CurrItems)
	c.statU("total_items", st.TotalItems)
	c.statI("slab_global_page_pool", 0)
	c.statU("expired_unfetched", st.ExpiredUnfetched)
	c.statU("evicted_unfetched", st.EvictedUnfetched)
	c.statU("evicted_active", st.EvictedActive)
	c.statU("evictions", st.Evictions)
	c.statU("reclaimed", st.Reclaimed)
	c.statU("crawler_reclaimed", st.CrawlerReclaimed)
	c.statU("crawler_items_checked", st.CrawlerItemsChecked)
	c.statI("lrutail_reflocked", 0)
	c.statI("moves_to_cold", 0)
	var warm uint64
	for _, cs := range st.Classes {
		warm += cs.MovesToWarm
	}
	c.statU("moves_to_warm", warm)
	c.statI("moves_within_lru", 0)
	c.statI("direct_reclaims", 0)
	c.statI("lru_bumps_dropped", 0)
}

// listenPauses is the listeners' pauses since the start.
func (s *server) listenPauses() (n int64) {
	for _, ls := range s.lsocks {
		n += ls.l.Pauses.Load()
	}
	return n
}

// statSettings is process_stat_settings, the settings this server has.
func (c *conn) statSettings() {
	s := c.t.s
	set := s.cache.Settings()
	c.statI("maxbytes", set.MaxBytes)
	c.statI("maxconns", int64(s.cfg.maxConns))
	c.statI("tcpport", int64(s.cfg.port))
	c.statI("udpport", 0)
	inter := "NULL"
	if len(s.cfg.listen) > 0 {
		inter = s.cfg.listen[0]
	}
	c.appendStat("inter", inter)
	c.statI("verbosity", int64(s.verbose()))
	c.statI("oldest", 0)
	c.appendStat("evictions", map[bool]string{true: "on", false: "off"}[set.EvictToFree])
	dom := "NULL"
	if s.cfg.unixSocket != "" {
		dom = s.cfg.unixSocket
	}
	c.appendStat("domain_socket", dom)
	c.appendStat("umask", "700")
	c.appendStat("shutdown_command", "no")
	c.appendStat("growth_factor", strconv.FormatFloat(set.Factor, 'f', 2, 64))
	c.statI("chunk_size", int64(set.ChunkSize))
	c.statI("num_threads", int64(s.cfg.threads))
	c.statI("num_threads_per_udp", int64(s.cfg.threads))
	c.appendStat("stat_key_prefix", ":")
	c.appendStat("detail_enabled", "no")
	c.statI("reqs_per_event", reqsPerEvent)
	c.appendStat("cas_enabled", yesNo(set.UseCAS))
	c.statI("tcp_backlog", int64(s.cfg.backlog))
	c.appendStat("binding_protocol", "ascii")
	c.appendStat("auth_enabled_sasl", "no")
	c.appendStat("auth_enabled_ascii", "no")
	c.statI("item_size_max", int64(set.ItemSizeMax))
	c.appendStat("maxconns_fast", "yes")
	c.statI("hashpower_init", 0)
	c.appendStat("slab_reassign", "no")
	c.statI("slab_automove", 0)
	c.appendStat("slab_automove_ratio", "0.80")
	c.statI("slab_automove_window", 30)
	c.statI("slab_chunk_max", int64(s.cache.SlabChunkMax()))
	c.appendStat("lru_crawler", "yes")
	c.statI("lru_crawler_sleep", 100)
	c.statI("lru_crawler_tocrawl", 0)
	c.statI("tail_repair_time", 0)
	c.appendStat("flush_enabled", "yes")
	c.appendStat("dump_enabled", "no")
	c.appendStat("hash_algorithm", "maphash")
	c.appendStat("lru_maintainer_thread", "no")
	c.appendStat("lru_segmented", "no")
	c.statI("idle_timeout", 0)
	c.statI("read_buf_mem_limit", 0)
	c.appendStat("track_sizes", "no")
	c.appendStat("inline_ascii_response", "no")
	c.appendStat("ssl_enabled", "no")
}

// statsConns is process_stats_conns: every listener and client, the
// clients in fd order from the server's table as memcached walks conns[],
// their state as published when their machine last stopped (this conn's
// own is conn_parse_cmd, as memcached shows it). Each has addr, then
// (clients) listen_addr, state and secs_since_last_cmd, a listener's
// counted from its start.
func (c *conn) statsConns() {
	s := c.t.s
	now := s.cache.CurrentTime()
	for _, ls := range s.lsocks {
		id := strconv.Itoa(ls.fd) + ":"
		c.appendStat(id+"addr", ls.addr)
		c.appendStat(id+"state", connListening.String())
		c.statU(id+"secs_since_last_cmd", uint64(now-ls.made))
	}
	for i := range s.conns {
		o := s.conns[i].Load()
		if o == nil {
			continue
		}
		id := strconv.Itoa(int(o.fd)) + ":"
		if o.ip != "" {
			c.appendStat(id+"addr", o.addr())
		} else {
			// memcached keeps no peer address for a unix socket's client
			// (conn_new asks getpeername of TCP only), and conn_to_str
			// prints the empty address's family: "?:<AF 0>", every time.
			c.appendStat(id+"addr", "?:<AF 0>")
		}
		c.appendStat(id+"listen_addr", o.ls.addr)
		state := connState(o.pubState.Load())
		if o == c {
			state = connParseCmd
		}
		c.appendStat(id+"state", state.String())
		c.statU(id+"secs_since_last_cmd", uint64(now-o.lastCmd.Load()))
	}
}

// statsItems is item_stats: the per-class LRU counters of classes in use.
func (c *conn) statsItems() {
	for _, cs := range c.t.s.cache.Stats().Classes {
		if cs.Number == 0 {
			continue
		}
		p := "items:" + strconv.Itoa(cs.ID) + ":"
		c.statU(p+"number", cs.Number)
		c.statU(p+"number_hot", 0)
		c.statU(p+"number_warm", 0)
		c.statU(p+"number_cold", cs.Number)
		c.statU(p+"age_hot", 0)
		c.statU(p+"age_warm", 0)
		c.statU(p+"age", uint64(cs.Age))
		c.statU(p+"mem_requested", cs.MemRequested)
		c.statU(p+"evicted", cs.Evicted)
		c.statU(p+"evicted_nonzero", cs.EvictedNonzero)
		c.statU(p+"evicted_time", uint64(cs.EvictedTime))
		c.statU(p+"outofmemory", cs.OutOfMemory)
		c.statU(p+"tailrepairs", 0)
		c.statU(p+"reclaimed", cs.Reclaimed)
		c.statU(p+"expired_unfetched", cs.ExpiredUnfetched)
		c.statU(p+"evicted_unfetched", cs.EvictedUnfetched)
		c.statU(p+"evicted_active", cs.EvictedActive)
		c.statU(p+"crawler_reclaimed", cs.CrawlerReclaimed)
		c.statU(p+"crawler_items_checked", cs.CrawlerItemsChecked)
		c.statU(p+"lrutail_reflocked", 0)
		c.statU(p+"moves_to_cold", 0)
		c.statU(p+"moves_to_warm", cs.MovesToWarm)
		c.statU(p+"moves_within_lru", 0)
		c.statU(p+"direct_reclaims", 0)
		c.statU(p+"hits_to_hot", 0)
		c.statU(p+"hits_to_warm", 0)
		c.statU(p+"hits_to_cold", cs.GetHits)
		c.statU(p+"hits_to_temp", 0)
	}
}

// statsSlabs is slabs_stats: per class, then the totals.
func (c *conn) statsSlabs() {
	st := c.t.s.cache.Stats()
	active := 0
	for _, cs := range st.Classes {
		if cs.TotalPages == 0 && cs.CmdSet == 0 {
			continue
		}
		active++
		p := strconv.Itoa(cs.ID) + ":"
		total := cs.TotalPages * int64(cs.ChunksPerPage)
		c.statI(p+"chunk_size", int64(cs.ChunkSize))
		c.statI(p+"chunks_per_page", int64(cs.ChunksPerPage))
		c.statI(p+"total_pages", cs.TotalPages)
		c.statI(p+"total_chunks", total)
		c.statI(p+"used_chunks", cs.UsedChunks)
		c.statI(p+"free_chunks", total-cs.UsedChunks)
		c.statI(p+"free_chunks_end", 0)
		c.statU(p+"get_hits", cs.GetHits)
		c.statU(p+"cmd_set", cs.CmdSet)
		c.statU(p+"delete_hits", cs.DeleteHits)
		c.statU(p+"incr_hits", cs.IncrHits)
		c.statU(p+"decr_hits", cs.DecrHits)
		c.statU(p+"cas_hits", cs.CasHits)
		c.statU(p+"cas_badval", cs.CasBadval)
		c.statU(p+"touch_hits", cs.TouchHits)
	}
	c.statI("active_slabs", int64(active))
	c.statI("total_malloced", st.TotalMalloced)
}
