package api_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/crypto/bcrypt"

	"github.com/sunshine-ledger/sunshine/api"
	"github.com/sunshine-ledger/sunshine/disclosure"
	"github.com/sunshine-ledger/sunshine/importer"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// fundsXLSX is a 资金 sheet as finance staff make it in Excel.
func fundsXLSX(t testing.TB, rows [][]string) []byte {
	t.Helper()
	b, err := importer.Workbook("funds", rows)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// csrf is the session's form token (what every form of its pages carries).
func (p *pageSession) csrf() string { return api.CSRFToken(p.cookie.Value) }

// upload posts the import form (multipart) with the session cookie.
func (p *pageSession) upload(path string, fields map[string]string, filename string, data []byte) (int, string, http.Header) {
	p.e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", filename)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", p.e.ts.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.AddCookie(p.cookie)
	res, err := noRedirect.Do(req)
	if err != nil {
		p.e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header
}

// task follows a task page until it is done and returns its text.
func (p *pageSession) task(location string) string {
	p.e.t.Helper()
	if !strings.HasPrefix(location, "/staff/tasks/") {
		p.e.t.Fatalf("not a task page: %q", location)
	}
	for range 300 {
		st, body, _ := p.do("GET", location, nil)
		if st != 200 {
			p.e.t.Fatalf("task page: %d %s", st, body)
		}
		if !strings.Contains(body, `http-equiv="refresh"`) {
			return body
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.e.t.Fatalf("task %s did not end", location)
	return ""
}

func mustStatus(t *testing.T, what string, st, want int, body string) {
	t.Helper()
	if st != want {
		if len(body) > 3000 {
			body = body[:3000]
		}
		t.Fatalf("%s: status %d, want %d: %s", what, st, want, body)
	}
}

func mustContain(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			if len(body) > 4000 {
				body = body[:4000]
			}
			t.Fatalf("%s: no %q in %s", what, w, body)
		}
	}
}

// TestStaffPagesWork walks each role's main path through the pages, on
// SQLite and MariaDB: finance imports a sheet (a bad row refused with its
// row shown and nothing written; fixed; checked; committed as a task),
// records a payment (a refused form writes nothing), reverses an entry,
// drafts, previews and publishes a notice; the approver approves; the
// discipline office answers and resolves an objection; the admin moves a
// monitor to another village, disables an account and runs a job; the
// auditor verifies the ledger. Forms without the CSRF token change
// nothing.
func TestStaffPagesWork(t *testing.T) {
	for _, dialect := range []string{"sqlite", "mysql"} {
		t.Run(dialect, func(t *testing.T) {
			e := newTownEnv(t, dialect)
			ctx := context.Background()
			fin := &pageSession{e: e}
			fin.login("t_fin1")

			// ---- import: a bad row, then the fixed sheet ----
			funds := func() int {
				fs, err := e.svc.Funds(ctx, e.lg)
				if err != nil {
					t.Fatal(err)
				}
				return len(fs)
			}
			before, size0 := funds(), e.size()
			st, body, _ := fin.do("GET", "/staff/imports", nil)
			mustStatus(t, "import page", st, 200, body)
			bad := fundsXLSX(t, [][]string{
				{"浏财农〔2026〕901号", "县级衔接资金", "县级", "衔接资金", "2130599", "产业", "2026", "50000.00", "2026-04-01"},
				{"浏财农〔2026〕902号", "县级衔接资金", "县级", "衔接资金", "2130599", "产业", "2026", "五万元", "2026-04-01"},
			})
			st, body, _ = fin.upload("/staff/imports", map[string]string{"csrf": fin.csrf(), "kind": "funds"}, "资金到账.xlsx", bad)
			mustStatus(t, "a sheet with a bad row", st, 422, body)
			mustContain(t, "a sheet with a bad row", body, "未写入任何记录", "<td>3</td><td>金额(元)</td>", `id="errors"`)
			if strings.Contains(body, `id="commit"`) {
				t.Fatal("a sheet with a bad row offers the commit")
			}
			if funds() != before || e.size() != size0 {
				t.Fatal("a refused sheet wrote something")
			}
			good := fundsXLSX(t, [][]string{
				{"浏财农〔2026〕901号", "县级衔接资金", "县级", "衔接资金", "2130599", "产业", "2026", "50000.00", "2026-04-01"},
				{"浏财农〔2026〕902号", "县级衔接资金", "县级", "衔接资金", "2130599", "产业", "2026", "50000.00", "2026-04-01"},
			})
			st, body, _ = fin.upload("/staff/imports", map[string]string{"csrf": fin.csrf(), "kind": "funds"}, "资金到账.xlsx", good)
			mustStatus(t, "the fixed sheet", st, 200, body)
			mustContain(t, "the fixed sheet", body, "检查通过", `id="commit"`)
			if funds() != before {
				t.Fatal("the dry run wrote funds")
			}
			token := regexp.MustCompile(`name="token" value="([0-9a-f]+)"`).FindStringSubmatch(body)
			if token == nil {
				t.Fatal("no commit token")
			}
			st, body, _ = fin.do("POST", "/staff/imports/commit", url.Values{"token": {token[1]}})
			mustStatus(t, "commit without csrf", st, 403, body)
			st, body, h := fin.do("POST", "/staff/imports/commit", url.Values{"csrf": {fin.csrf()}, "token": {token[1]}})
			mustStatus(t, "commit", st, 303, body)
			mustContain(t, "the import task", fin.task(h.Get("Location")), "已完成", "已导入 2 行")
			if funds() != before+2 {
				t.Fatalf("funds after the import: %d, want %d", funds(), before+2)
			}
			st, body, _ = fin.do("POST", "/staff/imports/commit", url.Values{"csrf": {fin.csrf()}, "token": {token[1]}})
			mustStatus(t, "a second commit of the same check", st, 404, body)

			// ---- a payment by form: refused, then recorded; waits for approval ----
			size1 := e.size()
			form := url.Values{"csrf": {fin.csrf()}, "voucher_no": {"记-页面-1"}, "project_code": {envProject1}, "doc_no": {envFundDoc},
				"payment_kind": {"补助"}, "payee_id_number": {e.ids["tp2"]}, "amount": {"一千"}, "paid_on": {"2026-03-01"}}
			st, body, _ = fin.do("POST", "/staff/record/payment", form)
			mustStatus(t, "a payment with a bad amount", st, 422, body)
			mustContain(t, "a payment with a bad amount", body, "金额须为金额", `value="记-页面-1"`)
			if e.size() != size1 {
				t.Fatal("a refused form wrote something")
			}
			form.Set("amount", "6000.00")
			noCSRF := url.Values{}
			for k, v := range form {
				noCSRF[k] = v
			}
			noCSRF.Del("csrf")
			st, body, _ = fin.do("POST", "/staff/record/payment", noCSRF)
			mustStatus(t, "a form without its token", st, 403, body)
			if e.size() != size1 {
				t.Fatal("a form without its CSRF token wrote something")
			}
			st, body, h = fin.do("POST", "/staff/record/payment", form)
			mustStatus(t, "a payment", st, 303, body)
			if !strings.Contains(h.Get("Location"), "done=payment_"+ledger.StatusPendingApproval) {
				t.Fatalf("the payment does not wait for approval: %s", h.Get("Location"))
			}
			ps, err := e.svc.Payments(ctx, e.lg, ledger.PaymentFilter{VoucherNo: "记-页面-1"})
			if err != nil || len(ps) != 1 || ps[0].Status != ledger.StatusPendingApproval {
				t.Fatalf("the recorded payment: %+v %v", ps, err)
			}
			pay := ps[0]

			// ---- the approver ----
			apr := &pageSession{e: e}
			apr.login("t_appr")
			st, body, _ = apr.do("GET", "/staff/payments", nil)
			mustStatus(t, "pending payments", st, 200, body)
			mustContain(t, "pending payments", body, "待审批支付", "记-页面-1", fmt.Sprintf(`action="/staff/payments/%d/approval"`, pay.ID), "6,000.00")
			if strings.Contains(body, e.names["tp2"]) {
				t.Fatal("the approver's page shows a payee's full name")
			}
			st, body, _ = apr.do("POST", fmt.Sprintf("/staff/payments/%d/approval", pay.ID), url.Values{"csrf": {apr.csrf()}, "decision": {"approve"}, "note": {"同意支付"}})
			mustStatus(t, "approve", st, 303, body)
			if ps, _ = e.svc.Payments(ctx, e.lg, ledger.PaymentFilter{VoucherNo: "记-页面-1"}); ps[0].Status == ledger.StatusPendingApproval {
				t.Fatal("the approval did not take")
			}
			st, body, _ = fin.do("POST", fmt.Sprintf("/staff/payments/%d/approval", pay.ID), url.Values{"csrf": {fin.csrf()}, "decision": {"approve"}})
			mustStatus(t, "finance approving", st, 403, body)

			// ---- reversal: refused without a reason, done with one ----
			st, body, _ = fin.do("GET", fmt.Sprintf("/staff/entries/%d", pay.Seq), nil)
			mustStatus(t, "an entry", st, 200, body)
			mustContain(t, "an entry", body, `id="reverse"`, "payment_recorded")
			size2 := e.size()
			st, body, _ = fin.do("POST", fmt.Sprintf("/staff/entries/%d/reversal", pay.Seq), url.Values{"csrf": {fin.csrf()}, "reason": {""}})
			mustStatus(t, "a reversal without a reason", st, 422, body)
			if e.size() != size2 {
				t.Fatal("a refused reversal wrote something")
			}
			st, body, _ = fin.do("POST", fmt.Sprintf("/staff/entries/%d/reversal", pay.Seq), url.Values{"csrf": {fin.csrf()}, "reason": {"收款人信息录入错误"}})
			mustStatus(t, "a reversal", st, 303, body)
			if ps, _ = e.svc.Payments(ctx, e.lg, ledger.PaymentFilter{VoucherNo: "记-页面-1"}); ps[0].Status != ledger.StatusReversed {
				t.Fatalf("reversed payment status %s", ps[0].Status)
			}

			// ---- fund trace and project budget ----
			st, body, _ = fin.do("GET", fmt.Sprintf("/staff/funds/%d", e.fund.ID), nil)
			mustStatus(t, "a fund's trace", st, 200, body)
			mustContain(t, "a fund's trace", body, envFundDoc, envProject1, `id="trace"`)
			st, body, _ = fin.do("GET", "/staff/projects/"+envProject1, nil)
			mustStatus(t, "a project", st, 200, body)
			mustContain(t, "a project", body, `id="budget"`, envFundDoc, "记-页面-1", "已冲正")

			// ---- a notice: draft, preview, publish, on the public site ----
			st, body, _ = fin.do("POST", "/staff/notices", url.Values{"csrf": {fin.csrf()}, "type": {"资金分配结果公告"}})
			mustStatus(t, "a draft without its fund", st, 422, body)
			st, body, h = fin.do("POST", "/staff/notices", url.Values{"csrf": {fin.csrf()}, "type": {ledger.NoticeQuarterly}, "period": {"2026-Q1"}})
			mustStatus(t, "a draft", st, 303, body)
			draft := h.Get("Location")
			st, body, _ = fin.do("GET", draft, nil)
			mustStatus(t, "the draft", st, 200, body)
			mustContain(t, "the draft", body, "季度资金使用情况", `id="publish"`, `id="preview"`)
			id := strings.TrimPrefix(strings.Split(draft, "?")[0], "/staff/notices/")
			st, body, h = fin.do("GET", "/staff/notices/"+id+"/preview", nil)
			mustStatus(t, "the preview", st, 200, body)
			if h.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(body, "%PDF") {
				t.Fatalf("the preview is not a PDF: %s", h.Get("Content-Type"))
			}
			st, body, h = fin.do("POST", "/staff/notices/"+id+"/publish", url.Values{"csrf": {fin.csrf()}})
			mustStatus(t, "publish", st, 303, body)
			st, body, _ = fin.do("GET", h.Get("Location"), nil)
			mustContain(t, "the published notice", body, "已发布", "公示中", `id="withdraw"`, "没有收到异议")
			nid, _ := strconv.ParseInt(id, 10, 64)
			n, err := e.svc.Notice(ctx, e.lg, nid)
			if err != nil || n.Status != ledger.NoticePublished {
				t.Fatalf("notice %+v %v", n, err)
			}
			res, err := http.Get(e.ts.URL + "/notices/" + n.Code)
			if err != nil || res.StatusCode != 200 {
				t.Fatalf("the notice on the public site: %v %v", res, err)
			}
			res.Body.Close()

			// ---- an objection: the discipline office answers and resolves it ----
			cm, err := e.svc.FileComplaint(ctx, e.lg, ledger.ComplaintInput{NoticeCode: n.Code, Text: "第二季度金额与实际不符", Contact: "13900000000"})
			if err != nil {
				t.Fatal(err)
			}
			st, body, _ = fin.do("GET", h.Get("Location"), nil)
			mustContain(t, "the notice's objections", body, cm.Receipt)
			dis := &pageSession{e: e}
			dis.login("t_jw")
			st, body, _ = dis.do("GET", "/staff/complaints?status=open", nil)
			mustStatus(t, "complaints", st, 200, body)
			mustContain(t, "complaints", body, cm.Receipt, "异议")
			path := fmt.Sprintf("/staff/complaints/%d", cm.ID)
			st, body, _ = dis.do("GET", path, nil)
			mustContain(t, "a complaint", body, "13900000000", `id="reply"`, `id="resolve"`)
			st, body, _ = dis.do("POST", path+"/reply", url.Values{"csrf": {dis.csrf()}, "text": {""}})
			mustStatus(t, "an empty reply", st, 422, body)
			st, body, _ = dis.do("POST", path+"/reply", url.Values{"csrf": {dis.csrf()}, "text": {"已收到，正在核实"}})
			mustStatus(t, "a reply", st, 303, body)
			st, body, _ = dis.do("POST", path+"/resolve", url.Values{"csrf": {dis.csrf()}, "outcome": {"upheld"}, "note": {"经核实，金额有误，责令更正"}})
			mustStatus(t, "resolve", st, 303, body)
			st, body, _ = dis.do("GET", path, nil)
			mustContain(t, "a resolved complaint", body, "已收到，正在核实")
			if strings.Contains(body, `id="resolve"`) {
				t.Fatal("a resolved complaint still offers the resolve form")
			}
			aud := &pageSession{e: e}
			aud.login("t_aud")
			st, body, _ = aud.do("GET", path, nil)
			mustStatus(t, "the auditor's complaint", st, 200, body)
			if strings.Contains(body, "13900000000") || strings.Contains(body, `id="reply"`) {
				t.Fatal("the auditor sees the contact or the reply form")
			}

			// ---- the admin: a monitor's villages, a disabled account, a job ----
			adm := &pageSession{e: e}
			adm.login("t_admin")
			st, body, _ = adm.do("GET", "/staff/users", nil)
			mustStatus(t, "users", st, 200, body)
			mustContain(t, "users", body, "t_mon", "村级监督员")
			mon := e.users["monitor"]
			st, body, _ = adm.do("POST", "/staff/users/"+mon.ID, url.Values{"csrf": {adm.csrf()}})
			mustStatus(t, "a monitor with no village", st, 422, body)
			st, body, _ = adm.do("POST", "/staff/users/"+mon.ID, url.Values{"csrf": {adm.csrf()}, "villages": {village2}})
			mustStatus(t, "move a monitor", st, 303, body)
			if u, err := e.auth.Accounts.UserByID(ctx, mon.ID); err != nil || len(u.Villages) != 1 || u.Villages[0] != village2 {
				t.Fatalf("the monitor's villages: %+v %v", u.Villages, err)
			}
			st, body, _ = adm.do("POST", "/staff/users/"+mon.ID, url.Values{"csrf": {adm.csrf()}, "villages": {village1}})
			mustStatus(t, "move the monitor back", st, 303, body)
			st, body, _ = adm.do("POST", "/staff/users", url.Values{"csrf": {adm.csrf()}, "username": {"t_leaver"}, "password": {envPassword}, "role": {"finance"}})
			mustStatus(t, "a new user", st, 303, body)
			leaver, err := e.auth.Accounts.UserByName(ctx, "t_leaver")
			if err != nil {
				t.Fatal(err)
			}
			lv := &pageSession{e: e}
			lv.login("t_leaver")
			st, body, _ = adm.do("POST", "/staff/users/"+leaver.ID, url.Values{"csrf": {adm.csrf()}, "disabled": {"true"}})
			mustStatus(t, "disable", st, 303, body)
			st, body, _ = lv.do("GET", "/staff/imports", nil)
			mustStatus(t, "a disabled user's session", st, 401, body)
			st, body, h = adm.do("POST", "/staff/jobs/checkpoint/run", url.Values{"csrf": {adm.csrf()}})
			mustStatus(t, "run a job", st, 303, body)
			mustContain(t, "the job's task", adm.task(h.Get("Location")), "已完成", "运行结果")
			st, body, _ = adm.do("GET", "/staff/jobs", nil)
			mustContain(t, "jobs", body, "签名检查点", "成功")

			// ---- the auditor: the ledger and its verification ----
			st, body, _ = aud.do("GET", "/staff/ledger", nil)
			mustStatus(t, "the ledger", st, 200, body)
			mustContain(t, "the ledger", body, "— "+e.lg.Origin, `id="entries"`, `id="verify"`, `id="checkpoints"`)
			if strings.Contains(body, `id="reverse"`) {
				t.Fatal("the auditor is offered a reversal")
			}
			st, body, h = aud.do("POST", "/staff/ledger/verify", url.Values{"csrf": {aud.csrf()}})
			mustStatus(t, "verify", st, 303, body)
			mustContain(t, "the verify task", aud.task(h.Get("Location")), "核验通过")
			if st2, _, _ := fin.do("GET", h.Get("Location"), nil); st2 != 404 { // a task is its starter's alone
				t.Fatalf("another user reads the auditor's task: %d", st2)
			}

			// ---- a monitor reaches no finance page, nor another village's flag
			// (their villages' books: TestMonitorVillageBooks, TestMonitorCrawl) ----
			mp := &pageSession{e: e}
			mp.login("t_mon")
			for _, p := range []string{"/staff/imports", "/staff/record", "/staff/ledger", "/staff/users", "/staff/jobs"} {
				if st, body, _ := mp.do("GET", p, nil); st != 403 || !strings.Contains(body, "无权") {
					t.Errorf("a monitor on %s: %d", p, st)
				}
			}
		})
	}
}

// TestStaffPagesEmptyTown opens every page of the staff site, as every
// role, on a town with nothing recorded yet (no villages, funds, projects,
// notices or flags): each renders whole, without a template or server
// error. (cmd/sunshine's TestBrowserWalk does the same on the demo town.)
func TestStaffPagesEmptyTown(t *testing.T) {
	store := gormstoretest.Open(t, "sqlite")
	clock := lt.NewClock(lt.FixedTime)
	svc, lg := lt.NewService(t, store, clock)
	auth := &ledger.Auth{Accounts: store, L: svc.L, Now: time.Now, Cost: bcrypt.MinCost}
	ctx := context.Background()
	var names []string
	for _, role := range ledger.Roles {
		nu := ledger.NewUser{Username: "e_" + role, Password: envPassword, Role: role}
		if role == ledger.RoleMonitor {
			nu.Villages = []string{village1}
		}
		if _, err := auth.CreateUser(ctx, lg, "system", nu, nil, nil); err != nil {
			t.Fatal(err)
		}
		names = append(names, nu.Username)
	}
	srv, err := api.New(api.Config{Town: envTown, PublicURL: "http://ledger.test"}, api.Deps{Ledger: svc.L, Service: svc, Auth: auth,
		Publisher: &disclosure.Publisher{Svc: svc, PublicURL: "http://ledger.test"}, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	e := &townEnv{t: t, ts: ts}
	for _, name := range names {
		p := &pageSession{e: e}
		p.login(name)
		seen := map[string]bool{}
		queue := []string{"/staff/", "/staff/flags?status=", "/staff/notices?status=draft", "/staff/complaints?status=open", "/staff/ledger?before=0"}
		for len(queue) > 0 {
			path := queue[0]
			queue = queue[1:]
			if seen[path] {
				continue
			}
			seen[path] = true
			st, body, h := p.do("GET", path, nil)
			switch {
			case st == 303:
				queue = append(queue, h.Get("Location"))
			case st == 200 && !strings.HasPrefix(h.Get("Content-Type"), "text/html"): // a template, a PDF
			case st == 200:
				if !strings.HasSuffix(strings.TrimSpace(body), "</html>") {
					t.Errorf("%s as %s stops short (a template error?)", path, name)
				}
				for _, part := range strings.Split(body, `href="/staff/`)[1:] {
					if end := strings.IndexByte(part, '"'); end > 0 {
						queue = append(queue, "/staff/"+strings.ReplaceAll(part[:end], "&amp;", "&"))
					}
				}
			case st == 403 && strings.Contains(body, "无权"):
			default:
				t.Errorf("%s as %s: %d %.300s", path, name, st, body)
			}
		}
		if len(seen) < 2 {
			t.Errorf("%s saw %d pages", name, len(seen))
		}
	}
}

// TestStaffImportTenThousand: a sheet of 10,000 payments through the
// import page: the dry run answers in one request (no request timeout on
// it), the commit runs as a task whose page reloads itself with the step
// and elapsed time until it reports the rows written.
func TestStaffImportTenThousand(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 rows")
	}
	e := newTownEnv(t, "sqlite")
	fin := &pageSession{e: e}
	fin.login("t_fin1")
	sheet := paymentSheet("大批", 10000, e.ids["tp1"])
	st, body, _ := fin.upload("/staff/imports", map[string]string{"csrf": fin.csrf(), "kind": "payments"}, "发放明细.csv", sheet)
	mustStatus(t, "check 10,000 rows", st, 200, body)
	mustContain(t, "check 10,000 rows", body, "共 10000 行", `id="commit"`)
	token := regexp.MustCompile(`name="token" value="([0-9a-f]+)"`).FindStringSubmatch(body)
	size := e.size()
	st, body, h := fin.do("POST", "/staff/imports/commit", url.Values{"csrf": {fin.csrf()}, "token": {token[1]}})
	mustStatus(t, "commit", st, 303, body)
	_, first, _ := fin.do("GET", h.Get("Location"), nil)
	if strings.Contains(first, `http-equiv="refresh"`) {
		mustContain(t, "the running task", first, "正在处理", "已用时", "正在写入账本（10000 行）")
	}
	mustContain(t, "the import task", fin.task(h.Get("Location")), "已完成", "已导入 10000 行")
	if got := e.size() - size; got < 10000 {
		t.Fatalf("%d entries written, want at least 10,000", got)
	}
}

// TestStaffImportTemplate: each kind's blank template opens in Excel's
// format with the sheet and header row the importer reads; a 资金 template
// filled in by hand passes the check.
func TestStaffImportTemplate(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	fin := &pageSession{e: e}
	fin.login("t_fin1")
	for _, kind := range importer.Kinds() {
		st, body, h := fin.do("GET", "/staff/imports/template?kind="+kind, nil)
		mustStatus(t, "template "+kind, st, 200, "")
		if !strings.Contains(h.Get("Content-Disposition"), "attachment") {
			t.Fatalf("template %s: %v", kind, h)
		}
		f, err := excelize.OpenReader(strings.NewReader(body))
		if err != nil {
			t.Fatalf("template %s: %v", kind, err)
		}
		// The header row, then the example row (to delete or overwrite).
		rows, err := f.GetRows(importer.SheetName(kind))
		if err != nil || len(rows) != 2 || strings.Join(rows[0], ",") != strings.Join(importer.Headers(kind), ",") ||
			strings.Join(rows[1], ",") != strings.TrimRight(strings.Join(importer.ExampleRow(kind), ","), ",") {
			t.Fatalf("template %s: %v %v", kind, rows, err)
		}
		if kind == "persons" {
			// The town's villages as a dropdown.
			dvs, _ := f.GetDataValidations(importer.SheetName(kind))
			var lists []string
			for _, dv := range dvs {
				lists = append(lists, dv.Formula1)
			}
			if !strings.Contains(strings.Join(lists, "|"), `"田坪村,石牛村"`) {
				t.Fatalf("template %s: the town's villages are not a dropdown: %v", kind, lists)
			}
		}
		if kind == "funds" { // a filled template (the example overwritten) passes
			for i, v := range []string{"浏财农〔2026〕931号", "县级衔接资金", "县级", "衔接资金", "2130599", "产业", "2026", "30000", "2026-05-06"} {
				cell, _ := excelize.CoordinatesToCellName(i+1, 2)
				f.SetCellStr("资金", cell, v)
			}
			var b bytes.Buffer
			f.Write(&b)
			st, page, _ := fin.upload("/staff/imports", map[string]string{"csrf": fin.csrf(), "kind": "funds"}, "资金.xlsx", b.Bytes())
			mustStatus(t, "a filled template", st, 200, page)
			mustContain(t, "a filled template", page, "检查通过")
		}
		f.Close()
	}
	if st, _, _ := fin.do("GET", "/staff/imports/template?kind=nonsense", nil); st != 404 {
		t.Fatalf("an unknown kind's template: %d", st)
	}
}

// TestStaffImportPreviewAndLinks (issue 19), on SQLite and MariaDB: a
// passing check shows the first 10 rows as read (amounts with two
// decimals, dates, ID numbers and accounts masked), the finished import
// links to the payments list of exactly its rows and to its ledger
// entries; a template uploaded with its example row untouched is refused.
func TestStaffImportPreviewAndLinks(t *testing.T) {
	for _, dialect := range []string{"sqlite", "mysql"} {
		t.Run(dialect, func(t *testing.T) {
			e := newTownEnv(t, dialect)
			fin := &pageSession{e: e}
			fin.login("t_fin1")

			// The untouched template: refused, the example row named.
			st, tpl, _ := fin.do("GET", "/staff/imports/template?kind=payments", nil)
			mustStatus(t, "template", st, 200, "")
			st, body, _ := fin.upload("/staff/imports", map[string]string{"csrf": fin.csrf(), "kind": "payments"}, "发放明细（模板）.xlsx", []byte(tpl))
			mustStatus(t, "the untouched template", st, 422, body)
			mustContain(t, "the untouched template", body, "示例行", "未写入任何记录")
			if strings.Contains(body, `id="commit"`) {
				t.Fatal("the untouched template offers the commit")
			}

			id, acct := e.ids["tp1"], e.accounts["tp1"]
			var b strings.Builder
			b.WriteString(strings.Join(importer.Headers("payments"), ",") + "\n")
			for i := range 12 {
				fmt.Fprintf(&b, "预览-%d,%s,%s,,补助,%s,,,%s,,,12.5,2026-03,2026-03-01,,,\n", i+1, envProject1, envFundDoc, id, acct)
			}
			st, body, _ = fin.upload("/staff/imports", map[string]string{"csrf": fin.csrf(), "kind": "payments"}, "发放明细.csv", []byte(b.String()))
			mustStatus(t, "check", st, 200, body)
			masked := id[:6] + "********" + id[14:]
			mustContain(t, "the preview", body, `id="preview"`, "<th>行号</th><th>凭证号</th>", "<td>2</td><td>预览-1</td>",
				"<td>预览-10</td>", "<td>"+masked+"</td>", "<td>****"+acct[len(acct)-4:]+"</td>", "<td>12.50</td>",
				"<td>2026-03-01</td>", "<td>2026-03</td>", "其余 2 行未列出", `id="commit"`)
			if strings.Contains(body, "<td>预览-11</td>") || strings.Contains(body, id) || strings.Contains(body, acct) {
				t.Fatal("the preview shows more than 10 rows, or an ID number or account whole")
			}

			token := regexp.MustCompile(`name="token" value="([0-9a-f]+)"`).FindStringSubmatch(body)
			st, body, h := fin.do("POST", "/staff/imports/commit", url.Values{"csrf": {fin.csrf()}, "token": {token[1]}})
			mustStatus(t, "commit", st, 303, body)
			done := fin.task(h.Get("Location"))
			mustContain(t, "the import task", done, "已完成", "已导入 12 行（支付 12 笔）", "查看本次导入的 12 笔支付")
			m := regexp.MustCompile(`href="(/staff/payments\?from_seq=(\d+)&amp;to_seq=(\d+))"`).FindStringSubmatch(done)
			if m == nil {
				t.Fatalf("no link to the imported payments: %s", done)
			}
			st, list, _ := fin.do("GET", strings.ReplaceAll(m[1], "&amp;", "&"), nil)
			mustStatus(t, "the imported payments", st, 200, list)
			for i := range 12 {
				mustContain(t, "the imported payments", list, fmt.Sprintf("预览-%d<", i+1))
			}
			mustContain(t, "the imported payments", list, "只列出账本序号 "+m[2]+" 至 "+m[3])
			if strings.Contains(list, e.pending.VoucherNo) {
				t.Fatalf("the imported payments' list shows another payment (%s)", e.pending.VoucherNo)
			}
			// Its download holds the same 12 and says the range.
			st, xb, _ := fin.do("GET", strings.ReplaceAll(strings.Replace(m[1], "/staff/payments?", "/staff/payments.xlsx?", 1), "&amp;", "&"), nil)
			mustStatus(t, "the imported payments' download", st, 200, "")
			xf, err := excelize.OpenReader(strings.NewReader(xb))
			if err != nil {
				t.Fatal(err)
			}
			xrows, _ := xf.GetRows(xf.GetSheetName(0))
			xf.Close()
			var vouchers int
			var all string
			for _, r := range xrows {
				all += strings.Join(r, "|") + "\n"
				if len(r) > 0 && strings.HasPrefix(r[0], "预览-") {
					vouchers++
				}
			}
			if vouchers != 12 || !strings.Contains(all, "账本序号："+m[2]+" 至 "+m[3]) || strings.Contains(all, e.pending.VoucherNo) {
				t.Fatalf("the download of the imported payments: %d rows of the import in %s", vouchers, all)
			}
			last, _ := strconv.ParseInt(m[3], 10, 64)
			ledgerLink := fmt.Sprintf(`href="/staff/ledger?before=%d"`, last+1)
			mustContain(t, "the import task", done, ledgerLink, "查看账本记录（序号 "+m[2]+" 至 "+m[3]+"）")
			st, entries, _ := fin.do("GET", fmt.Sprintf("/staff/ledger?before=%d", last+1), nil)
			mustStatus(t, "the import's entries", st, 200, entries)
			mustContain(t, "the import's entries", entries, "/staff/entries/"+m[3]+`"`)
		})
	}
}
