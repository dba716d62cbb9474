package gormstore

import (
	"context"
	"testing"
)

// openTestDSN opens and migrates dsn (testdsn.New) and closes it when the
// test ends: gormstoretest.OpenDSN for this package's internal tests, which
// cannot import gormstoretest (it imports this package).
func openTestDSN(tb testing.TB, dsn string) *Store {
	tb.Helper()
	s, err := Open(dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return s
}
