package ledger

import (
	"context"
	"fmt"
)

// RebuildReport compares the live projections of a log with a rebuild from
// its entries.
type RebuildReport struct {
	Log         Log
	Entries     int64
	Differences []string
}

// Rebuild replays every entry of the log (parsing each in full) and compares
// what the replay yields with the live projection tables. Today the only
// projection is the log head; the registry and money projections join here
// as they are added.
func (l *Ledger) Rebuild(ctx context.Context, lg Log) (RebuildReport, error) {
	rep := RebuildReport{Log: lg}
	var n int64
	for {
		rows, err := l.store.Entries(ctx, lg.ID, n, 4096)
		if err != nil {
			return rep, err
		}
		for _, r := range rows {
			if r.Seq != n {
				return rep, fmt.Errorf("entry %d is missing: run verify", n)
			}
			if _, err := ParseEntry(r.Body); err != nil {
				return rep, fmt.Errorf("entry %d: %w: run verify", n, err)
			}
			n++
		}
		if len(rows) < 4096 {
			break
		}
	}
	rep.Entries = n
	head, err := l.store.Size(ctx, lg.ID)
	if err != nil {
		return rep, err
	}
	if head != n {
		rep.Differences = append(rep.Differences, fmt.Sprintf("log_heads.size: live %d, rebuilt %d", head, n))
	}
	return rep, nil
}
