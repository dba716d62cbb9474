package anomaly

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// The patterns issue 17 found missing, each with its reason in a monitor's
// words and the evidence it cites (vouchers, 贷款合同号, accounts as
// ****1234). B2, which counted account holders instead of recipients, is
// in rules.go.

func patternRules() []Rule {
	return []Rule{
		{"A8", "一人多岗", "同一人同一月领取两个以上公益岗位的工资", "收款人 + 年度", ruleA8},
		{"A9", "年龄不符合岗位或补贴要求", "领取时收款人年龄不在该补贴设定的年龄范围内（如公益岗位 16 至 65 周岁）", "补贴项目 + 收款人", ruleA9},
		{"B6", "限领一次的补贴重复领取", "按设定每户限一次（危房改造、易地搬迁）、每人限一次或每人每学期一次（雨露计划）的补贴再次发放", "补贴项目 + 户或人（+ 学期）", ruleB6},
		{"C6", "村干部账户代收多户补贴（代管一卡通）", "同一名村干部名下的账户收到其他 3 户以上村民的补贴", "账户户名（村干部）", ruleC6},
		{"F3", "施工或供货单位与干部有关联", "收款单位的法定代表人或股东是村干部或干部亲属", "单位", ruleF3},
		{"G9", "贴息异常", "贴息对应的贷款不存在或不属于该户，或一笔贷款的贴息合计超过按合同金额、利率和期限计算的利息", "支付，或贷款", ruleG9},
		{"H6", "支付日期在未来", "支付日期晚于今天（导入的记录照实写入，由此提示核实）", "支付", ruleH6},
		{"H7", "所属期间与支付日期相差过远", "支付日期在所属期间结束 12 个月以后，或在所属期间开始 3 个月以前", "支付", ruleH7},
	}
}

// ageOn is the whole years from birth to d.
func ageOn(birth time.Time, d ledger.Date) int {
	age := d.Year - birth.Year()
	if int(d.Month) < int(birth.Month()) || int(d.Month) == int(birth.Month()) && d.Day < birth.Day() {
		age--
	}
	return age
}

// monthOf is the month a payment is for: its period's month, else the
// month it was paid.
func monthOf(p ledger.Payment) ledger.Period {
	if p.Period.Month != 0 {
		return p.Period
	}
	return ledger.PeriodOfDate(p.PaidOn, "month")
}

// accountOf is an account as oversight sees it (****1234), "" when unknown.
func accountOf(d *ledger.ScanData, index string) string {
	if t := d.AccountTails[index]; t != "" {
		return "****" + t
	}
	return ""
}

// A8: one person paid the wages of two or more public-welfare posts
// (items marked Post) for the same month (一人多岗). One flag a person a
// year, naming the months.
func ruleA8(d *ledger.ScanData, c Config) []ledger.Finding {
	x := finder{d}
	type key struct {
		person int64
		year   int
	}
	type month struct {
		items map[string]bool
		idx   []int32
	}
	byKey := map[key]map[ledger.Period]*month{}
	for i := range d.Payments {
		p := x.at(int32(i))
		it, ok := d.Items[p.Item]
		if !active(p) || !ok || !it.Post || p.Payee.Kind != ledger.PayeePerson {
			continue
		}
		m := monthOf(p)
		k := key{p.Payee.ID, m.Year}
		if byKey[k] == nil {
			byKey[k] = map[ledger.Period]*month{}
		}
		if byKey[k][m] == nil {
			byKey[k][m] = &month{items: map[string]bool{}}
		}
		byKey[k][m].items[p.Item] = true
		byKey[k][m].idx = append(byKey[k][m].idx, int32(i))
	}
	var out []ledger.Finding
	for k, months := range byKey {
		var ms []ledger.Period
		var idx []int32
		items := map[string]bool{}
		for m, v := range months {
			if len(v.items) < 2 {
				continue
			}
			ms = append(ms, m)
			idx = append(idx, v.idx...)
			for it := range v.items {
				items[it] = true
			}
		}
		if len(ms) == 0 {
			continue
		}
		slices.SortFunc(ms, func(a, b ledger.Period) int { return cmp.Compare(a.Month, b.Month) })
		slices.Sort(idx)
		var names, mnames []string
		for _, it := range slices.Sorted(mapKeys(items)) {
			names = append(names, "「"+itemName(d, it)+"」")
		}
		for _, m := range ms {
			mnames = append(mnames, strconv.Itoa(m.Month))
		}
		p0 := x.at(idx[0])
		out = append(out, ledger.Finding{Rule: "A8", SubjectKey: fmt.Sprintf("person:%d|%d", k.person, k.year), Severity: ledger.SeverityWarn,
			Village: x.village(p0), Subject: x.subject(p0),
			Reason: fmt.Sprintf("%s %d 年 %s 月同时领取%s %d 个公益岗位的工资（一人多岗），请核实是否实际在岗", x.subject(p0).Label, k.year,
				strings.Join(mnames, "、"), strings.Join(names, ""), len(items)),
			Evidence: x.evi(idx)})
	}
	return sorted(out)
}

func mapKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// A9: the recipient's age at the pay date outside the item's range (e.g.
// 16–65 for 公益岗位). One flag per item and person.
func ruleA9(d *ledger.ScanData, c Config) []ledger.Finding {
	x := finder{d}
	var out []ledger.Finding
	x.groups(func(p *ledger.Payment) bool {
		it, ok := d.Items[p.Item]
		if !active(*p) || !ok || it.MinAge == 0 && it.MaxAge == 0 || p.Payee.Kind != ledger.PayeePerson {
			return false
		}
		b, ok := d.Births[p.Payee.ID]
		if !ok {
			return false
		}
		age := ageOn(b, p.PaidOn)
		return age < it.MinAge || it.MaxAge != 0 && age > it.MaxAge
	}, func(a, b *ledger.ScanPayment) int {
		return cmp.Or(cmp.Compare(a.Item, b.Item), cmpPayee(a, b))
	}, func(idx []int32) {
		p0 := x.at(idx[0])
		it := d.Items[p0.Item]
		age := ageOn(d.Births[p0.Payee.ID], p0.PaidOn)
		rng := fmt.Sprintf("%d 至 %d 周岁", it.MinAge, it.MaxAge)
		if it.MaxAge == 0 {
			rng = fmt.Sprintf("%d 周岁以上", it.MinAge)
		}
		out = append(out, ledger.Finding{Rule: "A9", SubjectKey: p0.Item + "|" + payeeKey(p0), Severity: ledger.SeverityWarn,
			Village: x.village(p0), Subject: x.subject(p0),
			Reason: fmt.Sprintf("%s领取「%s」%d 笔，于 %s 领取时 %d 周岁，不在该项目要求的 %s之内，请核实是否本人在岗或冒名领取",
				x.subject(p0).Label, it.Name, len(idx), p0.PaidOn, age, rng),
			Evidence: x.evi(idx)})
	})
	return sorted(out)
}

// term is the school term a date falls in: 春季学期 from February to July,
// 秋季学期 from August to January (of the year it began).
func term(dt ledger.Date) string {
	switch {
	case dt.Month == time.January:
		return fmt.Sprintf("%d 年秋季学期", dt.Year-1)
	case dt.Month >= time.August:
		return fmt.Sprintf("%d 年秋季学期", dt.Year)
	}
	return fmt.Sprintf("%d 年春季学期", dt.Year)
}

