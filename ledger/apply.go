package ledger

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// The hashed payloads of the domain's entry types. DANGER: these structs are
// part of the hashed encoding (Entry.Encode canonicalizes them). Renaming or
// retagging a field changes what new entries say, and apply must keep
// reading every payload ever written; add fields, never repurpose them.
// Money is integer fen; dates "YYYY-MM-DD"; periods their API form.

// Posting is one line of a money entry; an entry's postings sum to zero.
type Posting struct {
	Account string `json:"account"`
	Amount  int64  `json:"amount"`
}

type townPayload struct {
	Code      string   `json:"code"`
	Name      string   `json:"name"`
	ShortName string   `json:"short_name"`
	Phones    []string `json:"phones"`
	Address   string   `json:"address"`
	Email     string   `json:"email"`
	// Added by issue 16: optional, so that older entries keep their bytes.
	CountyOffice string   `json:"county_office,omitempty"`
	CountyPhone  string   `json:"county_phone,omitempty"`
	AutoPublish  []string `json:"auto_publish,omitempty"`
	// Added by issue 17 (the bank's record), optional likewise.
	BankColumns map[string]string `json:"bank_columns,omitempty"`
}

type villagePayload struct {
	Code   string   `json:"code"`
	Name   string   `json:"name"`
	Groups []string `json:"groups"`
}

type groupsPayload struct {
	Village string   `json:"village"`
	Groups  []string `json:"groups"`
}

type aliasPayload struct {
	Alias string `json:"alias"`
	Level string `json:"level"`
}

type itemPayload struct {
	Code               string   `json:"code"`
	Name               string   `json:"name"`
	Category           string   `json:"category"`
	Unit               string   `json:"unit"`
	Standard           int64    `json:"standard"`
	PerQuantity        bool     `json:"per_quantity"`
	Period             string   `json:"period"`
	YearlyCap          int64    `json:"yearly_cap"`
	Eligible           []string `json:"eligible"`
	ListNoticeRequired bool     `json:"list_notice_required"`
	// Added by issue 17 (rule settings): optional, so that older entries
	// keep their bytes.
	Post       bool               `json:"post,omitempty"`
	MinAge     int                `json:"min_age,omitempty"`
	MaxAge     int                `json:"max_age,omitempty"`
	GrantLimit string             `json:"grant_limit,omitempty"`
	Levels     []itemLevelPayload `json:"levels,omitempty"`
	// Added by issue 17 (the bank's record): R4's days for the item.
	BankDays int `json:"bank_days,omitempty"`
}

type orgPayload struct {
	Name                string `json:"name"`
	USCC                string `json:"uscc"`
	LegalRepresentative string `json:"legal_representative"`
	AccountNo           string `json:"account_no"`
}

type householdPayload struct {
	Household      int64  `json:"household,omitempty"` // on updates
	Village        string `json:"village"`
	Group          string `json:"group"`
	Head           int64  `json:"head,omitempty"`
	Kind           string `json:"kind"`
	MonitoringKind string `json:"monitoring_kind"`
	EnrolledOn     string `json:"enrolled_on,omitempty"`
	ExitedOn       string `json:"exited_on,omitempty"`
	RiskClearedOn  string `json:"risk_cleared_on,omitempty"`
}

type personPayload struct {
	Person       int64  `json:"person,omitempty"` // on updates
	Household    int64  `json:"household"`
	Relation     string `json:"relation"`
	JoinedOn     string `json:"joined_on,omitempty"`
	Head         bool   `json:"head"`
	CipherSHA256 string `json:"cipher_sha256"`
}

type registerPayload struct {
	Person  int64  `json:"person"`
	Kind    string `json:"kind"`
	On      string `json:"on"`
	Related int64  `json:"related,omitempty"`
}

