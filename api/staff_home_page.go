package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/pages"
)

// homeQueueSize is how many items a home's lists show (each links to the
// whole list).
const homeQueueSize = 10

// GET /staff/: the caller's home — what waits for them, with counts and
// links (the county office goes to its county summary).
func (s *Server) staffHome(c *gin.Context) {
	u := user(c)
	if u.Role == ledger.RoleCounty {
		c.Redirect(http.StatusSeeOther, "/staff/county")
		return
	}
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	d := pages.HomeData{Role: u.Role}
	var err error
	switch u.Role {
	case ledger.RoleFinance:
		err = s.financeHome(ctx, c, lg, &d)
	case ledger.RoleApprover:
		err = s.approverHome(ctx, c, lg, &d)
	case ledger.RoleMonitor:
		err = s.oversightHome(ctx, c, lg, u, &d)
	case ledger.RoleDiscipline:
		err = s.oversightHome(ctx, c, lg, u, &d)
	case ledger.RoleAuditor:
		s.ledgerFacts(ctx, &d)
	case ledger.RoleAdmin:
		err = s.adminHome(ctx, c, lg, &d)
	}
	if err != nil {
		s.staffFail(c, err)
		return
	}
	s.staffRender(c, http.StatusOK, "home", "工作台", pages.Page{Note: doneNote(c), Data: d})
}

func (s *Server) countPayments(ctx context.Context, lg ledger.Log, status string) (int, error) {
	return s.svc.CountPayments(ctx, lg, ledger.PaymentFilter{Status: []string{status}})
}

// financeHome: notice drafts, payments waiting (approval, publicity),
// payments sent back, complaints to answer.
func (s *Server) financeHome(ctx context.Context, c *gin.Context, lg ledger.Log, d *pages.HomeData) error {
	drafts, err := s.svc.Notices(ctx, lg, ledger.NoticeDraft, "", "")
	if err != nil {
		return err
	}
	d.Todos = append(d.Todos, pages.Todo{Label: "待发布的公告草稿", Count: len(drafts), Href: "/staff/notices?status=draft", Note: "核对后发布"})
	for _, w := range []struct{ status, label, note string }{
		{ledger.StatusPendingApproval, "待审批的支付", "等待审批人审批"},
		{ledger.StatusAwaitingPublicity, "公示期中的支付", "公示期满无异议后生效"},
		{ledger.StatusRejected, "被退回的支付", "按审批意见更正后重新录入"},
	} {
		n, err := s.countPayments(ctx, lg, w.status)
		if err != nil {
			return err
		}
		d.Todos = append(d.Todos, pages.Todo{Label: w.label, Count: n, Href: "/staff/payments?status=" + w.status, Note: w.note,
			Urgent: w.status == ledger.StatusRejected})
	}
	due, err := s.svc.PaymentsAwaitingNotice(ctx, lg)
	if err != nil {
		return err
	}
	d.Todos = append(d.Todos, pages.Todo{Label: "待公示的支付（尚未列入补助对象公示）", Count: len(due), Href: "/staff/notices?type=" + url.QueryEscape(ledger.NoticeRecipients),
		Note: "生成并发布补助对象公示，公示期满无异议后生效", Urgent: true})
	cs, err := s.svc.Complaints(ctx, lg, ledger.ComplaintOpen)
	if err != nil {
		return err
	}
	d.Todos = append(d.Todos, pages.Todo{Label: "待答复的投诉与异议", Count: len(cs), Href: "/staff/complaints?status=open", Note: "20 天内办结"})
	return nil
}

