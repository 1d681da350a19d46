#!/usr/bin/env bash
# cluster.sh measures examples/clusterbus, the Redis Cluster bus node, in
# two ways, and prints a summary table:
#
#  1. Accept burst: BenchmarkAcceptBurst (examples/clusterbus/burst_test.go)
#     dials 10,000 connections at once to one node's bus port and reports
#     the time until all are accepted, the longest loop iteration and the
#     worst lateness of the 100 ms clusterCron during the burst, with the
#     node's listen backlog (511, Redis's tcp-backlog) and with 4096.
#     COUNT runs of each (default 5); medians and min-max.
#  2. Convergence: bench/clusterconv starts N nodes of one kind on loopback
#     (our clusterbus binary, or redis-server in cluster mode), joins them
#     by a chain of CLUSTER MEETs and times until every node lists all N as
#     connected masters (polled every POLL, default 100ms), then measures
#     the converged cluster's CPU at rest over IDLE (default 5s); kinds
#     alternate round by round. SIZES (default "10 50"), ROUNDS per kind
#     and size (default 5), NODE_TIMEOUT (default 15000, redis.conf's
#     cluster-node-timeout).
#
#	bash bench/cluster.sh
#	COUNT=9 ROUNDS=5 SIZES="10 50 100" bash bench/cluster.sh
#	SKIP_BURST=1 bash bench/cluster.sh        # convergence only (SKIP_CONV=1: burst only)
#
# Both run under timeout (BURST_TIMEOUT, CONV_TIMEOUT seconds), and
# clusterconv kills its nodes by PID at the end of every round, failed
# ones too, and when timeout signals it. Nothing is pinned: the N nodes of
# a convergence round share the machine's cores with the poller. Raw
# results and the summary go to bench/results/cluster-<time>.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/servers.sh

count=${COUNT:-5}
rounds=${ROUNDS:-5}
sizes=(${SIZES:-10 50})
node_timeout=${NODE_TIMEOUT:-15000}
poll=${POLL:-100ms}
idle=${IDLE:-5s}
burst_timeout=${BURST_TIMEOUT:-900}
conv_timeout=${CONV_TIMEOUT:-3600}

need redis-server redis-server
need timeout coreutils
REDIS_BIN=$(command -v redis-server)
go test -c -o "$BENCH_TMP/clusterbus.test" ./examples/clusterbus
go build -o "$BENCH_TMP/clusterbus" ./examples/clusterbus
go build -o "$BENCH_TMP/clusterconv" ./bench/clusterconv

mkdir -p bench/results
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=bench/results/cluster-$stamp.txt
dirty=$(git diff --quiet HEAD -- ae anet internal examples/clusterbus 2>/dev/null || echo '+dirty')
sizes_csv=$(IFS=,; echo "${sizes[*]}")
burst_cmd="go test -run '^\$' -bench AcceptBurst -benchtime 1x -count $count ./examples/clusterbus"
conv_cmd="clusterconv --clusterbus clusterbus --redis-server $REDIS_BIN --n $sizes_csv --rounds $rounds --node-timeout $node_timeout --poll $poll --idle $idle"

{
	echo "# date:    $(date -u '+%Y-%m-%dT%H:%M:%SZ')"
	echo "# command: bash bench/cluster.sh   (COUNT=$count ROUNDS=$rounds SIZES='${sizes[*]}' NODE_TIMEOUT=$node_timeout POLL=$poll IDLE=$idle)"
	echo "# burst:   $burst_cmd   (run as the compiled test binary under timeout $burst_timeout)"
	echo "# conv:    $conv_cmd   (go build ./bench/clusterconv ./examples/clusterbus; under timeout $conv_timeout)"
	echo "# build:   $(go version | cut -d' ' -f3), git $(git rev-parse --short HEAD)$dirty, $("$REDIS_BIN" --version | cut -d' ' -f1,3)"
	echo "# machine: $(nproc) cpus, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg), ulimit -n $(ulimit -n) (hard $(ulimit -Hn)), somaxconn $(cat /proc/sys/net/core/somaxconn)"
} | tee "$out"