type fundPayload struct {
	DocNo        string    `json:"doc_no"`
	Name         string    `json:"name"`
	SourceLevel  string    `json:"source_level"`
	Nature       string    `json:"nature"`
	FunctionCode string    `json:"function_code"`
	Purpose      string    `json:"purpose"`
	Year         int       `json:"year"`
	Amount       int64     `json:"amount"`
	ArrivedOn    string    `json:"arrived_on"`
	Imported     bool      `json:"imported"`
	Postings     []Posting `json:"postings"`
}

type budgetPayload struct {
	SourceLevel string `json:"source_level"`
	DocNo       string `json:"doc_no,omitempty"`
	Amount      int64  `json:"amount"`
}

type projectPayload struct {
	Code              string          `json:"code"`
	Name              string          `json:"name"`
	Category          string          `json:"category"`
	Nature            string          `json:"nature"`
	Village           string          `json:"village"`
	Location          string          `json:"location"`
	Task              string          `json:"task"`
	StartOn           string          `json:"start_on,omitempty"`
	EndOn             string          `json:"end_on,omitempty"`
	ResponsibleUnit   string          `json:"responsible_unit"`
	ResponsiblePerson string          `json:"responsible_person"`
	Implementer       string          `json:"implementer"`
	Budget            int64           `json:"budget"`
	BudgetBySource    []budgetPayload `json:"budget_by_source"`
	Beneficiaries     int             `json:"beneficiaries"`
	PoorBeneficiaries int             `json:"poor_beneficiaries"`
	Targets           string          `json:"targets"`
	Participation     string          `json:"participation"`
	Mechanism         string          `json:"mechanism"`
	Status            string          `json:"status"`
	ApprovalDocNo     string          `json:"approval_doc_no,omitempty"`
	ApprovedOn        string          `json:"approved_on,omitempty"`
	Imported          bool            `json:"imported"`
	// Added by issue 16: optional, so that older entries keep their bytes.
	AcceptedOn       string `json:"accepted_on,omitempty"`
	AcceptanceResult string `json:"acceptance_result,omitempty"`
	SubsidyStandard  string `json:"subsidy_standard,omitempty"`
	Financing        string `json:"financing,omitempty"`
}

type transitionPayload struct {
	Project          int64  `json:"project"`
	From             string `json:"from"`
	To               string `json:"to"`
	Note             string `json:"note"`
	ApprovalDocNo    string `json:"approval_doc_no,omitempty"`
	ApprovedOn       string `json:"approved_on,omitempty"`
	AcceptedOn       string `json:"accepted_on,omitempty"`
	AcceptanceResult string `json:"acceptance_result,omitempty"`
	// Added by issue 16: optional, so that older entries keep their bytes.
	AcceptanceGroup string `json:"acceptance_group,omitempty"`
	FinalAmount     int64  `json:"final_amount,omitempty"`
}

type allocationPayload struct {
	Fund        int64     `json:"fund"`
	Project     int64     `json:"project"`
	Amount      int64     `json:"amount"`
	AllocatedOn string    `json:"allocated_on"`
	DocNo       string    `json:"doc_no,omitempty"`
	Imported    bool      `json:"imported"`
	Postings    []Posting `json:"postings"`
}

type payeePayload struct {
	Kind string `json:"kind"`
	ID   int64  `json:"id"`
}

type paymentPayload struct {
	VoucherNo      string       `json:"voucher_no"`
	Project        int64        `json:"project"`
	Fund           int64        `json:"fund"`
	Item           string       `json:"item,omitempty"`
	Kind           string       `json:"kind"`
	Payee          payeePayload `json:"payee"`
	Household      int64        `json:"household,omitempty"`
	AccountHolder  int64        `json:"account_holder,omitempty"`
	AccountIndex   string       `json:"account_index,omitempty"`
	Quantity       int64        `json:"quantity"`
	Amount         int64        `json:"amount"`
	Period         string       `json:"period,omitempty"`
	PaidOn         string       `json:"paid_on"`
	InvoiceNo      string       `json:"invoice_no,omitempty"`
	ContractNo     string       `json:"contract_no,omitempty"`
	LoanContractNo string       `json:"loan_contract_no,omitempty"`
	// Added by issue 17: the person named as 收款人 of a household item
	// (the payee is the household); optional, so older entries keep their
	// bytes.
	Recipient int64     `json:"recipient,omitempty"`
	Status    string    `json:"status"`
	Imported  bool      `json:"imported"`
	Postings  []Posting `json:"postings"` // only when effective at once
}

