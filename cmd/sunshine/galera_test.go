package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/sunshine-ledger/sunshine/api"
	"github.com/sunshine-ledger/sunshine/ledger"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
	"github.com/sunshine-ledger/sunshine/witness"
)

// galeraDSNsEnv lists the go-sql-driver DSNs of a 3-node MariaDB Galera
// cluster, comma-separated; .ci/galera.sh start prints it (and
// SUNSHINE_GALERA_SCRIPT and SUNSHINE_GALERA_DIR, with which the test kills
// and restarts a node). `make galera-test` does all of it.
const galeraDSNsEnv = "SUNSHINE_TEST_GALERA_DSNS"

// The load: six paying clients run at least galeraLoadMin and until
// galeraAfterChaos after the last kill has been repaired. Within the first
// galeraChaosSpan, galeraServeKills times, a `serve` chosen at random (each
// at least once) is killed (-9) at a random moment and restarted after a
// random pause; and once, a database node chosen at random (node 2, serve
// B's, half the time) is killed (-9) at a random moment between
// galeraNodeKillFrom and galeraNodeKillTo and rejoined. The moments
// come from a seeded generator: SUNSHINE_GALERA_SEED replays a schedule.
const (
	galeraClients      = 6
	galeraLoadMin      = 30 * time.Second
	galeraChaosSpan    = 28 * time.Second
	galeraServeKills   = 3
	galeraNodeKillFrom = 3 * time.Second
	galeraNodeKillTo   = 15 * time.Second
	galeraAfterChaos   = 5 * time.Second
)

