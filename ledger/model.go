package ledger

import (
	"slices"
	"strings"
	"time"
)

// The domain's values: the registry (DOMAIN.md §3), money (§4) and the
// project library (§5). These are domain types: no JSON, database or API tags
// (API bodies, database rows and hashed payloads are separate structs).

// Household attributes (户属性) and monitoring types (监测类型).
const (
	KindRegisteredPoor = "建档立卡贫困户"
	KindLifted         = "脱贫户"
	KindMonitored      = "监测对象"
	KindOrdinary       = "一般农户"

	MonitorUnstable   = "脱贫不稳定户"
	MonitorMarginal   = "边缘易致贫户"
	MonitorSuddenHard = "突发严重困难户"
)

// HouseholdKinds and MonitoringKinds list the allowed values.
var (
	HouseholdKinds  = []string{KindRegisteredPoor, KindLifted, KindMonitored, KindOrdinary}
	MonitoringKinds = []string{MonitorUnstable, MonitorMarginal, MonitorSuddenHard}
)

// Source levels (资金来源级次).
var SourceLevels = []string{"中央", "省级", "市州级", "县市区级", "乡镇级", "社会帮扶"}

// DefaultSourceAliases maps what clerks type to a source level. In a
// county-level city clerks call their own money 市级.
var DefaultSourceAliases = map[string]string{
	"中央": "中央", "中央级": "中央", "国家": "中央",
	"省": "省级", "省级": "省级", "湖南省": "省级",
	"市": "市州级", "市州": "市州级", "市州级": "市州级", "长沙市": "市州级",
	"县": "县市区级", "县级": "县市区级", "县市区": "县市区级", "县市区级": "县市区级", "市级": "县市区级", "浏阳市": "县市区级",
	"镇": "乡镇级", "乡": "乡镇级", "乡镇": "乡镇级", "乡镇级": "乡镇级", "镇级": "乡镇级", "镇头镇": "乡镇级",
	"社会帮扶": "社会帮扶", "社会": "社会帮扶", "社会捐赠": "社会帮扶",
}

// Purposes is the purpose category list (用途类别) shared by funds and projects.
var Purposes = []string{"产业", "就业", "教育", "健康", "兜底保障", "住房", "基础设施", "人居环境", "小额信贷贴息"}

// FundNatures are the usual 资金性质 values (others are accepted as typed).
var FundNatures = []string{"专项扶贫资金", "统筹整合涉农资金", "社会帮扶资金", "其他资金"}

// NatureIntegrated is the 资金性质 that may be used across purposes (E7):
// the 统筹整合涉农资金 of the former 贫困县' integration pilot.
const NatureIntegrated = "统筹整合涉农资金"

// LinkagePurposes are the purposes 衔接资金 (中央/省/市/县级财政衔接推进乡村振兴补助资金,
// 财农〔2021〕19号 and the provinces' rules after it) may serve whatever the
// purpose its 指标 names: 产业发展, 就业帮扶, 小型公益性基础设施 and 人居环境, 雨露计划,
// 小额信贷贴息. Not 兜底保障, 健康 or 住房, which have their own channels.
var LinkagePurposes = []string{"产业", "就业", "基础设施", "人居环境", "教育", "小额信贷贴息"}

// CrossPurpose reports whether money of a 资金性质 may go to a project of
// another category (E7): 统筹整合涉农资金 to any, 衔接资金 (a 资金性质 naming
// 衔接) to the LinkagePurposes.
func CrossPurpose(nature, category string) bool {
	switch {
	case nature == NatureIntegrated:
		return true
	case strings.Contains(nature, "衔接"):
		return slices.Contains(LinkagePurposes, category)
	}
	return false
}

// Payment kinds (付款类型).
const (
	PayProgress  = "进度款"
	PayFinal     = "尾款"
	PayRetention = "质保金"
	PaySubsidy   = "补助"
)

// PaymentKinds lists the payment kinds.
var PaymentKinds = []string{PayProgress, PayFinal, PayRetention, PaySubsidy}

// Payment states.
const (
	StatusPendingApproval   = "pending_approval"
	StatusAwaitingPublicity = "awaiting_publicity"
	StatusEffective         = "effective"
	StatusRejected          = "rejected"
	StatusReversed          = "reversed"
)

// Project states (项目状态), in the words of DOMAIN.md §5.
const (
	ProjDeclared   = "申报"
	ProjReviewed   = "审核"
	ProjPublicized = "公示"
	ProjLibrary    = "入库"
	ProjPlanned    = "计划"
	ProjInProgress = "实施"
	ProjAccepted   = "验收"
	ProjCompleted  = "完工"
	ProjAdjusting  = "调整"
	ProjRemoved    = "出库"
	ProjTerminated = "终止"
)

