package anomaly_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/anomaly"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// TestPatternsScan plants one case of each of issue 17's rules in a town on
// a real database (SQLite, and MariaDB when SUNSHINE_TEST_MYSQL_DSN is set)
// through the service and an import of payments already made, beside clean
// look-alikes, and runs the scan: each planted case is flagged once by its
// rule with the evidence a monitor checks (voucher, masked account, 贷款合同号,
// organisation), no clean payment is cited by these rules, and a second
// scan raises and updates nothing.
func TestPatternsScan(t *testing.T) {
	for _, dialect := range gormstoretest.Dialects() {
		t.Run(dialect, func(t *testing.T) { testPatternsScan(t, dialect) })
	}
}

func testPatternsScan(t *testing.T, dialect string) {
	ctx := context.Background()
	store := gormstoretest.Open(t, dialect)
	clock := lt.NewClock(time.Date(2026, 9, 1, 2, 0, 0, 0, time.UTC)) // 10:00 in Shanghai
	s, lg := lt.NewService(t, store, clock)
	lt.Town(t, s, lg)
	id := func(n int) string { return lt.ID(n, 1970) }
	old := lt.ID(8, 1955) // 71 in 2026
	if _, err := s.RegisterPersons(ctx, lg, "fin", []ledger.PersonRow{{Village: "田坪村", Group: "二组", HeadIDNumber: old, Name: "王德福", IDNumber: old,
		Relation: "户主", HouseholdKind: ledger.KindLifted, JoinedOn: lt.D("2010-01-01"), Bank: "浏阳农商银行", AccountNo: "6230 9010 0000 0008"}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordRegisters(ctx, lg, "fin", []ledger.RegisterRow{{IDNumber: id(4), Kind: "村干部", On: lt.D("2021-01-01")}}, nil); err != nil {
		t.Fatal(err)
	}
	uscc := lt.USCC(77)
	if _, err := s.RegisterOrganisation(ctx, lg, "fin", ledger.Organisation{Name: "浏阳市石牛建筑工程有限公司", USCC: uscc, LegalRepresentative: "张五明"}, nil); err != nil {
		t.Fatal(err)
	}
	o, err := s.RecordOrganisationPeople(ctx, lg, "fin", ledger.OrgPeople{USCC: uscc, LegalRepIDNumber: id(4), ShareholderIDNumbers: []string{lt.ID(9, 1980)}}, nil)
	if err != nil || o.LegalRepPerson == 0 || len(o.Shareholders) != 0 {
		t.Fatalf("organisation people: %+v %v", o, err) // the shareholder is not in the registry: left out
	}
	if _, err := s.RecordOrganisationPeople(ctx, lg, "fin", ledger.OrgPeople{USCC: lt.USCC(78), LegalRepIDNumber: id(4)}, nil); ledger.ErrorCode(err) != ledger.CodeNotFound {
		t.Fatalf("an unregistered organisation: %v", err)
	}
	if _, err := s.Import(ctx, lg, "fin", ledger.ImportInput{Kind: "loans", Filename: "贷款台账.xlsx", Rows: 1, Loans: []ledger.LoanRow{{Row: 2,
		ContractNo: "LN-2026-001", BorrowerIDNumber: id(1), Bank: "浏阳农商银行", Amount: lt.Y("30000"), TermMonths: 36, RateBP: 345, Use: "油茶种植",
		GrantedOn: lt.D("2026-01-10"), DueOn: lt.D("2029-01-10")}}}, false, nil); err != nil {
		t.Fatal(err)
	}
	// the items' rule settings came with the town's default catalogue, through entries
	its, err := s.Items(ctx, lg)
	if err != nil {
		t.Fatal(err)
	}
	byCode := map[string]ledger.Item{}
	for _, it := range its {
		byCode[it.Code] = it
	}
	if gy := byCode["GY01"]; !gy.Post || gy.MinAge != 16 || gy.MaxAge != 65 || byCode["ZF01"].GrantLimit != ledger.GrantOncePerHousehold ||
		byCode["JY02"].GrantLimit != ledger.GrantPerTerm || len(byCode["JY04"].Levels) != 4 {
		t.Fatalf("item settings: %+v %+v %+v", gy, byCode["ZF01"], byCode["JY04"])
	}
	n0, _ := store.Size(ctx, lg.ID)
	bad := byCode["GY01"]
	bad.GrantLimit = "twice"
	if _, err := s.DefineItem(ctx, lg, "admin", bad, nil); ledger.ErrorCode(err) != ledger.CodeValidationFailed {
		t.Fatalf("a bad grant limit: %v", err)
	}
	if n, _ := store.Size(ctx, lg.ID); n != n0 {
		t.Fatalf("the refused item wrote %d entries", n-n0)
	}

	const wages, subsidy, loan = "ZT-2026-003", "ZT-2026-004", "ZT-2026-005"
	const jobs, industry = "浏财农〔2026〕3号", "财农〔2026〕1号"
	row := func(voucher, project, doc, item, payee string, amount, period, paid string) ledger.PaymentRow {
		r := ledger.PaymentRow{VoucherNo: voucher, ProjectCode: project, DocNo: doc, ItemCode: item, Kind: ledger.PaySubsidy, PayeeIDNumber: payee,
			Amount: lt.Y(amount), PaidOn: lt.D(paid)}
		if period != "" {
			r.Period = lt.P(period)
		}
		return r
	}
	into := func(r ledger.PaymentRow, holder int) ledger.PaymentRow {
		r.AccountNo, r.AccountHolderIDNumber = fmt.Sprintf("6230 9010 0000 %04d", holder), id(holder)
		return r
	}
	tiexi := func(voucher, payee, contract, amount string) ledger.PaymentRow {
		r := row(voucher, loan, jobs, "TX01", payee, amount, "2026", "2026-06-20")
		r.LoanContractNo = contract
		return r
	}
	rows := []ledger.PaymentRow{
		// A8: person 1 paid two posts for March
		row("JZ-A8-1", wages, jobs, "GY01", id(1), "800", "2026-03", "2026-03-25"),
		row("JZ-A8-2", wages, jobs, "GY02", id(1), "600", "2026-03", "2026-03-26"),
		// A9: a 71-year-old post holder
		row("JZ-A9-1", wages, jobs, "GY03", old, "600", "2026-04", "2026-04-25"),
		// B6: 危房改造 to household 5 in 2025 and again in 2026
		row("JZ-B6-1", subsidy, industry, "ZF01", id(5), "20000", "2025", "2025-06-10"),
		row("JZ-B6-2", subsidy, industry, "ZF01", id(5), "20000", "2026", "2026-06-10"),
		// B2: 油茶 奖补 (per household) to two members of household 1, into one account
		into(row("JZ-B2-1", subsidy, industry, "CY02", id(1), "300", "2026", "2026-05-20"), 1),
		into(row("JZ-B2-2", subsidy, industry, "CY02", lt.ID(7, 2000), "300", "2026", "2026-05-21"), 1),
		// C6: three households' May wages into cadre 4's account
		into(row("JZ-C6-1", wages, jobs, "GY04", id(2), "500", "2026-05", "2026-05-25"), 4),
		into(row("JZ-C6-2", wages, jobs, "GY04", id(3), "500", "2026-05", "2026-05-25"), 4),
		into(row("JZ-C6-3", wages, jobs, "GY04", id(6), "500", "2026-05", "2026-05-25"), 4),
		// G9: 贴息 for a loan the books do not have
		tiexi("JZ-G9-1", id(6), "LN-2026-999", "500"),
		// H6: a wage dated three weeks ahead
		row("JZ-H6-1", wages, jobs, "GY01", id(2), "800", "2026-09", "2026-09-20"),
		// H7: a wage for March 2024 paid in May 2026
		row("JZ-H7-1", wages, jobs, "GY02", id(3), "600", "2024-03", "2026-05-10"),

		// clean look-alikes
		row("JZ-OK-1", wages, jobs, "GY01", id(2), "800", "2026-03", "2026-03-25"),      // one post
		row("JZ-OK-2", wages, jobs, "GY02", id(1), "600", "2026-04", "2026-04-25"),      // changed post the next month
		row("JZ-OK-3", subsidy, industry, "ZF01", id(3), "20000", "2026", "2026-06-10"), // 危房改造 once
		into(row("JZ-OK-4", wages, jobs, "GY04", id(5), "500", "2026-05", "2026-05-25"), 5),
		tiexi("JZ-OK-5", id(1), "LN-2026-001", "1035"),                             // a year's interest at 3.45 %
		row("JZ-OK-6", wages, jobs, "GY01", id(2), "800", "2026-08", "2026-09-02"), // dated tomorrow: the API's tolerance
	}
	for i := range rows {
		rows[i].Row = i + 2
	}
	if _, err := s.Import(ctx, lg, "fin", ledger.ImportInput{Kind: "payments", Filename: "补充发放明细.xlsx", Rows: len(rows), Payments: rows}, false, nil); err != nil {
		t.Fatal(err)
	}
	// F3: the cadre's company is paid for a road
	if _, err := s.Import(ctx, lg, "fin", ledger.ImportInput{Kind: "payments", Filename: "工程款.xlsx", Rows: 1, Payments: []ledger.PaymentRow{{Row: 2,
		VoucherNo: "JZ-F3-1", ProjectCode: "ZT-2026-002", DocNo: "湘财农〔2026〕2号", Kind: ledger.PayProgress, PayeeOrgName: "浏阳市石牛建筑工程有限公司",
		PayeeUSCC: uscc, Amount: lt.Y("40000"), PaidOn: lt.D("2026-06-30")}}}, false, nil); err != nil {
		t.Fatal(err)
	}

	d, err := s.ScanData(ctx, lg)
	if err != nil {
		t.Fatal(err)
	}
	fs := anomaly.Run(d, anomaly.DefaultConfig)
	want := map[string][]string{ // rule → the vouchers its one flag cites
		"A8": {"JZ-A8-1", "JZ-A8-2"}, "A9": {"JZ-A9-1"}, "B6": {"JZ-B6-1", "JZ-B6-2"}, "B2": {"JZ-B2-1", "JZ-B2-2"},
		"C6": {"JZ-C6-1", "JZ-C6-2", "JZ-C6-3"}, "F3": {"JZ-F3-1"}, "G9": {"JZ-G9-1"}, "H6": {"JZ-H6-1"}, "H7": {"JZ-H7-1"},
	}
	got := map[string][]ledger.Finding{}
	for _, f := range fs {
		if _, ok := want[f.Rule]; ok {
			got[f.Rule] = append(got[f.Rule], f)
		}
	}
	for rule, vouchers := range want {
		if len(got[rule]) != 1 {
			t.Errorf("%s: %d findings, want 1: %+v", rule, len(got[rule]), got[rule])
			continue
		}
		f := got[rule][0]
		v := slices.Clone(f.Evidence.Vouchers)
		slices.Sort(v)
		if !slices.Equal(v, vouchers) || f.Subject.Label == "" || f.Reason == "" {
			t.Errorf("%s cites %v, want %v: %+v", rule, v, vouchers, f)
		}
		if strings.Contains(f.Reason, "6230") || strings.Contains(f.Reason, "439901") {
			t.Errorf("%s: a full account or ID number in the reason: %s", rule, f.Reason)
		}
		t.Logf("%s %s: %s", rule, f.Subject.Label, f.Reason)
	}
	if f := got["C6"]; len(f) == 1 && (!slices.Equal(f[0].Evidence.Accounts, []string{"****0004"}) || !strings.Contains(f[0].Reason, "****0004")) {
		t.Errorf("C6 names the account by its tail: %+v", f[0])
	}
	if f := got["G9"]; len(f) == 1 && !slices.Equal(f[0].Evidence.Loans, []string{"LN-2026-999"}) {
		t.Errorf("G9 cites the loan: %+v", f[0])
	}
	if f := got["F3"]; len(f) == 1 && (f[0].Subject.Label != "浏阳市石牛建筑工程有限公司" || f[0].Village != "430181117202") {
		t.Errorf("F3 names the organisation, in the cadre's village: %+v", f[0])
	}
	for _, f := range fs {
		if _, ok := want[f.Rule]; !ok {
			continue
		}
		for _, v := range f.Evidence.Vouchers {
			if strings.HasPrefix(v, "JZ-OK-") {
				t.Errorf("%s cites the clean payment %s: %s", f.Rule, v, f.Reason)
			}
		}
	}
	// flags: raised once; a rescan adds nothing
	raised, _, err := s.RecordFindings(ctx, lg, "system", fs)
	if err != nil || raised == 0 {
		t.Fatalf("first scan: %d raised, %v", raised, err)
	}
	d, err = s.ScanData(ctx, lg)
	if err != nil {
		t.Fatal(err)
	}
	if r, u, err := s.RecordFindings(ctx, lg, "system", anomaly.Run(d, anomaly.DefaultConfig)); err != nil || r != 0 || u != 0 {
		t.Fatalf("rescan: %d raised, %d updated, %v", r, u, err)
	}
}
