package pages

import "github.com/sunshine-ledger/sunshine/ledger"

// The pages a village monitor reads their villages' books on (issue 17):
// read-only, one card per row so that they read on a phone.

// VillagePaymentView is a payment as oversight sees it (DOMAIN.md §6): the
// payee's full name, ID number first 6 + last 4, 村民小组, and the account
// the money went into (last 4) with whose it was.
type VillagePaymentView struct {
	ledger.Payment
	Payee       string
	IDNumber    string
	Village     string // the village's name
	Group       string
	Account     string
	Holder      string // 本人, 户主, 本户成员, 他人 or ""
	ProjectCode string
	ItemName    string
	StatusText  string
	BankState   string // the bank's return file: 到账, 退回, 失败, 未见银行回单; "" where the bank does not pay it
}

// VillageBooksData is a monitor's overview of their villages.
type VillageBooksData struct {
	Villages []VillageSummary
}

// VillageSummary counts what a monitor can read of one village.
type VillageSummary struct {
	Code, Name                    string
	Payments, Projects, Loans     int
	Complaints, Drafts, OpenFlags int
	Paid                          ledger.Fen
	OtherAccounts                 int // payments into an account of someone outside the payee's household
}

// VillagePaymentsData is a monitor's payments page.
type VillagePaymentsData struct {
	Village  string // the village code shown ("" for all the monitor's)
	Villages []Option
	Voucher  string
	Payments []VillagePaymentView
	Shown    int // when cut: how many of Total are shown
	Total    int
	Pager    Pager
}

// VillageProjectData is one project as a monitor reads it.
type VillageProjectData struct {
	Report      ledger.ProjectReport
	VillageName string
	Contracts   []ContractView
	Notices     []ledger.Notice
	Payments    []VillagePaymentView // the newest of them
	Pager       Pager                // how many in all, and the link to the list
}

// ContractView is a contract as a project's payments name it.
type ContractView struct {
	ContractNo, Payee   string
	Paid                ledger.Fen
	Payments            int
	FirstPaid, LastPaid string
}

// VillageFundData is a fund's trace down to a monitor's villages' payees.
type VillageFundData struct {
	Report   ledger.FundReport
	Payments []VillagePaymentView // the newest of them
	Pager    Pager                // how many in all, and the link to the list
}

// VillageLoanView is a loan with its borrower as oversight sees them.
type VillageLoanView struct {
	ledger.Loan
	Village  string // the village's name
	Borrower string
	Rate     string // annual rate, percent (4.35)
}

// VillageLoansData is a monitor's loans page.
type VillageLoansData struct {
	Loans []VillageLoanView
}

// FlagContext is what a monitor needs beside a flag to judge it: the
// household and its members, the payee's payments of the item over the
// years, related complaints, and what to check on the ground.
type FlagContext struct {
	FieldCheck string // 实地核查要点
	Households []HouseholdView
	History    []VillagePaymentView
	HistoryOf  string // whose payments of which item History lists
	Complaints []ComplaintView
}

// HouseholdView is a household with its members (oversight masking).
type HouseholdView struct {
	ID                   int64
	Village, Group       string
	Kind, MonitoringKind string
	Members              []MemberView
}

// MemberView is one member of a household.
type MemberView struct {
	Name, IDNumber, Relation, JoinedOn string
	Notes                              []string // 已故, 财政供养, 村干部, 干部亲属, 在校生, 残疾
}
