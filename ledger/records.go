package ledger

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// RuleWarning is a business rule that a record breaks: an instruction is
// refused for it; an imported record of fact is written anyway, and the
// dry run reports it (the scan will flag it).
type RuleWarning struct {
	Row     int    `json:"row"`
	Rule    string `json:"rule"` // the code of the rule catalogue (DOMAIN.md §7)
	Message string `json:"message"`
	Code    Code   `json:"-"` // the refusal's code when it is an instruction
}

// check collects the business-rule problems of one record.
type check struct {
	row   int
	warns []RuleWarning
}

func (c *check) add(rule string, code Code, format string, args ...any) {
	c.warns = append(c.warns, RuleWarning{Row: c.row, Rule: rule, Code: code, Message: fmt.Sprintf(format, args...)})
}

// refusal returns the first problem as the error that refuses an
// instruction, or nil.
func (c *check) refusal() error {
	if len(c.warns) == 0 {
		return nil
	}
	return &Error{Code: c.warns[0].Code, Detail: c.warns[0].Message}
}

// ---- funds ----

func (w *txn) fund(docNo string) (Fund, error) {
	var f Fund
	_, err := w.bk.ObjectByKey(objFund, strings.TrimSpace(docNo), &f)
	return f, err
}

func (w *txn) recordFund(actor string, r FundRow, imported bool) (Fund, *check, error) {
	c := &check{row: r.Row}
	if err := required("doc_no", "指标文号", r.DocNo); err != nil {
		return Fund{}, c, err
	}
	if err := required("name", "资金名称", r.Name); err != nil {
		return Fund{}, c, err
	}
	if err := r.Amount.CheckPositive(); err != nil {
		return Fund{}, c, err
	}
	level, err := w.sourceLevel(r.SourceLevel)
	if err != nil {
		return Fund{}, c, err
	}
	if !slices.Contains(Purposes, r.Purpose) {
		return Fund{}, c, invalid("purpose", "用途类别必须是%s之一", strings.Join(Purposes, "、"))
	}
	if r.ArrivedOn.IsZero() {
		return Fund{}, c, invalid("arrived_on", "到账日期不能为空")
	}
	if r.Year == 0 {
		r.Year = r.ArrivedOn.Year
	}
	if r.Year < 2000 || r.Year > 2100 {
		return Fund{}, c, invalid("year", "年度 %d 不正确", r.Year)
	}
	if _, err := w.fund(r.DocNo); err == nil {
		return Fund{}, c, &Error{Code: CodeConflict, Detail: fmt.Sprintf("指标文号「%s」已登记", r.DocNo),
			Fields: []FieldError{{Row: r.Row, Field: "doc_no", Message: "指标文号已登记"}}}
	} else if !IsNotFound(err) {
		return Fund{}, c, err
	}
	id := w.b.NextSeq()
	p := fundPayload{DocNo: strings.TrimSpace(r.DocNo), Name: strings.TrimSpace(r.Name), SourceLevel: level, Nature: r.Nature,
		FunctionCode: r.FunctionCode, Purpose: r.Purpose, Year: r.Year, Amount: int64(r.Amount), ArrivedOn: r.ArrivedOn.String(),
		Imported: imported, Postings: []Posting{{Account: acctSource(level), Amount: -int64(r.Amount)}, {Account: acctFund(id), Amount: int64(r.Amount)}}}
	if _, err := w.emit(TypeFundRecorded, actor, r.ArrivedOn, p); err != nil {
		return Fund{}, c, err
	}
	f, err := w.fundByID(id)
	return f, c, err
}

func (w *txn) fundByID(id int64) (Fund, error) {
	var f Fund
	err := w.bk.Object(objFund, id, &f)
	return f, err
}

// RecordFund records money received.
func (s *Service) RecordFund(ctx context.Context, lg Log, actor string, r FundRow, idem *Idem) (Fund, error) {
	return write(ctx, s, lg, idem, func(w *txn) (Fund, error) {
		f, _, err := w.recordFund(actor, r, false)
		return f, err
	})
}

// ---- projects ----

func (w *txn) project(code string) (Project, error) {
	var p Project
	_, err := w.bk.ObjectByKey(objProject, strings.TrimSpace(code), &p)
	return p, err
}

// libraryStates are the states of a project inside the library.
var libraryStates = []string{ProjLibrary, ProjPlanned, ProjInProgress, ProjAccepted, ProjCompleted, ProjAdjusting}

