package anomaly

import (
	"testing"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// TestCatalogueCodesOnce: every rule is in the catalogue once (a rule
// listed twice reports each finding twice).
func TestCatalogueCodesOnce(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Catalogue() {
		if seen[r.Code] {
			t.Errorf("%s is in the catalogue twice", r.Code)
		}
		seen[r.Code] = true
	}
	for _, c := range []string{"R1", "R2", "R3", "R4", "R5"} {
		if !seen[c] {
			t.Errorf("%s is not in the catalogue", c)
		}
	}
}

// TestMatchBank: rows match payments by voucher (several payments under
// one voucher: by account, then amount), else by account and amount
// within 31 days; a resent row matches the same payment.
func TestMatchBank(t *testing.T) {
	d := func(s string) ledger.Date { x, _ := ledger.ParseDate(s); return x }
	pays := []ledger.BankPayment{
		{VoucherNo: "V1", AccountIndex: "a1", Amount: 800_00, PaidOn: d("2026-03-05")},
		{VoucherNo: "V2", AccountIndex: "a2", Amount: 500_00, PaidOn: d("2026-03-05")},
		{VoucherNo: "V2", AccountIndex: "a3", Amount: 500_00, PaidOn: d("2026-03-05")},
		{VoucherNo: "V3", AccountIndex: "a4", Amount: 300_00, PaidOn: d("2026-03-05")},
	}
	rows := []ledger.BankReturn{
		{Seq: 10, VoucherNo: "v1 ", AccountIndex: "zz", Amount: 800_00, TradeOn: d("2026-03-06")}, // by voucher, whatever the account
		{Seq: 11, VoucherNo: "V2", AccountIndex: "a3", Amount: 500_00, TradeOn: d("2026-03-06")},  // the voucher's payment into a3
		{Seq: 12, AccountIndex: "a4", Amount: 300_00, TradeOn: d("2026-03-06")},                   // no voucher: account and amount
		{Seq: 13, AccountIndex: "a4", Amount: 300_00, TradeOn: d("2026-05-06")},                   // too late for it: no match
		{Seq: 14, VoucherNo: "V9", AccountIndex: "a2", Amount: 900_00, TradeOn: d("2026-03-06")},  // unknown voucher, other amount
		{Seq: 15, VoucherNo: "V1", AccountIndex: "a1", Amount: 800_00, TradeOn: d("2026-03-04")},  // earlier row of V1 (a failure, say)
	}
	m := ledger.MatchBank(pays, rows)
	want := []int{0, 2, 3, -1, -1, 0}
	for j, w := range want {
		if m.Payment[j] != w {
			t.Errorf("row %d (seq %d): payment %d, want %d", j, rows[j].Seq, m.Payment[j], w)
		}
	}
	// payment 0's rows in trade-date order: the earlier one first
	if len(m.Rows[0]) != 2 || m.Rows[0][0] != 5 || m.Rows[0][1] != 0 {
		t.Errorf("rows of payment 0: %v", m.Rows[0])
	}
	if st := ledger.BankState(rows, m.Rows[1]); st != ledger.BankStateNone {
		t.Errorf("payment 1: %s", st)
	}
}
