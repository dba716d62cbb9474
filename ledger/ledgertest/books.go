package ledgertest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// BooksFactory returns a new, empty, migrated store, and a second empty one
// for Rebuild's scratch.
type BooksFactory func(t *testing.T) ledger.Store

// RunBooks runs the domain suite of the books on a store: the refusals of
// DOMAIN.md §4, imports as records of fact, and a scripted year whose reports
// equal a hand-computed expectation, with rebuild and erasure.
func RunBooks(t *testing.T, newStore BooksFactory) {
	t.Run("Refusals", func(t *testing.T) { testRefusals(t, newStore) })
	t.Run("RecordsOfFact", func(t *testing.T) { testRecordsOfFact(t, newStore) })
	t.Run("ScriptedYear", func(t *testing.T) { testScriptedYear(t, newStore) })
	t.Run("ConcurrentPayments", func(t *testing.T) { testConcurrentPayments(t, newStore) })
	t.Run("Flags", func(t *testing.T) { testFlags(t, newStore) })
}

// town sets up a town with people, funds, projects and holdings, returning
// the service and log. Persons 1–6 head households 1–6 (3 in 田坪村 一组,
// 3 in 石牛村); person 7 is a member of household 1.
func town(t *testing.T, s *ledger.Service, lg ledger.Log) {
	t.Helper()
	ctx := context.Background()
	var rows []ledger.PersonRow
	for i := 1; i <= 6; i++ {
		v := "田坪村"
		if i > 3 {
			v = "430181117202"
		}
		rows = append(rows, ledger.PersonRow{Village: v, Group: "一组", HeadIDNumber: ID(i, 1970), Name: fmt.Sprintf("张%s明", string(rune('一'+i))),
			IDNumber: ID(i, 1970), Relation: "户主", HouseholdKind: ledger.KindLifted, JoinedOn: D("2015-01-01"),
			Bank: "浏阳农商银行", AccountNo: fmt.Sprintf("6230 9010 0000 %04d", i)})
	}
	rows = append(rows, ledger.PersonRow{Village: "田坪村", Group: "三组", HeadIDNumber: ID(1, 1970), Name: "张小红", IDNumber: ID(7, 2000),
		Relation: "子女", HouseholdKind: ledger.KindLifted, JoinedOn: D("2015-01-01")})
	if _, err := s.RegisterPersons(ctx, lg, "fin", rows, nil); err != nil {
		t.Fatal(err)
	}
	for _, f := range []ledger.FundRow{
		{DocNo: "财农〔2026〕1号", Name: "中央财政衔接推进乡村振兴补助资金", SourceLevel: "中央", Nature: "专项扶贫资金", FunctionCode: "2130599", Purpose: "产业", Year: 2026, Amount: Y("1000000"), ArrivedOn: D("2026-01-10")},
		{DocNo: "湘财农〔2026〕2号", Name: "省级衔接资金", SourceLevel: "省", Nature: "统筹整合涉农资金", FunctionCode: "2130599", Purpose: "基础设施", Year: 2026, Amount: Y("500000"), ArrivedOn: D("2026-01-20")},
		{DocNo: "浏财农〔2026〕3号", Name: "县级配套资金", SourceLevel: "浏阳市", Nature: "专项扶贫资金", FunctionCode: "2130599", Purpose: "就业", Year: 2026, Amount: Y("300000"), ArrivedOn: D("2026-02-01")},
	} {
		if _, err := s.RecordFund(ctx, lg, "fin", f, nil); err != nil {
			t.Fatal(err)
		}
	}
	for i, p := range []ledger.ProjectRow{
		{Code: "ZT-2026-001", Name: "田坪村油茶基地", Category: "产业", Nature: "新建", Village: "田坪村", Budget: Y("400000")},
		{Code: "ZT-2026-002", Name: "石牛村道路硬化", Category: "基础设施", Nature: "新建", Village: "石牛村", Budget: Y("300000")},
		{Code: "ZT-2026-003", Name: "公益岗位", Category: "就业", Nature: "续建", Budget: Y("200000")},
		{Code: "ZT-2026-004", Name: "家禽养殖奖补", Category: "产业", Nature: "新建", Budget: Y("100000")},
		{Code: "ZT-2026-005", Name: "小额信贷贴息", Category: "小额信贷贴息", Nature: "续建", Budget: Y("20000")},
		{Code: "ZT-2026-006", Name: "石牛村饮水工程", Category: "基础设施", Nature: "改扩建", Village: "石牛村", Budget: Y("150000")},
	} {
		p.Targets, p.Mechanism, p.Implementer, p.ResponsiblePerson = "产出：完成建设任务；效益：带动脱贫户增收", "吸纳脱贫户务工、分红", "镇头镇人民政府", "李四"
		if _, err := s.RegisterProject(ctx, lg, "fin", p, nil); err != nil {
			t.Fatal(err)
		}
		for _, to := range []string{ledger.ProjReviewed, ledger.ProjPublicized, ledger.ProjLibrary, ledger.ProjPlanned, ledger.ProjInProgress} {
			tr := ledger.Transition{To: to, Note: "按程序推进"}
			if to == ledger.ProjInProgress {
				tr.ApprovalDocNo, tr.ApprovedOn = fmt.Sprintf("浏乡振发〔2026〕%d号", i+1), D("2026-02-15")
			}
			if _, err := s.TransitionProject(ctx, lg, "fin", p.Code, tr, nil); err != nil {
				t.Fatalf("%s → %s: %v", p.Code, to, err)
			}
		}
	}
}

func mustCode(t *testing.T, what string, err error, want ledger.Code) {
	t.Helper()
	if got := ledger.ErrorCode(err); got != want {
		t.Errorf("%s: got %q (%v), want %q", what, got, err, want)
	}
}

