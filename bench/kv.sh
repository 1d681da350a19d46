#!/usr/bin/env bash
# kv.sh runs redis-benchmark against examples/kv, a real redis-server 7.0
# and bench/netresp (goroutine per connection on net), side by side on this
# machine, and prints for each test and configuration: throughput (median,
# min-max, ratio to redis-server), p50/p99 latency (medians), and server CPU
# per request (utime+stime from /proc/PID/stat before and after the run,
# divided by the requests: the figure least disturbed by a noisy machine).
#
#	bash bench/kv.sh                       # 3 rounds
#	ROUNDS=5 N=500000 bash bench/kv.sh
#	SERVERS="kv redis" TESTS="get" CONFIGS="50:16" bash bench/kv.sh
#	TESTS="" OPS="sinter zunionstore" bash bench/kv.sh   # only the type rows
#
# Each server is pinned to CPU 0 and redis-benchmark to CPU 1 with taskset;
# the runs alternate between the servers (kv redis netresp kv redis netresp
# ...) so that a slow patch of the machine hits all three. N is the request
# count of the -P 1 rows; the -P 16 rows use NP (default 10*N). Raw results
# (one CSV row per run) go to bench/results/kv-<time>.csv, and
# bench/results/kv-latest.csv points at the last; bench/chart draws them
# into bench/results/kv.svg.
#
# OPS (default: sinter zunionstore setbit bitcount) adds rows of commands
# redis-benchmark has no -t for, given to it as a command line (issue 15):
# SINTER and ZUNIONSTORE of two 10,000-member sets that share half their
# members (loaded into each server first with redis-cli --pipe), SETBIT in
# a 1 MiB bitmap (a fixed offset: redis-benchmark's __rand_int__ is
# zero-padded, which Redis refuses as an offset), BITCOUNT of that bitmap
# (the whole MiB); -c 50 -P 1,
# NOPS requests for the set rows (default 5000), 20x that for the bit
# rows. netresp has no such commands and is left out of these rows.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/servers.sh

rounds=${ROUNDS:-3}
n1=${N:-300000}
np=${NP:-$((10 * n1))}
servers=(${SERVERS:-kv redis netresp})
tests=(${TESTS-set get incr})
ops=(${OPS-sinter zunionstore setbit bitcount})
nops=${NOPS:-5000}
configs=(${CONFIGS:-50:1 50:16 1000:1}) # clients:pipeline
keyspace=${KEYSPACE:-100000}
run_timeout=${RUN_TIMEOUT:-120}

bench_build
for s in "${servers[@]}"; do start_server "$s"; done

mkdir -p bench/results
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=bench/results/kv-$stamp.csv
hz=$(getconf CLK_TCK)

echo "# date:    $(date -u '+%Y-%m-%dT%H:%M:%SZ')"
echo "# command: bash bench/kv.sh   (ROUNDS=$rounds N=$n1 NP=$np SERVERS='${servers[*]}' TESTS='${tests[*]}' CONFIGS='${configs[*]}' OPS='${ops[*]}' NOPS=$nops)"
echo "# each run: $(quote_cmd taskset -c "$CLIENT_CPU" timeout "$run_timeout" redis-benchmark -p PORT -t TEST -c C -P P -n N -r "$keyspace" --csv)"
for s in "${servers[@]}"; do
	case $s in
	kv) echo "# kv:      $(quote_cmd taskset -c "$SERVER_CPU" kv --port "${PORT[$s]}" --loglevel warning)   (go build ./examples/kv, $(go version | cut -d' ' -f3), git $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- examples/kv internal || echo '+dirty'))" ;;
	redis) echo "# redis:   $(quote_cmd taskset -c "$SERVER_CPU" redis-server --port "${PORT[$s]}" --bind 127.0.0.1 --save '' --appendonly no)   ($("$REDIS_BIN" --version | cut -d' ' -f3))" ;;
	netresp) echo "# netresp: $(quote_cmd taskset -c "$SERVER_CPU" netresp --port "${PORT[$s]}")   (go build ./bench/netresp)" ;;
	esac
