#!/usr/bin/env bash
# expire.sh compares active expiry in examples/kv and a real redis-server
# 7.0, side by side: each server is loaded with KEYS keys (default
# 1,000,000) by redis-cli --pipe, every other one with a short TTL, and
# nothing reads them afterwards, so only active expiry deletes them. The TTL
# is, by MODE:
#
#   spread (default): PX between TTL_MIN and TTL_MAX ms (1000-3000), so keys
#          expire from a second into the load until TTL_MAX after it;
#   burst: PXAT BURST_MS (10000) ms after the pass starts, plus 0 to
#          BURST_SPREAD_MS (0), so that, the load being over by then
#          (expired_at_load says if not), half the keyspace expires at once
#          and the rate of the cycle itself is measured.
#
# Two passes per server and round, each on a freshly started server:
#
#   quiet: INFO polled every POLL_MS (100) ms until expired_keys reaches
#          KEYS/2: time to reclaim (from the end of the load, or from the
#          burst when that is later) and the lag after the last key's TTL
#          ran out (load end + TTL_MAX, or the last PXAT), server CPU over
#          that time (utime+stime from /proc/PID/stat), and the
#          server's own expire_cycle_cpu_milliseconds and
#          expired_time_cap_reached_count;
#   probe: the same load, then a one-connection GET client (redis-benchmark
#          -c 1, chunks of CHUNK requests, a key without TTL) from the end of
#          the load until reclaim is over, then as many chunks at rest: its
#          throughput and latency during reclaim against at rest is what
#          expiry costs the loop.
#
#	bash bench/expire.sh                   # 3 rounds
#	MODE=burst bash bench/expire.sh
#	ROUNDS=5 KEYS=200000 bash bench/expire.sh
#
# Servers are pinned to CPU 0, clients to CPU 1; the runs alternate
# (kv redis kv redis ...). Raw rows go to bench/results/expire-<time>.csv
# (bench/results/expire-latest.csv points at the last); the summary gives
# medians over the rounds and ratios ours/redis.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/servers.sh

rounds=${ROUNDS:-3}
keys=${KEYS:-1000000}
ttl_min=${TTL_MIN:-1000}
ttl_max=${TTL_MAX:-3000}
mode=${MODE:-spread}
burst_ms=${BURST_MS:-10000}
burst_spread=${BURST_SPREAD_MS:-0}
poll_ms=${POLL_MS:-100}
chunk=${CHUNK:-500}
servers=(${SERVERS:-kv redis})
run_timeout=${RUN_TIMEOUT:-120}
half=$((keys / 2))

bench_build
mkdir -p bench/results
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=bench/results/expire-$stamp.csv
hz=$(getconf CLK_TCK)

case $mode in spread | burst) ;; *) echo "MODE is spread or burst" >&2; exit 2 ;; esac

# gen_load BASE: the load, SET key:<i> xxx for even i and, for odd i, with
# PX TTL_MIN..TTL_MAX (BASE 0) or PXAT BASE+0..BURST_SPREAD_MS, as RESP for
# --pipe, into $load.
load=$BENCH_TMP/load.resp
gen_load() {
	local lo=$ttl_min hi=$ttl_max
	[ "$1" = 0 ] || { lo=$1; hi=$(($1 + burst_spread)); }
	awk -v n="$keys" -v lo="$lo" -v hi="$hi" -v opt="$([ "$1" = 0 ] && echo PX || echo PXAT)" 'BEGIN {
		srand(1)
		for (i = 0; i < n; i++) {
			k = "key:" i
			if (i % 2) {
				t = sprintf("%.0f", lo + int(rand() * (hi - lo + 1)))
				printf "*5\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$3\r\nxxx\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, length(opt), opt, length(t ""), t
			} else {
				printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$3\r\nxxx\r\n", length(k), k
			}
		}
	}' >"$load"
}
[ "$mode" = spread ] && gen_load 0

echo "# date:    $(date -u '+%Y-%m-%dT%H:%M:%SZ')"
echo "# command: bash bench/expire.sh   (MODE=$mode ROUNDS=$rounds KEYS=$keys $([ "$mode" = burst ] && echo "BURST_MS=$burst_ms BURST_SPREAD_MS=$burst_spread" || echo "TTL_MIN=$ttl_min TTL_MAX=$ttl_max") POLL_MS=$poll_ms CHUNK=$chunk SERVERS='${servers[*]}')"
if [ "$mode" = spread ]; then
	ttl_desc="PX $ttl_min..$ttl_max"
