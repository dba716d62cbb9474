package disclosure

import (
	"bytes"
	"embed"
	"html/template"
	"io"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// The public site: server-rendered html/template pages, embedded, readable
// on a 360 px phone (DOMAIN.md §6), working without JavaScript. The one
// script, on the verify page, only adds to it (every phone a witness:
// web/verify.js). The handlers live in the api package (the only gin
// importer); they fill the page data below and call Site.Render.

//go:embed web/*.html
var templateFS embed.FS

//go:embed web/site.css
var siteCSS []byte

//go:embed web/verify.js
var verifyJS []byte

// SiteCSS is the one stylesheet, served at /static/site.css.
func SiteCSS() []byte { return siteCSS }

// VerifyJS is the verify page's script, served at /static/verify.js: it
// remembers on the phone the last checkpoint verified there and, on the
// next visit, checks a consistency proof from it to today's.
func VerifyJS() []byte { return verifyJS }

// Site renders the public pages.
type Site struct {
	t *template.Template
}

// NewSite parses the embedded templates.
func NewSite() (*Site, error) {
	t, err := template.New("site").Funcs(template.FuncMap{
		"colTitle": func(c ledger.ContentColumn) string { return c.Title },
		"tel":      telOf,
		"anySeq": func(rows []ledger.ContentRow) bool {
			for _, r := range rows {
				if r.Seq >= 0 {
					return true
				}
			}
			return false
		},
	}).ParseFS(templateFS, "web/*.html")
	if err != nil {
		return nil, err
	}
	return &Site{t: t}, nil
}

// Page is what every page gets: its title, the town's name and phones,
// an error message to show, and the page's own data.
type Page struct {
	Title  string
	Town   string
	Phones []string
	Error  string
	Data   any
	// Large is the reader's 大字 choice (a cookie): the body gets the class
	// "large" and the toggle offers 标准字号.
	Large bool
	// Back is the page's own local address, where the text-size toggle
	// (/display) returns to.
	Back string
}

// ProblemData is the page of a problem: the not-found page (未找到该页面,
// 未找到该公告) or another error, with a way home.
type ProblemData struct {
	Heading, Message string
}

// Render writes a page (home, notices, notice, verify, query, complaints,
// project, problem).
// It renders into a buffer first, so a template error writes nothing.
func (s *Site) Render(w io.Writer, name string, p Page) error {
	var b bytes.Buffer
	if err := s.t.ExecuteTemplate(&b, name, p); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

// NoticeItem is a notice in a list.
type NoticeItem struct {
	Code, Title, Number, PublishedOn, VillageName, Status, StatusText string
}

// StatusText is a notice status in the words of a notice board.
func StatusText(status string) string {
	switch status {
	case ledger.NoticePublished:
		return "公示中"
	case ledger.NoticeEnded:
		return "已结束"
	case ledger.NoticeWithdrawn:
		return "已撤回"
	case ledger.NoticeSuperseded:
		return "已被替代"
	}
	return "草稿"
}

// HomeData is the home page's data.
type HomeData struct {
	Villages []ledger.Village
	Latest   []NoticeItem
}

// NoticesData is a village's notice list.
type NoticesData struct {
	Heading  string
	Village  string
	Villages []ledger.Village
	Notices  []NoticeItem // this page of them, newest published first
	// Filters: the notice type, the year published, a search of title and
	// number; Types are the choices.
	Type, Year, Search string
	Types              []string
	// Total match; this page shows From..To; Prev and Next link the pages.
	Total, From, To int
	Prev, Next      string
}

// NoticeData is one notice's page: the stored content.
type NoticeData struct {
	Code       string
	Content    ledger.NoticeContent
	Checkpoint string
	// Witnesses are the witnesses that cosigned Checkpoint, as printed.
	Witnesses  []string
	VerifyPath string
	StatusNote string
}

// WitnessNames are the witnesses as the paper prints them (、between).
func (d NoticeData) WitnessNames() string { return joinNames(d.Witnesses) }

// VerifyData is the verify page: the form's values and a report.
type VerifyData struct {
	Notice, N, R string
	// Town is the town's code (the script's ?town= for the public API).
	Town   string
	Report *Report
	// Content is the web copy of the notice being verified: what the paper
	// must say (number, title, village, dates, every row), shown with each
	// row's ✔ or ✘ so a villager can hold the phone next to the board.
	Content *ledger.NoticeContent
	// VillageName names Content.Village.
	VillageName string
}

// RowMark returns ✔ or ✘ for a row of the notice by its seq after a
// verification, or "" when the row was not checked.
func (d VerifyData) RowMark(seq int64) string {
	if d.Report == nil {
		return ""
	}
	ok, checked := d.Report.RowOK[seq]
	switch {
	case !checked:
		return ""
	case ok:
		return "✔"
	}
	return "✘"
}

// QueryData is the self-query page.
type QueryData struct {
	Village  string
	Villages []ledger.Village
	Answer   *QueryAnswer
}

// QueryAnswer is a self-query answer as shown.
type QueryAnswer struct {
	Name, IDNumber string
	Payments       []QueryPayment
}

// QueryPayment is one payment of a self-query answer.
type QueryPayment struct {
	Item, Amount, PaidOn, Status, Payee string
	Seq                                 int64
	// Destination is where the money went (打入本人账户 ****1234 …); Bank
	// the bank's confirmation (到账 / 退回 / 未见银行回单) once bank return
	// files are reconciled.
	Destination, Bank string
}

// ComplaintsData is the complaint page: the form, a new receipt, or a
// complaint's status.
type ComplaintsData struct {
	Notice   string
	Villages []ledger.Village
	Receipt  string
	Status   *ComplaintStatus
	// What was typed, shown again after a refusal.
	Village, Text, Contact string
}

// ComplaintStatus is what the complainant sees with a receipt.
type ComplaintStatus struct {
	Receipt, Kind, NoticeCode, Text, StatusText, FiledAt string
	Replies                                              []ledger.ComplaintReply
}

// ComplaintStatusText is a complaint's status in plain words.
func ComplaintStatusText(c ledger.Complaint) string {
	switch {
	case c.Status == ledger.ComplaintResolved && c.Outcome == ledger.OutcomeUpheld:
		return "已办结（反映属实）"
	case c.Status == ledger.ComplaintResolved:
		return "已办结（经核查不属实）"
	case c.Status == ledger.ComplaintReplied:
		return "办理中（已答复）"
	case c.Escalated:
		return "已移交镇纪委办理"
	}
	return "已受理，正在办理"
}
