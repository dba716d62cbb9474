package gormstore_test

import (
	"testing"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
	"github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

func factory(dialect string) ledgertest.Factory {
	f := ledgertest.Factory{
		New: func(t *testing.T) ledger.Store { return gormstoretest.Open(t, dialect) },
		NewShared: func(t *testing.T) (ledger.Store, ledger.Store) {
			dsn := gormstoretest.NewDSN(t, dialect)
			return gormstoretest.OpenDSN(t, dsn), gormstoretest.OpenDSN(t, dsn)
		},
	}
	if testing.Short() {
		f.Writers, f.PerWriter = 8, 50
	}
	return f
}

func TestConformanceSQLite(t *testing.T) { ledgertest.Run(t, factory("sqlite")) }

func TestConformanceMySQL(t *testing.T) {
	gormstoretest.NewDSN(t, "mysql") // skips without SUNSHINE_TEST_MYSQL_DSN
	ledgertest.Run(t, factory("mysql"))
}

func TestBooksSQLite(t *testing.T) {
	ledgertest.RunBooks(t, func(t *testing.T) ledger.Store { return tamperable{gormstoretest.Open(t, "sqlite")} })
}

func TestBooksMySQL(t *testing.T) {
	gormstoretest.NewDSN(t, "mysql")
	ledgertest.RunBooks(t, func(t *testing.T) ledger.Store { return tamperable{gormstoretest.Open(t, "mysql")} })
}

// tamperable lets the books suite edit a live projection behind the
// ledger's back (ledgertest: TamperBalanceForTest), as an insider could.
type tamperable struct{ *gormstore.Store }

func (s tamperable) TamperBalanceForTest(logID int64) error {
	return gormstoretest.TamperBalance(s.Store, logID)
}
