package api

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/importer"
	"github.com/sunshine-ledger/sunshine/ledger"
)

// staffRoutes registers the staff API (API.md: auth, writes, staff reads).
// Every route acts within the caller's town.
func (s *Server) staffRoutes(v1 *gin.RouterGroup) {
	v1.POST("/auth/login", s.login)
	v1.POST("/auth/logout", s.authed(anyStaff), s.logout)
	v1.GET("/auth/me", s.authed(anyStaff), s.me)

	v1.POST("/auth/password", s.authed(anyStaff), s.changePassword)
	v1.POST("/users", s.authed(adminOnly), s.createUser)
	v1.GET("/users", s.authed(adminOnly), s.listUsers)
	v1.POST("/users/:id/password", s.authed(adminOnly), s.resetPassword)
	v1.POST("/users/:id/unlock", s.authed(adminOnly), s.unlockUser)
	v1.POST("/users/:id/role", s.authed(adminOnly), s.setRole)

	v1.GET("/town", s.authed(anyStaff), s.getTown)
	v1.PUT("/town", s.authed(adminOnly), s.putTown)
	v1.POST("/villages", s.authed(adminOnly), s.createVillage)
	v1.GET("/villages", s.authed(anyStaff), s.listVillages)
	v1.POST("/organisations", s.authed(writers), s.createOrganisation)
	v1.POST("/items", s.authed(adminOnly), s.createItem)
	v1.GET("/items", s.authed(anyStaff), s.listItems)

	v1.POST("/imports/:kind", s.authed(writers), s.importSheet)
	v1.POST("/persons", s.authed(writers), s.createPerson)
	v1.POST("/persons/search", s.authed(anyStaff), s.searchPersons)

	v1.POST("/funds", s.authed(writers), s.createFund)
	v1.GET("/funds", s.authed(anyStaff), s.listFunds)
	v1.GET("/funds/:id", s.authed(anyStaff), byRole(s.getFund, s.monitorFund))
	v1.GET("/reports/source-levels", s.authed(anyStaff), s.sourceLevels)

	v1.POST("/projects", s.authed(writers), s.createProject)
	v1.GET("/projects", s.authed(anyStaff), s.listProjects)
	v1.GET("/projects/:code", s.authed(anyStaff), byRole(s.getProject, s.monitorProject))
	v1.POST("/projects/:code/transitions", s.authed(writers), s.transitionProject)
	v1.POST("/allocations", s.authed(writers), s.createAllocation)

	v1.POST("/payments", s.authed(makers), s.createPayment)
	v1.GET("/payments", s.authed(villageReaders), byRole(s.listPayments, s.monitorPayments))
	v1.GET("/payments/:id", s.authed(villageReaders), byRole(s.getPayment, s.monitorPayment))
	v1.POST("/payments/:id/approval", s.authed(approvers), s.approvePayment)
	v1.POST("/entries/:seq/reversal", s.authed(writers), s.reverseEntry)

	v1.POST("/loans", s.authed(writers), s.createLoan)
	v1.GET("/loans", s.authed(villageReaders), byRole(s.listLoans, s.monitorLoans))
	v1.POST("/loans/:contract/repayments", s.authed(writers), s.createRepayment)

	v1.GET("/households/:id/year/:year", s.authed(anyStaff), s.householdYear)
	v1.GET("/ledger/entries", s.authed(entryReaders), s.listEntries)
	v1.GET("/county/summary", s.authed(countyOnly), s.getCountySummary)

	v1.GET("/rules", s.authed(anyStaff), s.listRules)
	v1.GET("/flags", s.authed(anyStaff), s.listFlags)
	v1.GET("/flags/:id", s.authed(anyStaff), s.getFlag)
	v1.POST("/flags/:id/review", s.authed(reviewers), s.reviewFlag)
}

// created writes a write's result with 201.
func created(c *gin.Context, v any) { c.JSON(http.StatusCreated, v) }

// writeBody decodes a write's JSON body into dst (decodeBody) and returns
// its scope (writeScope). It answers the request itself and returns false on
// a problem.
func (s *Server) writeBody(c *gin.Context, dst any) (ledger.Log, *ledger.Idem, bool) {
	if !decodeBody(c, dst) {
		return ledger.Log{}, nil, false
	}
	return s.writeScope(c)
}

// writeScope returns what every write needs after its body is decoded: the
// caller's town log and the idempotency request (nil without a key). It
// answers the request itself and returns false on a problem.
func (s *Server) writeScope(c *gin.Context) (ledger.Log, *ledger.Idem, bool) {
	lg, ok := s.userLog(c)
	if !ok {
		return ledger.Log{}, nil, false
	}
	idem, ok := s.idem(c)
	return lg, idem, ok
}

