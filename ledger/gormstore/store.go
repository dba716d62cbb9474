package gormstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/go-sql-driver/mysql"
	mysqldriver "gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// Store is a ledger.Store on GORM.
type Store struct {
	db      *gorm.DB
	dialect string
	// inTxQuery answers 1 while the connection holds an open transaction
	// (MySQL only): MariaDB's @@in_transaction, or InnoDB's own list where
	// the server lacks that variable (MySQL 8).
	inTxQuery string
	// failover is the connector over several addresses, when the DSN
	// names several (MySQL only).
	failover *failoverConnector
}

var _ ledger.Store = (*Store)(nil)

// IsMySQL reports whether dsn names a MySQL database (mysql://…).
func IsMySQL(dsn string) bool { return strings.HasPrefix(dsn, "mysql://") }

// Open opens a database. dsn is "mysql://user:pass@tcp(host:port)/db?…" for
// MySQL/MariaDB, or a SQLite file path (its folder is created). It does not
// migrate: call Migrate, or Pending to check.
func Open(dsn string) (*Store, error) { return OpenWith(dsn, Options{}) }

// Options tune OpenWith.
type Options struct {
	// WrapConnector, when set, wraps the driver's connector: every
	// connection the store opens goes through it (tests inject faults so).
	WrapConnector func(driver.Connector) driver.Connector
	// SQLiteSync is SQLite's synchronous setting. "" or "full" (the
	// default): a transaction the store committed survives a power failure
	// (the WAL is synced at every commit; the group-commit writer makes that
	// one sync per batch). "normal": the WAL is synced only at checkpoints,
	// so a power failure can lose the latest commits, whose writers were
	// told they were stored. "off": for a scratch database that is thrown
	// away (a replay), never for the books. MySQL ignores it.
	SQLiteSync string
}

// sqliteSyncPragma maps Options.SQLiteSync to the pragma's value.
func sqliteSyncPragma(v string) (string, error) {
	switch strings.ToLower(v) {
	case "", "full":
		return "FULL", nil
	case "normal":
		return "NORMAL", nil
	case "off":
		return "OFF", nil
	}
	return "", fmt.Errorf("SQLite synchronous must be full, normal or off, not %q", v)
}

// sqliteDriver is the driver glebarez/go-sqlite registers as "sqlite".
var sqliteDriver = func() driver.Driver {
	db, err := sql.Open("sqlite", "")
	if err != nil {
		panic(err) // the driver is linked in: unreachable
	}
	defer db.Close()
	return db.Driver()
}()

// dsnConnector is a connector for a driver that has no OpenConnector.
type dsnConnector struct {
	drv driver.Driver
	dsn string
}

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c dsnConnector) Driver() driver.Driver                        { return c.drv }

