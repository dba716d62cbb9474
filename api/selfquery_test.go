package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/ledger"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// TestSelfQuery: a villager sees their own payments with the self-query
// masking; an unknown person and a person without payments get the same
// answer; bad input is refused with a Chinese detail.
func TestSelfQuery(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	e.payment("finance", ledger.PaymentRow{ProjectCode: envProject1, PayeeIDNumber: e.ids["tp2"], Amount: lt.Y("321.50"), PaidOn: lt.D("2026-02-03")})
	q := func(village, name, id string, headers ...string) response {
		return e.call("POST", "/api/public/query", "none", map[string]any{"village": village, "name": name, "id_number": id}, headers...)
	}
	r := q(village1, e.names["tp2"], e.ids["tp2"])
	if r.status != 200 || !strings.Contains(string(r.body), "321.50") || !strings.Contains(string(r.body), e.names["tp2"]) {
		t.Fatalf("own payments: %s", r)
	}
	id := e.ids["tp2"]
	if !strings.Contains(string(r.body), id[:1]+strings.Repeat("*", 16)+id[17:]) || strings.Contains(string(r.body), id) {
		t.Fatalf("ID not masked first 1 + last 1: %s", r.body)
	}
	// sn1 has no payments; the unknown person does not exist: same answer
	none := q(village2, e.names["sn1"], e.ids["sn1"])
	unknown := q(village2, "张三丰", lt.ID(901, 1960))
	wrongVillage := q(village1, e.names["sn1"], e.ids["sn1"])
	if none.status != 200 || string(none.body) != string(unknown.body) || string(none.body) != string(wrongVillage.body) {
		t.Fatalf("no payments %s / unknown %s / wrong village %s", none, unknown, wrongVillage)
	}
	// a wrong check digit
	bad := e.ids["tp1"][:17] + map[bool]string{true: "1", false: "2"}[e.ids["tp1"][17] != '1']
	wantProblem(t, "wrong check digit", q(village1, e.names["tp1"], bad), 422, ledger.CodeInvalidIDNumber)
	wantProblem(t, "no village", q("", e.names["tp1"], e.ids["tp1"]), 422, ledger.CodeValidationFailed)
	// the HTML form says the same in a page
	page := e.postForm("/query", url.Values{"village": {village1}, "name": {e.names["tp2"]}, "id_number": {e.ids["tp2"]}})
	if !strings.Contains(page, "321.50") || strings.Contains(page, id) {
		t.Fatal("the query page does not show the payment, or shows the full ID")
	}
}

// TestSelfQueryBruteForce: trying the 1,000 sequence numbers of a known
// name and birth date is stopped by the (town, village, name) limit after 5
// failures, whatever the caller's IP claims.
func TestSelfQueryBruteForce(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	target := e.ids["tp1"]
	birth, _ := time.Parse("20060102", target[6:14])
	limited := 0
	for seq := range 20 {
		guess := ledger.MakeIDNumber("439901", birth, seq)
		if guess == target {
			continue
		}
		r := e.call("POST", "/api/public/query", "none", map[string]any{"village": village1, "name": e.names["tp1"], "id_number": guess},
			"X-Forwarded-For", fmt.Sprintf("10.0.0.%d", seq))
		switch {
		case r.status == http.StatusTooManyRequests:
			wantProblem(t, "brute force", r, 429, ledger.CodeRateLimited)
			limited++
		case r.status != 200:
			t.Fatalf("guess %d: %s", seq, r)
		}
	}
	if limited < 14 {
		t.Fatalf("only %d of the guesses were refused", limited)
	}
	// even the right ID is refused for the rest of the day...
	r := e.call("POST", "/api/public/query", "none", map[string]any{"village": village1, "name": e.names["tp1"], "id_number": target})
	wantProblem(t, "after the limit", r, 429, ledger.CodeRateLimited)
	// ...and works the next day
	e.clock.Advance(25 * time.Hour)
	if r := e.call("POST", "/api/public/query", "none", map[string]any{"village": village1, "name": e.names["tp1"], "id_number": target}); r.status != 200 {
		t.Fatalf("next day: %s", r)
	}
}

