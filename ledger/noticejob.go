package ledger

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// DraftPeriodicNotices makes the notices the notices job owes as of now
// (DOMAIN.md §8): for the month before now, one 资金发放结果公告 per village
// with effective payments paid in it, and the 季度资金使用情况 of the last
// completed quarter. A notice of the same type, village and period that
// exists already (in any state but withdrawn) is never made twice. It
// returns the new drafts; those of types in auto are marked Auto.
func (s *Service) DraftPeriodicNotices(ctx context.Context, lg Log, now time.Time, auto []string) ([]Notice, error) {
	today := DateOf(now, s.L.Location())
	prev := DateOf(time.Date(today.Year, today.Month, 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0), time.UTC)
	month := fmt.Sprintf("%04d-%02d", prev.Year, int(prev.Month))
	q := (int(today.Month)-1)/3 + 1 - 1
	qy := today.Year
	if q == 0 {
		q, qy = 4, qy-1
	}
	quarter := fmt.Sprintf("%04d-Q%d", qy, q)
	existing, err := s.Notices(ctx, lg, "", "", "")
	if err != nil {
		return nil, err
	}
	have := func(typ, village, period string) bool {
		return slices.ContainsFunc(existing, func(n Notice) bool {
			return n.Type == typ && n.Village == village && n.Period == period && n.Status != NoticeWithdrawn
		})
	}
	vs, err := s.Villages(ctx, lg)
	if err != nil {
		return nil, err
	}
	var out []Notice
	draft := func(in NoticeDraftInput) error {
		in.Auto = slices.Contains(auto, in.Type)
		n, err := s.DraftNotice(ctx, lg, "system", in, nil)
		if err != nil {
			return err
		}
		out = append(out, n)
		return nil
	}
	ps, err := s.Payments(ctx, lg, PaymentFilter{Status: []string{StatusEffective}})
	if err != nil {
		return nil, err
	}
	paidIn := map[int64]bool{} // households paid in the month
	for _, p := range ps {
		if p.Household != 0 && strings.HasPrefix(p.PaidOn.String(), month) {
			paidIn[p.Household] = true
		}
	}
	bk := s.L.Store().Books(ctx, lg.ID)
	villagesPaid := map[string]bool{}
	for h := range paidIn {
		var hh Household
		if err := bk.Object(objHousehold, h, &hh); err == nil {
			villagesPaid[hh.Village] = true
		}
	}
	for _, v := range vs {
		if villagesPaid[v.Code] && !have(NoticePaymentResult, v.Code, month) {
			if err := draft(NoticeDraftInput{Type: NoticePaymentResult, Village: v.Code, Period: month}); err != nil {
				return out, err
			}
		}
	}
	funds, err := listObjects[Fund](bk, objFund)
	if err != nil {
		return out, err
	}
	if len(funds) > 0 && !have(NoticeQuarterly, "", quarter) {
		if err := draft(NoticeDraftInput{Type: NoticeQuarterly, Period: quarter}); err != nil {
			return out, err
		}
	}
	return out, nil
}
