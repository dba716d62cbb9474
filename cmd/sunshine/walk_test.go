package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/sunshine-ledger/sunshine/demo"
	"github.com/sunshine-ledger/sunshine/importer"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// TestBrowserWalk is each staff user's main path, in headless Chromium
// (Debian's chromium, driven by chromedp), against a real `serve --demo`
// on SQLite: the admin runs the scan from the jobs page (a task page that
// reloads itself until done); a village monitor at 360×740 opens a flag,
// is refused a dismissal without a reason (message shown), dismisses with
// one and the flag leaves the open list; finance uploads an xlsx with one
// bad row (the row shown, nothing written), fixes it, checks and commits
// it; finance records a payment above the approval threshold and the
// approver approves it; finance drafts a notice, publishes it and it is on
// the public site. Every page also renders, as every role, without an
// error. Screenshots of each step go to $SUNSHINE_ARTIFACTS/walk.
func TestBrowserWalk(t *testing.T) {
	browser := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			browser = p
			break
		}
	}
	if browser == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is missing")
		}
		t.Skip("chromium not installed")
	}
	if testing.Short() {
		t.Skip("loads the demo town")
	}
	for _, k := range []string{"SUNSHINE_DB", "SUNSHINE_SIGNING_KEY_FILE", "SUNSHINE_MASTER_KEY_FILE", "SUNSHINE_MIGRATE", "SUNSHINE_TOWN", "SUNSHINE_DEMO"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	shots := filepath.Join(os.TempDir(), "sunshine-test-output", "walk")
	if d := os.Getenv("SUNSHINE_ARTIFACTS"); d != "" {
		shots = filepath.Join(d, "walk")
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}

	data := filepath.Join(t.TempDir(), "data")
	addr := freeAddr(t)
	base := "http://" + addr
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var out lockedBuffer
	go func() {
		done <- run(ctx, []string{"serve", "--data", data, "--addr", addr, "--public-url", base, "--demo"}, &out)
	}()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exit %d: %s", code, out.String())
		}
	}()
	up := false
	for range 1200 { // the demo takes some 15 s to load
		if res, err := http.Get(base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				up = true
				break
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !up {
		t.Fatalf("serve did not come up: %s", out.String())
	}
	// when ready, serve says where to look and how to log in
	for _, want := range []string{base + "/staff/login", "sunshine-demo-2026", "caiwu (finance)", "jiandu01", "SUNSHINE_PUBLIC_URL"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("serve --demo's welcome lacks %q: %s", want, out.String())
		}
	}

	// Every page, as every role, renders without an error on the demo town.
	checkEveryPage(t, base)

	// Start-up ran the missed jobs while the demo town was written: the
	// verify job among them passed, and no T1 flag was raised (issue 14 §1).
	checkStartupVerify(t, base, filepath.Join(data, "sunshine.db"))

	// The demo's notices are cosigned by its two witnesses (issue 15).
	checkDemoCosigned(t, base)

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(360, 740))...)
	defer cancelAlloc()
	bctx, cancelB := chromedp.NewContext(alloc)
	defer cancelB()
	bctx, cancelT := context.WithTimeout(bctx, 8*time.Minute)
	defer cancelT()
	step := 0
	b := &walker{t: t, ctx: bctx, base: base, shot: func(name string) {
		step++
		var png []byte
		if err := chromedp.Run(bctx, chromedp.FullScreenshot(&png, 100)); err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		os.WriteFile(filepath.Join(shots, fmt.Sprintf("%02d-%s.png", step, name)), png, 0o644)
	}}

	// ---- the admin runs the scan from the jobs page ----
	b.size(1280, 900)
	b.login("guanli")
	b.run(chromedp.Navigate(base + "/staff/jobs"))
	b.shot("admin-jobs")
	b.run(chromedp.Click(`#job-scan button`, chromedp.ByQuery))
	b.waitText("#task", "已完成", 3*time.Minute)
	b.shot("admin-scan-done")
	if txt := b.text("#task"); !strings.Contains(txt, "成功") {
		t.Fatalf("the scan task: %s", txt)
	}

	// ---- a monitor on a phone: a flag dismissed, first without a reason ----
	b.size(360, 740)
	var flagURL string
	for i := 1; i <= len(demo.Villages) && flagURL == ""; i++ {
		b.login(fmt.Sprintf("jiandu%02d", i))
		b.run(chromedp.Navigate(base + "/staff/flags?status=open"))
		var n int
		b.run(chromedp.Evaluate(`document.querySelectorAll('main a[href^="/staff/flags/"]').length`, &n))
		if n > 0 {
			b.run(chromedp.Evaluate(`document.querySelector('main a[href^="/staff/flags/"]').getAttribute('href')`, &flagURL))
		}
	}
	if flagURL == "" {
		t.Fatal("no monitor has an open flag after the scan")
	}
	b.shot("monitor-flags")
	b.noOverflow("the monitor's flag list")
	b.run(chromedp.Navigate(base + flagURL))
	b.shot("monitor-flag")
	b.noOverflow("a flag")
	b.run(chromedp.SetValue(`#action`, "dismiss", chromedp.ByQuery), chromedp.Click(`form[action$="/review"] button`, chromedp.ByQuery))
	b.waitText(".error", "理由", 20*time.Second)
	b.shot("monitor-dismiss-refused")
	b.run(chromedp.SetValue(`#action`, "dismiss", chromedp.ByQuery), chromedp.SendKeys(`#note`, "经入户核实，属正常发放", chromedp.ByQuery),
		chromedp.Click(`form[action$="/review"] button`, chromedp.ByQuery))
	b.waitText(".okmsg", "已排除", 20*time.Second)
	b.shot("monitor-dismissed")
	var still int
	b.run(chromedp.Evaluate(fmt.Sprintf(`document.querySelectorAll('main a[href="%s"]').length`, flagURL), &still))
	if still != 0 {
		t.Fatal("the dismissed flag is still in the open list")
	}

	// ---- finance: an xlsx with one bad row, then fixed and committed ----
	b.size(1280, 900)
	b.login("caiwu")
	dir := t.TempDir()
	row := func(doc, amount string) []string {
		return []string{doc, "县级衔接推进乡村振兴补助资金", "县级", "衔接资金", "2130599", "产业", "2026", amount, "2026-11-20"}
	}
	badFile, goodFile := filepath.Join(dir, "资金到账-有误.xlsx"), filepath.Join(dir, "资金到账.xlsx")
	writeFundsXLSX(t, badFile, [][]string{row("浏财农〔2026〕991号", "80000.00"), row("浏财农〔2026〕992号", "八万")})
	writeFundsXLSX(t, goodFile, [][]string{row("浏财农〔2026〕991号", "80000.00"), row("浏财农〔2026〕992号", "80000.00")})
	b.run(chromedp.Navigate(base + "/staff/imports"))
	b.run(chromedp.SetValue(`#kind`, "funds", chromedp.ByQuery), chromedp.SetUploadFiles(`#file`, []string{badFile}, chromedp.ByQuery),
		chromedp.Click(`#check`, chromedp.ByQuery))
	b.waitText("#errors", "金额", 30*time.Second)
	b.shot("finance-import-refused")
	if txt := b.text("#errors"); !strings.Contains(txt, "3") {
		t.Fatalf("the bad row is not named: %s", txt)
	}
	if b.exists("#commit") {
		t.Fatal("a sheet with a bad row offers the commit")
	}
	b.run(chromedp.Navigate(base + "/staff/funds"))
	if strings.Contains(b.text("#funds"), "991号") {
		t.Fatal("the refused sheet wrote a fund")
	}
	b.run(chromedp.Navigate(base + "/staff/imports"))
	b.run(chromedp.SetValue(`#kind`, "funds", chromedp.ByQuery), chromedp.SetUploadFiles(`#file`, []string{goodFile}, chromedp.ByQuery),
		chromedp.Click(`#check`, chromedp.ByQuery))
	b.waitVisible("#commit", 30*time.Second)
	b.shot("finance-import-checked")
	b.run(chromedp.Click(`#commit`, chromedp.ByQuery))
	b.waitText("#task", "已完成", time.Minute)
	b.shot("finance-import-done")
	b.run(chromedp.Navigate(base + "/staff/funds"))
	if txt := b.text("#funds"); !strings.Contains(txt, "991号") || !strings.Contains(txt, "992号") {
		t.Fatal("the committed sheet's funds are not listed")
	}

	// ---- finance records a contractor's payment; the approver approves ----
	code, doc := payableProject(t, base, 20000_00)
	org, uscc := "浏阳市镇头建筑工程有限公司演示", lt.USCC(7)
	apiCall(t, base, "caiwu", "POST", "/api/v1/organisations", map[string]any{"name": org, "uscc": uscc})
	b.run(chromedp.Navigate(base + "/staff/record?kind=payment"))
	b.run(chromedp.SendKeys(`#voucher_no`, "记-浏览器-1", chromedp.ByQuery), chromedp.SetValue(`#project_code`, code, chromedp.ByQuery),
		chromedp.SetValue(`#doc_no`, doc, chromedp.ByQuery), chromedp.SetValue(`#payment_kind`, "进度款", chromedp.ByQuery),
		chromedp.SendKeys(`#payee_org_name`, org, chromedp.ByQuery), chromedp.SendKeys(`#payee_uscc`, uscc, chromedp.ByQuery),
		chromedp.SendKeys(`#amount`, "12000.00", chromedp.ByQuery), chromedp.SetValue(`#paid_on`, "2026-11-20", chromedp.ByQuery),
		chromedp.SendKeys(`#invoice_no`, "FP-演示-0001", chromedp.ByQuery), chromedp.SendKeys(`#contract_no`, "HT-演示-01", chromedp.ByQuery))
	b.shot("finance-payment-form")
	b.run(chromedp.Click(`#payment button`, chromedp.ByQuery))
	b.waitText(".okmsg", "审核中", 20*time.Second)
	b.shot("finance-payment-recorded")
	b.login("shenpi")
	b.run(chromedp.Navigate(base + "/staff/payments"))
	b.waitText("main", "记-浏览器-1", 10*time.Second)
	b.shot("approver-pending")
	var card string
	b.run(chromedp.Evaluate(`[...document.querySelectorAll('.approval')].find(d => d.textContent.includes('记-浏览器-1')).id`, &card))
	b.run(chromedp.SendKeys("#"+card+" input[name=note]", "同意支付进度款", chromedp.ByQuery),
		chromedp.Click("#"+card+` button[value=approve]`, chromedp.ByQuery))
	b.waitText(".okmsg", "已同意", 20*time.Second)
	b.shot("approver-approved")

	// ---- finance drafts a notice, publishes it; it is on the public site ----
	b.login("caiwu")
	b.run(chromedp.Navigate(base + "/staff/notices"))
	b.run(chromedp.Click(`#newdraft summary`, chromedp.ByQuery)) // the draft form opens above the list
	b.run(chromedp.SetValue(`#type`, "季度资金使用情况", chromedp.ByQuery), chromedp.SendKeys(`#period`, "2026-Q4", chromedp.ByQuery),
		chromedp.Click(`#draft button`, chromedp.ByQuery))
	b.waitVisible("#publish", 30*time.Second)
	b.shot("finance-notice-draft")
	b.run(chromedp.Click(`#publish button`, chromedp.ByQuery))
	b.waitText(".okmsg", "已发布", time.Minute)
	b.shot("finance-notice-published")
	msg := b.text(".okmsg")
	i, j := strings.Index(msg, "（"), strings.Index(msg, "）")
	if i < 0 || j < i {
		t.Fatalf("no notice code in %q", msg)
	}
	noticeCode := msg[i+len("（") : j]
	b.size(360, 740)
	b.run(chromedp.Navigate(base + "/notices/" + noticeCode))
	b.waitText("main", "季度资金使用情况", 10*time.Second)
	b.waitText("main", "见证方：县纪委监委、县审计局", 10*time.Second)
	b.shot("public-notice")
	b.noOverflow("the published notice")

	walkIssue19(t, b, base)
}

