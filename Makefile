# Conveniences; the two commands of the README need only Go.
.PHONY: run test bench galera-test bench-galera

run:
	go run ./cmd/sunshine serve

test:
	go test -timeout 30m ./...

# Every benchmark at 1,000,000 entries on SQLite and on a throwaway MariaDB
# (started and stopped by .ci/mariadb.sh). Figures go to bench-results.txt;
# BENCHMARKS.md explains them.
bench:
	bash scripts/bench.sh

# Issue 21: two `serve` processes writing one town through two nodes of a
# real 3-node MariaDB Galera cluster on loopback (serve B with all three
# addresses, so it fails over), two witnesses; serve processes and one
# database node killed (-9) at random moments (seeded, logged) and
# restarted under load; then exactly-once, the witnesses' checkpoints all
# consistent, verify --deep on every node and rebuild (TestGaleraTwoWriters).
# .ci/galera.sh starts the cluster (as root it installs galera-4 and rsync
# when missing) and stops it afterwards. About 95 s (25-35 s of it the
# cluster's start); .ci/run runs it too.
galera-test:
	bash .ci/galera.sh run go test -count=1 -timeout 20m -run '^TestGaleraTwoWriters$$' -v ./cmd/sunshine

# Issue 21: appends/s and p99 on one plain durable MariaDB and on a 3-node
# Galera cluster (writers on one node, on two or three, three towns spread
# or one town per node, directly or through HAProxy when Debian's haproxy is
# installed), interleaved in one session; BENCHMARKS.md "Galera (issue 21)".
# Figures go to bench-results-galera.txt. About 6 minutes.
bench-galera:
	bash scripts/bench-galera.sh

# Issue 22: the ledger side by side with Tessera v1.0.4 (POSIX and MySQL
# drivers), immudb v1.9.5 embedded and raw-INSERT baselines, durable, 64
# writers, interleaved rounds, same-round ratios (BENCHMARKS.md "Peers
# (issue 22)"). Its own module, bench/peers, so the peers stay out of the
# product's go.mod. Starts and stops a throwaway MariaDB. Figures go to
# bench-results-peers.txt. Pass flags with ARGS, e.g. ARGS='-n 20000 -rounds 5';
# ARGS=--small is CI's round (2,000 appends, under a minute).
.PHONY: bench-peers
bench-peers:
	bash scripts/bench-peers.sh $(ARGS)
