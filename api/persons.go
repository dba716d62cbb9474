package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// PersonBody registers one person (a 花名册 row).
type PersonBody struct {
	Village               string      `json:"village"`
	Group                 string      `json:"group"`
	HeadIDNumber          string      `json:"head_id_number"`
	Name                  string      `json:"name"`
	IDNumber              string      `json:"id_number"`
	Relation              string      `json:"relation"`
	HouseholdKind         string      `json:"household_kind"`
	MonitoringKind        string      `json:"monitoring_kind"`
	JoinedOn              ledger.Date `json:"joined_on"`
	Bank                  string      `json:"bank"`
	AccountNo             string      `json:"account_no"`
	AccountHolderIDNumber string      `json:"account_holder_id_number"`
	Phone                 string      `json:"phone"`
}

func (s *Server) createPerson(c *gin.Context) {
	var b PersonBody
	lg, idem, ok := s.writeBody(c, &b)
	if !ok {
		return
	}
	if b.HeadIDNumber == "" {
		b.HeadIDNumber = b.IDNumber
	}
	ps, err := s.svc.RegisterPersons(c.Request.Context(), lg, user(c).ID, []ledger.PersonRow{{Village: b.Village, Group: b.Group,
		HeadIDNumber: b.HeadIDNumber, Name: b.Name, IDNumber: b.IDNumber, Relation: b.Relation, HouseholdKind: b.HouseholdKind,
		MonitoringKind: b.MonitoringKind, JoinedOn: b.JoinedOn, Bank: b.Bank, AccountNo: b.AccountNo,
		AccountHolderIDNumber: b.AccountHolderIDNumber, Phone: b.Phone}}, idem)
	if err != nil {
		fail(c, oneRow(err))
		return
	}
	created(c, gin.H{"id": ps[0].ID, "household": ps[0].Household})
}

// oneRow turns the batch error of a one-row request (import_rows_invalid
// when the row has several problems, such as an invalid ID number that is
// also the head's) into the error of its first problem: a person sent
// through the API is not a sheet.
func oneRow(err error) error {
	var e *ledger.Error
	if errors.As(err, &e) && e.Code == ledger.CodeImportRowsInvalid && len(e.Fields) > 0 {
		code := e.Fields[0].Code
		if code == "" {
			code = ledger.CodeValidationFailed
		}
		return &ledger.Error{Code: code, Detail: e.Fields[0].Message, Fields: e.Fields}
	}
	return err
}

type searchBody struct {
	Q        string `json:"q"`
	IDNumber string `json:"id_number"`
	Village  string `json:"village"`
}

// PersonDTO is a person, masked for the caller's role (DOMAIN.md §6).
type PersonDTO struct {
	ID             int64    `json:"id"`
	Household      int64    `json:"household"`
	Village        string   `json:"village"`
	Group          string   `json:"group"`
	Name           string   `json:"name"`
	IDNumber       string   `json:"id_number"`
	Phone          string   `json:"phone,omitempty"`
	Accounts       []string `json:"accounts"`
	Relation       string   `json:"relation"`
	HouseholdKind  string   `json:"household_kind"`
	MonitoringKind string   `json:"monitoring_kind,omitempty"`
	Erased         bool     `json:"erased,omitempty"`
}

func (s *Server) searchPersons(c *gin.Context) {
	var b searchBody
	if !decodeBody(c, &b) {
		return
	}
	if strings.TrimSpace(b.Q) == "" && strings.TrimSpace(b.IDNumber) == "" && b.Village == "" {
		failCode(c, ledger.CodeValidationFailed, "请填写姓名、身份证号或村")
		return
	}
	lg, ok := s.userLog(c)
	if !ok {
		return
	}
	u := user(c)
	if b.Village != "" && !seesVillage(u, b.Village) {
		failCode(c, ledger.CodeForbidden, "您只能查询所监督村的人员")
		return
	}
	ctx := c.Request.Context()
	aud := ledger.AudienceOf(u.Role)
	reader := ""
	if aud == ledger.AudienceFull {
		reader = u.ID // every unmasked read is recorded
	}
	views, err := s.svc.SearchPersons(ctx, lg, ledger.PersonQuery{Name: strings.TrimSpace(b.Q), IDNumber: strings.TrimSpace(b.IDNumber), Village: b.Village,
		Allowed: func(village string) bool { return seesVillage(u, village) }}, reader)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]PersonDTO, 0, len(views))
	for _, v := range views {
		d := PersonDTO{ID: v.ID, Household: v.Person.Household, Village: v.Household.Village, Group: v.Household.Group,
			Name: ledger.ShowName(v.Private.Name, aud), IDNumber: ledger.ShowIDNumber(v.Private.IDNumber, aud),
			Phone: ledger.ShowPhone(v.Private.Phone, aud), Accounts: []string{}, Relation: v.Relation,
			HouseholdKind: v.Household.Kind, MonitoringKind: v.Household.MonitoringKind, Erased: v.Erased}
		for _, a := range v.Private.Accounts {
			d.Accounts = append(d.Accounts, ledger.ShowAccount(a.Number, aud))
		}
		out = append(out, d)
	}
	if l, ok := pageOf(c, out); ok {
		c.JSON(http.StatusOK, l)
	}
}
