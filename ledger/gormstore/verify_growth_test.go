package gormstore_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/disclosure"
	"github.com/sunshine-ledger/sunshine/jobs"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// TestVerifyWhileWriting (issue 14 §1): verify never cries wolf. Verify runs
// 20 times, through each entry point in turn: shallow (`sunshine verify`),
// deep with the replay (`sunshine verify --deep`), the verify job, the
// auditor's task (核验整个账本: deep, with its progress) and the public
// verify page (disclosure.Verify of a notice published before, against its
// printed checkpoint and against its QR code's size and root, while the
// page's source signs fresh checkpoints as the log grows), while 16 writers
// append all along: 10 pay, 3 import 10-row payment sheets and 3 file
// public complaints. Every run passes, says which size it verified (the
// progress never passes it), and no T1 flag or alarm is raised. On SQLite
// and MariaDB. `verify-notice` and the verify page over HTTP:
// TestVerifyNoticeWhileWriting (cmd/sunshine).
func TestVerifyWhileWriting(t *testing.T) {
	for _, dialect := range gormstoretest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			store := gormstoretest.Open(t, dialect)
			svc, lg := lt.NewService(t, store, nil)
			lt.Town(t, svc, lg)
			ctx := context.Background()
			if _, err := svc.RecordAllocation(ctx, lg, "fin", ledger.AllocationRow{DocNo: "浏财农〔2026〕3号", ProjectCode: "ZT-2026-003",
				Amount: lt.Y("200000"), AllocatedOn: lt.D("2026-03-01")}, nil); err != nil {
				t.Fatal(err)
			}
			// A notice published before the writers start, for the public
			// verify page.
			for i := range 3 {
				if _, err := svc.RecordPayment(ctx, lg, "fin", ledger.PaymentRow{VoucherNo: fmt.Sprintf("N-%d", i), ProjectCode: "ZT-2026-003",
					DocNo: "浏财农〔2026〕3号", Kind: ledger.PaySubsidy, PayeeIDNumber: lt.ID(1, 1970), Amount: lt.Y("600"),
					PaidOn: lt.D("2026-02-05")}, nil); err != nil {
					t.Fatal(err)
				}
			}
			draft, err := svc.DraftNotice(ctx, lg, "fin", ledger.NoticeDraftInput{Type: ledger.NoticePaymentResult, Village: "田坪村", Period: "2026-02"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			pub, err := (&disclosure.Publisher{Svc: svc, PublicURL: "http://ledger.test"}).Publish(ctx, lg, "fin", draft.ID, nil)
			if err != nil {
				t.Fatal(err)
			}
			stored, err := disclosure.LoadStored(ctx, svc, lg, pub.Notice)
			if err != nil || len(stored.Rows) == 0 {
				t.Fatalf("the notice's stored content: %v %+v", err, stored)
			}
			vkey, err := svc.L.VerifierKey(lg)
			if err != nil {
				t.Fatal(err)
			}
			printed, err := ledger.OpenCheckpoint([]byte(stored.Checkpoint), vkey)
			if err != nil {
				t.Fatal(err)
			}
			src := disclosure.LedgerSource{L: svc.L, Lg: lg}
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
			// The checkpoint job's part, all along: the verifiers meet
			// checkpoints signed while they run, and the verify page a
			// latest checkpoint past the notice's.
			var signed atomic.Int64
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					case <-time.After(20 * time.Millisecond):
					}
					if _, err := svc.L.SignCheckpoint(ctx, lg); err != nil {
						t.Errorf("checkpoint: %v", err)
						return
					}
					signed.Add(1)
				}
			})
			verifyJob := jobs.Verify(svc.L, svc, func(ctx context.Context) (ledger.Store, func(), error) {
				return gormstoretest.Open(t, "sqlite"), func() {}, nil
			})
			var sizes []int64
			pages, latest := 0, int64(0)
			for run := range 20 {
				switch run % 5 {
				case 0:
					rep, err := svc.L.Verify(ctx, lg, ledger.VerifyOptions{Chunk: 64})
					if err != nil || !rep.OK() {
						t.Fatalf("run %d (shallow): %v %+v", run, err, rep.Problems)
					}
					sizes = append(sizes, rep.Head)
				case 1:
					rep, err := svc.L.Verify(ctx, lg, ledger.VerifyOptions{Deep: true, Chunk: 64, Scratch: gormstoretest.Open(t, "sqlite")})
					if err != nil || !rep.OK() {
						t.Fatalf("run %d (deep): %v %+v", run, err, rep.Problems)
					}
					sizes = append(sizes, rep.Head)
				case 2:
					counts, err := verifyJob.Run(ctx)
					if err != nil || counts["bad_logs"] != 0 {
						t.Fatalf("run %d (job): %v %v", run, counts, err)
					}
				case 3:
					// the auditor's task (api staffVerify): deep, without a
					// scratch store, reporting its progress against the size
					// fixed when it began
					var done, total int64
					rep, err := svc.L.Verify(ctx, lg, ledger.VerifyOptions{Deep: true, Chunk: 64, Progress: func(d, n int64) {
						if d > n || d < done || (total != 0 && n != total) {
							t.Errorf("run %d (auditor): progress %d / %d after %d / %d", run, d, n, done, total)
						}
						done, total = d, n
					}})
					if err != nil || !rep.OK() || done != rep.Head || total != rep.Head {
						t.Fatalf("run %d (auditor): %v %+v, progress %d / %d, head %d", run, err, rep.Problems, done, total, rep.Head)
					}
					sizes = append(sizes, rep.Head)
				case 4:
					// the public verify page (api verifyPage): the printed
					// checkpoint, then the QR code's n and r
					claim := disclosure.Claim{Notice: pub.Notice.Code, Rows: stored.Rows, PublishSeq: pub.Notice.PublishSeq}
					if pages%2 == 0 {
						claim.Checkpoint = []byte(stored.Checkpoint)
					} else {
						claim.Size, claim.Root = printed.Size, printed.Root
					}
					pages++
					rep := disclosure.Verify(ctx, src, disclosure.Trust{Key: vkey}, claim)
					if !rep.OK || rep.Stopped || rep.LatestSize < printed.Size {
						t.Fatalf("run %d (verify page): %+v", run, rep)
					}
					latest = max(latest, rep.LatestSize)
				}
			}
			close(stop)
			wg.Wait()
			if len(sizes) < 2 || sizes[0] == sizes[len(sizes)-1] || writes.Load() < 20 {
				t.Fatalf("the log did not grow during the runs: sizes %v, %d writes", sizes, writes.Load())
			}
			if latest <= printed.Size {
				t.Fatalf("the verify page never checked against a checkpoint past the notice's %d (%d checkpoints signed)", printed.Size, signed.Load())
			}
			t.Logf("%s: 20 verifies at sizes %d … %d while %d writes; the page's notice at %d, its latest checkpoint up to %d (%d signed)",
				dialect, sizes[0], sizes[len(sizes)-1], writes.Load(), printed.Size, latest, signed.Load())
			fs, err := svc.Flags(ctx, lg, ledger.FlagFilter{Rule: "T1"}, nil)
			if err != nil || len(fs) != 0 {
				t.Fatalf("T1 flags after the runs: %+v %v", fs, err)
			}
			if as, err := store.Alarms(ctx, lg.ID); err != nil || len(as) != 0 {
				t.Fatalf("alarms: %+v %v", as, err)
			}
			// Quiet now: the deep verify compares the projections too.
			rep, err := svc.L.Verify(ctx, lg, ledger.VerifyOptions{Deep: true, Scratch: gormstoretest.Open(t, "sqlite")})
			if err != nil || !rep.OK() || !rep.ProjectionsCompared {
				t.Fatalf("deep verify at rest: %v %+v compared=%v", err, rep.Problems, rep.ProjectionsCompared)
			}
		})
	}
}