// walkIssue19 walks what issue 19 added: each role's home with its to-dos,
// a paged list and its download, a staff report in print emulation, the
// public site in 大字 mode and in print, with screenshots.
func walkIssue19(t *testing.T, b *walker, base string) {
	b.size(1280, 900)
	for _, who := range []string{"caiwu", "shenpi", "jiandu01", "jijian", "shenji", "guanli"} {
		b.login(who)
		b.waitText("h1", "工作台", 10*time.Second) // login lands on the home
		if txt := b.text("#todos"); !strings.Contains(txt, "待办事项") {
			t.Fatalf("%s's home: %s", who, txt)
		}
		b.shot("home-" + who)
	}
	b.size(360, 740)
	b.login("jiandu01")
	b.shot("home-monitor-phone")
	b.noOverflow("the monitor's home")

	// a paged list: the payments, page 2, and its download
	b.size(1280, 900)
	b.login("caiwu")
	b.run(chromedp.Navigate(base + "/staff/payments"))
	b.waitText("#count", "本页第 1–50 条", 10*time.Second)
	b.shot("payments-page-1")
	b.run(chromedp.Click(`a[rel="next"]`, chromedp.ByQuery))
	b.waitText("#count", "本页第 51–100 条", 10*time.Second)
	b.shot("payments-page-2")
	var got string
	b.run(chromedp.Evaluate(`fetch(document.querySelector('#count a[download]').href).then(r => r.status + ' ' + r.headers.get('content-type') + ' ' + r.headers.get('content-disposition'))`,
		&got, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	if !strings.HasPrefix(got, "200 application/vnd.openxmlformats-officedocument.spreadsheetml.sheet attachment") {
		t.Fatalf("the payments download: %s", got)
	}
	// a staff report printed: no menu, no filters, no paging
	b.run(chromedp.Navigate(base + "/staff/funds"))
	b.run(emulation.SetEmulatedMedia().WithMedia("print"))
	var hidden bool
	b.run(chromedp.Evaluate(`getComputedStyle(document.querySelector('header.top nav')).display === 'none'`, &hidden))
	if !hidden {
		t.Fatal("the staff menu prints")
	}
	b.shot("staff-funds-print")
	b.run(emulation.SetEmulatedMedia().WithMedia(""))

	// the public site on a phone in 大字, then printed
	b.size(360, 740)
	b.run(chromedp.Navigate(base + "/"))
	var before, after float64
	b.run(chromedp.Evaluate(`parseFloat(getComputedStyle(document.body).fontSize)`, &before))
	b.run(chromedp.Click(`header a.size`, chromedp.ByQuery))
	b.waitVisible(`body.large`, 10*time.Second)
	b.run(chromedp.Evaluate(`parseFloat(getComputedStyle(document.body).fontSize)`, &after))
	if after < 1.3*before {
		t.Fatalf("大字: %.1f px after %.1f px", after, before)
	}
	b.shot("public-home-large")
	b.noOverflow("the home page in 大字")
	b.run(chromedp.Navigate(base + "/notices"))
	b.waitVisible(`body.large`, 10*time.Second) // remembered
	b.shot("public-notices-large")
	b.run(chromedp.Click(`header a.size`, chromedp.ByQuery))
	b.waitVisible(`body:not(.large)`, 10*time.Second)
	b.run(emulation.SetEmulatedMedia().WithMedia("print"))
	b.run(chromedp.Evaluate(`getComputedStyle(document.querySelector('header.top nav')).display === 'none'`, &hidden))
	if !hidden {
		t.Fatal("the public menu prints")
	}
	b.shot("public-notices-print")
	b.run(emulation.SetEmulatedMedia().WithMedia(""))

	// numbers at a glance: the town's statistics page, charts with tables
	for _, w := range []int64{360, 1280} {
		b.size(w, 900)
		b.run(chromedp.Navigate(base + "/stats"))
		var charts, tables int
		b.run(chromedp.Evaluate(`document.querySelectorAll('main svg[role="img"]').length`, &charts),
			chromedp.Evaluate(`document.querySelectorAll('main table').length`, &tables))
		if charts < 3 || tables < charts {
			t.Fatalf("/stats at %d px: %d charts, %d tables", w, charts, tables)
		}
		b.shot(fmt.Sprintf("public-stats-%d", w))
		b.noOverflow("the statistics page")
	}
}

// checkDemoCosigned checks that serve --demo's notices carry its two
// witnesses (issue 15): the first notice the demo published prints the
// cosigned checkpoint (both cosignature lines) and, in its PDF, 见证方：
// 县纪委监委、县审计局; its QR page passes and says both vouched; the public
// checkpoint is witnessed.
func checkDemoCosigned(t *testing.T, base string) {
	t.Helper()
	get := func(path string) (*http.Response, []byte) {
		t.Helper()
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("GET %s: %d %.300s", path, res.StatusCode, b)
		}
		return res, b
	}
	res, _ := get("/api/public/checkpoint")
	if res.Header.Get("Sunshine-Witnessed") != "yes" || res.Header.Get("Sunshine-Witnesses") != "2/2" {
		t.Fatalf("the demo's checkpoint: %v", res.Header)
	}
	var list struct {
		Items []struct {
			Code string `json:"code"`
		} `json:"items"`
	}
	_, b := get("/api/public/notices?limit=500")
	if err := json.Unmarshal(b, &list); err != nil || len(list.Items) == 0 {
		t.Fatalf("notices: %v %.300s", err, b)
	}
	code := list.Items[len(list.Items)-1].Code // the oldest: published while the demo loaded
	var n struct {
		Checkpoint string `json:"checkpoint"`
		VerifyURL  string `json:"verify_url"`
	}
	_, b = get("/api/public/notices/" + url.PathEscape(code))
	if err := json.Unmarshal(b, &n); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(n.Checkpoint, "\n— 县纪委监委 ") || !strings.Contains(n.Checkpoint, "\n— 县审计局 ") {
		t.Fatalf("notice %s printed an uncosigned checkpoint:\n%s", code, n.Checkpoint)
	}
	if _, err := exec.LookPath("pdftotext"); err == nil {
		_, pdf := get("/notices/" + code + ".pdf")
		cmd := exec.Command("pdftotext", "-enc", "UTF-8", "-", "-")
		cmd.Stdin = bytes.NewReader(pdf)
		text, err := cmd.Output()
		if err != nil || !strings.Contains(strings.Join(strings.Fields(string(text)), ""), "见证方：县纪委监委、县审计局") {
			t.Fatalf("notice %s's PDF does not name the witnesses (%v):\n%s", code, err, text)
		}
	} else if os.Getenv("CI") != "" {
		t.Fatal("pdftotext is missing")
	}
	u, err := url.Parse(n.VerifyURL)
	if err != nil {
		t.Fatal(err)
	}
	_, page := get("/verify?" + u.RawQuery)
	if !bytes.Contains(page, []byte("✔ 核验通过")) || !bytes.Contains(page, []byte("已由 县纪委监委、县审计局 见证")) {
		t.Fatalf("the QR page of demo notice %s: %.3000s", code, page)
	}
}

// walker drives one browser tab.
type walker struct {
	t    *testing.T
	ctx  context.Context
	base string
	shot func(name string)
}

func (w *walker) run(actions ...chromedp.Action) {
	w.t.Helper()
	if err := chromedp.Run(w.ctx, actions...); err != nil {
		var body string
		_ = chromedp.Run(w.ctx, chromedp.Text("body", &body, chromedp.ByQuery))
		w.t.Fatalf("browser: %v; page: %.1500s", err, body)
	}
}

func (w *walker) size(width, height int64) {
	w.t.Helper()
	w.run(chromedp.EmulateViewport(width, height))
}

func (w *walker) login(username string) {
	w.t.Helper()
	w.run(chromedp.Navigate(w.base+"/staff/login"), chromedp.WaitVisible(`#username`, chromedp.ByQuery),
		chromedp.SendKeys(`#username`, username, chromedp.ByQuery), chromedp.SendKeys(`#password`, demo.Password, chromedp.ByQuery),
		chromedp.Click(`form[action="/staff/login"] button`, chromedp.ByQuery))
	w.waitText("header", username, 20*time.Second)
}

func (w *walker) text(sel string) string {
	w.t.Helper()
	var s string
	w.run(chromedp.Text(sel, &s, chromedp.ByQuery))
	return s
}

func (w *walker) exists(sel string) bool {
	w.t.Helper()
	var ok bool
	w.run(chromedp.Evaluate(fmt.Sprintf(`document.querySelector(%q) !== null`, sel), &ok))
	return ok
}

// waitText waits until the element exists and its text holds want.
func (w *walker) waitText(sel, want string, d time.Duration) {
	w.t.Helper()
	deadline := time.Now().Add(d)
	var last string
	for time.Now().Before(deadline) {
		var s string
		ctx, cancel := context.WithTimeout(w.ctx, 2*time.Second)
		err := chromedp.Run(ctx, chromedp.Text(sel, &s, chromedp.ByQuery, chromedp.AtLeast(0)))
		cancel()
		if err == nil && strings.Contains(s, want) {
			return
		}
		last = s
		time.Sleep(200 * time.Millisecond)
	}
	var body string
	_ = chromedp.Run(w.ctx, chromedp.Text("body", &body, chromedp.ByQuery))
	w.t.Fatalf("no %q in %s (last %q); page: %.2000s", want, sel, last, body)
}

func (w *walker) waitVisible(sel string, d time.Duration) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(w.ctx, d)
	defer cancel()
	if err := chromedp.Run(ctx, chromedp.WaitVisible(sel, chromedp.ByQuery)); err != nil {
		var body string
		_ = chromedp.Run(w.ctx, chromedp.Text("body", &body, chromedp.ByQuery))
		w.t.Fatalf("%s not shown: %v; page: %.2000s", sel, err, body)
	}
}

