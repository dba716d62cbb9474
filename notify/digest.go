package notify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// Digest sends each e-mail recipient the day's digest, once a day: what
// waits for their roles, as counts with links. With retryOnly it sends
// only the digests of today whose sending failed (the notify job retries
// them between the daily runs). A recipient with nothing waiting gets no
// mail.
func (n *Notifier) Digest(ctx context.Context, retryOnly bool) (map[string]int64, error) {
	counts := map[string]int64{"mails": 0, "failed": 0, "empty": 0}
	if n.Cfg == nil || len(n.Cfg.Emails) == 0 || n.Cfg.SMTP == nil {
		return counts, nil
	}
	now := n.now()
	day := now.In(n.loc()).Format("2006-01-02")
	key := "digest:" + day
	var errs []error
	var st *state
	for _, m := range n.Cfg.Emails {
		target := "mail:" + m.To
		due, recs, err := n.pending(ctx, target, []string{key})
		if err != nil {
			return counts, err
		}
		if len(due) == 0 || retryOnly && recs[key].Attempts == 0 {
			continue
		}
		// Claimed before it is sent: the digest job and the notify job's
		// retry (or two processes) that read the same record send it once.
		prev := recs[key]
		prev.Target, prev.Key = target, key
		if ok, err := n.Store.ClaimNotification(ctx, prev, now); err != nil || !ok {
			if err != nil {
				return counts, err
			}
			continue
		}
		recs[key] = prev // record counts the claimed attempt again: the same number
		if st == nil {
			if st, err = n.state(ctx); err != nil {
				return counts, err
			}
		}
		body := st.digest(n, audience{m.Roles, m.Villages, m.Towns})
		if body == "" {
			counts["empty"]++
			if err := n.record(ctx, target, due, recs, nil); err != nil {
				return counts, err
			}
			continue
		}
		subject := "阳光账本每日提醒（" + day + "）"
		body = "您好！以下是截至 " + now.In(n.loc()).Format("2006-01-02 15:04") + " 需要您处理或知悉的事项：\n\n" + body +
			"\n本邮件由阳光账本自动发送，只列数量；详情请登录查看。"
		err = SendMail(ctx, *n.Cfg.SMTP, m.To, subject, body, time.Now()) // the Date header: the real time
		if err = n.record(ctx, target, due, recs, err); err != nil {
			counts["failed"]++
			errs = append(errs, fmt.Errorf("邮件接收人 %s 的每日提醒发送失败：%w", maskMail(m.To), err))
			continue
		}
		counts["mails"]++
	}
	return counts, errors.Join(errs...)
}

// maskMail shows an address as z***@example.com in errors.
func maskMail(a string) string {
	local, domain, ok := strings.Cut(a, "@")
	if !ok || local == "" {
		return "***"
	}
	r := []rune(local)
	return string(r[0]) + "***@" + domain
}

// townState is what waits in one town, in counts.
type townState struct {
	code, name  string
	villages    map[string]string
	open        map[string]map[string]int // village → severity → count
	escalated   map[string]int            // village → count
	dueSoon     map[string]int            // village → complaints within 3 days of (or past) their deadline
	toAnswer    int                       // complaints not yet answered
	pending     int                       // payments waiting for approval
	pendingLong int                       // of them, waiting more than a day
	rejected    int                       // payments sent back
}

type state struct {
	towns  []*townState
	failed []ledger.JobRun // in the last day
}