// paymentStatusPayload moves a payment to another state (approval,
// publicity, objection): payment_approved, payment_rejected,
// payment_effective, payment_held.
type paymentStatusPayload struct {
	Payment  int64     `json:"payment"`
	From     string    `json:"from"`
	To       string    `json:"to"`
	Note     string    `json:"note"`
	Postings []Posting `json:"postings"`
}

type reversalPayload struct {
	Entry    int64           `json:"entry"`
	Type     string          `json:"type"`
	Reason   string          `json:"reason"`
	Original json.RawMessage `json:"original"` // the reversed entry's payload
	Postings []Posting       `json:"postings"`
}

type loanPayload struct {
	ContractNo string `json:"contract_no"`
	Household  int64  `json:"household"`
	Borrower   int64  `json:"borrower"`
	Bank       string `json:"bank"`
	Amount     int64  `json:"amount"`
	TermMonths int    `json:"term_months"`
	RateBP     int64  `json:"rate_bp"`
	Use        string `json:"use"`
	GrantedOn  string `json:"granted_on"`
	DueOn      string `json:"due_on"`
	Imported   bool   `json:"imported"`
}

type repaymentPayload struct {
	ContractNo string `json:"contract_no"`
	RepaidOn   string `json:"repaid_on"`
	Amount     int64  `json:"amount"`
	Imported   bool   `json:"imported"`
}

type importPayload struct {
	Kind       string `json:"kind"`
	Rows       int    `json:"rows"`
	FileSHA256 string `json:"file_sha256"`
	Filename   string `json:"filename"`
	FirstSeq   int64  `json:"first_seq"`
	LastSeq    int64  `json:"last_seq"`
}

// Object kinds of the registry documents in Books.
const (
	objTown      = "town"
	objVillage   = "village"
	objAlias     = "alias"
	objItem      = "item"
	objOrg       = "org"
	objHousehold = "household"
	objPerson    = "person"
	objFund      = "fund"
	objProject   = "project"
	objLoan      = "loan"
	objReversed  = "reversed"
	objBatch     = "import_batch"
	// objAllocation: one per allocation entry (notices list them with their seq).
	objAllocation = "allocation"
	// objProjectStates: a project's states with the dates they took effect (E2).
	objProjectStates = "project_states"
)

// Account names of the double entry (DOMAIN.md §4).
func acctSource(level string) string { return "source:" + level }
func acctFund(fund int64) string     { return "fund:" + strconv.FormatInt(fund, 10) }
func acctHolding(project, fund int64) string {
	return fmt.Sprintf("project:%d:fund:%d", project, fund)
}
func acctPayee(p PayeeRef) string { return "payee:" + p.Kind + ":" + strconv.FormatInt(p.ID, 10) }

// acctReserved is not a double-entry account: it tracks what payments that
// are not yet effective will take from a holding.
func acctReserved(project, fund int64) string {
	return fmt.Sprintf("reserved:project:%d:fund:%d", project, fund)
}

