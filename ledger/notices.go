package ledger

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Notice types (DOMAIN.md §6); the type is its Chinese name.
const (
	NoticeAllocation    = "资金分配结果公告"
	NoticeLibrary       = "项目入库公示"
	NoticePlan          = "年度项目计划公告"
	NoticePreStart      = "项目实施前公示"
	NoticeAcceptance    = "项目验收公示"
	NoticeCompletion    = "竣工公告"
	NoticeRecipients    = "补助对象公示"
	NoticePaymentResult = "资金发放结果公告"
	NoticeLoans         = "小额信贷公示"
	NoticeQuarterly     = "季度资金使用情况"
)

// NoticeTypes lists the notice types in the order of DOMAIN.md §6.
var NoticeTypes = []string{NoticeAllocation, NoticeLibrary, NoticePlan, NoticePreStart, NoticeAcceptance,
	NoticeCompletion, NoticeRecipients, NoticePaymentResult, NoticeLoans, NoticeQuarterly}

// AutoPublishTypes are the notice types the notices job publishes by itself
// by default: they report facts already in the ledger.
var AutoPublishTypes = []string{NoticePaymentResult, NoticeQuarterly}

// Notice statuses.
const (
	NoticeDraft      = "draft"
	NoticePublished  = "published"
	NoticeEnded      = "ended"
	NoticeWithdrawn  = "withdrawn"
	NoticeSuperseded = "superseded"
)

// The hand-filled fields of a notice (what the ledger does not know), by
// key: the API's `fields` object uses these keys.
var noticeFieldLabels = map[string]string{
	"allocation_principle": "分配原则",
	"subsidy_standard":     "补助标准",
	"contractor":           "施工单位（承建方）",
	"procurement_method":   "采购方式",
	"procurement_result":   "采购结果",
	"outputs":              "建设内容及产出",
	"targets_met":          "绩效目标完成情况",
	"assets":               "资产移交情况",
	"body":                 "正文",
}

// NoticeFieldLabel is the Chinese label of a hand-filled field key.
func NoticeFieldLabel(key string) string { return noticeFieldLabels[key] }

