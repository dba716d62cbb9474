package api_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/disclosure"
	"github.com/sunshine-ledger/sunshine/ledger"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// chromium returns the headless browser, or skips (fails in CI, where
// .ci/run installs Debian's chromium and fonts-noto-cjk).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is missing")
	}
	t.Skip("chromium not installed")
	return ""
}

// probe serves, at /__probe?u=PATH[&post=FORM], a page that shows the
// public page in a 360×740 frame (as srcdoc, so it is same-origin and the
// page's own frame-ancestors policy does not apply) and writes what a test
// needs into its DOM: the frame's scroll width and its text.
func probe(site http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", site)
	mux.HandleFunc("/__probe", func(w http.ResponseWriter, r *http.Request) {
		target := r.URL.Query().Get("u")
		var req *http.Request
		if form := r.URL.Query().Get("post"); form != "" {
			req = httptest.NewRequest("POST", target, strings.NewReader(form))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else {
			req = httptest.NewRequest("GET", target, nil)
		}
		if ck := r.URL.Query().Get("cookie"); ck != "" {
			req.Header.Set("Cookie", "sunshine_session="+ck)
		}
		rec := httptest.NewRecorder()
		site.ServeHTTP(rec, req)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html><head><meta charset="utf-8"><style>body{margin:0}iframe{border:0;display:block}</style></head><body>
<iframe id="f" width="360" height="740" srcdoc="%s"></iframe>
<script>
document.getElementById('f').addEventListener('load', function () {
  var d = this.contentDocument;
  var out = document.createElement('pre');
  out.id = 'probe';
  out.setAttribute('data-scroll-width', d.documentElement.scrollWidth);
  out.setAttribute('data-client-width', d.documentElement.clientWidth);
  out.textContent = d.body.innerText;
  out.style.display = 'none';
  document.body.appendChild(out);
});
</script></body></html>`, html.EscapeString(rec.Body.String()))
	})
	return mux
}

var probeRe = regexp.MustCompile(`(?s)<pre id="probe" data-scroll-width="(\d+)" data-client-width="(\d+)"[^>]*>(.*?)</pre>`)

// TestPublicPagesInChromium loads the home page, a village's notices, a
// notice, the verify page from a QR URL and the self-query in headless
// Chromium at 360×740, checks their content and that nothing overflows
// horizontally, and keeps screenshots as artefacts.
func TestPublicPagesInChromium(t *testing.T) {
	browser := chromium(t)
	e := newTownEnv(t, "sqlite")
	all := e.disclosureTown()
	e.payment("finance", ledger.PaymentRow{ProjectCode: envProject1, PayeeIDNumber: e.ids["tp2"], Amount: lt.Y("321.50"), PaidOn: lt.D("2026-02-03")})
	ts := httptest.NewServer(probe(e.srv.Handler()))
	defer ts.Close()
	recipients := all[ledger.NoticeRecipients]
	n, err := e.svc.NoticeByCode(context.Background(), e.lg, recipients.Code)
	if err != nil {
		t.Fatal(err)
	}
	st, err := disclosure.LoadStored(context.Background(), e.svc, e.lg, n)
	if err != nil {
		t.Fatal(err)
	}
	qr, _ := url.Parse(st.VerifyURL)
	dir := filepath.Join(artifacts, "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	pages := []browserPage{
		{"home", "/", "", []string{"阳光账本", "田坪村", "石牛村", "最新公告"}},
		{"village", "/notices?village=" + village1, "", []string{"田坪村公告公示", recipients.Number}},
		{"notice", "/notices/" + recipients.Code, "", []string{st.Content.Title, "欧**华", "1,000.00", "账本序号", "下载 PDF"}},
		{"verify", "/verify?" + qr.RawQuery, "", []string{"核验通过", "一致性", fmt.Sprintf("账本序号 %d", st.Rows[0].Seq)}},
		{"query", "/query", url.Values{"village": {village1}, "name": {e.names["tp2"]}, "id_number": {e.ids["tp2"]}}.Encode(),
			[]string{"321.50", e.names["tp2"], "已发放"}},
		// issue 16: a completed project's page with its asset register
		{"project", "/projects/ZT-2026-011", "", []string{"形成资产（共 1 项）", "石牛村蓄水池及供水管网", "石牛村股份经济合作社",
			"湖南湘江工程监理有限公司", "283,950.50", all[ledger.NoticeCompletion].Number}},
	}
	browse(t, browser, ts.URL, dir, "", pages)
}

type browserPage struct {
	name, path, post string
	want             []string
}

// browse loads each page through the probe (with the session cookie, if
// any) at 360×740, checks its text and that it does not overflow
// horizontally, and writes a screenshot to dir.
func browse(t *testing.T, browser, base, dir, cookie string, pages []browserPage) {
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			u := base + "/__probe?u=" + url.QueryEscape(p.path) + "&cookie=" + url.QueryEscape(cookie)
			if p.post != "" {
				u += "&post=" + url.QueryEscape(p.post)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
				"--user-data-dir=" + t.TempDir(), "--window-size=360,740"}
			dom, err := exec.CommandContext(ctx, browser, append(args, "--virtual-time-budget=5000", "--dump-dom", u)...).Output()
			if err != nil {
				t.Fatalf("chromium --dump-dom: %v", err)
			}
			m := probeRe.FindSubmatch(dom)
			if m == nil {
				t.Fatalf("the probe did not run: %.500s", dom)
			}
			sw, _ := strconv.Atoi(string(m[1]))
			cw, _ := strconv.Atoi(string(m[2]))
			text := html.UnescapeString(string(m[3]))
			if cw != 360 || sw > cw {
				t.Errorf("overflows horizontally: scroll width %d, client width %d", sw, cw)
			}
			for _, w := range p.want {
				if !strings.Contains(text, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			shot := filepath.Join(dir, p.name+".png")
			if out, err := exec.CommandContext(ctx, browser, append(args, "--screenshot="+shot, u)...).CombinedOutput(); err != nil {
				t.Errorf("screenshot: %v %s", err, out)
			}
			if f, err := os.Open(shot); err == nil {
				b, _ := io.ReadAll(f)
				f.Close()
				if len(b) < 2000 {
					t.Errorf("screenshot %s is %d bytes", shot, len(b))
				}
				t.Logf("screenshot: %s", shot)
			}
		})
	}
}

// TestStaffPagesInChromium: the monitor's path in headless Chromium at
// 360×740 — the login page, the open flags, a flag with its evidence and
// form, a refused dismissal with its message — without horizontal
// overflow, with screenshots.
func TestStaffPagesInChromium(t *testing.T) {
	browser := chromium(t)
	e := newTownEnv(t, "sqlite")
	ts := httptest.NewServer(probe(e.srv.Handler()))
	defer ts.Close()
	mon := &pageSession{e: e}
	mon.login("t_mon")
	_, page, _ := mon.do("GET", fmt.Sprintf("/staff/flags/%d", e.flag), nil)
	m := csrfRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no form token")
	}
	dir := filepath.Join(artifacts, "screenshots", "staff")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	browse(t, browser, ts.URL, dir, mon.cookie.Value, []browserPage{
		{"1-login", "/staff/login", "", []string{"工作人员登录", "用户名", "密码"}},
		{"2-open-flags", "/staff/flags?status=open", "", []string{"待处理线索", "同一人同一期间重复领取", "t_mon"}},
		{"3-flag", fmt.Sprintf("/staff/flags/%d", e.flag), "", []string{"线索 B1", "账本序号", "处理方式", "处理经过"}},
		{"4-dismiss-refused", fmt.Sprintf("/staff/flags/%d/review", e.flag), url.Values{"csrf": {m[1]}, "action": {"dismiss"}, "note": {""}}.Encode(),
			[]string{"排除或移交线索须说明理由"}},
	})
}
