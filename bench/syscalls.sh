#!/usr/bin/env bash
# syscalls.sh counts the system calls examples/kv and redis-server make per
# request under redis-benchmark at -P 16, with strace -c -f:
#
#  1. whole run: strace attached before redis-benchmark starts and detached
#     after it ends, for a fixed request count (N per test, SET then GET):
#     connection setup and teardown included;
#  2. steady state: redis-benchmark runs (-n large) with its 50 clients
#     connected, strace is attached for WINDOW seconds in the middle, and the
#     requests served in that window are INFO's total_commands_processed
#     difference: this is where epoll_ctl per request must be 0;
#  3. the same steady state counted with perf stat on the syscall
#     tracepoints instead (no ptrace, so the server runs at full speed and
#     the Go runtime's sysmon is not inflated by a slowed-down loop);
#     skipped where perf is missing.
#
#	bash bench/syscalls.sh
#	N=200000 WINDOW=3 SERVERS=kv bash bench/syscalls.sh
#
# strace slows the server down many times over: the counts are the point,
# not the times. Servers are pinned to CPU 0, redis-benchmark to CPU 1.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/servers.sh

n=${N:-200000}
window=${WINDOW:-3}
servers=(${SERVERS:-kv redis})
clients=${CLIENTS:-50}
pipeline=${PIPELINE:-16}
keyspace=${KEYSPACE:-100000}
need strace strace
bench_build
mkdir -p bench/results
out=bench/results/syscalls-$(date -u +%Y%m%dT%H%M%SZ).txt
: >"$out"

echo "# date:    $(date -u '+%Y-%m-%dT%H:%M:%SZ')"
echo "# command: bash bench/syscalls.sh   (N=$n WINDOW=$window SERVERS='${servers[*]}' CLIENTS=$clients PIPELINE=$pipeline)"
echo "# strace:  $(quote_cmd strace -c -f -p PID -o FILE)   ($(strace -V | head -1))"
echo "# load:    $(quote_cmd taskset -c "$CLIENT_CPU" redis-benchmark -p PORT -t set,get -c "$clients" -P "$pipeline" -n "$n" -r "$keyspace" -q)"
echo "# machine: $(nproc) cpus, $(uname -r), $(go version | cut -d' ' -f3), $("$REDIS_BIN" --version | cut -d' ' -f1,3)"

# Can strace attach here at all? (gVisor and some containers refuse ptrace.)
if ! timeout 10 strace -f -o /dev/null true 2>"$BENCH_TMP/strace-check"; then
	echo "strace cannot trace on this machine: $(cat "$BENCH_TMP/strace-check")"
	exit 1
fi

