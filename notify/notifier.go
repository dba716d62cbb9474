package notify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// Retries: a failed event is tried again by a later run, waiting longer
// after each failure (10, 20, 40 … minutes, at most 6 hours), and given up
// after MaxAttempts.
const (
	MaxAttempts = 8
	maxBackoff  = 6 * time.Hour
)

// How far back the events are looked for (older ones are not news).
const (
	newFlagWindow   = ledger.FlagSLA
	approvalWait    = 24 * time.Hour
	complaintNotice = 3 * 24 * time.Hour // before a complaint's deadline
	jobWindow       = 48 * time.Hour
)

// backoff is how long to wait after n failed attempts.
func backoff(n int) time.Duration {
	if n <= 1 {
		return 0
	}
	d := 10 * time.Minute << min(n-2, 10)
	return min(d, maxBackoff) - time.Minute // runs start a little early or late
}

// Notifier finds the events and sends them to the configured targets.
type Notifier struct {
	Cfg       *Config
	Svc       *ledger.Service
	Store     ledger.NotifyStore
	Jobs      ledger.JobStore // failed runs for the admin (nil: none)
	PublicURL string          // SUNSHINE_PUBLIC_URL
	JobLabel  func(job string) string
	Client    *http.Client     // nil: a client without redirects
	Location  *time.Location   // SUNSHINE_TZ, for dates in messages
	Now       func() time.Time // default Svc.L.Now
}

func (n *Notifier) now() time.Time {
	if n.Now != nil {
		return n.Now()
	}
	return n.Svc.L.Now()
}

func (n *Notifier) loc() *time.Location {
	if n.Location != nil {
		return n.Location
	}
	return n.Svc.L.Location()
}

func (n *Notifier) client() *http.Client {
	if n.Client != nil {
		return n.Client
	}
	return noRedirects
}

func (n *Notifier) link(path string) string { return strings.TrimRight(n.PublicURL, "/") + path }

func (n *Notifier) jobLabel(j string) string {
	if n.JobLabel != nil {
		return n.JobLabel(j)
	}
	return j
}

// Event kinds.
const (
	evNewFlag   = "flag"
	evEscalated = "escalated"
	evComplaint = "complaint-due"
	evApproval  = "approval"
	evJobFailed = "job"
)

// event is one thing to tell, with only what a message may say.
type event struct {
	Key, Kind      string
	Town, TownName string
	Village        string // code ("" town level)
	VillageName    string
	Severity       string
	Voucher        string
	Job            string
	At             time.Time
}

// wants reports whether a target's audience hears of the event.
func (a audience) wants(e event) bool {
	if e.Kind == evJobFailed {
		return a.has(ledger.RoleAdmin)
	}
	if !a.town(e.Town) {
		return false
	}
	switch e.Kind {
	case evNewFlag:
		return a.has(ledger.RoleMonitor) && a.village(e.Village) ||
			a.has(ledger.RoleDiscipline) && (e.Severity == ledger.SeverityHigh || e.Village == "")
	case evEscalated:
		return a.has(ledger.RoleDiscipline)
	case evComplaint:
		return a.has(ledger.RoleDiscipline) || a.has(ledger.RoleMonitor) && a.village(e.Village)
	case evApproval:
		return a.has(ledger.RoleApprover)
	}
	return false
}

// events lists what happened that may be told, in every town.
func (n *Notifier) events(ctx context.Context) ([]event, error) {
	now := n.now()
	logs, err := n.Svc.L.Store().Logs(ctx)
	if err != nil {
		return nil, err
	}
	var out []event
	for _, lg := range logs {
		townName := lg.Town
		if t, err := n.Svc.Town(ctx, lg); err == nil && t.Name != "" {
			townName = t.Name
		}
		villages := map[string]string{"": "镇级"}
		vs, err := n.Svc.Villages(ctx, lg)
		if err != nil {
			return nil, err
		}
		for _, v := range vs {
			villages[v.Code] = v.Name
		}
		base := event{Town: lg.Town, TownName: townName}
		fs, err := n.Svc.Flags(ctx, lg, ledger.FlagFilter{}, nil)
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			e := base
			e.Village, e.VillageName, e.Severity = f.Village, villages[f.Village], f.Severity
			switch f.Status {
			case ledger.FlagOpen:
				if t, err := time.Parse(time.RFC3339, f.RaisedAt); err == nil && now.Sub(t) < newFlagWindow {
					e.Kind, e.Key = evNewFlag, fmt.Sprintf("flag:%s:%d", lg.Town, f.ID)
					out = append(out, e)
				}
			case ledger.FlagEscalated:
				if t, err := time.Parse(time.RFC3339, f.UpdatedAt); err == nil && now.Sub(t) < newFlagWindow {
					e.Kind, e.Key = evEscalated, fmt.Sprintf("escalated:%s:%d", lg.Town, f.ID)
					out = append(out, e)
				}
			}
		}
		cs, err := n.Svc.Complaints(ctx, lg, "")
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			filed, err := time.Parse(time.RFC3339, c.FiledAt)
			if c.Status == ledger.ComplaintResolved || err != nil {
				continue
			}
			due := filed.Add(ledger.ComplaintSLA)
			if now.Before(due.Add(-complaintNotice)) || now.Sub(due) > newFlagWindow {
				continue
			}
			e := base
			e.Kind, e.Key, e.Village, e.VillageName, e.At = evComplaint, fmt.Sprintf("complaint-due:%s:%d", lg.Town, c.ID), c.Village, villages[c.Village], due
			out = append(out, e)
		}
		ps, err := n.Svc.Payments(ctx, lg, ledger.PaymentFilter{Status: []string{ledger.StatusPendingApproval}, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			if now.Sub(p.RecordedAt) < approvalWait {
				continue
			}
			e := base
			e.Kind, e.Key, e.Voucher, e.At = evApproval, fmt.Sprintf("approval:%s:%d", lg.Town, p.ID), p.VoucherNo, p.RecordedAt
			out = append(out, e)
		}
	}
	if n.Jobs != nil {
		runs, err := n.Jobs.JobRuns(ctx, "", 200)
		if err != nil {
			return nil, err
		}
		for _, r := range runs {
			if r.Outcome == ledger.OutcomeFailure && now.Sub(r.StartedAt) < jobWindow {
				out = append(out, event{Kind: evJobFailed, Key: "job:" + strconv.FormatInt(r.ID, 10), Job: r.Job, At: r.StartedAt})
			}
		}
	}
	return out, nil
}

