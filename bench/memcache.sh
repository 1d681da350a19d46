#!/usr/bin/env bash
# memcache.sh runs memcaslap against examples/memcache and a real memcached
# 1.6 side by side on this machine and prints, for each mix, value size and
# thread count: throughput (median of the rounds, ratio to memcached) and
# server CPU per operation (utime+stime from /proc/PID/stat before and after
# the run, divided by the operations memcaslap reports: the figure least
# disturbed by a noisy machine), as medians and ratios.
#
#	bash bench/memcache.sh                          # 3 rounds, every row
#	ROUNDS=5 SECS=10 bash bench/memcache.sh
#	MIXES="90:10" SIZES="32" THREADS="1" bash bench/memcache.sh
#	MODE=conns bash bench/memcache.sh               # bytes per idle connection
#	MODE=pair bash bench/memcache.sh                # both servers at once (below)
#	MEMCACHE_BIN=/tmp/memcache.old bash bench/memcache.sh   # a binary built elsewhere (A/B)
#
# With -t 1 the server is pinned to CPU 0 and memcaslap (one thread) to
# CPU 1. With -t 2 the server may use both CPUs and so may memcaslap (two
# threads): that row is the "two worker loops over two cores" case, where
# throughput is the figure and CPU per operation includes the contention.
# The runs alternate between the servers (memcache memcached memcache
# memcached ...) so that a slow patch of the machine hits both. Raw results
# go to bench/results/memcache-<time>.csv, with each run's loopback
# retransmissions and receive-queue drops (nstat; a loaded machine, short
# of socket memory, drops and then stalls for an RTO, and the run's
# figures mean little): the summary counts such runs, and gives each
# server's spread (lowest and highest CPU per operation of its rounds).
#
# MODE=pair runs the two servers at the same time instead, each with its
# own memcaslap, on the same CPUs (both servers where one would be, both
# clients where one would be): whatever else the machine runs then slows
# both alike, and the ratio of one round is taken over the same seconds.
# Two builds of ours side by side agree within 1% that way, where
# alternating runs of one build spread by 20% and more on this shared
# machine. Each server has about half the CPU it has alone, so the
# absolute figures are not those of the alternating runs.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/servers.sh

mode=${MODE:-ops}
rounds=${ROUNDS:-3}
secs=${SECS:-5}
mixes=(${MIXES:-90:10 50:50}) # get:set percent
sizes=(${SIZES:-32 1024})     # value bytes
threads=(${THREADS:-1 2})
conc=${CONCURRENCY:-64}
conns=${CONNS:-10000}
settle=${SETTLE:-3}

need memcached memcached
need memcaslap libmemcached-tools
need taskset util-linux
MEMCACHED_BIN=$(command -v memcached)
if [ -n "${MEMCACHE_BIN:-}" ]; then
	built="$MEMCACHE_BIN (given)"
else
	MEMCACHE_BIN=$BENCH_TMP/memcache
	go build -o "$MEMCACHE_BIN" ./examples/memcache
	built="go build ./examples/memcache, $(go version | cut -d' ' -f3), git $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- examples/memcache internal || echo '+dirty')"
fi
hz=$(getconf CLK_TCK)

# mc_start NAME THREADS CPUS: NAME is memcache (ours) or memcached.
mc_start() {
	local name=$1 t=$2 cpus=$3 try port i
	for try in 1 2 3; do
		port=$(free_port)
		case $name in
		memcache) taskset -c "$cpus" "$MEMCACHE_BIN" -p "$port" -l 127.0.0.1 -t "$t" -m 1024 -c $((conns + 100)) \
			>"$BENCH_TMP/$name.log" 2>&1 & ;;
		memcached) taskset -c "$cpus" "$MEMCACHED_BIN" -u nobody -p "$port" -l 127.0.0.1 -U 0 -t "$t" -m 1024 \
			-c $((conns + 100)) >"$BENCH_TMP/$name.log" 2>&1 & ;;
		esac
		PID[$name]=$!
		PORT[$name]=$port
		for i in $(seq 100); do
			kill -0 "${PID[$name]}" 2>/dev/null || break
			if { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; then
				printf 'version\r\n' >&3
				if timeout 2 head -c 8 <&3 | grep -q VERSION; then
					exec 3>&-
					return
				fi
				exec 3>&-
			fi
			sleep 0.1
		done
		kill "${PID[$name]}" 2>/dev/null || true
		wait "${PID[$name]}" 2>/dev/null || true
		unset "PID[$name]"
	done
	echo "$name did not start:" >&2
	cat "$BENCH_TMP/$name.log" >&2
	exit 1
}

