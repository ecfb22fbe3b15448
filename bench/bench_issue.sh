#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Issuance benchmarks (issue 4): starts stadspas-issuerd with
# --insecure-http on loopback on a fresh data directory and drives
# POST /wallet/nonce + POST /wallet/credential with bench_issue's own load
# generator (64 connections), beside the same-run bound (one Ed25519 sign,
# one verify, one durable LMDB commit); then the in-process bulk renewal
# benchmark
# (RESIDENTS x 10 copies, 2 signing threads). Prints BENCH lines.
#
#   bench/bench_issue.sh [BUILD_DIR] [SECONDS] [CONNECTIONS] [RESIDENTS]
set -eu
dir=${1:-build-bench}
secs=${2:-10}
conns=${3:-64}
residents=${4:-10000}
cd "$(dirname "$0")/.."
daemon="$dir/issuer/stadspas-issuerd"
bench="$dir/bench/bench_issue"
[ -x "$daemon" ] && [ -x "$bench" ] || {
	echo "bench_issue: no $daemon or $bench" >&2; exit 1; }

tmp=$(mktemp -d /tmp/sp-bench-issue-XXXXXX)
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

chmod 700 "$tmp"
"$dir/issuer/stadspas-issuerd" --data-dir "$tmp/data" \
    --listen 127.0.0.1:0 --insecure-http --admin-bootstrap \
    2>"$tmp/log" &
pid=$!
port=""
i=0
while [ $i -lt 100 ]; do
	port=$(sed -n 's/.*msg=listening .*port=\([0-9]*\).*/\1/p' \
	    "$tmp/log" | head -n 1)
	[ -n "$port" ] && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
	i=$((i + 1))
done
token=$(sed -n 's/.*admin bootstrap token .*: \([0-9a-f]\{64\}\)$/\1/p' \
    "$tmp/log" | head -n 1)
if [ -z "$port" ] || [ -z "$token" ]; then
	echo "bench_issue: the daemon did not start:" >&2
	cat "$tmp/log" >&2
	exit 1
fi
"$bench" http "$port" "$token" "$secs" "$conns"
kill "$pid"
wait "$pid" 2>/dev/null || true
pid=""
"$bench" bulk "$residents" 10 2
