package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// PaymentBody records a payment instruction.
type PaymentBody struct {
	VoucherNo             string        `json:"voucher_no"`
	ProjectCode           string        `json:"project_code"`
	DocNo                 string        `json:"doc_no"`
	ItemCode              string        `json:"item_code"`
	PaymentKind           string        `json:"payment_kind"`
	PayeeIDNumber         string        `json:"payee_id_number"`
	PayeeOrgName          string        `json:"payee_org_name"`
	PayeeUSCC             string        `json:"payee_uscc"`
	AccountNo             string        `json:"account_no"`
	AccountHolderIDNumber string        `json:"account_holder_id_number"`
	Quantity              int64         `json:"quantity"`
	Amount                string        `json:"amount"`
	Period                ledger.Period `json:"period"`
	PaidOn                ledger.Date   `json:"paid_on"`
	InvoiceNo             string        `json:"invoice_no"`
	ContractNo            string        `json:"contract_no"`
	LoanContractNo        string        `json:"loan_contract_no"`
}

// PayeeDTO names a payee: persons by internal id and public-masked name.
type PayeeDTO struct {
	Kind  string `json:"kind"`
	ID    int64  `json:"id"`
	Label string `json:"label,omitempty"`
}

// PaymentDTO is a payment.
type PaymentDTO struct {
	ID             int64    `json:"id"`
	Seq            int64    `json:"seq"`
	Status         string   `json:"status"`
	VoucherNo      string   `json:"voucher_no"`
	Project        int64    `json:"project"`
	Fund           int64    `json:"fund"`
	ItemCode       string   `json:"item_code,omitempty"`
	PaymentKind    string   `json:"payment_kind"`
	Payee          PayeeDTO `json:"payee"`
	Household      int64    `json:"household,omitempty"`
	Quantity       int64    `json:"quantity"`
	Amount         string   `json:"amount"`
	Period         string   `json:"period,omitempty"`
	PaidOn         string   `json:"paid_on"`
	InvoiceNo      string   `json:"invoice_no,omitempty"`
	ContractNo     string   `json:"contract_no,omitempty"`
	LoanContractNo string   `json:"loan_contract_no,omitempty"`
	Maker          string   `json:"maker"`
	Imported       bool     `json:"imported"`
	// BankState is what the bank's return file says of it: 到账, 退回,
	// 失败 or 未见银行回单; absent where the bank does not pay it (cash, an
	// organisation) or the town has recorded no bank return file.
	BankState string `json:"bank_state,omitempty"`
}

func paymentDTO(p ledger.Payment, label string) PaymentDTO {
	return PaymentDTO{ID: p.ID, Seq: p.Seq, Status: p.Status, VoucherNo: p.VoucherNo, Project: p.Project, Fund: p.Fund,
		ItemCode: p.Item, PaymentKind: p.Kind, Payee: PayeeDTO{Kind: p.Payee.Kind, ID: p.Payee.ID, Label: label},
		Household: p.Household, Quantity: p.Quantity, Amount: p.Amount.String(), Period: p.Period.String(), PaidOn: p.PaidOn.String(),
		InvoiceNo: p.InvoiceNo, ContractNo: p.ContractNo, LoanContractNo: p.LoanContractNo, Maker: p.Maker, Imported: p.Imported}
}

func (s *Server) createPayment(c *gin.Context) {
	var b PaymentBody
	lg, idem, ok := s.writeBody(c, &b)
	if !ok {
		return
	}
	amount, err := yuan("amount", b.Amount)
	if err != nil {
		fail(c, err)
		return
	}
	if err := s.futurePayment(b.PaidOn); err != nil {
		fail(c, err)
		return
	}
	p, err := s.svc.RecordPayment(c.Request.Context(), lg, user(c).ID, ledger.PaymentRow{VoucherNo: b.VoucherNo, ProjectCode: b.ProjectCode,
		DocNo: b.DocNo, ItemCode: b.ItemCode, Kind: b.PaymentKind, PayeeIDNumber: b.PayeeIDNumber, PayeeOrgName: b.PayeeOrgName,
		PayeeUSCC: b.PayeeUSCC, AccountNo: b.AccountNo, AccountHolderIDNumber: b.AccountHolderIDNumber, Quantity: b.Quantity,
		Amount: amount, Period: b.Period, PaidOn: b.PaidOn, InvoiceNo: b.InvoiceNo, ContractNo: b.ContractNo, LoanContractNo: b.LoanContractNo}, idem)
	if err != nil {
		fail(c, err)
		return
	}
	created(c, gin.H{"id": p.ID, "seq": p.Seq, "status": p.Status})
}

