package anomaly

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// A2: the payment's period starts after the person's death month.
func ruleA2(d *ledger.ScanData, c Config) []ledger.Finding {
	x := finder{d}
	byPerson := map[int64][]int32{}
	for i := range d.Payments {
		p := x.at(int32(i))
		if !active(p) || p.Payee.Kind != ledger.PayeePerson {
			continue
		}
		per := d.Persons[p.Payee.ID]
		if per.DeceasedOn.IsZero() {
			continue
		}
		start := p.PaidOn
		if p.Period.Year != 0 {
			start = p.Period.Start()
		}
		if monthStart(start).After(monthStart(per.DeceasedOn)) {
			byPerson[per.ID] = append(byPerson[per.ID], int32(i))
		}
	}
	var out []ledger.Finding
	for id, idx := range byPerson {
		p0 := x.at(idx[0])
		out = append(out, ledger.Finding{Rule: "A2", SubjectKey: fmt.Sprintf("person:%d", id), Severity: ledger.SeverityHigh,
			Village: x.village(p0), Subject: x.subject(p0),
			Reason:   fmt.Sprintf("%s已于 %s 登记死亡，其后仍有 %d 笔补贴发放给本人", d.Labels[id], d.Persons[id].DeceasedOn, len(idx)),
			Evidence: x.evi(idx)})
	}
	return sorted(out)
}

func memberMark(d *ledger.ScanData, c Config, rule, what string, mark func(ledger.Person) bool, severity string, sameVillage bool) []ledger.Finding {
	x := finder{d}
	type payee struct {
		kind ledger.Sym
		id   int64
	}
	byPayee := map[payee][]int32{}
	for i := range d.Payments {
		p := x.at(int32(i))
		if !active(p) || p.Payee.Kind == ledger.PayeeOrg {
			continue
		}
		for _, id := range x.recipients(p) {
			if mark(d.Persons[id]) {
				k := payee{d.Payments[i].PayeeKind, p.Payee.ID}
				byPayee[k] = append(byPayee[k], int32(i))
				break
			}
		}
	}
	var out []ledger.Finding
	for _, idx := range byPayee {
		p0 := x.at(idx[0])
		out = append(out, ledger.Finding{Rule: rule, SubjectKey: payeeKey(p0), Severity: severity, Village: x.village(p0), Subject: x.subject(p0),
			Reason: fmt.Sprintf("%s（或其家庭成员）登记为%s，领取补贴 %d 笔，请核实是否符合条件", x.subject(p0).Label, what, len(idx)), Evidence: x.evi(idx)})
	}
	return sorted(out)
}

// A4: a public employee (or, for household items, a member) receives.
func ruleA4(d *ledger.ScanData, c Config) []ledger.Finding {
	return memberMark(d, c, "A4", "财政供养人员", func(p ledger.Person) bool { return p.PublicEmployee }, ledger.SeverityWarn, false)
}

// A5: a village cadre or cadre relative receives (disclose and review).
func ruleA5(d *ledger.ScanData, c Config) []ledger.Finding {
	return memberMark(d, c, "A5", "村干部或干部亲属", func(p ledger.Person) bool { return p.VillageCadre || p.CadreRelativeOf != 0 }, ledger.SeverityInfo, true)
}

// A7: the recipient joined the household shortly before its first payment of
// the item.
func ruleA7(d *ledger.ScanData, c Config) []ledger.Finding {
	x := finder{d}
	type key struct {
		item, kind ledger.Sym
		id         int64
	}
	first := map[key]int32{}
	for i := range d.Payments {
		p := x.at(int32(i))
		if !active(p) || p.Item == "" || p.Payee.Kind != ledger.PayeePerson {
			continue
		}
		sp := &d.Payments[i]
		k := key{sp.Item, sp.PayeeKind, sp.PayeeID}
		if f, ok := first[k]; !ok || sp.PaidOn < d.Payments[f].PaidOn {
			first[k] = int32(i)
		}
	}
	var out []ledger.Finding
	for _, i := range first {
		p := x.at(i)
		per := d.Persons[p.Payee.ID]
		if per.JoinedOn.IsZero() || per.JoinedOn.After(p.PaidOn) || ordinaryMove(d, per) {
			continue
		}
		if days := per.JoinedOn.DaysUntil(p.PaidOn); days <= c.SplitDays {
			out = append(out, ledger.Finding{Rule: "A7", SubjectKey: p.Item + "|" + payeeKey(p), Severity: ledger.SeverityWarn, Village: x.village(p), Subject: x.subject(p),
				Reason: fmt.Sprintf("%s于 %s 迁入本户（与户主关系：%s），%d 天后即首次领取「%s」，请核实是否为领取补贴突击迁入", d.Labels[per.ID], per.JoinedOn,
					cmp.Or(per.Relation, "未登记"), days, itemName(d, p.Item)),
				Evidence: ev(p)})
		}
	}
	return sorted(out)
}

