package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/sunshine-ledger/sunshine/ledger"
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
