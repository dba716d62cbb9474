package api

import (
	"context"
	"net/http"
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
