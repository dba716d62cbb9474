package anomaly

import (
	"strings"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/ledger"
)

var p2 = ledger.PayeeRef{Kind: ledger.PayeePerson, ID: 2}
var p3 = ledger.PayeeRef{Kind: ledger.PayeePerson, ID: 3}

// patternTown is base() with the items and registry issue 17's rules read:
// GY01 and GY02 public-welfare posts for ages 16–65; ZF01 危房改造 once per
// household; JY02 雨露计划 once per student per term; JY04 教育资助 with
// standards per school level; TX01 贴息; org 50 (legal representative
// person 3); loan L1 of household 10 (30,000 at 4.35 % for 36 months:
// 3,915 yuan of interest).
func patternTown() *ledger.ScanData {
	x := base()
	x.Items["GY01"] = ledger.Item{Code: "GY01", Name: "公益岗位（护林员）", Unit: "person", Standard: 800_00, Period: "month", Post: true, MinAge: 16, MaxAge: 65}
	x.Items["GY02"] = ledger.Item{Code: "GY02", Name: "公益岗位（保洁员）", Unit: "person", Standard: 500_00, Period: "month", Post: true, MinAge: 16, MaxAge: 65}
	x.Items["ZF01"] = ledger.Item{Code: "ZF01", Name: "危房改造补助", Unit: "household", Standard: 20000_00, Period: "once", GrantLimit: ledger.GrantOncePerHousehold}
	x.Items["JY02"] = ledger.Item{Code: "JY02", Name: "雨露计划", Unit: "person", Standard: 1500_00, Period: "year", GrantLimit: ledger.GrantPerTerm}
	x.Items["JY04"] = ledger.Item{Code: "JY04", Name: "教育资助", Unit: "person", Standard: 1000_00, Period: "year",
		Levels: []ledger.ItemLevel{{Name: "义务教育", MinAge: 6, MaxAge: 15, Standard: 1250_00}, {Name: "高中阶段", MinAge: 15, MaxAge: 19, Standard: 2000_00}}}
	x.Items["TX01"] = ledger.Item{Code: "TX01", Name: "小额信贷贴息", Category: "小额信贷贴息", Unit: "household", Period: "year"}
	x.Orgs = map[int64]ledger.Organisation{50: {ID: 50, Name: "浏阳市某某建筑工程有限公司", LegalRepPerson: 3}}
	x.Loans = []ledger.Loan{{ContractNo: "L1", Household: 10, Borrower: 1, Amount: 30000_00, TermMonths: 36, RateBP: 435, Status: ledger.LoanActive, Seq: 9}}
	x.Births[2] = time.Date(1975, 6, 1, 0, 0, 0, 0, time.UTC)
	x.AccountTails = map[string]string{"acct-of-cadre-3-00000000000000000": "1234"}
	return x
}

func withPerson(x *ledger.ScanData, id int64, f func(p *ledger.Person)) {
	p := x.Persons[id]
	f(&p)
	x.Persons[id] = p
}

func tx(hh int64, contract string, amount ledger.Fen, paid string) ledger.Payment {
	p := pay(ledger.PayeeRef{Kind: ledger.PayeeHousehold, ID: hh}, hh, "TX01", amount, paid[:4], paid)
	p.LoanContractNo = contract
	return p
}

