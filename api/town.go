package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// TownDTO is the town's notice settings.
type TownDTO struct {
	Code      string   `json:"code,omitempty"`
	Name      string   `json:"name"`
	ShortName string   `json:"short_name"`
	Phones    []string `json:"phones"`
	Address   string   `json:"address"`
	Email     string   `json:"email"`
	// The county's 乡村振兴 office village notices print (issue 16), and
	// the notice types the notices job publishes by itself (absent: the
	// default, 资金发放结果公告 and 季度资金使用情况).
	CountyOffice string   `json:"county_office"`
	CountyPhone  string   `json:"county_phone"`
	AutoPublish  []string `json:"auto_publish"`
	// BankColumns maps the headers of the town's bank's return file to the
	// columns of the 银行代发回盘 sheet (issue 17): {"本次代发额": "金额"}.
	BankColumns map[string]string `json:"bank_columns,omitempty"`
}

func townDTO(t ledger.Town) TownDTO {
	p := t.Phones
	if p == nil {
		p = []string{}
	}
	return TownDTO{Code: t.Code, Name: t.Name, ShortName: t.ShortName, Phones: p, Address: t.Address, Email: t.Email,
		CountyOffice: t.CountyOffice, CountyPhone: t.CountyPhone, AutoPublish: ledger.AutoPublishOf(t), BankColumns: t.BankColumns}
}

func (s *Server) getTown(c *gin.Context) {
	lg, ok := s.userLog(c)
	if !ok {
		return
	}
	t, err := s.svc.Town(c.Request.Context(), lg)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, townDTO(t))
}

func (s *Server) putTown(c *gin.Context) {
	var b TownDTO
	lg, idem, ok := s.writeBody(c, &b)
	if !ok {
		return
	}
	t, err := s.svc.UpdateTown(c.Request.Context(), lg, user(c).ID, ledger.Town{Name: b.Name, ShortName: b.ShortName, Phones: b.Phones, Address: b.Address, Email: b.Email,
		CountyOffice: b.CountyOffice, CountyPhone: b.CountyPhone, AutoPublish: b.AutoPublish, BankColumns: b.BankColumns}, idem)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, townDTO(t))
}

// VillageDTO is a village.
type VillageDTO struct {
	Code   string   `json:"code"`
	Name   string   `json:"name"`
	Groups []string `json:"groups"`
}

func (s *Server) createVillage(c *gin.Context) {
	var b VillageDTO
	lg, idem, ok := s.writeBody(c, &b)
	if !ok {
		return
	}
	v, err := s.svc.AddVillage(c.Request.Context(), lg, user(c).ID, ledger.Village{Code: strings.TrimSpace(b.Code), Name: strings.TrimSpace(b.Name), Groups: b.Groups}, idem)
	if err != nil {
		fail(c, err)
		return
	}
	created(c, VillageDTO{Code: v.Code, Name: v.Name, Groups: v.Groups})
}

func (s *Server) listVillages(c *gin.Context) {
	lg, ok := s.userLog(c)
	if !ok {
		return
	}
	vs, err := s.svc.Villages(c.Request.Context(), lg)
	if err != nil {
		fail(c, err)
		return
	}
	out := []VillageDTO{}
	for _, v := range vs {
		if seesVillage(user(c), v.Code) {
			g := v.Groups
			if g == nil {
				g = []string{}
			}
			out = append(out, VillageDTO{Code: v.Code, Name: v.Name, Groups: g})
		}
	}
	if l, ok := pageOf(c, out); ok {
		c.JSON(http.StatusOK, l)
	}
}

// OrganisationDTO is a payee organisation (not private: shown in full).
type OrganisationDTO struct {
	ID                  int64  `json:"id,omitempty"`
	Name                string `json:"name"`
	USCC                string `json:"uscc"`
	LegalRepresentative string `json:"legal_representative,omitempty"`
	AccountNo           string `json:"account_no,omitempty"`
	// The 法定代表人's and 股东's ID numbers (rule F3; issue 17): those in
	// the town's registry are linked to the organisation (an organisation
	// already registered gets them too). Never answered back.
	LegalRepIDNumber     string   `json:"legal_rep_id_number,omitempty"`
	ShareholderIDNumbers []string `json:"shareholder_id_numbers,omitempty"`
}