func testRefusals(t *testing.T, newStore BooksFactory) {
	store := newStore(t)
	s, lg := NewService(t, store, nil)
	town(t, s, lg)
	ctx := context.Background()
	alloc := func(doc, proj, amount string) error {
		_, err := s.RecordAllocation(ctx, lg, "fin", ledger.AllocationRow{DocNo: doc, ProjectCode: proj, Amount: Y(amount), AllocatedOn: D("2026-03-01")}, nil)
		return err
	}
	if err := alloc("财农〔2026〕1号", "ZT-2026-004", "100000"); err != nil {
		t.Fatal(err)
	}
	if err := alloc("浏财农〔2026〕3号", "ZT-2026-003", "50000"); err != nil {
		t.Fatal(err)
	}
	size := func() int64 { n, _ := store.Size(ctx, lg.ID); return n }
	before := size()

	mustCode(t, "allocation over the fund", alloc("浏财农〔2026〕3号", "ZT-2026-002", "250000.01"), ledger.CodeFundOverdrawn)
	mustCode(t, "allocation of zero", alloc("浏财农〔2026〕3号", "ZT-2026-002", "0"), ledger.CodeAmountNotPositive)
	pay := func(r ledger.PaymentRow) error {
		if r.DocNo == "" {
			r.DocNo = "财农〔2026〕1号"
		}
		if r.ProjectCode == "" {
			r.ProjectCode = "ZT-2026-004"
		}
		if r.Kind == "" {
			r.Kind = ledger.PaySubsidy
		}
		if r.PaidOn.IsZero() {
			r.PaidOn = D("2026-03-10")
		}
		_, err := s.RecordPayment(ctx, lg, "fin", r, nil)
		return err
	}
	// A good one first, for the duplicate below.
	if err := pay(ledger.PaymentRow{VoucherNo: "记-001", ItemCode: "GY01", PayeeIDNumber: ID(1, 1970), Amount: Y("800"), Period: P("2026-03")}); err != nil {
		t.Fatal(err)
	}
	before = size()
	mustCode(t, "non-positive", pay(ledger.PaymentRow{PayeeIDNumber: ID(2, 1970), Amount: Y("0"), Period: P("2026-03"), ItemCode: "GY01"}), ledger.CodeAmountNotPositive)
	mustCode(t, "over the holding", pay(ledger.PaymentRow{PayeeUSCC: USCC(1), PayeeOrgName: "浏阳市某建设公司", Kind: ledger.PayProgress, Amount: Y("99999.01")}), ledger.CodeAllocationOverdrawn)
	mustCode(t, "fund not held by the project", pay(ledger.PaymentRow{DocNo: "湘财农〔2026〕2号", PayeeUSCC: USCC(1), PayeeOrgName: "浏阳市某建设公司", Kind: ledger.PayProgress, Amount: Y("10")}), ledger.CodeAllocationOverdrawn)
	mustCode(t, "duplicate", pay(ledger.PaymentRow{VoucherNo: "记-002", ItemCode: "GY01", PayeeIDNumber: ID(1, 1970), Amount: Y("800"), Period: P("2026-03")}), ledger.CodeDuplicatePayment)
	mustCode(t, "invalid ID", pay(ledger.PaymentRow{ItemCode: "GY01", PayeeIDNumber: "43990119700101001X", Amount: Y("800"), Period: P("2026-03")}), ledger.CodeInvalidIDNumber)
	mustCode(t, "unknown person", pay(ledger.PaymentRow{ItemCode: "GY01", PayeeIDNumber: ID(99, 1980), Amount: Y("800"), Period: P("2026-03")}), ledger.CodeValidationFailed)
	mustCode(t, "invalid USCC", pay(ledger.PaymentRow{PayeeUSCC: "91430181000000000X", PayeeOrgName: "某公司", Kind: ledger.PayProgress, Amount: Y("10")}), ledger.CodeInvalidUSCC)
	mustCode(t, "unknown project", pay(ledger.PaymentRow{ProjectCode: "NOPE", PayeeUSCC: USCC(1), PayeeOrgName: "某公司", Kind: ledger.PayProgress, Amount: Y("10")}), ledger.CodeValidationFailed)
	mustCode(t, "unknown item", pay(ledger.PaymentRow{ItemCode: "XX99", PayeeIDNumber: ID(2, 1970), Amount: Y("10"), Period: P("2026-03")}), ledger.CodeValidationFailed)
	// A project not yet in 实施.
	if _, err := s.RegisterProject(ctx, lg, "fin", ledger.ProjectRow{Code: "ZT-2026-009", Name: "待批项目", Category: "产业", Budget: Y("1000")}, nil); err != nil {
		t.Fatal(err)
	}
	mustCode(t, "project in 申报", pay(ledger.PaymentRow{ProjectCode: "ZT-2026-009", PayeeUSCC: USCC(1), PayeeOrgName: "某公司", Kind: ledger.PayProgress, Amount: Y("10")}), ledger.CodeProjectState)
	mustCode(t, "allocation to a project in 申报", alloc("浏财农〔2026〕3号", "ZT-2026-009", "10"), ledger.CodeProjectState)
	mustCode(t, "entering the library without targets", func() error {
		for _, to := range []string{ledger.ProjReviewed, ledger.ProjPublicized, ledger.ProjLibrary} {
			if _, err := s.TransitionProject(ctx, lg, "fin", "ZT-2026-009", ledger.Transition{To: to}, nil); err != nil {
				return err
			}
		}
		return nil
	}(), ledger.CodeValidationFailed)
	mustCode(t, "a transition the table lacks", func() error {
		_, err := s.TransitionProject(ctx, lg, "fin", "ZT-2026-001", ledger.Transition{To: ledger.ProjCompleted}, nil)
		return err
	}(), ledger.CodeProjectState)
	// Loans beyond the limits.
	loan := func(r ledger.LoanRow) error {
		if r.BorrowerIDNumber == "" {
			r.BorrowerIDNumber = ID(3, 1970)
		}
		if r.TermMonths == 0 {
			r.TermMonths = 36
		}
		if r.GrantedOn.IsZero() {
			r.GrantedOn = D("2026-03-01")
		}
		r.Bank, r.Use, r.RateBP = "浏阳农商银行", "油茶种植", 435
		_, err := s.GrantLoan(ctx, lg, "fin", r, nil)
		return err
	}
	mustCode(t, "loan over 50,000", loan(ledger.LoanRow{ContractNo: "L-1", Amount: Y("50000.01")}), ledger.CodeLoanOverLimit)
	mustCode(t, "loan over 36 months", loan(ledger.LoanRow{ContractNo: "L-2", Amount: Y("30000"), TermMonths: 37}), ledger.CodeLoanOverLimit)
	mustCode(t, "borrower not registered", loan(ledger.LoanRow{ContractNo: "L-3", Amount: Y("30000"), BorrowerIDNumber: ID(8, 1990)}), ledger.CodeValidationFailed)
	minor := ID(9, 2012)
	if _, err := s.RegisterPersons(ctx, lg, "fin", []ledger.PersonRow{{Village: "石牛村", Group: "一组", HeadIDNumber: minor, Name: "王小宝",
		IDNumber: minor, Relation: "户主", HouseholdKind: ledger.KindMonitored, MonitoringKind: ledger.MonitorSuddenHard}}, nil); err != nil {
		t.Fatal(err)
	}
	mustCode(t, "borrower under 18", loan(ledger.LoanRow{ContractNo: "L-3b", Amount: Y("30000"), BorrowerIDNumber: minor}), ledger.CodeLoanOverLimit)
	if err := loan(ledger.LoanRow{ContractNo: "L-4", Amount: Y("50000")}); err != nil {
		t.Fatal(err)
	}
	mustCode(t, "second active loan of a household", loan(ledger.LoanRow{ContractNo: "L-5", Amount: Y("10000")}), ledger.CodeLoanOverLimit)
	// Reversal twice.
	ps, _ := s.Payments(ctx, lg, ledger.PaymentFilter{VoucherNo: "记-001"})
	if _, err := s.Reverse(ctx, lg, "fin", ps[0].Seq, "录入错误", nil); err != nil {
		t.Fatal(err)
	}
	_, err := s.Reverse(ctx, lg, "fin", ps[0].Seq, "再次冲正", nil)
	mustCode(t, "reversing twice", err, ledger.CodeAlreadyReversed)
	// Every refusal above wrote nothing (the project, its three transitions
	// that succeeded, the loan and the reversal did).
	// (the minor's household and registration: 2 more)
	if got := size() - before; got != 1+2+1+1+2 {
		t.Errorf("refusals wrote entries: %d new, want 7", got)
	}
	MustVerify(t, s.L, lg)
}

