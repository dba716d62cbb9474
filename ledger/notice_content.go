package ledger

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// NoticeContent is what a notice says, drawn from the ledger and masked for
// an audience: the PDF, the public page and the public JSON all show this.
type NoticeContent struct {
	Type        string          `json:"type"`
	Title       string          `json:"title"`
	Number      string          `json:"number"`
	Code        string          `json:"code"`
	Unit        string          `json:"unit"`
	Village     string          `json:"village,omitempty"`
	Period      string          `json:"period,omitempty"`
	Body        []string        `json:"body"`
	Fields      []ContentField  `json:"fields"`
	Columns     []ContentColumn `json:"columns"`
	Rows        []ContentRow    `json:"rows"`
	Totals      []string        `json:"totals,omitempty"`
	Closing     []string        `json:"closing"`
	PublishedOn string          `json:"published_on"`
	EndsOn      string          `json:"ends_on"`
	Phones      []string        `json:"phones"`
	Address     string          `json:"address,omitempty"`
	Email       string          `json:"email,omitempty"`
	// NeedsRows: a notice of this type with no rows is refused.
	NeedsRows bool `json:"-"`
	// NoRowsLabel says why, when it has none (default: 公示明细（没有可公示的记录）).
	NoRowsLabel string `json:"-"`
}

// ContentField is one labelled fact of a notice; Key names it for
// missing_required_fields.
type ContentField struct {
	Key      string `json:"key"`
	Label    string `json:"label"`
	Value    string `json:"value"`
	Required bool   `json:"-"`
}

// ContentColumn is a table column: header, relative width, right-aligned.
type ContentColumn struct {
	Title string  `json:"title"`
	Width float64 `json:"width"`
	Right bool    `json:"right,omitempty"`
}

// ContentRow is a table row and the seq of its entry (-1: an aggregate row).
type ContentRow struct {
	Cells []string `json:"cells"`
	Seq   int64    `json:"seq"`
}

// NoticeColumns are each notice type's table columns (the PDF's layout:
// eight columns or more print landscape).
var NoticeColumns = map[string][]ContentColumn{
	NoticeAllocation:    {{"项目名称", 3, false}, {"实施地点", 2, false}, {"建设内容", 3, false}, {"分配金额（元）", 2, true}, {"责任单位", 2, false}},
	NoticePlan:          {{"项目名称", 3, false}, {"实施地点", 2, false}, {"建设任务", 3, false}, {"补助标准", 2, false}, {"资金规模及来源（元）", 3, false}, {"时间进度", 2, false}, {"实施单位及责任人", 2, false}, {"绩效目标", 2, false}, {"带贫减贫机制", 2, false}},
	NoticeLibrary:       {{"项目编号", 2, false}, {"项目名称", 3, false}, {"类别/性质", 1.5, false}, {"实施地点", 2, false}, {"建设任务", 3, false}, {"资金规模及来源（元）", 3, false}, {"筹资方式", 2, false}, {"时间进度", 2, false}, {"责任单位/责任人", 2, false}, {"受益户数（脱贫户）", 1.5, true}, {"绩效目标", 2, false}, {"群众参与及带贫机制", 2.5, false}},
	NoticePreStart:      {{"资金来源", 2, false}, {"指标文号", 3, false}, {"预算金额（元）", 2, true}},
	NoticeAcceptance:    {{"项目编号", 2, false}, {"项目名称", 3, false}, {"实施单位", 2, false}, {"总投资（元）", 2, true}},
	NoticeCompletion:    {{"资金来源", 2, false}, {"指标文号", 3, false}, {"已支付金额（元）", 2, true}},
	NoticeRecipients:    {{"姓名", 1.5, false}, {"村民小组", 1.5, false}, {"户人口数", 1, true}, {"补助项目", 3, false}, {"补助标准（元）", 1.6, true}, {"数量", 1, true}, {"拟发放金额（元）", 1.8, true}},
	NoticePaymentResult: {{"姓名", 1.5, false}, {"村民小组", 1.5, false}, {"户人口数", 1, true}, {"补助项目", 3, false}, {"发放金额（元）", 1.8, true}, {"发放日期", 2, false}},
	NoticeLoans:         {{"借款人", 1.5, false}, {"村民小组", 1.5, false}, {"贷款用途", 3, false}, {"贷款金额（元）", 2, true}, {"期限（月）", 1, true}, {"年利率", 1.2, true}, {"贴息（元）", 1.8, true}},
	NoticeQuarterly:     {{"资金名称", 3, false}, {"指标文号", 2.5, false}, {"来源级次", 1.3, false}, {"到位金额（元）", 2, true}, {"已分配（元）", 2, true}, {"已支出（元）", 2, true}, {"结余（元）", 2, true}, {"闲置情况", 1.5, false}},
}

