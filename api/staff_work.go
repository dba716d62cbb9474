package api

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/disclosure"
	"github.com/sunshine-ledger/sunshine/importer"
	"github.com/sunshine-ledger/sunshine/jobs"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/pages"
)

// The staff pages beyond the monitors' flags (issue 7): finance imports
// with a dry run, single records, reversals, fund traces and project
// budgets; approvals; notices from draft to publication; complaints;
// users and jobs; the auditors' ledger browser. Every page calls the same
// service as the JSON API with the same roles (api/auth.go), so a page can
// never do what the API would refuse.

func (s *Server) staffWorkRoutes(r *gin.Engine) {
	r.GET("/staff/imports", s.staffPage(writers), s.staffImportForm)
	r.POST("/staff/imports", s.staffPage(writers), s.staffImportCheck)
	r.POST("/staff/imports/commit", s.staffPage(writers), s.staffImportCommit)
	r.GET("/staff/imports/template", s.staffPage(writers), s.staffImportTemplate)
	r.GET("/staff/tasks/:id", s.staffPage(anyStaff), s.staffTask)
	r.GET("/staff/record", s.staffPage(writers), s.staffRecordForm)
	r.POST("/staff/record/:kind", s.staffPage(writers), s.staffRecord)
	r.GET("/staff/funds", s.staffPage(villageReaders), s.staffFunds)
	r.GET("/staff/funds/:id", s.staffPage(villageReaders), byRole(s.staffFund, s.monitorFundPage))
	r.GET("/staff/projects", s.staffPage(villageReaders), byRole(s.staffProjects, s.monitorProjectsPage))
	r.GET("/staff/projects/:code", s.staffPage(villageReaders), byRole(s.staffProject, s.monitorProjectPage))
	r.GET("/staff/payments", s.staffPage(villageReaders), byRole(s.staffPayments, s.monitorPaymentsPage))
	r.POST("/staff/payments/:id/approval", s.staffPage(approvers), s.staffApprove)
	r.GET("/staff/ledger", s.staffPage(entryReaders), s.staffLedger)
	r.GET("/staff/county", s.staffPage(countyOnly), s.staffCounty)
	r.POST("/staff/ledger/verify", s.staffPage(fullReaders), s.staffVerify)
	r.GET("/staff/entries/:seq", s.staffPage(entryReaders), s.staffEntry)
	r.POST("/staff/entries/:seq/reversal", s.staffPage(writers), s.staffReverse)
	r.GET("/staff/notices", s.staffPage(villageReaders), byRole(s.staffNotices, s.monitorNoticesPage))
	r.POST("/staff/notices", s.staffPage(writers), s.staffDraftNotice)
	r.GET("/staff/notices/:id", s.staffPage(villageReaders), byRole(s.staffNotice, s.monitorNoticeGate(s.staffNotice)))
	r.GET("/staff/notices/:id/preview", s.staffPage(villageReaders), byRole(s.staffNoticePreview, s.monitorNoticeGate(s.staffNoticePreview)))
	r.POST("/staff/notices/:id/publish", s.staffPage(writers), s.staffPublish)
	r.POST("/staff/notices/:id/withdraw", s.staffPage(writers), s.staffWithdraw)
	r.GET("/staff/complaints", s.staffPage(complaintLookers), byRole(s.staffComplaints, s.monitorComplaintsPage))
	r.GET("/staff/complaints/:id", s.staffPage(complaintLookers), byRole(s.staffComplaint, s.monitorComplaintPage))
	r.POST("/staff/complaints/:id/reply", s.staffPage(complaintHandlers), s.staffComplaintReply)
	r.POST("/staff/complaints/:id/resolve", s.staffPage(complaintHandlers), s.staffComplaintResolve)
	r.GET("/staff/users", s.staffPage(adminOnly), s.staffUsers)
	r.POST("/staff/users", s.staffPage(adminOnly), s.staffCreateUser)
	r.POST("/staff/users/:id", s.staffPage(adminOnly), s.staffUpdateUser)
	r.GET("/staff/jobs", s.staffPage(jobReaders), s.staffJobs)
	r.POST("/staff/jobs/:name/run", s.staffPage(adminOnly), s.staffRunJob)
	r.GET("/staff/village", s.staffPage([]string{ledger.RoleMonitor}), s.staffVillageBooks)
	r.GET("/staff/loans", s.staffPage(villageReaders), s.staffLoans)
}

func errPanic(r any) error { return fmt.Errorf("panic: %v", r) }

// staffLog returns the caller's town log, or writes the error page.
func (s *Server) staffLog(c *gin.Context) (ledger.Log, bool) {
	lg, err := s.logOf(c, user(c))
	if err != nil {
		s.staffFail(c, err)
		return lg, false
	}
	return lg, true
}

// staffTarget returns the caller's town and the numeric :id of the path,
// or writes the error page (an id that is not a number is not found).
func (s *Server) staffTarget(c *gin.Context) (ledger.Log, int64, bool) {
	lg, ok := s.staffLog(c)
	if !ok {
		return lg, 0, false
	}
	id, err := parseID(c.Param("id"))
	if err != nil {
		s.staffFail(c, ledger.ErrNotFound)
		return lg, 0, false
	}
	return lg, id, true
}

// staffFail writes a page with the error's Chinese detail and its fields.
func (s *Server) staffFail(c *gin.Context, err error) {
	if statusOf(err) >= 500 {
		slog.Error("staff page", "route", c.FullPath(), "err", err)
	}
	s.staffRender(c, statusOf(err), "message", "出错了", pages.Page{Error: problemDetail(err), Fields: fieldsOf(err)})
}

func fieldsOf(err error) []ledger.FieldError {
	var le *ledger.Error
	if errors.As(err, &le) && statusOf(err) < 500 {
		return le.Fields
	}
	return nil
}

// pageError fills a page's error from err.
func pageError(p pages.Page, err error) pages.Page {
	p.Error, p.Fields = problemDetail(err), fieldsOf(err)
	return p
}

// ---- imports: upload, dry run, commit ----

