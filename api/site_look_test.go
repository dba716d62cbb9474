package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/sunshine-ledger/sunshine/disclosure"
	"github.com/sunshine-ledger/sunshine/ledger"
)

// get makes a GET without following redirects, with a cookie header if
// given, and returns the response.
func (e *townEnv) getPage(path, cookie string) response {
	e.t.Helper()
	req, err := http.NewRequest("GET", e.ts.URL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	res, err := noRedirect.Do(req)
	if err != nil {
		e.t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := res.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return response{status: res.StatusCode, header: res.Header, body: []byte(b.String())}
}

// escaped is a path as html/template writes it into a link's query (the
// query escape with lower-case hex).
func escaped(p string) string {
	return regexp.MustCompile(`%[0-9A-F]{2}`).ReplaceAllStringFunc(url.QueryEscape(p), strings.ToLower)
}

var bodyClassRe = regexp.MustCompile(`<body class="([^"]*)">`)

// bodyClass is the class attribute of a page's <body>.
func bodyClass(t *testing.T, page string) string {
	t.Helper()
	m := bodyClassRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the page has no <body class>: %.300s", page)
	}
	return m[1]
}

// TestSiteNotFoundPages (issue 19): an unknown public address is a Chinese
// page with status 404 and a way home (never the home page with 暂无…, never
// JSON); a notice code that does not exist says 未找到该公告; an unknown
// town says 未找到该乡镇; addresses under /api/ keep their JSON problems.
func TestSiteNotFoundPages(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	for _, c := range []struct{ path, heading string }{
		{"/nope", "未找到该页面"},
		{"/notices/a/b", "未找到该页面"},
		{"/staff-nope", "未找到该页面"},
		{"/notices/NOPE", "未找到该公告"},
		{"/notices/NOPE.pdf", "未找到该公告"},
		{"/projects/NOPE", "未找到该项目"},
		{"/?town=439999999", "未找到该乡镇"},
		{"/notices?town=439999999", "未找到该乡镇"},
	} {
		r := e.getPage(c.path, "")
		page := string(r.body)
		if r.status != http.StatusNotFound || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
			t.Errorf("%s: %d %s, want a 404 HTML page", c.path, r.status, r.header.Get("Content-Type"))
			continue
		}
		mustContain(t, c.path, page, "<h1>"+c.heading+"</h1>", "<title>"+c.heading+" - ", `<a class="button" href="/">返回首页</a>`, `href="/staff/login"`)
		if strings.Contains(page, "暂无") || strings.Contains(page, `"code"`) {
			t.Errorf("%s: the 404 page shows the home page or JSON: %.400s", c.path, page)
		}
		if r.header.Get("Content-Security-Policy") == "" {
			t.Errorf("%s: the 404 page lacks the Content-Security-Policy", c.path)
		}
	}
	for _, p := range []string{"/api/v1/nope", "/api/public/nope", "/api/nope", "/api"} {
		r := e.getPage(p, "")
		if !strings.HasPrefix(r.header.Get("Content-Type"), "application/problem+json") && !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
			t.Errorf("%s: %s, want JSON", p, r.header.Get("Content-Type"))
		}
		wantProblem(t, p, r, http.StatusNotFound, ledger.CodeNotFound)
	}
}