// B1: the same item, recipient and period paid twice, none reversed.
func ruleB1(d *ledger.ScanData, c Config) []ledger.Finding {
	x := finder{d}
	var out []ledger.Finding
	x.groups(func(p *ledger.Payment) bool { return active(*p) && p.Item != "" && p.Period.Year != 0 },
		func(a, b *ledger.ScanPayment) int {
			return cmp.Or(cmp.Compare(a.Item, b.Item), cmpPayee(a, b), cmp.Compare(a.Period, b.Period))
		},
		func(idx []int32) {
			if len(idx) < 2 {
				return
			}
			p0 := x.at(idx[0])
			out = append(out, ledger.Finding{Rule: "B1", SubjectKey: p0.Item + "|" + payeeKey(p0) + "|" + p0.Period.String(), Severity: ledger.SeverityWarn,
				Village: x.village(p0), Subject: x.subject(p0),
				Reason:   fmt.Sprintf("%s在 %s 领取「%s」%d 次", x.subject(p0).Label, p0.Period, itemName(d, p0.Item), len(idx)),
				Evidence: x.evi(idx)})
		})
	return sorted(out)
}

func standardOf(it ledger.Item, p ledger.Payment) ledger.Fen {
	if it.PerQuantity {
		return it.Standard * ledger.Fen(max(p.Quantity, 1))
	}
	return it.Standard
}

// B3: over the standard (× quantity), or, where the item has at least
// OutlierMinPayments payments in the village and period, above
// Q3 + 1.5·IQR of them (quartiles as Excel's QUARTILE.INC).
func ruleB3(d *ledger.ScanData, c Config) []ledger.Finding {
	x := finder{d}
	var out []ledger.Finding
	flagged := map[int64]bool{}
	for i := range d.Payments {
		p := x.at(int32(i))
		it, ok := d.Items[p.Item]
		if !active(p) || !ok || it.Standard == 0 {
			continue
		}
		if std, level := levelStandard(d, it, p); p.Amount > std {
			flagged[p.ID] = true
			out = append(out, ledger.Finding{Rule: "B3", SubjectKey: "payment:" + strconv.FormatInt(p.ID, 10), Severity: ledger.SeverityWarn,
				Village: x.village(p), Subject: x.subject(p),
				Reason:   fmt.Sprintf("「%s」发放 %s 元，超过%s标准 %s 元", it.Name, p.Amount.Yuan(), level, std.Yuan()),
				Evidence: ev(p)})
		}
	}
	type key struct {
		item    ledger.Sym
		village string
		period  ledger.PackedPeriod
	}
	groups := map[key][]int32{}
	for i := range d.Payments {
		if p := x.at(int32(i)); active(p) && p.Item != "" && p.Period.Year != 0 {
			sp := &d.Payments[i]
			k := key{sp.Item, x.village(p), sp.Period}
			groups[k] = append(groups[k], int32(i))
		}
	}
	for _, idx := range groups {
		if len(idx) < c.OutlierMinPayments {
			continue
		}
		amounts := make([]float64, len(idx))
		for k, i := range idx {
			amounts[k] = float64(d.Payments[i].Amount)
		}
		sort.Float64s(amounts)
		q1, q3 := quartileInc(amounts, 1), quartileInc(amounts, 3)
		fence := q3 + 1.5*(q3-q1)
		for _, i := range idx {
			sp := &d.Payments[i]
			if float64(sp.Amount) > fence && !flagged[sp.ID] {
				p := x.at(i)
				flagged[p.ID] = true
				out = append(out, ledger.Finding{Rule: "B3", SubjectKey: "payment:" + strconv.FormatInt(p.ID, 10), Severity: ledger.SeverityWarn,
					Village: x.village(p), Subject: x.subject(p),
					Reason: fmt.Sprintf("「%s」本村 %s 共 %d 笔，这笔 %s 元明显高于其他各笔（上限 %s 元）", itemName(d, p.Item), p.Period, len(idx),
						p.Amount.Yuan(), ledger.Fen(fence).Yuan()),
					Evidence: ev(p)})
			}
		}
	}
	return sorted(out)
}

// quartileInc is Excel's QUARTILE.INC of sorted values (q = 1 or 3).
func quartileInc(sorted []float64, q int) float64 {
	pos := float64(q) / 4 * float64(len(sorted)-1)
	lo := int(pos)
	if lo+1 >= len(sorted) {
		return sorted[lo]
	}
	return sorted[lo] + (pos-float64(lo))*(sorted[lo+1]-sorted[lo])
}

