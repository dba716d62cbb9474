package gormstore_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
	"github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// BenchmarkAppendWitnessed measures appends by 64 concurrent writers (one
// ~300-byte entry a request, as BenchmarkAppend64) while readers fetch the
// public checkpoint every 10 ms (Ledger.WitnessedCheckpoint: a new
// checkpoint at most once a second, then put to the witnesses) and the
// background cosigner runs: once with no witnesses, once with two local
// witnesses (in-process HTTP, their own SQLite files), each on a fresh
// database, in the same run, in the order none, two, two, none. Reported:
// the mean entries/s of each, their ratio, and the checkpoints both
// witnesses cosigned (mean per run).
func BenchmarkAppendWitnessed(b *testing.B) {
	for _, dialect := range benchDialects(b) {
		b.Run(dialect, func(b *testing.B) {
			n := benchN()
			for b.Loop() {
				// ABBA, so that drift on a shared machine falls on both.
				none1, _ := appendWitnessed(b, dialect, n, 0)
				two1, c1 := appendWitnessed(b, dialect, n, 2)
				two2, c2 := appendWitnessed(b, dialect, n, 2)
				none2, _ := appendWitnessed(b, dialect, n, 0)
				none, two, cosigned := (none1+none2)/2, (two1+two2)/2, (c1+c2)/2
				b.ReportMetric(none, "entries/s")
				b.ReportMetric(two, "witnessed_entries/s")
				b.ReportMetric(two/none, "ratio")
				b.ReportMetric(float64(cosigned), "cosigned_checkpoints")
			}
		})
	}
}

func appendWitnessed(b *testing.B, dialect string, n, witnesses int) (perSecond float64, cosigned int64) {
	store := gormstoretest.Open(b, dialect)
	l := ledger.New(ledger.Options{Store: store, Key: ledgertest.MustKey(b), Location: ledgertest.Shanghai(b)}) // real clock
	b.Cleanup(l.Close)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	lg, err := l.EnsureLog(ctx, "430181117", "bench.test/log/430181117")
	if err != nil {
		b.Fatal(err)
	}
	var c *ledger.Cosigner
	if witnesses > 0 {
		vkey, _ := l.VerifierKey(lg)
		var ws []ledger.Witness
		for i := range witnesses {
			_, w := startWitness(b, fmt.Sprintf("witness%d", i), vkey)
			ws = append(ws, w)
		}
		c = &ledger.Cosigner{L: l, Store: store, Witnesses: ws}
		ledger.SetCosigner(l, c)
		defer ledger.SetCosigner(l, nil)
		go c.Run(ctx, time.Second)
	}
	var readers sync.WaitGroup
	readers.Add(1)
	go func() {
		defer readers.Done()
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if _, err := l.WitnessedCheckpoint(ctx, lg); err != nil && ctx.Err() == nil {
				b.Error(err)
				return
			}
		}
	}()
	var next atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if _, err := l.Append(ctx, lg, ledger.AppendInput{Type: "payment_recorded", Actor: "u1", Payload: benchPayload(i)}); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	perSecond = float64(n) / time.Since(start).Seconds()
	cancel()
	readers.Wait()
	if c != nil {
		cps, err := store.Checkpoints(context.Background(), lg.ID)
		if err != nil {
			b.Fatal(err)
		}
		for _, cp := range cps {
			cs, _ := store.Cosignatures(context.Background(), lg.ID, cp.Size)
			if len(cs) == witnesses {
				cosigned++
			}
		}
	}
	return perSecond, cosigned
}
