package api_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/sunshine-ledger/sunshine/api"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
)

// TestScanEndToEndBank: the planted town of TestScanEndToEnd, with wages
// of January paid by the bank into the clean households' own cards and the
// bank's return file (GBK-free CSV here; the import of bank files is tested
// in TestBankReturnImport) imported through the API, with one case of each
// of R1–R5 planted among rows that reconcile. The scan run through the API
// flags each planted case once, citing the payment, the bank's row, the
// account's last 4 digits and the bank's batch; no clean payment and no
// near miss is flagged by R1–R5; a second scan adds nothing. SQLite and,
// with SUNSHINE_TEST_MYSQL_DSN, MariaDB.
func TestScanEndToEndBank(t *testing.T) {
	for _, dialect := range gormstoretest.Dialects() {
		t.Run(dialect, func(t *testing.T) { scanEndToEndBank(t, dialect) })
	}
}

func scanEndToEndBank(t *testing.T, dialect string) {
	e := newTownEnv(t, dialect)
	ctx := context.Background()
	pt := newPlantedTown(t)
	acct := func(i int) string { return fmt.Sprintf("62309019990001%02d", i) }
	name := func(i int) string { return "蒋清白" + string(rune('甲'+i)) }
	// January's 保洁员 wages of the six clean households, paid on 5
	// February into their own cards (the clock reads 1 March).
	bankPay := func(v string, i int) map[string]string {
		r := pt.pay(v, "E2E-GY", "E2E-就业", "GY04", fmt.Sprintf("OK%d", i), "500", "2026-01", "2026-02-05")
		r["收款账号"], r["账户户名身份证号"] = acct(i), pt.ids[fmt.Sprintf("OK%d", i)]
		return r
	}
	bank := []map[string]string{
		bankPay("R-OK0", 0), // near miss of R5: the bank's row has no voucher, matched by account and amount
		bankPay("R-R1", 1),  // R1: returned
		bankPay("R-R2", 2),  // R2: credited to another card
		bankPay("R-R3", 3),  // R3: 450 credited
		bankPay("R-R4", 4),  // R4: not in the bank's file, 24 days on
		bankPay("R-OK5", 5), // near miss of R1: failed, resent and credited
	}
	for _, s := range []struct {
		kind string
		data []byte
	}{{"persons", pt.persons}, {"registers", pt.registers}, {"funds", pt.funds}, {"projects", pt.projects}, {"allocations", pt.allocs},
		{"payments", sheet(t, "payments", append(slices.Clone(pt.payments), bank...)...)}, {"loans", pt.loans}} {
		e.importSheet(s.kind, s.data)
	}
	row := func(batch, voucher string, i int, amount, status, on string) map[string]string {
		return map[string]string{"批次号": batch, "凭证号": voucher, "账号": acct(i), "户名": name(i), "金额": amount, "状态": status,
			"交易日期": on, "银行": "浏阳农商银行"}
	}
	r2 := row("DF0206", "R-R2", 2, "500.00", "成功", "2026-02-06")
	r2["账号"] = "6230901999000999"
	r5 := row("DF0206", "R-GHOST", 5, "800.00", "成功", "2026-02-06")
	r5["账号"], r5["户名"] = "6230901999000888", "郑八妹"
	e.importSheet("bank_returns", sheet(t, "bank_returns",
		row("DF0206", "", 0, "500.00", "成功", "2026-02-06"),
		row("DF0206", "R-R1", 1, "500.00", "退回", "2026-02-06"),
		r2,
		row("DF0206", "R-R3", 3, "450.00", "成功", "2026-02-06"),
		row("DF0206", "R-OK5", 5, "500.00", "失败", "2026-02-06"),
		row("DF0213", "R-OK5", 5, "500.00", "成功", "2026-02-13"),
		r5,
		row("DF0206", "R-NOTHING", 4, "300.00", "失败", "2026-02-06"), // near miss of R5: nothing credited
	))
	seqOf := map[string]int64{}
	ps, err := e.svc.Payments(ctx, e.lg, ledger.PaymentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		seqOf[p.VoucherNo] = p.Seq
	}
	first := e.runScan()
	if first.Counts["full"] != 1 {
		t.Fatalf("the first scan is not full: %v", first.Counts)
	}
	var flags struct{ Items []api.FlagDTO }
	e.decode(e.call("GET", "/api/v1/flags?limit=500", "discipline", nil), &flags)
	byRule := map[string][]api.FlagDTO{}
	for _, f := range flags.Items {
		if strings.HasPrefix(f.Rule, "R") {
			byRule[f.Rule] = append(byRule[f.Rule], f)
		}
	}
	want := []struct{ rule, cite, tail, word string }{
		{"R1", "R-R1", "****0101", "退回"}, {"R2", "R-R2", "****0999", "尾号 0999"}, {"R3", "R-R3", "****0103", "450.00"},
		{"R4", "R-R4", "****0104", "15 天"}, {"R5", "R-GHOST", "****0888", "账上找不到"},
	}
	for _, w := range want {
		fs := byRule[w.rule]
		if len(fs) != 1 {
			t.Errorf("%s: %d flags, want 1: %+v", w.rule, len(fs), fs)
			continue
		}
		f := fs[0]
		if w.rule != "R5" && !slices.Contains(f.Evidence.Entries, seqOf[w.cite]) {
			t.Errorf("%s does not cite %s (seq %d): %+v", w.rule, w.cite, seqOf[w.cite], f.Evidence)
		}
		if !slices.Contains(f.Evidence.Vouchers, w.cite) || !slices.Contains(f.Evidence.Accounts, w.tail) {
			t.Errorf("%s evidence: %+v", w.rule, f.Evidence)
		}
		if w.rule != "R4" && !slices.Contains(f.Evidence.BankBatches, "DF0206") {
			t.Errorf("%s cites no bank batch: %+v", w.rule, f.Evidence)
		}
		if !strings.Contains(f.Reason, w.word) || !hasHan(f.Reason) {
			t.Errorf("%s reason: %s", w.rule, f.Reason)
		}
		for i := range 6 {
			if strings.Contains(f.Reason, acct(i)) || strings.Contains(f.Reason, name(i)) {
				t.Errorf("%s shows an account or a full name: %s", w.rule, f.Reason)
			}
		}
		if w.rule != "R5" && (f.Village == nil || *f.Village == "") {
			t.Errorf("%s: no village", w.rule)
		}
	}
	// nothing clean, and no near miss, is flagged by the bank's rules
	for _, f := range flags.Items {
		if !strings.HasPrefix(f.Rule, "R") {
			continue
		}
		for _, v := range []string{"R-OK0", "R-OK5", "A-C1", "A-C2a", "A-C2b"} {
			if slices.Contains(f.Evidence.Entries, seqOf[v]) {
				t.Errorf("%s flags %s: %s", f.Rule, v, f.Reason)
			}
		}
		for i := range 6 {
			if slices.Contains(f.Evidence.Entries, seqOf[fmt.Sprintf("OK-%d", i)]) {
				t.Errorf("%s flags the clean OK-%d: %s", f.Rule, i, f.Reason)
			}
		}
		if slices.Contains(f.Evidence.Vouchers, "R-NOTHING") {
			t.Errorf("%s flags a failed row with no payment: %s", f.Rule, f.Reason)
		}
	}
	// a second scan adds nothing
	if again := e.runScan(); again.Counts["raised"] != 0 || again.Counts["updated"] != 0 {
		t.Fatalf("second scan: %v", again.Counts)
	}
}