func (w *txn) registerProject(actor string, r ProjectRow, imported bool) (Project, *check, error) {
	c := &check{row: r.Row}
	for _, f := range []struct{ field, label, v string }{{"code", "项目编号", r.Code}, {"name", "项目名称", r.Name}} {
		if err := required(f.field, f.label, f.v); err != nil {
			return Project{}, c, err
		}
	}
	if !slices.Contains(Purposes, r.Category) {
		return Project{}, c, invalid("category", "项目类别必须是%s之一", strings.Join(Purposes, "、"))
	}
	if r.Nature != "" && !slices.Contains([]string{"新建", "续建", "改扩建"}, r.Nature) {
		return Project{}, c, invalid("nature", "建设性质必须是新建、续建或改扩建")
	}
	if r.Budget < 0 {
		return Project{}, c, invalid("budget", "预算不能为负数")
	}
	status := r.Status
	if status == "" {
		status = ProjDeclared
	}
	if !imported && status != ProjDeclared {
		return Project{}, c, invalid("status", "新项目从「申报」开始，之后按流程转入其他状态")
	}
	if !slices.Contains(ProjectStates, status) {
		return Project{}, c, invalid("status", "项目状态必须是%s之一", strings.Join(ProjectStates, "、"))
	}
	if slices.Contains(libraryStates, status) {
		if strings.TrimSpace(r.Targets) == "" || strings.TrimSpace(r.Mechanism) == "" {
			return Project{}, c, invalid("targets", "项目入库须填写绩效目标和带贫减贫机制")
		}
	}
	if slices.Contains([]string{ProjInProgress, ProjAccepted, ProjCompleted}, status) && (r.ApprovalDocNo == "" || r.ApprovedOn.IsZero()) {
		return Project{}, c, invalid("approval_doc_no", "项目处于「%s」状态，须填写批复文号和批复日期", status)
	}
	if (status == ProjAccepted || status == ProjCompleted) && (r.AcceptedOn.IsZero() || strings.TrimSpace(r.AcceptanceResult) == "") {
		return Project{}, c, invalid("accepted_on", "项目处于「%s」状态，须填写验收日期和验收结论", status)
	}
	village := ""
	if strings.TrimSpace(r.Village) != "" {
		v, err := w.resolveVillage(r.Village)
		if err != nil {
			return Project{}, c, invalid("village", "未找到村「%s」", r.Village)
		}
		village = v.Code
	}
	if _, err := w.project(r.Code); err == nil {
		return Project{}, c, &Error{Code: CodeConflict, Detail: fmt.Sprintf("项目编号「%s」已存在", r.Code)}
	} else if !IsNotFound(err) {
		return Project{}, c, err
	}
	p := projectPayload{Code: strings.TrimSpace(r.Code), Name: strings.TrimSpace(r.Name), Category: r.Category, Nature: r.Nature,
		Village: village, Location: r.Location, Task: r.Task, StartOn: dateStr(r.StartOn), EndOn: dateStr(r.EndOn),
		ResponsibleUnit: r.ResponsibleUnit, ResponsiblePerson: r.ResponsiblePerson, Implementer: r.Implementer,
		Budget: int64(r.Budget), BudgetBySource: []budgetPayload{}, Beneficiaries: r.Beneficiaries,
		PoorBeneficiaries: r.PoorBeneficiaries, Targets: r.Targets, Participation: r.Participation, Mechanism: r.Mechanism,
		Status: status, ApprovalDocNo: r.ApprovalDocNo, ApprovedOn: dateStr(r.ApprovedOn), Imported: imported,
		SubsidyStandard: strings.TrimSpace(r.SubsidyStandard), Financing: strings.TrimSpace(r.Financing)}
	if status == ProjAccepted || status == ProjCompleted {
		p.AcceptedOn, p.AcceptanceResult = dateStr(r.AcceptedOn), strings.TrimSpace(r.AcceptanceResult)
	}
	for _, b := range r.BudgetBySource {
		level, err := w.sourceLevel(b.SourceLevel)
		if err != nil {
			return Project{}, c, err
		}
		p.BudgetBySource = append(p.BudgetBySource, budgetPayload{SourceLevel: level, DocNo: b.DocNo, Amount: int64(b.Amount)})
	}
	eff := r.ApprovedOn
	if eff.IsZero() {
		eff = r.StartOn
	}
	e, err := w.emit(TypeProjectRegistered, actor, eff, p)
	if err != nil {
		return Project{}, c, err
	}
	var pr Project
	err = w.bk.Object(objProject, e.Seq, &pr)
	return pr, c, err
}

// RegisterProject adds a project to the library in state 申报.
func (s *Service) RegisterProject(ctx context.Context, lg Log, actor string, r ProjectRow, idem *Idem) (Project, error) {
	return write(ctx, s, lg, idem, func(w *txn) (Project, error) {
		p, _, err := w.registerProject(actor, r, false)
		return p, err
	})
}

// Transition asks to move a project to another state.
type Transition struct {
	To               string
	Note             string
	ApprovalDocNo    string
	ApprovedOn       Date
	AcceptedOn       Date
	AcceptanceResult string
	AcceptanceGroup  string // 验收组 (optional; the 验收 notices print it)
	FinalAmount      Fen    // 决算金额 (optional, on the way to 完工)
	On               Date   // business date; default today
}

