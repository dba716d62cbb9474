package api_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/sunshine-ledger/sunshine/ledger"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// apiEntries counts the town's entries through GET /api/v1/ledger/entries,
// following the cursor.
func (e *townEnv) apiEntries() int {
	e.t.Helper()
	n, path := 0, "/api/v1/ledger/entries?limit=500"
	for {
		var page struct {
			Items      []struct{ Seq int64 } `json:"items"`
			NextCursor string                `json:"next_cursor"`
		}
		e.decode(e.call("GET", path, "auditor", nil), &page)
		for i, it := range page.Items {
			if it.Seq != int64(n+i) {
				e.t.Fatalf("entry %d has seq %d", n+i, it.Seq)
			}
		}
		n += len(page.Items)
		if page.NextCursor == "" {
			return n
		}
		path = "/api/v1/ledger/entries?limit=500&cursor=" + url.QueryEscape(page.NextCursor)
	}
}

// apiPayments counts the town's payments through GET /api/v1/payments.
func (e *townEnv) apiPayments() int {
	e.t.Helper()
	n, path := 0, "/api/v1/payments?limit=500"
	for {
		var page struct {
			Items      []struct{ ID int64 } `json:"items"`
			NextCursor string               `json:"next_cursor"`
		}
		e.decode(e.call("GET", path, "auditor", nil), &page)
		n += len(page.Items)
		if page.NextCursor == "" {
			return n
		}
		path = "/api/v1/payments?limit=500&cursor=" + url.QueryEscape(page.NextCursor)
	}
}

// TestIdempotencyHTTP: Idempotency-Key over HTTP (DOMAIN.md §2): a replay
// returns the first response and writes nothing; the same key with another
// body, or for another object of the same route, is 409
// idempotency_conflict; keys are per user; racing duplicates get one
// write and one answer; a retried upload imports once. On SQLite and, with
// SUNSHINE_TEST_MYSQL_DSN, MySQL.
func TestIdempotencyHTTP(t *testing.T) {
	for _, dialect := range []string{"sqlite", "mysql"} {
		t.Run(dialect, func(t *testing.T) { testIdempotencyHTTP(t, dialect) })
	}
}