// pending returns the events of keys that are due to be sent to a target
// (never sent, not given up, past their backoff), with their records.
func (n *Notifier) pending(ctx context.Context, target string, keys []string) (due []string, recs map[string]ledger.Notification, err error) {
	recs, err = n.Store.Notifications(ctx, target, keys)
	if err != nil {
		return nil, nil, err
	}
	now := n.now()
	for _, k := range keys {
		r, ok := recs[k]
		if ok && (r.Sent() || r.Attempts >= MaxAttempts || now.Sub(r.LastTry) < backoff(r.Attempts)) {
			continue
		}
		due = append(due, k)
	}
	return due, recs, nil
}

// record stores the outcome of a send of keys to a target; it returns the
// error to report (nil when sent), noting a give-up.
func (n *Notifier) record(ctx context.Context, target string, keys []string, recs map[string]ledger.Notification, sendErr error) error {
	now := n.now()
	gaveUp := false
	for _, k := range keys {
		r := recs[k]
		r.Target, r.Key, r.Attempts, r.LastTry = target, k, r.Attempts+1, now
		if sendErr == nil {
			r.SentAt, r.Error = now, ""
		} else {
			r.Error = sendErr.Error()
			gaveUp = gaveUp || r.Attempts >= MaxAttempts
		}
		if err := n.Store.PutNotification(ctx, r); err != nil {
			return errors.Join(sendErr, err)
		}
	}
	if sendErr != nil && gaveUp {
		return fmt.Errorf("%w（已尝试 %d 次，不再重试）", sendErr, MaxAttempts)
	}
	return sendErr
}

// Webhooks sends each group bot the events it has not had, in one message.
// The error names each target that failed (by its name, never its URL) and
// why; the other targets are still sent to.
func (n *Notifier) Webhooks(ctx context.Context) (map[string]int64, error) {
	counts := map[string]int64{"events": 0, "messages": 0, "failed": 0}
	if n.Cfg == nil || len(n.Cfg.Webhooks) == 0 {
		return counts, nil
	}
	evs, err := n.events(ctx)
	if err != nil {
		return counts, err
	}
	byKey := map[string]event{}
	for _, e := range evs {
		byKey[e.Key] = e
	}
	var errs []error
	for _, w := range n.Cfg.Webhooks {
		a := audience{w.Roles, w.Villages, w.Towns}
		var keys []string
		for _, e := range evs {
			if a.wants(e) {
				keys = append(keys, e.Key)
			}
		}
		if len(keys) == 0 {
			continue
		}
		due, recs, err := n.pending(ctx, "bot:"+w.Name, keys)
		if err != nil {
			return counts, err
		}
		if len(due) == 0 {
			continue
		}
		var send []event
		for _, k := range due {
			send = append(send, byKey[k])
		}
		title, text := n.render(send)
		err = SendWebhook(ctx, n.client(), w, title, Clip(text), time.Now()) // 钉钉 checks the timestamp against its clock
		if err = n.record(ctx, "bot:"+w.Name, due, recs, err); err != nil {
			counts["failed"]++
			errs = append(errs, fmt.Errorf("群机器人“%s”（%s）发送失败：%w", w.Name, kindText(w.Kind), err))
			continue
		}
		counts["messages"]++
		counts["events"] += int64(len(due))
	}
	return counts, errors.Join(errs...)
}

func kindText(k string) string {
	if k == KindDingTalk {
		return "钉钉"
	}
	return "企业微信"
}

