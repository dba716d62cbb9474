package api

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/disclosure"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/pages"
)

// The staff pages a village monitor reads their villages' books on
// (read-only; see monitor.go for what they may see). The routes are the
// pages every reader uses; byRole sends a monitor to the scoped handler.

// monitorPageShown bounds the payments a monitor's page lists (the newest).
const monitorPageShown = 200

// villagePaymentViews are payments as oversight sees them on a page.
func (s *Server) villagePaymentViews(c *gin.Context, lg ledger.Log, ps []ledger.Payment) []pages.VillagePaymentView {
	ctx := c.Request.Context()
	views := s.svc.PayeeViews(ctx, lg, ps, ledger.AudienceOversight)
	names := s.villageNames(c, lg)
	codes := map[int64]string{}
	if prs, err := s.svc.Projects(ctx, lg, "", ""); err == nil {
		for _, p := range prs {
			codes[p.ID] = p.Code
		}
	}
	items := map[string]string{}
	if its, err := s.svc.Items(ctx, lg); err == nil {
		for _, it := range its {
			items[it.Code] = it.Name
		}
	}
	banks, _ := s.svc.BankStates(ctx, lg, ps) // the page shows what it has
	out := make([]pages.VillagePaymentView, 0, len(ps))
	for _, p := range ps {
		v := views[p.ID]
		village := ""
		if v.Village != "" {
			village = names[v.Village]
		}
		out = append(out, pages.VillagePaymentView{Payment: p, Payee: v.Name, IDNumber: v.IDNumber, Village: village, Group: v.Group,
			Account: v.Account, Holder: v.Holder, ProjectCode: codes[p.Project], ItemName: items[p.Item], StatusText: ledger.PaymentStatusText(p.Status),
			BankState: banks[p.ID]})
	}
	return out
}

// newestFirst returns the newest n of payments (by id), newest first.
func newestFirst(ps []ledger.Payment, n int) []ledger.Payment {
	if len(ps) > n {
		ps = ps[len(ps)-n:]
	}
	ps = slices.Clone(ps)
	slices.Reverse(ps)
	return ps
}

// GET /staff/village: a monitor's overview of the villages they watch.
func (s *Server) staffVillageBooks(c *gin.Context) {
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	u := user(c)
	ctx := c.Request.Context()
	names := s.villageNames(c, lg)
	sums := map[string]*pages.VillageSummary{}
	var d pages.VillageBooksData
	for _, v := range u.Villages {
		d.Villages = append(d.Villages, pages.VillageSummary{Code: v, Name: names[v]})
	}
	for i := range d.Villages {
		sums[d.Villages[i].Code] = &d.Villages[i]
	}
	ps, err := s.svc.VillagePayments(ctx, lg, ledger.PaymentFilter{}, 0, 0, func(p ledger.Payment, v string) bool { return watches(u, v) })
	if err != nil {
		s.staffFail(c, err)
		return
	}
	vs, _ := s.svc.PaymentVillages(ctx, lg, ps)
	views := s.svc.PayeeViews(ctx, lg, ps, ledger.AudienceOversight)
	for _, p := range ps {
		if sm := sums[vs[p.ID]]; sm != nil {
			sm.Payments++
			if p.Status != ledger.StatusRejected && p.Status != ledger.StatusReversed {
				sm.Paid += p.Amount
			}
			if views[p.ID].Holder == "他人" {
				sm.OtherAccounts++
			}
		}
	}
	prs, err := s.svc.Projects(ctx, lg, "", "")
	if err != nil {
		s.staffFail(c, err)
		return
	}
	for _, p := range prs {
		if sm := sums[p.Village]; sm != nil {
			sm.Projects++
		}
	}
	if ls, err := s.monitorLoanList(c, lg, ""); err == nil {
		for _, l := range ls {
			if sm := sums[l.Village]; sm != nil {
				sm.Loans++
			}
		}
	}
	if cs, err := s.svc.Complaints(ctx, lg, ""); err == nil {
		for _, cm := range cs {
			if sm := sums[cm.Village]; sm != nil {
				sm.Complaints++
			}
		}
	}
	if ns, err := s.svc.Notices(ctx, lg, ledger.NoticeDraft, "", ""); err == nil {
		for _, n := range ns {
			if sm := sums[n.Village]; sm != nil {
				sm.Drafts++
			}
		}
	}
	if fs, err := s.svc.Flags(ctx, lg, ledger.FlagFilter{Status: ledger.FlagOpen}, &u); err == nil {
		for _, f := range fs {
			if sm := sums[f.Village]; sm != nil {
				sm.OpenFlags++
			}
		}
	}
	s.staffRender(c, http.StatusOK, "village", "本村账目", pages.Page{Data: d})
}