// pathWrite answers a write on one object named in the path (POST
// …/:param/<action>): it takes the id, decodes the body into B, runs do and
// writes its result with 201, or the problem.
func pathWrite[B any](s *Server, c *gin.Context, param string, do func(ctx context.Context, lg ledger.Log, idem *ledger.Idem, id int64, b B) (any, error)) {
	id, ok := pathID(c, param)
	if !ok {
		return
	}
	var b B
	lg, idem, ok := s.writeBody(c, &b)
	if !ok {
		return
	}
	v, err := do(c.Request.Context(), lg, idem, id, b)
	if err != nil {
		fail(c, err)
		return
	}
	created(c, v)
}

// reasonBody is the body of a write that needs only a reason (reversal,
// withdrawal).
type reasonBody struct {
	Reason string `json:"reason"`
}

// ---- auth and users ----

func (s *Server) me(c *gin.Context) { c.JSON(http.StatusOK, userDTO(user(c))) }

type userBody struct {
	Username string   `json:"username"`
	Password string   `json:"password"`
	Role     string   `json:"role"`
	Villages []string `json:"villages"`
}

func (s *Server) createUser(c *gin.Context) {
	var b userBody
	lg, idem, ok := s.writeBody(c, &b)
	if !ok {
		return
	}
	vs, err := s.svc.Villages(c.Request.Context(), lg)
	if err != nil {
		fail(c, err)
		return
	}
	exists := func(code string) bool {
		return slices.ContainsFunc(vs, func(v ledger.Village) bool { return v.Code == code })
	}
	u, err := s.auth.CreateUser(c.Request.Context(), lg, user(c).ID, ledger.NewUser{Username: b.Username, Password: b.Password, Role: b.Role, Villages: b.Villages}, exists, idem)
	if err != nil {
		fail(c, err)
		return
	}
	created(c, userDTO(u))
}

func (s *Server) listUsers(c *gin.Context) {
	us, err := s.auth.Accounts.Users(c.Request.Context(), user(c).LogID)
	listOf(c, us, err, userDTO)
}

// ---- town, villages, organisations, items ----

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

// ---- imports ----

func (s *Server) importSheet(c *gin.Context) {
	kind := c.Param("kind")
	if !slices.Contains(importer.Kinds(), kind) {
		failCode(c, ledger.CodeNotFound, "没有这种导入类型："+kind)
		return
	}
	if kind == "payments" && user(c).Role != ledger.RoleFinance {
		failCode(c, ledger.CodeForbidden, "支付只能由财务人员录入（管理员不能录入或审核支付）")
		return
	}
	uploadDeadline(c)
	fh, err := c.FormFile("file")
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			failCode(c, ledger.CodeTooLarge, "上传的文件过大")
			return
		}
		failCode(c, ledger.CodeMalformedRequest, "请以 multipart/form-data 上传字段 file（.xlsx 或 .csv 文件）")
		return
	}
	f, err := fh.Open()
	if err != nil {
		failCode(c, ledger.CodeMalformedRequest, "无法读取上传的文件")
		return
	}
	data, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		failCode(c, ledger.CodeMalformedRequest, "无法读取上传的文件")
		return
	}
	dry := c.Query("dry_run") == "true"
	lg, ok := s.userLog(c)
	if !ok {
		return
	}
	var idem *ledger.Idem
	if key := c.GetHeader("Idempotency-Key"); key != "" && !dry {
		if len(key) > 200 {
			failCode(c, ledger.CodeMalformedRequest, "Idempotency-Key 过长")
			return
		}
		sum := sha256.Sum256(data)
		idem = &ledger.Idem{IdemScope: ledger.IdemScope{UserID: user(c).ID, Method: "POST", Route: c.FullPath(), Key: key},
			Fingerprint: ledger.FingerprintUpload(kind, sum)}
	}
	in, bad, err := s.parseSheet(c.Request.Context(), lg, kind, fh.Filename, data)
	if err != nil {
		fail(c, err)
		return
	}
	if len(bad) > 0 {
		bad = s.withReferenceErrors(c.Request.Context(), lg, user(c).ID, in, bad)
		if dry {
			c.JSON(http.StatusOK, dryRunDTO(in.Rows, bad, nil))
			return
		}
		listed, rest := capErrors(bad)
		fail(c, &ledger.Error{Code: ledger.CodeImportRowsInvalid, Detail: "有 " + strconv.Itoa(len(bad)) + " 处数据有误，未写入任何记录，请修改后重新上传" + notListed(rest), Fields: listed})
		return
	}
	res, err := s.svc.Import(c.Request.Context(), lg, user(c).ID, in, dry, idem)
	if err != nil {
		fail(c, err)
		return
	}
	if dry {
		c.JSON(http.StatusOK, dryRunDTO(res.Rows, res.Errors, res.Warnings))
		return
	}
	created(c, gin.H{"batch_id": res.BatchID, "rows": res.Rows, "entries": []int64{res.FirstSeq, res.LastSeq}})
}

