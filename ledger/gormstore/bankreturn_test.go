package gormstore_test

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
	. "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// bankTown is a town with persons 1–6 (each head of a household with a
// 一卡通 6230 9010 0000 000n), a fund and a project, and the payments of
// bankPayments imported as records of fact. The clock reads 2026-05-01.
func bankTown(t *testing.T, dialect string) (*ledger.Service, ledger.Log) {
	t.Helper()
	store := gormstoretest.Open(t, dialect)
	clock := NewClock(time.Date(2026, 5, 1, 2, 0, 0, 0, time.UTC))
	s, lg := NewService(t, store, clock)
	ctx := context.Background()
	var rows []ledger.PersonRow
	for i := 1; i <= 6; i++ {
		rows = append(rows, ledger.PersonRow{Village: "田坪村", Group: "一组", HeadIDNumber: ID(i, 1970), Name: bankName(i),
			IDNumber: ID(i, 1970), Relation: "户主", HouseholdKind: ledger.KindLifted, JoinedOn: D("2015-01-01"),
			Bank: "浏阳农商银行", AccountNo: bankAcct(i)})
	}
	if _, err := s.RegisterPersons(ctx, lg, "fin", rows, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordFund(ctx, lg, "fin", ledger.FundRow{DocNo: "浏财农〔2026〕3号", Name: "县级衔接资金", SourceLevel: "浏阳市",
		Nature: "专项扶贫资金", FunctionCode: "2130504", Purpose: "就业", Year: 2026, Amount: Y("300000"), ArrivedOn: D("2026-02-01")}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RegisterProject(ctx, lg, "fin", ledger.ProjectRow{Code: "ZT-2026-003", Name: "公益岗位", Category: "就业", Nature: "续建",
		Budget: Y("200000"), Targets: "产出：设置公益岗位", Mechanism: "吸纳脱贫劳动力就业", Implementer: "镇头镇人民政府", ResponsiblePerson: "李四"}, nil); err != nil {
		t.Fatal(err)
	}
	// an item whose bank files come late: R4 waits 45 days for it
	if _, err := s.DefineItem(ctx, lg, "admin", ledger.Item{Code: "YH01", Name: "养殖奖补（银行季度代发）", Category: "就业", Unit: "person",
		Standard: 300_00, Period: "once", YearlyCap: 300_00, BankDays: 45}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DefineItem(ctx, lg, "admin", ledger.Item{Code: "YH02", Name: "坏设置", Category: "就业", Unit: "person", Standard: 1, Period: "once", BankDays: -1}, nil); ledger.ErrorCode(err) != ledger.CodeValidationFailed {
		t.Fatalf("a negative R4 setting: %v", err)
	}
	in := ledger.ImportInput{Kind: "payments", Rows: len(bankPayments), Payments: bankPayments}
	if _, err := s.Import(ctx, lg, "fin", in, false, nil); err != nil {
		t.Fatal(err)
	}
	return s, lg
}

func bankName(i int) string { return fmt.Sprintf("张%s明", string(rune('一'+i))) }
func bankAcct(i int) string { return fmt.Sprintf("6230 9010 0000 %04d", i) }

func bankPay(row int, voucher string, person int, acct bool, amount, paid string) ledger.PaymentRow {
	p := ledger.PaymentRow{Row: row, VoucherNo: voucher, ProjectCode: "ZT-2026-003", DocNo: "浏财农〔2026〕3号", Kind: ledger.PaySubsidy,
		PayeeIDNumber: ID(person, 1970), Amount: Y(amount), PaidOn: D(paid)}
	if acct {
		p.AccountNo = bankAcct(person)
	}
	return p
}

// The payments, each named by what the bank return says of it.
var bankPayments = []ledger.PaymentRow{
	bankPay(2, "记-001", 1, true, "800", "2026-03-05"),   // R1: returned by the bank
	bankPay(3, "记-002", 2, true, "800", "2026-03-05"),   // near miss R1: failed, then resent and credited
	bankPay(4, "记-003", 3, true, "800", "2026-03-05"),   // R2: credited to another account
	bankPay(5, "记-004", 4, true, "800", "2026-03-05"),   // near miss R2: same account and holder, written otherwise
	bankPay(6, "记-005", 5, true, "800", "2026-03-05"),   // R3: 780.00 credited
	bankPay(7, "记-006", 6, true, "1200", "2026-03-05"),  // near miss R3: "1,200.00"
	bankPay(8, "记-007", 1, true, "300", "2026-04-01"),   // R4: no bank row 30 days on
	bankPay(9, "记-008", 2, true, "300", "2026-04-20"),   // near miss R4: 11 days on
	bankPay(10, "记-009", 3, false, "300", "2026-03-01"), // near miss R4: cash (no account)
	bankPay(11, "记-010", 4, true, "500", "2026-03-10"),  // near miss R5: bank row without voucher, matched by account and amount
	bankPay(12, "记-011", 6, true, "600", "2026-03-05"),  // R2: credited to an account in another holder's name
	func() ledger.PaymentRow { // near miss R4: 30 days on, but its item waits 45
		p := bankPay(13, "记-012", 5, true, "300", "2026-04-01")
		p.ItemCode, p.Period = "YH01", ledger.Period{Year: 2026}
		return p
	}(),
}

func bankRow(row int, batch, voucher string, person int, acct, holder, amount, status, on string) ledger.BankReturnRow {
	if acct == "" {
		acct = bankAcct(person)
	}
	if holder == "" {
		holder = bankName(person)
	}
	return ledger.BankReturnRow{Row: row, BatchNo: batch, VoucherNo: voucher, AccountNo: acct, HolderName: holder, Amount: Y(amount),
		Status: status, TradeOn: D(on), Bank: "浏阳农商银行"}
}

var bankRows = []ledger.BankReturnRow{
	bankRow(2, "DF20260306001", "记-001", 1, "", "", "800", ledger.BankReturned, "2026-03-06"),
	bankRow(3, "DF20260306001", "记-002", 2, "", "", "800", ledger.BankFailed, "2026-03-06"),
	bankRow(4, "DF20260310002", "记-002", 2, "", "", "800", ledger.BankSucceeded, "2026-03-10"),
	bankRow(5, "DF20260306001", "记-003", 3, "6230 9010 0000 9999", "", "800", ledger.BankSucceeded, "2026-03-06"),
	bankRow(6, "DF20260306001", "记-004", 4, "6230-9010-0000-0004", "张\u3000"+strings.TrimPrefix(bankName(4), "张"), "800", ledger.BankSucceeded, "2026-03-06"),
	bankRow(7, "DF20260306001", "记-005", 5, "", "", "780", ledger.BankSucceeded, "2026-03-06"),
	bankRow(8, "DF20260306001", "记-006", 6, "", "", "1200.00", ledger.BankSucceeded, "2026-03-06"),
	bankRow(9, "DF20260311003", "", 4, "", "", "500", ledger.BankSucceeded, "2026-03-11"),
	bankRow(10, "DF20260306001", "记-011", 6, "", "李大山", "600", ledger.BankSucceeded, "2026-03-06"),
	bankRow(11, "DF20260306001", "记-999", 5, "", "", "450", ledger.BankSucceeded, "2026-03-06"), // R5
	bankRow(12, "DF20260306001", "记-998", 5, "", "", "450", ledger.BankFailed, "2026-03-06"),    // near miss R5: nothing credited
}

// TestBankReconciliation: a bank return file recorded on a real store
// (SQLite, and MariaDB when set), and R1–R5 each flag their planted case
// and none of its near misses; the payments' bank states follow.
func TestBankReconciliation(t *testing.T) {
	for _, dialect := range gormstoretest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			s, lg := bankTown(t, dialect)
			ctx := context.Background()
			res, err := s.Import(ctx, lg, "fin", ledger.ImportInput{Kind: "bank_returns", Rows: len(bankRows), BankReturns: bankRows}, false, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.LastSeq-res.FirstSeq != int64(len(bankRows)) {
				t.Fatalf("import %+v", res)
			}
			// The bank rows are withheld entries: a name or an account is personal data.
			es, err := s.L.Store().Entries(ctx, lg.ID, res.FirstSeq, 1)
			if err != nil || len(es) != 1 || es[0].Type != "bank_return_recorded" || ledger.IsPublic(es[0].Type) {
				t.Fatalf("entry %+v %v", es, err)
			}
			if body := string(es[0].Body); strings.Contains(body, bankName(1)) || strings.Contains(body, "901000000001") || strings.Contains(body, "9010 0000 0001") {
				t.Fatalf("a bank entry holds the name or the account: %s", body)
			}
			d, err := s.ScanData(ctx, lg)
			if err != nil {
				t.Fatal(err)
			}
			byVoucher := map[int64]string{}
			ps, _ := s.Payments(ctx, lg, ledger.PaymentFilter{})
			for _, p := range ps {
				byVoucher[p.ID] = p.VoucherNo
			}
			want := map[string][]string{
				"R1": {"记-001"}, "R2": {"记-003", "记-011"}, "R3": {"记-005"}, "R4": {"记-007"}, "R5": {"bank:记-999"},
			}
			for _, r := range anomaly.Catalogue() {
				w, ok := want[r.Code]
				if !ok {
					continue
				}
				var got []string
				for _, f := range r.Check(d, anomaly.DefaultConfig) {
					if id, ok := strings.CutPrefix(f.SubjectKey, "payment:"); ok {
						var n int64
						fmt.Sscan(id, &n)
						got = append(got, byVoucher[n])
					} else {
						got = append(got, "bank:"+f.Evidence.Vouchers[0])
					}
					if len(f.Evidence.Accounts) == 0 || !strings.HasPrefix(f.Evidence.Accounts[0], "****") || len(f.Evidence.BankBatches) == 0 && r.Code != "R4" {
						t.Errorf("%s evidence %+v", r.Code, f.Evidence)
					}
					if strings.Contains(f.Reason, "6230") || strings.Contains(f.Reason, bankName(6)) {
						t.Errorf("%s reason shows an account or a full name: %s", r.Code, f.Reason)
					}
					t.Logf("%s %s: %s", r.Code, f.SubjectKey, f.Reason)
				}
				slices.Sort(got)
				if !slices.Equal(got, w) {
					t.Errorf("%s flags %v, want %v", r.Code, got, w)
				}
			}
			states, err := s.BankStates(ctx, lg, ps)
			if err != nil {
				t.Fatal(err)
			}
			wantState := map[string]string{"记-001": "退回", "记-002": "到账", "记-005": "到账", "记-007": "未见银行回单", "记-009": "", "记-010": "到账"}
			for _, p := range ps {
				if w, ok := wantState[p.VoucherNo]; ok && states[p.ID] != w {
					t.Errorf("%s: bank state %q, want %q", p.VoucherNo, states[p.ID], w)
				}
			}
			// The 资金发放结果公告 of March says how many rows the bank confirmed.
			n, err := s.DraftNotice(ctx, lg, "fin", ledger.NoticeDraftInput{Type: ledger.NoticePaymentResult, Village: "田坪村", Period: "2026-03"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if n, err = s.Notice(ctx, lg, n.ID); err != nil {
				t.Fatal(err)
			}
			content, err := s.NoticeContent(ctx, lg, n, ledger.AudiencePublic)
			if err != nil {
				t.Fatal(err)
			}
			if want := "银行代发回盘核对：以上经银行代发的 8 笔中，7 笔银行已确认到账，1 笔被银行退回或发放失败。"; !slices.Contains(content.Closing, want) {
				t.Errorf("the notice's closing %q, want %q", content.Closing, want)
			}
			// The same file again is refused, row by row, and writes nothing.
			size, _ := s.L.Store().Size(ctx, lg.ID)
			_, err = s.Import(ctx, lg, "fin", ledger.ImportInput{Kind: "bank_returns", Rows: len(bankRows), BankReturns: bankRows}, false, nil)
			var le *ledger.Error
			if ledger.ErrorCode(err) != ledger.CodeImportRowsInvalid || !asLedgerErr(err, &le) || len(le.Fields) != len(bankRows) || le.Fields[0].Row != 2 {
				t.Fatalf("re-import: %v", err)
			}
			if n, _ := s.L.Store().Size(ctx, lg.ID); n != size {
				t.Fatalf("a refused import wrote %d entries", n-size)
			}
			MustVerify(t, s.L, lg)
		})
	}
}

func asLedgerErr(err error, out **ledger.Error) bool {
	e, ok := err.(*ledger.Error)
	*out = e
	return ok
}

// TestBankReturnTwinRowsAndNote: a bank file may hold two rows alike in
// every recorded field (two members' equal wages into the head's 一卡通,
// without 凭证号): both are recorded, and the same file again is refused.
// The bank's free-text reason is kept without the account number and the
// holder's full name banks write into it: in the entry and on R1's flag.
func TestBankReturnTwinRowsAndNote(t *testing.T) {
	s, lg := bankTown(t, "sqlite")
	ctx := context.Background()
	failed := bankRow(4, "B-TWIN", "记-001", 1, "", "", "800", "失败", "2026-03-06")
	failed.Note = "账号6230901000000001户名" + bankName(1) + "不符，身份证号439901197001010011"
	rows := []ledger.BankReturnRow{
		bankRow(2, "B-TWIN", "", 2, "", "", "300", "成功", "2026-04-21"),
		bankRow(3, "B-TWIN", "", 2, "", "", "300", "成功", "2026-04-21"),
		failed,
	}
	in := ledger.ImportInput{Kind: "bank_returns", Rows: len(rows), BankReturns: rows}
	if _, err := s.Import(ctx, lg, "fin", in, false, nil); err != nil {
		t.Fatalf("a file with two rows alike: %v", err)
	}
	brs, err := s.BankReturns(ctx, lg)
	if err != nil {
		t.Fatal(err)
	}
	twins, notes := 0, ""
	for _, b := range brs {
		if b.BatchNo == "B-TWIN" && b.Status == "成功" {
			twins++
		}
		notes += b.Note
	}
	if twins != 2 {
		t.Fatalf("%d of the two rows alike recorded", twins)
	}
	if strings.Contains(notes, "6230901000000001") || strings.Contains(notes, "439901197001010011") || strings.Contains(notes, bankName(1)) ||
		!strings.Contains(notes, "账号****0001户名") || !strings.Contains(notes, ledger.MaskName(bankName(1))) {
		t.Fatalf("the bank's reason as kept: %q", notes)
	}
	if _, err := s.Import(ctx, lg, "fin", in, false, nil); ledger.ErrorCode(err) != ledger.CodeImportRowsInvalid {
		t.Fatalf("the same file again: %v", err)
	}
}
