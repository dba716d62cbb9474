package api

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/pages"
)

// staffView renders a read-only page whose data is one load from the
// caller's town (a load error is the error page).
func staffView[T any](s *Server, c *gin.Context, name, title string, load func(ctx context.Context, lg ledger.Log) (T, error)) {
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	v, err := load(c.Request.Context(), lg)
	if err != nil {
		s.staffFail(c, err)
		return
	}
	s.staffRender(c, http.StatusOK, name, title, pages.Page{Note: doneNote(c), Data: v})
}

func (s *Server) staffFunds(c *gin.Context) {
	staffView(s, c, "funds", "资金", func(ctx context.Context, lg ledger.Log) ([]ledger.FundLine, error) { return s.svc.Funds(ctx, lg) })
}

// GET /staff/funds/:id: where a fund's money went (project by project, and
// by kind of payee).
func (s *Server) staffFund(c *gin.Context) {
	staffView(s, c, "fund", "资金去向", func(ctx context.Context, lg ledger.Log) (pages.FundData, error) {
		id, err := parseID(c.Param("id"))
		if err != nil {
			return pages.FundData{}, ledger.ErrNotFound
		}
		r, err := s.svc.FundReport(ctx, lg, id)
		if err != nil {
			return pages.FundData{}, err
		}
		year := r.Year
		if year == 0 {
			year = r.ArrivedOn.Year
		}
		// a fund is spent within its year (支出进度 against the calendar)
		p := pages.NewProgress(r.Paid, r.Amount, ledger.Date{Year: year, Month: 1, Day: 1}, ledger.Date{Year: year, Month: 12, Day: 31}, s.today())
		return pages.FundData{FundReport: r, Progress: p, EntryLink: slices.Contains(entryReaders, user(c).Role)}, nil
	})
}

func (s *Server) staffProjects(c *gin.Context) {
	staffView(s, c, "projects", "项目库", func(ctx context.Context, lg ledger.Log) (pages.ProjectsData, error) {
		ps, err := s.svc.Projects(ctx, lg, "", c.Query("status"))
		return pages.ProjectsData{Projects: ps, Villages: s.villageNames(c, lg)}, err
	})
}

func (s *Server) villageNames(c *gin.Context, lg ledger.Log) map[string]string {
	m := map[string]string{"": "镇级"}
	if vs, err := s.svc.Villages(c.Request.Context(), lg); err == nil {
		for _, v := range vs {
			m[v.Code] = v.Name
		}
	}
	return m
}

// GET /staff/projects/:code: budget against allocated and paid, per fund,
// and the project's payments.
func (s *Server) staffProject(c *gin.Context) {
	staffView(s, c, "project", "项目", func(ctx context.Context, lg ledger.Log) (pages.ProjectData, error) {
		r, err := s.svc.ProjectReport(ctx, lg, c.Param("code"))
		if err != nil {
			return pages.ProjectData{}, err
		}
		f := ledger.PaymentFilter{Project: r.ID, Newest: true}
		n, err := s.svc.CountPayments(ctx, lg, f)
		if err != nil {
			return pages.ProjectData{}, err
		}
		f.Limit = staffPageSize
		ps, err := s.svc.Payments(ctx, lg, f)
		start, end := r.StartOn, r.EndOn
		if start.IsZero() || end.IsZero() || end.Before(start) {
			y := s.today().Year
			start, end = ledger.Date{Year: y, Month: 1, Day: 1}, ledger.Date{Year: y, Month: 12, Day: 31}
		}
		d := pages.ProjectData{Report: r, Payments: s.paymentViews(c, lg, ps), Progress: pages.NewProgress(r.Paid, r.Budget, start, end, s.today()),
			Pager: pages.Pager{Total: n, From: 1, Shown: len(ps), Order: "按时间从新到旧", Next: "/staff/payments?project=" + url.QueryEscape(r.Code)}}
		return d, err
	})
}