// B6: an item that may be granted only once (per household ever, per
// person ever, or per person per school term: the item's GrantLimit) paid
// again: to a household in two periods (or years, for payments without a
// period), or to a student twice in one term. Reversed payments do not
// count; two payments of one period are B1's.
func ruleB6(d *ledger.ScanData, c Config) []ledger.Finding {
	x := finder{d}
	grant := func(p ledger.Payment) string { // one grant
		if p.Period.Year != 0 {
			return p.Period.String()
		}
		return strconv.Itoa(p.PaidOn.Year)
	}
	type key struct {
		item  string
		whom  int64 // household or person
		term  string
		limit string
	}
	groups := map[key][]int32{}
	for i := range d.Payments {
		p := x.at(int32(i))
		it, ok := d.Items[p.Item]
		if !active(p) || !ok || it.GrantLimit == "" {
			continue
		}
		var k key
		switch it.GrantLimit {
		case ledger.GrantOncePerHousehold:
			if p.Household == 0 {
				continue
			}
			k = key{it.Code, p.Household, "", it.GrantLimit}
		case ledger.GrantOncePerPerson:
			if p.Payee.Kind != ledger.PayeePerson {
				continue
			}
			k = key{it.Code, p.Payee.ID, "", it.GrantLimit}
		case ledger.GrantPerTerm:
			if p.Payee.Kind != ledger.PayeePerson {
				continue
			}
			k = key{it.Code, p.Payee.ID, term(p.PaidOn), it.GrantLimit}
		default:
			continue
		}
		groups[k] = append(groups[k], int32(i))
	}
	var out []ledger.Finding
	for k, idx := range groups {
		ps := x.views(idx)
		slices.SortFunc(ps, func(a, b ledger.Payment) int {
			return cmp.Or(cmp.Compare(ledger.PackDate(a.PaidOn), ledger.PackDate(b.PaidOn)), cmp.Compare(a.ID, b.ID))
		})
		it := d.Items[k.item]
		var reason, subject string
		switch k.limit {
		case ledger.GrantPerTerm:
			if len(ps) < 2 {
				continue
			}
			subject = fmt.Sprintf("%s|person:%d|%s", k.item, k.whom, k.term)
			reason = fmt.Sprintf("「%s」每人每学期限领一次，%s在%s领取了 %d 次", it.Name, x.subject(ps[0]).Label, k.term, len(ps))
		default:
			grants := map[string]bool{}
			var dates []string
			for _, p := range ps {
				if !grants[grant(p)] {
					grants[grant(p)] = true
					dates = append(dates, p.PaidOn.String())
				}
			}
			if len(grants) < 2 {
				continue
			}
			if k.limit == ledger.GrantOncePerHousehold {
				h := d.Households[k.whom]
				subject = fmt.Sprintf("%s|household:%d", k.item, k.whom)
				reason = fmt.Sprintf("「%s」每户限享受一次，%s户已在 %s 分 %d 次领取", it.Name, d.Labels[h.Head], strings.Join(dates, "、"), len(grants))
			} else {
				subject = fmt.Sprintf("%s|person:%d", k.item, k.whom)
				reason = fmt.Sprintf("「%s」每人限享受一次，%s已在 %s 分 %d 次领取", it.Name, x.subject(ps[0]).Label, strings.Join(dates, "、"), len(grants))
			}
		}
		subj := x.subject(ps[0])
		if k.limit == ledger.GrantOncePerHousehold {
			h := d.Households[k.whom]
			subj = ledger.FlagSubject{Kind: ledger.PayeeHousehold, ID: k.whom, Label: d.Labels[h.Head] + "户"}
		}
		out = append(out, ledger.Finding{Rule: "B6", SubjectKey: subject, Severity: ledger.SeverityWarn, Village: x.village(ps[0]),
			Subject: subj, Reason: reason + "，请核实是否重复享受", Evidence: ev(ps[:min(len(ps), evidenceMax)]...)})
	}
	return sorted(out)
}

// C6: a village cadre's account receives the subsidies of several other
// households (a cadre holding villagers' 一卡通). One flag per cadre.
func ruleC6(d *ledger.ScanData, c Config) []ledger.Finding {
	x := finder{d}
	type agg struct {
		households map[int64]bool
		accounts   []string
		idx        []int32
		sum        ledger.Fen
	}
	byHolder := map[int64]*agg{}
	for i := range d.Payments {
		p := x.at(int32(i))
		if !active(p) || p.AccountHolder == 0 || p.Payee.Kind == ledger.PayeeOrg || p.Household == 0 {
			continue
		}
		holder, ok := d.Persons[p.AccountHolder]
		if !ok || !holder.VillageCadre || holder.Household == p.Household {
			continue
		}
		g := byHolder[p.AccountHolder]
		if g == nil {
			g = &agg{households: map[int64]bool{}}
			byHolder[p.AccountHolder] = g
		}
		g.households[p.Household] = true
		g.sum += p.Amount
		if t := accountOf(d, p.AccountIndex); t != "" && !slices.Contains(g.accounts, t) {
			g.accounts = append(g.accounts, t)
		}
		if len(g.idx) < evidenceMax {
			g.idx = append(g.idx, int32(i))
		}
	}
	var out []ledger.Finding
	for holder, g := range byHolder {
		if len(g.households) < max(c.CadreAccountHouseholds, 2) {
			continue
		}
		h := d.Households[d.Persons[holder].Household]
		e := x.evi(g.idx)
		e.Accounts = g.accounts
		acct := ""
		if len(g.accounts) > 0 {
			acct = "（账户 " + strings.Join(g.accounts, "、") + "）"
		}
		out = append(out, ledger.Finding{Rule: "C6", SubjectKey: fmt.Sprintf("holder:%d", holder), Severity: ledger.SeverityHigh, Village: h.Village,
			Subject: ledger.FlagSubject{Kind: ledger.PayeePerson, ID: holder, Label: d.Labels[holder]},
			Reason: fmt.Sprintf("村干部%s名下的账户%s收到其他 %d 户村民的补贴共 %s 元，请核实村民的一卡通是否由其代管、钱是否交到村民手中",
				d.Labels[holder], acct, len(g.households), g.sum.Yuan()),
			Evidence: e})
	}
	return sorted(out)
}