// noOverflow: nothing sticks out sideways at the current width.
func (w *walker) noOverflow(what string) {
	w.t.Helper()
	var sw, iw int64
	w.run(chromedp.Evaluate(`document.documentElement.scrollWidth`, &sw), chromedp.Evaluate(`window.innerWidth`, &iw))
	if sw > iw {
		w.t.Errorf("%s is %d px wide in a %d px window", what, sw, iw)
	}
}

func writeFundsXLSX(t *testing.T, path string, rows [][]string) {
	t.Helper()
	b, err := importer.Workbook("funds", rows)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// apiCall calls the JSON API as a demo user and decodes the answer.
func apiCall(t *testing.T, base, username, method, path string, body any) map[string]any {
	t.Helper()
	login := func() string {
		b, _ := json.Marshal(map[string]string{"username": username, "password": demo.Password})
		res, err := http.Post(base+"/api/v1/auth/login", "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var v struct {
			Token string `json:"token"`
		}
		json.NewDecoder(res.Body).Decode(&v)
		return v.Token
	}
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, base+path, rd)
	req.Header.Set("Authorization", "Bearer "+login())
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	var v map[string]any
	json.Unmarshal(raw, &v)
	return v
}

// payableProject finds a project in 实施 holding at least min fen of one
// fund: its code and the fund's 指标文号.
func payableProject(t *testing.T, base string, min int64) (string, string) {
	t.Helper()
	list := apiCall(t, base, "caiwu", "GET", "/api/v1/projects?status="+url.QueryEscape("实施")+"&limit=200", nil)
	items, _ := list["items"].([]any)
	for _, it := range items {
		code, _ := it.(map[string]any)["project_code"].(string)
		rep := apiCall(t, base, "caiwu", "GET", "/api/v1/projects/"+url.PathEscape(code), nil)
		funds, _ := rep["funds"].([]any)
		for _, f := range funds {
			fm := f.(map[string]any)
			var yuan float64
			fmt.Sscan(fm["holding"].(string), &yuan)
			if int64(yuan*100) >= min {
				return code, fm["doc_no"].(string)
			}
		}
	}
	t.Fatal("no project in 实施 holds enough money")
	return "", ""
}

