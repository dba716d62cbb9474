package demo_test

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/demo"
	"github.com/sunshine-ledger/sunshine/ledger"
)

// checkPractice (issue 17): the demo town's books are what a 2026
// township's in a county that was never a 贫困县 look like:
//   - funds: no 统筹整合涉农资金; 衔接资金 under the 21305 codes by purpose, sector
//     funds under their sectors' codes, not 2130599 for every fund;
//   - E7 flags only the planted county 产业 专项 money on an infrastructure
//     project (衔接资金 on 基础设施 is its purpose), E3 its one planted case;
//   - 脱贫人口小额信贷 at no more than the one-year LPR on the day granted, due
//     the same day term months on;
//   - 边缘易致贫户 (and 突发严重困难户) were never lifted (一般农户 before),
//     脱贫不稳定户 were lifted before they were enrolled;
//   - every 项目入库公示 is published before its projects start;
//   - a road's budget buys its kilometres (40–80万元 a kilometre);
//   - allocations are whole hundreds of yuan;
//   - 就业扶贫车间补贴 and 医保/养老代缴 are not paid to persons (the demo pays
//     none of them);
//   - every project in 验收 or 完工 has its 验收 date.
//
// TestDemoTown calls it on the loaded demo town with its scan's findings.
func checkPractice(t *testing.T, tw town, d *ledger.ScanData, fs []ledger.Finding) {
	t.Helper()
	ctx := context.Background()

	// 1 and 2: natures and function codes
	codes := map[string]bool{}
	wantCode := map[string]string{"产业": "2130505", "基础设施": "2130504", "就业": "2130599", "住房": "2210105", "兜底保障": "2082001",
		"健康": "2101301", "人居环境": "2110402"}
	for _, f := range d.Funds {
		codes[f.FunctionCode] = true
		if f.Nature == ledger.NatureIntegrated || f.Nature == "专项扶贫资金" {
			t.Errorf("%s %s: 资金性质 %s in a county that was never a 贫困县", f.DocNo, f.Name, f.Nature)
		}
		if strings.Contains(f.Name, "衔接") != strings.Contains(f.Nature, "衔接") {
			t.Errorf("%s %s: 资金性质 %s", f.DocNo, f.Name, f.Nature)
		}
		if strings.Contains(f.Nature, "衔接") && !strings.HasPrefix(f.FunctionCode, "21305") {
			t.Errorf("%s: 衔接资金 under %s, want a 21305 code", f.DocNo, f.FunctionCode)
		}
		if w, ok := wantCode[f.Purpose]; ok && f.FunctionCode != w {
			t.Errorf("%s %s (%s): function code %s, want %s", f.DocNo, f.Name, f.Purpose, f.FunctionCode, w)
		}
		if f.Purpose == "教育" && f.SourceLevel != "社会帮扶" && !strings.HasPrefix(f.FunctionCode, "205") {
			t.Errorf("%s %s: function code %s, want an 教育 (205) code", f.DocNo, f.Name, f.FunctionCode)
		}
		if f.SourceLevel == "社会帮扶" && f.FunctionCode != "" {
			t.Errorf("%s: a donation under budget code %s", f.DocNo, f.FunctionCode)
		}
		if f.Amount%100_00 != 0 {
			t.Errorf("%s: amount %s", f.DocNo, f.Amount.Yuan())
		}
	}
	if len(codes) < 7 {
		t.Errorf("function codes %v: the same for funds of different purposes", codes)
	}
	fired := map[string][]ledger.Finding{}
	for _, f := range fs {
		fired[f.Rule] = append(fired[f.Rule], f)
	}
	for _, rule := range []string{"E3", "E7"} {
		if len(fired[rule]) != 1 {
			t.Errorf("%s: %d findings, want the planted one: %+v", rule, len(fired[rule]), fired[rule])
		}
	}
	if f := fired["E7"]; len(f) == 1 && !strings.Contains(f[0].Reason, "产业") {
		t.Errorf("E7: %s", f[0].Reason)
	}

	// 3: loans
	if len(d.Loans) == 0 {
		t.Fatal("no loans")
	}
	for _, l := range d.Loans {
		lpr := demo.LPR1Y(l.GrantedOn)
		if l.RateBP <= 0 || l.RateBP > lpr {
			t.Errorf("loan %s granted %s at %d bp, above the one-year LPR %d bp", l.ContractNo, l.GrantedOn, l.RateBP, lpr)
		}
		g := l.GrantedOn.Time(time.UTC).AddDate(0, l.TermMonths, 0)
		if want := ledger.DateOf(g, time.UTC); g.Day() == l.GrantedOn.Day && l.DueOn != want {
			t.Errorf("loan %s granted %s for %d months: due %s, want %s", l.ContractNo, l.GrantedOn, l.TermMonths, l.DueOn, want)
		}
	}
	if demo.LPR1Y(ledger.Date{Year: 2026, Month: 3, Day: 1}) != 300 || demo.LPR1Y(ledger.Date{Year: 2025, Month: 3, Day: 10}) != 310 {
		t.Error("the one-year LPR: 3.10 % until 20 May 2025, 3.00 % since")
	}

	// 4: monitored households' origin
	byKind := map[string]int{}
	for _, h := range d.Households {
		if h.Kind != ledger.KindMonitored {
			if h.Kind == ledger.KindLifted && h.ExitedOn.IsZero() {
				t.Errorf("脱贫户 %d with no 脱贫 date", h.ID)
			}
			continue
		}
		byKind[h.MonitoringKind]++
		switch h.MonitoringKind {
		case ledger.MonitorMarginal, ledger.MonitorSuddenHard:
			if !h.ExitedOn.IsZero() {
				t.Errorf("%s %d was lifted out of poverty on %s: one comes from 一般农户", h.MonitoringKind, h.ID, h.ExitedOn)
			}
		case ledger.MonitorUnstable:
			if h.ExitedOn.IsZero() || !h.ExitedOn.Before(h.EnrolledOn) {
				t.Errorf("脱贫不稳定户 %d: lifted %s, enrolled %s", h.ID, h.ExitedOn, h.EnrolledOn)
			}
		}
		if h.EnrolledOn.IsZero() {
			t.Errorf("监测对象 %d with no 纳入 date", h.ID)
		}
	}
	if byKind[ledger.MonitorMarginal] == 0 || byKind[ledger.MonitorUnstable] == 0 {
		t.Errorf("监测对象 by type: %v", byKind)
	}

	// 5: 入库公示 before the start
	library := 0
	for _, n := range d.Notices {
		if n.Type != ledger.NoticeLibrary || n.PublishedOn == "" {
			continue
		}
		n, err := tw.svc.Notice(ctx, tw.lg, n.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range n.Rows {
			if r.Kind != "project" {
				continue
			}
			library++
			pr := d.Projects[r.ID]
			if pr.StartOn.IsZero() || pr.StartOn.String() <= n.PublishedOn[:min(10, len(n.PublishedOn))] {
				t.Errorf("%s %s starts %s, its 入库公示 %s was published %s", pr.Code, pr.Name, pr.StartOn, n.Code, n.PublishedOn)
			}
		}
	}
	if library == 0 {
		t.Error("no project in a published 项目入库公示")
	}

	// 6, 9: tasks for the budget; 验收 dates
	road := regexp.MustCompile(`硬化村组道路 ([0-9.]+) 公里`)
	roads := 0
	for _, pr := range d.Projects {
		if m := road.FindStringSubmatch(pr.Task); m != nil {
			roads++
			km, _ := strconv.ParseFloat(m[1], 64)
			if perKm := float64(pr.Budget) / 100 / km; km <= 0 || perKm < 400_000 || perKm > 800_000 {
				t.Errorf("%s: %s for %s 元 (%.0f 元 a kilometre)", pr.Code, pr.Task, pr.Budget.Yuan(), perKm)
			}
		}
		if (pr.Status == ledger.ProjAccepted || pr.Status == ledger.ProjCompleted) && pr.AcceptedOn.IsZero() {
			t.Errorf("%s in %s with no 验收 date", pr.Code, pr.Status)
		}
	}
	if roads == 0 {
		t.Error("no road project")
	}

	// 7: allocations
	for k, a := range d.Allocated {
		if a%100_00 != 0 {
			t.Errorf("project %d holds %s of fund %d: not whole hundreds of yuan", k[0], a.Yuan(), k[1])
		}
	}

	// 8: items paid to the 车间 or the collecting agency, never to persons
	for i := range d.Payments {
		p := d.Payment(i)
		if (p.Item == "JY01" || p.Item == "JK02" || p.Item == "DB01") && p.Payee.Kind != ledger.PayeeOrg {
			t.Errorf("payment %s: %s paid to a person", p.VoucherNo, p.Item)
		}
	}
}
