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
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
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

// TestItemAndOrganisationSettings: POST /api/v1/items takes the rules'
// settings (post, age range, grant limit, standards per school level) and
// lists them back; POST /api/v1/organisations links the 法定代表人 and
// 股东 by ID number (never answered back); malformed input is refused
// with a Chinese detail and writes nothing.
func TestItemAndOrganisationSettings(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	item := map[string]any{"code": "YD01", "name": "易地扶贫搬迁补助", "category": "住房", "unit": "household", "standard": "0", "period": "once",
		"yearly_cap": "0", "eligible": []string{"脱贫户"}, "list_notice_required": true, "grant_limit": "household_once"}
	if r := e.call("POST", "/api/v1/items", "admin", item); r.status != 201 {
		t.Fatalf("item: %s", r)
	}
	post := map[string]any{"code": "GY09", "name": "公益岗位工资（河道保洁员）", "category": "就业", "unit": "person", "standard": "500.00",
		"period": "month", "yearly_cap": "6000.00", "eligible": []string{"脱贫户"}, "post": true, "min_age": 16, "max_age": 60,
		"levels": []map[string]any{{"name": "全日制", "min_age": 16, "max_age": 60, "standard": "500.00"}}}
	r := e.call("POST", "/api/v1/items", "admin", post)
	var it api.ItemDTO
	e.decode(r, &it)
	if r.status != 201 || !it.Post || it.MinAge != 16 || it.MaxAge != 60 || len(it.Levels) != 1 || it.Levels[0].Standard != "500.00" {
		t.Fatalf("post item: %s", r)
	}
	before := e.size()
	item["grant_limit"] = "twice"
	p := wantProblem(t, "a bad grant limit", e.call("POST", "/api/v1/items", "admin", item), 422, ledger.CodeValidationFailed)
	post["min_age"], post["max_age"] = 60, 16
	q := wantProblem(t, "an upside-down age range", e.call("POST", "/api/v1/items", "admin", post), 422, ledger.CodeValidationFailed)
	if !strings.Contains(p.Detail, "发放次数") || !strings.Contains(q.Detail, "年龄") || e.size() != before {
		t.Fatalf("refusals: %+v %+v, size %d → %d", p, q, before, e.size())
	}

	org := map[string]any{"name": "浏阳市某某农业开发有限公司", "uscc": lt.USCC(4321), "legal_rep_id_number": e.ids["tp1"]}
	org["shareholder_id_numbers"] = []string{"439901199001011234"} // a bad check digit
	wantProblem(t, "a bad shareholder ID number", e.call("POST", "/api/v1/organisations", "finance", org), 422, ledger.CodeInvalidIDNumber)
	if e.size() != before {
		t.Fatalf("the refused organisation wrote %d entries", e.size()-before)
	}
	delete(org, "shareholder_id_numbers")
	r = e.call("POST", "/api/v1/organisations", "finance", org)
	if r.status != 201 || strings.Contains(string(r.body), e.ids["tp1"]) {
		t.Fatalf("organisation: %s", r)
	}
	var o api.OrganisationDTO
	e.decode(r, &o)
	d, err := e.svc.ScanData(context.Background(), e.lg)
	if err != nil || d.Orgs[o.ID].LegalRepPerson == 0 {
		t.Fatalf("the legal representative is not linked: %+v %v", d.Orgs[o.ID], err)
	}
	n := e.size()
	if r := e.call("POST", "/api/v1/organisations", "finance", org); r.status != 201 || e.size() != n {
		t.Fatalf("the same people again: %s, %d entries", r, e.size()-n)
	}
}
