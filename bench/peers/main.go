// Command peers runs the same append workload on the ledger, its raw-INSERT
// baselines, Tessera (POSIX and MySQL drivers) and immudb's embedded store,
// at durable settings, in interleaved rounds, and prints same-round ratios
// (issue 22). It is its own module so that Tessera and immudb never enter the
// product's go.mod.
//
//	cd bench/peers && go run . [-n 100000] [-rounds 7] [-small]
//
// The MariaDB systems need a DSN of a user allowed to create databases
// (-mysql-dsn, default $SUNSHINE_TEST_MYSQL_DSN, as .ci/mariadb.sh exports)
// and are skipped without one. The server's CPU is read from /proc for the
// pid in $SUNSHINE_MARIADB_DIR/mariadbd.pid (or -mariadb-pid).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"k8s.io/klog/v2"
)

type config struct {
	N             int
	Writers       int
	Rounds        int
	Proofs        int
	Systems       []string
	MySQLDSN      string
	MariaDBPID    int
	TesseraBatch  uint
	TesseraAge    time.Duration
	TesseraSchema string
	ImmudbConc    int
	RawBatch      int
	Dir           string
	CPUProfile    string
	ProfileSys    string
}

var allSystems = []string{"ledger-sqlite", "raw-sqlite", "tessera-posix", "immudb", "ledger-mysql", "raw-mysql", "tessera-mysql"}

func (c config) factory(name string) func() system {
	switch name {
	case "ledger-sqlite":
		return func() system { return &ledgerSys{dialect: "sqlite"} }
	case "ledger-mysql":
		return func() system { return &ledgerSys{dialect: "mysql", adminDSN: c.MySQLDSN} }
	case "raw-sqlite":
		return func() system { return &rawSys{dialect: "sqlite", batch: c.RawBatch} }
	case "raw-mysql":
		return func() system { return &rawSys{dialect: "mysql", adminDSN: c.MySQLDSN, batch: c.RawBatch} }
	case "tessera-posix":
		return func() system {
			return &tesseraSys{driver: "posix", batchSize: c.TesseraBatch, batchAge: c.TesseraAge}
		}
	case "tessera-mysql":
		return func() system {
			return &tesseraSys{driver: "mysql", adminDSN: c.MySQLDSN, schemaPath: c.TesseraSchema, batchSize: c.TesseraBatch, batchAge: c.TesseraAge}
		}
	case "immudb":
		return func() system { return &immudbSys{maxConcurrency: c.ImmudbConc} }
	}
	return nil
}

// Tessera logs through klog (progress lines on stderr); failures reach the
// table through the errors its calls return.
func init() {
	klog.LogToStderr(false)
	klog.SetOutput(io.Discard)
}

// mysqlDSNFromEnv is the DSN .ci/mariadb.sh exports.
func mysqlDSNFromEnv() string { return os.Getenv("SUNSHINE_TEST_MYSQL_DSN") }