func (s *Server) paymentViews(c *gin.Context, lg ledger.Log, ps []ledger.Payment) []pages.PaymentView {
	labels := s.svc.PayeeLabels(c.Request.Context(), lg, ps)
	ids := make([]int64, len(ps))
	for i, p := range ps {
		ids[i] = p.Project
	}
	codes, _ := s.svc.ProjectCodes(c.Request.Context(), lg, ids) // the page shows what it has
	banks, _ := s.svc.BankStates(c.Request.Context(), lg, ps)    // the page shows what it has
	entries := slices.Contains(entryReaders, user(c).Role)
	out := make([]pages.PaymentView, 0, len(ps))
	for _, p := range ps {
		out = append(out, pages.PaymentView{Payment: p, Payee: labels[p.Payee], ProjectCode: codes[p.Project], StatusText: ledger.PaymentStatusText(p.Status),
			BankState: banks[p.ID], EntryLink: entries})
	}
	return out
}

// staffPageSize is how many rows a staff list shows per page.
const staffPageSize = 50

// paymentQuery is the staff payments list's filters as the query string
// gives them: status, voucher (a voucher or invoice number),
// village, fund (id), item (code), year; from_seq and to_seq (the
// payments recorded by the entries between them, both included: one
// import's, the link of its finished task); before pages.
type paymentQuery struct {
	f                                                  ledger.PaymentFilter
	status, search, village, fund, item, year, project string
	fromSeq, toSeq                                     string
}

func (s *Server) parsePaymentQuery(c *gin.Context, lg ledger.Log) (paymentQuery, error) {
	q := paymentQuery{status: c.Query("status"), search: strings.TrimSpace(c.Query("voucher")), village: c.Query("village"),
		fund: c.Query("fund"), item: c.Query("item"), year: c.Query("year"), project: strings.TrimSpace(c.Query("project")),
		fromSeq: c.Query("from_seq"), toSeq: c.Query("to_seq")}
	if _, set := c.GetQuery("status"); !set && user(c).Role == ledger.RoleApprover {
		q.status = ledger.StatusPendingApproval
	}
	bad := func(what string) error {
		return ledger.Errorf(ledger.CodeValidationFailed, "筛选条件【%s】无法识别，请重新选择", what)
	}
	q.f = ledger.PaymentFilter{Search: q.search, Item: q.item, Newest: true}
	if q.status != "" {
		if ledger.PaymentStatusText(q.status) == q.status {
			return q, bad("状态")
		}
		q.f.Status = []string{q.status}
	}
	if q.fund != "" {
		id, err := parseID(q.fund)
		if err != nil || id <= 0 {
			return q, bad("资金")
		}
		q.f.Fund = id
	}
	if q.year != "" {
		y, err := strconv.Atoi(q.year)
		if err != nil || y < 2000 || y > 2100 {
			return q, bad("年度")
		}
		q.f.Year = y
	}
	if q.village != "" {
		prs, err := s.svc.Projects(c.Request.Context(), lg, q.village, "")
		if err != nil {
			return q, err
		}
		q.f.Projects = []int64{}
		for _, p := range prs {
			if p.Village == q.village {
				q.f.Projects = append(q.f.Projects, p.ID)
			}
		}
	}
	if q.project != "" {
		r, err := s.svc.ProjectReport(c.Request.Context(), lg, q.project)
		if err != nil {
			return q, bad("项目")
		}
		q.f.Project = r.ID
	}
	for _, r := range []struct {
		v  string
		to *int64
	}{{q.fromSeq, &q.f.FromID}, {q.toSeq, &q.f.ToID}} {
		if r.v == "" {
			continue
		}
		n, err := parseID(r.v)
		if err != nil || n <= 0 {
			return q, bad("账本序号")
		}
		*r.to = n
	}
	if b := c.Query("before"); b != "" {
		id, err := parseID(b)
		if err != nil || id <= 0 {
			return q, bad("页码")
		}
		q.f.BeforeID = id
	}
	return q, nil
}