// transitions is DOMAIN.md §5's table: from → allowed targets (调整 returns
// to the state it came from; 出库 and 终止 are handled below).
var transitions = map[string][]string{
	ProjDeclared:   {ProjReviewed},
	ProjReviewed:   {ProjPublicized},
	ProjPublicized: {ProjLibrary},
	ProjLibrary:    {ProjPlanned},
	ProjPlanned:    {ProjInProgress, ProjAdjusting},
	ProjInProgress: {ProjAccepted, ProjAdjusting},
	ProjAccepted:   {ProjCompleted},
}

func transitionAllowed(p Project, to string) bool {
	switch to {
	case ProjRemoved:
		return slices.Contains([]string{ProjDeclared, ProjReviewed, ProjPublicized, ProjLibrary, ProjPlanned}, p.Status)
	case ProjTerminated:
		return !slices.Contains([]string{ProjCompleted, ProjRemoved, ProjTerminated}, p.Status)
	}
	if p.Status == ProjAdjusting {
		return to == p.AdjustedFrom
	}
	return slices.Contains(transitions[p.Status], to)
}

// TransitionProject moves a project through the library's lifecycle; each
// transition is an entry with actor and note.
func (s *Service) TransitionProject(ctx context.Context, lg Log, actor, code string, t Transition, idem *Idem) (Project, error) {
	return write(ctx, s, lg, idem, func(w *txn) (Project, error) {
		return w.transitionProject(actor, code, t)
	})
}

func (w *txn) transitionProject(actor, code string, t Transition) (Project, error) {
	p, err := w.project(code)
	if IsNotFound(err) {
		return Project{}, Errorf(CodeNotFound, "未找到项目「%s」", code)
	} else if err != nil {
		return Project{}, err
	}
	if !slices.Contains(ProjectStates, t.To) {
		return Project{}, invalid("to", "项目状态必须是%s之一", strings.Join(ProjectStates, "、"))
	}
	if !transitionAllowed(p, t.To) {
		return Project{}, &Error{Code: CodeProjectState, Detail: fmt.Sprintf("项目「%s」当前为「%s」，不能转为「%s」", p.Code, p.Status, t.To)}
	}
	pl := transitionPayload{Project: p.ID, From: p.Status, To: t.To, Note: strings.TrimSpace(t.Note)}
	switch t.To {
	case ProjLibrary:
		if strings.TrimSpace(p.Targets) == "" || strings.TrimSpace(p.Mechanism) == "" {
			return Project{}, invalid("targets", "项目缺少绩效目标或带贫减贫机制，不能入库")
		}
	case ProjInProgress:
		if p.Status == ProjPlanned {
			if t.ApprovalDocNo == "" || t.ApprovedOn.IsZero() {
				return Project{}, invalid("approval_doc_no", "转入实施须填写批复文号和批复日期")
			}
			pl.ApprovalDocNo, pl.ApprovedOn = strings.TrimSpace(t.ApprovalDocNo), t.ApprovedOn.String()
		}
	case ProjAccepted:
		if t.AcceptedOn.IsZero() || strings.TrimSpace(t.AcceptanceResult) == "" {
			e := invalid("accepted_on", "验收须填写验收日期和验收结论")
			if !t.AcceptedOn.IsZero() {
				e = invalid("acceptance_result", "验收须填写验收结论")
			} else if strings.TrimSpace(t.AcceptanceResult) != "" {
				e = invalid("accepted_on", "验收须填写验收日期")
			}
			return Project{}, e
		}
		if today, err := ParseDate(w.b.Today()); err == nil && t.AcceptedOn.After(today) {
			return Project{}, invalid("accepted_on", "验收日期不能晚于今天")
		}
		pl.AcceptedOn, pl.AcceptanceResult = t.AcceptedOn.String(), strings.TrimSpace(t.AcceptanceResult)
		pl.AcceptanceGroup = strings.TrimSpace(t.AcceptanceGroup)
	case ProjCompleted:
		if t.FinalAmount < 0 {
			return Project{}, invalid("final_amount", "决算金额不能为负数")
		}
		pl.FinalAmount = int64(t.FinalAmount)
	case ProjAdjusting:
		if t.ApprovalDocNo == "" || t.ApprovedOn.IsZero() {
			return Project{}, invalid("approval_doc_no", "项目调整须重新批复：请填写批复文号和批复日期")
		}
		pl.ApprovalDocNo, pl.ApprovedOn = strings.TrimSpace(t.ApprovalDocNo), t.ApprovedOn.String()
	case ProjRemoved, ProjTerminated:
		if pl.Note == "" {
			return Project{}, invalid("note", "出库或终止须说明原因")
		}
	}
	on := t.On
	switch {
	case on.IsZero() && !t.ApprovedOn.IsZero():
		on = t.ApprovedOn
	case on.IsZero() && !t.AcceptedOn.IsZero():
		on = t.AcceptedOn
	}
	if _, err := w.emit(TypeProjectTransitioned, actor, on, pl); err != nil {
		return Project{}, err
	}
	return w.project(code)
}

