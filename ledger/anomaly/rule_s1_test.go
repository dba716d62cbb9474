package anomaly

import (
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// TestRuleS1: an approval by an account an admin created, promoted,
// enabled again or reset within NewApproverDays fires; one after the
// window, one by an account the installer ("system") created, and a
// promotion to another role do not.
func TestRuleS1(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	approve := func(seq int64, at time.Time, by string, payment int64) ledger.AccountEvent {
		return ledger.AccountEvent{Seq: seq, Type: "payment_approved", At: at, Actor: by, Payment: payment}
	}
	cases := []struct {
		name   string
		events []ledger.AccountEvent
		want   int
	}{
		{"created by an admin 3 days before", []ledger.AccountEvent{
			{Seq: 1, Type: "user_created", At: t0, Actor: "t-u1", Account: "t-u9", Role: ledger.RoleApprover},
			approve(2, t0.Add(3*day), "t-u9", 7)}, 1},
		{"created 31 days before", []ledger.AccountEvent{
			{Seq: 1, Type: "user_created", At: t0, Actor: "t-u1", Account: "t-u9", Role: ledger.RoleApprover},
			approve(2, t0.Add(31*day), "t-u9", 7)}, 0},
		{"created by the installer", []ledger.AccountEvent{
			{Seq: 1, Type: "user_created", At: t0, Actor: "system", Account: "t-u9", Role: ledger.RoleApprover},
			approve(2, t0.Add(day), "t-u9", 7)}, 0},
		{"promoted to approver a day before", []ledger.AccountEvent{
			{Seq: 1, Type: "user_created", At: t0, Actor: "system", Account: "t-u9", Role: ledger.RoleAuditor},
			{Seq: 2, Type: "user_updated", At: t0.Add(60 * day), Actor: "t-u1", Account: "t-u9", Role: ledger.RoleApprover, RoleFrom: ledger.RoleAuditor},
			approve(3, t0.Add(61*day), "t-u9", 7)}, 1},
		{"villages changed, not the role", []ledger.AccountEvent{
			{Seq: 1, Type: "user_created", At: t0, Actor: "system", Account: "t-u9", Role: ledger.RoleApprover},
			{Seq: 2, Type: "user_updated", At: t0.Add(60 * day), Actor: "t-u1", Account: "t-u9", Role: ledger.RoleApprover},
			approve(3, t0.Add(61*day), "t-u9", 7)}, 0},
		{"enabled again", []ledger.AccountEvent{
			{Seq: 1, Type: "user_created", At: t0, Actor: "system", Account: "t-u9", Role: ledger.RoleApprover},
			{Seq: 2, Type: "user_updated", At: t0.Add(40 * day), Actor: "t-u1", Account: "t-u9", Role: ledger.RoleApprover, Disabled: true},
			{Seq: 3, Type: "user_updated", At: t0.Add(60 * day), Actor: "t-u1", Account: "t-u9", Role: ledger.RoleApprover},
			approve(4, t0.Add(61*day), "t-u9", 7)}, 1},
		{"password reset", []ledger.AccountEvent{
			{Seq: 1, Type: "user_created", At: t0, Actor: "system", Account: "t-u9", Role: ledger.RoleApprover},
			{Seq: 2, Type: "user_password_reset", At: t0.Add(60 * day), Actor: "t-u1", Account: "t-u9"},
			approve(3, t0.Add(62*day), "t-u9", 7)}, 1},
	}
	for _, c := range cases {
		fs := run(t, "S1", &ledger.ScanData{Accounts: c.events})
		if len(fs) != c.want {
			t.Errorf("%s: %d findings, want %d (%+v)", c.name, len(fs), c.want, fs)
		}
		for _, f := range fs {
			if f.Subject.ID != 7 || len(f.Evidence.Entries) != 2 || f.Reason == "" {
				t.Errorf("%s: %+v", c.name, f)
			}
		}
	}
}
