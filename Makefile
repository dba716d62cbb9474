# Conveniences; the two commands of the README need only Go.
.PHONY: run test bench galera-test

run:
	go run ./cmd/sunshine serve

test:
	go test -timeout 30m ./...

# Every benchmark at 1,000,000 entries on SQLite and on a throwaway MariaDB
# (started and stopped by .ci/mariadb.sh). Figures go to bench-results.txt;
# BENCHMARKS.md explains them.
bench:
	bash scripts/bench.sh

# Issue 21: two `serve` processes writing through two nodes of a real 3-node
# MariaDB Galera cluster on loopback, a node killed (-9) and rejoined under
# load, then verify --deep on every node and rebuild (TestGaleraTwoWriters).
# .ci/galera.sh starts the cluster (as root it installs galera-4 and rsync
# when missing) and stops it afterwards. About 2 minutes; not in .ci/run.
galera-test:
	bash .ci/galera.sh run go test -count=1 -timeout 20m -run '^TestGaleraTwoWriters$$' -v ./cmd/sunshine