// ---- allocations ----

// allocatable are the project states that may receive allocations.
var allocatable = []string{ProjLibrary, ProjPlanned, ProjInProgress, ProjAccepted, ProjAdjusting}

func (w *txn) recordAllocation(actor string, r AllocationRow, imported bool) (Flow, *check, error) {
	c := &check{row: r.Row}
	if err := r.Amount.CheckPositive(); err != nil {
		return Flow{}, c, err
	}
	f, err := w.fund(r.DocNo)
	if IsNotFound(err) {
		return Flow{}, c, unknownRef("doc_no", "未找到指标文号「%s」对应的资金", r.DocNo)
	} else if err != nil {
		return Flow{}, c, err
	}
	p, err := w.project(r.ProjectCode)
	if IsNotFound(err) {
		return Flow{}, c, unknownRef("project_code", "未找到项目「%s」", r.ProjectCode)
	} else if err != nil {
		return Flow{}, c, err
	}
	if r.AllocatedOn.IsZero() {
		return Flow{}, c, invalid("allocated_on", "拨付日期不能为空")
	}
	if f.Reversed {
		c.add("E3", CodeFundOverdrawn, "资金「%s」已冲正", f.DocNo)
	}
	bal, err := w.bk.Balance(acctFund(f.ID))
	if err != nil {
		return Flow{}, c, err
	}
	if r.Amount > bal {
		c.add("E3", CodeFundOverdrawn, "资金「%s」可拨付余额 %s 元，不足拨付 %s 元", f.DocNo, bal, r.Amount)
	}
	if !slices.Contains(allocatable, p.Status) {
		c.add("E2", CodeProjectState, "项目「%s」处于「%s」状态，不能拨付资金", p.Code, p.Status)
	}
	if !imported {
		if err := c.refusal(); err != nil {
			return Flow{}, c, err
		}
	}
	pl := allocationPayload{Fund: f.ID, Project: p.ID, Amount: int64(r.Amount), AllocatedOn: r.AllocatedOn.String(),
		DocNo: strings.TrimSpace(r.AllocationDocNo), Imported: imported,
		Postings: []Posting{{Account: acctFund(f.ID), Amount: -int64(r.Amount)}, {Account: acctHolding(p.ID, f.ID), Amount: int64(r.Amount)}}}
	if _, err := w.emit(TypeAllocationRecorded, actor, r.AllocatedOn, pl); err != nil {
		return Flow{}, c, err
	}
	return Flow{Fund: f.ID, Project: p.ID, Kind: FlowAllocated, Amount: r.Amount}, c, nil
}

// RecordAllocation allocates money of a fund to a project (拨付).
func (s *Service) RecordAllocation(ctx context.Context, lg Log, actor string, r AllocationRow, idem *Idem) (AllocationResult, error) {
	return write(ctx, s, lg, idem, func(w *txn) (AllocationResult, error) {
		fl, _, err := w.recordAllocation(actor, r, false)
		return AllocationResult{Seq: w.b.NextSeq() - 1, Fund: fl.Fund, Project: fl.Project, Amount: fl.Amount}, err
	})
}

// AllocationResult is what an allocation returns.
type AllocationResult struct {
	Seq     int64
	Fund    int64
	Project int64
	Amount  Fen
}

// ---- payments ----

func (w *txn) item(code string) (Item, error) {
	var it Item
	_, err := w.bk.ObjectByKey(objItem, strings.TrimSpace(code), &it)
	return it, err
}

// payableStates: progress payments and subsidies in 实施; 尾款/质保金 also
// in 验收 and 完工 (DOMAIN.md §4).
func payableStates(kind string) []string { return PayableStates(kind) }

// PayableStates returns the project states a payment of a kind may be made
// in: progress payments and subsidies in 实施; 尾款/质保金 also in 验收 and 完工.
func PayableStates(kind string) []string {
	if kind == PayFinal || kind == PayRetention {
		return []string{ProjInProgress, ProjAccepted, ProjCompleted}
	}
	return []string{ProjInProgress}
}