// TestSiteTextSizeToggle (issue 19, 适老化): /display?size=large sets a
// year-long SameSite=Lax cookie on / and sends the reader back (303) to a
// local path only; the next page's <body> has the class large and offers
// 标准字号; size=standard forgets it. The notice page cache keeps the two
// sizes apart.
func TestSiteTextSizeToggle(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	all := e.disclosureTown()

	r := e.getPage("/display?size=large&back="+url.QueryEscape("/notices?village="+village1), "")
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/notices?village="+village1 {
		t.Fatalf("size=large: %d, Location %q", r.status, r.header.Get("Location"))
	}
	ck := r.header.Get("Set-Cookie")
	for _, w := range []string{"sunshine_size=large", "Path=/", "Max-Age=31536000", "SameSite=Lax", "HttpOnly"} {
		if !strings.Contains(ck, w) {
			t.Errorf("the cookie %q lacks %s", ck, w)
		}
	}
	// never an open redirect: anything but a local path goes home
	for _, back := range []string{"//evil.example/x", "https://evil.example/", "/\\evil.example", "\\\\evil.example", "evil.example",
		"", "javascript:alert(1)", "/\r\nLocation: https://evil.example", "/\t/evil.example", "http:/evil.example"} {
		r := e.getPage("/display?size=large&back="+url.QueryEscape(back), "")
		if loc := r.header.Get("Location"); r.status != http.StatusSeeOther || loc != "/" {
			t.Errorf("back=%q: %d, Location %q, want /", back, r.status, loc)
		}
	}
	if r := e.getPage("/display?size=large&back=/verify?notice%3DX%26n%3D3", ""); r.header.Get("Location") != "/verify?notice=X&n=3" {
		t.Errorf("a local path with a query: Location %q", r.header.Get("Location"))
	}
	// forgetting the choice
	r = e.getPage("/display?size=standard&back=/query", "sunshine_size=large")
	if ck := r.header.Get("Set-Cookie"); r.status != http.StatusSeeOther || r.header.Get("Location") != "/query" ||
		!strings.Contains(ck, "sunshine_size=;") || !strings.Contains(ck, "Max-Age=0") {
		t.Errorf("size=standard: %d %q, cookie %q", r.status, r.header.Get("Location"), ck)
	}

	const large = "sunshine_size=large"
	notice := "/notices/" + all[ledger.NoticeRecipients].Code
	for _, p := range []string{"/", "/notices", notice, "/query", "/verify", "/complaints", "/projects/ZT-2026-011", "/nope"} {
		std, big := string(e.getPage(p, "").body), string(e.getPage(p, large).body)
		if c := bodyClass(t, std); c != "site" {
			t.Errorf("%s standard: body class %q", p, c)
		}
		if c := bodyClass(t, big); c != "site large" {
			t.Errorf("%s 大字: body class %q", p, c)
		}
		if v := e.getPage(p, large).header.Get("Vary"); v != "Cookie" {
			t.Errorf("%s: Vary %q, want Cookie (the page differs by the 大字 cookie)", p, v)
		}
		back := escaped(p)
		mustContain(t, p+" standard", std, `href="/display?size=large&amp;back=`+back+`"`, ">大字</a>")
		mustContain(t, p+" 大字", big, `href="/display?size=standard&amp;back=`+back+`"`, ">标准字号</a>")
		if strings.Contains(big, ">大字</a>") {
			t.Errorf("%s: the 大字 page still offers 大字", p)
		}
	}
	// the notice page is cached: each size keeps its own copy, in any order
	for i, ck := range []string{"", large, "", large, "sunshine_size=other"} {
		r := e.getPage(notice, ck)
		want := "site"
		if ck == large {
			want = "site large"
		}
		if got := bodyClass(t, string(r.body)); r.status != 200 || got != want {
			t.Errorf("notice page, request %d (cookie %q): %d, body class %q, want %q", i, ck, r.status, got, want)
		}
	}
	// another town's notice page returns to itself with its ?town=
	r = e.getPage(notice+"?town="+envTown, "")
	mustContain(t, "the notice page with ?town=", string(r.body), `back=`+escaped(notice)+`"`)
}

var titleRe = regexp.MustCompile(`<title>(.*?) - (.*?)阳光账本</title>`)

// TestSitePublicChrome (issue 19): every public page links 工作人员登录 in
// its footer, has the favicon and the 大字 toggle, a title that says where
// one is, and no inline style or script (the CSP forbids them); the
// favicon is served.
func TestSitePublicChrome(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	all := e.disclosureTown()
	n := all[ledger.NoticeRecipients]
	titles := map[string]string{
		"/":                            "首页",
		"/notices":                     "全部公告公示",
		"/notices?village=" + village1: "田坪村公告公示",
		"/query":                       "补助发放查询",
		"/verify":                      "核验公告",
		"/complaints":                  "异议与投诉",
		"/nope":                        "未找到该页面",
		"/stats":                       "镇头镇资金使用情况一览",
		"/stats/" + village1:           "田坪村资金使用情况一览",
	}
	seen := map[string]string{}
	for p, want := range titles {
		seen[p] = want
	}
	seen["/notices/"+n.Code] = ""
	seen["/projects/ZT-2026-011"] = ""
	for p, want := range seen {
		r := e.getPage(p, "")
		page := string(r.body)
		m := titleRe.FindStringSubmatch(page)
		if m == nil || m[2] != "镇头镇" || strings.TrimSpace(m[1]) == "" || (want != "" && m[1] != want) {
			t.Errorf("%s: title %q, want %q - 镇头镇阳光账本", p, m, want)
		}
		mustContain(t, p, page, `<footer>`, `<a href="/staff/login">工作人员登录</a>`, `<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">`,
			`<a class="size" href="/display?size=large`)
		if i := strings.Index(page, "<footer>"); i < 0 || !strings.Contains(page[i:], "/staff/login") {
			t.Errorf("%s: 工作人员登录 is not in the footer", p)
		}
		if strings.Contains(page, " style=") || strings.Contains(page, "<style") || regexp.MustCompile(`<script>`).MatchString(page) {
			t.Errorf("%s: an inline style or script, which the CSP blocks", p)
		}
	}
	for _, p := range []string{"/favicon.ico", "/static/favicon.svg"} {
		r := e.getPage(p, "")
		if r.status != 200 || r.header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(string(r.body), "<svg") {
			t.Errorf("%s: %d %s", p, r.status, r.header.Get("Content-Type"))
		}
	}
}

