package api_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sunshine-ledger/sunshine/api"
	"github.com/sunshine-ledger/sunshine/ledger"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// countyLayout is what countyLayoutJS reads from the summary page.
type countyLayout struct {
	InnerWidth  float64 `json:"innerWidth"`
	ScrollWidth float64 `json:"scrollWidth"`
	BodyWidth   float64 `json:"bodyScrollWidth"`
	MainWidth   float64 `json:"mainWidth"`
	Intro       string  `json:"intro"`
	Towns       []struct {
		ID       string            `json:"id"`
		Heading  string            `json:"heading"`
		Visible  bool              `json:"visible"`
		Left     float64           `json:"left"`
		Right    float64           `json:"right"`
		Width    float64           `json:"width"`
		MaxRight float64           `json:"maxRight"` // the rightmost edge of anything in the card, or of its overflowing content
		Fields   map[string]string `json:"fields"`   // dt → dd, as rendered
	} `json:"towns"`
}

// countyLayoutJS measures the county summary as laid out in the browser.
const countyLayoutJS = `(function () {
  var main = document.querySelector('main');
  var towns = Array.prototype.map.call(document.querySelectorAll('main .card[id^="town-"]'), function (c) {
    var r = c.getBoundingClientRect(), cs = getComputedStyle(c), h = c.querySelector('h2');
    var maxRight = r.right + Math.max(0, c.scrollWidth - c.clientWidth);
    Array.prototype.forEach.call(c.querySelectorAll('*'), function (el) {
      var er = el.getBoundingClientRect();
      if (er.width > 0) { maxRight = Math.max(maxRight, er.right); }
    });
    var fields = {};
    Array.prototype.forEach.call(c.querySelectorAll('dl.fields dt'), function (dt) {
      var dd = dt.nextElementSibling;
      fields[dt.innerText.trim()] = dd ? dd.innerText.trim() : '';
    });
    return {id: c.id, heading: h ? h.innerText.trim() : '', visible: cs.display !== 'none' && cs.visibility !== 'hidden' && r.width > 0 && r.height > 0,
      left: r.left, right: r.right, width: r.width, maxRight: maxRight, fields: fields};
  });
  var intro = document.querySelector('main p.meta');
  return {innerWidth: window.innerWidth, scrollWidth: document.documentElement.scrollWidth, bodyScrollWidth: document.body.scrollWidth,
    mainWidth: main.getBoundingClientRect().width, intro: intro ? intro.innerText : '', towns: towns};
})()`

// yuanRe is an amount as the page prints it: yuan with thousands
// separators and two decimals (the unit, 元, is in the page's intro).
var yuanRe = regexp.MustCompile(`^-?\d{1,3}(,\d{3})*\.\d{2}$`)

