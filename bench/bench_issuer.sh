#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The issuer daemon under load: starts stadspas-issuerd on loopback on a
# fresh data directory, once with --insecure-http and once with TLS (its
# self-signed certificate), and drives GET /registry/1/checkpoint with
# wrk (Debian package wrk; scripts/deps.sh does not install it: it is
# only for this benchmark): 64 keep-alive connections, 10 s each.
# Prints BENCH lines: requests per second and the 99th percentile
# latency. The target (issue 4) is registry >= 20,000 requests/s.
#
#   bench/bench_issuer.sh [BUILD_DIR] [SECONDS] [CONNECTIONS]
set -eu
dir=${1:-build-bench}
secs=${2:-10}
conns=${3:-64}
cd "$(dirname "$0")/.."
daemon="$dir/issuer/stadspas-issuerd"
if ! command -v wrk >/dev/null 2>&1; then
	echo "bench_issuer: wrk not found (apt-get install wrk); skipped" >&2
	exit 0
fi
[ -x "$daemon" ] || { echo "bench_issuer: no $daemon" >&2; exit 1; }
threads=$(nproc)
[ "$threads" -gt 4 ] && threads=4

tmp=$(mktemp -d /tmp/sp-bench-issuer-XXXXXX)
pid=""
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# start NAME [daemon options]: runs the daemon on a free port; sets pid
# and port.
start() {
	name=$1
	shift
	mkdir -p "$tmp/$name"
	chmod 700 "$tmp/$name"
	# The request log goes to a file: one line per request.
	"$daemon" --data-dir "$tmp/$name/data" --listen 127.0.0.1:0 "$@" \
	    2>"$tmp/$name/log" &
	pid=$!
	port=""
	i=0
	while [ $i -lt 100 ]; do
		port=$(sed -n 's/.*msg=listening .*port=\([0-9]*\).*/\1/p' \
		    "$tmp/$name/log" | head -n 1)
		[ -n "$port" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	if [ -z "$port" ]; then
		echo "bench_issuer: the daemon did not start:" >&2
		cat "$tmp/$name/log" >&2
		exit 1
	fi
}

stop() {
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	pid=""
}

# run LABEL URL: wrk, then the BENCH lines.
run() {
	wrk -t "$threads" -c "$conns" -d "${secs}s" --latency "$2" \
	    >"$tmp/wrk.out" 2>&1 || { cat "$tmp/wrk.out" >&2; exit 1; }
	rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$tmp/wrk.out")
	p99=$(awk '$1 == "99%" { v = $2;
	    if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 }
	    else if (v ~ /ms$/) { sub(/ms$/, "", v) }
	    else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }
	    printf "%.2f", v }' "$tmp/wrk.out")
	errs=$(sed -n 's/.*Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' \
	    "$tmp/wrk.out")
	if [ -n "$errs" ] && [ "$errs" != 0 ]; then
		echo "bench_issuer: $1: $errs non-2xx answers" >&2
		cat "$tmp/wrk.out" >&2
		exit 1
	fi
	printf 'BENCH %s %.0f 1/s (%d connections, %d threads, %d s)\n' \
	    "$1" "$rps" "$conns" "$threads" "$secs"
	printf 'BENCH %s_p99 %s ms\n' "$1" "$p99"
}

start plain --insecure-http
run registry_rps "http://127.0.0.1:$port/registry/1/checkpoint"
stop
start tls
run registry_rps_tls "https://127.0.0.1:$port/registry/1/checkpoint"
stop
