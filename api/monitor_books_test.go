package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/anomaly"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// monitorBooks is the data of the monitor tests: the fixture's town with
// payments, a contract, a loan, a complaint and a notice draft in each
// village, and the strings of 石牛村 (the village the monitor does not
// watch) that nothing the monitor reads may show.
type monitorBooks struct {
	own, intoOther, other        ledger.Payment // 田坪村: tp2's wage, tp1's wage into sn1's account; 石牛村: sn1's wage
	ownComplaint, otherComplaint int64
	ownDraft, otherDraft         int64
	ownContact                   string
	secrets                      []string // 石牛村's, and the complaint's contact
}

func (e *townEnv) monitorBooks() monitorBooks {
	e.t.Helper()
	ctx := context.Background()
	var b monitorBooks
	for _, m := range []string{"2026-02", "2026-03"} {
		b.own = e.payment("finance", ledger.PaymentRow{ProjectCode: envProject1, PayeeIDNumber: e.ids["tp2"], ItemCode: "GY01", Amount: lt.Y("800"),
			Period: lt.P(m), PaidOn: lt.D(m + "-10")})
	}
	b.intoOther = e.payment("finance", ledger.PaymentRow{ProjectCode: envProject1, PayeeIDNumber: e.ids["tp1"], ItemCode: "GY01", Amount: lt.Y("800"),
		Period: lt.P("2026-03"), PaidOn: lt.D("2026-03-10"), AccountNo: e.accounts["sn1"], AccountHolderIDNumber: e.ids["sn1"]})
	e.payment("finance", ledger.PaymentRow{ProjectCode: envProject1, Kind: ledger.PayProgress, PayeeOrgName: "浏阳市田坪劳务合作社",
		PayeeUSCC: lt.USCC(71), ContractNo: "HT-TP-0001", Amount: lt.Y("1200"), PaidOn: lt.D("2026-03-12")})
	b.other = e.payment("finance", ledger.PaymentRow{VoucherNo: "记-SN-0001", ProjectCode: envProject2, PayeeIDNumber: e.ids["sn1"], ItemCode: "GY01",
		Amount: lt.Y("800"), Period: lt.P("2026-03"), PaidOn: lt.D("2026-03-10")})
	e.payment("finance", ledger.PaymentRow{VoucherNo: "记-SN-0002", ProjectCode: envProject2, Kind: ledger.PayProgress, PayeeOrgName: "浏阳市石牛路桥工程公司",
		PayeeUSCC: lt.USCC(72), ContractNo: "HT-SN-0001", Amount: lt.Y("1300"), PaidOn: lt.D("2026-03-12")})
	for _, c := range []struct{ code, no, contractor string }{{envProject1, "SG-TP-0001", "浏阳市田坪建筑有限公司"}, {envProject2, "SG-SN-0001", "浏阳市石牛路桥工程公司"}} {
		if _, err := e.svc.RecordProjectContract(ctx, e.lg, e.users["finance"].ID, c.code, ledger.ContractInput{ContractNo: c.no, Contractor: c.contractor, Supervisor: "长沙市建设监理有限公司",
			ProcurementMethod: "公开招标", Amount: lt.Y("180000"), StartOn: lt.D("2026-03-01"), EndOn: lt.D("2026-09-30")}, nil); err != nil {
			e.t.Fatal(err)
		}
	}
	if _, err := e.svc.GrantLoan(ctx, e.lg, e.users["finance"].ID, ledger.LoanRow{ContractNo: "DK-SN-0002", BorrowerIDNumber: e.ids["sn1"],
		Bank: "浏阳农商银行", Amount: lt.Y("20000"), TermMonths: 24, RateBP: 345, Use: "生猪养殖", GrantedOn: lt.D("2026-02-02")}, nil); err != nil {
		e.t.Fatal(err)
	}
	b.ownContact = "13907319999"
	for _, c := range []struct {
		village, text, contact string
		id                     *int64
	}{{village1, "田坪村公益岗位有人挂名不上岗", b.ownContact, &b.ownComplaint}, {village2, "石牛村道路硬化工程偷工减料", "13907318888", &b.otherComplaint}} {
		cm, err := e.svc.FileComplaint(ctx, e.lg, ledger.ComplaintInput{Village: c.village, Text: c.text, Contact: c.contact})
		if err != nil {
			e.t.Fatal(err)
		}
		*c.id = cm.ID
	}
	for _, d := range []struct {
		village string
		id      *int64
	}{{"田坪村", &b.ownDraft}, {"石牛村", &b.otherDraft}} {
		n, err := e.svc.DraftNotice(ctx, e.lg, e.users["finance"].ID, ledger.NoticeDraftInput{Type: ledger.NoticePaymentResult, Village: d.village, Period: "2026-03"}, nil)
		if err != nil {
			e.t.Fatal(err)
		}
		*d.id = n.ID
	}
	sn := e.names["sn1"]
	b.secrets = []string{"石牛村", sn, ledger.MaskName(sn), ledger.ShowIDNumber(e.ids["sn1"], ledger.AudienceOversight), e.ids["sn1"],
		envProject2, "记-SN-0001", "记-SN-0002", "浏阳市石牛路桥工程公司", "HT-SN-0001", "SG-SN-0001", "DK-SN-0002", "13907318888", b.ownContact,
		fmt.Sprintf(`"household":%d,`, e.persons["sn1"].Household), fmt.Sprintf(`"household":%d}`, e.persons["sn1"].Household)}
	return b
}