// ProjectStates lists every project state in lifecycle order.
var ProjectStates = []string{ProjDeclared, ProjReviewed, ProjPublicized, ProjLibrary, ProjPlanned,
	ProjInProgress, ProjAccepted, ProjCompleted, ProjAdjusting, ProjRemoved, ProjTerminated}

// Payee kinds.
const (
	PayeeHousehold = "household"
	PayeePerson    = "person"
	PayeeOrg       = "org"
)

// Town is a township: the owner of one log.
type Town struct {
	Code      string
	Name      string
	ShortName string // for notice numbers: 镇头公〔2026〕12号
	Phones    []string
	Address   string
	Email     string
	// CountyOffice and CountyPhone name the county's 乡村振兴 office that
	// village notices print as a contact (issue 16).
	CountyOffice string
	CountyPhone  string
	// AutoPublish lists the notice types the notices job publishes by
	// itself; nil means AutoPublishTypes.
	AutoPublish []string
	// BankColumns maps the headers of the town's bank's return file to the
	// columns of the 银行代发回盘 sheet (本次代发额 → 金额 …), besides the
	// spellings the importer knows (issue 17).
	BankColumns map[string]string
}

// Village is a village or community (村/社区) of a town.
type Village struct {
	Code   string
	Name   string
	Groups []string // 村民小组
	// The village's 村务监督委员会 contact its notices print (issue 16).
	SupervisionName  string
	SupervisionPhone string
}

// Household is a registered household (户).
type Household struct {
	ID             int64
	Village        string // village code
	Group          string
	Head           int64 // person id
	Kind           string
	MonitoringKind string
	EnrolledOn     Date // 纳入
	ExitedOn       Date // 退出/脱贫
	RiskClearedOn  Date // 风险消除
	Members        int
}

// Person is a registered person; the private fields live in the vault.
type Person struct {
	ID              int64
	Household       int64
	Relation        string // 与户主关系
	JoinedOn        Date   // 迁入本户日期
	DeceasedOn      Date
	PublicEmployee  bool // 财政供养
	VillageCadre    bool // 村干部
	CadreRelativeOf int64
	Student         bool
	Disabled        bool
	CipherSHA256    string // hex SHA-256 of the private ciphertext
}

// PersonPrivate is what the vault keeps encrypted for a person.
type PersonPrivate struct {
	Name     string
	IDNumber string
	Phone    string
	Accounts []BankAccount
}

// BankAccount is a 一卡通 or bank account.
type BankAccount struct {
	Bank   string
	Number string
}

// Organisation is a payee that is not a registered person: a contractor,
// cooperative, enterprise or village collective. Not private.
type Organisation struct {
	ID                  int64
	Name                string
	USCC                string
	LegalRepresentative string
	AccountNo           string
	// The registry persons behind it (organisation_people_recorded), for
	// rule F3: its 法定代表人 and 股东 who are in the town's registry.
	LegalRepPerson int64
	Shareholders   []int64
}

// Item is a subsidy item (补贴项目).
type Item struct {
	Code               string
	Name               string
	Category           string // a purpose (Purposes)
	Unit               string // person | household
	Standard           Fen
	PerQuantity        bool
	Period             string // once | year | quarter | month
	YearlyCap          Fen
	Eligible           []string // 户属性 or 监测类型 values
	ListNoticeRequired bool     // a 补助对象公示 must precede payment
	// Settings of the rules (issue 17), all optional:
	Post       bool        // a 公益岗位 wage: one person holds one post a month (A8)
	MinAge     int         // recipients' age range at the pay date (A9); 0: no bound
	MaxAge     int         //
	GrantLimit string      // how often it may be granted (B6): "" or a Grant* value
	Levels     []ItemLevel // standards per school level (B3)
	// BankDays: days after a payment of the item with no bank return row
	// before R4 flags it; 0: the catalogue's default (15).
	BankDays int
}

// How often an item may be granted (Item.GrantLimit, rule B6).
const (
	GrantOncePerHousehold = "household_once" // once per household, ever (危房改造, 易地搬迁)
	GrantOncePerPerson    = "person_once"    // once per person, ever
	GrantPerTerm          = "person_term"    // once per person per school term (雨露计划)
)

// GrantLimits are the values Item.GrantLimit takes.
var GrantLimits = []string{GrantOncePerHousehold, GrantOncePerPerson, GrantPerTerm}

// ItemLevel is the standard of an item for one school level (学段), for
// the students whose age at the pay date is within MinAge…MaxAge.
type ItemLevel struct {
	Name           string
	MinAge, MaxAge int
	Standard       Fen
}

