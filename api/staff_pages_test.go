package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/sunshine-ledger/sunshine/ledger"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// pageSession is a browser-like client of the staff pages: it keeps the
// session cookie and reads each form's CSRF token.
type pageSession struct {
	e      *townEnv
	cookie *http.Cookie
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

func (p *pageSession) do(method, path string, form url.Values) (int, string, http.Header) {
	p.e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, p.e.ts.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if p.cookie != nil {
		req.AddCookie(p.cookie)
	}
	res, err := noRedirect.Do(req)
	if err != nil {
		p.e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	for _, c := range res.Cookies() {
		if c.Name == "sunshine_session" {
			p.cookie = c
		}
	}
	return res.StatusCode, string(b), res.Header
}

func (p *pageSession) login(username string) {
	p.e.t.Helper()
	st, _, h := p.do("POST", "/staff/login", url.Values{"username": {username}, "password": {envPassword}})
	if st != http.StatusSeeOther || p.cookie == nil || !p.cookie.HttpOnly || p.cookie.SameSite != http.SameSiteStrictMode {
		p.e.t.Fatalf("login %s: %d %v %+v", username, st, h, p.cookie)
	}
}

// TestStaffPagesMonitor: a monitor logs in, sees their village's open
// flags and not another village's (not by URL either), is refused a
// dismissal without a reason with the message on the page, dismisses with a
// reason and the flag leaves the open list; a form without the CSRF token
// is refused; a finance user cannot review.
func TestStaffPagesMonitor(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	ctx := context.Background()
	if _, _, err := e.svc.RecordFindings(ctx, e.lg, "system", []ledger.Finding{{Rule: "C2", SubjectKey: "acct-x|2026-02", Severity: ledger.SeverityWarn,
		Village: village2, Subject: ledger.FlagSubject{Kind: "account", Label: "尾号 0009"}, Reason: "石牛村一个账户收到多户款项",
		Evidence: ledger.Evidence{Entries: []int64{3}}}}); err != nil {
		t.Fatal(err)
	}
	fs, _ := e.svc.Flags(ctx, e.lg, ledger.FlagFilter{Village: village2}, nil)
	theirs := fs[0].ID

	anon := &pageSession{e: e}
	if st, body, _ := anon.do("GET", "/staff/flags", nil); st != http.StatusUnauthorized || !strings.Contains(body, "工作人员登录") {
		t.Fatalf("anonymous: %d", st)
	}
	bad := &pageSession{e: e}
	if st, body, _ := bad.do("POST", "/staff/login", url.Values{"username": {"t_mon"}, "password": {"wrong-password-1"}}); st != 401 || !strings.Contains(body, "密码") {
		t.Fatalf("wrong password: %d %s", st, body)
	}

	mon := &pageSession{e: e}
	mon.login("t_mon")
	st, list, _ := mon.do("GET", "/staff/flags?status=open", nil)
	if st != 200 || !strings.Contains(list, fmt.Sprintf("/staff/flags/%d", e.flag)) || strings.Contains(list, fmt.Sprintf("/staff/flags/%d", theirs)) {
		t.Fatalf("the monitor's list: %d", st)
	}
	if st, _, _ := mon.do("GET", fmt.Sprintf("/staff/flags/%d", theirs), nil); st != http.StatusNotFound {
		t.Fatalf("another village's flag by URL: %d", st)
	}
	st, page, _ := mon.do("GET", fmt.Sprintf("/staff/flags/%d", e.flag), nil)
	m := csrfRe.FindStringSubmatch(page)
	if st != 200 || m == nil || !strings.Contains(page, "同一人同一期间重复领取") {
		t.Fatalf("the flag's page: %d", st)
	}
	review := fmt.Sprintf("/staff/flags/%d/review", e.flag)
	// without the CSRF token: refused, nothing written
	before := e.size()
	if st, body, _ := mon.do("POST", review, url.Values{"action": {"dismiss"}, "note": {"无问题"}}); st != http.StatusForbidden || !strings.Contains(body, "CSRF") {
		t.Fatalf("no CSRF token: %d", st)
	}
	// without a reason: refused, the message on the page
	st, body, _ := mon.do("POST", review, url.Values{"csrf": {m[1]}, "action": {"dismiss"}, "note": {""}})
	if st != http.StatusUnprocessableEntity || !strings.Contains(body, "须说明理由") || e.size() != before {
		t.Fatalf("dismiss without a reason: %d", st)
	}
	// with a reason: done, back to the open list without it
	st, _, h := mon.do("POST", review, url.Values{"csrf": {m[1]}, "action": {"dismiss"}, "note": {"经核实为同一笔款项重复录入，已冲正"}})
	if st != http.StatusSeeOther {
		t.Fatalf("dismiss: %d", st)
	}
	_, list, _ = mon.do("GET", h.Get("Location"), nil)
	if strings.Contains(list, fmt.Sprintf("/staff/flags/%d\"", e.flag)) || !strings.Contains(list, "已排除") {
		t.Fatalf("the flag is still open, or no confirmation shown")
	}
	// finance may read but not review
	fin := &pageSession{e: e}
	fin.login("t_fin1")
	_, fpage, _ := fin.do("GET", fmt.Sprintf("/staff/flags/%d", e.flag), nil)
	fm := csrfRe.FindStringSubmatch(fpage)
	if fm == nil {
		t.Fatal("no form token for finance")
	}
	if st, _, _ := fin.do("POST", review, url.Values{"csrf": {fm[1]}, "action": {"confirm"}, "note": {"x"}}); st != http.StatusForbidden {
		t.Fatalf("finance reviews: %d", st)
	}
	// another session's token does not work
	if st, _, _ := fin.do("POST", "/staff/logout", url.Values{"csrf": {m[1]}}); st != http.StatusForbidden {
		t.Fatalf("logout with another session's token: %d", st)
	}
}

// TestStaffFlagCitesNotices: a flag's page links the published notices that
// list a payment of its evidence, and says so when none does yet; a draft
// is not cited, nor a published notice that does not list it; a loan flag
// links the notice listing the loan its contract number names.
func TestStaffFlagCitesNotices(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	ctx := context.Background()
	p := e.payment("finance", ledger.PaymentRow{ProjectCode: envProject1, PayeeIDNumber: e.ids["tp1"], ItemCode: "JY04", Amount: lt.Y("1000"),
		Period: lt.P("2026"), PaidOn: lt.D("2026-03-20")})
	if p.Status != ledger.StatusAwaitingPublicity {
		t.Fatalf("payment: %s", p.Status)
	}
	if _, _, err := e.svc.RecordFindings(ctx, e.lg, "system", []ledger.Finding{{Rule: "B1", SubjectKey: "cite|1", Severity: ledger.SeverityWarn,
		Village: village1, Subject: ledger.FlagSubject{Kind: "person", ID: e.persons["tp1"].ID, Label: "欧**华"}, Reason: "同一人同一期间重复领取",
		Evidence: ledger.Evidence{Entries: []int64{p.Seq}, Vouchers: []string{p.VoucherNo}}}}); err != nil {
		t.Fatal(err)
	}
	fs, _ := e.svc.Flags(ctx, e.lg, ledger.FlagFilter{Rule: "B1"}, nil)
	var flag int64
	for _, f := range fs {
		if f.SubjectKey == "cite|1" {
			flag = f.ID
		}
	}
	mon := &pageSession{e: e}
	mon.login("t_mon")
	path := fmt.Sprintf("/staff/flags/%d", flag)
	st, page, _ := mon.do("GET", path, nil)
	if st != 200 || !strings.Contains(page, "涉及的记录尚未列入已发布的公告公示") || !strings.Contains(page, p.VoucherNo) {
		t.Fatalf("before any notice: %d", st)
	}
	other := e.noticePublished() // the town's quarterly usage: funds, not this payment
	draft := e.draft(map[string]any{"type": ledger.NoticeRecipients, "village": village1})
	if _, page, _ = mon.do("GET", path, nil); !strings.Contains(page, "尚未列入") {
		t.Fatal("a draft is cited")
	}
	got := e.publish(draft)
	st, page, _ = mon.do("GET", path, nil)
	if st != 200 || !strings.Contains(page, `<a href="/notices/`+got.Code+`">`) || !strings.Contains(page, got.Number) ||
		strings.Contains(page, "尚未列入") || strings.Contains(page, other.Code) {
		t.Fatalf("after publishing %s: %d\n%s", got.Code, st, page)
	}

	// A loan flag citing the loan by its contract (and an entry of its own)
	// links the 小额信贷公示 that lists the loan.
	if _, _, err := e.svc.RecordFindings(ctx, e.lg, "system", []ledger.Finding{{Rule: "G7", SubjectKey: "cite|loan", Severity: ledger.SeverityWarn,
		Village: village1, Subject: ledger.FlagSubject{Kind: "loan", Label: e.loan.ContractNo}, Reason: "贷款已逾期",
		Evidence: ledger.Evidence{Entries: []int64{e.size() - 1}, Loans: []string{e.loan.ContractNo}}}}); err != nil {
		t.Fatal(err)
	}
	fs, _ = e.svc.Flags(ctx, e.lg, ledger.FlagFilter{Rule: "G7"}, nil)
	loans := e.publish(e.draft(map[string]any{"type": ledger.NoticeLoans, "village": village1, "period": "2026-02"}))
	for _, f := range fs {
		if f.SubjectKey != "cite|loan" {
			continue
		}
		st, page, _ = mon.do("GET", fmt.Sprintf("/staff/flags/%d", f.ID), nil)
		if st != 200 || !strings.Contains(page, `<a href="/notices/`+loans.Code+`">`) || strings.Contains(page, got.Code) {
			t.Fatalf("the loan flag: %d\n%s", st, page)
		}
		return
	}
	t.Fatal("no loan flag")
}