// testRecordsOfFact: the same rule-breaking rows imported as records of what
// already happened are written (payments as effective), with warnings.
func testRecordsOfFact(t *testing.T, newStore BooksFactory) {
	store := newStore(t)
	s, lg := NewService(t, store, nil)
	town(t, s, lg)
	ctx := context.Background()
	if _, err := s.RegisterProject(ctx, lg, "fin", ledger.ProjectRow{Code: "ZT-2026-009", Name: "待批项目", Category: "产业", Budget: Y("1000")}, nil); err != nil {
		t.Fatal(err)
	}
	in := ledger.ImportInput{Kind: "payments", Rows: 4, Payments: []ledger.PaymentRow{
		{Row: 2, VoucherNo: "记-101", ProjectCode: "ZT-2026-004", DocNo: "财农〔2026〕1号", Kind: ledger.PayProgress, PayeeUSCC: USCC(2), PayeeOrgName: "浏阳市某养殖合作社", Amount: Y("1000"), PaidOn: D("2026-03-01")},
		{Row: 3, VoucherNo: "记-102", ProjectCode: "ZT-2026-009", DocNo: "财农〔2026〕1号", Kind: ledger.PayProgress, PayeeUSCC: USCC(2), PayeeOrgName: "浏阳市某养殖合作社", Amount: Y("500"), PaidOn: D("2026-03-02")},
		{Row: 4, VoucherNo: "记-103", ProjectCode: "ZT-2026-004", DocNo: "财农〔2026〕1号", ItemCode: "GY01", Kind: ledger.PaySubsidy, PayeeIDNumber: ID(1, 1970), Amount: Y("800"), Period: P("2026-03"), PaidOn: D("2026-03-05")},
		{Row: 5, VoucherNo: "记-104", ProjectCode: "ZT-2026-004", DocNo: "财农〔2026〕1号", ItemCode: "GY01", Kind: ledger.PaySubsidy, PayeeIDNumber: ID(1, 1970), Amount: Y("800"), Period: P("2026-03"), PaidOn: D("2026-03-06")},
	}}
	dry, err := s.Import(ctx, lg, "fin", in, true, nil)
	if err != nil || len(dry.Errors) != 0 {
		t.Fatalf("dry run: %v %+v", err, dry.Errors)
	}
	rules := map[string]int{}
	for _, w := range dry.Warnings {
		rules[w.Rule]++
	}
	// Nothing allocated to ZT-2026-004 from this fund: every row overdraws (E3);
	// row 3 pays a project in 申报 (E2); row 5 repeats row 4 (B1).
	if rules["E3"] != 4 || rules["E2"] != 1 || rules["B1"] != 1 {
		t.Fatalf("dry-run warnings %v: %+v", rules, dry.Warnings)
	}
	sizeBefore, _ := store.Size(ctx, lg.ID)
	res, err := s.Import(ctx, lg, "fin", in, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	ps, _ := s.Payments(ctx, lg, ledger.PaymentFilter{})
	if len(ps) != 4 {
		t.Fatalf("%d payments written", len(ps))
	}
	for _, p := range ps {
		if p.Status != ledger.StatusEffective || !p.Imported {
			t.Fatalf("imported payment %+v", p)
		}
	}
	if res.FirstSeq != sizeBefore || res.BatchID != res.LastSeq {
		t.Fatalf("batch %+v, size before %d", res, sizeBefore)
	}
	// The holding is overdrawn: the books say so rather than hide money that moved.
	pr, _ := s.ProjectReport(ctx, lg, "ZT-2026-004")
	if pr.Paid != Y("2600") || pr.Allocated != 0 {
		t.Fatalf("project report %+v", pr)
	}
	// A sheet with malformed rows writes nothing and reports every one.
	bad := ledger.ImportInput{Kind: "payments", Rows: 3, Payments: []ledger.PaymentRow{
		{Row: 2, VoucherNo: "记-201", ProjectCode: "NOPE", DocNo: "财农〔2026〕1号", Kind: ledger.PayProgress, PayeeUSCC: USCC(2), PayeeOrgName: "合作社", Amount: Y("1"), PaidOn: D("2026-03-01")},
		{Row: 3, VoucherNo: "记-202", ProjectCode: "ZT-2026-004", DocNo: "财农〔2026〕1号", ItemCode: "GY01", Kind: ledger.PaySubsidy, PayeeIDNumber: ID(6, 1970), Amount: Y("800"), Period: P("2026-04"), PaidOn: D("2026-04-05")},
		{Row: 4, VoucherNo: "记-203", ProjectCode: "ZT-2026-004", DocNo: "没有这个文号", Kind: ledger.PayProgress, PayeeUSCC: USCC(2), PayeeOrgName: "合作社", Amount: Y("1"), PaidOn: D("2026-03-01")},
	}}
	sizeBefore, _ = store.Size(ctx, lg.ID)
	_, err = s.Import(ctx, lg, "fin", bad, false, nil)
	mustCode(t, "malformed rows", err, ledger.CodeImportRowsInvalid)
	var le *ledger.Error
	if asErr(err, &le) {
		rowsSeen := map[int]bool{}
		for _, f := range le.Fields {
			rowsSeen[f.Row] = true
		}
		if !rowsSeen[2] || !rowsSeen[4] || rowsSeen[3] {
			t.Fatalf("reported rows %+v", le.Fields)
		}
	}
	if n, _ := store.Size(ctx, lg.ID); n != sizeBefore {
		t.Fatalf("a refused import wrote %d entries", n-sizeBefore)
	}
	MustVerify(t, s.L, lg)
}

func asErr(err error, target **ledger.Error) bool {
	e, ok := err.(*ledger.Error)
	if ok {
		*target = e
	}
	return ok
}

// expect accumulates the hand-computed figures of the scripted year.
type expect struct {
	paidByFund     map[string]ledger.Fen         // doc_no → paid
	flow           map[[3]string]ledger.Fen      // doc_no, project, payee kind → paid
	householdItems map[int]map[string]ledger.Fen // person n (head) → item → paid
	allocated      map[[2]string]ledger.Fen      // doc_no, project → allocated
}

func testScriptedYear(t *testing.T, newStore BooksFactory) {
	store := newStore(t)
	clock := NewClock(FixedTime)
	s, lg := NewService(t, store, clock)
	town(t, s, lg)
	ctx := context.Background()
	ex := expect{paidByFund: map[string]ledger.Fen{}, flow: map[[3]string]ledger.Fen{},
		householdItems: map[int]map[string]ledger.Fen{}, allocated: map[[2]string]ledger.Fen{}}
	const f1, f2, f3 = "财农〔2026〕1号", "湘财农〔2026〕2号", "浏财农〔2026〕3号"
	level := map[string]string{f1: "中央", f2: "省级", f3: "县市区级"}
	for _, a := range []struct{ doc, proj, amount string }{
		{f1, "ZT-2026-001", "400000"}, {f1, "ZT-2026-004", "100000"}, {f1, "ZT-2026-005", "20000"},
		{f2, "ZT-2026-002", "300000"}, {f2, "ZT-2026-006", "150000"}, {f3, "ZT-2026-003", "200000"},
	} {
		if _, err := s.RecordAllocation(ctx, lg, "fin", ledger.AllocationRow{DocNo: a.doc, ProjectCode: a.proj, Amount: Y(a.amount), AllocatedOn: D("2026-02-20"), AllocationDocNo: "镇拨〔2026〕1号"}, nil); err != nil {
			t.Fatal(err)
		}
		ex.allocated[[2]string{a.doc, a.proj}] += Y(a.amount)
	}
	kinds := map[string]int{}
	type made struct {
		p      ledger.Payment
		doc    string
		proj   string
		person int // the payee person n for households/persons, 0 for orgs
	}
	var all []made
	pay := func(r ledger.PaymentRow, person int) ledger.Payment {
		t.Helper()
		p, err := s.RecordPayment(ctx, lg, "fin", r, nil)
		if err != nil {
			t.Fatalf("payment %+v: %v", r, err)
		}
		if p.Status == ledger.StatusPendingApproval {
			if p, err = s.DecidePayment(ctx, lg, "approver", p.ID, true, "同意", nil); err != nil {
				t.Fatal(err)
			}
		}
		if p.Status == ledger.StatusAwaitingPublicity {
			ps, err := s.MakeEffective(ctx, lg, "system", []int64{p.ID}, "公示期满无异议")
			if err != nil || len(ps) != 1 {
				t.Fatal(err)
			}
			p = ps[0]
		}
		if p.Status != ledger.StatusEffective {
			t.Fatalf("payment %s is %s", r.VoucherNo, p.Status)
		}
		kinds[r.Kind]++
		all = append(all, made{p, r.DocNo, r.ProjectCode, person})
		return p
	}
	v := 0
	voucher := func() string { v++; return fmt.Sprintf("记-2026-%04d", v) }
	// Contractors: every 付款类型 of works.
	org := func(proj, doc string, n int, kind, amount string) {
		pay(ledger.PaymentRow{VoucherNo: voucher(), ProjectCode: proj, DocNo: doc, Kind: kind, PayeeUSCC: USCC(n),
			PayeeOrgName: fmt.Sprintf("浏阳市第%d建筑公司", n), Amount: Y(amount), PaidOn: D("2026-05-10"), ContractNo: fmt.Sprintf("HT-%d", n), InvoiceNo: fmt.Sprintf("FP-%d", v)}, 0)
	}
	org("ZT-2026-001", f1, 1, ledger.PayProgress, "100000")
	org("ZT-2026-001", f1, 1, ledger.PayProgress, "100000")
	org("ZT-2026-001", f1, 1, ledger.PayProgress, "80000")
	org("ZT-2026-001", f1, 1, ledger.PayFinal, "60000")
	org("ZT-2026-001", f1, 1, ledger.PayRetention, "12000")
	org("ZT-2026-002", f2, 2, ledger.PayProgress, "150000")
	org("ZT-2026-002", f2, 2, ledger.PayProgress, "100000")
	org("ZT-2026-006", f2, 3, ledger.PayProgress, "90000")
	org("ZT-2026-006", f2, 3, ledger.PayFinal, "40000")
	org("ZT-2026-006", f2, 3, ledger.PayRetention, "7500")
	// Public-welfare wages: four items, seven people, twelve months.
	ids := map[int]string{1: ID(1, 1970), 2: ID(2, 1970), 3: ID(3, 1970), 4: ID(4, 1970), 5: ID(5, 1970), 6: ID(6, 1970), 7: ID(7, 2000)}
	head := map[int]int{1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 1}
	for m := 1; m <= 12; m++ {
		for n := 1; n <= 7; n++ {
			for _, item := range []string{"GY01", "GY02", "GY03", "GY04"} {
				pay(ledger.PaymentRow{VoucherNo: voucher(), ProjectCode: "ZT-2026-003", DocNo: f3, ItemCode: item, Kind: ledger.PaySubsidy,
					PayeeIDNumber: ids[n], Amount: Y("300"), Period: P(fmt.Sprintf("2026-%02d", m)), PaidOn: D(fmt.Sprintf("2026-%02d-25", m))}, n)
			}
		}
	}
	// 产业奖补 to households (a 补助对象公示 first): the unit is the household.
	for n := 1; n <= 6; n++ {
		pay(ledger.PaymentRow{VoucherNo: voucher(), ProjectCode: "ZT-2026-004", DocNo: f1, ItemCode: "CY01", Kind: ledger.PaySubsidy,
			PayeeIDNumber: ids[n], Quantity: 20, Amount: Y("2000"), Period: P("2026"), PaidOn: D("2026-06-30")}, n)
	}
	// Five loans and their 贴息.
	for n := 1; n <= 5; n++ {
		if _, err := s.GrantLoan(ctx, lg, "fin", ledger.LoanRow{ContractNo: fmt.Sprintf("DK-2026-%d", n), BorrowerIDNumber: ids[n], Bank: "浏阳农商银行",
			Amount: Y(fmt.Sprint(10000 * n)), TermMonths: 36, RateBP: 435, Use: "发展油茶种植", GrantedOn: D("2026-03-15")}, nil); err != nil {
			t.Fatal(err)
		}
		pay(ledger.PaymentRow{VoucherNo: voucher(), ProjectCode: "ZT-2026-005", DocNo: f1, ItemCode: "TX01", Kind: ledger.PaySubsidy,
			PayeeIDNumber: ids[n], Amount: Y(fmt.Sprint(435 * n)), Period: P("2026"), PaidOn: D("2026-12-20"), LoanContractNo: fmt.Sprintf("DK-2026-%d", n)}, n)
	}
	if _, err := s.RecordRepayment(ctx, lg, "fin", ledger.RepaymentRow{ContractNo: "DK-2026-1", RepaidOn: D("2026-12-01"), Amount: Y("10000")}, nil); err != nil {
		t.Fatal(err)
	}
	// Small items without a subsidy code, to reach 500 payments.
	for len(all) < 500 {
		n := len(all)%7 + 1
		pay(ledger.PaymentRow{VoucherNo: voucher(), ProjectCode: "ZT-2026-003", DocNo: f3, Kind: ledger.PaySubsidy,
			PayeeIDNumber: ids[n], Amount: Y("50"), PaidOn: D("2026-09-09")}, n)
	}
	// Two reversals: one wage payment and one contractor payment.
	reversed := map[int64]bool{}
	for _, i := range []int{12, 3} {
		if _, err := s.Reverse(ctx, lg, "fin", all[i].p.Seq, "重复录入，冲正", nil); err != nil {
			t.Fatal(err)
		}
		reversed[all[i].p.ID] = true
	}
	for _, k := range ledger.PaymentKinds {
		if kinds[k] == 0 {
			t.Fatalf("no payment of kind %s", k)
		}
	}
	// The hand-computed expectation.
	for _, m := range all {
		if reversed[m.p.ID] {
			continue
		}
		ex.paidByFund[m.doc] += m.p.Amount
		ex.flow[[3]string{m.doc, m.proj, m.p.Payee.Kind}] += m.p.Amount
		if m.person != 0 {
			h := head[m.person]
			if ex.householdItems[h] == nil {
				ex.householdItems[h] = map[string]ledger.Fen{}
			}
			ex.householdItems[h][m.p.Item] += m.p.Amount
		}
	}
	funds, err := s.Funds(ctx, lg)
	if err != nil {
		t.Fatal(err)
	}
	fundID := map[string]int64{}
	for _, f := range funds {
		fundID[f.DocNo] = f.ID
		var alloc ledger.Fen
		for k, a := range ex.allocated {
			if k[0] == f.DocNo {
				alloc += a
			}
		}
		if f.Paid != ex.paidByFund[f.DocNo] || f.Unspent != f.Amount-ex.paidByFund[f.DocNo] || f.Allocated != alloc || f.Unallocated != f.Amount-alloc {
			t.Errorf("fund %s: paid %s unspent %s allocated %s unallocated %s; want paid %s allocated %s",
				f.DocNo, f.Paid, f.Unspent, f.Allocated, f.Unallocated, ex.paidByFund[f.DocNo], alloc)
		}
		rep, err := s.FundReport(ctx, lg, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, pl := range rep.Projects {
			if pl.Allocated != ex.allocated[[2]string{f.DocNo, pl.Code}] {
				t.Errorf("fund %s → %s allocated %s", f.DocNo, pl.Code, pl.Allocated)
			}
			for kind, amt := range pl.ByPayee {
				if amt != ex.flow[[3]string{f.DocNo, pl.Code, kind}] {
					t.Errorf("fund %s → %s → %s: %s, want %s", f.DocNo, pl.Code, kind, amt, ex.flow[[3]string{f.DocNo, pl.Code, kind}])
				}
			}
			if pl.Holding != pl.Allocated-pl.Paid {
				t.Errorf("holding %+v", pl)
			}
		}
	}
	for n := 1; n <= 6; n++ {
		per, err := s.FindPersonByID(ctx, lg, ids[n])
		if err != nil {
			t.Fatal(err)
		}
		lines, total, err := s.HouseholdYear(ctx, lg, per.Household, 2026)
		if err != nil {
			t.Fatal(err)
		}
		var want ledger.Fen
		for item, amt := range ex.householdItems[n] {
			want += amt
			found := false
			for _, l := range lines {
				if l.Item == item {
					found = true
					if l.Amount != amt {
						t.Errorf("household %d item %q: %s, want %s", n, item, l.Amount, amt)
					}
				}
			}
			if !found {
				t.Errorf("household %d lacks item %q", n, item)
			}
		}
		if total != want {
			t.Errorf("household %d total %s, want %s", n, total, want)
		}
	}
	for _, code := range []string{"ZT-2026-001", "ZT-2026-002", "ZT-2026-003", "ZT-2026-004", "ZT-2026-005", "ZT-2026-006"} {
		pr, err := s.ProjectReport(ctx, lg, code)
		if err != nil {
			t.Fatal(err)
		}
		var wantPaid, wantAlloc ledger.Fen
		for k, a := range ex.flow {
			if k[1] == code {
				wantPaid += a
			}
		}
		for k, a := range ex.allocated {
			if k[1] == code {
				wantAlloc += a
			}
		}
		if pr.Paid != wantPaid || pr.Allocated != wantAlloc || pr.Budget == 0 {
			t.Errorf("project %s: budget %s allocated %s paid %s; want allocated %s paid %s", code, pr.Budget, pr.Allocated, pr.Paid, wantAlloc, wantPaid)
		}
	}
	levels, err := s.SourceLevelTotals(ctx, lg, 2026)
	if err != nil {
		t.Fatal(err)
	}
	for _, lt := range levels {
		var received, paid ledger.Fen
		for doc, lvl := range level {
			if lvl == lt.Level {
				for _, f := range funds {
					if f.DocNo == doc {
						received += f.Amount
					}
				}
				paid += ex.paidByFund[doc]
			}
		}
		if lt.Received != received || lt.Paid != paid || lt.Unspent != received-paid {
			t.Errorf("level %s: %+v; want received %s paid %s", lt.Level, lt, received, paid)
		}
	}
	// Double entry: every account sums to zero across the books.
	var sum ledger.Fen
	for _, prefix := range []string{"source:", "fund:", "project:", "payee:"} {
		bal, _ := store.Books(ctx, lg.ID).Balances(prefix)
		for _, b := range bal {
			sum += b
		}
	}
	if sum != 0 {
		t.Errorf("the books do not balance: %s", sum)
	}
	MustVerify(t, s.L, lg)
	rep, err := s.L.Rebuild(ctx, lg, newStore(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Differences) != 0 {
		t.Fatalf("rebuild differs: %v", rep.Differences)
	}
	// Erasure: the tree still verifies, the reports still add up, the person
	// can no longer be found or read.
	per, _ := s.FindPersonByID(ctx, lg, ids[2])
	if err := s.ErasePerson(ctx, lg, per.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FindPersonByID(ctx, lg, ids[2]); !ledger.IsNotFound(err) {
		t.Fatalf("erased person still found: %v", err)
	}
	view, err := s.ReadPerson(ctx, lg, "auditor", per.ID, "test")
	if err != nil || !view.Erased || view.Private.Name != "" {
		t.Fatalf("erased person read: %+v %v", view, err)
	}
	MustVerify(t, s.L, lg)
	funds2, _ := s.Funds(ctx, lg)
	for i := range funds2 {
		if funds2[i].Paid != funds[i].Paid {
			t.Fatalf("erasure changed the reports")
		}
	}
	rep, err = s.L.Rebuild(ctx, lg, newStore(t))
	if err != nil || len(rep.Differences) != 0 {
		t.Fatalf("rebuild after erasure: %v %v", err, rep.Differences)
	}
	// A live projection edited behind the ledger's back is caught by rebuild.
	if tamper, ok := store.(interface{ TamperBalanceForTest(logID int64) error }); ok {
		if err := tamper.TamperBalanceForTest(lg.ID); err != nil {
			t.Fatal(err)
		}
		rep, err = s.L.Rebuild(ctx, lg, newStore(t))
		if err != nil || len(rep.Differences) == 0 {
			t.Fatalf("rebuild missed an edited balance: %v", err)
		}
	}
	_ = fundID
}

// testConcurrentPayments: 64 payments race for a holding that covers only
// some of them. They are batched together by the writer; the ones that
// would overdraw fail alone, and the balances equal the sum of the ones
// that succeeded (the batch's summed projections drop a failed request's
// part).
func testConcurrentPayments(t *testing.T, newStore BooksFactory) {
	store := newStore(t)
	s, lg := NewService(t, store, nil)
	town(t, s, lg)
	ctx := context.Background()
	if _, err := s.RecordAllocation(ctx, lg, "fin", ledger.AllocationRow{DocNo: "浏财农〔2026〕3号", ProjectCode: "ZT-2026-003", Amount: Y("10000"), AllocatedOn: D("2026-03-01")}, nil); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var ok, over atomic.Int64
	for g := 0; g < 64; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			_, err := s.RecordPayment(ctx, lg, "fin", ledger.PaymentRow{VoucherNo: fmt.Sprintf("C-%d", g), ProjectCode: "ZT-2026-003",
				DocNo: "浏财农〔2026〕3号", Kind: ledger.PaySubsidy, PayeeIDNumber: ID(g%7+1, map[bool]int{true: 2000, false: 1970}[g%7 == 6]), Amount: Y("300"), PaidOn: D("2026-03-05")}, nil)
			switch ledger.ErrorCode(err) {
			case "":
				ok.Add(1)
			case ledger.CodeAllocationOverdrawn:
				over.Add(1)
			default:
				t.Error(err)
			}
		}(g)
	}
	wg.Wait()
	if ok.Load() != 33 || over.Load() != 31 {
		t.Fatalf("%d paid, %d refused; want 33 and 31", ok.Load(), over.Load())
	}
	pr, err := s.ProjectReport(ctx, lg, "ZT-2026-003")
	if err != nil {
		t.Fatal(err)
	}
	if pr.Paid != Y("9900") || pr.Allocated != Y("10000") {
		t.Fatalf("project paid %s allocated %s", pr.Paid, pr.Allocated)
	}
	bal, _ := store.Books(ctx, lg.ID).Balances("payee:")
	var sum ledger.Fen
	for _, b := range bal {
		sum += b
	}
	if sum != Y("9900") {
		t.Fatalf("payees hold %s", sum)
	}
	MustVerify(t, s.L, lg)
	rep, err := s.L.Rebuild(ctx, lg, newStore(t))
	if err != nil || len(rep.Differences) != 0 {
		t.Fatalf("rebuild: %v %v", err, rep.Differences)
	}
}

// testFlags: findings become flags once per rule and subject; new evidence
// updates them; the review workflow and its scoping; escalation after the
// SLA; every step an entry, and the projection rebuilds.
func testFlags(t *testing.T, newStore BooksFactory) {
	store := newStore(t)
	clock := NewClock(FixedTime)
	s, lg := NewService(t, store, clock)
	ctx := context.Background()
	b1 := ledger.Finding{Rule: "B1", SubjectKey: "GY01|person:7|2026-03", Severity: ledger.SeverityWarn, Village: "430181117201",
		Subject: ledger.FlagSubject{Kind: "person", ID: 7, Label: "张*明"}, Reason: "同一人同一期间重复领取「公益岗位工资」",
		Evidence: ledger.Evidence{Entries: []int64{40, 41}, Vouchers: []string{"记-1", "记-2"}}}
	d1 := ledger.Finding{Rule: "D1", SubjectKey: "fund:3", Severity: ledger.SeverityWarn, Subject: ledger.FlagSubject{Kind: "fund", ID: 3, Label: "财农〔2026〕1号"},
		Reason: "资金到账超过6个月仍有结余", Evidence: ledger.Evidence{Entries: []int64{3}, DocNos: []string{"财农〔2026〕1号"}}}
	raised, updated, err := s.RecordFindings(ctx, lg, "system", []ledger.Finding{b1, d1})
	if err != nil || raised != 2 || updated != 0 {
		t.Fatalf("first scan: %d %d %v", raised, updated, err)
	}
	// The same findings again: nothing new.
	if raised, updated, _ := s.RecordFindings(ctx, lg, "system", []ledger.Finding{b1, d1}); raised != 0 || updated != 0 {
		t.Fatalf("second scan: %d raised, %d updated", raised, updated)
	}
	// One more payment of the same problem, and D1 now a year old: updates.
	b1.Evidence = ledger.Evidence{Entries: []int64{55}, Vouchers: []string{"记-3"}}
	d1.Severity = ledger.SeverityHigh
	if raised, updated, _ := s.RecordFindings(ctx, lg, "system", []ledger.Finding{b1, d1}); raised != 0 || updated != 2 {
		t.Fatalf("new evidence: %d raised, %d updated", raised, updated)
	}
	all, _ := s.Flags(ctx, lg, ledger.FlagFilter{}, nil)
	if len(all) != 2 || all[0].Rule != "D1" || all[0].Severity != ledger.SeverityHigh || all[0].AssignedTo != ledger.RoleDiscipline {
		t.Fatalf("flags %+v", all)
	}
	fb1 := all[1]
	if len(fb1.Evidence.Entries) != 3 || len(fb1.Evidence.Vouchers) != 3 || fb1.AssignedTo != ledger.RoleMonitor {
		t.Fatalf("B1 flag %+v", fb1)
	}
	mine := ledger.User{ID: "430181117-u1", Role: ledger.RoleMonitor, Villages: []string{"430181117201"}}
	other := ledger.User{ID: "430181117-u2", Role: ledger.RoleMonitor, Villages: []string{"430181117202"}}
	jw := ledger.User{ID: "430181117-u3", Role: ledger.RoleDiscipline}
	// Their accounts, as entries of the log (verify --deep checks that an
	// account actor existed and held a role allowed to write what it wrote).
	for _, u := range []ledger.User{mine, other, jw} {
		if _, err := s.L.Append(ctx, lg, ledger.AppendInput{Type: "user_created", Actor: "system",
			Payload: map[string]any{"id": u.ID, "username": u.ID, "role": u.Role, "villages": u.Villages}}); err != nil {
			t.Fatal(err)
		}
	}
	if fs, _ := s.Flags(ctx, lg, ledger.FlagFilter{}, &other); len(fs) != 0 {
		t.Fatalf("a monitor of another village sees %d flags", len(fs))
	}
	if fs, _ := s.Flags(ctx, lg, ledger.FlagFilter{}, &mine); len(fs) != 1 || fs[0].Rule != "B1" {
		t.Fatalf("the village's monitor sees %+v", fs)
	}
	if _, err := s.ReviewFlag(ctx, lg, other, fb1.ID, "acknowledge", "", nil); ledger.ErrorCode(err) != ledger.CodeNotFound {
		t.Fatalf("another village's monitor reviewed: %v", err)
	}
	if _, err := s.ReviewFlag(ctx, lg, mine, fb1.ID, "dismiss", "  ", nil); ledger.ErrorCode(err) != ledger.CodeValidationFailed {
		t.Fatalf("dismissed without a reason: %v", err)
	}
	if _, err := s.ReviewFlag(ctx, lg, mine, all[0].ID, "acknowledge", "", nil); ledger.ErrorCode(err) != ledger.CodeNotFound {
		t.Fatalf("a monitor reviewed a town-level flag: %v", err)
	}
	f, err := s.ReviewFlag(ctx, lg, mine, fb1.ID, "acknowledge", "已签收，入户核实", nil)
	if err != nil || f.Status != ledger.FlagAcknowledged {
		t.Fatalf("acknowledge: %+v %v", f, err)
	}
	f, err = s.ReviewFlag(ctx, lg, mine, fb1.ID, "dismiss", "经核实为两个月工资分两次发放，凭证号录错", nil)
	if err != nil || f.Status != ledger.FlagDismissed || len(f.History) != 4 {
		t.Fatalf("dismiss: %+v %v", f, err)
	}
	// SLA: the town-level D1 is open for 8 days and escalates by itself.
	clock.Advance(8 * 24 * time.Hour)
	if n, err := s.EscalateOverdue(ctx, lg, clock.Now()); err != nil || n != 1 {
		t.Fatalf("escalation: %d %v", n, err)
	}
	d, _ := s.Flag(ctx, lg, all[0].ID)
	if d.Status != ledger.FlagEscalated || d.AssignedTo != ledger.RoleDiscipline {
		t.Fatalf("escalated flag %+v", d)
	}
	if d, err := s.ReviewFlag(ctx, lg, jw, d.ID, "confirm", "资金闲置属实，责令整改", nil); err != nil || d.Status != ledger.FlagConfirmed {
		t.Fatalf("discipline confirms: %+v %v", d, err)
	}
	// A finding over thousands of rows stays a small flag: each evidence list
	// is capped at 100 items.
	big := ledger.Finding{Rule: "H5", SubjectKey: "batch:1", Severity: ledger.SeverityInfo, Reason: "补录"}
	for i := int64(0); i < 5000; i++ {
		big.Evidence.Entries = append(big.Evidence.Entries, i)
		big.Evidence.Vouchers = append(big.Evidence.Vouchers, fmt.Sprintf("记-%05d", i))
	}
	if _, _, err := s.RecordFindings(ctx, lg, "system", []ledger.Finding{big}); err != nil {
		t.Fatalf("a finding with 5,000 rows of evidence: %v", err)
	}
	if fs, _ := s.Flags(ctx, lg, ledger.FlagFilter{Rule: "H5"}, nil); len(fs) != 1 || len(fs[0].Evidence.Entries) != 100 || len(fs[0].Evidence.Vouchers) != 100 {
		t.Fatalf("capped evidence: %+v", fs)
	}
	// Flag entries are withheld.
	es, _ := store.Entries(ctx, lg.ID, 0, 100000)
	for _, e := range es {
		if (e.Type == "flag_raised" || e.Type == "flag_reviewed") && ledger.IsPublic(e.Type) {
			t.Fatalf("%s is public", e.Type)
		}
	}
	MustVerify(t, s.L, lg)
	rep, err := s.L.Rebuild(ctx, lg, newStore(t))
	if err != nil || len(rep.Differences) != 0 {
		t.Fatalf("rebuild: %v %v", err, rep.Differences)
	}
}
