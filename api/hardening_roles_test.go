package api_test

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/sunshine-ledger/sunshine/api"
	"github.com/sunshine-ledger/sunshine/ledger"
)

// postSheet posts a sheet to the staff import page (the dry run) in a page
// session.
func (p *pageSession) postSheet(kind, filename string, data []byte) (int, string) {
	p.e.t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	w.WriteField("csrf", api.CSRFToken(p.cookie.Value))
	w.WriteField("kind", kind)
	fw, _ := w.CreateFormFile("file", filename)
	fw.Write(data)
	w.Close()
	req, _ := http.NewRequest("POST", p.e.ts.URL+"/staff/imports", &b)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.AddCookie(p.cookie)
	res, err := noRedirect.Do(req)
	if err != nil {
		p.e.t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(out)
}

// TestAdminCannotRecordPayments (issue 18, separation of duties): an
// admin is refused a payments sheet through the API (dry run and for
// real) and the staff import page, and the record page's payment form,
// with nothing written; the same sheet and form from finance pass (the
// refusal is the role's, not the input's).
func TestAdminCannotRecordPayments(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	var sheet bytes.Buffer
	sheet.WriteString("凭证号,项目编号,指标文号,补贴项目代码,付款类型,收款人身份证号,收款单位,统一社会信用代码,收款账号,账户户名身份证号,数量,金额(元),所属期间,支付日期,发票号,合同号,贷款合同号\n")
	fmt.Fprintf(&sheet, "AD-1,%s,%s,,补助,%s,,,%s,,,500.00,,2026-03-01,,,\n", envProject1, envFundDoc, e.ids["tp1"], e.accounts["tp1"])
	form := func(p *pageSession, voucher string) url.Values {
		return url.Values{"csrf": {api.CSRFToken(p.cookie.Value)}, "voucher_no": {voucher}, "project_code": {envProject1}, "doc_no": {envFundDoc},
			"payment_kind": {"补助"}, "payee_id_number": {e.ids["tp1"]}, "account_no": {e.accounts["tp1"]}, "amount": {"10.00"}, "paid_on": {"2026-03-01"}}
	}
	n0 := e.size()
	wantProblem(t, "an admin's payments sheet", e.upload("/api/v1/imports/payments", "admin", "发放明细.csv", sheet.Bytes(), ""), 403, ledger.CodeForbidden)
	wantProblem(t, "an admin's payments sheet, dry run", e.upload("/api/v1/imports/payments?dry_run=true", "admin", "发放明细.csv", sheet.Bytes(), ""), 403, ledger.CodeForbidden)
	adm := &pageSession{e: e}
	adm.login("t_admin")
	if st, page := adm.postSheet("payments", "发放明细.csv", sheet.Bytes()); st != 403 || !strings.Contains(page, "管理员不能录入") {
		t.Errorf("the import page, an admin's payments sheet: %d", st)
	}
	if st, page, _ := adm.do("POST", "/staff/record/payment", form(adm, "记-AD-2")); st != 403 || !strings.Contains(page, "管理员不能录入") {
		t.Errorf("the record page, an admin's payment: %d", st)
	}
	if e.size() != n0 {
		t.Fatalf("an admin's refused payments wrote %d entries", e.size()-n0)
	}
	// The same from finance.
	fin := &pageSession{e: e}
	fin.login("t_fin1")
	if st, _ := fin.postSheet("payments", "发放明细.csv", sheet.Bytes()); st != 200 {
		t.Errorf("the import page, finance's payments sheet: %d", st)
	}
	if st, _, _ := fin.do("POST", "/staff/record/payment", form(fin, "记-AD-3")); st != http.StatusSeeOther {
		t.Errorf("the record page, finance's payment: %d", st)
	}
	if r := e.upload("/api/v1/imports/payments", "finance", "发放明细.csv", sheet.Bytes(), ""); r.status != 201 {
		t.Errorf("finance's payments sheet: %v", r)
	}
}

// TestComplaintContactsHidden (issue 18): a complainant's contact is shown
// to the discipline office only: finance and admins (who answer
// complaints, often about themselves) see neither it (nor a false
// 匿名) on the staff complaint list and page, nor in the answer to their reply or resolution
// through the API, nor on the page after replying there. The discipline
// office sees it everywhere (the check is not vacuous).
func TestComplaintContactsHidden(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	const contact = "13912345678"
	file := func(text string) int64 {
		r := e.call("POST", "/api/public/complaints", "none", map[string]any{"village": village1, "text": text, "contact": contact})
		if r.status != http.StatusCreated {
			t.Fatalf("complaint: %s", r)
		}
		var page struct {
			Items []struct {
				ID   int64  `json:"id"`
				Text string `json:"text"`
			} `json:"items"`
		}
		lr := e.call("GET", "/api/v1/complaints?limit=200", "discipline", nil)
		e.decode(lr, &page)
		list := page.Items
		for _, c := range list {
			if c.Text == text {
				return c.ID
			}
		}
		t.Fatalf("complaint %q not listed: %s", text, lr.body)
		return 0
	}
	for _, who := range []struct {
		caller, username string
		sees             bool
	}{{"finance", "t_fin1", false}, {"admin", "t_admin", false}, {"discipline", "t_jw", true}} {
		id := file("路灯不亮（" + who.caller + "）")
		ps := &pageSession{e: e}
		ps.login(who.username)
		check := func(what, body string) {
			t.Helper()
			if strings.Contains(body, contact) != who.sees {
				t.Errorf("%s, %s: shows the contact %v, want %v", who.caller, what, !who.sees, who.sees)
			}
		}
		// the list shows no contact to anyone
		if _, list, _ := ps.do("GET", "/staff/complaints", nil); strings.Contains(list, contact) {
			t.Errorf("%s, the complaints page shows the contact", who.caller)
		}
		_, one, _ := ps.do("GET", fmt.Sprintf("/staff/complaints/%d", id), nil)
		check("the complaint page", one)
		if !who.sees && strings.Contains(one, "匿名") {
			t.Errorf("%s, the complaint page calls a complainant with a contact 匿名", who.caller)
		}
		r := e.call("POST", fmt.Sprintf("/api/v1/complaints/%d/reply", id), who.caller, map[string]any{"text": "已转交村委会处理"})
		if r.status != 200 && r.status != 201 {
			t.Fatalf("%s reply: %v", who.caller, r)
		}
		check("the reply's answer", string(r.body))
		r = e.call("POST", fmt.Sprintf("/api/v1/complaints/%d/resolve", id), who.caller, map[string]any{"outcome": ledger.OutcomeUpheld, "note": "已修复"})
		if r.status != 200 && r.status != 201 {
			t.Fatalf("%s resolve: %v", who.caller, r)
		}
		check("the resolution's answer", string(r.body))
		id2 := file("路灯又不亮（" + who.caller + "）")
		st, _, h := ps.do("POST", fmt.Sprintf("/staff/complaints/%d/reply", id2), url.Values{"csrf": {api.CSRFToken(ps.cookie.Value)}, "text": {"已派人查看"}})
		if st != http.StatusSeeOther {
			t.Fatalf("%s page reply: %d", who.caller, st)
		}
		_, after, _ := ps.do("GET", h.Get("Location"), nil)
		check("the page after a reply", after)
	}
}
