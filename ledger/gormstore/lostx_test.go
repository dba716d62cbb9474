package gormstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/testdsn"
)

// TestWriteLostTransactionNotCommitted: a MySQL server may end a write
// transaction without telling the client — a Galera node brute-force
// aborting it for a replicated write set was seen to, in
// TestGaleraTwoWriters — and then runs the batch's next statements outside
// it. Here the transaction is ended behind the batch's back (ROLLBACK on
// its connection). What the batch writes afterwards must not be committed
// (before: each statement committed on its own, a payment row without its
// entry), Write must fail with ErrTransient so the batch is retried, and a
// duplicate key met after the loss (the row the other node wrote) is
// transient too, not a conflict that fails the request or looks like
// rows written past the head.
func TestWriteLostTransactionNotCommitted(t *testing.T) {
	s := openTestDSN(t, testdsn.New(t, "mysql")) // skips without SUNSHINE_TEST_MYSQL_DSN
	ctx := context.Background()
	lg, err := s.CreateLog(ctx, "430181117", "ledger.test/log/430181117", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	entry := func(seq int64) ledger.StoredEntry {
		return ledger.StoredEntry{Seq: seq, Type: "test", EffectiveOn: "2026-03-10", RecordedAt: time.Now().UTC(), Actor: "system", Body: []byte(`{}`)}
	}
	// seq 0 and an object committed normally.
	if err := s.Write(ctx, lg.ID, func(tx ledger.WriteTx, size int64) error {
		if err := tx.Books(lg.ID).CreateObject("test", 1, "", map[string]int{"v": 1}); err != nil {
			return err
		}
		if err := tx.InsertEntries(lg.ID, []ledger.StoredEntry{entry(size)}); err != nil {
			return err
		}
		return tx.SetSize(lg.ID, size+1, nil)
	}); err != nil {
		t.Fatal(err)
	}
	lose := func(tx ledger.WriteTx) {
		w := tx.(*writeTx)
		if _, err := w.stx.ExecContext(w.ctx, "ROLLBACK"); err != nil {
			t.Fatal(err)
		}
	}

	// The transaction is lost after the head was read; the batch then
	// writes seq 1 and the head.
	err = s.Write(ctx, lg.ID, func(tx ledger.WriteTx, size int64) error {
		lose(tx)
		if err := tx.InsertEntries(lg.ID, []ledger.StoredEntry{entry(size)}); err != nil {
			return err
		}
		return tx.SetSize(lg.ID, size+1, nil)
	})
	if !errors.Is(err, ledger.ErrTransient) {
		t.Errorf("write after the transaction was lost: %v, want ErrTransient", err)
	}
	if size, _, err := s.Head(ctx, lg.ID); err != nil || size != 1 {
		t.Errorf("head after the lost batch: %d %v, want 1", size, err)
	}
	var n int64
	if err := s.db.Raw("SELECT COUNT(*) FROM entries WHERE log_id = ?", lg.ID).Row().Scan(&n); err != nil || n != 1 {
		t.Errorf("entries after the lost batch: %d %v, want 1 (nothing of the lost batch committed)", n, err)
	}

	// Lost, then a duplicate key: transient, not a conflict.
	err = s.Write(ctx, lg.ID, func(tx ledger.WriteTx, size int64) error {
		lose(tx)
		return tx.Books(lg.ID).CreateObject("test", 1, "", map[string]int{"v": 2})
	})
	if !errors.Is(err, ledger.ErrTransient) || ledger.ErrorCode(err) == ledger.CodeConflict {
		t.Errorf("duplicate key after the transaction was lost: %v (code %q), want ErrTransient", err, ledger.ErrorCode(err))
	}
	// Without the loss, the same duplicate is a conflict, as before.
	err = s.Write(ctx, lg.ID, func(tx ledger.WriteTx, size int64) error {
		return tx.Books(lg.ID).CreateObject("test", 1, "", map[string]int{"v": 2})
	})
	if ledger.ErrorCode(err) != ledger.CodeConflict || errors.Is(err, ledger.ErrTransient) {
		t.Errorf("duplicate key in a live transaction: %v, want a conflict", err)
	}

	// Every connection went back to the pool with autocommit on: a write
	// outside the writer commits.
	for range 4 {
		var ac int64
		if err := s.db.Raw("SELECT @@autocommit").Row().Scan(&ac); err != nil || ac != 1 {
			t.Errorf("@@autocommit of a pooled connection: %d %v", ac, err)
		}
	}
}
