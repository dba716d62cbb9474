package api_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// openAPIDoc is the part of the served document these tests read.
type openAPIDoc struct {
	OpenAPI string `json:"openapi"`
	Paths   map[string]map[string]struct {
		OperationID string            `json:"operationId"`
		Security    []json.RawMessage `json:"security"`
		Roles       []string          `json:"x-roles"`
		Parameters  []struct {
			Name     string `json:"name"`
			In       string `json:"in"`
			Required bool   `json:"required"`
		} `json:"parameters"`
		Responses map[string]json.RawMessage `json:"responses"`
	} `json:"paths"`
}

// openAPIPath turns gin's "/a/:b" into OpenAPI's "/a/{b}".
func openAPIPath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, ":") || strings.HasPrefix(s, "*") {
			parts[i] = "{" + s[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}

// TestOpenAPIDocument: GET /api/v1/openapi.json (no login) documents
// every route of the router with its method, and documents no route the
// router lacks; path parameters are declared; the roles it names agree
// with testdata/authz_matrix.tsv. With SUNSHINE_OPENAPI_VALIDATOR set (a
// command such as "node .ci/openapi-validate/validate.js", which .ci/run
// exports), that independent OpenAPI 3.1 validator must accept the served
// document.
func TestOpenAPIDocument(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	r := e.call("GET", "/api/v1/openapi.json", "", nil)
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("openapi.json: %v", r)
	}
	var doc openAPIDoc
	e.decode(r, &doc)
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi: %q, want 3.1.0", doc.OpenAPI)
	}

	// (a) the router and the document name the same operations.
	router := map[string]bool{}
	for _, rt := range e.srv.Routes() {
		p, m := openAPIPath(rt.Path), strings.ToLower(rt.Method)
		router[m+" "+p] = true
		op, ok := doc.Paths[p][m]
		if !ok {
			t.Errorf("the router's %s %s (%s) is not in the OpenAPI document", rt.Method, rt.Path, p)
			continue
		}
		for _, seg := range strings.Split(rt.Path, "/") {
			if strings.HasPrefix(seg, ":") && !slices.ContainsFunc(op.Parameters, func(q struct {
				Name     string `json:"name"`
				In       string `json:"in"`
				Required bool   `json:"required"`
			}) bool {
				return q.Name == seg[1:] && q.In == "path" && q.Required
			}) {
				t.Errorf("%s %s: path parameter %s is not declared", m, p, seg[1:])
			}
		}
	}
	ids := map[string]string{}
	for p, ops := range doc.Paths {
		if !strings.HasPrefix(p, "/") || strings.Contains(p, ":") {
			t.Errorf("document path %q is not an OpenAPI path template", p)
		}
		for m, op := range ops {
			if !router[m+" "+p] {
				t.Errorf("the document's %s %s is not a route of the router", strings.ToUpper(m), p)
			}
			if op.OperationID == "" || ids[op.OperationID] != "" {
				t.Errorf("%s %s: operationId %q missing or shared with %s", m, p, op.OperationID, ids[op.OperationID])
			}
			ids[op.OperationID] = m + " " + p
			if _, ok := op.Responses["default"]; !ok || len(op.Responses) < 2 {
				t.Errorf("%s %s: responses %v lack a success or the problem default", m, p, op.Responses)
			}
		}
	}

	// The roles the document names are those the matrix admits.
	m := readAuthzMatrix(t)
	for _, route := range m.routes {
		meth, path, _ := strings.Cut(route, " ")
		op, ok := doc.Paths[openAPIPath(path)][strings.ToLower(meth)]
		if !ok {
			continue // reported above
		}
		public := m.cell(route, "none") != "401" // the staff pages answer an anonymous caller with 401 and the login form
		if public != (len(op.Security) == 0) {
			t.Errorf("%s: public in the matrix %v, security in the document %v", route, public, len(op.Security) > 0)
		}
		if public {
			continue
		}
		for _, role := range []string{"admin", "finance", "approver", "monitor", "discipline", "auditor"} {
			admitted := m.cell(route, role) != "403" && m.cell(route, role) != "401"
			if admitted != slices.Contains(op.Roles, role) {
				t.Errorf("%s: the matrix admits %s: %v; the document's x-roles %v", route, role, admitted, op.Roles)
			}
		}
	}

	// (b) an independent validator, when CI provides one.
	t.Run("validator", func(t *testing.T) {
		v := os.Getenv("SUNSHINE_OPENAPI_VALIDATOR")
		if v == "" {
			t.Skip("SUNSHINE_OPENAPI_VALIDATOR is not set: the document was not checked by an OpenAPI 3.1 validator")
		}
		file := filepath.Join(t.TempDir(), "openapi.json")
		if err := os.WriteFile(file, r.body, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("sh", "-c", v+` "$0"`, file).CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", v, file, err, out)
		}
		t.Logf("%s: %s", v, strings.TrimSpace(string(out)))
	})
}

