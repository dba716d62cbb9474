package jobs

import (
	"context"
	"errors"
	"fmt"

	"github.com/sunshine-ledger/sunshine/disclosure"
	"github.com/sunshine-ledger/sunshine/ledger"
)

// Default schedules of the disclosure jobs (DOMAIN.md §8), in SUNSHINE_TZ.
const (
	ScheduleNotices   = "0 6 1 * *"
	SchedulePublicity = "10 0 * * *"
)

// Notices makes, for the month before the run, one 资金发放结果公告 per
// village with effective payments dated in it and the 季度资金使用情况 of the
// last completed quarter, never a duplicate; it publishes (with their PDFs)
// the drafts of the types in auto (default ledger.AutoPublishTypes) and
// leaves the rest as drafts for staff. A draft that cannot be published
// (missing fields) stays a draft and is counted, not a failure.
func Notices(p *disclosure.Publisher, auto []string) Job {
	if auto == nil {
		auto = ledger.AutoPublishTypes
	}
	return Job{Name: "notices", Schedule: ScheduleNotices, Run: func(ctx context.Context) (map[string]int64, error) {
		logs, err := p.Svc.L.Store().Logs(ctx)
		if err != nil {
			return nil, err
		}
		counts := map[string]int64{"drafted": 0, "published": 0, "left_as_draft": 0}
		var errs []error
		for _, lg := range logs {
			drafts, err := p.Svc.DraftPeriodicNotices(ctx, lg, p.Svc.L.Now(), auto)
			counts["drafted"] += int64(len(drafts))
			if err != nil {
				return counts, err
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