func (w *txn) recordPayment(actor string, r PaymentRow, imported bool) (Payment, *check, error) {
	c := &check{row: r.Row}
	if err := r.Amount.CheckPositive(); err != nil {
		return Payment{}, c, err
	}
	if !slices.Contains(PaymentKinds, r.Kind) {
		return Payment{}, c, invalid("payment_kind", "付款类型必须是%s之一", strings.Join(PaymentKinds, "、"))
	}
	if r.PaidOn.IsZero() {
		return Payment{}, c, invalid("paid_on", "支付日期不能为空")
	}
	if r.Quantity == 0 {
		r.Quantity = 1
	}
	if r.Quantity < 0 {
		return Payment{}, c, invalid("quantity", "数量不能为负数")
	}
	p, err := w.project(r.ProjectCode)
	if IsNotFound(err) {
		return Payment{}, c, unknownRef("project_code", "未找到项目「%s」", r.ProjectCode)
	} else if err != nil {
		return Payment{}, c, err
	}
	f, err := w.fund(r.DocNo)
	if IsNotFound(err) {
		return Payment{}, c, unknownRef("doc_no", "未找到指标文号「%s」对应的资金", r.DocNo)
	} else if err != nil {
		return Payment{}, c, err
	}
	var it Item
	hasItem := strings.TrimSpace(r.ItemCode) != ""
	if hasItem {
		if it, err = w.item(r.ItemCode); IsNotFound(err) {
			return Payment{}, c, unknownRef("item_code", "未找到补贴项目代码「%s」", r.ItemCode)
		} else if err != nil {
			return Payment{}, c, err
		}
	}
	pm := Payment{VoucherNo: strings.TrimSpace(r.VoucherNo), Project: p.ID, Fund: f.ID, Item: it.Code, Kind: r.Kind,
		Quantity: r.Quantity, Amount: r.Amount, Period: r.Period, PaidOn: r.PaidOn, InvoiceNo: strings.TrimSpace(r.InvoiceNo),
		ContractNo: strings.TrimSpace(r.ContractNo), LoanContractNo: strings.TrimSpace(r.LoanContractNo), Imported: imported}
	// The payee: a registered person, or an organisation (registered from
	// the row when its 统一社会信用代码 is valid and new).
	switch {
	case strings.TrimSpace(r.PayeeIDNumber) != "":
		id, err := ParseIDNumber(r.PayeeIDNumber)
		if err != nil {
			return Payment{}, c, withField(err, "payee_id_number")
		}
		per, err := w.personByID(id)
		if IsNotFound(err) {
			return Payment{}, c, unknownRef("payee_id_number", "收款人未在花名册中登记")
		} else if err != nil {
			return Payment{}, c, err
		}
		pm.Household = per.Household
		pm.Payee = PayeeRef{Kind: PayeePerson, ID: per.ID}
		if hasItem && it.Unit == "household" {
			pm.Payee = PayeeRef{Kind: PayeeHousehold, ID: per.Household}
			pm.Recipient = per.ID
		}
		pm.AccountHolder = per.ID
	case strings.TrimSpace(r.PayeeUSCC) != "":
		o, err := w.organisation(actor, Organisation{Name: r.PayeeOrgName, USCC: r.PayeeUSCC})
		if err != nil {
			return Payment{}, c, withField(err, "payee_uscc")
		}
		pm.Payee = PayeeRef{Kind: PayeeOrg, ID: o.ID}
	default:
		return Payment{}, c, invalid("payee_id_number", "须填写收款人身份证号，或收款单位和统一社会信用代码")
	}
	if strings.TrimSpace(r.AccountHolderIDNumber) != "" {
		id, err := ParseIDNumber(r.AccountHolderIDNumber)
		if err != nil {
			return Payment{}, c, withField(err, "account_holder_id_number")
		}
		holder, err := w.personByID(id)
		if IsNotFound(err) {
			return Payment{}, c, unknownRef("account_holder_id_number", "账户户名身份证号未在花名册中登记")
		} else if err != nil {
			return Payment{}, c, err
		}
		pm.AccountHolder = holder.ID
	}
	if acct := NormalizeAccount(r.AccountNo); acct != "" {
		pm.AccountIndex = w.s.Vault.Index(IndexAccount, acct)
	}
	if pm.Payee.Kind == PayeeOrg {
		pm.AccountHolder = 0
	}
	// Business rules: an instruction breaking one is refused; a record of
	// fact is written and flagged later.
	if !slices.Contains(payableStates(r.Kind), p.Status) {
		c.add("E2", CodeProjectState, "项目「%s」处于「%s」状态，不能支付%s", p.Code, p.Status, r.Kind)
	}
	bal, err := w.bk.Balance(acctHolding(p.ID, f.ID))
	if err != nil {
		return Payment{}, c, err
	}
	reserved, err := w.bk.Balance(acctReserved(p.ID, f.ID))
	if err != nil {
		return Payment{}, c, err
	}
	if r.Amount > bal-reserved {
		c.add("E3", CodeAllocationOverdrawn, "项目「%s」可用的「%s」资金余额为 %s 元，不足支付 %s 元", p.Code, f.DocNo, bal-reserved, r.Amount)
	}
	if hasItem {
		if r.Period.Year == 0 {
			return Payment{}, c, invalid("period", "发放补贴须填写所属期间")
		}
		dup, err := w.bk.ActivePayment(it.Code, pm.Payee, r.Period.String())
		if err == nil {
			c.add("B1", CodeDuplicatePayment, "该%s已在 %s 领取过「%s」（凭证号 %s，序号 %d）", unitWord(it.Unit), r.Period, it.Name, dup.VoucherNo, dup.Seq)
		} else if !IsNotFound(err) {
			return Payment{}, c, err
		}
	}
	if !imported {
		if err := c.refusal(); err != nil {
			return Payment{}, c, err
		}
	}
	pm.Status = StatusEffective
	switch {
	case imported:
	case w.s.ApprovalThreshold > 0 && r.Amount >= w.s.ApprovalThreshold:
		pm.Status = StatusPendingApproval
	case hasItem && it.ListNoticeRequired:
		pm.Status = StatusAwaitingPublicity
	}
	pl := paymentPayload{VoucherNo: pm.VoucherNo, Project: p.ID, Fund: f.ID, Item: pm.Item, Kind: pm.Kind,
		Payee: payeePayload{Kind: pm.Payee.Kind, ID: pm.Payee.ID}, Household: pm.Household, AccountHolder: pm.AccountHolder,
		AccountIndex: pm.AccountIndex, Quantity: pm.Quantity, Amount: int64(pm.Amount), PaidOn: pm.PaidOn.String(),
		InvoiceNo: pm.InvoiceNo, ContractNo: pm.ContractNo, LoanContractNo: pm.LoanContractNo, Status: pm.Status,
		Imported: imported, Postings: []Posting{}, Recipient: pm.Recipient}
	if pm.Period.Year != 0 {
		pl.Period = pm.Period.String()
	}
	if pm.Status == StatusEffective {
		pl.Postings = paymentPostings(pm)
	}
	e, err := w.emit(TypePaymentRecorded, actor, r.PaidOn, pl)
	if err != nil {
		return Payment{}, c, err
	}
	pm.ID, pm.Seq, pm.LastSeq, pm.Maker, pm.RecordedAt = e.Seq, e.Seq, e.Seq, actor, e.RecordedAt
	return pm, c, nil
}