// TestCountyBrowser (issue 21): the county office logs in through the
// staff login form in headless Chromium and reads 全县汇总 (/staff/county)
// with three towns at 360×740 and at 1280×800. At both widths: every
// town's card is visible with 镇名（代码）, its amounts are the API's yuan
// strings under 资金到账/已拨付到项目/已支付 and the intro gives the unit
// 元; the page does not overflow horizontally (documentElement and body
// scroll width ≤ innerWidth) and nothing in a card sticks out of it. At
// 1280 the summary is not squeezed: <main> and every card are at least
// 800 px wide (main's max-width is 860 px, as on every staff page). Each
// town's funds link leads to that town's funds page saying
// 正在查看：镇名（代码）, whose 返回全县汇总 link leads back to the summary.
// Screenshots go to $SUNSHINE_ARTIFACTS/screenshots/county/.
func TestCountyBrowser(t *testing.T) {
	browser := chromium(t)
	e := newTownEnv(t, "sqlite")
	ctx := context.Background()
	// The second town gets a fund of eight digits (the widest amount), and
	// the verify job runs so every card shows its last verification.
	if _, err := e.svc.RecordFund(ctx, e.other, "fin", ledger.FundRow{DocNo: "永财农〔2026〕7号", Name: "省级财政衔接推进乡村振兴补助资金",
		SourceLevel: "省级", Nature: "专项扶贫资金", FunctionCode: "2130599", Purpose: "产业", Year: 2026, Amount: lt.Y("12345678.90"),
		ArrivedOn: lt.D("2026-01-15")}, nil); err != nil {
		t.Fatal(err)
	}
	if r := e.call("POST", "/api/v1/jobs/verify/run", "admin", nil); r.status != 200 {
		t.Fatalf("run verify: %v", r)
	}
	var sum struct {
		Items []api.CountyTownDTO `json:"items"`
	}
	e.decode(e.call("GET", "/api/v1/county/summary", "county", nil), &sum)
	if len(sum.Items) < 3 {
		t.Fatalf("the county summary has %d towns, want at least 3", len(sum.Items))
	}
	for _, want := range []string{envTown, envOtherTown, countyHome} {
		found := false
		for _, it := range sum.Items {
			found = found || it.Town == want
		}
		if !found {
			t.Fatalf("the county summary lacks %s: %+v", want, sum.Items)
		}
	}

	dir := filepath.Join(artifacts, "screenshots", "county")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.Flag("disable-dev-shm-usage", true))...)
	defer cancelAlloc()
	bctx, cancel := chromedp.NewContext(alloc, chromedp.WithErrorf(func(string, ...any) {}))
	defer cancel()
	bctx, cancelT := context.WithTimeout(bctx, 2*time.Minute)
	defer cancelT()

	base := e.ts.URL
	var loc string
	if err := chromedp.Run(bctx,
		chromedp.EmulateViewport(360, 740),
		chromedp.Navigate(base+"/staff/login"),
		chromedp.SetValue(`#username`, countyUser, chromedp.ByQuery),
		chromedp.SetValue(`#password`, envPassword, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.RunResponse(bctx, chromedp.Submit(`#password`, chromedp.ByQuery)); err != nil {
		t.Fatalf("log in: %v", err)
	}
	if err := chromedp.Run(bctx, chromedp.Location(&loc)); err != nil || loc != base+"/staff/county" {
		t.Fatalf("the county's login lands on %q (%v), want /staff/county", loc, err)
	}

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

	for _, vp := range []struct{ w, h int64 }{{360, 740}, {1280, 800}} {
		t.Run(fmt.Sprintf("%dpx", vp.w), func(t *testing.T) {
			var lay countyLayout
			if err := chromedp.Run(bctx,
				chromedp.EmulateViewport(vp.w, vp.h),
				chromedp.Navigate(base+"/staff/county"),
				chromedp.WaitVisible(`#town-`+envTown, chromedp.ByID),
				chromedp.Evaluate(countyLayoutJS, &lay),
			); err != nil {
				t.Fatal(err)
			}
			shoot(t, fmt.Sprintf("county-summary-%dpx", vp.w))
			w := float64(vp.w)
			if lay.InnerWidth != w {
				t.Fatalf("innerWidth %v, want %v", lay.InnerWidth, w)
			}
			if lay.ScrollWidth > w || lay.BodyWidth > w {
				t.Errorf("the page overflows horizontally: scroll width %v (body %v), viewport %v", lay.ScrollWidth, lay.BodyWidth, w)
			}
			if !strings.Contains(lay.Intro, "金额单位：元") {
				t.Errorf("the intro does not give the unit 元: %q", lay.Intro)
			}
			if vp.w >= 1280 && lay.MainWidth < 800 {
				t.Errorf("at %v px the summary is squeezed into %v px", w, lay.MainWidth)
			}
			if len(lay.Towns) != len(sum.Items) {
				t.Errorf("%d town cards, the API has %d towns", len(lay.Towns), len(sum.Items))
			}
			for i, it := range sum.Items {
				if i >= len(lay.Towns) {
					break
				}
				c := lay.Towns[i] // in the API's order
				if c.ID != "town-"+it.Town || c.Heading != it.Name+"（"+it.Town+"）" {
					t.Errorf("card %d is %s %q, want town-%s %s（%s）", i, c.ID, c.Heading, it.Town, it.Name, it.Town)
				}
				if !c.Visible || c.Left < 0 || c.Right > w || c.MaxRight > c.Right+0.5 {
					t.Errorf("%s: card not visible or sticks out (visible %v, %v–%v, content to %v, viewport %v)", c.ID, c.Visible, c.Left, c.Right, c.MaxRight, w)
				}
				if vp.w >= 1280 && c.Width < 800 {
					t.Errorf("%s: card only %v px wide at %v px", c.ID, c.Width, w)
				}
				for _, f := range []struct{ label, want string }{{"资金到账", it.FundsReceived}, {"已拨付到项目", it.FundsAllocated}, {"已支付", it.FundsPaid}} {
					if got := c.Fields[f.label]; got != f.want || !yuanRe.MatchString(got) {
						t.Errorf("%s %s: %q, want %q in yuan (1,234.56)", c.ID, f.label, got, f.want)
					}
				}
				if got, want := c.Fields["已发布公告"], fmt.Sprintf("%d 份", it.NoticesPublished); got != want {
					t.Errorf("%s 已发布公告: %q, want %q", c.ID, got, want)
				}
				if got := c.Fields["最近一次账本核验"]; !strings.Contains(got, "通过") {
					t.Errorf("%s 最近一次账本核验: %q, want 通过", c.ID, got)
				}
			}
			if t.Failed() {
				return
			}

			// Each town's funds link, and back.
			for _, it := range sum.Items {
				var viewing, back string
				link := fmt.Sprintf(`#town-%s a[href="/staff/funds?town=%s"]`, it.Town, it.Town)
				if _, err := chromedp.RunResponse(bctx, chromedp.Click(link, chromedp.ByQuery)); err != nil {
					t.Fatalf("follow %s: %v", link, err)
				}
				if err := chromedp.Run(bctx,
					chromedp.Location(&loc),
					chromedp.WaitVisible(`#viewing`, chromedp.ByID),
					chromedp.Text(`#viewing`, &viewing, chromedp.ByID),
				); err != nil {
					t.Fatal(err)
				}
				if loc != base+"/staff/funds?town="+it.Town || !strings.Contains(viewing, "正在查看："+it.Name+"（"+it.Town+"）") {
					t.Errorf("%s's link: at %s showing %q", it.Name, loc, viewing)
				}
				if it.Town == envTown {
					shoot(t, fmt.Sprintf("county-town-%s-funds-%dpx", it.Town, vp.w))
					var overflow bool
					if err := chromedp.Run(bctx, chromedp.Evaluate(`document.documentElement.scrollWidth > window.innerWidth`, &overflow)); err != nil || overflow {
						t.Errorf("the town's funds page overflows at %d px (%v)", vp.w, err)
					}
				}
				if _, err := chromedp.RunResponse(bctx, chromedp.Click(`#viewing a[href="/staff/county"]`, chromedp.ByQuery)); err != nil {
					t.Fatalf("follow 返回全县汇总: %v", err)
				}
				if err := chromedp.Run(bctx,
					chromedp.Location(&loc),
					chromedp.WaitVisible(`#town-`+countyHome, chromedp.ByID),
					chromedp.Text(`h1`, &back, chromedp.ByQuery),
				); err != nil {
					t.Fatal(err)
				}
				if loc != base+"/staff/county" || back != "全县汇总" {
					t.Errorf("返回全县汇总 from %s: at %s, heading %q", it.Name, loc, back)
				}
			}
		})
	}
}