// values is the query string of the filters (without paging).
func (q paymentQuery) values() url.Values {
	v := url.Values{}
	for k, x := range map[string]string{"status": q.status, "voucher": q.search, "village": q.village, "fund": q.fund, "item": q.item, "year": q.year,
		"project": q.project, "from_seq": q.fromSeq, "to_seq": q.toSeq} {
		if x != "" {
			v.Set(k, x)
		}
	}
	return v
}

// GET /staff/payments?status=&voucher=&village=&fund=&item=&year=&before=:
// payments, newest first, 50 a page (keyset on the id), with the count of
// all that match and the download of them; an approver sees those waiting
// for approval with the decision form.
func (s *Server) staffPayments(c *gin.Context) {
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	s.paymentsPage(c, lg, http.StatusOK, nil, nil)
}

// paymentsPage renders the payments list of the request's filters; after a
// refused decision, with its error and the notes typed (by payment id).
func (s *Server) paymentsPage(c *gin.Context, lg ledger.Log, status int, refused error, notes map[int64]string) {
	ctx := c.Request.Context()
	q, err := s.parsePaymentQuery(c, lg)
	if err != nil {
		s.staffFail(c, err)
		return
	}
	total, err := s.svc.CountPayments(ctx, lg, q.f)
	if err != nil {
		s.staffFail(c, err)
		return
	}
	page := q.f
	page.Limit = staffPageSize + 1
	ps, err := s.svc.Payments(ctx, lg, page)
	if err != nil {
		s.staffFail(c, err)
		return
	}
	d := pages.PaymentsData{Status: q.status, Voucher: q.search, Village: q.village, Fund: q.fund, Item: q.item, Year: q.year,
		CanApprove: user(c).Role == ledger.RoleApprover, Statuses: []pages.Option{{Value: "", Label: "全部"}}}
	base := q.values()
	d.Pager = pages.Pager{Total: total, Order: "按时间从新到旧", Export: "/staff/payments.xlsx?" + base.Encode(), From: 1}
	if q.f.BeforeID != 0 {
		d.Pager.First = "/staff/payments?" + base.Encode()
		// rows newer than this page's first: where this page starts
		before := q.f
		before.BeforeID, before.AfterID, before.Newest = 0, q.f.BeforeID-1, false
		if n, err := s.svc.CountPayments(ctx, lg, before); err == nil {
			d.Pager.From = n + 1
		}
	}
	if len(ps) > staffPageSize {
		ps = ps[:staffPageSize]
		next := q.values()
		next.Set("before", strconv.FormatInt(ps[len(ps)-1].ID, 10))
		d.Pager.Next = "/staff/payments?" + next.Encode()
	}
	d.Pager.Shown = len(ps)
	d.Payments = s.paymentViews(c, lg, ps)
	for _, st := range []string{ledger.StatusPendingApproval, ledger.StatusAwaitingPublicity, ledger.StatusEffective, ledger.StatusRejected, ledger.StatusReversed} {
		d.Statuses = append(d.Statuses, pages.Option{Value: st, Label: ledger.PaymentStatusText(st)})
	}
	d.Villages, d.Funds, d.Items = s.paymentChoices(c, lg)
	if d.CanApprove {
		s.decideInfo(c, lg, d.Payments)
		d.Notes = notes
	}
	p := pages.Page{Note: doneNote(c), Data: d}
	if p.Note == "" && (q.f.FromID != 0 || q.f.ToID != 0) {
		p.Note = fmt.Sprintf("只列出账本序号 %s 至 %s 记录的支付（一次导入写入的）；重新筛选即列出全部支付。", cmp.Or(q.fromSeq, "开始"), cmp.Or(q.toSeq, "最新"))
	}
	if refused != nil {
		p = pageError(p, refused)
	}
	s.staffRender(c, status, "payments", "支付", p)
}

