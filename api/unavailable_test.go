package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/api"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
	"golang.org/x/crypto/bcrypt"
)

// TestDatabaseDown (issue 14 §2): while the database is away (connections
// refused, open ones dropped), a write, a staff read and the public
// checkpoint and entry answer 503 unavailable with Retry-After and a
// Chinese detail, never 500, and /readyz says the database cannot be
// reached; the log's writer retries its batch, then answers unavailable;
// once the database is back the same write succeeds. On SQLite and MariaDB.
func TestDatabaseDown(t *testing.T) {
	for _, dialect := range []string{"sqlite", "mysql"} {
		t.Run(dialect, func(t *testing.T) {
			var sw lt.DownSwitch
			store := gormstoretest.OpenWith(t, gormstoretest.NewDSN(t, dialect), gormstore.Options{WrapConnector: sw.Wrap})
			svc, lg := lt.NewService(t, store, nil)
			auth := &ledger.Auth{Accounts: store, L: svc.L, Now: time.Now, Cost: bcrypt.MinCost}
			if _, err := auth.CreateUser(t.Context(), lg, "system", ledger.NewUser{Username: "caiwu", Password: "Sunshine-2026!", Role: ledger.RoleFinance}, nil, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.L.Append(t.Context(), lg, ledger.AppendInput{Type: "calendar_set", Actor: "system", Payload: map[string]any{"n": 1}}); err != nil {
				t.Fatal(err)
			}
			srv, err := api.New(api.Config{Town: lg.Town, PublicURL: "http://ledger.test"}, api.Deps{Ledger: svc.L, Service: svc, Auth: auth})
			if err != nil {
				t.Fatal(err)
			}
			ts := httptest.NewServer(srv.Handler())
			defer ts.Close()
			do := func(method, path, token string, body any) (*http.Response, []byte) {
				var rd io.Reader
				if body != nil {
					b, _ := json.Marshal(body)
					rd = bytes.NewReader(b)
				}
				req, _ := http.NewRequest(method, ts.URL+path, rd)
				if body != nil {
					req.Header.Set("Content-Type", "application/json")
				}
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				b, _ := io.ReadAll(res.Body)
				return res, b
			}
			res, b := do("POST", "/api/v1/auth/login", "", map[string]string{"username": "caiwu", "password": "Sunshine-2026!"})
			var tok struct{ Token string }
			if json.Unmarshal(b, &tok); res.StatusCode != 200 || tok.Token == "" {
				t.Fatalf("login: %d %s", res.StatusCode, b)
			}
			fund := func(n int) map[string]any {
				return map[string]any{"doc_no": fmt.Sprintf("浏财农〔2026〕%d号", n), "name": "县级配套资金", "source_level": "浏阳市", "fund_nature": "专项扶贫资金",
					"function_code": "2130599", "purpose": "产业", "year": 2026, "amount": "1000.00", "arrived_on": "2026-03-01"}
			}
			sw.Set(true)
			for _, c := range []struct {
				method, path, token string
				body                any
			}{
				{"GET", "/readyz", "", nil},
				{"POST", "/api/v1/funds", tok.Token, fund(1)},
				{"GET", "/api/v1/funds", tok.Token, nil},
				{"GET", "/api/public/checkpoint", "", nil},
				{"GET", "/api/public/entries/0", "", nil},
			} {
				res, b := do(c.method, c.path, c.token, c.body)
				var p api.Problem
				_ = json.Unmarshal(b, &p)
				if res.StatusCode != http.StatusServiceUnavailable || p.Code != string(ledger.CodeUnavailable) || res.Header.Get("Retry-After") == "" ||
					!strings.Contains(p.Detail, "数据库") {
					t.Errorf("%s %s with the database down: %d Retry-After=%q %s", c.method, c.path, res.StatusCode, res.Header.Get("Retry-After"), b)
				}
			}
			// The writer itself: its batch retried, then answered unavailable.
			if _, err := svc.L.Append(t.Context(), lg, ledger.AppendInput{Type: "calendar_set", Actor: "system", Payload: map[string]any{"n": 2}}); ledger.ErrorCode(err) != ledger.CodeUnavailable {
				t.Errorf("append with the database down: %v, want %s", err, ledger.CodeUnavailable)
			}
			sw.Set(false)
			if res, b := do("POST", "/api/v1/funds", tok.Token, fund(2)); res.StatusCode != http.StatusCreated {
				t.Fatalf("write after the database is back: %d %s", res.StatusCode, b)
			}
			if res, b := do("GET", "/readyz", "", nil); res.StatusCode != 200 {
				t.Fatalf("readyz after the database is back: %d %s", res.StatusCode, b)
			}
		})
	}
}