func unitWord(unit string) string {
	if unit == "household" {
		return "户"
	}
	return "人"
}

func withField(err error, field string) error {
	var e *Error
	if asError(err, &e) && len(e.Fields) == 0 {
		return &Error{Code: e.Code, Detail: e.Detail, Fields: []FieldError{{Field: field, Message: e.Detail, Code: e.Code}}}
	}
	return err
}

// RecordPayment records a payment instruction. At or above the approval
// threshold it waits for an approver; an item needing a 补助对象公示 waits
// for the list's period; otherwise it is effective at once.
func (s *Service) RecordPayment(ctx context.Context, lg Log, actor string, r PaymentRow, idem *Idem) (Payment, error) {
	return write(ctx, s, lg, idem, func(w *txn) (Payment, error) {
		p, _, err := w.recordPayment(actor, r, false)
		return p, err
	})
}

// DecidePayment records an approver's decision on a pending payment (a
// different user than its maker): approve moves it on (to the publicity
// wait when its item needs a list, else effective); reject ends it.
func (s *Service) DecidePayment(ctx context.Context, lg Log, approver string, id int64, approve bool, note string, idem *Idem) (Payment, error) {
	return write(ctx, s, lg, idem, func(w *txn) (Payment, error) {
		pm, err := w.bk.Payment(id)
		if IsNotFound(err) {
			return Payment{}, Errorf(CodeNotFound, "未找到该笔支付")
		} else if err != nil {
			return Payment{}, err
		}
		if pm.Status != StatusPendingApproval {
			return Payment{}, &Error{Code: CodeConflict, Detail: "该笔支付不在待审核状态"}
		}
		if pm.Maker == approver {
			return Payment{}, &Error{Code: CodeSelfApproval, Detail: "经办人不能审核自己录入的支付"}
		}
		to, typ := StatusRejected, TypePaymentRejected
		if approve {
			to, typ = StatusEffective, TypePaymentApproved
			if pm.Item != "" {
				if it, err := w.item(pm.Item); err == nil && it.ListNoticeRequired {
					to = StatusAwaitingPublicity
				}
			}
		}
		pl := paymentStatusPayload{Payment: pm.ID, From: pm.Status, To: to, Note: strings.TrimSpace(note), Postings: []Posting{}}
		if to == StatusEffective {
			pl.Postings = paymentPostings(pm)
		}
		e, err := w.emit(typ, approver, Date{}, pl)
		if err != nil {
			return Payment{}, err
		}
		pm, err = w.bk.Payment(id)
		pm.LastSeq = e.Seq
		return pm, err
	})
}

