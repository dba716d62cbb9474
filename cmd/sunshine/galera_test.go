package main

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/sunshine-ledger/sunshine/ledger"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// galeraDSNsEnv lists the go-sql-driver DSNs of a 3-node MariaDB Galera
// cluster, comma-separated; .ci/galera.sh start prints it (and
// SUNSHINE_GALERA_SCRIPT and SUNSHINE_GALERA_DIR, with which the test kills
// and restarts a node). `make galera-test` does all of it.
const galeraDSNsEnv = "SUNSHINE_TEST_GALERA_DSNS"

// galeraLoad is how long the paying clients run; the node is killed
// galeraKillAfter into it, and the clients go on for galeraAfterRejoin
// once it is back.
const (
	galeraKillAfter   = 10 * time.Second
	galeraAfterRejoin = 10 * time.Second
	galeraClients     = 6
)

// TestGaleraTwoWriters is issue 21's "several writers on a multi-primary
// cluster", on a real 3-node MariaDB Galera cluster (.ci/galera.sh): two
// `serve` processes, one writing through node 1 and one through node 2,
// share a fresh database (and the data folder, so the same keys) and the
// same town. Six paying clients post payments, each with its own
// Idempotency-Key, alternating the servers and retrying with the same key,
// on the other server, after a 503 or a lost connection. 10 s into the
// load node 2 is killed with SIGKILL (serve B loses its database) and
// restarted (it rejoins by IST or SST); the clients go on until 10 s after
// it is back. Then:
//   - every payment is acknowledged in the end, and listed exactly once,
//     under the id of its acknowledgement, by both servers;
//   - a payment that needed retries was answered with its own payment, and
//     a replay of any key through either server answers the same id;
//   - no answer was other than 2xx or 503 (never a 500);
//   - on every node the log is dense (entries 0…size−1, size = the head)
//     and the fund's paid equals the listed payments;
//   - `sunshine verify --deep` passes against each node and `rebuild`
//     finds the projections equal to a replay.
//
// It logs the cluster's certification failures and brute-force aborts,
// the clients' retries and the payments per second.
//
// Its first runs found a node aborting a write transaction without telling
// the client and running the batch's next statements on their own: a
// payment row committed without its entry (verify --deep: projection
// mismatch), then a duplicate key on every later payment, answered 500.
// gormstore.Write now runs with autocommit off and proves the transaction
// by a savepoint before COMMIT (TestWriteLostTransactionNotCommitted).
func TestGaleraTwoWriters(t *testing.T) {
	raw := os.Getenv(galeraDSNsEnv)
	if raw == "" {
		t.Skip(galeraDSNsEnv + " is not set (make galera-test starts a cluster with .ci/galera.sh)")
	}
	nodeDSNs := strings.Split(raw, ",")
	if len(nodeDSNs) != 3 {
		t.Fatalf("%s: want 3 DSNs, got %d", galeraDSNsEnv, len(nodeDSNs))
	}
	script, clusterDir := os.Getenv("SUNSHINE_GALERA_SCRIPT"), os.Getenv("SUNSHINE_GALERA_DIR")
	if script == "" || clusterDir == "" {
		t.Fatal("SUNSHINE_GALERA_SCRIPT and SUNSHINE_GALERA_DIR must be set too (eval the output of .ci/galera.sh start)")
	}
	for _, v := range []string{"SUNSHINE_DB", "SUNSHINE_SIGNING_KEY_FILE", "SUNSHINE_MASTER_KEY_FILE", "SUNSHINE_MIGRATE", "SUNSHINE_TOWN",
		"SUNSHINE_DEMO", "SUNSHINE_ADMIN_PASSWORD", "SUNSHINE_DEV_CLOCK", "SUNSHINE_CRASH_CHILD", "SUNSHINE_CRASH_ARGS"} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
	began := time.Now()

	// A fresh database on the cluster, reached through each node.
	var b [6]byte
	_, _ = rand.Read(b[:])
	dbName := "sunshine_g_" + hex.EncodeToString(b[:])
	var cfgs []*mysql.Config
	var dsns []string // the service's --db, one per node
	var sqls []*sql.DB
	for i, d := range nodeDSNs {
		cfg, err := mysql.ParseDSN(d)
		if err != nil {
			t.Fatalf("DSN of node %d: %v", i+1, err)
		}
		cfg.DBName = ""
		cfg.ParseTime = true
		db, err := sql.Open("mysql", cfg.FormatDSN())
		if err != nil {
			t.Fatal(err)
		}
		db.SetMaxOpenConns(2)
		t.Cleanup(func() { db.Close() })
		cfgs = append(cfgs, cfg)
		sqls = append(sqls, db)
		c := *cfg
		c.DBName = dbName
		dsns = append(dsns, "mysql://"+c.FormatDSN())
	}
	if _, err := sqls[0].Exec("CREATE DATABASE " + dbName + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		for _, db := range sqls {
			if _, err := db.Exec("DROP DATABASE IF EXISTS " + dbName); err == nil {
				return
			}
		}
	})
	galera := func(args ...string) (string, error) {
		cmd := exec.Command("bash", append([]string{script}, append(args, clusterDir)...)...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	// Whatever happens, node 2 runs again for the next test.
	t.Cleanup(func() {
		if out, err := galera("start", "2"); err != nil {
			t.Logf("restart node 2 at the end: %v\n%s", err, out)
		}
	})
	status := func(db *sql.DB, name string) int64 {
		var k string
		var v sql.NullString
		if err := db.QueryRow("SHOW GLOBAL STATUS LIKE '"+name+"'").Scan(&k, &v); err != nil {
			return -1
		}
		n, _ := strconv.ParseInt(v.String, 10, 64)
		return n
	}
	// The cluster's conflict counters, summed over the nodes that answer.
	conflicts := func() (cert, bf int64) {
		for _, db := range sqls {
			if c := status(db, "wsrep_local_cert_failures"); c > 0 {
				cert += c
			}
			if c := status(db, "wsrep_local_bf_aborts"); c > 0 {
				bf += c
			}
		}
		return cert, bf
	}

	// Serve A through node 1 migrates; serve B through node 2 shares the
	// data folder (the keys).
	const pw = "Galera-two-writers-2026"
	data := filepath.Join(t.TempDir(), "data")
	mk := func(node int) *crashChild {
		addr := freeAddr(t)
		args := []string{"serve", "--data", data, "--addr", addr, "--public-url", "http://ledger.test", "--admin-password", pw,
			"--db", dsns[node], "--migrate", "auto"}
		return &crashChild{t: t, args: args, base: "http://" + addr, tokens: map[string]string{}}
	}
	a := mk(0)
	a.start()
	t.Cleanup(func() {
		if a.cmd != nil && a.cmd.ProcessState == nil {
			a.kill()
		}
	})

	a.login("admin", "admin", pw)
	a.must("POST", "/api/v1/users", "admin", map[string]any{"username": "caiwu", "password": pw, "role": ledger.RoleFinance}, nil)
	a.must("POST", "/api/v1/villages", "admin", map[string]any{"code": "430181117201", "name": "田坪村", "groups": []string{"一组"}}, nil)
	a.login("finance", "caiwu", pw)
	var ids []string
	for i := range 6 {
		id := lt.ID(i+1, 1970+i)
		ids = append(ids, id)
		a.must("POST", "/api/v1/persons", "finance", map[string]any{"village": "430181117201", "group": "一组", "name": "王小明", "id_number": id,
			"relation": "户主", "household_kind": ledger.KindLifted}, nil)
	}
	var fund struct {
		ID int64 `json:"id"`
	}
	a.must("POST", "/api/v1/funds", "finance", map[string]any{"doc_no": "F-GALERA", "name": "衔接资金", "source_level": "县级", "fund_nature": "专项扶贫资金",
		"function_code": "2130599", "purpose": "就业", "year": 2026, "amount": "10000000.00", "arrived_on": "2026-01-05"}, &fund)
	a.must("POST", "/api/v1/projects", "finance", map[string]any{"project_code": "P-GALERA", "name": "公益岗位", "category": "就业", "nature": "新建",
		"village": "田坪村", "location": "田坪村全村", "task": "公益岗位", "budget": "10000000.00",
		"budget_by_source": []map[string]string{{"source_level": "县级", "amount": "10000000.00"}},
		"responsible_unit": "镇头镇人民政府", "responsible_person": "李四", "implementer": "镇头镇人民政府",
		"targets": "带动脱贫户增收", "mechanism": "吸纳脱贫户务工"}, nil)
	for _, to := range []string{ledger.ProjReviewed, ledger.ProjPublicized, ledger.ProjLibrary, ledger.ProjPlanned, ledger.ProjInProgress} {
		body := map[string]any{"to": to, "note": "按程序推进"}
		if to == ledger.ProjInProgress {
			body["approval_doc_no"], body["approved_on"] = "浏乡振发〔2026〕1号", "2026-01-06"
		}
		a.must("POST", "/api/v1/projects/P-GALERA/transitions", "finance", body, nil)
	}
	a.must("POST", "/api/v1/allocations", "finance", map[string]any{"doc_no": "F-GALERA", "project_code": "P-GALERA", "amount": "10000000.00",
		"allocated_on": "2026-01-07", "allocation_doc_no": "镇拨〔2026〕1号"}, nil)

	bsrv := mk(1)
	bsrv.tokens = a.tokens // the session lives in the database
	bsrv.start()
	t.Cleanup(func() {
		if bsrv.cmd != nil && bsrv.cmd.ProcessState == nil {
			bsrv.kill()
		}
	})
	servers := []*crashChild{a, bsrv}
	setup := time.Since(began)

	paymentBody := func(voucher string, i int) []byte {
		b, _ := json.Marshal(map[string]any{"voucher_no": voucher, "project_code": "P-GALERA", "doc_no": "F-GALERA", "payment_kind": "补助",
			"payee_id_number": ids[i%len(ids)], "amount": "1.00", "paid_on": "2026-03-10"})
		return b
	}
	type sent struct {
		key, voucher string
		i            int
		id           int64 // the id of the 2xx answer (0: never acknowledged)
		tries        int
		by           int // the server that acknowledged it
	}
	var (
		mu       sync.Mutex
		payments []*sent
		n503     atomic.Int64 // answers 503 (retried)
		nLost    atomic.Int64 // requests without an answer (retried)
		nByNode  [2]atomic.Int64
		badMu    sync.Mutex
		bad      []string // answers other than 2xx and 503
	)
	cert0, bf0 := conflicts()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	loadStart := time.Now()
	for g := range galeraClients {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				s := &sent{key: fmt.Sprintf("galera-%d-%d", g, i), voucher: fmt.Sprintf("G-%d-%05d", g, i), i: g + i}
				srv := (g + i) % 2
				deadline := time.Now().Add(90 * time.Second)
				for time.Now().Before(deadline) {
					s.tries++
					st, b, err := servers[srv].do("POST", "/api/v1/payments", "finance", "application/json", paymentBody(s.voucher, s.i), s.key)
					if err == nil && st/100 == 2 {
						var v struct {
							ID int64 `json:"id"`
						}
						if json.Unmarshal(b, &v) != nil || v.ID == 0 {
							badMu.Lock()
							bad = append(bad, fmt.Sprintf("%s: %d %s", s.key, st, b))
							badMu.Unlock()
							break
						}
						s.id, s.by = v.ID, srv
						nByNode[srv].Add(1)
						break
					}
					switch {
					case err != nil:
						nLost.Add(1)
					case st == http.StatusServiceUnavailable:
						n503.Add(1)
					default:
						badMu.Lock()
						bad = append(bad, fmt.Sprintf("%s via server %d: %d %s", s.key, srv, st, b))
						badMu.Unlock()
					}
					srv = 1 - srv // the same key through the other server
					time.Sleep(50 * time.Millisecond)
				}
				mu.Lock()
				payments = append(payments, s)
				mu.Unlock()
			}
		})
	}

	// Node 2 (serve B's database) dies in the middle and comes back.
	time.Sleep(galeraKillAfter)
	before := len(snapshot(&mu, &payments))
	if out, err := galera("kill", "2"); err != nil {
		t.Errorf("kill node 2: %v\n%s", err, out)
	}
	killedAt := time.Now()
	rejoinStart := time.Now()
	out, err := galera("start", "2")
	if err != nil {
		t.Errorf("restart node 2: %v\n%s", err, out)
	}
	rejoin := time.Since(rejoinStart)
	duringOutage := len(snapshot(&mu, &payments)) - before
	t.Logf("node 2 killed %s into the load, back after %s (%d payments acknowledged meanwhile): %s",
		killedAt.Sub(loadStart).Round(time.Millisecond), rejoin.Round(time.Millisecond), duringOutage, strings.TrimSpace(lastLine(out)))
	time.Sleep(galeraAfterRejoin)
	close(stop)
	wg.Wait()
	load := time.Since(loadStart)
	cert1, bf1 := conflicts()

	for _, x := range bad {
		t.Errorf("answer neither 2xx nor 503: %s", x)
	}
	retried, tries := 0, 0
	for _, s := range payments {
		tries += s.tries
		if s.tries > 1 {
			retried++
		}
		if s.id == 0 {
			t.Errorf("payment %s never acknowledged after %d tries", s.key, s.tries)
		}
	}

	// Every node has applied everything before we look.
	waitConverged(t, sqls, status)

	// The books through both servers: every acknowledged payment once,
	// under its acknowledged id.
	lists := make([][]crashPayment, 2)
	for k, srv := range servers {
		lists[k] = srv.payments()
	}
	var listed ledger.Fen
	count := map[string]int{}
	byVoucher := map[string]crashPayment{}
	for k, ps := range lists {
		vs := map[string]int{}
		for _, p := range ps {
			vs[p.VoucherNo]++
			if k == 0 {
				count[p.VoucherNo]++
				byVoucher[p.VoucherNo] = p
				listed += yuanOf(t, p.Amount)
				if p.Status != ledger.StatusEffective {
					t.Errorf("payment %s is %s", p.VoucherNo, p.Status)
				}
			}
		}
		if k == 1 && len(ps) != len(lists[0]) {
			t.Errorf("server A (node 1) lists %d payments, server B (node 2) %d", len(lists[0]), len(ps))
		}
	}
	acked := 0
	for _, s := range payments {
		if s.id == 0 {
			continue
		}
		acked++
		switch n := count[s.voucher]; {
		case n != 1:
			t.Errorf("acknowledged payment %s (key %s, %d tries) listed %d times", s.voucher, s.key, s.tries, n)
		case byVoucher[s.voucher].ID != s.id:
			t.Errorf("payment %s (key %s, %d tries) acknowledged as id %d, listed as %d", s.voucher, s.key, s.tries, s.id, byVoucher[s.voucher].ID)
		}
	}
	if len(lists[0]) != acked {
		t.Errorf("%d payments listed, %d acknowledged", len(lists[0]), acked)
	}

	// Replays: every retried key and some others, through both servers,
	// answer the acknowledged id.
	rng := mrand.New(mrand.NewPCG(uint64(time.Now().UnixNano()), 21))
	var replay []*sent
	for _, s := range payments {
		if s.id != 0 && (s.tries > 1 || rng.IntN(50) == 0) {
			replay = append(replay, s)
		}
	}
	for _, s := range replay {
		for k, srv := range servers {
			st, b, err := srv.do("POST", "/api/v1/payments", "finance", "application/json", paymentBody(s.voucher, s.i), s.key)
			var v struct {
				ID int64 `json:"id"`
			}
			if err != nil || st/100 != 2 || json.Unmarshal(b, &v) != nil || v.ID != s.id {
				t.Errorf("replay of %s (payment %d) through server %d: %d %v %s", s.key, s.id, k, st, err, b)
			}
		}
	}

	// The fund's projection against the list.
	var fr struct {
		Fund struct {
			Paid string `json:"paid"`
		} `json:"fund"`
	}
	for k, srv := range servers {
		srv.must("GET", fmt.Sprintf("/api/v1/funds/%d", fund.ID), "finance", nil, &fr)
		if got := yuanOf(t, fr.Fund.Paid); got != listed {
			t.Errorf("server %d: fund paid %s, the listed payments sum to %s", k, got.Yuan(), listed.Yuan())
		}
	}
	a.kill()
	bsrv.kill()
	if t.Failed() {
		keepServeLogs(t, map[string]string{"serve-A-node1.log": a.out.String(), "serve-B-node2.log": bsrv.out.String()})
	}

	// The log is dense on every node.
	waitConverged(t, sqls, status)
	for n, db := range sqls {
		rows, err := db.Query("SELECT h.log_id, h.size, (SELECT COUNT(*) FROM " + dbName + ".entries e WHERE e.log_id = h.log_id), " +
			"(SELECT COALESCE(MAX(seq), -1) FROM " + dbName + ".entries e WHERE e.log_id = h.log_id) FROM " + dbName + ".log_heads h")
		if err != nil {
			t.Fatalf("node %d: %v", n+1, err)
		}
		for rows.Next() {
			var logID, size, cnt, maxSeq int64
			if err := rows.Scan(&logID, &size, &cnt, &maxSeq); err != nil {
				t.Fatal(err)
			}
			if cnt != size || maxSeq != size-1 {
				t.Errorf("node %d, log %d: head size %d, %d entries, last seq %d", n+1, logID, size, cnt, maxSeq)
			}
		}
		rows.Close()
	}

	checksAt := time.Now()
	for n, dsn := range dsns {
		if code, text := runCmd(t, "verify", "--deep", "--data", data, "--db", dsn); code != 0 {
			t.Errorf("verify --deep against node %d: %d %s", n+1, code, text)
		}
	}
	if code, text := runCmd(t, "rebuild", "--data", data, "--db", dsns[0]); code != 0 || !strings.Contains(text, "projections equal the rebuild") {
		t.Errorf("rebuild against node 1: %d %s", code, text)
	}
	checks := time.Since(checksAt)

	t.Logf("setup %s; load %s: %d payments acknowledged (%d through serve A/node 1, %d through serve B/node 2), %.1f payments/s; "+
		"%d payments needed retries (%d tries in all: %d answers 503, %d without an answer); %d replays through each server; "+
		"cluster: %d certification failures, %d brute-force aborts; verify --deep on 3 nodes + rebuild %s; whole test %s",
		setup.Round(time.Millisecond), load.Round(time.Millisecond), acked, nByNode[0].Load(), nByNode[1].Load(), float64(acked)/load.Seconds(),
		retried, tries, n503.Load(), nLost.Load(), len(replay), cert1-cert0, bf1-bf0, checks.Round(time.Millisecond), time.Since(began).Round(time.Millisecond))
}

