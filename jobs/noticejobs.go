package jobs

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/sunshine-ledger/sunshine/disclosure"
	"github.com/sunshine-ledger/sunshine/ledger"
)

// Default schedules of the disclosure jobs (DOMAIN.md §8), in SUNSHINE_TZ.
// The notices job runs daily (issue 16: a project's stage notice is drafted
// the morning after it enters the state); the monthly and quarterly notices
// are still made once, for the month and quarter before the run.
const (
	ScheduleNotices   = "0 6 * * *"
	SchedulePublicity = "10 0 * * *"
)

// Notices makes, for the month before the run, one 资金发放结果公告 per
// village with effective payments dated in it and the 季度资金使用情况 of the
// last completed quarter, never a duplicate; and every project-stage notice
// owed (ledger.DraftStageNotices: 项目实施前公示, 项目验收公示, 竣工公告 of
// village projects in 实施, 验收, 完工, the year's 年度项目计划公告). It
// publishes (with their PDFs) the drafts of the types in auto, or when auto
// is nil of the types each town's settings name (ledger.AutoPublishOf), and
// leaves the rest as drafts for staff. A draft that cannot be published
// (missing fields) stays a draft and is counted, not a failure; a 竣工公告
// refused for want of paid rows is counted as refused.
func Notices(p *disclosure.Publisher, auto []string) Job {
	return Job{Name: "notices", Schedule: ScheduleNotices, Run: func(ctx context.Context) (map[string]int64, error) {
		logs, err := p.Svc.L.Store().Logs(ctx)
		if err != nil {
			return nil, err
		}
		counts := map[string]int64{"drafted": 0, "published": 0, "left_as_draft": 0, "refused": 0}
		var errs []error
		for _, lg := range logs {
			types := auto
			if types == nil {
				t, err := p.Svc.Town(ctx, lg)
				if err != nil {
					errs = append(errs, fmt.Errorf("%s: %w", lg.Town, err))
					continue
				}
				types = ledger.AutoPublishOf(t)
			}
			// A failure to draft is reported, and what was drafted before it
			// is still published now: a draft left unpublished today would
			// be counted as existing tomorrow and never published.
			drafts, err := p.Svc.DraftPeriodicNotices(ctx, lg, p.Svc.L.Now(), types)
			counts["drafted"] += int64(len(drafts))
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", lg.Town, err))
			}
			stage, err := p.Svc.DraftStageNotices(ctx, lg, types)
			for _, d := range stage {
				if d.Refused != "" {
					counts["refused"]++
					continue
				}
				counts["drafted"]++
				drafts = append(drafts, d.Notice)
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", lg.Town, err))
			}
			// and the drafts made to be published that an earlier run left
			// (it failed, or the service stopped, between drafting and
			// publishing)
			left, err := p.Svc.Notices(ctx, lg, ledger.NoticeDraft, "", "")
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", lg.Town, err))
			}
			for _, n := range left {
				if n.Auto && slices.Contains(types, n.Type) && !slices.ContainsFunc(drafts, func(d ledger.Notice) bool { return d.ID == n.ID }) {
					drafts = append(drafts, n)
				}
			}
			for _, n := range drafts {
				if !n.Auto {
					counts["left_as_draft"]++
					continue
				}
				if _, err := p.Publish(ctx, lg, "system", n.ID, nil); err != nil {
					if ledger.ErrorCode(err) == ledger.CodeMissingFields {
						counts["left_as_draft"]++
						continue
					}
					errs = append(errs, fmt.Errorf("%s %s: %w", lg.Town, n.Title, err))
					continue
				}
				counts["published"]++
			}
		}
		return counts, errors.Join(errs...)
	}}
}

// Publicity ends notices whose period is over, makes the payments of ended
// 补助对象公示 with no open objection effective, moves the projects of
// ended 项目入库公示 to 入库, and flags early withdrawals (D3), in every log.
func Publicity(s *ledger.Service) Job {
	return Job{Name: "publicity", Schedule: SchedulePublicity, Run: func(ctx context.Context) (map[string]int64, error) {
		logs, err := s.L.Store().Logs(ctx)
		if err != nil {
			return nil, err
		}
		counts := map[string]int64{"ended": 0, "effective": 0, "held": 0, "projects": 0, "early_withdrawals": 0}
		for _, lg := range logs {
			c, err := s.RunPublicity(ctx, lg, "system")
			counts["ended"] += int64(c.Ended)
			counts["effective"] += int64(c.Effective)
			counts["held"] += int64(c.Held)
			counts["projects"] += int64(c.Projects)
			counts["early_withdrawals"] += int64(c.EarlyPulls)
			if err != nil {
				return counts, err
			}
		}
		return counts, nil
	}}
}