func TestPatternRules(t *testing.T) {
	cases := []struct {
		name  string
		rule  string
		setup func(x *ledger.ScanData)
		want  int
		says  string // the reason says this
	}{
		// A8 一人多岗
		{"A8 fires: two posts in March", "A8", func(x *ledger.ScanData) {
			setPayments(x, pay(p1, 10, "GY01", 800_00, "2026-03", "2026-03-25"), pay(p1, 10, "GY02", 500_00, "2026-03", "2026-03-26"),
				pay(p1, 10, "GY01", 800_00, "2026-04", "2026-04-25"), pay(p1, 10, "GY02", 500_00, "2026-04", "2026-04-26"))
		}, 1, "3、4 月同时领取"},
		{"A8 near miss: changed post from one month to the next", "A8", func(x *ledger.ScanData) {
			setPayments(x, pay(p1, 10, "GY01", 800_00, "2026-03", "2026-03-25"), pay(p1, 10, "GY02", 500_00, "2026-04", "2026-04-26"))
		}, 0, ""},
		{"A8 near miss: two members of a household, one post each", "A8", func(x *ledger.ScanData) {
			setPayments(x, pay(p1, 10, "GY01", 800_00, "2026-03", "2026-03-25"), pay(p2, 10, "GY02", 500_00, "2026-03", "2026-03-26"))
		}, 0, ""},
		// A9 age
		{"A9 fires: a post holder aged 66", "A9", func(x *ledger.ScanData) {
			x.Births[1] = time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC)
			setPayments(x, pay(p1, 10, "GY01", 800_00, "2026-03", "2026-03-25"))
		}, 1, "66 周岁"},
		{"A9 fires: a post holder aged 15", "A9", func(x *ledger.ScanData) {
			x.Births[3] = time.Date(2011, 1, 1, 0, 0, 0, 0, time.UTC)
			setPayments(x, pay(p3, 20, "GY01", 800_00, "2026-03", "2026-03-25"))
		}, 1, "16 至 65 周岁"},
		{"A9 near miss: 65 on the pay date", "A9", func(x *ledger.ScanData) {
			x.Births[1] = time.Date(1960, 3, 26, 0, 0, 0, 0, time.UTC)
			setPayments(x, pay(p1, 10, "GY01", 800_00, "2026-03", "2026-03-25"))
		}, 0, ""},
		// B6 once only
		{"B6 fires: 危房改造 to one household in 2024 and 2026, through two members", "B6", func(x *ledger.ScanData) {
			setPayments(x, pay(p1, 10, "ZF01", 20000_00, "2024", "2024-06-01"), pay(p2, 10, "ZF01", 20000_00, "2026", "2026-06-01"))
		}, 1, "每户限享受一次"},
		{"B6 near miss: two households once each", "B6", func(x *ledger.ScanData) {
			setPayments(x, pay(p1, 10, "ZF01", 20000_00, "2026", "2026-06-01"), pay(p3, 20, "ZF01", 20000_00, "2026", "2026-06-01"))
		}, 0, ""},
		{"B6 near miss: two tranches of one grant (one period)", "B6", func(x *ledger.ScanData) {
			setPayments(x, pay(p1, 10, "ZF01", 10000_00, "2026", "2026-03-01"), pay(p1, 10, "ZF01", 10000_00, "2026", "2026-09-01"))
		}, 0, ""},
		{"B6 fires: 雨露计划 twice in one spring term", "B6", func(x *ledger.ScanData) {
			setPayments(x, pay(p2, 10, "JY02", 1500_00, "2026", "2026-03-10"), pay(p2, 10, "JY02", 1500_00, "2026", "2026-06-10"))
		}, 1, "2026 年春季学期"},
		{"B6 near miss: 雨露计划 in the spring and the autumn term", "B6", func(x *ledger.ScanData) {
			setPayments(x, pay(p2, 10, "JY02", 1500_00, "2026", "2026-03-10"), pay(p2, 10, "JY02", 1500_00, "2026", "2026-10-10"))
		}, 0, ""},
		// C6 cadre holding villagers' 一卡通
		{"C6 fires: a cadre's account receives for three other households", "C6", func(x *ledger.ScanData) {
			addHouseholds(x)
			withPerson(x, 3, func(p *ledger.Person) { p.VillageCadre = true })
			var ps []ledger.Payment
			for _, pe := range []int64{1, 4, 5} {
				p := pay(ledger.PayeeRef{Kind: ledger.PayeePerson, ID: pe}, x.Persons[pe].Household, "GY02", 500_00, "2026-03", "2026-03-25")
				p.AccountHolder, p.AccountIndex = 3, "acct-of-cadre-3-00000000000000000"
				ps = append(ps, p)
			}
			setPayments(x, ps...)
		}, 1, "****1234"},
		{"C6 near miss: two other households", "C6", func(x *ledger.ScanData) {
			addHouseholds(x)
			withPerson(x, 3, func(p *ledger.Person) { p.VillageCadre = true })
			var ps []ledger.Payment
			for _, pe := range []int64{1, 4, 3} { // the third is the cadre's own
				p := pay(ledger.PayeeRef{Kind: ledger.PayeePerson, ID: pe}, x.Persons[pe].Household, "GY02", 500_00, "2026-03", "2026-03-25")
				p.AccountHolder, p.AccountIndex = 3, "acct-of-cadre-3-00000000000000000"
				ps = append(ps, p)
			}
			setPayments(x, ps...)
		}, 0, ""},
		{"C6 near miss: an ordinary villager's account (C1's and C2's)", "C6", func(x *ledger.ScanData) {
			addHouseholds(x)
			var ps []ledger.Payment
			for _, pe := range []int64{1, 4, 5} {
				p := pay(ledger.PayeeRef{Kind: ledger.PayeePerson, ID: pe}, x.Persons[pe].Household, "GY02", 500_00, "2026-03", "2026-03-25")
				p.AccountHolder = 3
				ps = append(ps, p)
			}
			setPayments(x, ps...)
		}, 0, ""},
		// F3 cadre-linked contractor
		{"F3 fires: the legal representative is a cadre", "F3", func(x *ledger.ScanData) {
			withPerson(x, 3, func(p *ledger.Person) { p.VillageCadre = true })
			setPayments(x, pay(ledger.PayeeRef{Kind: ledger.PayeeOrg, ID: 50}, 0, "", 40000_00, "", "2026-05-01"))
		}, 1, "法定代表人为村干部"},
		{"F3 fires: a shareholder is a cadre's relative", "F3", func(x *ledger.ScanData) {
			withPerson(x, 2, func(p *ledger.Person) { p.CadreRelativeOf = 1 })
			x.Orgs[50] = ledger.Organisation{ID: 50, Name: "浏阳市某某建筑工程有限公司", LegalRepPerson: 3, Shareholders: []int64{3, 2}}
			setPayments(x, pay(ledger.PayeeRef{Kind: ledger.PayeeOrg, ID: 50}, 0, "", 40000_00, "", "2026-05-01"))
		}, 1, "股东为村干部张*明的亲属"},
		{"F3 near miss: the legal representative is an ordinary villager", "F3", func(x *ledger.ScanData) {
			setPayments(x, pay(ledger.PayeeRef{Kind: ledger.PayeeOrg, ID: 50}, 0, "", 40000_00, "", "2026-05-01"))
		}, 0, ""},
		// G9 贴息
		{"G9 fires: 贴息 for a loan the books do not have", "G9", func(x *ledger.ScanData) {
			setPayments(x, tx(10, "L-NONE", 500_00, "2026-12-20"))
		}, 1, "在贷款台账中不存在"},
		{"G9 fires: 贴息 for another household's loan", "G9", func(x *ledger.ScanData) {
			setPayments(x, tx(20, "L1", 500_00, "2026-12-20"))
		}, 1, "借款户不是该户"},
		{"G9 fires: 贴息 with no contract number", "G9", func(x *ledger.ScanData) {
			setPayments(x, tx(10, "", 500_00, "2026-12-20"))
		}, 1, "没有注明贷款合同号"},
		{"G9 fires: three years' 贴息 beyond the loan's interest", "G9", func(x *ledger.ScanData) {
			setPayments(x, tx(10, "L1", 1305_00, "2025-12-20"), tx(10, "L1", 1305_00, "2026-12-20"), tx(10, "L1", 1306_00, "2027-12-20"))
		}, 1, "超出 1.00 元"},
		{"G9 near miss: exactly the loan's interest", "G9", func(x *ledger.ScanData) {
			setPayments(x, tx(10, "L1", 1305_00, "2025-12-20"), tx(10, "L1", 1305_00, "2026-12-20"), tx(10, "L1", 1305_00, "2027-12-20"))
		}, 0, ""},
		{"G9 near miss: a repaid loan's 贴息", "G9", func(x *ledger.ScanData) {
			x.Loans[0].Status = ledger.LoanRepaid
			setPayments(x, tx(10, "L1", 1305_00, "2025-12-20"))
		}, 0, ""},
		// H6 future, H7 far period (today is 2026-09-01)
		{"H6 fires: an imported payment dated next month", "H6", func(x *ledger.ScanData) {
			setPayments(x, pay(p1, 10, "GY01", 800_00, "2026-10", "2026-10-25"))
		}, 1, "晚于记账时的今天（2026-09-01）"},
		{"H6 near miss: dated tomorrow (the API's tolerance)", "H6", func(x *ledger.ScanData) {
			setPayments(x, pay(p1, 10, "GY01", 800_00, "2026-09", "2026-09-02"))
		}, 0, ""},
		{"H7 fires: a wage for 2024-03 paid in 2026-05", "H7", func(x *ledger.ScanData) {
			setPayments(x, pay(p1, 10, "GY01", 800_00, "2024-03", "2026-05-10"))
		}, 1, "晚于期间结束 12 个月以上"},
		{"H7 fires: a wage for 2027-03 paid in 2026-05", "H7", func(x *ledger.ScanData) {
			setPayments(x, pay(p1, 10, "GY01", 800_00, "2027-03", "2026-05-10"))
		}, 1, "早于期间开始 3 个月以上"},
		{"H7 near miss: 2025's subsidy paid in 2026-03 (补发 within a year)", "H7", func(x *ledger.ScanData) {
			setPayments(x, pay(p1, 10, "CY01", 100_00, "2025", "2026-03-10"))
		}, 0, ""},
		// B2 recipients, not account holders
		{"B2 fires: two members of one household, one account", "B2", func(x *ledger.ScanData) {
			hh := ledger.PayeeRef{Kind: ledger.PayeeHousehold, ID: 10}
			a, b := pay(hh, 10, "ZF01", 20000_00, "2026", "2026-05-01"), pay(hh, 10, "ZF01", 20000_00, "2026", "2026-05-02")
			a.AccountHolder, b.AccountHolder, a.Recipient, b.Recipient = 1, 1, 1, 2
			setPayments(x, a, b)
		}, 1, "打入同一账户"},
		// A7 突击迁入
		{"A7 fires: moved in 60 days before the first wage", "A7", func(x *ledger.ScanData) {
			withPerson(x, 2, func(p *ledger.Person) { p.JoinedOn, p.Relation = d("2026-03-01"), "其他" })
			setPayments(x, pay(p2, 10, "GY01", 800_00, "2026-04", "2026-04-30"))
		}, 1, "突击迁入"},
		{"A7 near miss: a bride moved in", "A7", func(x *ledger.ScanData) {
			withPerson(x, 2, func(p *ledger.Person) { p.JoinedOn, p.Relation = d("2026-03-01"), "儿媳" })
			setPayments(x, pay(p2, 10, "GY01", 800_00, "2026-04", "2026-04-30"))
		}, 0, ""},
		{"A7 near miss: a student came home", "A7", func(x *ledger.ScanData) {
			withPerson(x, 2, func(p *ledger.Person) { p.JoinedOn, p.Relation, p.Student = d("2026-03-01"), "子女", true })
			setPayments(x, pay(p2, 10, "JY02", 1500_00, "2026", "2026-04-30"))
		}, 0, ""},
		// B3 per school level (person 3 born 2010: 16 in 2026, 高中阶段)
		{"B3 near miss: 2,000 to a high-school student (the level's standard)", "B3", func(x *ledger.ScanData) {
			setPayments(x, pay(p3, 20, "JY04", 2000_00, "2026", "2026-09-01"))
		}, 0, ""},
		{"B3 fires: 2,000 to a pupil of 12 (义务教育: 1,250)", "B3", func(x *ledger.ScanData) {
			x.Births[3] = time.Date(2014, 1, 1, 0, 0, 0, 0, time.UTC)
			setPayments(x, pay(p3, 20, "JY04", 2000_00, "2026", "2026-09-01"))
		}, 1, "超过「义务教育」学段标准 1,250.00 元"},
	}
	for _, c := range cases {
		x := patternTown()
		c.setup(x)
		fs := run(t, c.rule, x)
		if len(fs) != c.want {
			t.Errorf("%s: %d findings, want %d: %+v", c.name, len(fs), c.want, fs)
			continue
		}
		for _, f := range fs {
			if f.Rule != c.rule || f.SubjectKey == "" || f.Reason == "" || f.Subject.Label == "" || len(f.Evidence.Entries) == 0 {
				t.Errorf("%s: incomplete finding %+v", c.name, f)
			}
			if !strings.Contains(f.Reason, c.says) {
				t.Errorf("%s: reason %q does not say %q", c.name, f.Reason, c.says)
			}
		}
	}
}

