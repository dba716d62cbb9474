package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/jobs"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/anomaly"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

func shanghai(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestOneRunAcrossProcesses: two schedulers on one database (two store
// instances, as two serve processes would have), the same job due: it runs
// once; the other run is recorded as skipped.
func TestOneRunAcrossProcesses(t *testing.T) {
	for _, dialect := range gormstoretest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			dsn := gormstoretest.NewDSN(t, dialect)
			a, b := gormstoretest.OpenDSN(t, dsn), gormstoretest.OpenDSN(t, dsn)
			var runs atomic.Int64
			release := make(chan struct{})
			started := make(chan struct{}, 2)
			job := jobs.Job{Name: "scan", Schedule: "0 * * * *", Run: func(ctx context.Context) (map[string]int64, error) {
				runs.Add(1)
				started <- struct{}{}
				<-release
				return map[string]int64{"rules": 34}, nil
			}}
			sa, err := jobs.New(jobs.Options{Store: a, Holder: "host-a:1"}, job)
			if err != nil {
				t.Fatal(err)
			}
			sb, _ := jobs.New(jobs.Options{Store: b, Holder: "host-b:2"}, job)
			var wg sync.WaitGroup
			var ra, rb ledger.JobRun
			wg.Add(1)
			go func() { defer wg.Done(); ra, _ = sa.RunNow(context.Background(), "scan") }()
			<-started // A holds the lease and is running
			rb, err = sb.RunNow(context.Background(), "scan")
			if err != nil {
				t.Fatal(err)
			}
			close(release)
			wg.Wait()
			if runs.Load() != 1 || ra.Outcome != ledger.OutcomeSuccess || rb.Outcome != ledger.OutcomeSkipped {
				t.Fatalf("runs %d, A %s, B %s (%s)", runs.Load(), ra.Outcome, rb.Outcome, rb.Error)
			}
			recs, err := a.JobRuns(context.Background(), "scan", 10)
			if err != nil || len(recs) != 2 {
				t.Fatalf("records %+v %v", recs, err)
			}
			// The lease is free again: B runs the next time.
			if r, _ := sb.RunNow(context.Background(), "scan"); r.Outcome != ledger.OutcomeSuccess || runs.Load() != 2 {
				t.Fatalf("after the lease was released: %+v", r)
			}
		})
	}
}

// TestPanicIsAFailure: a job that panics is recorded as failed, and the
// scheduler goes on.
func TestPanicIsAFailure(t *testing.T) {
	s := gormstoretest.Open(t, "sqlite")
	sc, err := jobs.New(jobs.Options{Store: s, Holder: "h"},
		jobs.Job{Name: "boom", Schedule: "@daily", Run: func(ctx context.Context) (map[string]int64, error) { panic("nil map") }},
		jobs.Job{Name: "fails", Schedule: "@daily", Run: func(ctx context.Context) (map[string]int64, error) { return nil, errors.New("no") }},
		jobs.Job{Name: "fine", Schedule: "@daily", Run: func(ctx context.Context) (map[string]int64, error) { return map[string]int64{"n": 1}, nil }})
	if err != nil {
		t.Fatal(err)
	}
	r, err := sc.RunNow(context.Background(), "boom")
	if err != nil || r.Outcome != ledger.OutcomeFailure || !strings.Contains(r.Error, "panic: nil map") {
		t.Fatalf("panic run: %+v %v", r, err)
	}
	if r, _ := sc.RunNow(context.Background(), "fails"); r.Outcome != ledger.OutcomeFailure || r.Error != "no" {
		t.Fatalf("failing run: %+v", r)
	}
	if r, _ := sc.RunNow(context.Background(), "fine"); r.Outcome != ledger.OutcomeSuccess || r.Counts["n"] != 1 {
		t.Fatalf("after a panic: %+v", r)
	}
	if _, err := sc.RunNow(context.Background(), "nope"); ledger.ErrorCode(err) != ledger.CodeNotFound {
		t.Fatalf("unknown job: %v", err)
	}
	if _, err := jobs.New(jobs.Options{Store: s}, jobs.Job{Name: "bad", Schedule: "every now and then"}); err == nil {
		t.Fatal("an invalid schedule was accepted")
	}
}