// Fund is money received (资金).
type Fund struct {
	ID           int64
	DocNo        string // 指标文号
	Name         string
	SourceLevel  string
	Nature       string
	FunctionCode string
	Purpose      string
	Year         int
	Amount       Fen
	ArrivedOn    Date
	Reversed     bool
	Seq          int64
}

// FundBudget is a project's budget from one source.
type FundBudget struct {
	SourceLevel string
	DocNo       string // optional: a named fund
	Amount      Fen
}

// Project is a project of the library (项目库).
type Project struct {
	ID                int64
	Code              string
	Name              string
	Category          string
	Nature            string // 新建/续建/改扩建
	Village           string // village code; "" for town-level
	Location          string
	Task              string // 建设任务
	StartOn, EndOn    Date
	ResponsibleUnit   string
	ResponsiblePerson string
	Implementer       string
	Budget            Fen
	BudgetBySource    []FundBudget
	Beneficiaries     int    // households
	PoorBeneficiaries int    // of them 脱贫户/监测对象
	Targets           string // 绩效目标 (产出/效益/满意度)
	Participation     string // 群众参与
	Mechanism         string // 带贫减贫机制
	Status            string
	ApprovalDocNo     string
	ApprovedOn        Date
	AcceptedOn        Date
	AcceptanceResult  string
	AcceptanceGroup   string // 验收组
	FinalAmount       Fen    // 决算金额, recorded on the way to 完工
	SubsidyStandard   string // 补助标准 (年度项目计划公告)
	Financing         string // 筹资方式 (项目入库公示)
	Contract          *ProjectContract
	Assets            []ProjectAsset // 形成资产
	AdjustedFrom      string         // the state a project in 调整 returns to
	Seq               int64
	LastSeq           int64 // the latest entry about the project
}

// PayeeRef names a payee.
type PayeeRef struct {
	Kind string // household | person | org
	ID   int64
}

// Payment is a payment from a project's holding of a fund.
type Payment struct {
	ID             int64
	Seq            int64 // the recording entry
	VoucherNo      string
	Project        int64
	Fund           int64
	Item           string
	Kind           string
	Payee          PayeeRef
	Household      int64 // the payee's household, for reports (0 for orgs)
	AccountHolder  int64 // person id, 0 when none or an organisation
	AccountIndex   string
	Quantity       int64
	Amount         Fen
	Period         Period
	PaidOn         Date
	InvoiceNo      string
	ContractNo     string
	LoanContractNo string
	// Recipient is the person named as 收款人 of a household item's
	// payment, whose payee is the household (B2 counts recipients); 0
	// otherwise, and in payments recorded before issue 17.
	Recipient  int64
	Status     string
	Maker      string
	Imported   bool
	RecordedAt time.Time // when its entry was recorded
	LastSeq    int64     // set by the call that changed it (not stored)
}

// ScanPayment is a payment as the anomaly scan holds it (ScanData.Payments):
// what the rules read, in small types, since a full scan holds every
// payment of a town at once (120 bytes instead of Payment's 320, and no
// string of its own). Strings are symbols of the snapshot's string table
// (ScanData.Str); dates and periods are packed; ScanData.Payment expands
// one into a Payment (without ContractNo, Maker, Imported and LastSeq,
// which no rule reads).
type ScanPayment struct {
	ID            int64
	Seq           int64
	Project       int64
	Fund          int64
	PayeeID       int64
	Household     int64
	AccountHolder int64
	Recipient     int64
	Quantity      int64
	Amount        Fen
	RecordedAt    int64 // Unix seconds, 0 when unknown
	PaidOn        PackedDate
	Period        PackedPeriod
	VoucherNo     Sym
	InvoiceNo     Sym
	Item          Sym
	Kind          Sym
	PayeeKind     Sym
	AccountIndex  Sym
	Status        Sym
	LoanContract  Sym // 贷款合同号 of a 贴息 payment (G9)
}

// Loan is a micro-credit loan (扶贫小额信贷): the bank's money, recorded but
// not posted.
type Loan struct {
	ContractNo string
	Household  int64
	Borrower   int64
	Bank       string
	Amount     Fen
	TermMonths int
	RateBP     int64 // annual rate in basis points (4.35% → 435)
	Use        string
	GrantedOn  Date
	DueOn      Date
	Repaid     Fen
	Status     string // active | repaid
	Seq        int64
	Imported   bool
}

// Loan limits (DOMAIN.md §4).
const (
	LoanMaxAmount     Fen = 50000_00
	LoanMaxTermMonths     = 36
	LoanMinAge            = 18
	LoanMaxAge            = 65
)

