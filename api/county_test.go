package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// TestCountyReads: the county office (an account of a third town) reads
// this town's books with ?town= (funds, payments with full ID numbers as an
// auditor sees them, flags), has the county summary, and writes nothing;
// no other role gains a cross-town read with ?town=, and no town's admin
// can make or take over a county account.
func TestCountyReads(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	q := "?town=" + envTown

	if r := e.call("GET", "/api/v1/funds"+q, "county", nil); r.status != 200 || !bytes.Contains(r.body, []byte(envFundDoc)) {
		t.Errorf("county's funds of %s: %v", envTown, r)
	}
	if r := e.call("GET", "/api/v1/funds", "county", nil); r.status != 200 || bytes.Contains(r.body, []byte(envFundDoc)) {
		t.Errorf("county's funds without ?town= (its own town's): %v", r)
	}
	pay := fmt.Sprintf("/api/v1/payments/%d", e.pending.ID)
	if r, a := e.call("GET", pay+q, "county", nil), e.call("GET", pay, "auditor", nil); r.status != 200 || !bytes.Equal(r.body, a.body) {
		t.Errorf("county's payment is not the auditor's view: %v, auditor %v", r, a)
	}
	if r := e.call("POST", "/api/v1/persons/search"+q, "county", map[string]any{"id_number": e.ids["tp1"]}); r.status != 200 || !bytes.Contains(r.body, []byte(e.ids["tp1"])) {
		t.Errorf("county's person search (the auditor's view: full ID number): %v", r)
	}
	if r := e.call("GET", fmt.Sprintf("/api/v1/flags/%d", e.flag)+q, "county", nil); r.status != 200 {
		t.Errorf("county's flag: %v", r)
	}
	wantProblem(t, "county names an unknown town", e.call("GET", "/api/v1/funds?town=439901999", "county", nil), 404, ledger.CodeNotFound)

	// No other role reads another town with ?town=: a finance clerk and the
	// other town's admin are refused, and this town's data is not shown.
	if _, err := e.auth.CreateUser(context.Background(), e.other, "system", ledger.NewUser{Username: "o_fin2", Password: envPassword,
		Role: ledger.RoleFinance}, nil, nil); err != nil {
		t.Fatal(err)
	}
	e.tokens["other_finance"] = e.login("o_fin2", envPassword)
	for _, caller := range []string{"other_finance", "other_town"} {
		for _, path := range []string{"/api/v1/funds", "/api/v1/payments", "/api/v1/flags", fmt.Sprintf("/api/v1/funds/%d", e.fund.ID), "/staff/funds"} {
			r := e.call("GET", path+q, caller, nil)
			if r.status != 403 || bytes.Contains(r.body, []byte(envFundDoc)) {
				t.Errorf("%s reads %s of another town: %v", caller, path, r)
			}
		}
	}
	if r := e.call("GET", "/api/v1/funds?town="+envOtherTown, "finance", nil); r.status != 403 {
		t.Errorf("this town's finance reads the other town: %v", r)
	}
	if r := e.call("GET", "/api/v1/funds"+q, "finance", nil); r.status != 200 {
		t.Errorf("finance naming its own town: %v", r)
	}

	// The county writes nothing, in this town or its own.
	n0, o0 := e.size(), e.otherSize()
	for _, w := range []struct{ method, path string }{{"POST", "/api/v1/funds"}, {"POST", "/api/v1/payments"}, {"POST", fmt.Sprintf("/api/v1/flags/%d/review", e.flag)},
		{"POST", "/api/v1/notices"}, {"POST", "/api/v1/jobs/scan/run"}, {"PUT", "/api/v1/town"}} {
		for _, path := range []string{w.path, w.path + q} {
			wantProblem(t, "county "+w.method+" "+path, e.call(w.method, path, "county", map[string]any{"note": "x"}), 403, ledger.CodeForbidden)
		}
	}
	if e.size() != n0 || e.otherSize() != o0 {
		t.Errorf("the county's requests wrote entries: %d here, %d in the other town", e.size()-n0, e.otherSize()-o0)
	}

	// The summary: every town, this one with its fund.
	r := e.call("GET", "/api/v1/county/summary", "county", nil)
	var sum struct {
		Items []struct {
			Town      string         `json:"town"`
			OpenFlags map[string]int `json:"open_flags"`
		} `json:"items"`
	}
	if err := json.Unmarshal(r.body, &sum); err != nil || r.status != 200 || len(sum.Items) < 2 {
		t.Fatalf("county summary: %v %v", r, err)
	}
	if !bytes.Contains(r.body, []byte(`"town":"`+envTown+`"`)) || !bytes.Contains(r.body, []byte(`"funds_received":"`)) ||
		!bytes.Contains(r.body, []byte(`"name":"永安镇"`)) {
		t.Errorf("county summary lacks a town: %s", r.body)
	}
	if r := e.call("GET", "/staff/county", "county", nil); r.status != 200 || !bytes.Contains(r.body, []byte("全县汇总")) || !bytes.Contains(r.body, []byte(envTown)) {
		t.Errorf("county page: %v", r)
	}
	for _, c := range []string{"admin", "auditor", "discipline", "other_town"} {
		wantProblem(t, c+" reads the county summary", e.call("GET", "/api/v1/county/summary", c, nil), 403, ledger.CodeForbidden)
	}

	// A town's admin can neither create a county account nor give the role.
	wantProblem(t, "admin creates a county account", e.call("POST", "/api/v1/users", "admin",
		map[string]any{"username": "t_cty", "password": envPassword, "role": "county"}), 403, ledger.CodeForbidden)
	wantProblem(t, "admin makes an auditor county", e.call("POST", "/api/v1/users/"+e.users["auditor"].ID+"/role", "admin",
		map[string]any{"role": "county"}), 403, ledger.CodeForbidden)
}

