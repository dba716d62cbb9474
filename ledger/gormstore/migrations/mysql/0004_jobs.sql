-- Scheduled jobs: their leases (one process runs a job at a time) and the
-- record of every run. Not ledger entries.
CREATE TABLE job_leases (
  job VARCHAR(64) NOT NULL PRIMARY KEY,
  holder VARCHAR(128) NOT NULL,
  until CHAR(30) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
---
CREATE TABLE job_runs (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  job VARCHAR(64) NOT NULL,
  holder VARCHAR(128) NOT NULL,
  started_at CHAR(30) NOT NULL,
  finished_at CHAR(30) NOT NULL,
  outcome VARCHAR(16) NOT NULL,
  counts TEXT NOT NULL,
  error TEXT NOT NULL,
  KEY job_runs_job (job, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
