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
}

// PaymentsData is the payments page.
type PaymentsData struct {
	Status     string
	Voucher    string // the search box: a voucher, invoice or contract number
	Statuses   []Option
	Payments   []PaymentView
	CanApprove bool
	// The filters and their choices.
	Village, Fund, Item, Year string
	Villages, Funds, Items    []Option
	Pager                     Pager
}

// Pager is a paged list's count and links: Total rows match the filters,
// this page shows rows From..From+Shown-1 of them, newest first.
type Pager struct {
	Total, From, Shown int
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
	Payments []PaymentView
}

// LedgerData is the ledger browser.
type LedgerData struct {
	Size           int64
	Checkpoint     string
	CheckpointSize int64
	Entries        []ledger.StoredEntry
	Checkpoints    []ledger.Checkpoint // the latest 20 signed, newest first
	Older, Newer   int64               // the "before" of the neighbouring pages, -1 for none
}

// EntryData is one entry.
type EntryData struct {
	Entry      ledger.StoredEntry
	CanReverse bool
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
}

// UsersData is the users page.
type UsersData struct {
	Users        []ledger.User
	Villages     []ledger.Village
	Roles        []string
	VillageNames map[string]string
	Values       map[string]string
	Slowed       map[string]bool // users whose logins are slowed after wrong passwords, by id
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
