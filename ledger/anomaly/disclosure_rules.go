package anomaly

import (
	"fmt"
	"slices"
	"time"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// The rules over notices, complaints and projects' state history: C5, D2,
// D3, E2, H2, H3.

// lists returns, for each payment, the 补助对象公示 (published, ended or
// superseded; not withdrawn) that list it.
func lists(d *ledger.ScanData) map[int64][]ledger.Notice {
	out := map[int64][]ledger.Notice{}
	for _, n := range d.Notices {
		if n.Type != ledger.NoticeRecipients || n.Status == ledger.NoticeDraft || n.Status == ledger.NoticeWithdrawn {
			continue
		}
		for _, r := range n.Rows {
			out[r.ID] = append(out[r.ID], n)
		}
	}
	return out
}

// openObjections returns the notice codes with an objection not resolved.
func openObjections(d *ledger.ScanData) map[string][]ledger.Complaint {
	out := map[string][]ledger.Complaint{}
	for _, c := range d.Complaints {
		if c.Kind == ledger.ComplaintObjection && c.Status != ledger.ComplaintResolved {
			out[c.NoticeCode] = append(out[c.NoticeCode], c)
		}
	}
	return out
}

func needsList(d *ledger.ScanData, p ledger.Payment) bool {
	it, ok := d.Items[p.Item]
	return ok && it.ListNoticeRequired && active(p) && p.Payee.Kind != ledger.PayeeOrg
}

// ruleC5: an effective payment of an item needing a 补助对象公示, paid before
// that list's end date or while an objection on it is open.
func ruleC5(d *ledger.ScanData, c Config) []ledger.Finding {
	x := finder{d}
	byPayment := lists(d)
	objections := openObjections(d)
	var out []ledger.Finding
	for i := range d.Payments {
		p := x.at(int32(i))
		if !needsList(d, p) {
			continue
		}
		for _, n := range byPayment[p.ID] {
			var why string
			switch {
			case p.PaidOn.String() < n.EndsOn:
				why = fmt.Sprintf("发放日期 %s 早于补助对象公示《%s》（%s）的公示截止日 %s", p.PaidOn, n.Title, n.Number, n.EndsOn)
			case len(objections[n.Code]) > 0:
				why = fmt.Sprintf("补助对象公示《%s》（%s）有 %d 件异议尚未办结，款项已生效", n.Title, n.Number, len(objections[n.Code]))
			default:
				continue
			}
			e := ev(p)
			e.Entries = append(e.Entries, n.PublishSeq)
			out = append(out, ledger.Finding{Rule: "C5", SubjectKey: fmt.Sprintf("payment:%d", p.ID), Severity: ledger.SeverityWarn,
				Village: x.village(p), Subject: x.subject(p), Reason: fmt.Sprintf("%s「%s」：%s", x.subject(p).Label, itemName(d, p.Item), why), Evidence: e})
			break
		}
	}
	return out
}

// ruleH2: an effective payment of an item needing a 补助对象公示 with no such
// list at all.
func ruleH2(d *ledger.ScanData, c Config) []ledger.Finding {
	x := finder{d}
	byPayment := lists(d)
	type key struct {
		village string
		item    ledger.Sym
		period  ledger.PackedPeriod
	}
	groups := map[key]*aggregate{}
	var keys []key
	for i := range d.Payments {
		p := x.at(int32(i))
		if !needsList(d, p) || len(byPayment[p.ID]) > 0 {
			continue
		}
		sp := &d.Payments[i]
		k := key{x.village(p), sp.Item, sp.Period}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
			groups[k] = &aggregate{}
		}
		groups[k].add(int32(i), p.Amount)
	}
	var out []ledger.Finding
	for _, k := range keys {
		g := groups[k]
		item, period := d.Str(k.item), k.period.Period().String()
		out = append(out, ledger.Finding{Rule: "H2", SubjectKey: fmt.Sprintf("%s|%s|%s", k.village, item, period), Severity: ledger.SeverityWarn,
			Village: k.village, Subject: ledger.FlagSubject{Kind: "item", Label: itemName(d, item)},
			Reason: fmt.Sprintf("「%s」%s 期间有 %d 笔款项已生效，但没有发布补助对象公示", itemName(d, item), period, g.n), Evidence: x.evi(g.idx)})
	}
	return out
}