// TestCountyComplaints: the county office reads a town's complaints as the
// auditor does - the API list byte for byte the auditor's, the staff page
// with the text and no reply form - and never the complainant's contact
// (which the discipline office sees); it still cannot reply.
func TestCountyComplaints(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	const contact = "13907310042"
	if r := e.call("POST", "/api/public/complaints", "none", map[string]any{"village": village1, "text": "县里请看：村道路灯不亮", "contact": contact}); r.status/100 != 2 {
		t.Fatalf("file a complaint: %v", r)
	}
	q := "?town=" + envTown
	r, a := e.call("GET", "/api/v1/complaints"+q, "county", nil), e.call("GET", "/api/v1/complaints", "auditor", nil)
	if r.status != 200 || !bytes.Equal(r.body, a.body) || !bytes.Contains(r.body, []byte("县里请看")) || bytes.Contains(r.body, []byte(contact)) {
		t.Fatalf("county's complaints of %s: %v (auditor: %v)", envTown, r, a)
	}
	if d := e.call("GET", "/api/v1/complaints", "discipline", nil); !bytes.Contains(d.body, []byte(contact)) {
		t.Fatalf("the discipline office does not see the contact (the test proves nothing): %v", d)
	}
	var list struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	e.decode(r, &list)
	if len(list.Items) == 0 {
		t.Fatalf("no complaint listed: %s", r.body)
	}
	id := list.Items[0].ID
	for _, it := range list.Items {
		id = max(id, it.ID)
	}
	p := e.call("GET", fmt.Sprintf("/staff/complaints/%d", id)+q, "county", nil)
	if p.status != 200 || !bytes.Contains(p.body, []byte("县里请看")) || bytes.Contains(p.body, []byte(contact)) || bytes.Contains(p.body, []byte(`id="reply"`)) {
		t.Errorf("county's complaint page: %v", p)
	}
	if l := e.call("GET", "/staff/complaints"+q, "county", nil); l.status != 200 || !bytes.Contains(l.body, []byte("县里请看")) {
		t.Errorf("county's complaints page: %v", l)
	}
	n := e.size()
	wantProblem(t, "county replies", e.call("POST", fmt.Sprintf("/api/v1/complaints/%d/reply", id)+q, "county", map[string]any{"text": "x"}), 403, ledger.CodeForbidden)
	if e.size() != n {
		t.Error("the county's reply wrote an entry")
	}
}

