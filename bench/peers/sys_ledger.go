package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/glebarez/go-sqlite" // database/sql driver "sqlite" for the raw baseline
	"github.com/go-sql-driver/mysql"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore"
)

// freshMySQL creates a new empty database on the server of adminDSN (a
// go-sql-driver DSN of a user allowed to create databases) and returns the
// DSN of that database and a function that drops it.
func freshMySQL(adminDSN, prefix string) (string, func(), error) {
	cfg, err := mysql.ParseDSN(adminDSN)
	if err != nil {
		return "", nil, fmt.Errorf("mysql dsn: %w", err)
	}
	var b [5]byte
	_, _ = rand.Read(b[:])
	name := prefix + hex.EncodeToString(b[:])
	cfg.DBName = ""
	admin := cfg.FormatDSN()
	db, err := sql.Open("mysql", admin)
	if err != nil {
		return "", nil, err
	}
	defer db.Close()
	if _, err := db.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		return "", nil, fmt.Errorf("create database: %w", err)
	}
	drop := func() {
		if db, err := sql.Open("mysql", admin); err == nil {
			_, _ = db.Exec("DROP DATABASE IF EXISTS " + name)
			db.Close()
		}
	}
	cfg.DBName = name
	cfg.ParseTime = true
	return cfg.FormatDSN(), drop, nil
}

// mariadbSettings reports the server's version and durability settings.
func mariadbSettings(dsn string) string {
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		return "MariaDB: " + err.Error()
	}
	defer db.Close()
	var version string
	var flush, syncBinlog, logBin int
	err = db.QueryRow("SELECT VERSION(), @@innodb_flush_log_at_trx_commit, @@sync_binlog, @@log_bin").Scan(&version, &flush, &syncBinlog, &logBin)
	if err != nil {
		return "MariaDB: " + err.Error()
	}
	return fmt.Sprintf("MariaDB %s: innodb_flush_log_at_trx_commit=%d sync_binlog=%d log_bin=%d", version, flush, syncBinlog, logBin)
}

// ledgerSys is the ledger through its own packages: gormstore, ledger.New,
// and ledger.Do with an idempotency key per append, as the API calls it.
type ledgerSys struct {
	dialect  string // "sqlite" or "mysql"
	adminDSN string

	store *gormstore.Store
	l     *ledger.Ledger
	lg    ledger.Log
	seqs  []int64
	drop  func()
	n     int
}

func (s *ledgerSys) Name() string      { return "ledger-" + s.dialect }
func (s *ledgerSys) UsesMariaDB() bool { return s.dialect == "mysql" }

func (s *ledgerSys) Open(ctx context.Context, dir string, n int) error {
	s.n, s.seqs = n, make([]int64, n)
	var dsn string
	if s.dialect == "mysql" {
		d, drop, err := freshMySQL(s.adminDSN, "peers_ledger_")
		if err != nil {
			return err
		}
		dsn, s.drop = "mysql://"+d, drop
	} else {
		dsn = filepath.Join(dir, "ledger.db") // synchronous=FULL: gormstore's default
	}
	st, err := gormstore.Open(dsn)
	if err != nil {
		return err
	}
	s.store = st
	if _, err := st.Migrate(ctx); err != nil {
		return err
	}
	skey, _, err := ledger.GenerateSigningKey(rand.Reader)
	if err != nil {
		return err
	}
	key, err := ledger.ParseSigningKey(skey)
	if err != nil {
		return err
	}
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return err
	}
	s.l = ledger.New(ledger.Options{Store: st, Key: key, Now: time.Now, Location: loc})
	s.lg, err = s.l.EnsureLog(ctx, "430181117", "bench.peers/log/430181117")
	return err
}

func (s *ledgerSys) Append(ctx context.Context, w, i int) error {
	canon := canonicalPayload(i)
	payload := ledger.PreparePayload(json.RawMessage(canon))
	idem := &ledger.Idem{
		IdemScope:   ledger.IdemScope{UserID: fmt.Sprintf("u%d", w), Method: "POST", Route: "/api/v1/payments", Key: idemKey(i)},
		Fingerprint: sha256.Sum256(canon),
	}
	seq, _, err := ledger.Do(ctx, s.l, s.lg, idem, func(b *ledger.Batch) (int64, error) {
		e, err := b.Append(ledger.AppendInput{Type: "payment_recorded", Actor: "u1", Payload: payload})
		return e.Seq, err
	})
	if err != nil {
		return err
	}
	s.seqs[i] = seq
	return nil
}

func (s *ledgerSys) Finish(ctx context.Context, n int) error {
	_, err := s.l.SignCheckpoint(ctx, s.lg)
	return err
}

func (s *ledgerSys) Count(ctx context.Context) (int64, error) {
	return s.store.Size(ctx, s.lg.ID)
}

func (s *ledgerSys) Proofs(ctx context.Context, is []int) ([]time.Duration, error) {
	size, err := s.store.Size(ctx, s.lg.ID)
	if err != nil {
		return nil, err
	}
	ds := make([]time.Duration, len(is))
	proofs := make([]tlog.RecordProof, len(is))
	for j, i := range is {
		start := time.Now()
		p, err := s.l.ProveInclusion(ctx, s.lg, s.seqs[i], size)
		ds[j] = time.Since(start)
		if err != nil {
			return nil, err
		}
		proofs[j] = p
	}
	// Check each proof against the root recomputed from the stored hashes
	// and the leaf hash of the entry's own bytes.
	root, err := s.l.TreeHash(ctx, s.lg, size)
	if err != nil {
		return nil, err
	}
	for j, i := range is {
		e, err := s.store.Entry(ctx, s.lg.ID, s.seqs[i])
		if err != nil {
			return nil, err
		}
		if err := tlog.CheckRecord(proofs[j], size, root, s.seqs[i], tlog.RecordHash(e.Body)); err != nil {
			return nil, fmt.Errorf("proof of seq %d: %w", s.seqs[i], err)
		}
	}
	return ds, nil
}

