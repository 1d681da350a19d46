#!/usr/bin/env bash
# proxy.sh runs redis-benchmark through examples/proxy and through a real
# nutcracker 0.5.0, both in front of the same redis-server, in one run, and
# prints for each test and pipeline depth: throughput (median of the
# rounds, min-max, ratio to nutcracker) and proxy CPU per request
# (utime+stime from /proc/PID/stat before and after the run, divided by the
# requests: the figure least disturbed by a noisy machine), as medians and
# ratios.
#
#	bash bench/proxy.sh                      # 5 rounds
#	ROUNDS=3 N=200000 bash bench/proxy.sh
#	TESTS="get" CONFIGS="50:16" bash bench/proxy.sh
#	PROXY_BIN=/tmp/proxy.new bash bench/proxy.sh    # a binary built elsewhere
#	BASE_BIN=/tmp/proxy.old bash bench/proxy.sh     # A/B: an older build runs as "base" too
#	OURS_THREADS=2 bash bench/proxy.sh              # ours with --threads 2 on CPUs 0-1
#
# As bench/kv.sh pins: the proxy under test is pinned to CPU 0 (one loop,
# as nutcracker), redis-benchmark to CPU 1, and the redis-server behind
# both proxies to CPU 1 too (it is not what is measured). The runs
# alternate between the proxies (nutcracker ours nutcracker ours ...) so
# that a slow patch of the machine hits both. N is the request count of
# the -P 1 rows; deeper pipelines use NP (default 5*N). With OURS_THREADS=N
# (N > 1) ours runs --threads N on every CPU (taskset -c 0-<last>), beside
# nutcracker on CPU 0 alone: the issue's "--threads 2 on two cores" row;
# redis-benchmark and the redis-server stay on CPU 1, so on a two-CPU
# machine ours shares CPU 1 with them. Each run is under
# `timeout`. Raw results (one CSV row per run) go to
# bench/results/proxy-<time>.csv.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/servers.sh

rounds=${ROUNDS:-5}
n1=${N:-200000}
np=${NP:-$((5 * n1))}
tests=(${TESTS:-get set})
configs=(${CONFIGS:-50:1 50:16}) # clients:pipeline
keyspace=${KEYSPACE:-100000}
run_timeout=${RUN_TIMEOUT:-120}

need nutcracker nutcracker
need redis-server redis-server
need redis-benchmark redis-tools
need redis-cli redis-tools
need taskset util-linux
REDIS_BIN=$(command -v redis-server)
NC_BIN=$(command -v nutcracker)
if [ -n "${PROXY_BIN:-}" ]; then
	built="$PROXY_BIN (given)"
else
	PROXY_BIN=$BENCH_TMP/proxy
	go build -o "$PROXY_BIN" ./examples/proxy
	built="go build ./examples/proxy, $(go version | cut -d' ' -f3), git $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- examples/proxy internal connection ae anet || echo '+dirty')"
fi
hz=$(getconf CLK_TCK)

# wait_ping PORT PID: until PORT answers PING (through a proxy: the
# backend's PONG is the proxy's own), or PID is gone.
wait_ping() {
	local i
	for i in $(seq 100); do
		kill -0 "$2" 2>/dev/null || return 1
		[ "$(timeout 2 redis-cli -p "$1" ping 2>/dev/null)" = PONG ] && return 0
		sleep 0.1
	done
	return 1
}

start_redis() {
	local try port
	for try in 1 2 3; do
		port=$(free_port)
		taskset -c "$CLIENT_CPU" "$REDIS_BIN" --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
			--daemonize no --loglevel warning >"$BENCH_TMP/redis.log" 2>&1 &
		PID[redis]=$! PORT[redis]=$port
		wait_ping "$port" "${PID[redis]}" && return
		kill "${PID[redis]}" 2>/dev/null || true
	done
	echo "redis-server did not start:" >&2
	cat "$BENCH_TMP/redis.log" >&2
	exit 1
}

ours_threads=${OURS_THREADS:-1}
ours_cpus=$SERVER_CPU
ours_args=()
if [ "$ours_threads" -gt 1 ]; then
	ours_cpus=0-$(($(nproc) - 1))
	ours_args=(--threads "$ours_threads")
fi

# start_proxy NAME BIN [ARGS...]: one pool in front of the redis-server.
start_proxy() {
	local name=$1 bin=$2 try port sport cpus=$SERVER_CPU
	shift 2
	[ "$name" = ours ] && cpus=$ours_cpus
	for try in 1 2 3; do
		port=$(free_port) sport=$(free_port)
		cat >"$BENCH_TMP/$name.yml" <<-EOF
			alpha:
			  listen: 127.0.0.1:$port
			  redis: true
			  hash: fnv1a_64
			  distribution: ketama
			  servers:
			   - 127.0.0.1:${PORT[redis]}:1
		EOF
		taskset -c "$cpus" "$bin" -c "$BENCH_TMP/$name.yml" -s "$sport" -a 127.0.0.1 \
			-o "$BENCH_TMP/$name.log" "$@" >"$BENCH_TMP/$name.out" 2>&1 &
		PID[$name]=$! PORT[$name]=$port
		wait_ping "$port" "${PID[$name]}" && return
		kill "${PID[$name]}" 2>/dev/null || true
	done
	echo "$name did not start:" >&2
	cat "$BENCH_TMP/$name.log" "$BENCH_TMP/$name.out" >&2
	exit 1
}

