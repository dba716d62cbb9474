package gormstore

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
)

// TestSQLiteDurableByDefault: every connection of a SQLite store syncs its
// WAL at each commit (synchronous=FULL, 2) unless the setting asks for
// NORMAL (1), which a power failure can cost the latest acknowledged writes;
// "off" is for scratch replays; anything else is refused before opening.
func TestSQLiteDurableByDefault(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		sync string
		want int
	}{{"", 2}, {"full", 2}, {"FULL", 2}, {"normal", 1}, {"off", 0}} {
		s, err := OpenWith(filepath.Join(dir, "d"+c.sync+".db"), Options{SQLiteSync: c.sync})
		if err != nil {
			t.Fatal(err)
		}
		// Hold several connections at once, so the pool opens more than
		// one: the setting must hold on each, not only the first.
		sqlDB, err := s.DB().DB()
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		var conns []*sql.Conn
		for i := 0; i < 4; i++ {
			conn, err := sqlDB.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, conn)
			var got int
			if err := conn.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("SQLiteSync %q, connection %d: synchronous = %d, want %d", c.sync, i, got, c.want)
			}
		}
		for _, conn := range conns {
			conn.Close()
		}
		s.Close()
	}
	if _, err := OpenWith(filepath.Join(dir, "bad.db"), Options{SQLiteSync: "extra"}); err == nil || !strings.Contains(err.Error(), "synchronous") {
		t.Errorf("SQLiteSync \"extra\": err = %v, want a refusal", err)
	}
}
