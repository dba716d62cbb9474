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
// not named here are not restricted by role among accounts (what "system"
// and "public" may write is nonAccountWriters). Families map every type of
// the family; a type entry wins over its family.
var writerRoles = map[string][]string{
	// the books and the registers: finance staff and admins
	"fund": {RoleAdmin, RoleFinance}, "allocation": {RoleAdmin, RoleFinance}, "project": {RoleAdmin, RoleFinance},
	"loan": {RoleAdmin, RoleFinance}, "repayment": {RoleAdmin, RoleFinance}, "reversal": {RoleAdmin, RoleFinance},
	"import_batch": {RoleAdmin, RoleFinance}, "person": {RoleAdmin, RoleFinance}, "household": {RoleAdmin, RoleFinance},
	"register": {RoleAdmin, RoleFinance}, "organisation": {RoleAdmin, RoleFinance}, "item": {RoleAdmin, RoleFinance},
	"source_alias": {RoleAdmin, RoleFinance}, "village": {RoleAdmin, RoleFinance}, "town": {RoleAdmin, RoleFinance},
	TypePaymentRecorded: {RoleAdmin, RoleFinance}, TypePaymentHeld: {RoleAdmin, RoleFinance},
	// the maker–checker step
	TypePaymentApproved: {RoleApprover}, TypePaymentRejected: {RoleApprover},
	// notices
	TypeNoticeDrafted: {RoleAdmin, RoleFinance}, TypeNoticePublished: {RoleAdmin, RoleFinance}, TypeNoticeWithdrawn: {RoleAdmin, RoleFinance},
	// oversight
	TypeFlagReviewed:      {RoleMonitor, RoleDiscipline},
	TypeComplaintReplied:  {RoleAdmin, RoleFinance, RoleDiscipline},
	TypeComplaintResolved: {RoleAdmin, RoleFinance, RoleDiscipline},
	// accounts
	"user": {RoleAdmin},
	// a user changes their own password, whatever their role
	TypeUserPasswordChanged: nil,
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

// Actors that are no account: what the service itself writes under them.
// "system" is the jobs (notices, publicity, flags, complaints' escalation),
// the installer's command line and start-up (the town, the bootstrap admin,
// `sunshine user add`) and the demo's loader (registers imported before the
// staff exist); "public" is an anonymous complaint. A type is named, or its
// family is (a "<family>_" key). Anything else under these actors, and any
// actor that is neither one of them nor an account of the town, is
// actor_not_allowed.
var nonAccountWriters = map[string]map[string]bool{
	ActorSystem: setOf(
		// the town and its registers: start-up, and the demo's imports
		"town_", "village_", "item_", "source_alias_", "person_", "household_", "register_", TypeImportBatchCommitted,
		// the notices and publicity jobs (a project whose 入库公示 ended
		// without objection enters the library: project_transitioned)
		TypeNoticeDrafted, TypeNoticePublished, TypeNoticeEnded, TypePersonBoardPrinted, TypePaymentEffective, TypeProjectTransitioned,
		// the rule, verify and cosign jobs' flags; a flag or complaint escalated when overdue
		TypeFlagRaised, TypeFlagUpdated, TypeFlagReviewed, TypeComplaintEscalated,
		// the bootstrap admin, `sunshine user add`, the demo's staff;
		// `sunshine user disable|enable` (user_updated), `sunshine user
		// reset` (user_password_reset) and `sunshine user unlock`
		// (user_unlocked)
		TypeUserCreated, TypeUserUpdated, TypeUserPasswordReset, TypeUserUnlocked,
	),
	ActorPublic: setOf(TypeComplaintFiled),
}

// Actor names that are no account.
const (
	ActorSystem = "system"
	ActorPublic = "public"
)

func setOf(xs ...string) map[string]bool {
	m := map[string]bool{}
	for _, x := range xs {
		m[x] = true
	}
	return m
}

// nonAccountMay reports whether the non-account actor may write typ.
func nonAccountMay(actor, typ string) (known, ok bool) {
	m, known := nonAccountWriters[actor]
	if !known {
		return false, false
	}
	if m[typ] {
		return true, true
	}
	if f, has := Family(typ); has && m[f+"_"] {
		return true, true
	}
	return true, false
}

// fixtureActor, when set, accepts the names that tests' fixtures write
// under instead of accounts ("fin", "u1", "w3"); see AcceptFixtureActors.
// Nil in the service.
var fixtureActor func(string) bool

// AcceptFixtureActors lets the deep check accept the actor names ok accepts,
// for any entry type. Only test fixtures call it (ledgertest does, for the
// names its helpers and suites write under); the service and its commands
// never do, so in them every actor is an account, "system" or "public".
func AcceptFixtureActors(ok func(actor string) bool) { fixtureActor = ok }

type account struct {
	role     string
	disabled bool
}

// deepCheck is verify --deep's replay of what each entry claims: its time
// follows the entry before it, and its actor is either "system" or "public"
// writing a type the service writes under that name (nonAccountWriters), or
// a staff account of the town that existed and held a role allowed to write
// its type at that moment (accounts are entries of the log: user_created,
// user_updated). Any other actor is actor_not_allowed.
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
	switch known, may := nonAccountMay(e.Actor, e.Type); {
	case known:
		if !may {
			add(e.Seq, "actor_not_allowed", "序号 %d（%s）的操作人 %s 不是账号，不能写入此类条目", e.Seq, e.Type, e.Actor)
		}
	case accountActor.MatchString(e.Actor) && strings.HasPrefix(e.Actor, d.lg.Town+"-u"):
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
	case fixtureActor != nil && fixtureActor(e.Actor):
	default:
		add(e.Seq, "actor_not_allowed", "序号 %d 的操作人 %q 既不是本镇的账号，也不是系统或公众", e.Seq, e.Actor)
	}
	if e.Type == TypeUserCreated || e.Type == TypeUserUpdated {
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
