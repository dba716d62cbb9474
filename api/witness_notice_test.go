package api_test

import (
	"context"
	"crypto/rand"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/sunshine-ledger/sunshine/disclosure"
	"github.com/sunshine-ledger/sunshine/ledger"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
	"github.com/sunshine-ledger/sunshine/witness"
)

// cosignedBy opens a printed checkpoint with the town's key and the
// witnesses' keys and returns the names of the witnesses whose
// cosignatures verify (note rejects a note with a bad one).
func cosignedBy(t *testing.T, e *townEnv, printed string, ws []ledger.Witness) []string {
	t.Helper()
	vkey, err := e.svc.L.VerifierKey(e.lg)
	if err != nil {
		t.Fatal(err)
	}
	logV, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	vs := []note.Verifier{logV}
	for _, w := range ws {
		v, err := witness.NewVerifier(w.Key)
		if err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	n, err := note.Open([]byte(printed), note.VerifierList(vs...))
	if err != nil {
		t.Fatalf("printed checkpoint: %v\n%s", err, printed)
	}
	var names []string
	for _, s := range n.Sigs {
		if s.Name != e.lg.Origin {
			names = append(names, s.Name)
		}
	}
	return names
}

// deadWitness is a witness at an address that answers nothing.
func deadWitness(t *testing.T, name string) ledger.Witness {
	t.Helper()
	_, vkey, err := witness.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	w, err := ledger.NewWitness(vkey, "http://127.0.0.1:1#"+name)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// TestNoticesPrintWitnesses (issue 15): a notice published while the town
// has witnesses prints the cosigned checkpoint (the town's signature and
// each witness's cosignature line, verifiable with note) and, under it,
// 见证方： with the witnesses' Chinese names, read back from the PDF with
// pdftotext; the board copy and the notice's page say the same, and the
// publish answer carries the cosigned checkpoint. A witness that does not
// answer is left off the paper; without witnesses nothing of this is
// printed.
func TestNoticesPrintWitnesses(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	all := e.disclosureTown() // published before any witness
	plain := all[ledger.NoticePaymentResult]
	if text := squash(pdfText(t, e.noticePDF(plain.Code))); strings.Contains(text, "见证方") {
		t.Fatalf("a notice published without witnesses names some:\n%s", text)
	}
	if got := cosignedBy(t, e, plain.Checkpoint, nil); len(got) != 0 {
		t.Fatalf("cosignatures without witnesses: %v", got)
	}

	c := lt.Witnessed(t, e.svc.L, e.store, e.lg, "县纪委监委", "县审计局")
	e.payment("finance", ledger.PaymentRow{ProjectCode: envProject1, PayeeIDNumber: e.ids["tp2"], Amount: lt.Y("430.00"), PaidOn: lt.D("2026-03-05")})
	p := e.publish(e.draft(map[string]any{"type": ledger.NoticePaymentResult, "village": village1, "period": "2026-03"}))
	if got := cosignedBy(t, e, p.Checkpoint, c.Witnesses); strings.Join(got, ",") != "县纪委监委,县审计局" {
		t.Fatalf("the publish answer's checkpoint is cosigned by %v:\n%s", got, p.Checkpoint)
	}
	pdf := e.noticePDF(p.Code)
	text := squash(pdfText(t, pdf))
	for _, want := range []string{"见证方：县纪委监委、县审计局", "—县纪委监委", "—县审计局", "—" + e.lg.Origin} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF lacks %q:\n%s", want, text)
		}
	}
	embedded, err := disclosure.ExtractCheckpoint(pdf)
	if err != nil || embedded != p.Checkpoint {
		t.Fatalf("checkpoint.txt %v:\n%s\nwant\n%s", err, embedded, p.Checkpoint)
	}
	board := e.call("GET", "/api/v1/notices/"+p.Code+"/board.pdf", "finance", nil)
	if board.status != 200 || !strings.Contains(squash(pdfText(t, board.body)), "见证方：县纪委监委、县审计局") {
		t.Errorf("the board copy: %d, no witnesses", board.status)
	}
	page := e.call("GET", "/notices/"+p.Code, "none", nil)
	if !strings.Contains(string(page.body), "见证方：县纪委监委、县审计局") || !strings.Contains(html.UnescapeString(string(page.body)), "— 县审计局 ") {
		t.Errorf("the notice page lacks the witnesses: %.300s", page.body)
	}

	// 县审计局 does not answer: the notice is published all the same, and
	// names only 县纪委监委.
	ledger.SetCosigner(e.svc.L, &ledger.Cosigner{L: e.svc.L, Store: e.store, Witnesses: []ledger.Witness{c.Witnesses[0], deadWitness(t, "县审计局")},
		RetryWait: time.Millisecond})
	e.payment("finance", ledger.PaymentRow{ProjectCode: envProject2, PayeeIDNumber: e.ids["sn1"], Amount: lt.Y("120.00"), PaidOn: lt.D("2026-03-05")})
	p = e.publish(e.draft(map[string]any{"type": ledger.NoticePaymentResult, "village": village2, "period": "2026-03"}))
	text = squash(pdfText(t, e.noticePDF(p.Code)))
	if !strings.Contains(text, "见证方：县纪委监委") || strings.Contains(text, "县审计局") {
		t.Errorf("one witness down: the PDF says\n%s", text)
	}
}