// B5: the year's total per recipient per item over the cap.
func ruleB5(d *ledger.ScanData, c Config) []ledger.Finding {
	x := finder{d}
	var out []ledger.Finding
	x.groups(func(p *ledger.Payment) bool {
		it, ok := d.Items[p.Item]
		return active(*p) && ok && it.YearlyCap != 0
	}, func(a, b *ledger.ScanPayment) int {
		return cmp.Or(cmp.Compare(a.Item, b.Item), cmpPayee(a, b), cmp.Compare(a.PaidOn.Year(), b.PaidOn.Year()))
	}, func(idx []int32) {
		var sum ledger.Fen
		for _, i := range idx {
			sum += d.Payments[i].Amount
		}
		p0 := x.at(idx[0])
		it := d.Items[p0.Item]
		if sum > it.YearlyCap {
			out = append(out, ledger.Finding{Rule: "B5", SubjectKey: p0.Item + "|" + payeeKey(p0) + "|" + strconv.Itoa(p0.PaidOn.Year), Severity: ledger.SeverityWarn,
				Village: x.village(p0), Subject: x.subject(p0),
				Reason:   fmt.Sprintf("%s %d 年领取「%s」合计 %s 元，超过年度上限 %s 元", x.subject(p0).Label, p0.PaidOn.Year, it.Name, sum.Yuan(), it.YearlyCap.Yuan()),
				Evidence: x.evi(idx)})
		}
	})
	return sorted(out)
}

// C2: one account, one period, recipients from more than one household.
func ruleC2(d *ledger.ScanData, c Config) []ledger.Finding {
	x := finder{d}
	// the period, or the month paid for payments without one
	period := func(p *ledger.ScanPayment) ledger.PackedPeriod {
		if p.Period != 0 {
			return p.Period
		}
		return ledger.PackPeriod(ledger.PeriodOfDate(p.PaidOn.Date(), "month"))
	}
	var out []ledger.Finding
	x.groups(func(p *ledger.Payment) bool {
		return active(*p) && p.AccountIndex != "" && p.Payee.Kind != ledger.PayeeOrg
	},
		func(a, b *ledger.ScanPayment) int {
			return cmp.Or(strings.Compare(d.Str(a.AccountIndex)[:16], d.Str(b.AccountIndex)[:16]), cmp.Compare(period(a), period(b)))
		},
		func(idx []int32) {
			first := d.Payments[idx[0]].Household
			if !slices.ContainsFunc(idx, func(i int32) bool { return d.Payments[i].Household != first }) {
				return
			}
			hh := map[int64]bool{}
			for _, i := range idx {
				hh[d.Payments[i].Household] = true
			}
			p0 := x.at(idx[0])
			k := p0.AccountIndex[:16] + "|" + period(&d.Payments[idx[0]]).Period().String()
			label, acct := "同一收款账户", accountOf(d, p0.AccountIndex)
			e := x.evi(idx)
			if acct != "" {
				label, e.Accounts = "账户 "+acct, []string{acct}
			}
			out = append(out, ledger.Finding{Rule: "C2", SubjectKey: k, Severity: ledger.SeverityWarn, Village: x.village(p0),
				Subject:  ledger.FlagSubject{Kind: "account", Label: label},
				Reason:   fmt.Sprintf("%s在 %s 收到 %d 个家庭的 %d 笔款项", label, k[17:], len(hh), len(idx)),
				Evidence: e})
		})
	return sorted(out)
}

// C4: over 3× the standard, or over 10,000 yuan to a person or household
// with no item.
func ruleC4(d *ledger.ScanData, c Config) []ledger.Finding {
	x := finder{d}
	var out []ledger.Finding
	for i := range d.Payments {
		p := x.at(int32(i))
		if !active(p) || p.Payee.Kind == ledger.PayeeOrg {
			continue
		}
		var reason string
		if it, ok := d.Items[p.Item]; ok && it.Standard > 0 {
			if std := standardOf(it, p); p.Amount > std*ledger.Fen(c.LargeFactor) {
				reason = fmt.Sprintf("单笔 %s 元，超过「%s」标准 %s 元的 %d 倍", p.Amount.Yuan(), it.Name, std.Yuan(), c.LargeFactor)
			}
		} else if p.Item == "" && p.Amount > c.LargeNoItem {
			reason = fmt.Sprintf("无补贴项目向个人或家庭单笔支付 %s 元", p.Amount.Yuan())
		}
		if reason != "" {
			out = append(out, ledger.Finding{Rule: "C4", SubjectKey: "payment:" + strconv.FormatInt(p.ID, 10), Severity: ledger.SeverityWarn,
				Village: x.village(p), Subject: x.subject(p), Reason: reason, Evidence: ev(p)})
		}
	}
	return sorted(out)
}

