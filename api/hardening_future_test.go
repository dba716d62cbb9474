package api_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/sunshine-ledger/sunshine/api"
	"github.com/sunshine-ledger/sunshine/ledger"
)

// TestFuturePaymentRefused: a payment dated after today (the ledger's
// clock: 2026-03-01) beyond one day is refused through the API and the
// record page and writes nothing; tomorrow is accepted.
func TestFuturePaymentRefused(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	body := func(voucher, on string) map[string]any {
		return map[string]any{"voucher_no": voucher, "project_code": envProject1, "doc_no": envFundDoc, "payment_kind": "补助",
			"payee_id_number": e.ids["tp1"], "account_no": e.accounts["tp1"], "amount": "10.00", "paid_on": on}
	}
	n0 := e.size()
	p := wantProblem(t, "a payment dated in four days", e.call("POST", "/api/v1/payments", "finance", body("记-F-1", "2026-03-05")), 422, ledger.CodeValidationFailed)
	if len(p.Errors) != 1 || p.Errors[0].Field != "paid_on" || !strings.Contains(p.Detail, "未来") {
		t.Errorf("the refusal: %+v", p)
	}
	fin := &pageSession{e: e}
	fin.login("t_fin1")
	form := url.Values{"voucher_no": {"记-F-2"}, "project_code": {envProject1}, "doc_no": {envFundDoc}, "payment_kind": {"补助"},
		"payee_id_number": {e.ids["tp1"]}, "account_no": {e.accounts["tp1"]}, "amount": {"10.00"}, "paid_on": {"2026-04-01"}}
	form.Set("csrf", api.CSRFToken(fin.cookie.Value))
	st, page, _ := fin.do("POST", "/staff/record/payment", form)
	if st != 422 || !strings.Contains(page, "不能录入未来的支付") {
		t.Errorf("the record page with a future date: %d", st)
	}
	if e.size() != n0 {
		t.Fatal("a future payment was written")
	}
	if r := e.call("POST", "/api/v1/payments", "finance", body("记-F-3", "2026-03-02")); r.status != 201 {
		t.Fatalf("a payment dated tomorrow: %v", r)
	}
}
