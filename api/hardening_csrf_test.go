package api_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// csrfAttack is the page another origin on the same host serves: for every
// write route it sends, with the browser's credentials, a text/plain JSON
// body, a form body and a multipart body (the requests a page may send
// without a CORS preflight), and PUTs through CORS; then it sets its title.
const csrfAttack = `<!doctype html><html><head><meta charset="utf-8"><title>attack</title></head><body><script>
const target = %q, routes = %s;
(async () => {
  for (const [method, path] of routes) {
    const body = JSON.stringify(path === "/api/v1/users" ? {username: "evil_admin", password: "Evil-pass-2026-x", role: "admin"}
      : {decision: "approve", amount: "1.00", name: "恶意", reason: "x", text: "x", village: "430181117201"});
    const variants = method === "POST" ? [
      {mode: "no-cors", headers: {"Content-Type": "text/plain"}, body},
      {mode: "no-cors", headers: {"Content-Type": "application/x-www-form-urlencoded"}, body: "username=evil_admin2&password=Evil-pass-2026-x&role=admin&json=" + encodeURIComponent(body)},
      {mode: "no-cors", body: (() => { const f = new FormData(); f.append("file", new Blob([body], {type: "text/csv"}), "x.csv"); f.append("json", body); return f; })()},
    ] : [{mode: "cors", headers: {"Content-Type": "application/json"}, body}];
    for (const v of variants) {
      try { await fetch(target + path, Object.assign({method, credentials: "include"}, v)); } catch (e) {}
    }
  }
  document.title = "done";
})();
</script></body></html>`

// TestCSRFFromAnotherOrigin: a page on another port of the same host (same
// site: SameSite cookies go with it) attacks every write route of the
// router in headless Chromium while an admin is logged in to the staff
// pages. Every request that reaches the server is refused (4xx) and
// nothing is written: no entry, no account. (Without the fix the text/plain
// POST /api/v1/users creates an admin, the jobs run and logout ends the
// admin's session.)
func TestCSRFFromAnotherOrigin(t *testing.T) {
	browser := chromium(t)
	e := newTownEnv(t, "sqlite")
	type hit struct {
		method, path string
		status       int
	}
	var mu sync.Mutex
	var hits []hit
	var attackerOrigin string
	victim := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: 200}
		e.srv.Handler().ServeHTTP(rec, r)
		mu.Lock()
		if r.Header.Get("Origin") == attackerOrigin {
			hits = append(hits, hit{r.Method, r.URL.Path, rec.status})
		}
		mu.Unlock()
	}))
	defer victim.Close()

	// Every write route of the router, with its parameters filled in.
	var routes [][2]string
	fill := strings.NewReplacer(":id", "1", ":seq", "1", ":code", envProject1, ":contract", e.loan.ContractNo, ":kind", "payments",
		":name", "scan", ":receipt", "X", ":file", "x")
	for _, r := range e.srv.Routes() {
		if r.Method == "GET" || !strings.HasPrefix(r.Path, "/api/") {
			continue
		}
		routes = append(routes, [2]string{r.Method, fill.Replace(r.Path)})
	}
	// logging out first would end the session the other attacks ride on
	slices.SortStableFunc(routes, func(a, b [2]string) int {
		last := func(r [2]string) int {
			if strings.HasSuffix(r[1], "/logout") {
				return 1
			}
			return 0
		}
		return cmp.Compare(last(a), last(b))
	})
	if len(routes) < 30 {
		t.Fatalf("only %d write routes", len(routes))
	}
	rj, _ := json.Marshal(routes)
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, csrfAttack, victim.URL, rj)
	}))
	defer attacker.Close()
	mu.Lock()
	attackerOrigin = attacker.URL
	mu.Unlock()
	if strings.Split(victim.URL, ":")[1] != strings.Split(attacker.URL, ":")[1] || victim.URL == attacker.URL {
		t.Fatalf("not two ports of one host: %s %s", victim.URL, attacker.URL)
	}

	users0, _ := e.store.Users(context.Background(), e.lg.ID)
	n0, o0 := e.size(), e.otherSize()
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser), chromedp.NoSandbox, chromedp.DisableGPU)...)
	defer cancelAlloc()
	bctx, cancel := chromedp.NewContext(alloc, chromedp.WithErrorf(func(string, ...any) {}))
	defer cancel()
	bctx, cancelT := context.WithTimeout(bctx, 3*time.Minute)
	defer cancelT()
	// The admin logs in to the staff pages (the session cookie).
	var title string
	if err := chromedp.Run(bctx,
		chromedp.Navigate(victim.URL+"/staff/login"),
		chromedp.SetValue(`input[name="username"]`, "t_admin", chromedp.ByQuery),
		chromedp.SetValue(`input[name="password"]`, envPassword, chromedp.ByQuery),
		chromedp.Submit(`input[name="password"]`, chromedp.ByQuery),
		chromedp.Sleep(500*time.Millisecond),
		chromedp.Navigate(attacker.URL+"/"),
		chromedp.Poll(`document.title === "done"`, nil, chromedp.WithPollingTimeout(2*time.Minute)),
		chromedp.Title(&title),
	); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	seen := map[string]bool{}
	for _, h := range hits {
		seen[h.method+" "+h.path] = true
		if h.status < 400 || h.status >= 500 {
			t.Errorf("%s %s from another origin: %d", h.method, h.path, h.status)
		}
	}
	for _, r := range routes {
		if r[0] == "POST" && !seen[r[0]+" "+r[1]] {
			t.Errorf("the attack did not reach %s %s", r[0], r[1])
		}
	}
	if n, o := e.size(), e.otherSize(); n != n0 || o != o0 {
		t.Errorf("the attack wrote %d + %d entries", n-n0, o-o0)
	}
	if users, _ := e.store.Users(context.Background(), e.lg.ID); len(users) != len(users0) {
		t.Errorf("the attack created %d accounts", len(users)-len(users0))
	}
	t.Logf("%d requests from another origin over %d write routes, all refused", len(hits), len(routes))
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(s int) { r.status = s; r.ResponseWriter.WriteHeader(s) }