mc_stop() {
	kill "${PID[$1]}" 2>/dev/null || true
	wait "${PID[$1]}" 2>/dev/null || true
	unset "PID[$1]"
}

# drops prints the host's TCP retransmitted segments plus receive-queue
# drops so far (0 when nstat is missing).
drops() { nstat -az TcpRetransSegs TcpExtTCPRcvQDrop 2>/dev/null | awk '$1 ~ /^Tcp/ { s += $2 } END { print s + 0 }'; }

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.6g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

mkdir -p bench/results
stamp=$(date -u +%Y%m%dT%H%M%SZ)
echo "# date:    $(date -u '+%Y-%m-%dT%H:%M:%SZ')"
echo "# memcache: $built"
echo "# memcached: $("$MEMCACHED_BIN" -V)"
echo "# machine: $(nproc) cpus, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg), CLK_TCK $hz"

if [ "$mode" = conns ]; then
	# Bytes per idle connection: CONNS clients that each sent "version",
	# VmRSS before and after SETTLE seconds, as bench/conns.sh does.
	go build -o "$BENCH_TMP/conns" ./bench/conns
	ulimit -n $((conns + 1000)) 2>/dev/null || true
	out=bench/results/memcache-conns-$stamp.csv
	echo "server,conns,rss_before_kb,rss_after_kb,bytes_per_conn" >"$out"
	echo "# command: MODE=conns bash bench/memcache.sh   (CONNS=$conns SETTLE=$settle; servers -t 4 on CPU 0, client on CPU 1)"
	printf '\n%-10s %8s %14s %14s %16s\n' server conns "RSS before kB" "RSS after kB" "bytes per conn"
	for s in memcached memcache; do
		mc_start "$s" 4 "$SERVER_CPU"
		before=$(rss_kb "${PID[$s]}")
		fifo=$BENCH_TMP/hold-$s
		mkfifo "$fifo"
		exec 8<>"$fifo"
		taskset -c "$CLIENT_CPU" timeout 300 "$BENCH_TMP/conns" --proto memcache --addr "127.0.0.1:${PORT[$s]}" \
			--n "$conns" <"$fifo" >"$BENCH_TMP/conns-$s.out" 8>&- &
		cpid=$!
		for i in $(seq 1200); do
			grep -q '^ready' "$BENCH_TMP/conns-$s.out" 2>/dev/null && break
			kill -0 "$cpid" 2>/dev/null || break
			sleep 0.1
		done
		grep -q '^ready' "$BENCH_TMP/conns-$s.out" || { echo "client did not get $conns connections to $s up" >&2; exit 1; }
		sleep "$settle"
		after=$(rss_kb "${PID[$s]}")
		exec 8>&-
		wait "$cpid" || true
		rm -f "$fifo"
		mc_stop "$s"
		per=$(((after - before) * 1024 / conns))
		echo "$s,$conns,$before,$after,$per" >>"$out"
		printf '%-10s %8d %14d %14d %16d\n' "$s" "$conns" "$before" "$after" "$per"
	done
	echo "raw results: $out"
	exit 0
fi