// orgLabel is an organisation's name (organisations are not private).
func orgLabel(d *ledger.ScanData, id int64) string {
	if o, ok := d.Orgs[id]; ok && o.Name != "" {
		return o.Name
	}
	return fmt.Sprintf("收款单位（编号 %d）", id)
}

// F3: payments to an organisation whose legal representative or a
// shareholder is a village cadre or a cadre's relative. One flag per
// organisation, in the village of the cadre.
func ruleF3(d *ledger.ScanData, c Config) []ledger.Finding {
	x := finder{d}
	linked := func(o ledger.Organisation) (int64, string) {
		role := func(id int64, as string) (int64, string) {
			p, ok := d.Persons[id]
			switch {
			case !ok:
				return 0, ""
			case p.VillageCadre:
				return id, as + "为村干部"
			case p.CadreRelativeOf != 0:
				return id, fmt.Sprintf("%s为村干部%s的亲属", as, d.Labels[p.CadreRelativeOf])
			}
			return 0, ""
		}
		if id, why := role(o.LegalRepPerson, "法定代表人"); id != 0 {
			return id, why
		}
		for _, s := range o.Shareholders {
			if id, why := role(s, "股东"); id != 0 {
				return id, why
			}
		}
		return 0, ""
	}
	groups := map[int64]*aggregate{}
	for i := range d.Payments {
		p := x.at(int32(i))
		if !active(p) || p.Payee.Kind != ledger.PayeeOrg {
			continue
		}
		if id, _ := linked(d.Orgs[p.Payee.ID]); id == 0 {
			continue
		}
		if groups[p.Payee.ID] == nil {
			groups[p.Payee.ID] = &aggregate{}
		}
		groups[p.Payee.ID].add(int32(i), p.Amount)
	}
	var out []ledger.Finding
	for org, g := range groups {
		person, why := linked(d.Orgs[org])
		village := d.Households[d.Persons[person].Household].Village
		e := x.evi(g.idx)
		var codes []string
		for _, i := range g.idx {
			if pr := d.Projects[d.Payments[i].Project]; pr.Code != "" && !slices.Contains(codes, pr.Code) {
				codes = append(codes, pr.Code)
			}
		}
		e.ProjectCodes = codes
		out = append(out, ledger.Finding{Rule: "F3", SubjectKey: fmt.Sprintf("org:%d", org), Severity: ledger.SeverityWarn, Village: village,
			Subject: ledger.FlagSubject{Kind: ledger.PayeeOrg, ID: org, Label: orgLabel(d, org)},
			Reason: fmt.Sprintf("收款单位「%s」的%s（%s），共收到项目资金 %d 笔 %s 元，请核实是否回避、是否经过比选或招标",
				orgLabel(d, org), why, d.Labels[person], g.n, g.sum.Yuan()),
			Evidence: e})
	}
	return sorted(out)
}

// tiexi reports whether a payment is a 贴息 (interest subsidy): an item of
// that category, or a payment naming a loan.
func tiexi(d *ledger.ScanData, p ledger.Payment) bool {
	it, ok := d.Items[p.Item]
	return ok && it.Category == "小额信贷贴息" || p.LoanContractNo != ""
}

// interestAllowed is the interest a loan's terms allow: amount × rate ×
// term, simple interest.
func interestAllowed(l ledger.Loan) ledger.Fen {
	return ledger.Fen(int64(l.Amount) * l.RateBP * int64(l.TermMonths) / (10000 * 12))
}