// siteLayout is what siteLayoutJS reads from a public page.
type siteLayout struct {
	InnerWidth     float64  `json:"innerWidth"`
	ScrollWidth    float64  `json:"scrollWidth"`
	BodyWidth      float64  `json:"bodyScrollWidth"`
	MainWidth      float64  `json:"mainWidth"`
	Overflowing    []string `json:"overflowing"` // elements sticking out of the viewport on the right
	NavDisplay     string   `json:"navDisplay"`
	BodyFontSize   float64  `json:"bodyFontSize"`
	TableDisplay   string   `json:"tableDisplay"` // the first table.rows: "table" or "block" (cards)
	ToggleHeight   float64  `json:"toggleHeight"`
	SmallTargets   []string `json:"smallTargets"` // links under 44 px tall: the header's and footer's, with 大字 main's too
	Text           string   `json:"text"`
	FooterHasStaff bool     `json:"footerHasStaff"`
}

const siteLayoutJS = `(function () {
  var w = window.innerWidth, over = [], small = [];
  Array.prototype.forEach.call(document.querySelectorAll('body *'), function (el) {
    var r = el.getBoundingClientRect(), hid = el.closest('thead');
    if (hid && hid.getBoundingClientRect().width <= 1) { return; } // the phone's visually hidden column titles
    if (r.width > 0 && r.right > w + 0.5) { over.push(el.tagName.toLowerCase() + (el.className ? '.' + el.className : '') + ' ' + Math.round(r.right)); }
  });
  Array.prototype.forEach.call(document.querySelectorAll(document.body.classList.contains('large') ? 'header a, main a, footer .links a' : 'header a, footer .links a'), function (a) {
    var r = a.getBoundingClientRect();
    if (r.height < 44) { small.push(a.innerText + ' ' + Math.round(r.height)); }
  });
  var nav = document.querySelector('header nav'), t = document.querySelector('table.rows'), tg = document.querySelector('header a.size');
  var f = document.querySelector('footer a[href="/staff/login"]');
  return {innerWidth: w, scrollWidth: document.documentElement.scrollWidth, bodyScrollWidth: document.body.scrollWidth,
    mainWidth: document.querySelector('main').getBoundingClientRect().width, overflowing: over.slice(0, 10),
    navDisplay: nav ? getComputedStyle(nav).display : '', bodyFontSize: parseFloat(getComputedStyle(document.body).fontSize),
    tableDisplay: t ? getComputedStyle(t).display : '', toggleHeight: tg ? tg.getBoundingClientRect().height : 0,
    smallTargets: small, text: document.body.innerText, footerHasStaff: !!f && f.innerText.trim() === '工作人员登录'};
})()`