func dateStr(d Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

func parseDateOrZero(s string) Date {
	if s == "" {
		return Date{}
	}
	d, _ := ParseDate(s)
	return d
}

// postAll moves balances by the postings.
func postAll(bk Books, ps []Posting) error {
	var sum int64
	for _, p := range ps {
		sum += p.Amount
		if err := bk.AddBalance(p.Account, Fen(p.Amount)); err != nil {
			return err
		}
	}
	if sum != 0 {
		return fmt.Errorf("postings sum to %d, not zero", sum)
	}
	return nil
}

// apply updates the projections for one entry. It is the only code that
// maps entries to projections: the writer calls it right after appending,
// and Rebuild calls it for every entry from seq 0. It must depend on nothing
// but the entry and the projections written by earlier entries.
func apply(bk Books, e Entry) error {
	switch e.Type {
	case TypeTownRegistered, TypeTownUpdated:
		var p townPayload
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			return err
		}
		t := Town{Code: p.Code, Name: p.Name, ShortName: p.ShortName, Phones: p.Phones, Address: p.Address, Email: p.Email,
			CountyOffice: p.CountyOffice, CountyPhone: p.CountyPhone, AutoPublish: p.AutoPublish, BankColumns: p.BankColumns}
		if e.Type == TypeTownRegistered {
			return bk.CreateObject(objTown, 1, "", t)
		}
		var old Town
		if err := bk.Object(objTown, 1, &old); err != nil {
			return err
		}
		t.Code = old.Code
		return bk.PutObject(objTown, 1, t)
	case TypeVillageRegistered:
		var p villagePayload
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			return err
		}
		return bk.CreateObject(objVillage, e.Seq, p.Code, Village{Code: p.Code, Name: p.Name, Groups: p.Groups})
	case TypeVillageGroupsAdded:
		var p groupsPayload
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			return err
		}
		id, v, err := villageByCode(bk, p.Village)
		if err != nil {
			return err
		}
		v.Groups = append(v.Groups, p.Groups...)
		return bk.PutObject(objVillage, id, v)
	case TypeSourceAliasSet:
		var p aliasPayload
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			return err
		}
		return bk.CreateObject(objAlias, e.Seq, p.Alias, p)
	case TypeItemDefined, TypeItemChanged:
		var p itemPayload
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			return err
		}
		it := itemFromPayload(p)
		if e.Type == TypeItemDefined {
			return bk.CreateObject(objItem, e.Seq, p.Code, it)
		}
		id, err := objectID(bk, objItem, p.Code)
		if err != nil {
			return err
		}
		return bk.PutObject(objItem, id, it)
	case TypeOrganisationRegistered:
		var p orgPayload
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			return err
		}
		return bk.CreateObject(objOrg, e.Seq, p.USCC, Organisation{ID: e.Seq, Name: p.Name, USCC: p.USCC,
			LegalRepresentative: p.LegalRepresentative, AccountNo: p.AccountNo})
	case TypeOrganisationPeopleRecorded:
		return applyOrgPeople(bk, e)
	case TypeHouseholdRegistered, TypeHouseholdUpdated:
		var p householdPayload
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			return err
		}
		h := Household{ID: e.Seq, Village: p.Village, Group: p.Group, Head: p.Head, Kind: p.Kind,
			MonitoringKind: p.MonitoringKind, EnrolledOn: parseDateOrZero(p.EnrolledOn),
			ExitedOn: parseDateOrZero(p.ExitedOn), RiskClearedOn: parseDateOrZero(p.RiskClearedOn)}
		if e.Type == TypeHouseholdRegistered {
			return bk.CreateObject(objHousehold, e.Seq, "", h)
		}
		var old Household
		if err := bk.Object(objHousehold, p.Household, &old); err != nil {
			return err
		}
		old.Group, old.Kind, old.MonitoringKind = h.Group, h.Kind, h.MonitoringKind
		if p.Head != 0 {
			old.Head = p.Head
		}
		if !h.EnrolledOn.IsZero() {
			old.EnrolledOn = h.EnrolledOn
		}
		if !h.ExitedOn.IsZero() {
			old.ExitedOn = h.ExitedOn
		}
		if !h.RiskClearedOn.IsZero() {
			old.RiskClearedOn = h.RiskClearedOn
		}
		return bk.PutObject(objHousehold, old.ID, old)
	case TypePersonRegistered, TypePersonUpdated:
		var p personPayload
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			return err
		}
		if e.Type == TypePersonRegistered {
			per := Person{ID: e.Seq, Household: p.Household, Relation: p.Relation, JoinedOn: parseDateOrZero(p.JoinedOn), CipherSHA256: p.CipherSHA256}
			if err := bk.CreateObject(objPerson, e.Seq, "", per); err != nil {
				return err
			}
			var h Household
			if err := bk.Object(objHousehold, p.Household, &h); err != nil {
				return err
			}
			h.Members++
			if p.Head {
				h.Head = e.Seq
			}
			return bk.PutObject(objHousehold, h.ID, h)
		}
		var per Person
		if err := bk.Object(objPerson, p.Person, &per); err != nil {
			return err
		}
		per.CipherSHA256 = p.CipherSHA256
		if p.Household != 0 && p.Household != per.Household {
			for _, delta := range []struct {
				id int64
				d  int
			}{{per.Household, -1}, {p.Household, 1}} {
				var h Household
				if err := bk.Object(objHousehold, delta.id, &h); err != nil {
					return err
				}
				h.Members += delta.d
				if err := bk.PutObject(objHousehold, h.ID, h); err != nil {
					return err
				}
			}
			per.Household = p.Household
		}
		if p.Relation != "" {
			per.Relation = p.Relation
		}
		if p.JoinedOn != "" {
			per.JoinedOn = parseDateOrZero(p.JoinedOn)
		}
		return bk.PutObject(objPerson, per.ID, per)
	case TypeRegisterMarked:
		var p registerPayload
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			return err
		}
		return applyRegister(bk, p)
	case TypeFundRecorded:
		var p fundPayload
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			return err
		}
		f := Fund{ID: e.Seq, DocNo: p.DocNo, Name: p.Name, SourceLevel: p.SourceLevel, Nature: p.Nature,
			FunctionCode: p.FunctionCode, Purpose: p.Purpose, Year: p.Year, Amount: Fen(p.Amount),
			ArrivedOn: parseDateOrZero(p.ArrivedOn), Seq: e.Seq}
		if err := bk.CreateObject(objFund, e.Seq, p.DocNo, f); err != nil {
			return err
		}
		return postAll(bk, p.Postings)
	case TypeProjectRegistered:
		var p projectPayload
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			return err
		}
		pr := Project{ID: e.Seq, Code: p.Code, Name: p.Name, Category: p.Category, Nature: p.Nature, Village: p.Village,
			Location: p.Location, Task: p.Task, StartOn: parseDateOrZero(p.StartOn), EndOn: parseDateOrZero(p.EndOn),
			ResponsibleUnit: p.ResponsibleUnit, ResponsiblePerson: p.ResponsiblePerson, Implementer: p.Implementer,
			Budget: Fen(p.Budget), Beneficiaries: p.Beneficiaries, PoorBeneficiaries: p.PoorBeneficiaries,
			Targets: p.Targets, Participation: p.Participation, Mechanism: p.Mechanism, Status: p.Status,
			ApprovalDocNo: p.ApprovalDocNo, ApprovedOn: parseDateOrZero(p.ApprovedOn), Seq: e.Seq, LastSeq: e.Seq,
			AcceptedOn: parseDateOrZero(p.AcceptedOn), AcceptanceResult: p.AcceptanceResult, SubsidyStandard: p.SubsidyStandard, Financing: p.Financing}
		for _, b := range p.BudgetBySource {
			pr.BudgetBySource = append(pr.BudgetBySource, FundBudget{SourceLevel: b.SourceLevel, DocNo: b.DocNo, Amount: Fen(b.Amount)})
		}
		if err := bk.CreateObject(objProjectStates, e.Seq, "", []StateChange{{To: pr.Status, On: e.EffectiveOn, Seq: e.Seq}}); err != nil {
			return err
		}
		return bk.CreateObject(objProject, e.Seq, p.Code, pr)
	case TypeProjectTransitioned:
		var p transitionPayload
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			return err
		}
		var pr Project
		if err := bk.Object(objProject, p.Project, &pr); err != nil {
			return err
		}
		pr.Status = p.To
		pr.LastSeq = e.Seq
		if p.ApprovalDocNo != "" {
			pr.ApprovalDocNo, pr.ApprovedOn = p.ApprovalDocNo, parseDateOrZero(p.ApprovedOn)
		}
		if p.AcceptedOn != "" {
			pr.AcceptedOn, pr.AcceptanceResult = parseDateOrZero(p.AcceptedOn), p.AcceptanceResult
		}
		if p.AcceptanceGroup != "" {
			pr.AcceptanceGroup = p.AcceptanceGroup
		}
		if p.FinalAmount > 0 {
			pr.FinalAmount = Fen(p.FinalAmount)
		}
		if p.To == ProjAdjusting {
			pr.AdjustedFrom = p.From
		}
		var hist []StateChange
		if err := bk.Object(objProjectStates, pr.ID, &hist); err != nil && !IsNotFound(err) {
			return err
		}
		on := e.EffectiveOn
		if on == "" {
			on = e.RecordedAt.UTC().Format("2006-01-02")
		}
		if err := bk.PutObject(objProjectStates, pr.ID, append(hist, StateChange{To: p.To, On: on, Seq: e.Seq})); err != nil {
			return err
		}
		return bk.PutObject(objProject, pr.ID, pr)
	case TypeAllocationRecorded:
		var p allocationPayload
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			return err
		}
		if err := postAll(bk, p.Postings); err != nil {
			return err
		}
		if err := bk.CreateObject(objAllocation, e.Seq, "", Allocation{Seq: e.Seq, Fund: p.Fund, Project: p.Project,
			Amount: Fen(p.Amount), AllocatedOn: parseDateOrZero(p.AllocatedOn), DocNo: p.DocNo}); err != nil {
			return err
		}
		return bk.AddFlow(p.Fund, p.Project, FlowAllocated, Fen(p.Amount))
	case TypePaymentRecorded:
		var p paymentPayload
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			return err
		}
		return applyPayment(bk, e, p)
	case TypePaymentApproved, TypePaymentRejected, TypePaymentEffective, TypePaymentHeld:
		var p paymentStatusPayload
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			return err
		}
		pm, err := bk.Payment(p.Payment)
		if err != nil {
			return err
		}
		from := pm.Status
		pm.Status = p.To
		if err := bk.SetPaymentStatus(pm.ID, pm.Status); err != nil {
			return err
		}
		return movePayment(bk, pm, from, p.To, p.Postings)
	case TypeReversalRecorded:
		var p reversalPayload
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			return err
		}
		return applyReversal(bk, e, p)
	case TypeLoanGranted:
		var p loanPayload
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			return err
		}
		return bk.CreateObject(objLoan, e.Seq, p.ContractNo, Loan{ContractNo: p.ContractNo, Household: p.Household,
			Borrower: p.Borrower, Bank: p.Bank, Amount: Fen(p.Amount), TermMonths: p.TermMonths, RateBP: p.RateBP,
			Use: p.Use, GrantedOn: parseDateOrZero(p.GrantedOn), DueOn: parseDateOrZero(p.DueOn),
			Status: LoanActive, Seq: e.Seq, Imported: p.Imported})
	case TypeRepaymentRecorded:
		var p repaymentPayload
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			return err
		}
		id, err := objectID(bk, objLoan, p.ContractNo)
		if err != nil {
			return err
		}
		var ln Loan
		if err := bk.Object(objLoan, id, &ln); err != nil {
			return err
		}
		ln.Repaid += Fen(p.Amount)
		ln.Status = LoanActive
		if ln.Repaid >= ln.Amount {
			ln.Status = LoanRepaid
		}
		return bk.PutObject(objLoan, id, ln)
	case TypeFlagRaised, TypeFlagUpdated, TypeFlagReviewed:
		return applyFlag(bk, e)
	case TypeNoticeDrafted, TypeNoticePublished, TypeNoticeWithdrawn, TypeNoticeEnded:
		return applyNotice(bk, e)
	case TypeProjectContractRecorded, TypeProjectAssetRecorded, TypeVillageContactsSet:
		return applyStage(bk, e)
	case TypeComplaintFiled, TypeComplaintReplied, TypeComplaintResolved, TypeComplaintEscalated:
		return applyComplaint(bk, e)
	case TypeBankReturnRecorded:
		return applyBankReturn(bk, e)
	case TypeImportBatchCommitted:
		var p importPayload
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			return err
		}
		return bk.CreateObject(objBatch, e.Seq, "", p)
	}
	if KnownEntryType(e.Type) {
		return nil // a type without projections (person_board_printed, user_…)
	}
	// An entry of a type the service never writes: replaying it as if it
	// were nothing would hide it (Rebuild and verify --deep report this).
	return fmt.Errorf("apply: entry %d has the unknown type %q (ledger/entrytypes.go lists the types)", e.Seq, e.Type)
}