// OpenWith is Open with options.
func OpenWith(dsn string, o Options) (*Store, error) {
	cfg := &gorm.Config{Logger: logger.Discard, SkipDefaultTransaction: true,
		NowFunc: func() time.Time { return time.Now().UTC() }}
	if IsMySQL(dsn) {
		text, addrs := splitDSNAddrs(strings.TrimPrefix(dsn, "mysql://"))
		mc, err := mysql.ParseDSN(text)
		if err != nil {
			return nil, fmt.Errorf("mysql dsn: %w", err)
		}
		mc.ParseTime = true
		mc.MultiStatements = false
		// One round trip per statement instead of prepare/execute/close. Safe:
		// the connection charset is utf8mb4, which has no multi-byte
		// sequences that hide a quote.
		mc.InterpolateParams = true
		if mc.Params == nil {
			mc.Params = map[string]string{}
		}
		mc.Params["charset"] = "utf8mb4"
		mc.Loc = time.UTC
		// Through the DSN text, as the driver reads charset and the other
		// connection settings from it (set in Params they would be sent as
		// session variables).
		mc, err = mysql.ParseDSN(mc.FormatDSN())
		if err != nil {
			return nil, fmt.Errorf("mysql dsn: %w", err)
		}
		conn, err := mysqlConnector(mc, addrs)
		if err != nil {
			return nil, fmt.Errorf("mysql dsn: %w", err)
		}
		if o.WrapConnector != nil {
			conn = o.WrapConnector(conn)
		}
		sqlDB := sql.OpenDB(conn)
		// Under MySQL's default wait_timeout, and enough for a county.
		sqlDB.SetConnMaxLifetime(3 * time.Minute)
		sqlDB.SetMaxOpenConns(64)
		sqlDB.SetMaxIdleConns(16)
		db, err := gorm.Open(mysqldriver.New(mysqldriver.Config{DSNConfig: mc, DSN: mc.FormatDSN(), Conn: sqlDB}), cfg)
		if err != nil {
			sqlDB.Close()
			return nil, fmt.Errorf("open mysql: %w", err)
		}
		st := &Store{db: db, dialect: "mysql", inTxQuery: inTransactionQuery(db)}
		st.failover, _ = conn.(*failoverConnector) // nil when wrapped
		return st, nil
	}
	sync, err := sqliteSyncPragma(o.SQLiteSync)
	if err != nil {
		return nil, err
	}
	path := strings.TrimPrefix(dsn, "sqlite://")
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create data folder: %w", err)
		}
	}
	// WAL for readers beside the writer; every transaction BEGIN IMMEDIATE,
	// which is the SQLite form of locking the log head; recursive_triggers so
	// that INSERT OR REPLACE fires the delete triggers too; synchronous FULL
	// unless asked otherwise (Options.SQLiteSync); temp_store MEMORY, so that
	// the statement journal of the writer's multi-row INSERTs (they fire the
	// append-only triggers, which may abort them half-way) no longer spills
	// to a temporary file past 64 KiB: 16 % of the append path's CPU went to
	// writing it (BENCHMARKS.md "Peers"); alternated runs of
	// BenchmarkAppend64 gained 10-17 % in every round. Temporary tables and
	// sorts are in memory too: the store's large reads (payments, objects,
	// blind indexes, dumps) go in primary-key order and sort nothing.
	full := "file:" + path + "?_txlock=immediate" +
		"&_pragma=busy_timeout(20000)&_pragma=journal_mode(WAL)&_pragma=synchronous(" + sync + ")" +
		"&_pragma=recursive_triggers(1)&_pragma=foreign_keys(1)&_pragma=cache_size(-65536)&_pragma=temp_store(2)"
	var conn driver.Connector = dsnConnector{drv: sqliteDriver, dsn: full}
	if o.WrapConnector != nil {
		conn = o.WrapConnector(conn)
	}
	sqlDB := sql.OpenDB(conn)
	sqlDB.SetMaxOpenConns(8)
	sqlDB.SetMaxIdleConns(8)
	db, err := gorm.Open(&sqlite.Dialector{DSN: full, Conn: sqlDB}, cfg)
	if err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	// The database holds personal data: owner-only, also a file an older
	// version created 0644 (its WAL and shared-memory files follow its mode).
	if err := ownerOnly(sqlDB, path); err != nil {
		sqlDB.Close()
		return nil, err
	}
	return &Store{db: db, dialect: "sqlite"}, nil
}

// inTransactionQuery picks the query that tells whether the connection holds
// an open transaction.
func inTransactionQuery(db *gorm.DB) string {
	const mariadb = "SELECT @@in_transaction"
	var v int64
	err := db.Raw(mariadb).Row().Scan(&v)
	var me *mysql.MySQLError
	if errors.As(err, &me) && me.Number == 1193 { // ER_UNKNOWN_SYSTEM_VARIABLE: MySQL
		return "SELECT COUNT(*) FROM information_schema.innodb_trx WHERE trx_mysql_thread_id = CONNECTION_ID()"
	}
	return mariadb
}

// Close closes the database.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// DB returns the GORM handle, for other stores of this package and tests.
func (s *Store) DB() *gorm.DB { return s.db }

// Dialect implements ledger.Store.
func (s *Store) Dialect() string { return s.dialect }

// Ping implements ledger.Store: the database answers and no migration is
// pending.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("database unreachable: %w", err)
	}
	p, err := s.Pending(ctx)
	if err != nil {
		return err
	}
	if len(p) > 0 {
		return fmt.Errorf("%d migration(s) pending, first %s: run `sunshine migrate`", len(p), p[0].Name)
	}
	return nil
}

const timeFormat = time.RFC3339