// NoticeFieldKeys lists the hand-filled field keys a draft may carry.
func NoticeFieldKeys() []string {
	ks := make([]string, 0, len(noticeFieldLabels))
	for k := range noticeFieldLabels {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// NoticeRef is one row of a notice: the object it shows and the seq of its
// entry (-1 for an aggregate row).
type NoticeRef struct {
	Kind string `json:"kind"` // payment | loan | allocation | project | fund
	ID   int64  `json:"id"`
	Seq  int64  `json:"seq"`
}

// Notice is a notice (公告/公示), a draft until published.
type Notice struct {
	ID             int64 // the seq of its notice_drafted entry
	Type           string
	Village        string // village code; "" for a town notice
	Title          string
	Period         string // 2026-10, 2026-Q3, 2026, or ""
	Fund           string // 指标文号 (资金分配结果公告)
	Project        string // project code (project notices)
	Item           string // item code (补助对象公示, optional)
	Fields         map[string]string
	Rows           []NoticeRef // loaded by Notice; nil from lists (see loadRows)
	RowCount       int
	Supersedes     string // code of the notice it replaces
	SupersededBy   string
	Status         string
	Code           string
	Number         string
	Unit           string
	PublishedOn    string
	EndsOn         string
	Phones         []string
	Address        string
	Email          string
	PDFSHA256      string
	BoardPDFSHA256 string // the board copy's (张贴版), for notices that list people
	ContentSHA256  string
	CheckpointSize int64
	Auto           bool
	DraftedBy      string
	PublishSeq     int64
	WithdrawnOn    string
	WithdrawReason string
	LastSeq        int64
}

const (
	objNotice     = "notice"
	objNoticeCode = "notice_code"
	// objNoticeRows keeps a notice's rows apart from the notice, so that
	// reading a notice for a page or a list does not decode thousands of
	// rows.
	objNoticeRows = "notice_rows"
)

// loadRows fills n.Rows from its own object.
func loadRows(bk Books, n *Notice) error {
	var rows []NoticeRef
	if err := bk.Object(objNoticeRows, n.ID, &rows); err != nil {
		return err
	}
	n.Rows = rows
	return nil
}

type noticeDraftPayload struct {
	Type       string            `json:"type"`
	Village    string            `json:"village"`
	Title      string            `json:"title"`
	Period     string            `json:"period"`
	Fund       string            `json:"fund,omitempty"`
	Project    string            `json:"project,omitempty"`
	Item       string            `json:"item,omitempty"`
	Fields     map[string]string `json:"fields"`
	Rows       []NoticeRef       `json:"rows"`
	Supersedes string            `json:"supersedes,omitempty"`
	Auto       bool              `json:"auto"`
}

type noticePublishedPayload struct {
	Notice         int64    `json:"notice"`
	Title          string   `json:"title"`
	Code           string   `json:"code"`
	Number         string   `json:"number"`
	Unit           string   `json:"unit"`
	PublishedOn    string   `json:"published_on"`
	EndsOn         string   `json:"ends_on"`
	Phones         []string `json:"phones"`
	Address        string   `json:"address"`
	Email          string   `json:"email"`
	PDFSHA256      string   `json:"pdf_sha256"`
	ContentSHA256  string   `json:"content_sha256"`
	CheckpointSize int64    `json:"checkpoint_size"`
	Supersedes     string   `json:"supersedes,omitempty"`
	// Added by issue 16 (optional, so that older entries keep their
	// bytes): the SHA-256 of the board copy (张贴版) of a notice that lists
	// people. The board copy embeds a per-notice secret (BoardNonce), so
	// the hash cannot be used to guess the full names it prints.
	BoardPDFSHA256 string `json:"board_pdf_sha256,omitempty"`
}

type noticeChangePayload struct {
	Notice int64  `json:"notice"`
	Reason string `json:"reason,omitempty"`
	On     string `json:"on"`
}

// applyNotice maps the notice entries to the notice projection.
func applyNotice(bk Books, e Entry) error {
	switch e.Type {
	case TypeNoticeDrafted:
		var p noticeDraftPayload
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			return err
		}
		if err := bk.CreateObject(objNoticeRows, e.Seq, "", p.Rows); err != nil {
			return err
		}
		return bk.CreateObject(objNotice, e.Seq, "", Notice{ID: e.Seq, Type: p.Type, Village: p.Village, Title: p.Title,
			Period: p.Period, Fund: p.Fund, Project: p.Project, Item: p.Item, Fields: p.Fields, RowCount: len(p.Rows),
			Supersedes: p.Supersedes, Status: NoticeDraft, Auto: p.Auto, DraftedBy: e.Actor, LastSeq: e.Seq})
	case TypeNoticePublished:
		var p noticePublishedPayload
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			return err
		}
		var n Notice
		if err := bk.Object(objNotice, p.Notice, &n); err != nil {
			return err
		}
		n.Status, n.Code, n.Number, n.Unit = NoticePublished, p.Code, p.Number, p.Unit
		if p.Title != "" {
			n.Title = p.Title
		}
		n.PublishedOn, n.EndsOn, n.Phones, n.Address, n.Email = p.PublishedOn, p.EndsOn, p.Phones, p.Address, p.Email
		n.PDFSHA256, n.ContentSHA256, n.CheckpointSize, n.PublishSeq, n.LastSeq = p.PDFSHA256, p.ContentSHA256, p.CheckpointSize, e.Seq, e.Seq
		n.BoardPDFSHA256 = p.BoardPDFSHA256
		if err := bk.CreateObject(objNoticeCode, e.Seq, p.Code, n.ID); err != nil {
			return err
		}
		if p.Supersedes != "" {
			var oldID int64
			if _, err := bk.ObjectByKey(objNoticeCode, p.Supersedes, &oldID); err != nil {
				return err
			}
			var old Notice
			if err := bk.Object(objNotice, oldID, &old); err != nil {
				return err
			}
			old.Status, old.SupersededBy, old.LastSeq = NoticeSuperseded, p.Code, e.Seq
			if err := bk.PutObject(objNotice, old.ID, old); err != nil {
				return err
			}
		}
		return bk.PutObject(objNotice, n.ID, n)
	case TypeNoticeWithdrawn, TypeNoticeEnded:
		var p noticeChangePayload
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			return err
		}
		var n Notice
		if err := bk.Object(objNotice, p.Notice, &n); err != nil {
			return err
		}
		n.LastSeq = e.Seq
		if e.Type == TypeNoticeWithdrawn {
			n.Status, n.WithdrawnOn, n.WithdrawReason = NoticeWithdrawn, p.On, p.Reason
		} else if n.Status == NoticePublished {
			n.Status = NoticeEnded
		}
		return bk.PutObject(objNotice, n.ID, n)
	}
	return nil
}

// NoticeDraftInput is what staff (or the notices job) ask a draft for.
type NoticeDraftInput struct {
	Type       string
	Village    string // code or name
	Title      string
	Period     string // 2026-10 (month), 2026-Q3 (quarter) or 2026 (year)
	Fund       string // 指标文号
	Project    string // project code
	Item       string // item code
	Fields     map[string]string
	Supersedes string // code of a published notice
	Auto       bool
}

var noticeMonth = regexp.MustCompile(`^\d{4}-(0[1-9]|1[0-2])$`)