func (n *Notifier) state(ctx context.Context) (*state, error) {
	now := n.now()
	logs, err := n.Svc.L.Store().Logs(ctx)
	if err != nil {
		return nil, err
	}
	st := &state{}
	for _, lg := range logs {
		t := &townState{code: lg.Town, name: lg.Town, villages: map[string]string{"": "镇级"}, open: map[string]map[string]int{},
			escalated: map[string]int{}, dueSoon: map[string]int{}}
		if tw, err := n.Svc.Town(ctx, lg); err == nil && tw.Name != "" {
			t.name = tw.Name
		}
		vs, err := n.Svc.Villages(ctx, lg)
		if err != nil {
			return nil, err
		}
		for _, v := range vs {
			t.villages[v.Code] = v.Name
		}
		fs, err := n.Svc.Flags(ctx, lg, ledger.FlagFilter{}, nil)
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			switch f.Status {
			case ledger.FlagOpen:
				if t.open[f.Village] == nil {
					t.open[f.Village] = map[string]int{}
				}
				t.open[f.Village][f.Severity]++
			case ledger.FlagEscalated:
				t.escalated[f.Village]++
			}
		}
		cs, err := n.Svc.Complaints(ctx, lg, "")
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			if c.Status == ledger.ComplaintResolved {
				continue
			}
			if c.Status == ledger.ComplaintOpen {
				t.toAnswer++
			}
			if filed, err := time.Parse(time.RFC3339, c.FiledAt); err == nil && !now.Before(filed.Add(ledger.ComplaintSLA-complaintNotice)) {
				t.dueSoon[c.Village]++
			}
		}
		ps, err := n.Svc.Payments(ctx, lg, ledger.PaymentFilter{Status: []string{ledger.StatusPendingApproval}, Limit: 5000})
		if err != nil {
			return nil, err
		}
		t.pending = len(ps)
		for _, p := range ps {
			if now.Sub(p.RecordedAt) >= approvalWait {
				t.pendingLong++
			}
		}
		if t.rejected, err = n.Svc.CountPayments(ctx, lg, ledger.PaymentFilter{Status: []string{ledger.StatusRejected}}); err != nil {
			return nil, err
		}
		st.towns = append(st.towns, t)
	}
	if n.Jobs != nil {
		runs, err := n.Jobs.JobRuns(ctx, "", 200)
		if err != nil {
			return nil, err
		}
		for _, r := range runs {
			if r.Outcome == ledger.OutcomeFailure && now.Sub(r.StartedAt) < 24*time.Hour {
				st.failed = append(st.failed, r)
			}
		}
	}
	return st, nil
}

// digest writes the lines an audience may read ("" when nothing waits).
func (st *state) digest(n *Notifier, a audience) string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, "· "+format+"\n", args...) }
	for _, t := range st.towns {
		if !a.town(t.code) {
			continue
		}
		start := b.Len()
		if a.has(ledger.RoleMonitor) || a.has(ledger.RoleDiscipline) {
			for _, code := range sortedKeys(t.open) {
				if !(a.has(ledger.RoleDiscipline) || a.village(code)) {
					continue
				}
				sev := t.open[code]
				line("%s待处理的监督线索 %d 条（高 %d、中 %d、低 %d）：%s", t.villages[code], sev[ledger.SeverityHigh]+sev[ledger.SeverityWarn]+sev[ledger.SeverityInfo],
					sev[ledger.SeverityHigh], sev[ledger.SeverityWarn], sev[ledger.SeverityInfo], n.link("/staff/flags?status=open"))
			}
			dueTotal := 0
			for code, c := range t.dueSoon {
				if a.has(ledger.RoleDiscipline) || a.village(code) {
					dueTotal += c
				}
			}
			if dueTotal > 0 {
				line("3 天内到期或已超过 %d 天办结期限的投诉与异议 %d 件：%s", int(ledger.ComplaintSLA.Hours()/24), dueTotal, n.link("/staff/complaints"))
			}
		}
		if a.has(ledger.RoleDiscipline) {
			esc := 0
			for _, c := range t.escalated {
				esc += c
			}
			if esc > 0 {
				line("移交镇纪委的监督线索 %d 条：%s", esc, n.link("/staff/flags?status=escalated"))
			}
		}
		if a.has(ledger.RoleApprover) && t.pending > 0 {
			line("待审批的支付 %d 笔（其中等待超过 1 天的 %d 笔）：%s", t.pending, t.pendingLong, n.link("/staff/payments?status="+ledger.StatusPendingApproval))
		}
		if a.has(ledger.RoleFinance) {
			if t.toAnswer > 0 {
				line("待答复的投诉与异议 %d 件：%s", t.toAnswer, n.link("/staff/complaints?status=open"))
			}
			if t.rejected > 0 {
				line("被退回的支付 %d 笔：%s", t.rejected, n.link("/staff/payments?status="+ledger.StatusRejected))
			}
		}
		if b.Len() > start {
			s := b.String()
			b.Reset()
			b.WriteString(s[:start] + "【" + t.name + "】\n" + s[start:] + "\n")
		}
	}
	if a.has(ledger.RoleAdmin) && len(st.failed) > 0 {
		b.WriteString("【定时任务】\n")
		for _, r := range st.failed {
			line("“%s”于 %s 运行失败：%s", n.jobLabel(r.Job), r.StartedAt.In(n.loc()).Format("2006-01-02 15:04"), n.link("/staff/jobs"))
		}
		b.WriteString("\n")
	}
	return b.String()
}

func sortedKeys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