func fmtTime(t time.Time) string { return t.UTC().Truncate(time.Second).Format(timeFormat) }

func parseTime(s string) time.Time {
	t, _ := time.Parse(timeFormat, s)
	return t.UTC()
}

// CreateLog implements ledger.Store.
func (s *Store) CreateLog(ctx context.Context, town, origin string, at time.Time) (ledger.Log, error) {
	var lg ledger.Log
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row := logRow{TownCode: town, Origin: origin, CreatedAt: fmtTime(at)}
		if err := tx.Create(&row).Error; err != nil {
			return translate("create log", err)
		}
		if err := tx.Exec("INSERT INTO log_heads (log_id, size) VALUES (?, 0)", row.ID).Error; err != nil {
			return translate("create log head", err)
		}
		lg = ledger.Log{ID: row.ID, Town: town, Origin: origin}
		return nil
	})
	return lg, err
}

type logRow struct {
	ID        int64  `gorm:"column:id;primaryKey;autoIncrement"`
	TownCode  string `gorm:"column:town_code"`
	Origin    string `gorm:"column:origin"`
	CreatedAt string `gorm:"column:created_at"`
}

func (logRow) TableName() string { return "logs" }

// LogByTown implements ledger.Store.
func (s *Store) LogByTown(ctx context.Context, town string) (ledger.Log, error) {
	var row logRow
	err := s.db.WithContext(ctx).Where("town_code = ?", town).Take(&row).Error
	if err != nil {
		return ledger.Log{}, translate("log by town", err)
	}
	return ledger.Log{ID: row.ID, Town: row.TownCode, Origin: row.Origin}, nil
}

// Logs implements ledger.Store.
func (s *Store) Logs(ctx context.Context) ([]ledger.Log, error) {
	var rows []logRow
	if err := s.db.WithContext(ctx).Order("id").Find(&rows).Error; err != nil {
		return nil, translate("logs", err)
	}
	out := make([]ledger.Log, len(rows))
	for i, r := range rows {
		out[i] = ledger.Log{ID: r.ID, Town: r.TownCode, Origin: r.Origin}
	}
	return out, nil
}

// Write implements ledger.Store. The transaction is run on database/sql
// directly, through writeTx, which refuses every statement after the first
// one that failed: once the server has aborted a transaction (a deadlock, a
// certification conflict, a killed connection), MySQL runs what follows in
// autocommit mode, so a batch that carried on would commit half of itself.
//
// On MySQL/MariaDB the transaction runs on a connection with autocommit
// off, and its first statement sets the savepoint sunshine_batch. A
// Galera node was seen to abort a transaction (a brute-force abort by a
// replicated write set) without the client ever being told, and to run
// the batch's next statements on their own: with autocommit off they
// start a new transaction instead, which has no sunshine_batch. Before
// COMMIT, RELEASE SAVEPOINT sunshine_batch proves the transaction is the
// one the batch began (else 1305: transient, the batch is retried); a
// statement that fails asks the same, so that a clash met in such a new
// transaction (a duplicate key the other node wrote) is retried as
// transient rather than failing its request (TestGaleraTwoWriters,
// TestWriteLostTransactionNotCommitted).
func (s *Store) Write(ctx context.Context, logID int64, fn func(tx ledger.WriteTx, size int64) error) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	if s.dialect != "mysql" {
		stx, err := sqlDB.BeginTx(ctx, nil)
		if err != nil {
			return translate("begin", err)
		}
		w := &writeTx{stx: stx, ctx: ctx}
		if err := w.run(logID, fn); err != nil {
			_ = stx.Rollback()
			return translate("write", err)
		}
		return translate("commit", stx.Commit())
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return translate("connect", err)
	}
	defer conn.Close()
	// Autocommit back on before the connection returns to the pool; a
	// connection where that fails is closed, never reused.
	defer func() {
		if _, err := conn.ExecContext(context.Background(), "SET autocommit = 1"); err != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	stx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return translate("begin", err)
	}
	w := &writeTx{stx: stx, ctx: ctx, mysql: true, inTxQuery: s.inTxQuery}
	if err := w.run(logID, fn); err != nil {
		_ = stx.Rollback()
		return translate("write", err)
	}
	return translate("commit", stx.Commit())
}