// MakeEffective makes payments waiting for publicity effective (the
// publicity job, when a list's period ended with no open objection).
func (s *Service) MakeEffective(ctx context.Context, lg Log, actor string, ids []int64, note string) ([]Payment, error) {
	return write(ctx, s, lg, nil, func(w *txn) ([]Payment, error) {
		var out []Payment
		for _, id := range ids {
			pm, err := w.bk.Payment(id)
			if err != nil {
				return nil, err
			}
			if pm.Status != StatusAwaitingPublicity {
				continue
			}
			pl := paymentStatusPayload{Payment: id, From: pm.Status, To: StatusEffective, Note: note, Postings: paymentPostings(pm)}
			if _, err := w.emit(TypePaymentEffective, actor, Date{}, pl); err != nil {
				return nil, err
			}
			pm, _ = w.bk.Payment(id)
			out = append(out, pm)
		}
		return out, nil
	})
}

// ---- reversal ----

// Reverse records a correction (冲正) of an entry with a reason: its money
// moves back and its record is marked reversed. It returns the reversal's
// seq. Only money and loan entries can be reversed; an entry can be
// reversed once (already_reversed).
func (s *Service) Reverse(ctx context.Context, lg Log, actor string, seq int64, reason string, idem *Idem) (int64, error) {
	return write(ctx, s, lg, idem, func(w *txn) (int64, error) {
		if strings.TrimSpace(reason) == "" {
			return 0, invalid("reason", "冲正须说明原因")
		}
		se, err := w.s.L.Store().Entry(w.b.Context(), w.b.Log().ID, seq)
		if IsNotFound(err) {
			return 0, Errorf(CodeNotFound, "未找到序号为 %d 的条目", seq)
		} else if err != nil {
			return 0, err
		}
		e, err := ParseEntry(se.Body)
		if err != nil {
			return 0, err
		}
		var raw struct{ Reversed bool }
		if err := w.bk.Object(objReversed, seq, &raw); err == nil {
			return 0, &Error{Code: CodeAlreadyReversed, Detail: fmt.Sprintf("序号 %d 的条目已冲正", seq)}
		} else if !IsNotFound(err) {
			return 0, err
		}
		pl := reversalPayload{Entry: seq, Type: e.Type, Reason: strings.TrimSpace(reason), Original: e.Payload, Postings: []Posting{}}
		switch e.Type {
		case TypePaymentRecorded:
			pm, err := w.bk.Payment(seq)
			if err != nil {
				return 0, err
			}
			if pm.Status == StatusRejected {
				return 0, &Error{Code: CodeConflict, Detail: "已驳回的支付无需冲正"}
			}
			if pm.Status == StatusEffective {
				pl.Postings = negate(paymentPostings(pm))
			}
		case TypeAllocationRecorded:
			var a allocationPayload
			if err := jsonUnmarshal(e.Payload, &a); err != nil {
				return 0, err
			}
			bal, err := w.bk.Balance(acctHolding(a.Project, a.Fund))
			if err != nil {
				return 0, err
			}
			reserved, _ := w.bk.Balance(acctReserved(a.Project, a.Fund))
			if bal-reserved < Fen(a.Amount) {
				return 0, &Error{Code: CodeAllocationOverdrawn, Detail: "该笔拨付的资金已被支付，须先冲正相关支付"}
			}
			pl.Postings = negate(a.Postings)
		case TypeFundRecorded:
			var f fundPayload
			if err := jsonUnmarshal(e.Payload, &f); err != nil {
				return 0, err
			}
			bal, err := w.bk.Balance(acctFund(seq))
			if err != nil {
				return 0, err
			}
			if bal < Fen(f.Amount) {
				return 0, &Error{Code: CodeFundOverdrawn, Detail: "该笔资金已拨付，须先冲正相关拨付"}
			}
			pl.Postings = negate(f.Postings)
		case TypeLoanGranted, TypeRepaymentRecorded:
		default:
			return 0, invalid("seq", "「%s」类条目不能冲正", e.Type)
		}
		re, err := w.emit(TypeReversalRecorded, actor, Date{}, pl)
		return re.Seq, err
	})
}

func jsonUnmarshal(b []byte, v any) error { return jsonUnmarshalStrict(b, v) }

// ---- loans ----

func (w *txn) loan(contract string) (Loan, error) {
	var l Loan
	_, err := w.bk.ObjectByKey(objLoan, strings.TrimSpace(contract), &l)
	return l, err
}