// DraftNotice makes a draft of a notice from ledger data: it validates the
// request and fixes the rows the notice will show (payments, loans,
// allocations, projects or funds, each with the seq of its entry). Errors:
// validation_failed naming the field, not_found for an unknown fund,
// project or superseded notice.
func (s *Service) DraftNotice(ctx context.Context, lg Log, actor string, in NoticeDraftInput, idem *Idem) (Notice, error) {
	if strings.TrimSpace(in.Title) == "" && slices.Contains(NoticeTypes, strings.TrimSpace(in.Type)) {
		n := Notice{Type: strings.TrimSpace(in.Type), Period: strings.TrimSpace(in.Period), Project: strings.TrimSpace(in.Project)}
		if vs, err := s.Villages(ctx, lg); err == nil {
			for _, v := range vs {
				if v.Code == in.Village || v.Name == in.Village {
					n.Village = v.Code
				}
			}
		}
		if n.Village == "" && projectNotice(n.Type) && n.Project != "" {
			if pr, err := s.ProjectByCode(ctx, lg, n.Project); err == nil {
				n.Village = pr.Village
			}
		}
		in.Title = s.defaultTitle(ctx, lg, n)
	}
	return write(ctx, s, lg, idem, func(w *txn) (Notice, error) {
		p, err := w.draftPayload(in)
		if err != nil {
			return Notice{}, err
		}
		e, err := w.emit(TypeNoticeDrafted, actor, Date{}, p)
		if err != nil {
			return Notice{}, err
		}
		var n Notice
		err = w.bk.Object(objNotice, e.Seq, &n)
		return n, err
	})
}

func (w *txn) draftPayload(in NoticeDraftInput) (noticeDraftPayload, error) {
	p := noticeDraftPayload{Type: strings.TrimSpace(in.Type), Title: strings.TrimSpace(in.Title), Period: strings.TrimSpace(in.Period),
		Fund: strings.TrimSpace(in.Fund), Project: strings.TrimSpace(in.Project), Item: strings.TrimSpace(in.Item),
		Fields: map[string]string{}, Supersedes: strings.TrimSpace(in.Supersedes), Auto: in.Auto, Rows: []NoticeRef{}}
	if !slices.Contains(NoticeTypes, p.Type) {
		return p, invalid("type", "公告类型须是以下之一：%s", strings.Join(NoticeTypes, "、"))
	}
	for k, v := range in.Fields {
		if _, ok := noticeFieldLabels[k]; !ok {
			return p, invalid("fields."+k, "不认识的公告内容字段 %q", k)
		}
		if v = strings.TrimSpace(v); v != "" {
			if len([]rune(v)) > 2000 {
				return p, invalid("fields."+k, "%s不能超过 2000 字", noticeFieldLabels[k])
			}
			p.Fields[k] = v
		}
	}
	if len([]rune(p.Title)) > 100 {
		return p, invalid("title", "标题不能超过 100 字")
	}
	if in.Village != "" {
		v, err := w.resolveVillage(in.Village)
		if err != nil {
			return p, err
		}
		p.Village = v.Code
	}
	if p.Supersedes != "" {
		var id int64
		if _, err := w.bk.ObjectByKey(objNoticeCode, p.Supersedes, &id); IsNotFound(err) {
			return p, Errorf(CodeNotFound, "未找到被替代的公告 %s", p.Supersedes)
		} else if err != nil {
			return p, err
		}
		var old Notice
		if err := w.bk.Object(objNotice, id, &old); err != nil {
			return p, err
		}
		if old.Type != p.Type {
			return p, invalid("supersedes", "替代的公告须是同一类型（%s）", old.Type)
		}
		if old.Status == NoticeSuperseded || old.Status == NoticeWithdrawn {
			return p, invalid("supersedes", "公告 %s 已被撤回或替代", p.Supersedes)
		}
	}
	if err := w.pickRows(&p); err != nil {
		return p, err
	}
	return p, nil
}

// villageLevel reports whether a notice type is posted by a village.
func villageLevel(typ string) bool {
	switch typ {
	case NoticeRecipients, NoticePaymentResult, NoticeLoans:
		return true
	}
	return false
}

// projectNotice reports whether a notice type is about one project.
func projectNotice(typ string) bool {
	switch typ {
	case NoticePreStart, NoticeAcceptance, NoticeCompletion:
		return true
	}
	return false
}