// D1: a fund arrived long ago with money unspent.
func ruleD1(d *ledger.ScanData, c Config) []ledger.Finding {
	today := ledger.DateOf(d.Now, d.Location)
	var out []ledger.Finding
	policy := ledger.IdlePolicy{WarnMonths: c.IdleWarnMonths, WarnPaidPercent: c.IdleWarnPaidPercent, HighMonths: c.IdleHighMonths,
		HighUnspentPercent: c.IdleHighUnspentPercent}
	for id, f := range d.FundLines {
		level, months := policy.IdleLevel(f, today)
		if level == ledger.IdleNone {
			continue
		}
		paid := f.Amount - f.Unspent
		sev, reason := ledger.SeverityWarn, fmt.Sprintf("资金「%s」于 %s 到账已 %d 个月，拨付到项目 %s 元（%s）、支出 %s 元（%s），均不足 %d%%，资金未及时拨付使用",
			f.DocNo, f.ArrivedOn, months, f.Allocated.Yuan(), percent(f.Allocated, f.Amount), paid.Yuan(), percent(paid, f.Amount), c.IdleWarnPaidPercent)
		if level == ledger.IdleOverYear {
			sev = ledger.SeverityHigh
			reason = fmt.Sprintf("资金「%s」于 %s 到账已 %d 个月，仍有 %s 元（%s）未支出，结余超过 %d%%，存在资金闲置",
				f.DocNo, f.ArrivedOn, months, f.Unspent.Yuan(), percent(f.Unspent, f.Amount), c.IdleHighUnspentPercent)
			if months >= 24 {
				reason += "，已超过两年"
			}
		}
		out = append(out, ledger.Finding{Rule: "D1", SubjectKey: fmt.Sprintf("fund:%d", id), Severity: sev,
			Subject:  ledger.FlagSubject{Kind: "fund", ID: id, Label: cmp.Or(f.Name, f.DocNo)},
			Reason:   reason,
			Evidence: ledger.Evidence{Entries: []int64{f.Seq}, DocNos: []string{f.DocNo}}})
	}
	return sorted(out)
}

// E7: a fund's purpose differs from the project's category (unless its
// 资金性质 may cross purposes there: ledger.CrossPurpose).
func ruleE7(d *ledger.ScanData, c Config) []ledger.Finding {
	x := finder{d}
	groups := map[[2]int64]*aggregate{}
	for i := range d.Payments {
		p := x.at(int32(i))
		if !active(p) {
			continue
		}
		f, pr := d.Funds[p.Fund], d.Projects[p.Project]
		if f.Purpose == "" || pr.Category == "" || f.Purpose == pr.Category || ledger.CrossPurpose(f.Nature, pr.Category) {
			continue
		}
		k := [2]int64{p.Fund, p.Project}
		if groups[k] == nil {
			groups[k] = &aggregate{}
		}
		groups[k].add(int32(i), p.Amount)
	}
	var out []ledger.Finding
	for k, g := range groups {
		f, pr := d.Funds[k[0]], d.Projects[k[1]]
		e := x.evi(g.idx)
		e.DocNos, e.ProjectCodes = []string{f.DocNo}, []string{pr.Code}
		out = append(out, ledger.Finding{Rule: "E7", SubjectKey: fmt.Sprintf("fund:%d|project:%d", k[0], k[1]), Severity: ledger.SeverityWarn,
			Village: pr.Village, Subject: ledger.FlagSubject{Kind: "project", ID: pr.ID, Label: pr.Name},
			Reason:   fmt.Sprintf("用途为「%s」的资金「%s」用于「%s」类项目「%s」", f.Purpose, f.DocNo, pr.Category, pr.Name),
			Evidence: e})
	}
	return sorted(out)
}

// F1: payments to one supplier on one project within 90 days, each below
// the tender threshold, together above it.
func ruleF1(d *ledger.ScanData, c Config) []ledger.Finding {
	x := finder{d}
	groups := map[[2]int64][]int32{}
	for i := range d.Payments {
		if p := x.at(int32(i)); active(p) && p.Payee.Kind == ledger.PayeeOrg && p.Amount < c.TenderThreshold {
			groups[[2]int64{p.Project, p.Payee.ID}] = append(groups[[2]int64{p.Project, p.Payee.ID}], int32(i))
		}
	}
	var out []ledger.Finding
	for k, idx := range groups {
		slices.SortFunc(idx, func(a, b int32) int {
			pa, pb := &d.Payments[a], &d.Payments[b]
			return cmp.Or(cmp.Compare(pa.PaidOn, pb.PaidOn), cmp.Compare(pa.ID, pb.ID))
		})
		ps := x.views(idx)
		for i := 0; i < len(ps); i++ {
			var sum ledger.Fen
			j := i
			for ; j < len(ps) && ps[i].PaidOn.DaysUntil(ps[j].PaidOn) <= c.TenderWindowDays; j++ {
				sum += ps[j].Amount
			}
			if j-i >= 2 && sum > c.TenderThreshold {
				pr := d.Projects[k[0]]
				e := ev(ps[i:j]...)
				e.ProjectCodes = []string{pr.Code}
				out = append(out, ledger.Finding{Rule: "F1", SubjectKey: fmt.Sprintf("project:%d|org:%d|%s", k[0], k[1], ps[i].PaidOn),
					Severity: ledger.SeverityWarn, Village: pr.Village, Subject: ledger.FlagSubject{Kind: "org", ID: k[1], Label: orgLabel(d, k[1])},
					Reason: fmt.Sprintf("项目「%s」%d 天内向「%s」支付 %d 笔，每笔低于本镇规定的比选/招标限额 %s 元，合计 %s 元，请核实是否化整为零规避比选或招标",
						pr.Name, c.TenderWindowDays, orgLabel(d, k[1]), j-i, c.TenderThreshold.Yuan(), sum.Yuan()),
					Evidence: e})
				i = j - 1
			}
		}
	}
	return sorted(out)
}

