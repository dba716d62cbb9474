package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/sunshine-ledger/sunshine/ledger"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
	"github.com/sunshine-ledger/sunshine/pages"
)

// todoCount reads the count of a to-do line of a home page.
func todoCount(t *testing.T, body, label string) string {
	t.Helper()
	m := regexp.MustCompile(regexp.QuoteMeta(label) + `</a> <b class="count">(\d+)</b>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no to-do %q on the home page:\n%s", label, body)
	}
	return m[1]
}

// TestStaffHomes: every role lands on its home after login (the county
// office on its summary) and the home counts what waits for that role,
// each with the link to the list that holds it: finance its drafts and
// payments waiting or sent back, the approver the payments to approve
// oldest first with the days waited, the monitor the open flags of their
// villages by severity and their complaints, the discipline office the
// complaints by deadline, the auditor the last verification, the admin the
// users locked out.
func TestStaffHomes(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	ctx := context.Background()
	// one more pending payment (the fixture has one), one sent back
	p2 := e.payment("finance", ledger.PaymentRow{ProjectCode: envProject1, PayeeIDNumber: e.ids["tp2"], Amount: lt.Y("7000")})
	if _, err := e.svc.DecidePayment(ctx, e.lg, e.users["approver"].ID, p2.ID, false, "凭证不全", nil); err != nil {
		t.Fatal(err)
	}
	e.payment("finance", ledger.PaymentRow{ProjectCode: envProject1, PayeeIDNumber: e.ids["tp2"], Amount: lt.Y("8000")})
	// an item that needs a 补助对象公示: waits for publicity, no notice lists it yet
	if p := e.payment("finance", ledger.PaymentRow{ProjectCode: envProject1, PayeeIDNumber: e.ids["tp1"], ItemCode: "JY04", Amount: lt.Y("1000"),
		Period: lt.P("2026"), PaidOn: lt.D("2026-02-10")}); p.Status != ledger.StatusAwaitingPublicity {
		t.Fatalf("JY04 payment: %s", p.Status)
	}
	// open flags: a high one of 田坪村 beside the fixture's, two of 石牛村
	for i, fd := range []struct{ village, person, severity string }{{village1, "tp2", ledger.SeverityHigh}, {village2, "sn1", ledger.SeverityHigh}, {village2, "sn1", ledger.SeverityWarn}} {
		if _, _, err := e.svc.RecordFindings(ctx, e.lg, "system", []ledger.Finding{{Rule: "B1", SubjectKey: fmt.Sprintf("home|%d", i), Severity: fd.severity,
			Village: fd.village, Subject: ledger.FlagSubject{Kind: "person", ID: e.persons[fd.person].ID, Label: "某**某"}, Reason: "同一人同一期间重复领取",
			Evidence: ledger.Evidence{Entries: []int64{1}}}}); err != nil {
			t.Fatal(err)
		}
	}
	cm, err := e.svc.FileComplaint(ctx, e.lg, ledger.ComplaintInput{Village: village1, Text: "反映公益岗位人员不在岗"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.FileComplaint(ctx, e.lg, ledger.ComplaintInput{Village: village2, Text: "石牛村道路质量问题"}); err != nil {
		t.Fatal(err)
	}
	if r := e.call("POST", "/api/v1/jobs/verify/run", "admin", nil); r.status != http.StatusOK {
		t.Fatalf("verify: %d %s", r.status, r.body)
	}
	// a user locked out by wrong passwords
	for i := range 12 {
		e.send("POST", "/api/v1/auth/login", "", map[string]string{"username": e.usernames["finance2"], "password": fmt.Sprintf("wrong-%d", i)})
	}

	home := func(username string) string {
		t.Helper()
		p := &pageSession{e: e}
		st, _, h := p.do("POST", "/staff/login", url.Values{"username": {username}, "password": {envPassword}})
		if st != http.StatusSeeOther || h.Get("Location") != "/staff/" {
			t.Fatalf("login %s: %d to %q", username, st, h.Get("Location"))
		}
		st, body, _ := p.do("GET", "/staff/", nil)
		mustStatus(t, username+"'s home", st, 200, body)
		mustContain(t, username+"'s home", body, "<h1>工作台</h1>", `href="/staff/">工作台</a>`)
		return body
	}

	body := home("t_fin1")
	for label, want := range map[string]string{"待审批的支付": "2", "被退回的支付": "1", "公示期中的支付": "1", "待答复的投诉与异议": "2",
		"待公示的支付（尚未列入补助对象公示）": "1"} {
		if got := todoCount(t, body, label); got != want {
			t.Fatalf("finance %s: %s, want %s", label, got, want)
		}
	}
	mustContain(t, "finance", body, `href="/staff/payments?status=rejected"`)
	// once a 补助对象公示 lists it, the notice is no longer owed
	e.publish(e.draft(map[string]any{"type": ledger.NoticeRecipients, "village": village1}))
	if got := todoCount(t, home("t_fin1"), "待公示的支付（尚未列入补助对象公示）"); got != "0" {
		t.Fatalf("after the notice: %s payments still owe one", got)
	}

	body = home("t_appr")
	if got := todoCount(t, body, "待审批的支付"); got != "2" {
		t.Fatalf("approver: %s to approve", got)
	}
	mustContain(t, "approver's queue", body, `id="queue"`, e.pending.VoucherNo, "6,000.00", "8,000.00", " 天</td>", envFundDoc)
	if strings.Index(body, "6,000.00") > strings.Index(body, "8,000.00") {
		t.Fatal("the approver's queue is not oldest first")
	}

	body = home("t_mon")
	mustContain(t, "monitor", body, "待处理线索（", "即将超期的线索", cm.Receipt)
	if got := todoCount(t, body, "本村未办结的投诉与异议"); got != "1" {
		t.Fatalf("monitor: %s complaints of their village, want 1 (not 石牛村's)", got)
	}
	// each severity's count is the monitor's own open flags of it (the
	// fixture has some in 田坪村 and in 石牛村, which they do not watch)
	mu := e.users["monitor"]
	mine, err := e.svc.Flags(ctx, e.lg, ledger.FlagFilter{Status: ledger.FlagOpen}, &mu)
	if err != nil {
		t.Fatal(err)
	}
	all, err := e.svc.Flags(ctx, e.lg, ledger.FlagFilter{Status: ledger.FlagOpen}, nil)
	if err != nil || len(mine) != 2 || len(all) != 4 {
		t.Fatalf("fixture: %d open flags of 田坪村 of %d in all (%v)", len(mine), len(all), err)
	}
	want := map[string]int{}
	for _, f := range mine {
		want[f.Severity]++
	}
	for _, sv := range []string{ledger.SeverityHigh, ledger.SeverityWarn, ledger.SeverityInfo} {
		if got := todoCount(t, body, "待处理线索（"+pages.SeverityText(sv)+"）"); got != strconv.Itoa(want[sv]) {
			t.Fatalf("monitor: %s open flags of severity %s, want %d", got, sv, want[sv])
		}
	}

	body = home("t_jw")
	mustContain(t, "discipline", body, `id="deadlines"`, cm.Receipt, "还剩 ")
	if got := todoCount(t, body, "未办结的投诉与异议"); got != "2" {
		t.Fatalf("discipline: %s complaints, want 2", got)
	}

	body = home("t_aud")
	mustContain(t, "auditor", body, "最近一次全账核验", "成功")

	body = home("t_admin")
	if got := todoCount(t, body, "多次输错密码、登录受限的用户"); got != "1" {
		t.Fatalf("admin: %s users locked out, want 1", got)
	}

	// the users page names them and unlocks them
	adm := &pageSession{e: e}
	adm.login("t_admin")
	st, body, _ := adm.do("GET", "/staff/users", nil)
	mustStatus(t, "users", st, 200, body)
	mustContain(t, "users", body, "登录受限", "/staff/users/"+e.users["finance2"].ID+"/unlock")
	st, body, h := adm.do("POST", "/staff/users/"+e.users["finance2"].ID+"/unlock", url.Values{"csrf": {adm.csrf()}})
	mustStatus(t, "unlock", st, http.StatusSeeOther, body)
	_, body, _ = adm.do("GET", h.Get("Location"), nil)
	mustContain(t, "unlocked", body, "已解除用户 t_fin2 的登录限制")
	if strings.Contains(body, "登录受限</span>") {
		t.Fatal("still slowed after the unlock")
	}
	if got := todoCount(t, home("t_admin"), "多次输错密码、登录受限的用户"); got != "0" {
		t.Fatalf("admin after the unlock: %s", got)
	}

	p := &pageSession{e: e}
	st, _, h = p.do("POST", "/staff/login", url.Values{"username": {countyUser}, "password": {envPassword}})
	if st != http.StatusSeeOther || h.Get("Location") != "/staff/county" {
		t.Fatalf("county login: %d to %q", st, h.Get("Location"))
	}
}
