package demo

import (
	"fmt"
	"slices"
	"time"

	"github.com/sunshine-ledger/sunshine/ledger"
)

type fundSpec struct {
	doc, name, level, nature, code, purpose string
	amount                                  ledger.Fen
	month, day                              int
	noNotice                                bool // planted D2
	idle                                    bool // planted D1: never allocated
}

// The funds of 2026 as a township in a county that was never a 贫困县 books
// them: 衔接推进乡村振兴补助资金 (衔接资金) from every level under the 21305
// 巩固脱贫攻坚成果衔接乡村振兴 function codes by purpose (2130504 农村基础设施建设,
// 2130505 生产发展, 2130599 其他巩固脱贫衔接支出), and the sector funds under
// their sectors' codes (2082001 临时救助支出, 2101301 城乡医疗救助, 2110402 农村环境保护,
// 2050299 其他普通教育支出 for 学生资助 across 学段, 2210105 农村危房改造); no
// 统筹整合涉农资金 (a pilot of the former 贫困县 only). The donation is not budget
// money: no function code.
var funds = []fundSpec{
	{"湘财农指〔2026〕3号", "中央财政衔接推进乡村振兴补助资金（第一批）", "中央", natureCentral, "2130505", "产业", 3_200_000_00, 1, 5, false, false},
	{"湘财农指〔2026〕6号", "省级财政衔接推进乡村振兴补助资金（就业帮扶）", "省级", natureProvincial, "2130599", "就业", 1_000_000_00, 1, 5, false, false},
	{"长财社〔2026〕7号", "长沙市困难群众救助补助资金（临时救助）", "市州级", "其他资金", "2082001", "兜底保障", 400_000_00, 1, 8, false, false},
	{"浏财社〔2026〕5号", "浏阳市城乡医疗救助资金", "县市区级", "其他资金", "2101301", "健康", 500_000_00, 1, 20, false, true},
	{"浏财农〔2026〕12号", "浏阳市油茶产业发展专项资金", "县市区级", "其他资金", "2130505", "产业", 1_200_000_00, 2, 26, false, false},
	{"镇财〔2026〕2号", "镇级人居环境整治资金", "乡镇级", "其他资金", "2110402", "人居环境", 300_000_00, 3, 2, false, false},
	{"湘财农指〔2026〕18号", "中央财政衔接推进乡村振兴补助资金（第二批）", "中央", natureCentral, "2130504", "基础设施", 2_000_000_00, 4, 10, false, false},
	{"湘财教〔2026〕9号", "省级学生资助补助资金", "省级", "其他资金", "2050299", "教育", 800_000_00, 5, 8, false, false},
	{"浏慈〔2026〕1号", "浏阳市慈善总会助学捐赠", "社会帮扶", "社会帮扶资金", "", "教育", 200_000_00, 3, 20, true, false},
	{"浏财建〔2026〕31号", "农村危房改造补助资金", "县市区级", "其他资金", "2210105", "住房", 900_000_00, 6, 15, false, false},
}

// The 资金性质 of 衔接资金 by level.
const (
	natureCentral    = "中央财政衔接推进乡村振兴补助资金"
	natureProvincial = "省级财政衔接推进乡村振兴补助资金"
)

// Unit costs of the village projects' tasks, so that a task is what its
// budget buys: rural road hardening (4.5 m wide, 18 cm concrete) about
// 60万元 a kilometre (the county's 40–80万元), a 蓄水池 8万元 and 管网
// 15万元 a kilometre, 油茶低改 1,000 元 a mu (the subsidy standard), 改厕 1,500
// 元 a household (the standard) and 沟渠清理 4万元 a kilometre.
const (
	RoadPerKm  = 600_000_00
	poolCost   = 80_000_00
	pipePerKm  = 150_000_00
	camelliaMu = 1_000_00
	toiletCost = 1_500_00
	ditchPerKm = 40_000_00
)

// task is a village project's 建设任务 for its budget.
func task(name string, budget ledger.Fen) string {
	km := func(f, per ledger.Fen) string { return fmt.Sprintf("%.1f", float64(f)/float64(per)) }
	switch name {
	case "村组道路硬化":
		return "硬化村组道路 " + km(budget, RoadPerKm) + " 公里（路面宽 4.5 米）"
	case "油茶基地提质改造":
		return fmt.Sprintf("改造油茶林 %d 亩", budget/camelliaMu)
	case "农村人居环境整治":
		toilets := budget * 6 / 10 / toiletCost
		return fmt.Sprintf("改厕 %d 户、清理沟渠 %s 公里", toilets, km(budget-toilets*toiletCost, ditchPerKm))
	default: // 安全饮水巩固提升
		pools := 1 + budget/(400_000_00)
		return fmt.Sprintf("新建蓄水池 %d 座、铺设管网 %s 公里", pools, km(budget-pools*poolCost, pipePerKm))
	}
}