// approverHome: the payments to approve, oldest first, with the days each
// has waited.
func (s *Server) approverHome(ctx context.Context, c *gin.Context, lg ledger.Log, d *pages.HomeData) error {
	f := ledger.PaymentFilter{Status: []string{ledger.StatusPendingApproval}}
	n, err := s.svc.CountPayments(ctx, lg, f)
	if err != nil {
		return err
	}
	d.Todos = append(d.Todos, pages.Todo{Label: "待审批的支付", Count: n, Href: "/staff/payments?status=pending_approval", Note: "审批人不能审批自己录入的支付"})
	f.Limit = homeQueueSize
	ps, err := s.svc.Payments(ctx, lg, f)
	if err != nil {
		return err
	}
	funds := map[int64]string{}
	if fs, err := s.svc.Funds(ctx, lg); err == nil {
		for _, f := range fs {
			funds[f.ID] = f.DocNo
		}
	}
	now := s.ledger.Now()
	for _, v := range s.paymentViews(c, lg, ps) {
		d.Queue = append(d.Queue, pages.QueueItem{PaymentView: v, FundDoc: funds[v.Fund], Waited: int(now.Sub(v.RecordedAt) / (24 * time.Hour))})
	}
	return nil
}

// oversightHome: a monitor's open flags of their villages by severity and
// those near the escalation deadline, and their villages' complaints; the
// discipline office's escalated flags and every unresolved complaint by
// its deadline.
func (s *Server) oversightHome(ctx context.Context, c *gin.Context, lg ledger.Log, u ledger.User, d *pages.HomeData) error {
	fs, err := s.svc.Flags(ctx, lg, ledger.FlagFilter{}, &u)
	if err != nil {
		return err
	}
	now := s.ledger.Now()
	bySeverity := map[string]int{}
	var open, nearDue, escalated int
	for _, f := range fs {
		switch f.Status {
		case ledger.FlagOpen:
			open++
			bySeverity[f.Severity]++
			if t, err := time.Parse(time.RFC3339, f.UpdatedAt); err == nil && now.Sub(t) >= ledger.FlagSLA-2*24*time.Hour {
				nearDue++
			}
		case ledger.FlagEscalated:
			escalated++
		}
	}
	if u.Role == ledger.RoleMonitor {
		for _, sv := range []string{ledger.SeverityHigh, ledger.SeverityWarn, ledger.SeverityInfo} {
			d.Todos = append(d.Todos, pages.Todo{Label: "待处理线索（" + pages.SeverityText(sv) + "）", Count: bySeverity[sv],
				Href: "/staff/flags?status=open&severity=" + sv, Urgent: sv == ledger.SeverityHigh})
		}
		d.Todos = append(d.Todos, pages.Todo{Label: "即将超期的线索", Count: nearDue, Href: "/staff/flags?status=open", Urgent: true,
			Note: fmt.Sprintf("%d 天内无人处理将自动移交镇纪委", int(ledger.FlagSLA.Hours()/24))})
	} else {
		d.Todos = append(d.Todos, pages.Todo{Label: "移交纪委的线索", Count: escalated, Href: "/staff/flags?status=escalated", Urgent: true},
			pages.Todo{Label: "待处理线索（全部村）", Count: open, Href: "/staff/flags?status=open"})
	}
	cs, err := s.svc.Complaints(ctx, lg, "")
	if err != nil {
		return err
	}
	names := s.villageNames(c, lg)
	for _, cm := range cs {
		if cm.Status == ledger.ComplaintResolved || u.Role == ledger.RoleMonitor && !watches(u, cm.Village) {
			continue
		}
		filed, err := time.Parse(time.RFC3339, cm.FiledAt)
		if err != nil {
			continue
		}
		left := int(filed.Add(ledger.ComplaintSLA).Sub(now).Hours() / 24)
		if filed.Add(ledger.ComplaintSLA).Before(now) {
			left = -int(now.Sub(filed.Add(ledger.ComplaintSLA)).Hours()/24) - 1
		}
		kind := "投诉"
		if cm.Kind == ledger.ComplaintObjection {
			kind = "异议"
		}
		d.Deadlines = append(d.Deadlines, pages.DeadlineItem{ID: cm.ID, Receipt: cm.Receipt, Village: names[cm.Village], Kind: kind, DaysLeft: left})
	}
	slices.SortStableFunc(d.Deadlines, func(a, b pages.DeadlineItem) int { return a.DaysLeft - b.DaysLeft })
	label := "本村未办结的投诉与异议"
	if u.Role != ledger.RoleMonitor {
		label = "未办结的投诉与异议"
	}
	overdue := 0
	for _, x := range d.Deadlines {
		if x.DaysLeft < 3 {
			overdue++
		}
	}
	d.Todos = append(d.Todos, pages.Todo{Label: label, Count: len(d.Deadlines), Href: "/staff/complaints"},
		pages.Todo{Label: "3 天内到期或已超期的投诉", Count: overdue, Href: "/staff/complaints", Urgent: true})
	if len(d.Deadlines) > homeQueueSize {
		d.Deadlines = d.Deadlines[:homeQueueSize]
	}
	return nil
}

