package jobs_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// BenchmarkCrossTownIndex measures what B7 adds to a full scan of two
// towns: the county-wide index (one more pass over each town's payments,
// households, items and ID indexes) against the two towns' scan snapshots
// (ScanData), which the full scan reads anyway. Each town has
// SUNSHINE_BENCH_N payments (10,000 by default) of 710 people who are
// registered in both towns and paid the same months in both: the worst
// case, every payment matches. Reported: seconds of each, their ratio, and
// the payments with a match.
func BenchmarkCrossTownIndex(b *testing.B) {
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("SUNSHINE_BENCH_N")); err == nil && v > 0 {
		n = v
	}
	store := gormstoretest.Open(b, "sqlite")
	s, home := lt.NewService(b, store, lt.NewClock(time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC)))
	ctx := context.Background()
	other, err := s.L.EnsureLog(ctx, "439901102", "ledger.test/log/439901102")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.RegisterTown(ctx, other, "admin", ledger.Town{Name: "东岭镇", Phones: []string{"0731-83000001"}}); err != nil {
		b.Fatal(err)
	}
	for _, v := range []ledger.Village{{Code: "439901102201", Name: "田坪村", Groups: []string{"一组"}}, {Code: "439901102202", Name: "石牛村", Groups: []string{"一组"}}} {
		if _, err := s.AddVillage(ctx, other, "admin", v, nil); err != nil {
			b.Fatal(err)
		}
	}
	var ids []string
	var people []ledger.PersonRow
	for i := range 710 {
		id := lt.ID(i, 1960+i%40)
		ids = append(ids, id)
		people = append(people, ledger.PersonRow{Row: i + 2, Village: []string{"田坪村", "石牛村"}[i%2], Group: "一组", HeadIDNumber: id, Name: "王小明",
			IDNumber: id, Relation: "户主", HouseholdKind: ledger.KindLifted})
	}
	items := []string{"GY01", "GY02", "GY03", "GY04"}
	for _, lg := range []ledger.Log{home, other} {
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
		for off := 0; off < n; off += 20000 {
			var rows []ledger.PaymentRow
			for k := off; k < min(off+20000, n); k++ {
				m := k / len(ids) / len(items)
				period := ledger.Period{Year: 2000 + m/12, Month: m%12 + 1}
				rows = append(rows, ledger.PaymentRow{Row: len(rows) + 2, VoucherNo: fmt.Sprintf("记-%07d", k), ProjectCode: "P1", DocNo: "F1",
					ItemCode: items[(k/len(ids))%len(items)], Kind: ledger.PaySubsidy, PayeeIDNumber: ids[k%len(ids)], Amount: 300_00,
					Period: period, PaidOn: ledger.Date{Year: period.Year, Month: time.Month(period.Month), Day: 25}})
			}
			imp(ledger.ImportInput{Kind: "payments", Rows: len(rows), Payments: rows})
		}
	}
	logs := []ledger.Log{home, other}
	for b.Loop() {
		start := time.Now()
		cross, err := s.CrossTownIndex(ctx, logs)
		if err != nil {
			b.Fatal(err)
		}
		index := time.Since(start)
		start = time.Now()
		for _, lg := range logs {
			if _, err := s.ScanData(ctx, lg); err != nil {
				b.Fatal(err)
			}
		}
		snap := time.Since(start)
		if got := cross.Matched(home.Town); got != n {
			b.Fatalf("payments of the home town with a match: %d, want %d", got, n)
		}
		b.ReportMetric(index.Seconds(), "index_s")
		b.ReportMetric(snap.Seconds(), "snapshots_s")
		b.ReportMetric(index.Seconds()/snap.Seconds(), "index/snapshots")
		b.ReportMetric(float64(cross.Matched(home.Town)+cross.Matched(other.Town)), "matched")
	}
}