func testIdempotencyHTTP(t *testing.T, dialect string) {
	e := newTownEnv(t, dialect)
	body := map[string]any{"voucher_no": "记-IDEM-1", "project_code": envProject1, "doc_no": envFundDoc, "payment_kind": "补助",
		"payee_id_number": e.ids["tp1"], "amount": "20.00", "paid_on": "2026-03-01"}
	pays, entries, size := e.apiPayments(), e.apiEntries(), e.size()
	if int64(entries) != size {
		t.Fatalf("the API lists %d entries, the store has %d", entries, size)
	}

	// Replay: identical status and body, one payment, one entry.
	first := e.call("POST", "/api/v1/payments", "finance", body, "Idempotency-Key", "pay-1")
	if first.status != http.StatusCreated {
		t.Fatalf("first: %v", first)
	}
	again := e.call("POST", "/api/v1/payments", "finance", body, "Idempotency-Key", "pay-1")
	// The same JSON with other key order and white space is the same request.
	reordered := []byte(fmt.Sprintf(`{ "paid_on":"2026-03-01", "amount":"20.00", "payee_id_number":%q, "payment_kind":"补助",
		"doc_no":%q, "project_code":%q, "voucher_no":"记-IDEM-1" }`, e.ids["tp1"], envFundDoc, envProject1))
	third := e.call("POST", "/api/v1/payments", "finance", reordered, "Idempotency-Key", "pay-1")
	for _, r := range []response{again, third} {
		if r.status != first.status || !bytes.Equal(r.body, first.body) {
			t.Errorf("replay: %v, first %v", r, first)
		}
	}
	if got := e.apiPayments(); got != pays+1 {
		t.Errorf("replays: %d payments, want %d", got, pays+1)
	}
	if got := e.apiEntries(); got != entries+1 {
		t.Errorf("replays: %d entries, want %d", got, entries+1)
	}

	// The same key with another body: 409, nothing written.
	n0 := e.size()
	body["amount"] = "21.00"
	wantProblem(t, "same key, other body", e.call("POST", "/api/v1/payments", "finance", body, "Idempotency-Key", "pay-1"), 409, ledger.CodeIdempotencyConflict)
	if e.size() != n0 {
		t.Errorf("a key conflict wrote %d entries", e.size()-n0)
	}

	// Keys are per user: finance2's "pay-1" is another request.
	r := e.call("POST", "/api/v1/payments", "finance2", body, "Idempotency-Key", "pay-1")
	var a, b paymentResult
	e.decode(first, &a)
	e.decode(r, &b)
	if r.status != http.StatusCreated || b.ID == a.ID || e.size() != n0+1 {
		t.Errorf("another user's same key: %v (first %v)", r, first)
	}

	// The same key for another object of a parameterised route is not a replay.
	p1 := e.payment("finance", ledger.PaymentRow{ProjectCode: envProject1, PayeeIDNumber: e.ids["tp2"], Amount: lt.Y("5000")})
	p2 := e.payment("finance", ledger.PaymentRow{ProjectCode: envProject1, PayeeIDNumber: e.ids["tp3"], Amount: lt.Y("5000")})
	approve := map[string]any{"decision": "approve", "note": "同意"}
	r1 := e.call("POST", fmt.Sprintf("/api/v1/payments/%d/approval", p1.ID), "approver", approve, "Idempotency-Key", "decide")
	if r1.status != http.StatusCreated {
		t.Fatalf("approval: %v", r1)
	}
	r2 := e.call("POST", fmt.Sprintf("/api/v1/payments/%d/approval", p2.ID), "approver", approve, "Idempotency-Key", "decide")
	if r2.status == http.StatusCreated && bytes.Equal(r2.body, r1.body) {
		t.Errorf("approving payment %d with the key used for payment %d replayed the first approval (%v): payment %d is silently left %s",
			p2.ID, p1.ID, r2, p2.ID, e.paymentStatus(p2.ID))
	} else if r2.status != http.StatusCreated {
		wantProblem(t, "same key, another payment", r2, 409, ledger.CodeIdempotencyConflict)
	}
	if r := e.call("POST", fmt.Sprintf("/api/v1/payments/%d/approval", p1.ID), "approver", approve, "Idempotency-Key", "decide"); r.status != r1.status || !bytes.Equal(r.body, r1.body) {
		t.Errorf("approval replay: %v, first %v", r, r1)
	}

	// 16 identical requests at once: one payment, 16 identical answers.
	body["voucher_no"], body["amount"] = "记-IDEM-RACE", "22.00"
	n0, pays = e.size(), e.apiPayments()
	outs := make([]response, 16)
	errs := make([]error, 16)
	var wg sync.WaitGroup
	for i := range outs {
		wg.Go(func() {
			outs[i], errs[i] = e.send("POST", "/api/v1/payments", "finance", body, "Idempotency-Key", "race")
		})
	}
	wg.Wait()
	for i, o := range outs {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if o.status != http.StatusCreated || !bytes.Equal(o.body, outs[0].body) {
			t.Errorf("racing request %d: %v, first %v", i, o, outs[0])
		}
	}
	if e.size() != n0+1 || e.apiPayments() != pays+1 {
		t.Errorf("16 racing duplicates wrote %d entries and %d payments, want 1 and 1", e.size()-n0, e.apiPayments()-pays)
	}

	// A retried upload imports once; another file under the same key is a conflict.
	sheet := paymentSheet("IDEM-UP", 3, e.ids["tp2"])
	n0, pays = e.size(), e.apiPayments()
	up1 := e.upload("/api/v1/imports/payments", "finance", "发放明细.csv", sheet, "upload-1")
	up2 := e.upload("/api/v1/imports/payments", "finance", "发放明细.csv", sheet, "upload-1")
	if up1.status != http.StatusCreated || up2.status != up1.status || !bytes.Equal(up1.body, up2.body) {
		t.Fatalf("retried upload: %v / %v", up1, up2)
	}
	var imp struct {
		BatchID any     `json:"batch_id"`
		Rows    int     `json:"rows"`
		Entries []int64 `json:"entries"`
	}
	e.decode(up1, &imp)
	// The import's entries: the rows', then the import_batch entry (batch_id) last.
	if imp.Rows != 3 || len(imp.Entries) != 2 || e.size() != n0+(imp.Entries[1]-imp.Entries[0]+1) || e.apiPayments() != pays+3 ||
		fmt.Sprint(imp.BatchID) != fmt.Sprint(imp.Entries[1]) {
		t.Errorf("the import: %s; %d entries and %d payments written", up1.body, e.size()-n0, e.apiPayments()-pays)
	}
	n0 = e.size()
	wantProblem(t, "same key, another file", e.upload("/api/v1/imports/payments", "finance", "发放明细.csv", paymentSheet("IDEM-UP", 2, e.ids["tp2"]), "upload-1"),
		409, ledger.CodeIdempotencyConflict)
	if e.size() != n0 {
		t.Errorf("an upload key conflict wrote %d entries", e.size()-n0)
	}
}