func (s *ledgerSys) Verify(ctx context.Context) (bool, error) {
	rep, err := s.l.Verify(ctx, s.lg, ledger.VerifyOptions{})
	if err != nil {
		return true, err
	}
	if !rep.OK() || rep.Entries != int64(s.n) {
		return true, fmt.Errorf("verify: %d entries, problems %+v", rep.Entries, rep.Problems)
	}
	return true, nil
}

func (s *ledgerSys) Close() error {
	if s.l != nil {
		s.l.Close()
	}
	var err error
	if s.store != nil {
		err = s.store.Close()
	}
	if s.drop != nil {
		s.drop()
	}
	return err
}

// rawSys is the baseline: the same canonical payload and its idempotency key
// INSERTed as one row into a table with a unique key on the idempotency key,
// at the same durability as the ledger. With batch > 1 one committer
// goroutine puts whatever is waiting (at most batch rows) into one
// transaction with one multi-row INSERT, as the ledger's writer groups its
// requests; each writer is acknowledged after the COMMIT. With batch == 1
// every writer runs its own autocommit INSERT (MariaDB then groups the log
// flushes itself; SQLite does not).
type rawSys struct {
	dialect  string
	adminDSN string
	batch    int

	db   *sql.DB
	drop func()
	q    chan rawReq
	done chan struct{}
}

type rawReq struct {
	key  string
	body []byte
	ack  chan error
}

func (s *rawSys) Name() string      { return "raw-" + s.dialect }
func (s *rawSys) UsesMariaDB() bool { return s.dialect == "mysql" }

func (s *rawSys) Open(ctx context.Context, dir string, n int) error {
	var ddl string
	if s.dialect == "mysql" {
		dsn, drop, err := freshMySQL(s.adminDSN, "peers_raw_")
		if err != nil {
			return err
		}
		s.drop = drop
		cfg, err := mysql.ParseDSN(dsn)
		if err != nil {
			return err
		}
		cfg.InterpolateParams = true // as gormstore does
		s.db, err = sql.Open("mysql", cfg.FormatDSN())
		if err != nil {
			return err
		}
		s.db.SetMaxOpenConns(64)
		s.db.SetMaxIdleConns(64)
		ddl = "CREATE TABLE raw_entries (seq BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, idem_key VARCHAR(64) NOT NULL, body BLOB NOT NULL, UNIQUE KEY raw_idem (idem_key)) ENGINE=InnoDB"
	} else {
		path := filepath.Join(dir, "raw.db")
		var err error
		// The same pragmas as gormstore: WAL, synchronous FULL, BEGIN IMMEDIATE.
		s.db, err = sql.Open("sqlite", "file:"+path+"?_txlock=immediate&_pragma=busy_timeout(20000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)")
		if err != nil {
			return err
		}
		s.db.SetMaxOpenConns(8)
		s.db.SetMaxIdleConns(8)
		ddl = "CREATE TABLE raw_entries (seq INTEGER PRIMARY KEY, idem_key TEXT NOT NULL UNIQUE, body BLOB NOT NULL)"
	}
	if _, err := s.db.ExecContext(ctx, ddl); err != nil {
		return err
	}
	if s.batch > 1 {
		s.q = make(chan rawReq, 4*s.batch)
		s.done = make(chan struct{})
		go s.committer()
	}
	return nil
}

func (s *rawSys) committer() {
	defer close(s.done)
	var reqs []rawReq
	var q strings.Builder
	var args []any
	for r := range s.q {
		reqs = append(reqs[:0], r)
	more:
		for len(reqs) < s.batch {
			select {
			case r, ok := <-s.q:
				if !ok {
					break more
				}
				reqs = append(reqs, r)
			default:
				break more
			}
		}
		q.Reset()
		args = args[:0]
		q.WriteString("INSERT INTO raw_entries (idem_key, body) VALUES ")
		for j, r := range reqs {
			if j > 0 {
				q.WriteByte(',')
			}
			q.WriteString("(?,?)")
			args = append(args, r.key, r.body)
		}
		err := func() error {
			tx, err := s.db.Begin()
			if err != nil {
				return err
			}
			if _, err := tx.Exec(q.String(), args...); err != nil {
				tx.Rollback()
				return err
			}
			return tx.Commit()
		}()
		for _, r := range reqs {
			r.ack <- err
		}
	}
}

func (s *rawSys) Append(ctx context.Context, w, i int) error {
	body := canonicalPayload(i)
	if s.batch <= 1 {
		_, err := s.db.ExecContext(ctx, "INSERT INTO raw_entries (idem_key, body) VALUES (?,?)", idemKey(i), body)
		return err
	}
	ack := make(chan error, 1)
	s.q <- rawReq{key: idemKey(i), body: body, ack: ack}
	return <-ack
}

func (s *rawSys) Finish(ctx context.Context, n int) error { return nil }

func (s *rawSys) Count(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM raw_entries").Scan(&n)
	return n, err
}

func (s *rawSys) Proofs(ctx context.Context, is []int) ([]time.Duration, error) { return nil, nil }
func (s *rawSys) Verify(ctx context.Context) (bool, error)                      { return false, nil }

func (s *rawSys) Close() error {
	if s.q != nil {
		close(s.q)
		<-s.done
		s.q = nil
	}
	var err error
	if s.db != nil {
		err = s.db.Close()
	}
	if s.drop != nil {
		s.drop()
	}
	return err
}