// F2: paid before the project's approval date.
func ruleF2(d *ledger.ScanData, c Config) []ledger.Finding {
	x := finder{d}
	var out []ledger.Finding
	for i := range d.Payments {
		p := x.at(int32(i))
		pr := d.Projects[p.Project]
		if !active(p) || pr.ApprovedOn.IsZero() || !p.PaidOn.Before(pr.ApprovedOn) {
			continue
		}
		e := ev(p)
		e.ProjectCodes = []string{pr.Code}
		out = append(out, ledger.Finding{Rule: "F2", SubjectKey: "payment:" + strconv.FormatInt(p.ID, 10), Severity: ledger.SeverityWarn,
			Village: pr.Village, Subject: x.subject(p),
			Reason:   fmt.Sprintf("支付日期 %s 早于项目「%s」的批复日期 %s", p.PaidOn, pr.Name, pr.ApprovedOn),
			Evidence: e})
	}
	return sorted(out)
}

// F9: one invoice number on two payments.
func ruleF9(d *ledger.ScanData, c Config) []ledger.Finding {
	x := finder{d}
	var out []ledger.Finding
	x.groups(func(p *ledger.Payment) bool { return active(*p) && p.InvoiceNo != "" },
		func(a, b *ledger.ScanPayment) int { return strings.Compare(d.Str(a.InvoiceNo), d.Str(b.InvoiceNo)) },
		func(idx []int32) {
			if len(idx) < 2 {
				return
			}
			p0 := x.at(idx[0])
			inv := strings.Clone(p0.InvoiceNo)
			e := x.evi(idx)
			e.Invoices = []string{inv}
			out = append(out, ledger.Finding{Rule: "F9", SubjectKey: "invoice:" + inv, Severity: ledger.SeverityHigh, Village: x.village(p0),
				Subject: x.subject(p0), Reason: fmt.Sprintf("发票号 %s 用于 %d 笔支付", inv, len(idx)), Evidence: e})
		})
	return sorted(out)
}

func loanEv(l ledger.Loan) ledger.Evidence {
	return ledger.Evidence{Entries: []int64{l.Seq}, Loans: []string{l.ContractNo}}
}

func (x finder) loanFinding(rule, severity string, l ledger.Loan, reason string) ledger.Finding {
	h := x.d.Households[l.Household]
	return ledger.Finding{Rule: rule, SubjectKey: "loan:" + l.ContractNo, Severity: severity, Village: h.Village,
		Subject: ledger.FlagSubject{Kind: "loan", ID: l.Seq, Label: l.ContractNo}, Reason: reason, Evidence: loanEv(l)}
}

// G2: a loan beyond the limits.
func ruleG2(d *ledger.ScanData, c Config) []ledger.Finding {
	x := finder{d}
	var out []ledger.Finding
	for _, l := range d.Loans {
		if l.Status == ledger.LoanReversed || l.Amount <= c.LoanMax && l.TermMonths <= c.LoanMaxMonths {
			continue
		}
		out = append(out, x.loanFinding("G2", ledger.SeverityWarn, l, fmt.Sprintf("贷款 %s 元、期限 %d 个月，超过 5 万元或 36 个月的限额", l.Amount.Yuan(), l.TermMonths)))
	}
	return sorted(out)
}

// G3: the borrower's age at grant outside 18–65.
func ruleG3(d *ledger.ScanData, c Config) []ledger.Finding {
	x := finder{d}
	var out []ledger.Finding
	for _, l := range d.Loans {
		b, ok := d.Births[l.Borrower]
		if l.Status == ledger.LoanReversed || !ok {
			continue
		}
		g := l.GrantedOn
		age := g.Year - b.Year()
		if int(g.Month) < int(b.Month()) || int(g.Month) == int(b.Month()) && g.Day < b.Day() {
			age--
		}
		if age < c.BorrowerMinAge || age > c.BorrowerMaxAge {
			out = append(out, x.loanFinding("G3", ledger.SeverityWarn, l, fmt.Sprintf("放贷时借款人 %d 周岁，不在 18 至 65 周岁之间", age)))
		}
	}
	return sorted(out)
}

// G4: the borrower is a public employee or a village cadre.
func ruleG4(d *ledger.ScanData, c Config) []ledger.Finding {
	x := finder{d}
	var out []ledger.Finding
	for _, l := range d.Loans {
		p := d.Persons[l.Borrower]
		if l.Status != ledger.LoanReversed && (p.PublicEmployee || p.VillageCadre) {
			out = append(out, x.loanFinding("G4", ledger.SeverityWarn, l, "借款人为财政供养人员或村干部，存在冒名借款风险"))
		}
	}
	return sorted(out)
}

