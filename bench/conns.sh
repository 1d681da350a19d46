#!/usr/bin/env bash
# conns.sh measures the memory each idle client costs examples/kv, a real
# redis-server 7.0 and bench/netresp: it opens CONNS (default 10,000)
# connections that each send one PING and then stay idle, waits SETTLE
# seconds (default 13: kv and Redis give back idle query buffers in their
# clients cron), and reads the server's VmRSS from /proc/PID/status before
# the connections and after the settle time.
#
#	bash bench/conns.sh
#	CONNS=5000 SETTLE=20 SERVERS="kv redis" bash bench/conns.sh
#
# Servers run pinned to CPU 0, the client (bench/conns) to CPU 1. The
# servers' maxclients is raised to CONNS+100, and the client raises its own
# fd limit to the hard limit; this shell raises both to CONNS+1000 first.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/servers.sh

conns=${CONNS:-10000}
settle=${SETTLE:-13}
servers=(${SERVERS:-redis kv netresp}) # redis first, for the ratios
if [ "$(ulimit -n)" -lt $((conns + 1000)) ]; then
	# Raise the soft limit (and the hard one, as root) for the servers
	# and the client, which inherit it.
	ulimit -n $((conns + 1000)) 2>/dev/null || ulimit -Hn $((conns + 1000)) 2>/dev/null && ulimit -n $((conns + 1000)) 2>/dev/null || true
fi
if [ "$(ulimit -n)" -lt $((conns + 200)) ]; then
	echo "ulimit -n is $(ulimit -n): too low for $conns connections (run as root or raise the hard limit)" >&2
	exit 1
fi

bench_build
go build -o "$BENCH_TMP/conns" ./bench/conns
mkdir -p bench/results
out=bench/results/conns-$(date -u +%Y%m%dT%H%M%SZ).csv
echo "server,conns,settle_s,rss_before_kb,rss_after_kb,bytes_per_conn" >"$out"

echo "# date:    $(date -u '+%Y-%m-%dT%H:%M:%SZ')"
echo "# command: bash bench/conns.sh   (CONNS=$conns SETTLE=$settle SERVERS='${servers[*]}', ulimit -n $(ulimit -n))"
echo "# client:  $(quote_cmd taskset -c "$CLIENT_CPU" conns --addr 127.0.0.1:PORT --n "$conns")   (go build ./bench/conns; one PING each, then idle)"
echo "# servers: taskset -c $SERVER_CPU; kv --maxclients $((conns + 100)); redis-server --save '' --appendonly no --maxclients $((conns + 100)); netresp"
echo "# machine: $(nproc) cpus, $(uname -r), $(go version | cut -d' ' -f3), $("$REDIS_BIN" --version | cut -d' ' -f1,3)"
printf '\n%-8s %8s %10s %14s %14s %16s %10s\n' server conns settle "RSS before kB" "RSS after kB" "bytes per conn" "x redis"

declare -A per
for s in "${servers[@]}"; do
	case $s in
	kv | redis) start_server "$s" --maxclients $((conns + 100)) ;;
	*) start_server "$s" ;;
	esac
	pid=${PID[$s]}
	sleep 1
	before=$(rss_kb "$pid")
	fifo=$BENCH_TMP/hold-$s
	mkfifo "$fifo"
	exec 8<>"$fifo" # held open: the client exits when it is closed
	taskset -c "$CLIENT_CPU" timeout $((settle + 180)) "$BENCH_TMP/conns" --addr "127.0.0.1:${PORT[$s]}" --n "$conns" \
		<"$fifo" >"$BENCH_TMP/conns-$s.out" 8>&- &
	cpid=$!
	for i in $(seq 1200); do
		grep -q '^ready' "$BENCH_TMP/conns-$s.out" 2>/dev/null && break
		kill -0 "$cpid" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -q '^ready' "$BENCH_TMP/conns-$s.out"; then
		echo "client did not get $conns connections to $s up" >&2
		exit 1
	fi
	sleep "$settle"
	after=$(rss_kb "$pid")
	exec 8>&- # the client closes its connections and exits
	wait "$cpid" || true
	rm -f "$fifo"
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	unset "PID[$s]"
	per[$s]=$(((after - before) * 1024 / conns))
	echo "$s,$conns,$settle,$before,$after,${per[$s]}" >>"$out"
	printf '%-8s %8d %9ss %14d %14d %16d %10s\n' "$s" "$conns" "$settle" "$before" "$after" "${per[$s]}" \
		"$([ -n "${per[redis]:-}" ] && awk -v a="${per[$s]}" -v b="${per[redis]}" 'BEGIN { printf "%.2f", a / b }' || echo -)"
done
echo
echo "bytes per conn: (VmRSS after - VmRSS before) / conns, server side only; x redis needs redis measured before."
echo "raw results: $out"
