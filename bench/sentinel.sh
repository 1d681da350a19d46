#!/usr/bin/env bash
# sentinel.sh measures examples/sentinel against redis-sentinel 7.0 side by
# side in one run:
#
#   failover: a master with one replica (real redis-server) watched by three
#   sentinels of one kind (quorum 2, down-after-milliseconds 1000); once
#   they know each other and the replica, the master is SIGKILLed and the
#   time to the new address in SENTINEL get-master-addr-by-name is taken
#   (polled every 10 ms). RUNS runs per kind, alternating the kinds.
#
#   idle: three sentinels of one kind monitoring 1 and then MASTERS masters
#   (each with one replica), left alone for SETTLE s, then their CPU
#   (utime+stime of the three, from /proc) over IDLE s.
#
#	bash bench/sentinel.sh                    # RUNS=10 IDLE=30
#	RUNS=3 IDLE=10 MODES=idle bash bench/sentinel.sh
#
# Prints medians (min-max) per kind and the ratio ours/redis-sentinel.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${RUNS:-10}
idle=${IDLE:-30}
settle=${SETTLE:-12}
masters=${MASTERS:-20}
modes=(${MODES:-failover idle})
tmp=$(mktemp -d)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for b in redis-server redis-sentinel redis-cli; do
	command -v "$b" >/dev/null || { echo "$b missing: apt-get install -y redis-server redis-sentinel redis-tools" >&2; exit 1; }
done
ours_bin=$tmp/sentinel
go build -o "$ours_bin" ./examples/sentinel
hz=$(getconf CLK_TCK)

free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 12000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
	done
}

# start NAME CMD... : runs CMD in the background, remembers its PID in
# LAST_PID.
start() {
	local name=$1
	shift
	"$@" >"$tmp/$name.log" 2>&1 &
	LAST_PID=$!
	pids+=("$LAST_PID")
}

wait_ping() { # wait_ping PORT
	local i
	for i in $(seq 100); do
		[ "$(timeout 1 redis-cli -p "$1" ping 2>/dev/null)" = PONG ] && return
		sleep 0.1
	done
	echo "nothing answers on port $1" >&2
	return 1
}

redis_pair() { # redis_pair TAG -> sets MPORT RPORT MPID
	MPORT=$(free_port)
	start "m-$1" redis-server --port "$MPORT" --bind 127.0.0.1 --save '' --appendonly no
	MPID=$LAST_PID
	RPORT=$(free_port)
	start "r-$1" redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no --replicaof 127.0.0.1 "$MPORT"
	wait_ping "$MPORT"
	wait_ping "$RPORT"
}

# sentinels KIND TAG N_MASTERS : three sentinels of KIND (ours or redis)
# monitoring master-1..N at MPORTS; sets SPORTS and SPIDS.
sentinels() {
	local kind=$1 tag=$2 n=$3 i j conf port
	SPORTS=() SPIDS=()
	for i in 1 2 3; do
		port=$(free_port)
		conf=$tmp/$tag-s$i.conf
		{
			echo "port $port"
			echo "bind 127.0.0.1"
			for j in $(seq "$n"); do
				echo "sentinel monitor master-$j 127.0.0.1 ${MPORTS[$((j - 1))]} 2"
				echo "sentinel down-after-milliseconds master-$j 1000"
				echo "sentinel failover-timeout master-$j 10000"
			done
		} >"$conf"
		if [ "$kind" = ours ]; then
			start "$tag-s$i" "$ours_bin" "$conf"
		else
			start "$tag-s$i" redis-sentinel "$conf"
		fi
		SPORTS+=("$port") SPIDS+=("$LAST_PID")
	done
	for port in "${SPORTS[@]}"; do wait_ping "$port"; done
}

# ready : every sentinel knows the other two and master-1's replica.
ready() {
	local port deadline=$((SECONDS + 60))
	while [ $SECONDS -lt $deadline ]; do
		local ok=1
		for port in "${SPORTS[@]}"; do
			[ "$(redis-cli -p "$port" sentinel sentinels master-1 2>/dev/null | grep -c '^name$')" -ge 2 ] || ok=0
			[ "$(redis-cli -p "$port" sentinel replicas master-1 2>/dev/null | grep -c '^name$')" -ge 1 ] || ok=0
		done
		[ $ok = 1 ] && return
		sleep 0.2
	done
	echo "sentinels did not discover each other in 60 s" >&2
	return 1
}