// G5: more than one active loan in a household.
func ruleG5(d *ledger.ScanData, c Config) []ledger.Finding {
	byHH := map[int64][]ledger.Loan{}
	for _, l := range d.Loans {
		if l.Status == ledger.LoanActive {
			byHH[l.Household] = append(byHH[l.Household], l)
		}
	}
	var out []ledger.Finding
	for hh, ls := range byHH {
		if len(ls) < 2 {
			continue
		}
		e := ledger.Evidence{}
		for _, l := range ls {
			e.Entries = append(e.Entries, l.Seq)
			e.Loans = append(e.Loans, l.ContractNo)
		}
		h := d.Households[hh]
		out = append(out, ledger.Finding{Rule: "G5", SubjectKey: fmt.Sprintf("household:%d", hh), Severity: ledger.SeverityWarn, Village: h.Village,
			Subject:  ledger.FlagSubject{Kind: "household", ID: hh, Label: d.Labels[h.Head] + "户"},
			Reason:   fmt.Sprintf("该户同时有 %d 笔未结清的小额信贷", len(ls)),
			Evidence: e})
	}
	return sorted(out)
}

// G7: a loan due within 30 days (info), overdue (warn), overdue more than
// 90 days (high).
func ruleG7(d *ledger.ScanData, c Config) []ledger.Finding {
	x := finder{d}
	today := ledger.DateOf(d.Now, d.Location)
	var out []ledger.Finding
	for _, l := range d.Loans {
		if l.Status != ledger.LoanActive || l.DueOn.IsZero() {
			continue
		}
		days := today.DaysUntil(l.DueOn)
		switch {
		case days < -c.LoanOverdueHighDays:
			out = append(out, x.loanFinding("G7", ledger.SeverityHigh, l, fmt.Sprintf("贷款已逾期 %d 天（到期日 %s），未还 %s 元", -days, l.DueOn, (l.Amount-l.Repaid).Yuan())))
		case days < 0:
			out = append(out, x.loanFinding("G7", ledger.SeverityWarn, l, fmt.Sprintf("贷款已逾期 %d 天（到期日 %s），未还 %s 元", -days, l.DueOn, (l.Amount-l.Repaid).Yuan())))
		case days <= c.LoanDueSoonDays:
			out = append(out, x.loanFinding("G7", ledger.SeverityInfo, l, fmt.Sprintf("贷款将于 %d 天后（%s）到期，未还 %s 元", days, l.DueOn, (l.Amount-l.Repaid).Yuan())))
		}
	}
	return sorted(out)
}

func sorted(fs []ledger.Finding) []ledger.Finding {
	sort.Slice(fs, func(i, j int) bool { return fs[i].SubjectKey < fs[j].SubjectKey })
	return fs
}

// A3: the recipient's household 户属性/监测类型 is not in the item's
// eligible list (as the household stands now).
func ruleA3(d *ledger.ScanData, c Config) []ledger.Finding {
	x := finder{d}
	var out []ledger.Finding
	x.groups(func(p *ledger.Payment) bool {
		it, ok := d.Items[p.Item]
		if !active(*p) || !ok || len(it.Eligible) == 0 || p.Household == 0 {
			return false
		}
		h := d.Households[p.Household]
		return !containsStr(it.Eligible, h.Kind) && !(h.MonitoringKind != "" && containsStr(it.Eligible, h.MonitoringKind))
	}, func(a, b *ledger.ScanPayment) int {
		return cmp.Or(cmp.Compare(a.Item, b.Item), cmpPayee(a, b))
	}, func(idx []int32) {
		p0 := x.at(idx[0])
		h := d.Households[p0.Household]
		out = append(out, ledger.Finding{Rule: "A3", SubjectKey: p0.Item + "|" + payeeKey(p0), Severity: ledger.SeverityWarn, Village: h.Village, Subject: x.subject(p0),
			Reason: fmt.Sprintf("%s的户属性为「%s」，不在「%s」的补助对象（%s）之内", x.subject(p0).Label, h.Kind, itemName(d, p0.Item),
				join(d.Items[p0.Item].Eligible)),
			Evidence: x.evi(idx)})
	})
	return sorted(out)
}

