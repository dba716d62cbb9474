package gormstore

import (
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// ownerOnly makes a SQLite database file and its WAL and shared-memory
// files readable and writable by their owner only (0600). It opens the
// database first, so that the file exists.
func ownerOnly(db *sql.DB, path string) error {
	if path == "" || strings.Contains(path, ":memory:") || strings.HasPrefix(path, "file:") {
		return nil
	}
	if err := db.Ping(); err != nil {
		return fmt.Errorf("open sqlite: %w", err)
	}
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(f, 0o600); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("database file mode: %w", err)
		}
	}
	return nil
}