// WarningDTO is a rule a row would trip.
type WarningDTO struct {
	Row     int    `json:"row"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

func dryRunDTO(rows int, errs []ledger.FieldError, warns []ledger.RuleWarning) gin.H {
	if errs == nil {
		errs = []ledger.FieldError{}
	}
	errs, rest := capErrors(errs)
	ws := make([]WarningDTO, 0, min(len(warns), maxListedErrors))
	for _, w := range warns[:min(len(warns), maxListedErrors)] {
		ws = append(ws, WarningDTO{Row: w.Row, Rule: w.Rule, Message: w.Message})
	}
	out := gin.H{"rows": rows, "errors": errs, "warnings": ws}
	if rest > 0 {
		out["errors_not_listed"] = rest
	}
	if len(warns) > maxListedErrors {
		out["warnings_not_listed"] = len(warns) - maxListedErrors
	}
	return out
}

// ---- persons ----

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

// ---- funds ----

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

func pathID(c *gin.Context, name string) (int64, bool) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id < 0 {
		failCode(c, ledger.CodeNotFound, "未找到")
		return 0, false
	}
	return id, true
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

// ---- projects ----

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

// ---- payments ----

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

// ---- loans ----

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

// ---- reports and the ledger ----

func (s *Server) householdYear(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	year, err := strconv.Atoi(c.Param("year"))
	if err != nil {
		failCode(c, ledger.CodeNotFound, "年份无效")
		return
	}
	lg, ok := s.userLog(c)
	if !ok {
		return
	}
	h, err := s.svc.Household(c.Request.Context(), lg, id)
	if ledger.IsNotFound(err) || err == nil && !seesVillage(user(c), h.Village) {
		failCode(c, ledger.CodeNotFound, "未找到该户")
		return
	}
	if err != nil {
		fail(c, err)
		return
	}
	lines, total, err := s.svc.HouseholdYear(c.Request.Context(), lg, id, year)
	if err != nil {
		fail(c, err)
		return
	}
	type line struct {
		ItemCode string `json:"item_code"`
		ItemName string `json:"item_name"`
		Amount   string `json:"amount"`
		Count    int    `json:"count"`
	}
	out := []line{}
	for _, l := range lines {
		out = append(out, line{l.Item, l.ItemName, l.Amount.String(), l.Count})
	}
	c.JSON(http.StatusOK, gin.H{"household": id, "village": h.Village, "year": year, "items": out, "total": total.String()})
}

// EntryDTO is a ledger entry for staff.
type EntryDTO struct {
	Seq         int64           `json:"seq"`
	Type        string          `json:"type"`
	RecordedAt  string          `json:"recorded_at"`
	EffectiveOn string          `json:"effective_on"`
	Actor       string          `json:"actor"`
	Public      bool            `json:"public"`
	Entry       json.RawMessage `json:"entry"`
}

func (s *Server) listEntries(c *gin.Context) {
	lg, ok := s.userLog(c)
	if !ok {
		return
	}
	limit, _, ok := page(c)
	if !ok {
		return
	}
	from := int64(0)
	if v := c.Query("after_seq"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < -1 {
			failCode(c, ledger.CodeMalformedRequest, "after_seq 必须是整数")
			return
		}
		from = n + 1
	} else if v := c.Query("cursor"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			failCode(c, ledger.CodeMalformedRequest, "cursor 无效")
			return
		}
		from = n
	}
	es, err := s.store.Entries(c.Request.Context(), lg.ID, from, limit+1)
	if err != nil {
		fail(c, err)
		return
	}
	out := List[EntryDTO]{Items: []EntryDTO{}}
	if len(es) > limit {
		es = es[:limit]
		out.NextCursor = strconv.FormatInt(es[limit-1].Seq+1, 10)
	}
	for _, e := range es {
		out.Items = append(out.Items, EntryDTO{Seq: e.Seq, Type: e.Type, RecordedAt: e.RecordedAt.UTC().Format(timeRFC3339),
			EffectiveOn: e.EffectiveOn, Actor: e.Actor, Public: ledger.IsPublic(e.Type), Entry: e.Body})
	}
	c.JSON(http.StatusOK, out)
}

// withField gives a field-less error the field it is about.
func withField(err error, field string) error {
	var e *ledger.Error
	if errors.As(err, &e) && len(e.Fields) == 0 {
		return &ledger.Error{Code: e.Code, Detail: e.Detail, Fields: []ledger.FieldError{{Field: field, Message: e.Detail, Code: e.Code}}}
	}
	return err
}

// maxListedErrors bounds the errors an import answer lists (the rest are
// counted): with each message capped (importer.MaxMessage) an answer stays
// small whatever the sheet.
const maxListedErrors = 200

// capErrors returns the first maxListedErrors errors and how many more there
// were.
func capErrors(errs []ledger.FieldError) ([]ledger.FieldError, int) {
	if len(errs) <= maxListedErrors {
		return errs, 0
	}
	return errs[:maxListedErrors], len(errs) - maxListedErrors
}

// notListed says how many errors an answer leaves out ("" for none).
func notListed(rest int) string {
	if rest == 0 {
		return ""
	}
	return "（以下列出前 " + strconv.Itoa(maxListedErrors) + " 处，其余 " + strconv.Itoa(rest) + " 处未列出）"
}
