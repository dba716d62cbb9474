package main

// TestTamperE2E: for each way an insider with the database could tamper
// with a town's log, every detector notices and says where:
//
//	(a) `sunshine verify` exits 1 and prints the first bad seq;
//	(b) `sunshine run-job verify` fails the same way and raises a T1 flag
//	    whose reason and evidence name the seq (read back over the API as
//	    the discipline user);
//	(c) the public verify page, given what a notice printed before the
//	    tampering (its QR code's n and r, or the pasted checkpoint), says
//	    the check failed;
//	(d) a public auditor holding only the verifier key and a checkpoint
//	    fetched from GET /api/public/checkpoint before the tampering can
//	    no longer link it to what the server serves: the server refuses a
//	    new checkpoint, or the consistency proof fails tlog.CheckTree, or
//	    the entries it serves no longer hash to the published root (and,
//	    against the auditor's own copy of the leaves, differ first at the
//	    bad seq).
//
// The town is a small demo town loaded into a fresh data folder (SQLite,
// and MariaDB when SUNSHINE_TEST_MYSQL_DSN is set); the HTTP side is
// serve's wiring (openApp + api.New) without the scheduler, whose catch-up
// runs would otherwise append entries while the test looks.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/sunshine-ledger/sunshine/api"
	"github.com/sunshine-ledger/sunshine/demo"
	"github.com/sunshine-ledger/sunshine/disclosure"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

const e2ePublicURL = "https://ledger.example.cn"

// e2eTown is a small demo town in its own data folder, as it stood when a
// notice and a checkpoint were published, before the tampering.
type e2eTown struct {
	dialect string
	args    []string // --data, --public-url (and --db) for every command
	cfg     *Config
	store   *gormstore.Store // the insider's database console
	lg      ledger.Log
	size    int64
	bodies  [][]byte            // every entry's E, by seq
	cps     []ledger.Checkpoint // stored checkpoints
	vkey    string              // GET /api/public/key
	pubNote string              // GET /api/public/checkpoint, before the tampering
	pub     ledger.CheckpointBody
	leaves  []tlog.Hash // the auditor's copy of the public leaves (below pub.Size)
	notice  api.PublicNoticeDTO
	qrN     string // the n and r of the notice's QR code
	qrR     string
	target  int64 // a public payment entry listed on the notice
}

// e2eServer is serve's wiring over the town's database.
type e2eServer struct {
	url string
	a   *app
	ts  *httptest.Server
}

func (s *e2eServer) Close() {
	s.ts.Close()
	s.a.Close()
}

