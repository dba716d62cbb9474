package api_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// The words the staff pages must not show (issue 19): an internal entry
// type, a user id, a raw cron spec, a UTC time.
var (
	plainActorID = regexp.MustCompile(`\b\d{6,12}-u\d+\b`)
	plainCron    = regexp.MustCompile(`(?:^|[\s>：(（])(?:[\d*/,-]+ ){4}[\d*/,-]+(?:[\s<)）]|$)|@every \S+`)
	plainUTC     = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?(\.\d+)?Z`)
	plainTypes   = func() *regexp.Regexp {
		ts := ledger.EntryTypes()
		for i, t := range ts {
			ts[i] = regexp.QuoteMeta(t)
		}
		// a whole word: not inside a longer identifier
		return regexp.MustCompile(`(?:^|[^A-Za-z0-9_])(` + strings.Join(ts, "|") + `)(?:[^A-Za-z0-9_]|$)`)
	}()
	// rawEntry is the entry page's canonical bytes, shown on purpose
	// (folded, under 原始记录): they are what an auditor hashes, and hold
	// the type, the actor id and the UTC time as the log stores them.
	rawEntry = regexp.MustCompile(`(?s)<pre class="entry raw" id="entry-raw">.*?</pre>`)
	tags     = regexp.MustCompile(`(?s)<[^>]*>`)
)

// pageText is what a person reads on a page: its text without the tags,
// the entities decoded, and without the entry's folded canonical bytes.
func pageText(body string) string {
	return html.UnescapeString(tags.ReplaceAllString(rawEntry.ReplaceAllString(body, ""), " "))
}

// plainProblems lists what a page shows that people should not have to
// read.
func plainProblems(body string) []string {
	text := pageText(body)
	var out []string
	if m := plainTypes.FindStringSubmatch(text); m != nil {
		out = append(out, "entry type "+m[1])
	}
	if m := plainActorID.FindString(text); m != "" {
		out = append(out, "actor id "+m)
	}
	for _, m := range plainCron.FindAllString(text, -1) {
		if strings.ContainsAny(m, "*/@") {
			out = append(out, "cron spec "+strings.TrimSpace(m))
			break
		}
	}
	if m := plainUTC.FindString(text); m != "" {
		out = append(out, "UTC time "+m)
	}
	return out
}

// TestStaffPagesPlain (issue 19): every staff page each role may open —
// lists, a flag with a review in its history, a complaint with a reply,
// every entry of the ledger, the jobs page after jobs ran (and one failed)
// — shows no internal entry type, no user id, no raw cron spec and no
// UTC time; the entry page and the jobs page show the plain words instead.
func TestStaffPagesPlain(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	ctx := context.Background()

	// A flag reviewed by the monitor (history with an actor), a complaint
	// answered by finance, a notice drafted, jobs run by the admin, and a
	// run that failed with a Go error.
	mon := &pageSession{e: e}
	mon.login("t_mon")
	if st, body, _ := mon.do("POST", fmt.Sprintf("/staff/flags/%d/review", e.flag), url.Values{"csrf": {mon.csrf()}, "action": {"acknowledge"}, "note": {"开始核实"}}); st != http.StatusSeeOther {
		t.Fatalf("acknowledge: %d %s", st, body)
	}
	cm, err := e.svc.FileComplaint(ctx, e.lg, ledger.ComplaintInput{Village: village1, Text: "反映公益岗位补助未到账", Contact: "13900000000"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.ReplyComplaint(ctx, e.lg, e.users["finance"].ID, cm.ID, "已核实，正在补发", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.DraftNotice(ctx, e.lg, e.users["finance"].ID, ledger.NoticeDraftInput{Type: ledger.NoticePaymentResult, Village: "田坪村", Period: "2026-03"}, nil); err != nil {
		t.Fatal(err)
	}
	admin := &pageSession{e: e}
	admin.login("t_admin")
	for _, job := range []string{"verify", "checkpoint", "scan", "publicity", "escalate", "notices"} {
		st, body, h := admin.do("POST", "/staff/jobs/"+job+"/run", url.Values{"csrf": {admin.csrf()}})
		if st != http.StatusSeeOther {
			t.Fatalf("run %s: %d %s", job, st, body)
		}
		res := pageText(admin.task(h.Get("Location")))
		if !strings.Contains(res, "运行结果") || strings.Contains(res, "ms。") || regexp.MustCompile(`[a-z_]{3,} \d`).MatchString(res) {
			t.Fatalf("run %s: %s", job, res)
		}
	}
	if _, err := e.store.RecordRun(ctx, ledger.JobRun{Job: "notices", Holder: "api-test", StartedAt: time.Now().UTC().Add(-time.Minute),
		FinishedAt: time.Now().UTC(), Outcome: ledger.OutcomeFailure, Error: "panic: runtime error: index out of range [3] with length 3"}); err != nil {
		t.Fatal(err)
	}

	ns, err := e.svc.Notices(ctx, e.lg, "", "", "")
	if err != nil || len(ns) == 0 {
		t.Fatalf("notices: %v %d", err, len(ns))
	}
	paths := []string{
		"/staff/flags?status=open", "/staff/flags?status=", fmt.Sprintf("/staff/flags/%d", e.flag),
		"/staff/imports", "/staff/record?kind=payment", "/staff/record?kind=fund", "/staff/record?kind=allocation",
		"/staff/funds", fmt.Sprintf("/staff/funds/%d", e.fund.ID), "/staff/projects", "/staff/projects/" + envProject1,
		"/staff/payments", "/staff/payments?status=pending_approval", "/staff/loans", "/staff/village",
		"/staff/ledger", "/staff/notices", fmt.Sprintf("/staff/notices/%d", ns[0].ID),
		"/staff/complaints", fmt.Sprintf("/staff/complaints/%d", cm.ID),
		"/staff/users", "/staff/jobs", "/staff/county", "/staff/password",
	}
	for seq := range e.size() {
		paths = append(paths, fmt.Sprintf("/staff/entries/%d", seq))
	}
	roles := []struct {
		caller string
		must   []string // pages the role must open (200)
	}{
		{"admin", []string{"/staff/users", "/staff/jobs", "/staff/ledger", "/staff/entries/3"}},
		{"finance", []string{"/staff/ledger", "/staff/record?kind=payment", fmt.Sprintf("/staff/complaints/%d", cm.ID)}},
		{"approver", []string{"/staff/payments?status=pending_approval", "/staff/notices"}},
		{"monitor", []string{fmt.Sprintf("/staff/flags/%d", e.flag), "/staff/village", fmt.Sprintf("/staff/complaints/%d", cm.ID)}},
		{"discipline", []string{"/staff/jobs", fmt.Sprintf("/staff/flags/%d", e.flag), "/staff/ledger"}},
		{"auditor", []string{"/staff/jobs", "/staff/ledger", "/staff/entries/3"}},
		{"county", []string{"/staff/county", "/staff/jobs", "/staff/ledger", "/staff/entries/3"}},
	}
	for _, r := range roles {
		t.Run(r.caller, func(t *testing.T) {
			p := &pageSession{e: e}
			p.login(e.usernames[r.caller])
			opened := map[string]bool{}
			for _, path := range paths {
				get := path
				if r.caller == "county" && path != "/staff/county" {
					sep := "?"
					if strings.Contains(path, "?") {
						sep = "&"
					}
					get += sep + "town=" + envTown
				}
				st, body, _ := p.do("GET", get, nil)
				if st >= 500 {
					t.Errorf("%s: %d", get, st)
				}
				opened[path] = st == http.StatusOK
				if probs := plainProblems(body); len(probs) > 0 {
					t.Errorf("%s (%d) shows %s", get, st, strings.Join(probs, "; "))
				}
			}
			for _, m := range r.must {
				if !opened[m] {
					t.Errorf("%s could not open %s", r.caller, m)
				}
			}
		})
	}

	// What the pages say instead.
	aud := &pageSession{e: e}
	aud.login("t_aud")
	_, jobsPage, _ := aud.do("GET", "/staff/jobs", nil)
	mustContain(t, "jobs page", pageText(jobsPage), "计划：每天 02:00", "计划：每 10 分钟", "计划：每小时整点", "任务失败：程序内部错误", "技术信息", "用时 ")
	if strings.Contains(pageText(jobsPage), "ms") || regexp.MustCompile(`用时 [\d.]+s`).MatchString(jobsPage) {
		t.Errorf("a duration in Go's units on the jobs page")
	}
	_, flagPage, _ := aud.do("GET", fmt.Sprintf("/staff/flags/%d", e.flag), nil)
	mustContain(t, "flag history", pageText(flagPage), "发现（系统（自动））", "签收（t_mon）：开始核实")
	_, ledgerPage, _ := aud.do("GET", "/staff/ledger", nil)
	mustContain(t, "ledger page", pageText(ledgerPage), "线索处理", "t_mon", "系统（自动）")
	pay := e.pending.Seq
	_, entry, _ := aud.do("GET", fmt.Sprintf("/staff/entries/%d", pay), nil)
	mustContain(t, "payment entry", entry, "支付录入", "t_fin1", "6,000.00 元", "原始记录", `&#34;type&#34;:&#34;payment_recorded&#34;`)
	_, cpage, _ := aud.do("GET", fmt.Sprintf("/staff/complaints/%d", cm.ID), nil)
	if !regexp.MustCompile(`提出时间\s+\d{4}-\d\d-\d\d \d\d:\d\d`).MatchString(pageText(cpage)) {
		t.Errorf("complaint time not in the town's zone: %s", pageText(cpage))
	}
}

