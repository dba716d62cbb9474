package gormstore

import (
	"context"
	"strings"

	"github.com/sunshine-ledger/sunshine/ledger"
)

var _ ledger.CosignStore = (*Store)(nil)

// PutCosignature implements ledger.CosignStore.
func (s *Store) PutCosignature(ctx context.Context, c ledger.Cosignature) error {
	q := "INSERT INTO cosignatures (log_id, size, witness, line, signed_at) VALUES (?, ?, ?, ?, ?)"
	if s.dialect == "mysql" {
		q = strings.Replace(q, "INSERT", "INSERT IGNORE", 1)
	} else {
		q += " ON CONFLICT DO NOTHING"
	}
	return translate("put cosignature", s.db.WithContext(ctx).Exec(q, c.LogID, c.Size, c.Witness, c.Line, fmtTime(c.SignedAt)).Error)
}

// Cosignatures implements ledger.CosignStore.
func (s *Store) Cosignatures(ctx context.Context, logID, size int64) ([]ledger.Cosignature, error) {
	return s.cosignatures(ctx, "SELECT log_id, size, witness, line, signed_at FROM cosignatures WHERE log_id = ? AND size = ? ORDER BY witness", logID, size)
}

// AllCosignatures implements ledger.CosignStore.
func (s *Store) AllCosignatures(ctx context.Context, logID int64) ([]ledger.Cosignature, error) {
	return s.cosignatures(ctx, "SELECT log_id, size, witness, line, signed_at FROM cosignatures WHERE log_id = ? ORDER BY size, witness", logID)
}

func (s *Store) cosignatures(ctx context.Context, q string, args ...any) ([]ledger.Cosignature, error) {
	rows, err := s.db.WithContext(ctx).Raw(q, args...).Rows()
	if err != nil {
		return nil, translate("cosignatures", err)
	}
	defer rows.Close()
	var out []ledger.Cosignature
	for rows.Next() {
		var c ledger.Cosignature
		var at string
		if err := rows.Scan(&c.LogID, &c.Size, &c.Witness, &c.Line, &at); err != nil {
			return nil, translate("cosignatures", err)
		}
		c.SignedAt = parseTime(at)
		out = append(out, c)
	}
	return out, translate("cosignatures", rows.Err())
}

// WitnessSizes implements ledger.CosignStore.
func (s *Store) WitnessSizes(ctx context.Context, logID int64) (map[string]int64, error) {
	rows, err := s.db.WithContext(ctx).Raw("SELECT witness, MAX(size) FROM cosignatures WHERE log_id = ? GROUP BY witness", logID).Rows()
	if err != nil {
		return nil, translate("witness sizes", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var w string
		var n int64
		if err := rows.Scan(&w, &n); err != nil {
			return nil, translate("witness sizes", err)
		}
		out[strings.Clone(w)] = n
	}
	return out, translate("witness sizes", rows.Err())
}