// TestMissedRunAndTimeZone: a run missed while the service was down is due
// once; schedules follow SUNSHINE_TZ (02:00 in Shanghai is 18:00 UTC).
func TestMissedRunAndTimeZone(t *testing.T) {
	s := gormstoretest.Open(t, "sqlite")
	// 2026-03-01 02:30 in Shanghai.
	clock := lt.NewClock(time.Date(2026, 2, 28, 18, 30, 0, 0, time.UTC))
	var runs atomic.Int64
	sc, _ := jobs.New(jobs.Options{Store: s, Holder: "h", Location: shanghai(t), Now: clock.Now},
		jobs.Job{Name: "verify", Schedule: "0 2 * * *", Run: func(ctx context.Context) (map[string]int64, error) {
			runs.Add(1)
			return nil, nil
		}})
	if missed, _ := sc.Missed(context.Background(), "verify"); !missed {
		t.Fatal("a job never run, past its time, is not missed")
	}
	sc.RunNow(context.Background(), "verify")
	if missed, _ := sc.Missed(context.Background(), "verify"); missed {
		t.Fatal("still missed after running")
	}
	// 01:59 Shanghai the next day: not due yet.
	clock.Advance(23*time.Hour + 29*time.Minute)
	if missed, _ := sc.Missed(context.Background(), "verify"); missed {
		t.Fatal("due before 02:00 Shanghai")
	}
	// 02:01 Shanghai (18:01 UTC): due once.
	clock.Advance(2 * time.Minute)
	if missed, _ := sc.Missed(context.Background(), "verify"); !missed {
		t.Fatal("not due after 02:00 Shanghai")
	}
}

// TestLedgerJobs: checkpoint signs only when a log grew; verify succeeds on
// a sound log and fails, naming the seq, on a tampered one.
func TestLedgerJobs(t *testing.T) {
	store := gormstoretest.Open(t, "sqlite")
	svc, lg := lt.NewService(t, store, nil)
	l := svc.L
	before, _ := store.Size(context.Background(), lg.ID)
	for i := 0; i < 5; i++ {
		l.Append(context.Background(), lg, ledger.AppendInput{Type: "notice_noted", Actor: "u", Payload: lt.Payload(i)})
	}
	sc, _ := jobs.New(jobs.Options{Store: store, Holder: "h"}, jobs.Checkpoint(l), jobs.Verify(l, svc))
	r, _ := sc.RunNow(context.Background(), "checkpoint")
	if r.Outcome != ledger.OutcomeSuccess || r.Counts["signed"] != 1 {
		t.Fatalf("checkpoint: %+v", r)
	}
	if r, _ := sc.RunNow(context.Background(), "checkpoint"); r.Counts["signed"] != 0 {
		t.Fatalf("signed again without growth: %+v", r)
	}
	if r, _ := sc.RunNow(context.Background(), "verify"); r.Outcome != ledger.OutcomeSuccess || r.Counts["entries"] != before+5 {
		t.Fatalf("verify: %+v", r)
	}
	victim := before + 3
	db := store.DB()
	db.Exec("DROP TRIGGER entries_no_update")
	db.Exec(fmt.Sprintf(`UPDATE entries SET body = REPLACE(body, '"n":3', '"n":4') WHERE seq = %d`, victim))
	r, _ = sc.RunNow(context.Background(), "verify")
	if r.Outcome != ledger.OutcomeFailure || !strings.Contains(r.Error, fmt.Sprintf("first bad seq %d", victim)) {
		t.Fatalf("verify after tampering: %+v", r)
	}
	// The nightly job raises T1 for the discipline office, once.
	sc.RunNow(context.Background(), "verify")
	fs, _ := svc.Flags(context.Background(), lg, ledger.FlagFilter{Rule: "T1"}, nil)
	if len(fs) != 1 || fs[0].Severity != ledger.SeverityHigh || fs[0].AssignedTo != ledger.RoleDiscipline || fs[0].Evidence.Entries[0] != victim {
		t.Fatalf("T1 flags %+v", fs)
	}
}