// pendingUpload is a checked sheet waiting for its commit, kept in memory
// for 30 minutes under a random token (the commit form carries it).
type pendingUpload struct {
	owner    string
	kind     string
	filename string
	data     []byte
	at       time.Time
}

type uploads struct {
	mu sync.Mutex
	m  map[string]pendingUpload
}

func (u *uploads) put(p pendingUpload) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	tok := hex.EncodeToString(b[:])
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.m == nil {
		u.m = map[string]pendingUpload{}
	}
	for k, old := range u.m {
		if time.Since(old.at) > 30*time.Minute {
			delete(u.m, k)
		}
	}
	u.m[tok] = p
	return tok
}

func (u *uploads) take(tok, owner string) (pendingUpload, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	p, ok := u.m[tok]
	if !ok || p.owner != owner || time.Since(p.at) > 30*time.Minute {
		return pendingUpload{}, false
	}
	delete(u.m, tok)
	return p, true
}

// ImportKindNames are the sheets of DOMAIN.md §9 by import kind.
var importKindNames = map[string]string{"persons": "花名册", "registers": "其他登记", "funds": "资金", "projects": "项目",
	"allocations": "拨付", "payments": "发放明细", "loans": "贷款", "repayments": "还款",
	"bank_returns": "银行代发回盘"}

func importKinds() []pages.Option {
	var out []pages.Option
	for _, k := range importer.Kinds() {
		out = append(out, pages.Option{Value: k, Label: importKindNames[k] + "（" + k + "）"})
	}
	return out
}

func (s *Server) staffImportForm(c *gin.Context) {
	s.staffRender(c, http.StatusOK, "imports", "导入", pages.Page{Data: pages.ImportData{Kinds: importKinds(), Kind: c.Query("kind")}})
}

// GET /staff/imports/template?kind=: an empty workbook of the kind, its
// sheet named as DOMAIN.md §9 names it, with the header row (columns that
// must hold text, such as ID and account numbers, formatted as text so
// that Excel keeps their digits).
func (s *Server) staffImportTemplate(c *gin.Context) {
	kind := c.Query("kind")
	b, err := importer.Workbook(kind, nil)
	if err != nil {
		s.staffFail(c, err)
		return
	}
	sheet := importer.SheetName(kind)
	name := sheet + "（模板）.xlsx"
	c.Header("Content-Disposition", "attachment; filename=\"template.xlsx\"; filename*=UTF-8''"+url.PathEscape(name))
	c.Data(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b)
}

// parseSheet reads an upload into an import (the API's rules).
func (s *Server) parseSheet(ctx context.Context, lg ledger.Log, kind, filename string, data []byte) (ledger.ImportInput, []ledger.FieldError, error) {
	var opt importer.Options
	if kind == "bank_returns" { // the town's own names of its bank's columns
		if t, err := s.svc.Town(ctx, lg); err == nil {
			opt.Aliases = t.BankColumns
		}
	}
	p, err := importer.Parse(kind, filename, data, opt)
	if err != nil {
		return ledger.ImportInput{}, nil, err
	}
	sum := sha256.Sum256(data)
	in := ledger.ImportInput{Kind: kind, Filename: filename, FileSHA256: hex.EncodeToString(sum[:]), Rows: p.Rows,
		Persons: p.Persons, Registers: p.Registers, Funds: p.Funds, Projects: p.Projects, Allocations: p.Allocations,
		Payments: p.Payments, Loans: p.Loans, Repayments: p.Repayments, BankReturns: p.BankReturns}
	return in, p.Errors, nil
}

// withReferenceErrors adds to a sheet's malformed cells the errors of its
// other rows that only the books can tell (an unknown project, fund, person
// or item code), found by a dry run of the well-formed rows, so that one
// answer lists every bad row, in row order. A failing dry run adds nothing
// more: the cell errors are reported as they are.
func (s *Server) withReferenceErrors(ctx context.Context, lg ledger.Log, actor string, in ledger.ImportInput, bad []ledger.FieldError) []ledger.FieldError {
	if len(bad) == 0 {
		return bad
	}
	// Only the rows without a malformed cell: the others were read with
	// zero values and would be reported again.
	skip := make(map[int]bool, len(bad))
	for _, fe := range bad {
		skip[fe.Row] = true
	}
	in.Persons = slices.DeleteFunc(slices.Clone(in.Persons), func(r ledger.PersonRow) bool { return skip[r.Row] })
	in.Registers = slices.DeleteFunc(slices.Clone(in.Registers), func(r ledger.RegisterRow) bool { return skip[r.Row] })
	in.Funds = slices.DeleteFunc(slices.Clone(in.Funds), func(r ledger.FundRow) bool { return skip[r.Row] })
	in.Projects = slices.DeleteFunc(slices.Clone(in.Projects), func(r ledger.ProjectRow) bool { return skip[r.Row] })
	in.Allocations = slices.DeleteFunc(slices.Clone(in.Allocations), func(r ledger.AllocationRow) bool { return skip[r.Row] })
	in.Payments = slices.DeleteFunc(slices.Clone(in.Payments), func(r ledger.PaymentRow) bool { return skip[r.Row] })
	in.Loans = slices.DeleteFunc(slices.Clone(in.Loans), func(r ledger.LoanRow) bool { return skip[r.Row] })
	in.Repayments = slices.DeleteFunc(slices.Clone(in.Repayments), func(r ledger.RepaymentRow) bool { return skip[r.Row] })
	in.BankReturns = slices.DeleteFunc(slices.Clone(in.BankReturns), func(r ledger.BankReturnRow) bool { return skip[r.Row] })
	res, err := s.svc.Import(ctx, lg, actor, in, true, nil)
	if err != nil || len(res.Errors) == 0 {
		return bad
	}
	all := append(slices.Clone(bad), res.Errors...)
	slices.SortStableFunc(all, func(a, b ledger.FieldError) int { return cmp.Compare(a.Row, b.Row) })
	return all
}