// TestMonitorVillageBooks: a monitor reads their village's payments (full
// names, ID numbers first 6 + last 4, accounts last 4, a wage into another
// household's account marked 他人), projects with holdings, contracts and
// notices, loans, complaints (without the contact), notices and drafts of
// their village and fund traces, through the API and the pages; another
// village's are not found, by list or by URL; other roles read as before.
func TestMonitorVillageBooks(t *testing.T) {
	for _, dialect := range []string{"sqlite", "mysql"} {
		t.Run(dialect, func(t *testing.T) {
			e := newTownEnv(t, dialect)
			b := e.monitorBooks()
			get := func(path string) response {
				t.Helper()
				r := e.call("GET", path, "monitor", nil)
				if r.status != 200 {
					t.Fatalf("GET %s: %s", path, r)
				}
				return r
			}
			// payments
			var ps struct {
				Items []map[string]any `json:"items"`
			}
			e.decode(get("/api/v1/payments"), &ps)
			var ids []float64
			for _, p := range ps.Items {
				ids = append(ids, p["id"].(float64))
				if p["village"] != village1 && p["village"] != "" {
					t.Errorf("a payment of %v", p["village"])
				}
			}
			if !slices.Contains(ids, float64(b.own.ID)) || !slices.Contains(ids, float64(b.intoOther.ID)) || slices.Contains(ids, float64(b.other.ID)) {
				t.Fatalf("payments %v: want %d and %d, not %d", ids, b.own.ID, b.intoOther.ID, b.other.ID)
			}
			var own map[string]any
			e.decode(get(fmt.Sprintf("/api/v1/payments/%d", b.own.ID)), &own)
			tp2 := e.ids["tp2"]
			if own["payee"].(map[string]any)["label"] != e.names["tp2"] || own["group"] != "二组" || own["payee_id_number"] != tp2[:6]+"********"+tp2[14:] ||
				own["account"] != strings.Repeat("*", 12)+e.accounts["tp2"][12:] || own["account_holder"] != "本人" {
				t.Errorf("own payment as oversight sees it: %v", own)
			}
			var into map[string]any
			e.decode(get(fmt.Sprintf("/api/v1/payments/%d", b.intoOther.ID)), &into)
			if into["account_holder"] != "他人" || !strings.HasSuffix(into["account"].(string), e.accounts["sn1"][12:]) {
				t.Errorf("a wage into another household's account: %v", into)
			}
			wantProblem(t, "another village's payment", e.call("GET", fmt.Sprintf("/api/v1/payments/%d", b.other.ID), "monitor", nil), 404, ledger.CodeNotFound)
			// paging keeps to the village
			var page1 struct {
				Items      []map[string]any `json:"items"`
				NextCursor string           `json:"next_cursor"`
			}
			e.decode(get("/api/v1/payments?limit=1"), &page1)
			if len(page1.Items) != 1 || page1.NextCursor == "" {
				t.Fatalf("a page of one: %+v", page1)
			}
			// loans, complaints, notices, projects, funds
			loans := string(get("/api/v1/loans").body)
			if !strings.Contains(loans, e.loan.ContractNo) || !strings.Contains(loans, e.names["tp3"]) || strings.Contains(loans, "DK-SN-0002") {
				t.Errorf("loans: %s", loans)
			}
			complaints := string(get("/api/v1/complaints").body)
			if !strings.Contains(complaints, "挂名不上岗") || strings.Contains(complaints, "偷工减料") || strings.Contains(complaints, b.ownContact) {
				t.Errorf("complaints: %s", complaints)
			}
			notices := string(get("/api/v1/notices").body)
			if !strings.Contains(notices, fmt.Sprintf(`"id":%d,`, b.ownDraft)) || strings.Contains(notices, fmt.Sprintf(`"id":%d,`, b.otherDraft)) {
				t.Errorf("notices: %s", notices)
			}
			get(fmt.Sprintf("/api/v1/notices/%d", b.ownDraft))
			wantProblem(t, "another village's draft", e.call("GET", fmt.Sprintf("/api/v1/notices/%d", b.otherDraft), "monitor", nil), 404, ledger.CodeNotFound)
			project := string(get("/api/v1/projects/" + envProject1).body)
			for _, w := range []string{"HT-TP-0001", "浏阳市田坪劳务合作社", `"holding"`, e.names["tp2"], `"contracts"`, `"notices"`, "SG-TP-0001", "浏阳市田坪建筑有限公司"} {
				if !strings.Contains(project, w) {
					t.Errorf("project lacks %s: %s", w, project)
				}
			}
			wantProblem(t, "another village's project", e.call("GET", "/api/v1/projects/"+envProject2, "monitor", nil), 404, ledger.CodeNotFound)
			fund := string(get(fmt.Sprintf("/api/v1/funds/%d", e.fund.ID)).body)
			if !strings.Contains(fund, envProject1) || !strings.Contains(fund, e.names["tp1"]) {
				t.Errorf("fund trace: %s", fund)
			}
			// everything the monitor read, and another village's nowhere
			for _, path := range []string{"/api/v1/payments?limit=500", "/api/v1/loans", "/api/v1/complaints", "/api/v1/notices",
				"/api/v1/projects/" + envProject1, fmt.Sprintf("/api/v1/funds/%d", e.fund.ID), "/api/v1/projects", "/api/v1/villages"} {
				body := string(get(path).body)
				for _, s := range b.secrets {
					if strings.Contains(body, s) {
						t.Errorf("%s shows %q", path, s)
					}
				}
			}
			// another village's published notice stays on the public site
			if _, err := e.publisher.Publish(context.Background(), e.lg, e.users["finance"].ID, b.otherDraft, nil); err != nil {
				t.Fatal(err)
			}
			wantProblem(t, "another village's published notice", e.call("GET", fmt.Sprintf("/api/v1/notices/%d", b.otherDraft), "monitor", nil), 404, ledger.CodeNotFound)
			if strings.Contains(string(get("/api/v1/notices?status=published").body), fmt.Sprintf(`"id":%d,`, b.otherDraft)) {
				t.Error("the monitor's notices list another village's")
			}
			// other roles: unchanged
			if r := e.call("GET", "/api/v1/notices", "finance", nil); !strings.Contains(string(r.body), fmt.Sprintf(`"id":%d,`, b.otherDraft)) {
				t.Error("finance no longer sees every draft")
			}
			if r := e.call("GET", fmt.Sprintf("/api/v1/payments/%d", b.other.ID), "discipline", nil); r.status != 200 {
				t.Errorf("discipline reads a payment: %s", r)
			}
		})
	}
}

