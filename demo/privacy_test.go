package demo_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/sunshine-ledger/sunshine/api"
	"github.com/sunshine-ledger/sunshine/demo"
	"github.com/sunshine-ledger/sunshine/disclosure"
	"github.com/sunshine-ledger/sunshine/ledger"
)

// TestDemoPrivacy reads everything the public can read of the demo town and
// finds no registry name, ID, account or phone in it:
//
//   - the home page, every village's notice list, every notice's page,
//     JSON and PDF text, and every ledger entry;
//   - the public pages a reader reaches from a notice: the verify page of
//     every notice's QR code and of every notice PDF uploaded, the
//     complaints' status pages, the error pages, the checkpoint, the key
//     and the OpenAPI document;
//   - looser forms of an ID: any 18-digit ID with a valid check digit that
//     is a registry person's, and any masked form keeping its first 6 and
//     last 4 (430181********1234), besides the exact strings;
//   - self-query enumeration as an attacker would vary it: the village
//     given by code and by name in turn, through the JSON API and the HTML
//     form, and from 1,000 client addresses; at most 5 guesses a day are
//     answered for one (village, name) and the right ID, tried last, is
//     never confirmed;
//   - the server's JSON log (at debug level) and /metrics after all that.
func TestDemoPrivacy(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the demo town")
	}
	tw := load(t, demo.Options{Seed: 2026})
	ctx := context.Background()
	sec := registrySecrets(t, tw)

	var logs bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	defer slog.SetDefault(old)
	newServer := func() http.Handler {
		m := api.NewMetrics()
		m.Token = "privacy-test-metrics"
		srv, err := api.New(api.Config{Town: demo.TownCode, PublicURL: "http://ledger.test", Metrics: m, VerifyPerMinute: 100000},
			api.Deps{Ledger: tw.svc.L, Service: tw.svc, Publisher: &disclosure.Publisher{Svc: tw.svc, PublicURL: "http://ledger.test"}})
		if err != nil {
			t.Fatal(err)
		}
		return srv.Handler()
	}
	h := newServer()
	ts := httptest.NewServer(h)
	defer ts.Close()
	read := func(res *http.Response, err error) (int, []byte) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, b
	}
	get := func(path string, want int) []byte {
		t.Helper()
		code, b := read(http.Get(ts.URL + path))
		if code != want {
			t.Fatalf("GET %s: %d, want %d: %.300s", path, code, want, b)
		}
		return b
	}

	// Pages reached from notices.
	ns, err := tw.svc.Notices(ctx, tw.lg, "", "", "")
	if err != nil {
		t.Fatal(err)
	}
	havePDF := true
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext is missing")
		}
		havePDF = false
	}
	docs, boards := 0, 0
	for _, n := range ns {
		if n.Code == "" {
			continue
		}
		var d api.PublicNoticeDTO
		if err := json.Unmarshal(get("/api/public/notices/"+url.PathEscape(n.Code), 200), &d); err != nil {
			t.Fatal(err)
		}
		sec.check(t, n.Code+" JSON", get("/api/public/notices/"+url.PathEscape(n.Code), 200))
		sec.check(t, n.Code, get("/notices/"+url.PathEscape(n.Code), 200))
		u, err := url.Parse(d.VerifyURL)
		if err != nil || u.Query().Get("n") == "" {
			t.Fatalf("notice %s verify URL %q", n.Code, d.VerifyURL)
		}
		page := get("/verify?"+u.RawQuery, 200)
		if !bytes.Contains(page, []byte("✔ 核验通过")) {
			t.Errorf("verify page of %s's QR code did not pass", n.Code)
		}
		sec.check(t, "verify page of "+n.Code, page)
		pdf := get("/notices/"+url.PathEscape(n.Code)+".pdf", 200)
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		fw, _ := w.CreateFormFile("pdf", n.Code+".pdf")
		fw.Write(pdf)
		w.Close()
		code, page := read(http.Post(ts.URL+"/verify", w.FormDataContentType(), &buf))
		if code != 200 || !bytes.Contains(page, []byte("✔ 核验通过")) {
			t.Errorf("verify page of %s's PDF uploaded: %d", n.Code, code)
		}
		sec.check(t, "verify page of "+n.Code+".pdf uploaded", page)
		if havePDF {
			cmd := exec.Command("pdftotext", "-enc", "UTF-8", "-", "-")
			cmd.Stdin = bytes.NewReader(pdf)
			out, err := cmd.Output()
			if err != nil {
				t.Fatal(err)
			}
			sec.check(t, n.Code+".pdf", out) // the looser forms
			// the board copy (张贴版) prints the names in full and nothing
			// else of the registry
			if n.Status == ledger.NoticePublished && ledger.BoardNameColumn(n.Type) >= 0 {
				full, err := tw.svc.Notice(ctx, tw.lg, n.ID)
				if err != nil {
					t.Fatal(err)
				}
				board, err := disclosure.BoardPDF(ctx, tw.svc, tw.lg, "privacy-test", full)
				if err != nil {
					t.Fatalf("board copy of %s: %v", n.Code, err)
				}
				cmd := exec.Command("pdftotext", "-enc", "UTF-8", "-", "-")
				cmd.Stdin = bytes.NewReader(board)
				out, err := cmd.Output()
				if err != nil {
					t.Fatal(err)
				}
				named := 0
				for _, x := range sec.exact {
					if sec.isName[x] && bytes.Contains(out, []byte(x)) {
						named++
					}
				}
				if named == 0 {
					t.Errorf("the board copy of %s shows no full name", n.Code)
				}
				sec.withoutNames().check(t, "board copy of "+n.Code, out)
				boards++
				// uploaded to the verify page: verified as the board copy,
				// and the page shows the web copy's rows (no name in full)
				var buf bytes.Buffer
				w := multipart.NewWriter(&buf)
				fw, _ := w.CreateFormFile("pdf", n.Code+"-board.pdf")
				fw.Write(board)
				w.Close()
				code, page := read(http.Post(ts.URL+"/verify", w.FormDataContentType(), &buf))
				if code != 200 || !bytes.Contains(page, []byte("✔ 核验通过")) || !bytes.Contains(page, []byte("本公告的张贴版")) {
					t.Errorf("verify page of %s's board copy uploaded: %d", n.Code, code)
				}
				sec.check(t, "verify page of "+n.Code+"'s board copy uploaded", page)
			}
		}
		// the downloads: the rows as CSV and as Excel (its XML parts)
		sec.check(t, n.Code+" rows.csv", get("/api/public/notices/"+url.PathEscape(n.Code)+"/rows.csv", 200))
		xlsx := get("/api/public/notices/"+url.PathEscape(n.Code)+"/rows.xlsx", 200)
		zr, err := zip.NewReader(bytes.NewReader(xlsx), int64(len(xlsx)))
		if err != nil {
			t.Fatalf("%s rows.xlsx: %v", n.Code, err)
		}
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(rc)
			rc.Close()
			sec.check(t, n.Code+" rows.xlsx "+f.Name, b)
		}
		docs += 6
	}
	// the feed, page by page
	feedPages := 0
	for next := "/api/public/notices.jsonl"; next != ""; feedPages++ {
		res, err := http.Get(ts.URL + next)
		if err != nil {
			t.Fatal(err)
		}
		cursor := res.Header.Get("X-Next-Cursor")
		code, b := read(res, nil)
		if code != 200 || len(b) == 0 {
			t.Fatalf("GET %s: %d", next, code)
		}
		sec.check(t, "notices.jsonl "+next, b)
		next = ""
		if cursor != "" {
			next = "/api/public/notices.jsonl?cursor=" + url.QueryEscape(cursor)
		}
		docs++
	}
	// every project's public page (contract, acceptance, assets)
	ps, err := tw.svc.Projects(ctx, tw.lg, "", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		sec.check(t, "project "+p.Code, get("/projects/"+url.PathEscape(p.Code), 200))
		docs++
	}
	t.Logf("%d feed pages, %d project pages", feedPages, len(ps))
	if havePDF && boards == 0 {
		t.Error("no notice of the demo has a board copy to check")
	}
	t.Logf("%d board copies checked", boards)
	for _, v := range demo.Villages {
		sec.check(t, "notices of "+v.Name, get("/notices?village="+v.Code, 200))
		docs++
	}
	size, err := tw.svc.L.Store().Size(ctx, tw.lg.ID)
	if err != nil {
		t.Fatal(err)
	}
	for seq := range size {
		sec.check(t, fmt.Sprintf("entry %d", seq), get(fmt.Sprintf("/api/public/entries/%d", seq), 200))
		docs++
	}
	cs, err := tw.svc.Complaints(ctx, tw.lg, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		sec.check(t, "complaint "+c.Receipt, get("/complaints?receipt="+url.QueryEscape(c.Receipt), 200))
		sec.check(t, "complaint "+c.Receipt+" JSON", get("/api/public/complaints/"+url.PathEscape(c.Receipt), 200))
		docs += 2
	}
	for _, p := range []struct {
		path string
		code int
	}{{"/", 200}, {"/notices", 200}, {"/api/public/notices", 200}, {"/api/public/checkpoint", 200}, {"/api/public/key", 200},
		{"/api/v1/openapi.json", 200}, {"/query", 200}, {"/complaints", 200}, {"/verify", 200},
		{"/notices/430181117-2026-9999", 404}, {"/no/such/page", 404}, {"/api/public/entries/99999999", 404}} {
		sec.check(t, p.path, get(p.path, p.code))
		docs++
	}
	if len(cs) == 0 {
		t.Error("the demo town has no complaints to read")
	}

	// Self-query enumeration of a known person's ID.
	known, village := sec.known, sec.knownVillage
	vname := ""
	for _, v := range demo.Villages {
		if v.Code == village {
			vname = v.Name
		}
	}
	birth := ledger.IDBirthDate(known.IDNumber)
	var trueSeq int
	fmt.Sscan(known.IDNumber[14:17], &trueSeq)
	guess := func(i int) string { return ledger.MakeIDNumber(known.IDNumber[:6], birth, (trueSeq+1+i)%1000) } // the true one last
	if guess(999) != known.IDNumber {
		t.Fatalf("the last guess is %s, not the person's ID", guess(999))
	}
	type outcome struct{ answered, refused int }
	enumerate := func(name string, ask func(i int, village string) (int, []byte)) outcome {
		t.Helper()
		var o outcome
		for i := range 1000 {
			v := village
			if i%2 == 1 {
				v = vname // the same village, by name
			}
			code, b := ask(i, v)
			switch {
			case code == 200:
				o.answered++
				if bytes.Contains(b, []byte(`"name":`)) || bytes.Contains(b, []byte("的发放记录")) {
					t.Errorf("%s: guess %d of 1,000 confirmed the person", name, i+1)
				}
			case code == 429 && (bytes.Contains(b, []byte("rate_limited")) || bytes.Contains(b, []byte("过于频繁")) || bytes.Contains(b, []byte("过多"))):
				o.refused++
				if i == 999 {
					t.Logf("%s: the right ID, tried last, refused: %d", name, code)
				}
			default:
				t.Fatalf("%s: guess %d: %d %.300s", name, i+1, code, b)
			}
		}
		if o.answered > 5 || o.answered+o.refused != 1000 {
			t.Errorf("%s: 1,000 guesses (village by code and by name in turn): %d answered, %d refused; at most 5 may be answered",
				name, o.answered, o.refused)
		}
		t.Logf("%s: %d answered, %d refused", name, o.answered, o.refused)
		return o
	}
	postJSON := func(h http.Handler, ip string) func(i int, v string) (int, []byte) {
		return func(i int, v string) (int, []byte) {
			body, _ := json.Marshal(map[string]string{"village": v, "name": known.Name, "id_number": guess(i)})
			req := httptest.NewRequest(http.MethodPost, "/api/public/query", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.RemoteAddr = ip
			if ip == "" {
				req.RemoteAddr = fmt.Sprintf("10.%d.%d.%d:40000", i>>16&255, i>>8&255, i&255+1)
				req.Header.Set("X-Forwarded-For", "127.0.0.1")
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			sec.check(t, "self-query answer", rec.Body.Bytes())
			return rec.Code, rec.Body.Bytes()
		}
	}
	// one client, JSON API
	enumerate("one client, JSON", postJSON(newServer(), "192.0.2.7:40000"))
	// 1,000 clients, JSON API
	enumerate("1,000 clients, JSON", postJSON(newServer(), ""))
	// one client, the HTML form
	form := newServer()
	enumerate("one client, HTML form", func(i int, v string) (int, []byte) {
		vals := url.Values{"village": {v}, "name": {known.Name}, "id_number": {guess(i)}}
		req := httptest.NewRequest(http.MethodPost, "/query", strings.NewReader(vals.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.RemoteAddr = fmt.Sprintf("10.9.%d.%d:40000", i>>8&255, i&255+1)
		rec := httptest.NewRecorder()
		form.ServeHTTP(rec, req)
		sec.check(t, "self-query page", rec.Body.Bytes())
		return rec.Code, rec.Body.Bytes()
	})

	get("/metrics", 401) // only with its token
	mreq, _ := http.NewRequest("GET", ts.URL+"/metrics", nil)
	mreq.Header.Set("Authorization", "Bearer privacy-test-metrics")
	mcode, mbody := read(http.DefaultClient.Do(mreq))
	if mcode != 200 {
		t.Fatalf("/metrics with its token: %d", mcode)
	}
	sec.check(t, "/metrics", mbody)
	sec.check(t, "the server's log", logs.Bytes())
	if logs.Len() == 0 {
		t.Fatal("no log lines captured")
	}
	t.Logf("%d registry persons; %d pages and documents read; %d bytes of log", sec.persons, docs, logs.Len())
}

// secrets is what the public must never see of the registry.
type secrets struct {
	exact        []string
	isName       map[string]bool
	ids          map[string]bool // full IDs
	ends         map[string]bool // first 6 + last 4
	persons      int
	known        ledger.PersonPrivate
	knownVillage string
}

func registrySecrets(t *testing.T, tw town) *secrets {
	t.Helper()
	ctx := context.Background()
	bk := tw.svc.L.Store().Books(ctx, tw.lg.ID)
	d, err := tw.svc.ScanData(ctx, tw.lg)
	if err != nil {
		t.Fatal(err)
	}
	s := &secrets{isName: map[string]bool{}, ids: map[string]bool{}, ends: map[string]bool{}}
	// An organisation's legal representative acts in that role in public
	// (DOMAIN.md §2: not private, shown in full): the demo's F3 case has a
	// cadre's relative as one. Only the name is exempt, never an ID number,
	// phone or account.
	reps := map[string]bool{}
	for _, o := range d.Orgs {
		if o.LegalRepresentative != "" {
			reps[o.LegalRepresentative] = true
		}
	}
	for id, p := range d.Persons {
		rec, err := bk.Private(id)
		if err != nil {
			continue
		}
		pp, err := tw.svc.Vault.Open(tw.lg.Town, rec)
		if err != nil {
			t.Fatal(err)
		}
		s.persons++
		if len([]rune(pp.Name)) >= 2 && !reps[pp.Name] {
			s.exact = append(s.exact, pp.Name)
			s.isName[pp.Name] = true
		}
		if n := pp.IDNumber; n != "" {
			s.exact = append(s.exact, n, n[:6]+n[len(n)-4:])
			s.ids[strings.ToUpper(n)] = true
			s.ends[strings.ToUpper(n[:6]+n[len(n)-4:])] = true
			if s.known.IDNumber == "" && n[16] != 'X' && len([]rune(pp.Name)) >= 2 {
				s.known, s.knownVillage = pp, d.Households[p.Household].Village
			}
		}
		if pp.Phone != "" {
			s.exact = append(s.exact, pp.Phone)
		}
		for _, a := range pp.Accounts {
			s.exact = append(s.exact, a.Number)
		}
	}
	if s.persons < 2126 || s.known.IDNumber == "" {
		t.Fatalf("%d persons opened: the registry did not open", s.persons)
	}
	return s
}

var (
	idRe     = regexp.MustCompile(`\d{17}[\dXx]`)
	maskedRe = regexp.MustCompile(`(\d{6})(?:[*＊●•xX×#]|\\u002a|&#42;|%2A){4,12}(\d{3}[\dXx])`)
)

// withoutNames is s without the names: what a board copy may show.
func (s *secrets) withoutNames() *secrets {
	c := *s
	c.exact, c.isName = nil, map[string]bool{}
	for _, x := range s.exact {
		if !s.isName[x] {
			c.exact = append(c.exact, x)
		}
	}
	return &c
}

// check fails the test when body shows a secret: an exact string (a name
// only when it is not part of a longer name), a full ID, or a masked ID
// keeping its first 6 and last 4.
func (s *secrets) check(t *testing.T, what string, body []byte) {
	t.Helper()
	text := string(body)
	for _, x := range s.exact {
		for off := 0; ; {
			i := strings.Index(text[off:], x)
			if i < 0 {
				break
			}
			i += off
			off = i + len(x)
			if s.isName[x] && (hanBefore(text, i) || hanAfter(text, i+len(x))) {
				continue
			}
			t.Errorf("%s shows %q: …%s…", what, x, text[max(0, i-60):min(len(text), i+len(x)+60)])
			break
		}
	}
	for _, m := range idRe.FindAllString(text, -1) {
		if s.ids[strings.ToUpper(m)] {
			t.Errorf("%s shows the ID %s", what, m)
		}
	}
	for _, m := range maskedRe.FindAllStringSubmatch(text, -1) {
		if s.ends[strings.ToUpper(m[1]+m[2])] {
			t.Errorf("%s shows a registry ID masked as %s", what, m[0])
		}
	}
}

func hanBefore(s string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return unicode.Is(unicode.Han, r)
}

func hanAfter(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.Is(unicode.Han, r)
}
