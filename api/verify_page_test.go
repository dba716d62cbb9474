package api_test

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/sunshine-ledger/sunshine/disclosure"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
)

// noticePDF builds a PDF a visitor might upload: the two embedded files a
// notice PDF carries (rows.json, compressed, and checkpoint.txt), and
// nothing else.
func noticePDF(t *testing.T, rows []byte, checkpoint string) []byte {
	t.Helper()
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	zw.Write(rows)
	zw.Close()
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n")
	fmt.Fprintf(&b, "\n1 0 obj << /Type /Filespec /UF (rows.json) /EF << /F 2 0 R >> >> endobj\n")
	fmt.Fprintf(&b, "\n2 0 obj << /Type /EmbeddedFile /Filter /FlateDecode /Length %d >> stream\n", z.Len())
	b.Write(z.Bytes())
	b.WriteString("\nendstream endobj\n")
	fmt.Fprintf(&b, "\n3 0 obj << /Type /Filespec /UF (checkpoint.txt) /EF << /F 4 0 R >> >> endobj\n")
	fmt.Fprintf(&b, "\n4 0 obj << /Type /EmbeddedFile /Length %d >> stream\n%s\nendstream endobj\n%%%%EOF\n", len(checkpoint), checkpoint)
	return b.Bytes()
}

func (e *townEnv) uploadPDF(pdf []byte) response {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("pdf", "公告.pdf")
	fw.Write(pdf)
	mw.Close()
	return e.rawBody("POST", "/verify", "none", mw.FormDataContentType(), buf.Bytes())
}

// TestVerifyPageBounded (issue 14 §5): the public verify page's work is
// bounded. The upload of the review (a few KB whose rows.json inflates to
// 300,000 rows) is refused before any row is checked, by the 1 MiB cap on
// what an attachment inflates to; a PDF under the cap that claims more rows
// than its notice has is refused by the row bound; an unknown notice is
// refused; each with a Chinese message, ✘ and its status. One client
// address gets at most its minute's verifications. The time budget stops
// the proofs, not only the answer.
func TestVerifyPageBounded(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	p := e.publish(e.draft(map[string]any{"type": ledger.NoticeLoans, "village": village1, "period": "2026-02"}))
	n, err := e.svc.NoticeByCode(context.Background(), e.lg, p.Code)
	if err != nil {
		t.Fatal(err)
	}
	st, err := disclosure.LoadStored(context.Background(), e.svc, e.lg, n)
	if err != nil || len(st.Rows) == 0 {
		t.Fatalf("stored notice: %+v %v", st, err)
	}
	rowsOf := func(code string, count int) []byte {
		a := disclosure.Attachment{Notice: code, Rows: make([]disclosure.RowLeaf, count)}
		for i := range a.Rows {
			a.Rows[i] = disclosure.RowLeaf{Seq: int64(i % 50), LeafHash: base64.StdEncoding.EncodeToString(make([]byte, 32))}
		}
		b, _ := json.Marshal(a)
		return b
	}
	huge := noticePDF(t, rowsOf(p.Code, 300000), st.Checkpoint)
	if len(huge) > 200<<10 {
		t.Fatalf("the hostile PDF is %d bytes; the review's was 6.4 KB", len(huge))
	}
	cases := []struct {
		name   string
		pdf    []byte
		status int
		words  string
	}{
		{"300,000 rows inflating past the cap", huge, http.StatusUnprocessableEntity, "过大"},
		{"more rows than the notice", noticePDF(t, rowsOf(p.Code, len(st.Rows)+1), st.Checkpoint), http.StatusUnprocessableEntity, "多于该公告"},
		{"an unknown notice", noticePDF(t, rowsOf("430181117-2026-9999", 1), st.Checkpoint), http.StatusNotFound, "不存在"},
		{"not a notice PDF", []byte("%PDF-1.7\n%%EOF\n"), http.StatusUnprocessableEntity, "不是本系统发布的公告"},
		// The review's second upload: unclosed attachment names after every
		// /Type /Filespec once made the reader quadratic (336 KB took 27 s,
		// so this 2 MB one hours); the reader now looks only near each one.
		{"2 MB of unclosed file specifications", bytes.Repeat([]byte("/Type /Filespec /UF ("), 100000), http.StatusUnprocessableEntity, "不是本系统发布的公告"},
	}
	for _, c := range cases {
		r := e.uploadPDF(c.pdf)
		body := string(r.body)
		if r.status != c.status || !strings.Contains(body, "✘") || !strings.Contains(body, c.words) || strings.Contains(body, "账本序号 0 的记录") {
			t.Errorf("%s: %d, want %d with ✘ and %q and no row checked: %.400s", c.name, r.status, c.status, c.words, body)
		}
	}
	for _, c := range []struct {
		path   string
		status int
		words  string
	}{
		{"/verify?notice=430181117-2026-9999", http.StatusNotFound, "未找到编号为"},
		{"/verify?notice=" + url.QueryEscape(p.Code) + "&n=abc&r=xyz", http.StatusBadRequest, "无法识别"},
	} {
		r := e.call("GET", c.path, "none", nil)
		if r.status != c.status || !strings.Contains(string(r.body), "✘") || !strings.Contains(string(r.body), c.words) {
			t.Errorf("%s: %d %.300s", c.path, r.status, r.body)
		}
	}
	// The rate limit: 30 verifications a minute from one address.
	limited := 0
	for range 40 {
		if r := e.call("GET", "/verify?notice="+url.QueryEscape(p.Code), "none", nil); r.status == http.StatusTooManyRequests {
			limited++
			if !strings.Contains(string(r.body), "核验过于频繁") || r.header.Get("Retry-After") == "" {
				t.Fatalf("429 page: %.300s", r.body)
			}
		}
	}
	if limited < 10 {
		t.Errorf("%d of 40 more verifications refused from one address, want the ones past 30 a minute", limited)
	}

	// The time budget stops the work: a context that has run out proves
	// no row.
	src := &countingSource{Source: disclosure.LedgerSource{L: e.svc.L, Lg: e.lg}}
	key, _ := e.svc.L.VerifierKey(e.lg)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep := disclosure.Verify(ctx, src, disclosure.Trust{Key: key}, disclosure.Claim{Notice: p.Code, Rows: st.Rows, Checkpoint: []byte(st.Checkpoint), PublishSeq: -1})
	if rep.OK || !rep.Stopped || src.inclusions.Load() != 0 {
		t.Fatalf("verify out of time: stopped=%v ok=%v after %d inclusion proofs", rep.Stopped, rep.OK, src.inclusions.Load())
	}
}

