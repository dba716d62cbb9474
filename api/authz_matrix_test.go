package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/sunshine-ledger/sunshine/api"
	"github.com/sunshine-ledger/sunshine/ledger"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// sample is a well-formed request for a route: a body that succeeds for a
// permitted role (fresh voucher numbers, doc numbers, usernames… so that
// repeated writes do not conflict) and the objects its path names.
type sample struct {
	method, path string
	body         any        // JSON body, or nil
	upload       []byte     // a multipart upload instead
	form         url.Values // a form post instead (the public pages)
}

// sample builds the request of a route; writes get fresh objects each call.
func (e *townEnv) sample(route string) sample {
	e.t.Helper()
	ctx := context.Background()
	method, tmpl, _ := strings.Cut(route, " ")
	n := e.next()
	s := sample{method: method}
	switch route {
	case "GET /api/public/entries/:seq":
		s.path = "/api/public/entries/0"
	case "GET /api/public/proof/inclusion":
		s.path = "/api/public/proof/inclusion?index=0&size=2"
	case "GET /api/public/proof/consistency":
		s.path = "/api/public/proof/consistency?old=1&new=2"
	case "POST /api/v1/auth/login":
		s.body = map[string]string{"username": "t_aud", "password": envPassword}
	case "POST /api/v1/auth/password":
		s.body = map[string]string{"current_password": "not-the-password-1", "new_password": "Another-pass-2026"}
	case "POST /api/v1/users/:id/password", "POST /api/v1/users/:id/role":
		nu, err := e.auth.CreateUser(ctx, e.lg, "system", ledger.NewUser{Username: fmt.Sprintf("t_tmp%d", n), Password: envPassword, Role: ledger.RoleAuditor}, nil, nil)
		if err != nil {
			e.t.Fatal(err)
		}
		if strings.HasSuffix(route, "/role") {
			s.path, s.body = "/api/v1/users/"+nu.ID+"/role", map[string]string{"role": ledger.RoleDiscipline}
		} else {
			s.path, s.body = "/api/v1/users/"+nu.ID+"/password", map[string]string{"new_password": "Reset-pass-2026"}
		}
	case "POST /api/v1/users/:id/unlock":
		s.path = "/api/v1/users/" + e.users["auditor"].ID + "/unlock"
	case "POST /api/v1/users":
		s.body = map[string]any{"username": fmt.Sprintf("t_new%d", n), "password": envPassword, "role": "auditor"}
	case "PUT /api/v1/town":
		s.body = map[string]any{"name": "镇头镇", "short_name": "镇头", "phones": []string{"0731-83000000"}, "address": "镇头镇人民政府", "email": "zt@example.cn"}
	case "POST /api/v1/villages":
		s.body = map[string]any{"code": fmt.Sprintf("430181117%03d", 300+n%600), "name": fmt.Sprintf("新村%d", n), "groups": []string{"一组"}}
	case "POST /api/v1/organisations":
		s.body = map[string]any{"name": fmt.Sprintf("浏阳市第%d建设公司", n), "uscc": lt.USCC(int(n))}
	case "POST /api/v1/items":
		s.body = map[string]any{"code": fmt.Sprintf("T%03d", n%1000), "name": "试点补助", "category": "产业", "unit": "person", "standard": "100.00",
			"per_quantity": false, "period": "year", "yearly_cap": "300.00", "eligible": []string{"脱贫户"}, "list_notice_required": false}
	case "POST /api/v1/imports/:kind":
		// a funds sheet: an admin may import it (payments only finance)
		s.path = "/api/v1/imports/funds?dry_run=true"
		s.upload = fundSheet(n)
	case "POST /api/v1/persons":
		s.body = map[string]any{"village": village1, "group": "二组", "name": "周小兵", "id_number": lt.ID(int(n), 1985), "relation": "户主", "household_kind": "一般农户"}
	case "POST /api/v1/persons/search":
		s.body = map[string]any{"q": "华"}
	case "POST /api/v1/funds":
		s.body = map[string]any{"doc_no": fmt.Sprintf("浏财农〔2026〕%d号", n), "name": "县级配套资金", "source_level": "浏阳市", "fund_nature": "专项扶贫资金",
			"function_code": "2130599", "purpose": "产业", "year": 2026, "amount": "1000.00", "arrived_on": "2026-03-01"}
	case "GET /api/v1/funds/:id":
		s.path = fmt.Sprintf("/api/v1/funds/%d", e.fund.ID)
	case "POST /api/v1/projects":
		s.body = map[string]any{"project_code": fmt.Sprintf("ZT-NEW-%d", n), "name": "新建蔬菜大棚", "category": "产业", "nature": "新建",
			"budget": "50000.00", "budget_by_source": []map[string]string{{"source_level": "中央", "amount": "50000.00"}}}
	case "GET /api/v1/projects/:code":
		s.path = "/api/v1/projects/" + envProject1
	case "POST /api/v1/projects/:code/transitions":
		code := fmt.Sprintf("ZT-T-%d", n)
		if _, err := e.svc.RegisterProject(ctx, e.lg, "fin", ledger.ProjectRow{Code: code, Name: "待审项目", Category: "产业", Village: "田坪村"}, nil); err != nil {
			e.t.Fatal(err)
		}
		s.path, s.body = "/api/v1/projects/"+code+"/transitions", map[string]any{"to": ledger.ProjReviewed, "note": "初审通过"}
	case "POST /api/v1/projects/:code/contract":
		s.path, s.body = "/api/v1/projects/"+envProject2+"/contract", map[string]any{"contract_no": fmt.Sprintf("HT-%d", n),
			"contractor": "浏阳市安澜水利建设有限公司", "supervisor": "湖南湘江工程监理有限公司", "procurement_method": "公开招标",
			"contract_amount": "180000.00", "started_on": "2026-03-05", "ends_on": "2026-10-31"}
	case "POST /api/v1/projects/:code/assets":
		code := fmt.Sprintf("ZT-A-%d", n)
		e.toInProgress(ledger.ProjectRow{Code: code, Name: "村组道路硬化", Category: "基础设施", Village: "石牛村", Targets: "t", Mechanism: "m"}, int(n))
		if _, err := e.svc.TransitionProject(ctx, e.lg, "fin", code, ledger.Transition{To: ledger.ProjAccepted, AcceptedOn: lt.D("2026-02-25"),
			AcceptanceResult: "合格"}, nil); err != nil {
			e.t.Fatal(err)
		}
		s.path, s.body = "/api/v1/projects/"+code+"/assets", map[string]any{"name": "村组道路 2.5 公里", "kind": "公益性资产", "value": "1000.00",
			"custodian": "石牛村村民委员会", "handed_over_on": "2026-02-28"}
	case "PUT /api/v1/villages/:code/contacts":
		s.path, s.body = "/api/v1/villages/"+village1+"/contacts", map[string]any{"supervision_name": "王监督", "supervision_phone": "13900000001"}
	case "GET /stats/:village":
		s.path = "/stats/" + village1
	case "GET /projects/:code":
		s.path = "/projects/" + envProject1
	case "POST /api/v1/allocations":
		s.body = map[string]any{"doc_no": envFundDoc, "project_code": envProject2, "amount": "1.00", "allocated_on": "2026-03-01", "allocation_doc_no": fmt.Sprintf("镇拨〔2026〕%d号", n)}
	case "POST /api/v1/payments":
		s.body = map[string]any{"voucher_no": fmt.Sprintf("记-%d", n), "project_code": envProject1, "doc_no": envFundDoc, "payment_kind": "补助",
			"payee_id_number": e.ids["tp1"], "account_no": e.accounts["tp1"], "amount": "10.00", "paid_on": "2026-03-01"}
	case "GET /api/v1/payments/:id":
		s.path = fmt.Sprintf("/api/v1/payments/%d", e.pending.ID)
	case "POST /api/v1/payments/:id/approval":
		p := e.payment("finance", ledger.PaymentRow{ProjectCode: envProject1, PayeeIDNumber: e.ids["tp2"], Amount: lt.Y("5000")})
		s.path, s.body = fmt.Sprintf("/api/v1/payments/%d/approval", p.ID), map[string]any{"decision": "approve", "note": "同意"}
	case "POST /api/v1/entries/:seq/reversal":
		p := e.payment("finance", ledger.PaymentRow{ProjectCode: envProject1, PayeeIDNumber: e.ids["tp2"], Amount: lt.Y("1")})
		s.path, s.body = fmt.Sprintf("/api/v1/entries/%d/reversal", p.Seq), map[string]any{"reason": "录入错误"}
	case "POST /api/v1/loans":
		s.body = map[string]any{"loan_contract_no": fmt.Sprintf("DK-%d", n), "borrower_id_number": e.newPerson(), "bank": "浏阳农商银行", "amount": "30000.00",
			"term_months": 36, "annual_rate": "4.35", "use": "养殖", "granted_on": "2026-03-01"}
	case "POST /api/v1/loans/:contract/repayments":
		s.path, s.body = "/api/v1/loans/"+e.loan.ContractNo+"/repayments", map[string]any{"repaid_on": "2026-06-01", "amount": "1.00"}
	case "GET /api/v1/households/:id/year/:year":
		s.path = fmt.Sprintf("/api/v1/households/%d/year/2026", e.persons["tp1"].Household)
	case "POST /api/v1/jobs/:name/run":
		s.path = "/api/v1/jobs/checkpoint/run"
	case "POST /api/v1/notices":
		s.body = map[string]any{"type": ledger.NoticeQuarterly, "period": "2026-Q1"}
	case "GET /api/v1/notices/:id":
		s.path = fmt.Sprintf("/api/v1/notices/%d", e.noticeDraft())
	case "POST /api/v1/notices/:id/publish":
		s.path = fmt.Sprintf("/api/v1/notices/%d/publish", e.noticeDraft())
	case "GET /api/v1/notices/:id/board.pdf":
		s.path = "/api/v1/notices/" + e.boardNotice().Code + "/board.pdf"
	case "POST /staff/notices/:id/board":
		s.path, s.form = fmt.Sprintf("/staff/notices/%d/board", e.boardNotice().ID), url.Values{"csrf": {"@session"}}
	case "POST /api/v1/notices/:id/withdraw":
		s.path, s.body = fmt.Sprintf("/api/v1/notices/%d/withdraw", e.noticePublished().ID), map[string]any{"reason": "内容有误"}
	case "POST /api/v1/complaints/:id/reply":
		s.path, s.body = fmt.Sprintf("/api/v1/complaints/%d/reply", e.complaint().ID), map[string]any{"text": "已收到，正在核实"}
	case "POST /api/v1/complaints/:id/resolve":
		s.path, s.body = fmt.Sprintf("/api/v1/complaints/%d/resolve", e.complaint().ID), map[string]any{"outcome": "rejected", "note": "经核实不属实"}
	case "GET /api/public/notices/:code/rows.csv", "GET /api/public/notices/:code/rows.xlsx":
		s.path = "/api/public/notices/" + e.boardNotice().Code + route[strings.LastIndex(route, "/"):]
	case "GET /api/public/notices/:code":
		s.path = "/api/public/notices/" + e.noticePublished().Code
	case "POST /api/public/query":
		s.body = map[string]any{"village": village1, "name": e.names["tp1"], "id_number": e.ids["tp1"]}
	case "POST /api/public/complaints":
		s.body = map[string]any{"village": village1, "text": "村道路灯不亮"}
	case "GET /api/public/complaints/:receipt":
		s.path = "/api/public/complaints/" + e.complaint().Receipt
	case "GET /notices/:file":
		s.path = "/notices/" + e.noticePublished().Code
	case "POST /verify":
		cp, _ := e.svc.L.Checkpoint(ctx, e.lg)
		s.form = url.Values{"checkpoint": {string(cp.Note)}}
	case "POST /query":
		s.form = url.Values{"village": {village1}, "name": {e.names["tp2"]}, "id_number": {e.ids["tp2"]}}
	case "POST /complaints":
		s.form = url.Values{"text": {"希望公开村集体收益分配"}}
	case "POST /staff/login":
		s.form = url.Values{"username": {"t_aud"}, "password": {envPassword}}
	case "POST /staff/password": // a wrong current password: refused, nothing changed
		s.form = url.Values{"csrf": {"@session"}, "current_password": {"not-the-password-1"}, "new_password": {"Another-pass-2026"},
			"confirm_password": {"Another-pass-2026"}}
	case "POST /staff/logout":
		s.form = url.Values{"csrf": {"@session"}}
	case "GET /staff/flags/:id":
		s.path = fmt.Sprintf("/staff/flags/%d", e.flag)
	case "POST /staff/flags/:id/review":
		s.path, s.form = fmt.Sprintf("/staff/flags/%d/review", e.newFlag()), url.Values{"csrf": {"@session"}, "action": {"acknowledge"}}
	case "POST /staff/imports":
		s.upload = fundSheet(n)
		s.form = url.Values{"csrf": {"@session"}, "kind": {"funds"}}
	case "GET /staff/imports/template":
		s.path = "/staff/imports/template?kind=payments"
	case "POST /staff/imports/commit":
		s.form = url.Values{"csrf": {"@session"}, "token": {"0123456789abcdef01234567"}}
	case "GET /staff/tasks/:id":
		s.path = "/staff/tasks/0123456789abcdef01234567"
	case "POST /staff/record/:kind":
		s.path, s.form = "/staff/record/fund", url.Values{"csrf": {"@session"}, "doc_no": {fmt.Sprintf("浏财农〔2026〕%d号", n)}, "name": {"县级配套资金"},
			"source_level": {"浏阳市"}, "fund_nature": {"专项扶贫资金"}, "purpose": {"产业"}, "year": {"2026"}, "amount": {"1000.00"}, "arrived_on": {"2026-03-01"}}
	case "GET /staff/funds/:id":
		s.path = fmt.Sprintf("/staff/funds/%d", e.fund.ID)
	case "GET /staff/projects/:code":
		s.path = "/staff/projects/" + envProject1
	case "POST /staff/payments/:id/approval":
		p := e.payment("finance", ledger.PaymentRow{ProjectCode: envProject1, PayeeIDNumber: e.ids["tp2"], Amount: lt.Y("5000")})
		s.path, s.form = fmt.Sprintf("/staff/payments/%d/approval", p.ID), url.Values{"csrf": {"@session"}, "decision": {"approve"}, "note": {"同意"}}
	case "POST /staff/ledger/verify", "POST /staff/notices":
		s.form = url.Values{"csrf": {"@session"}, "type": {ledger.NoticeQuarterly}, "period": {"2026-Q1"}}
	case "GET /staff/entries/:seq":
		s.path = fmt.Sprintf("/staff/entries/%d", e.pending.Seq)
	case "POST /staff/entries/:seq/reversal":
		p := e.payment("finance", ledger.PaymentRow{ProjectCode: envProject1, PayeeIDNumber: e.ids["tp2"], Amount: lt.Y("1")})
		s.path, s.form = fmt.Sprintf("/staff/entries/%d/reversal", p.Seq), url.Values{"csrf": {"@session"}, "reason": {"录入错误"}}
	case "GET /staff/notices/:id":
		s.path = fmt.Sprintf("/staff/notices/%d", e.noticeDraft())
	case "GET /staff/notices/:id/preview":
		s.path = fmt.Sprintf("/staff/notices/%d/preview", e.noticeDraft())
	case "POST /staff/notices/:id/publish":
		s.path, s.form = fmt.Sprintf("/staff/notices/%d/publish", e.noticeDraft()), url.Values{"csrf": {"@session"}}
	case "POST /staff/notices/:id/withdraw":
		s.path, s.form = fmt.Sprintf("/staff/notices/%d/withdraw", e.noticePublished().ID), url.Values{"csrf": {"@session"}, "reason": {"内容有误"}}
	case "GET /staff/complaints/:id":
		s.path = fmt.Sprintf("/staff/complaints/%d", e.complaint().ID)
	case "POST /staff/complaints/:id/reply":
		s.path, s.form = fmt.Sprintf("/staff/complaints/%d/reply", e.complaint().ID), url.Values{"csrf": {"@session"}, "text": {"已收到，正在核实"}}
	case "POST /staff/complaints/:id/resolve":
		s.path, s.form = fmt.Sprintf("/staff/complaints/%d/resolve", e.complaint().ID), url.Values{"csrf": {"@session"}, "outcome": {"rejected"}, "note": {"经核实不属实"}}
	case "POST /staff/users":
		s.form = url.Values{"csrf": {"@session"}, "username": {fmt.Sprintf("t_pg%d", n)}, "password": {envPassword}, "role": {"auditor"}}
	case "POST /staff/users/:id":
		s.path, s.form = "/staff/users/"+e.users["monitor"].ID, url.Values{"csrf": {"@session"}, "villages": {village1}}
	case "POST /staff/users/:id/unlock":
		s.path, s.form = "/staff/users/"+e.users["auditor"].ID+"/unlock", url.Values{"csrf": {"@session"}}
	case "POST /staff/jobs/:name/run":
		s.path, s.form = "/staff/jobs/checkpoint/run", url.Values{"csrf": {"@session"}}
	case "GET /api/v1/flags/:id":
		s.path = fmt.Sprintf("/api/v1/flags/%d", e.flag)
	case "POST /api/v1/flags/:id/review":
		s.path, s.body = fmt.Sprintf("/api/v1/flags/%d/review", e.newFlag()), map[string]any{"action": "acknowledge", "note": "已签收，核实中"}
	}
	if s.path == "" {
		if strings.Contains(tmpl, ":") {
			e.t.Fatalf("no sample request for %s: add one to townEnv.sample", route)
		}
		s.path = tmpl
	}
	return s
}

