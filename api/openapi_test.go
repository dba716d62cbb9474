package api_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
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
