package api

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/importer"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/pages"
)

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

func importKinds() []pages.Option {
	var out []pages.Option
	for _, k := range importer.Kinds() {
		out = append(out, pages.Option{Value: k, Label: importer.SheetName(k) + "（" + k + "）"})
	}
	return out
}

func (s *Server) staffImportForm(c *gin.Context) {
	s.staffRender(c, http.StatusOK, "imports", "导入", pages.Page{Data: pages.ImportData{Kinds: importKinds(), Kind: c.Query("kind")}})
}

// GET /staff/imports/template?kind=: the kind's template (importer.Template):
// its sheet named as DOMAIN.md §9 names it, the header row with a note on
// each column, an example row to delete or overwrite, every column as text
// (so that Excel keeps the digits of ID and account numbers) and dropdowns
// of the allowed values, the town's villages and item codes among them.
func (s *Server) staffImportTemplate(c *gin.Context) {
	kind := c.Query("kind")
	opt := importer.TemplateOptions{Lists: map[string][]string{}}
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	if vs, err := s.svc.Villages(ctx, lg); err == nil {
		for _, v := range vs {
			opt.Lists["村"] = append(opt.Lists["村"], v.Name)
		}
	}
	if is, err := s.svc.Items(ctx, lg); err == nil {
		for _, it := range is {
			opt.Lists["补贴项目代码"] = append(opt.Lists["补贴项目代码"], it.Code)
		}
	}
	b, err := importer.Template(kind, opt)
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
	return p.ImportInput, p.Errors, nil
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
	pv := importer.MakePreview(in, importer.PreviewRows)
	d.PreviewHeaders, d.PreviewRows, d.PreviewMore = pv.Headers, pv.Rows, pv.More
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
	t := s.tasks.start(u.ID, "导入"+importer.SheetName(p.kind)+"："+p.filename, func(ctx context.Context, t *task) (string, error) {
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
		importLinks(t, p.kind, res)
		return fmt.Sprintf("已导入 %d 行%s，账本序号 %d 至 %d（导入批次 %d）。", res.Rows, importedWhat(p.kind, res.Rows), res.FirstSeq, res.LastSeq, res.BatchID), nil
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

// importedWhat names what a finished import's rows became, for its
// result line ("（花名册 12 人）").
func importedWhat(kind string, rows int) string {
	switch kind {
	case "persons":
		return fmt.Sprintf("（花名册 %d 人）", rows)
	case "registers":
		return fmt.Sprintf("（其他登记 %d 条）", rows)
	case "payments":
		return fmt.Sprintf("（支付 %d 笔）", rows)
	}
	return ""
}

// importLinks are the finished import's links to what it made. Payments:
// the payments list of exactly the import's entries (from_seq, to_seq:
// each payment's id is the seq of its entry), the most useful view, with
// the filters, the count, the download and, for the approver, the
// decisions. Funds and allocations: the funds' book; projects: the project
// library; loans and repayments: the loans. Persons and registers have no
// list of their own (the result line counts them). Every import: its
// entries in the ledger (the page of entries ending with its last).
func importLinks(t *task, kind string, res ledger.ImportResult) {
	switch kind {
	case "payments":
		t.addLink(fmt.Sprintf("/staff/payments?from_seq=%d&to_seq=%d", res.FirstSeq, res.LastSeq), fmt.Sprintf("查看本次导入的 %d 笔支付", res.Rows))
	case "funds", "allocations":
		t.addLink("/staff/funds", "查看资金台账")
	case "projects":
		t.addLink("/staff/projects", "查看项目库")
	case "loans", "repayments":
		t.addLink("/staff/loans", "查看小额信贷")
	}
	if res.LastSeq > 0 {
		t.addLink(fmt.Sprintf("/staff/ledger?before=%d", res.LastSeq+1), fmt.Sprintf("查看账本记录（序号 %d 至 %d）", res.FirstSeq, res.LastSeq))
	}
}