// G9: a 贴息 for a loan that does not exist (no 贷款合同号, an unknown or
// reversed loan, or another household's), or a loan's 贴息 in total beyond
// the interest its amount, rate and term allow.
func ruleG9(d *ledger.ScanData, c Config) []ledger.Finding {
	x := finder{d}
	loans := map[string]ledger.Loan{}
	for _, l := range d.Loans {
		if l.Status != ledger.LoanReversed {
			loans[l.ContractNo] = l
		}
	}
	paid := map[string]*aggregate{}
	var out []ledger.Finding
	for i := range d.Payments {
		p := x.at(int32(i))
		if !active(p) || p.Payee.Kind == ledger.PayeeOrg || !tiexi(d, p) {
			continue
		}
		l, ok := loans[p.LoanContractNo]
		var why string
		switch {
		case p.LoanContractNo == "":
			why = "没有注明贷款合同号"
		case !ok:
			why = fmt.Sprintf("注明的贷款合同号 %s 在贷款台账中不存在", p.LoanContractNo)
		case l.Household != p.Household:
			why = fmt.Sprintf("贷款合同号 %s 的借款户不是该户", p.LoanContractNo)
		}
		if why != "" {
			e := ev(p)
			if p.LoanContractNo != "" {
				e.Loans = []string{strings.Clone(p.LoanContractNo)}
			}
			out = append(out, ledger.Finding{Rule: "G9", SubjectKey: "payment:" + strconv.FormatInt(p.ID, 10), Severity: ledger.SeverityHigh,
				Village: x.village(p), Subject: x.subject(p),
				Reason:   fmt.Sprintf("发给%s的贴息 %s 元%s，请核实这笔贷款是否真实存在", x.subject(p).Label, p.Amount.Yuan(), why),
				Evidence: e})
			continue
		}
		if paid[l.ContractNo] == nil {
			paid[l.ContractNo] = &aggregate{}
		}
		paid[l.ContractNo].add(int32(i), p.Amount)
	}
	for no, g := range paid {
		l := loans[no]
		allowed := interestAllowed(l)
		if g.sum <= allowed {
			continue
		}
		e := x.evi(g.idx)
		e.Loans = []string{l.ContractNo}
		e.Entries = append([]int64{l.Seq}, e.Entries...)
		f := x.loanFinding("G9", ledger.SeverityWarn, l, fmt.Sprintf("贷款 %s 元、年利率 %s%%、期限 %d 个月，按合同最多产生利息 %s 元，已发放贴息 %d 笔合计 %s 元，超出 %s 元",
			l.Amount.Yuan(), rate(l.RateBP), l.TermMonths, allowed.Yuan(), g.n, g.sum.Yuan(), (g.sum-allowed).Yuan()))
		f.Evidence = e
		out = append(out, f)
	}
	return sorted(out)
}

// rate is basis points as a percent (435 → 4.35).
func rate(bp int64) string {
	s := fmt.Sprintf("%d.%02d", bp/100, bp%100)
	return strings.TrimSuffix(strings.TrimSuffix(s, "0"), ".0")
}

// H6: a payment dated after today (more than FutureDays: the API and the
// pages refuse those; an import, a record of fact, writes them).
func ruleH6(d *ledger.ScanData, c Config) []ledger.Finding {
	x := finder{d}
	limit := ledger.DateOf(d.Now, d.Location).AddDays(c.FutureDays)
	var out []ledger.Finding
	for i := range d.Payments {
		p := x.at(int32(i))
		if p.Status == ledger.StatusReversed || p.Status == ledger.StatusRejected || !p.PaidOn.After(limit) {
			continue
		}
		out = append(out, ledger.Finding{Rule: "H6", SubjectKey: "payment:" + strconv.FormatInt(p.ID, 10), Severity: ledger.SeverityWarn,
			Village: x.village(p), Subject: x.subject(p),
			Reason:   fmt.Sprintf("支付日期 %s 晚于记账时的今天（%s），请核实日期是否填错、款项是否已实际支付", p.PaidOn, ledger.DateOf(d.Now, d.Location)),
			Evidence: ev(p)})
	}
	return sorted(out)
}