// pickRows validates the type's scope and fixes its rows.
func (w *txn) pickRows(p *noticeDraftPayload) error {
	if villageLevel(p.Type) && p.Village == "" {
		return invalid("village", "%s须指定村（社区）", p.Type)
	}
	switch p.Type {
	case NoticePaymentResult, NoticeLoans:
		if !noticeMonth.MatchString(p.Period) {
			return invalid("period", "%s须指定月份，格式如 2026-10", p.Type)
		}
	case NoticeQuarterly:
		if _, err := quarterOf(p.Period); err != nil {
			return invalid("period", "季度资金使用情况须指定季度，格式如 2026-Q3")
		}
	case NoticePlan:
		if _, err := strconv.Atoi(p.Period); err != nil || len(p.Period) != 4 {
			return invalid("period", "年度项目计划公告须指定年度，格式如 2026")
		}
	}
	switch {
	case p.Type == NoticeAllocation:
		if p.Fund == "" {
			return invalid("fund", "资金分配结果公告须指定资金（指标文号）")
		}
		f, err := w.fund(p.Fund)
		if err != nil {
			return err
		}
		allocs, err := listObjects[Allocation](w.bk, objAllocation)
		if err != nil {
			return err
		}
		for _, a := range allocs {
			if a.Fund == f.ID && !w.reversed(a.Seq) {
				p.Rows = append(p.Rows, NoticeRef{Kind: "allocation", ID: a.Seq, Seq: a.Seq})
			}
		}
	case projectNotice(p.Type):
		if p.Project == "" {
			return invalid("project", "%s须指定项目编号", p.Type)
		}
		pr, err := w.project(p.Project)
		if err != nil {
			return err
		}
		if p.Village == "" {
			p.Village = pr.Village
		} else if pr.Village != "" && p.Village != pr.Village {
			// a village project's notice is posted by its own village (and
			// its draft is read by that village's monitors alone)
			return invalid("village", "项目「%s」不属于该村，项目公告的所属村须是项目所在村", pr.Code)
		}
		if p.Type == NoticeCompletion {
			if paid, err := paidOf(w.bk, pr); err != nil {
				return err
			} else if paid == 0 {
				return invalid("project", "项目「%s」没有已支付的资金记录，不能起草竣工公告", pr.Code)
			}
		}
		p.Rows = append(p.Rows, NoticeRef{Kind: "project", ID: pr.ID, Seq: pr.LastSeq})
	case p.Type == NoticeLibrary || p.Type == NoticePlan:
		var prs []Project
		if p.Project != "" {
			pr, err := w.project(p.Project)
			if err != nil {
				return err
			}
			prs = []Project{pr}
			if p.Village == "" && p.Type == NoticeLibrary {
				p.Village = pr.Village
			}
		} else {
			all, err := listObjects[Project](w.bk, objProject)
			if err != nil {
				return err
			}
			for _, pr := range all {
				if p.Village != "" && pr.Village != p.Village {
					continue
				}
				if p.Type == NoticeLibrary && pr.Status == ProjPublicized ||
					p.Type == NoticePlan && planned(pr) && (pr.StartOn.IsZero() || strconv.Itoa(pr.StartOn.Year) == p.Period) {
					prs = append(prs, pr)
				}
			}
		}
		for _, pr := range prs {
			p.Rows = append(p.Rows, NoticeRef{Kind: "project", ID: pr.ID, Seq: pr.LastSeq})
		}
	case p.Type == NoticeRecipients || p.Type == NoticePaymentResult:
		refs, err := w.villagePayments(*p)
		if err != nil {
			return err
		}
		p.Rows = append(p.Rows, refs...)
	case p.Type == NoticeLoans:
		loans, err := listObjects[Loan](w.bk, objLoan)
		if err != nil {
			return err
		}
		for _, ln := range loans {
			if !strings.HasPrefix(ln.GrantedOn.String(), p.Period) {
				continue
			}
			var h Household
			if err := w.bk.Object(objHousehold, ln.Household, &h); err != nil || h.Village != p.Village {
				continue
			}
			p.Rows = append(p.Rows, NoticeRef{Kind: "loan", ID: ln.Seq, Seq: ln.Seq})
		}
	case p.Type == NoticeQuarterly:
		funds, err := listObjects[Fund](w.bk, objFund)
		if err != nil {
			return err
		}
		for _, f := range funds {
			if !f.Reversed {
				p.Rows = append(p.Rows, NoticeRef{Kind: "fund", ID: f.ID, Seq: -1})
			}
		}
	}
	return nil
}

func planned(pr Project) bool {
	switch pr.Status {
	case ProjPlanned, ProjInProgress, ProjAccepted, ProjCompleted:
		return true
	}
	return false
}

func (w *txn) reversed(seq int64) bool {
	var v json.RawMessage
	return w.bk.Object(objReversed, seq, &v) == nil
}