// TestGaleraTwoWriters is issue 21's "several writers on a multi-primary
// cluster", on a real 3-node MariaDB Galera cluster (.ci/galera.sh): two
// `serve` processes share a fresh database (and the keys) and the same
// town. Serve A writes through node 1 (through HAProxy, node 1 first and
// nodes 2 and 3 as backups, when Debian's haproxy is on PATH, as in CI);
// serve B's SUNSHINE_DB lists node 2, node 1 and node 3, so it moves on
// when node 2 goes away. Both have two
// witnesses (in-process witness.Witness servers that record every
// checkpoint they cosign), quorum 2. Six paying clients post payments,
// each with its own Idempotency-Key, alternating the servers and retrying
// with the same key, on the other server, after a 503 or a lost
// connection. Meanwhile, at random moments (seeded; the seed is logged),
// `serve` processes are killed with SIGKILL and restarted (a restart waits
// until its database answers, as a supervisor would), and one database
// node, chosen at random, is killed with SIGKILL and rejoined (IST or
// SST); with HAProxy, node 1 and node 2 in turn (random order), and serve
// A must have acknowledged payments while node 1 was down. Then:
//   - every payment is acknowledged in the end, and listed exactly once,
//     under the id of its acknowledgement, by both servers;
//   - a payment that needed retries was answered with its own payment, and
//     a replay of any key through either server answers the same id;
//   - no answer was other than 2xx or 503 (never a 500);
//   - the witnesses only ever cosigned checkpoints of this log that verify
//     with their keys and are prefixes of the final tree (a consistency
//     proof to the final checkpoint checks), refused none, and both
//     cosigned the final checkpoint (the quorum);
//   - on every node the log is dense (entries 0…size−1, size = the head)
//     and the fund's paid equals the listed payments;
//   - `sunshine verify --deep` passes against each node and `rebuild`
//     finds the projections equal to a replay.
//
// It logs the schedule, the cluster's certification failures and
// brute-force aborts, the clients' retries and the payments per second.
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
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("SUNSHINE_GALERA_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("SUNSHINE_GALERA_SEED: %v", err)
		}
		seed = v
	}
	t.Logf("seed %d (SUNSHINE_GALERA_SEED=%d replays this schedule)", seed, seed)
	rng := mrand.New(mrand.NewPCG(seed, 21))
	for _, v := range []string{"SUNSHINE_DB", "SUNSHINE_SIGNING_KEY_FILE", "SUNSHINE_MASTER_KEY_FILE", "SUNSHINE_MIGRATE", "SUNSHINE_TOWN",
		"SUNSHINE_DEMO", "SUNSHINE_ADMIN_PASSWORD", "SUNSHINE_DEV_CLOCK", "SUNSHINE_CRASH_CHILD", "SUNSHINE_CRASH_ARGS",
		"SUNSHINE_WITNESSES", "SUNSHINE_WITNESS_QUORUM"} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
	began := time.Now()

	// A fresh database on the cluster, reached through each node.
	var b [6]byte
	_, _ = rand.Read(b[:])
	dbName := "sunshine_g_" + hex.EncodeToString(b[:])
	var dsns []string // one node each: verify, rebuild, serve A
	var addrs []string
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
		sqls = append(sqls, db)
		addrs = append(addrs, cfg.Addr)
		c := *cfg
		c.DBName = dbName
		dsns = append(dsns, "mysql://"+c.FormatDSN())
	}
	// Serve B's SUNSHINE_DB: node 2, then node 1, then node 3.
	multi, _ := mysql.ParseDSN(nodeDSNs[1])
	multi.DBName, multi.ParseTime = dbName, true
	multi.Addr = addrs[1] + "," + addrs[0] + "," + addrs[2]
	dsnB := "mysql://" + multi.FormatDSN()
	if !strings.Contains(dsnB, "tcp("+multi.Addr+")") {
		t.Fatalf("serve B's DSN does not list the three nodes: %s", dsnB)
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
	// Whatever happens, every node runs again for the next test.
	t.Cleanup(func() {
		for _, n := range []string{"1", "2", "3"} {
			if out, err := galera("start", n); err != nil {
				t.Logf("restart node %s at the end: %v\n%s", n, err, out)
			}
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
	// The cluster's conflict counters, summed over the nodes. A killed
	// node's counters start again at 0: sample adds what each counter grew
	// by since the last sample (a floor: what a node counted between its
	// last sample and its death is lost).
	var (
		counterMu   sync.Mutex
		counterLast = map[string]int64{}
		certSum     int64
		bfSum       int64
	)
	sample := func() {
		counterMu.Lock()
		defer counterMu.Unlock()
		for n, db := range sqls {
			for _, name := range []string{"wsrep_local_cert_failures", "wsrep_local_bf_aborts"} {
				v := status(db, name)
				if v < 0 {
					continue
				}
				k := fmt.Sprintf("%d/%s", n, name)
				last, seen := counterLast[k]
				counterLast[k] = v
				d := v - last
				switch {
				case !seen:
					d = 0
				case v < last:
					d = v // restarted
				}
				if name == "wsrep_local_cert_failures" {
					certSum += d
				} else {
					bfSum += d
				}
			}
		}
	}
	conflicts := func() (cert, bf int64) {
		sample()
		counterMu.Lock()
		defer counterMu.Unlock()
		return certSum, bfSum
	}

	// The log's keys, made beforehand so that the witnesses know the log.
	root := t.TempDir()
	keys := filepath.Join(root, "secrets")
	if code, text := runCmd(t, "keygen", "--out", keys); code != 0 {
		t.Fatal(text)
	}
	rawKey, _ := os.ReadFile(filepath.Join(keys, "signing.key"))
	sk, err := ledger.ParseSigningKey(string(rawKey))
	if err != nil {
		t.Fatal(err)
	}
	const origin = "ledger.test/log/430181117"
	logVkey, err := sk.VerifierKey(origin)
	if err != nil {
		t.Fatal(err)
	}
	logV, err := note.NewVerifier(logVkey)
	if err != nil {
		t.Fatal(err)
	}

	// Two witnesses that keep every checkpoint they cosign.
	var wits []*recordingWitness
	var spec []string
	for i, name := range []string{"jiwei.galera.test", "shenji.galera.test"} {
		skey, vkey, err := witness.GenerateKey(rand.Reader, name)
		if err != nil {
			t.Fatal(err)
		}
		signer, err := witness.NewSigner(skey, nil)
		if err != nil {
			t.Fatal(err)
		}
		w, err := witness.New(witness.Options{DB: filepath.Join(root, fmt.Sprintf("witness%d.db", i+1)), Signer: signer, Logs: []string{logVkey},
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}) // refusals are checked from its state
		if err != nil {
			t.Fatal(err)
		}
		v, err := witness.NewVerifier(vkey)
		if err != nil {
			t.Fatal(err)
		}
		rw := &recordingWitness{Witness: w, v: v}
		srv := httptest.NewServer(rw)
		t.Cleanup(func() { srv.Close(); w.Close() })
		wits = append(wits, rw)
		spec = append(spec, vkey+"@"+srv.URL+"#"+[]string{"县纪委监委", "县审计局"}[i])
	}

	// With Debian's haproxy on PATH (CI installs it), serve A reaches the
	// cluster through HAProxy: one TCP frontend, node 1 first and nodes 2
	// and 3 as backups (the README's configuration), so that when node 1
	// goes away HAProxy moves serve A's new connections to a backup.
	dsnA, viaProxy := dsns[0], false
	if hp, err := exec.LookPath("haproxy"); err == nil {
		front := freeAddr(t)
		dsnA = galeraHAProxy(t, hp, front, addrs, dbName, nodeDSNs[0])
		viaProxy = true
		t.Logf("serve A through HAProxy at %s (node 1, then nodes 2 and 3 as backups)", front)
	} else {
		t.Logf("haproxy not found: serve A writes through node 1 directly, and one node is killed")
	}

	// Serve A through node 1 migrates; serve B through node 2 (then 1,
	// then 3) shares the data folder and the keys.
	const pw = "Galera-two-writers-2026"
	data := filepath.Join(root, "data")
	mk := func(name, db string) *galeraServer {
		addr := freeAddr(t)
		args := []string{"serve", "--data", data, "--addr", addr, "--public-url", "http://ledger.test", "--admin-password", pw,
			"--db", db, "--migrate", "auto", "--signing-key-file", filepath.Join(keys, "signing.key"),
			"--master-key-file", filepath.Join(keys, "master.key"), "--witnesses", strings.Join(spec, ","), "--witness-quorum", "2"}
		g := &galeraServer{name: name, crashChild: &crashChild{t: t, args: args, base: "http://" + addr, tokens: map[string]string{},
			client: &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}}}
		t.Cleanup(g.kill)
		return g
	}
	a := mk("A", dsnA)
	if err := a.launch(time.Minute); err != nil {
		t.Fatal(err)
	}

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

	bsrv := mk("B", dsnB)
	bsrv.tokens = a.tokens // the session lives in the database
	if err := bsrv.launch(time.Minute); err != nil {
		t.Fatal(err)
	}
	servers := []*galeraServer{a, bsrv}
	setup := time.Since(began)

	// The schedule of kills.
	type serveKill struct {
		at, down time.Duration
		srv      int
	}
	var serveKills []serveKill
	for range galeraServeKills {
		serveKills = append(serveKills, serveKill{at: time.Second + time.Duration(rng.Int64N(int64(galeraChaosSpan-time.Second))),
			down: time.Duration(rng.Int64N(int64(2 * time.Second))), srv: rng.IntN(2)})
	}
	if serveKills[0].srv == serveKills[1].srv && serveKills[1].srv == serveKills[2].srv {
		serveKills[2].srv = 1 - serveKills[2].srv // both servers die at least once
	}
	slices.SortFunc(serveKills, func(x, y serveKill) int { return int(x.at - y.at) })
	// Node 2 half the time (serve B moves to node 1), else node 1 (serve A
	// answers 503 until it is back) or node 3 (no server's node).
	nodeKills := []int{[]int{2, 2, 1, 3}[rng.IntN(4)]}
	if viaProxy {
		// Both failovers, in turn: node 1 (HAProxy moves serve A) and
		// node 2 (serve B moves down its SUNSHINE_DB list).
		nodeKills = []int{1, 2}
		if rng.IntN(2) == 1 {
			nodeKills = []int{2, 1}
		}
	}
	nodeKill := nodeKills[0]
	nodeKillAt := galeraNodeKillFrom + time.Duration(rng.Int64N(int64(galeraNodeKillTo-galeraNodeKillFrom)))
	var plan []string
	for _, k := range serveKills {
		plan = append(plan, fmt.Sprintf("kill serve %s at %s, restart %s later", servers[k.srv].name, k.at.Round(time.Millisecond), k.down.Round(time.Millisecond)))
	}
	t.Logf("schedule: %s; kill node %d at %s and rejoin it%s", strings.Join(plan, "; "), nodeKill, nodeKillAt.Round(time.Millisecond),
		map[bool]string{true: fmt.Sprintf(", then node %d once node %d is Synced", nodeKills[len(nodeKills)-1], nodeKill)}[len(nodeKills) > 1])

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
		eventsMu sync.Mutex
		events   []string
	)
	cert0, bf0 := conflicts()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	loadStart := time.Now()
	event := func(format string, args ...any) {
		eventsMu.Lock()
		events = append(events, fmt.Sprintf("%6.1fs ", time.Since(loadStart).Seconds())+fmt.Sprintf(format, args...))
		eventsMu.Unlock()
	}
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
						bad = append(bad, fmt.Sprintf("%s via server %s: %d %s", s.key, servers[srv].name, st, b))
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
	// A reader asks for the checkpoint now and then: each new one is signed
	// and put to the witnesses (by whichever server signed it).
	readerStop := make(chan struct{})
	var readerWG sync.WaitGroup
	readerWG.Go(func() {
		hc := &http.Client{Timeout: 10 * time.Second}
		for k := 0; ; k++ {
			select {
			case <-readerStop:
				return
			case <-time.After(700 * time.Millisecond):
			}
			if res, err := hc.Get(servers[k%2].base + "/api/public/checkpoint"); err == nil {
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
			sample()
		}
	})

	// The kills: serve processes in one goroutine (one down at a time), the
	// database node in another.
	var chaos sync.WaitGroup
	chaos.Go(func() {
		for _, k := range serveKills {
			if d := k.at - time.Since(loadStart); d > 0 {
				time.Sleep(d)
			}
			g := servers[k.srv]
			g.kill()
			event("serve %s killed", g.name)
			time.Sleep(k.down)
			t0 := time.Now()
			if err := g.launch(2 * time.Minute); err != nil {
				t.Errorf("restart serve %s: %v", g.name, err)
				return
			}
			event("serve %s up again after %s (restart took %s)", g.name, (k.down + time.Since(t0)).Round(time.Millisecond), time.Since(t0).Round(time.Millisecond))
		}
	})
	var rejoin time.Duration
	var duringOutage int
	var acksThroughA []int64 // serve A's acknowledgements while node k of nodeKills was down
	chaos.Go(func() {
		if d := nodeKillAt - time.Since(loadStart); d > 0 {
			time.Sleep(d)
		}
		for _, nodeKill := range nodeKills {
			before, beforeA := len(snapshot(&mu, &payments)), nByNode[0].Load()
			if out, err := galera("kill", strconv.Itoa(nodeKill)); err != nil {
				t.Errorf("kill node %d: %v\n%s", nodeKill, err, out)
			}
			event("node %d killed", nodeKill)
			t0 := time.Now()
			out, err := galera("start", strconv.Itoa(nodeKill))
			if err != nil {
				t.Errorf("restart node %d: %v\n%s", nodeKill, err, out)
			}
			rejoin = max(rejoin, time.Since(t0))
			n, nA := len(snapshot(&mu, &payments))-before, nByNode[0].Load()-beforeA
			duringOutage += n
			acksThroughA = append(acksThroughA, nA)
			event("node %d Synced again after %s (%d payments acknowledged meanwhile, %d through serve A): %s", nodeKill,
				time.Since(t0).Round(time.Millisecond), n, nA, strings.TrimSpace(lastLine(out)))
		}
	})
	chaos.Wait()
	time.Sleep(galeraAfterChaos)
	if d := galeraLoadMin - time.Since(loadStart); d > 0 {
		time.Sleep(d)
	}
	close(stop)
	wg.Wait()
	load := time.Since(loadStart)
	cert1, bf1 := conflicts()
	close(readerStop)
	readerWG.Wait()
	t.Logf("events:\n%s", strings.Join(events, "\n"))
	if viaProxy {
		for k, n := range nodeKills {
			if n == 1 && k < len(acksThroughA) && acksThroughA[k] == 0 {
				t.Errorf("serve A (through HAProxy) acknowledged no payment while node 1 was down: HAProxy did not move it to a backup node")
			}
		}
	}

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
		for _, p := range ps {
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
			t.Errorf("server A (node 1) lists %d payments, server B %d", len(lists[0]), len(ps))
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
	var replay []*sent
	for _, s := range payments {
		if s.id != 0 && (s.tries > 1 || rng.IntN(50) == 0) {
			replay = append(replay, s)
		}
	}
	for _, s := range replay {
		for _, srv := range servers {
			st, b, err := srv.do("POST", "/api/v1/payments", "finance", "application/json", paymentBody(s.voucher, s.i), s.key)
			var v struct {
				ID int64 `json:"id"`
			}
			if err != nil || st/100 != 2 || json.Unmarshal(b, &v) != nil || v.ID != s.id {
				t.Errorf("replay of %s (payment %d) through server %s: %d %v %s", s.key, s.id, srv.name, st, err, b)
			}
		}
	}

	// The fund's projection against the list.
	var fr struct {
		Fund struct {
			Paid string `json:"paid"`
		} `json:"fund"`
	}
	for _, srv := range servers {
		srv.must("GET", fmt.Sprintf("/api/v1/funds/%d", fund.ID), "finance", nil, &fr)
		if got := yuanOf(t, fr.Fund.Paid); got != listed {
			t.Errorf("server %s: fund paid %s, the listed payments sum to %s", srv.name, got.Yuan(), listed.Yuan())
		}
	}

	// The witnesses: the final checkpoint (the log's head) carries the
	// quorum, and every checkpoint either witness ever cosigned verifies
	// with its key and is a prefix of the final tree.
	witnessAt := time.Now()
	final, finalNote := galeraFinalCheckpoint(t, a, sqls[0], dbName, logV, wits)
	cosigned, sizes := 0, map[int64]bool{}
	for _, w := range wits {
		w.mu.Lock()
		notes := slices.Clone(w.cosigned)
		w.mu.Unlock()
		proven := map[int64]tlog.Hash{}
		for _, msg := range notes {
			n, err := note.Open(msg, note.VerifierList(w.v))
			if err != nil {
				t.Errorf("witness %s: a cosigned checkpoint does not verify with its key: %v\n%s", w.v.Name(), err, msg)
				continue
			}
			c, err := ledger.ParseCheckpointBody(n.Text)
			if err != nil || c.Origin != origin {
				t.Errorf("witness %s cosigned %q: %v", w.v.Name(), n.Text, err)
				continue
			}
			cosigned++
			sizes[c.Size] = true
			if c.Size > final.Size {
				t.Errorf("witness %s cosigned size %d, beyond the final tree's %d", w.v.Name(), c.Size, final.Size)
				continue
			}
			if r, ok := proven[c.Size]; ok {
				if r != c.Root {
					t.Errorf("witness %s cosigned two roots for size %d", w.v.Name(), c.Size)
				}
				continue
			}
			if c.Size > 0 {
				var p api.ProofResponse
				a.must("GET", fmt.Sprintf("/api/public/proof/consistency?old=%d&new=%d", c.Size, final.Size), "", nil, &p)
				var proof tlog.TreeProof
				for _, h := range p.Hashes {
					raw, err := base64.StdEncoding.DecodeString(h)
					if err != nil || len(raw) != len(tlog.Hash{}) {
						t.Fatalf("consistency proof hash %q", h)
					}
					proof = append(proof, tlog.Hash(raw))
				}
				if err := tlog.CheckTree(proof, final.Size, final.Root, c.Size, c.Root); err != nil {
					t.Errorf("witness %s cosigned a checkpoint of size %d that is not a prefix of the final tree (size %d): %v",
						w.v.Name(), c.Size, final.Size, err)
				}
			}
			proven[c.Size] = c.Root
		}
		refusals, err := w.Refusals(context.Background(), 20)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range refusals {
			t.Errorf("witness %s refused a checkpoint (old %d, size %d): %s", w.v.Name(), r.Old, r.Size, r.Reason)
		}
		if len(notes) == 0 {
			t.Errorf("witness %s cosigned nothing", w.v.Name())
		}
	}
	var witnessLog []string
	for _, w := range wits {
		w.mu.Lock()
		witnessLog = append(witnessLog, fmt.Sprintf("%s: %d requests, %d cosigned, %d answered 409 (old size behind)", w.v.Name(), w.asked, len(w.cosigned), w.conflicts))
		w.mu.Unlock()
	}
	witnessCheck := time.Since(witnessAt)

	a.kill()
	bsrv.kill()
	failovers := 0
	for _, l := range bsrv.allLogs() {
		failovers += strings.Count(l, "database: moved to another address")
	}
	if t.Failed() {
		logs := map[string]string{}
		for _, g := range servers {
			for k, l := range g.allLogs() {
				logs[fmt.Sprintf("serve-%s-life%d.log", g.name, k+1)] = l
			}
		}
		keepServeLogs(t, logs)
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
		if code, text := runCmd(t, "verify", "--deep", "--data", data, "--db", dsn, "--signing-key-file", filepath.Join(keys, "signing.key"),
			"--master-key-file", filepath.Join(keys, "master.key")); code != 0 {
			t.Errorf("verify --deep against node %d: %d %s", n+1, code, text)
		}
	}
	if code, text := runCmd(t, "rebuild", "--data", data, "--db", dsns[0], "--signing-key-file", filepath.Join(keys, "signing.key"),
		"--master-key-file", filepath.Join(keys, "master.key")); code != 0 || !strings.Contains(text, "projections equal the rebuild") {
		t.Errorf("rebuild against node 1: %d %s", code, text)
	}
	checks := time.Since(checksAt)

	t.Logf("setup %s; load %s: %d payments acknowledged (%d through serve A/node 1, %d through serve B/node 2 or its failover), %.1f payments/s; "+
		"%d payments needed retries (%d tries in all: %d answers 503, %d without an answer); %d replays through each server; "+
		"serve B moved to another database address %d times; node(s) %v killed, each rejoined within %s (%d payments acknowledged while one was down); "+
		"cluster: at least %d certification failures, %d brute-force aborts (sampled every 0.7 s)",
		setup.Round(time.Millisecond), load.Round(time.Millisecond), acked, nByNode[0].Load(), nByNode[1].Load(), float64(acked)/load.Seconds(),
		retried, tries, n503.Load(), nLost.Load(), len(replay), failovers, nodeKills, rejoin.Round(time.Millisecond), duringOutage, cert1-cert0, bf1-bf0)
	t.Logf("witnesses: final checkpoint size %d cosigned by %d; %d cosigned checkpoints (%d sizes) all prefixes of it; %s; checked in %s\n%s",
		final.Size, galeraQuorum(t, finalNote, wits), cosigned, len(sizes), strings.Join(witnessLog, "; "), witnessCheck.Round(time.Millisecond), lastLine(string(finalNote)))
	t.Logf("verify --deep on 3 nodes + rebuild %s; whole test %s", checks.Round(time.Millisecond), time.Since(began).Round(time.Millisecond))
}

// galeraFinalCheckpoint reads the checkpoint of the log's final head from
// serve g until the witnesses' quorum has cosigned it (at most a minute).
func galeraFinalCheckpoint(t *testing.T, g *galeraServer, db *sql.DB, dbName string, logV note.Verifier, wits []*recordingWitness) (ledger.CheckpointBody, []byte) {
	t.Helper()
	var last string
	for range 120 {
		var head int64
		if err := db.QueryRow("SELECT MAX(size) FROM " + dbName + ".log_heads").Scan(&head); err != nil {
			t.Fatal(err)
		}
		res, err := g.client.Get(g.base + "/api/public/checkpoint")
		if err == nil {
			msg, _ := io.ReadAll(res.Body)
			res.Body.Close()
			last = fmt.Sprintf("%d %s %s/%s:\n%s", res.StatusCode, res.Header.Get("Sunshine-Witnessed"), res.Header.Get("Sunshine-Witnesses"), "", msg)
			if n, err := note.Open(msg, note.VerifierList(logV)); err == nil && res.Header.Get("Sunshine-Witnessed") == "yes" {
				if c, err := ledger.ParseCheckpointBody(n.Text); err == nil && c.Size == head && galeraQuorum(t, msg, wits) == len(wits) {
					return c, msg
				}
			}
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("no checkpoint of the final head cosigned by the quorum within a minute; last: %s", last)
	return ledger.CheckpointBody{}, nil
}

// galeraQuorum counts the witnesses whose cosignature on msg verifies.
func galeraQuorum(t *testing.T, msg []byte, wits []*recordingWitness) int {
	k := 0
	for _, w := range wits {
		if _, err := note.Open(msg, note.VerifierList(w.v)); err == nil {
			k++
		}
	}
	return k
}

// recordingWitness is an in-process witness that keeps every checkpoint
// it cosigned, with its cosignature.
type recordingWitness struct {
	*witness.Witness
	v         *witness.Verifier
	mu        sync.Mutex
	cosigned  [][]byte // checkpoint text, blank line, this witness's cosignature line
	asked     int
	conflicts int
}

func (w *recordingWitness) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := httptest.NewRecorder()
	w.Witness.ServeHTTP(rec, r)
	for k, v := range rec.Header() {
		rw.Header()[k] = v
	}
	rw.WriteHeader(rec.Code)
	rw.Write(rec.Body.Bytes())
	if r.Method != http.MethodPost || r.URL.Path != "/add-checkpoint" {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.asked++
	switch rec.Code {
	case http.StatusOK:
		// The request: "old N", the proof lines, a blank line, the signed note.
		if i := bytes.Index(body, []byte("\n\n")); i >= 0 {
			cp := body[i+2:]
			if j := bytes.Index(cp, []byte("\n\n")); j >= 0 {
				msg := append(slices.Clone(cp[:j+1]), '\n')
				w.cosigned = append(w.cosigned, append(msg, rec.Body.Bytes()...))
			}
		}
	case http.StatusConflict:
		w.conflicts++
	}
}

// galeraServer is a `serve` child process that is killed and restarted
// while clients send it requests; its HTTP client outlives its lives.
type galeraServer struct {
	*crashChild
	name string
	mu   sync.Mutex
	done chan struct{} // closed when the running child has exited
	logs []string      // the output of its lives
}

// launch starts the child and waits until it is ready; a child that exits
// or is not ready within 20 s (its database down) is started again until
// within.
func (g *galeraServer) launch(within time.Duration) error {
	raw, _ := json.Marshal(g.args)
	deadline := time.Now().Add(within)
	probe := &http.Client{Timeout: 2 * time.Second}
	for {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), "SUNSHINE_CRASH_CHILD=1", "SUNSHINE_CRASH_ARGS="+string(raw))
		out := &bytes.Buffer{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			return err
		}
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		ready := false
		for until := time.Now().Add(20 * time.Second); !ready && time.Now().Before(until); {
			select {
			case <-done:
				until = time.Time{}
				continue
			case <-time.After(50 * time.Millisecond):
			}
			if res, err := probe.Get(g.base + "/readyz"); err == nil {
				res.Body.Close()
				ready = res.StatusCode == http.StatusOK
			}
		}
		if ready {
			g.mu.Lock()
			g.cmd, g.out, g.done = cmd, out, done
			g.mu.Unlock()
			return nil
		}
		cmd.Process.Kill()
		<-done
		g.mu.Lock()
		g.logs = append(g.logs, out.String())
		g.mu.Unlock()
		if time.Now().After(deadline) {
			return fmt.Errorf("serve %s not ready within %s:\n%s", g.name, within, tail(out.String(), 30))
		}
		time.Sleep(time.Second)
	}
}

// kill ends the running child with SIGKILL (nothing when none runs).
func (g *galeraServer) kill() {
	g.mu.Lock()
	cmd, out, done := g.cmd, g.out, g.done
	g.cmd, g.out, g.done = nil, nil, nil
	g.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-done
	g.client.CloseIdleConnections()
	g.mu.Lock()
	g.logs = append(g.logs, out.String())
	g.mu.Unlock()
}

// allLogs is the output of every life that has ended.
func (g *galeraServer) allLogs() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.logs)
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

// galeraHAProxy starts Debian's haproxy in the foreground with the README's
// configuration at front: node 1 first, nodes 2 and 3 as backups, a TCP
// check every 2 s (down after 2 failures, up after 30 successes), a killed
// server's sessions shut so that clients reconnect at once, and the
// backups' sessions shut when node 1 is up again. It returns the sunshine
// DSN of dbName through it (user and password of nodeDSN).
func galeraHAProxy(t *testing.T, bin, front string, nodes []string, dbName, nodeDSN string) string {
	t.Helper()
	// The README's sections (step 6 of the county on three machines), with
	// loopback addresses.
	cfg := fmt.Sprintf(`global
    maxconn 512
defaults sunshine
    mode tcp
    timeout connect 2s
    timeout client 1h
    timeout server 1h
    default-server inter 2s fall 2 rise 30 on-marked-down shutdown-sessions on-marked-up shutdown-backup-sessions
frontend galera from sunshine
    bind %s
    default_backend nodes
backend nodes from sunshine
    server db1 %s check
    server db2 %s check backup
    server db3 %s check backup
`, front, nodes[0], nodes[1], nodes[2])
	path := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd := exec.Command(bin, "-db", "-f", path)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("haproxy: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := net.DialTimeout("tcp", front, time.Second)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("haproxy did not listen on %s: %v\n%s", front, err, out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	c, err := mysql.ParseDSN(nodeDSN)
	if err != nil {
		t.Fatal(err)
	}
	c.Addr, c.DBName, c.ParseTime = front, dbName, true
	return "mysql://" + c.FormatDSN()
}
