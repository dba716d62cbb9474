package main

import (
	"context"
	"os"
	"path/filepath"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore"
)

// scratchStore opens an empty, migrated SQLite database in a new temporary
// folder, for a replay of the entries (verify --deep, rebuild), and returns
// it with the function that closes and removes it.
func scratchStore(ctx context.Context) (ledger.Store, func(), error) {
	dir, err := os.MkdirTemp("", "sunshine-scratch-")
	if err != nil {
		return nil, nil, err
	}
	// Thrown away after the replay: no sync is worth its cost.
	st, err := gormstore.OpenWith(filepath.Join(dir, "scratch.db"), gormstore.Options{SQLiteSync: "off"})
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	done := func() {
		st.Close()
		os.RemoveAll(dir)
	}
	if _, err := st.Migrate(ctx); err != nil {
		done()
		return nil, nil, err
	}
	return st, done, nil
}
