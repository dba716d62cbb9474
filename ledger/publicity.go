package ledger

import (
	"context"
	"fmt"
	"slices"
)

// PublicityCounts is what a publicity run did.
type PublicityCounts struct {
	Ended      int // notices whose period ended
	Effective  int // payments made effective
	Held       int // payments kept waiting by an objection
	Projects   int // projects moved from 公示 to 入库
	EarlyPulls int // D3 findings (notices withdrawn before their end date)
}

// RunPublicity is the publicity step (DOMAIN.md §8) as of today: it ends
// notices whose period is over; for each ended 补助对象公示 with no open (or
// upheld) objection it makes the payments it lists effective, and keeps them
// waiting otherwise; it moves the projects of an ended 项目入库公示 with no
// open objection from 公示 to 入库; and it flags notices withdrawn before
// their end date (D3). It is idempotent.
func (s *Service) RunPublicity(ctx context.Context, lg Log, actor string) (PublicityCounts, error) {
	var out PublicityCounts
	today := DateOf(s.L.Now(), s.L.Location()).String()
	ns, err := s.Notices(ctx, lg, "", "", "")
	if err != nil {
		return out, err
	}
	var ending []Notice
	for _, n := range ns {
		if n.Status == NoticePublished && n.EndsOn < today {
			ending = append(ending, n)
		}
	}
	if len(ending) > 0 {
		if _, err := write(ctx, s, lg, nil, func(w *txn) (int, error) {
			for _, n := range ending {
				if _, err := w.emit(TypeNoticeEnded, actor, Date{}, noticeChangePayload{Notice: n.ID, On: today}); err != nil {
					return 0, err
				}
			}
			return len(ending), nil
		}); err != nil {
			return out, err
		}
		out.Ended = len(ending)
	}
	cs, err := s.Complaints(ctx, lg, "")
	if err != nil {
		return out, err
	}
	ns, err = s.Notices(ctx, lg, NoticeEnded, "", "")
	if err != nil {
		return out, err
	}
	bk := s.L.Store().Books(ctx, lg.ID)
	for _, n := range ns {
		if n.Type != NoticeRecipients && n.Type != NoticeLibrary {
			continue
		}
		if err := loadRows(bk, &n); err != nil {
			return out, err
		}
		held := openObjection(cs, n.Code)
		switch n.Type {
		case NoticeRecipients:
			var ids []int64
			for _, r := range n.Rows {
				pm, err := s.Payment(ctx, lg, r.ID)
				if err != nil || pm.Status != StatusAwaitingPublicity {
					continue
				}
				if held {
					out.Held++
					continue
				}
				ids = append(ids, pm.ID)
			}
			if len(ids) > 0 {
				done, err := s.MakeEffective(ctx, lg, actor, ids, fmt.Sprintf("公示期满无异议（%s）", n.Code))
				if err != nil {
					return out, err
				}
				out.Effective += len(done)
			}
		case NoticeLibrary:
			if held {
				continue
			}
			for _, r := range n.Rows {
				var pr Project
				if err := bk.Object(objProject, r.ID, &pr); err != nil || pr.Status != ProjPublicized {
					continue
				}
				if _, err := s.TransitionProject(ctx, lg, actor, pr.Code, Transition{To: ProjLibrary, Note: "入库公示期满无异议（" + n.Code + "）"}, nil); err != nil {
					return out, err
				}
				out.Projects++
			}
		}
	}
	var fs []Finding
	all, err := s.Notices(ctx, lg, NoticeWithdrawn, "", "")
	if err != nil {
		return out, err
	}
	for _, n := range all {
		if n.WithdrawnOn != "" && n.WithdrawnOn < n.EndsOn {
			fs = append(fs, Finding{Rule: "D3", SubjectKey: "notice:" + n.Code, Severity: SeverityWarn, Village: n.Village,
				Subject:  FlagSubject{Kind: "notice", ID: n.ID, Label: n.Number},
				Reason:   fmt.Sprintf("公告《%s》（%s）于 %s 撤回，早于公示截止日 %s；撤回理由：%s", n.Title, n.Number, n.WithdrawnOn, n.EndsOn, n.WithdrawReason),
				Evidence: Evidence{Entries: []int64{n.PublishSeq, n.LastSeq}}})
		}
	}
	if len(fs) > 0 {
		raised, _, err := s.RecordFindings(ctx, lg, actor, fs)
		if err != nil {
			return out, err
		}
		out.EarlyPulls = raised
	}
	return out, nil
}

// PaymentsAwaitingNotice returns the payments waiting for publicity that
// no published (or ended) 补助对象公示 lists yet: the notices finance still
// owes before they can take effect.
func (s *Service) PaymentsAwaitingNotice(ctx context.Context, lg Log) ([]Payment, error) {
	ps, err := s.Payments(ctx, lg, PaymentFilter{Status: []string{StatusAwaitingPublicity}})
	if err != nil || len(ps) == 0 {
		return nil, err
	}
	ns, err := s.Notices(ctx, lg, "", "", NoticeRecipients)
	if err != nil {
		return nil, err
	}
	// A notice's rows are fixed when it is drafted (its id is that entry's
	// seq) and list payments recorded before: only notices drafted after
	// the oldest waiting payment are read.
	oldest := ps[0].ID
	for _, p := range ps {
		oldest = min(oldest, p.ID)
	}
	bk := s.L.Store().Books(ctx, lg.ID)
	listed := map[int64]bool{}
	for _, n := range ns {
		if n.Status != NoticePublished && n.Status != NoticeEnded || n.ID < oldest {
			continue
		}
		if err := loadRows(bk, &n); err != nil {
			return nil, err
		}
		for _, r := range n.Rows {
			listed[r.ID] = true
		}
	}
	return slices.DeleteFunc(ps, func(p Payment) bool { return listed[p.ID] }), nil
}