// do sends a sample as the caller. The county office's account belongs
// to the other town: its requests name this town with ?town=.
func (e *townEnv) do(s sample, caller string) response {
	e.t.Helper()
	if caller == "county" {
		if strings.Contains(s.path, "?") {
			s.path += "&town=" + envTown
		} else {
			s.path += "?town=" + envTown
		}
	}
	if s.upload != nil && s.form != nil { // a staff page's upload form
		f := url.Values{}
		for k, v := range s.form {
			f[k] = v
		}
		if f.Get("csrf") == "@session" {
			f.Set("csrf", api.CSRFToken(e.tokens[caller]))
		}
		return e.uploadForm(s.path, caller, "发放明细.csv", s.upload, f)
	}
	if s.upload != nil {
		return e.upload(s.path, caller, "发放明细.csv", s.upload, "")
	}
	if s.form != nil {
		if s.form.Get("csrf") == "@session" { // the staff pages' form token of this caller's session
			f := url.Values{}
			for k, v := range s.form {
				f[k] = v
			}
			f.Set("csrf", api.CSRFToken(e.tokens[caller]))
			return e.sendForm(s.path, caller, f)
		}
		return e.sendForm(s.path, caller, s.form)
	}
	return e.call(s.method, s.path, caller, s.body)
}