// addHouseholds adds households 30 (person 4) and 40 (person 5) to V1.
func addHouseholds(x *ledger.ScanData) {
	x.Persons[4] = ledger.Person{ID: 4, Household: 30, JoinedOn: d("2010-01-01")}
	x.Persons[5] = ledger.Person{ID: 5, Household: 40, JoinedOn: d("2010-01-01")}
	x.Households[30] = ledger.Household{ID: 30, Village: "V1", Head: 4}
	x.Households[40] = ledger.Household{ID: 40, Village: "V1", Head: 5}
	x.Members[30], x.Members[40] = []int64{4}, []int64{5}
	x.Labels[4], x.Labels[5] = "王*", "赵*芳"
}

// TestPatternEvidence: each new rule cites what a monitor checks against:
// vouchers, 贷款合同号, the masked account, the project.
func TestPatternEvidence(t *testing.T) {
	x := patternTown()
	addHouseholds(x)
	withPerson(x, 3, func(p *ledger.Person) { p.VillageCadre = true })
	var ps []ledger.Payment
	for _, pe := range []int64{1, 4, 5} {
		p := pay(ledger.PayeeRef{Kind: ledger.PayeePerson, ID: pe}, x.Persons[pe].Household, "GY02", 500_00, "2026-03", "2026-03-25")
		p.AccountHolder, p.AccountIndex, p.VoucherNo = 3, "acct-of-cadre-3-00000000000000000", "JZ-C6-"+string(rune('0'+pe))
		ps = append(ps, p)
	}
	o := pay(ledger.PayeeRef{Kind: ledger.PayeeOrg, ID: 50}, 0, "", 40000_00, "", "2026-05-01")
	o.VoucherNo = "JZ-F3-1"
	t1 := tx(10, "L1", 5000_00, "2026-12-20")
	t1.VoucherNo = "JZ-G9-1"
	ps = append(ps, o, t1)
	setPayments(x, ps...)
	c6 := run(t, "C6", x)
	if len(c6) != 1 || len(c6[0].Evidence.Vouchers) != 3 || len(c6[0].Evidence.Accounts) != 1 || c6[0].Evidence.Accounts[0] != "****1234" ||
		c6[0].Subject.Label != "李*华" || c6[0].Severity != ledger.SeverityHigh {
		t.Errorf("C6: %+v", c6)
	}
	f3 := run(t, "F3", x)
	if len(f3) != 1 || f3[0].Evidence.Vouchers[0] != "JZ-F3-1" || f3[0].Evidence.ProjectCodes[0] != "P7" || f3[0].Subject.Label != "浏阳市某某建筑工程有限公司" {
		t.Errorf("F3: %+v", f3)
	}
	g9 := run(t, "G9", x)
	if len(g9) != 1 || g9[0].SubjectKey != "loan:L1" || g9[0].Evidence.Loans[0] != "L1" || g9[0].Evidence.Vouchers[0] != "JZ-G9-1" ||
		g9[0].Evidence.Entries[0] != 9 {
		t.Errorf("G9: %+v", g9)
	}
}

