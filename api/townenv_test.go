package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode"

	"github.com/sunshine-ledger/sunshine/api"
	"github.com/sunshine-ledger/sunshine/disclosure"
	"github.com/sunshine-ledger/sunshine/jobs"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/anomaly"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
	"golang.org/x/crypto/bcrypt"
)

// The fixture of the staff API tests (authz_matrix_test.go, makerchecker_test.go,
// idempotency_http_test.go, badinput_test.go, openapi_test.go, metrics_test.go,
// login_test.go): one town served over HTTP, with people in both villages, a
// fund, projects in 实施 holding money, a pending payment, a loan and a flag;
// a user of every role created through ledger.Auth.CreateUser and logged in
// through POST /api/v1/auth/login; an expired and a logged-out session; and
// the admin of another town. bcrypt makes users and logins cost ~100 ms
// each: build one townEnv per test function and reuse it.

const (
	envTown      = "430181117"
	envOtherTown = "430181118"
	village1     = "430181117201" // 田坪村: the monitor's village
	village2     = "430181117202" // 石牛村
	envPassword  = "Sunshine-pass-2026"
	envFundDoc   = "财农〔2026〕1号"
	envProject1  = "ZT-2026-001" // 田坪村
	envProject2  = "ZT-2026-002" // 石牛村
)

// envUser is a staff account of the fixture; caller is its column name in
// testdata/authz_matrix.tsv (finance2, a second maker, has none).
type envUser struct {
	caller, username, role string
	villages               []string
}

var envUsers = []envUser{
	{"admin", "t_admin", ledger.RoleAdmin, nil},
	{"finance", "t_fin1", ledger.RoleFinance, nil},
	{"finance2", "t_fin2", ledger.RoleFinance, nil},
	{"approver", "t_appr", ledger.RoleApprover, nil},
	{"monitor", "t_mon", ledger.RoleMonitor, []string{village1}},
	{"discipline", "t_jw", ledger.RoleDiscipline, nil},
	{"auditor", "t_aud", ledger.RoleAuditor, nil},
	{"expired", "t_exp", ledger.RoleFinance, nil},
	{"revoked", "t_rev", ledger.RoleFinance, nil},
}

const otherTownUser = "o_admin"

// countyUser is the county office's account (caller "county"): created by
// the installer in a third town's log (countyHome), it reads this town with
// ?town=.
const (
	countyUser = "c_county"
	countyHome = "430181119"
)

type townEnv struct {
	t         *testing.T
	dialect   string
	store     *gormstore.Store
	clock     *lt.Clock // the ledger's clock
	authClock *lt.Clock // the sessions' clock
	svc       *ledger.Service
	auth      *ledger.Auth
	lg, other ledger.Log
	srv       *api.Server
	ts        *httptest.Server

	users     map[string]ledger.User // caller → user
	usernames map[string]string      // caller → username
	tokens    map[string]string      // caller → bearer token
	ids       map[string]string      // person key → ID number
	names     map[string]string      // person key → name
	accounts  map[string]string      // person key → account number
	persons   map[string]ledger.Person

	fund    ledger.Fund
	pending ledger.Payment // waits for approval; made by "finance"
	loan    ledger.Loan
	flag    int64 // a flag of 田坪村

	publisher *disclosure.Publisher

	n atomic.Int64
}

