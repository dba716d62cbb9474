package jobs_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/jobs"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/anomaly"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// BenchmarkScan runs the full scan (every rule of the catalogue, then the
// flags) over a town with SUNSHINE_BENCH_N payments (10,000 by default) on
// SQLite: 710 people paid monthly wages of four items, every tenth pair a
// duplicate (B1). Reported: seconds, payments/s, the peak resident set of
// the process during the full scan and before it, the peaks of the Go heap
// (live and dead objects) and of all the memory the Go runtime held (the
// rest of the resident set is SQLite's page caches and the binary), the Go
// heap in use after the scan (goal at 1,000,000: ≤ 60 s, RSS ≤ 500 MB), and
// the incremental scan after 1,000 new payments (goal ≤ 1 s).
func BenchmarkScan(b *testing.B) {
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("SUNSHINE_BENCH_N")); err == nil && v > 0 {
		n = v
	}
	store := gormstoretest.Open(b, "sqlite")
	s, lg := lt.NewService(b, store, lt.NewClock(time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC)))
	ctx := context.Background()
	var people []ledger.PersonRow
	var ids []string
	for i := 0; i < 710; i++ {
		id := lt.ID(i, 1960+i%40)
		ids = append(ids, id)
		people = append(people, ledger.PersonRow{Row: i + 2, Village: []string{"田坪村", "石牛村"}[i%2], Group: "一组", HeadIDNumber: id, Name: "王小明",
			IDNumber: id, Relation: "户主", HouseholdKind: ledger.KindLifted})
	}
	imp := func(in ledger.ImportInput) {
		if _, err := s.Import(ctx, lg, "fin", in, false, nil); err != nil {
			b.Fatal(err)
		}
	}
	imp(ledger.ImportInput{Kind: "persons", Persons: people})
	imp(ledger.ImportInput{Kind: "funds", Funds: []ledger.FundRow{{Row: 2, DocNo: "F1", Name: "衔接资金", SourceLevel: "中央", Purpose: "就业",
		Amount: lt.Y("9000000000"), ArrivedOn: lt.D("2000-01-01")}}})
	imp(ledger.ImportInput{Kind: "projects", Projects: []ledger.ProjectRow{{Row: 2, Code: "P1", Name: "公益岗位", Category: "就业",
		Targets: "t", Mechanism: "m", Status: ledger.ProjInProgress, ApprovalDocNo: "批1", ApprovedOn: lt.D("2000-01-01")}}})
	imp(ledger.ImportInput{Kind: "allocations", Allocations: []ledger.AllocationRow{{Row: 2, DocNo: "F1", ProjectCode: "P1", Amount: lt.Y("9000000000"), AllocatedOn: lt.D("2000-01-01")}}})
	items := []string{"GY01", "GY02", "GY03", "GY04"}
	for off := 0; off < n; off += 20000 {
		var rows []ledger.PaymentRow
		for k := off; k < min(off+20000, n); k++ {
			m := k / len(ids) / len(items)
			period := ledger.Period{Year: 2000 + m/12, Month: m%12 + 1}
			if k%10 == 9 { // a duplicate of the previous payment
				m = (k - 1) / len(ids) / len(items)
				period = ledger.Period{Year: 2000 + m/12, Month: m%12 + 1}
			}
			j := k
			if k%10 == 9 {
				j = k - 1
			}
			rows = append(rows, ledger.PaymentRow{Row: len(rows) + 2, VoucherNo: fmt.Sprintf("记-%07d", k), ProjectCode: "P1", DocNo: "F1",
				ItemCode: items[(j/len(ids))%len(items)], Kind: ledger.PaySubsidy, PayeeIDNumber: ids[j%len(ids)], Amount: 300_00,
				Period: period, PaidOn: ledger.Date{Year: period.Year, Month: time.Month(period.Month), Day: 25}})
		}
		imp(ledger.ImportInput{Kind: "payments", Rows: len(rows), Payments: rows})
	}
	clock := lt.NewClock(time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC))
	_ = clock
	sc, _ := jobs.New(jobs.Options{Store: store, Holder: "bench", Now: s.L.Now}, jobs.Scan(s, anomaly.DefaultConfig, store))
	runtime.GC()
	for b.Loop() {
		debug.FreeOSMemory()
		resetPeakRSS()
		base := peakRSS()
		stop := sampleHeap()
		start := time.Now()
		r, err := sc.RunNow(ctx, "scan")
		heapPeak, goPeak := stop()
		if err != nil || r.Outcome != ledger.OutcomeSuccess || r.Counts["full"] != 1 {
			b.Fatalf("%+v %v", r, err)
		}
		took := time.Since(start)
		peak := peakRSS()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		// 1,000 new payments (a new month for 710 people, some twice), then
		// the incremental scan of the same day
		var rows []ledger.PaymentRow
		for k := range 1000 {
			rows = append(rows, ledger.PaymentRow{Row: k + 2, VoucherNo: fmt.Sprintf("新-%d-%07d", b.N, k), ProjectCode: "P1", DocNo: "F1",
				ItemCode: "GY01", Kind: ledger.PaySubsidy, PayeeIDNumber: ids[k%len(ids)], Amount: 300_00,
				Period: ledger.Period{Year: 2026, Month: 12}, PaidOn: ledger.Date{Year: 2026, Month: 12, Day: 25}})
		}
		imp(ledger.ImportInput{Kind: "payments", Rows: len(rows), Payments: rows})
		start = time.Now()
		ri, err := sc.RunNow(ctx, "scan")
		if err != nil || ri.Outcome != ledger.OutcomeSuccess || ri.Counts["full"] != 0 {
			b.Fatalf("incremental: %+v %v", ri, err)
		}
		inc := time.Since(start)
		b.ReportMetric(took.Seconds(), "scan_s")
		b.ReportMetric(float64(n)/took.Seconds(), "payments/s")
		b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap_MiB")
		b.ReportMetric(peak, "peak_rss_MiB")
		b.ReportMetric(base, "rss_before_MiB")
		b.ReportMetric(heapPeak, "peak_heap_MiB")
		b.ReportMetric(goPeak, "peak_go_MiB")
		b.ReportMetric(float64(r.Counts["raised"]), "flags")
		b.ReportMetric(inc.Seconds(), "incremental_s")
		b.ReportMetric(float64(ri.Counts["raised"]), "incremental_flags")
	}
}

// sampleHeap samples the Go heap (live and dead objects) and all the
// memory the Go runtime holds every 5 ms until the returned func is
// called, which returns their peaks in MiB: the rest of the resident set
// is SQLite's (its page caches) and the binary.
func sampleHeap() func() (heap, total float64) {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/released:bytes"}}
	var maxHeap, maxTotal uint64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			maxHeap = max(maxHeap, s[0].Value.Uint64())
			maxTotal = max(maxTotal, s[1].Value.Uint64()-s[2].Value.Uint64())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() (float64, float64) {
		close(done)
		<-finished
		return float64(maxHeap) / (1 << 20), float64(maxTotal) / (1 << 20)
	}
}

// resetPeakRSS resets the process's peak resident set (Linux: VmHWM).
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS returns the process's peak resident set since the last reset, in
// MiB (0 where /proc is missing).
func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			var kb float64
			fmt.Sscanf(strings.TrimSpace(v), "%f", &kb)
			return kb / 1024
		}
	}
	return 0
}
