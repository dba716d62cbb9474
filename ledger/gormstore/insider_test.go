package gormstore_test

import (
	"errors"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
	"github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// TestInsiderAppendNeverSigned is the insider of issue 14 §4: with only the
// rights the MySQL app user has (INSERT on entries and tree_hashes, UPDATE on
// log_heads) they append a 49,000-yuan payment_recorded by an actor who may
// not record payments, dated before the entry it follows, with or without
// correct tree hashes, and move the head over it. No checkpoint is ever
// signed over it, the writer stops writing the log (in this process and in a
// fresh one), the alarm names its seq, and CheckHead names it too.
func TestInsiderAppendNeverSigned(t *testing.T) {
	for _, dialect := range gormstoretest.Dialects() {
		for _, withHashes := range []bool{true, false} {
			name := dialect + "/without_hashes"
			if withHashes {
				name = dialect + "/with_hashes"
			}
			t.Run(name, func(t *testing.T) {
				f := newFixture(t, dialect, 12)
				ctx := t.Context()
				cp, err := f.l.SignCheckpoint(ctx, f.lg)
				if err != nil || cp.Size != 12 {
					t.Fatalf("checkpoint before: %+v %v", cp, err)
				}
				f.append(t, 3) // entries after the last checkpoint, signed by their writer only
				n := int64(len(f.bodies))

				// The insider's row: the next seq, a well-formed body.
				e := ledger.Entry{Log: f.lg.Origin, Seq: n, Type: "payment_recorded",
					RecordedAt: ledgertest.FixedTime.Add(-48 * time.Hour), EffectiveOn: "2026-03-01", Actor: "intruder",
					Payload: []byte(`{"amount":4900000,"payee":"p-forged"}`)}
				mustExec(t, f.store, "INSERT"+insertEntryCols, entryArgs(f.lg, e)...)
				if withHashes {
					leaves := make([]tlog.Hash, 0, n+1)
					for _, b := range f.bodies {
						leaves = append(leaves, tlog.RecordHash(b))
					}
					leaves = append(leaves, tlog.RecordHash(e.Encode()))
					m := ledgertest.StoredHashes(leaves)
					for idx := tlog.StoredHashIndex(0, n); idx < tlog.StoredHashIndex(0, n+1); idx++ {
						h := m[idx]
						mustExec(t, f.store, "INSERT INTO tree_hashes (log_id, idx, hash) VALUES (?, ?, ?)", f.lg.ID, idx, h[:])
					}
				}
				mustExec(t, f.store, "UPDATE log_heads SET size = ? WHERE log_id = ?", n+1, f.lg.ID)

				st, err := f.l.CheckHead(ctx, f.lg)
				if err != nil {
					t.Fatal(err)
				}
				if st.OK() || st.Signed != n {
					t.Fatalf("CheckHead: %+v, want a problem with signed size %d", st, n)
				}
				if _, err := f.l.SignCheckpoint(ctx, f.lg); ledger.ErrorCode(err) != ledger.CodeTampered {
					t.Fatalf("SignCheckpoint over the insider's row: %v, want %s", err, ledger.CodeTampered)
				}
				_, err = f.l.Append(ctx, f.lg, ledger.AppendInput{Type: "fund_recorded", Actor: "u1", Payload: ledgertest.Payload(99)})
				if ledger.ErrorCode(err) != ledger.CodeTampered || !errors.Is(err, ledger.ErrUnsignedHead) {
					t.Fatalf("append onto the insider's row: %v, want %s", err, ledger.CodeTampered)
				}
				// Halted: the next request is refused too, without touching the store.
				if _, err := f.l.Append(ctx, f.lg, ledger.AppendInput{Type: "fund_recorded", Actor: "u1", Payload: ledgertest.Payload(100)}); ledger.ErrorCode(err) != ledger.CodeTampered {
					t.Fatalf("second append: %v", err)
				}
				alarms, err := f.l.Alarms(ctx, f.lg)
				if err != nil || len(alarms) != 1 || alarms[0].Rule != "T1" || alarms[0].FirstSeq != n {
					t.Fatalf("alarms %+v %v, want one T1 naming seq %d", alarms, err, n)
				}
				// A fresh process over the same database refuses as well.
				l2, _ := ledgertest.NewLedger(t, f.store, nil, f.lg.Town)
				if _, err := l2.Append(ctx, f.lg, ledger.AppendInput{Type: "fund_recorded", Actor: "u1", Payload: ledgertest.Payload(101)}); ledger.ErrorCode(err) != ledger.CodeTampered {
					t.Fatalf("append from a fresh process: %v", err)
				}
				if _, err := l2.SignCheckpoint(ctx, f.lg); ledger.ErrorCode(err) != ledger.CodeTampered {
					t.Fatalf("checkpoint from a fresh process: %v", err)
				}
				cps, err := f.store.Checkpoints(ctx, f.lg.ID)
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range cps {
					if c.Size > n {
						t.Fatalf("a checkpoint of size %d was signed over the insider's row at seq %d", c.Size, n)
					}
				}
				if size, _ := f.store.Size(ctx, f.lg.ID); size != n+1 {
					t.Fatalf("size %d after the refused appends, want %d", size, n+1)
				}
			})
		}
	}
}

// TestHeadNoteMultiProcess: two ledgers (two processes) writing one log in
// turns each accept the other's signed head, and a checkpoint is signed over
// the result.
func TestHeadNoteMultiProcess(t *testing.T) {
	for _, dialect := range gormstoretest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			f := newFixture(t, dialect, 3)
			l2, _ := ledgertest.NewLedger(t, f.store, nil, f.lg.Town)
			for i := range 6 {
				l := f.l
				if i%2 == 1 {
					l = l2
				}
				if _, err := l.Append(t.Context(), f.lg, ledger.AppendInput{Type: "fund_recorded", Actor: "u1", Payload: ledgertest.Payload(i)}); err != nil {
					t.Fatalf("append %d: %v", i, err)
				}
			}
			cp, err := l2.SignCheckpoint(t.Context(), f.lg)
			if err != nil || cp.Size != 9 {
				t.Fatalf("checkpoint %+v %v", cp, err)
			}
			if st, err := f.l.CheckHead(t.Context(), f.lg); err != nil || !st.OK() || st.Signed != 9 {
				t.Fatalf("CheckHead %+v %v", st, err)
			}
		})
	}
}