stop_all() {
	local p
	# In braces so that bash's "Killed" job notices go to /dev/null too.
	{
		for p in "${pids[@]}"; do kill -9 "$p" || true; done
		for p in "${pids[@]}"; do wait "$p" || true; done
	} 2>/dev/null
	pids=()
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

echo "# date:    $(date -u '+%Y-%m-%dT%H:%M:%SZ')"
echo "# command: bash bench/sentinel.sh   (RUNS=$runs IDLE=$idle SETTLE=$settle MASTERS=$masters MODES='${modes[*]}')"
echo "# ours:    go build ./examples/sentinel ($(go version | cut -d' ' -f3), git $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- examples/sentinel internal || echo '+dirty'))"
echo "# redis:   $(redis-sentinel --version | cut -d' ' -f1-3)"
echo "# machine: $(nproc) cpus, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"

results=$tmp/results
: >"$results"
for mode in "${modes[@]}"; do
	case $mode in
	failover)
		for r in $(seq "$runs"); do
			for kind in redis ours; do
				redis_pair "f$r$kind"
				MPORTS=("$MPORT")
				sentinels "$kind" "f$r$kind" 1
				ready
				t0=$(now_ms)
				kill -9 "$MPID"
				ms=""
				while [ $(($(now_ms) - t0)) -lt 60000 ]; do
					if [ "$(redis-cli -p "${SPORTS[0]}" sentinel get-master-addr-by-name master-1 2>/dev/null | tail -1)" = "$RPORT" ]; then
						ms=$(($(now_ms) - t0))
						break
					fi
					sleep 0.01
				done
				[ -n "$ms" ] || { echo "no failover within 60 s ($kind, run $r)" >&2; exit 1; }
				echo "failover $kind $ms" >>"$results"
				printf '# failover run %2d  %-5s %6d ms\n' "$r" "$kind" "$ms" >&2
				stop_all
			done
		done
		;;
	idle)
		for n in 1 "$masters"; do
			for kind in redis ours; do
				MPORTS=()
				for j in $(seq "$n"); do
					redis_pair "i$n$kind$j"
					MPORTS+=("$MPORT")
				done
				sentinels "$kind" "i$n$kind" "$n"
				ready
				sleep "$settle"
				before=0 after=0
				for p in "${SPIDS[@]}"; do
					s=$(cat "/proc/$p/stat"); s=${s##*) }; set -- $s; before=$((before + ${12} + ${13}))
				done
				sleep "$idle"
				for p in "${SPIDS[@]}"; do
					s=$(cat "/proc/$p/stat"); s=${s##*) }; set -- $s; after=$((after + ${12} + ${13}))
				done
				# CPU milliseconds per second of the three sentinels together.
				cpu=$(awk -v d=$((after - before)) -v hz="$hz" -v t="$idle" 'BEGIN { printf "%.2f", d * 1000 / hz / t }')
				echo "idle-$n $kind $cpu" >>"$results"
				printf '# idle, %2d master(s)  %-5s %7s ms CPU/s (3 sentinels)\n' "$n" "$kind" "$cpu" >&2
				stop_all
			done
		done
		;;
	*) echo "unknown mode $mode" >&2; exit 1 ;;
	esac
done

echo
awk '
{ k = $1 SUBSEP $2; n[k]++; v[k, n[k]] = $3 + 0; if (!($1 in seen)) { seen[$1] = 1; cases[++nc] = $1 } }
function med(k,    a, i, j, x, m) {
	m = n[k]; for (i = 1; i <= m; i++) a[i] = v[k, i]
	for (i = 2; i <= m; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j+1] = a[j]; a[j+1] = x }
	lo = a[1]; hi = a[m]
	return (m % 2) ? a[(m+1)/2] : (a[m/2] + a[m/2+1]) / 2
}
END {
	printf "%-10s %-6s %4s %10s %17s %8s\n", "case", "kind", "runs", "median", "min-max", "x redis"
	for (i = 1; i <= nc; i++) {
		c = cases[i]
		r = med(c SUBSEP "redis")
		for (kk = 1; kk <= 2; kk++) {
			kind = (kk == 1) ? "redis" : "ours"
			k = c SUBSEP kind
			if (!n[k]) continue
			m = med(k)
			printf "%-10s %-6s %4d %10.2f %8.2f-%-8.2f %8s\n", c, kind, n[k], m, lo, hi, (r > 0) ? sprintf("%.2f", m / r) : "-"
		}
	}
	print "\nfailover: ms from SIGKILL of the master to the new address in get-master-addr-by-name;"
	print "idle-N: CPU ms per second of three sentinels monitoring N masters (each with a replica)."
}' "$results"
