package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/sunshine-ledger/sunshine/api"
	"github.com/sunshine-ledger/sunshine/ledger"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

var (
	payRowRe   = regexp.MustCompile(`<tr id="pay-(\d+)">`)
	anyPayRe   = regexp.MustCompile(`<(?:tr|div class="row") id="pay-(\d+)">`)
	nextLinkRe = regexp.MustCompile(`<a href="([^"]+)" rel="next">`)
	countRe    = regexp.MustCompile(`共 (\d+) 条`)
)

// TestStaffPaymentsPaged: with more payments than a page, the staff
// payments list shows the newest first, 50 a page, says how many match in
// all, and its next links walk every matching payment exactly once; the
// filters (village, fund, year, search, status) narrow the count and the
// rows; the .xlsx download holds every matching row as the page shows it
// (the same masked payee), amounts as numbers in 元; bad filters are
// refused in Chinese. On SQLite and, with SUNSHINE_TEST_MYSQL_DSN, MySQL.
func TestStaffPaymentsPaged(t *testing.T) {
	for _, dialect := range []string{"sqlite", "mysql"} {
		t.Run(dialect, func(t *testing.T) {
			if dialect == "mysql" && os.Getenv("SUNSHINE_TEST_MYSQL_DSN") == "" {
				t.Skip("SUNSHINE_TEST_MYSQL_DSN not set")
			}
			testStaffPaymentsPaged(t, dialect)
		})
	}
}