// villagePayments picks the payments of a village's 补助对象公示 (waiting
// for publicity, on no live list yet) or 资金发放结果公告 (effective, paid in
// the month).
func (w *txn) villagePayments(p noticeDraftPayload) ([]NoticeRef, error) {
	f := PaymentFilter{Item: p.Item}
	if p.Type == NoticeRecipients {
		f.Status = []string{StatusAwaitingPublicity}
	} else {
		f.Status = []string{StatusEffective}
	}
	ps, err := w.bk.Payments(f)
	if err != nil {
		return nil, err
	}
	listed := map[int64]bool{}
	if p.Type == NoticeRecipients {
		ns, err := listObjects[Notice](w.bk, objNotice)
		if err != nil {
			return nil, err
		}
		for _, n := range ns {
			if n.Type == NoticeRecipients && (n.Status == NoticePublished || n.Status == NoticeEnded) {
				if err := loadRows(w.bk, &n); err != nil {
					return nil, err
				}
				for _, r := range n.Rows {
					listed[r.ID] = true
				}
			}
		}
	}
	villageOf := map[int64]string{}
	var out []NoticeRef
	for _, pm := range ps {
		if pm.Household == 0 || listed[pm.ID] {
			continue
		}
		if p.Type == NoticePaymentResult && !strings.HasPrefix(pm.PaidOn.String(), p.Period) {
			continue
		}
		v, ok := villageOf[pm.Household]
		if !ok {
			var h Household
			if err := w.bk.Object(objHousehold, pm.Household, &h); err == nil {
				v = h.Village
			}
			villageOf[pm.Household] = v
		}
		if v == p.Village {
			out = append(out, NoticeRef{Kind: "payment", ID: pm.ID, Seq: pm.Seq})
		}
	}
	return out, nil
}

// quarterOf parses 2026-Q3 into its first and last dates.
func quarterOf(s string) ([2]Date, error) {
	var y, q int
	if _, err := fmt.Sscanf(s, "%d-Q%d", &y, &q); err != nil || q < 1 || q > 4 || len(s) != 7 {
		return [2]Date{}, fmt.Errorf("bad quarter %q", s)
	}
	start := Date{Year: y, Month: time.Month(3*q - 2), Day: 1}
	return [2]Date{start, start.addMonthsEnd(3)}, nil
}

// Notices lists notices matching the filter, newest first.
func (s *Service) Notices(ctx context.Context, lg Log, status, village, typ string) ([]Notice, error) {
	ns, err := listObjects[Notice](s.L.Store().Books(ctx, lg.ID), objNotice)
	if err != nil {
		return nil, err
	}
	ns = slices.DeleteFunc(ns, func(n Notice) bool {
		return status != "" && n.Status != status || village != "" && n.Village != village || typ != "" && n.Type != typ
	})
	slices.Reverse(ns)
	return ns, nil
}

// NoticesCiting returns the public notices (every status but draft) that
// list a row of a flag's evidence, oldest first: where a monitor reads what
// was posted about what the flag names. A row is cited when it was recorded
// by an entry the evidence cites, or is one of the payments given (those
// its vouchers name), a loan of its contracts or a project of its codes.
// Only the flag's village's notices and the town's are read (all, for a
// town-level flag).
func (s *Service) NoticesCiting(ctx context.Context, lg Log, f Flag, payments []Payment) ([]Notice, error) {
	bk := s.L.Store().Books(ctx, lg.ID)
	seqs := map[int64]bool{}
	for _, q := range f.Evidence.Entries {
		seqs[q] = true
	}
	refs := map[NoticeRef]bool{}
	for _, p := range payments {
		refs[NoticeRef{Kind: "payment", ID: p.ID}] = true
	}
	for _, c := range f.Evidence.Loans {
		var ln Loan
		if _, err := bk.ObjectByKey(objLoan, c, &ln); err == nil {
			refs[NoticeRef{Kind: "loan", ID: ln.Seq}] = true
		}
	}
	for _, c := range f.Evidence.ProjectCodes {
		var pr Project
		if _, err := bk.ObjectByKey(objProject, c, &pr); err == nil {
			refs[NoticeRef{Kind: "project", ID: pr.ID}] = true
		}
	}
	if len(seqs) == 0 && len(refs) == 0 {
		return nil, nil
	}
	ns, err := listObjects[Notice](bk, objNotice)
	if err != nil {
		return nil, err
	}
	var out []Notice
	for _, n := range ns {
		if n.Status == NoticeDraft || n.RowCount == 0 || f.Village != "" && n.Village != "" && n.Village != f.Village {
			continue
		}
		var rows []NoticeRef
		if err := bk.Object(objNoticeRows, n.ID, &rows); err != nil {
			return nil, err
		}
		if slices.ContainsFunc(rows, func(r NoticeRef) bool { return r.Seq >= 0 && seqs[r.Seq] || refs[NoticeRef{Kind: r.Kind, ID: r.ID}] }) {
			out = append(out, n)
		}
	}
	return out, nil
}

