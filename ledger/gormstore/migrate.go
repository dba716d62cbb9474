package gormstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

//go:embed migrations/sqlite/*.sql migrations/mysql/*.sql
var migrationFS embed.FS

// Migration is one numbered schema change.
type Migration struct {
	Version    int
	Name       string
	Statements []string
}

// Migrations returns the embedded migrations of a dialect ("sqlite" or
// "mysql"), by version. Files are named NNNN_name.sql; statements inside a
// file are separated by lines of three dashes, so trigger bodies need no
// client-side DELIMITER.
func Migrations(dialect string) ([]Migration, error) {
	dir := "migrations/" + dialect
	names, err := fs.Glob(migrationFS, dir+"/*.sql")
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number and _", name)
		}
		raw, err := migrationFS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		m := Migration{Version: v, Name: strings.TrimSuffix(base, ".sql")}
		for _, st := range splitStatements(string(raw)) {
			m.Statements = append(m.Statements, st)
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("two migrations numbered %d", out[i].Version)
		}
	}
	return out, nil
}

func splitStatements(sql string) []string {
	var out []string
	var cur []string
	flush := func() {
		st := strings.TrimSpace(stripComments(strings.Join(cur, "\n")))
		if st != "" {
			out = append(out, st)
		}
		cur = cur[:0]
	}
	for _, line := range strings.Split(sql, "\n") {
		if strings.TrimSpace(line) == "---" {
			flush()
			continue
		}
		cur = append(cur, line)
	}
	flush()
	return out
}

// stripComments removes whole-line "--" comments (none of our statements
// carries "--" inside a string).
func stripComments(s string) string {
	var keep []string
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "--") {
			continue
		}
		keep = append(keep, line)
	}
	return strings.Join(keep, "\n")
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version BIGINT NOT NULL PRIMARY KEY,
  name VARCHAR(200) NOT NULL,
  applied_at CHAR(20) NOT NULL
)`

// Migrate applies every embedded migration not yet applied, in order, and
// returns how many it applied. It needs DDL rights (the migrator user on
// MySQL). A migration's statements and its schema_migrations row are not
// atomic on MySQL (DDL commits); a failed migration must be repaired by hand.
func (s *Store) Migrate(ctx context.Context) (int, error) {
	ms, err := Migrations(s.dialect)
	if err != nil {
		return 0, err
	}
	db := s.db.WithContext(ctx)
	if err := db.Exec(createMigrationsTable).Error; err != nil {
		return 0, fmt.Errorf("create schema_migrations: %w", err)
	}
	applied, err := s.appliedVersions(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range ms {
		if applied[m.Version] {
			continue
		}
		err := db.Transaction(func(tx *gorm.DB) error {
			for _, st := range m.Statements {
				if err := tx.Exec(st).Error; err != nil {
					return fmt.Errorf("migration %s: %w\n%s", m.Name, err, st)
				}
			}
			return tx.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
				m.Version, m.Name, time.Now().UTC().Format(time.RFC3339)).Error
		})
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func (s *Store) appliedVersions(ctx context.Context) (map[int]bool, error) {
	var vs []int
	if err := s.db.WithContext(ctx).Raw("SELECT version FROM schema_migrations").Scan(&vs).Error; err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	out := map[int]bool{}
	for _, v := range vs {
		out[v] = true
	}
	return out, nil
}

// Pending returns the embedded migrations not yet applied (all of them when
// the schema_migrations table does not exist).
func (s *Store) Pending(ctx context.Context) ([]Migration, error) {
	ms, err := Migrations(s.dialect)
	if err != nil {
		return nil, err
	}
	if !s.db.WithContext(ctx).Migrator().HasTable("schema_migrations") {
		return ms, nil
	}
	applied, err := s.appliedVersions(ctx)
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, m := range ms {
		if !applied[m.Version] {
			out = append(out, m)
		}
	}
	return out, nil
}