// decideInfo adds to each payment waiting for approval what its approver
// needs to decide: the fund, the project with its budget left, the maker,
// and the payee's other payments of the year.
func (s *Server) decideInfo(c *gin.Context, lg ledger.Log, ps []pages.PaymentView) {
	ctx := c.Request.Context()
	funds := map[int64]ledger.FundLine{}
	if fs, err := s.svc.Funds(ctx, lg); err == nil {
		for _, f := range fs {
			funds[f.ID] = f
		}
	}
	reports := map[string]ledger.ProjectReport{}
	makers := s.actorNames(c, lg)
	// the payees' payments, in one read for the page
	var payees []ledger.PayeeRef
	for _, p := range ps {
		if p.Status == ledger.StatusPendingApproval && !slices.Contains(payees, p.Payment.Payee) {
			payees = append(payees, p.Payment.Payee)
		}
	}
	byPayee := map[ledger.PayeeRef][]ledger.Payment{}
	if all, err := s.svc.PaymentsToPayees(ctx, lg, payees); err == nil {
		for _, o := range all {
			byPayee[o.Payee] = append(byPayee[o.Payee], o)
		}
	}
	for i := range ps {
		p := &ps[i]
		if p.Status != ledger.StatusPendingApproval {
			continue
		}
		info := &pages.DecideInfo{FundDoc: funds[p.Fund].DocNo, FundName: funds[p.Fund].Name, FundUnspent: funds[p.Fund].Unspent,
			Maker: pages.ActorText(makers, p.Maker)}
		r, ok := reports[p.ProjectCode]
		if !ok {
			r, _ = s.svc.ProjectReport(ctx, lg, p.ProjectCode)
			reports[p.ProjectCode] = r
		}
		info.ProjectName, info.Budget, info.ProjectPaid, info.BudgetLeft = r.Name, r.Budget, r.Paid, r.Budget-r.Paid
		for _, o := range byPayee[p.Payment.Payee] {
			if o.ID != p.ID && o.PaidOn.Year == p.PaidOn.Year && o.Status != ledger.StatusRejected && o.Status != ledger.StatusReversed {
				info.PayeeYearCount++
				info.PayeeYearSum += o.Amount
			}
		}
		p.Decide = info
	}
}

// today is the business date now, in the town's zone.
func (s *Server) today() ledger.Date {
	return ledger.DateOf(s.ledger.Now(), s.ledger.Location())
}

// paymentChoices are the payments list's filter choices: villages, funds
// and items of the town.
func (s *Server) paymentChoices(c *gin.Context, lg ledger.Log) (villages, funds, items []pages.Option) {
	ctx := c.Request.Context()
	if vs, err := s.svc.Villages(ctx, lg); err == nil {
		for _, v := range vs {
			villages = append(villages, pages.Option{Value: v.Code, Label: v.Name})
		}
	}
	if fs, err := s.svc.Funds(ctx, lg); err == nil {
		for _, f := range fs {
			funds = append(funds, pages.Option{Value: strconv.FormatInt(f.ID, 10), Label: f.DocNo + " " + f.Name})
		}
	}
	if is, err := s.svc.Items(ctx, lg); err == nil {
		for _, it := range is {
			items = append(items, pages.Option{Value: it.Code, Label: it.Name})
		}
	}
	return villages, funds, items
}

