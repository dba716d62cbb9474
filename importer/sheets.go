package importer

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// The sheets of DOMAIN.md §9: their columns, in the order of §9, and how a
// row becomes a record. Each column's Required says whether the sheet must
// have it; CellRequired whether every row must fill it. Conditional rules are
// in the row functions and in the package documentation.

// Column describes a column of an import sheet.
type Column struct {
	Header string
	// Required: the sheet must have this column (a sheet without it is
	// refused as a whole). Optional columns may be left out.
	Required bool
	// CellRequired: every data row must fill the cell ("必填项为空").
	// Some cells are required only in some rows (see the package doc).
	CellRequired bool
	// Extra: a column read when present that is not among DOMAIN.md §9's
	// (not in Headers, not in templates).
	Extra bool
}

// sheetSpec is one kind of import.
type sheetSpec struct {
	kind  string
	sheet string // the Chinese name, also the preferred worksheet name
	cols  []Column
	idx   map[string]int
	row   func(r *rowReader, p *Parsed)
	// unique names a column whose values must not repeat within a sheet.
	unique string
	// aliases maps other spellings of a header to the column's (a bank's
	// own names of the columns of its return file).
	aliases map[string]string
}

// index returns the position of header h among the spec's columns. It
// panics for a header the spec lacks: a programming error the tests catch.
func (s *sheetSpec) index(h string) int {
	i, ok := s.idx[h]
	if !ok {
		panic(fmt.Sprintf("importer: sheet %s has no column %q", s.kind, h))
	}
	return i
}

// Column constructors, as the legend of the package doc: req, col, opt.
func req(h string) Column   { return Column{Header: h, Required: true, CellRequired: true} }
func col(h string) Column   { return Column{Header: h, Required: true} }
func opt(h string) Column   { return Column{Header: h} }
func extra(h string) Column { return Column{Header: h, Extra: true} }

// specs lists the kinds in the order of Kinds.
var specs = []*sheetSpec{
	newSpec(&sheetSpec{
		kind: "persons", sheet: "花名册", unique: "身份证号",
		cols: []Column{
			req("村"), col("村民小组"), req("户主身份证号"), req("姓名"),
			req("身份证号"), req("与户主关系"), req("户属性"),
			opt("监测类型"), col("迁入本户日期"), opt("一卡通开户行"),
			opt("一卡通账号"), opt("一卡通户名身份证号"), opt("联系电话"),
		},
		row: personRow,
	}),
	newSpec(&sheetSpec{
		kind: "registers", sheet: "其他登记",
		cols: []Column{
			req("身份证号"), req("登记类型"), req("日期"), opt("关联身份证号"),
		},
		row: registerRow,
	}),
	newSpec(&sheetSpec{
		kind: "funds", sheet: "资金", unique: "指标文号",
		cols: []Column{
			req("指标文号"), req("资金名称"), req("资金来源级次"), req("资金性质"),
			col("功能科目"), req("用途类别"), req("年度"), req("金额(元)"),
			req("到账日期"),
		},
		row: fundRow,
	}),
	newSpec(&sheetSpec{
		kind: "projects", sheet: "项目", unique: "项目编号",
		cols: []Column{
			req("项目编号"), req("项目名称"), req("项目类别"), req("建设性质"),
			col("村"), col("建设任务"), req("预算(元)"), col("实施单位"),
			col("责任人"), req("开始日期"), col("结束日期"), col("受益户数"),
			col("受益脱贫户数"), col("绩效目标"), col("带贫减贫机制"),
			col("项目状态"), opt("批复文号"), opt("批复日期"),
			extra("建设地点"), extra("责任单位"), extra("群众参与"),
			extra("验收日期"), extra("验收结论"), extra("补助标准"), extra("筹资方式"),
		},
		row: projectRow,
	}),
	newSpec(&sheetSpec{
		kind: "allocations", sheet: "拨付",
		cols: []Column{
			req("指标文号"), req("项目编号"), req("金额(元)"), req("拨付日期"),
			opt("拨付文号"),
		},
		row: allocationRow,
	}),
	newSpec(&sheetSpec{
		kind: "payments", sheet: "发放明细",
		cols: []Column{
			req("凭证号"), req("项目编号"), req("指标文号"), opt("补贴项目代码"),
			req("付款类型"), col("收款人身份证号"), col("收款单位"),
			col("统一社会信用代码"), opt("收款账号"), opt("账户户名身份证号"),
			opt("数量"), req("金额(元)"), col("所属期间"), req("支付日期"),
			opt("发票号"), opt("合同号"), opt("贷款合同号"),
		},
		row: paymentRow,
	}),
	newSpec(&sheetSpec{
		kind: "loans", sheet: "贷款", unique: "贷款合同号",
		cols: []Column{
			req("贷款合同号"), req("借款人身份证号"), req("贷款银行"), req("金额(元)"),
			req("期限(月)"), req("年利率"), req("用途"), req("发放日期"),
			col("到期日期"),
		},
		row: loanRow,
	}),
	newSpec(&sheetSpec{
		kind: "repayments", sheet: "还款",
		cols: []Column{
			req("贷款合同号"), req("还款日期"), req("金额(元)"),
		},
		row: repaymentRow,
	}),
	bankReturnSpec,
}