// witnessedNotice publishes 田坪村's 资金发放结果公告 of March 2026 (a payment
// of its own) and returns it with the path of its QR code's verify page.
func (e *townEnv) witnessedNotice() (published, string) {
	e.t.Helper()
	e.payment("finance", ledger.PaymentRow{ProjectCode: envProject1, PayeeIDNumber: e.ids["tp2"], Amount: lt.Y("430.00"), PaidOn: lt.D("2026-03-05")})
	p := e.publish(e.draft(map[string]any{"type": ledger.NoticePaymentResult, "village": village1, "period": "2026-03"}))
	n, err := e.svc.NoticeByCode(context.Background(), e.lg, p.Code)
	if err != nil {
		e.t.Fatal(err)
	}
	st, err := disclosure.LoadStored(context.Background(), e.svc, e.lg, n)
	if err != nil {
		e.t.Fatal(err)
	}
	u, err := url.Parse(st.VerifyURL)
	if err != nil {
		e.t.Fatal(err)
	}
	return p, "/verify?" + u.RawQuery
}

// noticePDF returns the stored PDF of a published notice.
func (e *townEnv) noticePDF(code string) []byte {
	e.t.Helper()
	r := e.call("GET", "/notices/"+code+".pdf", "none", nil)
	if r.status != 200 {
		e.t.Fatalf("%s.pdf: %s", code, r)
	}
	return r.body
}

var witnessLineRe = regexp.MustCompile(`<p class="witnesses (ok|bad)">([^<]*)</p>`)

// verdict returns a verify page's ✔/✘ line, its witness line and its
// checks, as text.
func verdict(page []byte) (result, witnesses, checks string) {
	s := html.UnescapeString(string(page))
	if m := regexp.MustCompile(`<p class="result (?:ok|bad)">([^<]*)</p>`).FindStringSubmatch(s); m != nil {
		result = m[1]
	}
	if m := witnessLineRe.FindStringSubmatch(s); m != nil {
		witnesses = m[2]
	}
	var cs []string
	for _, m := range regexp.MustCompile(`<li class="(?:ok|bad)">([^<]*)</li>`).FindAllStringSubmatch(s, -1) {
		cs = append(cs, m[1])
	}
	return result, witnesses, strings.Join(cs, " | ")
}

// TestVerifyPageRequiresWitnesses (issue 15): with witnesses configured,
// the QR page of a notice passes only when the quorum of them cosigned
// today's checkpoint, and says in Chinese which vouched and which did not:
// both vouch (✔, 已由 县纪委监委、县审计局 见证); a third witness that does
// not answer breaks a quorum of all (✘, 未获 县财政局 见证) but not a
// quorum of 2. An uploaded PDF's printed cosignatures are checked too, and
// a pasted checkpoint whose cosignature line was altered fails.
func TestVerifyPageRequiresWitnesses(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	c := lt.Witnessed(t, e.svc.L, e.store, e.lg, "县纪委监委", "县审计局")
	p, qr := e.witnessedNotice()
	// the log grows after the paper was printed
	e.payment("finance", ledger.PaymentRow{ProjectCode: envProject1, PayeeIDNumber: e.ids["tp1"], Amount: lt.Y("99.00"), PaidOn: lt.D("2026-03-06")})

	r := e.call("GET", qr, "none", nil)
	result, ws, checks := verdict(r.body)
	if r.status != 200 || result != "✔ 核验通过" || ws != "已由 县纪委监委、县审计局 见证" || !strings.Contains(checks, "✔ 见证：今日检查点已由 县纪委监委、县审计局 见证") {
		t.Fatalf("both witnesses: %d %q %q\n%s", r.status, result, ws, checks)
	}

	third := deadWitness(t, "县财政局")
	all3 := &ledger.Cosigner{L: e.svc.L, Store: e.store, Witnesses: append(c.Witnesses[:2:2], third), RetryWait: time.Millisecond}
	ledger.SetCosigner(e.svc.L, all3)
	r = e.call("GET", qr, "none", nil)
	result, ws, checks = verdict(r.body)
	if result != "✘ 核验未通过" || ws != "已由 县纪委监委、县审计局 见证；未获 县财政局 见证" || !strings.Contains(checks, "✘ 见证：") ||
		!strings.Contains(checks, "须 3 方见证，只有 2 方") {
		t.Fatalf("a quorum of all with 县财政局 silent: %q %q\n%s", result, ws, checks)
	}
	all3.Quorum = 2
	r = e.call("GET", qr, "none", nil)
	if result, ws, checks = verdict(r.body); result != "✔ 核验通过" || ws != "已由 县纪委监委、县审计局 见证；未获 县财政局 见证" {
		t.Fatalf("a quorum of 2 of 3: %q %q\n%s", result, ws, checks)
	}
	ledger.SetCosigner(e.svc.L, c)

	// The uploaded PDF: its printed cosignatures are named.
	r = e.uploadPDF(e.noticePDF(p.Code))
	if result, _, checks = verdict(r.body); result != "✔ 核验通过" || !strings.Contains(checks, "✔ 印制时见证：公告上印的检查点有 县纪委监委、县审计局 的联署签名") {
		t.Fatalf("uploaded PDF: %q\n%s", result, checks)
	}
	// A pasted checkpoint with 县审计局's cosignature altered.
	lines := strings.Split(p.Checkpoint, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "— 县审计局 ") {
			b := []byte(l)
			k := len(b) - 10
			if b[k] == 'A' {
				b[k] = 'B'
			} else {
				b[k] = 'A'
			}
			lines[i] = string(b)
		}
	}
	r = e.rawBody("POST", "/verify", "none", "application/x-www-form-urlencoded", []byte(url.Values{"checkpoint": {strings.Join(lines, "\n")}}.Encode()))
	if result, _, checks = verdict(r.body); result != "✘ 核验未通过" || !strings.Contains(checks, "✘ 印制时见证：公告上印的 县审计局 联署签名无效") {
		t.Fatalf("altered cosignature: %q\n%s", result, checks)
	}
}