// TestTunedLabels: F1 and F9 name the supplier, F1 the town's threshold;
// C2 shows the account's tail.
func TestTunedLabels(t *testing.T) {
	x := patternTown()
	org := ledger.PayeeRef{Kind: ledger.PayeeOrg, ID: 50}
	a, b := pay(org, 0, "", 30000_00, "", "2026-05-01"), pay(org, 0, "", 30000_00, "", "2026-06-01")
	a.InvoiceNo, b.InvoiceNo = "4300261100001", "4300261100001"
	setPayments(x, a, b)
	cfg := DefaultConfig
	cfg.TenderThreshold = 50000_00 // the town's 比选 threshold
	var f1 []ledger.Finding
	for _, r := range Catalogue() {
		if r.Code == "F1" {
			f1 = r.Check(x, cfg)
		}
	}
	if len(f1) != 1 || f1[0].Subject.Label != "浏阳市某某建筑工程有限公司" || !strings.Contains(f1[0].Reason, "比选/招标限额 50,000.00 元") {
		t.Errorf("F1: %+v", f1)
	}
	if f1 := run(t, "F1", x); len(f1) != 0 { // under the default 100,000: 60,000 is not split
		t.Errorf("F1 at the default threshold: %+v", f1)
	}
	if f9 := run(t, "F9", x); len(f9) != 1 || f9[0].Subject.Label != "浏阳市某某建筑工程有限公司" {
		t.Errorf("F9: %+v", f9)
	}
	c1, c2 := pay(p1, 10, "GY01", 800_00, "2026-03", "2026-03-25"), pay(p3, 20, "GY01", 800_00, "2026-03", "2026-03-25")
	c1.AccountIndex, c2.AccountIndex = "acct-of-cadre-3-00000000000000000", "acct-of-cadre-3-00000000000000000"
	setPayments(x, c1, c2)
	if c := run(t, "C2", x); len(c) != 1 || c[0].Subject.Label != "账户 ****1234" || c[0].Evidence.Accounts[0] != "****1234" {
		t.Errorf("C2: %+v", c)
	}
	hh := ledger.PayeeRef{Kind: ledger.PayeeHousehold, ID: 10}
	b1, b2 := pay(hh, 10, "ZF01", 20000_00, "2026", "2026-05-01"), pay(hh, 10, "ZF01", 20000_00, "2026", "2026-05-02")
	b1.Recipient, b2.Recipient = 1, 2
	b1.AccountIndex, b2.AccountIndex = "acct-of-cadre-3-00000000000000000", "acct-of-cadre-3-00000000000000000"
	setPayments(x, b1, b2)
	if b := run(t, "B2", x); len(b) != 1 || len(b[0].Evidence.Accounts) != 1 || !strings.Contains(b[0].Reason, "打入同一账户 ****1234") {
		t.Errorf("B2 names the account: %+v", b)
	}
	for _, r := range Catalogue() {
		if r.Name == "" || r.Definition == "" || r.SubjectKey == "" {
			t.Errorf("%s: incomplete catalogue entry", r.Code)
		}
	}
}