// The record inputs below are what finance staff submit, one per sheet row
// (DOMAIN.md §9) or per API request. They carry the users' own identifiers
// (ID numbers, 指标文号, 项目编号, 补贴项目代码); the service resolves them.
// Row is the sheet row as Excel shows it (header = row 1), 0 for the API.

// PersonRow is a 花名册 row: a person and their household.
type PersonRow struct {
	Row                   int
	Village               string // code or name
	Group                 string // 村民小组
	HeadIDNumber          string // 户主身份证号 (the person's own for the head)
	Name                  string
	IDNumber              string
	Relation              string // 与户主关系: 户主, 配偶, 子女 …
	HouseholdKind         string // 户属性
	MonitoringKind        string // 监测类型
	JoinedOn              Date   // 迁入本户日期
	Bank                  string // 一卡通开户行
	AccountNo             string // 一卡通账号
	AccountHolderIDNumber string // 一卡通户名身份证号
	Phone                 string
}

// RegisterRow is an 其他登记 row: a mark from another register.
type RegisterRow struct {
	Row             int
	IDNumber        string
	Kind            string // 死亡/财政供养/村干部/干部亲属/在校生/残疾/脱贫/纳入监测/风险消除
	On              Date
	RelatedIDNumber string // for 干部亲属: the cadre
}

// RegisterKinds are the 登记类型 values.
var RegisterKinds = []string{"死亡", "财政供养", "村干部", "干部亲属", "在校生", "残疾", "脱贫", "纳入监测", "风险消除"}

// FundRow is a 资金 row.
type FundRow struct {
	Row          int
	DocNo        string
	Name         string
	SourceLevel  string // as typed; resolved through the alias table
	Nature       string
	FunctionCode string
	Purpose      string
	Year         int
	Amount       Fen
	ArrivedOn    Date
}

// ProjectRow is a 项目 row (an imported project is one entry in its state).
type ProjectRow struct {
	Row               int
	Code              string
	Name              string
	Category          string
	Nature            string
	Village           string // code or name; "" for town-level
	Location          string
	Task              string
	Budget            Fen
	BudgetBySource    []FundBudget
	ResponsibleUnit   string
	Implementer       string
	ResponsiblePerson string
	StartOn, EndOn    Date
	Beneficiaries     int
	PoorBeneficiaries int
	Targets           string
	Participation     string
	Mechanism         string
	Status            string // 项目状态; "" means 申报
	ApprovalDocNo     string
	ApprovedOn        Date
	AcceptedOn        Date   // required for an imported project in 验收 or 完工
	AcceptanceResult  string // likewise
	SubsidyStandard   string // optional: 补助标准
	Financing         string // optional: 筹资方式
}

// AllocationRow is a 拨付 row.
type AllocationRow struct {
	Row             int
	DocNo           string // the fund's 指标文号
	ProjectCode     string
	Amount          Fen
	AllocatedOn     Date
	AllocationDocNo string // 拨付文号
}

// PaymentRow is a 发放明细 row. The payee is a person (PayeeIDNumber) or an
// organisation (PayeeOrgName + PayeeUSCC).
type PaymentRow struct {
	Row                   int
	VoucherNo             string
	ProjectCode           string
	DocNo                 string
	ItemCode              string // optional
	Kind                  string // 付款类型
	PayeeIDNumber         string
	PayeeOrgName          string
	PayeeUSCC             string
	AccountNo             string
	AccountHolderIDNumber string
	Quantity              int64 // blank is 1
	Amount                Fen
	Period                Period
	PaidOn                Date
	InvoiceNo             string
	ContractNo            string
	LoanContractNo        string
}

// LoanRow is a 贷款 row.
type LoanRow struct {
	Row              int
	ContractNo       string
	BorrowerIDNumber string
	Bank             string
	Amount           Fen
	TermMonths       int
	RateBP           int64 // 年利率 4.35 → 435
	Use              string
	GrantedOn        Date
	DueOn            Date
}

// RepaymentRow is a 还款 row.
type RepaymentRow struct {
	Row        int
	ContractNo string
	RepaidOn   Date
	Amount     Fen
}

// Allocation is one allocation (拨付) of a fund's money to a project.
type Allocation struct {
	Seq         int64 // its entry
	Fund        int64
	Project     int64
	Amount      Fen
	AllocatedOn Date
	DocNo       string // 拨付文号
}

// StateChange is a project's state from a date on: On is the entry's
// effective date (YYYY-MM-DD; "" for a project registered without dates,
// in that state from the start).
type StateChange struct {
	To  string
	On  string
	Seq int64
}