func (w *writeTx) run(logID int64, fn func(tx ledger.WriteTx, size int64) error) error {
	q := "SELECT size, note FROM log_heads WHERE log_id = ?"
	if w.mysql {
		q += " FOR UPDATE"
		if err := w.exec("begin", "SET autocommit = 0"); err != nil {
			return err
		}
		if err := w.exec("begin", "SAVEPOINT "+batchSavepoint); err != nil {
			return err
		}
		w.marked = true
	}
	rows, err := w.query(q, logID)
	if err != nil {
		return w.fail("lock log head", err)
	}
	var size sql.NullInt64
	found := rows.Next()
	if found {
		err = rows.Scan(&size, &w.headNote)
	}
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = rows.Err()
	}
	if err != nil {
		return w.fail("lock log head", err)
	}
	if !found {
		return ledger.Errorf(ledger.CodeNotFound, "账本 %d 不存在", logID)
	}
	if err := fn(w, size.Int64); err != nil {
		return err
	}
	if w.err != nil { // a statement failed and fn carried on regardless
		return w.err
	}
	if w.mysql {
		// The driver cannot tell whether the server still holds the
		// transaction: ask it, on the transaction's connection. The
		// savepoint is only in the transaction the batch began.
		var open int64
		if err := w.stx.QueryRowContext(w.ctx, w.inTxQuery).Scan(&open); err != nil {
			return w.fail("check transaction", err)
		}
		if open == 0 {
			return fmt.Errorf("commit: %w: the server no longer holds the transaction", ledger.ErrTransient)
		}
		w.marked = false
		if _, err := w.stx.ExecContext(w.ctx, "RELEASE SAVEPOINT "+batchSavepoint); err != nil {
			return w.fail("check transaction", fmt.Errorf("%w: the transaction is not the one the batch began: %w", ledger.ErrTransient, err))
		}
	}
	return nil
}

// Size implements ledger.Store.
func (s *Store) Size(ctx context.Context, logID int64) (int64, error) {
	var size sql.NullInt64
	err := s.db.WithContext(ctx).Raw("SELECT size FROM log_heads WHERE log_id = ?", logID).Row().Scan(&size)
	if err == sql.ErrNoRows {
		return 0, ledger.ErrNotFound
	}
	if err != nil {
		return 0, translate("log size", err)
	}
	return size.Int64, nil
}

// Head implements ledger.Store.
func (s *Store) Head(ctx context.Context, logID int64) (int64, []byte, error) {
	var size sql.NullInt64
	var note []byte
	err := s.db.WithContext(ctx).Raw("SELECT size, note FROM log_heads WHERE log_id = ?", logID).Row().Scan(&size, &note)
	if err == sql.ErrNoRows {
		return 0, nil, ledger.ErrNotFound
	}
	if err != nil {
		return 0, nil, translate("log head", err)
	}
	return size.Int64, note, nil
}

const entryCols = "seq, type, effective_on, recorded_at, actor, body"

func scanEntries(rows *sql.Rows) ([]ledger.StoredEntry, error) {
	defer rows.Close()
	var out []ledger.StoredEntry
	for rows.Next() {
		var e ledger.StoredEntry
		var at string
		if err := rows.Scan(&e.Seq, &e.Type, &e.EffectiveOn, &at, &e.Actor, &e.Body); err != nil {
			return nil, translate("scan entry", err)
		}
		e.RecordedAt = parseTime(at)
		out = append(out, e)
	}
	return out, translate("read entries", rows.Err())
}

// Entry implements ledger.Store.
func (s *Store) Entry(ctx context.Context, logID, seq int64) (ledger.StoredEntry, error) {
	rows, err := s.db.WithContext(ctx).Raw("SELECT "+entryCols+" FROM entries WHERE log_id = ? AND seq = ?", logID, seq).Rows()
	if err != nil {
		return ledger.StoredEntry{}, translate("entry", err)
	}
	es, err := scanEntries(rows)
	if err != nil {
		return ledger.StoredEntry{}, err
	}
	if len(es) == 0 {
		return ledger.StoredEntry{}, ledger.ErrNotFound
	}
	return es[0], nil
}