func defaultMariaDBPID() int {
	dir := os.Getenv("SUNSHINE_MARIADB_DIR")
	if dir == "" {
		return 0
	}
	b, err := os.ReadFile(filepath.Join(dir, "mariadbd.pid"))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

func main() {
	var c config
	var systems string
	small := flag.Bool("small", false, "CI size: 2,000 appends, 1 round (overrides -n and -rounds)")
	flag.IntVar(&c.N, "n", 100000, "appends per system per round")
	flag.IntVar(&c.Writers, "writers", 64, "closed-loop writers")
	flag.IntVar(&c.Rounds, "rounds", 7, "interleaved rounds (the order rotates each round)")
	flag.IntVar(&c.Proofs, "proofs", 1000, "inclusion proofs per system per round, at full size")
	flag.StringVar(&systems, "systems", strings.Join(allSystems, ","), "systems to run")
	flag.StringVar(&c.MySQLDSN, "mysql-dsn", mysqlDSNFromEnv(), "go-sql-driver DSN of a MariaDB user allowed to create databases; empty skips the MariaDB systems")
	flag.IntVar(&c.MariaDBPID, "mariadb-pid", defaultMariaDBPID(), "pid of mariadbd, for its CPU (default from $SUNSHINE_MARIADB_DIR/mariadbd.pid)")
	flag.UintVar(&c.TesseraBatch, "tessera-batch", 64, "Tessera batch max size (its default is 256)")
	flag.DurationVar(&c.TesseraAge, "tessera-age", 10*time.Millisecond, "Tessera batch max age (its default is 250ms)")
	flag.StringVar(&c.TesseraSchema, "tessera-schema", "", "Tessera's storage/mysql/schema.sql (default: from the module cache)")
	flag.IntVar(&c.ImmudbConc, "immudb-max-concurrency", 256, "immudb MaxConcurrency (its default is 30)")
	flag.IntVar(&c.RawBatch, "raw-batch", 64, "raw baseline: rows per transaction from one committer (1: every writer its own autocommit INSERT)")
	flag.StringVar(&c.Dir, "dir", "", "directory for the stores (default: a new temporary directory)")
	flag.StringVar(&c.CPUProfile, "cpuprofile", "", "write a CPU profile of -profile-system's appends in round 1 to this file")
	flag.StringVar(&c.ProfileSys, "profile-system", "ledger-sqlite", "system whose appends -cpuprofile covers")
	flag.Parse()
	if *small {
		c.N, c.Rounds = 2000, 1
	}
	c.Systems = strings.Split(systems, ",")
	if _, err := run(context.Background(), c, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "peers:", err)
		os.Exit(1)
	}
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// run runs every round and prints the figures and the ratios to out. It
// returns every result; the error names the systems that failed (the others
// still ran).
func run(ctx context.Context, c config, out io.Writer) ([]result, error) {
	var names, skipped []string
	for _, name := range c.Systems {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if c.factory(name) == nil {
			return nil, fmt.Errorf("unknown system %q (known: %s)", name, strings.Join(allSystems, ","))
		}
		if strings.HasSuffix(name, "-mysql") && c.MySQLDSN == "" {
			skipped = append(skipped, name)
			continue
		}
		names = append(names, name)
	}
	base := c.Dir
	if base == "" {
		d, err := os.MkdirTemp("", "sunshine-peers-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(d)
		base = d
	}
	host, _ := os.Hostname()
	fmt.Fprintf(out, "# %s peers: n=%d writers=%d rounds=%d proofs=%d\n", time.Now().UTC().Format(time.RFC3339), c.N, c.Writers, c.Rounds, c.Proofs)
	fmt.Fprintf(out, "# %s; %d cores; host %s; load average at start %s\n", runtime.Version(), runtime.NumCPU(), host, loadavg())
	fmt.Fprintf(out, "# tessera v1.0.4 batching %d entries / %s; immudb v1.9.5 synced, MaxConcurrency %d; raw baseline %s\n",
		c.TesseraBatch, c.TesseraAge, c.ImmudbConc, rawMode(c.RawBatch))
	if len(skipped) > 0 {
		fmt.Fprintf(out, "# skipped, no MariaDB DSN (-mysql-dsn or SUNSHINE_TEST_MYSQL_DSN): %s\n", strings.Join(skipped, ", "))
	}
	if c.MySQLDSN != "" {
		fmt.Fprintf(out, "# %s\n", mariadbSettings(c.MySQLDSN))
		if c.MariaDBPID > 0 {
			fmt.Fprintf(out, "# mariadbd pid %d: its CPU counts for the MariaDB systems\n", c.MariaDBPID)
		} else {
			fmt.Fprintf(out, "# mariadbd pid unknown: the MariaDB systems' CPU is this process's only\n")
		}
	}
	fmt.Fprintln(out)
	fmt.Fprintln(out, "| round | system | appends/s | CPU µs/append (self+server) | full verify s | proof p50 µs |")
	fmt.Fprintln(out, "|---|---|---|---|---|---|")

	var results []result
	var failed []string
	for r := 0; r < c.Rounds; r++ {
		idx := proofIndexes(c.N, c.Proofs, int64(r+1))
		for k := range names {
			name := names[(k+r)%len(names)]
			res, err := runOne(ctx, c, c.factory(name)(), r, idx, base)
			if err != nil {
				fmt.Fprintf(out, "| %d | %s | failed: %v | | | |\n", r+1, name, err)
				failed = append(failed, fmt.Sprintf("%s (round %d): %v", name, r+1, err))
				continue
			}
			results = append(results, res)
			fmt.Fprintf(out, "| %d | %s | %.0f | %.1f (%.1f+%.1f) | %s | %s |\n", r+1, name, res.AppendsPerSec(),
				us(res.CPUPerAppend()), us(res.SelfCPU/time.Duration(res.N)), us(res.ServerCPU/time.Duration(res.N)),
				secs(res.VerifyTime), micros(res.ProofP50))
		}
	}
	fmt.Fprintf(out, "\n# load average at end %s\n\n", loadavg())
	printRatios(out, results, c.Rounds)
	if len(failed) > 0 {
		return results, fmt.Errorf("failed: %s", strings.Join(failed, "; "))
	}
	return results, nil
}

func rawMode(batch int) string {
	if batch <= 1 {
		return "one autocommit INSERT per append from each writer"
	}
	return fmt.Sprintf("one committer, up to %d waiting rows per transaction in one multi-row INSERT", batch)
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

func secs(d time.Duration) string {
	if d == 0 {
		return "—"
	}
	return fmt.Sprintf("%.3f", d.Seconds())
}

func micros(d time.Duration) string {
	if d == 0 {
		return "—"
	}
	return fmt.Sprintf("%.0f", us(d))
}

func runOne(ctx context.Context, c config, s system, round int, idx []int, base string) (res result, err error) {
	res = result{System: s.Name(), Round: round + 1, N: c.N}
	dir, err := os.MkdirTemp(base, s.Name()+"-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	defer func() {
		if cerr := s.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	if err := s.Open(ctx, dir, c.N); err != nil {
		return res, fmt.Errorf("open: %w", err)
	}
	runtime.GC()
	profile := c.CPUProfile != "" && round == 0 && s.Name() == c.ProfileSys
	if profile {
		f, err := os.Create(c.CPUProfile)
		if err != nil {
			return res, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return res, err
		}
	}
	pid := 0
	if s.UsesMariaDB() {
		pid = c.MariaDBPID
	}
	var srv0 time.Duration
	if pid > 0 {
		if srv0, err = procCPU(pid); err != nil {
			return res, err
		}
	}
	cpu0 := selfCPU()
	res.AppendTime, err = runAppends(ctx, s, c.N, c.Writers)
	res.SelfCPU = selfCPU() - cpu0
	if pid > 0 {
		srv1, perr := procCPU(pid)
		if perr != nil && err == nil {
			err = perr
		}
		res.ServerCPU = srv1 - srv0
	}
	if profile {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return res, err
	}
	if err := s.Finish(ctx, c.N); err != nil {
		return res, fmt.Errorf("finish: %w", err)
	}
	if res.Appended, err = s.Count(ctx); err != nil {
		return res, fmt.Errorf("count: %w", err)
	}
	if res.Appended != int64(c.N) {
		return res, fmt.Errorf("%d entries stored after %d appends", res.Appended, c.N)
	}
	ds, err := s.Proofs(ctx, idx)
	if err != nil {
		return res, fmt.Errorf("proofs: %w", err)
	}
	res.ProofP50, res.ProofsCount = median(ds), len(ds)
	start := time.Now()
	has, err := s.Verify(ctx)
	if err != nil {
		return res, fmt.Errorf("verify: %w", err)
	}
	if has {
		res.VerifyTime = time.Since(start)
	}
	return res, nil
}

// comparisons are the ratios reported: ours ÷ theirs, same round.
var comparisons = []struct{ label, ours, theirs string }{
	{"ledger ÷ raw INSERT, SQLite (synchronous=FULL both)", "ledger-sqlite", "raw-sqlite"},
	{"ledger ÷ raw INSERT, MariaDB (same server and settings)", "ledger-mysql", "raw-mysql"},
	{"ledger on SQLite ÷ Tessera v1.0.4 POSIX", "ledger-sqlite", "tessera-posix"},
	{"ledger on MariaDB ÷ Tessera v1.0.4 MySQL driver, same server", "ledger-mysql", "tessera-mysql"},
	{"ledger on SQLite ÷ immudb v1.9.5 embedded (synced)", "ledger-sqlite", "immudb"},
}

func printRatios(out io.Writer, results []result, rounds int) {
	byRound := map[int]map[string]result{}
	for _, r := range results {
		if byRound[r.Round] == nil {
			byRound[r.Round] = map[string]result{}
		}
		byRound[r.Round][r.System] = r
	}
	fmt.Fprintln(out, "Median over rounds of same-round ratios (ledger ÷ other). Appends/s: above 1 the ledger is faster.")
	fmt.Fprintln(out, "CPU per append, full verify and proof p50 are costs or times: below 1 the ledger is cheaper or faster.")
	fmt.Fprintln(out)
	fmt.Fprintln(out, "| comparison | rounds | appends/s | CPU per append | full verify | proof p50 |")
	fmt.Fprintln(out, "|---|---|---|---|---|---|")
	for _, cmp := range comparisons {
		var tput, cpu, ver, prf []float64
		for r := 1; r <= rounds; r++ {
			a, okA := byRound[r][cmp.ours]
			b, okB := byRound[r][cmp.theirs]
			if !okA || !okB {
				continue
			}
			tput = append(tput, a.AppendsPerSec()/b.AppendsPerSec())
			if b.CPUPerAppend() > 0 {
				cpu = append(cpu, float64(a.CPUPerAppend())/float64(b.CPUPerAppend()))
			}
			if a.VerifyTime > 0 && b.VerifyTime > 0 {
				ver = append(ver, a.VerifyTime.Seconds()/b.VerifyTime.Seconds())
			}
			if a.ProofP50 > 0 && b.ProofP50 > 0 {
				prf = append(prf, float64(a.ProofP50)/float64(b.ProofP50))
			}
		}
		if len(tput) == 0 {
			fmt.Fprintf(out, "| %s | 0 | — | — | — | — |\n", cmp.label)
			continue
		}
		fmt.Fprintf(out, "| %s | %d | %s | %s | %s | %s |\n", cmp.label, len(tput), ratio(tput, ""), ratio(cpu, "×"), ratio(ver, "×"), ratio(prf, "×"))
	}
}

func ratio(v []float64, unit string) string {
	if len(v) == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f%s", medianF(v), unit)
}
