package gormstore_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// TestWriterRealDeadlocks (issue 14 §2, MariaDB only): while 16 writers pay,
// other sessions take the locks a payment needs in the opposite order, two sessions every 8 ms, (every
// balance row of the log, then the log head), so InnoDB detects real
// deadlocks between them and the writer's transactions and rolls one of them
// back. The deadlocking sessions lock many rows, so the writer is often the
// victim: it must retry its whole batch. Afterwards every key is answered
// with one payment, each voucher stored once, the log verifies (deep) and a
// rebuild equals the projections.
func TestWriterRealDeadlocks(t *testing.T) {
	dsn := gormstoretest.NewDSN(t, "mysql")
	store := gormstoretest.OpenDSN(t, dsn)
	svc, lg := lt.NewService(t, store, nil)
	lt.Town(t, svc, lg)
	ctx := context.Background()
	if _, err := svc.RecordAllocation(ctx, lg, "fin", ledger.AllocationRow{DocNo: "浏财农〔2026〕3号", ProjectCode: "ZT-2026-003",
		Amount: lt.Y("200000"), AllocatedOn: lt.D("2026-03-01")}, nil); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("mysql", strings.TrimPrefix(dsn, "mysql://"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	deadlocks := func() int64 {
		var name string
		var v int64
		if err := raw.QueryRow("SHOW GLOBAL STATUS LIKE 'Innodb_deadlocks'").Scan(&name, &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	before := deadlocks()

	stop := make(chan struct{})
	var lockerVictims atomic.Int64
	var lockers sync.WaitGroup
	for range 2 {
		lockers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				err := func() error {
					tx, err := raw.BeginTx(ctx, nil)
					if err != nil {
						return err
					}
					defer tx.Rollback()
					if _, err := tx.Exec("UPDATE balances SET amount = amount WHERE log_id = ?", lg.ID); err != nil {
						return err
					}
					if _, err := tx.Exec("UPDATE payments SET status = status WHERE log_id = ?", lg.ID); err != nil {
						return err
					}
					if _, err := tx.Exec("SELECT COUNT(*) FROM objects WHERE log_id = ? FOR UPDATE", lg.ID); err != nil {
						return err
					}
					time.Sleep(2 * time.Millisecond)
					if _, err := tx.Exec("SELECT size FROM log_heads WHERE log_id = ? FOR UPDATE", lg.ID); err != nil {
						return err
					}
					return tx.Commit()
				}()
				var me *mysql.MySQLError
				if errors.As(err, &me) && me.Number == 1213 {
					lockerVictims.Add(1)
				} else if err != nil {
					t.Errorf("locker: %v", err)
					return
				}
				time.Sleep(8 * time.Millisecond)
			}
		})
	}

	const writers, perWriter = 16, 12
	var mu sync.Mutex
	answers := map[string][]int64{}
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for k := range perWriter {
				r := ledger.PaymentRow{VoucherNo: fmt.Sprintf("D-%d-%d", g, k), ProjectCode: "ZT-2026-003", DocNo: "浏财农〔2026〕3号",
					Kind: ledger.PaySubsidy, PayeeIDNumber: lt.ID(g%6+1, 1970), Amount: lt.Y("1"), PaidOn: lt.D("2026-03-05")}
				body, _ := json.Marshal(r)
				idem := &ledger.Idem{IdemScope: ledger.IdemScope{UserID: "fin", Method: "POST", Route: "/api/v1/payments", Key: r.VoucherNo},
					Fingerprint: ledger.FingerprintJSON(body)}
				for try := 0; ; try++ {
					p, err := svc.RecordPayment(ctx, lg, "fin", r, idem)
					if err == nil {
						mu.Lock()
						answers[r.VoucherNo] = append(answers[r.VoucherNo], p.ID)
						mu.Unlock()
						break
					}
					if ledger.ErrorCode(err) != ledger.CodeUnavailable || try > 50 {
						t.Errorf("%s: %v", r.VoucherNo, err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	lockers.Wait()
	total := deadlocks() - before
	t.Logf("%d deadlocks; %d rolled back the lockers, %d the writer", total, lockerVictims.Load(), total-lockerVictims.Load())
	if total-lockerVictims.Load() == 0 {
		t.Errorf("no deadlock made the writer the victim: the test did not test the retry")
	}
	ps, err := svc.Payments(ctx, lg, ledger.PaymentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]int{}
	for _, p := range ps {
		stored[p.VoucherNo]++
	}
	if len(answers) != writers*perWriter {
		t.Fatalf("%d keys answered, want %d", len(answers), writers*perWriter)
	}
	for v, ids := range answers {
		if stored[v] != 1 || len(ids) != 1 {
			t.Errorf("voucher %s: stored %d times, answered %v", v, stored[v], ids)
		}
	}
	if rep, err := svc.L.Verify(ctx, lg, ledger.VerifyOptions{Deep: true}); err != nil || !rep.OK() {
		t.Fatalf("verify --deep: %v %+v", err, rep.Problems)
	}
	rb, err := svc.L.Rebuild(ctx, lg, gormstoretest.Open(t, "sqlite"))
	if err != nil || len(rb.Differences) != 0 {
		t.Fatalf("rebuild: %v %v", err, rb.Differences)
	}
}