// applyPayment is apply for payment_recorded, given the payload already
// decoded (the writer has it typed; Rebuild parses it).
func applyPayment(bk Books, e Entry, p paymentPayload) error {
	pm := Payment{ID: e.Seq, Seq: e.Seq, VoucherNo: p.VoucherNo, Project: p.Project, Fund: p.Fund, Item: p.Item,
		Kind: p.Kind, Payee: PayeeRef{Kind: p.Payee.Kind, ID: p.Payee.ID}, Household: p.Household,
		AccountHolder: p.AccountHolder, AccountIndex: p.AccountIndex, Quantity: p.Quantity, Amount: Fen(p.Amount),
		PaidOn: parseDateOrZero(p.PaidOn), InvoiceNo: p.InvoiceNo, ContractNo: p.ContractNo,
		LoanContractNo: p.LoanContractNo, Status: p.Status, Maker: e.Actor, Imported: p.Imported, RecordedAt: e.RecordedAt,
		Recipient: p.Recipient}
	if p.Period != "" {
		pm.Period, _ = ParsePeriod(p.Period)
	}
	if err := bk.InsertPayment(pm); err != nil {
		return err
	}
	return movePayment(bk, pm, "", p.Status, p.Postings)
}

// Flow kinds besides the payee kinds.
const FlowAllocated = "allocated"

