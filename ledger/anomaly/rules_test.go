package anomaly

import (
	"strings"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/ledger"
)

func d(s string) ledger.Date {
	v, err := ledger.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return v
}

func per(s string) ledger.Period {
	p, err := ledger.ParsePeriod(s)
	if err != nil {
		panic(err)
	}
	return p
}

// base is a small town: households 10 (persons 1, 2) and 20 (person 3) in
// village V1, items GY01 (person, 300/month, cap 3600) and CY01 (household,
// 100 × quantity), fund 5 (产业, arrived 2026-01-01), project 7 (产业,
// approved 2026-02-01) and project 8 (就业).
func base() *ledger.ScanData {
	return &ledger.ScanData{
		Now: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), Location: time.UTC,
		Persons: map[int64]ledger.Person{1: {ID: 1, Household: 10, JoinedOn: d("2010-01-01")}, 2: {ID: 2, Household: 10, JoinedOn: d("2010-01-01")},
			3: {ID: 3, Household: 20, JoinedOn: d("2010-01-01")}},
		Households: map[int64]ledger.Household{10: {ID: 10, Village: "V1", Head: 1}, 20: {ID: 20, Village: "V1", Head: 3}},
		Members:    map[int64][]int64{10: {1, 2}, 20: {3}},
		Items: map[string]ledger.Item{"GY01": {Code: "GY01", Name: "公益岗位", Unit: "person", Standard: 300_00, Period: "month", YearlyCap: 3600_00},
			"CY01": {Code: "CY01", Name: "产业奖补", Unit: "household", Standard: 100_00, PerQuantity: true, YearlyCap: 3000_00}},
		Projects: map[int64]ledger.Project{7: {ID: 7, Code: "P7", Name: "油茶", Category: "产业", Village: "V1", ApprovedOn: d("2026-02-01")},
			8: {ID: 8, Code: "P8", Name: "公益岗位", Category: "就业", Village: "V1"}},
		Funds:     map[int64]ledger.Fund{5: {ID: 5, DocNo: "F5", Purpose: "产业", Nature: "专项扶贫资金", ArrivedOn: d("2026-01-01"), Seq: 5}},
		FundLines: map[int64]ledger.FundLine{},
		Births:    map[int64]time.Time{1: time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), 3: time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)},
		Labels:    map[int64]string{1: "张*明", 2: "张*", 3: "李*华"},
	}
}

var seq int64 = 100

func pay(payee ledger.PayeeRef, hh int64, item string, amount ledger.Fen, period, paid string) ledger.Payment {
	seq++
	p := ledger.Payment{ID: seq, Seq: seq, VoucherNo: "V" + time.Now().Format("150405.000000"), Project: 7, Fund: 5, Item: item,
		Payee: payee, Household: hh, Quantity: 1, Amount: amount, PaidOn: d(paid), Status: ledger.StatusEffective}
	if period != "" {
		p.Period = per(period)
	}
	return p
}

// setPayments replaces the snapshot's payments.
func setPayments(x *ledger.ScanData, ps ...ledger.Payment) {
	x.Payments = nil
	for _, p := range ps {
		x.AddPayment(p)
	}
}

var p1 = ledger.PayeeRef{Kind: ledger.PayeePerson, ID: 1}

func run(t *testing.T, rule string, data *ledger.ScanData) []ledger.Finding {
	t.Helper()
	for _, r := range Catalogue() {
		if r.Code == rule {
			return r.Check(data, DefaultConfig)
		}
	}
	t.Fatalf("no rule %s", rule)
	return nil
}

