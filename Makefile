# Conveniences; the two commands of the README need only Go.
.PHONY: run test bench

run:
	go run ./cmd/sunshine serve

test:
	go test -timeout 30m ./...

# Every benchmark at 1,000,000 entries on SQLite and on a throwaway MariaDB
# (started and stopped by .ci/mariadb.sh). Figures go to bench-results.txt;
# BENCHMARKS.md explains them.
bench:
	bash scripts/bench.sh