// TestSiteLookInChromium (issue 19) loads the home page, /notices, two
// notices (the 12-column 项目入库公示 and 补助对象公示), and the verify (QR),
// query, complaints, project and 404 pages in headless Chromium
// at 360×740 and 1280×800, in 标准字号 and 大字: nothing scrolls sideways
// or sticks out; at 1280 <main> is wider than 1000 px and the rows are a
// table, at 360 cards; 大字's body text is at least 1.3× the standard and
// its links (header, main, footer) at least 44 px tall (the toggle is in every
// mode); in print emulation (the first four pages) the navigation is
// hidden and the rows are a table; each prints to an A4 PDF. Screenshots go to $SUNSHINE_ARTIFACTS/screenshots/look/.
func TestSiteLookInChromium(t *testing.T) {
	browser := chromium(t)
	e := newTownEnv(t, "sqlite")
	all := e.disclosureTown()
	ctx := context.Background()
	dir := filepath.Join(artifacts, "screenshots", "look")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.Flag("disable-dev-shm-usage", true))...)
	defer cancelAlloc()
	bctx, cancel := chromedp.NewContext(alloc, chromedp.WithErrorf(func(string, ...any) {}))
	defer cancel()
	bctx, cancelT := context.WithTimeout(bctx, 4*time.Minute)
	defer cancelT()
	base := e.ts.URL

	shoot := func(t *testing.T, name string) {
		t.Helper()
		var png []byte
		if err := chromedp.Run(bctx, chromedp.FullScreenshot(&png, 100)); err != nil {
			t.Errorf("screenshot %s: %v", name, err)
			return
		}
		if len(png) < 2000 {
			t.Errorf("screenshot %s is %d bytes", name, len(png))
		}
		f := filepath.Join(dir, name+".png")
		if err := os.WriteFile(f, png, 0o644); err != nil {
			t.Error(err)
		}
		t.Logf("screenshot: %s", f)
	}
	measure := func(t *testing.T, path string) siteLayout {
		t.Helper()
		var lay siteLayout
		if err := chromedp.Run(bctx, chromedp.Navigate(base+path), chromedp.WaitVisible(`footer`, chromedp.ByQuery),
			chromedp.Evaluate(siteLayoutJS, &lay)); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return lay
	}

	library, recipients := all[ledger.NoticeLibrary], all[ledger.NoticeRecipients]
	n, err := e.svc.NoticeByCode(ctx, e.lg, recipients.Code)
	if err != nil {
		t.Fatal(err)
	}
	st, err := disclosure.LoadStored(ctx, e.svc, e.lg, n)
	if err != nil {
		t.Fatal(err)
	}
	qr, _ := url.Parse(st.VerifyURL)
	pages := []struct{ name, path, want string }{
		{"home", "/", "最新公告"},
		{"notices", "/notices", recipients.Number},
		{"notice-library", "/notices/" + library.Code, "项目入库公示"},
		{"notice-recipients", "/notices/" + recipients.Code, "欧**华"},
		// the other public pages, for their screenshots and width
		{"verify", "/verify?" + qr.RawQuery, "核验通过"},
		{"query", "/query", "补助发放查询"},
		{"complaints", "/complaints", "异议与投诉"},
		{"project", "/projects/ZT-2026-011", "形成资产（共 1 项）"},
		{"not-found", "/notices/NOPE", "未找到该公告"},
		{"stats", "/stats", "本年各月支付金额"},
		{"stats-village", "/stats/" + village1, "田坪村2026年资金使用情况一览"},
	}
	fontSize := map[string]float64{}
	for _, size := range []string{"standard", "large"} {
		if err := chromedp.Run(bctx, chromedp.EmulateViewport(1280, 800), chromedp.Navigate(base+"/display?size="+size+"&back=/"),
			chromedp.WaitVisible(`footer`, chromedp.ByQuery)); err != nil {
			t.Fatalf("the %s toggle: %v", size, err)
		}
		for _, vp := range []struct{ w, h int64 }{{360, 740}, {1280, 800}} {
			for _, p := range pages {
				t.Run(fmt.Sprintf("%s-%dpx-%s", p.name, vp.w, size), func(t *testing.T) {
					if err := chromedp.Run(bctx, chromedp.EmulateViewport(vp.w, vp.h)); err != nil {
						t.Fatal(err)
					}
					lay := measure(t, p.path)
					shoot(t, fmt.Sprintf("%s-%dpx-%s", p.name, vp.w, size))
					w := float64(vp.w)
					if lay.InnerWidth != w {
						t.Fatalf("innerWidth %v, want %v", lay.InnerWidth, w)
					}
					if lay.ScrollWidth > w || lay.BodyWidth > w || len(lay.Overflowing) > 0 {
						t.Errorf("scrolls sideways: scroll width %v (body %v), viewport %v; sticking out: %v", lay.ScrollWidth, lay.BodyWidth, w, lay.Overflowing)
					}
					if !strings.Contains(lay.Text, p.want) || !lay.FooterHasStaff {
						t.Errorf("the page lacks %q or the footer's 工作人员登录", p.want)
					}
					if lay.ToggleHeight < 44 {
						t.Errorf("the 大字 toggle is %v px tall, want ≥ 44", lay.ToggleHeight)
					}
					if vp.w == 1280 && lay.MainWidth <= 1000 {
						t.Errorf("at 1280 px main is %v px wide, want > 1000", lay.MainWidth)
					}
					if strings.HasPrefix(p.name, "notice-") || p.name == "verify" || p.name == "project" {
						want := map[int64]string{360: "block", 1280: "table"}[vp.w]
						if lay.TableDisplay != want {
							t.Errorf("the rows display as %q at %d px, want %q", lay.TableDisplay, vp.w, want)
						}
					}
					if size == "large" && len(lay.SmallTargets) > 0 {
						t.Errorf("大字: links under 44 px tall: %v", lay.SmallTargets)
					}
					if p.name == "home" && vp.w == 360 {
						fontSize[size] = lay.BodyFontSize
					}
				})
			}
		}
	}
	if fontSize["standard"] == 0 || fontSize["large"] < 1.3*fontSize["standard"] {
		t.Errorf("body font size: 大字 %v px, standard %v px, want ≥ 1.3×", fontSize["large"], fontSize["standard"])
	}

	// print: no navigation, the rows a table across the page (700 px is
	// an A4 page's width within its margins)
	if err := chromedp.Run(bctx, chromedp.Navigate(base+"/display?size=standard&back=/"), chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatal(err)
	}
	for _, vp := range []int64{700, 1280} {
		for _, p := range pages[:4] {
			t.Run(fmt.Sprintf("print-%s-%dpx", p.name, vp), func(t *testing.T) {
				if err := chromedp.Run(bctx, chromedp.EmulateViewport(vp, 800), emulation.SetEmulatedMedia().WithMedia("print")); err != nil {
					t.Fatal(err)
				}
				defer chromedp.Run(bctx, emulation.SetEmulatedMedia().WithMedia(""))
				lay := measure(t, p.path)
				if vp == 700 {
					shoot(t, "print-"+p.name)
					var pdf []byte
					if err := chromedp.Run(bctx, chromedp.ActionFunc(func(ctx context.Context) error {
						var err error
						pdf, _, err = page.PrintToPDF().WithPaperWidth(8.27).WithPaperHeight(11.69).WithPreferCSSPageSize(true).Do(ctx)
						return err
					})); err != nil || len(pdf) < 1000 {
						t.Errorf("print to PDF: %v (%d bytes)", err, len(pdf))
					} else if err := os.WriteFile(filepath.Join(dir, "print-"+p.name+".pdf"), pdf, 0o644); err != nil {
						t.Error(err)
					}
				}
				if lay.NavDisplay != "none" {
					t.Errorf("print: the navigation displays as %q", lay.NavDisplay)
				}
				if strings.HasPrefix(p.name, "notice-") && lay.TableDisplay != "table" {
					t.Errorf("print: the rows display as %q, want a table", lay.TableDisplay)
				}
				if lay.ScrollWidth > float64(vp) {
					t.Errorf("print: scroll width %v at %d px", lay.ScrollWidth, vp)
				}
			})
		}
	}
}

