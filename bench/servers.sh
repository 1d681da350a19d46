# servers.sh is sourced by bench/kv.sh, bench/conns.sh and bench/syscalls.sh:
# it builds examples/kv and bench/netresp, finds free loopback ports, starts
# the servers pinned to CPU 0 and stops them by PID on exit.
#
#	source "$(dirname "$0")/servers.sh"
#	bench_build                 # sets KV_BIN, NETRESP_BIN, REDIS_BIN
#	start_server kv             # sets PORT[kv], PID[kv]
#	start_server redis
#	start_server netresp

declare -A PORT PID
BENCH_TMP=$(mktemp -d)
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}

bench_cleanup() {
	local name
	for name in "${!PID[@]}"; do
		kill "${PID[$name]}" 2>/dev/null || true
	done
	for name in "${!PID[@]}"; do
		wait "${PID[$name]}" 2>/dev/null || true
	done
	rm -rf "$BENCH_TMP"
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

need() { # need BINARY DEBIAN-PACKAGE
	command -v "$1" >/dev/null && return
	echo "# $1 missing: apt-get install -y $2" >&2
	apt-get install -y "$2" >/dev/null || { apt-get update >/dev/null && apt-get install -y "$2" >/dev/null; }
}

bench_build() {
	need redis-server redis-server
	need redis-benchmark redis-tools
	need redis-cli redis-tools
	need taskset util-linux
	REDIS_BIN=$(command -v redis-server)
	KV_BIN=$BENCH_TMP/kv
	NETRESP_BIN=$BENCH_TMP/netresp
	go build -o "$KV_BIN" ./examples/kv
	go build -o "$NETRESP_BIN" ./bench/netresp
}

# free_port prints a loopback TCP port that nothing listens on, below the
# ephemeral range (where a client's source port could already hold it).
free_port() {
	local p lo
	lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
	[ "$lo" -gt 12000 ] || lo=32768
	while :; do
		p=$((10000 + RANDOM % (lo - 10000)))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
}

# start_server NAME [EXTRA ARGS...]: NAME is kv, redis or netresp. A
# server that cannot bind its port (taken meanwhile) is retried on another.
start_server() {
	local try
	for try in 1 2 3; do
		start_server_once "$@" && return
		kill "${PID[$1]}" 2>/dev/null || true
		wait "${PID[$1]}" 2>/dev/null || true
		unset "PID[$1]"
	done
	echo "$1 did not start:" >&2
	cat "$BENCH_TMP/$1.log" >&2
	return 1
}

start_server_once() {
	local name=$1 port
	shift
	port=$(free_port)
	case $name in
	kv) taskset -c "$SERVER_CPU" "$KV_BIN" --port "$port" --loglevel warning "$@" >"$BENCH_TMP/$name.log" 2>&1 & ;;
	redis) taskset -c "$SERVER_CPU" "$REDIS_BIN" --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
		--daemonize no --loglevel warning "$@" >"$BENCH_TMP/$name.log" 2>&1 & ;;
	netresp) taskset -c "$SERVER_CPU" "$NETRESP_BIN" --port "$port" "$@" >"$BENCH_TMP/$name.log" 2>&1 & ;;
	*) echo "unknown server $name" >&2; return 1 ;;
	esac
	PID[$name]=$!
	PORT[$name]=$port
	local i
	for i in $(seq 100); do
		kill -0 "${PID[$name]}" 2>/dev/null || return 1
		if [ "$(timeout 2 redis-cli -p "$port" ping 2>/dev/null)" = PONG ]; then
			# Someone else's server on the port would answer too: ours
			# must still be alive.
			sleep 0.1
			kill -0 "${PID[$name]}" 2>/dev/null && return
			return 1
		fi
		sleep 0.1
	done
	return 1
}

# cpu_ticks PID prints utime+stime of the whole process, in clock ticks.
cpu_ticks() {
	# Field 2 (comm) may hold spaces: cut after the last ')'.
	local s
	s=$(cat "/proc/$1/stat")
	s=${s##*) }
	set -- $s
	# $1 is field 3 (state): utime is field 14, stime field 15.
	echo $((${12} + ${13}))
}

# bench_record OUT ROUND SERVER TEST CLIENTS PIPELINE N CSVLINE TICKS:
# one redis-benchmark run as a CSV row of OUT (round, server, test,
# clients, pipeline, requests, rps, p50_ms, p99_ms, cpu_ticks,
# cpu_us_per_req) and a progress line on stderr. CSVLINE is the run's line
# of redis-benchmark --csv without quotes; TICKS the server's CPU ticks
# over the run.
bench_record() {
	local out=$1 r=$2 s=$3 t=$4 c=$5 p=$6 n=$7 line=$8 ticks=$9 rps p50 p99 cpu
	rps=$(echo "$line" | cut -d, -f2)
	p50=$(echo "$line" | cut -d, -f5)
	p99=$(echo "$line" | cut -d, -f7)
	cpu=$(awk -v d="$ticks" -v hz="$(getconf CLK_TCK)" -v n="$n" 'BEGIN { printf "%.3f", d * 1e6 / hz / n }')
	echo "$r,$s,$t,$c,$p,$n,$rps,$p50,$p99,$ticks,$cpu" >>"$out"
	printf '# round %d  %-10s %-11s -c %-4s -P %-2s %11s rps  p50 %6s ms  p99 %6s ms  %7s us/req\n' \
		"$r" "$s" "$t" "$c" "$p" "$rps" "$p50" "$p99" "$cpu" >&2
}

# rss_kb PID prints VmRSS in kB.
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# quote_cmd ARGS...: the command as one shell-quoted line.
quote_cmd() {
	local out="" a
	for a in "$@"; do
		case $a in
		'') out+=" ''" ;;
		*[!A-Za-z0-9_./=:,-]*) out+=" '$a'" ;;
		*) out+=" $a" ;;
		esac
	done
	echo "${out# }"
}
