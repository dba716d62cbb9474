package ledger

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// ProjectionDumper is implemented by stores that can list a log's
// projection tables row by row, in primary-key order, as text (for Rebuild's
// comparison). The log id column is left out, so that two databases compare.
type ProjectionDumper interface {
	DumpProjections(ctx context.Context, logID int64) (map[string][]string, error)
}

// RebuildReport compares the live projections of a log with a rebuild from
// its entries.
type RebuildReport struct {
	Log         Log
	Entries     int64
	Differences []string
}

// Rebuild replays every entry of the log (parsing each in full) through the
// same apply code the writer uses, into the empty scratch store, and compares
// every projection table of the scratch store with the live one. The
// personal-data tables are the input beside the log, not projections: they
// are neither rebuilt nor compared. It reports at most 50 differences.
func (l *Ledger) Rebuild(ctx context.Context, lg Log, scratch Store) (RebuildReport, error) {
	return l.rebuild(ctx, lg, scratch, -1)
}

// ReplayCheck is verify --deep's replay: the entries below size n are
// applied into the empty scratch store through the writer's apply code (an
// entry the rules cannot apply is a difference), and the result is compared
// with the live projections only when the log's head is still n after the
// comparison: the projections of a log that grew meanwhile are not those of
// size n, and growth is not a difference. compared says whether the
// comparison was made.
func (l *Ledger) ReplayCheck(ctx context.Context, lg Log, scratch Store, n int64) (diffs []string, compared bool, err error) {
	rep, err := l.rebuild(ctx, lg, scratch, n)
	if err != nil {
		var le *replayError
		if errors.As(err, &le) {
			return []string{le.Error()}, false, nil
		}
		return nil, false, err
	}
	if head, err := l.store.Size(ctx, lg.ID); err != nil {
		return nil, false, err
	} else if head != n {
		return nil, false, nil
	}
	return rep.Differences, true, nil
}

// replayError is an entry the rules could not apply.
type replayError struct{ err error }

func (e *replayError) Error() string { return e.err.Error() }
func (e *replayError) Unwrap() error { return e.err }

// rebuild replays the entries below upto (−1: all) into scratch and compares.
func (l *Ledger) rebuild(ctx context.Context, lg Log, scratch Store, upto int64) (RebuildReport, error) {
	rep := RebuildReport{Log: lg}
	live, ok1 := l.store.(ProjectionDumper)
	tmp, ok2 := scratch.(ProjectionDumper)
	if !ok1 || !ok2 {
		return rep, fmt.Errorf("rebuild: the stores cannot dump their projections")
	}
	slg, err := scratch.CreateLog(ctx, lg.Town, lg.Origin, l.now().UTC())
	if err != nil {
		return rep, err
	}
	var n int64
	for upto < 0 || n < upto {
		limit := 4096
		if upto >= 0 {
			limit = int(min(4096, upto-n))
		}
		rows, err := l.store.Entries(ctx, lg.ID, n, limit)
		if err != nil {
			return rep, err
		}
		err = scratch.Write(ctx, slg.ID, func(tx WriteTx, _ int64) error {
			bk := newCachedBooks(tx.Books(slg.ID))
			for _, r := range rows {
				if r.Seq != n {
					return fmt.Errorf("entry %d is missing: run verify", n)
				}
				e, err := ParseEntry(r.Body)
				if err != nil {
					return fmt.Errorf("entry %d: %w: run verify", n, err)
				}
				if err := apply(bk, e); err != nil {
					return &replayError{fmt.Errorf("replay entry %d (%s): %w", n, e.Type, err)}
				}
				n++
				bk.end(true)
			}
			return bk.flush()
		})
		if err != nil {
			return rep, err
		}
		if len(rows) < limit {
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
	a, err := live.DumpProjections(ctx, lg.ID)
	if err != nil {
		return rep, err
	}
	b, err := tmp.DumpProjections(ctx, slg.ID)
	if err != nil {
		return rep, err
	}
	var tables []string
	for t := range a {
		tables = append(tables, t)
	}
	slices.Sort(tables)
	for _, t := range tables {
		rep.Differences = append(rep.Differences, diffRows(t, a[t], b[t])...)
		if len(rep.Differences) > 50 {
			rep.Differences = rep.Differences[:50]
			break
		}
	}
	return rep, nil
}

// diffRows compares two sorted row lists.
func diffRows(table string, live, rebuilt []string) []string {
	var out []string
	i, j := 0, 0
	for i < len(live) || j < len(rebuilt) {
		switch {
		case j >= len(rebuilt) || i < len(live) && live[i] < rebuilt[j]:
			out = append(out, fmt.Sprintf("%s: live has %s; the rebuild does not", table, live[i]))
			i++
		case i >= len(live) || rebuilt[j] < live[i]:
			out = append(out, fmt.Sprintf("%s: the rebuild has %s; live does not", table, rebuilt[j]))
			j++
		default:
			i++
			j++
		}
		if len(out) >= 20 {
			break
		}
	}
	return out
}