// GET /staff/payments?village=&voucher= for a monitor.
func (s *Server) monitorPaymentsPage(c *gin.Context) {
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	u := user(c)
	village := c.Query("village")
	if village != "" && !watches(u, village) {
		s.staffFail(c, ledger.Errorf(ledger.CodeForbidden, "您只能查看所监督村的支付"))
		return
	}
	f := ledger.PaymentFilter{VoucherNo: strings.TrimSpace(c.Query("voucher"))}
	// a project's or a fund's payments (the links of their pages)
	if code := strings.TrimSpace(c.Query("project")); code != "" {
		r, err := s.svc.ProjectReport(c.Request.Context(), lg, code)
		if err != nil {
			s.staffFail(c, ledger.Errorf(ledger.CodeValidationFailed, "筛选条件【项目】无法识别，请重新选择"))
			return
		}
		f.Project = r.ID
	}
	if fund := c.Query("fund"); fund != "" {
		id, err := parseID(fund)
		if err != nil || id <= 0 {
			s.staffFail(c, ledger.Errorf(ledger.CodeValidationFailed, "筛选条件【资金】无法识别，请重新选择"))
			return
		}
		f.Fund = id
	}
	ps, err := s.svc.VillagePayments(c.Request.Context(), lg, f, 0, 0, func(p ledger.Payment, v string) bool {
		return monitorSees(u)(p, v) && (village == "" || v == village)
	})
	if err != nil {
		s.staffFail(c, err)
		return
	}
	names := s.villageNames(c, lg)
	d := pages.VillagePaymentsData{Village: village, Voucher: f.VoucherNo, Total: len(ps)}
	for _, v := range u.Villages {
		d.Villages = append(d.Villages, pages.Option{Value: v, Label: names[v]})
	}
	// newest first, 50 a page (?page=), with the count of all
	ps = newestFirst(ps, len(ps))
	q := filterQuery(map[string]string{"village": village, "voucher": f.VoucherNo, "project": c.Query("project"), "fund": c.Query("fund")})
	from, to, pg, err := offsetPage(c, len(ps), staffPageSize, "/staff/payments", q, "按时间从新到旧")
	if err != nil {
		s.staffFail(c, err)
		return
	}
	d.Pager = pg
	d.Payments = s.villagePaymentViews(c, lg, ps[from:to])
	s.staffRender(c, http.StatusOK, "vpayments", "支付", pages.Page{Data: d})
}

// GET /staff/projects?status= for a monitor: their villages' and the
// town's projects.
func (s *Server) monitorProjectsPage(c *gin.Context) {
	staffView(s, c, "projects", "项目库", func(ctx context.Context, lg ledger.Log) (pages.ProjectsData, error) {
		ps, err := s.svc.Projects(ctx, lg, "", c.Query("status"))
		ps = slices.DeleteFunc(ps, func(p ledger.Project) bool { return p.Village != "" && !watches(user(c), p.Village) })
		return pages.ProjectsData{Projects: ps, Villages: s.villageNames(c, lg)}, err
	})
}

