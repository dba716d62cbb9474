package ledger

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Flag severities and statuses (DOMAIN.md §7).
const (
	SeverityInfo = "info"
	SeverityWarn = "warn"
	SeverityHigh = "high"

	FlagOpen         = "open"
	FlagAcknowledged = "acknowledged"
	FlagConfirmed    = "confirmed"
	FlagDismissed    = "dismissed"
	FlagEscalated    = "escalated"
)

var severityRank = map[string]int{SeverityInfo: 1, SeverityWarn: 2, SeverityHigh: 3}

// FlagSLA is how long a flag may stay open before it escalates by itself.
const FlagSLA = 7 * 24 * time.Hour

// Evidence names what a flag cites, in the users' own identifiers.
type Evidence struct {
	Entries      []int64  `json:"entries"`
	Vouchers     []string `json:"vouchers,omitempty"`
	DocNos       []string `json:"doc_nos,omitempty"`
	ProjectCodes []string `json:"project_codes,omitempty"`
	Invoices     []string `json:"invoices,omitempty"`
	Loans        []string `json:"loans,omitempty"`
	Batches      []int64  `json:"batches,omitempty"`
	// Accounts are bank accounts as oversight may see them (****1234);
	// BankBatches the bank's batch numbers (R1–R5).
	Accounts    []string `json:"accounts,omitempty"`
	BankBatches []string `json:"bank_batches,omitempty"`
	// Elsewhere are entries of other towns' logs a cross-town finding (B7)
	// cites, as "<town code>#<seq>": a new one reopens a dismissed flag as
	// a new entry of its own town does.
	Elsewhere []string `json:"elsewhere,omitempty"`
}

// maxEvidence bounds each list of a flag's evidence, so that a finding over
// thousands of rows (an import batch) stays a readable flag and a small
// entry; the reason says how many there were.
const maxEvidence = 100

func capList[T any](l []T) []T {
	if len(l) > maxEvidence {
		return l[:maxEvidence]
	}
	return l
}

// capped returns e with each list cut to maxEvidence items.
func (e Evidence) capped() Evidence {
	return Evidence{Entries: capList(e.Entries), Vouchers: capList(e.Vouchers), DocNos: capList(e.DocNos),
		ProjectCodes: capList(e.ProjectCodes), Invoices: capList(e.Invoices), Loans: capList(e.Loans), Batches: capList(e.Batches),
		Accounts: capList(e.Accounts), BankBatches: capList(e.BankBatches), Elsewhere: capList(e.Elsewhere)}
}

// merge adds what o cites that e does not (up to maxEvidence items a list),
// and reports whether anything was new.
func (e *Evidence) merge(o Evidence) bool {
	n := 0
	addI := func(dst *[]int64, src []int64) {
		for _, v := range src {
			if len(*dst) < maxEvidence && !slices.Contains(*dst, v) {
				*dst = append(*dst, v)
				n++
			}
		}
	}
	addS := func(dst *[]string, src []string) {
		for _, v := range src {
			if len(*dst) < maxEvidence && !slices.Contains(*dst, v) {
				*dst = append(*dst, v)
				n++
			}
		}
	}
	addI(&e.Entries, o.Entries)
	addS(&e.Vouchers, o.Vouchers)
	addS(&e.DocNos, o.DocNos)
	addS(&e.ProjectCodes, o.ProjectCodes)
	addS(&e.Invoices, o.Invoices)
	addS(&e.Loans, o.Loans)
	addI(&e.Batches, o.Batches)
	addS(&e.Elsewhere, o.Elsewhere)
	slices.Sort(e.Entries)
	return n > 0
}

// FlagSubject is what a flag is about. Label carries no personal data
// beyond a public-masked name.
type FlagSubject struct {
	Kind  string `json:"kind"`
	ID    int64  `json:"id"`
	Label string `json:"label"`
}

