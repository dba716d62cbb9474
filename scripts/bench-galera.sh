#!/usr/bin/env bash
# scripts/bench-galera.sh - issue 21's benchmarks on Galera (BENCHMARKS.md, "Galera (issue 21)").
#
# Starts one plain MariaDB with the durable settings (.ci/mariadb.sh,
# innodb_flush_log_at_trx_commit=1, sync_binlog=1) and a 3-node Galera cluster
# (.ci/galera.sh, the same settings on every node), runs BenchmarkGaleraAppend
# (ledger/gormstore/galera_bench_test.go) against both in one session, its
# configurations interleaved, then stops both. Figures go to
# bench-results-galera.txt (or $SUNSHINE_BENCH_GALERA_OUT).
#
# Knobs (environment): SUNSHINE_BENCH_GALERA_WRITERS (32), SUNSHINE_BENCH_GALERA_SECONDS
# (10 a run), SUNSHINE_BENCH_GALERA_ROUNDS (3), SUNSHINE_BENCH_GALERA_ONLY (a substring
# of the configuration names). About 5 minutes with the defaults.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
export SUNSHINE_BENCH_GALERA_OUT="${SUNSHINE_BENCH_GALERA_OUT:-$PWD/bench-results-galera.txt}"
# shellcheck source=../.ci/mariadb.sh
source .ci/mariadb.sh
SUNSHINE_MARIADB_EXTRA_ARGS="--innodb-flush-log-at-trx-commit=1 --sync-binlog=1" sunshine_mariadb_start || exit 1
trap 'sunshine_mariadb_stop' EXIT
bash .ci/galera.sh run go test -count=1 -timeout 30m -run '^$' -bench '^BenchmarkGaleraAppend$' -benchtime 1x ./ledger/gormstore
rc=$?
echo "figures: $SUNSHINE_BENCH_GALERA_OUT" >&2
exit "$rc"
