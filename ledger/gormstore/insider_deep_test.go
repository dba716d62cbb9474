package gormstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// TestDeepVerifyNamesInsiderEntries (issue 14 §4): an insider with the app
// user's rights appends three entries after the ones this service signed,
// with correct tree hashes, and moves the head over them: a 49,000-yuan
// payment by "intruder" (no account), one by "system" dated two days before
// it (the jobs never record a payment), and a flag review by "public".
// verify --deep names each at its seq: unsigned_entries from the first,
// actor_not_allowed at each of the three, time_backwards at the second; the
// first bad seq is the first of them. A complaint by "public" and the
// fixtures' own entries are no problem. On SQLite and MariaDB.
func TestDeepVerifyNamesInsiderEntries(t *testing.T) {
	for _, dialect := range gormstoretest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			f := newFixture(t, dialect, 10)
			ctx := t.Context()
			if _, err := f.l.SignCheckpoint(ctx, f.lg); err != nil {
				t.Fatal(err)
			}
			f.append(t, 2)
			n := int64(len(f.bodies))
			rows := []ledger.Entry{
				{Type: "payment_recorded", Actor: "intruder", RecordedAt: lt.FixedTime, Payload: []byte(`{"amount":4900000,"payee":"p-forged"}`)},
				{Type: "payment_recorded", Actor: "system", RecordedAt: lt.FixedTime.Add(-48 * time.Hour), Payload: []byte(`{"amount":4900000,"payee":"p-forged2"}`)},
				{Type: "flag_reviewed", Actor: "public", RecordedAt: lt.FixedTime, Payload: []byte(`{"action":"close","flag":1}`)},
			}
			leaves := lt.RecordHashes(f.bodies)
			for i := range rows {
				e := &rows[i]
				e.Log, e.Seq, e.EffectiveOn = f.lg.Origin, n+int64(i), "2026-03-01"
				mustExec(t, f.store, "INSERT"+insertEntryCols, entryArgs(f.lg, *e)...)
				leaves = append(leaves, tlog.RecordHash(e.Encode()))
			}
			m := lt.StoredHashes(leaves)
			end := n + int64(len(rows))
			for idx := tlog.StoredHashIndex(0, n); idx < tlog.StoredHashIndex(0, end); idx++ {
				h := m[idx]
				mustExec(t, f.store, "INSERT INTO tree_hashes (log_id, idx, hash) VALUES (?, ?, ?)", f.lg.ID, idx, h[:])
			}
			mustExec(t, f.store, "UPDATE log_heads SET size = ? WHERE log_id = ?", end, f.lg.ID)

			rep, err := f.l.Verify(ctx, f.lg, ledger.VerifyOptions{Deep: true, Chunk: 4})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, p := range rep.Problems {
				got[fmt.Sprintf("%s@%d", p.Kind, p.Seq)] = true
				if p.Kind != "unsigned_entries" && p.Seq < n {
					t.Errorf("a problem before the insider's rows: %+v", p)
				}
			}
			want := []string{
				fmt.Sprintf("unsigned_entries@%d", n),
				fmt.Sprintf("actor_not_allowed@%d", n),
				fmt.Sprintf("actor_not_allowed@%d", n+1),
				fmt.Sprintf("time_backwards@%d", n+1),
				fmt.Sprintf("actor_not_allowed@%d", n+2),
			}
			for _, w := range want {
				if !got[w] {
					t.Errorf("no %s in %+v", w, rep.Problems)
				}
			}
			if len(rep.Problems) != len(want) || rep.FirstBadSeq != n || rep.Head != end {
				t.Fatalf("problems %+v, first bad seq %d, head %d; want exactly %v, %d, %d", rep.Problems, rep.FirstBadSeq, rep.Head, want, n, end)
			}
			// The shallow check sees the unsigned rows, not who wrote them.
			rep, err = f.l.Verify(ctx, f.lg, ledger.VerifyOptions{})
			if err != nil || len(rep.Problems) != 1 || rep.Problems[0].Kind != "unsigned_entries" || rep.FirstBadSeq != n {
				t.Fatalf("shallow: %v %+v", err, rep.Problems)
			}
		})
	}
}