var hrefRe = regexp.MustCompile(`href="(/staff/[^"#]*)"`)

// TestMonitorCrawl: a monitor follows every link of the staff pages from
// their first page, and reads every JSON list and object those pages and
// lists name: their village's payments, projects, loans, complaints and
// notices are there, and no name, household, payment, contract, loan,
// complaint or draft of another village is, nor a complainant's contact.
// Another village's objects are not found by URL either.
func TestMonitorCrawl(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	b := e.monitorBooks()
	// a flag of the wage paid into another household's account
	ctx := context.Background()
	if _, _, err := e.svc.RecordFindings(ctx, e.lg, "system", []ledger.Finding{{Rule: "C1", SubjectKey: "c1-crawl", Severity: ledger.SeverityWarn,
		Village: village1, Subject: ledger.FlagSubject{Kind: "person", ID: e.persons["tp1"].ID, Label: ledger.MaskName(e.names["tp1"])},
		Reason: "公益岗位工资打入了其他家庭成员的账户", Evidence: ledger.Evidence{Entries: []int64{b.intoOther.Seq}, Vouchers: []string{b.intoOther.VoucherNo}}}}); err != nil {
		t.Fatal(err)
	}
	fs, err := e.svc.Flags(ctx, e.lg, ledger.FlagFilter{Rule: "C1"}, nil)
	if err != nil || len(fs) != 1 {
		t.Fatalf("C1 flag: %v %d", err, len(fs))
	}
	mon := &pageSession{e: e}
	mon.login("t_mon")
	st, flagPage, _ := mon.do("GET", fmt.Sprintf("/staff/flags/%d", fs[0].ID), nil)
	if st != 200 {
		t.Fatalf("flag page: %d", st)
	}
	for _, w := range []string{"实地核查要点", anomaly.FieldCheck("C1"), "家庭情况", e.names["tp1"] + "（一组）", "户属性：" + ledger.KindLifted, "户主",
		"历年领取", "2026-03", "他人账户", "相关投诉与异议", "挂名不上岗"} {
		if !strings.Contains(flagPage, w) {
			t.Errorf("the flag's page lacks %q", w)
		}
	}
	if strings.Contains(flagPage, b.ownContact) || strings.Contains(flagPage, e.names["sn1"]) {
		t.Error("the flag's page shows the complainant's contact or the account holder's name")
	}
	seen := map[string]bool{}
	queue := []string{"/staff/"}
	var all strings.Builder
	for len(queue) > 0 {
		path := queue[0]
		queue = queue[1:]
		if seen[path] {
			continue
		}
		seen[path] = true
		st, body, h := mon.do("GET", path, nil)
		if st == http.StatusSeeOther {
			queue = append(queue, h.Get("Location"))
			continue
		}
		if st != 200 {
			t.Errorf("GET %s: %d", path, st)
			continue
		}
		all.WriteString(body)
		for _, s := range b.secrets {
			if strings.Contains(body, s) {
				t.Errorf("%s shows %q", path, s)
			}
		}
		for _, m := range hrefRe.FindAllStringSubmatch(body, -1) {
			u := strings.ReplaceAll(m[1], "&amp;", "&")
			if !seen[u] && !strings.HasPrefix(u, "/staff/logout") {
				queue = append(queue, u)
			}
		}
	}
	t.Logf("crawled %d pages", len(seen))
	for _, p := range []string{"/staff/village", "/staff/payments", "/staff/projects", "/staff/projects/" + envProject1, "/staff/loans",
		"/staff/complaints", "/staff/notices", fmt.Sprintf("/staff/notices/%d", b.ownDraft), fmt.Sprintf("/staff/complaints/%d", b.ownComplaint),
		"/staff/funds", fmt.Sprintf("/staff/funds/%d", e.fund.ID)} {
		if !seen[p] {
			t.Errorf("the crawl did not reach %s", p)
		}
	}
	text := all.String()
	for _, w := range []string{e.names["tp2"], "二组", "他人账户", "HT-TP-0001", "SG-TP-0001", e.loan.ContractNo, "挂名不上岗", "本村账目"} {
		if !strings.Contains(text, w) {
			t.Errorf("the monitor's pages never show %q", w)
		}
	}

	// JSON: every list, and every object a list names.
	var objects []string
	lists := map[string]func(map[string]any) string{
		"/api/v1/payments?limit=500": func(m map[string]any) string { return fmt.Sprintf("/api/v1/payments/%.0f", m["id"]) },
		"/api/v1/notices":            func(m map[string]any) string { return fmt.Sprintf("/api/v1/notices/%.0f", m["id"]) },
		"/api/v1/projects":           func(m map[string]any) string { return "/api/v1/projects/" + m["project_code"].(string) },
		"/api/v1/funds":              func(m map[string]any) string { return fmt.Sprintf("/api/v1/funds/%.0f", m["id"]) },
		"/api/v1/flags":              func(m map[string]any) string { return fmt.Sprintf("/api/v1/flags/%.0f", m["id"]) },
		"/api/v1/loans":              nil, "/api/v1/complaints": nil, "/api/v1/villages": nil, "/api/v1/items": nil, "/api/v1/town": nil,
	}
	check := func(path string) []byte {
		r := e.call("GET", path, "monitor", nil)
		if r.status != 200 {
			t.Errorf("GET %s: %s", path, r)
		}
		for _, s := range b.secrets {
			if strings.Contains(string(r.body), s) {
				t.Errorf("%s shows %q", path, s)
			}
		}
		return r.body
	}
	for path, obj := range lists {
		body := check(path)
		var l struct {
			Items []map[string]any `json:"items"`
		}
		_ = json.Unmarshal(body, &l)
		if obj != nil {
			for _, it := range l.Items {
				objects = append(objects, obj(it))
			}
		}
	}
	for _, o := range objects {
		check(o)
	}
	if len(objects) < 5 {
		t.Errorf("the JSON crawl read %d objects", len(objects))
	}

	// by URL: another village's objects are not found, its filter refused
	for _, p := range []string{"/staff/projects/" + envProject2, fmt.Sprintf("/staff/notices/%d", b.otherDraft), fmt.Sprintf("/staff/notices/%d/preview", b.otherDraft),
		fmt.Sprintf("/staff/complaints/%d", b.otherComplaint)} {
		if st, body, _ := mon.do("GET", p, nil); st != http.StatusNotFound || !hasHan(body) {
			t.Errorf("GET %s: %d", p, st)
		}
	}
	if st, _, _ := mon.do("GET", "/staff/payments?village="+village2, nil); st != http.StatusForbidden {
		t.Errorf("another village's payments page: %d", st)
	}
}

