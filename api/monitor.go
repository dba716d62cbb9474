package api

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/pages"
)

// A village monitor (村级监督员) reads the books of the villages they watch
// (issue 17): every payment of them (names in full, ID numbers and accounts
// masked as DOMAIN.md §6 says for oversight), every project, loan and
// complaint of them (without the complainant's contact), the notices
// (published ones, and drafts only of their villages) and fund traces down
// to their villages' payees. Never another village's. The routes are the
// staff routes every reader uses; byRole sends a monitor's request to the
// handler that scopes it.

// Role sets of the routes monitors read too.
var (
	villageReaders   = append(slices.Clone(allReaders), ledger.RoleMonitor)
	complaintLookers = append(slices.Clone(complaintReaders), ledger.RoleMonitor)
)

func isMonitor(c *gin.Context) bool { return user(c).Role == ledger.RoleMonitor }

// byRole serves monitors with m and everyone else with h.
func byRole(h, m gin.HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if isMonitor(c) {
			m(c)
			return
		}
		h(c)
	}
}

// watches reports whether a monitor watches a village ("" is no village).
func watches(u ledger.User, village string) bool {
	return village != "" && slices.Contains(u.Villages, village)
}

// monitorSees reports whether a monitor may see a payment of a village: a
// payment to a person or household of a village they watch, or to an
// organisation from a project of such a village or of the town.
func monitorSees(u ledger.User) func(p ledger.Payment, village string) bool {
	return func(p ledger.Payment, village string) bool {
		if p.Payee.Kind == ledger.PayeeOrg && village == "" {
			return true
		}
		return watches(u, village)
	}
}

// noticeVisible reports whether a user may read a notice on the staff
// routes: a monitor reads their villages' notices, drafts included, and the
// town's published ones; another village's published notices stay on the
// public site, and no draft but their villages' is theirs.
func noticeVisible(u ledger.User, n ledger.Notice) bool {
	if u.Role != ledger.RoleMonitor {
		return true
	}
	if n.Village == "" {
		return n.Status != ledger.NoticeDraft
	}
	return watches(u, n.Village)
}

// MonitorPaymentDTO is a payment as oversight sees it: the payee's full
// name, ID number (first 6 + last 4), village and 村民小组, and the account
// the money went into (last 4) with whose it was.
type MonitorPaymentDTO struct {
	PaymentDTO
	Village       string `json:"village"`
	Group         string `json:"group,omitempty"`
	PayeeIDNumber string `json:"payee_id_number,omitempty"`
	Account       string `json:"account,omitempty"`
	// AccountHolder: 本人, 户主, 本户成员 or 他人 (a person outside the
	// payee's household); empty for organisations and unknown accounts.
	AccountHolder string `json:"account_holder,omitempty"`
}

func (s *Server) monitorPaymentDTOs(c *gin.Context, lg ledger.Log, ps []ledger.Payment) []MonitorPaymentDTO {
	views := s.svc.PayeeViews(c.Request.Context(), lg, ps, ledger.AudienceOversight)
	vs, _ := s.svc.PaymentVillages(c.Request.Context(), lg, ps)
	banks, _ := s.svc.BankStates(c.Request.Context(), lg, ps) // the answer shows what it has
	out := make([]MonitorPaymentDTO, 0, len(ps))
	for _, p := range ps {
		v := views[p.ID]
		d := paymentDTO(p, v.Name)
		d.BankState = banks[p.ID]
		out = append(out, MonitorPaymentDTO{PaymentDTO: d, Village: vs[p.ID], Group: v.Group,
			PayeeIDNumber: v.IDNumber, Account: v.Account, AccountHolder: v.Holder})
	}
	return out
}

