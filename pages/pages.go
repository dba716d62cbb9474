package pages

import (
	"bytes"
	"embed"
	"html/template"
	"io"
	"slices"
	"time"

	"github.com/sunshine-ledger/sunshine/ledger"
)

//go:embed web/*.html
var templateFS embed.FS

// Pages renders the staff pages.
type Pages struct{ t *template.Template }

// New parses the embedded templates.
func New(loc *time.Location) (*Pages, error) {
	if loc == nil {
		loc = time.Local
	}
	t, err := template.New("staff").Funcs(template.FuncMap{
		"severity": SeverityText, "status": FlagStatusText, "action": ActionText,
		"yuan": func(f ledger.Fen) string { return f.Yuan() }, "role": RoleText, "job": JobText, "verify": VerifyText, "outcome": OutcomeText, "when": func(s string) string { return When(s, loc) },
		"paystatus": ledger.PaymentStatusText, "entrytext": EntryText, "contains": slices.Contains[[]string, string],
		"time": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(loc).Format("2006-01-02 15:04")
		},
		"village": func(m map[string]string, code string) string {
			if n, ok := m[code]; ok {
				return n
			}
			return code
		},
		"field":     func(m map[string]string, k string) string { return m[k] },
		"entrytype": EntryTypeText, "actor": ActorText, "schedule": ScheduleText, "joberror": JobErrorText,
		"took":    func(from, to time.Time) string { return DurationText(to.Sub(from)) },
		"summary": func(body []byte, actors map[string]string) []SummaryField { return EntrySummary(body, actors, loc) },
		"list":    func(v ...string) []string { return v },
		"neg":     func(n int) int { return -n },
		"sub":     func(a, b int) int { return a - b },
		"add": func(v ...int) int {
			n := 0
			for _, x := range v {
				n += x
			}
			return n
		},
	}).ParseFS(templateFS, "web/*.html")
	if err != nil {
		return nil, err
	}
	return &Pages{t: t}, nil
}

// Page is what every staff page gets.
type Page struct {
	Title string
	Town  string
	// Viewing names the town a county office's page reads ("" for
	// everyone else): shown under the top bar, with the way back.
	Viewing string
	User    *ledger.User
	CSRF    string // the form token of the session
	Error   string
	// Fields are the refusal's field errors (row, column, reason).
	Fields []ledger.FieldError
	Note   string
	// Refresh reloads the page after so many seconds (a running task).
	Refresh int
	Data    any
}

// Nav is the top bar of the page's user.
func (p Page) Nav() []NavItem {
	if p.User == nil {
		return nil
	}
	return Nav(p.User.Role)
}

// Render writes a page; a template error writes nothing.
func (p *Pages) Render(w io.Writer, name string, pg Page) error {
	var b bytes.Buffer
	if err := p.t.ExecuteTemplate(&b, name, pg); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

// FlagsData is a monitor's (or the discipline office's) flag list.
type FlagsData struct {
	Status string
	Flags  []ledger.Flag
	// The filters and their choices, and the page.
	Village, Rule, Severity string
	Search                  string // in the reason, the subject or the number
	Villages, Rules         []Option
	Statuses, Severities    []Option
	VillageNames            map[string]string
	Pager                   Pager
	// Alarms are raised outside the log about a log the service stopped
	// writing (shown to the discipline office, admins and auditors).
	Alarms []ledger.Alarm
}

// FlagData is one flag with its history.
type FlagData struct {
	Flag ledger.Flag
	// LaterChecks are the runs of the verify job that passed after a T1
	// flag was raised (newest first): shown on it, which stays open for a
	// person to close.
	LaterChecks []ledger.JobRun
	// CanReview: the user may act on it now.
	CanReview bool
	// The payments its evidence names, and the village's name.
	EvidencePayments []PaymentView
	VillageName      string
	// Notices: the public notices that list a row of its evidence.
	Notices []ledger.Notice
	// Entries, Payments: the user may open the ledger's entries, the
	// payments pages.
	Entries, Payments bool
	// Context is what a monitor needs beside the flag to judge it.
	Context FlagContext
	// Action, Note: what was chosen and typed in the review form, kept
	// after a refusal.
	Action, Note string
	// Actors names who took each step (user id → username).
	Actors map[string]string
}

// SeverityText is a severity in plain words.
func SeverityText(s string) string {
	switch s {
	case ledger.SeverityHigh:
		return "高"
	case ledger.SeverityWarn:
		return "中"
	}
	return "低"
}

// FlagStatusText is a flag status in plain words.
func FlagStatusText(s string) string {
	switch s {
	case ledger.FlagOpen:
		return "待处理"
	case ledger.FlagAcknowledged:
		return "已签收"
	case ledger.FlagConfirmed:
		return "已确认"
	case ledger.FlagDismissed:
		return "已排除"
	case ledger.FlagEscalated:
		return "已移交纪委"
	}
	return s
}

// ActionText is a review step in plain words.
func ActionText(a string) string {
	switch a {
	case "raised":
		return "发现"
	case "updated":
		return "新证据"
	case "acknowledge":
		return "签收"
	case "confirm":
		return "确认"
	case "dismiss":
		return "排除"
	case "escalate":
		return "移交纪委"
	}
	return a
}
