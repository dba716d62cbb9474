package anomaly

import (
	"fmt"
	"strconv"
	"time"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// S1: a payment approved by an account that was created, given the
// approver role, enabled again or had its password reset no more than
// NewApproverDays before the approval — the way one person (an admin) makes
// an approver for their own payment. The subject is the approval entry.
// Accounts the installer set up ("system": `sunshine user add`, the
// bootstrap admin, the demo) are not counted.
func ruleS1(d *ledger.ScanData, c Config) []ledger.Finding {
	window := time.Duration(c.NewApproverDays) * 24 * time.Hour
	type setup struct {
		seq   int64
		at    time.Time
		actor string
		what  string
	}
	setups := map[string][]setup{} // account → its set-up events so far
	disabled := map[string]bool{}
	role := map[string]string{}
	var out []ledger.Finding
	for _, e := range d.Accounts {
		if e.Actor == "system" && e.Type != "payment_approved" {
			// the installer's command line and bootstrap set up the first
			// accounts; S1 watches what staff accounts do to each other
			role[e.Account], disabled[e.Account] = e.Role, e.Disabled
			continue
		}
		switch e.Type {
		case "user_created":
			setups[e.Account] = append(setups[e.Account], setup{e.Seq, e.At, e.Actor, "创建"})
			role[e.Account], disabled[e.Account] = e.Role, e.Disabled
		case "user_updated":
			if e.Role != "" && e.Role != role[e.Account] && e.Role == ledger.RoleApprover {
				setups[e.Account] = append(setups[e.Account], setup{e.Seq, e.At, e.Actor, "授予审核角色"})
			}
			if disabled[e.Account] && !e.Disabled {
				setups[e.Account] = append(setups[e.Account], setup{e.Seq, e.At, e.Actor, "重新启用"})
			}
			if e.Role != "" {
				role[e.Account] = e.Role
			}
			disabled[e.Account] = e.Disabled
		case "user_password_reset":
			setups[e.Account] = append(setups[e.Account], setup{e.Seq, e.At, e.Actor, "重置密码"})
		case "payment_approved":
			var recent *setup
			for i := range setups[e.Actor] {
				if s := &setups[e.Actor][i]; !s.at.After(e.At) && e.At.Sub(s.at) <= window {
					recent = s
				}
			}
			if recent == nil {
				continue
			}
			days := int(e.At.Sub(recent.at).Hours() / 24)
			out = append(out, ledger.Finding{Rule: "S1", SubjectKey: "approval:" + strconv.FormatInt(e.Seq, 10), Severity: ledger.SeverityHigh,
				Subject: ledger.FlagSubject{Kind: "payment", ID: e.Payment, Label: fmt.Sprintf("支付 %d 的审核", e.Payment)},
				Reason: fmt.Sprintf("审核该笔支付的账号在审核前 %d 天由账号 %s %s（不超过 %d 天），可能是同一人为自己的支付设立审核人",
					days, recent.actor, recent.what, c.NewApproverDays),
				Evidence: ledger.Evidence{Entries: []int64{recent.seq, e.Seq}}})
		}
	}
	return sorted(out)
}