// GET /api/v1/payments?project=&status= for a monitor: their villages'.
func (s *Server) monitorPayments(c *gin.Context) {
	lg, ok := s.userLog(c)
	if !ok {
		return
	}
	limit, cursor, ok := page(c)
	if !ok {
		return
	}
	var f ledger.PaymentFilter
	if v := c.Query("project"); v != "" {
		p, err := s.svc.ProjectByCode(c.Request.Context(), lg, v)
		if err != nil {
			c.JSON(http.StatusOK, List[MonitorPaymentDTO]{Items: []MonitorPaymentDTO{}})
			return
		}
		f.Project = p.ID
	}
	if v := c.Query("status"); v != "" {
		f.Status = []string{v}
	}
	var after int64
	if cursor != "" {
		n, err := strconv.ParseInt(cursor, 10, 64)
		if err != nil {
			failCode(c, ledger.CodeMalformedRequest, "cursor 无效")
			return
		}
		after = n
	}
	ps, err := s.svc.VillagePayments(c.Request.Context(), lg, f, after, limit+1, monitorSees(user(c)))
	if err != nil {
		fail(c, err)
		return
	}
	out := List[MonitorPaymentDTO]{}
	if len(ps) > limit {
		ps = ps[:limit]
		out.NextCursor = strconv.FormatInt(ps[limit-1].ID, 10)
	}
	out.Items = s.monitorPaymentDTOs(c, lg, ps)
	c.JSON(http.StatusOK, out)
}

// monitorPaymentFor returns a payment a monitor may see, or answers 404.
func (s *Server) monitorPaymentFor(c *gin.Context, lg ledger.Log, id int64) (ledger.Payment, bool) {
	p, err := s.svc.Payment(c.Request.Context(), lg, id)
	if err == nil {
		var vs map[int64]string
		if vs, err = s.svc.PaymentVillages(c.Request.Context(), lg, []ledger.Payment{p}); err == nil && !monitorSees(user(c))(p, vs[p.ID]) {
			err = ledger.ErrNotFound
		}
	}
	if ledger.IsNotFound(err) {
		failCode(c, ledger.CodeNotFound, "未找到该笔支付")
		return p, false
	}
	if err != nil {
		fail(c, err)
		return p, false
	}
	return p, true
}

// GET /api/v1/payments/:id for a monitor.
func (s *Server) monitorPayment(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	lg, ok := s.userLog(c)
	if !ok {
		return
	}
	p, ok := s.monitorPaymentFor(c, lg, id)
	if !ok {
		return
	}
	c.JSON(http.StatusOK, s.monitorPaymentDTOs(c, lg, []ledger.Payment{p})[0])
}

// MonitorLoanDTO is a loan with its borrower as oversight sees them.
type MonitorLoanDTO struct {
	LoanDTO
	Village      string `json:"village"`
	BorrowerName string `json:"borrower_name"`
}

