// Package jobs holds the scheduled jobs of DOMAIN.md §8 as plain values
// (Job{Name, Schedule, Run}) and the Scheduler that triggers them with
// robfig/cron in the business time zone: never two runs of a job at once
// (skip if still running; a database lease across processes), a panic
// recorded as a failure, a run record for every run, and a run missed while
// the service was down caught up once at start. Every job also runs once
// from `sunshine run-job NAME` and POST /api/v1/jobs/{name}/run. It is the
// only package that imports cron. Today: verify and checkpoint; scan,
// notices, publicity, escalate and loans come with their issues.
package jobs