type countingSource struct {
	disclosure.Source
	inclusions atomic.Int64
}

func (s *countingSource) Inclusion(ctx context.Context, index, size int64) (tlog.RecordProof, error) {
	s.inclusions.Add(1)
	return s.Source.Inclusion(ctx, index, size)
}

// TestVerifyPageShowsThePaper (issue 14 §5): the QR code's page shows what
// the paper must say (number, title, village, dates and every row as the
// web copy prints it) with a ✔ on each row that is in the ledger, and a ✘
// on a row whose stored leaf no longer matches.
func TestVerifyPageShowsThePaper(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	ctx := context.Background()
	p := e.publish(e.draft(map[string]any{"type": ledger.NoticeLoans, "village": village1, "period": "2026-02"}))
	n, err := e.svc.NoticeByCode(ctx, e.lg, p.Code)
	if err != nil {
		t.Fatal(err)
	}
	st, err := disclosure.LoadStored(ctx, e.svc, e.lg, n)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(st.VerifyURL)
	r := e.call("GET", "/verify?"+u.RawQuery, "none", nil)
	page := string(r.body)
	want := []string{"✔ 核验通过", st.Content.Number, st.Content.Title, "田坪村", st.Content.PublishedOn, "公告上应印有的内容"}
	for _, row := range st.Content.Rows {
		want = append(want, row.Cells...)
	}
	for _, w := range want {
		if !strings.Contains(page, w) {
			t.Errorf("the QR page lacks %q", w)
		}
	}
	if got, rows := strings.Count(page, `<span class="v ok">✔</span>`), len(st.Content.Rows); r.status != 200 || got != rows {
		t.Fatalf("QR page: %d, %d rows marked ✔ of %d: %.600s", r.status, got, rows, page)
	}
	// The stored copy altered: one row's leaf changed; the page marks it ✘.
	st.Rows[0].LeafHash = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32))
	tampered, _ := json.Marshal(st)
	if err := gormstoretest.TamperBlob(e.store, e.lg.ID, n.ContentSHA256, tampered); err != nil {
		t.Fatal(err)
	}
	page = string(e.call("GET", "/verify?"+u.RawQuery, "none", nil).body)
	if !strings.Contains(page, "✘ 核验未通过") || strings.Count(page, `<span class="v bad">✘</span>`) != 1 {
		t.Fatalf("a row altered: %.800s", page)
	}
}

