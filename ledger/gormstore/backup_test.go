package gormstore_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
	"github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// TestImportLogBatches: a log longer than one import batch (2,048 entries),
// verified in chunks with its progress reported after each,
// with checkpoints signed inside the first, the second and the last batch,
// exported and imported into an empty database of each dialect, has the
// same size, root and checkpoints (sizes, roots and signed notes) and
// verifies with the public key alone. The import keeps only the tree's
// frontier in memory between batches, so this is the test that it still
// rebuilds every checkpoint's root.
func TestImportLogBatches(t *testing.T) {
	ctx := t.Context()
	src := gormstoretest.Open(t, "sqlite")
	l, lg := ledgertest.NewLedger(t, src, nil, "430181117")
	const n = 5000
	for i := 0; i < n; {
		var ins []ledger.AppendInput
		for range min(500, n-i) {
			ins = append(ins, ledger.AppendInput{Type: "fund_recorded", Actor: "u1", Payload: ledgertest.Payload(i)})
			i++
		}
		if _, err := l.Append(ctx, lg, ins...); err != nil {
			t.Fatal(err)
		}
		if i == 1000 || i == 2500 || i == 4500 {
			if _, err := l.SignCheckpoint(ctx, lg); err != nil {
				t.Fatal(err)
			}
		}
	}
	want, err := src.Checkpoints(ctx, lg.ID)
	if err != nil || len(want) != 3 {
		t.Fatalf("source checkpoints: %d, %v", len(want), err)
	}
	// A verify reports its progress after each chunk.
	var progress []int64
	rep, err := l.Verify(ctx, lg, ledger.VerifyOptions{Chunk: 2000, Progress: func(done, total int64) {
		if total != n {
			t.Errorf("progress total %d, want %d", total, n)
		}
		progress = append(progress, done)
	}})
	if err != nil || !rep.OK() || fmt.Sprint(progress) != "[2000 4000 5000]" {
		t.Fatalf("verify: %v %v, progress %v", err, rep.Problems, progress)
	}
	var file bytes.Buffer
	h, err := l.Export(ctx, lg, &file)
	if err != nil {
		t.Fatal(err)
	}
	vk, err := l.VerifierKey(lg)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ledger.ParseVerifierKey(vk)
	if err != nil {
		t.Fatal(err)
	}
	for _, dialect := range gormstoretest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			dst := gormstoretest.Open(t, dialect)
			lg2, h2, err := ledger.ImportLog(ctx, dst, bytes.NewReader(file.Bytes()), ledgertest.FixedTime)
			if err != nil {
				t.Fatal(err)
			}
			if h2.Size != n || h2.Root != h.Root {
				t.Fatalf("imported %d entries, root %s; exported %d, %s", h2.Size, h2.Root, h.Size, h.Root)
			}
			got, err := dst.Checkpoints(ctx, lg2.ID)
			if err != nil || len(got) != len(want) {
				t.Fatalf("checkpoints: %d, %v; want %d", len(got), err, len(want))
			}
			for i := range want {
				if got[i].Size != want[i].Size || got[i].Root != want[i].Root || !bytes.Equal(got[i].Note, want[i].Note) {
					t.Fatalf("checkpoint %d: size %d root %v; want size %d root %v", i, got[i].Size, got[i].Root, want[i].Size, want[i].Root)
				}
			}
			l2 := ledger.New(ledger.Options{Store: dst, PublicKey: pub})
			defer l2.Close()
			rep, err := l2.Verify(ctx, lg2, ledger.VerifyOptions{Deep: true})
			if err != nil || !rep.OK() || rep.Checkpoints != len(want) {
				t.Fatalf("verify: %v %+v", err, rep)
			}
		})
	}
}
