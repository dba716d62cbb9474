package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sunshine-ledger/sunshine/api"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/anomaly"
)

// TestDisciplineNotOfferedEscalate: the discipline office, to whom flags
// are escalated, is not offered 移交纪委 on a flag's page, and the API
// refuses it (a Chinese detail, code forbidden, nothing written); a
// monitor is still offered it.
func TestDisciplineNotOfferedEscalate(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	ctx := context.Background()
	if _, _, err := e.svc.RecordFindings(ctx, e.lg, "system", []ledger.Finding{{Rule: "C2", SubjectKey: "acct-9|2026-03", Severity: ledger.SeverityWarn,
		Village: village1, Subject: ledger.FlagSubject{Kind: "account", Label: "账户 ****0001"}, Reason: "同一账户同一期间收到多户款项",
		Evidence: ledger.Evidence{Entries: []int64{3}}}}); err != nil {
		t.Fatal(err)
	}
	fs, err := e.svc.Flags(ctx, e.lg, ledger.FlagFilter{Rule: "C2"}, nil)
	if err != nil || len(fs) == 0 {
		t.Fatalf("flags: %v %v", fs, err)
	}
	id := fs[0].ID
	page := func(caller string) string {
		r := e.raw("GET", fmt.Sprintf("/staff/flags/%d", id), caller, nil)
		if r.status != 200 {
			t.Fatalf("%s: the flag's page: %s", caller, r)
		}
		return string(r.body)
	}
	if p := page("monitor"); !strings.Contains(p, `value="escalate"`) {
		t.Error("the monitor is not offered 移交纪委")
	}
	if p := page("discipline"); strings.Contains(p, `value="escalate"`) || !strings.Contains(p, `value="dismiss"`) {
		t.Error("the discipline office is offered 移交纪委 (or not offered the others)")
	}
	before := e.size()
	p := wantProblem(t, "the discipline office escalates", e.call("POST", fmt.Sprintf("/api/v1/flags/%d/review", id), "discipline",
		map[string]any{"action": "escalate", "note": "移交"}), 403, ledger.CodeForbidden)
	if !strings.Contains(p.Detail, "纪委") || e.size() != before {
		t.Fatalf("refusal: %+v, size %d → %d", p, before, e.size())
	}
}

// TestRulesListTheTownsThreshold: GET /api/v1/rules lists the 比选/招标
// threshold the town set (SUNSHINE_TENDER_THRESHOLD, passed as
// Config.Rules) and issue 17's thresholds, and the catalogue's new rules.
func TestRulesListTheTownsThreshold(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	cfg := anomaly.DefaultConfig
	cfg.TenderThreshold = 50000_00
	srv, err := api.New(api.Config{Town: envTown, PublicURL: "http://ledger.test", Rules: &cfg},
		api.Deps{Ledger: e.svc.L, Service: e.svc, Auth: e.auth, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	req, _ := http.NewRequest("GET", ts.URL+"/api/v1/rules", nil)
	req.Header.Set("Authorization", "Bearer "+e.tokens["monitor"])
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Items      []struct{ Code, Name string }
		Thresholds map[string]any
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != 200 {
		t.Fatalf("rules: %d %v", res.StatusCode, err)
	}
	if out.Thresholds["tender_threshold"] != "50000.00" || out.Thresholds["cadre_account_households"] != float64(3) {
		t.Errorf("thresholds: %v", out.Thresholds)
	}
	codes := map[string]bool{}
	for _, r := range out.Items {
		codes[r.Code] = true
	}
	for _, c := range []string{"A8", "A9", "B6", "C6", "F3", "G9", "H6", "H7"} {
		if !codes[c] {
			t.Errorf("rule %s not listed", c)
		}
	}
}