// Loan states.
const (
	LoanActive   = "active"
	LoanRepaid   = "repaid"
	LoanReversed = "reversed"
)

// movePayment moves the money projections of a payment from one state to
// another: a waiting payment reserves its amount in the holding; an
// effective one has posted it (postings given) and counts in the flows and
// the household's year; a rejected or reversed one neither.
func movePayment(bk Books, pm Payment, from, to string, postings []Posting) error {
	waiting := func(s string) bool { return s == StatusPendingApproval || s == StatusAwaitingPublicity }
	if waiting(from) && !waiting(to) {
		if err := bk.AddBalance(acctReserved(pm.Project, pm.Fund), -pm.Amount); err != nil {
			return err
		}
	}
	if !waiting(from) && waiting(to) {
		if err := bk.AddBalance(acctReserved(pm.Project, pm.Fund), pm.Amount); err != nil {
			return err
		}
	}
	sign := Fen(0)
	switch {
	case to == StatusEffective && from != StatusEffective:
		sign = 1
	case from == StatusEffective && to != StatusEffective:
		sign = -1
	}
	if sign == 0 {
		return nil
	}
	if err := postAll(bk, postings); err != nil {
		return err
	}
	if err := bk.AddFlow(pm.Fund, pm.Project, pm.Payee.Kind, sign*pm.Amount); err != nil {
		return err
	}
	if pm.Household != 0 {
		if err := bk.AddHouseholdYear(pm.Household, pm.PaidOn.Year, pm.Item, sign*pm.Amount, int(sign)); err != nil {
			return err
		}
	}
	return nil
}