// Missing returns the required fields that are empty, and "rows" when the
// notice must list something and lists nothing.
func (c NoticeContent) Missing() []ContentField {
	var out []ContentField
	for _, f := range c.Fields {
		if f.Required && strings.TrimSpace(f.Value) == "" {
			out = append(out, f)
		}
	}
	if c.NeedsRows && len(c.Rows) == 0 {
		label := "公示明细（没有可公示的记录）"
		if c.NoRowsLabel != "" {
			label = c.NoRowsLabel
		}
		out = append(out, ContentField{Key: "rows", Label: label})
	}
	return out
}

// chineseDate prints 2026-11-28 as 2026年11月28日.
func chineseDate(d Date) string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%d年%d月%d日", d.Year, d.Month, d.Day)
}

func (s *Service) defaultTitle(ctx context.Context, lg Log, n Notice) string {
	place := ""
	if t, err := s.Town(ctx, lg); err == nil {
		place = t.Name
	}
	if n.Village != "" {
		if v, err := s.village(ctx, lg, n.Village); err == nil {
			place = v.Name
		}
	}
	when := ""
	switch {
	case noticeMonth.MatchString(n.Period):
		y, m, _ := strings.Cut(n.Period, "-")
		mi, _ := strconv.Atoi(m)
		when = fmt.Sprintf("%s年%d月", y, mi)
	case strings.Contains(n.Period, "-Q"):
		y, q, _ := strings.Cut(n.Period, "-Q")
		when = fmt.Sprintf("%s年第%s季度", y, map[string]string{"1": "一", "2": "二", "3": "三", "4": "四"}[q])
	case len(n.Period) == 4:
		when = n.Period + "年"
	}
	if projectNotice(n.Type) && n.Project != "" {
		if pr, err := s.ProjectByCode(ctx, lg, n.Project); err == nil {
			return pr.Name + n.Type
		}
	}
	typ := n.Type
	if n.Type == NoticeQuarterly && strings.HasSuffix(when, "季度") {
		typ = strings.TrimPrefix(typ, "季度") // 2026年第一季度资金使用情况
	}
	return place + when + typ
}

