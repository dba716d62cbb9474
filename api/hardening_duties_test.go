package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// TestSeparationOfDuties (SQLite, MariaDB): the review's sequence — an
// admin records a 60,000 payment, creates an approver, logs in as it and
// approves — is refused at every step that would let one person both make
// and approve: an admin cannot record a payment; an approver the maker's
// keyholder created cannot approve it; nor one created by an admin who has
// since become the maker. Forced through the database (the entries
// appended directly, the approval through the service), the scan raises S1
// on the approval.
func TestSeparationOfDuties(t *testing.T) {
	for _, dialect := range []string{"sqlite", "mysql"} {
		t.Run(dialect, func(t *testing.T) { testSeparationOfDuties(t, dialect) })
	}
}

func testSeparationOfDuties(t *testing.T, dialect string) {
	e := newTownEnv(t, dialect)
	ctx := context.Background()
	pay := func(caller string, n int) response {
		return e.call("POST", "/api/v1/payments", caller, map[string]any{"voucher_no": fmt.Sprintf("记-SOD-%d", n), "project_code": envProject1,
			"doc_no": envFundDoc, "payment_kind": "补助", "payee_id_number": e.ids["tp1"], "account_no": e.accounts["tp1"], "amount": "60000.00", "paid_on": "2026-03-01"})
	}
	n0 := e.size()
	// 1. An admin records a payment: refused, nothing written.
	wantProblem(t, "an admin's payment", pay("admin", 1), 403, ledger.CodeForbidden)
	if e.size() != n0 {
		t.Fatalf("the refused payment wrote %d entries", e.size()-n0)
	}
	// 2. The admin creates a finance and an approver account and uses both.
	mk := func(username, role string) ledger.User {
		r := e.call("POST", "/api/v1/users", "admin", map[string]any{"username": username, "password": "Made-by-admin-2026", "role": role})
		if r.status != 201 {
			t.Fatalf("create %s: %v", username, r)
		}
		var u ledger.User
		e.decode(r, &u)
		e.tokens[username] = e.login(username, "Made-by-admin-2026")
		return u
	}
	mk("sod_fin", ledger.RoleFinance)
	mk("sod_appr", ledger.RoleApprover)
	r := pay("sod_fin", 2)
	if r.status != 201 {
		t.Fatalf("the finance account's payment: %v", r)
	}
	var p struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
	}
	e.decode(r, &p)
	n1 := e.size()
	wantProblem(t, "the admin's approver approves the admin's finance account's payment",
		e.call("POST", fmt.Sprintf("/api/v1/payments/%d/approval", p.ID), "sod_appr", map[string]any{"decision": "approve"}), 403, ledger.CodeSelfApproval)
	if e.size() != n1 {
		t.Fatal("the refused approval wrote an entry")
	}
	// Once the finance user has chosen their own password the admin no
	// longer holds it: the approval is the approver's to make.
	if r := e.call("POST", "/api/v1/auth/password", "sod_fin", map[string]string{"current_password": "Made-by-admin-2026", "new_password": "Finance-own-choice-9"}); r.status != 204 {
		t.Fatalf("change: %v", r)
	}
	if r := e.call("POST", fmt.Sprintf("/api/v1/payments/%d/approval", p.ID), "sod_appr", map[string]any{"decision": "approve"}); r.status != 201 {
		t.Fatalf("the approval after the maker chose their password: %v", r)
	}
	// 3. An admin creates an approver, is made finance by another admin
	// (a role change: an entry), records a payment: its approver refused.
	mk("sod_admin2", ledger.RoleAdmin)
	appr2 := func() string {
		r := e.call("POST", "/api/v1/users", "sod_admin2", map[string]any{"username": "sod_appr2", "password": "Made-by-admin2-2026", "role": ledger.RoleApprover})
		if r.status != 201 {
			t.Fatalf("create sod_appr2: %v", r)
		}
		e.tokens["sod_appr2"] = e.login("sod_appr2", "Made-by-admin2-2026")
		var u ledger.User
		e.decode(r, &u)
		return u.ID
	}()
	e.call("POST", "/api/v1/auth/password", "sod_appr2", map[string]string{"current_password": "Made-by-admin2-2026", "new_password": "Approver-own-choice-9"})
	admin2, _ := e.store.UserByName(ctx, "sod_admin2")
	nr := e.size()
	if r := e.call("POST", "/api/v1/users/"+admin2.ID+"/role", "admin", map[string]string{"role": ledger.RoleFinance}); r.status != 200 {
		t.Fatalf("role change: %v", r)
	}
	if es, _ := e.store.Entries(ctx, e.lg.ID, nr, 10); len(es) != 1 || es[0].Type != "user_updated" || !strings.Contains(string(es[0].Body), `"role_from":"admin"`) {
		t.Fatalf("the role change is not an entry: %v", es)
	}
	r = pay("sod_admin2", 3)
	if r.status != 201 {
		t.Fatalf("the former admin's payment: %v", r)
	}
	e.decode(r, &p)
	wantProblem(t, "an approver created by the maker", e.call("POST", fmt.Sprintf("/api/v1/payments/%d/approval", p.ID), "sod_appr2",
		map[string]any{"decision": "approve"}), 403, ledger.CodeSelfApproval)
	_ = appr2

	// 4. Forced through the database: an approver account appended directly
	// by the admin, its approval recorded through the service. S1 flags it.
	fake := envTown + "-u99999"
	if _, err := e.svc.L.Append(ctx, e.lg, ledger.AppendInput{Type: "user_created", Actor: e.users["admin"].ID,
		Payload: map[string]any{"id": fake, "username": "sod_fake", "role": ledger.RoleApprover, "villages": []string{}}}); err != nil {
		t.Fatal(err)
	}
	pm := e.payment("finance", ledger.PaymentRow{ProjectCode: envProject1, PayeeIDNumber: e.ids["tp2"], Amount: e.pending.Amount})
	if _, err := e.svc.DecidePayment(ctx, e.lg, fake, pm.ID, true, "", nil); err != nil {
		t.Fatal(err)
	}
	if r := e.call("POST", "/api/v1/jobs/scan/run", "admin", nil); r.status != 200 {
		t.Fatalf("scan: %v", r)
	}
	var list struct {
		Items []api_FlagDTO `json:"items"`
	}
	e.decode(e.call("GET", "/api/v1/flags?limit=500", "discipline", nil), &list)
	found := false
	for _, f := range list.Items {
		if f.Rule == "S1" {
			if f.Subject.ID == pm.ID && strings.Contains(f.Reason, e.users["admin"].ID) {
				found = true
			} else if f.Subject.ID != 0 {
				t.Logf("S1 also on payment %d: %s", f.Subject.ID, f.Reason)
			}
		}
	}
	if !found {
		raw, _ := json.Marshal(list.Items)
		t.Fatalf("no S1 flag on the forced approval of payment %d: %.2000s", pm.ID, raw)
	}
}

type api_FlagDTO struct {
	Rule    string             `json:"rule"`
	Subject ledger.FlagSubject `json:"subject"`
	Reason  string             `json:"reason"`
}