// paymentPostings are the postings that make a payment effective.
func paymentPostings(pm Payment) []Posting {
	return []Posting{
		{Account: acctHolding(pm.Project, pm.Fund), Amount: -int64(pm.Amount)},
		{Account: acctPayee(pm.Payee), Amount: int64(pm.Amount)},
	}
}

func negate(ps []Posting) []Posting {
	out := make([]Posting, len(ps))
	for i, p := range ps {
		out[i] = Posting{Account: p.Account, Amount: -p.Amount}
	}
	return out
}

func applyReversal(bk Books, e Entry, p reversalPayload) error {
	if err := bk.CreateObject(objReversed, p.Entry, strconv.FormatInt(p.Entry, 10), p); err != nil {
		return err
	}
	switch p.Type {
	case TypePaymentRecorded:
		pm, err := bk.Payment(p.Entry)
		if err != nil {
			return err
		}
		from := pm.Status
		pm.Status = StatusReversed
		if err := bk.SetPaymentStatus(pm.ID, pm.Status); err != nil {
			return err
		}
		return movePayment(bk, pm, from, StatusReversed, p.Postings)
	case TypeAllocationRecorded:
		if err := postAll(bk, p.Postings); err != nil {
			return err
		}
		var a allocationPayload
		if err := reversedPayload(p, &a); err != nil {
			return err
		}
		return bk.AddFlow(a.Fund, a.Project, FlowAllocated, -Fen(a.Amount))
	case TypeFundRecorded:
		var f Fund
		if err := bk.Object(objFund, p.Entry, &f); err != nil {
			return err
		}
		f.Reversed = true
		if err := bk.PutObject(objFund, f.ID, f); err != nil {
			return err
		}
		return postAll(bk, p.Postings)
	case TypeLoanGranted:
		var ln Loan
		if err := bk.Object(objLoan, p.Entry, &ln); err != nil {
			return err
		}
		ln.Status = LoanReversed
		return bk.PutObject(objLoan, ln.Seq, ln)
	case TypeRepaymentRecorded:
		var r repaymentPayload
		if err := reversedPayload(p, &r); err != nil {
			return err
		}
		id, err := objectID(bk, objLoan, r.ContractNo)
		if err != nil {
			return err
		}
		var ln Loan
		if err := bk.Object(objLoan, id, &ln); err != nil {
			return err
		}
		ln.Repaid -= Fen(r.Amount)
		if ln.Status == LoanRepaid && ln.Repaid < ln.Amount {
			ln.Status = LoanActive
		}
		return bk.PutObject(objLoan, id, ln)
	}
	return fmt.Errorf("reversal of %s entries is not supported", p.Type)
}