// GET /staff/payments.xlsx?(the list's filters): every matching payment,
// newest first, as the page shows them (the same masking), as an .xlsx.
func (s *Server) staffPaymentsExport(c *gin.Context) {
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	q, err := s.parsePaymentQuery(c, lg)
	if err != nil {
		s.staffFail(c, err)
		return
	}
	// One read, bounded: the rows are the count the sheet states, even
	// while imports add payments (no count read apart from them).
	q.f.BeforeID = 0
	q.f.Limit = s.cfg.MaxExportRows + 1
	ps, err := s.svc.Payments(ctx, lg, q.f)
	if err != nil {
		s.staffFail(c, err)
		return
	}
	if len(ps) > s.cfg.MaxExportRows {
		total, _ := s.svc.CountPayments(ctx, lg, q.f)
		s.staffFail(c, ledger.Errorf(ledger.CodeValidationFailed, "符合条件的支付有 %d 笔，一次最多导出 %d 笔：请按村、资金、补贴项目或年度筛选后分批导出", max(total, len(ps)), s.cfg.MaxExportRows))
		return
	}
	total := len(ps)
	views := s.paymentViews(c, lg, ps)
	villages, funds, items := s.paymentChoices(c, lg)
	sh := pages.Sheet{Name: "支付明细", Filters: s.paymentFilterWords(q, total, villages, funds, items),
		Head: []string{"凭证号", "项目编号", "收款人", "补贴项目", "期间", "支付日期", "金额（元）", "状态", "银行回单", "发票号", "合同号", "账本序号"}}
	for _, p := range views {
		sh.Rows = append(sh.Rows, []any{p.VoucherNo, p.ProjectCode, p.Payee, optionLabel(items, p.Item), p.Period.String(), p.PaidOn.String(), p.Amount, p.StatusText,
			p.BankState, p.InvoiceNo, p.ContractNo, p.Seq})
	}
	s.sendSheet(c, sh, "payments")
}

// optionLabel is the label of the choice whose value is v, or v itself.
func optionLabel(opts []pages.Option, v string) string {
	for _, o := range opts {
		if o.Value == v {
			return o.Label
		}
	}
	return v
}

// paymentFilterWords says in words which payments a download holds.
func (s *Server) paymentFilterWords(q paymentQuery, total int, villages, funds, items []pages.Option) string {
	seqs := ""
	if q.fromSeq != "" || q.toSeq != "" {
		seqs = fmt.Sprintf("%s 至 %s", cmp.Or(q.fromSeq, "开始"), cmp.Or(q.toSeq, "最新"))
	}
	status := ""
	if q.status != "" {
		status = ledger.PaymentStatusText(q.status)
	}
	village, fund, item := "", "", ""
	if q.village != "" {
		village = optionLabel(villages, q.village)
	}
	if q.fund != "" {
		fund = optionLabel(funds, q.fund)
	}
	if q.item != "" {
		item = optionLabel(items, q.item)
	}
	return s.countedFilterWords("笔", total, "状态", status, "村", village, "资金", fund, "补贴项目", item,
		"年度", q.year, "凭证号或发票号", q.search, "项目", q.project, "账本序号", seqs)
}

// POST /staff/payments/:id/approval (decision approve|reject, note).
func (s *Server) staffApprove(c *gin.Context) {
	lg, id, ok := s.staffTarget(c)
	if !ok {
		return
	}
	decision := c.PostForm("decision")
	if decision != "approve" && decision != "reject" {
		s.paymentsPage(c, lg, http.StatusUnprocessableEntity, &ledger.Error{Code: ledger.CodeValidationFailed, Detail: "请选择同意或不同意"},
			map[int64]string{id: c.PostForm("note")})
		return
	}
	if !s.approvalAllowed(c, lg, id, func(err error) { s.staffFail(c, err) }) {
		return
	}
	p, err := s.svc.DecidePayment(c.Request.Context(), lg, user(c).ID, id, decision == "approve", strings.TrimSpace(c.PostForm("note")), nil)
	if err != nil {
		// the list again, with the reason and the note as typed
		s.paymentsPage(c, lg, statusOf(err), err, map[int64]string{id: c.PostForm("note")})
		return
	}
	word := map[string]string{"approve": "payment_approved", "reject": "payment_rejected"}[decision]
	c.Redirect(http.StatusSeeOther, "/staff/payments?status="+ledger.StatusPendingApproval+"&"+doneQuery(word, strconv.FormatInt(p.LastSeq, 10)))
}