func testStaffPaymentsPaged(t *testing.T, dialect string) {
	e := newTownEnv(t, dialect)
	const tianping, shiniu = 81, 40
	var last ledger.Payment
	for i := range tianping + shiniu {
		r := ledger.PaymentRow{ProjectCode: envProject1, PayeeIDNumber: e.ids["tp2"], Amount: lt.Y(strconv.Itoa(100 + i)), PaidOn: lt.D("2026-04-01")}
		if i >= tianping {
			r.ProjectCode, r.PayeeIDNumber, r.InvoiceNo = envProject2, e.ids["sn1"], fmt.Sprintf("FP-%d", i)
		}
		last = e.payment("finance", r)
	}
	all := tianping + shiniu + 1 // and the fixture's pending payment (田坪村)
	fin := &pageSession{e: e}
	fin.login("t_fin1")

	// walk follows the next links from path and returns the ids in order and
	// the count each page states.
	walkAs := func(sess *pageSession, path string) ([]int64, int) {
		t.Helper()
		var ids []int64
		total := -1
		for pages := 0; path != ""; pages++ {
			if pages > 10 {
				t.Fatalf("more pages than rows allow: %s", path)
			}
			st, body, _ := sess.do("GET", path, nil)
			mustStatus(t, path, st, 200, body)
			m := countRe.FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("%s: no count: %s", path, body)
			}
			n, _ := strconv.Atoi(m[1])
			if total >= 0 && n != total {
				t.Fatalf("%s: count %d changed to %d", path, total, n)
			}
			total = n
			rows := anyPayRe.FindAllStringSubmatch(body, -1)
			if len(rows) > 50 {
				t.Fatalf("%s: %d rows on a page", path, len(rows))
			}
			for _, r := range rows {
				id, _ := strconv.ParseInt(r[1], 10, 64)
				ids = append(ids, id)
			}
			path = ""
			if m := nextLinkRe.FindStringSubmatch(body); m != nil {
				path = strings.ReplaceAll(m[1], "&amp;", "&")
			}
		}
		return ids, total
	}
	walk := func(path string) ([]int64, int) { return walkAs(fin, path) }
	check := func(what string, ids []int64, total, want int) {
		t.Helper()
		if total != want || len(ids) != want {
			t.Fatalf("%s: count %d, walked %d, want %d", what, total, len(ids), want)
		}
		seen := map[int64]bool{}
		for i, id := range ids {
			if seen[id] || (i > 0 && id >= ids[i-1]) {
				t.Fatalf("%s: not newest first, or twice: %v", what, ids)
			}
			seen[id] = true
		}
	}

	ids, total := walk("/staff/payments")
	check("all", ids, total, all)
	if ids[0] != last.ID {
		t.Fatalf("the newest payment %d is not first: %d", last.ID, ids[0])
	}
	_, body, _ := fin.do("GET", "/staff/payments", nil)
	mustContain(t, "first page", body, "共 122 条，按时间从新到旧，本页第 1–50 条", `href="/staff/payments.xlsx?"`)
	_, body, _ = fin.do("GET", fmt.Sprintf("/staff/payments?before=%d", ids[49]+0), nil)
	mustContain(t, "second page", body, "本页第 51–100 条", "« 最新一页")

	ids, total = walk("/staff/payments?village=" + village2)
	check("石牛村", ids, total, shiniu)
	ids, total = walk(fmt.Sprintf("/staff/payments?village=%s&fund=%d&year=2026", village1, e.fund.ID))
	check("田坪村, the fund, 2026", ids, total, tianping+1)
	ids, total = walk("/staff/payments?year=2025")
	check("2025", ids, total, 0)
	ids, total = walk("/staff/payments?voucher=FP-" + strconv.Itoa(tianping+3))
	check("an invoice number", ids, total, 1)
	ids, total = walk("/staff/payments?status=" + ledger.StatusPendingApproval)
	check("pending", ids, total, 1)

	// a monitor of 田坪村: their village's payments, paged the same way
	mon := &pageSession{e: e}
	mon.login("t_mon")
	ids, total = walkAs(mon, "/staff/payments")
	check("the monitor's", ids, total, tianping+1)
	ids, total = walkAs(mon, "/staff/payments?project="+envProject1)
	check("the monitor's, of the project", ids, total, tianping+1)

	for _, bad := range []string{"?fund=x", "?year=12", "?status=nonsense", "?before=-1"} {
		st, body, _ := fin.do("GET", "/staff/payments"+bad, nil)
		if st != http.StatusUnprocessableEntity && st != http.StatusBadRequest {
			t.Fatalf("%s: %d", bad, st)
		}
		mustContain(t, bad, body, "筛选条件")
	}

	// The download: every row of the filter, with the page's payee text.
	st, xb, h := fin.do("GET", "/staff/payments.xlsx?village="+village1, nil)
	mustStatus(t, "export", st, 200, "")
	if !strings.Contains(h.Get("Content-Disposition"), "attachment") || !strings.Contains(h.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("export headers: %v", h)
	}
	f, err := excelize.OpenReader(strings.NewReader(xb))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("支付明细")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2+tianping+1 || !strings.Contains(rows[0][0], "村：田坪村") || !strings.Contains(rows[0][0], fmt.Sprintf("共 %d 笔", tianping+1)) || rows[1][0] != "凭证号" {
		t.Fatalf("export: %d rows, head %q %q", len(rows), rows[0], rows[1])
	}
	_, page, _ := fin.do("GET", "/staff/payments?village="+village1, nil)
	for _, r := range rows[2 : 2+50] { // the first page's rows
		if !strings.Contains(page, ">"+r[2]+"<") || !strings.Contains(page, ">"+r[0]+"<") {
			t.Fatalf("export payee %q not as on the page", r[2])
		}
		if strings.Contains(r[2], e.ids["tp2"]) {
			t.Fatalf("export shows an ID number: %q", r[2])
		}
	}
	// the newest payment of 田坪村 first, its amount a number in 元
	cell, _ := excelize.CoordinatesToCellName(7, 3)
	typ, _ := f.GetCellType("支付明细", cell)
	v, _ := f.GetCellValue("支付明细", cell, excelize.Options{RawCellValue: true})
	if typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString || v != "180" {
		t.Fatalf("amount cell %s: %v %q, want the number 180", cell, typ, v)
	}
	if st, _, _ := mon.do("GET", "/staff/payments.xlsx", nil); st != http.StatusForbidden {
		t.Fatalf("a monitor's download: %d", st)
	}
}

var flagRowRe = regexp.MustCompile(`<a href="/staff/flags/(\d+)">`)