// TestT1FlagShowsLaterPassingVerify (issue 14 §1): an open T1 flag's page
// shows the verify runs that passed after it was raised; the flag stays
// open for a person to close. The staff flags page shows a T1 alarm raised
// beside the log.
func TestT1FlagShowsLaterPassingVerify(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	ctx := context.Background()
	if _, _, err := e.svc.RecordFindings(ctx, e.lg, "system", []ledger.Finding{{Rule: "T1", SubjectKey: "log", Severity: ledger.SeverityHigh,
		Subject: ledger.FlagSubject{Kind: "log", ID: e.lg.ID, Label: e.lg.Origin}, Reason: "账本校验不通过：首个有问题的序号为 3。"}}); err != nil {
		t.Fatal(err)
	}
	fs, err := e.svc.Flags(ctx, e.lg, ledger.FlagFilter{Rule: "T1"}, nil)
	if err != nil || len(fs) != 1 {
		t.Fatalf("T1 flags: %v %v", fs, err)
	}
	path := fmt.Sprintf("/staff/flags/%d", fs[0].ID)
	if page := string(e.call("GET", path, "discipline", nil).body); strings.Contains(page, "之后的校验") {
		t.Fatal("a later check shown before any ran")
	}
	at := e.clock.Now().Add(time.Hour)
	if _, err := e.store.RecordRun(ctx, ledger.JobRun{Job: "verify", Holder: "test", StartedAt: at, FinishedAt: at.Add(time.Second),
		Outcome: ledger.OutcomeSuccess, Counts: map[string]int64{"entries": 321, "checkpoints": 4}}); err != nil {
		t.Fatal(err)
	}
	r := e.call("GET", path, "discipline", nil)
	page := fmt.Sprint(r.status, " ", string(r.body))
	if !strings.Contains(page, "之后的校验") || !strings.Contains(page, "核验 321 条条目") {
		t.Fatalf("the flag's page: %.3000s", page)
	}
	if f, _ := e.svc.Flag(ctx, e.lg, fs[0].ID); f.Status != ledger.FlagOpen {
		t.Fatalf("the flag is %s, want it open", f.Status)
	}
	if err := e.store.PutAlarm(ctx, ledger.Alarm{LogID: e.lg.ID, Rule: "T1", FirstSeq: 7, Detail: "账本头不是本服务写入的", RaisedAt: at}); err != nil {
		t.Fatal(err)
	}
	list := string(e.call("GET", "/staff/flags", "discipline", nil).body)
	if !strings.Contains(list, "T1 账本告警") || !strings.Contains(list, "首个问题序号 7") {
		t.Fatalf("the flags page shows no alarm: %.1500s", list)
	}
}

// TestPasswordChangeOnPages (issue 18): a user whose password an admin
// reset logs in on the staff pages, is sent to the password page from any
// other page, changes it there (a wrong current password and a mismatched
// confirmation are refused in Chinese) and then works as before.
func TestPasswordChangeOnPages(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	aud := e.users["auditor"]
	if r := e.call("POST", "/api/v1/users/"+aud.ID+"/password", "admin", map[string]string{"new_password": "Reset-by-admin-2026"}); r.status != http.StatusNoContent {
		t.Fatalf("reset: %v", r)
	}
	p := &pageSession{e: e}
	st, _, h := p.do("POST", "/staff/login", url.Values{"username": {e.usernames["auditor"]}, "password": {"Reset-by-admin-2026"}})
	if st != http.StatusSeeOther || p.cookie == nil {
		t.Fatalf("login with the reset password: %d %v", st, h)
	}
	if st, _, h := p.do("GET", "/staff/ledger", nil); st != http.StatusSeeOther || h.Get("Location") != "/staff/password" {
		t.Fatalf("a page before the change: %d %v", st, h)
	}
	st, body, _ := p.do("GET", "/staff/password", nil)
	if st != 200 || !strings.Contains(body, "管理员已重置您的密码") {
		t.Fatalf("the password page: %d %.500s", st, body)
	}
	csrf := p.csrf()
	for _, c := range []struct{ current, next, confirm, words string }{
		{"wrong-password-2026", "Villager-ledger-77", "Villager-ledger-77", "当前密码不正确"},
		{"Reset-by-admin-2026", "Villager-ledger-77", "Villager-ledger-78", "两次输入的新密码不一致"},
		{"Reset-by-admin-2026", "123456789012", "123456789012", "常见"},
	} {
		st, body, _ := p.do("POST", "/staff/password", url.Values{"csrf": {csrf}, "current_password": {c.current}, "new_password": {c.next}, "confirm_password": {c.confirm}})
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, c.words) {
			t.Errorf("%+v: %d %.300s", c, st, body)
		}
	}
	st, _, h = p.do("POST", "/staff/password", url.Values{"csrf": {csrf}, "current_password": {"Reset-by-admin-2026"}, "new_password": {"Villager-ledger-77"}, "confirm_password": {"Villager-ledger-77"}})
	if st != http.StatusSeeOther {
		t.Fatalf("the change: %d %v", st, h)
	}
	if st, _, _ := p.do("GET", "/staff/ledger", nil); st != 200 {
		t.Fatalf("a page after the change: %d", st)
	}
}