// NoticeContent draws a notice's content from the ledger for an audience
// (DOMAIN.md §6 masking). Registry persons appear masked for the public;
// organisations and the people acting for them in full.
func (s *Service) NoticeContent(ctx context.Context, lg Log, n Notice, a Audience) (NoticeContent, error) {
	c := NoticeContent{Type: n.Type, Title: n.Title, Number: n.Number, Code: n.Code, Unit: n.Unit, Village: n.Village, Period: n.Period,
		PublishedOn: n.PublishedOn, EndsOn: n.EndsOn, Phones: nonNil(n.Phones), Address: n.Address, Email: n.Email,
		Body: []string{}, Fields: []ContentField{}, Rows: []ContentRow{}, Closing: []string{}}
	if c.Title == "" {
		c.Title = s.defaultTitle(ctx, lg, n)
	}
	bk := s.L.Store().Books(ctx, lg.ID)
	if b := n.Fields["body"]; b != "" {
		c.Body = append(c.Body, strings.Split(b, "\n")...)
	}
	hand := func(key string, required bool) {
		c.Fields = append(c.Fields, ContentField{Key: "fields." + key, Label: noticeFieldLabels[key], Value: n.Fields[key], Required: required})
	}
	fact := func(key, label, value string) {
		c.Fields = append(c.Fields, ContentField{Key: key, Label: label, Value: value, Required: true})
	}
	c.Fields = append(c.Fields, ContentField{Key: "number", Label: "文号", Value: n.Number, Required: true})
	// ends says how long the notice is up: 共10天 (both days counted), or
	// 5个工作日 as well for an acceptance notice.
	ends := func(from, to Date) string { return fmt.Sprintf("共%d天", from.DaysUntil(to)+1) }
	switch n.Type {
	case NoticeAllocation:
		c.NeedsRows = true
		f, err := s.fundByDocNo(ctx, lg, n.Fund)
		if err != nil {
			return c, err
		}
		fact("fund.name", "资金名称", f.Name)
		fact("fund.doc_no", "资金文号", f.DocNo)
		fact("fund.source", "资金来源", f.SourceLevel+"资金 "+f.Amount.Yuan()+" 元")
		fact("fund.nature", "资金性质", f.Nature)
		fact("fund.purpose", "资金用途", f.Purpose)
		hand("allocation_principle", true)
		c.Columns = slices.Clone(NoticeColumns[NoticeAllocation])
		var total Fen
		for _, r := range n.Rows {
			var al Allocation
			if err := bk.Object(objAllocation, r.ID, &al); err != nil {
				return c, err
			}
			var pr Project
			if err := bk.Object(objProject, al.Project, &pr); err != nil {
				return c, err
			}
			total += al.Amount
			c.Rows = append(c.Rows, ContentRow{Cells: []string{pr.Name, pr.Location, pr.Task, al.Amount.Yuan(), pr.ResponsibleUnit}, Seq: r.Seq})
		}
		c.Totals = []string{"合计", "", "", total.Yuan(), ""}
	case NoticeLibrary, NoticePlan:
		c.NeedsRows = true
		if n.Type == NoticePlan {
			// each project prints its own 补助标准; the notice's, when given,
			// stands for the projects that record none
			if n.Fields["subsidy_standard"] != "" {
				hand("subsidy_standard", false)
			}
			c.Columns = slices.Clone(NoticeColumns[NoticePlan])
		} else {
			c.Columns = slices.Clone(NoticeColumns[NoticeLibrary])
		}
		for _, r := range n.Rows {
			var pr Project
			if err := bk.Object(objProject, r.ID, &pr); err != nil {
				return c, err
			}
			for _, miss := range projectMissing(pr) {
				fact("project."+pr.Code+"."+miss[0], pr.Code+" "+miss[1], "")
			}
			if scheduleText(pr) == "" {
				fact("project."+pr.Code+".schedule", pr.Code+" 时间进度", "")
			}
			if n.Type == NoticePlan {
				std := pr.SubsidyStandard
				if std == "" {
					std = n.Fields["subsidy_standard"]
				}
				if std == "" {
					fact("project."+pr.Code+".subsidy_standard", pr.Code+" 补助标准", "")
				}
				if strings.TrimSpace(pr.Implementer) == "" {
					fact("project."+pr.Code+".implementer", pr.Code+" 实施单位", "")
				}
				c.Rows = append(c.Rows, ContentRow{Cells: []string{pr.Name, pr.Location, pr.Task, std, budgetText(pr),
					scheduleText(pr), strings.TrimSpace(pr.Implementer + " " + pr.ResponsiblePerson), pr.Targets, pr.Mechanism}, Seq: r.Seq})
			} else {
				c.Rows = append(c.Rows, ContentRow{Cells: []string{pr.Code, pr.Name, pr.Category + "/" + pr.Nature, pr.Location, pr.Task, budgetText(pr),
					financingText(pr), scheduleText(pr), pr.ResponsibleUnit + " " + pr.ResponsiblePerson, fmt.Sprintf("%d（%d）", pr.Beneficiaries, pr.PoorBeneficiaries), pr.Targets,
					strings.TrimSpace(pr.Participation + " " + pr.Mechanism)}, Seq: r.Seq})
			}
		}
	case NoticePreStart, NoticeAcceptance, NoticeCompletion:
		if len(n.Rows) == 0 {
			return c, Errorf(CodeNotFound, "公告未指定项目")
		}
		var pr Project
		if err := bk.Object(objProject, n.Rows[0].ID, &pr); err != nil {
			return c, err
		}
		fact("project.name", "项目名称", pr.Name)
		fact("project.code", "项目编号", pr.Code)
		fact("project.location", "实施地点", pr.Location)
		switch n.Type {
		case NoticePreStart:
			// the contract recorded in the ledger, else what the draft
			// was given by hand
			ct := ProjectContract{Contractor: n.Fields["contractor"], ProcurementMethod: n.Fields["procurement_method"],
				StartOn: pr.StartOn, EndOn: pr.EndOn}
			if pr.Contract != nil {
				ct = *pr.Contract
			}
			either := func(key, ledgerValue string) {
				c.Fields = append(c.Fields, ContentField{Key: "fields." + key, Label: noticeFieldLabels[key], Value: ledgerValue, Required: true})
			}
			fact("project.implementer", "实施单位", pr.Implementer)
			fact("project.responsible_person", "项目责任人", pr.ResponsiblePerson)
			either("contractor", ct.Contractor)
			fact("contract.supervisor", "监理单位", ct.Supervisor)
			amount := ""
			if ct.Amount > 0 {
				amount = ct.Amount.Yuan() + " 元"
			}
			fact("contract.amount", "合同金额", amount)
			either("procurement_method", ct.ProcurementMethod)
			result := n.Fields["procurement_result"]
			if result == "" && pr.Contract != nil {
				result = fmt.Sprintf("成交单位%s，合同金额 %s 元（合同号 %s）", ct.Contractor, ct.Amount.Yuan(), ct.ContractNo)
			}
			either("procurement_result", result)
			fact("project.start_on", "开工日期", chineseDate(ct.StartOn))
			fact("project.end_on", "完工日期", chineseDate(ct.EndOn))
			fact("project.task", "建设任务", pr.Task)
			c.Columns = slices.Clone(NoticeColumns[NoticePreStart])
			for _, b := range pr.BudgetBySource {
				c.Rows = append(c.Rows, ContentRow{Cells: []string{b.SourceLevel, b.DocNo, b.Amount.Yuan()}, Seq: n.Rows[0].Seq})
			}
			c.Totals = []string{"合计", "", pr.Budget.Yuan()}
			c.NeedsRows = true
		case NoticeAcceptance:
			ends = func(from, to Date) string { return fmt.Sprintf("5个工作日，共%d天", from.DaysUntil(to)+1) }
			fact("project.accepted_on", "验收日期", chineseDate(pr.AcceptedOn))
			fact("project.acceptance_result", "验收结论", pr.AcceptanceResult)
			fact("project.acceptance_group", "验收组", pr.AcceptanceGroup)
			if n.Fields["outputs"] != "" {
				hand("outputs", false)
			}
			c.Columns = slices.Clone(NoticeColumns[NoticeAcceptance])
			c.Rows = append(c.Rows, ContentRow{Cells: []string{pr.Code, pr.Name, pr.Implementer, pr.Budget.Yuan()}, Seq: n.Rows[0].Seq})
		case NoticeCompletion:
			fact("project.accepted_on", "验收日期", chineseDate(pr.AcceptedOn))
			fact("project.acceptance_result", "验收结论", pr.AcceptanceResult)
			fact("project.acceptance_group", "验收组", pr.AcceptanceGroup)
			final := ""
			if pr.FinalAmount > 0 {
				final = pr.FinalAmount.Yuan() + " 元"
			}
			fact("project.final_amount", "决算金额", final)
			for _, key := range []string{"outputs", "targets_met"} {
				if n.Fields[key] != "" {
					hand(key, false)
				}
			}
			// 形成资产 and 管护主体 from the asset register, else by hand
			assets := assetsText(pr.Assets)
			if assets == "" {
				assets = n.Fields["assets"]
			}
			c.Fields = append(c.Fields, ContentField{Key: "project.assets", Label: "形成资产及管护主体", Value: assets, Required: true})
			c.Columns = slices.Clone(NoticeColumns[NoticeCompletion])
			flows, err := bk.Flows(0, pr.ID)
			if err != nil {
				return c, err
			}
			paid := map[int64]Fen{}
			for _, fl := range flows {
				if fl.Kind != FlowAllocated {
					paid[fl.Fund] += fl.Amount
				}
			}
			ids := make([]int64, 0, len(paid))
			for id := range paid {
				ids = append(ids, id)
			}
			slices.Sort(ids)
			var total Fen
			c.NoRowsLabel = "已支付资金（该项目没有已支付的资金记录，不能发布竣工公告）"
			for _, id := range ids {
				if paid[id] == 0 {
					continue
				}
				var f Fund
				if err := bk.Object(objFund, id, &f); err != nil {
					return c, err
				}
				total += paid[id]
				c.Rows = append(c.Rows, ContentRow{Cells: []string{f.SourceLevel, f.DocNo, paid[id].Yuan()}, Seq: -1})
			}
			c.Totals = []string{"合计", "", total.Yuan()}
			c.NeedsRows = true
		}
	case NoticeRecipients, NoticePaymentResult:
		c.NeedsRows = true
		if n.Type == NoticeRecipients {
			c.Columns = slices.Clone(NoticeColumns[NoticeRecipients])
		} else {
			c.Columns = slices.Clone(NoticeColumns[NoticePaymentResult])
		}
		items := map[string]Item{}
		var total Fen
		var paid []Payment // for the bank's confirmation (bankreturn.go)
		for _, r := range n.Rows {
			pm, err := bk.Payment(r.ID)
			if err != nil {
				return c, err
			}
			paid = append(paid, pm)
			name, group, members := s.recipient(bk, lg, pm.Payee, pm.Household, a)
			it, ok := items[pm.Item]
			if !ok && pm.Item != "" {
				var x Item
				if _, err := bk.ObjectByKey(objItem, pm.Item, &x); err == nil {
					it = x
				}
				items[pm.Item] = it
			}
			itemName := it.Name
			if itemName == "" {
				itemName = pm.Kind
			}
			total += pm.Amount
			if n.Type == NoticeRecipients {
				c.Rows = append(c.Rows, ContentRow{Cells: []string{name, group, members, itemName, it.Standard.Yuan(),
					strconv.FormatInt(max(pm.Quantity, 1), 10), pm.Amount.Yuan()}, Seq: r.Seq})
			} else {
				c.Rows = append(c.Rows, ContentRow{Cells: []string{name, group, members, itemName, pm.Amount.Yuan(), pm.PaidOn.String()}, Seq: r.Seq})
			}
		}
		if n.Type == NoticeRecipients {
			c.Totals = []string{"合计", "", "", fmt.Sprintf("%d 笔补助", len(n.Rows)), "", "", total.Yuan()}
			c.Closing = append(c.Closing, "如对以上补助对象有异议，请在公示期内向村（居）委员会、镇人民政府反映，或扫描二维码在线提出异议。公示期满无异议的，按规定发放。")
		} else {
			c.Totals = []string{"合计", "", "", fmt.Sprintf("%d 笔发放", len(n.Rows)), total.Yuan(), ""}
			line, err := s.bankConfirmed(ctx, lg, paid)
			if err != nil {
				return c, err
			}
			if line != "" {
				c.Closing = append(c.Closing, line)
			}
		}
	case NoticeLoans:
		c.NeedsRows = true
		c.Columns = slices.Clone(NoticeColumns[NoticeLoans])
		var total Fen
		for _, r := range n.Rows {
			var ln Loan
			if err := bk.Object(objLoan, r.ID, &ln); err != nil {
				return c, err
			}
			name, group, _ := s.recipient(bk, lg, PayeeRef{Kind: PayeePerson, ID: ln.Borrower}, ln.Household, a)
			sub, err := bk.Payments(PaymentFilter{Status: []string{StatusEffective}, Household: ln.Household})
			if err != nil {
				return c, err
			}
			var interest Fen
			for _, p := range sub {
				if p.LoanContractNo == ln.ContractNo {
					interest += p.Amount
				}
			}
			total += ln.Amount
			c.Rows = append(c.Rows, ContentRow{Cells: []string{name, group, ln.Use, ln.Amount.Yuan(), strconv.Itoa(ln.TermMonths),
				fmt.Sprintf("%d.%02d%%", ln.RateBP/100, ln.RateBP%100), interest.Yuan()}, Seq: r.Seq})
		}
		c.Totals = []string{"合计", "", fmt.Sprintf("%d 笔贷款", len(n.Rows)), total.Yuan(), "", "", ""}
	case NoticeQuarterly:
		c.NeedsRows = true
		q, err := quarterOf(n.Period)
		if err != nil {
			return c, err
		}
		lines, err := s.Funds(ctx, lg)
		if err != nil {
			return c, err
		}
		c.Columns = slices.Clone(NoticeColumns[NoticeQuarterly])
		var tr, ta, tp, tb Fen
		byLevel := map[string][4]Fen{}
		for _, r := range n.Rows {
			i := slices.IndexFunc(lines, func(l FundLine) bool { return l.ID == r.ID })
			if i < 0 {
				continue
			}
			l := lines[i]
			if l.ArrivedOn.After(q[1]) {
				continue
			}
			// the remark names only what rule D1 would (DefaultIdlePolicy):
			// a balance a town's normal pace leaves is not called idle
			idle := ""
			switch level, months := DefaultIdlePolicy.IdleLevel(l, q[1]); {
			case level == IdleOverYear && months >= 24:
				idle = "到账两年以上仍有结余"
			case level == IdleOverYear:
				idle = "到账一年以上仍有结余"
			case level == IdleLagging:
				idle = "未及时拨付使用"
			}
			tr, ta, tp, tb = tr+l.Amount, ta+l.Allocated, tp+l.Paid, tb+l.Unspent
			v := byLevel[l.SourceLevel]
			byLevel[l.SourceLevel] = [4]Fen{v[0] + l.Amount, v[1] + l.Allocated, v[2] + l.Paid, v[3] + l.Unspent}
			c.Rows = append(c.Rows, ContentRow{Cells: []string{l.Name, l.DocNo, l.SourceLevel, l.Amount.Yuan(), l.Allocated.Yuan(),
				l.Paid.Yuan(), l.Unspent.Yuan(), idle}, Seq: -1})
		}
		for _, lv := range SourceLevels {
			if v, ok := byLevel[lv]; ok {
				c.Rows = append(c.Rows, ContentRow{Cells: []string{lv + "资金小计", "", lv, v[0].Yuan(), v[1].Yuan(), v[2].Yuan(), v[3].Yuan(), ""}, Seq: -1})
			}
		}
		c.Totals = []string{"合计", fmt.Sprintf("%d 项资金，%d 项小计", len(c.Rows)-len(byLevel), len(byLevel)), "", tr.Yuan(), ta.Yuan(), tp.Yuan(), tb.Yuan(), ""}
	}
	if len(c.Body) == 0 {
		c.Body = append(c.Body, defaultBody(n.Type))
	}
	if n.EndsOn != "" && n.Type != NoticeQuarterly && n.Type != NoticePaymentResult && n.Type != NoticeAllocation && n.Type != NoticeCompletion {
		if d, err := ParseDate(n.EndsOn); err == nil && n.PublishedOn != "" {
			if p, err := ParseDate(n.PublishedOn); err == nil {
				c.Closing = append(c.Closing, fmt.Sprintf("公示时间：%s至%s（%s）。", chineseDate(p), chineseDate(d), ends(p, d)))
			}
		}
	}
	if slices.ContainsFunc(c.Rows, func(r ContentRow) bool { return r.Seq >= 0 }) {
		c.Closing = append(c.Closing, "每行末尾的“账本序号”是该笔记录在阳光账本中的序号，扫描二维码或访问核验页面可逐行核对。")
	} else {
		c.Closing = append(c.Closing, "本表为汇总数据，由阳光账本按所印检查点时的记录汇总，扫描二维码或访问核验页面可核对账本。")
	}
	return c, nil
}