func (s *Server) payeeLabels(c *gin.Context, lg ledger.Log, ps []ledger.Payment) map[ledger.PayeeRef]string {
	return s.svc.PayeeLabels(c.Request.Context(), lg, ps)
}

func (s *Server) listPayments(c *gin.Context) {
	lg, ok := s.userLog(c)
	if !ok {
		return
	}
	limit, cursor, ok := page(c)
	if !ok {
		return
	}
	f := ledger.PaymentFilter{Limit: limit + 1}
	if v := c.Query("project"); v != "" {
		p, err := s.svc.ProjectByCode(c.Request.Context(), lg, v)
		if err != nil {
			c.JSON(http.StatusOK, List[PaymentDTO]{Items: []PaymentDTO{}})
			return
		}
		f.Project = p.ID
	}
	if v := c.Query("status"); v != "" {
		f.Status = []string{v}
	}
	if cursor != "" {
		n, err := strconv.ParseInt(cursor, 10, 64)
		if err != nil {
			failCode(c, ledger.CodeMalformedRequest, "cursor 无效")
			return
		}
		f.AfterID = n
	}
	ps, err := s.svc.Payments(c.Request.Context(), lg, f)
	if err != nil {
		fail(c, err)
		return
	}
	out := List[PaymentDTO]{Items: []PaymentDTO{}}
	if len(ps) > limit {
		ps = ps[:limit]
		out.NextCursor = strconv.FormatInt(ps[limit-1].ID, 10)
	}
	labels := s.payeeLabels(c, lg, ps)
	banks, err := s.svc.BankStates(c.Request.Context(), lg, ps)
	if err != nil {
		fail(c, err)
		return
	}
	for _, p := range ps {
		d := paymentDTO(p, labels[p.Payee])
		d.BankState = banks[p.ID]
		out.Items = append(out.Items, d)
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) getPayment(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	lg, ok := s.userLog(c)
	if !ok {
		return
	}
	p, err := s.svc.Payment(c.Request.Context(), lg, id)
	if ledger.IsNotFound(err) {
		failCode(c, ledger.CodeNotFound, "未找到该笔支付")
		return
	}
	if err != nil {
		fail(c, err)
		return
	}
	d := paymentDTO(p, s.payeeLabels(c, lg, []ledger.Payment{p})[p.Payee])
	if banks, err := s.svc.BankStates(c.Request.Context(), lg, []ledger.Payment{p}); err == nil {
		d.BankState = banks[p.ID]
	}
	c.JSON(http.StatusOK, d)
}

type approvalBody struct {
	Decision string `json:"decision"`
	Note     string `json:"note"`
}

func (s *Server) approvePayment(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	var b approvalBody
	lg, idem, ok := s.writeBody(c, &b)
	if !ok {
		return
	}
	if b.Decision != "approve" && b.Decision != "reject" {
		fail(c, &ledger.Error{Code: ledger.CodeValidationFailed, Detail: "decision 必须是 approve 或 reject",
			Fields: []ledger.FieldError{{Field: "decision", Message: "必须是 approve 或 reject"}}})
		return
	}
	if !s.approvalAllowed(c, lg, id, func(err error) { fail(c, err) }) {
		return
	}
	p, err := s.svc.DecidePayment(c.Request.Context(), lg, user(c).ID, id, b.Decision == "approve", b.Note, idem)
	if err != nil {
		fail(c, err)
		return
	}
	created(c, gin.H{"id": p.ID, "status": p.Status, "seq": p.LastSeq})
}

func (s *Server) reverseEntry(c *gin.Context) {
	pathWrite(s, c, "seq", func(ctx context.Context, lg ledger.Log, idem *ledger.Idem, seq int64, b reasonBody) (any, error) {
		rs, err := s.svc.Reverse(ctx, lg, user(c).ID, seq, b.Reason, idem)
		return gin.H{"seq": rs, "reverses": seq}, err
	})
}