// TestOpenAPIWitnesses (issue 15): the served OpenAPI document describes
// what a witnessed log adds to the public API, as the service answers it:
// GET /api/public/checkpoint's Sunshine-Witnesses and Sunshine-Witnessed
// headers (both sent, with witnesses, and both documented), and the body of
// GET /api/public/witnesses (its fields are exactly the documented ones).
func TestOpenAPIWitnesses(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	lt.Witnessed(t, e.svc.L, e.store, e.lg, "县纪委监委", "县审计局")
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Headers map[string]struct {
					Description string `json:"description"`
				} `json:"headers"`
				Content map[string]struct {
					Schema json.RawMessage `json:"schema"`
				} `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
	}
	e.decode(e.call("GET", "/api/v1/openapi.json", "", nil), &doc)

	cp := e.call("GET", "/api/public/checkpoint", "none", nil)
	documented := doc.Paths["/api/public/checkpoint"]["get"].Responses["200"].Headers
	for _, h := range []string{"Sunshine-Witnesses", "Sunshine-Witnessed"} {
		if cp.header.Get(h) == "" {
			t.Errorf("GET /api/public/checkpoint sent no %s", h)
		}
		if d := documented[h].Description; !strings.Contains(d, "见证") {
			t.Errorf("%s: documented as %q", h, d)
		}
	}
	if got := cp.header.Get("Sunshine-Witnesses") + " " + cp.header.Get("Sunshine-Witnessed"); got != "2/2 yes" {
		t.Errorf("witness headers %q", got)
	}

	var schema struct {
		Properties map[string]struct {
			Items struct {
				Properties map[string]any `json:"properties"`
			} `json:"items"`
		} `json:"properties"`
	}
	raw := doc.Paths["/api/public/witnesses"]["get"].Responses["200"].Content["application/json"].Schema
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatalf("witnesses schema %s: %v", raw, err)
	}
	var body map[string]json.RawMessage
	e.decode(e.call("GET", "/api/public/witnesses", "none", nil), &body)
	var items []map[string]any
	if err := json.Unmarshal(body["witnesses"], &items); err != nil || len(items) != 2 {
		t.Fatalf("witnesses %s: %v", body["witnesses"], err)
	}
	keys := func(m map[string]any) []string {
		out := make([]string, 0, len(m))
		for k := range m {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	var top []string
	for k := range body {
		top = append(top, k)
	}
	slices.Sort(top)
	var documentedTop []string
	for k := range schema.Properties {
		documentedTop = append(documentedTop, k)
	}
	slices.Sort(documentedTop)
	if !slices.Equal(top, documentedTop) {
		t.Errorf("GET /api/public/witnesses answers %v, the document says %v", top, documentedTop)
	}
	if got, want := keys(items[0]), keys(schema.Properties["witnesses"].Items.Properties); !slices.Equal(got, want) {
		t.Errorf("a witness has %v, the document says %v", got, want)
	}
}
