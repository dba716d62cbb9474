package demo

import (
	"fmt"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// planted17 lists the cases of issue 17's rules the demo plants (each in
// Planted; plants17 records them).
var planted17 = []Plant{
	{"A8", "一名脱贫户 10 月同时领取生态护林员和保洁员两个公益岗位的工资"},
	{"A9", "一名 67 岁以上的老人领取防洪巡堤员工资"},
	{"B2", "同一户的油茶产业奖补 2026 年度分别发给户主和另一名家庭成员，都打入户主的一卡通"},
	{"B6", "同一户 2025 年已享受危房改造补助，2026 年又发一次"},
	{"C6", "同村三户人 10 月的公益岗位工资打入一名村干部的一卡通"},
	{"F3", "法定代表人为村干部的建材公司收到项目进度款"},
	{"G9", "一笔贴息注明的贷款合同号在贷款台账中不存在"},
	{"H6", "一笔公益岗位工资的支付日期误录为 2036 年"},
	{"H7", "2026 年 11 月补发 2024 年 12 月的公益岗位工资"},
}

// plants17 records issue 17's planted cases: an import of payments already
// made (a record of fact, so each is written and then flagged) and a
// supplier registered with its legal representative, on poor households
// counted from the end of the register (no other plant touches them).
func (l *loader) plants17(o Options, fin string) error {
	l.set(11, 21, 10)
	p := func(i int) person { return l.persons[i] }
	head := func(h int) person { return p(l.houses[h].members[0]) }
	var picked []int // households used, so that no two plants share one
	find := func(ok func(h household, hd person) bool) (int, error) {
		for h := o.PoorHouseholds - 1; h >= 0; h-- {
			if hd := head(h); ok(l.houses[h], hd) && hd.age <= 90 && !containsInt(picked, h) {
				picked = append(picked, h)
				return h, nil
			}
		}
		return 0, fmt.Errorf("demo: no household for a planted case")
	}
	working := func(h household, hd person) bool { return hd.age >= 25 && hd.age <= 58 }
	wage := func(item string, amount ledger.Fen, h int, period ledger.Period, paid ledger.Date) ledger.PaymentRow {
		return ledger.PaymentRow{ProjectCode: pWages, DocNo: funds[1].doc, ItemCode: item, Kind: ledger.PaySubsidy, PayeeIDNumber: head(h).row.IDNumber,
			Amount: amount, Period: period, PaidOn: paid}
	}
	october := ledger.Period{Year: 2026, Month: 10}
	a8, err := find(working)
	if err != nil {
		return err
	}
	a9, err := find(func(h household, hd person) bool { return hd.age >= 67 })
	if err != nil {
		return err
	}
	b2, err := find(func(h household, hd person) bool { return len(h.members) >= 2 && working(h, hd) })
	if err != nil {
		return err
	}
	b6, err := find(working)
	if err != nil {
		return err
	}
	// the cadres head ordinary households (people, above): one holds three
	// households' 一卡通s in their village, another owns a supplier
	cadre := l.houses[o.PoorHouseholds]
	owner := head(o.PoorHouseholds + 1)
	var c6 [3]int
	for i := range c6 {
		if c6[i], err = find(func(h household, hd person) bool { return working(h, hd) && h.village.Code == cadre.village.Code }); err != nil {
			return err
		}
	}
	g9, err := find(working)
	if err != nil {
		return err
	}
	h6, err := find(func(h household, hd person) bool { return hd.age >= 25 && hd.age <= 50 }) // under 65 in 2036 too
	if err != nil {
		return err
	}
	h7, err := find(working)
	if err != nil {
		return err
	}
	b2Head, b2Spouse := head(b2), p(l.houses[b2].members[1])
	rows := []ledger.PaymentRow{
		// A8: two posts for October
		wage("GY01", 800_00, a8, october, l.date(11, 12)),
		wage("GY04", 500_00, a8, october, l.date(11, 12)),
		// A9: a post holder of 67 or more
		wage("GY03", 600_00, a9, october, l.date(11, 12)),
		// B2: a household's 油茶 subsidy to two of its members, into the head's 一卡通
		{ProjectCode: pIndustry, DocNo: funds[0].doc, ItemCode: "CY02", Kind: ledger.PaySubsidy, PayeeIDNumber: b2Head.row.IDNumber, Quantity: 1,
			Amount: 300_00, Period: ledger.Period{Year: 2026}, PaidOn: l.date(11, 12), AccountNo: l.houses[b2].account, AccountHolderIDNumber: b2Head.row.IDNumber},
		{ProjectCode: pIndustry, DocNo: funds[0].doc, ItemCode: "CY02", Kind: ledger.PaySubsidy, PayeeIDNumber: b2Spouse.row.IDNumber, Quantity: 1,
			Amount: 300_00, Period: ledger.Period{Year: 2026}, PaidOn: l.date(11, 13), AccountNo: l.houses[b2].account, AccountHolderIDNumber: b2Head.row.IDNumber},
		// B6: 危房改造 in 2025, and again in 2026
		{ProjectCode: pRelief, DocNo: funds[2].doc, ItemCode: "ZF01", Kind: ledger.PaySubsidy, PayeeIDNumber: head(b6).row.IDNumber, Amount: 20000_00,
			Period: ledger.Period{Year: 2025}, PaidOn: ledger.Date{Year: 2025, Month: 10, Day: 20}},
		{ProjectCode: pRelief, DocNo: funds[2].doc, ItemCode: "ZF01", Kind: ledger.PaySubsidy, PayeeIDNumber: head(b6).row.IDNumber, Amount: 20000_00,
			Period: ledger.Period{Year: 2026}, PaidOn: l.date(11, 12)},
		// G9: 贴息 for a loan the bank never granted
		{ProjectCode: pRelief, DocNo: funds[2].doc, ItemCode: "TX01", Kind: ledger.PaySubsidy, PayeeIDNumber: head(g9).row.IDNumber, Amount: 900_00,
			Period: ledger.Period{Year: 2026}, PaidOn: l.date(11, 12), LoanContractNo: "LYNS-2026-0999"},
		// H6: the year typed as 2036, in the date and the period
		wage("GY02", 600_00, h6, ledger.Period{Year: 2036, Month: 11}, ledger.Date{Year: 2036, Month: 11, Day: 12}),
		// H7: December 2024's wage paid in November 2026
		wage("GY02", 600_00, h7, ledger.Period{Year: 2024, Month: 12}, l.date(11, 12)),
	}
	// C6: three households' October wages into their village cadre's 一卡通
	for _, h := range c6 {
		r := wage("GY04", 500_00, h, october, l.date(11, 12))
		r.AccountNo, r.AccountHolderIDNumber = cadre.account, p(cadre.members[0]).row.IDNumber
		rows = append(rows, r)
	}
	// F3: a supplier whose legal representative is a village cadre, paid for materials
	uscc := ledger.MakeUSCC(fmt.Sprintf("91%s%08d%c", FictitiousArea, 20269999, 'M'))
	if _, err := l.s.RegisterOrganisation(l.ctx, l.lg, fin, ledger.Organisation{Name: "浏阳市石牛建材有限公司", USCC: uscc, LegalRepresentative: owner.row.Name}, nil); err != nil {
		return fmt.Errorf("F3: %w", err)
	}
	if _, err := l.s.RecordOrganisationPeople(l.ctx, l.lg, fin, ledger.OrgPeople{USCC: uscc, LegalRepIDNumber: owner.row.IDNumber}, nil); err != nil {
		return fmt.Errorf("F3: %w", err)
	}
	rows = append(rows, ledger.PaymentRow{ProjectCode: pIndustry, DocNo: funds[0].doc, Kind: ledger.PayProgress, PayeeOrgName: "浏阳市石牛建材有限公司",
		PayeeUSCC: uscc, Amount: 18000_00, PaidOn: l.date(11, 12), ContractNo: "HT-CY-2026-07"})
	return l.importPayments("11月补充发放明细（二）.xlsx", rows)
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