// Finding is what a rule reports: a reason and its evidence, never a
// verdict.
type Finding struct {
	Rule       string
	SubjectKey string // the rule's identity of the subject (B1: item + recipient + period …)
	Severity   string
	Village    string // village code, "" for town level
	Subject    FlagSubject
	Reason     string // Chinese, for monitors
	Evidence   Evidence
}

// FlagEvent is one step of a flag's history.
type FlagEvent struct {
	Seq    int64  `json:"seq"`
	At     string `json:"at"`
	Actor  string `json:"actor"`
	Action string `json:"action"` // raised, updated, acknowledge, confirm, dismiss, escalate
	Note   string `json:"note,omitempty"`
}

// Flag is a finding under review.
type Flag struct {
	ID         int64 // the seq of its flag_raised entry
	Rule       string
	SubjectKey string
	Severity   string
	Village    string
	Subject    FlagSubject
	Reason     string
	Evidence   Evidence
	Status     string
	RaisedAt   string
	UpdatedAt  string
	AssignedTo string // monitor (the village's monitors) or discipline
	History    []FlagEvent
}

const objFlag = "flag"

type flagRaisedPayload struct {
	Rule       string      `json:"rule"`
	SubjectKey string      `json:"subject_key"`
	Severity   string      `json:"severity"`
	Village    string      `json:"village"`
	Subject    FlagSubject `json:"subject"`
	Reason     string      `json:"reason"`
	Evidence   Evidence    `json:"evidence"`
}

type flagChangePayload struct {
	Flag     int64     `json:"flag"`
	Action   string    `json:"action"` // updated | acknowledge | confirm | dismiss | escalate
	From     string    `json:"from"`
	To       string    `json:"to"`
	Severity string    `json:"severity,omitempty"`
	Reason   string    `json:"reason,omitempty"`
	Evidence *Evidence `json:"evidence,omitempty"`
	Note     string    `json:"note,omitempty"`
}

func flagKey(rule, subject string) string { return rule + "|" + subject }

func assignee(village, status string) string {
	if village == "" || status == FlagEscalated {
		return RoleDiscipline
	}
	return RoleMonitor
}

// applyFlag maps the flag entries to the flag projection (called by apply).
func applyFlag(bk Books, e Entry) error {
	at := e.RecordedAt.UTC().Format(time.RFC3339)
	switch e.Type {
	case TypeFlagRaised:
		var p flagRaisedPayload
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			return err
		}
		f := Flag{ID: e.Seq, Rule: p.Rule, SubjectKey: p.SubjectKey, Severity: p.Severity, Village: p.Village, Subject: p.Subject,
			Reason: p.Reason, Evidence: p.Evidence, Status: FlagOpen, RaisedAt: at, UpdatedAt: at, AssignedTo: assignee(p.Village, FlagOpen),
			History: []FlagEvent{{Seq: e.Seq, At: at, Actor: e.Actor, Action: "raised"}}}
		return bk.CreateObject(objFlag, e.Seq, flagKey(p.Rule, p.SubjectKey), f)
	case TypeFlagUpdated, TypeFlagReviewed:
		var p flagChangePayload
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			return err
		}
		var f Flag
		if err := bk.Object(objFlag, p.Flag, &f); err != nil {
			return err
		}
		f.Status, f.UpdatedAt = p.To, at
		if p.Severity != "" {
			f.Severity = p.Severity
		}
		if p.Reason != "" {
			f.Reason = p.Reason
		}
		if p.Evidence != nil {
			f.Evidence.merge(*p.Evidence)
		}
		f.AssignedTo = assignee(f.Village, f.Status)
		f.History = append(f.History, FlagEvent{Seq: e.Seq, At: at, Actor: e.Actor, Action: p.Action, Note: p.Note})
		return bk.PutObject(objFlag, f.ID, f)
	}
	return nil
}

// Flag returns a flag by id.
func (s *Service) Flag(ctx context.Context, lg Log, id int64) (Flag, error) {
	var f Flag
	err := s.L.Store().Books(ctx, lg.ID).Object(objFlag, id, &f)
	return f, err
}