// TestStaffFlagsFiltered: with more flags than a page, the discipline
// office's flag list says how many match, pages through all of them once,
// and narrows by village, rule and severity; a monitor is offered only
// their villages and sees only theirs.
func TestStaffFlagsFiltered(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	var fs []ledger.Finding
	for i := range 70 {
		f := ledger.Finding{Rule: "C2", SubjectKey: fmt.Sprintf("acct-%d|2026-02", i), Severity: ledger.SeverityWarn, Village: village1,
			Subject: ledger.FlagSubject{Kind: "account", Label: fmt.Sprintf("尾号 %04d", i)}, Reason: "一个账户收到多户款项", Evidence: ledger.Evidence{Entries: []int64{3}}}
		if i%2 == 1 {
			f.Village = village2
		}
		if i%5 == 0 {
			f.Rule, f.Severity = "B1", ledger.SeverityHigh
		}
		fs = append(fs, f)
	}
	if _, _, err := e.svc.RecordFindings(t.Context(), e.lg, "system", fs); err != nil {
		t.Fatal(err)
	}
	jw := &pageSession{e: e}
	jw.login("t_jw")
	walk := func(sess *pageSession, path string) (int, int) {
		t.Helper()
		seen := map[string]bool{}
		total := -1
		for pages := 0; path != ""; pages++ {
			if pages > 5 {
				t.Fatalf("too many pages: %s", path)
			}
			st, body, _ := sess.do("GET", path, nil)
			mustStatus(t, path, st, 200, body)
			if m := countRe.FindStringSubmatch(body); m != nil {
				total, _ = strconv.Atoi(m[1])
			}
			for _, m := range flagRowRe.FindAllStringSubmatch(body, -1) {
				if seen[m[1]] {
					t.Fatalf("%s: flag %s twice", path, m[1])
				}
				seen[m[1]] = true
			}
			path = ""
			if m := nextLinkRe.FindStringSubmatch(body); m != nil {
				path = strings.ReplaceAll(m[1], "&amp;", "&")
			}
		}
		return total, len(seen)
	}
	want := func(what string, total, walked, n int) {
		t.Helper()
		if total != n || walked != n {
			t.Fatalf("%s: count %d, walked %d, want %d", what, total, walked, n)
		}
	}
	// the fixture's open flag of 田坪村 too
	total, walked := walk(jw, "/staff/flags?status=open")
	want("all open", total, walked, 71)
	total, walked = walk(jw, "/staff/flags?status=open&village="+village2)
	want("石牛村", total, walked, 35)
	total, walked = walk(jw, "/staff/flags?status=open&rule=B1&severity=high")
	want("B1 high", total, walked, 14)
	total, walked = walk(jw, "/staff/flags?status=open&village="+village2+"&rule=B1")
	want("石牛村 B1", total, walked, 7)
	total, walked = walk(jw, "/staff/flags?status=open&q="+url.QueryEscape("尾号 0005"))
	want("search", total, walked, 1)
	if st, _, _ := jw.do("GET", "/staff/flags?page=x", nil); st != http.StatusBadRequest {
		t.Fatalf("a bad page: %d", st)
	}
	mon := &pageSession{e: e}
	mon.login("t_mon")
	st, body, _ := mon.do("GET", "/staff/flags", nil)
	mustStatus(t, "monitor", st, 200, body)
	if strings.Contains(body, `value="`+village2+`"`) {
		t.Fatal("a monitor of 田坪村 is offered 石牛村")
	}
	total, walked = walk(mon, "/staff/flags?status=open")
	want("monitor", total, walked, 36)
}

