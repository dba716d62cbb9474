package pages

import (
	"strings"
	"time"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// Option is one choice of a select.
type Option struct {
	Value, Label string
}

// NavItem is one link of the top bar.
type NavItem struct {
	Href, Label string
}

// Nav lists the pages of a role, in the order of its daily work.
func Nav(role string) []NavItem {
	flags := NavItem{"/staff/flags?status=open", "线索"}
	imports := NavItem{"/staff/imports", "导入"}
	record := NavItem{"/staff/record", "录入"}
	funds := NavItem{"/staff/funds", "资金"}
	projects := NavItem{"/staff/projects", "项目"}
	payments := NavItem{"/staff/payments", "支付"}
	notices := NavItem{"/staff/notices", "公告"}
	complaints := NavItem{"/staff/complaints", "投诉"}
	ledgerNav := NavItem{"/staff/ledger", "账本"}
	users := NavItem{"/staff/users", "用户"}
	jobs := NavItem{"/staff/jobs", "任务"}
	home := NavItem{"/staff/", "工作台"}
	switch role {
	case ledger.RoleMonitor:
		return []NavItem{home, flags, {"/staff/village", "本村账目"}, payments, projects, {"/staff/loans", "贷款"}, complaints, notices, funds}
	case ledger.RoleFinance:
		return []NavItem{home, imports, record, payments, notices, funds, projects, complaints, ledgerNav}
	case ledger.RoleApprover:
		return []NavItem{home, {"/staff/payments?status=pending_approval", "待审批"}, payments, funds, projects, notices}
	case ledger.RoleDiscipline:
		return []NavItem{home, flags, complaints, payments, funds, projects, notices, ledgerNav, jobs}
	case ledger.RoleAuditor:
		return []NavItem{home, ledgerNav, funds, projects, payments, notices, complaints, jobs}
	case ledger.RoleAdmin:
		return []NavItem{home, users, jobs, imports, record, payments, notices, funds, projects, complaints, ledgerNav}
	case ledger.RoleCounty:
		return []NavItem{{"/staff/county", "全县汇总"}, flags, funds, projects, payments, notices, complaints, ledgerNav, jobs}
	}
	return nil
}

// Home is a role's first page: the home with its to-dos (the county
// office: its county summary).
func Home(role string) string {
	if role == ledger.RoleCounty {
		return "/staff/county"
	}
	return "/staff/"
}

// RoleText is a role in plain words.
func RoleText(r string) string {
	switch r {
	case ledger.RoleAdmin:
		return "系统管理员"
	case ledger.RoleFinance:
		return "财务人员"
	case ledger.RoleApprover:
		return "审批人"
	case ledger.RoleMonitor:
		return "村级监督员"
	case ledger.RoleDiscipline:
		return "纪检监察"
	case ledger.RoleAuditor:
		return "审计"
	case ledger.RoleCounty:
		return "县级主管部门（只读）"
	}
	return r
}

// JobText is a scheduled job in plain words.
func JobText(n string) string {
	switch n {
	case "scan":
		return "异常扫描"
	case "verify":
		return "账本核验"
	case "checkpoint":
		return "签名检查点"
	case "notices":
		return "月度公告生成"
	case "publicity":
		return "公示期处理"
	case "escalate":
		return "超期移交"
	case "loans":
		return "贷款到期提醒"
	case "cosign":
		return "见证人联署"
	case "notify":
		return "消息提醒（群机器人）"
	case "digest":
		return "每日邮件提醒"
	}
	return n
}

// OutcomeText is a job run's outcome in plain words.
func OutcomeText(o string) string {
	switch o {
	case ledger.OutcomeSuccess:
		return "成功"
	case ledger.OutcomeFailure:
		return "失败"
	case ledger.OutcomeSkipped:
		return "跳过（其他进程正在运行）"
	}
	return o
}

// CountText names a job run's count in plain words.
func CountText(k string) string {
	if n, ok := strings.CutPrefix(k, "through_log_"); ok {
		return "扫描至账本（" + n + "）序号"
	}
	switch k {
	case "findings":
		return "发现"
	case "raised":
		return "新线索"
	case "updated":
		return "更新的线索"
	case "payments":
		return "扫描的支付"
	case "towns":
		return "乡镇"
	case "full":
		return "全量扫描"
	case "cross_town_payments":
		return "与其他乡镇同一对象同期发放的支付"
	case "entries":
		return "记录"
	case "logs":
		return "乡镇账本"
	case "checkpoints":
		return "检查点"
	case "bad_logs":
		return "未通过核验的账本"
	case "signed":
		return "新签署的检查点"
	case "flags_escalated":
		return "移交纪委的线索"
	case "complaints_escalated":
		return "移交纪委的投诉"
	case "loans":
		return "到期提醒的贷款"
	case "drafted":
		return "生成的公告草稿"
	case "published":
		return "自动发布的公告"
	case "left_as_draft":
		return "留待人工发布的草稿"
	case "refused":
		return "未能生成的公告"
	case "ended":
		return "公示期满的公告"
	case "effective":
		return "生效的支付"
	case "held":
		return "因异议暂缓的支付"
	case "projects":
		return "公示期满入库的项目"
	case "early_withdrawals":
		return "公示期内撤回的公告"
	case "witnessed":
		return "见证人已联署的账本"
	case "short":
		return "见证人联署不足的账本"
	}
	return k
}

// When formats an RFC 3339 time as date and time in loc.
func When(s string, loc *time.Location) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return t.In(loc).Format("2006-01-02 15:04")
}

