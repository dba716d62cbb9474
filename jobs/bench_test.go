package jobs_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/jobs"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/anomaly"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// BenchmarkScan runs the full scan (every rule of the catalogue, then the
// flags) over a town with SUNSHINE_BENCH_N payments (10,000 by default) on
// SQLite: 710 people paid monthly wages of four items, every tenth pair a
// duplicate (B1). Reported: seconds, payments/s and the Go heap in use after
// the scan (goal at 1,000,000: ≤ 60 s, RSS ≤ 500 MB).
func BenchmarkScan(b *testing.B) {
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("SUNSHINE_BENCH_N")); err == nil && v > 0 {
		n = v
	}
	store := gormstore.OpenTest(b, "sqlite")
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
	sc, _ := jobs.New(jobs.Options{Store: store, Holder: "bench"}, jobs.Scan(s, anomaly.DefaultConfig, store))
	for b.Loop() {
		start := time.Now()
		r, err := sc.RunNow(ctx, "scan")
		if err != nil || r.Outcome != ledger.OutcomeSuccess {
			b.Fatalf("%+v %v", r, err)
		}
		took := time.Since(start)
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(took.Seconds(), "scan_s")
		b.ReportMetric(float64(n)/took.Seconds(), "payments/s")
		b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap_MiB")
		b.ReportMetric(float64(r.Counts["raised"]), "flags")
	}
}