burst_raw=$BENCH_TMP/burst.txt
if [ -z "${SKIP_BURST:-}" ]; then
	echo "# accept burst: $count runs ..." >&2
	# The test binary runs in its package directory, as go test runs it.
	(cd examples/clusterbus && timeout -k 10 "$burst_timeout" "$BENCH_TMP/clusterbus.test" \
		-test.run '^$' -test.bench AcceptBurst -test.benchtime 1x -test.count "$count" \
		-test.timeout "$((burst_timeout - 10))s" -test.v) >"$burst_raw" 2>&1 || {
		cat "$burst_raw" >&2
		echo "accept burst benchmark failed or timed out" >&2
		exit 1
	}
	grep -q '^BenchmarkAcceptBurst/' "$burst_raw" || {
		cat "$burst_raw" >&2
		echo "accept burst benchmark skipped or gave no result" >&2
		exit 1
	}
fi

conv_csv=$BENCH_TMP/conv.csv
conv_sum=$BENCH_TMP/conv.txt
if [ -z "${SKIP_CONV:-}" ]; then
	echo "# convergence: sizes ${sizes[*]}, $rounds rounds per kind ..." >&2
	timeout -k 10 "$conv_timeout" "$BENCH_TMP/clusterconv" --clusterbus "$BENCH_TMP/clusterbus" \
		--redis-server "$REDIS_BIN" --n "$sizes_csv" --rounds "$rounds" --node-timeout "$node_timeout" \
		--poll "$poll" --idle "$idle" --csv "$conv_csv" >"$conv_sum" || {
		rc=$?
		cat "$conv_sum" >&2
		echo "clusterconv failed (exit $rc): some rounds did not converge, or it timed out" >&2
		[ -s "$conv_csv" ] && cat "$conv_csv" >>"$out"
		exit 1
	}
fi

{
	if [ -z "${SKIP_BURST:-}" ]; then
		echo
		echo "## accept burst: 10,000 connections dialled at once (8 goroutines, another process) to one node's bus port"
		echo
		awk '
		/^BenchmarkAcceptBurst\// {
			name = $1; sub(/^BenchmarkAcceptBurst\//, "", name); sub(/-[0-9]+$/, "", name)
			if (!(name in seenname)) { seenname[name] = 1; names[++nn] = name }
			for (i = 3; i < NF; i += 2) {
				k = name SUBSEP $(i+1)
				v[k, ++nv[k]] = $i + 0
			}
		}
		function sortv(k, a,    i, j, n, t) {
			n = nv[k]
			for (i = 1; i <= n; i++) a[i] = v[k, i]
			for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j+1] = a[j]; a[j+1] = t }
			return n
		}
		END {
			split("accept-ms accept99-ms dial-ms busy-ms max-iter-ms max-cron-late-ms idle-cron-late-ms burst-crons accept-calls listen-overflows", order, " ")
			printf "%-14s %-18s %5s %10s %21s\n", "listen", "metric", "runs", "median", "min-max"
			for (j = 1; j <= nn; j++) {
				for (o = 1; o in order; o++) {
					k = names[j] SUBSEP order[o]
					if (!(k in nv)) continue
					n = sortv(k, a)
					m = (n % 2) ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
					printf "%-14s %-18s %5d %10.2f %10.2f-%-10.2f\n", names[j], order[o], n, m, a[1], a[n]
				}
			}
		}' "$burst_raw"
		echo
		echo "accept-ms: first dial to the end of the loop iteration that accepted the 10,000th (accept99-ms: the 9,900th);"
		echo "busy-ms: sum of the loop iterations (after-sleep to before-sleep) in that time; max-iter-ms: the longest;"
		echo "max-cron-late-ms: worst start of clusterCron after its due time (idle: the same over 1 s before the burst);"
		echo "listen-overflows: SYNs/ACKs the kernel dropped on a full accept queue (each costs a 1 s retransmit, during which"
		echo "its dialer waits). backlog=511 is the node as shipped (Redis's tcp-backlog); backlog=4096 shows the loop's own pace."
	fi
	if [ -z "${SKIP_CONV:-}" ]; then
		echo
		echo "## convergence: N nodes joined by a chain of N-1 CLUSTER MEETs on 127.0.0.1, --cluster-node-timeout $node_timeout"
		echo
		cat "$conv_sum"
	fi
	echo
	echo "## raw"
	if [ -f "$burst_raw" ]; then grep -E '^(Benchmark|\s+burst_test)' "$burst_raw"; fi
	if [ -f "$conv_csv" ]; then cat "$conv_csv"; fi
} | tee -a "$out"
echo "raw results: $out"