func TestRules(t *testing.T) {
	cases := []struct {
		name  string
		rule  string
		setup func(x *ledger.ScanData)
		want  int
	}{
		{"A2 fires: paid for a month after death", "A2", func(x *ledger.ScanData) {
			p := x.Persons[1]
			p.DeceasedOn = d("2026-03-15")
			x.Persons[1] = p
			setPayments(x, pay(p1, 10, "GY01", 300_00, "2026-04", "2026-04-25"))
		}, 1},
		{"A2 near miss: the month of death", "A2", func(x *ledger.ScanData) {
			p := x.Persons[1]
			p.DeceasedOn = d("2026-03-15")
			x.Persons[1] = p
			setPayments(x, pay(p1, 10, "GY01", 300_00, "2026-03", "2026-04-25"))
		}, 0},
		{"A4 fires: a household member is a public employee", "A4", func(x *ledger.ScanData) {
			p := x.Persons[2]
			p.PublicEmployee = true
			x.Persons[2] = p
			setPayments(x, pay(ledger.PayeeRef{Kind: ledger.PayeeHousehold, ID: 10}, 10, "CY01", 100_00, "2026", "2026-05-01"))
		}, 1},
		{"A4 near miss: another household's public employee", "A4", func(x *ledger.ScanData) {
			p := x.Persons[3]
			p.PublicEmployee = true
			x.Persons[3] = p
			setPayments(x, pay(ledger.PayeeRef{Kind: ledger.PayeeHousehold, ID: 10}, 10, "CY01", 100_00, "2026", "2026-05-01"))
		}, 0},
		{"A7 fires: joined 30 days before the first payment", "A7", func(x *ledger.ScanData) {
			p := x.Persons[1]
			p.JoinedOn = d("2026-03-01")
			x.Persons[1] = p
			setPayments(x, pay(p1, 10, "GY01", 300_00, "2026-03", "2026-03-31"))
		}, 1},
		{"A7 near miss: joined 181 days before", "A7", func(x *ledger.ScanData) {
			p := x.Persons[1]
			p.JoinedOn = d("2025-10-01")
			x.Persons[1] = p
			setPayments(x, pay(p1, 10, "GY01", 300_00, "2026-03", "2026-03-31"))
		}, 0},
		{"B1 fires: twice in one period", "B1", func(x *ledger.ScanData) {
			setPayments(x, pay(p1, 10, "GY01", 300_00, "2026-03", "2026-03-25"), pay(p1, 10, "GY01", 300_00, "2026-03", "2026-03-26"))
		}, 1},
		{"B1 near miss: the first payment reversed", "B1", func(x *ledger.ScanData) {
			a := pay(p1, 10, "GY01", 300_00, "2026-03", "2026-03-25")
			a.Status = ledger.StatusReversed
			setPayments(x, a, pay(p1, 10, "GY01", 300_00, "2026-03", "2026-03-26"))
		}, 0},
		{"B3 fires: over standard × quantity", "B3", func(x *ledger.ScanData) {
			p := pay(ledger.PayeeRef{Kind: ledger.PayeeHousehold, ID: 10}, 10, "CY01", 2100_00, "2026", "2026-05-01")
			p.Quantity = 20
			setPayments(x, p)
		}, 1},
		{"B3 near miss: exactly standard × quantity", "B3", func(x *ledger.ScanData) {
			p := pay(ledger.PayeeRef{Kind: ledger.PayeeHousehold, ID: 10}, 10, "CY01", 2000_00, "2026", "2026-05-01")
			p.Quantity = 20
			setPayments(x, p)
		}, 0},
		{"B3 fires: an outlier among twelve payments of an item without a standard", "B3", func(x *ledger.ScanData) {
			it := x.Items["GY01"]
			it.Standard = 0
			x.Items["GY01"] = it
			for i := 0; i < 11; i++ {
				x.AddPayment(pay(ledger.PayeeRef{Kind: ledger.PayeePerson, ID: int64(100 + i)}, 10, "GY01", ledger.Fen(300_00+i*100), "2026-03", "2026-03-25"))
			}
			x.AddPayment(pay(p1, 10, "GY01", 900_00, "2026-03", "2026-03-25"))
		}, 1},
		{"B3 near miss: nine payments are too few for the outlier test", "B3", func(x *ledger.ScanData) {
			it := x.Items["GY01"]
			it.Standard = 0
			x.Items["GY01"] = it
			for i := 0; i < 8; i++ {
				x.AddPayment(pay(ledger.PayeeRef{Kind: ledger.PayeePerson, ID: int64(100 + i)}, 10, "GY01", 300_00, "2026-03", "2026-03-25"))
			}
			x.AddPayment(pay(p1, 10, "GY01", 900_00, "2026-03", "2026-03-25"))
		}, 0},
		{"H5 fires: recorded 45 days after the payment", "H5", func(x *ledger.ScanData) {
			p := pay(p1, 10, "GY01", 300_00, "2026-03", "2026-03-01")
			p.RecordedAt = time.Date(2026, 4, 15, 8, 0, 0, 0, time.UTC)
			setPayments(x, p)
		}, 1},
		{"H5 near miss: recorded 30 days after", "H5", func(x *ledger.ScanData) {
			p := pay(p1, 10, "GY01", 300_00, "2026-03", "2026-03-01")
			p.RecordedAt = time.Date(2026, 3, 31, 8, 0, 0, 0, time.UTC)
			setPayments(x, p)
		}, 0},
		{"H5 fires once for an import batch", "H5", func(x *ledger.ScanData) {
			for i := 0; i < 3; i++ {
				p := pay(p1, 10, "GY01", 300_00, "2026-03", "2026-01-01")
				p.RecordedAt = time.Date(2026, 4, 15, 8, 0, 0, 0, time.UTC)
				x.AddPayment(p)
			}
			x.Batches = []ledger.ImportBatch{{Seq: 999999, Filename: "发放明细.xlsx", FirstSeq: x.Payments[0].Seq, LastSeq: x.Payments[2].Seq}}
		}, 1},
		{"B5 fires: over the yearly cap", "B5", func(x *ledger.ScanData) {
			for m := 1; m <= 13; m++ {
				x.AddPayment(pay(p1, 10, "GY01", 300_00, "", "2026-03-25"))
			}
		}, 1},
		{"B5 near miss: exactly the cap", "B5", func(x *ledger.ScanData) {
			for m := 1; m <= 12; m++ {
				x.AddPayment(pay(p1, 10, "GY01", 300_00, "", "2026-03-25"))
			}
		}, 0},
		{"C2 fires: one account, two households", "C2", func(x *ledger.ScanData) {
			a, b := pay(p1, 10, "GY01", 300_00, "2026-03", "2026-03-25"), pay(ledger.PayeeRef{Kind: ledger.PayeePerson, ID: 3}, 20, "GY01", 300_00, "2026-03", "2026-03-25")
			a.AccountIndex, b.AccountIndex = strings.Repeat("ab", 32), strings.Repeat("ab", 32)
			setPayments(x, a, b)
		}, 1},
		{"C2 near miss: one account, two members of one household", "C2", func(x *ledger.ScanData) {
			a, b := pay(p1, 10, "GY01", 300_00, "2026-03", "2026-03-25"), pay(ledger.PayeeRef{Kind: ledger.PayeePerson, ID: 2}, 10, "GY01", 300_00, "2026-03", "2026-03-25")
			a.AccountIndex, b.AccountIndex = strings.Repeat("ab", 32), strings.Repeat("ab", 32)
			setPayments(x, a, b)
		}, 0},
		{"C4 fires: over 10,000 with no item", "C4", func(x *ledger.ScanData) {
			setPayments(x, pay(p1, 10, "", 10000_01, "", "2026-03-25"))
		}, 1},
		{"C4 near miss: exactly 10,000", "C4", func(x *ledger.ScanData) {
			setPayments(x, pay(p1, 10, "", 10000_00, "", "2026-03-25"))
		}, 0},
		{"D1 fires: 8 months after arrival, 20 % paid", "D1", func(x *ledger.ScanData) {
			f := x.Funds[5]
			f.Amount = 1000_00
			x.FundLines[5] = ledger.FundLine{Fund: f, Unspent: 800_00}
		}, 1},
		{"D1 near miss: arrived 5 months ago, nothing paid", "D1", func(x *ledger.ScanData) {
			f := x.Funds[5]
			f.ArrivedOn, f.Amount = d("2026-04-01"), 1000_00
			x.FundLines[5] = ledger.FundLine{Fund: f, Unspent: 1000_00}
		}, 0},
		{"D1 near miss: a town's normal pace (8 months, 40 % paid)", "D1", func(x *ledger.ScanData) {
			f := x.Funds[5]
			f.Amount = 1000_00
			x.FundLines[5] = ledger.FundLine{Fund: f, Unspent: 600_00}
		}, 0},
		{"D1 near miss: allocated to projects in progress, 5 % paid after 8 months", "D1", func(x *ledger.ScanData) {
			f := x.Funds[5]
			f.Amount = 1000_00
			x.FundLines[5] = ledger.FundLine{Fund: f, Allocated: 1000_00, Unspent: 950_00}
		}, 0},
		{"E7 fires: 产业 money on a 就业 project", "E7", func(x *ledger.ScanData) {
			p := pay(p1, 10, "GY01", 300_00, "2026-03", "2026-03-25")
			p.Project = 8
			setPayments(x, p)
		}, 1},
		{"E7 near miss: 统筹整合涉农资金", "E7", func(x *ledger.ScanData) {
			f := x.Funds[5]
			f.Nature = ledger.NatureIntegrated
			x.Funds[5] = f
			p := pay(p1, 10, "GY01", 300_00, "2026-03", "2026-03-25")
			p.Project = 8
			setPayments(x, p)
		}, 0},
		{"E7 near miss: 衔接资金 on a 就业 project", "E7", func(x *ledger.ScanData) {
			f := x.Funds[5]
			f.Nature = "中央财政衔接推进乡村振兴补助资金"
			x.Funds[5] = f
			p := pay(p1, 10, "GY01", 300_00, "2026-03", "2026-03-25")
			p.Project = 8
			setPayments(x, p)
		}, 0},
		{"E7 fires: 衔接资金 on a 兜底保障 project (not one of its purposes)", "E7", func(x *ledger.ScanData) {
			f := x.Funds[5]
			f.Nature = "省级财政衔接推进乡村振兴补助资金"
			x.Funds[5] = f
			pr := x.Projects[8]
			pr.Category = "兜底保障"
			x.Projects[8] = pr
			p := pay(p1, 10, "GY01", 300_00, "2026-03", "2026-03-25")
			p.Project = 8
			setPayments(x, p)
		}, 1},
		{"F1 fires: two below the threshold, sum above, 30 days apart", "F1", func(x *ledger.ScanData) {
			o := ledger.PayeeRef{Kind: ledger.PayeeOrg, ID: 50}
			setPayments(x, pay(o, 0, "", 60000_00, "", "2026-03-01"), pay(o, 0, "", 50000_00, "", "2026-03-31"))
		}, 1},
		{"F1 near miss: the sum just below", "F1", func(x *ledger.ScanData) {
			o := ledger.PayeeRef{Kind: ledger.PayeeOrg, ID: 50}
			setPayments(x, pay(o, 0, "", 50000_00, "", "2026-03-01"), pay(o, 0, "", 50000_00, "", "2026-03-31"))
		}, 0},
		{"F2 fires: paid before approval", "F2", func(x *ledger.ScanData) {
			setPayments(x, pay(p1, 10, "GY01", 300_00, "2026-01", "2026-01-31"))
		}, 1},
		{"F2 near miss: paid on the approval date", "F2", func(x *ledger.ScanData) {
			setPayments(x, pay(p1, 10, "GY01", 300_00, "2026-02", "2026-02-01"))
		}, 0},
		{"F9 fires: one invoice twice", "F9", func(x *ledger.ScanData) {
			o := ledger.PayeeRef{Kind: ledger.PayeeOrg, ID: 50}
			a, b := pay(o, 0, "", 100_00, "", "2026-03-01"), pay(o, 0, "", 100_00, "", "2026-03-02")
			a.InvoiceNo, b.InvoiceNo = "FP-1", "FP-1"
			setPayments(x, a, b)
		}, 1},
		{"G3 fires: a 16-year-old borrower", "G3", func(x *ledger.ScanData) {
			x.Loans = []ledger.Loan{{ContractNo: "L1", Household: 20, Borrower: 3, Amount: 10000_00, TermMonths: 12, GrantedOn: d("2026-03-01"), Status: ledger.LoanActive, Seq: 9}}
		}, 1},
		{"G3 near miss: 56", "G3", func(x *ledger.ScanData) {
			x.Loans = []ledger.Loan{{ContractNo: "L1", Household: 10, Borrower: 1, Amount: 10000_00, TermMonths: 12, GrantedOn: d("2026-03-01"), Status: ledger.LoanActive, Seq: 9}}
		}, 0},
		{"G5 fires: two active loans", "G5", func(x *ledger.ScanData) {
			x.Loans = []ledger.Loan{{ContractNo: "L1", Household: 10, Borrower: 1, Status: ledger.LoanActive, Seq: 9}, {ContractNo: "L2", Household: 10, Borrower: 2, Status: ledger.LoanActive, Seq: 10}}
		}, 1},
		{"G5 near miss: one repaid", "G5", func(x *ledger.ScanData) {
			x.Loans = []ledger.Loan{{ContractNo: "L1", Household: 10, Borrower: 1, Status: ledger.LoanRepaid, Seq: 9}, {ContractNo: "L2", Household: 10, Borrower: 2, Status: ledger.LoanActive, Seq: 10}}
		}, 0},
		{"G7 fires: overdue", "G7", func(x *ledger.ScanData) {
			x.Loans = []ledger.Loan{{ContractNo: "L1", Household: 10, Borrower: 1, Amount: 100_00, DueOn: d("2026-08-01"), Status: ledger.LoanActive, Seq: 9}}
		}, 1},
		{"G7 near miss: due in 60 days", "G7", func(x *ledger.ScanData) {
			x.Loans = []ledger.Loan{{ContractNo: "L1", Household: 10, Borrower: 1, Amount: 100_00, DueOn: d("2026-10-31"), Status: ledger.LoanActive, Seq: 9}}
		}, 0},
		{"A3 fires: an 一般农户 paid an item for 脱贫户", "A3", func(x *ledger.ScanData) {
			it := x.Items["GY01"]
			it.Eligible = []string{ledger.KindLifted}
			x.Items["GY01"] = it
			h := x.Households[10]
			h.Kind = ledger.KindOrdinary
			x.Households[10] = h
			setPayments(x, pay(p1, 10, "GY01", 300_00, "2026-03", "2026-03-25"))
		}, 1},
		{"A3 near miss: a 监测对象 eligible for the item", "A3", func(x *ledger.ScanData) {
			it := x.Items["GY01"]
			it.Eligible = []string{ledger.KindLifted, ledger.KindMonitored}
			x.Items["GY01"] = it
			h := x.Households[10]
			h.Kind = ledger.KindMonitored
			x.Households[10] = h
			setPayments(x, pay(p1, 10, "GY01", 300_00, "2026-03", "2026-03-25"))
		}, 0},
		{"B2 fires: a household item to two members", "B2", func(x *ledger.ScanData) {
			hh := ledger.PayeeRef{Kind: ledger.PayeeHousehold, ID: 10}
			a, b := pay(hh, 10, "CY01", 100_00, "2026", "2026-05-01"), pay(hh, 10, "CY01", 100_00, "2026", "2026-05-02")
			a.AccountHolder, b.AccountHolder, a.Recipient, b.Recipient = 1, 2, 1, 2
			setPayments(x, a, b)
		}, 1},
		{"B2 fires: two members through one account", "B2", func(x *ledger.ScanData) {
			hh := ledger.PayeeRef{Kind: ledger.PayeeHousehold, ID: 10}
			a, b := pay(hh, 10, "CY01", 100_00, "2026", "2026-05-01"), pay(hh, 10, "CY01", 100_00, "2026", "2026-05-02")
			a.AccountHolder, b.AccountHolder, a.Recipient, b.Recipient = 1, 1, 1, 2
			a.AccountIndex, b.AccountIndex = "acct-one-of-the-head-000000000000", "acct-one-of-the-head-000000000000"
			setPayments(x, a, b)
		}, 1},
		{"B2 near miss: one recipient through two accounts (B1's)", "B2", func(x *ledger.ScanData) {
			hh := ledger.PayeeRef{Kind: ledger.PayeeHousehold, ID: 10}
			a, b := pay(hh, 10, "CY01", 100_00, "2026", "2026-05-01"), pay(hh, 10, "CY01", 100_00, "2026", "2026-05-02")
			a.AccountHolder, b.AccountHolder, a.Recipient, b.Recipient = 1, 2, 1, 1
			setPayments(x, a, b)
		}, 0},
		{"B2 near miss: one member", "B2", func(x *ledger.ScanData) {
			hh := ledger.PayeeRef{Kind: ledger.PayeeHousehold, ID: 10}
			a := pay(hh, 10, "CY01", 100_00, "2026", "2026-05-01")
			a.AccountHolder = 1
			setPayments(x, a)
		}, 0},
		{"C1 fires: paid into another household's account", "C1", func(x *ledger.ScanData) {
			p := pay(p1, 10, "GY01", 300_00, "2026-03", "2026-03-25")
			p.AccountHolder = 3
			setPayments(x, p)
		}, 1},
		{"C1 near miss: a child paid into a parent's account of the same household", "C1", func(x *ledger.ScanData) {
			p := pay(ledger.PayeeRef{Kind: ledger.PayeePerson, ID: 2}, 10, "GY01", 300_00, "2026-03", "2026-03-25")
			p.AccountHolder = 1
			setPayments(x, p)
		}, 0},
		{"E3 fires: paid more than allocated", "E3", func(x *ledger.ScanData) {
			x.Allocated = map[[2]int64]ledger.Fen{{7, 5}: 500_00}
			setPayments(x, pay(p1, 10, "GY01", 300_00, "2026-03", "2026-03-25"), pay(p1, 10, "GY01", 300_00, "2026-04", "2026-04-25"))
		}, 1},
		{"E3 near miss: exactly the allocation", "E3", func(x *ledger.ScanData) {
			x.Allocated = map[[2]int64]ledger.Fen{{7, 5}: 600_00}
			setPayments(x, pay(p1, 10, "GY01", 300_00, "2026-03", "2026-03-25"), pay(p1, 10, "GY01", 300_00, "2026-04", "2026-04-25"))
		}, 0},
		{"E6 fires: 产业 money as cash", "E6", func(x *ledger.ScanData) {
			setPayments(x, pay(p1, 10, "", 500_00, "", "2026-03-25"))
		}, 1},
		{"E6 near miss: under a 产业 item", "E6", func(x *ledger.ScanData) {
			it := x.Items["CY01"]
			it.Category = "产业"
			x.Items["CY01"] = it
			setPayments(x, pay(ledger.PayeeRef{Kind: ledger.PayeeHousehold, ID: 10}, 10, "CY01", 100_00, "2026", "2026-05-01"))
		}, 0},
		{"G1 fires: a loan to an 一般农户", "G1", func(x *ledger.ScanData) {
			h := x.Households[10]
			h.Kind = ledger.KindOrdinary
			x.Households[10] = h
			x.Loans = []ledger.Loan{{ContractNo: "L1", Household: 10, Borrower: 1, Status: ledger.LoanActive, Seq: 9}}
		}, 1},
		{"G1 near miss: a 脱贫户", "G1", func(x *ledger.ScanData) {
			h := x.Households[10]
			h.Kind = ledger.KindLifted
			x.Households[10] = h
			x.Loans = []ledger.Loan{{ContractNo: "L1", Household: 10, Borrower: 1, Status: ledger.LoanActive, Seq: 9}}
		}, 0},
		{"G8 fires: granted after the borrower's death", "G8", func(x *ledger.ScanData) {
			p := x.Persons[1]
			p.DeceasedOn = d("2026-01-01")
			x.Persons[1] = p
			x.Loans = []ledger.Loan{{ContractNo: "L1", Household: 10, Borrower: 1, GrantedOn: d("2026-02-01"), Status: ledger.LoanActive, Seq: 9}}
		}, 1},
		{"G8 near miss: died after the grant", "G8", func(x *ledger.ScanData) {
			p := x.Persons[1]
			p.DeceasedOn = d("2026-03-01")
			x.Persons[1] = p
			x.Loans = []ledger.Loan{{ContractNo: "L1", Household: 10, Borrower: 1, GrantedOn: d("2026-02-01"), Status: ledger.LoanActive, Seq: 9}}
		}, 0},
	}
	for _, c := range cases {
		x := base()
		c.setup(x)
		fs := run(t, c.rule, x)
		if len(fs) != c.want {
			t.Errorf("%s: %d findings, want %d: %+v", c.name, len(fs), c.want, fs)
			continue
		}
		for _, f := range fs {
			if f.Rule != c.rule || f.SubjectKey == "" || f.Reason == "" || len(f.Evidence.Entries) == 0 {
				t.Errorf("%s: incomplete finding %+v", c.name, f)
			}
		}
	}
}