// ImportData is the import page: the form, then the dry run's findings.
type ImportData struct {
	Kinds    []Option
	Kind     string
	Filename string
	Checked  bool
	Rows     int
	Errors   []ledger.FieldError
	Warnings []ledger.RuleWarning
	Token    string // the commit's token when the sheet passed
	// Preview: the first rows of a passing sheet as read (ID numbers and
	// accounts masked), under the sheet's column titles; PreviewMore the
	// rows not shown.
	PreviewHeaders []string
	PreviewRows    [][]string
	PreviewMore    int
}

// RecordData is the single-record forms.
type RecordData struct {
	Kind     string // fund | allocation | payment
	Funds    []Option
	Projects []Option
	Items    []Option
	Values   map[string]string // what was typed, after a refusal
}

// PaymentView is a payment with its payee's masked name.
type PaymentView struct {
	ledger.Payment
	Payee       string
	ProjectCode string
	StatusText  string
	// BankState is what the bank's return file says of it (到账, 退回,
	// 失败, 未见银行回单); "" where the bank does not pay it.
	BankState string
	// Decide is what an approver needs to decide (payments waiting for
	// approval on the approver's page).
	Decide *DecideInfo
	// EntryLink: the reader may open ledger entries (its seq links there).
	EntryLink bool
}

// DecideInfo is what an approver reads before deciding on a payment.
type DecideInfo struct {
	FundDoc, FundName   string
	FundUnspent         ledger.Fen
	ProjectName         string
	Budget, ProjectPaid ledger.Fen
	BudgetLeft          ledger.Fen // budget − paid (before this payment)
	Maker               string
	PayeeYearCount      int // the payee's other payments of the year
	PayeeYearSum        ledger.Fen
}

// PaymentsData is the payments page.
type PaymentsData struct {
	Status     string
	Voucher    string // the search box: a voucher or invoice number
	Statuses   []Option
	Payments   []PaymentView
	CanApprove bool
	Notes      map[int64]string // an approval note typed before a refusal, by payment
	// The filters and their choices.
	Village, Fund, Item, Year string
	Villages, Funds, Items    []Option
	Pager                     Pager
}

// Pager is a paged list's count and links: Total rows match the filters,
// this page shows rows From..From+Shown-1 of them, newest first.
type Pager struct {
	Total, From, Shown int
	Order              string // the list's order in words
	First, Next        string // links to the first and the next page ("" on it / at the end)
	Export             string // the .xlsx of every matching row
}

// ProjectsData is the project library.
type ProjectsData struct {
	Projects []ledger.Project
	Villages map[string]string
}

// ProjectData is one project.
type ProjectData struct {
	Report   ledger.ProjectReport
	Payments []PaymentView // the newest of them
	Progress Progress
	Pager    Pager // how many payments in all, and the link to the list of them
}