func defaultBody(typ string) string {
	switch typ {
	case NoticeRecipients:
		return "根据有关政策规定，经农户申请、村民小组评议、村“两委”审核，现将拟享受补助对象名单予以公示，接受群众监督。"
	case NoticePaymentResult:
		return "现将本村本月已发放的补助资金情况予以公告，接受群众监督。"
	case NoticeLoans:
		return "现将本村扶贫小额信贷发放情况予以公示，接受群众监督。"
	case NoticeQuarterly:
		return "现将本季度衔接推进乡村振兴补助资金到位、分配、支出及结余情况予以公告，接受群众监督。"
	case NoticeAllocation:
		return "根据资金管理有关规定，现将资金分配结果予以公告，接受社会监督。"
	}
	return "现将有关情况予以公示，接受群众和社会监督。"
}

func monthsBetween(a, b Date) int {
	m := (b.Year-a.Year)*12 + int(b.Month) - int(a.Month)
	if b.Day < a.Day {
		m--
	}
	return m
}

func budgetText(pr Project) string {
	var parts []string
	for _, b := range pr.BudgetBySource {
		parts = append(parts, b.SourceLevel+" "+b.Amount.Yuan())
	}
	s := "共 " + pr.Budget.Yuan()
	if len(parts) > 0 {
		s += "（" + strings.Join(parts, "，") + "）"
	}
	return s
}