# commands: total_commands_processed, asked on the connection open on fd 5
# (opened before strace attaches, so that no connection is made or closed
# while it counts epoll_ctl).
commands() {
	local hdr len body
	printf 'INFO stats\r\n' >&5
	IFS= read -r -t 5 hdr <&5
	len=${hdr#\$}
	len=${len%$'\r'}
	IFS= read -r -t 5 -N $((len + 2)) body <&5
	printf '%s' "$body" | tr -d '\r' | awk -F: '$1 == "total_commands_processed" { print $2 }'
}

# attach PID FILE: starts strace on PID in the background, sets SPID, and
# waits until it is tracing.
attach() {
	strace -c -f -p "$1" -o "$2" 2>"$2.err" &
	SPID=$!
	local i
	for i in $(seq 50); do
		grep -q 'Process .* attached' "$2.err" 2>/dev/null && break
		sleep 0.1
	done
	if ! grep -q 'attached' "$2.err"; then
		echo "strace could not attach to pid $1: $(cat "$2.err")" >&2
		kill "$SPID" 2>/dev/null || true
		return 1
	fi
	sleep 0.5
}

detach() { # detach FILE
	kill -INT "$SPID"
	wait "$SPID" 2>/dev/null || true
}

# summary LABEL FILE REQUESTS: one line from strace -c's table.
summary() {
	awk -v label="$1" -v req="$3" '
	$NF == "total" { total = $(NF-2) ~ /^[0-9]+$/ ? $(NF-2) : $(NF-1) }
	$NF ~ /^[a-z_0-9]+$/ && $(NF-1) ~ /^[0-9]+$/ && $NF != "total" && $NF != "syscall" {
		# usecs/call and errors columns vary: calls is the number before
		# (errors and) the name.
		calls = ($(NF-2) ~ /^[0-9]+$/ && NF >= 6) ? $(NF-2) : $(NF-1)
		c[$NF] = calls
	}
	END {
		t = 0; for (k in c) t += c[k]
		printf "%-28s %10d %10d %9.4f %9.4f %9.4f %9.4f %9.4f %9.5f\n", label, req, t, t / req, \
			c["read"] / req, c["write"] / req, (c["epoll_wait"] + c["epoll_pwait"]) / req, \
			(c["futex"] + c["nanosleep"] + c["sched_yield"] + c["tgkill"] + c["getpid"]) / req, c["epoll_ctl"] / req
		printf "%-28s epoll_ctl calls: %d\n", "", c["epoll_ctl"] > "/dev/stderr"
	}' "$2"
}

hdr() { printf '%-28s %10s %10s %9s %9s %9s %9s %9s %9s\n' "" requests syscalls "per req" "read" "write" "epoll_wait" "runtime*" "epoll_ctl"; }

echo
echo "## whole run (connect, SET -n $n, GET -n $n, disconnect; strace -c -f)"
hdr
for s in "${servers[@]}"; do
	start_server "$s"
	pid=${PID[$s]}
	taskset -c "$CLIENT_CPU" timeout 120 redis-benchmark -p "${PORT[$s]}" -t set,get -c "$clients" -P "$pipeline" \
		-n 100000 -r "$keyspace" -q >/dev/null # warm-up, untraced
	f=$BENCH_TMP/$s-whole.strace
	attach "$pid" "$f" || { echo "$s: strace could not attach (see above)"; continue; }
	taskset -c "$CLIENT_CPU" timeout 600 redis-benchmark -p "${PORT[$s]}" -t set,get -c "$clients" -P "$pipeline" \
		-n "$n" -r "$keyspace" -q >/dev/null
	detach "$f"
	{ echo "### $s whole run, $((2 * n)) requests"; cat "$f"; } >>"$out"
	summary "$s" "$f" $((2 * n)) 2>"$BENCH_TMP/ctl"
	sed 's/^/  /' "$BENCH_TMP/ctl" | tr -s ' '
done

echo
echo "## steady state ($clients clients connected, -P $pipeline SET then GET, strace attached for ${window}s mid-run)"
hdr
for s in "${servers[@]}"; do
	pid=${PID[$s]}
	port=${PORT[$s]}
	for t in set get; do
		taskset -c "$CLIENT_CPU" timeout 600 redis-benchmark -p "$port" -t "$t" -c "$clients" -P "$pipeline" \
			-n 100000000 -r "$keyspace" -q >/dev/null 2>&1 &
		bpid=$!
		sleep 2 # all clients connected, pipelines full
		f=$BENCH_TMP/$s-$t-steady.strace
		exec 5<>"/dev/tcp/127.0.0.1/$port"
		attach "$pid" "$f" || { kill "$bpid"; exec 5>&-; continue; }
		c0=$(commands)
		sleep "$window"
		c1=$(commands)
		detach "$f"
		exec 5>&-
		kill "$bpid" 2>/dev/null || true
		wait "$bpid" 2>/dev/null || true
		# The requests are counted while strace is attached; the INFO
		# calls themselves count as one command in the difference.
		req=$((c1 - c0 - 1))
		{ echo "### $s steady ${t^^}, $req requests"; cat "$f"; } >>"$out"
		summary "$s ${t^^}" "$f" "$req" 2>"$BENCH_TMP/ctl"
		sed 's/^/  /' "$BENCH_TMP/ctl" | tr -s ' '
		sleep 1
	done
done
echo
echo "## steady state without ptrace (perf stat on the syscalls:sys_enter_* tracepoints for ${window}s mid-run)"
if ! command -v perf >/dev/null || ! timeout 10 perf stat -e syscalls:sys_enter_read -- true >/dev/null 2>&1; then
	echo "perf or its syscall tracepoints are not available here: section skipped"
else
	events=nanosleep,futex,read,write,epoll_wait,epoll_ctl
	printf '%-28s %10s %9s %9s %9s %9s %9s %9s %9s %9s\n' "" requests "per req" read write epoll_wait futex nanosleep epoll_ctl "ctx-sw"
	for s in "${servers[@]}"; do
		pid=${PID[$s]}
		port=${PORT[$s]}
		for t in set get; do
			taskset -c "$CLIENT_CPU" timeout 600 redis-benchmark -p "$port" -t "$t" -c "$clients" -P "$pipeline" \
				-n 100000000 -r "$keyspace" -q >/dev/null 2>&1 &
			bpid=$!
			sleep 2
			exec 5<>"/dev/tcp/127.0.0.1/$port"
			f=$BENCH_TMP/$s-$t-perf.txt
			c0=$(commands)
			perf stat -x, -o "$f" -e "$(echo "$events" | sed 's/\([a-z_]*\)/syscalls:sys_enter_\1/g'),context-switches" \
				-p "$pid" -- sleep "$window" >/dev/null 2>&1
			c1=$(commands)
			exec 5>&-
			kill "$bpid" 2>/dev/null || true
			wait "$bpid" 2>/dev/null || true
			req=$((c1 - c0 - 1))
			{ echo "### $s perf stat ${t^^}, $req requests"; cat "$f"; } >>"$out"
			awk -F, -v label="$s ${t^^}" -v req="$req" '
			$3 ~ /^syscalls:sys_enter_/ { n = $3; sub(/^syscalls:sys_enter_/, "", n); c[n] = $1; t += $1 }
			$3 == "context-switches" { cs = $1 }
			END {
				printf "%-28s %10d %9.4f %9.4f %9.4f %9.4f %9.4f %9.4f %9.5f %9.4f\n", label, req, t / req, \
					c["read"] / req, c["write"] / req, c["epoll_wait"] / req, c["futex"] / req, \
					c["nanosleep"] / req, c["epoll_ctl"] / req, cs / req
			}' "$f"
			sleep 1
		done
	done
	echo "(per req counts only the six syscalls traced; nanosleep and futex are the Go runtime's sysmon and thread hand-offs.)"
fi

echo
echo "runtime*: futex + nanosleep + sched_yield + tgkill + getpid (Go runtime scheduling and preemption; Redis makes none)."
echo "The whole-run epoll_ctl figure includes adding and removing each connection (2 per client, $clients clients per test)."
echo "raw strace tables: $out"
