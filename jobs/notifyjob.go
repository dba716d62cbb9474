package jobs

import (
	"context"
	"errors"

	"github.com/sunshine-ledger/sunshine/notify"
)

// Schedules of the notification jobs, in SUNSHINE_TZ.
const (
	ScheduleNotify = "*/10 * * * *"
	ScheduleDigest = "0 8 * * *"
)

// Notify sends the group bots the events they have not had (new flags,
// escalated flags, complaints near their deadline, payments waiting for
// approval, failed job runs), and retries today's digests whose sending
// failed. A target that fails fails the run, named in its error, and is
// retried by a later run.
func Notify(n *notify.Notifier) Job {
	return Job{Name: "notify", Schedule: ScheduleNotify, Run: func(ctx context.Context) (map[string]int64, error) {
		counts, err := n.Webhooks(ctx)
		dc, derr := n.Digest(ctx, true)
		counts["mails"], counts["mails_failed"] = dc["mails"], dc["failed"]
		counts["failed"] += dc["failed"]
		return counts, errors.Join(err, derr)
	}}
}

// Digest sends each e-mail recipient the day's digest (08:00).
func Digest(n *notify.Notifier) Job {
	return Job{Name: "digest", Schedule: ScheduleDigest, Run: func(ctx context.Context) (map[string]int64, error) {
		return n.Digest(ctx, false)
	}}
}