// FlagFilter selects flags; VisibleTo, when set, keeps only what the user
// may see (monitors: their villages' flags that are not escalated).
type FlagFilter struct {
	Status   string
	Village  string
	Rule     string
	Severity string
}

// Flags lists flags, most severe and newest first.
func (s *Service) Flags(ctx context.Context, lg Log, f FlagFilter, u *User) ([]Flag, error) {
	fs, err := listObjects[Flag](s.L.Store().Books(ctx, lg.ID), objFlag)
	if err != nil {
		return nil, err
	}
	fs = slices.DeleteFunc(fs, func(x Flag) bool {
		return f.Status != "" && x.Status != f.Status || f.Village != "" && x.Village != f.Village ||
			f.Rule != "" && x.Rule != f.Rule || f.Severity != "" && x.Severity != f.Severity || u != nil && !FlagVisible(*u, x)
	})
	slices.SortStableFunc(fs, func(a, b Flag) int {
		if d := severityRank[b.Severity] - severityRank[a.Severity]; d != 0 {
			return d
		}
		return int(b.ID - a.ID)
	})
	return fs, nil
}

// FlagVisible reports whether a user may see a flag: monitors see their
// villages' flags (not town-level ones); everyone else in the town sees all.
func FlagVisible(u User, f Flag) bool {
	if u.Role != RoleMonitor {
		return true
	}
	return f.Village != "" && slices.Contains(u.Villages, f.Village)
}

// RecordFindings raises a flag for each new finding and updates the flag of
// a finding seen before (new evidence, a higher severity); re-running a scan
// never creates a second flag for the same rule and subject. A flag that was
// dismissed or confirmed is reopened only by evidence it did not cite. It
// returns how many flags were raised and updated.
func (s *Service) RecordFindings(ctx context.Context, lg Log, actor string, fs []Finding) (raised, updated int, err error) {
	// In requests of at most findingsPerWrite: a first scan of a big town
	// raises many flags, and one request holds its entries in memory.
	for len(fs) > findingsPerWrite {
		r, u, err := s.recordFindings(ctx, lg, actor, fs[:findingsPerWrite])
		raised, updated = raised+r, updated+u
		if err != nil {
			return raised, updated, err
		}
		fs = fs[findingsPerWrite:]
	}
	r, u, err := s.recordFindings(ctx, lg, actor, fs)
	return raised + r, updated + u, err
}

const findingsPerWrite = 2000

func (s *Service) recordFindings(ctx context.Context, lg Log, actor string, fs []Finding) (raised, updated int, err error) {
	type res struct{ Raised, Updated int }
	r, err := write(ctx, s, lg, nil, func(w *txn) (res, error) {
		var out res
		for _, f := range fs {
			var old Flag
			_, err := w.bk.ObjectByKey(objFlag, flagKey(f.Rule, f.SubjectKey), &old)
			if IsNotFound(err) {
				if _, err := w.emit(TypeFlagRaised, actor, Date{}, flagRaisedPayload{Rule: f.Rule, SubjectKey: f.SubjectKey,
					Severity: f.Severity, Village: f.Village, Subject: f.Subject, Reason: f.Reason, Evidence: f.Evidence.capped()}); err != nil {
					return out, err
				}
				out.Raised++
				continue
			}
			if err != nil {
				return out, err
			}
			ev := old.Evidence
			ev.Entries = slices.Clone(ev.Entries)
			newEvidence := ev.merge(f.Evidence)
			added := f.Evidence.capped()
			higher := severityRank[f.Severity] > severityRank[old.Severity]
			if !newEvidence && !higher {
				continue
			}
			to := old.Status
			if to == FlagDismissed || to == FlagConfirmed {
				if !newEvidence {
					continue
				}
				to = FlagOpen
			}
			p := flagChangePayload{Flag: old.ID, Action: "updated", From: old.Status, To: to, Reason: f.Reason, Evidence: &added,
				Note: "新证据"}
			if higher {
				p.Severity = f.Severity
			}
			if _, err := w.emit(TypeFlagUpdated, actor, Date{}, p); err != nil {
				return out, err
			}
			out.Updated++
		}
		return out, nil
	})
	return r.Raised, r.Updated, err
}

