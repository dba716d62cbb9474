package gormstore

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// projectionTables are the tables Rebuild compares, with their key columns.
var projectionTables = []struct{ name, cols, order string }{
	{"objects", "kind, id, data", "kind, id"},
	{"object_keys", "kind, okey, id", "kind, okey"},
	{"payments", paymentCols, "id"},
	{"balances", "account, amount", "account"},
	{"flows", "fund_id, project_id, kind, amount", "fund_id, project_id, kind"},
	{"household_years", "household_id, year, item_code, amount, cnt", "household_id, year, item_code"},
}

// DumpProjections implements ledger.ProjectionDumper: each projection row of
// the log as text, sorted.
func (s *Store) DumpProjections(ctx context.Context, logID int64) (map[string][]string, error) {
	out := map[string][]string{}
	for _, t := range projectionTables {
		rows, err := s.db.WithContext(ctx).Raw("SELECT "+t.cols+" FROM "+t.name+" WHERE log_id = ? ORDER BY "+t.order, logID).Rows()
		if err != nil {
			return nil, translate("dump "+t.name, err)
		}
		n := len(strings.Split(t.cols, ","))
		var list []string
		for rows.Next() {
			vals := make([]any, n)
			ptrs := make([]any, n)
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return nil, translate("dump "+t.name, err)
			}
			parts := make([]string, n)
			for i, v := range vals {
				switch x := v.(type) {
				case []byte:
					parts[i] = string(x)
				default:
					parts[i] = fmt.Sprint(x)
				}
			}
			list = append(list, "("+strings.Join(parts, ", ")+")")
		}
		rows.Close()
		// A read cut short is an error, never a shorter table (verify
		// --deep would call it a difference).
		if err := rows.Err(); err != nil {
			return nil, translate("dump "+t.name, err)
		}
		sort.Strings(list)
		out[t.name] = list
	}
	return out, nil
}
