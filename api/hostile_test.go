package api_test

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sunshine-ledger/sunshine/api"
)

// hostileValues are what an attacker types into any field, path segment or
// query parameter: SQL and script injection, path traversal, NUL and
// control bytes, invalid UTF-8, numbers out of range, and a value of
// 100,000 characters.
var hostileValues = []string{
	`1' OR '1'='1`, `1; DROP TABLE entries; --`, `<script>alert("x")</script>`, `"><img src=x onerror=alert(1)>`,
	`../../../../etc/passwd`, "\x00", "\xff\xfe\xfd", "-1", "99999999999999999999999", "1e309", "NaN", "{{.}}", "${7*7}",
	strings.Repeat("名", 100_000),
}

// injection markers that must never come back unescaped in a page.
var rawMarkers = []string{`<script>alert("x")</script>`, `<img src=x onerror=alert(1)>`}

var pathParam = regexp.MustCompile(`:[a-z_]+`)

// hostileQuery is every query parameter a route of the API or the sites
// reads (API.md and the route docs), each set to v.
var hostileQueryNames = []string{"town", "status", "village", "voucher", "voucher_no", "kind", "before", "after_seq", "cursor", "limit",
	"notice", "n", "r", "receipt", "index", "size", "old", "new", "q", "type", "period", "rule", "done", "project", "project_code",
	"fund", "item", "year", "dry_run", "from", "to", "household", "id"}

// TestHostileInputEveryRoute sends every route of the router (the rows of
// testdata/authz_matrix.tsv), as a caller the matrix lets through, hostile
// values in each path parameter, in every query parameter and in each
// field of its form, plus a form body of invalid UTF-8 and one over the
// size limit: never a 5xx; an API refusal is problem+json with a code; a
// refusal writes nothing (both towns' ledgers keep their size); and no page
// echoes an injection unescaped. (TestBadInput does the JSON bodies of the
// write routes.)
func TestHostileInputEveryRoute(t *testing.T) {
	if testing.Short() {
		t.Skip("every route × every hostile value")
	}
	e := newTownEnv(t, "sqlite")
	m := readAuthzMatrix(t)
	sent := 0
	for _, route := range m.routes {
		caller := ""
		for i, c := range m.callers {
			if w := m.want[route][i]; (w == "2xx" || w == "303") && c != "none" && c != "expired" && c != "revoked" && c != "other_town" {
				caller = c
				break
			}
		}
		if caller == "" {
			if m.want[route][0] == "2xx" || m.want[route][0] == "303" {
				caller = "none"
			} else {
				continue
			}
		}
		method, tmpl, _ := strings.Cut(route, " ")
		base := e.sample(route)
		check := func(what string, r response) {
			t.Helper()
			sent++
			if r.status >= 500 {
				t.Errorf("%s %s as %s: %d %.300s", route, what, caller, r.status, r.body)
				return
			}
			ct := r.header.Get("Content-Type")
			// 431: Go's HTTP server refuses a request line over its header
			// limit (1 MiB) before any handler runs.
			if r.status >= 400 && r.status != http.StatusRequestHeaderFieldsTooLarge && strings.HasPrefix(tmpl, "/api/") &&
				!strings.Contains(ct, "problem+json") {
				t.Errorf("%s %s: a %d that is not a problem: %s %.200s", route, what, r.status, ct, r.body)
			}
			if strings.Contains(ct, "html") || strings.Contains(ct, "json") {
				for _, mk := range rawMarkers {
					if bytes.Contains(r.body, []byte(mk)) {
						t.Errorf("%s %s echoes %q unescaped", route, what, mk)
					}
				}
			}
		}
		// Path parameters.
		if strings.Contains(tmpl, ":") {
			for _, v := range hostileValues {
				if len(v) > 2000 {
					v = v[:2000]
				}
				p := pathParam.ReplaceAllString(tmpl, url.PathEscape(v))
				size, other := e.size(), e.otherSize()
				r := e.raw(method, p, caller, hostileForm(base))
				check("path "+short(v), r)
				if r.status >= 400 && (e.size() != size || e.otherSize() != other) {
					t.Errorf("%s with path %s: refused %d but wrote", route, short(v), r.status)
				}
			}
		}
		// Query parameters, all at once, on the sample's path.
		for _, v := range hostileValues {
			q := url.Values{}
			for _, n := range hostileQueryNames {
				q.Set(n, v)
			}
			if len(v) > 2000 {
				q = url.Values{"status": {v}, "village": {v}, "q": {v}}
			}
			p := base.path
			if strings.Contains(p, "?") {
				p += "&" + q.Encode()
			} else {
				p += "?" + q.Encode()
			}
			size, other := e.size(), e.otherSize()
			r := e.raw(method, p, caller, hostileForm(base))
			check("query "+short(v), r)
			if r.status >= 400 && (e.size() != size || e.otherSize() != other) {
				t.Errorf("%s with query %s: refused %d but wrote", route, short(v), r.status)
			}
		}
		// Each field of a form.
		if base.form != nil {
			for field := range base.form {
				if field == "csrf" {
					continue
				}
				for _, v := range hostileValues {
					f := hostileForm(base)
					f.Set(field, v)
					size, other := e.size(), e.otherSize()
					r := e.raw(method, base.path, caller, f)
					check(fmt.Sprintf("form %s=%s", field, short(v)), r)
					if r.status >= 400 && (e.size() != size || e.otherSize() != other) {
						t.Errorf("%s with %s=%s: refused %d but wrote", route, field, short(v), r.status)
					}
				}
			}
			// A body that is not UTF-8 at all, and one over the limit.
			for what, body := range map[string][]byte{"non-UTF-8 body": []byte("text=\xff\xfe%ff%fe&csrf=" + api.CSRFToken(e.tokens[caller])),
				"an 11 MiB body": append([]byte("text="), bytes.Repeat([]byte("a"), 11<<20)...)} {
				size := e.size()
				r := e.rawBody(method, base.path, caller, "application/x-www-form-urlencoded", body)
				check(what, r)
				if r.status >= 400 && e.size() != size {
					t.Errorf("%s with %s: refused %d but wrote", route, what, r.status)
				}
			}
		}
	}
	// PDFs a visitor may upload to the verify page, among them the one the
	// fuzzer found that once crashed the attachment reader (a negative
	// /Length): a page saying the file is not a notice, never a 500.
	for _, pdf := range [][]byte{[]byte("\n3 0 obj/Length -1/Type /Filespec/UF (\xfe\xff\x00r\x00o\x00w\x00s\x00.\x00j\x00s\x00o\x00n)/EF << /F 3stream"),
		[]byte("%PDF-1.7\n"), bytes.Repeat([]byte("\n1 0 obj/Length 999999999 stream"), 1000), {}} {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("pdf", "公告.pdf")
		fw.Write(pdf)
		mw.Close()
		r := e.rawBody("POST", "/verify", "none", mw.FormDataContentType(), buf.Bytes())
		sent++
		if r.status >= 500 || !bytes.Contains(r.body, []byte("</html>")) {
			t.Errorf("POST /verify with a hostile PDF (%d bytes): %d %.300s", len(pdf), r.status, r.body)
		}
	}
	t.Logf("%d hostile requests over %d routes", sent, len(m.routes))
}