func (s *Server) monitorLoanList(c *gin.Context, lg ledger.Log, status string) ([]MonitorLoanDTO, error) {
	ls, err := s.svc.Loans(c.Request.Context(), lg, status)
	if err != nil {
		return nil, err
	}
	vs := s.svc.LoanVillages(c.Request.Context(), lg, ls)
	ls = slices.DeleteFunc(ls, func(l ledger.Loan) bool { return !watches(user(c), vs[l.ContractNo]) })
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

// GET /api/v1/loans?status= for a monitor: their villages' borrowers'.
func (s *Server) monitorLoans(c *gin.Context) {
	lg, ok := s.userLog(c)
	if !ok {
		return
	}
	out, err := s.monitorLoanList(c, lg, c.Query("status"))
	if err != nil {
		fail(c, err)
		return
	}
	if l, ok := pageOf(c, out); ok {
		c.JSON(http.StatusOK, l)
	}
}

// monitorFundTrace is a fund's report cut to what a monitor may see: the
// projects of their villages and of the town, the payee kinds summed over
// them, and the payments of the fund to their villages' payees.
func (s *Server) monitorFundTrace(c *gin.Context, lg ledger.Log, id int64) (ledger.FundReport, []ledger.Payment, error) {
	ctx := c.Request.Context()
	r, err := s.svc.FundReport(ctx, lg, id)
	if err != nil {
		return r, nil, err
	}
	prs, err := s.svc.Projects(ctx, lg, "", "")
	if err != nil {
		return r, nil, err
	}
	villages := map[int64]string{}
	for _, p := range prs {
		villages[p.ID] = p.Village
	}
	u := user(c)
	r.Projects = slices.DeleteFunc(r.Projects, func(p ledger.FundProjectLine) bool {
		v := villages[p.Project]
		return v != "" && !watches(u, v)
	})
	r.ByPayee = map[string]ledger.Fen{}
	ps, err := s.svc.VillagePayments(ctx, lg, ledger.PaymentFilter{Fund: id}, 0, 0, monitorSees(u))
	if err != nil {
		return r, nil, err
	}
	for _, p := range ps {
		if p.Status != ledger.StatusRejected && p.Status != ledger.StatusReversed {
			r.ByPayee[p.Payee.Kind] += p.Amount
		}
	}
	return r, ps, nil
}

// GET /api/v1/funds/:id for a monitor.
func (s *Server) monitorFund(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	lg, ok := s.userLog(c)
	if !ok {
		return
	}
	r, ps, err := s.monitorFundTrace(c, lg, id)
	if ledger.IsNotFound(err) {
		failCode(c, ledger.CodeNotFound, "未找到该笔资金")
		return
	}
	if err != nil {
		fail(c, err)
		return
	}
	type projLine struct {
		Project   int64  `json:"project"`
		Code      string `json:"project_code"`
		Name      string `json:"name"`
		Allocated string `json:"allocated"`
		Paid      string `json:"paid"`
		Holding   string `json:"holding"`
	}
	lines := []projLine{}
	for _, p := range r.Projects {
		lines = append(lines, projLine{p.Project, p.Code, p.Name, p.Allocated.String(), p.Paid.String(), p.Holding.String()})
	}
	byPayee := map[string]string{}
	for k, v := range r.ByPayee {
		byPayee[k] = v.String()
	}
	if len(ps) > 500 {
		ps = ps[len(ps)-500:]
	}
	c.JSON(http.StatusOK, gin.H{"fund": fundDTO(r.FundLine), "projects": lines, "by_payee_kind": byPayee,
		"payments": s.monitorPaymentDTOs(c, lg, ps)})
}

// GET /api/v1/projects/:code for a monitor: the report every reader gets,
// with the project's notices (drafts only of their villages) and its
// contracts as its payments name them.
func (s *Server) monitorProject(c *gin.Context) {
	lg, ok := s.userLog(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	r, err := s.svc.ProjectReport(ctx, lg, c.Param("code"))
	if ledger.IsNotFound(err) || err == nil && r.Village != "" && !watches(user(c), r.Village) {
		failCode(c, ledger.CodeNotFound, "未找到该项目")
		return
	}
	if err != nil {
		fail(c, err)
		return
	}
	ps, err := s.svc.VillagePayments(ctx, lg, ledger.PaymentFilter{Project: r.ID}, 0, 0, monitorSees(user(c)))
	if err != nil {
		fail(c, err)
		return
	}
	ns, err := s.projectNotices(c, lg, r.Code)
	if err != nil {
		fail(c, err)
		return
	}
	type fundLine struct {
		Fund        int64  `json:"fund"`
		DocNo       string `json:"doc_no"`
		SourceLevel string `json:"source_level"`
		Allocated   string `json:"allocated"`
		Paid        string `json:"paid"`
		Holding     string `json:"holding"`
	}
	lines := []fundLine{}
	for _, f := range r.Funds {
		lines = append(lines, fundLine{f.Fund, f.DocNo, f.SourceLevel, f.Allocated.String(), f.Paid.String(), f.Holding.String()})
	}
	notices := make([]NoticeDTO, 0, len(ns))
	for _, n := range ns {
		notices = append(notices, noticeDTO(n))
	}
	c.JSON(http.StatusOK, gin.H{"project": projectDTO(r.Project), "allocated": r.Allocated.String(), "paid": r.Paid.String(), "funds": lines,
		"contracts": contractLines(s, c, lg, ps), "notices": notices, "payments": s.monitorPaymentDTOs(c, lg, ps)})
}

// projectNotices returns the notices of a project the caller may read.
func (s *Server) projectNotices(c *gin.Context, lg ledger.Log, code string) ([]ledger.Notice, error) {
	ns, err := s.svc.Notices(c.Request.Context(), lg, "", "", "")
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(ns, func(n ledger.Notice) bool { return n.Project != code || !noticeVisible(user(c), n) }), nil
}

// ContractLine is a contract as a project's payments name it: its number,
// the payee and what was paid under it.
type ContractLine struct {
	ContractNo string `json:"contract_no"`
	Payee      string `json:"payee"`
	Paid       string `json:"paid"`
	Payments   int    `json:"payments"`
	FirstPaid  string `json:"first_paid_on"`
	LastPaid   string `json:"last_paid_on"`
}

func contractLines(s *Server, c *gin.Context, lg ledger.Log, ps []ledger.Payment) []ContractLine {
	out := []ContractLine{}
	for _, cv := range s.contracts(c, lg, ps) {
		out = append(out, ContractLine{ContractNo: cv.ContractNo, Payee: cv.Payee, Paid: cv.Paid.String(), Payments: cv.Payments,
			FirstPaid: cv.FirstPaid, LastPaid: cv.LastPaid})
	}
	return out
}

// contracts groups a project's payments (neither rejected nor reversed) by
// contract number, in the order first paid.
func (s *Server) contracts(c *gin.Context, lg ledger.Log, ps []ledger.Payment) []pages.ContractView {
	views := s.svc.PayeeViews(c.Request.Context(), lg, ps, ledger.AudienceOversight)
	idx := map[string]int{}
	var out []pages.ContractView
	for _, p := range ps {
		if p.ContractNo == "" || p.Status == ledger.StatusRejected || p.Status == ledger.StatusReversed {
			continue
		}
		i, ok := idx[p.ContractNo]
		if !ok {
			i = len(out)
			idx[p.ContractNo] = i
			out = append(out, pages.ContractView{ContractNo: p.ContractNo, Payee: views[p.ID].Name, FirstPaid: p.PaidOn.String()})
		}
		out[i].Paid += p.Amount
		out[i].Payments++
		out[i].LastPaid = p.PaidOn.String()
	}
	return out
}

// GET /api/v1/notices for a monitor: no draft of another village.
func (s *Server) monitorNotices(c *gin.Context) {
	lg, ok := s.userLog(c)
	if !ok {
		return
	}
	ns, err := s.svc.Notices(c.Request.Context(), lg, c.Query("status"), c.Query("village"), c.Query("type"))
	ns = slices.DeleteFunc(ns, func(n ledger.Notice) bool { return !noticeVisible(user(c), n) })
	listOf(c, ns, err, noticeDTO)
}

// GET /api/v1/notices/:id for a monitor: a draft of another village is not
// found.
func (s *Server) monitorNotice(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	lg, ok := s.userLog(c)
	if !ok {
		return
	}
	n, err := s.svc.Notice(c.Request.Context(), lg, id)
	if err == nil && !noticeVisible(user(c), n) {
		err = ledger.ErrNotFound
	}
	if err != nil {
		fail(c, err)
		return
	}
	s.getNotice(c)
}

// GET /api/v1/complaints?status= for a monitor: the complaints about their
// villages, without the complainant's contact.
func (s *Server) monitorComplaints(c *gin.Context) {
	lg, ok := s.userLog(c)
	if !ok {
		return
	}
	cs, err := s.svc.Complaints(c.Request.Context(), lg, c.Query("status"))
	cs = slices.DeleteFunc(cs, func(cm ledger.Complaint) bool { return !watches(user(c), cm.Village) })
	listOf(c, cs, err, func(cm ledger.Complaint) ComplaintDTO { return s.complaintDTO(lg, cm, false) })
}
