-- Scheduled jobs: their leases (one process runs a job at a time) and the
-- record of every run. Not ledger entries.
CREATE TABLE job_leases (
  job TEXT NOT NULL PRIMARY KEY,
  holder TEXT NOT NULL,
  until TEXT NOT NULL
)
---
CREATE TABLE job_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  job TEXT NOT NULL,
  holder TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  outcome TEXT NOT NULL,
  counts TEXT NOT NULL,
  error TEXT NOT NULL
)
---
CREATE INDEX job_runs_job ON job_runs (job, id)
