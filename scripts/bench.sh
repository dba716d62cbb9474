#!/usr/bin/env bash
# Runs every benchmark once at SUNSHINE_BENCH_N entries (default 1,000,000)
# on SQLite and on a throwaway MariaDB, and writes bench-results.txt.
set -uo pipefail
cd "$(dirname "$0")/.."
export SUNSHINE_BENCH_N=${SUNSHINE_BENCH_N:-1000000}
source .ci/mariadb.sh
sunshine_mariadb_start || exit 1
trap 'sunshine_mariadb_stop "$SUNSHINE_MARIADB_DIR"' EXIT
{
  echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) SUNSHINE_BENCH_N=$SUNSHINE_BENCH_N"
  echo "# $(go version); $(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(free -g | awk '/Mem:/{print $2}') GiB"
  echo "# $(mariadb --version)"
  go test -run '^$' -bench . -benchtime=1x -timeout 3h ./... 2>&1
} | tee bench-results.txt