start_redis
start_proxy nutcracker "$NC_BIN"
start_proxy ours "$PROXY_BIN" "${ours_args[@]}"
proxies=(nutcracker ours)
if [ -n "${BASE_BIN:-}" ]; then
	start_proxy base "$BASE_BIN"
	proxies+=(base)
fi

mkdir -p bench/results
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=bench/results/proxy-$stamp.csv

echo "# date:       $(date -u '+%Y-%m-%dT%H:%M:%SZ')"
echo "# command:    bash bench/proxy.sh   (ROUNDS=$rounds N=$n1 NP=$np TESTS='${tests[*]}' CONFIGS='${configs[*]}')"
echo "# each run:   $(quote_cmd taskset -c "$CLIENT_CPU" timeout "$run_timeout" redis-benchmark -p PORT -t TEST -c C -P P -n N -r "$keyspace" --csv)"
echo "# nutcracker: $(quote_cmd taskset -c "$SERVER_CPU" nutcracker -c nutcracker.yml)   ($("$NC_BIN" -V 2>&1 | head -1))"
echo "# ours:       $(quote_cmd taskset -c "$ours_cpus" proxy -c nutcracker.yml "${ours_args[@]}")   ($built)"
[ -n "${BASE_BIN:-}" ] && echo "# base:       $(quote_cmd taskset -c "$SERVER_CPU" "$BASE_BIN" -c nutcracker.yml)"
echo "# backend:    $(quote_cmd taskset -c "$CLIENT_CPU" redis-server --port "${PORT[redis]}" --save '' --appendonly no)   ($("$REDIS_BIN" --version | cut -d' ' -f3))"
echo "# machine:    $(nproc) cpus, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg), CLK_TCK $hz"
echo "# raw:        $out"

echo "round,proxy,test,clients,pipeline,requests,rps,p50_ms,p99_ms,cpu_ticks,cpu_us_per_req" >"$out"

# Warm up both proxies (buffers, page faults), unrecorded.
for s in "${proxies[@]}"; do
	taskset -c "$CLIENT_CPU" timeout "$run_timeout" redis-benchmark -p "${PORT[$s]}" -t set,get \
		-c 50 -P 16 -n 200000 -r "$keyspace" -q >/dev/null 2>&1
done

for r in $(seq "$rounds"); do
	for cfg in "${configs[@]}"; do
		c=${cfg%:*} p=${cfg#*:}
		n=$n1
		[ "$p" -gt 1 ] && n=$np
		for t in "${tests[@]}"; do
			for s in "${proxies[@]}"; do
				pid=${PID[$s]}
				kill -0 "$pid" 2>/dev/null || { echo "$s (pid $pid) died" >&2; exit 1; }
				before=$(cpu_ticks "$pid")
				csv=$(taskset -c "$CLIENT_CPU" timeout "$run_timeout" redis-benchmark -p "${PORT[$s]}" \
					-t "$t" -c "$c" -P "$p" -n "$n" -r "$keyspace" --csv 2>"$BENCH_TMP/rb.err") || {
					echo "redis-benchmark failed or timed out against $s ($t -c $c -P $p):" >&2
					cat "$BENCH_TMP/rb.err" >&2
					exit 1
				}
				after=$(cpu_ticks "$pid")
				line=$(echo "$csv" | tr -d '"' | awk -F, -v t="${t^^}" '$1 == t')
				bench_record "$out" "$r" "$s" "${t^^}" "$c" "$p" "$n" "$line" $((after - before))
			done
		done
	done
done
ln -sf "$(basename "$out")" bench/results/proxy-latest.csv

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
	printf "%-4s %-13s %-10s %4s %10s %21s %6s %7s %7s %8s %13s %6s\n", \
		"test", "config", "proxy", "runs", "rps (med)", "rps min-max", "x nc", "p50 ms", "p99 ms", "us/req", "us/req min-max", "x nc"
	for (i = 1; i <= nrows; i++) {
		split(rows[i], f, SUBSEP)
		cfg = sprintf("-c %s -P %s", f[2], f[3])
		rk = rows[i] SUBSEP "nutcracker"
		rr = nr[rk] ? median(rps, rk, nr[rk]) : 0
		rc = nr[rk] ? median(cpu, rk, nr[rk]) : 0
		for (j = 1; j <= nsrv; j++) {
			k = rows[i] SUBSEP srv[j]
			n = nr[k]
			if (!n) continue
			m = median(rps, k, n); mc = median(cpu, k, n)
			printf "%-4s %-13s %-10s %4d %10.0f %10.0f-%-10.0f %6s %7.3f %7.3f %8.2f %6.2f-%-6.2f %6s\n", \
				f[1], cfg, srv[j], n, m, lo(rps, k, n), hi(rps, k, n), rr ? sprintf("%.2f", m / rr) : "-", \
				median(p50, k, n), median(p99, k, n), mc, lo(cpu, k, n), hi(cpu, k, n), rc ? sprintf("%.2f", mc / rc) : "-"
		}
	}
	print "\nrps: requests per second as redis-benchmark reports; us/req: proxy CPU (utime+stime) per request;"
	print "x nc: ratio of medians to nutcracker (throughput: higher is better; CPU: lower is better)."
	print "targets (issue 13): CPU per request at most 0.70 x nutcracker, throughput at least 1.00 x."
}' "$out"
echo "raw results: $out"