// TestStaffFormsKeepInput (issue 19): a refused form comes back with what
// was chosen and typed: the flag review's action and note, the complaint
// resolution's outcome and note, the new user's villages.
func TestStaffFormsKeepInput(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	ctx := context.Background()
	mon := &pageSession{e: e}
	mon.login("t_mon")
	review := fmt.Sprintf("/staff/flags/%d/review", e.flag)

	// 排除 without a reason: refused, 排除 still chosen (not 签收).
	st, body, _ := mon.do("POST", review, url.Values{"csrf": {mon.csrf()}, "action": {"dismiss"}, "note": {" "}})
	mustStatus(t, "dismiss without a reason", st, http.StatusUnprocessableEntity, body)
	mustContain(t, "refused dismissal", body, "须说明理由", `<option value="dismiss" selected>`)
	if strings.Contains(body, `<option value="acknowledge" selected>`) {
		t.Fatal("the refused review picks 签收 again")
	}
	// A step refused for the flag's state: the note typed is kept.
	if st, body, _ := mon.do("POST", review, url.Values{"csrf": {mon.csrf()}, "action": {"acknowledge"}}); st != http.StatusSeeOther {
		t.Fatalf("acknowledge: %d %s", st, body)
	}
	note := "已电话联系户主，下周入户核实 <两笔>"
	st, body, _ = mon.do("POST", review, url.Values{"csrf": {mon.csrf()}, "action": {"acknowledge"}, "note": {note}})
	mustStatus(t, "acknowledge twice", st, http.StatusConflict, body)
	mustContain(t, "refused acknowledgement", body, `<option value="acknowledge" selected>`, ">"+html.EscapeString(note)+"</textarea>")

	// A resolution with a note too long: refused, outcome and note kept.
	cm, err := e.svc.FileComplaint(ctx, e.lg, ledger.ComplaintInput{Village: village1, Text: "反映补助金额不对"})
	if err != nil {
		t.Fatal(err)
	}
	fin := &pageSession{e: e}
	fin.login("t_fin1")
	long := strings.Repeat("经核实", ledger.MaxComplaintText/3+1)
	st, body, _ = fin.do("POST", fmt.Sprintf("/staff/complaints/%d/resolve", cm.ID), url.Values{"csrf": {fin.csrf()}, "outcome": {"rejected"}, "note": {long}})
	mustStatus(t, "resolve with a long note", st, http.StatusUnprocessableEntity, body)
	mustContain(t, "refused resolution", body, `<option value="rejected" selected>`, ">"+long+"</textarea>")
	st, body, _ = fin.do("POST", fmt.Sprintf("/staff/complaints/%d/reply", cm.ID), url.Values{"csrf": {fin.csrf()}, "text": {long}})
	mustStatus(t, "reply too long", st, http.StatusUnprocessableEntity, body)
	mustContain(t, "refused reply", body, `name="text">`+long+"</textarea>")

	// A reversal refused (the town's registration is no money entry): the
	// reason typed is kept.
	st, body, _ = fin.do("POST", "/staff/entries/0/reversal", url.Values{"csrf": {fin.csrf()}, "reason": {"误录，予以冲正"}})
	if st < 400 || st >= 500 {
		t.Fatalf("reversal of the town's registration: %d", st)
	}
	mustContain(t, "refused reversal", body, `name="reason">误录，予以冲正</textarea>`)

	// A new user refused (password too short): username, role and villages kept.
	admin := &pageSession{e: e}
	admin.login("t_admin")
	st, body, _ = admin.do("POST", "/staff/users", url.Values{"csrf": {admin.csrf()}, "username": {"new_mon"}, "password": {"short"},
		"role": {ledger.RoleMonitor}, "villages": {village2}})
	if st < 400 || st >= 500 {
		t.Fatalf("short password: %d", st)
	}
	mustContain(t, "refused new user", body, `value="new_mon"`, `<option value="monitor" selected>`)
	newUser := body[strings.Index(body, `id="newuser"`):]
	mustContain(t, "refused new user's villages", newUser, `value="`+village2+`" checked>`)
	if strings.Contains(newUser, `value="`+village1+`" checked>`) {
		t.Fatal("a village not ticked is ticked")
	}

	// A monitor's change refused (no village left): that account's form
	// opens with the choices made (disabled ticked, 田坪村 not).
	monID := e.users["monitor"].ID
	st, body, _ = admin.do("POST", "/staff/users/"+monID, url.Values{"csrf": {admin.csrf()}, "disabled": {"true"}})
	mustStatus(t, "a monitor without villages", st, http.StatusUnprocessableEntity, body)
	i := strings.Index(body, `action="/staff/users/`+monID+`"`)
	if i < 0 {
		t.Fatal("no form of the monitor")
	}
	form := body[i:]
	form = form[:strings.Index(form, "</form>")]
	mustContain(t, "refused change", body[strings.LastIndex(body[:i], "<details"):i], "open")
	mustContain(t, "refused change", form, `name="disabled" value="true" checked>`)
	if strings.Contains(form, `value="`+village1+`" checked>`) {
		t.Fatal("the refused form shows the stored villages, not the choice made")
	}
}