// project codes with a fixed role in the year
const (
	pWages     = "ZT-2026-001" // 公益岗位 (town)
	pIndustry  = "ZT-2026-002" // 产业奖补 (town)
	pEducation = "ZT-2026-003" // 教育资助 (town)
	pRelief    = "ZT-2026-004" // 临时救助 (town)
)

var states = []string{ledger.ProjDeclared, ledger.ProjReviewed, ledger.ProjPublicized, ledger.ProjLibrary, ledger.ProjPlanned,
	ledger.ProjInProgress, ledger.ProjInProgress, ledger.ProjInProgress, ledger.ProjAccepted, ledger.ProjCompleted}

type org struct{ name, uscc, rep string }

var orgs = []org{
	{"浏阳市安澜水利建设有限公司", "", "周建国"}, {"湖南镇头路桥工程有限公司", "", "李志强"},
	{"浏阳市绿源农业开发有限公司", "", "陈海波"}, {"浏阳市宜居建筑工程有限公司", "", "黄德福"},
}

func init() {
	for i := range orgs {
		orgs[i].uscc = ledger.MakeUSCC(fmt.Sprintf("91%s%08d%c", FictitiousArea, 20260000+i*17, 'M'))
	}
}

// year records 2026 month by month: funds, projects, allocations, wages,
// subsidy lists and their publicity, contractor payments, loans, notices,
// and the planted irregularities.
func (l *loader) year(o Options) error {
	fin := l.actor("finance")
	// the library: 4 town projects with a fixed role, 36 village projects in every state
	l.set(1, 6, 14)
	town := []ledger.ProjectRow{
		{Code: pWages, Name: l.o.ShortName + "镇公益性岗位开发", Category: "就业", Nature: "续建", Budget: 900_000_00},
		{Code: pIndustry, Name: l.o.ShortName + "镇到户产业奖补", Category: "产业", Nature: "续建", Budget: 1_000_000_00},
		{Code: pEducation, Name: l.o.ShortName + "镇教育资助", Category: "教育", Nature: "续建", Budget: 600_000_00},
		{Code: pRelief, Name: l.o.ShortName + "镇临时救助", Category: "兜底保障", Nature: "续建", Budget: 300_000_00},
	}
	var rows []ledger.ProjectRow
	for _, p := range town {
		p.Location, p.Task, p.ResponsibleUnit, p.ResponsiblePerson, p.Implementer = l.o.ShortName+"镇各村（社区）", p.Name, l.o.ShortName+"镇人民政府", "刘建华", l.o.ShortName+"镇人民政府"
		p.StartOn, p.EndOn, p.Beneficiaries, p.PoorBeneficiaries = l.date(1, 5), l.date(12, 31), 700, 700
		p.Targets, p.Participation, p.Mechanism = "脱贫户稳定增收", "村民代表会议评议", "直接到户到人"
		p.BudgetBySource = []ledger.FundBudget{{SourceLevel: "中央", Amount: p.Budget}}
		p.Status, p.ApprovalDocNo, p.ApprovedOn = ledger.ProjInProgress, "浏乡振发〔2026〕1号", l.date(1, 5)
		p.SubsidyStandard = map[string]string{pWages: "公益性岗位每人每月 500 至 800 元", pIndustry: "按产业奖补标准（每亩或每头）兑付到户",
			pEducation: "按学段每生每年 1,000 至 1,500 元", pRelief: "按困难程度每户每次 500 至 3,000 元"}[p.Code]
		rows = append(rows, p)
	}
	cats := []struct{ cat, name string }{{"基础设施", "村组道路硬化"}, {"产业", "油茶基地提质改造"}, {"人居环境", "农村人居环境整治"}, {"基础设施", "安全饮水巩固提升"}}
	n := 10
	for vi, v := range l.o.Villages {
		for k := range 3 + vi%2 {
			if len(rows) >= 40 {
				break
			}
			c := cats[(vi+k)%len(cats)]
			st := states[(vi*3+k)%len(states)]
			budget := ledger.Fen(100_000_00 + l.r.IntN(60)*10_000_00)
			p := ledger.ProjectRow{Code: fmt.Sprintf("ZT-2026-%03d", n), Name: v.Name + c.name, Category: c.cat, Nature: "新建", Village: v.Code,
				Location: v.Name + groups[k], Task: task(c.name, budget), Budget: budget, ResponsibleUnit: v.Name + "村民委员会", ResponsiblePerson: l.name(),
				Implementer: v.Name + "村民委员会", StartOn: l.date(3, 1), EndOn: l.date(11, 30), Beneficiaries: 60 + l.r.IntN(200),
				PoorBeneficiaries: 20 + l.r.IntN(40), Targets: "受益群众满意度 95% 以上", Participation: "村民代表会议审议通过", Mechanism: "优先吸纳脱贫户务工",
				BudgetBySource: []ledger.FundBudget{{SourceLevel: "中央", Amount: budget}}, Status: st}
			if st == ledger.ProjPlanned || st == ledger.ProjInProgress || st == ledger.ProjAccepted || st == ledger.ProjCompleted {
				p.ApprovalDocNo, p.ApprovedOn = fmt.Sprintf("浏乡振发〔2026〕%d号", n), l.date(2, 20)
			}
			if st == ledger.ProjDeclared || st == ledger.ProjReviewed || st == ledger.ProjPublicized {
				// next year's projects, entering the library this autumn: their
				// 入库公示 (20 November) comes before they start
				p.StartOn, p.EndOn = ledger.Date{Year: 2027, Month: 3, Day: 1}, ledger.Date{Year: 2027, Month: 11, Day: 30}
			}
			if vi == 0 && k == 0 {
				p.Status = ledger.ProjRemoved // one removed, one terminated
			}
			if vi == 1 && k == 0 {
				p.Status = ledger.ProjTerminated
			}
			p.SubsidyStandard = subsidyStandard[c.cat]
			if st == ledger.ProjAccepted || st == ledger.ProjCompleted {
				// in 实施 until November (stages.go takes them on)
				l.finishing = append(l.finishing, finishing{code: p.Code, to: st, village: v.Code, budget: budget})
				p.Status = ledger.ProjInProgress
			}
			rows = append(rows, p)
			n++
		}
	}
	for i := range rows {
		rows[i].Row = i + 2
	}
	if _, err := l.s.Import(l.ctx, l.lg, fin, ledger.ImportInput{Kind: "projects", Filename: "项目库.xlsx", Rows: len(rows), Projects: rows}, false, nil); err != nil {
		return fmt.Errorf("projects: %w", err)
	}
	l.sum.Projects = len(rows)
	for _, g := range orgs {
		if _, err := l.s.RegisterOrganisation(l.ctx, l.lg, fin, ledger.Organisation{Name: g.name, USCC: g.uscc, LegalRepresentative: g.rep}, nil); err != nil {
			return err
		}
	}
	if err := l.contracts(rows, fin); err != nil {
		return err
	}
	// village projects that pay contractors (in 实施 or later), by category;
	// those finishing this year last
	var building, later []ledger.ProjectRow
	for _, p := range rows[len(town):] {
		if p.Status == ledger.ProjInProgress && p.Category != "产业" {
			if slices.ContainsFunc(l.finishing, func(f finishing) bool { return f.code == p.Code }) {
				later = append(later, p)
			} else {
				building = append(building, p)
			}
		}
	}
	building = append(building, later...)
	wageEarners := l.pick(60, func(p person) bool { return p.age >= 25 && p.age <= 58 })
	students := l.pick(140, func(p person) bool { return p.age >= 6 && p.age <= 18 })
	youths := l.pick(35, func(p person) bool { return p.age >= 16 && p.age <= 21 })
	deceased := -1
	for _, w := range wageEarners {
		if l.persons[w].row.Village == l.o.Villages[1].Code {
			deceased = w
			break
		}
	}
	// the wage earner another demo town pays again for November (planted
	// B7 there): one who heads their household, so that the bank pays
	// November's wage into their own 一卡通, away from the planted A2, C1,
	// C2 and R1–R5
	for i, w := range wageEarners {
		p := l.persons[w]
		if w == deceased || i < 10 || l.houses[p.house].members[0] != w {
			continue
		}
		item := []string{"GY01", "GY02", "GY03", "GY04"}[i%4]
		l.sum.Wage = &Paid{Name: p.row.Name, IDNumber: p.row.IDNumber, Bank: p.row.Bank, AccountNo: p.row.AccountNo,
			Village: p.row.Village, Group: p.row.Group, Kind: p.row.HouseholdKind, Monitoring: p.row.MonitoringKind, ItemCode: item, ProjectCode: pWages, DocNo: funds[1].doc,
			Period: ledger.Period{Year: 2026, Month: 11}, JoinedOn: p.row.JoinedOn,
			Amount: map[string]ledger.Fen{"GY01": 800_00, "GY02": 600_00, "GY03": 600_00, "GY04": 500_00}[item]}
		break
	}

	for m := 1; m <= 11; m++ {
		// the notices job on the 1st: last month's results, last quarter's usage
		if m > 1 {
			l.set(m, 1, 6)
			drafts, err := l.s.DraftPeriodicNotices(l.ctx, l.lg, l.clock.Now(), ledger.AutoPublishTypes)
			if err != nil {
				return err
			}
			for _, d := range drafts {
				if _, err := l.pub.Publish(l.ctx, l.lg, "system", d.ID, nil); err == nil {
					l.sum.Notices++
				} else if ledger.ErrorCode(err) != ledger.CodeMissingFields {
					return fmt.Errorf("notices job %d: %w", m, err)
				}
			}
			if err := l.stageNotices(); err != nil {
				return fmt.Errorf("notices job %d: %w", m, err)
			}
		}
		if err := l.fundsOf(m, building, fin); err != nil {
			return err
		}
		// wages on the 10th (a 发放明细 import)
		l.set(m, 10, 15)
		var wages []ledger.PaymentRow
		for i, w := range wageEarners {
			if w == deceased && m > 7 {
				continue // planted A2: paid for June and July after a death in May
			}
			item := []string{"GY01", "GY02", "GY03", "GY04"}[i%4]
			std := map[string]ledger.Fen{"GY01": 800_00, "GY02": 600_00, "GY03": 600_00, "GY04": 500_00}[item]
			p := l.persons[w]
			row := ledger.PaymentRow{ProjectCode: pWages, DocNo: funds[1].doc, ItemCode: item, Kind: ledger.PaySubsidy, PayeeIDNumber: p.row.IDNumber,
				Amount: std, Period: ledger.Period{Year: 2026, Month: m}, PaidOn: l.date(m, 10)}
			if m == 8 && i >= 3 && i < 6 { // planted C2: three households' wages into one account
				first := l.persons[wageEarners[3]]
				row.AccountNo, row.AccountHolderIDNumber = l.houses[first.house].account, l.persons[l.houses[first.house].members[0]].row.IDNumber
			}
			if m == 9 && i == 7 { // planted C1: into another household's account
				other := l.houses[(p.house+11)%len(l.houses)]
				row.AccountNo, row.AccountHolderIDNumber = other.account, l.persons[other.members[0]].row.IDNumber
			}
			l.bankPaid(m, p, &row)
			wages = append(wages, row)
		}
		if err := l.importPayments(fmt.Sprintf("2026年%d月公益岗位工资发放明细.xlsx", m), wages); err != nil {
			return err
		}
		if m == 11 {
			l.bankWages = wages
		}
		if m == 5 && deceased >= 0 {
			if _, err := l.s.RecordRegisters(l.ctx, l.lg, fin, []ledger.RegisterRow{{IDNumber: l.persons[deceased].row.IDNumber, Kind: "死亡", On: l.date(5, 3)}}, nil); err != nil {
				return err
			}
		}
		// subsidy lists: industry in March, education in June, training and relief in September
		switch m {
		case 3:
			var hs []int
			for h := range l.houses[:o.PoorHouseholds] {
				if h%3 == 0 {
					hs = append(hs, h)
				}
			}
			if err := l.listed(m, hs, nil, fin); err != nil {
				return err
			}
		case 6:
			if err := l.listed(m, nil, students, fin); err != nil {
				return err
			}
		case 9:
			if err := l.listed(m, nil, youths, fin); err != nil {
				return err
			}
		}
		if err := l.contractors(m, building, fin); err != nil {
			return err
		}
		if err := l.loans(m, o, fin); err != nil {
			return err
		}
	}
	return l.plants(o, fin)
}