// TestApproverCard: the approver's card of a payment waiting for approval
// shows the fund with its balance, the project with its budget left, the
// maker, the invoice and contract numbers, and the payee's other payments
// of the year; a refused decision shows the reason and keeps the note
// typed.
func TestApproverCard(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	e.payment("finance", ledger.PaymentRow{ProjectCode: envProject1, PayeeIDNumber: e.ids["tp1"], Amount: lt.Y("300"), PaidOn: lt.D("2026-02-01")})
	// of another year: not counted among the payee's payments this year
	e.payment("finance", ledger.PaymentRow{ProjectCode: envProject1, PayeeIDNumber: e.ids["tp1"], Amount: lt.Y("70"), PaidOn: lt.D("2025-12-20")})
	apr := &pageSession{e: e}
	apr.login("t_appr")
	st, body, _ := apr.do("GET", "/staff/payments", nil)
	mustStatus(t, "approver", st, 200, body)
	mustContain(t, "approver's card", body, envFundDoc, "剩余 ", "录入人</dt><dd>t_fin1</dd>", "收款人本年其他支付</dt><dd>1 笔，共 300.00 元</dd>", "无发票号")
	// no decision chosen: refused, the note kept on the card
	st, body, _ = apr.do("POST", fmt.Sprintf("/staff/payments/%d/approval", e.pending.ID), url.Values{"csrf": {apr.csrf()}, "note": {"金额与合同不符"}})
	mustStatus(t, "no decision", st, http.StatusUnprocessableEntity, body)
	mustContain(t, "no decision", body, "请选择同意或不同意", fmt.Sprintf(`id="note-%d" name="note" value="金额与合同不符"`, e.pending.ID))
	// decided elsewhere meanwhile: the second decision is refused
	if _, err := e.svc.DecidePayment(t.Context(), e.lg, e.users["approver"].ID, e.pending.ID, true, "", nil); err != nil {
		t.Fatal(err)
	}
	st, body, _ = apr.do("POST", fmt.Sprintf("/staff/payments/%d/approval", e.pending.ID), url.Values{"csrf": {apr.csrf()}, "decision": {"reject"}, "note": {"金额与合同不符"}})
	if st < 400 {
		t.Fatalf("a second decision: %d", st)
	}
	mustContain(t, "refused decision", body, `role="alert"`, "该笔支付不在待审核状态", "<h1>待审批支付</h1>")
}

var noticeRowRe = regexp.MustCompile(`<a href="/staff/notices/(\d+)">`)

// TestStaffNoticesPaged: the staff notice list puts the draft form above
// the list, folded; lists newest first, 50 a page with the count, and
// filters by type, village and a search of the title.
func TestStaffNoticesPaged(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	var last int64
	for i := range 56 {
		in := ledger.NoticeDraftInput{Type: "季度资金使用情况", Period: "2026-Q1", Title: fmt.Sprintf("2026年第一季度资金使用情况（第%d稿）", i+1)}
		if i%4 == 0 {
			in = ledger.NoticeDraftInput{Type: ledger.NoticeRecipients, Village: village1, Period: "2026-03", Title: fmt.Sprintf("田坪村补助对象公示（第%d稿）", i+1)}
		}
		n, err := e.svc.DraftNotice(t.Context(), e.lg, e.users["finance"].ID, in, nil)
		if err != nil {
			t.Fatalf("draft %d: %v", i, err)
		}
		last = n.ID
	}
	fin := &pageSession{e: e}
	fin.login("t_fin1")
	st, body, _ := fin.do("GET", "/staff/notices", nil)
	mustStatus(t, "notices", st, 200, body)
	if strings.Index(body, `id="newdraft"`) > strings.Index(body, `id="notices"`) || strings.Contains(body, `id="newdraft" open`) {
		t.Fatal("the draft form is not folded above the list")
	}
	mustContain(t, "notices", body, "共 56 条，新的在前，本页第 1–50 条")
	rows := noticeRowRe.FindAllStringSubmatch(body, -1)
	if len(rows) != 50 || rows[0][1] != strconv.FormatInt(last, 10) {
		t.Fatalf("first page: %d rows, first %v, want %d", len(rows), rows[0], last)
	}
	next := nextLinkRe.FindStringSubmatch(body)
	if next == nil {
		t.Fatal("no next page")
	}
	_, body, _ = fin.do("GET", strings.ReplaceAll(next[1], "&amp;", "&"), nil)
	if n := len(noticeRowRe.FindAllStringSubmatch(body, -1)); n != 6 {
		t.Fatalf("second page: %d rows", n)
	}
	_, body, _ = fin.do("GET", "/staff/notices?village="+village1, nil)
	mustContain(t, "village", body, "共 14 条")
	_, body, _ = fin.do("GET", "/staff/notices?q="+url.QueryEscape("第7稿"), nil)
	mustContain(t, "search", body, "共 1 条", "第7稿")
	// a refused draft opens the form with what was typed
	st, body, _ = fin.do("POST", "/staff/notices", url.Values{"csrf": {fin.csrf()}, "type": {"季度资金使用情况"}, "period": {"2026-Q9"}})
	if st < 400 {
		t.Fatalf("a bad period: %d", st)
	}
	mustContain(t, "refused draft", body, `id="newdraft" open`, `value="2026-Q9"`)
}