// TestInsiderRowPastTheHead: an insider inserts the next entry but leaves the
// head alone. The writer's own insert then meets the row: it stops writing
// the log and raises the alarm naming that seq, instead of failing every
// batch with an internal error.
func TestInsiderRowPastTheHead(t *testing.T) {
	for _, dialect := range gormstoretest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			f := newFixture(t, dialect, 5)
			ctx := t.Context()
			n := int64(len(f.bodies))
			e := ledger.Entry{Log: f.lg.Origin, Seq: n, Type: "payment_recorded", RecordedAt: ledgertest.FixedTime, EffectiveOn: "2026-03-01",
				Actor: "intruder", Payload: []byte(`{"amount":4900000,"payee":"p-forged"}`)}
			mustExec(t, f.store, "INSERT"+insertEntryCols, entryArgs(f.lg, e)...)
			_, err := f.l.Append(ctx, f.lg, ledger.AppendInput{Type: "fund_recorded", Actor: "u1", Payload: ledgertest.Payload(9)})
			if ledger.ErrorCode(err) != ledger.CodeTampered {
				t.Fatalf("append past the insider's row: %v", err)
			}
			if as, err := f.l.Alarms(ctx, f.lg); err != nil || len(as) != 1 || as[0].FirstSeq != n {
				t.Fatalf("alarms %+v %v", as, err)
			}
		})
	}
}

// TestInvisibleCharactersNeverRecorded (issue 18): whatever form a text came
// from (a staff page's review note, a public complaint), an entry whose
// payload holds a bidirectional override or a zero-width character is
// refused and nothing is written.
func TestInvisibleCharactersNeverRecorded(t *testing.T) {
	f := newFixture(t, "sqlite", 2)
	for _, text := range []string{"同意\u202e支付", "张\u200b三", "\ufeff备注"} {
		_, err := f.l.Append(t.Context(), f.lg, ledger.AppendInput{Type: "fund_recorded", Actor: "u1", Payload: map[string]any{"note": text}})
		if ledger.ErrorCode(err) != ledger.CodeValidationFailed {
			t.Errorf("%q: %v", text, err)
		}
	}
	if n, _ := f.store.Size(t.Context(), f.lg.ID); n != 2 {
		t.Fatalf("size %d after the refusals", n)
	}
}
