package api

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// BudgetDTO is a project's budget from one source.
type BudgetDTO struct {
	SourceLevel string `json:"source_level"`
	DocNo       string `json:"doc_no,omitempty"`
	Amount      string `json:"amount"`
}

// ProjectBody registers a project (state 申报).
type ProjectBody struct {
	ProjectCode       string      `json:"project_code"`
	Name              string      `json:"name"`
	Category          string      `json:"category"`
	Nature            string      `json:"nature"`
	Village           string      `json:"village"`
	Location          string      `json:"location"`
	Task              string      `json:"task"`
	Budget            string      `json:"budget"`
	BudgetBySource    []BudgetDTO `json:"budget_by_source"`
	ResponsibleUnit   string      `json:"responsible_unit"`
	ResponsiblePerson string      `json:"responsible_person"`
	Implementer       string      `json:"implementer"`
	StartOn           ledger.Date `json:"start_on"`
	EndOn             ledger.Date `json:"end_on"`
	Beneficiaries     int         `json:"beneficiaries"`
	PoorBeneficiaries int         `json:"poor_beneficiaries"`
	Targets           string      `json:"targets"`
	Participation     string      `json:"participation"`
	Mechanism         string      `json:"mechanism"`
	SubsidyStandard   string      `json:"subsidy_standard"`
	Financing         string      `json:"financing"`
}

// ProjectDTO is a project of the library.
type ProjectDTO struct {
	ID                int64        `json:"id"`
	Seq               int64        `json:"seq"`
	ProjectCode       string       `json:"project_code"`
	Name              string       `json:"name"`
	Category          string       `json:"category"`
	Nature            string       `json:"nature"`
	Village           string       `json:"village"`
	Location          string       `json:"location"`
	Task              string       `json:"task"`
	Budget            string       `json:"budget"`
	BudgetBySource    []BudgetDTO  `json:"budget_by_source"`
	ResponsibleUnit   string       `json:"responsible_unit"`
	ResponsiblePerson string       `json:"responsible_person"`
	Implementer       string       `json:"implementer"`
	StartOn           string       `json:"start_on"`
	EndOn             string       `json:"end_on"`
	Beneficiaries     int          `json:"beneficiaries"`
	PoorBeneficiaries int          `json:"poor_beneficiaries"`
	Targets           string       `json:"targets"`
	Participation     string       `json:"participation"`
	Mechanism         string       `json:"mechanism"`
	Status            string       `json:"status"`
	ApprovalDocNo     string       `json:"approval_doc_no"`
	ApprovedOn        string       `json:"approved_on"`
	AcceptedOn        string       `json:"accepted_on,omitempty"`
	AcceptanceResult  string       `json:"acceptance_result,omitempty"`
	AcceptanceGroup   string       `json:"acceptance_group,omitempty"`
	FinalAmount       string       `json:"final_amount,omitempty"`
	SubsidyStandard   string       `json:"subsidy_standard,omitempty"`
	Financing         string       `json:"financing,omitempty"`
	Contract          *ContractDTO `json:"contract,omitempty"`
	Assets            []AssetDTO   `json:"assets"`
}

func projectDTO(p ledger.Project) ProjectDTO {
	bs := []BudgetDTO{}
	for _, b := range p.BudgetBySource {
		bs = append(bs, BudgetDTO{SourceLevel: b.SourceLevel, DocNo: b.DocNo, Amount: b.Amount.String()})
	}
	return ProjectDTO{ID: p.ID, Seq: p.Seq, ProjectCode: p.Code, Name: p.Name, Category: p.Category, Nature: p.Nature, Village: p.Village,
		Location: p.Location, Task: p.Task, Budget: p.Budget.String(), BudgetBySource: bs, ResponsibleUnit: p.ResponsibleUnit,
		ResponsiblePerson: p.ResponsiblePerson, Implementer: p.Implementer, StartOn: p.StartOn.String(), EndOn: p.EndOn.String(),
		Beneficiaries: p.Beneficiaries, PoorBeneficiaries: p.PoorBeneficiaries, Targets: p.Targets, Participation: p.Participation,
		Mechanism: p.Mechanism, Status: p.Status, ApprovalDocNo: p.ApprovalDocNo, ApprovedOn: p.ApprovedOn.String(),
		AcceptedOn: p.AcceptedOn.String(), AcceptanceResult: p.AcceptanceResult, AcceptanceGroup: p.AcceptanceGroup,
		FinalAmount: finalAmount(p.FinalAmount), SubsidyStandard: p.SubsidyStandard, Financing: p.Financing,
		Contract: contractDTO(p.Contract), Assets: assetDTOs(p.Assets)}
}