// TestStaffSpendingProgress: the fund and project pages show spending
// against time (支出进度, 时间进度, months left) as a chart with its table,
// a fund lagging the calendar says so; the project page counts all its
// payments and links to the list of them, which the payments list filters
// by project.
func TestStaffSpendingProgress(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	for i := range 53 {
		e.payment("finance", ledger.PaymentRow{ProjectCode: envProject1, PayeeIDNumber: e.ids["tp2"], Amount: lt.Y(strconv.Itoa(10 + i))})
	}
	fin := &pageSession{e: e}
	fin.login("t_fin1")
	st, body, _ := fin.do("GET", fmt.Sprintf("/staff/funds/%d", e.fund.ID), nil)
	mustStatus(t, "fund", st, 200, body)
	// 2026-03-01 (the fixture's clock): 60 of 365 days, 9 months left
	mustContain(t, "fund", body, `<svg class="chart"`, `role="img" aria-label="支出进度 0%，时间进度 16%"`, "时间进度</th><td class=\"n\">16%（2026-01-01 至 2026-12-31）",
		"9 个月", `id="behind"`, "落后于时间进度 16 个百分点")
	st, body, _ = fin.do("GET", "/staff/projects/"+envProject1, nil)
	mustStatus(t, "project", st, 200, body)
	mustContain(t, "project", body, `<svg class="chart"`, "2026-03-01 至 2026-12-31", "共 54 笔，下面是最新的 50 笔", `href="/staff/payments?project=`+envProject1+`"`)
	if n := len(payRowRe.FindAllString(body, -1)); n != 50 {
		t.Fatalf("project page: %d payments shown", n)
	}
	_, body, _ = fin.do("GET", "/staff/payments?project="+envProject1, nil)
	mustContain(t, "payments of the project", body, "共 54 条")
	if st, _, _ := fin.do("GET", "/staff/payments?project=NOPE", nil); st < 400 {
		t.Fatalf("an unknown project: %d", st)
	}
}

