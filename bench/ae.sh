#!/usr/bin/env bash
# Runs the ae benchmarks COUNT times (default 5) and prints the median of
# each, the allocations per op, and the timer-scaling ratio: one loop
# iteration with 100,000 live timers over the same with 10.
#
#   bash bench/ae.sh            # COUNT=10 bash bench/ae.sh
set -euo pipefail
cd "$(dirname "$0")/.."
count=${COUNT:-5}
mkdir -p bench/results
out=bench/results/ae-$(date -u +%Y%m%dT%H%M%SZ).txt
cmd="go test -run '^\$' -bench 'Dispatch|Timer|Post' -benchmem -count $count ./ae"
echo "# $cmd   ($(date -u +%F), $(nproc) cores, $(go version | cut -d' ' -f3))"
eval "$cmd" >"$out"
awk '
/^Benchmark/ {
	name = $1; sub(/-[0-9]+$/, "", name)
	for (i = 3; i < NF; i++) {
		if ($(i+1) == "ns/op") ns[name] = ns[name] " " $i
		if ($(i+1) == "allocs/op") al[name] = $i
		if ($(i+1) == "ns/event") ev[name] = ev[name] " " $i
	}
	if (!(name in seen)) { seen[name] = 1; order[++n] = name }
}
function median(list,   a, k, i, j, t) {
	k = split(list, a, " ")
	for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	return (k % 2) ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
}
END {
	printf "%-40s %12s %12s %10s\n", "benchmark", "median ns/op", "ns/event", "allocs/op"
	for (i = 1; i <= n; i++) {
		b = order[i]; m[b] = median(ns[b])
		printf "%-40s %12.1f %12s %10s\n", b, m[b], (b in ev) ? sprintf("%.1f", median(ev[b])) : "-", al[b]
	}
	lo = "BenchmarkTimerScaling/live=10"; hi = "BenchmarkTimerScaling/live=100000"
	if ((lo in m) && (hi in m)) printf "\ntimer scaling: live=100000 / live=10 = %.2fx (target <= 2x)\n", m[hi] / m[lo]
}' "$out"
echo "raw results: $out"