else
	ttl_desc="PXAT pass start + $burst_ms..$((burst_ms + burst_spread)) ms"
fi
echo "# load:    $(quote_cmd taskset -c "$CLIENT_CPU" redis-cli -p PORT --pipe) < $keys SETs key:<i> xxx, odd i with $ttl_desc"
echo "# probe:   $(quote_cmd taskset -c "$CLIENT_CPU" timeout "$run_timeout" redis-benchmark -p PORT -c 1 -n "$chunk" -t get --csv), repeated"
echo "# kv:      $(quote_cmd taskset -c "$SERVER_CPU" kv --port PORT --loglevel warning)   (go build ./examples/kv, $(go version | cut -d' ' -f3), git $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- examples/kv internal || echo '+dirty'))"
echo "# redis:   $(quote_cmd taskset -c "$SERVER_CPU" redis-server --port PORT --bind 127.0.0.1 --save '' --appendonly no)   ($("$REDIS_BIN" --version | cut -d' ' -f3)), both at hz 10"
echo "# machine: $(nproc) cpus, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg), CLK_TCK $hz"
echo "# raw:     $out"

stop_server() {
	kill "${PID[$1]}" 2>/dev/null || true
	wait "${PID[$1]}" 2>/dev/null || true
	unset "PID[$1]"
}

now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

# info_field PORT FIELD... prints the fields' values from INFO stats and
# keyspace, in order (expires comes from the db0 line).
info_fields() {
	local port=$1
	shift
	timeout 10 redis-cli -p "$port" info stats keyspace | tr -d '\r' | awk -F: -v want="$*" '
		/^db0:/ { n = split($2, kv, ","); for (i = 1; i <= n; i++) { split(kv[i], p, "="); f[p[1]] = p[2] } }
		NF == 2 { f[$1] = $2 }
		END { n = split(want, w, " "); for (i = 1; i <= n; i++) printf "%s%s", (i > 1 ? " " : ""), (w[i] in f ? f[w[i]] : 0); print "" }'
}

# load_server NAME: start NAME afresh and load it; sets LOAD_END (ms),
# LOAD_S, FIRST_EXPIRY and LAST_EXPIRY (ms: when the first and the last
# TTL run out) and EXPIRED_AT_LOAD (keys already expired when the load
# ended).
load_server() {
	local name=$1 t0 res pass
	pass=$(now_ms)
	[ "$mode" = burst ] && gen_load $((pass + burst_ms))
	start_server "$name"
	t0=$(now_ms)
	res=$(taskset -c "$CLIENT_CPU" timeout "$run_timeout" redis-cli -p "${PORT[$name]}" --pipe <"$load" | tail -1)
	LOAD_END=$(now_ms)
	case $res in
	*"errors: 0, replies: $keys"*) ;;
	*) echo "load of $name failed: $res" >&2; exit 1 ;;
	esac
	LOAD_S=$(awk -v d=$((LOAD_END - t0)) 'BEGIN { printf "%.2f", d / 1000 }')
	read -r EXPIRED_AT_LOAD < <(info_fields "${PORT[$name]}" expired_keys)
	if [ "$mode" = spread ]; then
		FIRST_EXPIRY=$((t0 + ttl_min)) LAST_EXPIRY=$((LOAD_END + ttl_max))
	else
		FIRST_EXPIRY=$((pass + burst_ms)) LAST_EXPIRY=$((pass + burst_ms + burst_spread))
	fi
}

# start_reclaim: wait for the first TTL to run out, if it has not; sets
# RECLAIM_START (ms).
start_reclaim() {
	local d=$((FIRST_EXPIRY - $(now_ms)))
	[ "$d" -le 0 ] || sleep "$(awk -v d="$d" 'BEGIN { print d / 1000 }')"
	RECLAIM_START=$(now_ms)
}

# wait_reclaimed NAME: poll until expired_keys reaches half the keys; sets
# DONE (ms).
wait_reclaimed() {
	local port=${PORT[$1]} expired deadline
	deadline=$(($(now_ms) + run_timeout * 1000))
	while :; do
		read -r expired < <(info_fields "$port" expired_keys)
		[ "$expired" -ge "$half" ] && break
		[ "$(now_ms)" -lt "$deadline" ] || { echo "$1: $expired of $half keys expired after $run_timeout s" >&2; exit 1; }
		sleep "$(awk -v m="$poll_ms" 'BEGIN { print m / 1000 }')"
	done
	DONE=$(now_ms)
}