// TestEscalateJob: a flag open past its SLA is escalated by the job.
func TestEscalateJob(t *testing.T) {
	store := gormstoretest.Open(t, "sqlite")
	clock := lt.NewClock(lt.FixedTime)
	s, lg := lt.NewService(t, store, clock)
	if _, _, err := s.RecordFindings(context.Background(), lg, "system", []ledger.Finding{{Rule: "C2", SubjectKey: "acct|2026-03",
		Severity: ledger.SeverityWarn, Village: "430181117201", Reason: "一卡多人", Evidence: ledger.Evidence{Entries: []int64{1}}}}); err != nil {
		t.Fatal(err)
	}
	sc, _ := jobs.New(jobs.Options{Store: store, Holder: "h", Now: clock.Now}, jobs.Escalate(s))
	if r, _ := sc.RunNow(context.Background(), "escalate"); r.Counts["flags_escalated"] != 0 {
		t.Fatalf("escalated too early: %+v", r)
	}
	clock.Advance(ledger.FlagSLA + time.Hour)
	if r, _ := sc.RunNow(context.Background(), "escalate"); r.Outcome != ledger.OutcomeSuccess || r.Counts["flags_escalated"] != 1 {
		t.Fatalf("escalation: %+v", r)
	}
	fs, _ := s.Flags(context.Background(), lg, ledger.FlagFilter{Status: ledger.FlagEscalated}, nil)
	if len(fs) != 1 || fs[0].AssignedTo != ledger.RoleDiscipline {
		t.Fatalf("flags %+v", fs)
	}
}