// Entries implements ledger.Store.
func (s *Store) Entries(ctx context.Context, logID, from int64, limit int) ([]ledger.StoredEntry, error) {
	rows, err := s.db.WithContext(ctx).Raw("SELECT "+entryCols+" FROM entries WHERE log_id = ? AND seq >= ? ORDER BY seq LIMIT ?", logID, from, limit).Rows()
	if err != nil {
		return nil, translate("entries", err)
	}
	return scanEntries(rows)
}

// queryFunc runs a query: the database's or a write transaction's.
type queryFunc func(q string, args ...any) (*sql.Rows, error)

func readHashes(query queryFunc, logID int64, indexes []int64) ([]tlog.Hash, error) {
	if len(indexes) == 0 {
		return nil, nil
	}
	got := make(map[int64]tlog.Hash, len(indexes))
	for start := 0; start < len(indexes); start += 500 {
		chunk := indexes[start:min(start+500, len(indexes))]
		args := make([]any, 0, len(chunk)+1)
		args = append(args, logID)
		for _, x := range chunk {
			args = append(args, x)
		}
		q := "SELECT idx, hash FROM tree_hashes WHERE log_id = ? AND idx IN (" + placeholders(len(chunk)) + ")"
		rows, err := query(q, args...)
		if err != nil {
			return nil, translate("read hashes", err)
		}
		for rows.Next() {
			var idx int64
			var h []byte
			if err := rows.Scan(&idx, &h); err != nil {
				rows.Close()
				return nil, translate("scan hash", err)
			}
			var hh tlog.Hash
			copy(hh[:], h)
			got[idx] = hh
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, translate("read hashes", err)
		}
	}
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		h, ok := got[x]
		if !ok {
			return nil, fmt.Errorf("tree hash %d of log %d: %w", x, logID, ledger.ErrMissingHash)
		}
		out[i] = h
	}
	return out, nil
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// ReadHashes implements ledger.Store.
func (s *Store) ReadHashes(ctx context.Context, logID int64, indexes []int64) ([]tlog.Hash, error) {
	db := s.db.WithContext(ctx)
	return readHashes(func(q string, args ...any) (*sql.Rows, error) { return db.Raw(q, args...).Rows() }, logID, indexes)
}

// HashRange implements ledger.Store.
func (s *Store) HashRange(ctx context.Context, logID, from, to int64) ([]ledger.HashRow, error) {
	rows, err := s.db.WithContext(ctx).Raw("SELECT idx, hash FROM tree_hashes WHERE log_id = ? AND idx >= ? AND idx < ? ORDER BY idx", logID, from, to).Rows()
	if err != nil {
		return nil, translate("hash range", err)
	}
	defer rows.Close()
	out := make([]ledger.HashRow, 0, to-from)
	for rows.Next() {
		var r ledger.HashRow
		var h []byte
		if err := rows.Scan(&r.Index, &h); err != nil {
			return nil, translate("scan hash", err)
		}
		copy(r.Hash[:], h)
		out = append(out, r)
	}
	return out, translate("hash range", rows.Err())
}

func scanCheckpoints(rows *sql.Rows) ([]ledger.Checkpoint, error) {
	defer rows.Close()
	var out []ledger.Checkpoint
	for rows.Next() {
		var c ledger.Checkpoint
		var root []byte
		var at string
		if err := rows.Scan(&c.Size, &root, &c.Note, &at); err != nil {
			return nil, translate("scan checkpoint", err)
		}
		copy(c.Root[:], root)
		c.CreatedAt = parseTime(at)
		out = append(out, c)
	}
	return out, translate("checkpoints", rows.Err())
}

// LatestCheckpoint implements ledger.Store.
func (s *Store) LatestCheckpoint(ctx context.Context, logID int64) (ledger.Checkpoint, error) {
	rows, err := s.db.WithContext(ctx).Raw("SELECT size, root, note, created_at FROM checkpoints WHERE log_id = ? ORDER BY size DESC LIMIT 1", logID).Rows()
	if err != nil {
		return ledger.Checkpoint{}, translate("latest checkpoint", err)
	}
	cs, err := scanCheckpoints(rows)
	if err != nil {
		return ledger.Checkpoint{}, err
	}
	if len(cs) == 0 {
		return ledger.Checkpoint{}, ledger.ErrNotFound
	}
	return cs[0], nil
}