// newSpec indexes a spec's columns by header.
func newSpec(s *sheetSpec) *sheetSpec {
	s.idx = make(map[string]int, len(s.cols))
	for i, c := range s.cols {
		s.idx[c.Header] = i
	}
	return s
}

func specOf(kind string) (*sheetSpec, bool) {
	for _, s := range specs {
		if s.kind == kind {
			return s, true
		}
	}
	return nil, false
}

// Value lists checked here (the service checks references and business
// rules).
var (
	registerKinds = ledger.RegisterKinds
	natures       = []string{"新建", "续建", "改扩建"}
	headRelations = []string{"户主", "本人"}
)

func personRow(r *rowReader, p *Parsed) {
	x := ledger.PersonRow{Row: r.row}
	x.Village = r.text("村", nameText)
	x.Group = r.text("村民小组", nameText)
	x.HeadIDNumber = r.idNumber("户主身份证号")
	x.Name = r.personName("姓名")
	x.IDNumber = r.idNumber("身份证号")
	x.Relation = r.text("与户主关系", nameText)
	x.HouseholdKind = r.choice("户属性", ledger.HouseholdKinds)
	x.MonitoringKind = r.choice("监测类型", ledger.MonitoringKinds)
	if x.HouseholdKind == ledger.KindMonitored && !r.present("监测类型") {
		r.fail("监测类型", "", "户属性为监测对象时，监测类型必填（%s）", join(ledger.MonitoringKinds))
	}
	x.JoinedOn = r.date("迁入本户日期")
	x.Bank = r.text("一卡通开户行", nameText)
	x.AccountNo = r.account("一卡通账号")
	x.AccountHolderIDNumber = r.idNumber("一卡通户名身份证号")
	x.Phone = r.text("联系电话", plainText)
	// The head's own row names the head by the person's own number.
	if x.IDNumber != "" && x.HeadIDNumber != "" && x.Relation != "" {
		isHead := slices.Contains(headRelations, x.Relation)
		switch {
		case isHead && x.IDNumber != x.HeadIDNumber:
			r.fail("户主身份证号", "", "与户主关系为「%s」时，户主身份证号应与身份证号相同", x.Relation)
		case !isHead && x.IDNumber == x.HeadIDNumber:
			r.fail("与户主关系", "", "户主身份证号与身份证号相同，与户主关系应为「户主」")
		}
	}
	p.Persons = append(p.Persons, x)
}

func registerRow(r *rowReader, p *Parsed) {
	x := ledger.RegisterRow{Row: r.row}
	x.IDNumber = r.idNumber("身份证号")
	x.Kind = r.choice("登记类型", registerKinds)
	x.On = r.date("日期")
	x.RelatedIDNumber = r.idNumber("关联身份证号")
	if x.Kind == "干部亲属" && !r.present("关联身份证号") {
		r.fail("关联身份证号", "", "登记类型为干部亲属时，须填写关联身份证号（干部本人）")
	}
	p.Registers = append(p.Registers, x)
}

func fundRow(r *rowReader, p *Parsed) {
	x := ledger.FundRow{Row: r.row}
	x.DocNo = r.text("指标文号", nameText)
	x.Name = r.text("资金名称", nameText)
	x.SourceLevel = r.text("资金来源级次", nameText)
	x.Nature = r.text("资金性质", nameText)
	x.FunctionCode = r.text("功能科目", plainText)
	x.Purpose = r.choice("用途类别", ledger.Purposes)
	if y, ok := r.integer("年度", 1990, 2100); ok {
		x.Year = int(y)
	}
	x.Amount = r.amount("金额(元)")
	x.ArrivedOn = r.date("到账日期")
	p.Funds = append(p.Funds, x)
}

func projectRow(r *rowReader, p *Parsed) {
	x := ledger.ProjectRow{Row: r.row}
	x.Code = r.text("项目编号", nameText)
	x.Name = r.text("项目名称", nameText)
	x.Category = r.choice("项目类别", ledger.Purposes)
	x.Nature = r.choice("建设性质", natures)
	x.Village = r.text("村", nameText)
	x.Task = r.text("建设任务", plainText)
	x.Budget = r.amount("预算(元)")
	x.Implementer = r.text("实施单位", nameText)
	x.ResponsibleUnit = r.text("责任单位", nameText)
	x.ResponsiblePerson = r.text("责任人", nameText)
	x.StartOn = r.date("开始日期")
	x.EndOn = r.date("结束日期")
	if !x.StartOn.IsZero() && !x.EndOn.IsZero() && dateBefore(x.EndOn, x.StartOn) {
		r.fail("结束日期", "", "结束日期早于开始日期")
	}
	hh, okH := r.integer("受益户数", 0, 1_000_000)
	poor, okP := r.integer("受益脱贫户数", 0, 1_000_000)
	x.Beneficiaries, x.PoorBeneficiaries = int(hh), int(poor)
	if okH && okP && poor > hh {
		r.fail("受益脱贫户数", "", "受益脱贫户数（%d）多于受益户数（%d）", poor, hh)
	}
	x.Targets = r.text("绩效目标", plainText)
	x.Mechanism = r.text("带贫减贫机制", plainText)
	x.Location = r.text("建设地点", plainText)
	x.Participation = r.text("群众参与", plainText)
	x.Status = r.choice("项目状态", ledger.ProjectStates)
	if x.Status == "" && !r.present("项目状态") {
		x.Status = ledger.ProjDeclared
	}
	x.ApprovalDocNo = r.text("批复文号", nameText)
	x.ApprovedOn = r.date("批复日期")
	x.AcceptedOn = r.date("验收日期")
	x.AcceptanceResult = r.text("验收结论", plainText)
	x.SubsidyStandard = r.text("补助标准", plainText)
	x.Financing = r.text("筹资方式", plainText)
	p.Projects = append(p.Projects, x)
}