// Notice returns a notice by id with its rows, or not_found.
func (s *Service) Notice(ctx context.Context, lg Log, id int64) (Notice, error) {
	var n Notice
	bk := s.L.Store().Books(ctx, lg.ID)
	err := bk.Object(objNotice, id, &n)
	if IsNotFound(err) {
		return n, Errorf(CodeNotFound, "未找到该公告")
	}
	if err != nil {
		return n, err
	}
	return n, loadRows(bk, &n)
}

// NoticeByCode returns a published (or ended, withdrawn, superseded) notice
// by its code, without its rows, or not_found.
func (s *Service) NoticeByCode(ctx context.Context, lg Log, code string) (Notice, error) {
	bk := s.L.Store().Books(ctx, lg.ID)
	var id int64
	if _, err := bk.ObjectByKey(objNoticeCode, code, &id); IsNotFound(err) {
		return Notice{}, Errorf(CodeNotFound, "未找到编号为 %s 的公告", code)
	} else if err != nil {
		return Notice{}, err
	}
	var n Notice
	err := bk.Object(objNotice, id, &n)
	return n, err
}

// NoticeBlob returns stored bytes of a published notice (its PDF or its
// content) by SHA-256.
func (s *Service) NoticeBlob(ctx context.Context, lg Log, sha string) ([]byte, error) {
	return s.L.Store().Books(ctx, lg.ID).Blob(sha)
}

// PublishPlan is what publishing a draft will print: the defaults filled
// in and the content drawn from the ledger. It is made outside the write,
// then committed by CommitPublish.
type PublishPlan struct {
	Notice  Notice // with Code, Number, Unit, dates, phones, address, e-mail filled
	Content NoticeContent
	// LastSeq is the draft's last entry: CommitPublish refuses if it changed.
	LastSeq int64
}

// PlanPublish checks a draft can be published and fills what it lacks
// (DOMAIN.md §6): code <town>-<year>-<serial>, number <short>公〔<year>〕<serial>号,
// publish date today, end date by type, unit, phones (12317 added), address
// and e-mail from the town's settings. It returns missing_required_fields
// naming every missing field, conflict for a notice already published.
func (s *Service) PlanPublish(ctx context.Context, lg Log, id int64) (PublishPlan, error) {
	n, err := s.Notice(ctx, lg, id)
	if err != nil {
		return PublishPlan{}, err
	}
	if n.Status != NoticeDraft {
		return PublishPlan{}, &Error{Code: CodeConflict, Detail: "该公告已发布，不能再次发布"}
	}
	t, err := s.Town(ctx, lg)
	if err != nil {
		return PublishPlan{}, err
	}
	today := DateOf(s.L.Now(), s.L.Location())
	all, err := s.Notices(ctx, lg, "", "", "")
	if err != nil {
		return PublishPlan{}, err
	}
	serial := 1
	prefix := fmt.Sprintf("%s-%d-", t.Code, today.Year)
	for _, o := range all {
		if k, ok := strings.CutPrefix(o.Code, prefix); ok {
			if v, err := strconv.Atoi(k); err == nil && v >= serial {
				serial = v + 1
			}
		}
	}
	n.Code = fmt.Sprintf("%s%04d", prefix, serial)
	n.Number = fmt.Sprintf("%s公〔%d〕%d号", t.ShortName, today.Year, serial)
	n.PublishedOn = today.String()
	n.EndsOn = noticeEnd(n.Type, today).String()
	n.Unit = t.Name + "人民政府"
	if n.Village != "" && villageLevel(n.Type) || projectNotice(n.Type) && n.Village != "" || n.Type == NoticeLibrary && n.Village != "" {
		if v, err := s.village(ctx, lg, n.Village); err == nil {
			n.Unit = v.Name + "村民委员会"
			if strings.HasSuffix(v.Name, "社区") {
				n.Unit = v.Name + "居民委员会"
			}
			// a village's notices are numbered in its own series
			n.Number = villageNumber(v.Name, today.Year, all)
		}
	}
	var vp *Village
	if n.Unit != t.Name+"人民政府" {
		if v, err := s.village(ctx, lg, n.Village); err == nil {
			vp = &v
		}
	}
	n.Phones = noticeContacts(t, vp)
	n.Address, n.Email = t.Address, t.Email
	if n.Title == "" {
		n.Title = s.defaultTitle(ctx, lg, n)
	}
	c, err := s.NoticeContent(ctx, lg, n, AudiencePublic)
	if err != nil {
		return PublishPlan{}, err
	}
	if missing := c.Missing(); len(missing) > 0 {
		e := &Error{Code: CodeMissingFields, Detail: "公告缺少必填内容：" + strings.Join(labelsOf(missing), "、")}
		for _, m := range missing {
			e.Fields = append(e.Fields, FieldError{Field: m.Key, Message: m.Label + "不能为空", Code: CodeMissingFields})
		}
		return PublishPlan{}, e
	}
	return PublishPlan{Notice: n, Content: c, LastSeq: n.LastSeq}, nil
}