// GET /staff/projects/:code for a monitor: budget, holdings per fund,
// contracts, notices and payments.
func (s *Server) monitorProjectPage(c *gin.Context) {
	staffView(s, c, "vproject", "项目", func(ctx context.Context, lg ledger.Log) (pages.VillageProjectData, error) {
		r, err := s.svc.ProjectReport(ctx, lg, c.Param("code"))
		if err == nil && r.Village != "" && !watches(user(c), r.Village) {
			err = ledger.ErrNotFound
		}
		if err != nil {
			return pages.VillageProjectData{}, err
		}
		ps, err := s.svc.VillagePayments(ctx, lg, ledger.PaymentFilter{Project: r.ID}, 0, 0, monitorSees(user(c)))
		if err != nil {
			return pages.VillageProjectData{}, err
		}
		ns, err := s.projectNotices(c, lg, r.Code)
		if err != nil {
			return pages.VillageProjectData{}, err
		}
		shown := newestFirst(ps, monitorPageShown)
		d := pages.VillageProjectData{Report: r, VillageName: s.villageNames(c, lg)[r.Village], Notices: ns,
			Payments: s.villagePaymentViews(c, lg, shown),
			Pager:    pages.Pager{Total: len(ps), Shown: len(shown), Next: "/staff/payments?project=" + url.QueryEscape(r.Code)}}
		d.Contracts = s.contracts(c, lg, ps)
		return d, nil
	})
}

// GET /staff/funds/:id for a monitor: the fund's trace to their villages.
func (s *Server) monitorFundPage(c *gin.Context) {
	staffView(s, c, "vfund", "资金去向", func(ctx context.Context, lg ledger.Log) (pages.VillageFundData, error) {
		id, err := parseID(c.Param("id"))
		if err != nil {
			return pages.VillageFundData{}, ledger.ErrNotFound
		}
		r, ps, err := s.monitorFundTrace(c, lg, id)
		if err != nil {
			return pages.VillageFundData{}, err
		}
		shown := newestFirst(ps, monitorPageShown)
		return pages.VillageFundData{Report: r, Payments: s.villagePaymentViews(c, lg, shown),
			Pager: pages.Pager{Total: len(ps), Shown: len(shown), Next: "/staff/payments?fund=" + strconv.FormatInt(id, 10)}}, nil
	})
}

// GET /staff/loans: the loans (a monitor: their villages' borrowers').
func (s *Server) staffLoans(c *gin.Context) {
	staffView(s, c, "vloans", "小额信贷", func(ctx context.Context, lg ledger.Log) (pages.VillageLoansData, error) {
		var ls []MonitorLoanDTO
		var err error
		if isMonitor(c) {
			ls, err = s.monitorLoanList(c, lg, c.Query("status"))
		} else {
			ls, err = s.allLoanList(c, lg, c.Query("status"))
		}
		if err != nil {
			return pages.VillageLoansData{}, err
		}
		names := s.villageNames(c, lg)
		var d pages.VillageLoansData
		for _, l := range ls {
			ln, err := s.loanByContract(c, lg, l.LoanContractNo)
			if err != nil {
				return d, err
			}
			d.Loans = append(d.Loans, pages.VillageLoanView{Loan: ln, Village: names[l.Village], Borrower: l.BorrowerName, Rate: l.AnnualRate})
		}
		return d, nil
	})
}

// allLoanList is every loan with its borrower's name (for the readers who
// see every village).
func (s *Server) allLoanList(c *gin.Context, lg ledger.Log, status string) ([]MonitorLoanDTO, error) {
	ls, err := s.svc.Loans(c.Request.Context(), lg, status)
	if err != nil {
		return nil, err
	}
	vs := s.svc.LoanVillages(c.Request.Context(), lg, ls)
	ids := make([]int64, len(ls))
	for i, l := range ls {
		ids[i] = l.Borrower
	}
	names := s.svc.PersonNames(c.Request.Context(), lg, ids, ledger.AudienceOversight)
	out := make([]MonitorLoanDTO, 0, len(ls))
	for _, l := range ls {
		out = append(out, MonitorLoanDTO{LoanDTO: loanDTO(l), Village: vs[l.ContractNo], BorrowerName: names[l.Borrower]})
	}
	return out, nil
}