// TestSelfQuerySpoofedForwardedFor: X-Forwarded-For from a peer that is
// not a trusted proxy is ignored, so changing it does not escape the per-IP
// limit (30 an hour).
func TestSelfQuerySpoofedForwardedFor(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	refused := 0
	for i := range 32 {
		r := e.call("POST", "/api/public/query", "none", map[string]any{"village": village1, "name": fmt.Sprintf("访客%d", i), "id_number": lt.ID(700+i, 1980)},
			"X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i), "X-Real-Ip", fmt.Sprintf("198.51.100.%d", i))
		if r.status == http.StatusTooManyRequests {
			refused++
		}
	}
	if refused != 2 {
		t.Fatalf("%d refused, want the 31st and 32nd (one client, spoofed headers ignored)", refused)
	}
}

// TestComplaintsBadInput: script in a complaint is escaped everywhere; text
// over 2,000 characters and empty text are refused; the contact stays
// private.
func TestComplaintsBadInput(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	script := `<script>alert("x")</script><img src=x onerror=alert(1)>`
	r := e.call("POST", "/api/public/complaints", "none", map[string]any{"village": village1, "text": "路灯不亮 " + script, "contact": "13800000000"})
	if r.status != http.StatusCreated {
		t.Fatalf("complaint: %s", r)
	}
	var rc struct{ Receipt string }
	e.decode(r, &rc)
	for _, path := range []string{"/complaints?receipt=" + rc.Receipt, "/api/public/complaints/" + rc.Receipt} {
		body := string(e.call("GET", path, "none", nil).body)
		if strings.Contains(body, "<script>") || strings.Contains(body, "<img") {
			t.Errorf("%s: script not escaped", path)
		}
		if strings.Contains(body, "13800000000") {
			t.Errorf("%s shows the contact", path)
		}
		if !strings.Contains(body, "路灯不亮") {
			t.Errorf("%s lacks the text", path)
		}
	}
	staff := e.call("GET", "/api/v1/complaints", "discipline", nil)
	if strings.Contains(string(staff.body), "<script>") || !strings.Contains(string(staff.body), "13800000000") {
		t.Errorf("staff list: %s", staff.body)
	}
	// only the discipline office reads contacts (issue 18)
	for _, who := range []string{"finance", "admin"} {
		if strings.Contains(string(e.call("GET", "/api/v1/complaints", who, nil).body), "13800000000") {
			t.Errorf("%s sees the contact", who)
		}
	}
	if strings.Contains(string(e.call("GET", "/api/v1/complaints", "auditor", nil).body), "13800000000") {
		t.Error("the auditor sees the contact")
	}
	wantProblem(t, "too long", e.call("POST", "/api/public/complaints", "none", map[string]any{"text": strings.Repeat("长", 2001)}), 422, ledger.CodeValidationFailed)
	wantProblem(t, "empty", e.call("POST", "/api/public/complaints", "none", map[string]any{"text": "  "}), 422, ledger.CodeValidationFailed)
	wantProblem(t, "unknown notice", e.call("POST", "/api/public/complaints", "none", map[string]any{"text": "有问题", "notice_code": "x-1"}), 404, ledger.CodeNotFound)
	wantProblem(t, "unknown receipt", e.call("GET", "/api/public/complaints/ZZZZZ-ZZZZZ", "none", nil), 404, ledger.CodeNotFound)
	// the form page: too long text is refused in Chinese on the page
	page := e.postForm("/complaints", url.Values{"text": {strings.Repeat("长", 2001)}})
	if !strings.Contains(page, "不能超过") {
		t.Error("the form page does not explain the refusal")
	}
}

// TestUndrawableNameRefused: a name the notices' font cannot draw is
// refused at registration (API and import), naming the character.
func TestUndrawableNameRefused(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	before := e.size()
	r := e.call("POST", "/api/v1/persons", "finance", map[string]any{"village": village1, "group": "二组", "name": "王𠀀", "id_number": lt.ID(951, 1990),
		"relation": "户主", "household_kind": "一般农户"})
	p := wantProblem(t, "undrawable name", r, 422, ledger.CodeValidationFailed)
	if !strings.Contains(p.Detail+fmt.Sprint(p.Errors), "无法在公告中打印") {
		t.Fatalf("detail: %+v", p)
	}
	csv := "村,村民小组,户主身份证号,姓名,身份证号,与户主关系,户属性,迁入本户日期\n" + village1 + ",一组," + lt.ID(952, 1990) + ",李𠀀," + lt.ID(952, 1990) + ",户主,一般农户,2015-01-01\n"
	r = e.upload("/api/v1/imports/persons", "finance", "花名册.csv", []byte(csv), "")
	wantProblem(t, "undrawable name in an import", r, 422, ledger.CodeImportRowsInvalid)
	if !strings.Contains(string(r.body), "无法在公告中打印") {
		t.Fatalf("import errors: %s", r.body)
	}
	if e.size() != before {
		t.Fatal("a refused name wrote entries")
	}
}