// fundsOf records the funds arriving in month m, allocates them to the
// projects of their purpose, and publishes each 资金分配结果公告.
func (l *loader) fundsOf(m int, building []ledger.ProjectRow, fin string) error {
	for _, f := range funds {
		if f.month != m {
			continue
		}
		l.set(m, f.day, 10)
		if _, err := l.s.RecordFund(l.ctx, l.lg, fin, ledger.FundRow{DocNo: f.doc, Name: f.name, SourceLevel: f.level, Nature: f.nature,
			FunctionCode: f.code, Purpose: f.purpose, Year: 2026, Amount: f.amount, ArrivedOn: l.date(m, f.day)}, nil); err != nil {
			return fmt.Errorf("fund %s: %w", f.doc, err)
		}
		l.sum.Funds++
		if f.idle {
			continue
		}
		l.set(m, f.day+1, 10)
		var targets []ledger.AllocationRow
		left := f.amount
		add := func(code string, amount ledger.Fen) {
			amount = min(amount, left) / 100_00 * 100_00 // a town allocates whole hundreds of yuan
			if amount <= 0 {
				return
			}
			left -= amount
			targets = append(targets, ledger.AllocationRow{DocNo: f.doc, ProjectCode: code, Amount: amount, AllocatedOn: l.date(m, f.day+1),
				AllocationDocNo: fmt.Sprintf("镇拨〔2026〕%d号", len(targets)+m*10)})
		}
		switch f.purpose {
		case "就业":
			add(pWages, 900_000_00)
		case "兜底保障":
			add(pRelief, 300_000_00)
		case "教育":
			add(pEducation, f.amount/2)
		case "产业":
			add(pIndustry, f.amount/3)
			if f.doc == funds[0].doc {
				// 衔接资金 may go to 基础设施 and 人居环境 too (ledger.CrossPurpose)
				for _, p := range building[:min(4, len(building))] {
					add(p.Code, p.Budget/2)
				}
				// and the projects finishing this year (stages.go)
				for _, p := range building {
					if slices.ContainsFunc(l.finishing, func(f finishing) bool { return f.code == p.Code }) {
						add(p.Code, p.Budget/2)
					}
				}
			} else if len(building) > 6 {
				// planted E7: the county's 产业 专项 money (not 衔接资金) allocated to an infrastructure project
				add(building[6].Code, 150_000_00)
			}
		default:
			for _, p := range building {
				if p.Category == f.purpose || f.purpose == "基础设施" && p.Category == "人居环境" {
					add(p.Code, p.Budget/2)
				}
			}
		}
		for _, a := range targets {
			if _, err := l.s.RecordAllocation(l.ctx, l.lg, fin, a, nil); err != nil {
				return fmt.Errorf("allocation %s → %s: %w", a.DocNo, a.ProjectCode, err)
			}
		}
		if f.noNotice || len(targets) == 0 {
			continue
		}
		l.set(m, f.day+3, 9)
		if err := l.publish(ledger.NoticeDraftInput{Type: ledger.NoticeAllocation, Fund: f.doc,
			Fields: map[string]string{"allocation_principle": "按因素法分配，向脱贫人口多、基础设施薄弱的村倾斜，经镇党委会研究确定"}}); err != nil {
			return err
		}
	}
	return nil
}