// H7: a payment far from its period: paid more than PeriodLateMonths after
// the period ended, or more than PeriodEarlyMonths before it began.
func ruleH7(d *ledger.ScanData, c Config) []ledger.Finding {
	x := finder{d}
	var out []ledger.Finding
	for i := range d.Payments {
		p := x.at(int32(i))
		if !active(p) || p.Period.Year == 0 || p.PaidOn.IsZero() {
			continue
		}
		start, end := p.Period.Start(), p.Period.End()
		var reason string
		if late := months(end, p.PaidOn); late > c.PeriodLateMonths {
			reason = fmt.Sprintf("所属期间为 %s 的款项在 %s 才支付，晚于期间结束 %d 个月以上，请核实是否补发及补发依据", p.Period, p.PaidOn, c.PeriodLateMonths)
		} else if early := months(p.PaidOn, start); early > c.PeriodEarlyMonths {
			reason = fmt.Sprintf("所属期间为 %s 的款项在 %s 就已支付，早于期间开始 %d 个月以上，请核实是否提前发放", p.Period, p.PaidOn, c.PeriodEarlyMonths)
		}
		if reason == "" {
			continue
		}
		out = append(out, ledger.Finding{Rule: "H7", SubjectKey: "payment:" + strconv.FormatInt(p.ID, 10), Severity: ledger.SeverityInfo,
			Village: x.village(p), Subject: x.subject(p), Reason: reason, Evidence: ev(p)})
	}
	return sorted(out)
}

// months is the whole months from a to b (negative when b is before a).
func months(a, b ledger.Date) int {
	m := (b.Year-a.Year)*12 + int(b.Month) - int(a.Month)
	if m > 0 && b.Day < a.Day {
		m--
	} else if m < 0 && b.Day > a.Day {
		m++
	}
	return m
}

// ordinaryMove reports whether a person's move into a household is one of
// the ordinary kind A7 must not call 突击迁入: a marriage (the relation to
// the head is a spouse, daughter- or son-in-law), a student coming home
// (marked 在校生), or a birth (joined within 90 days of being born).
func ordinaryMove(d *ledger.ScanData, per ledger.Person) bool {
	for _, r := range []string{"配偶", "妻", "夫", "媳", "婿"} {
		if strings.Contains(per.Relation, r) {
			return true
		}
	}
	if per.Student {
		return true
	}
	if b, ok := d.Births[per.ID]; ok {
		born := ledger.DateOf(b, time.UTC)
		if days := born.DaysUntil(per.JoinedOn); days >= 0 && days <= 90 {
			return true
		}
	}
	return false
}

// levelStandard is the standard a payment is held to (B3): for an item
// with standards per school level, the highest standard of the levels
// whose age range holds the student's age at the pay date (the level is
// not recorded on a payment; where two levels share ages, the higher
// standard avoids a false flag), else the item's standard; × quantity for
// per-quantity items. The label names the level ("" for none).
func levelStandard(d *ledger.ScanData, it ledger.Item, p ledger.Payment) (ledger.Fen, string) {
	std := standardOf(it, p)
	b, ok := d.Births[p.Payee.ID]
	if len(it.Levels) == 0 || p.Payee.Kind != ledger.PayeePerson || !ok {
		return std, ""
	}
	age := ageOn(b, p.PaidOn)
	var best *ledger.ItemLevel
	for i, l := range it.Levels {
		if age >= l.MinAge && (l.MaxAge == 0 || age <= l.MaxAge) && (best == nil || l.Standard > best.Standard) {
			best = &it.Levels[i]
		}
	}
	if best == nil {
		return std, ""
	}
	lv := best.Standard
	if it.PerQuantity {
		lv *= ledger.Fen(max(p.Quantity, 1))
	}
	return lv, "「" + best.Name + "」学段"
}

// percent is part/whole as a percentage with one decimal.
func percent(part, whole ledger.Fen) string {
	if whole <= 0 {
		return "0%"
	}
	per := int64(part) * 1000 / int64(whole)
	return fmt.Sprintf("%d.%d%%", per/10, per%10)
}

// recipientOf is the person a payment of a household item reached (B2):
// the person named as 收款人 (Payment.Recipient), or for a payment recorded
// before that was kept, its account holder when a member of the household;
// the payee otherwise (-household id for a household).
func recipientOf(d *ledger.ScanData, sp *ledger.ScanPayment) int64 {
	switch {
	case sp.Recipient != 0:
		return sp.Recipient
	case d.Str(sp.PayeeKind) == ledger.PayeePerson:
		return sp.PayeeID
	case sp.AccountHolder != 0 && d.Persons[sp.AccountHolder].Household == sp.Household:
		return sp.AccountHolder
	}
	return -sp.PayeeID
}