func allocationRow(r *rowReader, p *Parsed) {
	x := ledger.AllocationRow{Row: r.row}
	x.DocNo = r.text("指标文号", nameText)
	x.ProjectCode = r.text("项目编号", nameText)
	x.Amount = r.amount("金额(元)")
	x.AllocatedOn = r.date("拨付日期")
	x.AllocationDocNo = r.text("拨付文号", nameText)
	p.Allocations = append(p.Allocations, x)
}

func paymentRow(r *rowReader, p *Parsed) {
	x := ledger.PaymentRow{Row: r.row}
	x.VoucherNo = r.text("凭证号", nameText)
	x.ProjectCode = r.text("项目编号", nameText)
	x.DocNo = r.text("指标文号", nameText)
	x.ItemCode = r.text("补贴项目代码", nameText)
	x.Kind = r.choice("付款类型", ledger.PaymentKinds)
	// The payee: a person by ID number, or an organisation by name and
	// 统一社会信用代码.
	person, org, code := r.present("收款人身份证号"), r.present("收款单位"), r.present("统一社会信用代码")
	x.PayeeIDNumber = r.idNumber("收款人身份证号")
	x.PayeeOrgName = r.text("收款单位", nameText)
	x.PayeeUSCC = r.uscc("统一社会信用代码")
	switch {
	case person && code:
		r.fail("统一社会信用代码", "", "收款人身份证号与收款单位（统一社会信用代码）只能填写其一")
	case person:
		// A person payee; a 收款单位 beside it is ignored by the service.
	case org || code:
		if !org {
			r.fail("收款单位", "", msgRequired)
		}
		if !code {
			r.fail("统一社会信用代码", "", msgRequired)
		}
	default:
		r.fail("收款人身份证号", "", "必填项为空：须填写收款人身份证号，或收款单位和统一社会信用代码")
	}
	x.AccountNo = r.account("收款账号")
	x.AccountHolderIDNumber = r.idNumber("账户户名身份证号")
	x.Quantity = 1
	if q, ok := r.integer("数量", 1, 1_000_000_000); ok {
		x.Quantity = q
	}
	x.Amount = r.amount("金额(元)")
	x.Period = r.period("所属期间")
	x.PaidOn = r.date("支付日期")
	x.InvoiceNo = r.text("发票号", plainText)
	x.ContractNo = r.text("合同号", plainText)
	x.LoanContractNo = r.text("贷款合同号", plainText)
	p.Payments = append(p.Payments, x)
}

func loanRow(r *rowReader, p *Parsed) {
	x := ledger.LoanRow{Row: r.row}
	x.ContractNo = r.text("贷款合同号", plainText)
	x.BorrowerIDNumber = r.idNumber("借款人身份证号")
	x.Bank = r.text("贷款银行", nameText)
	x.Amount = r.amount("金额(元)")
	if n, ok := r.integer("期限(月)", 1, 600); ok {
		x.TermMonths = int(n)
	}
	x.RateBP = r.rate("年利率")
	x.Use = r.text("用途", plainText)
	x.GrantedOn = r.date("发放日期")
	x.DueOn = r.date("到期日期")
	if !x.GrantedOn.IsZero() && !x.DueOn.IsZero() && dateBefore(x.DueOn, x.GrantedOn) {
		r.fail("到期日期", "", "到期日期早于发放日期")
	}
	p.Loans = append(p.Loans, x)
}

func repaymentRow(r *rowReader, p *Parsed) {
	x := ledger.RepaymentRow{Row: r.row}
	x.ContractNo = r.text("贷款合同号", plainText)
	x.RepaidOn = r.date("还款日期")
	x.Amount = r.amount("金额(元)")
	p.Repayments = append(p.Repayments, x)
}

func join(list []string) string { return strings.Join(list, "、") }

func dateBefore(a, b ledger.Date) bool {
	if a.Year != b.Year {
		return a.Year < b.Year
	}
	if a.Month != b.Month {
		return a.Month < b.Month
	}
	return a.Day < b.Day
}