# probe NAME FILE STOP: GET chunks against NAME, CSV rows appended to FILE,
# until the file STOP exists.
probe() {
	while [ ! -e "$3" ]; do
		taskset -c "$CLIENT_CPU" timeout "$run_timeout" redis-benchmark -p "${PORT[$1]}" -c 1 -n "$chunk" -t get --csv |
			tr -d '"' | awk -F, '$1 == "GET"' >>"$2"
	done
}

# probe_stats FILE: mean rps, median p50, mean p99 and max latency (ms)
# over the chunks, and their count.
probe_stats() {
	awk -F, '{ n++; rps += $2; p50[n] = $5; p99 += $7; if ($8 > mx) mx = $8 }
	END {
		if (!n) { print "0 0 0 0 0"; exit }
		for (i = 2; i <= n; i++) { v = p50[i]; for (j = i - 1; j >= 1 && p50[j] > v; j--) p50[j+1] = p50[j]; p50[j+1] = v }
		m = (n % 2) ? p50[(n+1)/2] : (p50[n/2] + p50[n/2+1]) / 2
		printf "%.0f %.3f %.3f %.3f %d\n", rps / n, m, p99 / n, mx, n
	}' "$1"
}

echo "round,server,valid,load_s,expired_at_load,reclaim_s,lag_s,cpu_s,expire_cycle_ms,time_cap_count,probe_reclaim_s,reclaim_rps,reclaim_p50_ms,reclaim_p99_ms,reclaim_max_ms,reclaim_chunks,rest_rps,rest_p50_ms,rest_p99_ms,rest_max_ms,rest_chunks,lost_share,lost_requests" >"$out"

for r in $(seq "$rounds"); do
	for s in "${servers[@]}"; do
		# Quiet pass: time and CPU.
		load_server "$s"
		start_reclaim
		before=$(cpu_ticks "${PID[$s]}")
		wait_reclaimed "$s"
		after=$(cpu_ticks "${PID[$s]}")
		read -r cycle_ms cap < <(info_fields "${PORT[$s]}" expire_cycle_cpu_milliseconds expired_time_cap_reached_count)
		load_s=$LOAD_S
		reclaim_s=$(awk -v d=$((DONE - RECLAIM_START)) 'BEGIN { printf "%.2f", d / 1000 }')
		lag_s=$(awk -v d=$((DONE - LAST_EXPIRY)) 'BEGIN { printf "%.2f", d / 1000 }')
		at_load=$EXPIRED_AT_LOAD
		cpu_s=$(awk -v d=$((after - before)) -v hz="$hz" 'BEGIN { printf "%.2f", d / hz }')
		stop_server "$s"

		# Probe pass: what reclaim costs a client.
		load_server "$s"
		at_load_probe=$EXPIRED_AT_LOAD
		rec=$BENCH_TMP/probe-reclaim.csv rest=$BENCH_TMP/probe-rest.csv stop=$BENCH_TMP/probe.stop
		: >"$rec"; : >"$rest"; rm -f "$stop"
		start_reclaim
		probe "$s" "$rec" "$stop" &
		probe_pid=$!
		wait_reclaimed "$s"
		touch "$stop"
		wait "$probe_pid"
		probe_reclaim_s=$(awk -v d=$((DONE - RECLAIM_START)) 'BEGIN { printf "%.2f", d / 1000 }')
		read -r rrps rp50 rp99 rmax rn < <(probe_stats "$rec")
		# As many chunks at rest, the poller running as it did.
		rm -f "$stop"
		probe "$s" "$rest" "$stop" &
		probe_pid=$!
		while [ "$(wc -l <"$rest")" -lt "$rn" ]; do
			info_fields "${PORT[$s]}" expired_keys >/dev/null
			sleep "$(awk -v m="$poll_ms" 'BEGIN { print m / 1000 }')"
		done
		touch "$stop"
		wait "$probe_pid"
		read -r qrps qp50 qp99 qmax qn < <(probe_stats "$rest")
		stop_server "$s"
		# The client's loss: the share of its rest throughput it lost
		# during reclaim, and the requests that makes over the reclaim.
		read -r share lost < <(awk -v a="$rrps" -v b="$qrps" -v t="$probe_reclaim_s" \
			'BEGIN { if (b > 0) printf "%.2f %.0f\n", 1 - a / b, (b - a) * t; else print "0 0" }')

		# A burst that came before the load ended measures nothing.
		valid=1
		if [ "$mode" = burst ] && [ $((at_load + at_load_probe)) -gt 0 ]; then
			valid=0
			echo "# round $r $s: $at_load + $at_load_probe keys expired before the load ended: left out of the medians (raise BURST_MS)" >&2
		fi
		echo "$r,$s,$valid,$load_s,$at_load,$reclaim_s,$lag_s,$cpu_s,$cycle_ms,$cap,$probe_reclaim_s,$rrps,$rp50,$rp99,$rmax,$rn,$qrps,$qp50,$qp99,$qmax,$qn,$share,$lost" >>"$out"
		printf '# round %d %-6s load %5ss (%s expired)  reclaimed %5ss after load (lag %5ss)  cpu %5ss  cycle %5s ms  cap %4s  with probe reclaimed %5ss: GET %6s rps p50 %s p99 %s max %s  rest %6s rps p50 %s p99 %s max %s\n' \
			"$r" "$s" "$load_s" "$at_load" "$reclaim_s" "$lag_s" "$cpu_s" "$cycle_ms" "$cap" "$probe_reclaim_s" "$rrps" "$rp50" "$rp99" "$rmax" "$qrps" "$qp50" "$qp99" "$qmax" >&2
	done