// POST /staff/imports (multipart: kind, file): the dry run. Nothing is
// written; the page lists every malformed row and every rule other rows
// would trip, and offers the commit when no row is malformed.
func (s *Server) staffImportCheck(c *gin.Context) {
	kind := c.PostForm("kind")
	d := pages.ImportData{Kinds: importKinds(), Kind: kind}
	if !slices.Contains(importer.Kinds(), kind) {
		s.staffRender(c, http.StatusUnprocessableEntity, "imports", "导入", pages.Page{Error: "请选择导入的表格类型", Data: d})
		return
	}
	if kind == "payments" && user(c).Role != ledger.RoleFinance {
		s.staffRender(c, http.StatusForbidden, "imports", "导入", pages.Page{Error: "支付只能由财务人员录入（管理员不能录入或审核支付）", Data: d})
		return
	}
	uploadDeadline(c)
	fh, err := c.FormFile("file")
	if err != nil {
		var mbe *http.MaxBytesError
		msg := "请选择要上传的 Excel（.xlsx）或 CSV 文件"
		if errors.As(err, &mbe) {
			msg = "上传的文件过大"
		}
		s.staffRender(c, http.StatusUnprocessableEntity, "imports", "导入", pages.Page{Error: msg, Data: d})
		return
	}
	f, err := fh.Open()
	var data []byte
	if err == nil {
		data, err = io.ReadAll(f)
		f.Close()
	}
	if err != nil {
		s.staffRender(c, http.StatusUnprocessableEntity, "imports", "导入", pages.Page{Error: "无法读取上传的文件", Data: d})
		return
	}
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	d.Filename = fh.Filename
	in, bad, err := s.parseSheet(c.Request.Context(), lg, kind, fh.Filename, data)
	if err != nil {
		s.staffRender(c, statusOf(err), "imports", "导入", pageError(pages.Page{Data: d}, err))
		return
	}
	d.Checked, d.Rows, d.Errors = true, in.Rows, s.withReferenceErrors(c.Request.Context(), lg, user(c).ID, in, bad)
	if len(bad) == 0 {
		res, err := s.svc.Import(c.Request.Context(), lg, user(c).ID, in, true, nil)
		if err != nil {
			s.staffRender(c, statusOf(err), "imports", "导入", pageError(pages.Page{Data: d}, err))
			return
		}
		d.Errors, d.Warnings = res.Errors, res.Warnings
	}
	status := http.StatusOK
	if len(d.Errors) > 0 {
		status = http.StatusUnprocessableEntity
		total := len(d.Errors)
		var rest int
		d.Errors, rest = capErrors(d.Errors)
		s.staffRender(c, status, "imports", "导入", pages.Page{Error: fmt.Sprintf("有 %d 处数据有误，未写入任何记录，请修改后重新上传", total) + notListed(rest), Data: d})
		return
	}
	d.Token = s.uploads.put(pendingUpload{owner: user(c).ID, kind: kind, filename: fh.Filename, data: data, at: time.Now()})
	s.staffRender(c, status, "imports", "导入", pages.Page{Note: fmt.Sprintf("检查通过：共 %d 行，尚未写入。确认无误后请点击“确认导入”。", in.Rows), Data: d})
}

// POST /staff/imports/commit (token): writes the checked sheet as a task.
func (s *Server) staffImportCommit(c *gin.Context) {
	u := user(c)
	p, ok := s.uploads.take(c.PostForm("token"), u.ID)
	if !ok {
		s.staffRender(c, http.StatusNotFound, "imports", "导入", pages.Page{Error: "检查结果已过期或已导入，请重新上传文件", Data: pages.ImportData{Kinds: importKinds()}})
		return
	}
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	t := s.tasks.start(u.ID, "导入"+importKindNames[p.kind]+"："+p.filename, func(ctx context.Context, t *task) (string, error) {
		t.setStep("正在读取表格")
		in, bad, err := s.parseSheet(ctx, lg, p.kind, p.filename, p.data)
		if err != nil {
			return "", err
		}
		if len(bad) > 0 {
			return "", &ledger.Error{Code: ledger.CodeImportRowsInvalid, Detail: fmt.Sprintf("有 %d 处数据有误，未写入任何记录", len(bad)), Fields: bad}
		}
		t.setStep(fmt.Sprintf("正在写入账本（%d 行）", in.Rows))
		res, err := s.svc.Import(ctx, lg, u.ID, in, false, nil)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("已导入 %d 行，账本序号 %d 至 %d（导入批次 %d）。", res.Rows, res.FirstSeq, res.LastSeq, res.BatchID), nil
	})
	s.taskRedirect(c, t)
}

func (s *Server) taskRedirect(c *gin.Context, t *task) {
	t.wait(2 * time.Second) // a short task shows its result on the first page
	c.Redirect(http.StatusSeeOther, "/staff/tasks/"+t.ID)
}

// GET /staff/tasks/:id: a task's progress; reloads itself until it ends.
func (s *Server) staffTask(c *gin.Context) {
	t, ok := s.tasks.get(c.Param("id"), user(c).ID)
	if !ok {
		s.staffRender(c, http.StatusNotFound, "message", "未找到", pages.Page{Error: "未找到该任务（任务结果保留 1 小时）"})
		return
	}
	v := t.view(time.Now())
	p := pages.Page{Data: v}
	if !v.Done {
		p.Refresh = 2
	}
	s.staffRender(c, http.StatusOK, "task", t.Title, p)
}

// ---- single records ----

func (s *Server) recordData(c *gin.Context, lg ledger.Log) pages.RecordData {
	d := pages.RecordData{Values: map[string]string{}}
	ctx := c.Request.Context()
	if fs, err := s.svc.Funds(ctx, lg); err == nil {
		for _, f := range fs {
			if !f.Reversed {
				d.Funds = append(d.Funds, pages.Option{Value: f.DocNo, Label: f.DocNo + " " + f.Name + "（可拨付 " + f.Unallocated.Yuan() + " 元）"})
			}
		}
	}
	if ps, err := s.svc.Projects(ctx, lg, "", ""); err == nil {
		for _, p := range ps {
			d.Projects = append(d.Projects, pages.Option{Value: p.Code, Label: p.Code + " " + p.Name})
		}
	}
	if its, err := s.svc.Items(ctx, lg); err == nil {
		for _, it := range its {
			d.Items = append(d.Items, pages.Option{Value: it.Code, Label: it.Code + " " + it.Name})
		}
	}
	return d
}

