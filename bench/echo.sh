#!/usr/bin/env bash
# echo.sh runs BenchmarkEcho (examples/echo) and prints, for each number of
# clients, the median ns/op and msgs/s of the ae server and of the plain
# net (goroutine-per-connection) server, and their ratio.
#
#	bench/echo.sh                 # -count 5
#	COUNT=10 BENCHTIME=2s bench/echo.sh
#
# ratio net/ae is median ns/op of net over that of ae, which is the
# throughput ratio ae:net: above 1, the ae server echoes more messages per
# second. The raw `go test` output goes to stderr.
set -euo pipefail

count=${COUNT:-5}
benchtime=${BENCHTIME:-1s}
cd "$(dirname "$0")/.."

cmd=(go test -run '^$' -bench Echo -benchmem -benchtime "$benchtime" -count "$count" ./examples/echo)
raw=$(mktemp)
trap 'rm -f "$raw"' EXIT

echo "# date:    $(date -u '+%Y-%m-%dT%H:%M:%SZ')"
quoted=""
for a in "${cmd[@]}"; do
	case $a in
	*[!A-Za-z0-9_./=-]*) quoted+=" '$a'" ;; # no arg holds a quote
	*) quoted+=" $a" ;;
	esac
done
echo "# command:${quoted}"
echo "# go:      $(go version)"
echo "# cpus:    $(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?')"
"${cmd[@]}" 2>&1 | tee "$raw" >&2

awk '
# BenchmarkEcho/ae/clients=50-2   100506   17525 ns/op   57063 msgs/s   0 B/op   0 allocs/op
/^BenchmarkEcho\// {
	split($1, p, "/")                # BenchmarkEcho, ae, clients=50-2
	impl = p[2]
	c = p[3]; sub(/^clients=/, "", c); sub(/-[0-9]+$/, "", c)
	for (i = 2; i < NF; i++) {
		if ($(i+1) == "ns/op")  { k = impl SUBSEP c; ns[k, ++nns[k]] = $i }
		if ($(i+1) == "msgs/s") { k = impl SUBSEP c; ms[k, ++nms[k]] = $i }
	}
	if (!(c in seen)) { seen[c] = 1; order[++nc] = c }
}
function median(arr, k, n,    i, j, v, a) {
	if (n == 0) return ""
	for (i = 1; i <= n; i++) a[i] = arr[k, i] + 0
	for (i = 2; i <= n; i++) {           # insertion sort
		v = a[i]
		for (j = i - 1; j >= 1 && a[j] > v; j--) a[j+1] = a[j]
		a[j+1] = v
	}
	return (n % 2) ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
}
END {
	if (nc == 0) { print "no BenchmarkEcho results" > "/dev/stderr"; exit 1 }
	printf "\n%-8s %5s %14s %14s %12s %12s %14s\n", "clients", "runs", "ae ns/op", "net ns/op", "ae msgs/s", "net msgs/s", "net/ae (ae:net)"
	for (i = 1; i <= nc; i++) {
		c = order[i]
		a = median(ns, "ae" SUBSEP c, nns["ae" SUBSEP c])
		n = median(ns, "net" SUBSEP c, nns["net" SUBSEP c])
		am = median(ms, "ae" SUBSEP c, nms["ae" SUBSEP c])
		nm = median(ms, "net" SUBSEP c, nms["net" SUBSEP c])
		ratio = (a > 0 && n != "") ? sprintf("%.2f", n / a) : "?"
		printf "%-8s %5d %14.0f %14.0f %12.0f %12.0f %14s\n", c, nns["ae" SUBSEP c], a, n, am, nm, ratio
	}
}' "$raw"