// listed records the month's list-required subsidies (waiting for
// publicity), publishes each village's 补助对象公示 on the 12th and runs the
// publicity step after the period.
func (l *loader) listed(m int, households, people []int, fin string) error {
	l.set(m, 11, 10)
	for _, h := range households {
		item := []string{"CY01", "CY02", "CY03", "CY04"}[h%4]
		qty := int64(2 + h%5)
		std := map[string]ledger.Fen{"CY01": 100_00, "CY02": 300_00, "CY03": 300_00, "CY04": 200_00}[item]
		head := l.persons[l.houses[h].members[0]]
		if _, err := l.s.RecordPayment(l.ctx, l.lg, fin, ledger.PaymentRow{VoucherNo: l.nextVoucher(), ProjectCode: pIndustry, DocNo: funds[0].doc,
			ItemCode: item, Kind: ledger.PaySubsidy, PayeeIDNumber: head.row.IDNumber, Quantity: qty, Amount: std * ledger.Fen(qty),
			Period: ledger.Period{Year: 2026}, PaidOn: l.date(m, 25)}, nil); err != nil {
			return fmt.Errorf("industry subsidy: %w", err)
		}
		l.sum.Payments++
	}
	for _, i := range people {
		p := l.persons[i]
		item, doc, proj := "JY04", funds[7].doc, pEducation
		if m == 9 {
			item = "JY02"
		}
		std := map[string]ledger.Fen{"JY04": 1000_00, "JY02": 1500_00}[item]
		if _, err := l.s.RecordPayment(l.ctx, l.lg, fin, ledger.PaymentRow{VoucherNo: l.nextVoucher(), ProjectCode: proj, DocNo: doc,
			ItemCode: item, Kind: ledger.PaySubsidy, PayeeIDNumber: p.row.IDNumber, Amount: std, Period: ledger.Period{Year: 2026},
			PaidOn: l.date(m, 25)}, nil); err != nil {
			return fmt.Errorf("education subsidy: %w", err)
		}
		l.sum.Payments++
	}
	l.set(m, 12, 9)
	for _, v := range l.o.Villages {
		if err := l.publish(ledger.NoticeDraftInput{Type: ledger.NoticeRecipients, Village: v.Code}); err != nil {
			return err
		}
	}
	l.set(m, 23, 0)
	_, err := l.s.RunPublicity(l.ctx, l.lg, "system")
	return err
}

