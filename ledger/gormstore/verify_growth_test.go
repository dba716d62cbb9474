package gormstore_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/jobs"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// TestVerifyWhileWriting (issue 14 §1): verify never cries wolf. Verify runs
// 20 times, shallow, deep (with the replay) and as the verify job, while 16
// writers append all along: 10 pay, 3 import 10-row payment sheets and 3
// file public complaints. Every run passes, says which size it
// verified, and no T1 flag or alarm is raised. On SQLite and MariaDB.
func TestVerifyWhileWriting(t *testing.T) {
	for _, dialect := range gormstore.TestDialects() {
		t.Run(dialect, func(t *testing.T) {
			store := gormstore.OpenTest(t, dialect)
			svc, lg := lt.NewService(t, store, nil)
			lt.Town(t, svc, lg)
			ctx := context.Background()
			if _, err := svc.RecordAllocation(ctx, lg, "fin", ledger.AllocationRow{DocNo: "浏财农〔2026〕3号", ProjectCode: "ZT-2026-003",
				Amount: lt.Y("200000"), AllocatedOn: lt.D("2026-03-01")}, nil); err != nil {
				t.Fatal(err)
			}
			stop := make(chan struct{})
			var writes atomic.Int64
			var wg sync.WaitGroup
			payment := func(v string, g int) ledger.PaymentRow {
				return ledger.PaymentRow{VoucherNo: v, ProjectCode: "ZT-2026-003", DocNo: "浏财农〔2026〕3号",
					Kind: ledger.PaySubsidy, PayeeIDNumber: lt.ID(g%6+1, 1970), Amount: lt.Y("1"), PaidOn: lt.D("2026-03-05")}
			}
			for g := range 16 {
				wg.Go(func() {
					for i := 0; ; i++ {
						select {
						case <-stop:
							return
						default:
						}
						var err error
						switch {
						case g < 10:
							_, err = svc.RecordPayment(ctx, lg, "fin", payment(fmt.Sprintf("W-%d-%d", g, i), g), nil)
						case g < 13:
							var rows []ledger.PaymentRow
							for r := range 10 {
								p := payment(fmt.Sprintf("I-%d-%d-%d", g, i, r), r)
								p.Row = r + 2
								rows = append(rows, p)
							}
							_, err = svc.Import(ctx, lg, "fin", ledger.ImportInput{Kind: "payments", Rows: len(rows), Payments: rows}, false, nil)
						default:
							_, err = svc.FileComplaint(ctx, lg, ledger.ComplaintInput{Village: "430181117201", Text: fmt.Sprintf("反映第%d件事", i)})
						}
						if err != nil {
							t.Errorf("writer %d: %v", g, err)
							return
						}
						writes.Add(1)
						time.Sleep(5 * time.Millisecond) // growth all along, not a log so long the test is slow
					}
				})
			}
			verifyJob := jobs.Verify(svc.L, svc, func(ctx context.Context) (ledger.Store, func(), error) {
				return gormstore.OpenTest(t, "sqlite"), func() {}, nil
			})
			var sizes []int64
			for run := range 20 {
				switch run % 3 {
				case 0:
					rep, err := svc.L.Verify(ctx, lg, ledger.VerifyOptions{Chunk: 64})
					if err != nil || !rep.OK() {
						t.Fatalf("run %d (shallow): %v %+v", run, err, rep.Problems)
					}
					sizes = append(sizes, rep.Head)
				case 1:
					rep, err := svc.L.Verify(ctx, lg, ledger.VerifyOptions{Deep: true, Chunk: 64, Scratch: gormstore.OpenTest(t, "sqlite")})
					if err != nil || !rep.OK() {
						t.Fatalf("run %d (deep): %v %+v", run, err, rep.Problems)
					}
					sizes = append(sizes, rep.Head)
				case 2:
					counts, err := verifyJob.Run(ctx)
					if err != nil || counts["bad_logs"] != 0 {
						t.Fatalf("run %d (job): %v %v", run, counts, err)
					}
				}
			}
			close(stop)
			wg.Wait()
			if len(sizes) < 2 || sizes[0] == sizes[len(sizes)-1] || writes.Load() < 20 {
				t.Fatalf("the log did not grow during the runs: sizes %v, %d writes", sizes, writes.Load())
			}
			t.Logf("%s: 20 verifies at sizes %d … %d while %d writes", dialect, sizes[0], sizes[len(sizes)-1], writes.Load())
			fs, err := svc.Flags(ctx, lg, ledger.FlagFilter{Rule: "T1"}, nil)
			if err != nil || len(fs) != 0 {
				t.Fatalf("T1 flags after the runs: %+v %v", fs, err)
			}
			if as, err := store.Alarms(ctx, lg.ID); err != nil || len(as) != 0 {
				t.Fatalf("alarms: %+v %v", as, err)
			}
			// Quiet now: the deep verify compares the projections too.
			rep, err := svc.L.Verify(ctx, lg, ledger.VerifyOptions{Deep: true, Scratch: gormstore.OpenTest(t, "sqlite")})
			if err != nil || !rep.OK() || !rep.ProjectionsCompared {
				t.Fatalf("deep verify at rest: %v %+v compared=%v", err, rep.Problems, rep.ProjectionsCompared)
			}
		})
	}
}
