package demo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/sunshine-ledger/sunshine/api"
	"github.com/sunshine-ledger/sunshine/demo"
	"github.com/sunshine-ledger/sunshine/disclosure"
	"github.com/sunshine-ledger/sunshine/ledger"
)

// TestDemoPublicCrawl reads everything the public can read of the demo town
// (the home page, every village's notice list, every notice's page, JSON
// and PDF text, every ledger entry, the verify, query and complaint pages)
// and finds in none of it any person's ID number (nor its first 6 + last 4
// digits), account number, phone or unmasked registry name. A known
// person's self-query, enumerated over all 1,000 sequence numbers of their
// birth date, is answered 5 times and then refused rate_limited, so the
// right number (tried last) is never confirmed. The server's log lines and
// /metrics hold none of the secrets either.
func TestDemoPublicCrawl(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the demo town")
	}
	tw := load(t, demo.Options{Seed: 2026})
	ctx := context.Background()
	bk := tw.svc.L.Store().Books(ctx, tw.lg.ID)
	d, err := tw.svc.ScanData(ctx, tw.lg)
	if err != nil {
		t.Fatal(err)
	}
	var secrets []string
	isName := map[string]bool{}
	var known ledger.PersonPrivate
	knownVillage := ""
	for id, p := range d.Persons {
		rec, err := bk.Private(id)
		if err != nil {
			continue
		}
		pp, err := tw.svc.Vault.Open(tw.lg.Town, rec)
		if err != nil {
			t.Fatal(err)
		}
		if len([]rune(pp.Name)) >= 2 {
			secrets = append(secrets, pp.Name)
			isName[pp.Name] = true
		}
		if pp.IDNumber != "" {
			secrets = append(secrets, pp.IDNumber, pp.IDNumber[:6]+pp.IDNumber[len(pp.IDNumber)-4:])
			if known.IDNumber == "" && pp.IDNumber[16] != 'X' {
				known, knownVillage = pp, d.Households[p.Household].Village
			}
		}
		if pp.Phone != "" {
			secrets = append(secrets, pp.Phone)
		}
		for _, a := range pp.Accounts {
			secrets = append(secrets, a.Number)
		}
	}
	if len(secrets) < 3*2126 {
		t.Fatalf("only %d secrets: the registry did not open", len(secrets))
	}

	var logs bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	defer slog.SetDefault(old)
	srv, err := api.New(api.Config{Town: demo.TownCode, PublicURL: "http://ledger.test", Metrics: api.NewMetrics()},
		api.Deps{Ledger: tw.svc.L, Service: tw.svc, Publisher: &disclosure.Publisher{Svc: tw.svc, PublicURL: "http://ledger.test"}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	get := func(path string) []byte {
		t.Helper()
		res, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d %.300s", path, res.StatusCode, b)
		}
		return b
	}
	check := func(what string, body []byte) {
		t.Helper()
		text := string(body)
		for _, s := range secrets {
			for off := 0; ; {
				i := strings.Index(text[off:], s)
				if i < 0 {
					break
				}
				i += off
				off = i + len(s)
				// A registry name inside a longer name (叶福 in 叶福杰, the
				// responsible person a project notice names in full) is
				// another person's name, not this one.
				if isName[s] && (hanBefore(text, i) || hanAfter(text, i+len(s))) {
					continue
				}
				t.Errorf("%s shows %q: …%s…", what, s, text[max(0, i-60):min(len(text), i+len(s)+60)])
				break
			}
		}
	}
	pages, pdfs, entries := 0, 0, 0
	for _, p := range []string{"/", "/notices", "/api/public/notices", "/verify", "/query", "/complaints"} {
		check(p, get(p))
		pages++
	}
	for _, v := range demo.Villages {
		check("notices of "+v.Name, get("/notices?village="+v.Code))
		pages++
	}
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
	for _, n := range ns {
		if n.Code == "" {
			continue
		}
		check(n.Code, get("/notices/"+n.Code))
		check(n.Code+" JSON", get("/api/public/notices/"+n.Code))
		pages += 2
		if havePDF {
			cmd := exec.Command("pdftotext", "-enc", "UTF-8", "-", "-")
			cmd.Stdin = bytes.NewReader(get("/notices/" + n.Code + ".pdf"))
			out, err := cmd.Output()
			if err != nil {
				t.Fatal(err)
			}
			check(n.Code+".pdf", out)
			pdfs++
		}
	}
	size, err := tw.svc.L.Store().Size(ctx, tw.lg.ID)
	if err != nil {
		t.Fatal(err)
	}
	for seq := range size {
		res, err := http.Get(fmt.Sprintf("%s/api/public/entries/%d", ts.URL, seq))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		check(fmt.Sprintf("entry %d", seq), b)
		entries++
	}

	// Enumerating a known name's ID over its 1,000 sequence numbers.
	birth := ledger.IDBirthDate(known.IDNumber)
	var trueSeq int
	fmt.Sscan(known.IDNumber[14:17], &trueSeq)
	answered, refused := 0, 0
	for i := range 1000 {
		seq := (trueSeq + 1 + i) % 1000 // the true one last
		guess := ledger.MakeIDNumber(known.IDNumber[:6], birth, seq)
		body, _ := json.Marshal(map[string]string{"village": knownVillage, "name": known.Name, "id_number": guess})
		res, err := http.Post(ts.URL+"/api/public/query", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		switch {
		case res.StatusCode == 200:
			answered++
			if bytes.Contains(b, []byte(`"name"`)) {
				t.Fatalf("guess %d of 1,000 (%s) was confirmed", i+1, guess)
			}
		case res.StatusCode == 429 && bytes.Contains(b, []byte("rate_limited")):
			refused++
		default:
			t.Fatalf("guess %d: %d %s", i+1, res.StatusCode, b)
		}
	}
	if answered > 5 || refused < 995 {
		t.Fatalf("1,000 guesses: %d answered, %d refused", answered, refused)
	}

	check("/metrics", get("/metrics"))
	check("the server's log", logs.Bytes())
	if logs.Len() == 0 {
		t.Fatal("no log lines captured")
	}
	t.Logf("%d secrets; %d pages and JSON documents, %d PDFs, %d entries read; enumeration: %d answered, %d refused; %d bytes of log",
		len(secrets), pages, pdfs, entries, answered, refused, logs.Len())
}

func hanBefore(s string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return unicode.Is(unicode.Han, r)
}

func hanAfter(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.Is(unicode.Han, r)
}