// projectMissing lists the library fields of §5 a project lacks: key and
// label.
func projectMissing(pr Project) [][2]string {
	var out [][2]string
	check := func(key, label, v string) {
		if strings.TrimSpace(v) == "" {
			out = append(out, [2]string{key, label})
		}
	}
	check("name", "项目名称", pr.Name)
	check("location", "实施地点", pr.Location)
	check("task", "建设任务", pr.Task)
	check("responsible_unit", "责任单位", pr.ResponsibleUnit)
	check("responsible_person", "责任人", pr.ResponsiblePerson)
	check("targets", "绩效目标", pr.Targets)
	check("mechanism", "带贫减贫机制", pr.Mechanism)
	if pr.Budget <= 0 {
		out = append(out, [2]string{"budget", "资金规模"})
	}
	return out
}

// recipient returns what a list prints of a payee: the name for the
// audience, the 村民小组 and the 户人口数.
func (s *Service) recipient(bk Books, lg Log, payee PayeeRef, household int64, a Audience) (name, group, members string) {
	if payee.Kind == PayeeOrg {
		var o Organisation
		if err := bk.Object(objOrg, payee.ID, &o); err == nil {
			return o.Name, "", ""
		}
		return "", "", ""
	}
	var h Household
	if household != 0 {
		if err := bk.Object(objHousehold, household, &h); err == nil {
			group, members = h.Group, strconv.Itoa(h.Members)
		}
	}
	person := payee.ID
	if payee.Kind == PayeeHousehold {
		person = h.Head
	}
	name = "（已注销）"
	if rec, err := bk.Private(person); err == nil {
		if pp, err := s.Vault.Open(lg.Town, rec); err == nil {
			name = ShowName(pp.Name, a)
		}
	}
	return name, group, members
}

func (s *Service) fundByDocNo(ctx context.Context, lg Log, docNo string) (Fund, error) {
	var f Fund
	_, err := s.L.Store().Books(ctx, lg.ID).ObjectByKey(objFund, docNo, &f)
	if IsNotFound(err) {
		return f, Errorf(CodeNotFound, "未找到指标文号为 %s 的资金", docNo)
	}
	return f, err
}