// TestDeepVerifyLegitimateNonAccountActors: what the service itself writes
// as "system" and "public" (a complaint filed, escalated when overdue, the
// rule job's flags, a payment made effective) passes verify --deep; the
// same log with one payment recorded as "system" through the writer (a
// signed entry, so only the actor check can see it) does not.
func TestDeepVerifyLegitimateNonAccountActors(t *testing.T) {
	store := gormstoretest.Open(t, "sqlite")
	svc, lg := lt.NewService(t, store, nil)
	lt.Town(t, svc, lg)
	ctx := context.Background()
	if _, err := svc.FileComplaint(ctx, lg, ledger.ComplaintInput{Village: "430181117201", Text: "反映一件事"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.RecordFindings(ctx, lg, "system", []ledger.Finding{{Rule: "T1", SubjectKey: "log", Severity: ledger.SeverityHigh,
		Subject: ledger.FlagSubject{Kind: "log", ID: lg.ID, Label: lg.Origin}, Reason: "测试"}}); err != nil {
		t.Fatal(err)
	}
	rep, err := svc.L.Verify(ctx, lg, ledger.VerifyOptions{Deep: true, Scratch: gormstoretest.Open(t, "sqlite")})
	if err != nil || !rep.OK() {
		t.Fatalf("deep verify of the service's own entries: %v %+v", err, rep.Problems)
	}
	if _, err := svc.RecordAllocation(ctx, lg, "fin", ledger.AllocationRow{DocNo: "浏财农〔2026〕3号", ProjectCode: "ZT-2026-003",
		Amount: lt.Y("1000"), AllocatedOn: lt.D("2026-03-01")}, nil); err != nil {
		t.Fatal(err)
	}
	p, err := svc.RecordPayment(ctx, lg, "system", ledger.PaymentRow{VoucherNo: "SYS-1", ProjectCode: "ZT-2026-003", DocNo: "浏财农〔2026〕3号",
		Kind: ledger.PaySubsidy, PayeeIDNumber: lt.ID(1, 1970), Amount: lt.Y("1"), PaidOn: lt.D("2026-03-05")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep, err = svc.L.Verify(ctx, lg, ledger.VerifyOptions{Deep: true})
	if err != nil || len(rep.Problems) != 1 || rep.Problems[0].Kind != "actor_not_allowed" || rep.FirstBadSeq != p.Seq {
		t.Fatalf("a payment recorded as system at seq %d: %v %+v", p.Seq, err, rep.Problems)
	}
}

// TestDeepVerifyProjectionEdited: an insider who edits the books (a
// payment's amount in the payments projection) leaves the log intact: the
// shallow verify passes, the deep verify's replay reports
// projection_mismatch. On SQLite and MariaDB.
func TestDeepVerifyProjectionEdited(t *testing.T) {
	for _, dialect := range gormstoretest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			store := gormstoretest.Open(t, dialect)
			svc, lg := lt.NewService(t, store, nil)
			lt.Town(t, svc, lg)
			ctx := context.Background()
			if _, err := svc.RecordAllocation(ctx, lg, "fin", ledger.AllocationRow{DocNo: "浏财农〔2026〕3号", ProjectCode: "ZT-2026-003",
				Amount: lt.Y("1000"), AllocatedOn: lt.D("2026-03-01")}, nil); err != nil {
				t.Fatal(err)
			}
			p, err := svc.RecordPayment(ctx, lg, "fin", ledger.PaymentRow{VoucherNo: "P-1", ProjectCode: "ZT-2026-003", DocNo: "浏财农〔2026〕3号",
				Kind: ledger.PaySubsidy, PayeeIDNumber: lt.ID(1, 1970), Amount: lt.Y("1"), PaidOn: lt.D("2026-03-05")}, nil)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := svc.L.Verify(ctx, lg, ledger.VerifyOptions{Deep: true, Scratch: gormstoretest.Open(t, "sqlite")})
			if err != nil || !rep.OK() || !rep.ProjectionsCompared {
				t.Fatalf("before the edit: %v %+v compared=%v", err, rep.Problems, rep.ProjectionsCompared)
			}
			mustExec(t, store, "UPDATE payments SET amount = ? WHERE log_id = ? AND seq = ?", 4900000, lg.ID, p.Seq)
			if rep, err := svc.L.Verify(ctx, lg, ledger.VerifyOptions{}); err != nil || !rep.OK() {
				t.Fatalf("shallow verify after a projection edit: %v %+v (the log is intact)", err, rep.Problems)
			}
			rep, err = svc.L.Verify(ctx, lg, ledger.VerifyOptions{Deep: true, Scratch: gormstoretest.Open(t, "sqlite")})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Problems) == 0 || rep.Problems[0].Kind != "projection_mismatch" || rep.Problems[0].Seq != -1 || !rep.ProjectionsCompared {
				t.Fatalf("deep verify after the payments projection was edited: %+v compared=%v", rep.Problems, rep.ProjectionsCompared)
			}
			t.Logf("%s: %s", dialect, rep.Problems[0].Detail)
		})
	}
}