// ledgerFacts: the last runs of the verification and of the witnesses'
// cosigning, as the auditor (and the admin) read them.
func (s *Server) ledgerFacts(ctx context.Context, d *pages.HomeData) {
	js, _ := s.store.(ledger.JobStore)
	loc := s.ledger.Location()
	for _, j := range []struct{ name, label string }{{"verify", "最近一次全账核验"}, {"cosign", "最近一次见证方联署"}, {"checkpoint", "最近一次签发检查点"}} {
		f := pages.Fact{Label: j.label, Value: "尚未运行", Href: "/staff/jobs"}
		if js != nil {
			if runs, err := js.JobRuns(ctx, j.name, 1); err == nil && len(runs) > 0 {
				r := runs[0]
				f.Value = r.StartedAt.In(loc).Format("2006-01-02 15:04") + " " + pages.OutcomeText(r.Outcome)
				f.Bad = r.Outcome == ledger.OutcomeFailure
			}
		}
		d.Facts = append(d.Facts, f)
	}
	if cs := s.ledger.Cosigner(); cs != nil {
		d.Facts = append(d.Facts, pages.Fact{Label: "见证方", Value: strconv.Itoa(len(cs.Witnesses)) + " 个，至少 " + strconv.Itoa(cs.QuorumSize()) + " 个联署方为有效"})
	}
	d.Facts = append(d.Facts, pages.Fact{Label: "发起核验", Value: "在“账本”页随时可以发起一次全账核验", Href: "/staff/ledger"})
}

// adminHome: jobs whose last run failed, users locked out or disabled.
func (s *Server) adminHome(ctx context.Context, c *gin.Context, lg ledger.Log, d *pages.HomeData) error {
	failed := 0
	if js, ok := s.store.(ledger.JobStore); ok && s.jobs != nil {
		for _, n := range s.jobs.Names() {
			if runs, err := js.JobRuns(ctx, n, 1); err == nil && len(runs) > 0 && runs[0].Outcome == ledger.OutcomeFailure {
				failed++
			}
		}
	}
	d.Todos = append(d.Todos, pages.Todo{Label: "最近一次运行失败的定时任务", Count: failed, Href: "/staff/jobs", Urgent: true})
	us, err := s.auth.Accounts.Users(ctx, lg.ID)
	if err != nil {
		return err
	}
	disabled := 0
	for _, u := range us {
		if u.Disabled {
			disabled++
		}
	}
	slowed, err := s.auth.SlowedUsers(ctx, us)
	if err != nil {
		return err
	}
	d.Todos = append(d.Todos, pages.Todo{Label: "多次输错密码、登录受限的用户", Count: len(slowed), Href: "/staff/users", Urgent: true,
		Note: "确认是本人后可在“用户”页解锁"},
		pages.Todo{Label: "已停用的用户", Count: disabled, Href: "/staff/users"})
	s.ledgerFacts(ctx, d)
	return nil
}