// contractors pays the builders of village projects in 实施: progress
// payments in May, August and October (approved by the approver).
func (l *loader) contractors(m int, building []ledger.ProjectRow, fin string) error {
	if m != 5 && m != 8 && m != 10 {
		return nil
	}
	l.set(m, 18, 10)
	for i, p := range building {
		kind := ledger.PayProgress
		g := orgs[i%len(orgs)]
		amount := p.Budget / 5
		pm, err := l.s.RecordPayment(l.ctx, l.lg, fin, ledger.PaymentRow{VoucherNo: l.nextVoucher(), ProjectCode: p.Code, DocNo: l.fundOf(p),
			Kind: kind, PayeeOrgName: g.name, PayeeUSCC: g.uscc, Amount: amount, PaidOn: l.date(m, 18),
			InvoiceNo: fmt.Sprintf("4300261%03d%06d", m, i+1), ContractNo: "HT-" + p.Code}, nil)
		if err != nil {
			if ledger.ErrorCode(err) == ledger.CodeAllocationOverdrawn {
				continue
			}
			return fmt.Errorf("contractor %s: %w", p.Code, err)
		}
		l.sum.Payments++
		if pm.Status == ledger.StatusPendingApproval {
			if _, err := l.s.DecidePayment(l.ctx, l.lg, l.actor("approver"), pm.ID, true, "合同约定进度，同意支付", nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// fundOf is the fund a building project was allocated from.
func (l *loader) fundOf(p ledger.ProjectRow) string {
	r, err := l.s.ProjectReport(l.ctx, l.lg, p.Code)
	if err == nil {
		for _, f := range r.Funds {
			if f.Holding > 0 {
				return f.DocNo
			}
		}
	}
	return funds[6].doc
}

// LPR1Y is the one-year 贷款市场报价利率 (LPR) in force on a date, in basis
// points: 脱贫人口小额信贷 are priced at it (原则上按照 1 年期 LPR 放款), not at
// the benchmark 4.35 % of before 2019. 3.10 % from 21 October 2024, 3.00 %
// from 20 May 2025.
func LPR1Y(d ledger.Date) int64 {
	if d.Before(ledger.Date{Year: 2025, Month: 5, Day: 20}) {
		return 310
	}
	return 300
}

// addMonths is a loan's due date: the same day term months on (the
// month's last day when it has no such day), as the bank's contract reads.
func addMonths(d ledger.Date, months int) ledger.Date {
	t := time.Date(d.Year, d.Month+time.Month(months), 1, 0, 0, 0, 0, time.UTC)
	last := t.AddDate(0, 1, -1).Day()
	return ledger.Date{Year: t.Year(), Month: t.Month(), Day: min(d.Day, last)}
}

// loans grants 脱贫人口小额信贷 in February to April and publishes each
// village's 小额信贷公示 for April.
func (l *loader) loans(m int, o Options, fin string) error {
	if m < 2 || m > 4 {
		return nil
	}
	l.set(m, 15, 10)
	for h := m; h < o.PoorHouseholds; h += 29 {
		head := l.persons[l.houses[h].members[0]]
		if head.age > 60 || head.age < 20 {
			continue
		}
		term := []int{12, 24, 36}[h%3]
		if _, err := l.s.GrantLoan(l.ctx, l.lg, fin, ledger.LoanRow{ContractNo: fmt.Sprintf("LYNS-2026-%04d", h), BorrowerIDNumber: head.row.IDNumber,
			Bank: "浏阳农商银行", Amount: ledger.Fen(20000_00 + (h%4)*10000_00), TermMonths: term, RateBP: LPR1Y(l.date(m, 15)), Use: []string{"油茶种植", "生猪养殖", "蔬菜种植", "农家乐"}[h%4],
			GrantedOn: l.date(m, 15), DueOn: addMonths(l.date(m, 15), term)}, nil); err != nil {
			return fmt.Errorf("loan: %w", err)
		}
		l.sum.Loans++
	}
	if m == 4 {
		l.set(4, 20, 9)
		for _, v := range l.o.Villages {
			if err := l.publish(ledger.NoticeDraftInput{Type: ledger.NoticeLoans, Village: v.Code, Period: "2026-04"}); err != nil {
				return err
			}
		}
	}
	return nil
}

// plants records the irregularities the rules must find (Planted), as the
// imports and instructions a careless or dishonest office might make.
func (l *loader) plants(o Options, fin string) error {
	l.set(11, 18, 10)
	p := func(i int) person { return l.persons[i] }
	head := func(h int) person { return p(l.houses[h].members[0]) }
	joiner := l.houses[5].members[len(l.houses[5].members)-1]
	rows := []ledger.PaymentRow{
		// A4: a public employee receives 教育资助
		{ProjectCode: pEducation, DocNo: funds[7].doc, ItemCode: "JY04", Kind: ledger.PaySubsidy, PayeeIDNumber: head(3).row.IDNumber, Amount: 1000_00, Period: ledger.Period{Year: 2026}, PaidOn: l.date(11, 12)},
		// A5: a cadre's relative receives 临时救助 (also H2: no list)
		{ProjectCode: pRelief, DocNo: funds[2].doc, ItemCode: "DB02", Kind: ledger.PaySubsidy, PayeeIDNumber: head(2).row.IDNumber, Amount: 1000_00, Period: ledger.Period{Year: 2026}, PaidOn: l.date(11, 12)},
		// A7: joined in July, paid 雨露计划 in November
		{ProjectCode: pEducation, DocNo: funds[7].doc, ItemCode: "JY02", Kind: ledger.PaySubsidy, PayeeIDNumber: p(joiner).row.IDNumber, Amount: 1500_00, Period: ledger.Period{Year: 2026}, PaidOn: l.date(11, 12)},
		// B1: the same household's 油茶 subsidy twice in one year
		{ProjectCode: pIndustry, DocNo: funds[0].doc, ItemCode: "CY02", Kind: ledger.PaySubsidy, PayeeIDNumber: head(10).row.IDNumber, Quantity: 2, Amount: 600_00, Period: ledger.Period{Year: 2026}, PaidOn: l.date(11, 12)},
		{ProjectCode: pIndustry, DocNo: funds[0].doc, ItemCode: "CY02", Kind: ledger.PaySubsidy, PayeeIDNumber: head(10).row.IDNumber, Quantity: 2, Amount: 600_00, Period: ledger.Period{Year: 2026}, PaidOn: l.date(11, 13)},
		// B3: 教育资助 above its standard
		{ProjectCode: pEducation, DocNo: funds[7].doc, ItemCode: "JY04", Kind: ledger.PaySubsidy, PayeeIDNumber: head(40).row.IDNumber, Amount: 1500_00, Period: ledger.Period{Year: 2026}, PaidOn: l.date(11, 12)},
		// C4: 12,000 to a person with no item
		{ProjectCode: pRelief, DocNo: funds[2].doc, Kind: ledger.PaySubsidy, PayeeIDNumber: head(44).row.IDNumber, Amount: 12000_00, PaidOn: l.date(11, 12)},
		// H2: 临时救助 made effective by import, never listed
		{ProjectCode: pRelief, DocNo: funds[2].doc, ItemCode: "DB02", Kind: ledger.PaySubsidy, PayeeIDNumber: head(50).row.IDNumber, Amount: 800_00, Period: ledger.Period{Year: 2026}, PaidOn: l.date(11, 12)},
	}
	// E3: a payment beyond what the project holds of the fund
	// (衔接资金 of the 基础设施 batch on the town's 产业 project: a purpose 衔接资金 may serve, so not E7)
	rows = append(rows, ledger.PaymentRow{ProjectCode: pIndustry, DocNo: funds[6].doc, Kind: ledger.PaySubsidy, PayeeIDNumber: head(60).row.IDNumber, Amount: 2000_00, PaidOn: l.date(11, 12)})
	if err := l.importPayments("11月补充发放明细.xlsx", rows); err != nil {
		return err
	}
	// F1 and F9: a contractor's three 40,000 progress payments within 90 days, two on one invoice
	g := orgs[0]
	proj := pIndustry
	for i, day := range []int{2, 9, 16} {
		inv := fmt.Sprintf("43002611%05d", 900+i)
		if i == 2 {
			inv = fmt.Sprintf("43002611%05d", 901) // F9
		}
		l.set(11, day, 10)
		pm, err := l.s.RecordPayment(l.ctx, l.lg, fin, ledger.PaymentRow{VoucherNo: l.nextVoucher(), ProjectCode: proj, DocNo: funds[0].doc,
			Kind: ledger.PayProgress, PayeeOrgName: g.name, PayeeUSCC: g.uscc, Amount: 40000_00, PaidOn: l.date(11, day), InvoiceNo: inv, ContractNo: "HT-CY-2026-01"}, nil)
		if err != nil {
			return fmt.Errorf("F1: %w", err)
		}
		l.sum.Payments++
		if pm.Status == ledger.StatusPendingApproval {
			if _, err := l.s.DecidePayment(l.ctx, l.lg, l.actor("approver"), pm.ID, true, "同意", nil); err != nil {
				return err
			}
		}
	}
	// H5: in November, a wage for July recorded after the fact
	l.set(11, 19, 10)
	if _, err := l.s.RecordPayment(l.ctx, l.lg, fin, ledger.PaymentRow{VoucherNo: l.nextVoucher(), ProjectCode: pWages, DocNo: funds[1].doc,
		Kind: ledger.PaySubsidy, PayeeIDNumber: head(70).row.IDNumber, Amount: 300_00, PaidOn: l.date(7, 15)}, nil); err != nil {
		return fmt.Errorf("H5: %w", err)
	}
	l.sum.Payments++
	// G3, G5, G7: loans the bank reported late (an import of facts)
	var old []ledger.LoanRow
	for i := range 6 { // one-year loans of 2025, overdue now
		h := 100 + i*13
		granted := ledger.Date{Year: 2025, Month: time.Month(3 + i), Day: 10}
		old = append(old, ledger.LoanRow{ContractNo: fmt.Sprintf("LYNS-2025-%04d", h), BorrowerIDNumber: head(h).row.IDNumber, Bank: "浏阳农商银行",
			Amount: 30000_00, TermMonths: 12, RateBP: LPR1Y(granted), Use: "生猪养殖", GrantedOn: granted, DueOn: addMonths(granted, 12)})
	}
	var elder int
	for h := range l.houses[:o.PoorHouseholds] {
		if head(h).age >= 67 {
			elder = h
			break
		}
	}
	old = append(old, ledger.LoanRow{ContractNo: "LYNS-2026-9001", BorrowerIDNumber: head(elder).row.IDNumber, Bank: "浏阳农商银行", Amount: 20000_00,
		TermMonths: 24, RateBP: LPR1Y(l.date(10, 8)), Use: "油茶种植", GrantedOn: l.date(10, 8), DueOn: addMonths(l.date(10, 8), 24)})
	second := 2 + 29 // a household that borrowed in February (loans step: h = m, m+29 …)
	old = append(old, ledger.LoanRow{ContractNo: "LYNS-2026-9002", BorrowerIDNumber: head(second).row.IDNumber, Bank: "浏阳农商银行", Amount: 20000_00,
		TermMonths: 12, RateBP: LPR1Y(l.date(10, 9)), Use: "蔬菜种植", GrantedOn: l.date(10, 9), DueOn: addMonths(l.date(10, 9), 12)})
	for i := range old {
		old[i].Row = i + 2
	}
	if _, err := l.s.Import(l.ctx, l.lg, fin, ledger.ImportInput{Kind: "loans", Filename: "银行贷款台账.xlsx", Rows: len(old), Loans: old}, false, nil); err != nil {
		return fmt.Errorf("loans import: %w", err)
	}
	l.sum.Loans += len(old)
	// the library's projects in 公示 get their notice
	l.set(11, 20, 9)
	for _, v := range l.o.Villages {
		if err := l.publish(ledger.NoticeDraftInput{Type: ledger.NoticeLibrary, Village: v.Code}); err != nil {
			return err
		}
	}
	// a complaint and an objection from villagers
	if _, err := l.s.FileComplaint(l.ctx, l.lg, ledger.ComplaintInput{Village: l.o.Villages[0].Code, Text: "村里公益岗位人员长期不在岗，希望核实。"}); err != nil {
		return err
	}
	return l.plants17(o, fin) // issue 17's rules (plants17.go)
}