// FundData is where a fund's money went, with its spending progress.
type FundData struct {
	ledger.FundReport
	Progress  Progress
	EntryLink bool // the reader may open ledger entries
}

// LedgerData is the ledger browser.
type LedgerData struct {
	Size           int64
	Checkpoint     string
	CheckpointSize int64
	Entries        []ledger.StoredEntry
	Checkpoints    []ledger.Checkpoint // the latest 20 signed, newest first
	Older, Newer   int64               // the "before" of the neighbouring pages, -1 for none
	Actors         map[string]string   // user id → username
}

// EntryData is one entry.
type EntryData struct {
	Entry      ledger.StoredEntry
	CanReverse bool
	Actors     map[string]string // user id → username
	// Reason is what was typed in the reversal form, after a refusal.
	Reason string
}

// NoticesData is the notices page.
type NoticesData struct {
	Status       string
	Notices      []ledger.Notice
	Types        []string
	Villages     []ledger.Village
	VillageNames map[string]string
	Fields       []Option
	CanDraft     bool
	Values       map[string]string
	// The filters (type, village, a search) and the page.
	Type, Village, Search string
	Pager                 Pager
}

// NoticeData is one notice.
type NoticeData struct {
	Notice     ledger.Notice
	Content    ledger.NoticeContent
	StatusText string
	Missing    []string
	Shown      int // rows shown when cut (0: all)
	CanPublish bool
	Objections []ComplaintView
	// Reason is what was typed in the withdrawal form, after a refusal.
	Reason string
}

// ComplaintView is a complaint with its status in words and, for those
// who handle complaints, the contact.
type ComplaintView struct {
	ledger.Complaint
	StatusText string
	Contact    string
}

// ComplaintsData is the complaints page.
type ComplaintsData struct {
	Status       string
	Complaints   []ComplaintView
	VillageNames map[string]string
	// The filters (village, kind, a search of receipt and text), the
	// villages to choose from, and the page.
	Village, Kind, Search string
	Villages              []Option
	Pager                 Pager
}

// ComplaintData is one complaint.
type ComplaintData struct {
	ComplaintView
	CanHandle bool
	// SeesContact: the caller may read the complainant's contact (the
	// discipline office only); others see no contact line at all, not
	// "匿名" for a complainant who left one.
	SeesContact  bool
	VillageNames map[string]string
	// Values are what was typed in the reply or resolve form, after a
	// refusal (text; outcome, note).
	Values map[string]string
}

// UsersData is the users page.
type UsersData struct {
	Users        []ledger.User
	Villages     []ledger.Village
	Roles        []string
	VillageNames map[string]string
	Values       map[string]string
	Slowed       map[string]bool // users whose logins are slowed after wrong passwords, by id
	// Chosen are the villages ticked in the new user's form, after a
	// refusal.
	Chosen []string
	// Edit is the account whose form was refused, with what was chosen in
	// it (its form opens with those choices instead of the stored ones).
	Edit *UserEdit
}

// UserEdit is a refused change of one account's villages or state.
type UserEdit struct {
	ID       string
	Villages []string
	Disabled bool
}

// JobView is a job with its last runs.
type JobView struct {
	Name, Label, Schedule string
	Runs                  []ledger.JobRun
}

// CountyTown is one town's line of the county summary page (amounts in
// yuan; Verify is passed, failed, not_verified or "" when no verify ran).
type CountyTown struct {
	Town, Name                string
	Received, Allocated, Paid string
	Notices, High, Warn, Info int
	VerifiedAt, Verify        string
}

// VerifyText is a town's last verification in plain words.
func VerifyText(r string) string {
	switch r {
	case "passed":
		return "通过"
	case "failed":
		return "不通过"
	case "not_verified":
		return "未完成"
	}
	return "尚未核验"
}

// JobsData is the jobs page.
type JobsData struct {
	Jobs   []JobView
	CanRun bool
}

// EntryText is an entry's canonical bytes as text, cut at 4,000
// characters.
func EntryText(b []byte) string {
	s := strings.ToValidUTF8(string(b), "�")
	if r := []rune(s); len(r) > 4000 {
		return string(r[:4000]) + "…"
	}
	return s
}