// Review actions.
var reviewTo = map[string]string{"acknowledge": FlagAcknowledged, "confirm": FlagConfirmed, "dismiss": FlagDismissed, "escalate": FlagEscalated}

// ReviewFlag records a review step: a monitor of the flag's village
// acknowledges, confirms, dismisses (with a reason) or escalates a flag of
// their village that is not escalated; the discipline office reviews
// town-level and escalated flags. Every step is a (withheld) entry.
func (s *Service) ReviewFlag(ctx context.Context, lg Log, u User, id int64, action, note string, idem *Idem) (Flag, error) {
	return write(ctx, s, lg, idem, func(w *txn) (Flag, error) {
		var f Flag
		if err := w.bk.Object(objFlag, id, &f); IsNotFound(err) || err == nil && !FlagVisible(u, f) {
			return Flag{}, Errorf(CodeNotFound, "未找到该线索")
		} else if err != nil {
			return Flag{}, err
		}
		to, ok := reviewTo[action]
		if !ok {
			return Flag{}, invalid("action", "action 必须是 acknowledge、confirm、dismiss 或 escalate")
		}
		switch u.Role {
		case RoleMonitor:
			if f.Status == FlagEscalated || f.Village == "" {
				return Flag{}, Errorf(CodeForbidden, "该线索已移交镇纪委，由纪检人员处理")
			}
		case RoleDiscipline:
			if action == "escalate" {
				// the discipline office is who a flag is escalated to
				return Flag{}, Errorf(CodeForbidden, "线索已由纪检人员处理，不能再移交纪委；请核实后确认或排除")
			}
		default:
			return Flag{}, Errorf(CodeForbidden, "只有村级监督员和纪检人员可以处理线索")
		}
		if f.Status == FlagConfirmed || f.Status == FlagDismissed {
			return Flag{}, &Error{Code: CodeConflict, Detail: "该线索已处理完毕"}
		}
		if f.Status == to {
			return Flag{}, &Error{Code: CodeConflict, Detail: "该线索已是此状态"}
		}
		if action == "acknowledge" && f.Status != FlagOpen {
			return Flag{}, &Error{Code: CodeConflict, Detail: "只有未处理的线索可以签收"}
		}
		note = strings.TrimSpace(note)
		if (action == "dismiss" || action == "escalate") && note == "" {
			return Flag{}, invalid("note", "排除或移交线索须说明理由")
		}
		if _, err := w.emit(TypeFlagReviewed, u.ID, Date{}, flagChangePayload{Flag: id, Action: action, From: f.Status, To: to, Note: note}); err != nil {
			return Flag{}, err
		}
		err := w.bk.Object(objFlag, id, &f)
		return f, err
	})
}

// EscalateOverdue escalates every flag left open past FlagSLA (the
// escalate job). It returns how many it escalated.
func (s *Service) EscalateOverdue(ctx context.Context, lg Log, now time.Time) (int, error) {
	return write(ctx, s, lg, nil, func(w *txn) (int, error) {
		fs, err := listObjects[Flag](w.bk, objFlag)
		if err != nil {
			return 0, err
		}
		n := 0
		for _, f := range fs {
			if f.Status != FlagOpen {
				continue
			}
			raised, err := time.Parse(time.RFC3339, f.UpdatedAt)
			if err != nil || now.Sub(raised) < FlagSLA {
				continue
			}
			if _, err := w.emit(TypeFlagReviewed, "system", Date{}, flagChangePayload{Flag: f.ID, Action: "escalate", From: f.Status,
				To: FlagEscalated, Note: fmt.Sprintf("超过 %d 天无人处理，自动移交镇纪委", int(FlagSLA.Hours()/24))}); err != nil {
				return n, err
			}
			n++
		}
		return n, nil
	})
}