// Checkpoints implements ledger.Store.
func (s *Store) Checkpoints(ctx context.Context, logID int64) ([]ledger.Checkpoint, error) {
	rows, err := s.db.WithContext(ctx).Raw("SELECT size, root, note, created_at FROM checkpoints WHERE log_id = ? ORDER BY size", logID).Rows()
	if err != nil {
		return nil, translate("checkpoints", err)
	}
	return scanCheckpoints(rows)
}

// PutCheckpoint implements ledger.Store.
func (s *Store) PutCheckpoint(ctx context.Context, logID int64, c ledger.Checkpoint) error {
	err := s.db.WithContext(ctx).Exec("INSERT INTO checkpoints (log_id, size, root, note, created_at) VALUES (?, ?, ?, ?, ?)",
		logID, c.Size, c.Root[:], c.Note, fmtTime(c.CreatedAt)).Error
	return translate("put checkpoint", err)
}

// PutAlarm implements ledger.Store.
func (s *Store) PutAlarm(ctx context.Context, a ledger.Alarm) error {
	q := "INSERT INTO log_alarms (log_id, rule, first_seq, detail, raised_at) VALUES (?, ?, ?, ?, ?)"
	if s.dialect == "mysql" {
		q = strings.Replace(q, "INSERT", "INSERT IGNORE", 1)
	} else {
		q += " ON CONFLICT DO NOTHING"
	}
	return translate("put alarm", s.db.WithContext(ctx).Exec(q, a.LogID, a.Rule, a.FirstSeq, a.Detail, fmtTime(a.RaisedAt)).Error)
}

// Alarms implements ledger.Store.
func (s *Store) Alarms(ctx context.Context, logID int64) ([]ledger.Alarm, error) {
	rows, err := s.db.WithContext(ctx).Raw("SELECT log_id, rule, first_seq, detail, raised_at FROM log_alarms WHERE log_id = ? ORDER BY raised_at DESC, first_seq DESC LIMIT 100", logID).Rows()
	if err != nil {
		return nil, translate("alarms", err)
	}
	defer rows.Close()
	var out []ledger.Alarm
	for rows.Next() {
		var a ledger.Alarm
		var at string
		if err := rows.Scan(&a.LogID, &a.Rule, &a.FirstSeq, &a.Detail, &at); err != nil {
			return nil, translate("alarms", err)
		}
		a.RaisedAt = parseTime(at)
		out = append(out, a)
	}
	return out, translate("alarms", rows.Err())
}

// writeTx runs the writer's statements on the transaction's connection
// directly, skipping GORM's statement building on the hot path.
//
// DANGER: the first statement that fails poisons the transaction: every later
// statement returns that error without running, and Write rolls back. Never
// "handle" a store error inside a batch by carrying on.
type writeTx struct {
	stx *sql.Tx
	ctx context.Context
	// err is the first statement error of the transaction (not ErrNotFound).
	err error
	// headNote is the head's signed note, read under the lock.
	headNote []byte
	// savepoint is requested (pending) by Savepoint and only issued before
	// the request's first statement that writes: a request that only appends
	// entries (written in bulk at the end of the batch) costs no round trip.
	pending, open bool
	mysql         bool
	// marked: the batch's savepoint is set and not yet released (MySQL).
	marked    bool
	inTxQuery string
	// stmts caches the prepared single-row statements of this transaction:
	// an import runs the same dozen statements ten thousand times, and
	// SQLite would otherwise parse each one every time.
	stmts map[string]*sql.Stmt
}

// fail records err as the transaction's first failure (when it is one) and
// returns it translated.
func (w *writeTx) fail(what string, err error) error {
	if err == nil {
		return nil
	}
	t := translate(what, err)
	if w.err == nil && !errors.Is(t, ledger.ErrNotFound) {
		if w.marked && !errors.Is(t, ledger.ErrTransient) {
			// The batch ends here anyway: ask whether the server still
			// holds the transaction the batch began. If not, what failed
			// ran in a new one, on rows another writer changed meanwhile.
			w.marked = false
			if _, perr := w.stx.ExecContext(w.ctx, "RELEASE SAVEPOINT "+batchSavepoint); perr != nil {
				t = fmt.Errorf("%s: %w: the transaction was lost before this statement (%v), which failed: %v", what, ledger.ErrTransient, perr, err)
			}
		}
		w.err = t
	}
	return t
}

