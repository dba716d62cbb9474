package demo_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/sunshine-ledger/sunshine/demo"
	"github.com/sunshine-ledger/sunshine/ledger"
)

var blank = regexp.MustCompile(`\s+`)

// pdfText is pdftotext's text of a PDF, whitespace removed.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext is missing")
		}
		t.Skip("pdftotext not installed")
	}
	cmd := exec.Command("pdftotext", "-enc", "UTF-8", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	return blank.ReplaceAllString(string(out), "")
}

// TestDemoStageNotices (issue 16): the demo town publishes every project
// stage's notice: each village project in 实施, 验收 or 完工 has its 项目实施前公示,
// 项目验收公示 or 竣工公告 (drafted by the notices job's stage step and
// published by itself as the town's settings say), the year has its
// 年度项目计划公告, each completed project has its assets on the register; the
// PDFs hold the fields the rules require, and village notices print the
// county office and the village's 村务监督委员会 as well as 12317.
func TestDemoStageNotices(t *testing.T) {
	tw := load(t, demo.Options{Seed: 7, PoorHouseholds: 180, OtherHouseholds: 30})
	ctx := context.Background()
	ns, err := tw.svc.Notices(ctx, tw.lg, "", "", "")
	if err != nil {
		t.Fatal(err)
	}
	published := map[[2]string]ledger.Notice{} // type, project
	plans := 0
	for _, n := range ns {
		if n.Status == ledger.NoticeDraft || n.Status == ledger.NoticeWithdrawn {
			continue
		}
		published[[2]string{n.Type, n.Project}] = n
		if n.Type == ledger.NoticePlan {
			plans++
		}
	}
	if plans == 0 {
		t.Error("no 年度项目计划公告")
	}
	ps, err := tw.svc.Projects(ctx, tw.lg, "", "")
	if err != nil {
		t.Fatal(err)
	}
	stage := map[string]string{ledger.ProjInProgress: ledger.NoticePreStart, ledger.ProjAccepted: ledger.NoticeAcceptance, ledger.ProjCompleted: ledger.NoticeCompletion}
	byState := map[string]int{}
	want := map[string][]string{
		ledger.NoticePreStart:   {"施工单位", "监理单位", "合同金额", "开工日期", "完工日期", "项目责任人", "实施单位"},
		ledger.NoticeAcceptance: {"验收日期", "验收结论", "验收组", "2026年11月24日"},
		ledger.NoticeCompletion: {"验收日期", "验收结论", "验收组", "决算金额", "形成资产及管护主体", "管护", "村民委员会"},
	}
	checked := map[string]bool{}
	for _, p := range ps {
		typ, ok := stage[p.Status]
		if !ok || p.Village == "" {
			continue
		}
		byState[p.Status]++
		n, ok := published[[2]string{typ, p.Code}]
		if !ok {
			t.Errorf("%s (%s) has no published %s", p.Code, p.Status, typ)
			continue
		}
		if p.Status == ledger.ProjCompleted && len(p.Assets) == 0 {
			t.Errorf("%s is 完工 with no asset on its register", p.Code)
		}
		if checked[typ] {
			continue
		}
		checked[typ] = true
		pdf, err := tw.svc.NoticeBlob(ctx, tw.lg, n.PDFSHA256)
		if err != nil {
			t.Fatal(err)
		}
		text := pdfText(t, pdf)
		words := append(want[typ], p.Name, p.Code, demo.CountyOffice, demo.CountyPhone, "务监督委员会", "12317") // 村务 or, in a 社区, 居务
		if typ == ledger.NoticePreStart && p.Contract != nil {
			words = append(words, p.Contract.Contractor, p.Contract.Amount.Yuan())
		}
		for _, w := range words {
			if !strings.Contains(text, blank.ReplaceAllString(w, "")) {
				t.Errorf("%s of %s: pdftotext lacks %q", typ, p.Code, w)
			}
		}
	}
	t.Logf("village projects by state: %v", byState)
	if byState[ledger.ProjInProgress] == 0 || byState[ledger.ProjAccepted] == 0 || byState[ledger.ProjCompleted] == 0 {
		t.Errorf("the demo's village projects by state: %v", byState)
	}
}
