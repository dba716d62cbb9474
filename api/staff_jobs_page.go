package api

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/jobs"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/pages"
)

func (s *Server) staffJobs(c *gin.Context) {
	if s.jobs == nil {
		s.staffRender(c, http.StatusOK, "jobs", "定时任务", pages.Page{Data: pages.JobsData{}})
		return
	}
	js, _ := s.store.(ledger.JobStore)
	d := pages.JobsData{CanRun: user(c).Role == ledger.RoleAdmin}
	for _, n := range s.jobs.Names() {
		j := pages.JobView{Name: n, Schedule: s.jobs.Schedule(n), Label: pages.JobText(n)}
		if js != nil {
			if runs, err := js.JobRuns(c.Request.Context(), n, 5); err == nil {
				j.Runs = runs
			}
		}
		d.Jobs = append(d.Jobs, j)
	}
	s.staffRender(c, http.StatusOK, "jobs", "定时任务", pages.Page{Data: d})
}

func (s *Server) staffRunJob(c *gin.Context) {
	name := c.Param("name")
	if s.jobs == nil || !slices.Contains(s.jobs.Names(), name) {
		s.staffFail(c, ledger.Errorf(ledger.CodeNotFound, "没有这个任务：%s", name))
		return
	}
	t := s.tasks.start(user(c).ID, "立即运行："+pages.JobText(name), func(ctx context.Context, t *task) (string, error) {
		t.setStep("正在运行")
		r, err := s.jobs.RunNow(jobs.WithProgress(ctx, t.setStep), name)
		if err != nil {
			return "", err
		}
		var parts []string
		for k, v := range r.Counts {
			parts = append(parts, fmt.Sprintf("%s %d", pages.CountText(k), v))
		}
		slices.Sort(parts)
		return fmt.Sprintf("运行结果：%s，用时 %s。%s", pages.OutcomeText(r.Outcome), pages.DurationText(r.FinishedAt.Sub(r.StartedAt)), strings.Join(parts, "，")), nil
	})
	t.mu.Lock()
	t.next, t.nextText = "/staff/jobs", "返回定时任务"
	t.mu.Unlock()
	s.taskRedirect(c, t)
}