// TestCountyStickyTown: the county office opens its summary, follows a
// town's link, and every link of that page (which carries no ?town=) stays
// in that town: the funds list and a fund, the flag, the ledger and an
// entry are the chosen town's, each page saying which town it reads. The
// cookie that keeps the choice is HttpOnly and SameSite=Strict, is ignored
// by the API, and another role's request carrying it by hand still reads
// only its own town.
func TestCountyStickyTown(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	var jar []*http.Cookie
	get := func(caller, path string) response {
		t.Helper()
		var hs []string
		if len(jar) > 0 {
			var parts []string
			for _, ck := range jar {
				parts = append(parts, ck.Name+"="+ck.Value)
			}
			hs = []string{"Cookie", strings.Join(parts, "; ")}
		}
		r := e.call("GET", path, caller, nil, hs...)
		for _, ck := range (&http.Response{Header: r.header}).Cookies() {
			if ck.Name != "sunshine_county_town" {
				continue
			}
			if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode {
				t.Errorf("the county town cookie is not HttpOnly and SameSite=Strict: %v", ck)
			}
			jar = []*http.Cookie{ck}
		}
		return r
	}
	link := func(r response, re string) string {
		t.Helper()
		m := regexp.MustCompile(re).FindSubmatch(r.body)
		if m == nil {
			t.Fatalf("no link %s in %s", re, r.body)
		}
		return string(m[1])
	}
	sum := get("county", "/staff/county")
	funds := link(sum, `href="(/staff/funds\?town=`+envTown+`)"`)
	r := get("county", funds)
	if r.status != 200 || !bytes.Contains(r.body, []byte(envFundDoc)) || len(jar) != 1 || jar[0].Value != envTown {
		t.Fatalf("the summary's funds link of %s: %v (cookie %v)", envTown, r, jar)
	}
	viewing := func(what string, r response) {
		t.Helper()
		if r.status != 200 || !bytes.Contains(r.body, []byte(`id="viewing"`)) || !bytes.Contains(r.body, []byte("正在查看：")) ||
			!bytes.Contains(r.body, []byte(envTown)) || !bytes.Contains(r.body, []byte(`href="/staff/county"`)) {
			t.Errorf("%s does not say it reads %s: %v", what, envTown, r)
		}
	}
	viewing("the funds page", r)
	// the links of that page carry no ?town=
	fund := link(r, `href="(/staff/funds/[^"?]+)"`)
	if f := get("county", fund); f.status != 200 || !bytes.Contains(f.body, []byte(envFundDoc)) {
		t.Errorf("county follows %s: %v", fund, f)
	} else {
		viewing("the fund page", f)
	}
	if r := get("county", "/staff/funds"); !bytes.Contains(r.body, []byte(envFundDoc)) {
		t.Errorf("the funds nav link after choosing %s: %v", envTown, r)
	}
	flag := fmt.Sprintf("/staff/flags/%d", e.flag)
	if f, a := get("county", flag), e.call("GET", flag+"?town="+envTown, "county", nil); f.status != 200 || !bytes.Equal(f.body, a.body) {
		t.Errorf("county follows %s: %v, with ?town=: %v", flag, f, a)
	}
	led := get("county", "/staff/ledger")
	entry := link(led, `href="(/staff/entries/\d+)"`)
	withTown := e.call("GET", entry+"?town="+envTown, "county", nil)
	if f := get("county", entry); f.status != 200 || !bytes.Equal(f.body, withTown.body) {
		t.Errorf("county follows %s: %v, with ?town=: %v", entry, f, withTown)
	}
	// the API ignores the cookie: its own town
	if r := get("county", "/api/v1/funds"); r.status != 200 || bytes.Contains(r.body, []byte(envFundDoc)) {
		t.Errorf("the API read the county's cookie: %v", r)
	}
	// another town's admin with the cookie set by hand: its own town only
	if r := get("other_town", "/staff/funds"); r.status != 200 || bytes.Contains(r.body, []byte(envFundDoc)) || bytes.Contains(r.body, []byte(`id="viewing"`)) {
		t.Errorf("another town's admin with the county cookie read %s: %v", envTown, r)
	}
	if r := get("auditor", "/staff/funds"); r.status != 200 || !bytes.Contains(r.body, []byte(envFundDoc)) {
		t.Errorf("the auditor with the county cookie: %v", r)
	}
	jar = []*http.Cookie{{Name: "sunshine_county_town", Value: envOtherTown}}
	if r := get("auditor", "/staff/funds"); r.status != 200 || !bytes.Contains(r.body, []byte(envFundDoc)) {
		t.Errorf("the auditor with a cookie naming another town: %v", r)
	}
	jar = []*http.Cookie{{Name: "sunshine_county_town", Value: "439901999"}}
	if r := get("county", "/staff/funds"); r.status != 200 || bytes.Contains(r.body, []byte(envFundDoc)) {
		t.Errorf("county with a cookie naming an unknown town: %v", r)
	}
}

