package api_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/sunshine-ledger/sunshine/ledger"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// books is where the money of the fixture stands, as the staff API shows it.
type books struct {
	fundPaid, fundUnspent, projectPaid, household ledger.Fen
}

func yuanOf(t *testing.T, what, s string) ledger.Fen {
	t.Helper()
	f, err := ledger.ParseYuan(s)
	if err != nil {
		t.Fatalf("%s: %q is not an amount: %v", what, s, err)
	}
	return f
}

// books reads the fund, project 1 and a household's 2026 through the API.
func (e *townEnv) books(household int64) books {
	e.t.Helper()
	var fund struct {
		Fund struct {
			Paid    string `json:"paid"`
			Unspent string `json:"unspent"`
		} `json:"fund"`
	}
	e.decode(e.call("GET", fmt.Sprintf("/api/v1/funds/%d", e.fund.ID), "finance", nil), &fund)
	var proj struct {
		Paid string `json:"paid"`
	}
	e.decode(e.call("GET", "/api/v1/projects/"+envProject1, "finance", nil), &proj)
	var hh struct {
		Total string `json:"total"`
	}
	e.decode(e.call("GET", fmt.Sprintf("/api/v1/households/%d/year/2026", household), "finance", nil), &hh)
	return books{fundPaid: yuanOf(e.t, "fund paid", fund.Fund.Paid), fundUnspent: yuanOf(e.t, "fund unspent", fund.Fund.Unspent),
		projectPaid: yuanOf(e.t, "project paid", proj.Paid), household: yuanOf(e.t, "household total", hh.Total)}
}

// moved checks that the books moved by exactly amount (0: not at all).
func (b books) moved(t *testing.T, what string, after books, amount ledger.Fen) {
	t.Helper()
	if after.fundPaid-b.fundPaid != amount || b.fundUnspent-after.fundUnspent != amount ||
		after.projectPaid-b.projectPaid != amount || after.household-b.household != amount {
		t.Errorf("%s: the books moved %+v → %+v, want by exactly %s", what, b, after, amount)
	}
}

type paymentResult struct {
	ID     int64  `json:"id"`
	Seq    int64  `json:"seq"`
	Status string `json:"status"`
}

// pay records a payment through the API as the caller.
func (e *townEnv) pay(caller, payee, amount, item, period string) paymentResult {
	e.t.Helper()
	body := map[string]any{"voucher_no": fmt.Sprintf("记-%d", e.next()), "project_code": envProject1, "doc_no": envFundDoc, "payment_kind": "补助",
		"payee_id_number": e.ids[payee], "amount": amount, "paid_on": "2026-03-01"}
	if item != "" {
		body["item_code"], body["period"] = item, period
	}
	r := e.call("POST", "/api/v1/payments", caller, body)
	if r.status != http.StatusCreated {
		e.t.Fatalf("payment of %s by %s: %v", amount, caller, r)
	}
	var p paymentResult
	e.decode(r, &p)
	return p
}

func (e *townEnv) decide(caller string, id int64, decision string) response {
	e.t.Helper()
	return e.call("POST", fmt.Sprintf("/api/v1/payments/%d/approval", id), caller, map[string]any{"decision": decision, "note": "审核意见"})
}

func (e *townEnv) paymentStatus(id int64) string {
	e.t.Helper()
	var p struct {
		Status string `json:"status"`
		Maker  string `json:"maker"`
	}
	e.decode(e.call("GET", fmt.Sprintf("/api/v1/payments/%d", id), "auditor", nil), &p)
	return p.Status
}

// TestMakerChecker: a payment at or above the approval threshold (5000.00)
// waits for an approver who is not its maker; while it waits no balance
// moves; approval moves them by exactly its amount (or sends an item that
// needs a 补助对象公示 to the publicity wait); rejection never moves them;
// a decision is final. On SQLite and, with SUNSHINE_TEST_MYSQL_DSN, MySQL.
func TestMakerChecker(t *testing.T) {
	for _, dialect := range []string{"sqlite", "mysql"} {
		t.Run(dialect, func(t *testing.T) { testMakerChecker(t, dialect) })
	}
}