func (s *Server) staffRecordForm(c *gin.Context) {
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	d := s.recordData(c, lg)
	d.Kind = c.DefaultQuery("kind", "payment")
	s.staffRender(c, http.StatusOK, "record", "录入", pages.Page{Note: doneNote(c), Data: d})
}

// formReader parses form fields, collecting Chinese field errors.
type formReader struct {
	c    *gin.Context
	errs []ledger.FieldError
}

func (f *formReader) str(k string) string {
	v := strings.TrimSpace(f.c.PostForm(k))
	if r, bad := ledger.InvisibleRune(v); bad {
		f.errs = append(f.errs, ledger.FieldError{Field: k, Message: ledger.InvisibleError(k, r).Detail})
		return ""
	}
	return v
}

func (f *formReader) fen(k, label string, required bool) ledger.Fen {
	v := f.str(k)
	if v == "" {
		if required {
			f.errs = append(f.errs, ledger.FieldError{Field: k, Message: label + "不能为空"})
		}
		return 0
	}
	a, err := ledger.ParseYuan(v)
	if err != nil {
		f.errs = append(f.errs, ledger.FieldError{Field: k, Message: label + "须为金额（元），最多两位小数，如 1200.50"})
	}
	return a
}

func (f *formReader) date(k, label string, required bool) ledger.Date {
	v := f.str(k)
	if v == "" {
		if required {
			f.errs = append(f.errs, ledger.FieldError{Field: k, Message: label + "不能为空"})
		}
		return ledger.Date{}
	}
	d, err := ledger.ParseDate(v)
	if err != nil {
		f.errs = append(f.errs, ledger.FieldError{Field: k, Message: label + "须为日期，如 2026-03-01"})
	}
	return d
}

func (f *formReader) err() error {
	if len(f.errs) == 0 {
		return nil
	}
	return &ledger.Error{Code: ledger.CodeValidationFailed, Detail: "请修改以下内容后重新提交", Fields: f.errs}
}

// POST /staff/record/:kind (fund | allocation | payment): one record, as
// the API's POST /funds, /allocations, /payments.
func (s *Server) staffRecord(c *gin.Context) {
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	ctx, u := c.Request.Context(), user(c)
	f := &formReader{c: c}
	kind := c.Param("kind")
	var done string
	var err error
	switch kind {
	case "fund":
		r := ledger.FundRow{DocNo: f.str("doc_no"), Name: f.str("name"), SourceLevel: f.str("source_level"), Nature: f.str("fund_nature"),
			FunctionCode: f.str("function_code"), Purpose: f.str("purpose"), Amount: f.fen("amount", "金额", true), ArrivedOn: f.date("arrived_on", "到账日期", true)}
		if y := f.str("year"); y != "" {
			r.Year, _ = strconv.Atoi(y)
		}
		if err = f.err(); err == nil {
			var fd ledger.Fund
			if fd, err = s.svc.RecordFund(ctx, lg, u.ID, r, nil); err == nil {
				done = doneQuery("fund", strconv.FormatInt(fd.Seq, 10))
			}
		}
	case "allocation":
		r := ledger.AllocationRow{DocNo: f.str("doc_no"), ProjectCode: f.str("project_code"), Amount: f.fen("amount", "金额", true),
			AllocatedOn: f.date("allocated_on", "拨付日期", true), AllocationDocNo: f.str("allocation_doc_no")}
		if err = f.err(); err == nil {
			var res ledger.AllocationResult
			if res, err = s.svc.RecordAllocation(ctx, lg, u.ID, r, nil); err == nil {
				done = doneQuery("allocation", strconv.FormatInt(res.Seq, 10))
			}
		}
	case "payment":
		if u.Role != ledger.RoleFinance {
			s.staffFail(c, ledger.Errorf(ledger.CodeForbidden, "支付只能由财务人员录入（管理员不能录入或审核支付）"))
			return
		}
		r := ledger.PaymentRow{VoucherNo: f.str("voucher_no"), ProjectCode: f.str("project_code"), DocNo: f.str("doc_no"), ItemCode: f.str("item_code"),
			Kind: f.str("payment_kind"), PayeeIDNumber: f.str("payee_id_number"), PayeeOrgName: f.str("payee_org_name"), PayeeUSCC: f.str("payee_uscc"),
			AccountNo: f.str("account_no"), AccountHolderIDNumber: f.str("account_holder_id_number"), Amount: f.fen("amount", "金额", true),
			PaidOn: f.date("paid_on", "支付日期", true), InvoiceNo: f.str("invoice_no"), ContractNo: f.str("contract_no")}
		if fe := s.futurePayment(r.PaidOn); fe != nil {
			f.errs = append(f.errs, fe.Fields...)
		}
		if q := f.str("quantity"); q != "" {
			n, perr := strconv.ParseInt(q, 10, 64)
			if perr != nil || n <= 0 {
				f.errs = append(f.errs, ledger.FieldError{Field: "quantity", Message: "数量须为正整数"})
			}
			r.Quantity = n
		}
		if p := f.str("period"); p != "" {
			per, perr := ledger.ParsePeriod(p)
			if perr != nil {
				f.errs = append(f.errs, ledger.FieldError{Field: "period", Message: "所属期间须为 2026、2026-Q1 或 2026-03"})
			}
			r.Period = per
		}
		if err = f.err(); err == nil {
			var p ledger.Payment
			if p, err = s.svc.RecordPayment(ctx, lg, u.ID, r, nil); err == nil {
				done = doneQuery("payment_"+p.Status, strconv.FormatInt(p.Seq, 10))
			}
		}
	default:
		s.staffRender(c, http.StatusNotFound, "message", "未找到", pages.Page{Error: "没有这种录入：" + kind})
		return
	}
	if err != nil {
		d := s.recordData(c, lg)
		d.Kind = kind
		for k, v := range c.Request.PostForm {
			if k != "csrf" && len(v) > 0 {
				d.Values[k] = v[0]
			}
		}
		s.staffRender(c, statusOf(err), "record", "录入", pageError(pages.Page{Data: d}, err))
		return
	}
	c.Redirect(http.StatusSeeOther, "/staff/record?kind="+kind+"&"+done)
}

