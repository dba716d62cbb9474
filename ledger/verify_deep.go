package ledger

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"time"
)

// writerRoles says which roles an account must hold to write an entry type
// (the role lists of the API routes and staff pages that write it). Types
// not named here are not restricted by role: the jobs ("system") and the
// public write them. Families map every type of the family; a type entry
// wins over its family.
var writerRoles = map[string][]string{
	// the books and the registers: finance staff and admins
	"fund": {RoleAdmin, RoleFinance}, "allocation": {RoleAdmin, RoleFinance}, "project": {RoleAdmin, RoleFinance},
	"loan": {RoleAdmin, RoleFinance}, "repayment": {RoleAdmin, RoleFinance}, "reversal": {RoleAdmin, RoleFinance},
	"import_batch": {RoleAdmin, RoleFinance}, "person": {RoleAdmin, RoleFinance}, "household": {RoleAdmin, RoleFinance},
	"register": {RoleAdmin, RoleFinance}, "organisation": {RoleAdmin, RoleFinance}, "item": {RoleAdmin, RoleFinance},
	"source_alias": {RoleAdmin, RoleFinance}, "village": {RoleAdmin, RoleFinance}, "town": {RoleAdmin, RoleFinance},
	"payment_recorded": {RoleAdmin, RoleFinance}, "payment_held": {RoleAdmin, RoleFinance},
	// the maker–checker step
	"payment_approved": {RoleApprover}, "payment_rejected": {RoleApprover},
	// notices
	"notice_drafted": {RoleAdmin, RoleFinance}, "notice_published": {RoleAdmin, RoleFinance}, "notice_withdrawn": {RoleAdmin, RoleFinance},
	// oversight
	"flag_reviewed":      {RoleMonitor, RoleDiscipline},
	"complaint_replied":  {RoleAdmin, RoleFinance, RoleDiscipline},
	"complaint_resolved": {RoleAdmin, RoleFinance, RoleDiscipline},
	// accounts
	"user": {RoleAdmin},
	// a user changes their own password, whatever their role
	"user_password_changed": nil,
}

// allowedRoles returns the roles that may write typ, or nil when any may.
func allowedRoles(typ string) []string {
	if r, ok := writerRoles[typ]; ok {
		return r
	}
	if f, ok := Family(typ); ok {
		return writerRoles[f]
	}
	return nil
}

// accountActor matches the ids of staff accounts: <town>-u<seq of user_created>.
var accountActor = regexp.MustCompile(`^[0-9A-Za-z]+-u[0-9]+$`)

type account struct {
	role     string
	disabled bool
}

// deepCheck is verify --deep's replay of what each entry claims: its time
// follows the entry before it, and its actor, when a staff account, existed
// and held a role allowed to write its type at that moment (accounts are
// entries of the log: user_created, user_updated).
type deepCheck struct {
	lg       Log
	last     time.Time
	accounts map[string]account
}

func newDeepCheck(lg Log) *deepCheck {
	return &deepCheck{lg: lg, accounts: map[string]account{}}
}

type problemAdder func(seq int64, kind, format string, args ...any)

func (d *deepCheck) entry(e Entry, add problemAdder) {
	if e.RecordedAt.Before(d.last) {
		add(e.Seq, "time_backwards", "序号 %d 的记录时间 %s 早于前一条的 %s", e.Seq,
			e.RecordedAt.UTC().Format(time.RFC3339), d.last.UTC().Format(time.RFC3339))
	} else {
		d.last = e.RecordedAt
	}
	if accountActor.MatchString(e.Actor) && strings.HasPrefix(e.Actor, d.lg.Town+"-u") {
		a, ok := d.accounts[e.Actor]
		roles := allowedRoles(e.Type)
		switch {
		case !ok:
			add(e.Seq, "actor_not_allowed", "序号 %d 的操作人 %s 在该时刻不是本镇的账号", e.Seq, e.Actor)
		case a.disabled:
			add(e.Seq, "actor_not_allowed", "序号 %d 的操作人 %s 在该时刻已被停用", e.Seq, e.Actor)
		case roles != nil && !slices.Contains(roles, a.role):
			add(e.Seq, "actor_not_allowed", "序号 %d（%s）的操作人 %s 的角色 %s 无权写入此类条目", e.Seq, e.Type, e.Actor, a.role)
		}
	}
	if e.Type == "user_created" || e.Type == "user_updated" {
		var p struct {
			ID       string `json:"id"`
			Role     string `json:"role"`
			Disabled bool   `json:"disabled"`
		}
		if json.Unmarshal(e.Payload, &p) == nil && p.ID != "" && p.Role != "" {
			d.accounts[p.ID] = account{role: p.Role, disabled: p.Disabled}
		}
	}
}