done
echo "# machine: $(nproc) cpus, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg), CLK_TCK $hz"
echo "# raw:     $out"

echo "round,server,test,clients,pipeline,requests,rps,p50_ms,p99_ms,cpu_ticks,cpu_us_per_req" >"$out"

# Warm up every server (first map growth, page faults), unrecorded.
for s in "${servers[@]}"; do
	taskset -c "$CLIENT_CPU" timeout "$run_timeout" redis-benchmark -p "${PORT[$s]}" -t set,get,incr \
		-c 50 -P 16 -n 200000 -r "$keyspace" -q >/dev/null
done

for r in $(seq "$rounds"); do
	for cfg in "${configs[@]}"; do
		c=${cfg%:*} p=${cfg#*:}
		n=$n1
		[ "$p" -gt 1 ] && n=$np
		for t in "${tests[@]}"; do
			for s in "${servers[@]}"; do
				pid=${PID[$s]}
				kill -0 "$pid" 2>/dev/null || { echo "$s (pid $pid) died" >&2; exit 1; }
				before=$(cpu_ticks "$pid")
				csv=$(taskset -c "$CLIENT_CPU" timeout "$run_timeout" redis-benchmark -p "${PORT[$s]}" \
					-t "$t" -c "$c" -P "$p" -n "$n" -r "$keyspace" --csv) || {
					echo "redis-benchmark failed or timed out against $s ($t -c $c -P $p)" >&2
					exit 1
				}
				after=$(cpu_ticks "$pid")
				# "SET","97560.98","0.335","0.032","0.311","0.583","0.799","6.023"
				line=$(echo "$csv" | tr -d '"' | awk -F, -v t="${t^^}" '$1 == t')
				bench_record "$out" "$r" "$s" "${t^^}" "$c" "$p" "$n" "$line" $((after - before))
			done
		done
	done
done

# op_cmd OP: the command line redis-benchmark sends for an OPS row.
op_cmd() {
	case $1 in
	sinter) echo "SINTER bench:s1 bench:s2" ;;
	zunionstore) echo "ZUNIONSTORE bench:zdst 2 bench:z1 bench:z2" ;;
	setbit) echo "SETBIT bench:bits 4242424 1" ;;
	bitcount) echo "BITCOUNT bench:bits" ;;
	*) echo "unknown OPS entry $1" >&2; exit 1 ;;
	esac
}

# load_sets PORT: the two sets and two sorted sets the OPS rows read, as
# RESP for redis-cli --pipe (members 0-9999 and 5000-14999).
load_sets() {
	awk 'function cmd(a, n,   i, s) { s = "*" n "\r\n"; for (i = 1; i <= n; i++) s = s "$" length(a[i]) "\r\n" a[i] "\r\n"; printf "%s", s }
	BEGIN {
		split("DEL bench:s1 bench:s2 bench:z1 bench:z2 bench:zdst bench:bits", d, " "); cmd(d, 6)
		split("SETBIT bench:bits 8388607 1", d, " "); cmd(d, 4)
		for (k = 0; k < 2; k++) for (b = 0; b < 10; b++) {
			n = 0; a[++n] = "SADD"; a[++n] = "bench:s" (k + 1)
			for (i = 0; i < 1000; i++) a[++n] = "m" (k * 5000 + b * 1000 + i)
			cmd(a, n); delete a
			n = 0; a[++n] = "ZADD"; a[++n] = "bench:z" (k + 1)
			for (i = 0; i < 1000; i++) { a[++n] = b * 1000 + i; a[++n] = "m" (k * 5000 + b * 1000 + i) }
			cmd(a, n); delete a
		}
	}' | timeout 60 redis-cli -p "$1" --pipe >/dev/null
}