// batchSavepoint marks, on MySQL, the transaction a batch began.
const batchSavepoint = "sunshine_batch"

// Failed implements ledger.WriteTx.
func (w *writeTx) Failed() error { return w.err }

// HeadNote implements ledger.WriteTx.
func (w *writeTx) HeadNote() []byte { return w.headNote }

// RecordedAt implements ledger.WriteTx.
func (w *writeTx) RecordedAt(logID, seq int64) (time.Time, error) {
	rows, err := w.query("SELECT recorded_at FROM entries WHERE log_id = ? AND seq = ?", logID, seq)
	if err != nil {
		return time.Time{}, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return time.Time{}, w.fail("recorded at", err)
		}
		return time.Time{}, ledger.ErrNotFound
	}
	var at string
	if err := rows.Scan(&at); err != nil {
		return time.Time{}, w.fail("recorded at", err)
	}
	return parseTime(at), nil
}

// stmt returns the cached prepared statement for q, or nil when q is not
// worth caching (a multi-row statement). A failed PREPARE fails the
// transaction: the statement is never run unprepared instead.
func (w *writeTx) stmt(q string, nargs int) (*sql.Stmt, error) {
	// MySQL/MariaDB: no server-side prepared statements in a write
	// transaction (with InterpolateParams every statement is one text
	// query). On a Galera node a transaction aborted by a replicated write
	// set (a brute-force abort) while its client was between statements
	// was seen to let the next prepared statement run in autocommit and
	// commit on its own: a payment row without its entry. A text query
	// gets the deadlock error instead (TestGaleraTwoWriters).
	if nargs > 32 || w.mysql {
		return nil, nil
	}
	if st, ok := w.stmts[q]; ok {
		return st, nil
	}
	st, err := w.stx.PrepareContext(w.ctx, q)
	if err != nil {
		return nil, w.fail("prepare", err)
	}
	if w.stmts == nil {
		w.stmts = map[string]*sql.Stmt{}
	}
	w.stmts[q] = st
	return st, nil
}

func (w *writeTx) exec(what, q string, args ...any) error {
	if w.err != nil {
		return w.err
	}
	if w.pending && !w.open {
		if _, err := w.stx.ExecContext(w.ctx, "SAVEPOINT req"); err != nil {
			return w.fail("savepoint", err)
		}
		w.open = true
	}
	st, err := w.stmt(q, len(args))
	if err != nil {
		return err
	}
	if st != nil {
		_, err = st.ExecContext(w.ctx, args...)
	} else {
		_, err = w.stx.ExecContext(w.ctx, q, args...)
	}
	return w.fail(what, err)
}

// query runs a query of the transaction. Errors met while reading its rows
// must go through fail too (books.fail does it): a server that aborted the
// transaction reports it once, to the statement it interrupted, and runs
// the next statement in autocommit.
func (w *writeTx) query(q string, args ...any) (*sql.Rows, error) {
	if w.err != nil {
		return nil, w.err
	}
	st, err := w.stmt(q, len(args))
	if err != nil {
		return nil, err
	}
	var rows *sql.Rows
	if st != nil {
		rows, err = st.QueryContext(w.ctx, args...)
	} else {
		rows, err = w.stx.QueryContext(w.ctx, q, args...)
	}
	if err != nil {
		return nil, w.fail("query", err)
	}
	return rows, nil
}

func (w *writeTx) Savepoint() error {
	w.pending, w.open = true, false
	return nil
}

func (w *writeTx) RollbackToSavepoint() error {
	open := w.open
	w.pending, w.open = false, false
	if !open {
		return nil
	}
	return w.exec("rollback to savepoint", "ROLLBACK TO SAVEPOINT req")
}

func (w *writeTx) ReleaseSavepoint() error {
	open := w.open
	w.pending, w.open = false, false
	if !open {
		return nil
	}
	return w.exec("release savepoint", "RELEASE SAVEPOINT req")
}

const insertChunk = 400