// entryTypeLabels names every entry type of the ledger in plain words
// (TestEntryTypeLabels fails when a type of ledger.EntryTypes lacks one).
var entryTypeLabels = map[string]string{
	ledger.TypeTownRegistered:             "乡镇登记",
	ledger.TypeTownUpdated:                "乡镇信息变更",
	ledger.TypeVillageRegistered:          "村登记",
	ledger.TypeVillageGroupsAdded:         "增设村民小组",
	ledger.TypeVillageContactsSet:         "村联系人设置",
	ledger.TypeSourceAliasSet:             "资金来源简称设置",
	ledger.TypeItemDefined:                "补贴项目设立",
	ledger.TypeItemChanged:                "补贴项目变更",
	ledger.TypeOrganisationRegistered:     "单位登记",
	ledger.TypeOrganisationPeopleRecorded: "单位人员登记",
	ledger.TypeHouseholdRegistered:        "农户登记",
	ledger.TypeHouseholdUpdated:           "农户信息变更",
	ledger.TypePersonRegistered:           "人员登记",
	ledger.TypePersonUpdated:              "人员信息变更",
	ledger.TypePersonBoardPrinted:         "打印张贴版",
	ledger.TypeRegisterMarked:             "名册标注",
	ledger.TypeFundRecorded:               "资金到账",
	ledger.TypeProjectRegistered:          "项目登记",
	ledger.TypeProjectTransitioned:        "项目阶段变更",
	ledger.TypeProjectContractRecorded:    "项目合同登记",
	ledger.TypeProjectAssetRecorded:       "项目资产登记",
	ledger.TypeAllocationRecorded:         "资金拨付",
	ledger.TypePaymentRecorded:            "支付录入",
	ledger.TypePaymentApproved:            "支付审批通过",
	ledger.TypePaymentRejected:            "支付审批退回",
	ledger.TypePaymentEffective:           "支付生效",
	ledger.TypePaymentHeld:                "支付暂缓",
	ledger.TypeReversalRecorded:           "冲正",
	ledger.TypeLoanGranted:                "贷款发放",
	ledger.TypeRepaymentRecorded:          "还款登记",
	ledger.TypeBankReturnRecorded:         "银行回单登记",
	ledger.TypeImportBatchCommitted:       "批量导入",
	ledger.TypeNoticeDrafted:              "公告草稿生成",
	ledger.TypeNoticePublished:            "公告发布",
	ledger.TypeNoticeWithdrawn:            "公告撤回",
	ledger.TypeNoticeEnded:                "公示期结束",
	ledger.TypeFlagRaised:                 "发现线索",
	ledger.TypeFlagUpdated:                "线索新证据",
	ledger.TypeFlagReviewed:               "线索处理",
	ledger.TypeComplaintFiled:             "受理投诉",
	ledger.TypeComplaintReplied:           "答复投诉",
	ledger.TypeComplaintResolved:          "投诉办结",
	ledger.TypeComplaintEscalated:         "投诉移交纪委",
	ledger.TypeUserCreated:                "新建用户",
	ledger.TypeUserUpdated:                "用户变更",
	ledger.TypeUserPasswordChanged:        "用户修改密码",
	ledger.TypeUserPasswordReset:          "重置密码",
	ledger.TypeUserUnlocked:               "解除账号锁定",
}

// EntryTypeText is an entry type in plain words ("其他记录" for a type
// the table lacks: never the internal name).
func EntryTypeText(t string) string {
	if l, ok := entryTypeLabels[t]; ok {
		return l
	}
	return "其他记录"
}

// NoticeStatusText is a notice's state in the words staff pages use.
func NoticeStatusText(s string) string {
	switch s {
	case ledger.NoticeDraft:
		return "草稿"
	case ledger.NoticePublished:
		return "公示中"
	case ledger.NoticeEnded:
		return "已结束"
	case ledger.NoticeWithdrawn:
		return "已撤回"
	case ledger.NoticeSuperseded:
		return "已更正"
	}
	return s
}