if [ "${#ops[@]}" -gt 0 ]; then
	for s in "${servers[@]}"; do
		[ "$s" = netresp ] || load_sets "${PORT[$s]}"
	done
	for r in $(seq "$rounds"); do
		for op in "${ops[@]}"; do
			read -ra argv <<<"$(op_cmd "$op")"
			n=$nops
			case $op in setbit | bitcount) n=$((20 * nops)) ;; esac
			for s in "${servers[@]}"; do
				[ "$s" = netresp ] && continue
				pid=${PID[$s]}
				kill -0 "$pid" 2>/dev/null || { echo "$s (pid $pid) died" >&2; exit 1; }
				before=$(cpu_ticks "$pid")
				csv=$(taskset -c "$CLIENT_CPU" timeout "$run_timeout" redis-benchmark -p "${PORT[$s]}" \
					-c 50 -P 1 -n "$n" -r "$keyspace" --csv "${argv[@]}") || {
					echo "redis-benchmark failed or timed out against $s (${argv[*]})" >&2
					exit 1
				}
				after=$(cpu_ticks "$pid")
				line=$(echo "$csv" | tr -d '"' | awk -F, 'NR > 1 && NF >= 7 { print; exit }')
				bench_record "$out" "$r" "$s" "${op^^}" 50 1 "$n" "$line" $((after - before))
			done
		done
	done
fi
ln -sf "$(basename "$out")" bench/results/kv-latest.csv

echo
awk -F, '
NR == 1 { next }
{
	k = $3 SUBSEP $4 SUBSEP $5 SUBSEP $2
	nr[k]++
	rps[k, nr[k]] = $7; p50[k, nr[k]] = $8; p99[k, nr[k]] = $9; cpu[k, nr[k]] = $11
	row = $3 SUBSEP $4 SUBSEP $5
	if (!(row in seenrow)) { seenrow[row] = 1; rows[++nrows] = row }
	if (!($2 in seensrv)) { seensrv[$2] = 1; srv[++nsrv] = $2 }
}
function sorted(arr, k, n, a,    i, j, v) {
	for (i = 1; i <= n; i++) a[i] = arr[k, i] + 0
	for (i = 2; i <= n; i++) { v = a[i]; for (j = i - 1; j >= 1 && a[j] > v; j--) a[j+1] = a[j]; a[j+1] = v }
}
function median(arr, k, n,    a) {
	sorted(arr, k, n, a)
	return (n % 2) ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
}
function lo(arr, k, n,    a) { sorted(arr, k, n, a); return a[1] }
function hi(arr, k, n,    a) { sorted(arr, k, n, a); return a[n] }
END {
	printf "%-11s %-15s %-8s %4s %10s %21s %7s %7s %7s %9s %13s %7s\n", \
		"test", "config", "server", "runs", "rps (med)", "rps min-max", "x redis", "p50 ms", "p99 ms", "us/req", "us/req min-max", "x redis"
	for (i = 1; i <= nrows; i++) {
		split(rows[i], f, SUBSEP)
		cfg = sprintf("-c %s -P %s", f[2], f[3])
		rk = rows[i] SUBSEP "redis"
		rr = ("redis" in seensrv && nr[rk]) ? median(rps, rk, nr[rk]) : 0
		rc = ("redis" in seensrv && nr[rk]) ? median(cpu, rk, nr[rk]) : 0
		for (j = 1; j <= nsrv; j++) {
			k = rows[i] SUBSEP srv[j]
			n = nr[k]
			if (!n) continue
			m = median(rps, k, n); mc = median(cpu, k, n)
			printf "%-11s %-15s %-8s %4d %10.0f %10.0f-%-10.0f %7s %7.3f %7.3f %9.2f %6.2f-%-6.2f %7s\n", \
				f[1], cfg, srv[j], n, m, lo(rps, k, n), hi(rps, k, n), rr ? sprintf("%.2f", m / rr) : "-", \
				median(p50, k, n), median(p99, k, n), mc, lo(cpu, k, n), hi(cpu, k, n), rc ? sprintf("%.2f", mc / rc) : "-"
		}
	}
	print "\nrps: requests per second as redis-benchmark reports; us/req: server CPU (utime+stime) per request;"
	print "x redis: ratio of medians to redis-server (throughput: higher is better; CPU: lower is better)."
}' "$out"
echo "raw results: $out"
go run ./bench/chart -in "$out" -out bench/results/kv.svg || echo "bench/chart failed: no chart" >&2