// checkEveryPage opens every GET page of the staff site as every demo role
// (with the objects a page names taken from the lists) and fails on a
// server error or a template error.
func checkEveryPage(t *testing.T, base string) {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, username := range []string{"guanli", "caiwu", "shenpi", "jiandu01", "jijian", "shenji"} {
		form := url.Values{"username": {username}, "password": {demo.Password}}
		res, err := client.PostForm(base+"/staff/login", form)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		var cookie *http.Cookie
		for _, c := range res.Cookies() {
			if c.Name == "sunshine_session" {
				cookie = c
			}
		}
		if cookie == nil {
			t.Fatalf("login %s: %d", username, res.StatusCode)
		}
		get := func(path string) (int, string, string) {
			req, _ := http.NewRequest("GET", base+path, nil)
			req.AddCookie(cookie)
			res, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return res.StatusCode, res.Header.Get("Content-Type"), string(b)
		}
		seen := map[string]bool{}
		queue := []string{"/staff/"}
		for len(queue) > 0 && len(seen) < 60 {
			p := queue[0]
			queue = queue[1:]
			if seen[p] {
				continue
			}
			seen[p] = true
			st, ctype, body := get(p)
			if st == 200 && !strings.HasPrefix(ctype, "text/html") { // a template, a PDF
				continue
			}
			if st >= 500 || (st != 200 && st != 303 && st != 403) {
				t.Errorf("%s as %s: %d %.500s", p, username, st, body)
				continue
			}
			if st == 200 && !strings.Contains(body, "</html>") {
				t.Errorf("%s as %s: the page stops short (a template error?)", p, username)
			}
			// follow the links to pages of the staff site, one of each kind
			for _, href := range staffLinks(body) {
				key := href
				if k := strings.IndexAny(href[len("/staff/"):], "/?"); k >= 0 {
					key = href[:len("/staff/")+k+1]
				}
				if !seen["kind:"+key] {
					seen["kind:"+key] = true
					queue = append(queue, href)
				}
			}
		}
	}
}