// TestStaffListDownloads: every staff list downloads as .xlsx with the
// list's filters and what its reader may see: funds, projects (a monitor's
// own villages and the town's), flags (a monitor's villages; the filters),
// notices (the filters), complaints (contacts only for the discipline
// office).
func TestStaffListDownloads(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	e.disclosureTown()
	for _, v := range []string{village1, village2} {
		if _, err := e.svc.FileComplaint(t.Context(), e.lg, ledger.ComplaintInput{Village: v, Text: "反映情况", Contact: "13900000000"}); err != nil {
			t.Fatal(err)
		}
	}
	sheet := func(s *pageSession, path, name string) [][]string {
		t.Helper()
		st, body, h := s.do("GET", path, nil)
		mustStatus(t, path, st, 200, "")
		if !strings.Contains(h.Get("Content-Disposition"), "attachment") {
			t.Fatalf("%s: %v", path, h)
		}
		f, err := excelize.OpenReader(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := f.GetRows(name)
		if err != nil || len(rows) < 2 || !strings.HasPrefix(rows[0][0], "筛选条件") {
			t.Fatalf("%s: %v %v", path, rows, err)
		}
		return rows[2:]
	}
	fin := &pageSession{e: e}
	fin.login("t_fin1")
	mon := &pageSession{e: e}
	mon.login("t_mon")
	jw := &pageSession{e: e}
	jw.login("t_jw")

	funds, _ := e.svc.Funds(t.Context(), e.lg)
	if rows := sheet(fin, "/staff/funds.xlsx", "资金"); len(rows) != len(funds) || rows[0][0] != funds[0].DocNo {
		t.Fatalf("funds: %v", rows)
	}
	prs, _ := e.svc.Projects(t.Context(), e.lg, "", "")
	if rows := sheet(fin, "/staff/projects.xlsx", "项目库"); len(rows) != len(prs) {
		t.Fatalf("projects: %d rows, want %d", len(rows), len(prs))
	}
	for _, r := range sheet(mon, "/staff/projects.xlsx", "项目库") {
		if r[2] == "石牛村" {
			t.Fatalf("a monitor of 田坪村 downloads 石牛村's project %v", r)
		}
	}
	if rows := sheet(jw, "/staff/flags.xlsx?status=open", "线索"); len(rows) < 1 {
		t.Fatal("no open flags downloaded")
	}
	if rows := sheet(jw, "/staff/flags.xlsx?status=open&rule=ZZ", "线索"); len(rows) != 0 {
		t.Fatalf("rule ZZ: %v", rows)
	}
	ns, _ := e.svc.Notices(t.Context(), e.lg, ledger.NoticePublished, "", "")
	if rows := sheet(fin, "/staff/notices.xlsx?status=published", "公告公示"); len(rows) != len(ns) {
		t.Fatalf("notices: %d rows, want %d", len(rows), len(ns))
	}
	ns1, _ := e.svc.Notices(t.Context(), e.lg, "", village1, "")
	if rows := sheet(fin, "/staff/notices.xlsx?village="+village1, "公告公示"); len(ns1) == 0 || len(rows) != len(ns1) {
		t.Fatalf("notices of 田坪村: %d rows, want %d", len(rows), len(ns1))
	}
	if f := sheetHead(t, fin, "/staff/notices.xlsx?status=published&village="+village1, "公告公示"); !strings.Contains(f, "状态：公示中；村：田坪村") ||
		!strings.Contains(f, fmt.Sprintf("共 %d 条", len(slices.DeleteFunc(slices.Clone(ns1), func(n ledger.Notice) bool { return n.Status != ledger.NoticePublished })))) {
		t.Fatalf("the download's filters in words: %q", f)
	}
	rows := sheet(fin, "/staff/complaints.xlsx", "投诉与异议")
	if len(rows) != 2 || len(rows[0]) != 8 {
		t.Fatalf("finance's complaints: %v", rows)
	}
	rows = sheet(jw, "/staff/complaints.xlsx", "投诉与异议")
	if len(rows) != 2 || len(rows[0]) != 9 || rows[0][8] != "13900000000" {
		t.Fatalf("discipline's complaints: %v", rows)
	}
	if rows := sheet(mon, "/staff/complaints.xlsx", "投诉与异议"); len(rows) != 1 {
		t.Fatalf("a monitor's complaints: %v", rows)
	}
	// a payments download beyond the bound is refused, in Chinese, with the
	// advice to filter; one within it is not
	all, _ := e.svc.CountPayments(t.Context(), e.lg, ledger.PaymentFilter{})
	api.SetMaxExportRows(e.srv, all-1)
	st, body, _ := fin.do("GET", "/staff/payments.xlsx", nil)
	mustStatus(t, "a download beyond the bound", st, http.StatusUnprocessableEntity, body)
	mustContain(t, "a download beyond the bound", body, fmt.Sprintf("符合条件的支付有 %d 笔，一次最多导出 %d 笔", all, all-1), "筛选后分批导出")
	if rows := sheet(fin, "/staff/payments.xlsx?village="+village1, "支付明细"); len(rows) == 0 || len(rows) >= all {
		t.Fatalf("田坪村's payments within the bound: %d rows of %d", len(rows), all)
	}
	api.SetMaxExportRows(e.srv, 100_000)
	// the pages link them
	_, body, _ = jw.do("GET", "/staff/flags?status=open&rule=B1", nil)
	mustContain(t, "flags page", body, `href="/staff/flags.xlsx?rule=B1&amp;status=open"`)
}

var complaintRowRe = regexp.MustCompile(`<a href="/staff/complaints/(\d+)">`)

// TestStaffComplaintsPaged: the complaints list pages (50, newest first,
// the count) and filters by village, kind and a search of the receipt (as
// typed) or the text; a monitor is offered and shown only their villages.
func TestStaffComplaintsPaged(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	var first ledger.Complaint
	for i := range 57 {
		v := village1
		if i%3 == 0 {
			v = village2
		}
		cm, err := e.svc.FileComplaint(t.Context(), e.lg, ledger.ComplaintInput{Village: v, Text: fmt.Sprintf("第%d件：路灯不亮", i+1)})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = cm
		}
	}
	jw := &pageSession{e: e}
	jw.login("t_jw")
	seen := map[string]bool{}
	path := "/staff/complaints"
	for pages := 0; path != ""; pages++ {
		st, body, _ := jw.do("GET", path, nil)
		mustStatus(t, path, st, 200, body)
		if pages == 0 {
			mustContain(t, "first page", body, "共 57 条，新的在前，本页第 1–50 条", `href="/staff/complaints.xlsx?"`)
		}
		for _, m := range complaintRowRe.FindAllStringSubmatch(body, -1) {
			if seen[m[1]] {
				t.Fatalf("complaint %s twice", m[1])
			}
			seen[m[1]] = true
		}
		path = ""
		if m := nextLinkRe.FindStringSubmatch(body); m != nil {
			path = strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	if len(seen) != 57 {
		t.Fatalf("walked %d complaints", len(seen))
	}
	for q, want := range map[string]int{
		"?village=" + village2: 19,
		"?q=" + url.QueryEscape(strings.ToLower(strings.ReplaceAll(first.Receipt, "-", ""))): 1,
		"?q=" + url.QueryEscape("第57件"):                                                      1,
		"?kind=objection":                                                                    0,
	} {
		_, body, _ := jw.do("GET", "/staff/complaints"+q, nil)
		if !strings.Contains(body, fmt.Sprintf("共 %d 条", want)) {
			t.Fatalf("%s: want %d", q, want)
		}
	}
	mon := &pageSession{e: e}
	mon.login("t_mon")
	_, body, _ := mon.do("GET", "/staff/complaints", nil)
	mustContain(t, "monitor", body, "共 38 条")
	if strings.Contains(body, `value="`+village2+`"`) {
		t.Fatal("a monitor of 田坪村 is offered 石牛村")
	}
}

// sheetHead is the filters line above a download's table.
func sheetHead(t *testing.T, s *pageSession, path, name string) string {
	t.Helper()
	st, body, _ := s.do("GET", path, nil)
	mustStatus(t, path, st, 200, "")
	f, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(name)
	if err != nil || len(rows) == 0 || len(rows[0]) == 0 {
		t.Fatalf("%s: %v %v", path, rows, err)
	}
	return rows[0][0]
}

// TestProjectCodes: a page's project codes by id, read one by one when few
// and from the whole library when many, give the same answer; unknown ids
// are left out.
func TestProjectCodes(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	prs, err := e.svc.Projects(t.Context(), e.lg, "", "")
	if err != nil || len(prs) == 0 {
		t.Fatal(prs, err)
	}
	few := []int64{prs[0].ID, prs[0].ID, 1 << 40}
	many := []int64{}
	for i := range 40 {
		many = append(many, 1<<40+int64(i))
	}
	for _, p := range prs {
		many = append(many, p.ID)
	}
	for _, ids := range [][]int64{few, many} {
		got, err := e.svc.ProjectCodes(t.Context(), e.lg, ids)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			want := ""
			for _, p := range prs {
				if p.ID == id {
					want = p.Code
				}
			}
			if got[id] != want {
				t.Fatalf("%d ids: project %d is %q, want %q", len(ids), id, got[id], want)
			}
		}
	}
}
