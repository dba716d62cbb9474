package demo_test

import (
	"context"
	"slices"
	"testing"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/anomaly"
)

// checkPlanted17 is the holdout check of issue 17's rules on the demo town
// (TestDemoTown): each planted case is flagged exactly once (no clean row
// trips the rule), with the evidence a monitor checks, and a second scan
// raises and updates nothing.
func checkPlanted17(t *testing.T, tw town, fs []ledger.Finding) {
	t.Helper()
	by := map[string][]ledger.Finding{}
	for _, f := range fs {
		by[f.Rule] = append(by[f.Rule], f)
	}
	vouchers := map[string]int{"A8": 2, "A9": 1, "B2": 2, "B6": 2, "C6": 3, "F3": 1, "G9": 1, "H6": 1, "H7": 1}
	for rule, n := range vouchers {
		if len(by[rule]) != 1 {
			t.Errorf("%s: %d findings, want the planted one: %+v", rule, len(by[rule]), by[rule])
			continue
		}
		f := by[rule][0]
		if len(f.Evidence.Vouchers) < n || f.Subject.Label == "" || f.Village == "" && rule != "F3" {
			t.Errorf("%s: evidence %+v, subject %+v, village %q", rule, f.Evidence, f.Subject, f.Village)
		}
	}
	if f := by["C6"]; len(f) == 1 && (len(f[0].Evidence.Accounts) != 1 || len(f[0].Evidence.Accounts[0]) != 8) {
		t.Errorf("C6 names the account as ****1234: %+v", f[0].Evidence)
	}
	if f := by["G9"]; len(f) == 1 && !slices.Equal(f[0].Evidence.Loans, []string{"LYNS-2026-0999"}) {
		t.Errorf("G9 cites the loan: %+v", f[0].Evidence)
	}
	if f := by["F3"]; len(f) == 1 && f[0].Subject.Label != "浏阳市石牛建材有限公司" {
		t.Errorf("F3 names the supplier: %+v", f[0].Subject)
	}
	ctx := context.Background()
	if _, _, err := tw.svc.RecordFindings(ctx, tw.lg, "system", fs); err != nil {
		t.Fatal(err)
	}
	d, err := tw.svc.ScanData(ctx, tw.lg)
	if err != nil {
		t.Fatal(err)
	}
	if r, u, err := tw.svc.RecordFindings(ctx, tw.lg, "system", anomaly.Run(d, anomaly.DefaultConfig)); err != nil || r != 0 || u != 0 {
		t.Errorf("rescan: %d raised, %d updated, %v", r, u, err)
	}
}
