#!/usr/bin/env bash
# kvmsg.sh measures message passing in examples/kv against a real
# redis-server 7.0, side by side in one run: PUBLISH fan-out to 1, 100
# and 1,000 subscribers, and a BLPOP/LPUSH ping-pong where every pop
# blocks and is woken by a push (bench/msgs drives both). For each case
# and server it prints the server CPU per delivered message (utime+stime
# from /proc/PID/stat around the run, divided by the messages delivered:
# the figure least disturbed by a noisy machine), the delivery rate, their
# medians over the rounds and the ratios to redis-server.
#
#	bash bench/kvmsg.sh                          # 3 rounds
#	ROUNDS=5 CASES="pub:100 blpop" bash bench/kvmsg.sh
#
# Servers are pinned to CPU 0 and the driver to CPU 1 (taskset), and the
# runs alternate between the servers within a round.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/servers.sh

rounds=${ROUNDS:-3}
servers=(${SERVERS:-kv redis})
cases=(${CASES:-pub:1 pub:100 pub:1000 blpop})
n_pub=${N_PUB:-500000}    # messages delivered per publish run (M*S)
n_blpop=${N_BLPOP:-20000} # ping-pong rounds (two wakes each)
run_timeout=${RUN_TIMEOUT:-300}

bench_build
MSGS_BIN=$BENCH_TMP/msgs
go build -o "$MSGS_BIN" ./bench/msgs
for s in "${servers[@]}"; do start_server "$s"; done

mkdir -p bench/results
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=bench/results/kvmsg-$stamp.csv
hz=$(getconf CLK_TCK)

echo "# date:    $(date -u '+%Y-%m-%dT%H:%M:%SZ')"
echo "# command: bash bench/kvmsg.sh   (ROUNDS=$rounds SERVERS='${servers[*]}' CASES='${cases[*]}' N_PUB=$n_pub N_BLPOP=$n_blpop)"
echo "# kv git $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- examples/kv internal || echo '+dirty'), $(go version | cut -d' ' -f3); redis $("$REDIS_BIN" --version | cut -d' ' -f3)"
echo "# machine: $(nproc) cpus, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg), CLK_TCK $hz"
echo "# raw:     $out"
echo "round,server,case,delivered,seconds,per_sec,cpu_ticks,cpu_us_per_msg" >"$out"

run_case() { # run_case SERVER CASE -> driver output line
	local s=$1 c=$2 subs n
	case $c in
	pub:*)
		subs=${c#pub:}
		n=$((n_pub / subs))
		taskset -c "$CLIENT_CPU" timeout "$run_timeout" "$MSGS_BIN" --addr "127.0.0.1:${PORT[$s]}" \
			--mode publish --subs "$subs" --n "$n" ;;
	blpop)
		taskset -c "$CLIENT_CPU" timeout "$run_timeout" "$MSGS_BIN" --addr "127.0.0.1:${PORT[$s]}" \
			--mode blpop --n "$n_blpop" ;;
	*) echo "unknown case $c" >&2; return 1 ;;
	esac
}

# Warm up each server once per case, unrecorded.
for s in "${servers[@]}"; do
	for c in "${cases[@]}"; do
		N_PUB=$((n_pub / 10)) n_pub=$((n_pub / 10)) n_blpop=$((n_blpop / 10)) run_case "$s" "$c" >/dev/null
	done
done

for r in $(seq "$rounds"); do
	for c in "${cases[@]}"; do
		for s in "${servers[@]}"; do
			pid=${PID[$s]}
			kill -0 "$pid" 2>/dev/null || { echo "$s (pid $pid) died" >&2; exit 1; }
			before=$(cpu_ticks "$pid")
			line=$(run_case "$s" "$c") || { echo "bench/msgs failed against $s ($c)" >&2; exit 1; }
			after=$(cpu_ticks "$pid")
			delivered=$(echo "$line" | sed 's/.*delivered=\([0-9]*\).*/\1/')
			secs=$(echo "$line" | sed 's/.*seconds=\([0-9.]*\).*/\1/')
			rate=$(echo "$line" | sed 's/.*per_sec=\([0-9]*\).*/\1/')
			ticks=$((after - before))
			cpu=$(awk -v d="$ticks" -v hz="$hz" -v n="$delivered" 'BEGIN { printf "%.4f", d * 1e6 / hz / n }')
			echo "$r,$s,$c,$delivered,$secs,$rate,$ticks,$cpu" >>"$out"
			printf '# round %d  %-6s %-9s %9s msgs/s  %8s us/msg\n' "$r" "$s" "$c" "$rate" "$cpu" >&2
		done
	done
done

echo
awk -F, '
NR == 1 { next }
{
	k = $3 SUBSEP $2
	nr[k]++; rate[k, nr[k]] = $6; cpu[k, nr[k]] = $8
	if (!($3 in seencase)) { seencase[$3] = 1; cs[++ncs] = $3 }
	if (!($2 in seensrv)) { seensrv[$2] = 1; srv[++nsrv] = $2 }
}
function median(arr, k, n,    a, i, j, v) {
	for (i = 1; i <= n; i++) a[i] = arr[k, i] + 0
	for (i = 2; i <= n; i++) { v = a[i]; for (j = i - 1; j >= 1 && a[j] > v; j--) a[j+1] = a[j]; a[j+1] = v }
	return (n % 2) ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
}
END {
	printf "%-9s %-6s %4s %12s %7s %10s %7s\n", "case", "server", "runs", "msgs/s (med)", "x redis", "us/msg", "x redis"
	for (i = 1; i <= ncs; i++) {
		rk = cs[i] SUBSEP "redis"
		rr = nr[rk] ? median(rate, rk, nr[rk]) : 0
		rc = nr[rk] ? median(cpu, rk, nr[rk]) : 0
		for (j = 1; j <= nsrv; j++) {
			k = cs[i] SUBSEP srv[j]
			if (!nr[k]) continue
			m = median(rate, k, nr[k]); mc = median(cpu, k, nr[k])
			printf "%-9s %-6s %4d %12.0f %7s %10.4f %7s\n", cs[i], srv[j], nr[k], m, \
				rr ? sprintf("%.2f", m / rr) : "-", mc, rc ? sprintf("%.2f", mc / rc) : "-"
		}
	}
	print "\npub:S: one publisher, S subscribers, messages counted as delivered (PUBLISHes x S);"
	print "blpop: wakes of a two-client BLPOP/LPUSH ping-pong. us/msg: server CPU per message; x redis:"
	print "ratio of medians to redis-server (rate: higher is better; CPU: lower is better)."
}' "$out"
echo "raw results: $out"
