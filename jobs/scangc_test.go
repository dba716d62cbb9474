package jobs_test

import (
	"context"
	"runtime/debug"
	"testing"

	"github.com/sunshine-ledger/sunshine/jobs"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/anomaly"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// TestScanRestoresGOGC: a full scan lowers the garbage collector's target
// only for its own length; GOGC is the process's again afterwards, and an
// operator's setting lower than the scan's (or GC off) is left alone.
func TestScanRestoresGOGC(t *testing.T) {
	orig := debug.SetGCPercent(100)
	defer debug.SetGCPercent(orig)
	for _, gogc := range []int{100, 5, -1} {
		store := gormstoretest.Open(t, "sqlite")
		s, _ := lt.NewService(t, store, nil)
		sc, _ := jobs.New(jobs.Options{Store: store, Holder: "h", Now: s.L.Now}, jobs.Scan(s, anomaly.DefaultConfig, store))
		debug.SetGCPercent(gogc)
		r, err := sc.RunNow(context.Background(), "scan")
		if got := debug.SetGCPercent(100); got != gogc {
			t.Fatalf("GOGC %d after the scan, want %d", got, gogc)
		}
		if err != nil || r.Outcome != ledger.OutcomeSuccess || r.Counts["full"] != 1 {
			t.Fatalf("scan: %+v %v", r, err)
		}
	}
}