// workingDaysAfter returns the date n working days (Monday to Friday; no
// holiday calendar is shipped) after d.
func workingDaysAfter(d ledger.Date, n int) ledger.Date {
	for n > 0 {
		d = d.AddDays(1)
		if wd := d.Time(time.UTC).Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return d
}

// ruleD2: no 资金分配结果公告 within 15 working days of a fund arriving.
func ruleD2(d *ledger.ScanData, c Config) []ledger.Finding {
	today := ledger.DateOf(d.Now, d.Location)
	var out []ledger.Finding
	for _, id := range sortedKeys(d.Funds) {
		f := d.Funds[id]
		if f.Reversed || f.ArrivedOn.IsZero() {
			continue
		}
		due := workingDaysAfter(f.ArrivedOn, c.AllocationNoticeDays)
		if !due.Before(today) {
			continue
		}
		if slices.ContainsFunc(d.Notices, func(n ledger.Notice) bool {
			return n.Type == ledger.NoticeAllocation && n.Fund == f.DocNo && n.PublishedOn != "" && n.PublishedOn <= due.String()
		}) {
			continue
		}
		out = append(out, ledger.Finding{Rule: "D2", SubjectKey: fmt.Sprintf("fund:%d", f.ID), Severity: ledger.SeverityWarn,
			Subject:  ledger.FlagSubject{Kind: "fund", ID: f.ID, Label: f.DocNo},
			Reason:   fmt.Sprintf("资金「%s」（%s）%s 到账，%d 个工作日内（%s 前）未发布资金分配结果公告", f.Name, f.DocNo, f.ArrivedOn, c.AllocationNoticeDays, due),
			Evidence: ledger.Evidence{Entries: []int64{f.Seq}, DocNos: []string{f.DocNo}}})
	}
	return out
}

// ruleD3: a notice withdrawn before its end date.
func ruleD3(d *ledger.ScanData, c Config) []ledger.Finding {
	var out []ledger.Finding
	for _, n := range d.Notices {
		if n.Status != ledger.NoticeWithdrawn || n.WithdrawnOn == "" || n.WithdrawnOn >= n.EndsOn {
			continue
		}
		out = append(out, ledger.Finding{Rule: "D3", SubjectKey: "notice:" + n.Code, Severity: ledger.SeverityWarn, Village: n.Village,
			Subject:  ledger.FlagSubject{Kind: "notice", ID: n.ID, Label: n.Number},
			Reason:   fmt.Sprintf("公告《%s》（%s）于 %s 撤回，早于公示截止日 %s；撤回理由：%s", n.Title, n.Number, n.WithdrawnOn, n.EndsOn, n.WithdrawReason),
			Evidence: ledger.Evidence{Entries: []int64{n.PublishSeq, n.LastSeq}}})
	}
	return out
}

// stateOn returns a project's state on a date from its history ("" before
// it was registered).
func stateOn(hist []ledger.StateChange, on string) string {
	state := ""
	for _, h := range hist {
		if h.On <= on {
			state = h.To
		}
	}
	return state
}

// ruleE2: a payment to a project that was not in a state allowing it on the
// payment date (DOMAIN.md §4).
func ruleE2(d *ledger.ScanData, c Config) []ledger.Finding {
	x := finder{d}
	var out []ledger.Finding
	days := map[ledger.PackedDate]string{} // each date formatted once
	for i := range d.Payments {
		sp := &d.Payments[i]
		hist, ok := d.ProjectStates[sp.Project]
		if sp.Project == 0 || !ok {
			continue
		}
		p := x.at(int32(i))
		if !active(p) {
			continue
		}
		on, ok := days[sp.PaidOn]
		if !ok {
			on = p.PaidOn.String()
			days[sp.PaidOn] = on
		}
		state := stateOn(hist, on)
		if slices.Contains(ledger.PayableStates(p.Kind), state) {
			continue
		}
		pr := d.Projects[p.Project]
		was := state
		if was == "" {
			was = "尚未入库"
		}
		e := ev(p)
		e.ProjectCodes = []string{pr.Code}
		out = append(out, ledger.Finding{Rule: "E2", SubjectKey: fmt.Sprintf("payment:%d", p.ID), Severity: ledger.SeverityHigh,
			Village: x.village(p), Subject: ledger.FlagSubject{Kind: "project", ID: pr.ID, Label: pr.Code},
			Reason:   fmt.Sprintf("%s 向项目「%s」（%s）支付 %s 元，当日项目状态为「%s」，不在可支付状态", p.PaidOn, pr.Name, pr.Code, p.Amount.Yuan(), was),
			Evidence: e})
	}
	return out
}

// ruleH3: a complaint open past 20 days.
func ruleH3(d *ledger.ScanData, c Config) []ledger.Finding {
	var out []ledger.Finding
	for _, cm := range d.Complaints {
		filed, err := time.Parse(time.RFC3339, cm.FiledAt)
		if err != nil || cm.Status == ledger.ComplaintResolved || d.Now.Sub(filed) < time.Duration(c.ComplaintDays)*24*time.Hour {
			continue
		}
		out = append(out, ledger.Finding{Rule: "H3", SubjectKey: "complaint:" + cm.Receipt, Severity: ledger.SeverityWarn,
			Subject:  ledger.FlagSubject{Kind: "complaint", ID: cm.ID, Label: "投诉 " + cm.Receipt},
			Reason:   fmt.Sprintf("群众投诉（回执号 %s）超过 %d 天未办结，已移交镇纪委", cm.Receipt, c.ComplaintDays),
			Evidence: ledger.Evidence{Entries: []int64{cm.ID}}})
	}
	return out
}

func sortedKeys[V any](m map[int64]V) []int64 {
	ks := make([]int64, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
