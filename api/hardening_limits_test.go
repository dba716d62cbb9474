package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sunshine-ledger/sunshine/api"
	"github.com/sunshine-ledger/sunshine/ledger"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// proxiedServer serves the fixture's town behind a trusted proxy
// (127.0.0.1), so that X-Forwarded-For names the client's address.
func (e *townEnv) proxiedServer() *httptest.Server {
	e.t.Helper()
	srv, err := api.New(api.Config{Town: envTown, PublicURL: "http://ledger.test", TrustedProxies: []string{"127.0.0.1"}},
		api.Deps{Ledger: e.svc.L, Service: e.svc, Auth: e.auth, Now: e.clock.Now})
	if err != nil {
		e.t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	e.t.Cleanup(ts.Close)
	return ts
}

func postFrom(ts *httptest.Server, path, addr string, body any) (int, []byte) {
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", ts.URL+path, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", addr)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, out
}

// TestSelfQueryFloodOneAddress: one address sends 620 self-queries at once
// (more than the global 600 a minute); it is refused after its own 30, and
// a villager at another address is still answered in the same minute. (It
// failed when the global token was taken before the per-address check.)
// One name flooded from many addresses stops at the per-name limit, and
// another name is still answered.
func TestSelfQueryFloodOneAddress(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	e.payment("finance", ledger.PaymentRow{ProjectCode: envProject1, PayeeIDNumber: e.ids["tp2"], Amount: lt.Y("321.50"), PaidOn: lt.D("2026-02-03")})
	ts := e.proxiedServer()
	var ok, limited atomic.Int64
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for range 16 {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > 620 {
					return
				}
				st, _ := postFrom(ts, "/api/public/query", "198.51.100.7", map[string]any{"village": village1,
					"name": fmt.Sprintf("访客%d", i), "id_number": lt.ID(int(700+i%200), 1980)})
				switch st {
				case 200:
					ok.Add(1)
				case 429:
					limited.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if ok.Load() != 30 || limited.Load() != 590 {
		t.Fatalf("the flooding address: %d answered, %d refused; want 30 and 590", ok.Load(), limited.Load())
	}
	st, body := postFrom(ts, "/api/public/query", "203.0.113.9", map[string]any{"village": village1, "name": e.names["tp2"], "id_number": e.ids["tp2"]})
	if st != 200 || !bytes.Contains(body, []byte("321.50")) {
		t.Fatalf("another address's villager after the flood: %d %s", st, body)
	}
	// One name from 40 addresses: the per-name limit (20 an hour) holds it,
	// without the failures limit (the name's own ID, answered each time).
	refused := 0
	for i := range 40 {
		st, _ := postFrom(ts, "/api/public/query", fmt.Sprintf("192.0.2.%d", i+1), map[string]any{"village": village1, "name": e.names["tp2"], "id_number": e.ids["tp2"]})
		if st == 429 {
			refused++
		}
	}
	if refused != 21 { // one answered above, 19 more, then refused
		t.Fatalf("one name from 40 addresses: %d refused, want 21", refused)
	}
	st, body = postFrom(ts, "/api/public/query", "192.0.2.200", map[string]any{"village": village2, "name": e.names["sn1"], "id_number": e.ids["sn1"]})
	if st != 200 {
		t.Fatalf("another name after the name flood: %d %s", st, body)
	}
}