// TestScanEndToEnd: planted irregularities imported as records of fact are
// flagged once each with their village and evidence; a second scan adds
// nothing; one more row of an existing problem updates its flag.
func TestScanEndToEnd(t *testing.T) {
	for _, dialect := range gormstoretest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			store := gormstoretest.Open(t, dialect)
			clock := lt.NewClock(time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC))
			s, lg := lt.NewService(t, store, clock)
			ctx := context.Background()
			a, b := lt.ID(1, 1970), lt.ID(2, 1975)
			imp := func(in ledger.ImportInput) {
				t.Helper()
				if _, err := s.Import(ctx, lg, "fin", in, false, nil); err != nil {
					t.Fatalf("%s: %v", in.Kind, err)
				}
			}
			imp(ledger.ImportInput{Kind: "persons", Persons: []ledger.PersonRow{
				{Row: 2, Village: "田坪村", Group: "一组", HeadIDNumber: a, Name: "张三", IDNumber: a, Relation: "户主", HouseholdKind: ledger.KindLifted},
				{Row: 3, Village: "石牛村", Group: "一组", HeadIDNumber: b, Name: "李四", IDNumber: b, Relation: "户主", HouseholdKind: ledger.KindLifted}}})
			imp(ledger.ImportInput{Kind: "funds", Funds: []ledger.FundRow{{Row: 2, DocNo: "F1", Name: "衔接资金", SourceLevel: "中央", Purpose: "就业",
				Amount: lt.Y("500000"), ArrivedOn: lt.D("2026-01-05")}}})
			imp(ledger.ImportInput{Kind: "projects", Projects: []ledger.ProjectRow{{Row: 2, Code: "P1", Name: "公益岗位", Category: "就业", Village: "田坪村",
				Targets: "t", Mechanism: "m", Status: ledger.ProjInProgress, ApprovalDocNo: "批1", ApprovedOn: lt.D("2026-03-01")}}})
			imp(ledger.ImportInput{Kind: "allocations", Allocations: []ledger.AllocationRow{{Row: 2, DocNo: "F1", ProjectCode: "P1", Amount: lt.Y("100000"), AllocatedOn: lt.D("2026-03-02")}}})
			row := func(n int, id, item, amount, period, paid, invoice string) ledger.PaymentRow {
				r := ledger.PaymentRow{Row: n, VoucherNo: fmt.Sprintf("记-%d", n), ProjectCode: "P1", DocNo: "F1", ItemCode: item, Kind: ledger.PaySubsidy,
					PayeeIDNumber: id, Amount: lt.Y(amount), PaidOn: lt.D(paid), InvoiceNo: invoice}
				if period != "" {
					r.Period = lt.P(period)
				}
				return r
			}
			imp(ledger.ImportInput{Kind: "payments", Payments: []ledger.PaymentRow{
				row(2, a, "GY01", "300", "2026-04", "2026-04-25", ""), row(3, a, "GY01", "300", "2026-04", "2026-04-26", ""), // B1
				row(4, b, "", "12000", "", "2026-05-10", "FP-9"), row(5, b, "", "100", "", "2026-05-11", "FP-9"), // C4, F9
				row(6, b, "GY02", "200", "2026-02", "2026-02-20", ""), // F2 (before the approval on 2026-03-01)
			}})
			imp(ledger.ImportInput{Kind: "loans", Loans: []ledger.LoanRow{
				{Row: 2, ContractNo: "L1", BorrowerIDNumber: a, Bank: "农商行", Amount: lt.Y("30000"), TermMonths: 12, RateBP: 435, Use: "养殖", GrantedOn: lt.D("2025-03-01")},
				{Row: 3, ContractNo: "L2", BorrowerIDNumber: a, Bank: "农商行", Amount: lt.Y("20000"), TermMonths: 36, RateBP: 435, Use: "种植", GrantedOn: lt.D("2026-03-01")}}})
			sc, _ := jobs.New(jobs.Options{Store: store, Holder: "h", Now: clock.Now}, jobs.Scan(s, anomaly.DefaultConfig, store))
			// Run as from a staff page: the steps are reported as it goes.
			var steps []string
			shown := jobs.WithProgress(ctx, func(step string) { steps = append(steps, step) })
			r, _ := sc.RunNow(shown, "scan")
			if r.Outcome != ledger.OutcomeSuccess {
				t.Fatalf("scan: %+v", r)
			}
			if n := len(anomaly.Catalogue()); len(steps) != n+1 || !strings.Contains(steps[0], "全部支付记录") ||
				!strings.Contains(steps[n], fmt.Sprintf("第 %d / %d 条", n, n)) {
				t.Fatalf("the full scan's steps: %q", steps)
			}
			fs, _ := s.Flags(ctx, lg, ledger.FlagFilter{}, nil)
			rules := map[string]ledger.Flag{}
			for _, f := range fs {
				if _, dup := rules[f.Rule]; dup && f.Rule != "G7" {
					t.Errorf("two %s flags: %+v", f.Rule, fs)
				}
				rules[f.Rule] = f
			}
			// (the sheet of payments paid in spring was imported in September: H5)
			for _, want := range []string{"B1", "C4", "F9", "F2", "G5", "G7", "D1", "H5"} {
				if _, ok := rules[want]; !ok {
					t.Errorf("no %s flag; flags: %+v", want, fs)
				}
			}
			if f := rules["B1"]; f.Village != "430181117201" || len(f.Evidence.Entries) != 2 || len(f.Evidence.Vouchers) != 2 || !strings.Contains(f.Reason, "张*") {
				t.Errorf("B1 flag %+v", f)
			}
			if f := rules["F9"]; f.Village != "430181117202" || len(f.Evidence.Invoices) != 1 {
				t.Errorf("F9 flag %+v", f)
			}
			if f := rules["D1"]; f.Village != "" || f.AssignedTo != ledger.RoleDiscipline {
				t.Errorf("D1 flag %+v", f)
			}
			for _, clean := range []string{"A2", "A4", "B3", "B5", "C2", "E7", "F1", "G2", "G3", "G4"} {
				if f, ok := rules[clean]; ok {
					t.Errorf("clean data flagged %s: %+v", clean, f)
				}
			}
			steps = nil
			if r, _ := sc.RunNow(shown, "scan"); r.Counts["raised"] != 0 || r.Counts["updated"] != 0 {
				t.Fatalf("second scan: %+v", r)
			}
			if len(steps) != 1 || !strings.Contains(steps[0], "以来的变动") {
				t.Fatalf("the incremental scan's steps: %q", steps)
			}
			imp(ledger.ImportInput{Kind: "payments", Payments: []ledger.PaymentRow{row(2, a, "GY01", "300", "2026-04", "2026-04-27", "")}})
			// The B1 flag is updated; the new (back-dated) batch raises its own H5.
			if r, _ := sc.RunNow(ctx, "scan"); r.Counts["raised"] != 1 || r.Counts["updated"] != 1 {
				t.Fatalf("one more duplicate: %+v", r)
			}
			f, _ := s.Flag(ctx, lg, rules["B1"].ID)
			if len(f.Evidence.Entries) != 3 || f.Status != ledger.FlagOpen {
				t.Fatalf("updated B1 %+v", f)
			}
		})
	}
}
