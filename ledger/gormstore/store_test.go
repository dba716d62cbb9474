package gormstore_test

import (
	"testing"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore"
	"github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

func factory(dialect string) ledgertest.Factory {
	f := ledgertest.Factory{
		New: func(t *testing.T) ledger.Store { return gormstore.OpenTest(t, dialect) },
		NewShared: func(t *testing.T) (ledger.Store, ledger.Store) {
			dsn := gormstore.NewTestDSN(t, dialect)
			return gormstore.OpenTestDSN(t, dsn), gormstore.OpenTestDSN(t, dsn)
		},
	}
	if testing.Short() {
		f.Writers, f.PerWriter = 8, 50
	}
	return f
}

func TestConformanceSQLite(t *testing.T) { ledgertest.Run(t, factory("sqlite")) }

func TestConformanceMySQL(t *testing.T) {
	gormstore.NewTestDSN(t, "mysql") // skips without SUNSHINE_TEST_MYSQL_DSN
	ledgertest.Run(t, factory("mysql"))
}

func TestBooksSQLite(t *testing.T) {
	ledgertest.RunBooks(t, func(t *testing.T) ledger.Store { return gormstore.OpenTest(t, "sqlite") })
}

func TestBooksMySQL(t *testing.T) {
	gormstore.NewTestDSN(t, "mysql")
	ledgertest.RunBooks(t, func(t *testing.T) ledger.Store { return gormstore.OpenTest(t, "mysql") })
}
