package gormstore

import (
	"os"
	"path/filepath"
	"testing"
)

// TestDatabaseFileMode: a new SQLite database, and one an older version
// left 0644, are 0600 once opened (the file holds personal data), and
// stay so after writes (the WAL follows).
func TestDatabaseFileMode(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"new.db", "old.db"} {
		path := filepath.Join(dir, name)
		if name == "old.db" {
			if err := os.WriteFile(path, nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		s, err := OpenWith(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.DB().Exec("CREATE TABLE t (x INTEGER)").Error; err != nil {
			t.Fatal(err)
		}
		if err := s.DB().Exec("INSERT INTO t VALUES (1)").Error; err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{path, path + "-wal", path + "-shm"} {
			st, err := os.Stat(f)
			if err != nil {
				continue
			}
			if m := st.Mode().Perm(); m != 0o600 {
				t.Errorf("%s: mode %o, want 600", filepath.Base(f), m)
			}
		}
		s.Close()
	}
}
