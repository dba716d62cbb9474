package gormstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-sql-driver/mysql"
)

// TestMySQLEnv names the environment variable that holds a go-sql-driver
// DSN for a MySQL/MariaDB user with ALL PRIVILEGES WITH GRANT OPTION. Tests
// that need MySQL skip without it; CI always sets it.
const TestMySQLEnv = "SUNSHINE_TEST_MYSQL_DSN"

// TestDialects returns the dialects tests should run on: sqlite, and mysql
// when SUNSHINE_TEST_MYSQL_DSN is set.
func TestDialects() []string {
	if os.Getenv(TestMySQLEnv) != "" {
		return []string{"sqlite", "mysql"}
	}
	return []string{"sqlite"}
}

// NewTestDSN returns the DSN of a new, empty database of the dialect for one
// test: a SQLite file in a temporary folder, or a freshly named MySQL
// database that is dropped when the test ends. It skips the test for mysql
// when SUNSHINE_TEST_MYSQL_DSN is unset.
func NewTestDSN(tb testing.TB, dialect string) string {
	tb.Helper()
	switch dialect {
	case "sqlite":
		return filepath.Join(tb.TempDir(), "sunshine.db")
	case "mysql":
		admin := os.Getenv(TestMySQLEnv)
		if admin == "" {
			tb.Skip(TestMySQLEnv + " is not set")
		}
		cfg, err := mysql.ParseDSN(admin)
		if err != nil {
			tb.Fatalf("%s: %v", TestMySQLEnv, err)
		}
		var b [6]byte
		_, _ = rand.Read(b[:])
		name := "sunshine_t_" + hex.EncodeToString(b[:])
		cfg.DBName = ""
		db, err := sql.Open("mysql", cfg.FormatDSN())
		if err != nil {
			tb.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
			tb.Fatalf("create test database: %v", err)
		}
		tb.Cleanup(func() {
			db, err := sql.Open("mysql", cfg.FormatDSN())
			if err == nil {
				_, _ = db.Exec("DROP DATABASE IF EXISTS " + name)
				db.Close()
			}
		})
		cfg.DBName = name
		cfg.ParseTime = true
		return "mysql://" + cfg.FormatDSN()
	}
	tb.Fatalf("unknown dialect %q", dialect)
	return ""
}

// OpenTest opens and migrates a new test database of the dialect (see
// NewTestDSN) and closes it when the test ends.
func OpenTest(tb testing.TB, dialect string) *Store {
	tb.Helper()
	return OpenTestDSN(tb, NewTestDSN(tb, dialect))
}

// OpenTestDSN opens and migrates dsn and closes it when the test ends.
func OpenTestDSN(tb testing.TB, dsn string) *Store {
	tb.Helper()
	return OpenTestWith(tb, dsn, Options{})
}

// OpenTestWith is OpenTestDSN with options (a connector wrapper that
// injects faults or takes the database away).
func OpenTestWith(tb testing.TB, dsn string, o Options) *Store {
	tb.Helper()
	s, err := OpenWith(dsn, o)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return s
}

// TamperBalanceForTest edits a live projection behind the ledger's back, as
// an insider with database access could: Rebuild must notice.
func (s *Store) TamperBalanceForTest(logID int64) error {
	return s.db.Exec("UPDATE balances SET amount = amount + 100 WHERE log_id = ? AND account LIKE 'payee:%'", logID).Error
}

// TamperBlobForTest replaces stored bytes behind the ledger's back, as an
// insider who can drop the insert-only triggers could: a verifier that
// trusts nothing the server keeps must not notice a difference.
func (s *Store) TamperBlobForTest(logID int64, sha string, data []byte) error {
	for _, q := range []string{"DROP TRIGGER blobs_no_update"} {
		if err := s.db.Exec(q).Error; err != nil {
			return err
		}
	}
	return s.db.Exec("UPDATE blobs SET data = ? WHERE log_id = ? AND sha256 = ?", data, logID, sha).Error
}