func snapshot[T any](mu *sync.Mutex, s *[]T) []T {
	mu.Lock()
	defer mu.Unlock()
	return slices.Clone(*s)
}

// keepServeLogs writes the services' output where it outlives the test
// and logs their error lines.
func keepServeLogs(t *testing.T, logs map[string]string) {
	t.Helper()
	dir, err := os.MkdirTemp("", "sunshine-galera-logs-")
	if err != nil {
		t.Log(err)
		return
	}
	for name, text := range logs {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Log(err)
		}
		var errs []string
		for _, l := range strings.Split(text, "\n") {
			if strings.Contains(l, "ERROR") || strings.Contains(l, "WARN") || strings.Contains(l, "panic") {
				errs = append(errs, l)
			}
		}
		t.Logf("%s: %d error/warning lines (all output in %s)\n%s", name, len(errs), dir, tail(strings.Join(errs, "\n"), 40))
	}
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// waitConverged waits until every node is Synced and has committed the
// same last write set.
func waitConverged(t *testing.T, dbs []*sql.DB, status func(*sql.DB, string) int64) {
	t.Helper()
	var last []int64
	for range 300 {
		last = last[:0]
		ok := true
		for _, db := range dbs {
			var k, state string
			if err := db.QueryRow("SHOW GLOBAL STATUS LIKE 'wsrep_local_state_comment'").Scan(&k, &state); err != nil || state != "Synced" {
				ok = false
			}
			last = append(last, status(db, "wsrep_last_committed"))
		}
		if ok && last[0] > 0 && last[0] == last[1] && last[1] == last[2] {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the nodes did not converge: wsrep_last_committed %v", last)
}
