// Package jobs will hold the scheduled jobs of DOMAIN.md §8 (scan, verify,
// checkpoint, notices, publicity, escalate, loans): plain Job{Name, Run}
// values that cron only triggers, run records, and the database lease. It is
// the only package that imports robfig/cron.
package jobs
