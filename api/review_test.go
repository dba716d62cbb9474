package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/sunshine-ledger/sunshine/api"
	"github.com/sunshine-ledger/sunshine/ledger"
)

// TestFlagReview: a monitor of 田坪村 neither sees nor reviews a flag of
// 石牛村; dismissing without a reason is refused with a Chinese detail and
// changes nothing; with a reason the flag leaves the open list and its
// history shows every step; an escalated flag goes to the discipline
// office, which the monitor can no longer act on.
func TestFlagReview(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	ctx := context.Background()
	raise := func(village, key string) int64 {
		if _, _, err := e.svc.RecordFindings(ctx, e.lg, "system", []ledger.Finding{{Rule: "C2", SubjectKey: key, Severity: ledger.SeverityWarn,
			Village: village, Subject: ledger.FlagSubject{Kind: "account", Label: "尾号 0001"}, Reason: "一个账户同一期间收到多户款项",
			Evidence: ledger.Evidence{Entries: []int64{3}}}}); err != nil {
			t.Fatal(err)
		}
		fs, err := e.svc.Flags(ctx, e.lg, ledger.FlagFilter{Rule: "C2"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			if f.SubjectKey == key {
				return f.ID
			}
		}
		t.Fatal("flag not raised")
		return 0
	}
	theirs := raise(village2, "acct-2|2026-02")
	ours := raise(village1, "acct-1|2026-02")

	// another village's flag: invisible and untouchable for the 田坪村 monitor
	wantProblem(t, "other village's flag", e.call("GET", fmt.Sprintf("/api/v1/flags/%d", theirs), "monitor", nil), 404, ledger.CodeNotFound)
	wantProblem(t, "review another village's flag", e.call("POST", fmt.Sprintf("/api/v1/flags/%d/review", theirs), "monitor",
		map[string]any{"action": "dismiss", "note": "不是我村的"}), 404, ledger.CodeNotFound)
	var list struct{ Items []api.FlagDTO }
	e.decode(e.call("GET", "/api/v1/flags?status=open", "monitor", nil), &list)
	for _, f := range list.Items {
		if f.ID == theirs {
			t.Fatal("the monitor's list shows another village's flag")
		}
	}
	wantProblem(t, "filter another village", e.call("GET", "/api/v1/flags?village="+village2, "monitor", nil), 403, ledger.CodeForbidden)

	// dismissing without a reason is refused and changes nothing
	before := e.size()
	p := wantProblem(t, "dismiss without a reason", e.call("POST", fmt.Sprintf("/api/v1/flags/%d/review", ours), "monitor",
		map[string]any{"action": "dismiss", "note": "  "}), 422, ledger.CodeValidationFailed)
	if !strings.Contains(p.Detail, "理由") || e.size() != before {
		t.Fatalf("refusal: %+v, size %d → %d", p, before, e.size())
	}
	// acknowledged, then dismissed with a reason
	for _, step := range []map[string]any{{"action": "acknowledge", "note": ""}, {"action": "dismiss", "note": "经核实为夫妻共用一卡通，已分户登记"}} {
		if r := e.call("POST", fmt.Sprintf("/api/v1/flags/%d/review", ours), "monitor", step); r.status != http.StatusCreated {
			t.Fatalf("review %v: %s", step, r)
		}
	}
	e.decode(e.call("GET", "/api/v1/flags?status=open", "monitor", nil), &list)
	for _, f := range list.Items {
		if f.ID == ours {
			t.Fatal("a dismissed flag is still in the open list")
		}
	}
	var one api.FlagDTO
	e.decode(e.call("GET", fmt.Sprintf("/api/v1/flags/%d", ours), "monitor", nil), &one)
	if one.Status != ledger.FlagDismissed || len(one.History) != 3 || one.History[2].Note == "" {
		t.Fatalf("history: %+v", one)
	}
	// escalation: the flag goes to the discipline office; the monitor can no longer act
	again := raise(village1, "acct-3|2026-02")
	if r := e.call("POST", fmt.Sprintf("/api/v1/flags/%d/review", again), "monitor", map[string]any{"action": "escalate", "note": "涉及村干部，请镇纪委核查"}); r.status != 201 {
		t.Fatalf("escalate: %s", r)
	}
	wantProblem(t, "act on an escalated flag", e.call("POST", fmt.Sprintf("/api/v1/flags/%d/review", again), "monitor",
		map[string]any{"action": "confirm", "note": "属实"}), 403, ledger.CodeForbidden)
	if r := e.call("POST", fmt.Sprintf("/api/v1/flags/%d/review", again), "discipline", map[string]any{"action": "confirm", "note": "经查属实，已移送处理"}); r.status != 201 {
		t.Fatalf("discipline confirms: %s", r)
	}
}
