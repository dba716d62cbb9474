package ledger

import (
	"context"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Complaint kinds and statuses (DOMAIN.md §6, §7).
const (
	// ComplaintObjection: an objection (异议) to a notice in its period; on
	// a 补助对象公示 it holds the payments the list covers until resolved.
	ComplaintObjection = "objection"
	ComplaintGeneral   = "complaint"

	ComplaintOpen     = "open"
	ComplaintReplied  = "replied"
	ComplaintResolved = "resolved"

	OutcomeUpheld   = "upheld"
	OutcomeRejected = "rejected"
)

// ComplaintSLA is how long a complaint may stay unresolved (H3).
const ComplaintSLA = 20 * 24 * time.Hour

// MaxComplaintText bounds a complaint's text, in characters.
const MaxComplaintText = 2000

// ComplaintReply is one reply or decision, shown to the complainant.
type ComplaintReply struct {
	Seq  int64  `json:"seq"`
	At   string `json:"at"`
	Text string `json:"text"`
}

// Complaint is an objection or complaint from the public. Its entries are
// withheld; the contact is sealed by the vault and shown to staff only.
type Complaint struct {
	ID            int64 // the seq of its complaint_filed entry
	Receipt       string
	Kind          string
	NoticeCode    string
	Village       string
	Text          string
	SealedContact []byte
	Status        string
	Outcome       string
	Escalated     bool
	FiledAt       string
	UpdatedAt     string
	Replies       []ComplaintReply
}

const objComplaint = "complaint"

type complaintFiledPayload struct {
	Receipt    string `json:"receipt"`
	Kind       string `json:"kind"`
	NoticeCode string `json:"notice_code,omitempty"`
	Village    string `json:"village,omitempty"`
	Text       string `json:"text"`
	Contact    []byte `json:"contact,omitempty"` // sealed
}

type complaintChangePayload struct {
	Complaint int64  `json:"complaint"`
	Text      string `json:"text,omitempty"`
	Outcome   string `json:"outcome,omitempty"`
}

func applyComplaint(bk Books, e Entry) error {
	at := e.RecordedAt.UTC().Format(time.RFC3339)
	if e.Type == TypeComplaintFiled {
		var p complaintFiledPayload
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			return err
		}
		return bk.CreateObject(objComplaint, e.Seq, p.Receipt, Complaint{ID: e.Seq, Receipt: p.Receipt, Kind: p.Kind,
			NoticeCode: p.NoticeCode, Village: p.Village, Text: p.Text, SealedContact: p.Contact, Status: ComplaintOpen,
			FiledAt: at, UpdatedAt: at, Replies: []ComplaintReply{}})
	}
	var p complaintChangePayload
	if err := json.Unmarshal(e.Payload, &p); err != nil {
		return err
	}
	var c Complaint
	if err := bk.Object(objComplaint, p.Complaint, &c); err != nil {
		return err
	}
	c.UpdatedAt = at
	switch e.Type {
	case TypeComplaintReplied:
		c.Status = ComplaintReplied
		c.Replies = append(c.Replies, ComplaintReply{Seq: e.Seq, At: at, Text: p.Text})
	case TypeComplaintResolved:
		c.Status, c.Outcome = ComplaintResolved, p.Outcome
		c.Replies = append(c.Replies, ComplaintReply{Seq: e.Seq, At: at, Text: p.Text})
	case TypeComplaintEscalated:
		c.Escalated = true
	}
	return bk.PutObject(objComplaint, c.ID, c)
}

// ComplaintInput is what the public form sends.
type ComplaintInput struct {
	NoticeCode string
	Village    string
	Text       string
	Contact    string // optional; kept private
}

// receiptAlphabet has no 0/O, 1/I/L: receipts are read aloud and copied by
// hand.
const receiptAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

func (s *Service) newReceipt() (string, error) {
	b := make([]byte, 10)
	if _, err := io.ReadFull(s.Vault.rand, b); err != nil {
		return "", err
	}
	out := make([]byte, 0, 11)
	for i, c := range b {
		if i == 5 {
			out = append(out, '-')
		}
		out = append(out, receiptAlphabet[int(c)%len(receiptAlphabet)])
	}
	return string(out), nil
}