func labelsOf(fs []ContentField) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Label
	}
	return out
}

func (s *Service) village(ctx context.Context, lg Log, code string) (Village, error) {
	var v Village
	_, err := s.L.Store().Books(ctx, lg.ID).ObjectByKey(objVillage, code, &v)
	return v, err
}

// noticeEnd is a notice's end date: 10 calendar days on the board (the
// publish day counts as the first), 项目验收公示 5 working days. Working days
// skip Saturdays and Sundays only: no holiday calendar is shipped yet.
func noticeEnd(typ string, from Date) Date {
	if typ == NoticeAcceptance {
		d, n := from, 1
		for n < 5 {
			d = d.AddDays(1)
			if wd := d.Time(time.UTC).Weekday(); wd != 0 && wd != 6 {
				n++
			}
		}
		return d
	}
	return from.AddDays(9)
}

// villageNumber is the next number of a village's own series,
// 田坪村公〔2026〕3号, after the highest one its notices of that year carry.
func villageNumber(village string, year int, all []Notice) string {
	prefix := fmt.Sprintf("%s公〔%d〕", village, year)
	serial := 1
	for _, o := range all {
		if k, ok := strings.CutPrefix(o.Number, prefix); ok {
			if v, err := strconv.Atoi(strings.TrimSuffix(k, "号")); err == nil && v >= serial {
				serial = v + 1
			}
		}
	}
	return fmt.Sprintf("%s%d号", prefix, serial)
}

// PublishInput is what the publisher made of a plan: the PDF and the
// content bytes it stores, and the checkpoint printed on it.
type PublishInput struct {
	Plan           PublishPlan
	PDF            []byte
	Content        []byte // the JSON the PDF and the page were drawn from
	CheckpointSize int64
	// BoardPDF is the board copy's bytes (张贴版) of a notice that lists
	// people: only its SHA-256 is recorded, the bytes are never stored.
	BoardPDF []byte
}

// CommitPublish stores the PDF and content bytes and appends
// notice_published (DOMAIN.md §6 step 3) in one transaction. It returns the
// published notice and its entry's seq; conflict when the draft changed or
// was published meanwhile, or when the code is taken (plan again).
func (s *Service) CommitPublish(ctx context.Context, lg Log, actor string, in PublishInput, idem *Idem) (Notice, int64, error) {
	type res struct {
		N   Notice
		Seq int64
	}
	r, err := write(ctx, s, lg, idem, func(w *txn) (res, error) {
		var n Notice
		if err := w.bk.Object(objNotice, in.Plan.Notice.ID, &n); err != nil {
			return res{}, err
		}
		if n.Status != NoticeDraft || n.LastSeq != in.Plan.LastSeq {
			return res{}, &Error{Code: CodeConflict, Detail: "该公告已发布或已被修改，请刷新后重试"}
		}
		var taken int64
		if _, err := w.bk.ObjectByKey(objNoticeCode, in.Plan.Notice.Code, &taken); err == nil {
			return res{}, &Error{Code: CodeConflict, Detail: "公告编号 " + in.Plan.Notice.Code + " 已被占用，请重试", Err: ErrNoticeCodeTaken}
		} else if !IsNotFound(err) {
			return res{}, err
		}
		pdfSum, contentSum := sha256.Sum256(in.PDF), sha256.Sum256(in.Content)
		p := noticePublishedPayload{Notice: n.ID, Title: in.Plan.Content.Title, Code: in.Plan.Notice.Code, Number: in.Plan.Notice.Number, Unit: in.Plan.Notice.Unit,
			PublishedOn: in.Plan.Notice.PublishedOn, EndsOn: in.Plan.Notice.EndsOn, Phones: nonNil(in.Plan.Notice.Phones),
			Address: in.Plan.Notice.Address, Email: in.Plan.Notice.Email, PDFSHA256: hex.EncodeToString(pdfSum[:]),
			ContentSHA256: hex.EncodeToString(contentSum[:]), CheckpointSize: in.CheckpointSize, Supersedes: n.Supersedes}
		if in.BoardPDF != nil {
			boardSum := sha256.Sum256(in.BoardPDF)
			p.BoardPDFSHA256 = hex.EncodeToString(boardSum[:])
		}
		if err := w.bk.PutBlob(p.PDFSHA256, in.PDF); err != nil {
			return res{}, err
		}
		if err := w.bk.PutBlob(p.ContentSHA256, in.Content); err != nil {
			return res{}, err
		}
		e, err := w.emit(TypeNoticePublished, actor, Date{}, p)
		if err != nil {
			return res{}, err
		}
		err = w.bk.Object(objNotice, n.ID, &n)
		return res{n, e.Seq}, err
	})
	return r.N, r.Seq, err
}