func containsStr(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// B2: a household item paid, in one period, to the accounts of more than
// one member of the household.
func ruleB2(d *ledger.ScanData, c Config) []ledger.Finding {
	x := finder{d}
	var out []ledger.Finding
	x.groups(func(p *ledger.Payment) bool {
		it, ok := d.Items[p.Item]
		return active(*p) && ok && it.Unit == "household" && p.Period.Year != 0 && p.Household != 0
	}, func(a, b *ledger.ScanPayment) int {
		return cmp.Or(cmp.Compare(a.Item, b.Item), cmp.Compare(a.Household, b.Household), cmp.Compare(a.Period, b.Period))
	}, func(idx []int32) {
		// recipients, not account holders: two members paid into one
		// account are two recipients, one member paid through two
		// accounts one (B1's)
		recipients := map[int64]bool{}
		for _, i := range idx {
			recipients[recipientOf(d, &d.Payments[i])] = true
		}
		if len(recipients) < 2 {
			return
		}
		p0 := x.at(idx[0])
		h := d.Households[p0.Household]
		accounts := map[string]bool{}
		var tails []string
		for _, i := range idx {
			a := d.Str(d.Payments[i].AccountIndex)
			accounts[a] = true
			if t := accountOf(d, a); t != "" && !slices.Contains(tails, t) {
				tails = append(tails, t)
			}
		}
		how := "打入不同账户"
		if len(accounts) == 1 {
			how = "打入同一账户"
		}
		if len(tails) > 0 {
			how += " " + join(tails)
		}
		e := x.evi(idx)
		e.Accounts = tails
		out = append(out, ledger.Finding{Rule: "B2", SubjectKey: fmt.Sprintf("%s|household:%d|%s", p0.Item, p0.Household, p0.Period), Severity: ledger.SeverityWarn,
			Village: x.village(p0), Subject: ledger.FlagSubject{Kind: ledger.PayeeHousehold, ID: p0.Household, Label: d.Labels[h.Head] + "户"},
			Reason: fmt.Sprintf("按户发放的「%s」在 %s 向该户 %d 名成员各发了一份（共 %d 笔，%s），一户只应领一份", itemName(d, p0.Item), p0.Period,
				len(recipients), len(idx), how),
			Evidence: e})
	})
	return sorted(out)
}

// C1: the account holder is neither the recipient nor in the recipient's
// household.
func ruleC1(d *ledger.ScanData, c Config) []ledger.Finding {
	x := finder{d}
	var out []ledger.Finding
	x.groups(func(p *ledger.Payment) bool {
		if !active(*p) || p.AccountHolder == 0 || p.Payee.Kind == ledger.PayeeOrg {
			return false
		}
		holder := d.Persons[p.AccountHolder]
		return !(holder.ID == 0 || holder.Household == p.Household || p.Payee.Kind == ledger.PayeePerson && p.AccountHolder == p.Payee.ID)
	}, func(a, b *ledger.ScanPayment) int {
		return cmp.Or(cmpPayee(a, b), cmp.Compare(a.AccountHolder, b.AccountHolder))
	}, func(idx []int32) {
		p0 := x.at(idx[0])
		out = append(out, ledger.Finding{Rule: "C1", SubjectKey: fmt.Sprintf("%s|holder:%d", payeeKey(p0), p0.AccountHolder), Severity: ledger.SeverityHigh,
			Village: x.village(p0), Subject: x.subject(p0),
			Reason: fmt.Sprintf("发给%s的 %d 笔款项打入了非本户人员%s的账户，请核实是否代领、截留", x.subject(p0).Label, len(idx),
				d.Labels[p0.AccountHolder]),
			Evidence: x.evi(idx)})
	})
	return sorted(out)
}

// E3: payments exceed a project's holding of a fund.
func ruleE3(d *ledger.ScanData, c Config) []ledger.Finding {
	x := finder{d}
	type key struct{ project, fund int64 }
	paid := map[key]*aggregate{}
	for i := range d.Payments {
		if p := x.at(int32(i)); active(p) {
			k := key{p.Project, p.Fund}
			if paid[k] == nil {
				paid[k] = &aggregate{}
			}
			paid[k].add(int32(i), p.Amount)
		}
	}
	var out []ledger.Finding
	for k, g := range paid {
		alloc := d.Allocated[[2]int64{k.project, k.fund}]
		if g.sum <= alloc {
			continue
		}
		pr, f := d.Projects[k.project], d.Funds[k.fund]
		e := x.evi(g.idx)
		e.DocNos, e.ProjectCodes = []string{f.DocNo}, []string{pr.Code}
		out = append(out, ledger.Finding{Rule: "E3", SubjectKey: fmt.Sprintf("project:%d|fund:%d", k.project, k.fund), Severity: ledger.SeverityHigh,
			Village: pr.Village, Subject: ledger.FlagSubject{Kind: "project", ID: pr.ID, Label: pr.Name},
			Reason:   fmt.Sprintf("项目「%s」从资金「%s」支付 %s 元，超过拨付的 %s 元", pr.Name, f.DocNo, g.sum.Yuan(), alloc.Yuan()),
			Evidence: e})
	}
	return sorted(out)
}

// E6: money of a 产业 project or fund paid to a household or person under
// no 产业 item (造血 money handed out as cash).
func ruleE6(d *ledger.ScanData, c Config) []ledger.Finding {
	x := finder{d}
	var out []ledger.Finding
	x.groups(func(p *ledger.Payment) bool {
		if !active(*p) || p.Payee.Kind == ledger.PayeeOrg {
			return false
		}
		if d.Projects[p.Project].Category != "产业" && d.Funds[p.Fund].Purpose != "产业" {
			return false
		}
		it, ok := d.Items[p.Item]
		return !(ok && it.Category == "产业")
	}, func(a, b *ledger.ScanPayment) int {
		return cmp.Or(cmp.Compare(a.Project, b.Project), cmpPayee(a, b))
	}, func(idx []int32) {
		p0 := x.at(idx[0])
		pr := d.Projects[p0.Project]
		e := x.evi(idx)
		e.ProjectCodes = []string{pr.Code}
		out = append(out, ledger.Finding{Rule: "E6", SubjectKey: fmt.Sprintf("project:%d|%s", p0.Project, payeeKey(p0)), Severity: ledger.SeverityWarn,
			Village: x.village(p0), Subject: x.subject(p0),
			Reason:   fmt.Sprintf("产业资金（项目「%s」）以非产业补贴形式直接发给%s %d 笔", pr.Name, x.subject(p0).Label, len(idx)),
			Evidence: e})
	})
	return sorted(out)
}

// G1: a loan to a household that is not 脱贫户, 监测对象 or 建档立卡贫困户.
func ruleG1(d *ledger.ScanData, c Config) []ledger.Finding {
	x := finder{d}
	var out []ledger.Finding
	for _, l := range d.Loans {
		h := d.Households[l.Household]
		if l.Status == ledger.LoanReversed || h.Kind != ledger.KindOrdinary {
			continue
		}
		out = append(out, x.loanFinding("G1", ledger.SeverityWarn, l, fmt.Sprintf("借款户户属性为「%s」，不属于小额信贷支持对象", h.Kind)))
	}
	return sorted(out)
}

// G8: the borrower was dead at grant, or borrows in two villages.
func ruleG8(d *ledger.ScanData, c Config) []ledger.Finding {
	x := finder{d}
	villages := map[int64]map[string]bool{}
	for _, l := range d.Loans {
		if l.Status == ledger.LoanReversed {
			continue
		}
		if villages[l.Borrower] == nil {
			villages[l.Borrower] = map[string]bool{}
		}
		villages[l.Borrower][d.Households[l.Household].Village] = true
	}
	var out []ledger.Finding
	for _, l := range d.Loans {
		if l.Status == ledger.LoanReversed {
			continue
		}
		p := d.Persons[l.Borrower]
		switch {
		case !p.DeceasedOn.IsZero() && !l.GrantedOn.Before(p.DeceasedOn):
			out = append(out, x.loanFinding("G8", ledger.SeverityHigh, l, fmt.Sprintf("借款人已于 %s 登记死亡，放贷日期为 %s", p.DeceasedOn, l.GrantedOn)))
		case len(villages[l.Borrower]) > 1:
			out = append(out, x.loanFinding("G8", ledger.SeverityHigh, l, "同一借款人在两个村都有贷款"))
		}
	}
	return sorted(out)
}

// H5: a payment recorded more than 30 days after its business date (补录);
// an import with such rows gets one flag for the batch.
func ruleH5(d *ledger.ScanData, c Config) []ledger.Finding {
	x := finder{d}
	perBatch := map[int64]*aggregate{}
	var out []ledger.Finding
	for i := range d.Payments {
		if sp := &d.Payments[i]; sp.RecordedAt == 0 || sp.PaidOn == 0 {
			continue
		}
		p := x.at(int32(i))
		days := p.PaidOn.DaysUntil(ledger.DateOf(p.RecordedAt, d.Location))
		if days <= c.BackdatedDays {
			continue
		}
		if b := batchOf(d, p.Seq); b != nil {
			if perBatch[b.Seq] == nil {
				perBatch[b.Seq] = &aggregate{}
			}
			perBatch[b.Seq].add(int32(i), p.Amount)
			continue
		}
		out = append(out, ledger.Finding{Rule: "H5", SubjectKey: "payment:" + strconv.FormatInt(p.ID, 10), Severity: ledger.SeverityInfo,
			Village: x.village(p), Subject: x.subject(p),
			Reason:   fmt.Sprintf("支付日期为 %s 的款项在 %d 天后才录入（补录）", p.PaidOn, days),
			Evidence: ev(p)})
	}
	for seq, g := range perBatch {
		b := batchOf(d, d.Payments[g.idx[0]].Seq)
		e := x.evi(g.idx)
		e.Batches = []int64{seq}
		out = append(out, ledger.Finding{Rule: "H5", SubjectKey: fmt.Sprintf("batch:%d", seq), Severity: ledger.SeverityInfo,
			Subject:  ledger.FlagSubject{Kind: "import_batch", ID: seq, Label: b.Filename},
			Reason:   fmt.Sprintf("导入批次「%s」中有 %d 笔支付在支付日期 %d 天以后才录入（补录）", b.Filename, g.n, c.BackdatedDays),
			Evidence: e})
	}
	return sorted(out)
}

func batchOf(d *ledger.ScanData, seq int64) *ledger.ImportBatch {
	for i := range d.Batches {
		if b := &d.Batches[i]; b.FirstSeq <= seq && seq <= b.LastSeq {
			return b
		}
	}
	return nil
}
