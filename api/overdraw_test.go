package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"sync"
	"testing"

	"github.com/sunshine-ledger/sunshine/ledger"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// TestSixtyFourPayers: 64 clients pay from the same project's holding of
// one fund at once, more than it holds, each payment with its own
// Idempotency-Key and sent up to four times (some retries racing the first
// attempt). The holding is never overdrawn (the refusals are
// allocation_overdrawn); no key pays twice; every 2xx for a key names the
// same payment; and the project's paid total equals the sum of the
// acknowledged payments. On SQLite and MariaDB.
func TestSixtyFourPayers(t *testing.T) {
	for _, dialect := range []string{"sqlite", "mysql"} {
		t.Run(dialect, func(t *testing.T) { testSixtyFourPayers(t, dialect) })
	}
}

func testSixtyFourPayers(t *testing.T, dialect string) {
	e := newTownEnv(t, dialect)
	ctx := context.Background()
	before, err := e.svc.ProjectReport(ctx, e.lg, envProject2)
	if err != nil {
		t.Fatal(err)
	}
	var holding ledger.Fen
	for _, f := range before.Funds {
		if f.DocNo == envFundDoc {
			holding = f.Holding
		}
	}
	const clients, each = 64, 5
	amount := holding / (clients*each - 40) // about 40 payments more than it holds
	if amount >= lt.Y("5000") {
		t.Fatalf("amount %s would need approval", amount.Yuan())
	}
	type answer struct {
		status int
		id     int64
		code   string
	}
	var mu sync.Mutex
	answers := map[string][]answer{}
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			rng := mrand.New(mrand.NewPCG(uint64(c), 7))
			for i := range each {
				key := fmt.Sprintf("pay-%d-%d", c, i)
				body := map[string]any{"voucher_no": "并发-" + key, "project_code": envProject2, "doc_no": envFundDoc, "payment_kind": "补助",
					"payee_id_number": e.ids["tp1"], "amount": amount.String(), "paid_on": "2026-03-10"}
				tries := 1 + rng.IntN(4)
				var inner sync.WaitGroup
				for try := range tries {
					send := func() {
						r, err := e.send("POST", "/api/v1/payments", "finance", body, "Idempotency-Key", key)
						if err != nil {
							t.Error(err)
							return
						}
						a := answer{status: r.status}
						var v struct {
							ID   int64  `json:"id"`
							Code string `json:"code"`
						}
						_ = json.Unmarshal(r.body, &v)
						a.id, a.code = v.ID, v.Code
						mu.Lock()
						answers[key] = append(answers[key], a)
						mu.Unlock()
					}
					if try > 0 && rng.IntN(2) == 0 {
						inner.Go(send) // a retry racing the others
					} else {
						send()
					}
				}
				inner.Wait()
			}
		})
	}
	wg.Wait()

	ps, err := e.svc.Payments(ctx, e.lg, ledger.PaymentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	byVoucher := map[string][]ledger.Payment{}
	for _, p := range ps {
		byVoucher[p.VoucherNo] = append(byVoucher[p.VoucherNo], p)
	}
	var acked ledger.Fen
	paidKeys, refused, conflicts := 0, 0, 0
	for key, as := range answers {
		got := byVoucher["并发-"+key]
		if len(got) > 1 {
			t.Errorf("key %s paid %d times", key, len(got))
		}
		var id int64
		for _, a := range as {
			switch {
			case a.status/100 == 2:
				if id != 0 && a.id != id {
					t.Errorf("key %s: answers name payments %d and %d", key, id, a.id)
				}
				id = a.id
			case a.status == http.StatusUnprocessableEntity && a.code == string(ledger.CodeAllocationOverdrawn):
			case a.status == http.StatusConflict:
				conflicts++ // the same key still in flight
			default:
				t.Errorf("key %s: %d %s", key, a.status, a.code)
			}
		}
		switch {
		case id != 0:
			if len(got) != 1 || got[0].ID != id {
				t.Errorf("key %s acknowledged as payment %d, the books hold %+v", key, id, got)
			}
			acked += amount
			paidKeys++
		case len(got) != 0:
			t.Errorf("key %s was never acknowledged but paid", key)
		default:
			refused++
		}
	}
	after, err := e.svc.ProjectReport(ctx, e.lg, envProject2)
	if err != nil {
		t.Fatal(err)
	}
	var line ledger.ProjectFundLine
	for _, f := range after.Funds {
		if f.DocNo == envFundDoc {
			line = f
		}
	}
	if line.Holding < 0 || line.Paid > line.Allocated {
		t.Fatalf("overdrawn: %+v", line)
	}
	if got := after.Paid - before.Paid; got != acked {
		t.Fatalf("paid %s, acknowledged %s", got.Yuan(), acked.Yuan())
	}
	if refused == 0 || paidKeys == 0 {
		t.Fatalf("%d paid, %d refused: the test did not reach the limit", paidKeys, refused)
	}
	t.Logf("%s: %d keys, %d paid (%s 元), %d refused as overdrawn, %d answers 409 for a key in flight; holding left %s 元",
		dialect, len(answers), paidKeys, acked.Yuan(), refused, conflicts, line.Holding.Yuan())
}