func testMakerChecker(t *testing.T, dialect string) {
	e := newTownEnv(t, dialect)
	ctx := context.Background()
	hh1 := e.persons["tp1"].Household
	hh2 := e.persons["tp2"].Household

	// Just under the threshold: effective at once.
	b0 := e.books(hh1)
	p := e.pay("finance", "tp1", "4999.99", "", "")
	if p.Status != ledger.StatusEffective || p.Seq == 0 {
		t.Fatalf("4999.99: %+v, want effective", p)
	}
	b0.moved(t, "a payment under the threshold", e.books(hh1), lt.Y("4999.99"))

	// At the threshold: pending, and nothing moves.
	b0 = e.books(hh1)
	p = e.pay("finance", "tp1", "5000.00", "", "")
	if p.Status != ledger.StatusPendingApproval {
		t.Fatalf("5000.00: %+v, want pending_approval", p)
	}
	if st := e.paymentStatus(p.ID); st != ledger.StatusPendingApproval {
		t.Errorf("GET the pending payment: %s", st)
	}
	b0.moved(t, "a pending payment", e.books(hh1), 0)

	// Makers and other roles cannot decide.
	n0 := e.size()
	for _, caller := range []string{"finance", "finance2", "admin", "monitor", "discipline", "auditor"} {
		wantProblem(t, caller+" approves", e.decide(caller, p.ID, "approve"), 403, ledger.CodeForbidden)
	}
	if e.size() != n0 {
		t.Errorf("refused decisions wrote %d entries", e.size()-n0)
	}

	// The maker may never approve their own payment (self_approval): at the
	// service, and over HTTP for a finance clerk later made an approver.
	if _, err := e.svc.DecidePayment(ctx, e.lg, e.users["finance"].ID, p.ID, true, "", nil); ledger.ErrorCode(err) != ledger.CodeSelfApproval {
		t.Errorf("the maker approving at the service: %v, want self_approval", err)
	}
	if _, err := e.auth.CreateUser(ctx, e.lg, e.users["admin"].ID, ledger.NewUser{Username: "t_promoted", Password: envPassword, Role: ledger.RoleFinance}, nil, nil); err != nil {
		t.Fatal(err)
	}
	e.tokens["promoted"] = e.login("t_promoted", envPassword)
	own := e.pay("promoted", "tp2", "8000.00", "", "")
	rec, err := e.store.UserByName(ctx, "t_promoted")
	if err != nil {
		t.Fatal(err)
	}
	rec.Role = ledger.RoleApprover
	if err := e.store.UpdateUser(ctx, rec); err != nil {
		t.Fatal(err)
	}
	wantProblem(t, "the maker, now an approver, approves their own payment", e.decide("promoted", own.ID, "approve"), 403, ledger.CodeSelfApproval)
	wantProblem(t, "the maker, now an approver, rejects their own payment", e.decide("promoted", own.ID, "reject"), 403, ledger.CodeSelfApproval)
	if st := e.paymentStatus(own.ID); st != ledger.StatusPendingApproval {
		t.Errorf("after self-approval attempts: %s", st)
	}
	// …but they may decide somebody else's.
	other := e.pay("finance", "tp2", "5500.00", "", "")
	if r := e.decide("promoted", other.ID, "reject"); r.status != http.StatusCreated {
		t.Errorf("an approver rejects another maker's payment: %v", r)
	}

	// A different approver approves: effective, the books move by exactly 5000.00.
	b0 = e.books(hh1)
	r := e.decide("approver", p.ID, "approve")
	var d struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
		Seq    int64  `json:"seq"`
	}
	e.decode(r, &d)
	if r.status != http.StatusCreated || d.ID != p.ID || d.Status != ledger.StatusEffective || d.Seq <= p.Seq {
		t.Fatalf("approval: %v", r)
	}
	b0.moved(t, "approval", e.books(hh1), lt.Y("5000"))
	if st := e.paymentStatus(p.ID); st != ledger.StatusEffective {
		t.Errorf("GET the approved payment: %s", st)
	}
	// The decision is an entry whose actor is the approver.
	var entries struct {
		Items []struct {
			Seq   int64  `json:"seq"`
			Type  string `json:"type"`
			Actor string `json:"actor"`
		} `json:"items"`
	}
	e.decode(e.call("GET", fmt.Sprintf("/api/v1/ledger/entries?after_seq=%d&limit=1", d.Seq-1), "auditor", nil), &entries)
	if len(entries.Items) != 1 || entries.Items[0].Type != "payment_approved" || entries.Items[0].Actor != e.users["approver"].ID {
		t.Errorf("the approval entry: %+v", entries.Items)
	}
	// Deciding twice is a conflict, and moves nothing.
	b0 = e.books(hh1)
	wantProblem(t, "approving twice", e.decide("approver", p.ID, "approve"), 409, ledger.CodeConflict)
	wantProblem(t, "rejecting an approved payment", e.decide("approver", p.ID, "reject"), 409, ledger.CodeConflict)
	b0.moved(t, "a second decision", e.books(hh1), 0)

	// Rejection never moves money; a rejected payment cannot be approved.
	b0 = e.books(hh2)
	rej := e.pay("finance2", "tp2", "7000.00", "", "")
	if r := e.decide("approver", rej.ID, "reject"); r.status != http.StatusCreated || e.paymentStatus(rej.ID) != ledger.StatusRejected {
		t.Fatalf("rejection: %v", r)
	}
	wantProblem(t, "approving a rejected payment", e.decide("approver", rej.ID, "approve"), 409, ledger.CodeConflict)
	b0.moved(t, "a rejected payment", e.books(hh2), 0)
	wantProblem(t, "deciding a payment that does not exist", e.decide("approver", 999999, "approve"), 404, ledger.CodeNotFound)
	wantProblem(t, "an unknown decision", e.decide("approver", rej.ID, "maybe"), 422, ledger.CodeValidationFailed)

	// An item that needs a 补助对象公示 (JY01): approval sends the payment to
	// the publicity wait, and still nothing moves; under the threshold it
	// waits there at once.
	b0 = e.books(hh2)
	listed := e.pay("finance", "tp2", "6000.00", "JY01", "2026")
	if listed.Status != ledger.StatusPendingApproval {
		t.Fatalf("JY01 6000.00: %+v", listed)
	}
	r = e.decide("approver", listed.ID, "approve")
	if r.status != http.StatusCreated || e.paymentStatus(listed.ID) != ledger.StatusAwaitingPublicity {
		t.Errorf("approving a JY01 payment: %v, status %s", r, e.paymentStatus(listed.ID))
	}
	b0.moved(t, "an approved payment awaiting publicity", e.books(hh2), 0)
	if small := e.pay("finance", "tp3", "1000.00", "JY01", "2026"); small.Status != ledger.StatusAwaitingPublicity {
		t.Errorf("JY01 1000.00: %+v, want awaiting_publicity", small)
	}
	wantProblem(t, "approving a payment awaiting publicity", e.decide("approver", listed.ID, "approve"), 409, ledger.CodeConflict)

	// A pending payment's list: the filter finds it, for readers allowed to list payments.
	var list struct {
		Items []paymentResult `json:"items"`
	}
	e.decode(e.call("GET", "/api/v1/payments?status=pending_approval", "approver", nil), &list)
	seen := map[int64]bool{}
	for _, it := range list.Items {
		if it.Status != ledger.StatusPendingApproval {
			t.Errorf("status filter returned %+v", it)
		}
		seen[it.ID] = true
	}
	if !seen[own.ID] || !seen[e.pending.ID] || seen[p.ID] {
		t.Errorf("pending list: %+v", list.Items)
	}
}
