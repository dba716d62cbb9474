package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/api"
	"github.com/sunshine-ledger/sunshine/jobs"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
	"golang.org/x/crypto/bcrypt"
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
	store := gormstoretest.Open(t, "sqlite")
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
	auth := &ledger.Auth{Accounts: store, L: s.L, Now: clock.Now, Cost: bcrypt.MinCost}
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

// TestStaffAuthorizationMatrix checks every route × every caller against
// TestStaffScoping: another town's user and a monitor of another village
// TestStaffMakerChecker: a pending payment moves no balance; approval by a
// TestStaffBadInput: malformed, wrongly typed, oversized, non-UTF-8 input
// to every write route → 4xx with a code and a Chinese detail, never a 500,
// TestStaffOpenAPIMatchesRouter: every route is documented and every
// documented route exists; an independent validator checks the document
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
