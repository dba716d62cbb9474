package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// axeSource is axe-core's script: $SUNSHINE_AXE_JS, else the copy npm
// installs under .ci/axe (.ci/run does). Without it the accessibility test
// is skipped locally and fails in CI.
func axeSource(t *testing.T) string {
	t.Helper()
	p := os.Getenv("SUNSHINE_AXE_JS")
	if p == "" {
		p = filepath.Join("..", ".ci", "axe", "node_modules", "axe-core", "axe.min.js")
	}
	b, err := os.ReadFile(p)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("axe-core is missing (.ci/run installs it with npm): %v", err)
		}
		t.Skipf("axe-core not installed (cd .ci/axe && npm install): %v", err)
	}
	return string(b)
}

// axeRun runs axe-core in the page and returns its serious and critical
// violations (WCAG 2.1 A and AA rules, and axe's best practices).
const axeRun = `axe.run(document, {resultTypes: ['violations']}).then(r => JSON.stringify(r.violations
  .filter(v => v.impact === 'serious' || v.impact === 'critical')
  .map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' ' + (n.failureSummary || '').split('\n').slice(1, 2).join(''))}))))`

type axeViolation struct {
	ID, Impact, Help string
	Nodes            []string
}

var staffLinkRe = regexp.MustCompile(`href="(/staff/[^"#]*)"`)

// TestAccessibility runs axe-core in headless Chromium over every public
// page and every staff page each role reaches from its home (its menu, and
// the first detail page of each list), at 360 and 1280 px wide, in standard
// and (public pages) 大字 mode: no serious or critical violation.
func TestAccessibility(t *testing.T) {
	browser := chromium(t)
	axe := axeSource(t)
	e := newTownEnv(t, "sqlite")
	all := e.disclosureTown()
	if _, err := e.svc.FileComplaint(t.Context(), e.lg, ledger.ComplaintInput{Village: village1, Text: "反映公益岗位人员不在岗"}); err != nil {
		t.Fatal(err)
	}
	// a page axe must fault, to know the check runs at all
	mux := http.NewServeMux()
	mux.Handle("/", e.srv.Handler())
	mux.HandleFunc("/__axe-selfcheck", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html><head></head><body><img src="/static/favicon.svg"><button></button></body></html>`)
	})
	ts := httptest.NewServer(mux)
	defer ts.Close()
	recipients := all[ledger.NoticeRecipients]

	type target struct{ path, cookie string }
	var targets []target
	for _, p := range []string{"/", "/notices", "/notices?village=" + village1, "/notices/" + recipients.Code, "/verify",
		"/verify?notice=" + recipients.Code, "/query", "/complaints", "/projects/ZT-2026-011", "/no-such-page", "/notices/NOPE",
		"/staff/login", "/stats", "/stats/" + village1} {
		targets = append(targets, target{p, ""})
	}
	// Each role's pages: its home, the menu, and one page of each kind linked
	// from them (a detail page per list), as the role's session sees them.
	for _, u := range []string{"t_fin1", "t_appr", "t_mon", "t_jw", "t_aud", "t_admin"} {
		s := &pageSession{e: e}
		s.login(u)
		seen := map[string]bool{}
		queue := []string{"/staff/"}
		for len(queue) > 0 && len(seen) < 40 {
			p := queue[0]
			queue = queue[1:]
			key := p
			if i := strings.IndexAny(p[len("/staff/"):], "/?"); i >= 0 {
				key = p[:len("/staff/")+i+1] // one page per kind: /staff/flags/, /staff/flags?
			}
			if seen[key] || strings.Contains(p, ".xlsx") || strings.Contains(p, "/preview") || strings.Contains(p, "template") {
				continue
			}
			seen[key] = true
			st, body, _ := s.do("GET", p, nil)
			if st != 200 {
				continue
			}
			targets = append(targets, target{p, s.cookie.Value})
			for _, m := range staffLinkRe.FindAllStringSubmatch(body, -1) {
				queue = append(queue, strings.ReplaceAll(m[1], "&amp;", "&"))
			}
		}
	}
	t.Logf("%d pages", len(targets))
	targets = append(targets, target{"/__axe-selfcheck", ""})

	host, _ := url.Parse(ts.URL)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser), chromedp.NoSandbox, chromedp.DisableGPU)...)
	defer cancelAlloc()
	bctx, cancelB := chromedp.NewContext(alloc)
	defer cancelB()
	if err := chromedp.Run(bctx); err != nil { // the browser starts with bctx, not a page's timeout
		t.Fatal(err)
	}
	found := map[string][]string{} // violation → pages
	for _, width := range []int64{360, 1280} {
		for _, large := range []bool{false, true} {
			for _, tg := range targets {
				if large && strings.HasPrefix(tg.path, "/staff/") {
					continue // 大字 is the public site's
				}
				ctx, cancel := context.WithTimeout(bctx, 60*time.Second)
				var res string
				err := chromedp.Run(ctx,
					network.ClearBrowserCookies(),
					chromedp.ActionFunc(func(ctx context.Context) error {
						if tg.cookie != "" {
							if err := network.SetCookie("sunshine_session", tg.cookie).WithDomain(host.Hostname()).WithPath("/").Do(ctx); err != nil {
								return err
							}
						}
						if large {
							return network.SetCookie("sunshine_size", "large").WithDomain(host.Hostname()).WithPath("/").Do(ctx)
						}
						return nil
					}),
					chromedp.EmulateViewport(width, 800),
					chromedp.Navigate(ts.URL+tg.path),
					chromedp.Evaluate(axe, nil),
					chromedp.Evaluate(axeRun, &res, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }),
				)
				cancel()
				if err != nil {
					t.Fatalf("%s at %d px: %v", tg.path, width, err)
				}
				var vs []axeViolation
				if err := json.Unmarshal([]byte(res), &vs); err != nil {
					t.Fatalf("%s: axe said %q: %v", tg.path, res, err)
				}
				for _, v := range vs {
					k := fmt.Sprintf("%s (%s): %s — e.g. %s", v.ID, v.Impact, v.Help, strings.Join(v.Nodes, " | "))
					found[k] = append(found[k], fmt.Sprintf("%s@%d%s", tg.path, width, map[bool]string{true: " 大字"}[large]))
				}
			}
		}
	}
	var keys []string
	selfcheck := 0
	for k, ps := range found {
		if strings.HasPrefix(ps[0], "/__axe-selfcheck") {
			if len(ps) != 4 {
				t.Errorf("%s: %v", k, ps)
			}
			selfcheck++
			delete(found, k)
		}
	}
	if selfcheck < 3 { // html-has-lang, document-title, image-alt, button-name
		t.Fatalf("axe found %d kinds of fault on a page made faulty: the check does not run", selfcheck)
	}
	for k := range found {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ps := found[k]
		t.Errorf("%s\n    on %d pages, e.g. %s", k, len(ps), strings.Join(ps[:min(len(ps), 6)], ", "))
	}

}