func TestSeverities(t *testing.T) {
	x := base()
	f := x.Funds[5]
	f.Amount = 1000_00
	x.FundLines[5] = ledger.FundLine{Fund: f, Unspent: 200_00}
	x.Now = time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)
	if fs := run(t, "D1", x); len(fs) != 1 || fs[0].Severity != ledger.SeverityHigh || !strings.Contains(fs[0].Reason, "20.0%") {
		t.Fatalf("D1 after a year: %+v", fs)
	}
	// a 质保金 kept back (5 %) a year after is not idle
	x.FundLines[5] = ledger.FundLine{Fund: f, Unspent: 50_00}
	if fs := run(t, "D1", x); len(fs) != 0 {
		t.Fatalf("D1 on a 5 %% retention: %+v", fs)
	}
	x = base()
	x.Loans = []ledger.Loan{{ContractNo: "L1", Household: 10, Borrower: 1, Amount: 100_00, DueOn: d("2026-05-01"), Status: ledger.LoanActive, Seq: 9},
		{ContractNo: "L2", Household: 20, Borrower: 3, Amount: 100_00, DueOn: d("2026-09-20"), Status: ledger.LoanActive, Seq: 10}}
	fs := run(t, "G7", x)
	if len(fs) != 2 || fs[0].Severity != ledger.SeverityHigh || fs[1].Severity != ledger.SeverityInfo {
		t.Fatalf("G7 severities: %+v", fs)
	}
}

func TestQuartileInc(t *testing.T) {
	// Excel: QUARTILE.INC({1,2,3,4,5,6,7,8,9,10},1) = 3.25, (…,3) = 7.75
	v := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	if quartileInc(v, 1) != 3.25 || quartileInc(v, 3) != 7.75 {
		t.Fatalf("%v %v", quartileInc(v, 1), quartileInc(v, 3))
	}
}