// TestCountySummaryCounts: the summary's open_flags counts the unresolved
// flags (未办结: open, acknowledged, escalated), not the confirmed or
// dismissed ones, and notices_published counts the notices published in
// or past their posting period (published, ended), not drafts, withdrawn
// ones, or one superseded by a correction (the correction counts). The
// page shows the same numbers under 未办结线索 and 已发布公告.
func TestCountySummaryCounts(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	ctx := context.Background()
	type line struct {
		Town             string         `json:"town"`
		NoticesPublished int            `json:"notices_published"`
		OpenFlags        map[string]int `json:"open_flags"`
	}
	summary := func() line {
		t.Helper()
		r := e.call("GET", "/api/v1/county/summary", "county", nil)
		var sum struct {
			Items []line `json:"items"`
		}
		if err := json.Unmarshal(r.body, &sum); err != nil || r.status != 200 {
			t.Fatalf("county summary: %v %v", r, err)
		}
		for _, l := range sum.Items {
			if l.Town == envTown {
				return l
			}
		}
		t.Fatalf("county summary lacks %s: %s", envTown, r.body)
		return line{}
	}
	before := summary()
	if before.OpenFlags[ledger.SeverityWarn] < 1 {
		t.Fatalf("the fixture's open flag is not counted: %+v", before)
	}

	// Flags: five new warn flags of 田坪村; the monitor leaves one open,
	// acknowledges one, escalates one, confirms one and dismisses one.
	mon := e.users["monitor"]
	steps := []string{"", "acknowledge", "escalate", "confirm", "dismiss"}
	want := map[string]string{"": ledger.FlagOpen, "acknowledge": ledger.FlagAcknowledged, "escalate": ledger.FlagEscalated,
		"confirm": ledger.FlagConfirmed, "dismiss": ledger.FlagDismissed}
	for _, action := range steps {
		id := e.newFlag()
		if action != "" {
			if _, err := e.svc.ReviewFlag(ctx, e.lg, mon, id, action, "已到村核实", nil); err != nil {
				t.Fatalf("%s flag %d: %v", action, id, err)
			}
		}
		if f, err := e.svc.Flag(ctx, e.lg, id); err != nil || f.Status != want[action] || f.Severity != ledger.SeverityWarn {
			t.Fatalf("flag %d after %q: %+v %v", id, action, f, err)
		}
	}

	// Notices: one published and ended (its period over, the publicity
	// step ends it), one still in its period, a draft, one withdrawn, and
	// one superseded by a correction that is published.
	ended := e.noticePublished()
	e.clock.Advance(11 * 24 * time.Hour)
	if _, err := e.svc.RunPublicity(ctx, e.lg, "system"); err != nil {
		t.Fatal(err)
	}
	posted := e.noticePublished()
	draft := e.noticeDraft()
	withdrawn := e.noticePublished()
	if _, err := e.svc.WithdrawNotice(ctx, e.lg, e.users["finance"].ID, withdrawn.ID, "数据有误，撤回重发", nil); err != nil {
		t.Fatal(err)
	}
	replaced := e.noticePublished()
	corr, err := e.svc.DraftNotice(ctx, e.lg, e.users["finance"].ID, ledger.NoticeDraftInput{Type: replaced.Type, Period: replaced.Period,
		Supersedes: replaced.Code}, nil)
	if err != nil {
		t.Fatal(err)
	}
	correction, err := e.publisher.Publish(ctx, e.lg, e.users["finance"].ID, corr.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	for id, st := range map[int64]string{ended.ID: ledger.NoticeEnded, posted.ID: ledger.NoticePublished, draft: ledger.NoticeDraft,
		withdrawn.ID: ledger.NoticeWithdrawn, replaced.ID: ledger.NoticeSuperseded, correction.Notice.ID: ledger.NoticePublished} {
		if n, err := e.svc.Notice(ctx, e.lg, id); err != nil || n.Status != st {
			t.Fatalf("notice %d: status %q, want %q (%v)", id, n.Status, st, err)
		}
	}

	after := summary()
	if d := after.OpenFlags[ledger.SeverityWarn] - before.OpenFlags[ledger.SeverityWarn]; d != 3 {
		t.Errorf("open_flags warn went from %d to %d (+%d), want +3: open, acknowledged and escalated count, confirmed and dismissed do not",
			before.OpenFlags[ledger.SeverityWarn], after.OpenFlags[ledger.SeverityWarn], d)
	}
	if after.OpenFlags[ledger.SeverityHigh] != before.OpenFlags[ledger.SeverityHigh] || after.OpenFlags[ledger.SeverityInfo] != before.OpenFlags[ledger.SeverityInfo] {
		t.Errorf("open_flags high/info changed: %v → %v", before.OpenFlags, after.OpenFlags)
	}
	if d := after.NoticesPublished - before.NoticesPublished; d != 3 {
		t.Errorf("notices_published went from %d to %d (+%d), want +3: the ended, the posted and the correction; not the draft, the withdrawn or the superseded",
			before.NoticesPublished, after.NoticesPublished, d)
	}

	// The page: the same numbers, under labels that say what they count.
	p := e.call("GET", "/staff/county", "county", nil)
	card := regexp.MustCompile(`(?s)<div class="card" id="town-` + envTown + `">.*?</div>`).Find(p.body)
	if p.status != 200 || card == nil {
		t.Fatalf("county page: %v", p)
	}
	for _, s := range []string{"<dt>未办结线索</dt>", fmt.Sprintf("，中 %d，", after.OpenFlags[ledger.SeverityWarn]),
		"<dt>已发布公告</dt>", fmt.Sprintf("<dd>%d 份</dd>", after.NoticesPublished)} {
		if !bytes.Contains(card, []byte(s)) {
			t.Errorf("%s's card lacks %q: %s", envTown, s, card)
		}
	}
	if bytes.Contains(p.body, []byte("待处理线索")) || !bytes.Contains(p.body, []byte("未办结线索指待处理、已签收和已移交纪委的线索")) {
		t.Errorf("the county page does not say which flags it counts: %s", p.body)
	}
}