// FileComplaint records an objection or complaint from the public (anonymous
// allowed) and returns it with its receipt code. An objection is a
// complaint on a notice still in its period. Errors: validation_failed for
// empty or over-long text or an unknown village; not_found for an unknown
// notice.
func (s *Service) FileComplaint(ctx context.Context, lg Log, in ComplaintInput) (Complaint, error) {
	text := strings.TrimSpace(in.Text)
	if text == "" {
		return Complaint{}, invalid("text", "请填写反映的内容")
	}
	if !utf8.ValidString(text) || utf8.RuneCountInString(text) > MaxComplaintText {
		return Complaint{}, invalid("text", "反映内容不能超过 %d 字", MaxComplaintText)
	}
	contact := strings.TrimSpace(in.Contact)
	if utf8.RuneCountInString(contact) > 100 {
		return Complaint{}, invalid("contact", "联系方式不能超过 100 字")
	}
	receipt, err := s.newReceipt()
	if err != nil {
		return Complaint{}, err
	}
	return write(ctx, s, lg, nil, func(w *txn) (Complaint, error) {
		p := complaintFiledPayload{Receipt: receipt, Kind: ComplaintGeneral, Text: text}
		if code := strings.TrimSpace(in.NoticeCode); code != "" {
			var id int64
			if _, err := w.bk.ObjectByKey(objNoticeCode, code, &id); IsNotFound(err) {
				return Complaint{}, Errorf(CodeNotFound, "未找到编号为 %s 的公告", code)
			} else if err != nil {
				return Complaint{}, err
			}
			var n Notice
			if err := w.bk.Object(objNotice, id, &n); err != nil {
				return Complaint{}, err
			}
			p.NoticeCode, p.Village = n.Code, n.Village
			if n.Status == NoticePublished && w.b.Today() <= n.EndsOn {
				p.Kind = ComplaintObjection
			}
		}
		if in.Village != "" {
			v, err := w.resolveVillage(in.Village)
			if err != nil {
				return Complaint{}, err
			}
			if p.Village == "" {
				p.Village = v.Code
			}
		}
		if contact != "" {
			sealed, err := s.Vault.SealText(lg.Town+"/complaint/"+receipt, contact)
			if err != nil {
				return Complaint{}, err
			}
			p.Contact = sealed
		}
		e, err := w.emit(TypeComplaintFiled, "public", Date{}, p)
		if err != nil {
			return Complaint{}, err
		}
		var c Complaint
		err = w.bk.Object(objComplaint, e.Seq, &c)
		return c, err
	})
}

// NormalizeReceipt reads a receipt code as people type it: any case, with
// or without the dash (or with another dash or spaces), in full-width
// characters from a Chinese input method.
func NormalizeReceipt(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 0xFF01 && r <= 0xFF5E { // full-width ASCII
			r -= 0xFEE0
		}
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
		case r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '-' || r == ' ' || r == '\u3000' || r == '—' || r == '–' || r == '－' || r == '_':
			// separators people type
		default:
			return strings.ToUpper(strings.TrimSpace(s)) // not a receipt: not found as typed
		}
	}
	k := b.String()
	if len(k) == 10 {
		return k[:5] + "-" + k[5:]
	}
	return k
}

// ComplaintByReceipt returns a complaint by its receipt code (as
// NormalizeReceipt reads it), or not_found.
func (s *Service) ComplaintByReceipt(ctx context.Context, lg Log, receipt string) (Complaint, error) {
	var c Complaint
	_, err := s.L.Store().Books(ctx, lg.ID).ObjectByKey(objComplaint, NormalizeReceipt(receipt), &c)
	if IsNotFound(err) {
		return c, Errorf(CodeNotFound, "未找到该回执号，请核对后重试")
	}
	return c, err
}

// ComplaintContact returns a complaint's contact for staff ("" if none).
func (s *Service) ComplaintContact(lg Log, c Complaint) string {
	if len(c.SealedContact) == 0 {
		return ""
	}
	t, err := s.Vault.OpenText(lg.Town+"/complaint/"+c.Receipt, c.SealedContact)
	if err != nil {
		return ""
	}
	return t
}

// Complaints lists complaints, newest first; status "" for all.
func (s *Service) Complaints(ctx context.Context, lg Log, status string) ([]Complaint, error) {
	cs, err := listObjects[Complaint](s.L.Store().Books(ctx, lg.ID), objComplaint)
	if err != nil {
		return nil, err
	}
	cs = slices.DeleteFunc(cs, func(c Complaint) bool { return status != "" && c.Status != status })
	slices.Reverse(cs)
	return cs, nil
}

// Complaint returns one complaint; not_found when there is none.
func (s *Service) Complaint(ctx context.Context, lg Log, id int64) (Complaint, error) {
	var c Complaint
	err := s.L.Store().Books(ctx, lg.ID).Object(objComplaint, id, &c)
	if IsNotFound(err) {
		return c, Errorf(CodeNotFound, "未找到该投诉")
	}
	return c, err
}