func (w *txn) grantLoan(actor string, r LoanRow, imported bool) (Loan, *check, error) {
	c := &check{row: r.Row}
	if err := required("loan_contract_no", "贷款合同号", r.ContractNo); err != nil {
		return Loan{}, c, err
	}
	if err := r.Amount.CheckPositive(); err != nil {
		return Loan{}, c, err
	}
	if r.GrantedOn.IsZero() {
		return Loan{}, c, invalid("granted_on", "发放日期不能为空")
	}
	if r.TermMonths <= 0 {
		return Loan{}, c, invalid("term_months", "期限（月）须为正整数")
	}
	if r.RateBP < 0 {
		return Loan{}, c, invalid("annual_rate", "年利率不能为负数")
	}
	id, err := ParseIDNumber(r.BorrowerIDNumber)
	if err != nil {
		return Loan{}, c, withField(err, "borrower_id_number")
	}
	per, err := w.personByID(id)
	if IsNotFound(err) {
		return Loan{}, c, unknownRef("borrower_id_number", "借款人未在花名册中登记")
	} else if err != nil {
		return Loan{}, c, err
	}
	if _, err := w.loan(r.ContractNo); err == nil {
		return Loan{}, c, &Error{Code: CodeConflict, Detail: fmt.Sprintf("贷款合同号「%s」已登记", r.ContractNo)}
	} else if !IsNotFound(err) {
		return Loan{}, c, err
	}
	due := r.DueOn
	if due.IsZero() {
		due = addMonths(r.GrantedOn, r.TermMonths)
	}
	if r.Amount > LoanMaxAmount {
		c.add("G2", CodeLoanOverLimit, "小额信贷金额不能超过 5 万元（本笔 %s 元）", r.Amount)
	}
	if r.TermMonths > LoanMaxTermMonths {
		c.add("G2", CodeLoanOverLimit, "小额信贷期限不能超过 36 个月（本笔 %d 个月）", r.TermMonths)
	}
	if age := AgeOn(id, r.GrantedOn.Time(w.s.L.Location())); age < LoanMinAge || age > LoanMaxAge {
		c.add("G3", CodeLoanOverLimit, "借款人放贷时 %d 周岁，须在 18 至 65 周岁之间", age)
	}
	active := 0
	if err := w.bk.Objects(objLoan, func(_ int64, raw []byte) error {
		var l Loan
		if err := jsonUnmarshal(raw, &l); err != nil {
			return err
		}
		if l.Household == per.Household && l.Status == LoanActive {
			active++
		}
		return nil
	}); err != nil {
		return Loan{}, c, err
	}
	if active > 0 {
		c.add("G5", CodeLoanOverLimit, "该户已有未结清的小额信贷，每户只能有一笔")
	}
	if strings.TrimSpace(r.Use) == "" {
		return Loan{}, c, invalid("use", "须填写贷款用途")
	}
	if !imported {
		if err := c.refusal(); err != nil {
			return Loan{}, c, err
		}
	}
	pl := loanPayload{ContractNo: strings.TrimSpace(r.ContractNo), Household: per.Household, Borrower: per.ID, Bank: r.Bank,
		Amount: int64(r.Amount), TermMonths: r.TermMonths, RateBP: r.RateBP, Use: r.Use, GrantedOn: r.GrantedOn.String(),
		DueOn: due.String(), Imported: imported}
	if _, err := w.emit(TypeLoanGranted, actor, r.GrantedOn, pl); err != nil {
		return Loan{}, c, err
	}
	l, err := w.loan(r.ContractNo)
	return l, c, err
}

// GrantLoan records a micro-credit loan (the bank's money: not posted).
func (s *Service) GrantLoan(ctx context.Context, lg Log, actor string, r LoanRow, idem *Idem) (Loan, error) {
	return write(ctx, s, lg, idem, func(w *txn) (Loan, error) {
		l, _, err := w.grantLoan(actor, r, false)
		return l, err
	})
}

func (w *txn) recordRepayment(actor string, r RepaymentRow, imported bool) (Loan, *check, error) {
	c := &check{row: r.Row}
	if err := r.Amount.CheckPositive(); err != nil {
		return Loan{}, c, err
	}
	if r.RepaidOn.IsZero() {
		return Loan{}, c, invalid("repaid_on", "还款日期不能为空")
	}
	l, err := w.loan(r.ContractNo)
	if IsNotFound(err) {
		return Loan{}, c, unknownRef("loan_contract_no", "未找到贷款合同号「%s」", r.ContractNo)
	} else if err != nil {
		return Loan{}, c, err
	}
	if l.Status != LoanActive {
		c.add("G7", CodeConflict, "贷款「%s」已结清或已冲正", l.ContractNo)
	}
	if !imported {
		if err := c.refusal(); err != nil {
			return Loan{}, c, err
		}
	}
	if _, err := w.emit(TypeRepaymentRecorded, actor, r.RepaidOn, repaymentPayload{ContractNo: l.ContractNo,
		RepaidOn: r.RepaidOn.String(), Amount: int64(r.Amount), Imported: imported}); err != nil {
		return Loan{}, c, err
	}
	l, err = w.loan(r.ContractNo)
	return l, c, err
}

// RecordRepayment records a repayment of a loan.
func (s *Service) RecordRepayment(ctx context.Context, lg Log, actor string, r RepaymentRow, idem *Idem) (Loan, error) {
	return write(ctx, s, lg, idem, func(w *txn) (Loan, error) {
		l, _, err := w.recordRepayment(actor, r, false)
		return l, err
	})
}
