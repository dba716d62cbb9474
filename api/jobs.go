package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// Jobs is what the API needs of the scheduler.
type Jobs interface {
	Names() []string
	Schedule(name string) string
	RunNow(ctx context.Context, name string) (ledger.JobRun, error)
}

// JobRunDTO is a job run (API.md).
type JobRunDTO struct {
	Job        string           `json:"job"`
	StartedAt  string           `json:"started_at"`
	FinishedAt string           `json:"finished_at"`
	Outcome    string           `json:"outcome"`
	Counts     map[string]int64 `json:"counts"`
	Error      string           `json:"error"`
}

// JobRunDTOOf is the API form of a run (also printed by sunshine run-job).
func JobRunDTOOf(r ledger.JobRun) JobRunDTO { return jobRunDTO(r) }

func jobRunDTO(r ledger.JobRun) JobRunDTO {
	c := r.Counts
	if c == nil {
		c = map[string]int64{}
	}
	return JobRunDTO{Job: r.Job, StartedAt: r.StartedAt.UTC().Format(time.RFC3339), FinishedAt: r.FinishedAt.UTC().Format(time.RFC3339),
		Outcome: r.Outcome, Counts: c, Error: r.Error}
}

// GET /api/v1/jobs: every job with its schedule and its last run.
func (s *Server) listJobs(c *gin.Context) {
	type item struct {
		Name     string     `json:"name"`
		Schedule string     `json:"schedule"`
		LastRun  *JobRunDTO `json:"last_run"`
	}
	js, _ := s.store.(ledger.JobStore)
	out := []item{}
	for _, n := range s.jobs.Names() {
		it := item{Name: n, Schedule: s.jobs.Schedule(n)}
		if js != nil {
			if runs, err := js.JobRuns(c.Request.Context(), n, 1); err == nil && len(runs) == 1 {
				d := jobRunDTO(runs[0])
				it.LastRun = &d
			}
		}
		out = append(out, it)
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
}

// POST /api/v1/jobs/:name/run: runs the job now and waits (no timeout).
func (s *Server) runJob(c *gin.Context) {
	r, err := s.jobs.RunNow(c.Request.Context(), c.Param("name"))
	if err != nil && r.Job == "" {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, jobRunDTO(r))
}