func startE2EServer(t *testing.T, args []string) *e2eServer {
	t.Helper()
	cfg, _, err := loadConfig("serve", args, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := openApp(context.Background(), cfg, true)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := api.New(api.Config{Town: cfg.Town, PublicURL: cfg.PublicURL, Metrics: a.metrics},
		api.Deps{Ledger: a.ledger, Service: a.service, Auth: a.auth, Jobs: a.jobs, Publisher: a.publisher, Now: a.ledger.Now})
	if err != nil {
		a.Close()
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	return &e2eServer{url: ts.URL, a: a, ts: ts}
}

// get returns the status and body of GET path.
func (s *e2eServer) get(t *testing.T, path, token string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.url+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

func (s *e2eServer) mustGet(t *testing.T, path string) []byte {
	t.Helper()
	code, b := s.get(t, path, "")
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d %.300s", path, code, b)
	}
	return b
}

func clearSunshineEnv(t *testing.T) {
	for _, k := range []string{"SUNSHINE_DB", "SUNSHINE_DATA", "SUNSHINE_SIGNING_KEY_FILE", "SUNSHINE_MASTER_KEY_FILE", "SUNSHINE_MIGRATE",
		"SUNSHINE_TOWN", "SUNSHINE_PUBLIC_URL", "SUNSHINE_DEMO", "SUNSHINE_DEV_CLOCK", "SUNSHINE_ADMIN_PASSWORD"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
}

// e2eBase is a small demo town loaded once per dialect, cloned for each
// case (loading takes several seconds; a copy, a fraction of one).
type e2eBase struct {
	dialect string
	data    string // keys/ (and sunshine.db on SQLite)
	db      string // the MySQL DSN, or "" for <data>/sunshine.db
}

// loadE2EBase loads a small demo town with keys generated in the data
// folder, as serve would.
func loadE2EBase(t *testing.T, dialect string) *e2eBase {
	t.Helper()
	ctx := context.Background()
	b := &e2eBase{dialect: dialect, data: t.TempDir()}
	args := []string{"--data", b.data, "--public-url", e2ePublicURL}
	if dialect == "mysql" {
		b.db = gormstoretest.NewDSN(t, "mysql")
		args = append(args, "--db", b.db)
	}
	if code, out := runCmd(t, append([]string{"migrate"}, args...)...); code != 0 {
		t.Fatalf("migrate: %d %s", code, out)
	}
	cfg, _, err := loadConfig("test", args, nil)
	if err != nil {
		t.Fatal(err)
	}
	store, err := gormstore.Open(cfg.DB)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	key, err := signingKey(cfg)
	if err != nil {
		t.Fatal(err)
	}
	master, err := masterKey(cfg)
	if err != nil {
		t.Fatal(err)
	}
	clock := demo.NewClock(time.Now)
	l := ledger.New(ledger.Options{Store: store, Key: key, Now: clock.Now, Location: cfg.Location})
	defer l.Close()
	vault, err := ledger.NewVault(master, demo.Rand(7))
	if err != nil {
		t.Fatal(err)
	}
	svc := &ledger.Service{L: l, Vault: vault, ApprovalThreshold: 5000_00, MissingGlyph: disclosure.MissingGlyph}
	lg, err := l.EnsureLog(ctx, cfg.Town, cfg.Origin(cfg.Town))
	if err != nil {
		t.Fatal(err)
	}
	auth := &ledger.Auth{Accounts: store, L: l, Now: clock.Now, Cost: bcrypt.MinCost}
	if _, err := demo.Load(ctx, svc, auth, &disclosure.Publisher{Svc: svc, PublicURL: cfg.PublicURL}, lg, clock,
		demo.Options{Seed: 7, PoorHouseholds: 180, OtherHouseholds: 30}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.SignCheckpoint(ctx, lg); err != nil {
		t.Fatal(err)
	}
	return b
}

// clone copies the town into a new data folder (and database): SQLite by
// VACUUM INTO, MySQL table by table into a freshly migrated database (whose
// triggers the rows, copied in order, satisfy).
func (b *e2eBase) clone(t *testing.T) []string {
	t.Helper()
	data := t.TempDir()
	if err := os.CopyFS(filepath.Join(data, "keys"), os.DirFS(filepath.Join(b.data, "keys"))); err != nil {
		t.Fatal(err)
	}
	// CopyFS makes every file 0644; private keys must stay the owner's.
	privates, _ := filepath.Glob(filepath.Join(data, "keys", "*.key"))
	for _, k := range privates {
		if err := os.Chmod(k, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{"--data", data, "--public-url", e2ePublicURL}
	if b.dialect == "sqlite" {
		src, err := gormstore.Open(filepath.Join(b.data, "sunshine.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		if err := src.DB().Exec("VACUUM INTO ?", filepath.Join(data, "sunshine.db")).Error; err != nil {
			t.Fatal(err)
		}
		return args
	}
	dsn := gormstoretest.NewDSN(t, "mysql")
	args = append(args, "--db", dsn)
	if code, out := runCmd(t, append([]string{"migrate"}, args...)...); code != 0 {
		t.Fatalf("migrate: %d %s", code, out)
	}
	from, err := mysql.ParseDSN(strings.TrimPrefix(b.db, "mysql://"))
	if err != nil {
		t.Fatal(err)
	}
	to, err := mysql.ParseDSN(strings.TrimPrefix(dsn, "mysql://"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("mysql", to.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT table_name FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE'", from.DBName)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != "schema_migrations" {
			tables = append(tables, n)
		}
	}
	rows.Close()
	order := map[string]string{"entries": " ORDER BY log_id, seq", "tree_hashes": " ORDER BY log_id, idx", "checkpoints": " ORDER BY log_id, size"}
	for _, tbl := range tables {
		q := fmt.Sprintf("INSERT INTO `%s`.`%s` SELECT * FROM `%s`.`%s`%s", to.DBName, tbl, from.DBName, tbl, order[tbl])
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return args
}

// newE2ETown clones the base town, then records, over HTTP, what the
// public saw: the verifier key, the latest checkpoint, every public leaf,
// and a notice with rows.
func newE2ETown(t *testing.T, base *e2eBase) *e2eTown {
	t.Helper()
	ctx := context.Background()
	tw := &e2eTown{dialect: base.dialect, args: base.clone(t)}
	cfg, _, err := loadConfig("test", tw.args, nil)
	if err != nil {
		t.Fatal(err)
	}
	tw.cfg = cfg
	store, err := gormstore.Open(cfg.DB)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	tw.store = store
	if tw.lg, err = store.LogByTown(ctx, cfg.Town); err != nil {
		t.Fatal(err)
	}
	lg := tw.lg

	// What the public saw.
	srv := startE2EServer(t, tw.args)
	defer srv.Close()
	tw.vkey = strings.TrimSpace(string(srv.mustGet(t, "/api/public/key")))
	tw.pubNote = string(srv.mustGet(t, "/api/public/checkpoint"))
	if tw.pub, err = ledger.OpenCheckpoint([]byte(tw.pubNote), tw.vkey); err != nil {
		t.Fatalf("published checkpoint: %v\n%s", err, tw.pubNote)
	}
	if tw.size, err = store.Size(ctx, lg.ID); err != nil {
		t.Fatal(err)
	}
	if tw.pub.Size != tw.size {
		t.Fatalf("published checkpoint of size %d, log of %d", tw.pub.Size, tw.size)
	}
	for seq := int64(0); seq < tw.size; seq++ {
		e, err := store.Entry(ctx, lg.ID, seq)
		if err != nil {
			t.Fatal(err)
		}
		tw.bodies = append(tw.bodies, e.Body)
	}
	if tw.cps, err = store.Checkpoints(ctx, lg.ID); err != nil {
		t.Fatal(err)
	}
	tw.leaves = publicLeaves(t, srv, tw.pub.Size)
	if root, err := tlog.TreeHash(tw.pub.Size, lt.StoredHashes(tw.leaves)); err != nil || root != tw.pub.Root {
		t.Fatalf("the public leaves give root %v (%v), the checkpoint says %v", root, err, tw.pub.Root)
	}
	var list struct {
		Items []api.PublicNoticeDTO `json:"items"`
	}
	if err := json.Unmarshal(srv.mustGet(t, "/api/public/notices"), &list); err != nil {
		t.Fatal(err)
	}
	for _, n := range list.Items {
		var d api.PublicNoticeDTO
		if err := json.Unmarshal(srv.mustGet(t, "/api/public/notices/"+url.PathEscape(n.Code)), &d); err != nil {
			t.Fatal(err)
		}
		for _, r := range d.Rows {
			var e struct {
				Type string `json:"type"`
			}
			if json.Unmarshal(tw.bodies[r.Seq], &e) == nil && e.Type == "payment_recorded" && e2eAmountRe.Match(tw.bodies[r.Seq]) &&
				r.Seq+1 < tw.size && r.Seq > 0 {
				tw.notice, tw.target = d, r.Seq
				break
			}
		}
		if tw.notice.Code != "" {
			break
		}
	}
	if tw.notice.Code == "" {
		t.Fatal("no published notice lists a payment")
	}
	u, err := url.Parse(tw.notice.VerifyURL)
	if err != nil {
		t.Fatal(err)
	}
	tw.qrN, tw.qrR = u.Query().Get("n"), u.Query().Get("r")
	if tw.qrN == "" || tw.qrR == "" {
		t.Fatalf("notice %s verify URL %q has no n and r", tw.notice.Code, tw.notice.VerifyURL)
	}
	// The page says so before any tampering.
	if b := srv.mustGet(t, tw.qrPath()); !bytes.Contains(b, []byte("✔ 核验通过")) {
		t.Fatalf("verify page before tampering: %s", pageChecks(b))
	}
	return tw
}

var e2eAmountRe = regexp.MustCompile(`"amount":(\d+)`)

func (tw *e2eTown) qrPath() string {
	return "/verify?notice=" + url.QueryEscape(tw.notice.Code) + "&n=" + tw.qrN + "&r=" + url.QueryEscape(tw.qrR)
}

// publicLeaves fetches the leaf hash of every entry below size, as anyone
// may: E of a public entry (hashed here), the leaf hash of a withheld one.
// A missing entry gives the zero hash.
func publicLeaves(t *testing.T, srv *e2eServer, size int64) []tlog.Hash {
	t.Helper()
	out := make([]tlog.Hash, size)
	for seq := int64(0); seq < size; seq++ {
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/api/public/entries/%d", srv.url, seq), nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		switch {
		case res.StatusCode == http.StatusNotFound:
		case res.StatusCode != http.StatusOK:
			t.Fatalf("entry %d: %d %s", seq, res.StatusCode, b)
		case strings.Contains(res.Header.Get("Content-Type"), "withheld"):
			var w api.WithheldEntry
			if err := json.Unmarshal(b, &w); err != nil {
				t.Fatal(err)
			}
			h, err := disclosure.ParseRoot(w.LeafHash)
			if err != nil {
				t.Fatal(err)
			}
			out[seq] = h
		default:
			out[seq] = tlog.RecordHash(b)
		}
	}
	return out
}

// pageChecks is the verdict and the checks of a verify page, as text.
func pageChecks(page []byte) string {
	var out []string
	for _, re := range []*regexp.Regexp{regexp.MustCompile(`<p class="result [a-z]+">([^<]*)</p>`), regexp.MustCompile(`<li class="(?:ok|bad)">([^<]*)</li>`),
		regexp.MustCompile(`<p class="error"[^>]*>([^<]*)</p>`)} {
		for _, m := range re.FindAllSubmatch(page, -1) {
			out = append(out, string(m[1]))
		}
	}
	if len(out) == 0 {
		return fmt.Sprintf("%.400s", page)
	}
	return strings.Join(out, " | ")
}

// exec runs SQL at the insider's console.
func (tw *e2eTown) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if err := tw.store.DB().Exec(q, args...).Error; err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func (tw *e2eTown) dropTriggers(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		tw.exec(t, "DROP TRIGGER "+n)
	}
}

// changedAmount returns the target's E with its amount raised by 10,000
// yuan: the envelope and every column intact.
func (tw *e2eTown) changedAmount(t *testing.T, seq int64) []byte {
	t.Helper()
	body := tw.bodies[seq]
	loc := e2eAmountRe.FindSubmatchIndex(body)
	if loc == nil {
		t.Fatalf("entry %d has no amount: %s", seq, body)
	}
	n, _ := strconv.ParseInt(string(body[loc[2]:loc[3]]), 10, 64)
	out := slices.Concat(body[:loc[2]], []byte(strconv.FormatInt(n+1_000_000, 10)), body[loc[3]:])
	if _, err := ledger.ParseEntry(out); err != nil {
		t.Fatalf("the changed entry is not canonical: %v", err)
	}
	return out
}

func (tw *e2eTown) stored(t *testing.T, seq int64) ledger.StoredEntry {
	t.Helper()
	e, err := tw.store.Entry(context.Background(), tw.lg.ID, seq)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

const e2eInsertEntry = " INTO entries (log_id, seq, type, effective_on, recorded_at, actor, body) VALUES (?, ?, ?, ?, ?, ?, ?)"

func (tw *e2eTown) entryArgs(e ledger.StoredEntry, body []byte) []any {
	return []any{tw.lg.ID, e.Seq, e.Type, e.EffectiveOn, e.RecordedAt.UTC().Format("2006-01-02T15:04:05Z"), e.Actor, body}
}

// rewriteTree sets the target's E to body and rewrites every stored hash
// that changes, so that the stored tree is the tree of the tampered log.
// It returns the tampered bodies' stored hashes.
func (tw *e2eTown) rewriteTree(t *testing.T, seq int64, body []byte) map[int64]tlog.Hash {
	t.Helper()
	tw.dropTriggers(t, "entries_no_update", "tree_hashes_no_update")
	tw.exec(t, "UPDATE entries SET body = ? WHERE log_id = ? AND seq = ?", body, tw.lg.ID, seq)
	bodies := slices.Clone(tw.bodies)
	bodies[seq] = body
	hs := lt.StoredHashes(lt.RecordHashes(bodies))
	want := map[int64]tlog.Hash{}
	n := tlog.StoredHashIndex(0, tw.size)
	rows, err := tw.store.HashRange(context.Background(), tw.lg.ID, 0, n)
	if err != nil {
		t.Fatal(err)
	}
	changed := 0
	for _, row := range rows {
		want[row.Index] = hs[row.Index]
		if h := hs[row.Index]; h != row.Hash {
			tw.exec(t, "UPDATE tree_hashes SET hash = ? WHERE log_id = ? AND idx = ?", h[:], tw.lg.ID, row.Index)
			changed++
		}
	}
	if changed < 2 {
		t.Fatalf("rewrote %d stored hashes", changed)
	}
	root, err := tlog.TreeHash(tw.size, hs)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := tlog.TreeHash(tw.size, tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		return tw.store.ReadHashes(context.Background(), tw.lg.ID, idx)
	})); err != nil || got != root || root == tw.pub.Root {
		t.Fatalf("stored root %v (%v); tampered %v; published %v", got, err, root, tw.pub.Root)
	}
	return want
}

// rootOf is the root of the tree of size whose stored hashes are want.
func rootOf(t *testing.T, want map[int64]tlog.Hash, size int64) tlog.Hash {
	t.Helper()
	root, err := tlog.TreeHash(size, tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = want[x]
		}
		return out, nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// resignCheckpoints re-signs with k every stored checkpoint that covers the
// target, over the rewritten tree whose stored hashes are want (what
// rewriteTree returned).
func (tw *e2eTown) resignCheckpoints(t *testing.T, want map[int64]tlog.Hash, k *ledger.SigningKey) {
	t.Helper()
	tw.dropTriggers(t, "checkpoints_no_update")
	resigned := 0
	for _, c := range tw.cps {
		if c.Size <= tw.target {
			continue
		}
		root := rootOf(t, want, c.Size)
		note, err := ledger.SignCheckpointBody(k, ledger.CheckpointBody{Origin: tw.lg.Origin, Size: c.Size, Root: root})
		if err != nil {
			t.Fatal(err)
		}
		tw.exec(t, "UPDATE checkpoints SET root = ?, note = ? WHERE log_id = ? AND size = ?", root[:], note, tw.lg.ID, c.Size)
		resigned++
	}
	if resigned == 0 {
		t.Fatal("no checkpoint covers the target")
	}
}

// lastCheckpointAtOrBelow is the size of the last stored checkpoint that
// covers no entry from seq on (0 when none).
func (tw *e2eTown) lastCheckpointAtOrBelow(seq int64) int64 {
	last := int64(0)
	for _, c := range tw.cps {
		if c.Size <= seq && c.Size > last {
			last = c.Size
		}
	}
	return last
}

// tamperE2ECase is one insider edit and what the detectors must say.
type tamperE2ECase struct {
	name    string
	dialect string // "" for every dialect
	tamper  func(t *testing.T, tw *e2eTown)
	// firstBad is the seq verify must name (-1: none); kind the kind of
	// a problem it must print.
	firstBad func(tw *e2eTown) int64
	kind     string
	// noFlag: the T1 flag cannot be written into the broken log (the run's
	// error says so, and still names the seq).
	noFlag bool
	// rowNamed: the QR check names the target's row (账本序号 N) as failed.
	rowNamed bool
	// pastedFails: the pasted published checkpoint alone fails (the stored
	// tree or the checkpoints changed; a body-only edit leaves the tree,
	// which is all a checkpoint claims, intact).
	pastedFails bool
	// treeIntact: the published checkpoint's tree is still the stored one
	// (its consistency proof to today succeeds; the served entries are
	// what no longer hash to it).
	treeIntact bool
	// auditFirst is the first seq at which the served leaves differ from
	// the auditor's copy (-1: none below the published size).
	auditFirst func(tw *e2eTown) int64
}

func target(tw *e2eTown) int64 { return tw.target }

func TestTamperE2E(t *testing.T) {
	clearSunshineEnv(t)
	// the access log of every entry fetched would drown the test's output
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer slog.SetDefault(old)
	for _, dialect := range gormstoretest.Dialects() {
		t.Run(dialect, func(t *testing.T) { testTamperE2E(t, dialect) })
	}
}

func testTamperE2E(t *testing.T, dialect string) {
	start := time.Now()
	base := loadE2EBase(t, dialect)
	t.Logf("%s: demo town loaded in %v", dialect, time.Since(start).Round(time.Millisecond))
	cases := []tamperE2ECase{
		{
			name: "amount of a listed payment changed, triggers dropped",
			tamper: func(t *testing.T, tw *e2eTown) {
				tw.dropTriggers(t, "entries_no_update")
				tw.exec(t, "UPDATE entries SET body = ? WHERE log_id = ? AND seq = ?", tw.changedAmount(t, tw.target), tw.lg.ID, tw.target)
			},
			firstBad: target, kind: "hash_mismatch", rowNamed: true, treeIntact: true, auditFirst: target,
		},
		{
			name: "listed payment deleted",
			tamper: func(t *testing.T, tw *e2eTown) {
				tw.dropTriggers(t, "entries_no_delete")
				tw.exec(t, "DELETE FROM entries WHERE log_id = ? AND seq = ?", tw.lg.ID, tw.target)
			},
			firstBad: target, kind: "missing_entry", rowNamed: true, treeIntact: true, auditFirst: target,
		},
		{
			name: "listed payment replaced (" + replaceVerbE2E(dialect) + ")",
			tamper: func(t *testing.T, tw *e2eTown) {
				// REPLACE deletes the old row and inserts: the dense-insert
				// and delete triggers would stop it.
				tw.dropTriggers(t, "entries_seq_dense", "entries_no_delete")
				tw.exec(t, replaceVerbE2E(tw.dialect)+e2eInsertEntry, tw.entryArgs(tw.stored(t, tw.target), tw.changedAmount(t, tw.target))...)
			},
			firstBad: target, kind: "hash_mismatch", rowNamed: true, treeIntact: true, auditFirst: target,
		},
		{
			name: "forged payment appended without tree hashes",
			tamper: func(t *testing.T, tw *e2eTown) {
				// No trigger stops a well-formed next entry: the grants are
				// what keep the app user's console from it.
				e := ledger.Entry{Log: tw.lg.Origin, Seq: tw.size, Type: "payment_recorded", RecordedAt: time.Now().UTC().Truncate(time.Second),
					EffectiveOn: "2026-11-01", Actor: "u1"}
				p, err := ledger.ParseEntry(tw.bodies[tw.target])
				if err != nil {
					t.Fatal(err)
				}
				e.Payload = p.Payload // the listed payment, paid twice
				se := ledger.StoredEntry{Seq: e.Seq, Type: e.Type, EffectiveOn: e.EffectiveOn, RecordedAt: e.RecordedAt, Actor: e.Actor}
				tw.exec(t, "INSERT"+e2eInsertEntry, tw.entryArgs(se, e.Encode())...)
				tw.exec(t, "UPDATE log_heads SET size = ? WHERE log_id = ?", tw.size+1, tw.lg.ID)
			},
			// The verify job finds it, but its T1 flag, an entry of this
			// log, cannot be appended after a tail without tree hashes.
			firstBad: func(tw *e2eTown) int64 { return tw.size }, kind: "missing_hash", noFlag: true, pastedFails: true,
			auditFirst: func(*e2eTown) int64 { return -1 },
		},
		{
			name: "listed payment swapped with the next entry",
			tamper: func(t *testing.T, tw *e2eTown) {
				tw.dropTriggers(t, "entries_no_update")
				a, b := tw.stored(t, tw.target), tw.stored(t, tw.target+1)
				for _, p := range [][2]ledger.StoredEntry{{a, b}, {b, a}} {
					to, from := p[0], p[1]
					tw.exec(t, "UPDATE entries SET type = ?, effective_on = ?, recorded_at = ?, actor = ?, body = ? WHERE log_id = ? AND seq = ?",
						from.Type, from.EffectiveOn, from.RecordedAt.UTC().Format("2006-01-02T15:04:05Z"), from.Actor, from.Body, tw.lg.ID, to.Seq)
				}
			},
			firstBad: target, kind: "bad_entry", rowNamed: true, treeIntact: true, auditFirst: target,
		},
		{
			name: "listed payment changed with every stored hash recomputed up to the root",
			tamper: func(t *testing.T, tw *e2eTown) {
				tw.rewriteTree(t, tw.target, tw.changedAmount(t, tw.target))
			},
			// The stored tree agrees with the entries; only the signed
			// checkpoints disagree, and the first that does covers the
			// entries after the last one that agrees.
			// The page stops at today's checkpoint, which the service
			// refuses to sign (inconsistent with its last): no row is
			// checked. The head's note no longer roots the tree, so the
			// writer takes nothing more: the T1 flag is an alarm beside
			// the log.
			firstBad: func(tw *e2eTown) int64 { return tw.lastCheckpointAtOrBelow(tw.target) }, kind: "checkpoint_root",
			noFlag: true, pastedFails: true, auditFirst: target,
		},
		{
			name: "history rewritten and the stored checkpoints re-signed with another key",
			tamper: func(t *testing.T, tw *e2eTown) {
				want := tw.rewriteTree(t, tw.target, tw.changedAmount(t, tw.target))
				tw.resignCheckpoints(t, want, lt.OtherKey(t))
			},
			// Every stored checkpoint now agrees with the entries, but not
			// with the town's key: verify says so, and can name no entry.
			// The service refuses to sign today's checkpoint over a stored
			// one it did not sign (ledger_tampered), so the verify pages
			// fail at 今日检查点 before any row. The head's note no longer
			// roots the rewritten tree, so the writer takes nothing more:
			// the T1 flag is an alarm beside the log.
			firstBad: func(*e2eTown) int64 { return -1 }, kind: "checkpoint_signature",
			noFlag: true, rowNamed: false, pastedFails: true, auditFirst: target,
		},
	}
	for _, c := range cases {
		if c.dialect != "" && c.dialect != dialect {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			caseStart := time.Now()
			tw := newE2ETown(t, base)
			setup := time.Since(caseStart)
			c.tamper(t, tw)
			tw.detect(t, c)
			t.Logf("setup %v, all %v", setup.Round(time.Millisecond), time.Since(caseStart).Round(time.Millisecond))
		})
	}
	t.Run("history rewritten and re-signed with the real key, seen by the witnesses", func(t *testing.T) { testWitnessedRewriteE2E(t, base) })
	if dialect == "mysql" {
		t.Run("restricted app user: TRUNCATE and DROP refused", func(t *testing.T) { testRestrictedUserE2E(t, base) })
	}
	t.Logf("%s: %v", dialect, time.Since(start).Round(time.Millisecond))
}

func replaceVerbE2E(dialect string) string {
	if dialect == "sqlite" {
		return "INSERT OR REPLACE"
	}
	return "REPLACE"
}

// detect runs the four detectors on the tampered town.
func (tw *e2eTown) detect(t *testing.T, c tamperE2ECase) {
	t.Helper()
	want := c.firstBad(tw)
	firstBad := fmt.Sprintf("first bad seq %d;", want)

	// (a) sunshine verify
	code, out := runCmd(t, append([]string{"verify"}, tw.args...)...)
	if code != 1 || !strings.Contains(out, firstBad) || !strings.Contains(out, "["+c.kind+"]") {
		t.Fatalf("verify: exit %d, want 1 naming %q and a %s problem:\n%s", code, firstBad, c.kind, out)
	}
	t.Logf("(a) sunshine verify, exit %d: %s", code, firstLines(out, 2))

	// (b) the nightly job
	code, out = runCmd(t, append(append([]string{"run-job"}, tw.args...), "verify")...)
	if code != 1 || !strings.Contains(out, fmt.Sprintf("first bad seq %d (%s)", want, c.kind)) {
		t.Fatalf("run-job verify: exit %d, want 1 naming seq %d (%s):\n%s", code, want, c.kind, out)
	}
	var run struct {
		Outcome string `json:"outcome"`
		Error   string `json:"error"`
	}
	if err := json.Unmarshal([]byte(out), &run); err != nil {
		t.Fatalf("run-job output: %v\n%s", err, out)
	}
	t.Logf("(b) run-job verify, exit %d: outcome %s, error %q", code, run.Outcome, run.Error)

	// A second's pause, so that the public checkpoint is signed anew if the
	// log grew (one a second at most).
	time.Sleep(1100 * time.Millisecond)
	srv := startE2EServer(t, tw.args)
	defer srv.Close()

	// (b) the T1 flag, as the discipline office reads it
	tok := loginE2E(t, srv, "jijian")
	status, b := srv.get(t, "/api/v1/flags?rule=T1", tok)
	if status != http.StatusOK {
		t.Fatalf("flags: %d %s", status, b)
	}
	var flags struct {
		Items []api.FlagDTO `json:"items"`
	}
	if err := json.Unmarshal(b, &flags); err != nil {
		t.Fatal(err)
	}
	if c.noFlag {
		if len(flags.Items) != 0 || !strings.Contains(run.Error, "the T1 flag could not be recorded") {
			t.Fatalf("%d T1 flags; run error %q", len(flags.Items), run.Error)
		}
		// The alarm beside the log, on the discipline office's flags page.
		status, page := srv.get(t, "/staff/flags", tok)
		if status != http.StatusOK || !bytes.Contains(page, []byte("T1 账本告警")) ||
			!bytes.Contains(page, []byte(fmt.Sprintf("首个有问题的序号为 %d。", want))) {
			t.Fatalf("the flags page shows no T1 alarm naming seq %d: %d %.2000s", want, status, page)
		}
		t.Logf("(b) no T1 flag: it could not be appended to the broken log; the T1 alarm beside it names seq %d", want)
	} else {
		if len(flags.Items) != 1 {
			t.Fatalf("%d T1 flags, want 1: %s", len(flags.Items), b)
		}
		f := flags.Items[0]
		wantEvidence := []int64{}
		if want >= 0 {
			wantEvidence = []int64{want}
		}
		if !strings.Contains(f.Reason, fmt.Sprintf("首个有问题的序号为 %d。", want)) || !slices.Equal(f.Evidence.Entries, wantEvidence) ||
			f.Severity != ledger.SeverityHigh || f.Subject.Kind != "log" {
			t.Fatalf("T1 flag: %+v; want seq %d in its reason and evidence %v", f, want, wantEvidence)
		}
		t.Logf("(b) T1 flag %d (%s, %s): %q, evidence entries %v", f.ID, f.Severity, f.Status, f.Reason, f.Evidence.Entries)
	}

	// (c) the public verify page: the notice's QR code ...
	page := srv.mustGet(t, tw.qrPath())
	verdict := pageChecks(page)
	if !bytes.Contains(page, []byte("✘ 核验未通过")) {
		t.Fatalf("verify page for the QR code passed after the tampering: %s", verdict)
	}
	for _, raw := range []string{"tree hash", " of log ", "sql", "index"} {
		if strings.Contains(verdict, raw) {
			t.Fatalf("the verify page shows the store's own words (%q): %s", raw, verdict)
		}
	}
	row := fmt.Sprintf("✘ 第 %d 条：账本序号 %d", tw.target, tw.target)
	if c.rowNamed && !strings.Contains(verdict, row) {
		t.Fatalf("verify page for the QR code does not name row %d as failed: %s", tw.target, verdict)
	}
	t.Logf("(c) GET %s: %s", tw.qrPath(), verdict)
	// ... and the published checkpoint pasted in the form.
	page = postCheckpoint(t, srv, tw.pubNote)
	verdict = pageChecks(page)
	failed := bytes.Contains(page, []byte("✘ 核验未通过"))
	if !failed && !bytes.Contains(page, []byte("✔ 核验通过")) {
		t.Fatalf("POST /verify gave no verdict: %s", verdict)
	}
	if failed != c.pastedFails {
		t.Fatalf("POST /verify with the published checkpoint: failed=%v, want %v: %s", failed, c.pastedFails, verdict)
	}
	t.Logf("(c) POST /verify (published checkpoint pasted): %s", verdict)

	// (d) the auditor with the published checkpoint and the key only
	var linked []string // ways the published checkpoint still links to today's log
	status, b = srv.get(t, "/api/public/checkpoint", "")
	if status != http.StatusOK {
		t.Logf("(d) GET /api/public/checkpoint refused: %d %s", status, b)
	} else if now, err := ledger.OpenCheckpoint(b, tw.vkey); err != nil {
		t.Logf("(d) GET /api/public/checkpoint: not signed by the town's key: %v", err)
	} else {
		msg := "(d) today's checkpoint: size %d; "
		switch {
		case now.Size < tw.pub.Size:
			t.Logf(msg+"shorter than the published %d", now.Size, tw.pub.Size)
		case now.Size == tw.pub.Size:
			if now.Root == tw.pub.Root {
				linked = append(linked, "same checkpoint")
			}
			t.Logf(msg+"same size as the published one, same root %v", now.Size, now.Root == tw.pub.Root)
		default:
			status, pb := srv.get(t, fmt.Sprintf("/api/public/proof/consistency?old=%d&new=%d", tw.pub.Size, now.Size), "")
			if status != http.StatusOK {
				t.Logf(msg+"consistency proof refused: %d %s", now.Size, status, pb)
				break
			}
			var pr api.ProofResponse
			if err := json.Unmarshal(pb, &pr); err != nil {
				t.Fatal(err)
			}
			var proof tlog.TreeProof
			for _, h := range pr.Hashes {
				x, err := disclosure.ParseRoot(h)
				if err != nil {
					t.Fatal(err)
				}
				proof = append(proof, x)
			}
			if err := tlog.CheckTree(proof, now.Size, now.Root, tw.pub.Size, tw.pub.Root); err != nil {
				t.Logf(msg+"consistency proof from the published %d fails tlog.CheckTree: %v", now.Size, tw.pub.Size, err)
			} else {
				linked = append(linked, "consistency proof")
				t.Logf(msg+"consistency proof from the published %d checks (the stored tree is intact)", now.Size, tw.pub.Size)
			}
		}
	}
	if (len(linked) > 0) != c.treeIntact {
		t.Fatalf("(d) published checkpoint linked to today's tree by %v; want linked=%v", linked, c.treeIntact)
	}
	leaves := publicLeaves(t, srv, tw.pub.Size)
	root, err := tlog.TreeHash(tw.pub.Size, lt.StoredHashes(leaves))
	if err != nil {
		t.Fatal(err)
	}
	first := int64(-1)
	for i := range leaves {
		if leaves[i] != tw.leaves[i] {
			first = int64(i)
			break
		}
	}
	if wantFirst := c.auditFirst(tw); first != wantFirst || (first >= 0) == (root == tw.pub.Root) {
		t.Fatalf("(d) served leaves first differ at %d, want %d; their root is the published one: %v", first, wantFirst, root == tw.pub.Root)
	}
	t.Logf("(d) the %d served leaves below the published size hash to the published root: %v; first leaf differing from the auditor's copy: %d",
		len(leaves), root == tw.pub.Root, first)
	if len(linked) > 0 && root == tw.pub.Root && c.pastedFails == false {
		t.Fatal("(d) nothing public shows the tampering")
	}
}

// testWitnessedRewriteE2E (issue 15): the town served with two witnesses
// (县纪委监委, 县审计局: SUNSHINE_WITNESSES), which cosign its checkpoint
// and make the QR page of an old notice say who vouched. Then the insider
// rewrite with the real key, the one thing the key alone cannot show: a
// listed payment changed, every stored hash recomputed, every stored
// checkpoint and the head re-signed with the town's own key. `sunshine
// verify` (the key alone) cannot object to that; the witnesses can: the
// public checkpoint is served as not witnessed (0/2), the QR page of the
// old notice says ✘ and names both witnesses as not vouching, and
// `verify --witness-key` fails on their stored cosignatures, which no
// longer verify over the re-signed checkpoints.
func testWitnessedRewriteE2E(t *testing.T, base *e2eBase) {
	tw := newE2ETown(t, base)
	var spec, files []string // SUNSHINE_WITNESSES; verify's --witness-key FILE arguments
	for _, name := range []string{"县纪委监委", "县审计局"} {
		_, w := lt.StartWitness(t, name, tw.vkey)
		spec = append(spec, w.Key+"@"+w.URL+"#"+w.Label)
		f := filepath.Join(t.TempDir(), "witness.pub")
		if err := os.WriteFile(f, []byte(w.Key+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, "--witness-key", f)
	}
	args := append(slices.Clone(tw.args), "--witnesses", strings.Join(spec, ","))

	srv := startE2EServer(t, args)
	code, b := srv.get(t, "/api/public/checkpoint", "")
	res, err := http.Get(srv.url + "/api/public/checkpoint")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if code != http.StatusOK || res.Header.Get("Sunshine-Witnessed") != "yes" || res.Header.Get("Sunshine-Witnesses") != "2/2" {
		t.Fatalf("the honest checkpoint: %d %v\n%s", code, res.Header, b)
	}
	page := srv.mustGet(t, tw.qrPath())
	if !bytes.Contains(page, []byte("✔ 核验通过")) || !bytes.Contains(page, []byte("已由 县纪委监委、县审计局 见证")) {
		t.Fatalf("the QR page of the old notice before the rewrite: %s", pageChecks(page))
	}
	srv.Close()
	if code, out := runCmd(t, append(append([]string{"verify"}, tw.args...), files...)...); code != 0 {
		t.Fatalf("verify --witness-key before the rewrite: exit %d\n%s", code, out)
	}

	// The rewrite, re-signed with the real key.
	want := tw.rewriteTree(t, tw.target, tw.changedAmount(t, tw.target))
	key, err := signingKey(tw.cfg)
	if err != nil {
		t.Fatal(err)
	}
	tw.resignCheckpoints(t, want, key)
	head, err := ledger.SignCheckpointBody(key, ledger.CheckpointBody{Origin: tw.lg.Origin, Size: tw.size, Root: rootOf(t, want, tw.size)})
	if err != nil {
		t.Fatal(err)
	}
	tw.exec(t, "UPDATE log_heads SET note = ? WHERE log_id = ?", head, tw.lg.ID)
	code, out := runCmd(t, append([]string{"verify"}, tw.args...)...)
	t.Logf("sunshine verify with the key alone, after the rewrite: exit %d: %s", code, firstLines(out, 2))

	// A fresh process with the witnesses.
	srv = startE2EServer(t, args)
	defer srv.Close()
	res, err = http.Get(srv.url + "/api/public/checkpoint")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Header.Get("Sunshine-Witnessed") != "no" || res.Header.Get("Sunshine-Witnesses") != "0/2" {
		t.Fatalf("the rewritten checkpoint is served as witnessed: %d %v", res.StatusCode, res.Header)
	}
	page = srv.mustGet(t, tw.qrPath())
	verdict := pageChecks(page)
	if !bytes.Contains(page, []byte("✘ 核验未通过")) || !bytes.Contains(page, []byte(`<p class="witnesses bad">未获 县纪委监委、县审计局 见证</p>`)) ||
		!strings.Contains(verdict, "✘ 见证：今日检查点未获 县纪委监委、县审计局 见证") {
		t.Fatalf("the QR page of the old notice after the rewrite: %s", verdict)
	}
	t.Logf("GET %s after the rewrite: %s", tw.qrPath(), verdict)
	srv.Close()
	code, out = runCmd(t, append(append([]string{"verify"}, tw.args...), files...)...)
	if code != 1 || !strings.Contains(out, "of witness 县纪委监委 do not verify over the stored checkpoint of their size") ||
		!strings.Contains(out, "of witness 县审计局 do not verify over the stored checkpoint of their size") {
		t.Fatalf("verify --witness-key after the rewrite: exit %d\n%s", code, out)
	}
	t.Logf("verify --witness-key after the rewrite: exit %d: %s", code, firstLines(out, 4))
}

func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[:min(n, len(lines))], " / ")
}

func loginE2E(t *testing.T, srv *e2eServer, user string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": user, "password": demo.Password})
	res, err := http.Post(srv.url+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var out struct {
		Token string `json:"token"`
	}
	if res.StatusCode != http.StatusOK || json.Unmarshal(b, &out) != nil || out.Token == "" {
		t.Fatalf("login as %s: %d %s", user, res.StatusCode, b)
	}
	return out.Token
}

// postCheckpoint pastes a checkpoint into the verify page's form.
func postCheckpoint(t *testing.T, srv *e2eServer, note string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("checkpoint", strings.ReplaceAll(note, "\n", "\r\n"))
	w.Close()
	res, err := http.Post(srv.url+"/verify", w.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("POST /verify: %d %s", res.StatusCode, pageChecks(b))
	}
	return b
}

// MySQL error numbers of a refused privilege.
var e2eDenied = []uint16{1044, 1142, 1143, 1227, 1370}

// testRestrictedUserE2E: as the app user of deploy/grants.sql, TRUNCATE and
// DROP of the log's tables are refused (no trigger could stop them), and
// the town still verifies.
func testRestrictedUserE2E(t *testing.T, base *e2eBase) {
	tw := newE2ETown(t, base)
	appCfg := composeAppUser(t, tw.cfg.DB)
	app, err := sql.Open("mysql", appCfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	for _, q := range []string{"TRUNCATE TABLE entries", "TRUNCATE TABLE tree_hashes", "TRUNCATE TABLE checkpoints",
		"DROP TABLE entries", "DROP TABLE tree_hashes", "DROP TABLE checkpoints", "DROP TRIGGER entries_no_update"} {
		_, err := app.Exec(q)
		var me *mysql.MySQLError
		if err == nil || !errors.As(err, &me) || !slices.Contains(e2eDenied, me.Number) {
			t.Fatalf("the app user's %s: %v, want a privilege error", q, err)
		}
		t.Logf("app user: %s refused: %d %s", q, me.Number, me.Message)
	}
	// verify as the app user, with the public key only: the log is whole
	appArgs := []string{"--data", tw.args[1], "--public-url", e2ePublicURL, "--db", "mysql://" + appCfg.FormatDSN()}
	code, out := runCmd(t, append(append([]string{"verify"}, appArgs...), "--public-key", tw.args[1]+"/keys/signing.pub")...)
	if code != 0 || !strings.Contains(out, fmt.Sprintf("OK   %s: size %d verified, ", tw.lg.Origin, tw.size)) {
		t.Fatalf("verify as the app user after the refused statements: %d %s", code, out)
	}
	t.Logf("verify as the app user: %s", strings.TrimSpace(out))
}
