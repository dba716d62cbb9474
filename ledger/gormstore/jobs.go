package gormstore

import (
	"context"
	"encoding/json"
	"time"

	"github.com/sunshine-ledger/sunshine/ledger"
)

var _ ledger.JobStore = (*Store)(nil)

// leaseTime is fixed-width, so that the strings compare as the times do.
const leaseTime = "2006-01-02T15:04:05.000000000Z"

func fmtLease(t time.Time) string { return t.UTC().Format(leaseTime) }

// AcquireLease implements ledger.JobStore: one conditional UPDATE, or the
// first INSERT; whoever loses the race sees zero rows or a duplicate key.
func (s *Store) AcquireLease(ctx context.Context, job, holder string, now, until time.Time) (bool, error) {
	db := s.db.WithContext(ctx)
	res := db.Exec("UPDATE job_leases SET holder = ?, until = ? WHERE job = ? AND (until < ? OR holder = ?)",
		holder, fmtLease(until), job, fmtLease(now), holder)
	if res.Error != nil {
		return false, translate("acquire lease", res.Error)
	}
	if res.RowsAffected > 0 {
		return true, nil
	}
	err := db.Exec("INSERT INTO job_leases (job, holder, until) VALUES (?, ?, ?)", job, holder, fmtLease(until)).Error
	if ledger.ErrorCode(translate("acquire lease", err)) == ledger.CodeConflict {
		return false, nil // held by another, and not expired
	}
	if err != nil {
		return false, translate("acquire lease", err)
	}
	return true, nil
}

// ReleaseLease implements ledger.JobStore.
func (s *Store) ReleaseLease(ctx context.Context, job, holder string) error {
	return translate("release lease", s.db.WithContext(ctx).Exec("DELETE FROM job_leases WHERE job = ? AND holder = ?", job, holder).Error)
}

// RecordRun implements ledger.JobStore.
func (s *Store) RecordRun(ctx context.Context, r ledger.JobRun) (int64, error) {
	counts, _ := json.Marshal(r.Counts)
	row := jobRunRow{Job: r.Job, Holder: r.Holder, StartedAt: fmtLease(r.StartedAt), FinishedAt: fmtLease(r.FinishedAt),
		Outcome: r.Outcome, Counts: string(counts), Error: r.Error}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return 0, translate("record job run", err)
	}
	return row.ID, nil
}

type jobRunRow struct {
	ID         int64  `gorm:"column:id;primaryKey;autoIncrement"`
	Job        string `gorm:"column:job"`
	Holder     string `gorm:"column:holder"`
	StartedAt  string `gorm:"column:started_at"`
	FinishedAt string `gorm:"column:finished_at"`
	Outcome    string `gorm:"column:outcome"`
	Counts     string `gorm:"column:counts"`
	Error      string `gorm:"column:error"`
}

func (jobRunRow) TableName() string { return "job_runs" }

// JobRuns implements ledger.JobStore.
func (s *Store) JobRuns(ctx context.Context, job string, limit int) ([]ledger.JobRun, error) {
	q := s.db.WithContext(ctx).Order("id DESC").Limit(limit)
	if job != "" {
		q = q.Where("job = ?", job)
	}
	var rows []jobRunRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, translate("job runs", err)
	}
	out := make([]ledger.JobRun, len(rows))
	for i, r := range rows {
		st, _ := time.Parse(leaseTime, r.StartedAt)
		fi, _ := time.Parse(leaseTime, r.FinishedAt)
		out[i] = ledger.JobRun{ID: r.ID, Job: r.Job, Holder: r.Holder, StartedAt: st, FinishedAt: fi, Outcome: r.Outcome, Error: r.Error}
		_ = json.Unmarshal([]byte(r.Counts), &out[i].Counts)
	}
	return out, nil
}
