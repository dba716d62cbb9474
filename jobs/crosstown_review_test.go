package jobs_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/jobs"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/anomaly"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// B7 cases an outside red team wrote against the cross-town rule (issue 21):
// each failed before its fix (same code for two items, a grant limit set
// differently by the towns, a dismissed flag not reopened by the other
// town paying again).
type rtTowns struct {
	s           *ledger.Service
	home, other ledger.Log
	sc          *jobs.Scheduler
	clock       *lt.Clock
	imp         func(lg ledger.Log, in ledger.ImportInput)
	pay         func(lg ledger.Log, n int, id, item, period, paid string)
	b7          func(lg ledger.Log) []ledger.Flag
}

// rtSetup: two towns, persons ids registered in both (the same account each).
func rtSetup(t *testing.T, ids ...string) *rtTowns {
	store := gormstoretest.Open(t, gormstoretest.Dialects()[0])
	clock := lt.NewClock(time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC))
	s, home := lt.NewService(t, store, clock)
	ctx := context.Background()
	other, err := s.L.EnsureLog(ctx, "439901102", "ledger.test/log/439901102")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RegisterTown(ctx, other, "admin", ledger.Town{Name: "东岭镇", Phones: []string{"0731-83000001"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddVillage(ctx, other, "admin", ledger.Village{Code: "439901102201", Name: "东岭村", Groups: []string{"一组"}}, nil); err != nil {
		t.Fatal(err)
	}
	r := &rtTowns{s: s, home: home, other: other, clock: clock}
	r.imp = func(lg ledger.Log, in ledger.ImportInput) {
		t.Helper()
		if _, err := s.Import(ctx, lg, "fin", in, false, nil); err != nil {
			t.Fatalf("%s: %s: %v", lg.Town, in.Kind, err)
		}
	}
	acct := func(i int) string { return fmt.Sprintf("62170000000000%05d", i) }
	for _, lg := range []ledger.Log{home, other} {
		village := map[string]string{home.Town: "田坪村", other.Town: "东岭村"}[lg.Town]
		var rows []ledger.PersonRow
		for i, id := range ids {
			rows = append(rows, ledger.PersonRow{Row: i + 2, Village: village, Group: "一组", HeadIDNumber: id, Name: "张三", IDNumber: id, Relation: "户主",
				HouseholdKind: ledger.KindLifted, Bank: "农商行", AccountNo: acct(i)})
		}
		r.imp(lg, ledger.ImportInput{Kind: "persons", Persons: rows})
		r.imp(lg, ledger.ImportInput{Kind: "funds", Funds: []ledger.FundRow{{Row: 2, DocNo: "F1", Name: "衔接资金", SourceLevel: "中央", Purpose: "就业",
			Amount: lt.Y("500000"), ArrivedOn: lt.D("2026-01-05")}}})
		r.imp(lg, ledger.ImportInput{Kind: "projects", Projects: []ledger.ProjectRow{{Row: 2, Code: "P1", Name: "公益岗位", Category: "就业", Village: village,
			Targets: "t", Mechanism: "m", Status: ledger.ProjInProgress, ApprovalDocNo: "批1", ApprovedOn: lt.D("2026-03-01")}}})
		r.imp(lg, ledger.ImportInput{Kind: "allocations", Allocations: []ledger.AllocationRow{{Row: 2, DocNo: "F1", ProjectCode: "P1", Amount: lt.Y("100000"), AllocatedOn: lt.D("2026-03-02")}}})
	}
	idx := map[string]int{}
	for i, id := range ids {
		idx[id] = i
	}
	r.pay = func(lg ledger.Log, n int, id, item, period, paid string) {
		t.Helper()
		r.imp(lg, ledger.ImportInput{Kind: "payments", Payments: []ledger.PaymentRow{{Row: n, VoucherNo: fmt.Sprintf("记-%d", n), ProjectCode: "P1", DocNo: "F1", ItemCode: item, Kind: ledger.PaySubsidy,
			PayeeIDNumber: id, AccountNo: acct(idx[id]), Amount: lt.Y("300"), Period: lt.P(period), PaidOn: lt.D(paid)}}})
	}
	r.sc, _ = jobs.New(jobs.Options{Store: store, Holder: "h", Now: clock.Now}, jobs.Scan(s, anomaly.DefaultConfig, store))
	r.b7 = func(lg ledger.Log) []ledger.Flag {
		fs, err := s.Flags(ctx, lg, ledger.FlagFilter{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var out []ledger.Flag
		for _, f := range fs {
			if f.Rule == "B7" {
				out = append(out, f)
			}
		}
		return out
	}
	return r
}

func (r *rtTowns) scan(t *testing.T) ledger.JobRun {
	t.Helper()
	run, _ := r.sc.RunNow(context.Background(), "scan")
	if run.Outcome != ledger.OutcomeSuccess {
		t.Fatalf("scan: %+v", run)
	}
	return run
}

// Two towns each add a custom item under the next free code of the
// catalogue (CY05), meaning different things; one person (moved
// mid-year, registered in both) receives each town's own CY05.
func TestCrossTownSameCodeOtherItem(t *testing.T) {
	a := lt.ID(1, 1970)
	r := rtSetup(t, a)
	ctx := context.Background()
	for lg, name := range map[ledger.Log]string{r.home: "产业奖补（茶叶）", r.other: "产业奖补（中药材）"} {
		if _, err := r.s.DefineItem(ctx, lg, "admin", ledger.Item{Code: "CY05", Name: name, Category: "产业", Unit: "person", Standard: 300_00,
			Period: "year", YearlyCap: 3000_00}, nil); err != nil {
			t.Fatal(err)
		}
	}
	r.pay(r.home, 2, a, "CY05", "2026", "2026-03-20")
	r.pay(r.other, 2, a, "CY05", "2026", "2026-08-20")
	r.scan(t)
	for _, lg := range []ledger.Log{r.home, r.other} {
		for _, f := range r.b7(lg) {
			t.Errorf("%s: B7 for two different items that share the code CY05: %s", lg.Town, f.Reason)
		}
	}
}

// ZF01 (危房改造) is once per household in the home town (the default);
// the other town's catalogue has no grant limit on it. Both pay the same
// person ZF01 for 2026: the same item, the same period, yet no B7.
func TestCrossTownGrantLimitDiffers(t *testing.T) {
	a := lt.ID(1, 1970)
	r := rtSetup(t, a)
	ctx := context.Background()
	items, err := r.s.Items(ctx, r.other)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.Code == "ZF01" {
			it.GrantLimit = ""
			if _, err := r.s.DefineItem(ctx, r.other, "admin", it, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	r.pay(r.home, 2, a, "ZF01", "2026", "2026-03-20")
	r.pay(r.other, 2, a, "ZF01", "2026", "2026-08-20")
	r.scan(t)
	if n, m := len(r.b7(r.home)), len(r.b7(r.other)); n != 1 || m != 1 {
		t.Errorf("ZF01 paid for 2026 by both towns: %d and %d B7 flags, want 1 and 1", n, m)
	}
}

// A B7 flag dismissed because the other town reversed its payment stays
// dismissed when the other town pays the same month again: the home
// town's finding cites only its own entry, which the flag cited already.
func TestCrossTownDismissedReopens(t *testing.T) {
	a := lt.ID(1, 1970)
	r := rtSetup(t, a)
	ctx := context.Background()
	r.pay(r.home, 2, a, "GY01", "2026-04", "2026-04-25")
	r.pay(r.other, 2, a, "GY01", "2026-04", "2026-04-28")
	r.scan(t)
	hf := r.b7(r.home)
	if len(hf) != 1 {
		t.Fatalf("home B7: %+v", hf)
	}
	ps, _ := r.s.Payments(ctx, r.other, ledger.PaymentFilter{})
	if _, err := r.s.Reverse(ctx, r.other, "fin", ps[0].Seq, "录入错误", nil); err != nil {
		t.Fatal(err)
	}
	disc := ledger.User{ID: "discipline", Username: "discipline", Role: ledger.RoleDiscipline}
	for _, lg := range []ledger.Log{r.home, r.other} {
		for _, f := range r.b7(lg) {
			if _, err := r.s.ReviewFlag(ctx, lg, disc, f.ID, "dismiss", "另一乡镇已冲销", nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The other town pays April again; the next day's full scan.
	r.pay(r.other, 3, a, "GY01", "2026-04", "2026-09-01")
	r.clock.Advance(24 * time.Hour)
	run := r.scan(t)
	t.Logf("cross_town_payments=%d raised=%d updated=%d", run.Counts["cross_town_payments"], run.Counts["raised"], run.Counts["updated"])
	for _, lg := range []ledger.Log{r.home, r.other} {
		fs := r.b7(lg)
		if len(fs) != 1 || fs[0].Status != ledger.FlagOpen {
			t.Errorf("%s: after a second April payment by the other town, B7 flags: %+v", lg.Town, fs)
		}
	}
}

// ZF01 (once per household) in two tranches by the home town, once by the
// other; then a GY01 double paid after the day's full scan: the hourly scan
// adds nothing, the next day's full scan flags it.
func TestCrossTownTranchesAndIncremental(t *testing.T) {
	a := lt.ID(1, 1970)
	r := rtSetup(t, a)
	r.pay(r.home, 2, a, "ZF01", "2025", "2025-11-20")
	r.pay(r.home, 3, a, "ZF01", "2026", "2026-03-20")
	r.pay(r.other, 2, a, "ZF01", "2026", "2026-08-20")
	r.scan(t)
	t.Logf("home %d, other %d B7", len(r.b7(r.home)), len(r.b7(r.other)))
	for _, f := range append(r.b7(r.home), r.b7(r.other)...) {
		t.Logf("%s %v %s", f.SubjectKey, f.Evidence.Entries, f.Reason)
	}
	r.pay(r.home, 4, a, "GY01", "2026-08", "2026-08-25")
	r.pay(r.other, 3, a, "GY01", "2026-Q3", "2026-09-01")
	r.clock.Advance(time.Hour)
	run := r.scan(t)
	if run.Counts["full"] != 0 || len(r.b7(r.home)) != 2 {
		t.Errorf("hourly: %+v, %d", run.Counts, len(r.b7(r.home)))
	}
	r.clock.Advance(24 * time.Hour)
	r.scan(t)
	if len(r.b7(r.home)) != 3 || len(r.b7(r.other)) != 2 {
		t.Errorf("next day: home %d other %d", len(r.b7(r.home)), len(r.b7(r.other)))
	}
}
