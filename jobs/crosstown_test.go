package jobs_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/jobs"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/anomaly"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// TestScanCrossTown: two towns in one service (issue 21). The same person
// (same ID number) paid 公益岗位 GY01 for April by both towns, and one
// account receiving GY01 for April in both towns under two different
// people, are flagged B7 in each town, naming the other town's entry; the
// near misses (another item, another period, a reversed payment, a person
// in one town only) are not. An incremental scan raises nothing more.
func TestScanCrossTown(t *testing.T) {
	for _, dialect := range gormstoretest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			store := gormstoretest.Open(t, dialect)
			clock := lt.NewClock(time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC))
			s, home := lt.NewService(t, store, clock)
			ctx := context.Background()
			other, err := s.L.EnsureLog(ctx, "439901102", "ledger.test/log/439901102")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.RegisterTown(ctx, other, "admin", ledger.Town{Name: "东岭镇", Phones: []string{"0731-83000001"}}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.AddVillage(ctx, other, "admin", ledger.Village{Code: "439901102201", Name: "东岭村", Groups: []string{"一组"}}, nil); err != nil {
				t.Fatal(err)
			}
			imp := func(lg ledger.Log, in ledger.ImportInput) {
				t.Helper()
				if _, err := s.Import(ctx, lg, "fin", in, false, nil); err != nil {
					t.Fatalf("%s: %s: %v", lg.Town, in.Kind, err)
				}
			}
			// a: in both towns (moved, or registered twice); b: in the home
			// town only; c (home) and d (other) share one account number.
			a, b, c, d := lt.ID(1, 1970), lt.ID(2, 1975), lt.ID(3, 1980), lt.ID(4, 1985)
			const shared = "6217 0000 1111 2222 333"
			person := func(row int, village, id, name, account string) ledger.PersonRow {
				return ledger.PersonRow{Row: row, Village: village, Group: "一组", HeadIDNumber: id, Name: name, IDNumber: id, Relation: "户主",
					HouseholdKind: ledger.KindLifted, Bank: "农商行", AccountNo: account}
			}
			// e: a daughter of h1's household in the home town who married
			// into h2's household in the other town (both registers keep
			// her); f: paid a month by one town and its quarter by the
			// other; g: heads a household in both towns.
			e, fid, g, h1, h2 := lt.ID(5, 1998), lt.ID(6, 1972), lt.ID(7, 1960), lt.ID(8, 1968), lt.ID(9, 1995)
			member := func(row int, village, head, id, name, rel string, joined string) ledger.PersonRow {
				r := person(row, village, id, name, "")
				r.HeadIDNumber, r.Relation, r.AccountNo, r.Bank = head, rel, "", ""
				if joined != "" {
					r.JoinedOn = lt.D(joined)
				}
				return r
			}
			imp(home, ledger.ImportInput{Kind: "persons", Persons: []ledger.PersonRow{
				person(2, "田坪村", a, "张三", "6217000000000000001"), person(3, "田坪村", b, "李四", "6217000000000000002"),
				person(4, "石牛村", c, "王五", shared), person(5, "田坪村", h1, "周一", "6217000000000000011"),
				member(6, "田坪村", h1, e, "周二", "子女", ""), person(7, "田坪村", fid, "吴三", "6217000000000000006"),
				person(8, "石牛村", g, "郑四", "6217000000000000007")}})
			imp(other, ledger.ImportInput{Kind: "persons", Persons: []ledger.PersonRow{
				person(2, "东岭村", a, "张三", "6217000000000000001"), person(3, "东岭村", d, "赵六", shared),
				person(4, "东岭村", h2, "钱五", "6217000000000000012"), member(5, "东岭村", h2, e, "周二", "配偶", "2026-08-01"),
				person(6, "东岭村", fid, "吴三", "6217000000000000006"), person(7, "东岭村", g, "郑四", "6217000000000000007")}})
			for _, lg := range []ledger.Log{home, other} {
				village := map[string]string{home.Town: "田坪村", other.Town: "东岭村"}[lg.Town]
				imp(lg, ledger.ImportInput{Kind: "funds", Funds: []ledger.FundRow{{Row: 2, DocNo: "F1", Name: "衔接资金", SourceLevel: "中央", Purpose: "就业",
					Amount: lt.Y("500000"), ArrivedOn: lt.D("2026-01-05")}}})
				imp(lg, ledger.ImportInput{Kind: "projects", Projects: []ledger.ProjectRow{{Row: 2, Code: "P1", Name: "公益岗位", Category: "就业", Village: village,
					Targets: "t", Mechanism: "m", Status: ledger.ProjInProgress, ApprovalDocNo: "批1", ApprovedOn: lt.D("2026-03-01")}}})
				imp(lg, ledger.ImportInput{Kind: "allocations", Allocations: []ledger.AllocationRow{{Row: 2, DocNo: "F1", ProjectCode: "P1", Amount: lt.Y("100000"), AllocatedOn: lt.D("2026-03-02")}}})
			}
			accounts := map[string]string{a: "6217000000000000001", b: "6217000000000000002", c: shared, d: shared,
				h1: "6217000000000000011", h2: "6217000000000000012", fid: "6217000000000000006", g: "6217000000000000007"}
			row := func(n int, id, item, period, paid string) ledger.PaymentRow {
				return ledger.PaymentRow{Row: n, VoucherNo: fmt.Sprintf("记-%d", n), ProjectCode: "P1", DocNo: "F1", ItemCode: item, Kind: ledger.PaySubsidy,
					PayeeIDNumber: id, AccountNo: accounts[id], Amount: lt.Y("300"), Period: lt.P(period), PaidOn: lt.D(paid)}
			}
			imp(home, ledger.ImportInput{Kind: "payments", Payments: []ledger.PaymentRow{
				row(2, a, "GY01", "2026-04", "2026-04-25"),   // a, April, both towns: B7 by ID number
				row(3, a, "GY02", "2026-05", "2026-05-25"),   // another item than the other town's May payment
				row(4, a, "GY01", "2026-06", "2026-06-25"),   // another period than the other town's July payment
				row(5, b, "GY01", "2026-04", "2026-04-25"),   // in one town only
				row(6, c, "GY01", "2026-04", "2026-04-25"),   // the shared account: B7 by account
				row(8, h1, "CY02", "2026", "2026-03-20"),     // h1's household, e a member then
				row(9, fid, "GY01", "2026-11", "2026-11-25"), // f's November …
				row(10, g, "ZF01", "2025", "2026-02-25"),     // g's 危房改造 (granted once) for 2025 …
			}})
			imp(other, ledger.ImportInput{Kind: "payments", Payments: []ledger.PaymentRow{
				row(2, a, "GY01", "2026-04", "2026-04-28"),
				row(3, a, "GY01", "2026-05", "2026-05-28"),
				row(4, a, "GY01", "2026-07", "2026-07-28"),
				row(5, d, "GY01", "2026-04", "2026-04-28"),
				row(6, a, "GY02", "2026-06", "2026-06-28"),   // reversed below
				row(7, h2, "CY02", "2026", "2026-10-20"),     // h2's household, e a member now: two households, no B7
				row(8, fid, "GY01", "2026-Q4", "2026-12-20"), // … inside the other town's fourth quarter: B7
				row(9, g, "ZF01", "2026", "2026-08-20"),      // … and again for 2026 in the other town: B7
			}})
			// The home town pays a GY02 for June too, but the other town's
			// is reversed: no longer a double payment.
			imp(home, ledger.ImportInput{Kind: "payments", Payments: []ledger.PaymentRow{row(7, a, "GY02", "2026-06", "2026-06-25")}})
			ps, err := s.Payments(ctx, other, ledger.PaymentFilter{})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range ps {
				if p.VoucherNo == "记-6" {
					if _, err := s.Reverse(ctx, other, "fin", p.Seq, "录入错误", nil); err != nil {
						t.Fatal(err)
					}
				}
			}

			sc, _ := jobs.New(jobs.Options{Store: store, Holder: "h", Now: clock.Now}, jobs.Scan(s, anomaly.DefaultConfig, store))
			r, _ := sc.RunNow(ctx, "scan")
			if r.Outcome != ledger.OutcomeSuccess {
				t.Fatalf("scan: %+v", r)
			}
			if r.Counts["cross_town_payments"] != 8 {
				t.Errorf("payments with a match in another town: %d, want 8 (four in each town)", r.Counts["cross_town_payments"])
			}
			b7 := func(lg ledger.Log) []ledger.Flag {
				fs, err := s.Flags(ctx, lg, ledger.FlagFilter{}, nil)
				if err != nil {
					t.Fatal(err)
				}
				var out []ledger.Flag
				for _, f := range fs {
					if f.Rule == "B7" {
						out = append(out, f)
					}
				}
				return out
			}
			check := func(lg ledger.Log, otherName string, want map[string]string) {
				t.Helper()
				fs := b7(lg)
				if len(fs) != len(want) {
					t.Fatalf("%s: %d B7 flags, want %d: %+v", lg.Town, len(fs), len(want), fs)
				}
				for _, f := range fs {
					by, ok := want[f.Subject.Label]
					if !ok {
						t.Errorf("%s: B7 flag for %q: %+v", lg.Town, f.Subject.Label, f)
						continue
					}
					if !strings.Contains(f.Reason, by) || !strings.Contains(f.Reason, otherName) || !strings.Contains(f.Reason, "所属期间") ||
						!strings.Contains(f.Reason, "账本序号") || len(f.Evidence.Entries) != 1 || f.Severity != ledger.SeverityWarn {
						t.Errorf("%s: B7 flag %+v", lg.Town, f)
					}
					for _, pii := range []string{"张三", "王五", "赵六", "吴三", "郑四", "6217", a, c, d, fid, g} {
						if strings.Contains(f.Reason, pii) {
							t.Errorf("%s: the B7 reason shows %q: %s", lg.Town, pii, f.Reason)
						}
					}
				}
			}
			check(home, "东岭镇", map[string]string{"张*": "同一身份证号", "王*": "同一收款账户", "吴*": "相同或重叠", "郑*户": "限领一次"})
			check(other, "镇头镇", map[string]string{"张*": "同一身份证号", "赵*": "同一收款账户", "吴*": "相同或重叠", "郑*户": "限领一次"})

			// Nothing new: an incremental scan, and a second full scan the
			// next day, raise and update nothing.
			if r, _ := sc.RunNow(ctx, "scan"); r.Counts["raised"] != 0 || r.Counts["updated"] != 0 {
				t.Fatalf("incremental scan: %+v", r)
			}
			clock.Advance(24 * time.Hour)
			if r, _ := sc.RunNow(ctx, "scan"); r.Counts["full"] != 1 || r.Counts["raised"] != 0 || r.Counts["updated"] != 0 {
				t.Fatalf("next day's full scan: %+v", r)
			}
			if n := len(b7(home)) + len(b7(other)); n != 8 {
				t.Fatalf("%d B7 flags after three scans, want 8", n)
			}

			// A third town added later in the day: its first scan is a full
			// scan of every town, so that the home town flags its side of
			// the new double payment the same day, not the next.
			third, err := s.L.EnsureLog(ctx, "439901103", "ledger.test/log/439901103")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.RegisterTown(ctx, third, "admin", ledger.Town{Name: "南桥镇", Phones: []string{"0731-83000003"}}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.AddVillage(ctx, third, "admin", ledger.Village{Code: "439901103201", Name: "南桥村", Groups: []string{"一组"}}, nil); err != nil {
				t.Fatal(err)
			}
			imp(third, ledger.ImportInput{Kind: "persons", Persons: []ledger.PersonRow{person(2, "南桥村", b, "李四", "6217000000000000002")}})
			imp(third, ledger.ImportInput{Kind: "funds", Funds: []ledger.FundRow{{Row: 2, DocNo: "F1", Name: "衔接资金", SourceLevel: "中央", Purpose: "就业",
				Amount: lt.Y("500000"), ArrivedOn: lt.D("2026-01-05")}}})
			imp(third, ledger.ImportInput{Kind: "projects", Projects: []ledger.ProjectRow{{Row: 2, Code: "P1", Name: "公益岗位", Category: "就业", Village: "南桥村",
				Targets: "t", Mechanism: "m", Status: ledger.ProjInProgress, ApprovalDocNo: "批1", ApprovedOn: lt.D("2026-03-01")}}})
			imp(third, ledger.ImportInput{Kind: "allocations", Allocations: []ledger.AllocationRow{{Row: 2, DocNo: "F1", ProjectCode: "P1", Amount: lt.Y("100000"), AllocatedOn: lt.D("2026-03-02")}}})
			imp(third, ledger.ImportInput{Kind: "payments", Payments: []ledger.PaymentRow{row(2, b, "GY01", "2026-04", "2026-04-29")}})
			clock.Advance(time.Hour)
			if r, _ := sc.RunNow(ctx, "scan"); r.Outcome != ledger.OutcomeSuccess || r.Counts["full"] != 1 || r.Counts["towns"] != 3 {
				t.Fatalf("the scan after a town was added: %+v", r)
			}
			labels := func(lg ledger.Log) (out []string) {
				for _, f := range b7(lg) {
					out = append(out, f.Subject.Label)
				}
				return out
			}
			if got := labels(third); len(got) != 1 || got[0] != "李*" {
				t.Errorf("the new town's B7 flags: %q", got)
			}
			if got := labels(home); len(got) != 5 || !slices.Contains(got, "李*") {
				t.Errorf("the home town's B7 flags after the new town's first scan: %q, want 李* among 5", got)
			}
		})
	}
}
