package gormstore_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
)

func TestClaimNotificationSQLite(t *testing.T) { testClaimNotification(t, "sqlite") }

func TestClaimNotificationMySQL(t *testing.T) {
	gormstoretest.NewDSN(t, "mysql") // skips without SUNSHINE_TEST_MYSQL_DSN
	testClaimNotification(t, "mysql")
}

// testClaimNotification: of senders that read the same record and claim
// it at once, exactly one wins, the first time (no record yet) and on a
// retry (a failed attempt recorded); a sent event is never claimed; the
// claim counts the attempt.
func testClaimNotification(t *testing.T, dialect string) {
	st := gormstoretest.Open(t, dialect)
	ctx := context.Background()
	now := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	race := func(prev ledger.Notification) int32 {
		var won atomic.Int32
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				ok, err := st.ClaimNotification(ctx, prev, now)
				if err != nil {
					t.Error(err)
				}
				if ok {
					won.Add(1)
				}
			})
		}
		wg.Wait()
		return won.Load()
	}
	fresh := ledger.Notification{Target: "mail:jiwei@town.example", Key: "digest:2026-12-04"}
	if n := race(fresh); n != 1 {
		t.Fatalf("first claims won: %d, want 1", n)
	}
	recs, err := st.Notifications(ctx, fresh.Target, []string{fresh.Key})
	if err != nil || recs[fresh.Key].Attempts != 1 || recs[fresh.Key].Sent() || !recs[fresh.Key].LastTry.Equal(now) {
		t.Fatalf("after the claim: %+v %v", recs, err)
	}
	// the send failed: recorded, then retried by racing senders
	failed := recs[fresh.Key]
	failed.Error = "connection refused"
	if err := st.PutNotification(ctx, failed); err != nil {
		t.Fatal(err)
	}
	if n := race(failed); n != 1 {
		t.Fatalf("retry claims won: %d, want 1", n)
	}
	// a claim on a stale read (attempts since moved on) loses
	if ok, err := st.ClaimNotification(ctx, failed, now); ok || err != nil {
		t.Fatalf("a stale claim: %v %v", ok, err)
	}
	// sent: never claimed again
	sent := failed
	sent.Attempts, sent.SentAt, sent.Error = 2, now, ""
	if err := st.PutNotification(ctx, sent); err != nil {
		t.Fatal(err)
	}
	if ok, err := st.ClaimNotification(ctx, sent, now); ok || err != nil {
		t.Fatalf("a sent event claimed: %v %v", ok, err)
	}
}