// staffLinks lists the href="/staff/…" links of a page (no logout form,
// no PDF preview).
func staffLinks(body string) []string {
	var out []string
	for _, part := range strings.Split(body, `href="/staff/`)[1:] {
		end := strings.IndexByte(part, '"')
		if end < 0 {
			continue
		}
		href := "/staff/" + strings.ReplaceAll(part[:end], "&amp;", "&")
		if strings.HasSuffix(href, "/preview") {
			continue
		}
		out = append(out, href)
	}
	return out
}

// checkStartupVerify waits for the verify job's first run of a fresh serve
// --demo (the catch-up at start-up, while other jobs write) and checks that
// it passed, that no run of any job failed (every run recorded in job_runs
// of the served database, db, not only each job's last run) and that the
// log has no T1 flag (as the discipline office sees them) nor T1 alarm.
func checkStartupVerify(t *testing.T, base, db string) {
	t.Helper()
	token := func(user string) string {
		body, _ := json.Marshal(map[string]string{"username": user, "password": demo.Password})
		res, err := http.Post(base+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var v struct{ Token string }
		if err := json.NewDecoder(res.Body).Decode(&v); err != nil || v.Token == "" {
			t.Fatalf("login %s: %d %v", user, res.StatusCode, err)
		}
		return v.Token
	}
	getJSON := func(path, tok string, v any) {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if err := json.NewDecoder(res.Body).Decode(v); err != nil || res.StatusCode != 200 {
			t.Fatalf("GET %s: %d %v", path, res.StatusCode, err)
		}
	}
	admin := token("guanli")
	var outcome, detail string
	for range 600 {
		var jobs struct {
			Items []struct {
				Name    string
				LastRun *struct{ Outcome, Error string } `json:"last_run"`
			}
		}
		getJSON("/api/v1/jobs", admin, &jobs)
		for _, j := range jobs.Items {
			if j.Name == "verify" && j.LastRun != nil {
				outcome, detail = j.LastRun.Outcome, j.LastRun.Error
			}
		}
		if outcome != "" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if outcome != "success" {
		t.Fatalf("the start-up verify run: %q %s", outcome, detail)
	}
	var flags struct{ Items []json.RawMessage }
	getJSON("/api/v1/flags?rule=T1", token("jijian"), &flags)
	if len(flags.Items) != 0 {
		t.Fatalf("T1 flags after start-up: %s", flags.Items)
	}
	// No job run failed: every job the server lists, every run of it the
	// database holds (the start-up catch-up ran them while the demo town
	// was written), once no run is in progress.
	var jobs struct {
		Items []struct {
			Name    string
			LastRun *struct{ Outcome, Error string } `json:"last_run"`
		}
	}
	store, err := gormstore.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	var runs, failed []string
	for range 600 {
		getJSON("/api/v1/jobs", admin, &jobs)
		if len(jobs.Items) == 0 {
			t.Fatal("no jobs listed")
		}
		runs, failed = nil, nil
		busy := false
		for _, j := range jobs.Items {
			rs, err := store.JobRuns(ctx, j.Name, 1000)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rs {
				runs = append(runs, j.Name+":"+r.Outcome)
				switch r.Outcome {
				case ledger.OutcomeSuccess, ledger.OutcomeSkipped:
				case ledger.OutcomeFailure:
					failed = append(failed, fmt.Sprintf("%s at %s: %s", j.Name, r.StartedAt.Format(time.RFC3339), r.Error))
				default:
					busy = true
				}
			}
		}
		if !busy {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(failed) > 0 {
		t.Fatalf("job runs failed after start-up: %v", failed)
	}
	t.Logf("job runs after start-up: %v", runs)
	lg, err := store.LogByTown(ctx, demo.TownCode)
	if err != nil {
		t.Fatal(err)
	}
	if as, err := store.Alarms(ctx, lg.ID); err != nil || len(as) != 0 {
		t.Fatalf("alarms after start-up: %+v %v", as, err)
	}
	// The verify job once more, now that every job has written what it
	// writes after the demo (the publicity job's projects moved into the
	// library, the notices job's drafts, the scan's flags, as "system"): its
	// deep check holds each of those entries' actors to what they may write,
	// and must pass.
	req, _ := http.NewRequest("POST", base+"/api/v1/jobs/verify/run", nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var run struct{ Outcome, Error string }
	if err := json.NewDecoder(res.Body).Decode(&run); err != nil || run.Outcome != ledger.OutcomeSuccess {
		t.Fatalf("the verify job after every start-up job: %d %+v %v", res.StatusCode, run, err)
	}
}

// lockedBuffer is a bytes.Buffer safe for a writer goroutine and a reader.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