// reversedPayload is filled in by the reversal's Original field.
func reversedPayload(p reversalPayload, out any) error {
	if len(p.Original) == 0 {
		return fmt.Errorf("reversal of entry %d carries no original payload", p.Entry)
	}
	return json.Unmarshal(p.Original, out)
}

func applyRegister(bk Books, p registerPayload) error {
	var per Person
	if err := bk.Object(objPerson, p.Person, &per); err != nil {
		return err
	}
	on := parseDateOrZero(p.On)
	switch p.Kind {
	case "死亡":
		per.DeceasedOn = on
	case "财政供养":
		per.PublicEmployee = true
	case "村干部":
		per.VillageCadre = true
	case "干部亲属":
		per.CadreRelativeOf = p.Related
	case "在校生":
		per.Student = true
	case "残疾":
		per.Disabled = true
	case "脱贫", "纳入监测", "风险消除":
		var h Household
		if err := bk.Object(objHousehold, per.Household, &h); err != nil {
			return err
		}
		switch p.Kind {
		case "脱贫":
			h.Kind, h.ExitedOn = KindLifted, on
		case "纳入监测":
			h.Kind, h.EnrolledOn = KindMonitored, on
		case "风险消除":
			h.RiskClearedOn = on
		}
		return bk.PutObject(objHousehold, h.ID, h)
	default:
		return fmt.Errorf("unknown register kind %q", p.Kind)
	}
	return bk.PutObject(objPerson, per.ID, per)
}

// objectID returns the id of the object of a kind with a key.
func objectID(bk Books, kind, key string) (int64, error) {
	var raw json.RawMessage
	return bk.ObjectByKey(kind, key, &raw)
}

func villageByCode(bk Books, code string) (int64, Village, error) {
	var v Village
	id, err := bk.ObjectByKey(objVillage, code, &v)
	return id, v, err
}