// ---- funds, projects, payments ----

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
	staffView(s, c, "fund", "资金去向", func(ctx context.Context, lg ledger.Log) (ledger.FundReport, error) {
		id, err := parseID(c.Param("id"))
		if err != nil {
			return ledger.FundReport{}, ledger.ErrNotFound
		}
		return s.svc.FundReport(ctx, lg, id)
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
		ps, err := s.svc.Payments(ctx, lg, ledger.PaymentFilter{Project: r.ID, Limit: 500})
		return pages.ProjectData{Report: r, Payments: s.paymentViews(c, lg, ps)}, err
	})
}

func (s *Server) paymentViews(c *gin.Context, lg ledger.Log, ps []ledger.Payment) []pages.PaymentView {
	labels := s.svc.PayeeLabels(c.Request.Context(), lg, ps)
	codes := map[int64]string{}
	if prs, err := s.svc.Projects(c.Request.Context(), lg, "", ""); err == nil {
		for _, p := range prs {
			codes[p.ID] = p.Code
		}
	}
	banks, _ := s.svc.BankStates(c.Request.Context(), lg, ps) // the page shows what it has
	out := make([]pages.PaymentView, 0, len(ps))
	for _, p := range ps {
		out = append(out, pages.PaymentView{Payment: p, Payee: labels[p.Payee], ProjectCode: codes[p.Project], StatusText: ledger.PaymentStatusText(p.Status),
			BankState: banks[p.ID]})
	}
	return out
}

// GET /staff/payments?status=&voucher=: payments, newest first; an
// approver sees those waiting for approval with the decision form.
func (s *Server) staffPayments(c *gin.Context) {
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	u := user(c)
	status := c.Query("status")
	if _, set := c.GetQuery("status"); !set && u.Role == ledger.RoleApprover {
		status = ledger.StatusPendingApproval
	}
	f := ledger.PaymentFilter{VoucherNo: strings.TrimSpace(c.Query("voucher")), Limit: 200}
	if status != "" {
		f.Status = []string{status}
	}
	ps, err := s.svc.Payments(c.Request.Context(), lg, f)
	if err != nil {
		s.staffFail(c, err)
		return
	}
	slices.Reverse(ps)
	d := pages.PaymentsData{Status: status, Voucher: f.VoucherNo, Payments: s.paymentViews(c, lg, ps), CanApprove: u.Role == ledger.RoleApprover,
		Statuses: []pages.Option{{Value: "", Label: "全部"}}}
	for _, st := range []string{ledger.StatusPendingApproval, ledger.StatusAwaitingPublicity, ledger.StatusEffective, ledger.StatusRejected, ledger.StatusReversed} {
		d.Statuses = append(d.Statuses, pages.Option{Value: st, Label: ledger.PaymentStatusText(st)})
	}
	s.staffRender(c, http.StatusOK, "payments", "支付", pages.Page{Note: doneNote(c), Data: d})
}

// POST /staff/payments/:id/approval (decision approve|reject, note).
func (s *Server) staffApprove(c *gin.Context) {
	lg, id, ok := s.staffTarget(c)
	if !ok {
		return
	}
	decision := c.PostForm("decision")
	if decision != "approve" && decision != "reject" {
		s.staffFail(c, &ledger.Error{Code: ledger.CodeValidationFailed, Detail: "请选择同意或不同意"})
		return
	}
	if !s.approvalAllowed(c, lg, id, func(err error) { s.staffFail(c, err) }) {
		return
	}
	p, err := s.svc.DecidePayment(c.Request.Context(), lg, user(c).ID, id, decision == "approve", strings.TrimSpace(c.PostForm("note")), nil)
	if err != nil {
		s.staffFail(c, err)
		return
	}
	word := map[string]string{"approve": "payment_approved", "reject": "payment_rejected"}[decision]
	c.Redirect(http.StatusSeeOther, "/staff/payments?status="+ledger.StatusPendingApproval+"&"+doneQuery(word, strconv.FormatInt(p.LastSeq, 10)))
}

// ---- the ledger browser ----

// GET /staff/ledger?from=: entries, newest first, 50 a page, with the
// latest checkpoint and the verify button.
func (s *Server) staffLedger(c *gin.Context) {
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	cp, err := s.ledger.Checkpoint(ctx, lg)
	if err != nil && !ledger.IsNotFound(err) {
		s.staffFail(c, err)
		return
	}
	size, err := s.store.Size(ctx, lg.ID)
	if err != nil {
		s.staffFail(c, err)
		return
	}
	const per = 50
	to := size
	if v, err := strconv.ParseInt(c.Query("before"), 10, 64); err == nil && v >= 0 && v < to {
		to = v
	}
	from := max(to-per, 0)
	var es []ledger.StoredEntry
	if to > from {
		if es, err = s.store.Entries(ctx, lg.ID, from, int(to-from)); err != nil {
			s.staffFail(c, err)
			return
		}
	}
	slices.Reverse(es)
	d := pages.LedgerData{Size: size, Checkpoint: string(cp.Note), CheckpointSize: cp.Size, Entries: es, Older: -1, Newer: -1}
	if cps, err := s.store.Checkpoints(ctx, lg.ID); err == nil {
		slices.Reverse(cps)
		d.Checkpoints = cps[:min(len(cps), 20)]
	}
	if from > 0 {
		d.Older = from
	}
	if to < size {
		d.Newer = min(to+per, size)
	}
	s.staffRender(c, http.StatusOK, "ledger", "账本", pages.Page{Data: d})
}

