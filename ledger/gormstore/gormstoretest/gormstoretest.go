// Package gormstoretest opens throwaway, migrated stores for tests (on the
// databases package testdsn makes) and edits them behind the ledger's back
// as an insider could. Test code only: nothing in the service imports it.
package gormstoretest

import (
	"context"
	"testing"

	"github.com/sunshine-ledger/sunshine/ledger/gormstore"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/testdsn"
)

// MySQLEnv is testdsn.MySQLEnv.
const MySQLEnv = testdsn.MySQLEnv

// Dialects returns the dialects tests should run on (testdsn.Dialects).
func Dialects() []string { return testdsn.Dialects() }

// NewDSN returns the DSN of a new, empty database (testdsn.New).
func NewDSN(tb testing.TB, dialect string) string { tb.Helper(); return testdsn.New(tb, dialect) }

// Open opens and migrates a new test database of the dialect (see
// testdsn.New) and closes it when the test ends.
func Open(tb testing.TB, dialect string) *gormstore.Store {
	tb.Helper()
	return OpenDSN(tb, testdsn.New(tb, dialect))
}

// OpenDSN opens and migrates dsn and closes it when the test ends.
func OpenDSN(tb testing.TB, dsn string) *gormstore.Store {
	tb.Helper()
	return OpenWith(tb, dsn, gormstore.Options{})
}

// OpenWith is OpenDSN with options (a connector wrapper that injects
// faults or takes the database away).
func OpenWith(tb testing.TB, dsn string, o gormstore.Options) *gormstore.Store {
	tb.Helper()
	s, err := gormstore.OpenWith(dsn, o)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return s
}

// TamperBalance edits a live projection behind the ledger's back, as
// an insider with database access could: Rebuild must notice.
func TamperBalance(s *gormstore.Store, logID int64) error {
	return s.DB().Exec("UPDATE balances SET amount = amount + 100 WHERE log_id = ? AND account LIKE 'payee:%'", logID).Error
}

// TamperBlob replaces stored bytes behind the ledger's back, as an
// insider who can drop the insert-only triggers could: a verifier that
// trusts nothing the server keeps must not notice a difference.
func TamperBlob(s *gormstore.Store, logID int64, sha string, data []byte) error {
	for _, q := range []string{"DROP TRIGGER blobs_no_update"} {
		if err := s.DB().Exec(q).Error; err != nil {
			return err
		}
	}
	return s.DB().Exec("UPDATE blobs SET data = ? WHERE log_id = ? AND sha256 = ?", data, logID, sha).Error
}