func (w *txn) complaint(id int64) (Complaint, error) {
	var c Complaint
	err := w.bk.Object(objComplaint, id, &c)
	if IsNotFound(err) {
		return c, Errorf(CodeNotFound, "未找到该投诉")
	}
	return c, err
}

// ReplyComplaint adds a reply the complainant will see.
func (s *Service) ReplyComplaint(ctx context.Context, lg Log, actor string, id int64, text string, idem *Idem) (Complaint, error) {
	return write(ctx, s, lg, idem, func(w *txn) (Complaint, error) {
		c, err := w.complaint(id)
		if err != nil {
			return c, err
		}
		text = strings.TrimSpace(text)
		if text == "" || utf8.RuneCountInString(text) > MaxComplaintText {
			return c, invalid("text", "回复内容不能为空，且不超过 %d 字", MaxComplaintText)
		}
		if c.Status == ComplaintResolved {
			return c, &Error{Code: CodeConflict, Detail: "该投诉已办结"}
		}
		if _, err := w.emit(TypeComplaintReplied, actor, Date{}, complaintChangePayload{Complaint: id, Text: text}); err != nil {
			return c, err
		}
		return w.complaint(id)
	})
}

// ResolveComplaint closes a complaint as upheld or rejected with a note. An
// upheld objection on a 补助对象公示 keeps its payments held; a rejected one
// lets the publicity job make them effective.
func (s *Service) ResolveComplaint(ctx context.Context, lg Log, actor string, id int64, outcome, note string, idem *Idem) (Complaint, error) {
	return write(ctx, s, lg, idem, func(w *txn) (Complaint, error) {
		c, err := w.complaint(id)
		if err != nil {
			return c, err
		}
		if outcome != OutcomeUpheld && outcome != OutcomeRejected {
			return c, invalid("outcome", "办理结果须是 upheld（属实）或 rejected（不属实）")
		}
		note = strings.TrimSpace(note)
		if note == "" || utf8.RuneCountInString(note) > MaxComplaintText {
			return c, invalid("note", "办结须说明理由，且不超过 %d 字", MaxComplaintText)
		}
		if c.Status == ComplaintResolved {
			return c, &Error{Code: CodeConflict, Detail: "该投诉已办结"}
		}
		if _, err := w.emit(TypeComplaintResolved, actor, Date{}, complaintChangePayload{Complaint: id, Text: note, Outcome: outcome}); err != nil {
			return c, err
		}
		return w.complaint(id)
	})
}

// OverdueComplaints returns the complaints unresolved past ComplaintSLA at
// now that are not yet escalated.
func (s *Service) OverdueComplaints(ctx context.Context, lg Log, now time.Time) ([]Complaint, error) {
	cs, err := s.Complaints(ctx, lg, "")
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(cs, func(c Complaint) bool {
		filed, err := time.Parse(time.RFC3339, c.FiledAt)
		return c.Status == ComplaintResolved || c.Escalated || err != nil || now.Sub(filed) < ComplaintSLA
	}), nil
}

// EscalateComplaints marks every complaint unresolved past 20 days as
// escalated to the discipline office and raises its H3 flag. It returns
// how many it escalated.
func (s *Service) EscalateComplaints(ctx context.Context, lg Log, now time.Time) (int, error) {
	cs, err := s.OverdueComplaints(ctx, lg, now)
	if err != nil || len(cs) == 0 {
		return 0, err
	}
	var fs []Finding
	n, err := write(ctx, s, lg, nil, func(w *txn) (int, error) {
		for _, c := range cs {
			if _, err := w.emit(TypeComplaintEscalated, "system", Date{}, complaintChangePayload{Complaint: c.ID}); err != nil {
				return 0, err
			}
			fs = append(fs, Finding{Rule: "H3", SubjectKey: "complaint:" + c.Receipt, Severity: SeverityWarn,
				Subject:  FlagSubject{Kind: "complaint", ID: c.ID, Label: "投诉 " + c.Receipt},
				Reason:   "群众投诉（回执号 " + c.Receipt + "）超过 20 天未办结，已移交镇纪委",
				Evidence: Evidence{Entries: []int64{c.ID}}})
		}
		return len(cs), nil
	})
	if err != nil {
		return 0, err
	}
	_, _, err = s.RecordFindings(ctx, lg, "system", fs)
	return n, err
}

// openObjection reports whether a notice has an objection that is not
// resolved, or one that was upheld (which keeps the payments held).
func openObjection(cs []Complaint, code string) bool {
	for _, c := range cs {
		if c.NoticeCode == code && c.Kind == ComplaintObjection && (c.Status != ComplaintResolved || c.Outcome == OutcomeUpheld) {
			return true
		}
	}
	return false
}