func (s *Server) createOrganisation(c *gin.Context) {
	var b OrganisationDTO
	lg, idem, ok := s.writeBody(c, &b)
	if !ok {
		return
	}
	for i, n := range append([]string{b.LegalRepIDNumber}, b.ShareholderIDNumbers...) { // before anything is written
		if _, err := ledger.ParseIDNumber(n); n != "" && err != nil {
			fail(c, withField(err, map[bool]string{true: "legal_rep_id_number", false: "shareholder_id_numbers"}[i == 0]))
			return
		}
	}
	o, err := s.svc.RegisterOrganisation(c.Request.Context(), lg, user(c).ID, ledger.Organisation{Name: b.Name, USCC: b.USCC,
		LegalRepresentative: b.LegalRepresentative, AccountNo: b.AccountNo}, idem)
	if err != nil {
		fail(c, withField(err, "uscc"))
		return
	}
	if b.LegalRepIDNumber != "" || len(b.ShareholderIDNumbers) > 0 {
		if _, err := s.svc.RecordOrganisationPeople(c.Request.Context(), lg, user(c).ID, ledger.OrgPeople{USCC: o.USCC,
			LegalRepIDNumber: strings.TrimSpace(b.LegalRepIDNumber), ShareholderIDNumbers: b.ShareholderIDNumbers}, nil); err != nil {
			fail(c, err)
			return
		}
	}
	created(c, OrganisationDTO{ID: o.ID, Name: o.Name, USCC: o.USCC, LegalRepresentative: o.LegalRepresentative, AccountNo: o.AccountNo})
}

// ItemDTO is a subsidy item.
type ItemDTO struct {
	Code               string   `json:"code"`
	Name               string   `json:"name"`
	Category           string   `json:"category"`
	Unit               string   `json:"unit"`
	Standard           string   `json:"standard"`
	PerQuantity        bool     `json:"per_quantity"`
	Period             string   `json:"period"`
	YearlyCap          string   `json:"yearly_cap"`
	Eligible           []string `json:"eligible"`
	ListNoticeRequired bool     `json:"list_notice_required"`
	// The rules' settings (issue 17), optional: a 公益岗位 (one a person a
	// month, A8), the recipients' age range (A9), how often it may be
	// granted (B6: household_once, person_once, person_term), standards
	// per school level (B3).
	Post       bool           `json:"post,omitempty"`
	MinAge     int            `json:"min_age,omitempty"`
	MaxAge     int            `json:"max_age,omitempty"`
	GrantLimit string         `json:"grant_limit,omitempty"`
	Levels     []ItemLevelDTO `json:"levels,omitempty"`
	// BankDays: how many days after a payment of the item R4 waits for
	// the bank's return row (0 or absent: 15).
	BankDays int `json:"bank_days,omitempty"`
}

// ItemLevelDTO is an item's standard for one school level (学段), for
// students whose age at the pay date is min_age…max_age.
type ItemLevelDTO struct {
	Name     string `json:"name"`
	MinAge   int    `json:"min_age"`
	MaxAge   int    `json:"max_age"`
	Standard string `json:"standard"`
}

func itemDTO(it ledger.Item) ItemDTO {
	e := it.Eligible
	if e == nil {
		e = []string{}
	}
	out := ItemDTO{Code: it.Code, Name: it.Name, Category: it.Category, Unit: it.Unit, Standard: it.Standard.String(),
		PerQuantity: it.PerQuantity, Period: it.Period, YearlyCap: it.YearlyCap.String(), Eligible: e, ListNoticeRequired: it.ListNoticeRequired,
		Post: it.Post, MinAge: it.MinAge, MaxAge: it.MaxAge, GrantLimit: it.GrantLimit, BankDays: it.BankDays}
	for _, l := range it.Levels {
		out.Levels = append(out.Levels, ItemLevelDTO{Name: l.Name, MinAge: l.MinAge, MaxAge: l.MaxAge, Standard: l.Standard.String()})
	}
	return out
}

func (s *Server) createItem(c *gin.Context) {
	var b ItemDTO
	lg, idem, ok := s.writeBody(c, &b)
	if !ok {
		return
	}
	std, err := optYuan("standard", b.Standard)
	if err != nil {
		fail(c, err)
		return
	}
	capv, err := optYuan("yearly_cap", b.YearlyCap)
	if err != nil {
		fail(c, err)
		return
	}
	in := ledger.Item{Code: b.Code, Name: b.Name, Category: b.Category, Unit: b.Unit, Standard: std, PerQuantity: b.PerQuantity,
		Period: b.Period, YearlyCap: capv, Eligible: b.Eligible, ListNoticeRequired: b.ListNoticeRequired,
		Post: b.Post, MinAge: b.MinAge, MaxAge: b.MaxAge, GrantLimit: strings.TrimSpace(b.GrantLimit), BankDays: b.BankDays}
	for _, l := range b.Levels {
		v, err := optYuan("levels", l.Standard)
		if err != nil {
			fail(c, err)
			return
		}
		in.Levels = append(in.Levels, ledger.ItemLevel{Name: strings.TrimSpace(l.Name), MinAge: l.MinAge, MaxAge: l.MaxAge, Standard: v})
	}
	it, err := s.svc.DefineItem(c.Request.Context(), lg, user(c).ID, in, idem)
	if err != nil {
		fail(c, err)
		return
	}
	created(c, itemDTO(it))
}

func (s *Server) listItems(c *gin.Context) {
	lg, ok := s.userLog(c)
	if !ok {
		return
	}
	its, err := s.svc.Items(c.Request.Context(), lg)
	listOf(c, its, err, itemDTO)
}