// WithdrawNotice withdraws a published notice with a reason; it stays
// public, marked withdrawn. Withdrawing before the end date is flagged (D3)
// by the publicity job.
func (s *Service) WithdrawNotice(ctx context.Context, lg Log, actor string, id int64, reason string, idem *Idem) (Notice, error) {
	return write(ctx, s, lg, idem, func(w *txn) (Notice, error) {
		var n Notice
		if err := w.bk.Object(objNotice, id, &n); IsNotFound(err) {
			return n, Errorf(CodeNotFound, "未找到该公告")
		} else if err != nil {
			return n, err
		}
		if n.Status != NoticePublished && n.Status != NoticeEnded {
			return n, &Error{Code: CodeConflict, Detail: "只有已发布的公告可以撤回"}
		}
		reason = strings.TrimSpace(reason)
		if reason == "" {
			return n, invalid("reason", "撤回公告须说明理由")
		}
		if _, err := w.emit(TypeNoticeWithdrawn, actor, Date{}, noticeChangePayload{Notice: id, Reason: reason, On: w.b.Today()}); err != nil {
			return n, err
		}
		err := w.bk.Object(objNotice, id, &n)
		return n, err
	})
}

// ErrNoticeCodeTaken is wrapped by CommitPublish's conflict when another
// publish took the planned code meanwhile: plan again.
var ErrNoticeCodeTaken = errors.New("notice code taken")

// BoardNameColumn is the column of a notice type's table that names people
// (姓名, 借款人): the board copy (张贴版) prints it in full. It is -1 for
// the types that list no one.
func BoardNameColumn(typ string) int {
	switch typ {
	case NoticeRecipients, NoticePaymentResult, NoticeLoans:
		return 0
	}
	return -1
}

// PrintBoardCopy records that actor prints the board copy (张贴版) of a
// published notice, as a withheld person_board_printed entry (who, when,
// which notice), and returns the full names its rows print, in row order
// (DOMAIN.md §6: full names on the board; ID numbers and accounts are
// never in a notice). It refuses a notice that is not in its period
// (conflict) or lists no one (validation_failed).
func (s *Service) PrintBoardCopy(ctx context.Context, lg Log, actor string, n Notice) ([]string, error) {
	if n.Status != NoticePublished {
		return nil, Errorf(CodeConflict, "只有公示中的公告可以打印张贴版")
	}
	col := BoardNameColumn(n.Type)
	if col < 0 {
		return nil, Errorf(CodeValidationFailed, "%s不列个人姓名，没有张贴版", n.Type)
	}
	names, err := s.BoardNames(ctx, lg, n)
	if err != nil {
		return nil, err
	}
	_, _, err = Do(ctx, s.L, lg, nil, func(b *Batch) (struct{}, error) {
		_, err := b.Append(AppendInput{Type: TypePersonBoardPrinted, Actor: actor,
			Payload: map[string]any{"notice": n.Code, "number": n.Number, "rows": len(names)}})
		return struct{}{}, err
	})
	if err != nil {
		return nil, err
	}
	return names, nil
}

// BoardNames returns the full names the board copy (张贴版) of a notice
// prints, in row order, without recording a print: for rendering the board
// copy at publish (its SHA-256 goes into notice_published) and for
// PrintBoardCopy, which records the print. n must carry its rows.
func (s *Service) BoardNames(ctx context.Context, lg Log, n Notice) ([]string, error) {
	col := BoardNameColumn(n.Type)
	if col < 0 {
		return nil, Errorf(CodeValidationFailed, "%s不列个人姓名，没有张贴版", n.Type)
	}
	if n.Rows == nil && n.RowCount > 0 {
		if err := loadRows(s.L.Store().Books(ctx, lg.ID), &n); err != nil {
			return nil, err
		}
	}
	c, err := s.NoticeContent(ctx, lg, n, AudienceOversight)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(c.Rows))
	for i, r := range c.Rows {
		if col < len(r.Cells) {
			names[i] = r.Cells[col]
		}
	}
	return names, nil
}

// BoardNonce is the secret a notice's board copy embeds (a keyed hash of
// the town and the notice code, so it is the same at every print and
// nobody without the key can make it): the board copy's published SHA-256
// then cannot be used to test guesses of the names it prints.
func (s *Service) BoardNonce(lg Log, code string) string {
	return s.Vault.Index("board_copy", lg.Town+"|"+code)
}
