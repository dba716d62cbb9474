package jobs_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/jobs"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore"
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
	for _, dialect := range gormstore.TestDialects() {
		t.Run(dialect, func(t *testing.T) {
			dsn := gormstore.NewTestDSN(t, dialect)
			a, b := gormstore.OpenTestDSN(t, dsn), gormstore.OpenTestDSN(t, dsn)
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
	s := gormstore.OpenTest(t, "sqlite")
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
	s := gormstore.OpenTest(t, "sqlite")
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
	store := gormstore.OpenTest(t, "sqlite")
	l, lg := lt.NewLedger(t, store, nil, "430181117")
	for i := 0; i < 5; i++ {
		l.Append(context.Background(), lg, ledger.AppendInput{Type: "notice_noted", Actor: "u", Payload: lt.Payload(i)})
	}
	sc, _ := jobs.New(jobs.Options{Store: store, Holder: "h"}, jobs.Checkpoint(l), jobs.Verify(l))
	r, _ := sc.RunNow(context.Background(), "checkpoint")
	if r.Outcome != ledger.OutcomeSuccess || r.Counts["signed"] != 1 {
		t.Fatalf("checkpoint: %+v", r)
	}
	if r, _ := sc.RunNow(context.Background(), "checkpoint"); r.Counts["signed"] != 0 {
		t.Fatalf("signed again without growth: %+v", r)
	}
	if r, _ := sc.RunNow(context.Background(), "verify"); r.Outcome != ledger.OutcomeSuccess || r.Counts["entries"] != 5 {
		t.Fatalf("verify: %+v", r)
	}
	db := store.DB()
	db.Exec("DROP TRIGGER entries_no_update")
	db.Exec(`UPDATE entries SET body = REPLACE(body, '"n":3', '"n":4') WHERE seq = 3`)
	r, _ = sc.RunNow(context.Background(), "verify")
	if r.Outcome != ledger.OutcomeFailure || !strings.Contains(r.Error, "first bad seq 3") {
		t.Fatalf("verify after tampering: %+v", r)
	}
}

// TestEscalateJob: a flag open past its SLA is escalated by the job.
func TestEscalateJob(t *testing.T) {
	store := gormstore.OpenTest(t, "sqlite")
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