func (s *Server) loanByContract(c *gin.Context, lg ledger.Log, no string) (ledger.Loan, error) {
	ls, err := s.svc.Loans(c.Request.Context(), lg, "")
	if err != nil {
		return ledger.Loan{}, err
	}
	for _, l := range ls {
		if l.ContractNo == no {
			return l, nil
		}
	}
	return ledger.Loan{}, ledger.ErrNotFound
}

// GET /staff/notices?status= for a monitor: no draft of another village,
// no draft form.
func (s *Server) monitorNoticesPage(c *gin.Context) {
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	status := c.Query("status")
	ns, err := s.svc.Notices(c.Request.Context(), lg, status, "", "")
	if err != nil {
		s.staffFail(c, err)
		return
	}
	ns = slices.DeleteFunc(ns, func(n ledger.Notice) bool { return !noticeVisible(user(c), n) })
	vs, _ := s.svc.Villages(c.Request.Context(), lg)
	vs = slices.DeleteFunc(vs, func(v ledger.Village) bool { return !watches(user(c), v.Code) })
	d := pages.NoticesData{Status: status, Types: ledger.NoticeTypes, Villages: vs, VillageNames: s.villageNames(c, lg), Values: map[string]string{}}
	if err := s.noticeList(c, ns, &d, staffPageSize); err != nil {
		s.staffFail(c, err)
		return
	}
	s.staffRender(c, http.StatusOK, "notices", "公告公示", pages.Page{Data: d})
}

// monitorNoticeGate serves a notice page (h) only when the monitor may read
// the notice: a draft of another village is not found.
func (s *Server) monitorNoticeGate(h gin.HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		lg, id, ok := s.staffTarget(c)
		if !ok {
			return
		}
		n, err := s.svc.Notice(c.Request.Context(), lg, id)
		if err == nil && !noticeVisible(user(c), n) {
			err = ledger.ErrNotFound
		}
		if err != nil {
			s.staffFail(c, err)
			return
		}
		h(c)
	}
}

// GET /staff/complaints?status= for a monitor: their villages' complaints,
// without contacts.
func (s *Server) monitorComplaintsPage(c *gin.Context) {
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
	cs = slices.DeleteFunc(cs, func(cm ledger.Complaint) bool { return !watches(user(c), cm.Village) })
	d := pages.ComplaintsData{Status: status, VillageNames: s.villageNames(c, lg)}
	if err := s.complaintList(c, lg, cs, &d, func(v string) bool { return watches(user(c), v) }, staffPageSize); err != nil {
		s.staffFail(c, err)
		return
	}
	s.staffRender(c, http.StatusOK, "complaints", "群众投诉与异议", pages.Page{Data: d})
}

// GET /staff/complaints/:id for a monitor: one of their villages'.
func (s *Server) monitorComplaintPage(c *gin.Context) {
	lg, ok := s.staffLog(c)
	if !ok {
		return
	}
	id, err := parseID(c.Param("id"))
	var cm ledger.Complaint
	if err == nil {
		cm, err = s.svc.Complaint(c.Request.Context(), lg, id)
	} else {
		err = ledger.ErrNotFound
	}
	if err == nil && !watches(user(c), cm.Village) {
		err = ledger.ErrNotFound
	}
	if err != nil {
		s.staffFail(c, err)
		return
	}
	v := pages.ComplaintView{Complaint: cm, StatusText: disclosure.ComplaintStatusText(cm)}
	s.staffRender(c, http.StatusOK, "complaint", "投诉 "+v.Receipt, pages.Page{
		Data: pages.ComplaintData{ComplaintView: v, VillageNames: s.villageNames(c, lg)}})
}