// TestAuthzMatrix checks every route of the router × every caller against
// testdata/authz_matrix.tsv, the table kept in the repository: a route
// missing from the table, or a table row the router lacks, fails it. Each
// cell sends a well-formed request; the problem's code is checked too
// (expired → token_expired, other 401 → unauthenticated, 403 → forbidden,
// 404 → not_found). It runs on SQLite and, with SUNSHINE_TEST_MYSQL_DSN, on
// MariaDB/MySQL.
func TestAuthzMatrix(t *testing.T) {
	for _, dialect := range []string{"sqlite", "mysql"} {
		t.Run(dialect, func(t *testing.T) {
			e := newTownEnv(t, dialect)
			m := readAuthzMatrix(t)
			routes := routeKeys(e.srv)
			for _, r := range routes {
				if _, ok := m.want[r]; !ok {
					t.Errorf("the router's %s is missing from testdata/authz_matrix.tsv", r)
				}
			}
			for _, r := range m.routes {
				if !slices.Contains(routes, r) {
					t.Errorf("testdata/authz_matrix.tsv names %s, which the router lacks", r)
				}
			}
			for _, c := range []string{"none", "expired", "revoked", "other_town", "admin", "finance", "approver", "monitor", "discipline", "auditor", "county"} {
				if !slices.Contains(m.callers, c) {
					t.Fatalf("testdata/authz_matrix.tsv lacks the column %s", c)
				}
			}
			if t.Failed() {
				t.FailNow()
			}
			// This town's identifiers, which another town's staff reads must never show.
			secrets := []string{envFundDoc, envProject1, envProject2, village1, village2, e.loan.ContractNo, e.names["tp1"], "田坪村", "石牛村"}
			for _, route := range m.routes {
				for _, caller := range m.callers {
					want := m.cell(route, caller)
					s := e.sample(route)
					var r response
					if (route == "POST /api/v1/auth/logout" || route == "POST /staff/logout") && !slices.Contains([]string{"none", "expired", "revoked"}, caller) {
						// Log out a fresh session: the caller's token serves the other routes.
						saved := e.tokens[caller]
						e.tokens[caller] = e.login(e.usernames[caller], envPassword)
						r = e.do(s, caller)
						if st := e.call("GET", "/api/v1/auth/me", caller, nil); st.status != http.StatusUnauthorized {
							t.Errorf("a logged-out token still works for %s: %v", caller, st)
						}
						e.tokens[caller] = saved
					} else {
						r = e.do(s, caller)
					}
					what := fmt.Sprintf("%s as %s", route, caller)
					if got := statusClass(r.status); got != want {
						t.Errorf("%s: %v, want %s", what, r, want)
						continue
					}
					if r.status >= 500 {
						t.Errorf("%s: %v", what, r)
					}
					if r.status >= 400 && !strings.Contains(route, " /staff/") { // the staff pages answer with pages
						p := problem(t, what, r)
						code := map[int]ledger.Code{401: ledger.CodeUnauthenticated, 403: ledger.CodeForbidden, 404: ledger.CodeNotFound}[r.status]
						if r.status == 401 && caller == "expired" {
							code = ledger.CodeTokenExpired
						}
						if code != "" && p.Code != string(code) {
							t.Errorf("%s: code %q, want %q", what, p.Code, code)
						}
					}
					if caller == "other_town" && method(route) == "GET" && strings.HasPrefix(route, "GET /api/v1/") && route != "GET /api/v1/openapi.json" {
						for _, sec := range secrets {
							if bytes.Contains(r.body, []byte(sec)) {
								t.Errorf("%s shows this town's %q: %v", what, sec, r)
							}
						}
					}
				}
			}
		})
	}
}

