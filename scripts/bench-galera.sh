#!/usr/bin/env bash
# scripts/bench-galera.sh - issue 21's benchmarks on Galera (BENCHMARKS.md, "Galera (issue 21)").
#
# Starts one plain MariaDB with the durable settings (.ci/mariadb.sh,
# innodb_flush_log_at_trx_commit=1, sync_binlog=1) and a 3-node Galera cluster
# (.ci/galera.sh, the same settings on every node), and, when Debian's haproxy is
# installed, HAProxy with one TCP frontend per node (frontend k sends to node k, the
# other nodes are its backups); runs BenchmarkGaleraAppend
# (ledger/gormstore/galera_bench_test.go) against all of them in one session, its
# configurations interleaved; then stops everything. Figures go to
# bench-results-galera.txt (or $SUNSHINE_BENCH_GALERA_OUT).
#
# Knobs (environment): SUNSHINE_BENCH_GALERA_WRITERS (32), SUNSHINE_BENCH_GALERA_SECONDS
# (10 a run), SUNSHINE_BENCH_GALERA_ROUNDS (3), SUNSHINE_BENCH_GALERA_ONLY (a substring
# of the configuration names), SUNSHINE_BENCH_GALERA_NO_HAPROXY=1. About 5 minutes
# with the defaults.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

bench() {
    go test -count=1 -timeout 30m -run '^$' -bench '^BenchmarkGaleraAppend$' -benchtime 1x ./ledger/gormstore
}

# Inside .ci/galera.sh run: the cluster's variables are exported.
if [ "${1:-}" = --inner ]; then
    if [ "${SUNSHINE_BENCH_GALERA_NO_HAPROXY:-}" = 1 ] || ! command -v haproxy >/dev/null 2>&1; then
        echo "==> bench: no haproxy (apt-get install haproxy): its configuration is left out" >&2
        bench
        exit $?
    fi
    read -r -a sql <<<"$SUNSHINE_GALERA_PORTS"
    front=() port=35306
    while [ "${#front[@]}" -lt 3 ] && [ "$port" -lt 35706 ]; do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || front+=("$port")
        port=$((port + 1))
    done
    cfg="$SUNSHINE_GALERA_DIR/haproxy.cfg"
    {
        printf 'global\n    maxconn 2000\n\ndefaults\n    mode tcp\n    timeout connect 3s\n    timeout client 1h\n    timeout server 1h\n'
        for k in 0 1 2; do
            printf '\nlisten galera_node%d\n    bind 127.0.0.1:%s\n    option tcpka\n' $((k + 1)) "${front[k]}"
            for j in 0 1 2; do
                n=$(((k + j) % 3))
                backup=""
                [ "$j" -gt 0 ] && backup=" backup"
                printf '    server node%d 127.0.0.1:%s check inter 1s fall 2 rise 2%s\n' $((n + 1)) "${sql[n]}" "$backup"
            done
        done
    } >"$cfg"
    haproxy -c -q -f "$cfg" || exit 1
    haproxy -D -f "$cfg" -p "$SUNSHINE_GALERA_DIR/haproxy.pid" || exit 1
    echo "==> bench: haproxy frontends 127.0.0.1:${front[0]},${front[1]},${front[2]} ($cfg)" >&2
    export SUNSHINE_BENCH_GALERA_HAPROXY="127.0.0.1:${front[0]},127.0.0.1:${front[1]},127.0.0.1:${front[2]}"
    bench
    rc=$?
    kill "$(cat "$SUNSHINE_GALERA_DIR/haproxy.pid")" 2>/dev/null
    exit "$rc"
fi

export SUNSHINE_BENCH_GALERA_OUT="${SUNSHINE_BENCH_GALERA_OUT:-$PWD/bench-results-galera.txt}"
# shellcheck source=../.ci/mariadb.sh
source .ci/mariadb.sh
SUNSHINE_MARIADB_EXTRA_ARGS="--innodb-flush-log-at-trx-commit=1 --sync-binlog=1" sunshine_mariadb_start || exit 1
trap 'sunshine_mariadb_stop' EXIT
bash .ci/galera.sh run bash "$PWD/scripts/bench-galera.sh" --inner
rc=$?
echo "figures: $SUNSHINE_BENCH_GALERA_OUT" >&2
exit "$rc"