// insertRows inserts n rows into table with multi-row INSERTs of at most
// chunk rows; row(i) returns the values of row i, one per column.
func (w *writeTx) insertRows(what, table, cols string, n, chunk int, row func(i int) []any) error {
	width := len(strings.Split(cols, ","))
	tuple := "(" + placeholders(width) + ")"
	for start := 0; start < n; start += chunk {
		end := min(start+chunk, n)
		var q strings.Builder
		q.WriteString("INSERT INTO " + table + " (" + cols + ") VALUES ")
		args := make([]any, 0, width*(end-start))
		for i := start; i < end; i++ {
			if i > start {
				q.WriteByte(',')
			}
			q.WriteString(tuple)
			args = append(args, row(i)...)
		}
		if err := w.exec(what, q.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

func (w *writeTx) InsertEntries(logID int64, es []ledger.StoredEntry) error {
	return w.insertRows("insert entries", "entries", "log_id, seq, type, effective_on, recorded_at, actor, body", len(es), insertChunk,
		func(i int) []any {
			e := es[i]
			return []any{logID, e.Seq, e.Type, e.EffectiveOn, fmtTime(e.RecordedAt), e.Actor, e.Body}
		})
}

func (w *writeTx) InsertHashes(logID int64, start int64, hs []tlog.Hash) error {
	return w.insertRows("insert hashes", "tree_hashes", "log_id, idx, hash", len(hs), 3*insertChunk,
		func(i int) []any { return []any{logID, start + int64(i), hs[i][:]} })
}

func (w *writeTx) SetSize(logID int64, size int64, note []byte) error {
	return w.exec("set head", "UPDATE log_heads SET size = ?, note = ? WHERE log_id = ?", size, note, logID)
}

func (w *writeTx) ReadHashes(logID int64, indexes []int64) ([]tlog.Hash, error) {
	hs, err := readHashes(w.query, logID, indexes)
	if errors.Is(err, ledger.ErrMissingHash) {
		return nil, err // what was read is wrong, not the transaction
	}
	if err != nil {
		return nil, w.fail("read hashes", err)
	}
	return hs, nil
}

func (w *writeTx) Idempotencies(scopes []ledger.IdemScope) (map[ledger.IdemScope]ledger.IdemRecord, error) {
	out := map[ledger.IdemScope]ledger.IdemRecord{}
	for start := 0; start < len(scopes); start += 200 {
		chunk := scopes[start:min(start+200, len(scopes))]
		var q strings.Builder
		q.WriteString("SELECT user_id, method, route, idem_key, log_id, fingerprint, response, created_at FROM idempotency_keys WHERE ")
		args := make([]any, 0, 4*len(chunk))
		if w.mysql {
			// a row-constructor IN: one range scan per key on the primary key
			q.WriteString("(user_id, method, route, idem_key) IN (")
			for i, sc := range chunk {
				if i > 0 {
					q.WriteByte(',')
				}
				q.WriteString("(?,?,?,?)")
				args = append(args, sc.UserID, sc.Method, sc.Route, sc.Key)
			}
			q.WriteByte(')')
		} else {
			for i, sc := range chunk {
				if i > 0 {
					q.WriteString(" OR ")
				}
				q.WriteString("(user_id = ? AND method = ? AND route = ? AND idem_key = ?)")
				args = append(args, sc.UserID, sc.Method, sc.Route, sc.Key)
			}
		}
		rows, err := w.query(q.String(), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var rec ledger.IdemRecord
			var fp []byte
			var at string
			if err := rows.Scan(&rec.UserID, &rec.Method, &rec.Route, &rec.Key, &rec.LogID, &fp, &rec.Response, &at); err != nil {
				rows.Close()
				return nil, w.fail("idempotency", err)
			}
			copy(rec.Fingerprint[:], fp)
			rec.CreatedAt = parseTime(at)
			out[rec.IdemScope] = rec
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, w.fail("idempotency", err)
		}
	}
	return out, nil
}

func (w *writeTx) PutIdempotencies(recs []ledger.IdemRecord) error {
	return w.insertRows("put idempotency", "idempotency_keys", "user_id, method, route, idem_key, log_id, fingerprint, response, created_at",
		len(recs), insertChunk, func(i int) []any {
			r := recs[i]
			return []any{r.UserID, r.Method, r.Route, r.Key, r.LogID, r.Fingerprint[:], r.Response, fmtTime(r.CreatedAt)}
		})
}