// newTownEnv builds the fixture on a fresh database of the dialect
// ("sqlite", or "mysql", skipped without SUNSHINE_TEST_MYSQL_DSN).
func newTownEnv(t *testing.T, dialect string) *townEnv {
	t.Helper()
	store := gormstoretest.Open(t, dialect)
	clock := lt.NewClock(lt.FixedTime)
	svc, lg := lt.NewService(t, store, clock)
	svc.MissingGlyph = disclosure.MissingGlyph
	authClock := lt.NewClock(time.Now().UTC().Truncate(time.Second))
	e := &townEnv{t: t, dialect: dialect, store: store, clock: clock, authClock: authClock, svc: svc, lg: lg,
		// bcrypt at its least cost: the fixture makes a dozen users and the
		// tests log in hundreds of times (at the production cost, 11, that was
		// 94 % of a test's CPU); TestProductionBcryptCost checks the default.
		auth:  &ledger.Auth{Accounts: store, L: svc.L, Now: authClock.Now, Cost: bcrypt.MinCost},
		users: map[string]ledger.User{}, usernames: map[string]string{}, tokens: map[string]string{},
		ids: map[string]string{}, names: map[string]string{}, accounts: map[string]string{}, persons: map[string]ledger.Person{}}
	e.n.Store(1000)
	ctx := context.Background()

	// People: three in 田坪村 (two households and the borrower), one in 石牛村.
	people := []struct{ key, village, group, name string }{
		{"tp1", "田坪村", "一组", "欧阳春华"}, {"tp2", "田坪村", "二组", "司马秋菊"}, {"tp3", "田坪村", "一组", "诸葛冬梅"},
		{"sn1", "石牛村", "一组", "上官夏莲"},
	}
	for i, p := range people {
		id := lt.ID(i+1, 1971+i)
		e.ids[p.key], e.names[p.key], e.accounts[p.key] = id, p.name, fmt.Sprintf("62309010777%05d", i+1)
		ps, err := svc.RegisterPersons(ctx, lg, "fin", []ledger.PersonRow{{Village: p.village, Group: p.group, HeadIDNumber: id, Name: p.name,
			IDNumber: id, Relation: "户主", HouseholdKind: ledger.KindLifted, JoinedOn: lt.D("2015-01-01"), Bank: "浏阳农商银行",
			AccountNo: e.accounts[p.key], Phone: fmt.Sprintf("1390731%04d", i+1)}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		e.persons[p.key] = ps[0]
	}
	f, err := svc.RecordFund(ctx, lg, "fin", ledger.FundRow{DocNo: envFundDoc, Name: "中央财政衔接推进乡村振兴补助资金", SourceLevel: "中央",
		Nature: "专项扶贫资金", FunctionCode: "2130599", Purpose: "就业", Year: 2026, Amount: lt.Y("1000000"), ArrivedOn: lt.D("2026-01-10")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.fund = f
	for i, p := range []ledger.ProjectRow{
		{Code: envProject1, Name: "田坪村公益岗位", Category: "就业", Nature: "续建", Village: "田坪村", Budget: lt.Y("700000")},
		{Code: envProject2, Name: "石牛村道路硬化", Category: "基础设施", Nature: "新建", Village: "石牛村", Budget: lt.Y("200000")},
	} {
		p.Targets, p.Mechanism, p.Implementer, p.ResponsiblePerson = "带动脱贫户增收", "吸纳脱贫户务工", "镇头镇人民政府", "李四"
		p.Location, p.Task, p.ResponsibleUnit = p.Village+"全村", p.Name, "镇头镇人民政府"
		p.StartOn, p.EndOn = lt.D("2026-03-01"), lt.D("2026-12-31") // 时间进度 (issue 16)
		e.toInProgress(p, i+1)
	}
	for _, a := range []struct{ code, amount string }{{envProject1, "700000"}, {envProject2, "200000"}} {
		if _, err := svc.RecordAllocation(ctx, lg, "fin", ledger.AllocationRow{DocNo: envFundDoc, ProjectCode: a.code, Amount: lt.Y(a.amount),
			AllocatedOn: lt.D("2026-02-20")}, nil); err != nil {
			t.Fatal(err)
		}
	}

	// Users of every role (bcrypt: in parallel), and the other town's admin.
	other, err := svc.L.EnsureLog(ctx, envOtherTown, "ledger.test/log/"+envOtherTown)
	if err != nil {
		t.Fatal(err)
	}
	e.other = other
	if _, err := svc.RegisterTown(ctx, other, "system", ledger.Town{Name: "永安镇", Phones: []string{"0731-83111111"}}); err != nil {
		t.Fatal(err)
	}
	home, err := svc.L.EnsureLog(ctx, countyHome, "ledger.test/log/"+countyHome)
	if err != nil {
		t.Fatal(err)
	}
	// A town of the service, as SUNSHINE_TOWN is registered at start: the
	// jobs run over every log and draft its notices.
	if _, err := svc.RegisterTown(ctx, home, "system", ledger.Town{Name: "沙市镇", Phones: []string{"0731-83222222"}}); err != nil {
		t.Fatal(err)
	}
	all := append(slices.Clone(envUsers), envUser{caller: "other_town", username: otherTownUser, role: ledger.RoleAdmin},
		envUser{caller: "county", username: countyUser, role: ledger.RoleCounty})
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make(chan error, len(all))
	for _, u := range all {
		wg.Go(func() {
			town := lg
			switch u.caller {
			case "other_town":
				town = other
			case "county":
				town = home
			}
			nu, err := e.auth.CreateUser(ctx, town, "system", ledger.NewUser{Username: u.username, Password: envPassword, Role: u.role, Villages: u.villages}, nil, nil)
			if err != nil {
				errs <- fmt.Errorf("create %s: %w", u.username, err)
				return
			}
			mu.Lock()
			e.users[u.caller], e.usernames[u.caller] = nu, u.username
			mu.Unlock()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	// A pending payment made by finance, a loan, a flag of 田坪村.
	e.pending = e.payment("finance", ledger.PaymentRow{ProjectCode: envProject1, PayeeIDNumber: e.ids["tp1"], Amount: lt.Y("6000")})
	if e.pending.Status != ledger.StatusPendingApproval {
		t.Fatalf("fixture payment: %s", e.pending.Status)
	}
	if e.loan, err = svc.GrantLoan(ctx, lg, e.users["finance"].ID, ledger.LoanRow{ContractNo: "DK-2026-0001", BorrowerIDNumber: e.ids["tp3"],
		Bank: "浏阳农商银行", Amount: lt.Y("30000"), TermMonths: 36, RateBP: 435, Use: "油茶种植", GrantedOn: lt.D("2026-02-01")}, nil); err != nil {
		t.Fatal(err)
	}
	e.flag = e.newFlag()

	e.publisher = &disclosure.Publisher{Svc: svc, PublicURL: "http://ledger.test"}
	sched, err := jobs.New(jobs.Options{Store: store, Holder: "api-test", Now: clock.Now}, jobs.Verify(svc.L, svc), jobs.Checkpoint(svc.L),
		jobs.Notices(e.publisher, nil), jobs.Publicity(svc), jobs.Escalate(svc), jobs.Scan(svc, anomaly.DefaultConfig, store))
	if err != nil {
		t.Fatal(err)
	}
	e.srv, err = api.New(api.Config{Town: envTown, PublicURL: "http://ledger.test"}, api.Deps{Ledger: svc.L, Service: svc, Auth: e.auth, Jobs: sched,
		Publisher: e.publisher, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	e.ts = httptest.NewServer(e.srv.Handler())
	t.Cleanup(e.ts.Close)

	// Sessions: the expired one first, then the clock moves past its end and
	// everyone else logs in (so no test depends on the order of its calls).
	e.tokens["expired"] = e.login("t_exp", envPassword)
	e.authClock.Advance(ledger.SessionTTL + time.Minute)
	var tmu sync.Mutex
	for _, u := range all {
		if u.caller == "expired" {
			continue
		}
		wg.Go(func() {
			tok := e.login(u.username, envPassword)
			tmu.Lock()
			e.tokens[u.caller] = tok
			tmu.Unlock()
		})
	}
	wg.Wait()
	if e.t.Failed() {
		t.FailNow()
	}
	if r := e.call("POST", "/api/v1/auth/logout", "revoked", nil); r.status != http.StatusNoContent {
		t.Fatalf("logout: %d %s", r.status, r.body)
	}
	return e
}

// toInProgress registers a project and takes it through the library to 实施.
func (e *townEnv) toInProgress(p ledger.ProjectRow, n int) {
	e.t.Helper()
	ctx := context.Background()
	if _, err := e.svc.RegisterProject(ctx, e.lg, "fin", p, nil); err != nil {
		e.t.Fatal(err)
	}
	for _, to := range []string{ledger.ProjReviewed, ledger.ProjPublicized, ledger.ProjLibrary, ledger.ProjPlanned, ledger.ProjInProgress} {
		tr := ledger.Transition{To: to, Note: "按程序推进"}
		if to == ledger.ProjInProgress {
			tr.ApprovalDocNo, tr.ApprovedOn = fmt.Sprintf("浏乡振发〔2026〕%d号", n), lt.D("2026-02-15")
		}
		if _, err := e.svc.TransitionProject(ctx, e.lg, "fin", p.Code, tr, nil); err != nil {
			e.t.Fatalf("%s → %s: %v", p.Code, to, err)
		}
	}
}

// next returns a number no other call of this env returns.
func (e *townEnv) next() int64 { return e.n.Add(1) }

// payment records a payment instruction as the caller (defaults: a 补助 from
// the town's fund on 2026-03-10 with a fresh voucher).
func (e *townEnv) payment(maker string, r ledger.PaymentRow) ledger.Payment {
	e.t.Helper()
	if r.VoucherNo == "" {
		r.VoucherNo = fmt.Sprintf("记-%d", e.next())
	}
	if r.DocNo == "" {
		r.DocNo = envFundDoc
	}
	if r.Kind == "" {
		r.Kind = ledger.PaySubsidy
	}
	if r.PaidOn.IsZero() {
		r.PaidOn = lt.D("2026-03-10")
	}
	p, err := e.svc.RecordPayment(context.Background(), e.lg, e.users[maker].ID, r, nil)
	if err != nil {
		e.t.Fatalf("payment %+v: %v", r, err)
	}
	return p
}

// newFlag raises a fresh flag of 田坪村 and returns its id.
func (e *townEnv) newFlag() int64 {
	e.t.Helper()
	ctx := context.Background()
	key := fmt.Sprintf("test|%d", e.next())
	if _, _, err := e.svc.RecordFindings(ctx, e.lg, "system", []ledger.Finding{{Rule: "B1", SubjectKey: key, Severity: ledger.SeverityWarn,
		Village: village1, Subject: ledger.FlagSubject{Kind: "person", ID: e.persons["tp1"].ID, Label: "欧**华"}, Reason: "同一人同一期间重复领取",
		Evidence: ledger.Evidence{Entries: []int64{1}}}}); err != nil {
		e.t.Fatal(err)
	}
	fs, err := e.svc.Flags(ctx, e.lg, ledger.FlagFilter{Rule: "B1"}, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, f := range fs {
		if f.SubjectKey == key {
			return f.ID
		}
	}
	e.t.Fatalf("flag %s not raised", key)
	return 0
}

// newPerson registers a person of 田坪村 and returns the ID number.
func (e *townEnv) newPerson() string {
	e.t.Helper()
	id := lt.ID(int(e.next()), 1980)
	if _, err := e.svc.RegisterPersons(context.Background(), e.lg, "fin", []ledger.PersonRow{{Village: "田坪村", Group: "一组", HeadIDNumber: id,
		Name: "贺新民", IDNumber: id, Relation: "户主", HouseholdKind: ledger.KindLifted}}, nil); err != nil {
		e.t.Fatal(err)
	}
	return id
}

// size is the town's ledger size; otherSize the other town's.
func (e *townEnv) size() int64 {
	n, err := e.svc.L.Store().Size(context.Background(), e.lg.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *townEnv) otherSize() int64 {
	n, err := e.svc.L.Store().Size(context.Background(), e.other.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// ---- HTTP ----

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) String() string {
	s := string(r.body)
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return fmt.Sprintf("%d %s", r.status, s)
}

// jsonBody encodes a request body: nil (none), []byte (as is) or a value.
func jsonBody(body any) io.Reader {
	switch b := body.(type) {
	case nil:
		return nil
	case []byte:
		return bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			panic(err)
		}
		return bytes.NewReader(raw)
	}
}

// send makes a request as the caller ("" or "none": no token); headers are
// name, value pairs. It does not touch t, so goroutines may use it.
func (e *townEnv) send(method, path, caller string, body any, headers ...string) (response, error) {
	req, err := http.NewRequest(method, e.ts.URL+path, jsonBody(body))
	if err != nil {
		return response{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok := e.tokens[caller]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := clientFor(path).Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: out}, err
}

// noRedirect is a client that shows a redirect instead of following it.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// clientFor returns the client for a path: the staff pages' redirects are
// part of what the tests check.
func clientFor(path string) *http.Client {
	if strings.HasPrefix(path, "/staff/") {
		return noRedirect
	}
	return http.DefaultClient
}

func (e *townEnv) call(method, path, caller string, body any, headers ...string) response {
	e.t.Helper()
	r, err := e.send(method, path, caller, body, headers...)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

// upload posts a file as the multipart field "file".
func (e *townEnv) upload(path, caller, filename string, data []byte, key string) response {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		e.t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", e.ts.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if tok := e.tokens[caller]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: out}
}

// uploadForm posts a multipart form with a file and fields as the caller
// (the staff pages' import form), without following redirects.
func (e *townEnv) uploadForm(path, caller, filename string, data []byte, fields url.Values) response {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		e.t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", e.ts.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if tok := e.tokens[caller]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	res, err := noRedirect.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: out}
}

// login logs in through the API and returns the token.
func (e *townEnv) login(username, password string) string {
	r, err := e.send("POST", "/api/v1/auth/login", "", map[string]string{"username": username, "password": password})
	if err != nil || r.status != http.StatusOK {
		e.t.Errorf("login %s: %v %v", username, err, r)
		return ""
	}
	var v struct{ Token string }
	if err := json.Unmarshal(r.body, &v); err != nil || v.Token == "" {
		e.t.Errorf("login %s: %s", username, r.body)
	}
	return v.Token
}

// decode unmarshals a response body or fails the test.
func (e *townEnv) decode(r response, v any) {
	e.t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		e.t.Fatalf("decode %v: %v", r, err)
	}
}

// paymentSheet is a 发放明细 sheet as CSV (the importer takes .csv with the
// .xlsx headers): n rows of 12.50 yuan to the person on the first project.
func paymentSheet(prefix string, n int, idNumber string) []byte {
	var b bytes.Buffer
	b.WriteString("凭证号,项目编号,指标文号,补贴项目代码,付款类型,收款人身份证号,收款单位,统一社会信用代码,收款账号,账户户名身份证号,数量,金额(元),所属期间,支付日期,发票号,合同号,贷款合同号\n")
	for i := range n {
		fmt.Fprintf(&b, "%s-%d,%s,%s,,补助,%s,,,,,,12.50,,2026-03-01,,,\n", prefix, i+1, envProject1, envFundDoc, idNumber)
	}
	return b.Bytes()
}

// ---- problems ----

// hasHan reports whether s has a Chinese character.
func hasHan(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
}

// problem checks that r is an RFC 9457 problem document (content type, the
// status repeated, a code, a Chinese detail) and returns it.
func problem(t *testing.T, what string, r response) api.Problem {
	t.Helper()
	var p api.Problem
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("%s: content type %q, want application/problem+json (%v)", what, ct, r)
	}
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Errorf("%s: not a problem document: %v (%v)", what, err, r)
		return p
	}
	if p.Status != r.status || p.Code == "" || p.Type == "" || p.Title == "" || !hasHan(p.Detail) {
		t.Errorf("%s: incomplete problem document %v", what, r)
	}
	return p
}

// wantProblem checks the status and code of a problem response.
func wantProblem(t *testing.T, what string, r response, status int, code ledger.Code) api.Problem {
	t.Helper()
	if r.status != status {
		t.Errorf("%s: %v, want %d %s", what, r, status, code)
		return api.Problem{}
	}
	p := problem(t, what, r)
	if p.Code != string(code) {
		t.Errorf("%s: code %q, want %q (%v)", what, p.Code, code, r)
	}
	return p
}

// ---- the authorization matrix ----

// authzMatrix is testdata/authz_matrix.tsv: callers (columns) and, per
// route ("METHOD /path"), the expected status class per caller.
type authzMatrix struct {
	callers []string
	routes  []string // in file order
	want    map[string][]string
}

func readAuthzMatrix(t *testing.T) authzMatrix {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "authz_matrix.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := authzMatrix{want: map[string][]string{}}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if m.callers == nil {
			if cols[0] != "route" {
				t.Fatalf("authz_matrix.tsv: header %q", line)
			}
			m.callers = cols[1:]
			continue
		}
		if len(cols) != len(m.callers)+1 {
			t.Fatalf("authz_matrix.tsv: %q has %d columns, want %d", cols[0], len(cols)-1, len(m.callers))
		}
		if _, dup := m.want[cols[0]]; dup {
			t.Fatalf("authz_matrix.tsv: %s twice", cols[0])
		}
		m.routes = append(m.routes, cols[0])
		m.want[cols[0]] = cols[1:]
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return m
}

// cell returns the expected class of a route for a caller.
func (m authzMatrix) cell(route, caller string) string {
	return m.want[route][slices.Index(m.callers, caller)]
}

// routeKeys lists the router's routes as "METHOD /path".
func routeKeys(srv *api.Server) []string {
	var out []string
	for _, r := range srv.Routes() {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

func statusClass(status int) string {
	if status >= 200 && status < 300 {
		return "2xx"
	}
	return fmt.Sprint(status)
}