func method(route string) string {
	m, _, _ := strings.Cut(route, " ")
	return m
}

// TestAuthzScoping: another town's admin and a monitor of 田坪村 learn
// nothing of what they may not see.
func TestAuthzScoping(t *testing.T) {
	e := newTownEnv(t, "sqlite")

	// Another town: its own (empty) data, or 404; never this town's records.
	r := e.call("GET", "/api/v1/funds", "other_town", nil)
	var funds struct {
		Items []struct {
			DocNo string `json:"doc_no"`
		} `json:"items"`
	}
	e.decode(r, &funds)
	if r.status != 200 || len(funds.Items) != 0 || bytes.Contains(r.body, []byte(envFundDoc)) {
		t.Errorf("another town's funds: %v", r)
	}
	if r := e.call("GET", "/api/v1/funds", "finance", nil); !bytes.Contains(r.body, []byte(envFundDoc)) {
		t.Errorf("this town's funds lack %s: %v", envFundDoc, r)
	}
	wantProblem(t, "another town reads this town's payment", e.call("GET", fmt.Sprintf("/api/v1/payments/%d", e.pending.ID), "other_town", nil), 404, ledger.CodeNotFound)
	wantProblem(t, "another town reads this town's fund", e.call("GET", fmt.Sprintf("/api/v1/funds/%d", e.fund.ID), "other_town", nil), 404, ledger.CodeNotFound)
	wantProblem(t, "another town reads this town's project", e.call("GET", "/api/v1/projects/"+envProject1, "other_town", nil), 404, ledger.CodeNotFound)
	wantProblem(t, "another town reads this town's household", e.call("GET", fmt.Sprintf("/api/v1/households/%d/year/2026", e.persons["tp1"].Household), "other_town", nil), 404, ledger.CodeNotFound)
	wantProblem(t, "another town reads this town's flag", e.call("GET", fmt.Sprintf("/api/v1/flags/%d", e.flag), "other_town", nil), 404, ledger.CodeNotFound)
	for _, path := range []string{"/api/v1/payments", "/api/v1/loans", "/api/v1/projects", "/api/v1/flags", "/api/v1/villages", "/api/v1/users"} {
		r := e.call("GET", path, "other_town", nil)
		for _, sec := range []string{envProject1, e.loan.ContractNo, village1, "田坪村", "t_fin1"} {
			if bytes.Contains(r.body, []byte(sec)) {
				t.Errorf("another town's GET %s shows %q: %v", path, sec, r)
			}
		}
	}
	r = e.call("POST", "/api/v1/persons/search", "other_town", map[string]any{"id_number": e.ids["tp1"]})
	if r.status != 200 || !bytes.Contains(r.body, []byte(`"items":[]`)) {
		t.Errorf("another town finds this town's person: %v", r)
	}
	// Writes naming this town's objects find nothing and write nothing here.
	n0 := e.size()
	wantProblem(t, "another town approves this town's payment", e.call("POST", fmt.Sprintf("/api/v1/payments/%d/approval", e.pending.ID), "other_town",
		map[string]any{"decision": "approve"}), 403, ledger.CodeForbidden)
	if r := e.call("POST", fmt.Sprintf("/api/v1/entries/%d/reversal", e.pending.Seq), "other_town", map[string]any{"reason": "x"}); r.status != 404 {
		t.Errorf("another town reverses this town's entry: %v", r)
	}
	// Admins record no payments (separation of duties): the other town's
	// finance clerk tries.
	if _, err := e.auth.CreateUser(context.Background(), e.other, "system", ledger.NewUser{Username: "o_fin", Password: envPassword,
		Role: ledger.RoleFinance}, nil, nil); err != nil {
		t.Fatal(err)
	}
	e.tokens["other_finance"] = e.login("o_fin", envPassword)
	if r := e.call("POST", "/api/v1/payments", "other_finance", map[string]any{"voucher_no": "X-1", "project_code": envProject1, "doc_no": envFundDoc,
		"payment_kind": "补助", "payee_id_number": e.ids["tp1"], "amount": "1.00", "paid_on": "2026-03-01"}); r.status != 422 {
		t.Errorf("another town pays from this town's project: %v", r)
	}
	if e.size() != n0 {
		t.Errorf("another town's requests wrote %d entries to this town", e.size()-n0)
	}

	// A monitor of 田坪村 and 石牛村's data.
	wantProblem(t, "monitor searches 石牛村", e.call("POST", "/api/v1/persons/search", "monitor", map[string]any{"village": village2}), 403, ledger.CodeForbidden)
	wantProblem(t, "monitor lists 石牛村's projects", e.call("GET", "/api/v1/projects?village="+village2, "monitor", nil), 403, ledger.CodeForbidden)
	wantProblem(t, "monitor reads a 石牛村 project", e.call("GET", "/api/v1/projects/"+envProject2, "monitor", nil), 404, ledger.CodeNotFound)
	wantProblem(t, "monitor reads a 石牛村 household", e.call("GET", fmt.Sprintf("/api/v1/households/%d/year/2026", e.persons["sn1"].Household), "monitor", nil), 404, ledger.CodeNotFound)
	wantProblem(t, "monitor lists 石牛村's flags", e.call("GET", "/api/v1/flags?village="+village2, "monitor", nil), 403, ledger.CodeForbidden)
	type people struct {
		Items []struct {
			ID       int64  `json:"id"`
			Village  string `json:"village"`
			IDNumber string `json:"id_number"`
		} `json:"items"`
	}
	var found people
	r = e.call("POST", "/api/v1/persons/search", "monitor", map[string]any{"id_number": e.ids["sn1"]})
	e.decode(r, &found)
	if r.status != 200 || len(found.Items) != 0 || bytes.Contains(r.body, []byte(e.names["sn1"])) {
		t.Errorf("monitor finds a 石牛村 person by ID number: %v", r)
	}
	r = e.call("POST", "/api/v1/persons/search", "monitor", map[string]any{"q": e.names["sn1"]})
	e.decode(r, &found)
	if len(found.Items) != 0 {
		t.Errorf("monitor finds a 石牛村 person by name: %v", r)
	}
	// …while their own village is visible, masked for their role.
	r = e.call("GET", "/api/v1/projects", "monitor", nil)
	if !bytes.Contains(r.body, []byte(envProject1)) || bytes.Contains(r.body, []byte(envProject2)) {
		t.Errorf("monitor's projects: %v", r)
	}
	if r := e.call("GET", "/api/v1/projects?village="+village1, "monitor", nil); r.status != 200 || !bytes.Contains(r.body, []byte(envProject1)) {
		t.Errorf("monitor lists 田坪村's projects: %v", r)
	}
	if r := e.call("GET", fmt.Sprintf("/api/v1/households/%d/year/2026", e.persons["tp1"].Household), "monitor", nil); r.status != 200 {
		t.Errorf("monitor reads a 田坪村 household: %v", r)
	}
	r = e.call("POST", "/api/v1/persons/search", "monitor", map[string]any{"id_number": e.ids["tp1"]})
	e.decode(r, &found)
	id := e.ids["tp1"]
	if len(found.Items) != 1 || found.Items[0].IDNumber != id[:6]+"********"+id[14:] || bytes.Contains(r.body, []byte(id)) ||
		bytes.Contains(r.body, []byte(e.accounts["tp1"])) {
		t.Errorf("monitor's view of a 田坪村 person (first 6 + last 4 of the ID, no full account): %v", r)
	}
	r = e.call("GET", "/api/v1/villages", "monitor", nil)
	if !bytes.Contains(r.body, []byte(village1)) || bytes.Contains(r.body, []byte(village2)) {
		t.Errorf("monitor's villages: %v", r)
	}
	var flags struct {
		Items []struct {
			Village *string `json:"village"`
		} `json:"items"`
	}
	e.decode(e.call("GET", "/api/v1/flags", "monitor", nil), &flags)
	for _, f := range flags.Items {
		if f.Village != nil && *f.Village != village1 {
			t.Errorf("monitor sees a flag of %s", *f.Village)
		}
	}
	// Finance sees the full ID and account.
	r = e.call("POST", "/api/v1/persons/search", "finance", map[string]any{"id_number": e.ids["tp1"]})
	if !bytes.Contains(r.body, []byte(id)) || !bytes.Contains(r.body, []byte(e.accounts["tp1"])) {
		t.Errorf("finance's view: %v", r)
	}
	var me struct {
		Role     string   `json:"role"`
		Town     string   `json:"town"`
		Villages []string `json:"villages"`
	}
	if err := json.Unmarshal(e.call("GET", "/api/v1/auth/me", "monitor", nil).body, &me); err != nil || me.Role != "monitor" ||
		me.Town != envTown || !slices.Equal(me.Villages, []string{village1}) {
		t.Errorf("monitor's me: %+v %v", me, err)
	}
}

// fundSheet is a 资金 sheet as CSV with one fund.
func fundSheet(n int64) []byte {
	return []byte(fmt.Sprintf("指标文号,资金名称,资金来源级次,资金性质,功能科目,用途类别,年度,金额(元),到账日期\n浏财导〔2026〕%d号,县级配套资金,浏阳市,专项扶贫资金,2130599,产业,2026,1000.00,2026-03-01\n", n))
}
