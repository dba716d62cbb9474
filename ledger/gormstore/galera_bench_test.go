package gormstore_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
	"github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// galeraBenchConfig is one way of writing: which database answers each
// writer, and how many towns (logs) the writers share.
type galeraBenchConfig struct {
	name  string
	about string
	plain bool // the single MariaDB (SUNSHINE_TEST_MYSQL_DSN), not the cluster
	// haproxy: node k is reached through HAProxy frontend k
	// (SUNSHINE_BENCH_GALERA_HAPROXY), which sends to node k while it is
	// up and to the other nodes (backup servers) when it is not.
	haproxy bool
	towns   int
	// node returns the cluster node (0, 1, 2) writer w of town t writes through.
	node func(w, t int) int
}

var galeraBenchConfigs = []galeraBenchConfig{
	{name: "a-mariadb", about: "one plain MariaDB, 1 town", plain: true, towns: 1, node: func(w, t int) int { return 0 }},
	{name: "b-galera-1node", about: "Galera, every writer through node 1, 1 town", towns: 1, node: func(w, t int) int { return 0 }},
	{name: "c-galera-2nodes", about: "Galera, writers alternate node 1 and node 2, 1 town", towns: 1, node: func(w, t int) int { return w % 2 }},
	{name: "c-galera-3nodes", about: "Galera, writers spread over the 3 nodes, 1 town", towns: 1, node: func(w, t int) int { return w % 3 }},
	{name: "d-galera-3towns-spread", about: "Galera, 3 towns, each town's writers spread over the 3 nodes (no affinity)", towns: 3,
		node: func(w, t int) int { return (w / 3) % 3 }},
	{name: "d-galera-3towns-affinity", about: "Galera, 3 towns, town k's writers all through node k (affinity)", towns: 3,
		node: func(w, t int) int { return t }},
	{name: "d-galera-3towns-haproxy", about: "Galera, 3 towns, town k's writers through HAProxy frontend k (node k, the others as backups)", towns: 3,
		haproxy: true, node: func(w, t int) int { return t }},
}

// galeraBenchResult is one run of one configuration.
type galeraBenchResult struct {
	entries   int
	errors    int
	secs      float64
	p50, p99  time.Duration
	conflicts int64 // wsrep_local_cert_failures + wsrep_local_bf_aborts, summed over the nodes
}

func benchEnvInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// BenchmarkGaleraAppend (issue 21) measures the ledger's own append path
// (ledger.Do with an Idempotency-Key, one payment-sized entry a request, as
// BenchmarkAppend64) under SUNSHINE_BENCH_GALERA_WRITERS (default 32)
// concurrent writers for SUNSHINE_BENCH_GALERA_SECONDS (default 10) in each
// configuration of galeraBenchConfigs: one plain MariaDB
// (SUNSHINE_TEST_MYSQL_DSN, start it with the durable settings), and a
// 3-node Galera cluster (SUNSHINE_TEST_GALERA_DSNS, .ci/galera.sh) with the
// writers on one node, on two or three nodes, and with three towns spread
// or routed one town to one node (directly, or through HAProxy frontends
// in SUNSHINE_BENCH_GALERA_HAPROXY). Each writer has its own ledger.Ledger and
// gormstore.Store per node it writes through, as separate `serve`
// processes would. The configurations run interleaved,
// SUNSHINE_BENCH_GALERA_ROUNDS (default 3) rounds, the order rotated each
// round, each run on a fresh database. Reported (b.Log, and to
// SUNSHINE_BENCH_GALERA_OUT when set): appends/s, p50 and p99 of one
// append, certification conflicts and brute-force aborts per second, per
// run and the median per configuration. `make bench-galera` runs it.
func BenchmarkGaleraAppend(b *testing.B) {
	plainDSN := os.Getenv(gormstoretest.MySQLEnv)
	var nodes []string
	if raw := os.Getenv("SUNSHINE_TEST_GALERA_DSNS"); raw != "" {
		nodes = strings.Split(raw, ",")
		if len(nodes) != 3 {
			b.Fatalf("SUNSHINE_TEST_GALERA_DSNS: want 3 DSNs, got %d", len(nodes))
		}
	}
	if plainDSN == "" && nodes == nil {
		b.Skip("neither SUNSHINE_TEST_MYSQL_DSN nor SUNSHINE_TEST_GALERA_DSNS is set (make bench-galera)")
	}
	// HAProxy frontends (scripts/bench-galera.sh starts them when haproxy is
	// installed): the node DSNs with the frontends' addresses.
	var proxied []string
	if raw := os.Getenv("SUNSHINE_BENCH_GALERA_HAPROXY"); raw != "" && nodes != nil {
		for i, addr := range strings.Split(raw, ",") {
			cfg, err := mysql.ParseDSN(nodes[i])
			if err != nil {
				b.Fatal(err)
			}
			cfg.Addr = addr
			proxied = append(proxied, cfg.FormatDSN())
		}
		if len(proxied) != 3 {
			b.Fatalf("SUNSHINE_BENCH_GALERA_HAPROXY: want 3 addresses, got %d", len(proxied))
		}
	}
	var configs []galeraBenchConfig
	for _, c := range galeraBenchConfigs {
		switch {
		case c.plain && plainDSN != "", c.haproxy && proxied != nil, !c.plain && !c.haproxy && nodes != nil:
			configs = append(configs, c)
		}
	}
	if only := os.Getenv("SUNSHINE_BENCH_GALERA_ONLY"); only != "" {
		configs = slices.DeleteFunc(configs, func(c galeraBenchConfig) bool { return !strings.Contains(c.name, only) })
	}
	writers := benchEnvInt("SUNSHINE_BENCH_GALERA_WRITERS", 32)
	dur := time.Duration(benchEnvInt("SUNSHINE_BENCH_GALERA_SECONDS", 10)) * time.Second
	rounds := benchEnvInt("SUNSHINE_BENCH_GALERA_ROUNDS", 3)
	for b.Loop() {
		results := map[string][]galeraBenchResult{}
		var lines []string
		logf := func(format string, args ...any) {
			line := fmt.Sprintf(format, args...)
			lines = append(lines, line)
			b.Log(line)
		}
		logf("writers %d, %s a run, %d rounds; MariaDB %s", writers, dur, rounds, galeraBenchVersion(b, plainDSN, nodes))
		for r := range rounds {
			for k := range configs {
				c := configs[(k+r)%len(configs)]
				dsns := nodes
				switch {
				case c.plain:
					dsns = []string{plainDSN}
				case c.haproxy:
					dsns = proxied
				}
				res := galeraBenchRun(b, c, dsns, writers, dur)
				results[c.name] = append(results[c.name], res)
				logf("round %d %-26s %7.1f appends/s  p50 %6.1f ms  p99 %7.1f ms  %6.1f conflicts/s  (%d appends, %d errors)",
					r+1, c.name, float64(res.entries)/res.secs, ms(res.p50), ms(res.p99), float64(res.conflicts)/res.secs, res.entries, res.errors)
			}
		}
		logf("median of %d rounds:", rounds)
		logf("| configuration | appends/s | p50 ms | p99 ms | conflicts/s | errors |")
		logf("|---|---:|---:|---:|---:|---:|")
		for _, c := range configs {
			rs := results[c.name]
			med := func(f func(galeraBenchResult) float64) float64 {
				v := make([]float64, len(rs))
				for i, x := range rs {
					v[i] = f(x)
				}
				slices.Sort(v)
				return v[len(v)/2]
			}
			errs := 0
			for _, x := range rs {
				errs += x.errors
			}
			logf("| %s (%s) | %.0f | %.1f | %.1f | %.1f | %d |", c.name, c.about,
				med(func(x galeraBenchResult) float64 { return float64(x.entries) / x.secs }),
				med(func(x galeraBenchResult) float64 { return ms(x.p50) }),
				med(func(x galeraBenchResult) float64 { return ms(x.p99) }),
				med(func(x galeraBenchResult) float64 { return float64(x.conflicts) / x.secs }), errs)
		}
		if out := os.Getenv("SUNSHINE_BENCH_GALERA_OUT"); out != "" {
			if err := os.WriteFile(out, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
				b.Error(err)
			}
		}
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func galeraBenchVersion(b *testing.B, plain string, nodes []string) string {
	dsn := plain
	if dsn == "" {
		dsn = nodes[0]
	}
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var v string
	var flush, sync int
	if err := db.QueryRow("SELECT VERSION(), @@innodb_flush_log_at_trx_commit, @@sync_binlog").Scan(&v, &flush, &sync); err != nil {
		b.Fatal(err)
	}
	s := fmt.Sprintf("%s (innodb_flush_log_at_trx_commit=%d, sync_binlog=%d", v, flush, sync)
	if len(nodes) > 0 && plain != "" {
		g, err := sql.Open("mysql", nodes[0])
		if err == nil {
			g.QueryRow("SELECT @@innodb_flush_log_at_trx_commit, @@sync_binlog").Scan(&flush, &sync)
			g.Close()
			s += fmt.Sprintf("; Galera nodes: %d, %d", flush, sync)
		}
	}
	return s + ")"
}

// galeraBenchRun runs one configuration on a fresh database.
func galeraBenchRun(b *testing.B, c galeraBenchConfig, nodes []string, writers int, dur time.Duration) galeraBenchResult {
	ctx := context.Background()
	admins := make([]*sql.DB, len(nodes))
	cfgs := make([]*mysql.Config, len(nodes))
	for i, d := range nodes {
		cfg, err := mysql.ParseDSN(d)
		if err != nil {
			b.Fatal(err)
		}
		cfg.DBName = ""
		cfgs[i] = cfg
		if admins[i], err = sql.Open("mysql", cfg.FormatDSN()); err != nil {
			b.Fatal(err)
		}
		defer admins[i].Close()
	}
	var raw [6]byte
	_, _ = rand.Read(raw[:])
	name := "sunshine_bg_" + hex.EncodeToString(raw[:])
	if _, err := admins[0].Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		b.Fatal(err)
	}
	defer admins[0].Exec("DROP DATABASE IF EXISTS " + name)

	// One store and one ledger per node in use, as one `serve` per node.
	used := map[int]bool{}
	for w := range writers {
		used[c.node(w, w%c.towns)] = true
	}
	stores := map[int]*gormstore.Store{}
	ledgers := map[int]*ledger.Ledger{}
	logs := map[int][]ledger.Log{}
	order := []int{}
	for n := range len(nodes) {
		if used[n] {
			order = append(order, n)
		}
	}
	for k, n := range order {
		if k == 1 {
			// The first store migrated and created the logs: every node applies
			// that DDL before another opens the tables (a node that opens a
			// table while it applies a CREATE TRIGGER answers "Unknown trigger
			// has an error in its body").
			galeraBenchConverge(b, admins)
		}
		cfg := *cfgs[n]
		cfg.DBName, cfg.ParseTime = name, true
		s, err := gormstore.Open("mysql://" + cfg.FormatDSN())
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		if _, err := s.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		l := ledger.New(ledger.Options{Store: s, Key: ledgertest.MustKey(b), Now: time.Now, Location: ledgertest.Shanghai(b)})
		defer l.Close()
		for t := range c.towns {
			town := fmt.Sprintf("43018111%d", t+1)
			lg, err := l.EnsureLog(ctx, town, "ledger.test/log/"+town)
			if err != nil {
				b.Fatal(err)
			}
			logs[n] = append(logs[n], lg)
		}
		stores[n], ledgers[n] = s, l
	}

	conflicts := func() int64 {
		var sum int64
		for _, db := range admins {
			for _, v := range []string{"wsrep_local_cert_failures", "wsrep_local_bf_aborts"} {
				var k string
				var val sql.NullString
				if db.QueryRow("SHOW GLOBAL STATUS LIKE '"+v+"'").Scan(&k, &val) == nil {
					n, _ := strconv.ParseInt(val.String, 10, 64)
					sum += n
				}
			}
		}
		return sum
	}

	var (
		next    atomic.Int64
		nerr    atomic.Int64
		mu      sync.Mutex
		lat     []time.Duration
		wg      sync.WaitGroup
		errOnce sync.Once
	)
	c0 := conflicts()
	start := time.Now()
	deadline := start.Add(dur)
	for w := range writers {
		t := w % c.towns
		n := c.node(w, t)
		l, lg := ledgers[n], logs[n][t]
		wg.Go(func() {
			var mine []time.Duration
			for time.Now().Before(deadline) {
				i := int(next.Add(1))
				payload := ledger.PreparePayload(benchPayload(i))
				idem := &ledger.Idem{IdemScope: ledger.IdemScope{UserID: fmt.Sprintf("u%d", w), Method: "POST", Route: "/api/v1/payments", Key: fmt.Sprintf("k%d", i)}}
				t0 := time.Now()
				_, _, err := ledger.Do(ctx, l, lg, idem, func(bt *ledger.Batch) (int64, error) {
					e, err := bt.Append(ledger.AppendInput{Type: "payment_recorded", Actor: "u1", Payload: payload})
					return e.Seq, err
				})
				if err != nil {
					nerr.Add(1)
					errOnce.Do(func() { b.Logf("%s: first error: %v", c.name, err) })
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	res := galeraBenchResult{entries: len(lat), errors: int(nerr.Load()), secs: secs, conflicts: conflicts() - c0}
	slices.Sort(lat)
	if len(lat) > 0 {
		res.p50, res.p99 = lat[len(lat)/2], lat[len(lat)*99/100]
	}
	return res
}

// galeraBenchConverge waits until every node has committed the same last
// write set (at most 30 s): nothing is left to apply anywhere.
func galeraBenchConverge(b *testing.B, admins []*sql.DB) {
	var last []int64
	for range 300 {
		last = last[:0]
		for _, db := range admins {
			var k string
			var v int64
			if err := db.QueryRow("SHOW GLOBAL STATUS LIKE 'wsrep_last_committed'").Scan(&k, &v); err != nil {
				v = -1
			}
			last = append(last, v)
		}
		if last[0] > 0 && !slices.ContainsFunc(last, func(v int64) bool { return v != last[0] }) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.Fatalf("the nodes did not converge: wsrep_last_committed %v", last)
}