func short(v string) string {
	if !utf8.ValidString(v) {
		return fmt.Sprintf("%q", v)
	}
	if r := []rune(v); len(r) > 24 {
		return string(r[:24]) + fmt.Sprintf("…(%d)", len(r))
	}
	return fmt.Sprintf("%q", v)
}

// hostileForm is a copy of the sample's form (its CSRF token filled in
// later by raw); nil for routes without a form.
func hostileForm(s sample) url.Values {
	if s.form == nil {
		return nil
	}
	f := url.Values{}
	for k, v := range s.form {
		f[k] = append([]string(nil), v...)
	}
	return f
}

// raw sends a request as the caller: a form (its "@session" CSRF token
// replaced by the caller's) or nothing.
func (e *townEnv) raw(method, path, caller string, form url.Values) response {
	e.t.Helper()
	var body []byte
	ctype := ""
	if form != nil {
		if form.Get("csrf") == "@session" {
			form.Set("csrf", api.CSRFToken(e.tokens[caller]))
		}
		body, ctype = []byte(form.Encode()), "application/x-www-form-urlencoded"
	} else if method == "POST" {
		body, ctype = []byte(`{}`), "application/json"
	}
	return e.rawBody(method, path, caller, ctype, body)
}

func (e *townEnv) rawBody(method, path, caller, ctype string, body []byte) response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.ts.URL+path, bytes.NewReader(body))
	if err != nil { // a path Go's client refuses to send is no request at all
		return response{status: 400}
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if tok := e.tokens[caller]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	res, err := noRedirect.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: out}
}