# mc_cfg MIX SIZE: the memcaslap config of a row (32-byte keys), its path.
mc_cfg() {
	local get=${1%:*} set=${1#*:} cfg=$BENCH_TMP/ms-$1-$2.cfg
	printf 'key\n32 32 1\nvalue\n%d %d 1\ncmd\n0 %s\n1 %s\n' "$2" "$2" \
		"$(awk -v s="$set" 'BEGIN { printf "%.2f", s / 100 }')" \
		"$(awk -v g="$get" 'BEGIN { printf "%.2f", g / 100 }')" >"$cfg"
	echo "$cfg"
}

# ops_of FILE: the Ops figure of memcaslap's output.
ops_of() { awk '/^Run time/ { for (i = 1; i < NF; i++) if ($i == "Ops:") print $(i + 1) }' "$1"; }

if [ "$mode" = pair ]; then
	out=bench/results/memcache-pair-$stamp.csv
	echo "round,threads,mix,value,ops_ours,ops_mcd,ns_per_op_ours,ns_per_op_mcd,load" >"$out"
	echo "# command: MODE=pair bash bench/memcache.sh   (ROUNDS=$rounds SECS=$secs MIXES='${mixes[*]}' SIZES='${sizes[*]}' THREADS='${threads[*]}' CONCURRENCY=$conc)"
	echo "# each round: both servers started, warmed 1s, then both memcaslap runs at once"
	echo "# raw:     $out"
	for t in "${threads[@]}"; do
		if [ "$t" = 1 ]; then
			scpus=$SERVER_CPU ccpus=$CLIENT_CPU cthreads=1
		else
			scpus=$SERVER_CPU,$CLIENT_CPU ccpus=$SERVER_CPU,$CLIENT_CPU cthreads=$t
		fi
		for mix in "${mixes[@]}"; do
			for size in "${sizes[@]}"; do
				cfg=$(mc_cfg "$mix" "$size")
				for r in $(seq "$rounds"); do
					mc_start memcache "$t" "$scpus"
					mc_start memcached "$t" "$scpus"
					# Warm up both (slab pages, the table), unrecorded. Wait for
					# the clients by PID: the servers are children too.
					cl=()
					for s in memcache memcached; do
						taskset -c "$ccpus" timeout 60 memcaslap -s "127.0.0.1:${PORT[$s]}" -T "$cthreads" -c "$conc" \
							-t 1s -F "$cfg" >/dev/null 2>&1 &
						cl+=($!)
					done
					wait "${cl[@]}" || true
					o0=$(cpu_ticks "${PID[memcache]}") m0=$(cpu_ticks "${PID[memcached]}")
					cl=()
					for s in memcache memcached; do
						taskset -c "$ccpus" timeout $((secs + 60)) memcaslap -s "127.0.0.1:${PORT[$s]}" -T "$cthreads" \
							-c "$conc" -t "${secs}s" -F "$cfg" >"$BENCH_TMP/pair-$s.out" 2>&1 &
						cl+=($!)
					done
					wait "${cl[@]}" || true
					o1=$(cpu_ticks "${PID[memcache]}") m1=$(cpu_ticks "${PID[memcached]}")
					mc_stop memcache
					mc_stop memcached
					oo=$(ops_of "$BENCH_TMP/pair-memcache.out") om=$(ops_of "$BENCH_TMP/pair-memcached.out")
					if [ -z "$oo" ] || [ -z "$om" ] || [ "$oo" = 0 ] || [ "$om" = 0 ]; then
						echo "memcaslap gave no result: $(cat "$BENCH_TMP"/pair-*.out)" >&2
						exit 1
					fi
					awk -v r="$r" -v t="$t" -v m="$mix" -v z="$size" -v oo="$oo" -v om="$om" -v to=$((o1 - o0)) -v tm=$((m1 - m0)) \
						-v hz="$hz" -v ld="$(cut -d' ' -f1 /proc/loadavg)" \
						'BEGIN { printf "%s,%s,%s,%s,%s,%s,%.1f,%.1f,%s\n", r, t, m, z, oo, om, to / hz * 1e9 / oo, tm / hz * 1e9 / om, ld }' >>"$out"
				done
			done
		done
	done
	printf '\n%-3s %-6s %6s %22s %8s %8s %16s %12s\n' "-t" mix value "CPU ns/op ours / mcd" "CPU x" "TPS x" "CPU x range" "load range"
	for t in "${threads[@]}"; do
		for mix in "${mixes[@]}"; do
			for size in "${sizes[@]}"; do
				rows() { awk -F, -v t="$t" -v m="$mix" -v z="$size" 'NR > 1 && $2 == t && $3 == m && $4 == z' "$out"; }
				oc=$(rows | cut -d, -f7 | median) mc=$(rows | cut -d, -f8 | median)
				cx=$(rows | awk -F, '{ print $7 / $8 }' | median) tx=$(rows | awk -F, '{ print $5 / $6 }' | median)
				cr=$(rows | awk -F, '{ v = $7 / $8; if (n++ == 0 || v < lo) lo = v; if (v > hi) hi = v } END { printf "%.2f-%.2f", lo, hi }')
				lr=$(rows | awk -F, '{ v = $9 + 0; if (n++ == 0 || v < lo) lo = v; if (v > hi) hi = v } END { printf "%.1f-%.1f", lo, hi }')
				printf '%-3s %-6s %6s %22s %8.2f %8.2f %16s %12s\n' "$t" "$mix" "$size" "$oc / $mc" "$cx" "$tx" "$cr" "$lr"
			done
		done
	done
	echo
	echo "medians over $rounds rounds of the per-round ratios; CPU x below 1 and TPS x above 1 favour ours."
	exit 0
fi

out=bench/results/memcache-$stamp.csv
echo "round,server,threads,mix,value,ops,tps,cpu_ticks,cpu_ns_per_op,drops" >"$out"
echo "# command: bash bench/memcache.sh   (ROUNDS=$rounds SECS=$secs MIXES='${mixes[*]}' SIZES='${sizes[*]}' THREADS='${threads[*]}' CONCURRENCY=$conc)"
echo "# each run: memcaslap -s 127.0.0.1:PORT -T CLIENT_THREADS -c $conc -t ${secs}s -F CFG   (CFG: 32-byte keys, VALUE-byte values, the mix's set and get proportions)"
echo "# servers: memcache -p PORT -l 127.0.0.1 -t T -m 1024; memcached -u nobody -p PORT -l 127.0.0.1 -U 0 -t T -m 1024"
echo "# raw:     $out"

for t in "${threads[@]}"; do
	if [ "$t" = 1 ]; then
		scpus=$SERVER_CPU ccpus=$CLIENT_CPU cthreads=1
	else
		scpus=$SERVER_CPU,$CLIENT_CPU ccpus=$SERVER_CPU,$CLIENT_CPU cthreads=$t
	fi
	for mix in "${mixes[@]}"; do
		for size in "${sizes[@]}"; do
			cfg=$(mc_cfg "$mix" "$size")
			for r in $(seq "$rounds"); do
				for s in memcache memcached; do
					mc_start "$s" "$t" "$scpus"
					# Warm up (slab pages, the table), unrecorded.
					taskset -c "$ccpus" timeout 60 memcaslap -s "127.0.0.1:${PORT[$s]}" -T "$cthreads" -c "$conc" \
						-t 1s -F "$cfg" >/dev/null 2>&1 || true
					d0=$(drops)
					t0=$(cpu_ticks "${PID[$s]}")
					res=$(taskset -c "$ccpus" timeout $((secs + 60)) memcaslap -s "127.0.0.1:${PORT[$s]}" -T "$cthreads" \
						-c "$conc" -t "${secs}s" -F "$cfg" 2>&1 | grep '^Run time' || true)
					t1=$(cpu_ticks "${PID[$s]}")
					d1=$(drops)
					mc_stop "$s"
					ops=$(echo "$res" | awk '{ for (i = 1; i < NF; i++) if ($i == "Ops:") print $(i + 1) }')
					tps=$(echo "$res" | awk '{ for (i = 1; i < NF; i++) if ($i == "TPS:") print $(i + 1) }')
					if [ -z "$ops" ] || [ "$ops" = 0 ]; then
						echo "memcaslap against $s gave no result: $res" >&2
						exit 1
					fi
					ns=$(awk -v d=$((t1 - t0)) -v hz="$hz" -v o="$ops" 'BEGIN { printf "%.1f", d / hz * 1e9 / o }')
					echo "$r,$s,$t,$mix,$size,$ops,$tps,$((t1 - t0)),$ns,$((d1 - d0))" >>"$out"
				done
			done
		done
	done
done

printf '\n%-3s %-6s %6s %22s %22s %8s %8s %24s %7s\n' "-t" mix value "TPS ours / memcached" "CPU ns/op ours / mcd" "TPS x" "CPU x" "CPU spread ours | mcd" "drops"
for t in "${threads[@]}"; do
	for mix in "${mixes[@]}"; do
		for size in "${sizes[@]}"; do
			sel() { awk -F, -v s="$1" -v t="$t" -v m="$mix" -v z="$size" -v c="$2" 'NR > 1 && $2 == s && $3 == t && $4 == m && $5 == z { print $c }' "$out" | median; }
			spread() { awk -F, -v s="$1" -v t="$t" -v m="$mix" -v z="$size" 'NR > 1 && $2 == s && $3 == t && $4 == m && $5 == z { v = $9 + 0; if (n++ == 0 || v < lo) lo = v; if (v > hi) hi = v } END { printf "%d-%d", lo, hi }' "$out"; }
			dropped() { awk -F, -v t="$t" -v m="$mix" -v z="$size" 'NR > 1 && $3 == t && $4 == m && $5 == z && $10 > 0 { n++ } END { print n + 0 }' "$out"; }
			ot=$(sel memcache 7) mt=$(sel memcached 7) oc=$(sel memcache 9) mc=$(sel memcached 9)
			printf '%-3s %-6s %6s %22s %22s %8s %8s %24s %7s\n' "$t" "$mix" "$size" "$ot / $mt" "$oc / $mc" \
				"$(awk -v a="$ot" -v b="$mt" 'BEGIN { printf "%.2f", a / b }')" \
				"$(awk -v a="$oc" -v b="$mc" 'BEGIN { printf "%.2f", a / b }')" \
				"$(spread memcache) | $(spread memcached)" "$(dropped)"
		done
	done
done
echo
echo "medians over $rounds rounds; TPS x above 1 and CPU x below 1 favour ours. drops: runs (of both"
echo "servers) with loopback retransmissions or receive-queue drops, a sign of a machine short of memory."