done
ln -sf "$(basename "$out")" bench/results/expire-latest.csv

echo
awk -F, '
NR == 1 { for (i = 1; i <= NF; i++) col[i] = $i; ncol = NF; next }
$3 == 0 { next }
{
	s = $2
	if (!(s in seen)) { seen[s] = 1; srv[++nsrv] = s }
	n[s]++
	for (i = 4; i <= ncol; i++) v[s, i, n[s]] = $i + 0
}
function median(s, i,    a, k, j, x, m) {
	m = n[s]
	for (k = 1; k <= m; k++) a[k] = v[s, i, k]
	for (k = 2; k <= m; k++) { x = a[k]; for (j = k - 1; j >= 1 && a[j] > x; j--) a[j+1] = a[j]; a[j+1] = x }
	return (m % 2) ? a[(m+1)/2] : (a[m/2] + a[m/2+1]) / 2
}
END {
	for (i = 4; i <= ncol; i++) if (col[i] !~ /_chunks$/) show[i]
	printf "%-18s", "median of rounds"
	for (j = 1; j <= nsrv; j++) printf " %12s", srv[j] " (" n[srv[j]] ")"
	if (("kv" in seen) && ("redis" in seen)) printf " %12s", "kv/redis"
	print ""
	for (i = 4; i <= ncol; i++) {
		if (!(i in show)) continue
		printf "%-18s", col[i]
		for (j = 1; j <= nsrv; j++) printf " %12s", median(srv[j], i)
		if (("kv" in seen) && ("redis" in seen)) {
			r = median("redis", i)
			printf " %12s", r ? sprintf("%.2f", median("kv", i) / r) : "-"
		}
		print ""
	}
	print "\nexpired_at_load: keys expired when the load ended; reclaim_s: from the end of the load (or the burst,"
	print "if later) until expired_keys reached half the keys; lag_s: from when the last TTL ran out until then;"
	print "cpu_s: server utime+stime over reclaim_s; expire_cycle_ms and"
	print "time_cap_count: the server'"'"'s INFO expire_cycle_cpu_milliseconds and expired_time_cap_reached_count"
	print "since it started (the load included); probe_reclaim_s: reclaim_s in the probe pass, where the client'"'"'s"
	print "traffic makes the loop run beforeSleep, and so fast cycles, more often;"
	print "reclaim_*/rest_*: one GET client (-c 1) during reclaim and at rest: mean rps, median p50, mean p99"
	print "and max latency over its chunks; lost_share: 1 - reclaim_rps / rest_rps; lost_requests: (rest_rps -"
	print "reclaim_rps) * probe_reclaim_s, the GETs the client did not get done because of reclaim."
}' "$out"
echo "raw results: $out"