// POST /staff/ledger/verify: a deep verification of the whole log, as a
// task.
func (s *Server) staffVerify(c *gin.Context) {
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	t := s.tasks.start(user(c).ID, "核验账本", func(ctx context.Context, t *task) (string, error) {
		t.setStep("正在重新计算每一条记录的哈希和默克尔树")
		r, err := s.ledger.Verify(ctx, lg, ledger.VerifyOptions{Deep: true, Progress: func(done, total int64) {
			t.setStep(fmt.Sprintf("正在重新计算每一条记录的哈希和默克尔树：已核验 %d / %d 条（%d%%）", done, total, min(100, done*100/max(total, 1))))
		}})
		if err != nil {
			return "", err
		}
		if !r.OK() {
			msg := fmt.Sprintf("核验未通过：发现 %d 处问题", len(r.Problems))
			if r.FirstBadSeq >= 0 {
				msg += fmt.Sprintf("，第一处在账本序号 %d", r.FirstBadSeq)
			}
			return "", &ledger.Error{Code: ledger.CodeConflict, Detail: msg}
		}
		return fmt.Sprintf("核验通过：%d 条记录，%d 个签名检查点，树根 %s。", r.Entries, r.Checkpoints, r.Root.String()), nil
	})
	s.taskRedirect(c, t)
}

// GET /staff/entries/:seq: one entry, with the reversal form for writers.
func (s *Server) staffEntry(c *gin.Context) {
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	seq, err := strconv.ParseInt(c.Param("seq"), 10, 64)
	if err != nil || seq < 0 {
		s.staffFail(c, ledger.ErrNotFound)
		return
	}
	es, err := s.store.Entries(c.Request.Context(), lg.ID, seq, 1)
	if err == nil && (len(es) == 0 || es[0].Seq != seq) {
		err = ledger.ErrNotFound
	}
	if err != nil {
		s.staffFail(c, err)
		return
	}
	s.staffRender(c, http.StatusOK, "entry", fmt.Sprintf("账本记录 %d", seq), pages.Page{Note: doneNote(c),
		Data: pages.EntryData{Entry: es[0], CanReverse: slices.Contains(writers, user(c).Role)}})
}

