#!/usr/bin/env bash
# scripts/bench-peers.sh - issue 22: the ledger side by side with its peers
# (BENCHMARKS.md, "Peers (issue 22)").
#
# Starts a throwaway MariaDB with the durable settings (.ci/mariadb.sh,
# innodb_flush_log_at_trx_commit=1, sync_binlog=1, from port
# $SUNSHINE_MARIADB_BASE_PORT, default 36306), builds the separate module
# bench/peers (Tessera v1.0.4, immudb v1.9.5: never in the product's go.mod),
# runs it, and stops the server. The ledger's appends in round 1 on SQLite
# are CPU-profiled; `go tool pprof -top` of that profile follows the table.
#
#   bash scripts/bench-peers.sh              # full size: 100,000 appends x 7 rounds
#   bash scripts/bench-peers.sh --small      # CI: 2,000 appends, 1 round (< 2 minutes)
#   bash scripts/bench-peers.sh -n 20000 -rounds 5   # any flag of the command
#
# Figures go to bench-results-peers.txt (--small: bench-results-peers-small.txt),
# or $SUNSHINE_BENCH_PEERS_OUT; the profile to bench-peers-ledger.prof (-small.prof).
# Exits non-zero when a system failed (the others still ran).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

out=bench-results-peers.txt prof=bench-peers-ledger.prof
for a in "$@"; do
    if [ "$a" = --small ] || [ "$a" = -small ]; then
        out=bench-results-peers-small.txt prof=bench-peers-ledger-small.prof
    fi
done
out=${SUNSHINE_BENCH_PEERS_OUT:-$out}

args=()
for a in "$@"; do
    case "$a" in --small) args+=(-small) ;; *) args+=("$a") ;; esac
done

tmp=$(mktemp -d) || exit 1
echo "==> bench-peers: building bench/peers" >&2
if ! (cd bench/peers && go build -o "$tmp/peers" .); then
    rm -rf "$tmp"
    exit 1
fi

export SUNSHINE_MARIADB_BASE_PORT=${SUNSHINE_MARIADB_BASE_PORT:-36306}
export SUNSHINE_MARIADB_EXTRA_ARGS="${SUNSHINE_MARIADB_EXTRA_ARGS:-} --innodb-flush-log-at-trx-commit=1 --sync-binlog=1"
source .ci/mariadb.sh
if ! sunshine_mariadb_start; then
    echo "==> bench-peers: MariaDB did not start: the MariaDB systems are skipped" >&2
    unset SUNSHINE_TEST_MYSQL_DSN SUNSHINE_MARIADB_DIR
fi
cleanup() {
    [ -n "${SUNSHINE_MARIADB_DIR:-}" ] && sunshine_mariadb_stop "$SUNSHINE_MARIADB_DIR"
    rm -rf "$tmp"
}
trap cleanup EXIT

start=$(date +%s)
{
    echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) scripts/bench-peers.sh $*"
    echo "# $(go version); $(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(free -g | awk '/Mem:/{print $2}') GiB"
    echo "# uptime before: $(uptime)"
    TMPDIR=${SUNSHINE_BENCH_PEERS_TMP:-${TMPDIR:-/tmp}} "$tmp/peers" -cpuprofile "$prof" "${args[@]}" 2>&1
    rc=$?
    echo
    echo "# uptime after: $(uptime)"
    echo "# $(($(date +%s) - start)) s"
    if [ -s "$prof" ]; then
        echo
        echo "CPU profile of the ledger's appends on SQLite, round 1 ($prof):"
        echo
        go tool pprof -top -nodecount=30 "$tmp/peers" "$prof" 2>&1
    fi
    exit $rc
} | tee "$out"
exit "${PIPESTATUS[0]}"
