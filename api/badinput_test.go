package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// bodySchemas returns, per route ("POST /api/v1/payments"), the properties
// of its JSON request body as the served OpenAPI document describes them.
func (e *townEnv) bodySchemas() map[string]map[string]map[string]any {
	e.t.Helper()
	var doc struct {
		Paths map[string]map[string]struct {
			RequestBody struct {
				Content map[string]struct {
					Schema struct {
						Properties map[string]map[string]any `json:"properties"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
	}
	e.decode(e.call("GET", "/api/v1/openapi.json", "", nil), &doc)
	out := map[string]map[string]map[string]any{}
	for p, ops := range doc.Paths {
		for m, op := range ops {
			if c, ok := op.RequestBody.Content["application/json"]; ok {
				route := strings.ToUpper(m) + " " + ginPath(p)
				out[route] = c.Schema.Properties
			}
		}
	}
	return out
}

// ginPath turns OpenAPI's "/a/{b}" into gin's "/a/:b".
func ginPath(p string) string {
	return strings.NewReplacer("{", ":", "}", "").Replace(p)
}

// badID returns the ID number with a wrong check digit.
func badID(id string) string {
	c := byte('0')
	if id[17] == '0' {
		c = '1'
	}
	return id[:17] + string(c)
}

// withFields returns a copy of a sample's JSON body with fields replaced.
func withFields(body any, fields map[string]any) []byte {
	var m map[string]any
	raw, _ := json.Marshal(body)
	json.Unmarshal(raw, &m)
	maps.Copy(m, fields)
	out, _ := json.Marshal(m)
	return out
}

// TestBadInput sends every JSON write route malformed JSON, an array,
// null, an empty body, trailing data, non-UTF-8 bytes, wrong types, JSON
// numbers for amounts, unknown fields, over-precise and non-positive
// amounts, invalid ID numbers and a body over 10 MiB: each is a 4xx
// application/problem+json with its stable code and a Chinese detail,
// never a 500, and writes nothing (both towns' ledger sizes unchanged).
// Then the well-formed body succeeds, proving the refusals were the input's.
func TestBadInput(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	m := readAuthzMatrix(t)
	schemas := e.bodySchemas()
	huge := append([]byte(`{"name":"`), bytes.Repeat([]byte("好"), (10<<20)/3+100)...)
	huge = append(huge, `"}`...)
	type badCase struct {
		name   string
		body   []byte
		status int
		code   ledger.Code
		alt    ledger.Code // also acceptable
	}
	var writes []string
	for _, r := range routeKeys(e.srv) {
		if _, ok := schemas[r]; ok && method(r) != "GET" {
			writes = append(writes, r)
		}
	}
	slices.Sort(writes)
	if len(writes) < 15 {
		t.Fatalf("only %d JSON write routes in the OpenAPI document: %v", len(writes), writes)
	}
	for _, route := range writes {
		caller := "none"
		if route == "POST /api/v1/auth/password" {
			caller = "auditor" // any role: its sample's current password is wrong (422)
		} else if route != "POST /api/v1/auth/login" {
			caller = ""
			for _, c := range []string{"admin", "finance", "approver", "monitor", "discipline"} {
				if m.cell(route, c) == "2xx" {
					caller = c
					break
				}
			}
			if caller == "" {
				t.Errorf("%s: no role may write it (authz_matrix.tsv)", route)
				continue
			}
		}
		s := e.sample(route)
		if s.body == nil {
			t.Errorf("%s: no sample body", route)
			continue
		}
		cases := []badCase{
			{"malformed JSON", []byte(`{"name":`), 400, ledger.CodeMalformedJSON, ""},
			{"a JSON array", []byte(`[{"name":"x"}]`), 400, ledger.CodeMalformedJSON, ""},
			{"JSON null", []byte(`null`), 400, ledger.CodeMalformedJSON, ""},
			{"a JSON string", []byte(`"x"`), 400, ledger.CodeMalformedJSON, ""},
			{"an empty body", []byte(``), 400, ledger.CodeMalformedJSON, ""},
			{"white space", []byte(" \n\t "), 400, ledger.CodeMalformedJSON, ""},
			{"trailing data", []byte(`{} {}`), 400, ledger.CodeMalformedJSON, ""},
			{"non-UTF-8", []byte("{\"note\":\"\xff\xfe\xfd\"}"), 400, ledger.CodeMalformedJSON, ""},
			{"an unknown field", withFields(s.body, map[string]any{"frobnicate": true}), 422, ledger.CodeValidationFailed, ""},
			{"a body over 10 MiB", huge, 413, ledger.CodeTooLarge, ""},
		}
		props := schemas[route]
		names := slices.Sorted(maps.Keys(props))
		for _, name := range names {
			p := props[name]
			if p["type"] == "string" && p["pattern"] == `^\d+(\.\d{1,2})?$` {
				cases = append(cases, badCase{"a number for the amount " + name, withFields(s.body, map[string]any{name: 1200}), 422, ledger.CodeAmountMustBeString, ""},
					badCase{"a fractional number for the amount " + name, withFields(s.body, map[string]any{name: 12.5}), 422, ledger.CodeAmountMustBeString, ""})
				continue
			}
			var wrong any
			switch p["type"] {
			case "string":
				wrong = 12345
			case "integer":
				wrong = "many"
			case "boolean":
				wrong = "yes"
			case "array":
				wrong = "x"
			case "object":
				wrong = []int{1}
			default:
				continue
			}
			cases = append(cases, badCase{fmt.Sprintf("a %T for the %s %s", wrong, p["type"], name), withFields(s.body, map[string]any{name: wrong}), 422, ledger.CodeValidationFailed, ""})
			if items, ok := p["items"].(map[string]any); ok && items["type"] == "object" {
				// nested amounts (budget_by_source[].amount)
				if ip, ok := items["properties"].(map[string]any); ok {
					if a, ok := ip["amount"].(map[string]any); ok && a["pattern"] != nil {
						cases = append(cases, badCase{"a number for the amount " + name + "[].amount",
							withFields(s.body, map[string]any{name: []map[string]any{{"source_level": "中央", "amount": 1000}}}), 422, ledger.CodeAmountMustBeString, ""})
					}
				}
			}
		}
		sb, _ := s.body.(map[string]any)
		if _, ok := sb["amount"]; ok {
			cases = append(cases,
				badCase{"an amount with three decimals", withFields(s.body, map[string]any{"amount": "1.005"}), 422, ledger.CodeAmountTooPrecise, ""},
				badCase{"a zero amount", withFields(s.body, map[string]any{"amount": "0.00"}), 422, ledger.CodeAmountNotPositive, ""},
				badCase{"a negative amount", withFields(s.body, map[string]any{"amount": "-5.00"}), 422, ledger.CodeAmountNotPositive, ledger.CodeValidationFailed},
				badCase{"an amount with a thousands separator", withFields(s.body, map[string]any{"amount": "1,200.00"}), 422, ledger.CodeValidationFailed, ""},
				badCase{"an empty amount", withFields(s.body, map[string]any{"amount": ""}), 422, ledger.CodeValidationFailed, ""},
			)
		}
		for name, v := range sb {
			if id, ok := v.(string); ok && strings.HasSuffix(name, "id_number") && len(id) == 18 {
				cases = append(cases,
					badCase{"a wrong check digit in " + name, withFields(s.body, map[string]any{name: badID(id)}), 422, ledger.CodeInvalidIDNumber, ""},
					badCase{"a 17-digit " + name, withFields(s.body, map[string]any{name: id[:17]}), 422, ledger.CodeInvalidIDNumber, ""},
					badCase{"an impossible birth date in " + name, withFields(s.body, map[string]any{name: id[:10] + "1399" + id[14:]}), 422, ledger.CodeInvalidIDNumber, ""})
			}
		}
		for _, c := range cases {
			what := fmt.Sprintf("%s with %s", route, c.name)
			n0, o0 := e.size(), e.otherSize()
			r := e.call(s.method, s.path, caller, c.body)
			if r.status >= 500 || r.status < 400 {
				t.Errorf("%s: %v, want %d %s", what, r, c.status, c.code)
				continue
			}
			p := problem(t, what, r)
			if r.status != c.status || p.Code != string(c.code) && (c.alt == "" || p.Code != string(c.alt)) {
				t.Errorf("%s: %d %s, want %d %s (%v)", what, r.status, p.Code, c.status, c.code, r)
			}
			if n, o := e.size(), e.otherSize(); n != n0 || o != o0 {
				t.Errorf("%s wrote %d + %d entries", what, n-n0, o-o0)
			}
		}
		if route == "POST /api/v1/auth/login" || route == "POST /api/v1/auth/password" {
			continue // the well-formed login is checked by TestLogin, the password change by TestLoginAttacks
		}
		if r := e.do(s, caller); r.status < 200 || r.status > 299 {
			t.Errorf("%s: the well-formed body as %s: %v", route, caller, r)
		}
	}

	// Uploads: not multipart, an unknown kind, malformed rows, too large.
	n0 := e.size()
	wantProblem(t, "an import that is not multipart", e.call("POST", "/api/v1/imports/payments", "finance", map[string]any{"file": "x"}), 400, ledger.CodeMalformedRequest)
	wantProblem(t, "an import of an unknown kind", e.upload("/api/v1/imports/nonsense", "finance", "x.csv", paymentSheet("U", 1, e.ids["tp1"]), ""), 404, ledger.CodeNotFound)
	bad := bytes.Replace(paymentSheet("UB", 3, e.ids["tp1"]), []byte(e.ids["tp1"]), []byte(badID(e.ids["tp1"])), 1)
	r := e.upload("/api/v1/imports/payments", "finance", "发放明细.csv", bad, "")
	p := wantProblem(t, "an import with a bad ID number", r, 422, ledger.CodeImportRowsInvalid)
	if len(p.Errors) == 0 || p.Errors[0].Row == 0 {
		t.Errorf("the invalid row is not named: %v", r)
	}
	wantProblem(t, "an import of a file that is not a sheet", e.upload("/api/v1/imports/payments", "finance", "发放明细.xlsx", []byte("PK\x03\x04 not a zip"), ""), 400, ledger.CodeMalformedRequest)
	big := append(paymentSheet("BIG", 1, e.ids["tp1"]), bytes.Repeat([]byte("#"), 51<<20)...)
	wantProblem(t, "an upload over 50 MiB", e.upload("/api/v1/imports/payments", "finance", "发放明细.csv", big, ""), 413, ledger.CodeTooLarge)
	if e.size() != n0 {
		t.Errorf("bad uploads wrote %d entries", e.size()-n0)
	}

	// Bad paths and queries of reads: 400 or 404, never 500.
	for _, c := range []struct {
		path   string
		status int
		code   ledger.Code
	}{
		{"/api/v1/payments/abc", 404, ledger.CodeNotFound},
		{"/api/v1/payments/-1", 404, ledger.CodeNotFound},
		{"/api/v1/payments/99999999999999999999", 404, ledger.CodeNotFound},
		{"/api/v1/funds/9999999", 404, ledger.CodeNotFound},
		{"/api/v1/households/x/year/2026", 404, ledger.CodeNotFound},
		{"/api/v1/households/1/year/two", 404, ledger.CodeNotFound},
		{"/api/v1/projects/%E4%B8%8D%E5%AD%98%E5%9C%A8", 404, ledger.CodeNotFound},
		{"/api/v1/flags/abc", 404, ledger.CodeNotFound},
		{"/api/v1/funds?limit=0", 400, ledger.CodeMalformedRequest},
		{"/api/v1/funds?limit=abc", 400, ledger.CodeMalformedRequest},
		{"/api/v1/funds?cursor=zzz", 400, ledger.CodeMalformedRequest},
		{"/api/v1/payments?cursor=zzz", 400, ledger.CodeMalformedRequest},
		{"/api/v1/ledger/entries?after_seq=x", 400, ledger.CodeMalformedRequest},
		{"/api/v1/reports/source-levels?year=abc", 400, ledger.CodeMalformedRequest},
		{"/api/v1/nonsense", 404, ledger.CodeNotFound},
	} {
		wantProblem(t, "GET "+c.path, e.call("GET", c.path, "admin", nil), c.status, c.code)
	}
	var page struct {
		Items []json.RawMessage `json:"items"`
	}
	r = e.call("GET", "/api/v1/ledger/entries?limit=100000", "admin", nil)
	e.decode(r, &page)
	if r.status != http.StatusOK || int64(len(page.Items)) != min(e.size(), 500) {
		t.Errorf("limit=100000 is clamped to 500: %d items of %d (%d)", len(page.Items), e.size(), r.status)
	}
}
