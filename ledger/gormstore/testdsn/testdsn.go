// Package testdsn makes throwaway databases for tests: a SQLite file in a
// temporary folder, or a freshly named MySQL/MariaDB database dropped when
// the test ends. It does not import the store, so that the store's own
// internal tests can use it; package gormstoretest opens and migrates.
package testdsn

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-sql-driver/mysql"
)

// MySQLEnv names the environment variable that holds a go-sql-driver DSN
// for a MySQL/MariaDB user with ALL PRIVILEGES WITH GRANT OPTION. Tests that
// need MySQL skip without it; CI always sets it.
const MySQLEnv = "SUNSHINE_TEST_MYSQL_DSN"

// Dialects returns the dialects tests should run on: sqlite, and mysql when
// SUNSHINE_TEST_MYSQL_DSN is set.
func Dialects() []string {
	if os.Getenv(MySQLEnv) != "" {
		return []string{"sqlite", "mysql"}
	}
	return []string{"sqlite"}
}

// New returns the DSN of a new, empty database of the dialect for one
// test: a SQLite file in a temporary folder, or a freshly named MySQL
// database that is dropped when the test ends. It skips the test for mysql
// when SUNSHINE_TEST_MYSQL_DSN is unset.
func New(tb testing.TB, dialect string) string {
	tb.Helper()
	switch dialect {
	case "sqlite":
		return filepath.Join(tb.TempDir(), "sunshine.db")
	case "mysql":
		admin := os.Getenv(MySQLEnv)
		if admin == "" {
			tb.Skip(MySQLEnv + " is not set")
		}
		cfg, err := mysql.ParseDSN(admin)
		if err != nil {
			tb.Fatalf("%s: %v", MySQLEnv, err)
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
