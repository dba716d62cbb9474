package ledger

import (
	"context"
	"time"
)

// Job outcomes.
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
	OutcomeSkipped = "skipped"
)

// JobRun is the record of one run of a scheduled job (not a ledger entry).
type JobRun struct {
	ID         int64
	Job        string
	Holder     string // the process that ran it
	StartedAt  time.Time
	FinishedAt time.Time
	Outcome    string
	Counts     map[string]int64
	Error      string
}

// JobStore keeps job runs and the leases that let only one process run a
// given job at a time.
type JobStore interface {
	// AcquireLease takes the job's lease for holder until the given time,
	// when it is free, expired, or already the holder's. It reports whether
	// the holder has it now.
	AcquireLease(ctx context.Context, job, holder string, now, until time.Time) (bool, error)
	// ReleaseLease gives the lease back (only the holder's).
	ReleaseLease(ctx context.Context, job, holder string) error
	// RecordRun stores a finished run and returns its id.
	RecordRun(ctx context.Context, r JobRun) (int64, error)
	// JobRuns lists the latest runs, newest first (job "" for every job).
	JobRuns(ctx context.Context, job string, limit int) ([]JobRun, error)
}