func (s *Server) createProject(c *gin.Context) {
	var b ProjectBody
	lg, idem, ok := s.writeBody(c, &b)
	if !ok {
		return
	}
	budget, err := optYuan("budget", b.Budget)
	if err != nil {
		fail(c, err)
		return
	}
	row := ledger.ProjectRow{Code: b.ProjectCode, Name: b.Name, Category: b.Category, Nature: b.Nature, Village: b.Village,
		Location: b.Location, Task: b.Task, Budget: budget, ResponsibleUnit: b.ResponsibleUnit, ResponsiblePerson: b.ResponsiblePerson,
		Implementer: b.Implementer, StartOn: b.StartOn, EndOn: b.EndOn, Beneficiaries: b.Beneficiaries,
		PoorBeneficiaries: b.PoorBeneficiaries, Targets: b.Targets, Participation: b.Participation, Mechanism: b.Mechanism,
		SubsidyStandard: b.SubsidyStandard, Financing: b.Financing}
	for i, bs := range b.BudgetBySource {
		a, err := yuan("budget_by_source["+strconv.Itoa(i)+"].amount", bs.Amount)
		if err != nil {
			fail(c, err)
			return
		}
		row.BudgetBySource = append(row.BudgetBySource, ledger.FundBudget{SourceLevel: bs.SourceLevel, DocNo: bs.DocNo, Amount: a})
	}
	p, err := s.svc.RegisterProject(c.Request.Context(), lg, user(c).ID, row, idem)
	if err != nil {
		fail(c, err)
		return
	}
	created(c, projectDTO(p))
}

func (s *Server) listProjects(c *gin.Context) {
	lg, ok := s.userLog(c)
	if !ok {
		return
	}
	u := user(c)
	village := c.Query("village")
	if village != "" && !seesVillage(u, village) {
		failCode(c, ledger.CodeForbidden, "您只能查看所监督村的项目")
		return
	}
	ps, err := s.svc.Projects(c.Request.Context(), lg, village, c.Query("status"))
	if err != nil {
		fail(c, err)
		return
	}
	out := []ProjectDTO{}
	for _, p := range ps {
		if seesVillage(u, p.Village) {
			out = append(out, projectDTO(p))
		}
	}
	if l, ok := pageOf(c, out); ok {
		c.JSON(http.StatusOK, l)
	}
}

func (s *Server) getProject(c *gin.Context) {
	lg, ok := s.userLog(c)
	if !ok {
		return
	}
	r, err := s.svc.ProjectReport(c.Request.Context(), lg, c.Param("code"))
	if ledger.IsNotFound(err) || err == nil && !seesVillage(user(c), r.Village) {
		failCode(c, ledger.CodeNotFound, "未找到该项目")
		return
	}
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
	c.JSON(http.StatusOK, gin.H{"project": projectDTO(r.Project), "allocated": r.Allocated.String(), "paid": r.Paid.String(), "funds": lines})
}

type transitionBody struct {
	To               string      `json:"to"`
	Note             string      `json:"note"`
	ApprovalDocNo    string      `json:"approval_doc_no"`
	ApprovedOn       ledger.Date `json:"approved_on"`
	AcceptedOn       ledger.Date `json:"accepted_on"`
	AcceptanceResult string      `json:"acceptance_result"`
	AcceptanceGroup  string      `json:"acceptance_group"`
	FinalAmount      string      `json:"final_amount"`
}

func (s *Server) transitionProject(c *gin.Context) {
	var b transitionBody
	lg, idem, ok := s.writeBody(c, &b)
	if !ok {
		return
	}
	final, err := optYuan("final_amount", b.FinalAmount)
	if err != nil {
		fail(c, err)
		return
	}
	p, err := s.svc.TransitionProject(c.Request.Context(), lg, user(c).ID, c.Param("code"), ledger.Transition{To: b.To, Note: b.Note,
		ApprovalDocNo: b.ApprovalDocNo, ApprovedOn: b.ApprovedOn, AcceptedOn: b.AcceptedOn, AcceptanceResult: b.AcceptanceResult,
		AcceptanceGroup: b.AcceptanceGroup, FinalAmount: final}, idem)
	if err != nil {
		fail(c, err)
		return
	}
	created(c, gin.H{"project": projectDTO(p), "seq": p.LastSeq})
}

type allocationBody struct {
	DocNo           string      `json:"doc_no"`
	ProjectCode     string      `json:"project_code"`
	Amount          string      `json:"amount"`
	AllocatedOn     ledger.Date `json:"allocated_on"`
	AllocationDocNo string      `json:"allocation_doc_no"`
}

func (s *Server) createAllocation(c *gin.Context) {
	var b allocationBody
	lg, idem, ok := s.writeBody(c, &b)
	if !ok {
		return
	}
	amount, err := yuan("amount", b.Amount)
	if err != nil {
		fail(c, err)
		return
	}
	r, err := s.svc.RecordAllocation(c.Request.Context(), lg, user(c).ID, ledger.AllocationRow{DocNo: b.DocNo, ProjectCode: b.ProjectCode,
		Amount: amount, AllocatedOn: b.AllocatedOn, AllocationDocNo: b.AllocationDocNo}, idem)
	if err != nil {
		fail(c, err)
		return
	}
	created(c, gin.H{"seq": r.Seq, "fund": r.Fund, "project": r.Project, "amount": r.Amount.String()})
}