// TestMonitorPagesInChromium: the monitor's books on a phone (headless
// Chromium at 360×740): their villages' overview, payments, a project, the
// loans and a fund's trace read without horizontal overflow.
func TestMonitorPagesInChromium(t *testing.T) {
	browser := chromium(t)
	e := newTownEnv(t, "sqlite")
	b := e.monitorBooks()
	ts := httptest.NewServer(probe(e.srv.Handler()))
	defer ts.Close()
	mon := &pageSession{e: e}
	mon.login("t_mon")
	dir := filepath.Join(artifacts, "screenshots", "monitor")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	browse(t, browser, ts.URL, dir, mon.cookie.Value, []browserPage{
		{"1-village", "/staff/village", "", []string{"本村账目", "田坪村", "打入他人账户", "1 笔"}},
		{"2-payments", "/staff/payments", "", []string{e.names["tp2"], "二组", "身份证号", "他人账户", "800.00"}},
		{"3-project", "/staff/projects/" + envProject1, "", []string{"田坪村公益岗位", "HT-TP-0001", "结存", "公告公示", "施工合同", "浏阳市田坪建筑有限公司", "公开招标"}},
		{"4-loans", "/staff/loans", "", []string{e.names["tp3"], e.loan.ContractNo, "30,000.00"}},
		{"5-fund", fmt.Sprintf("/staff/funds/%d", e.fund.ID), "", []string{envProject1, "发到本村的款项"}},
		{"6-payment", fmt.Sprintf("/staff/payments?voucher=%s", b.intoOther.VoucherNo), "", []string{e.names["tp1"], "他人账户"}},
	})
}
