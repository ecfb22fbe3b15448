#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# make bench: runs every benchmark of a release build and prints the
# BENCH lines with the machine they ran on (copy them into
# bench/RESULTS.md).
set -eu
dir=${1:-build-bench}
cd "$(dirname "$0")/.."
echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(uname -srm)"
echo "# cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //') x $(nproc)"
"$dir/bench/bench_core"
"$dir/bench/bench_status"
"$dir/bench/bench_registry"
"$dir/bench/bench_log"
"$dir/bench/bench_wallet"
"$dir/bench/bench_till"
"$dir/bench/bench_settle"
"$dir/bench/bench_ledger"
bench/bench_issuer.sh "$dir"
bench/bench_issue.sh "$dir"
