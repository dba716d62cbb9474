package demo_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/api"
	"github.com/sunshine-ledger/sunshine/demo"
	"github.com/sunshine-ledger/sunshine/disclosure"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/anomaly"
	"golang.org/x/crypto/bcrypt"
)

var staffHref = regexp.MustCompile(`href="(/staff/[^"#]*)"`)

// TestDemoMonitorCrawl: jiandu01 on the demo town (after a scan) follows
// every link of the staff pages from their first page, and reads every
// JSON list and the objects it names; no other village's person (by full
// name or ID number), payment voucher or notice draft appears anywhere,
// while their own village's books do.
func TestDemoMonitorCrawl(t *testing.T) {
	tw := load(t, demo.Options{Seed: 1, PoorHouseholds: 180, OtherHouseholds: 30})
	ctx := context.Background()
	d, err := tw.svc.ScanData(ctx, tw.lg)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := tw.svc.RecordFindings(ctx, tw.lg, "system", anomaly.Run(d, anomaly.DefaultConfig)); err != nil {
		t.Fatal(err)
	}
	accounts, ok := tw.svc.L.Store().(ledger.Accounts)
	if !ok {
		t.Fatal("the store keeps no accounts")
	}
	auth := &ledger.Auth{Accounts: accounts, L: tw.svc.L, Now: time.Now, Cost: bcrypt.MinCost}
	srv, err := api.New(api.Config{Town: demo.TownCode, PublicURL: "http://ledger.test"}, api.Deps{Ledger: tw.svc.L, Service: tw.svc, Auth: auth,
		Publisher: &disclosure.Publisher{Svc: tw.svc, PublicURL: "http://ledger.test"}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	tok, _, me, err := auth.Login(ctx, "jiandu01", demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	mine := func(v string) bool { return slices.Contains(me.Villages, v) }

	// What must not show: the other villages' persons (full names that no
	// person of the monitor's villages shares, ID numbers), their
	// payments' vouchers, the other villages' drafts.
	own, err := tw.svc.SearchPersons(ctx, tw.lg, ledger.PersonQuery{Allowed: mine, Limit: 1 << 20}, "")
	if err != nil {
		t.Fatal(err)
	}
	others, err := tw.svc.SearchPersons(ctx, tw.lg, ledger.PersonQuery{Allowed: func(v string) bool { return !mine(v) }, Limit: 1 << 20}, "")
	if err != nil {
		t.Fatal(err)
	}
	var ownNames []string
	for _, p := range own {
		ownNames = append(ownNames, p.Private.Name)
	}
	var secrets []string
	for _, p := range others {
		n := p.Private.Name
		if len([]rune(n)) >= 3 && !slices.ContainsFunc(ownNames, func(o string) bool { return strings.Contains(o, n) }) {
			secrets = append(secrets, n)
		}
		secrets = append(secrets, p.Private.IDNumber)
	}
	all, err := tw.svc.Payments(ctx, tw.lg, ledger.PaymentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	vs, err := tw.svc.PaymentVillages(ctx, tw.lg, all)
	if err != nil {
		t.Fatal(err)
	}
	ownVouchers := map[string]bool{}
	for _, p := range all {
		if mine(vs[p.ID]) || vs[p.ID] == "" {
			ownVouchers[p.VoucherNo] = true
		}
	}
	for _, p := range all {
		if v := vs[p.ID]; v != "" && !mine(v) && !ownVouchers[p.VoucherNo] {
			secrets = append(secrets, ">"+p.VoucherNo, `"`+p.VoucherNo+`"`)
		}
	}
	drafts, err := tw.svc.Notices(ctx, tw.lg, ledger.NoticeDraft, "", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range drafts {
		if !mine(n.Village) {
			secrets = append(secrets, fmt.Sprintf("/staff/notices/%d\"", n.ID))
		}
	}
	if len(others) < 100 || len(own) < 20 {
		t.Fatalf("the demo's villages: %d persons elsewhere, %d in the monitor's", len(others), len(own))
	}
	check := func(where, body string) {
		for _, s := range secrets {
			if strings.Contains(body, s) {
				t.Errorf("%s shows %q", where, s)
			}
		}
	}

	// the pages, from the first page on
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(ts.URL)
	jar.SetCookies(u, []*http.Cookie{{Name: "sunshine_session", Value: tok, Path: "/"}})
	client := &http.Client{Jar: jar}
	seen := map[string]bool{}
	queue := []string{"/staff/"}
	var text strings.Builder
	for len(queue) > 0 && len(seen) < 600 {
		path := queue[0]
		queue = queue[1:]
		if seen[path] {
			continue
		}
		seen[path] = true
		res, err := client.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("GET %s: %d", path, res.StatusCode)
			continue
		}
		body := string(b)
		text.WriteString(body)
		check(path, body)
		for _, m := range staffHref.FindAllStringSubmatch(body, -1) {
			l := strings.ReplaceAll(m[1], "&amp;", "&")
			if !seen[l] && !strings.HasPrefix(l, "/staff/logout") && !strings.HasSuffix(l, "/preview") {
				queue = append(queue, l)
			}
		}
	}
	t.Logf("crawled %d pages; %d strings of other villages checked", len(seen), len(secrets))
	for _, p := range []string{"/staff/village", "/staff/payments", "/staff/projects", "/staff/loans", "/staff/complaints", "/staff/notices", "/staff/funds"} {
		if !seen[p] {
			t.Errorf("the crawl did not reach %s", p)
		}
	}
	if !strings.Contains(text.String(), own[0].Private.Name) && !strings.Contains(text.String(), own[1].Private.Name) {
		t.Error("the monitor's pages show none of their village's people")
	}

	// the JSON lists, and the objects they name
	get := func(path string) []byte {
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("GET %s: %d %s", path, res.StatusCode, b)
		}
		check(path, string(b))
		return b
	}
	objects := map[string]func(map[string]any) string{
		"/api/v1/payments?limit=500": func(m map[string]any) string { return fmt.Sprintf("/api/v1/payments/%.0f", m["id"]) },
		"/api/v1/notices":            func(m map[string]any) string { return fmt.Sprintf("/api/v1/notices/%.0f", m["id"]) },
		"/api/v1/projects":           func(m map[string]any) string { return "/api/v1/projects/" + url.PathEscape(m["project_code"].(string)) },
		"/api/v1/funds":              func(m map[string]any) string { return fmt.Sprintf("/api/v1/funds/%.0f", m["id"]) },
		"/api/v1/flags":              func(m map[string]any) string { return fmt.Sprintf("/api/v1/flags/%.0f", m["id"]) },
		"/api/v1/loans":              nil, "/api/v1/complaints": nil, "/api/v1/villages": nil,
	}
	n := 0
	for list, obj := range objects {
		var l struct {
			Items []map[string]any `json:"items"`
		}
		_ = json.Unmarshal(get(list), &l)
		for i, it := range l.Items {
			if obj != nil && i < 150 {
				get(obj(it))
				n++
			}
		}
	}
	t.Logf("read %d JSON objects", n)
}
