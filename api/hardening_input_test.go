package api_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/sunshine-ledger/sunshine/api"
	"github.com/sunshine-ledger/sunshine/ledger"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// TestLookalikeAndInvisibleInput: a person registered as "⾦⼤⼭" (Kangxi
// radicals) is stored as "金大山" (NFKC), and her self-query works typed
// either way (before the fix the lookalike broke it); a bidi override or a
// zero-width character in a name, title or free text — JSON body, staff
// form or public complaint — is refused with a Chinese detail and writes
// nothing.
func TestLookalikeAndInvisibleInput(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	id := lt.ID(4321, 1968)
	r := e.call("POST", "/api/v1/persons", "finance", map[string]any{"village": village1, "group": "二组", "name": "⾦⼤⼭", "id_number": id,
		"relation": "户主", "household_kind": "一般农户"})
	if r.status != 201 {
		t.Fatalf("register: %v", r)
	}
	e.payment("finance", ledger.PaymentRow{ProjectCode: envProject1, PayeeIDNumber: id, Amount: lt.Y("88.00"), PaidOn: lt.D("2026-02-03")})
	for _, typed := range []string{"金大山", "⾦⼤⼭"} {
		r := e.call("POST", "/api/public/query", "none", map[string]any{"village": village1, "name": typed, "id_number": id})
		if r.status != 200 || !strings.Contains(string(r.body), "88.00") {
			t.Errorf("self-query typed %q: %v", typed, r)
		}
	}
	n0 := e.size()
	for _, c := range []struct {
		what, method, path, caller string
		body                       any
	}{
		{"a project name with a right-to-left override", "POST", "/api/v1/projects", "finance", map[string]any{"project_code": "ZT-BIDI-1",
			"name": "道路\u202e硬化", "category": "基础设施", "nature": "新建", "budget": "100.00",
			"budget_by_source": []map[string]string{{"source_level": "中央", "amount": "100.00"}}}},
		{"a person's name with a zero-width space", "POST", "/api/v1/persons", "finance", map[string]any{"village": village1, "group": "二组",
			"name": "周\u200b小兵", "id_number": lt.ID(4322, 1970), "relation": "户主", "household_kind": "一般农户"}},
		{"a complaint with a bidi isolate", "POST", "/api/public/complaints", "none", map[string]any{"village": village1, "text": "路灯\u2067不亮\u2069"}},
		{"a reversal reason with a BOM", "POST", "/api/v1/entries/3/reversal", "finance", map[string]any{"reason": "\ufeff录入错误"}},
	} {
		wantProblem(t, c.what, e.call(c.method, c.path, c.caller, c.body), 422, ledger.CodeValidationFailed)
	}
	// a staff form: a fund name with an override
	fin := &pageSession{e: e}
	fin.login("t_fin1")
	_, _, _ = fin.do("GET", "/staff/record", nil)
	form := url.Values{"doc_no": {"浏财农〔2026〕99号"}, "name": {"县级\u202e配套资金"},
		"source_level": {"浏阳市"}, "fund_nature": {"专项扶贫资金"}, "purpose": {"产业"}, "year": {"2026"}, "amount": {"1000.00"}, "arrived_on": {"2026-03-01"}}
	form.Set("csrf", api.CSRFToken(fin.cookie.Value))
	_, page, _ := fin.do("POST", "/staff/record/fund", form)
	if !strings.Contains(page, "不可见的格式字符") {
		t.Errorf("the fund form with an override: %.300s", page)
	}
	if e.size() != n0 {
		t.Fatalf("refused input wrote %d entries", e.size()-n0)
	}
}