// render writes the message of events: a line per town and kind (per
// village for new flags), counts and a link, nothing about people.
func (n *Notifier) render(evs []event) (title, text string) {
	type group struct {
		kind, town, townName, village, villageName string
		evs                                        []event
	}
	order := map[string]int{evNewFlag: 0, evEscalated: 1, evComplaint: 2, evApproval: 3, evJobFailed: 4}
	idx := map[string]*group{}
	var gs []*group
	for _, e := range evs {
		k := e.Kind + "|" + e.Town
		if e.Kind == evNewFlag {
			k += "|" + e.Village
		}
		g := idx[k]
		if g == nil {
			g = &group{kind: e.Kind, town: e.Town, townName: e.TownName, village: e.Village, villageName: e.VillageName}
			idx[k] = g
			gs = append(gs, g)
		}
		g.evs = append(g.evs, e)
	}
	sort.SliceStable(gs, func(i, j int) bool {
		if gs[i].kind != gs[j].kind {
			return order[gs[i].kind] < order[gs[j].kind]
		}
		if gs[i].town != gs[j].town {
			return gs[i].town < gs[j].town
		}
		return gs[i].village < gs[j].village
	})
	var lines []string
	for _, g := range gs {
		head := "【" + g.townName + "阳光账本】"
		c := len(g.evs)
		switch g.kind {
		case evNewFlag:
			sev := map[string]int{}
			for _, e := range g.evs {
				sev[e.Severity]++
			}
			var parts []string
			for _, s := range []string{ledger.SeverityHigh, ledger.SeverityWarn, ledger.SeverityInfo} {
				if sev[s] > 0 {
					parts = append(parts, fmt.Sprintf("%s %d", severityText(s), sev[s]))
				}
			}
			lines = append(lines, fmt.Sprintf("%s%s有 %d 条新的监督线索（%s），请登录查看：%s", head, g.villageName, c,
				strings.Join(parts, "、"), n.link("/staff/flags?status=open")))
		case evEscalated:
			lines = append(lines, fmt.Sprintf("%s有 %d 条监督线索超过 %d 天无人处理，已移交镇纪委（%s），请登录查看：%s", head, c,
				int(ledger.FlagSLA.Hours()/24), villageCounts(g.evs), n.link("/staff/flags?status=escalated")))
		case evComplaint:
			lines = append(lines, fmt.Sprintf("%s有 %d 件群众投诉或异议临近或已过 %d 天办结期限（%s），请登录查看：%s", head, c,
				int(ledger.ComplaintSLA.Hours()/24), villageCounts(g.evs), n.link("/staff/complaints")))
		case evApproval:
			var vs []string
			for _, e := range g.evs {
				vs = append(vs, e.Voucher)
			}
			slices.Sort(vs)
			more := ""
			if len(vs) > 5 {
				vs, more = vs[:5], " 等"
			}
			lines = append(lines, fmt.Sprintf("%s有 %d 笔支付等待审批已超过 1 天（凭证号 %s%s），请登录审批：%s", head, c,
				strings.Join(vs, "、"), more, n.link("/staff/payments?status="+ledger.StatusPendingApproval)))
		case evJobFailed:
			// one line a job: a job failing every run is one line, not many
			byJob := map[string][]event{}
			var names []string
			for _, e := range g.evs {
				if byJob[e.Job] == nil {
					names = append(names, e.Job)
				}
				byJob[e.Job] = append(byJob[e.Job], e)
			}
			slices.Sort(names)
			for _, j := range names {
				es := byJob[j]
				last := es[0].At
				for _, e := range es {
					if e.At.After(last) {
						last = e.At
					}
				}
				when := "于 " + last.In(n.loc()).Format("2006-01-02 15:04") + " "
				if len(es) > 1 {
					when = fmt.Sprintf("%d 次（最近一次 %s）", len(es), last.In(n.loc()).Format("2006-01-02 15:04"))
					lines = append(lines, fmt.Sprintf("【阳光账本】定时任务“%s”运行失败 %s，请登录查看：%s", n.jobLabel(j), when, n.link("/staff/jobs")))
					continue
				}
				lines = append(lines, fmt.Sprintf("【阳光账本】定时任务“%s”%s运行失败，请登录查看：%s", n.jobLabel(j), when, n.link("/staff/jobs")))
			}
		}
	}
	return "阳光账本提醒", strings.Join(lines, "\n\n")
}

func severityText(s string) string {
	switch s {
	case ledger.SeverityHigh:
		return "高"
	case ledger.SeverityWarn:
		return "中"
	}
	return "低"
}

// villageCounts is "田坪村 2、镇级 1".
func villageCounts(evs []event) string {
	count := map[string]int{}
	var names []string
	for _, e := range evs {
		if count[e.VillageName] == 0 {
			names = append(names, e.VillageName)
		}
		count[e.VillageName]++
	}
	var parts []string
	for _, v := range names {
		parts = append(parts, fmt.Sprintf("%s %d", v, count[v]))
	}
	return strings.Join(parts, "、")
}
