package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/api"
	"github.com/sunshine-ledger/sunshine/jobs"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// staffEnv is a town with people, funds, a project in 实施 holding money,
// a pending payment and a loan, users of every role (and of another town),
// served over HTTP.
type staffEnv struct {
	t         *testing.T
	ts        *httptest.Server
	svc       *ledger.Service
	lg        ledger.Log
	store     *gormstore.Store
	clock     *lt.Clock
	tokens    map[string]string // role → token; also "other_town", "expired", "revoked"
	usernames map[string]string
	jobs      *jobs.Scheduler
	ids       map[string]string // fixture ID numbers
	n         int
}

const testPassword = "correct-horse-1"

func newStaffEnv(t *testing.T) *staffEnv {
	t.Helper()
	store := gormstore.OpenTest(t, "sqlite")
	clock := lt.NewClock(time.Now().UTC().Truncate(time.Second))
	s, lg := lt.NewService(t, store, clock)
	ctx := context.Background()
	e := &staffEnv{t: t, svc: s, lg: lg, store: store, clock: clock, tokens: map[string]string{}, ids: map[string]string{}, usernames: map[string]string{}}
	rows := []ledger.PersonRow{}
	for i, v := range []string{"田坪村", "田坪村", "石牛村"} {
		id := lt.ID(i+1, 1970)
		e.ids[fmt.Sprintf("p%d", i+1)] = id
		rows = append(rows, ledger.PersonRow{Village: v, Group: "一组", HeadIDNumber: id, Name: fmt.Sprintf("刘%s华", string(rune('一'+i))),
			IDNumber: id, Relation: "户主", HouseholdKind: ledger.KindLifted, AccountNo: fmt.Sprintf("623090100000%04d", i), Phone: "13900001234"})
	}
	if _, err := s.RegisterPersons(ctx, lg, "fin", rows, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordFund(ctx, lg, "fin", ledger.FundRow{DocNo: "财农〔2026〕1号", Name: "衔接资金", SourceLevel: "中央", Purpose: "就业",
		Amount: lt.Y("1000000"), ArrivedOn: lt.D("2026-01-10")}, nil); err != nil {
		t.Fatal(err)
	}
	for _, p := range []ledger.ProjectRow{
		{Row: 2, Code: "P1", Name: "田坪村公益岗位", Category: "就业", Village: "田坪村", Budget: lt.Y("500000"), Targets: "t", Mechanism: "m", Status: ledger.ProjInProgress, ApprovalDocNo: "批1", ApprovedOn: lt.D("2026-01-15")},
		{Row: 3, Code: "P2", Name: "石牛村公益岗位", Category: "就业", Village: "石牛村", Budget: lt.Y("100000"), Targets: "t", Mechanism: "m", Status: ledger.ProjInProgress, ApprovalDocNo: "批2", ApprovedOn: lt.D("2026-01-15")},
	} {
		if _, err := s.Import(ctx, lg, "fin", ledger.ImportInput{Kind: "projects", Rows: 1, Projects: []ledger.ProjectRow{p}}, false, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.RecordAllocation(ctx, lg, "fin", ledger.AllocationRow{DocNo: "财农〔2026〕1号", ProjectCode: "P1", Amount: lt.Y("500000"), AllocatedOn: lt.D("2026-01-20")}, nil); err != nil {
		t.Fatal(err)
	}
	auth := &ledger.Auth{Accounts: store, L: s.L, Now: clock.Now}
	users := map[string]ledger.NewUser{
		"admin": {Username: "admin1", Role: ledger.RoleAdmin}, "finance": {Username: "fin1", Role: ledger.RoleFinance},
		"finance2": {Username: "fin2", Role: ledger.RoleFinance}, "approver": {Username: "appr1", Role: ledger.RoleApprover},
		"monitor":    {Username: "mon1", Role: ledger.RoleMonitor, Villages: []string{"430181117201"}},
		"discipline": {Username: "jw1", Role: ledger.RoleDiscipline}, "auditor": {Username: "aud1", Role: ledger.RoleAuditor},
		"expired": {Username: "exp1", Role: ledger.RoleFinance}, "revoked": {Username: "rev1", Role: ledger.RoleFinance},
	}
	for _, u := range users {
		u.Password = testPassword
		if _, err := auth.CreateUser(ctx, lg, "system", u, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	other, err := s.L.EnsureLog(ctx, "430181118", "ledger.test/log/430181118")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RegisterTown(ctx, other, "system", ledger.Town{Name: "另一镇"}); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.CreateUser(ctx, other, "system", ledger.NewUser{Username: "otheradmin", Password: testPassword, Role: ledger.RoleAdmin}, nil, nil); err != nil {
		t.Fatal(err)
	}
	sched, err := jobs.New(jobs.Options{Store: store, Holder: "test"}, jobs.Verify(s.L, s), jobs.Checkpoint(s.L))
	if err != nil {
		t.Fatal(err)
	}
	e.jobs = sched
	if _, _, err := s.RecordFindings(ctx, lg, "system", []ledger.Finding{{Rule: "A2", SubjectKey: "person:1", Severity: ledger.SeverityHigh,
		Village: "430181117201", Subject: ledger.FlagSubject{Kind: "person", ID: 1, Label: "刘*华"}, Reason: "去世后仍领取补贴",
		Evidence: ledger.Evidence{Entries: []int64{1}}}}); err != nil {
		t.Fatal(err)
	}
	srv, err := api.New(api.Config{Town: "430181117", PublicURL: "http://ledger.test"}, api.Deps{Ledger: s.L, Service: s, Auth: auth, Jobs: sched})
	if err != nil {
		t.Fatal(err)
	}
	e.ts = httptest.NewServer(srv.Handler())
	t.Cleanup(e.ts.Close)
	for role, u := range users {
		e.tokens[role] = e.login(u.Username)
		e.usernames[role] = u.Username
	}
	e.tokens["other_town"] = e.login("otheradmin")
	e.usernames["other_town"] = "otheradmin"
	// revoked: logged out; expired: the clock moves past its end below.
	if st, _ := e.do("POST", "/api/v1/auth/logout", "revoked", nil); st != 204 {
		t.Fatalf("logout: %d", st)
	}
	return e
}

func (e *staffEnv) login(username string) string {
	st, body := e.do("POST", "/api/v1/auth/login", "", map[string]any{"username": username, "password": testPassword})
	if st != 200 {
		e.t.Fatalf("login %s: %d %s", username, st, body)
	}
	var r struct{ Token string }
	json.Unmarshal(body, &r)
	return r.Token
}

// expire moves the clock past the expired user's session (and so past
// every session: call it last, or log in again).
func (e *staffEnv) expire() { e.clock.Advance(ledger.SessionTTL + time.Minute) }

func (e *staffEnv) do(method, path, who string, body any, headers ...string) (int, []byte) {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, e.ts.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if tok := e.tokens[who]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

func (e *staffEnv) size() int64 {
	n, _ := e.store.Size(context.Background(), e.lg.ID)
	return n
}

// validBody returns a body that a permitted role's request succeeds with.
func (e *staffEnv) validBody(route string) (string, any) {
	e.n++
	n := e.n
	switch route {
	case "POST /api/v1/auth/login":
		return "", map[string]any{"username": "fin1", "password": testPassword}
	case "POST /api/v1/users":
		return "", map[string]any{"username": fmt.Sprintf("new%d", n), "password": testPassword, "role": "auditor"}
	case "PUT /api/v1/town":
		return "", map[string]any{"name": "镇头镇", "short_name": "镇头", "phones": []string{"0731-83000000"}, "address": "镇头镇人民政府", "email": "zt@example.cn"}
	case "POST /api/v1/villages":
		return "", map[string]any{"code": fmt.Sprintf("4301811172%02d", 10+n%80), "name": fmt.Sprintf("新村%d", n)}
	case "POST /api/v1/organisations":
		return "", map[string]any{"name": "浏阳市某公司", "uscc": lt.USCC(n)}
	case "POST /api/v1/items":
		return "", map[string]any{"code": fmt.Sprintf("XX%02d", n%100), "name": "试点补助", "category": "产业", "unit": "person", "standard": "100.00", "period": "year", "yearly_cap": "100.00", "eligible": []string{"脱贫户"}}
	case "POST /api/v1/imports/:kind":
		return "multipart", nil
	case "POST /api/v1/persons":
		id := lt.ID(100+n, 1980)
		return "", map[string]any{"village": "田坪村", "group": "二组", "name": "周小兵", "id_number": id, "relation": "户主", "household_kind": "一般农户"}
	case "POST /api/v1/persons/search":
		return "", map[string]any{"q": "刘"}
	case "POST /api/v1/funds":
		return "", map[string]any{"doc_no": fmt.Sprintf("浏财农〔2026〕%d号", 100+n), "name": "县级资金", "source_level": "浏阳市", "purpose": "产业", "amount": "1000.00", "arrived_on": "2026-03-01"}
	case "POST /api/v1/projects":
		return "", map[string]any{"project_code": fmt.Sprintf("NEW-%d", n), "name": "新项目", "category": "产业", "budget": "1000.00"}
	case "POST /api/v1/projects/:code/transitions":
		code := fmt.Sprintf("T-%d", n)
		e.svc.RegisterProject(context.Background(), e.lg, "fin", ledger.ProjectRow{Code: code, Name: "待审项目", Category: "产业"}, nil)
		return "/api/v1/projects/" + code + "/transitions", map[string]any{"to": "审核", "note": "初审通过"}
	case "POST /api/v1/allocations":
		return "", map[string]any{"doc_no": "财农〔2026〕1号", "project_code": "P2", "amount": "1.00", "allocated_on": "2026-03-01"}
	case "POST /api/v1/payments":
		return "", map[string]any{"voucher_no": fmt.Sprintf("V-%d", n), "project_code": "P1", "doc_no": "财农〔2026〕1号", "payment_kind": "补助", "payee_id_number": e.ids["p1"], "amount": "10.00", "paid_on": "2026-03-10"}
	case "POST /api/v1/payments/:id/approval":
		p, err := e.svc.RecordPayment(context.Background(), e.lg, "430181117-u-maker", ledger.PaymentRow{VoucherNo: fmt.Sprintf("A-%d", n), ProjectCode: "P1",
			DocNo: "财农〔2026〕1号", Kind: ledger.PaySubsidy, PayeeIDNumber: e.ids["p1"], Amount: lt.Y("6000"), PaidOn: lt.D("2026-03-10")}, nil)
		if err != nil {
			e.t.Fatal(err)
		}
		return fmt.Sprintf("/api/v1/payments/%d/approval", p.ID), map[string]any{"decision": "approve", "note": "同意"}
	case "POST /api/v1/entries/:seq/reversal":
		p, err := e.svc.RecordPayment(context.Background(), e.lg, "fin", ledger.PaymentRow{VoucherNo: fmt.Sprintf("R-%d", n), ProjectCode: "P1",
			DocNo: "财农〔2026〕1号", Kind: ledger.PaySubsidy, PayeeIDNumber: e.ids["p1"], Amount: lt.Y("1"), PaidOn: lt.D("2026-03-10")}, nil)
		if err != nil {
			e.t.Fatal(err)
		}
		return fmt.Sprintf("/api/v1/entries/%d/reversal", p.Seq), map[string]any{"reason": "录入错误"}
	case "POST /api/v1/loans":
		id := lt.ID(200+n, 1980)
		e.svc.RegisterPersons(context.Background(), e.lg, "fin", []ledger.PersonRow{{Village: "田坪村", Group: "一组", HeadIDNumber: id, Name: "贷款户",
			IDNumber: id, Relation: "户主", HouseholdKind: ledger.KindLifted}}, nil)
		return "", map[string]any{"loan_contract_no": fmt.Sprintf("DK-%d", n), "borrower_id_number": id, "bank": "农商银行", "amount": "30000.00", "term_months": 36, "annual_rate": "4.35", "use": "养殖", "granted_on": "2026-03-01"}
	case "POST /api/v1/flags/:id/review":
		if _, _, err := e.svc.RecordFindings(context.Background(), e.lg, "system", []ledger.Finding{{Rule: "B1", SubjectKey: fmt.Sprintf("k%d", n),
			Severity: ledger.SeverityWarn, Village: "430181117201", Subject: ledger.FlagSubject{Kind: "person", ID: 1, Label: "刘*华"},
			Reason: "重复领取", Evidence: ledger.Evidence{Entries: []int64{1}}}}); err != nil {
			e.t.Fatal(err)
		}
		fs, _ := e.svc.Flags(context.Background(), e.lg, ledger.FlagFilter{Status: "open"}, nil)
		return fmt.Sprintf("/api/v1/flags/%d/review", fs[0].ID), map[string]any{"action": "acknowledge", "note": "已签收"}
	case "POST /api/v1/loans/:contract/repayments":
		id := lt.ID(300+n, 1980)
		e.svc.RegisterPersons(context.Background(), e.lg, "fin", []ledger.PersonRow{{Village: "田坪村", Group: "一组", HeadIDNumber: id, Name: "贷款户",
			IDNumber: id, Relation: "户主", HouseholdKind: ledger.KindLifted}}, nil)
		c := fmt.Sprintf("DKR-%d", n)
		if _, err := e.svc.GrantLoan(context.Background(), e.lg, "fin", ledger.LoanRow{ContractNo: c, BorrowerIDNumber: id, Bank: "农商银行", Amount: lt.Y("10000"), TermMonths: 12, RateBP: 435, Use: "养殖", GrantedOn: lt.D("2026-03-01")}, nil); err != nil {
			e.t.Fatal(err)
		}
		return "/api/v1/loans/" + c + "/repayments", map[string]any{"repaid_on": "2026-06-01", "amount": "100.00"}
	}
	return "", nil
}

// concretePath fills a route's parameters for reads.
func (e *staffEnv) concretePath(route string) string {
	_, p, _ := strings.Cut(route, " ")
	ps, _ := e.svc.Payments(context.Background(), e.lg, ledger.PaymentFilter{})
	fs, _ := e.svc.Funds(context.Background(), e.lg)
	per, _ := e.svc.FindPersonByID(context.Background(), e.lg, e.ids["p1"])
	r := strings.NewReplacer(":seq", "0", ":code", "P1", ":kind", "payments", ":contract", "x", ":year", "2026", ":name", "checkpoint")
	p = r.Replace(p)
	if strings.Contains(p, "/payments/:id") && len(ps) > 0 {
		p = strings.Replace(p, ":id", fmt.Sprint(ps[0].ID), 1)
	}
	if strings.Contains(p, "/funds/:id") {
		p = strings.Replace(p, ":id", fmt.Sprint(fs[0].ID), 1)
	}
	if strings.Contains(p, "/flags/:id") {
		fs, _ := e.svc.Flags(context.Background(), e.lg, ledger.FlagFilter{}, nil)
		p = strings.Replace(p, ":id", fmt.Sprint(fs[0].ID), 1)
	}
	if strings.Contains(p, "/households/:id") {
		p = strings.Replace(p, ":id", fmt.Sprint(per.Household), 1)
	}
	switch {
	case strings.HasPrefix(p, "/api/public/proof/inclusion"):
		p += "?index=0&size=1"
	case strings.HasPrefix(p, "/api/public/proof/consistency"):
		p += "?old=1&new=2"
	}
	return p
}

func classOf(status int) string {
	if status >= 200 && status < 300 {
		return "2xx"
	}
	return fmt.Sprint(status)
}

// TestStaffAuthorizationMatrix checks every route × every caller against
// testdata/authz_matrix.tsv, the table kept in the repository.
func TestStaffAuthorizationMatrix(t *testing.T) {
	e := newStaffEnv(t)
	f, err := os.Open(filepath.Join("testdata", "authz_matrix.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var callers []string
	want := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if callers == nil {
			callers = cols[1:]
			continue
		}
		want[cols[0]] = cols[1:]
	}
	srv, _ := api.New(api.Config{Town: "430181117", PublicURL: "http://ledger.test"}, api.Deps{Ledger: e.svc.L, Service: e.svc, Auth: &ledger.Auth{Accounts: e.store, L: e.svc.L, Now: e.clock.Now}, Jobs: e.jobs})
	var routes []string
	for _, r := range srv.Routes() {
		routes = append(routes, r.Method+" "+r.Path)
	}
	for _, r := range routes {
		if _, ok := want[r]; !ok {
			t.Errorf("route %s is missing from testdata/authz_matrix.tsv", r)
		}
	}
	for r := range want {
		if !slices.Contains(routes, r) {
			t.Errorf("testdata/authz_matrix.tsv names %s, which the router lacks", r)
		}
	}
	// The expired column runs last: the clock moves for it.
	order := slices.DeleteFunc(slices.Clone(callers), func(c string) bool { return c == "expired" })
	order = append(order, "expired")
	for _, caller := range order {
		if caller == "expired" {
			e.expire()
		}
		ci := slices.Index(callers, caller)
		for _, r := range routes {
			exp := want[r][ci]
			method, _, _ := strings.Cut(r, " ")
			path, body := e.validBody(r)
			if path == "" {
				path = e.concretePath(r)
			}
			var st int
			var out []byte
			if r == "POST /api/v1/auth/logout" && e.usernames[caller] != "" && caller != "expired" && caller != "revoked" {
				// logging out must not spend the token the other routes use
				saved := e.tokens[caller]
				e.tokens[caller] = e.login(e.usernames[caller])
				st, out = e.do(method, path, caller, body)
				e.tokens[caller] = saved
			} else if body == nil && path == "multipart" {
				st, out = e.upload("/api/v1/imports/payments?dry_run=true", caller, paymentsCSV(e.ids["p1"], 1), "")
			} else {
				st, out = e.do(method, path, caller, body)
			}
			if got := classOf(st); got != exp {
				t.Errorf("%s as %s: %d (%s), want %s", r, caller, st, firstLine(out), exp)
			}
		}
	}
}

func firstLine(b []byte) string {
	s := string(b)
	if len(s) > 160 {
		s = s[:160]
	}
	return s
}

func paymentsCSV(id string, n int) []byte {
	var b bytes.Buffer
	b.WriteString("凭证号,项目编号,指标文号,补贴项目代码,付款类型,收款人身份证号,收款单位,统一社会信用代码,收款账号,账户户名身份证号,数量,金额(元),所属期间,支付日期,发票号,合同号,贷款合同号\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "CSV-%d,P1,财农〔2026〕1号,,补助,%s,,,,,,12.50,,2026-03-01,,,\n", i, id)
	}
	return b.Bytes()
}

func (e *staffEnv) upload(path, who string, data []byte, key string) (int, []byte) {
	var buf bytes.Buffer
	boundary := "sunshineboundary"
	fmt.Fprintf(&buf, "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"发放明细.csv\"\r\nContent-Type: text/csv\r\n\r\n", boundary)
	buf.Write(data)
	fmt.Fprintf(&buf, "\r\n--%s--\r\n", boundary)
	req, _ := http.NewRequest("POST", e.ts.URL+path, &buf)
	req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
	if tok := e.tokens[who]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// TestStaffScoping: another town's user and a monitor of another village
// learn nothing of what they may not see.
func TestStaffScoping(t *testing.T) {
	e := newStaffEnv(t)
	_, body := e.do("GET", "/api/v1/funds", "other_town", nil)
	if bytes.Contains(body, []byte("财农〔2026〕1号")) {
		t.Fatalf("another town sees this town's funds: %s", body)
	}
	ps, _ := e.svc.Payments(context.Background(), e.lg, ledger.PaymentFilter{})
	p, err := e.svc.RecordPayment(context.Background(), e.lg, "fin", ledger.PaymentRow{VoucherNo: "S-1", ProjectCode: "P1", DocNo: "财农〔2026〕1号",
		Kind: ledger.PaySubsidy, PayeeIDNumber: e.ids["p1"], Amount: lt.Y("5"), PaidOn: lt.D("2026-03-10")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = ps
	if st, _ := e.do("GET", fmt.Sprintf("/api/v1/payments/%d", p.ID), "other_town", nil); st != 404 {
		t.Fatalf("another town reads this town's payment: %d", st)
	}
	if st, _ := e.do("POST", "/api/v1/persons/search", "monitor", map[string]any{"village": "430181117202"}); st != 403 {
		t.Fatalf("monitor searched another village: %d", st)
	}
	if st, _ := e.do("GET", "/api/v1/projects?village=430181117202", "monitor", nil); st != 403 {
		t.Fatalf("monitor listed another village's projects: %d", st)
	}
	if st, _ := e.do("GET", "/api/v1/projects/P2", "monitor", nil); st != 404 {
		t.Fatalf("monitor read another village's project: %d", st)
	}
	other, _ := e.svc.FindPersonByID(context.Background(), e.lg, e.ids["p3"])
	if st, _ := e.do("GET", fmt.Sprintf("/api/v1/households/%d/year/2026", other.Household), "monitor", nil); st != 404 {
		t.Fatalf("monitor read another village's household: %d", st)
	}
	st, body := e.do("POST", "/api/v1/persons/search", "monitor", map[string]any{"id_number": e.ids["p3"]})
	if st != 200 || bytes.Contains(body, []byte(`"id"`)) {
		t.Fatalf("monitor found a person of another village by ID: %d %s", st, body)
	}
	// Masking by role: the monitor sees first 6 + last 4 of the ID, the
	// last 4 of the account and phone; finance sees all, and the read is
	// recorded.
	_, body = e.do("POST", "/api/v1/persons/search", "monitor", map[string]any{"id_number": e.ids["p1"]})
	if bytes.Contains(body, []byte(e.ids["p1"])) || !bytes.Contains(body, []byte(e.ids["p1"][:6]+"********"+e.ids["p1"][14:])) || bytes.Contains(body, []byte("13900001234")) {
		t.Fatalf("monitor masking: %s", body)
	}
	_, body = e.do("POST", "/api/v1/persons/search", "finance", map[string]any{"id_number": e.ids["p1"]})
	if !bytes.Contains(body, []byte(e.ids["p1"])) {
		t.Fatalf("finance sees the full ID: %s", body)
	}
	var reads int64
	e.store.DB().Raw("SELECT COUNT(*) FROM unmasked_reads WHERE user_id LIKE '%-u%'").Row().Scan(&reads)
	if reads == 0 {
		t.Fatal("finance's unmasked read was not recorded")
	}
}

// TestStaffMakerChecker: a pending payment moves no balance; approval by a
// different approver does; rejection never does; the maker cannot approve.
func TestStaffMakerChecker(t *testing.T) {
	e := newStaffEnv(t)
	paid := func() string {
		_, b := e.do("GET", "/api/v1/projects/P1", "finance", nil)
		var r struct{ Paid string }
		json.Unmarshal(b, &r)
		return r.Paid
	}
	before := paid()
	st, body := e.do("POST", "/api/v1/payments", "finance", map[string]any{"voucher_no": "MC-1", "project_code": "P1", "doc_no": "财农〔2026〕1号",
		"payment_kind": "补助", "payee_id_number": e.ids["p1"], "amount": "6000.00", "paid_on": "2026-03-10"})
	var p struct {
		ID     int64
		Status string
	}
	json.Unmarshal(body, &p)
	if st != 201 || p.Status != "pending_approval" {
		t.Fatalf("payment ≥ threshold: %d %s", st, body)
	}
	if paid() != before {
		t.Fatal("a pending payment moved the balance")
	}
	if st, _ := e.do("POST", fmt.Sprintf("/api/v1/payments/%d/approval", p.ID), "finance", map[string]any{"decision": "approve"}); st != 403 {
		t.Fatalf("finance approved: %d", st)
	}
	// The maker approving their own (as an approver would) is self_approval.
	maker, _ := e.svc.Payment(context.Background(), e.lg, p.ID)
	_, err := e.svc.DecidePayment(context.Background(), e.lg, maker.Maker, p.ID, true, "", nil)
	if ledger.ErrorCode(err) != ledger.CodeSelfApproval {
		t.Fatalf("self approval: %v", err)
	}
	st, body = e.do("POST", fmt.Sprintf("/api/v1/payments/%d/approval", p.ID), "approver", map[string]any{"decision": "approve", "note": "同意"})
	if st != 201 || !bytes.Contains(body, []byte(`"effective"`)) {
		t.Fatalf("approval: %d %s", st, body)
	}
	if got := paid(); got == before {
		t.Fatal("approval did not move the balance")
	}
	if st, _ := e.do("POST", fmt.Sprintf("/api/v1/payments/%d/approval", p.ID), "approver", map[string]any{"decision": "approve"}); st != 409 {
		t.Fatalf("approving twice: %d", st)
	}
	afterApproval := paid()
	_, body = e.do("POST", "/api/v1/payments", "finance", map[string]any{"voucher_no": "MC-2", "project_code": "P1", "doc_no": "财农〔2026〕1号",
		"payment_kind": "补助", "payee_id_number": e.ids["p2"], "amount": "7000.00", "paid_on": "2026-03-10"})
	json.Unmarshal(body, &p)
	if st, body := e.do("POST", fmt.Sprintf("/api/v1/payments/%d/approval", p.ID), "approver", map[string]any{"decision": "reject", "note": "材料不全"}); st != 201 || !bytes.Contains(body, []byte("rejected")) {
		t.Fatalf("rejection: %d %s", st, body)
	}
	if paid() != afterApproval {
		t.Fatal("a rejected payment moved the balance")
	}
}

// TestStaffIdempotency: replays, conflicts, races and a retried upload.
func TestStaffIdempotency(t *testing.T) {
	e := newStaffEnv(t)
	body := map[string]any{"voucher_no": "ID-1", "project_code": "P1", "doc_no": "财农〔2026〕1号", "payment_kind": "补助",
		"payee_id_number": e.ids["p1"], "amount": "20.00", "paid_on": "2026-03-10"}
	n0 := e.size()
	st1, b1 := e.do("POST", "/api/v1/payments", "finance", body, "Idempotency-Key", "k-1")
	st2, b2 := e.do("POST", "/api/v1/payments", "finance", body, "Idempotency-Key", "k-1")
	if st1 != 201 || st2 != 201 || !bytes.Equal(b1, b2) || e.size() != n0+1 {
		t.Fatalf("replay: %d %s / %d %s, %d entries", st1, b1, st2, b2, e.size()-n0)
	}
	body["amount"] = "21.00"
	if st, b := e.do("POST", "/api/v1/payments", "finance", body, "Idempotency-Key", "k-1"); st != 409 || !bytes.Contains(b, []byte("idempotency_conflict")) {
		t.Fatalf("conflict: %d %s", st, b)
	}
	if st, _ := e.do("POST", "/api/v1/payments", "finance2", body, "Idempotency-Key", "k-1"); st != 201 {
		t.Fatalf("another user's same key: %d", st)
	}
	body["voucher_no"], body["amount"] = "ID-RACE", "22.00"
	n0 = e.size()
	var wg sync.WaitGroup
	outs := make([][]byte, 16)
	for i := range outs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, outs[i] = e.do("POST", "/api/v1/payments", "finance", body, "Idempotency-Key", "k-race")
		}(i)
	}
	wg.Wait()
	for _, o := range outs {
		if !bytes.Equal(o, outs[0]) {
			t.Fatalf("racing replays differ: %s / %s", o, outs[0])
		}
	}
	if e.size() != n0+1 {
		t.Fatalf("16 racing identical requests wrote %d entries", e.size()-n0)
	}
	// A retried upload of the same file imports once.
	csv := paymentsCSV(e.ids["p2"], 3)
	n0 = e.size()
	st1, b1 = e.upload("/api/v1/imports/payments", "finance", csv, "up-1")
	st2, b2 = e.upload("/api/v1/imports/payments", "finance", csv, "up-1")
	if st1 != 201 || st2 != 201 || !bytes.Equal(b1, b2) || e.size() != n0+4 {
		t.Fatalf("retried upload: %d %s / %d %s, %d entries", st1, b1, st2, b2, e.size()-n0)
	}
	if st, _ := e.upload("/api/v1/imports/payments", "finance", paymentsCSV(e.ids["p2"], 2), "up-1"); st != 409 {
		t.Fatalf("another file with the same key: %d", st)
	}
}

// TestStaffBadInput: malformed, wrongly typed, oversized, non-UTF-8 input
// to every write route → 4xx with a code and a Chinese detail, never a 500,
// nothing written.
func TestStaffBadInput(t *testing.T) {
	e := newStaffEnv(t)
	writes := []string{"/api/v1/users", "/api/v1/villages", "/api/v1/organisations", "/api/v1/items", "/api/v1/persons",
		"/api/v1/persons/search", "/api/v1/funds", "/api/v1/projects", "/api/v1/projects/P1/transitions", "/api/v1/allocations",
		"/api/v1/payments", "/api/v1/payments/1/approval", "/api/v1/entries/1/reversal", "/api/v1/loans", "/api/v1/loans/x/repayments",
		"/api/v1/flags/1/review"}
	huge := append([]byte(`{"name":"`), bytes.Repeat([]byte("a"), 11<<20)...)
	huge = append(huge, `"}`...)
	bodies := map[string][]byte{
		"malformed":     []byte(`{"name":`),
		"array":         []byte(`[1,2]`),
		"empty":         []byte(``),
		"wrong types":   []byte(`{"name":5,"year":"x","quantity":"many","term_months":"x","villages":"x"}`),
		"number amount": []byte(`{"amount":1200}`),
		"unknown":       []byte(`{"frobnicate":true}`),
		"non-UTF-8":     {'{', '"', 'n', 'a', 'm', 'e', '"', ':', '"', 0xff, 0xfe, '"', '}'},
		"injection":     []byte(`{"name":"'; DROP TABLE entries; --","doc_no":"<script>alert(1)</script>","amount":"1.00"}`),
		"huge":          huge,
		"bad id":        []byte(`{"payee_id_number":"11010519491231002Y","id_number":"11010519491231002Y","borrower_id_number":"123","amount":"1.00"}`),
	}
	for _, path := range writes {
		for name, b := range bodies {
			who := "admin"
			if strings.Contains(path, "approval") {
				who = "approver"
			}
			if strings.Contains(path, "review") {
				who = "discipline"
			}
			n0 := e.size()
			st, out := e.do("POST", path, who, b)
			var p api.Problem
			if err := json.Unmarshal(out, &p); err != nil || st < 400 || st >= 500 || p.Code == "" || p.Detail == "" {
				t.Errorf("%s %s: %d %s", path, name, st, firstLine(out))
			}
			if e.size() != n0 {
				t.Errorf("%s %s wrote %d entries", path, name, e.size()-n0)
			}
			if name == "number amount" && !strings.Contains(path, "search") && !strings.Contains(path, "users") && !strings.Contains(path, "villages") &&
				!strings.Contains(path, "organisations") && !strings.Contains(path, "persons") && !strings.Contains(path, "transitions") &&
				!strings.Contains(path, "approval") && !strings.Contains(path, "reversal") && !strings.Contains(path, "review") && p.Code != "amount_must_be_string" {
				t.Errorf("%s: a number amount gave %s", path, p.Code)
			}
		}
	}
	// The error codes named by API.md for these cases.
	for _, c := range []struct {
		path string
		body []byte
		code string
	}{
		{"/api/v1/funds", []byte(`{"name":`), "malformed_json"},
		{"/api/v1/funds", bodies["non-UTF-8"], "malformed_json"},
		{"/api/v1/funds", huge, "too_large"},
		{"/api/v1/funds", []byte(`{"amount":1200}`), "amount_must_be_string"},
		{"/api/v1/funds", []byte(`{"doc_no":"x","name":"x","source_level":"中央","purpose":"产业","amount":"1.234","arrived_on":"2026-03-01"}`), "amount_too_precise"},
		{"/api/v1/funds", []byte(`{"doc_no":"x","name":"x","source_level":"中央","purpose":"产业","amount":"0","arrived_on":"2026-03-01"}`), "amount_not_positive"},
		{"/api/v1/payments", []byte(`{"voucher_no":"x","project_code":"P1","doc_no":"财农〔2026〕1号","payment_kind":"补助","payee_id_number":"11010519491231002Y","amount":"1.00","paid_on":"2026-03-01"}`), "invalid_id_number"},
		{"/api/v1/organisations", []byte(`{"name":"x","uscc":"91350100M000100Y44"}`), "invalid_uscc"},
	} {
		_, out := e.do("POST", c.path, "admin", c.body)
		var p api.Problem
		json.Unmarshal(out, &p)
		if p.Code != c.code {
			t.Errorf("%s %.40s: code %q, want %q", c.path, c.body, p.Code, c.code)
		}
	}
}

// TestStaffOpenAPIMatchesRouter: every route is documented and every
// documented route exists; an independent validator checks the document
// when SUNSHINE_OPENAPI_VALIDATOR names one (CI sets it).
func TestStaffOpenAPIMatchesRouter(t *testing.T) {
	e := newStaffEnv(t)
	_, raw := e.do("GET", "/api/v1/openapi.json", "", nil)
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil || doc.OpenAPI != "3.1.0" {
		t.Fatalf("document: %v %s", err, firstLine(raw))
	}
	srv, _ := api.New(api.Config{Town: "430181117"}, api.Deps{Ledger: e.svc.L, Service: e.svc, Auth: &ledger.Auth{Accounts: e.store, L: e.svc.L, Now: time.Now}, Jobs: e.jobs})
	routes := map[string]bool{}
	for _, r := range srv.Routes() {
		p := r.Path
		for _, part := range strings.Split(p, "/") {
			if strings.HasPrefix(part, ":") {
				p = strings.Replace(p, part, "{"+part[1:]+"}", 1)
			}
		}
		key := strings.ToLower(r.Method) + " " + p
		routes[key] = true
		if _, ok := doc.Paths[p][strings.ToLower(r.Method)]; !ok {
			t.Errorf("the router's %s is not in the OpenAPI document", key)
		}
	}
	for p, ops := range doc.Paths {
		for m := range ops {
			if !routes[m+" "+p] {
				t.Errorf("the document's %s %s is not a route", m, p)
			}
		}
	}
	if v := os.Getenv("SUNSHINE_OPENAPI_VALIDATOR"); v != "" {
		file := filepath.Join(t.TempDir(), "openapi.json")
		os.WriteFile(file, raw, 0o644)
		out, err := runShell(v + " " + file)
		if err != nil {
			t.Fatalf("OpenAPI validator: %v\n%s", err, out)
		}
	}
}

func runShell(cmd string) ([]byte, error) {
	return exec.Command("sh", "-c", cmd).CombinedOutput()
}

// TestStaffRunJob: an admin runs a job now and gets its record; the run is
// listed with the job.
func TestStaffRunJob(t *testing.T) {
	e := newStaffEnv(t)
	st, body := e.do("POST", "/api/v1/jobs/checkpoint/run", "admin", nil)
	var r api.JobRunDTO
	json.Unmarshal(body, &r)
	if st != 200 || r.Job != "checkpoint" || r.Outcome != "success" || r.Counts["signed"] < 1 || r.StartedAt == "" {
		t.Fatalf("run: %d %s", st, body)
	}
	if st, _ := e.do("POST", "/api/v1/jobs/nope/run", "admin", nil); st != 404 {
		t.Fatalf("unknown job: %d", st)
	}
	_, body = e.do("GET", "/api/v1/jobs", "auditor", nil)
	if !bytes.Contains(body, []byte(`"last_run":{"job":"checkpoint"`)) || !bytes.Contains(body, []byte(`"schedule":"0 2 * * *"`)) {
		t.Fatalf("jobs: %s", body)
	}
}
