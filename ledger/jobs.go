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

// Notification is the record of one event sent (or being sent) to one
// notification target: a group bot or an e-mail recipient (issue 19). Not a
// ledger entry.
type Notification struct {
	Target   string    // the target's name in SUNSHINE_NOTIFY_FILE
	Key      string    // the event, e.g. "flag:430181117:42"
	Attempts int       // sends tried
	LastTry  time.Time // when the latest was tried
	SentAt   time.Time // zero while not sent
	Error    string    // the latest failure, "" once sent
}

// Sent reports whether the event reached the target.
func (n Notification) Sent() bool { return !n.SentAt.IsZero() }

// NotifyStore keeps which events were sent to which target, so that each
// reaches each target once, and a failed one is retried.
type NotifyStore interface {
	// Notifications returns the records of the given events for a target,
	// by key (events never tried are absent).
	Notifications(ctx context.Context, target string, keys []string) (map[string]Notification, error)
	// PutNotification stores a record, replacing the target's record of
	// the same event.
	PutNotification(ctx context.Context, n Notification) error
	// ClaimNotification records an attempt at sending an event to a
	// target at now (Attempts one more than prev's), only if the stored
	// record is still prev (prev.Attempts 0 and no record: never tried).
	// It reports whether this call made the claim: of two processes that
	// read the same record, one claims it and sends, the other does not.
	ClaimNotification(ctx context.Context, prev Notification, now time.Time) (bool, error)
}
