// Package jobs holds the scheduled jobs of DOMAIN.md §8 as plain values
// (Job{Name, Schedule, Run}) and the Scheduler that triggers them with
// robfig/cron in the business time zone: never two runs of a job at once
// (skip if still running; a database lease across processes), a panic
// recorded as a failure, a run record for every run, and a run missed while
// the service was down caught up once at start. Every job also runs once
// from `sunshine run-job NAME` and POST /api/v1/jobs/{name}/run. It is the
// only package that imports cron.
//
// The scan (hourly) is full or incremental. A run is full when no successful
// full scan started on the same local day (so the first run after midnight,
// the first run ever, and the first run after a day down are full) or when
// a town's log has no recorded scan position; every other run is
// incremental. Each successful run records in its counts, under
// "through_log_N", the log size it covered; the next incremental run reads
// the entries after that position, collects the subjects they touch
// (payees with item and year, households with item and period, accounts
// with period, invoices, items with period) and loads every payment sharing
// one of them, so a group rule (B1, B3, B5, C2, E3, F1 …) sees its whole
// group; the rules over loans, funds, notices and complaints, and the
// time-driven rules (D1, G7 …), see all their subjects as of the run. The
// payment rules' findings are kept only when they cite a change, so an
// incremental run never restates an unchanged flag. The run record tells
// which kind ran (counts.full = 1: full).
package jobs