var publicNoticeRe = regexp.MustCompile(`<a class="title" href="/notices/([^"]+)">`)

// TestPublicNoticesPaged: /notices lists the newest published first, 20 a
// page, says how many match, and its page links walk every notice once;
// the filters (village, type, year, a search of title and number) narrow
// it; bad paging and an over-long search are refused in Chinese.
func TestPublicNoticesPaged(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	all := e.disclosureTown()
	var last published
	for range 12 {
		last = e.publish(e.draft(map[string]any{"type": ledger.NoticeQuarterly, "period": "2026-Q1"}))
	}
	total := len(all) + 12
	get := func(path string) string {
		t.Helper()
		r := e.call("GET", path, "", nil)
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d %s", path, r.status, r.body)
		}
		return string(r.body)
	}
	body := get("/notices")
	if !strings.Contains(body, fmt.Sprintf("共 %d 条，最新发布的在前，本页第 1–20 条", total)) {
		t.Fatalf("first page: %s", body)
	}
	codes := publicNoticeRe.FindAllStringSubmatch(body, -1)
	if len(codes) != 20 || codes[0][1] != last.Code {
		t.Fatalf("first page: %d notices, first %v, want %s", len(codes), codes[0], last.Code)
	}
	seen := map[string]bool{}
	for path := "/notices"; path != ""; {
		body := get(path)
		for _, m := range publicNoticeRe.FindAllStringSubmatch(body, -1) {
			if seen[m[1]] {
				t.Fatalf("%s twice", m[1])
			}
			seen[m[1]] = true
		}
		path = ""
		if m := regexp.MustCompile(`<a href="([^"]+)" rel="next">`).FindStringSubmatch(body); m != nil {
			path = strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	if len(seen) != total {
		t.Fatalf("walked %d of %d notices", len(seen), total)
	}
	for path, want := range map[string]int{
		"/notices?type=" + url.QueryEscape(ledger.NoticeQuarterly):           13,
		"/notices?village=" + village1:                                       4,
		"/notices?q=" + url.QueryEscape(all[ledger.NoticeRecipients].Number): 1,
	} {
		body := get(path)
		if !strings.Contains(body, fmt.Sprintf("共 %d 条", want)) {
			t.Fatalf("%s: want %d: %s", path, want, regexp.MustCompile(`id="count">[^<]*`).FindString(body))
		}
	}
	for _, bad := range []string{"/notices?page=0", "/notices?page=x", "/notices?q=" + strings.Repeat("公", 51)} {
		if r := e.call("GET", bad, "", nil); r.status != http.StatusBadRequest || !hasHan(string(r.body)) {
			t.Fatalf("%s: %d", bad, r.status)
		}
	}
}

// TestComplaintRedirectAfterPost: a complaint filed on the page answers
// 303 to its receipt's page (已收到 and the receipt, then its progress), so
// a reload files nothing twice; the progress query takes the receipt in any
// case, with or without the dash, in full-width characters.
func TestComplaintRedirectAfterPost(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	req, _ := http.NewRequest("POST", e.ts.URL+"/complaints", strings.NewReader(url.Values{"village": {village1}, "text": {"希望公开村集体收益分配"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc := res.Header.Get("Location")
	m := regexp.MustCompile(`^/complaints\?new=1&receipt=([A-Z2-9]{5}-[A-Z2-9]{5})$`).FindStringSubmatch(loc)
	if res.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("post: %d to %q", res.StatusCode, loc)
	}
	receipt := m[1]
	for range 2 { // the page, then a reload
		r := e.call("GET", loc, "", nil)
		if r.status != 200 || !strings.Contains(string(r.body), "已收到您的反映") || !strings.Contains(string(r.body), "回执号：<strong>"+receipt) ||
			!strings.Contains(string(r.body), "希望公开村集体收益分配") {
			t.Fatalf("receipt page: %d %s", r.status, r.body)
		}
	}
	// a refusal keeps what was typed
	page := e.postForm("/complaints", url.Values{"village": {village1}, "notice_code": {"NOPE-1"}, "text": {"路灯不亮已三个月"}, "contact": {"13800000000"}})
	for _, want := range []string{`value="` + village1 + `" selected`, ">路灯不亮已三个月</textarea>", `value="NOPE-1"`, `value="13800000000"`, `class="error"`} {
		if !strings.Contains(page, want) {
			t.Fatalf("refused complaint lacks %q", want)
		}
	}
	if cs, _ := e.svc.Complaints(t.Context(), e.lg, ""); len(cs) != 1 {
		t.Fatalf("%d complaints after a reload, want 1", len(cs))
	}
	fullWidth := strings.Map(func(r rune) rune {
		if r > ' ' && r < 0x7f {
			return r + 0xFEE0
		}
		return r
	}, strings.ToLower(receipt))
	for _, typed := range []string{strings.ToLower(receipt), strings.ReplaceAll(receipt, "-", ""), " " + strings.ReplaceAll(strings.ToLower(receipt), "-", " ") + " ", fullWidth} {
		r := e.call("GET", "/complaints?receipt="+url.QueryEscape(typed), "", nil)
		if r.status != 200 || !strings.Contains(string(r.body), "办理情况（回执号 "+receipt+"）") || strings.Contains(string(r.body), "已收到您的反映") {
			t.Fatalf("progress by %q: %d", typed, r.status)
		}
	}
}
