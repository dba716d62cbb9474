package api

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// FundBody records a fund.
type FundBody struct {
	DocNo        string      `json:"doc_no"`
	Name         string      `json:"name"`
	SourceLevel  string      `json:"source_level"`
	FundNature   string      `json:"fund_nature"`
	FunctionCode string      `json:"function_code"`
	Purpose      string      `json:"purpose"`
	Year         int         `json:"year"`
	Amount       string      `json:"amount"`
	ArrivedOn    ledger.Date `json:"arrived_on"`
}

// FundDTO is a fund with where its money stands. balance is what is not yet
// allocated (the fund's own account); unspent is received − paid.
type FundDTO struct {
	ID           int64  `json:"id"`
	Seq          int64  `json:"seq"`
	DocNo        string `json:"doc_no"`
	Name         string `json:"name"`
	SourceLevel  string `json:"source_level"`
	FundNature   string `json:"fund_nature"`
	FunctionCode string `json:"function_code"`
	Purpose      string `json:"purpose"`
	Year         int    `json:"year"`
	Amount       string `json:"amount"`
	ArrivedOn    string `json:"arrived_on"`
	Balance      string `json:"balance"`
	Allocated    string `json:"allocated"`
	Paid         string `json:"paid"`
	Unspent      string `json:"unspent"`
	Reversed     bool   `json:"reversed,omitempty"`
}

func fundDTO(f ledger.FundLine) FundDTO {
	return FundDTO{ID: f.ID, Seq: f.Seq, DocNo: f.DocNo, Name: f.Name, SourceLevel: f.SourceLevel, FundNature: f.Nature,
		FunctionCode: f.FunctionCode, Purpose: f.Purpose, Year: f.Year, Amount: f.Amount.String(), ArrivedOn: f.ArrivedOn.String(),
		Balance: f.Unallocated.String(), Allocated: f.Allocated.String(), Paid: f.Paid.String(), Unspent: f.Unspent.String(), Reversed: f.Reversed}
}

func (s *Server) createFund(c *gin.Context) {
	var b FundBody
	lg, idem, ok := s.writeBody(c, &b)
	if !ok {
		return
	}
	amount, err := yuan("amount", b.Amount)
	if err != nil {
		fail(c, err)
		return
	}
	f, err := s.svc.RecordFund(c.Request.Context(), lg, user(c).ID, ledger.FundRow{DocNo: b.DocNo, Name: b.Name, SourceLevel: b.SourceLevel,
		Nature: b.FundNature, FunctionCode: b.FunctionCode, Purpose: b.Purpose, Year: b.Year, Amount: amount, ArrivedOn: b.ArrivedOn}, idem)
	if err != nil {
		fail(c, err)
		return
	}
	created(c, fundDTO(ledger.FundLine{Fund: f, Unallocated: f.Amount, Unspent: f.Amount}))
}

func (s *Server) listFunds(c *gin.Context) {
	lg, ok := s.userLog(c)
	if !ok {
		return
	}
	fs, err := s.svc.Funds(c.Request.Context(), lg)
	listOf(c, fs, err, fundDTO)
}

func (s *Server) getFund(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	lg, ok := s.userLog(c)
	if !ok {
		return
	}
	r, err := s.svc.FundReport(c.Request.Context(), lg, id)
	if ledger.IsNotFound(err) {
		failCode(c, ledger.CodeNotFound, "未找到该笔资金")
		return
	}
	if err != nil {
		fail(c, err)
		return
	}
	type projLine struct {
		Project   int64             `json:"project"`
		Code      string            `json:"project_code"`
		Name      string            `json:"name"`
		Allocated string            `json:"allocated"`
		Paid      string            `json:"paid"`
		Holding   string            `json:"holding"`
		ByPayee   map[string]string `json:"by_payee_kind"`
	}
	lines := []projLine{}
	for _, p := range r.Projects {
		bp := map[string]string{}
		for k, v := range p.ByPayee {
			bp[k] = v.String()
		}
		lines = append(lines, projLine{Project: p.Project, Code: p.Code, Name: p.Name, Allocated: p.Allocated.String(),
			Paid: p.Paid.String(), Holding: p.Holding.String(), ByPayee: bp})
	}
	byPayee := map[string]string{}
	for k, v := range r.ByPayee {
		byPayee[k] = v.String()
	}
	c.JSON(http.StatusOK, gin.H{"fund": fundDTO(r.FundLine), "projects": lines, "by_payee_kind": byPayee})
}

func (s *Server) sourceLevels(c *gin.Context) {
	year := 0
	if v := c.Query("year"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			failCode(c, ledger.CodeMalformedRequest, "year 必须是年份")
			return
		}
		year = n
	}
	lg, ok := s.userLog(c)
	if !ok {
		return
	}
	ts, err := s.svc.SourceLevelTotals(c.Request.Context(), lg, year)
	if err != nil {
		fail(c, err)
		return
	}
	type line struct {
		SourceLevel string `json:"source_level"`
		Received    string `json:"received"`
		Allocated   string `json:"allocated"`
		Paid        string `json:"paid"`
		Unspent     string `json:"unspent"`
	}
	out := make([]line, len(ts))
	for i, t := range ts {
		out[i] = line{t.Level, t.Received.String(), t.Allocated.String(), t.Paid.String(), t.Unspent.String()}
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
}
