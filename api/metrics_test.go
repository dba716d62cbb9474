package api_test

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// promLine is one sample of the Prometheus text format: name{labels} value.
var promLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.eE+-]+|\+Inf|NaN)$`)

// TestMetrics: after requests of every kind, GET /metrics (no login) is
// Prometheus text whose request counts are labelled by route template
// ("/api/v1/payments/:id", never a concrete id or query), which counts the
// town's ledger entries, and which carries no ID number, name, token,
// account number or password of the fixtures.
func TestMetrics(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	// Reads naming concrete objects, personal data in the path and the
	// query, a failed login, writes.
	e.call("GET", fmt.Sprintf("/api/v1/payments/%d", e.pending.ID), "finance", nil)
	e.call("GET", fmt.Sprintf("/api/v1/payments/%d", e.pending.ID+1000), "finance", nil)
	e.call("GET", fmt.Sprintf("/api/v1/households/%d/year/2026", e.persons["tp1"].Household), "finance", nil)
	e.call("GET", "/api/v1/projects/"+envProject1+"?village="+village1, "monitor", nil)
	e.call("GET", "/api/v1/persons/"+e.ids["tp1"], "finance", nil)                         // no such route: "unmatched"
	e.call("GET", "/api/v1/funds?q="+e.ids["tp2"]+"&name="+e.names["tp2"], "finance", nil) // a query is never a label
	e.call("POST", "/api/v1/persons/search", "finance", map[string]any{"id_number": e.ids["sn1"]})
	e.call("POST", "/api/v1/auth/login", "", map[string]any{"username": "t_fin1", "password": "wrong-" + envPassword})
	e.call("POST", "/api/v1/loans/"+e.loan.ContractNo+"/repayments", "finance", map[string]any{"repaid_on": "2026-06-01", "amount": "10.00"})
	p := e.pay("finance", "tp1", "12.00", "", "")
	e.call("POST", fmt.Sprintf("/api/v1/entries/%d/reversal", p.Seq), "finance", map[string]any{"reason": "录入错误"})
	e.call("GET", "/api/public/entries/3", "", nil)

	// Without SUNSHINE_METRICS_TOKEN /metrics is off; with it, only its
	// bearer reads it (not a staff token, not none).
	wantProblem(t, "/metrics without a token set", e.call("GET", "/metrics", "", nil), 404, ledger.CodeNotFound)
	e.srv.Metrics().Token = "metrics-test-token"
	for _, caller := range []string{"none", "admin", "auditor"} {
		wantProblem(t, "/metrics as "+caller, e.call("GET", "/metrics", caller, nil), 401, ledger.CodeUnauthenticated)
	}
	wantProblem(t, "/metrics with a wrong token", e.call("GET", "/metrics", "", nil, "Authorization", "Bearer metrics-test-tokeN"), 401, ledger.CodeUnauthenticated)
	r := e.call("GET", "/metrics", "", nil, "Authorization", "Bearer metrics-test-token")
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") {
		t.Fatalf("/metrics: %v", r)
	}
	text := string(r.body)

	// The format: HELP/TYPE comments and samples only.
	sc := bufio.NewScanner(bytes.NewReader(r.body))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "# HELP ") || strings.HasPrefix(line, "# TYPE ") {
			continue
		}
		if !promLine.MatchString(line) {
			t.Errorf("not a Prometheus sample: %q", line)
		}
	}

	// Route templates, never concrete paths.
	for _, want := range []string{
		`sunshine_http_requests_total{method="GET",route="/api/v1/payments/:id",status="200"} 1`,
		`sunshine_http_requests_total{method="GET",route="/api/v1/payments/:id",status="404"} 1`,
		`sunshine_http_requests_total{method="GET",route="/api/v1/households/:id/year/:year",status="200"} 1`,
		`sunshine_http_requests_total{method="GET",route="/api/v1/projects/:code",status="200"} 1`,
		`sunshine_http_requests_total{method="POST",route="/api/v1/entries/:seq/reversal",status="201"} 1`,
		`sunshine_http_requests_total{method="POST",route="/api/v1/loans/:contract/repayments",status="201"} 1`,
		`sunshine_http_requests_total{method="POST",route="/api/v1/auth/login",status="401"} 1`,
		`sunshine_http_requests_total{method="GET",route="unmatched",status="404"}`,
		`sunshine_http_request_duration_seconds_bucket{route="/api/v1/payments/:id",le="+Inf"} 2`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	routeLabel := regexp.MustCompile(`route="([^"]*)"`)
	for _, m := range routeLabel.FindAllStringSubmatch(text, -1) {
		route := m[1]
		if route == "unmatched" {
			continue
		}
		for _, seg := range strings.Split(route, "/") {
			if _, err := strconv.Atoi(seg); err == nil || strings.ContainsAny(seg, "?=&") || seg == envProject1 || seg == e.loan.ContractNo {
				t.Errorf("a route label with a concrete path: %q", route)
				break
			}
		}
	}

	// The town's ledger size.
	want := fmt.Sprintf("sunshine_ledger_entries{town=%q} %d", envTown, e.size())
	if !strings.Contains(text, want) {
		t.Errorf("/metrics lacks %s", want)
	}
	if !strings.Contains(text, fmt.Sprintf("sunshine_ledger_entries{town=%q} %d", envOtherTown, e.otherSize())) {
		t.Errorf("/metrics lacks the other town's size")
	}
	if !strings.Contains(text, "sunshine_ledger_append_seconds_count") {
		t.Errorf("/metrics lacks the append latency")
	}

	// No personal data, token or secret.
	secrets := map[string]string{"password": envPassword, "loan contract": e.loan.ContractNo}
	for k, v := range e.ids {
		secrets["ID number of "+k] = v
		secrets["ID number (first 14) of "+k] = v[:14]
	}
	for k, v := range e.names {
		secrets["name of "+k] = v
	}
	for k, v := range e.accounts {
		secrets["account of "+k] = v
	}
	for k, v := range e.tokens {
		secrets["token of "+k] = v
	}
	for what, v := range secrets {
		if v != "" && strings.Contains(text, v) {
			t.Errorf("/metrics contains the %s", what)
		}
	}
}