// TestPlainProblemsCatches: the checks of TestStaffPagesPlain find what
// the pages used to show, and pass the words they show now.
func TestPlainProblemsCatches(t *testing.T) {
	for _, bad := range []string{
		"<td>notice_published</td>", "<dd>430181117-u4418</dd>", "<p>计划：0 2 * * *</p>", "<p>计划：*/10 * * * *</p>",
		"<p>计划：@every 1h</p>", " · 2026-03-01T08:00:00Z<br>", "<li>2026-03-01T08:00Z 答复</li>",
	} {
		if len(plainProblems(bad)) == 0 {
			t.Errorf("not caught: %s", bad)
		}
	}
	for _, good := range []string{
		"<td>公告发布</td>", "<dd>t_fin1</dd>", "<p>计划：每天 02:00</p>", "<p>计划：每 10 分钟</p>", " · 2026-03-01 16:00<br>",
		"<td>1 2 3</td>", `<a href="/staff/notices?status=published">`, "<p>金额 1,234.00 元，账本序号 12</p>",
		`<pre class="entry raw" id="entry-raw">{"type":"notice_published","recorded_at":"2026-03-01T08:00:00Z"}</pre>`,
	} {
		if p := plainProblems(good); len(p) > 0 {
			t.Errorf("%s: %v", good, p)
		}
	}
}