// POST /staff/entries/:seq/reversal (reason).
func (s *Server) staffReverse(c *gin.Context) {
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	seq, err := strconv.ParseInt(c.Param("seq"), 10, 64)
	if err != nil || seq < 0 {
		s.staffFail(c, ledger.ErrNotFound)
		return
	}
	rs, err := s.svc.Reverse(c.Request.Context(), lg, user(c).ID, seq, strings.TrimSpace(c.PostForm("reason")), nil)
	if err != nil {
		es, _ := s.store.Entries(c.Request.Context(), lg.ID, seq, 1)
		if len(es) == 1 && es[0].Seq == seq {
			s.staffRender(c, statusOf(err), "entry", fmt.Sprintf("账本记录 %d", seq), pageError(pages.Page{Data: pages.EntryData{Entry: es[0], CanReverse: true}}, err))
			return
		}
		s.staffFail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/staff/entries/%d?%s", rs, doneQuery("reversed", strconv.FormatInt(seq, 10), strconv.FormatInt(rs, 10))))
}

// ---- notices ----

func (s *Server) staffNotices(c *gin.Context) {
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	status := c.Query("status")
	ns, err := s.svc.Notices(ctx, lg, status, "", "")
	if err != nil {
		s.staffFail(c, err)
		return
	}
	slices.Reverse(ns)
	vs, _ := s.svc.Villages(ctx, lg)
	d := pages.NoticesData{Status: status, Notices: ns, Types: ledger.NoticeTypes, Villages: vs, Fields: noticeFieldOptions(),
		CanDraft: slices.Contains(writers, user(c).Role), VillageNames: s.villageNames(c, lg), Values: map[string]string{}}
	s.staffRender(c, http.StatusOK, "notices", "公告公示", pages.Page{Note: doneNote(c), Data: d})
}

func noticeFieldOptions() []pages.Option {
	var out []pages.Option
	for _, k := range ledger.NoticeFieldKeys() {
		out = append(out, pages.Option{Value: k, Label: ledger.NoticeFieldLabel(k)})
	}
	return out
}

// POST /staff/notices: a draft (the API's POST /notices).
func (s *Server) staffDraftNotice(c *gin.Context) {
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	f := &formReader{c: c}
	in := ledger.NoticeDraftInput{Type: f.str("type"), Village: f.str("village"), Title: f.str("title"), Period: f.str("period"),
		Fund: f.str("fund"), Project: f.str("project"), Item: f.str("item"), Supersedes: f.str("supersedes"), Fields: map[string]string{}}
	for _, k := range ledger.NoticeFieldKeys() {
		if v := f.str("field_" + k); v != "" {
			in.Fields[k] = v
		}
	}
	n, err := s.svc.DraftNotice(c.Request.Context(), lg, user(c).ID, in, nil)
	if err != nil {
		ctx := c.Request.Context()
		ns, _ := s.svc.Notices(ctx, lg, "", "", "")
		slices.Reverse(ns)
		vs, _ := s.svc.Villages(ctx, lg)
		d := pages.NoticesData{Notices: ns, Types: ledger.NoticeTypes, Villages: vs, Fields: noticeFieldOptions(), CanDraft: true,
			VillageNames: s.villageNames(c, lg), Values: map[string]string{}}
		for k, v := range c.Request.PostForm {
			if k != "csrf" && len(v) > 0 {
				d.Values[k] = v[0]
			}
		}
		s.staffRender(c, statusOf(err), "notices", "公告公示", pageError(pages.Page{Data: d}, err))
		return
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/staff/notices/%d?%s", n.ID, doneQuery("drafted")))
}

func (s *Server) staffNoticeData(c *gin.Context, lg ledger.Log, id int64) (pages.NoticeData, error) {
	ctx := c.Request.Context()
	n, err := s.svc.Notice(ctx, lg, id)
	if err != nil {
		return pages.NoticeData{}, err
	}
	content, err := s.svc.NoticeContent(ctx, lg, n, ledger.AudiencePublic)
	if err != nil {
		return pages.NoticeData{}, err
	}
	d := pages.NoticeData{Notice: n, Content: content, CanPublish: slices.Contains(writers, user(c).Role), StatusText: disclosure.StatusText(n.Status)}
	if n.Status == ledger.NoticeDraft {
		for _, m := range content.Missing() {
			if m.Key != "number" {
				d.Missing = append(d.Missing, m.Label)
			}
		}
	}
	if len(content.Rows) > 200 {
		d.Shown, d.Content.Rows = 200, content.Rows[:200]
	}
	if n.Code != "" && slices.Contains(complaintReaders, user(c).Role) {
		cs, err := s.svc.Complaints(ctx, lg, "")
		if err != nil {
			return d, err
		}
		for _, cm := range cs {
			if cm.NoticeCode == n.Code {
				d.Objections = append(d.Objections, pages.ComplaintView{Complaint: cm, StatusText: disclosure.ComplaintStatusText(cm)})
			}
		}
	}
	return d, nil
}

func (s *Server) staffNotice(c *gin.Context) {
	lg, id, ok := s.staffTarget(c)
	if !ok {
		return
	}
	d, err := s.staffNoticeData(c, lg, id)
	if err != nil {
		s.staffFail(c, err)
		return
	}
	s.staffRender(c, http.StatusOK, "notice", d.Notice.Title, pages.Page{Note: doneNote(c), Data: d})
}

// GET /staff/notices/:id/preview: a draft as it would print, marked as a
// preview (no number, no checkpoint); a published notice's stored PDF.
func (s *Server) staffNoticePreview(c *gin.Context) {
	lg, id, ok := s.staffTarget(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	n, err := s.svc.Notice(ctx, lg, id)
	if err != nil {
		s.staffFail(c, err)
		return
	}
	if n.Status != ledger.NoticeDraft {
		c.Redirect(http.StatusSeeOther, "/notices/"+n.Code+".pdf")
		return
	}
	content, err := s.svc.NoticeContent(ctx, lg, n, ledger.AudiencePublic)
	if err != nil {
		s.staffFail(c, err)
		return
	}
	content.Number = "（草稿预览，发布时编号）"
	if content.PublishedOn == "" {
		content.PublishedOn = s.ledger.Now().In(s.ledger.Location()).Format("2006-01-02")
	}
	doc := disclosure.DocumentOf(content, "草稿预览：发布时在此打印账本签名检查点。", strings.TrimRight(s.cfg.PublicURL, "/")+"/verify", nil)
	pdf, err := disclosure.RenderPDF(doc)
	if err != nil {
		s.staffFail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Disposition", "inline; filename=\"preview.pdf\"")
	c.Data(http.StatusOK, "application/pdf", pdf)
}

// POST /staff/notices/:id/publish: the four steps of DOMAIN.md §6.
func (s *Server) staffPublish(c *gin.Context) {
	lg, id, ok := s.staffTarget(c)
	if !ok {
		return
	}
	if s.publisher == nil {
		s.staffFail(c, ledger.Errorf(ledger.CodeUnavailable, "本服务未配置公告发布"))
		return
	}
	p, err := s.publisher.Publish(c.Request.Context(), lg, user(c).ID, id, nil)
	if err != nil {
		d, derr := s.staffNoticeData(c, lg, id)
		if derr != nil {
			s.staffFail(c, err)
			return
		}
		s.staffRender(c, statusOf(err), "notice", d.Notice.Title, pageError(pages.Page{Data: d}, err))
		return
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/staff/notices/%d?%s", id, doneQuery("published", p.Notice.Code)))
}

// POST /staff/notices/:id/withdraw (reason).
func (s *Server) staffWithdraw(c *gin.Context) {
	lg, id, ok := s.staffTarget(c)
	if !ok {
		return
	}
	if _, err := s.svc.WithdrawNotice(c.Request.Context(), lg, user(c).ID, id, strings.TrimSpace(c.PostForm("reason")), nil); err != nil {
		d, derr := s.staffNoticeData(c, lg, id)
		if derr != nil {
			s.staffFail(c, err)
			return
		}
		s.staffRender(c, statusOf(err), "notice", d.Notice.Title, pageError(pages.Page{Data: d}, err))
		return
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/staff/notices/%d?%s", id, doneQuery("withdrawn")))
}

// ---- complaints ----

func (s *Server) complaintViews(c *gin.Context, lg ledger.Log, cs []ledger.Complaint) []pages.ComplaintView {
	withContact := slices.Contains(contactReaders, user(c).Role)
	out := make([]pages.ComplaintView, 0, len(cs))
	for _, cm := range cs {
		v := pages.ComplaintView{Complaint: cm, StatusText: disclosure.ComplaintStatusText(cm)}
		if withContact {
			v.Contact = s.svc.ComplaintContact(lg, cm)
		}
		out = append(out, v)
	}
	return out
}

func (s *Server) staffComplaints(c *gin.Context) {
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	status := c.Query("status")
	cs, err := s.svc.Complaints(c.Request.Context(), lg, status)
	if err != nil {
		s.staffFail(c, err)
		return
	}
	slices.Reverse(cs)
	s.staffRender(c, http.StatusOK, "complaints", "群众投诉与异议", pages.Page{Note: doneNote(c),
		Data: pages.ComplaintsData{Status: status, Complaints: s.complaintViews(c, lg, cs), VillageNames: s.villageNames(c, lg)}})
}

func (s *Server) complaintFor(c *gin.Context, lg ledger.Log) (pages.ComplaintView, bool) {
	id, err := parseID(c.Param("id"))
	var cm ledger.Complaint
	if err == nil {
		cm, err = s.svc.Complaint(c.Request.Context(), lg, id)
	} else {
		err = ledger.ErrNotFound
	}
	if err != nil {
		s.staffFail(c, err)
		return pages.ComplaintView{}, false
	}
	return s.complaintViews(c, lg, []ledger.Complaint{cm})[0], true
}

func (s *Server) staffComplaint(c *gin.Context) {
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	v, ok := s.complaintFor(c, lg)
	if !ok {
		return
	}
	s.staffRender(c, http.StatusOK, "complaint", "投诉 "+v.Receipt, pages.Page{Note: doneNote(c),
		Data: pages.ComplaintData{ComplaintView: v, CanHandle: slices.Contains(complaintHandlers, user(c).Role),
			SeesContact: slices.Contains(contactReaders, user(c).Role), VillageNames: s.villageNames(c, lg)}})
}

func (s *Server) staffComplaintReply(c *gin.Context) {
	s.complaintAction(c, "replied", func(ctx context.Context, lg ledger.Log, id int64) error {
		_, err := s.svc.ReplyComplaint(ctx, lg, user(c).ID, id, strings.TrimSpace(c.PostForm("text")), nil)
		return err
	})
}

func (s *Server) staffComplaintResolve(c *gin.Context) {
	s.complaintAction(c, "resolved", func(ctx context.Context, lg ledger.Log, id int64) error {
		_, err := s.svc.ResolveComplaint(ctx, lg, user(c).ID, id, c.PostForm("outcome"), strings.TrimSpace(c.PostForm("note")), nil)
		return err
	})
}

func (s *Server) complaintAction(c *gin.Context, done string, fn func(ctx context.Context, lg ledger.Log, id int64) error) {
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	v, ok := s.complaintFor(c, lg)
	if !ok {
		return
	}
	if err := fn(c.Request.Context(), lg, v.ID); err != nil {
		s.staffRender(c, statusOf(err), "complaint", "投诉 "+v.Receipt, pageError(pages.Page{
			Data: pages.ComplaintData{ComplaintView: v, CanHandle: true, SeesContact: slices.Contains(contactReaders, user(c).Role),
				VillageNames: s.villageNames(c, lg)}}, err))
		return
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/staff/complaints/%d?%s", v.ID, doneQuery(done)))
}

// ---- users ----

func (s *Server) usersData(c *gin.Context, lg ledger.Log) (pages.UsersData, error) {
	us, err := s.auth.Accounts.Users(c.Request.Context(), lg.ID)
	if err != nil {
		return pages.UsersData{}, err
	}
	vs, err := s.svc.Villages(c.Request.Context(), lg)
	if err != nil {
		return pages.UsersData{}, err
	}
	slices.SortFunc(us, func(a, b ledger.User) int { return strings.Compare(a.Role+a.Username, b.Role+b.Username) })
	return pages.UsersData{Users: us, Villages: vs, Roles: ledger.Roles, VillageNames: s.villageNames(c, lg), Values: map[string]string{}}, nil
}

func (s *Server) staffUsers(c *gin.Context) {
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	d, err := s.usersData(c, lg)
	if err != nil {
		s.staffFail(c, err)
		return
	}
	s.staffRender(c, http.StatusOK, "users", "用户与监督员", pages.Page{Note: doneNote(c), Data: d})
}

func (s *Server) villageExists(c *gin.Context, lg ledger.Log) func(string) bool {
	vs, _ := s.svc.Villages(c.Request.Context(), lg)
	return func(code string) bool {
		return slices.ContainsFunc(vs, func(v ledger.Village) bool { return v.Code == code })
	}
}

func (s *Server) staffCreateUser(c *gin.Context) {
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	nu := ledger.NewUser{Username: strings.TrimSpace(c.PostForm("username")), Password: c.PostForm("password"), Role: c.PostForm("role"), Villages: c.PostFormArray("villages")}
	u, err := s.auth.CreateUser(c.Request.Context(), lg, user(c).ID, nu, s.villageExists(c, lg), nil)
	if err != nil {
		d, derr := s.usersData(c, lg)
		if derr != nil {
			s.staffFail(c, err)
			return
		}
		d.Values["username"], d.Values["role"] = nu.Username, nu.Role
		s.staffRender(c, statusOf(err), "users", "用户与监督员", pageError(pages.Page{Data: d}, err))
		return
	}
	c.Redirect(http.StatusSeeOther, "/staff/users?"+doneQuery("user_created", u.Username))
}

// POST /staff/users/:id (villages[], disabled): a monitor's villages, or
// an account disabled or enabled again.
func (s *Server) staffUpdateUser(c *gin.Context) {
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	u, err := s.auth.UpdateAccess(c.Request.Context(), lg, user(c).ID, c.Param("id"), c.PostFormArray("villages"), c.PostForm("disabled") == "true", s.villageExists(c, lg))
	if err != nil {
		d, derr := s.usersData(c, lg)
		if derr != nil {
			s.staffFail(c, err)
			return
		}
		s.staffRender(c, statusOf(err), "users", "用户与监督员", pageError(pages.Page{Data: d}, err))
		return
	}
	c.Redirect(http.StatusSeeOther, "/staff/users?"+doneQuery("user_updated", u.Username))
}

// ---- jobs ----

func (s *Server) staffJobs(c *gin.Context) {
	if s.jobs == nil {
		s.staffRender(c, http.StatusOK, "jobs", "定时任务", pages.Page{Data: pages.JobsData{}})
		return
	}
	js, _ := s.store.(ledger.JobStore)
	d := pages.JobsData{CanRun: user(c).Role == ledger.RoleAdmin}
	for _, n := range s.jobs.Names() {
		j := pages.JobView{Name: n, Schedule: s.jobs.Schedule(n), Label: pages.JobText(n)}
		if js != nil {
			if runs, err := js.JobRuns(c.Request.Context(), n, 5); err == nil {
				j.Runs = runs
			}
		}
		d.Jobs = append(d.Jobs, j)
	}
	s.staffRender(c, http.StatusOK, "jobs", "定时任务", pages.Page{Data: d})
}

func (s *Server) staffRunJob(c *gin.Context) {
	name := c.Param("name")
	if s.jobs == nil || !slices.Contains(s.jobs.Names(), name) {
		s.staffFail(c, ledger.Errorf(ledger.CodeNotFound, "没有这个任务：%s", name))
		return
	}
	t := s.tasks.start(user(c).ID, "立即运行："+pages.JobText(name), func(ctx context.Context, t *task) (string, error) {
		t.setStep("正在运行")
		r, err := s.jobs.RunNow(jobs.WithProgress(ctx, t.setStep), name)
		if err != nil {
			return "", err
		}
		var parts []string
		for k, v := range r.Counts {
			parts = append(parts, fmt.Sprintf("%s %d", pages.CountText(k), v))
		}
		slices.Sort(parts)
		return fmt.Sprintf("运行结果：%s，用时 %s。%s", pages.OutcomeText(r.Outcome), r.FinishedAt.Sub(r.StartedAt).Round(time.Millisecond), strings.Join(parts, "，")), nil
	})
	t.mu.Lock()
	t.next, t.nextText = "/staff/jobs", "返回定时任务"
	t.mu.Unlock()
	s.taskRedirect(c, t)
}
