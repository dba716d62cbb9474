package api

import (
	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/ledger"
)

type loanBody struct {
	LoanContractNo   string      `json:"loan_contract_no"`
	BorrowerIDNumber string      `json:"borrower_id_number"`
	Bank             string      `json:"bank"`
	Amount           string      `json:"amount"`
	TermMonths       int         `json:"term_months"`
	AnnualRate       string      `json:"annual_rate"`
	Use              string      `json:"use"`
	GrantedOn        ledger.Date `json:"granted_on"`
	DueOn            ledger.Date `json:"due_on"`
}

// LoanDTO is a loan (borrower by internal id).
type LoanDTO struct {
	LoanContractNo string `json:"loan_contract_no"`
	Seq            int64  `json:"seq"`
	Household      int64  `json:"household"`
	Borrower       int64  `json:"borrower"`
	Bank           string `json:"bank"`
	Amount         string `json:"amount"`
	TermMonths     int    `json:"term_months"`
	AnnualRate     string `json:"annual_rate"`
	Use            string `json:"use"`
	GrantedOn      string `json:"granted_on"`
	DueOn          string `json:"due_on"`
	Repaid         string `json:"repaid"`
	Status         string `json:"status"`
}

func loanDTO(l ledger.Loan) LoanDTO {
	return LoanDTO{LoanContractNo: l.ContractNo, Seq: l.Seq, Household: l.Household, Borrower: l.Borrower, Bank: l.Bank,
		Amount: l.Amount.String(), TermMonths: l.TermMonths, AnnualRate: ledger.Fen(l.RateBP).String(), Use: l.Use,
		GrantedOn: l.GrantedOn.String(), DueOn: l.DueOn.String(), Repaid: l.Repaid.String(), Status: l.Status}
}

func (s *Server) createLoan(c *gin.Context) {
	var b loanBody
	lg, idem, ok := s.writeBody(c, &b)
	if !ok {
		return
	}
	amount, err := yuan("amount", b.Amount)
	if err != nil {
		fail(c, err)
		return
	}
	rate, err := ledger.ParsePercentBasisPoints(b.AnnualRate)
	if err != nil {
		fail(c, withField(err, "annual_rate"))
		return
	}
	l, err := s.svc.GrantLoan(c.Request.Context(), lg, user(c).ID, ledger.LoanRow{ContractNo: b.LoanContractNo, BorrowerIDNumber: b.BorrowerIDNumber,
		Bank: b.Bank, Amount: amount, TermMonths: b.TermMonths, RateBP: rate, Use: b.Use, GrantedOn: b.GrantedOn, DueOn: b.DueOn}, idem)
	if err != nil {
		fail(c, err)
		return
	}
	created(c, loanDTO(l))
}

func (s *Server) listLoans(c *gin.Context) {
	lg, ok := s.userLog(c)
	if !ok {
		return
	}
	ls, err := s.svc.Loans(c.Request.Context(), lg, c.Query("status"))
	listOf(c, ls, err, loanDTO)
}

type repaymentBody struct {
	RepaidOn ledger.Date `json:"repaid_on"`
	Amount   string      `json:"amount"`
}

func (s *Server) createRepayment(c *gin.Context) {
	var b repaymentBody
	lg, idem, ok := s.writeBody(c, &b)
	if !ok {
		return
	}
	amount, err := yuan("amount", b.Amount)
	if err != nil {
		fail(c, err)
		return
	}
	l, err := s.svc.RecordRepayment(c.Request.Context(), lg, user(c).ID, ledger.RepaymentRow{ContractNo: c.Param("contract"), RepaidOn: b.RepaidOn, Amount: amount}, idem)
	if err != nil {
		fail(c, err)
		return
	}
	created(c, loanDTO(l))
}
