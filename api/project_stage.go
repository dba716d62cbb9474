package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/disclosure"
	"github.com/sunshine-ledger/sunshine/ledger"
)

// Every project stage (issue 16): a project's contract and asset register,
// a village's 村务监督委员会 contact, and the project's public page.

func (s *Server) stageRoutes(v1 *gin.RouterGroup) {
	v1.POST("/projects/:code/contract", s.authed(writers), s.recordContract)
	v1.POST("/projects/:code/assets", s.authed(writers), s.recordAsset)
	v1.PUT("/villages/:code/contacts", s.authed(adminOnly), s.setVillageContacts)
}

// ContractDTO is a project's construction contract (施工合同).
type ContractDTO struct {
	ContractNo        string      `json:"contract_no"`
	Contractor        string      `json:"contractor"`
	Supervisor        string      `json:"supervisor"`
	ProcurementMethod string      `json:"procurement_method"`
	ContractAmount    string      `json:"contract_amount"`
	StartedOn         ledger.Date `json:"started_on"`
	EndsOn            ledger.Date `json:"ends_on"`
	Seq               int64       `json:"seq,omitempty"`
}

// AssetDTO is one asset a project formed (形成资产).
type AssetDTO struct {
	Name         string      `json:"name"`
	Kind         string      `json:"kind"`
	Value        string      `json:"value"`
	Custodian    string      `json:"custodian"`
	HandedOverOn ledger.Date `json:"handed_over_on"`
	Seq          int64       `json:"seq,omitempty"`
}

func contractDTO(c *ledger.ProjectContract) *ContractDTO {
	if c == nil {
		return nil
	}
	return &ContractDTO{ContractNo: c.ContractNo, Contractor: c.Contractor, Supervisor: c.Supervisor, ProcurementMethod: c.ProcurementMethod,
		ContractAmount: c.Amount.String(), StartedOn: c.StartOn, EndsOn: c.EndOn, Seq: c.Seq}
}

func assetDTOs(as []ledger.ProjectAsset) []AssetDTO {
	out := []AssetDTO{}
	for _, a := range as {
		out = append(out, AssetDTO{Name: a.Name, Kind: a.Kind, Value: a.Value.String(), Custodian: a.Custodian, HandedOverOn: a.HandedOverOn, Seq: a.Seq})
	}
	return out
}

// recordContract is POST /api/v1/projects/{code}/contract (finance, admin):
// 201 {"project","contract","seq"}.
func (s *Server) recordContract(c *gin.Context) {
	var b ContractDTO
	lg, idem, ok := s.writeBody(c, &b)
	if !ok {
		return
	}
	amount, err := yuan("contract_amount", b.ContractAmount)
	if err != nil {
		fail(c, err)
		return
	}
	p, err := s.svc.RecordProjectContract(c.Request.Context(), lg, user(c).ID, c.Param("code"), ledger.ContractInput{ContractNo: b.ContractNo,
		Contractor: b.Contractor, Supervisor: b.Supervisor, ProcurementMethod: b.ProcurementMethod, Amount: amount, StartOn: b.StartedOn, EndOn: b.EndsOn}, idem)
	if err != nil {
		fail(c, err)
		return
	}
	created(c, gin.H{"project": projectDTO(p), "contract": contractDTO(p.Contract), "seq": p.LastSeq})
}

// recordAsset is POST /api/v1/projects/{code}/assets (finance, admin): 201
// {"project","assets","seq"}.
func (s *Server) recordAsset(c *gin.Context) {
	var b AssetDTO
	lg, idem, ok := s.writeBody(c, &b)
	if !ok {
		return
	}
	value, err := yuan("value", b.Value)
	if err != nil {
		fail(c, err)
		return
	}
	p, err := s.svc.RecordProjectAsset(c.Request.Context(), lg, user(c).ID, c.Param("code"), ledger.ProjectAsset{Name: b.Name, Kind: b.Kind,
		Value: value, Custodian: b.Custodian, HandedOverOn: b.HandedOverOn}, idem)
	if err != nil {
		fail(c, err)
		return
	}
	created(c, gin.H{"project": projectDTO(p), "assets": assetDTOs(p.Assets), "seq": p.LastSeq})
}

// VillageContactsDTO is a village's 村务监督委员会 contact.
type VillageContactsDTO struct {
	SupervisionName  string `json:"supervision_name"`
	SupervisionPhone string `json:"supervision_phone"`
}

// setVillageContacts is PUT /api/v1/villages/{code}/contacts (admin): 200
// the village with its contact and the entry's seq.
func (s *Server) setVillageContacts(c *gin.Context) {
	var b VillageContactsDTO
	lg, idem, ok := s.writeBody(c, &b)
	if !ok {
		return
	}
	v, seq, err := s.svc.SetVillageContacts(c.Request.Context(), lg, user(c).ID, c.Param("code"), b.SupervisionName, b.SupervisionPhone, idem)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"code": v.Code, "name": v.Name, "groups": v.Groups, "supervision_name": v.SupervisionName,
		"supervision_phone": v.SupervisionPhone, "seq": seq})
}

// projectPage is the public page of a project (GET /projects/{code}): its
// library fields, contract, acceptance, money by source, the assets it
// formed and who looks after them, and the notices about it. Only public
// facts: organisations and the people acting for them (DOMAIN.md §3).
func (s *Server) projectPage(c *gin.Context) {
	lg, ok := s.siteTownLog(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	r, err := s.svc.ProjectReport(ctx, lg, c.Param("code"))
	if ledger.IsNotFound(err) {
		err = ledger.Errorf(ledger.CodeNotFound, "未找到该项目")
	}
	if err != nil {
		s.pageError(c, lg, err)
		return
	}
	d := disclosure.ProjectData{Report: r}
	if r.Village != "" {
		if v, err := s.svc.ResolveVillage(ctx, lg, r.Village); err == nil {
			d.VillageName = v.Name
		}
	}
	ns, err := s.svc.Notices(ctx, lg, "", "", "")
	if err != nil {
		s.pageError(c, lg, err)
		return
	}
	for _, n := range ns {
		if n.Project == r.Code && n.Status != ledger.NoticeDraft {
			d.Notices = append(d.Notices, disclosure.NoticeItem{Code: n.Code, Title: n.Title, Number: n.Number, PublishedOn: n.PublishedOn,
				Status: n.Status, StatusText: disclosure.StatusText(n.Status)})
		}
	}
	s.render(c, lg, http.StatusOK, "project", r.Name, disclosure.Page{Data: d})
}

func finalAmount(f ledger.Fen) string {
	if f <= 0 {
		return ""
	}
	return f.String()
}
