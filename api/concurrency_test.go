package api_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/ledger"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// TestConcurrentPaymentsAndImports: 64 clients pay from the first project's
// holding of the town's fund at once over HTTP, 4 payments each, while 8
// more clients import 20-row payment sheets on the same holding at
// different points of the run; together they ask for about 40% more than
// it holds. Every payment and every sheet has its own Idempotency-Key and
// is sent 1–4 times (sheets 1–3), some retries racing the first attempt.
// A payment sent to the API is an instruction: it is refused
// (allocation_overdrawn) when the holding less the reserved pending
// payment cannot cover it. A sheet records what already happened (README,
// "Instructions and records"): it is written whole even when it overdraws,
// and later instructions are then refused. Afterwards:
//   - replaying the books in log order, no instruction was accepted
//     without room for it: paid + reserved ≤ allocated just before each
//     one; only sheets take the holding below zero;
//   - every refusal is allocation_overdrawn; no key is paid twice;
//   - every 2xx answer of a key names the same payment (the same batch for
//     a sheet), and that payment (all 20 rows of that sheet, once each) is
//     in the books; a key without a 2xx left nothing;
//   - the fund's and the project's paid, in the service's report and in
//     GET /api/v1/funds/{id}, grew by exactly the acknowledged sum.
//
// On SQLite and MariaDB (skipped without SUNSHINE_TEST_MYSQL_DSN).
func TestConcurrentPaymentsAndImports(t *testing.T) {
	for _, dialect := range []string{"sqlite", "mysql"} {
		t.Run(dialect, func(t *testing.T) { testConcurrentPayments(t, dialect) })
	}
}

// sendUpload posts a sheet as the multipart field "file" without touching
// t, so goroutines may use it.
func (e *townEnv) sendUpload(path, caller, filename string, data []byte, key string) (response, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		return response{}, err
	}
	fw.Write(data)
	mw.Close()
	req, err := http.NewRequest("POST", e.ts.URL+path, &buf)
	if err != nil {
		return response{}, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+e.tokens[caller])
	req.Header.Set("Idempotency-Key", key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: out}, err
}

type fundView struct {
	Fund struct {
		Allocated string `json:"allocated"`
		Paid      string `json:"paid"`
	} `json:"fund"`
	Projects []struct {
		Code      string `json:"project_code"`
		Allocated string `json:"allocated"`
		Paid      string `json:"paid"`
		Holding   string `json:"holding"`
	} `json:"projects"`
}

func (e *townEnv) fundView() (fundPaid, projAllocated, projPaid, projHolding ledger.Fen) {
	e.t.Helper()
	var v fundView
	e.decode(e.call("GET", fmt.Sprintf("/api/v1/funds/%d", e.fund.ID), "finance", nil), &v)
	fundPaid = lt.Y(v.Fund.Paid)
	for _, p := range v.Projects {
		if p.Code == envProject1 {
			projAllocated, projPaid, projHolding = lt.Y(p.Allocated), lt.Y(p.Paid), signedYuan(p.Holding)
		}
	}
	return
}

// signedYuan parses an amount that may be negative (an overdrawn holding).
func signedYuan(s string) ledger.Fen {
	if v, ok := strings.CutPrefix(s, "-"); ok {
		return -lt.Y(v)
	}
	return lt.Y(s)
}

func testConcurrentPayments(t *testing.T, dialect string) {
	e := newTownEnv(t, dialect)
	ctx := context.Background()
	before, err := e.svc.ProjectReport(ctx, e.lg, envProject1)
	if err != nil {
		t.Fatal(err)
	}
	var line0 ledger.ProjectFundLine
	for _, f := range before.Funds {
		if f.DocNo == envFundDoc {
			line0 = f
		}
	}
	fundPaid0, _, projPaid0, _ := e.fundView()
	if e.pending.Status != ledger.StatusPendingApproval {
		t.Fatalf("fixture: %+v", e.pending)
	}
	// What can still be paid: the holding less the fixture's payment that
	// waits for approval (it is reserved).
	free := line0.Holding - e.pending.Amount
	const payers, perPayer, sheets, rowsPerSheet = 64, 4, 8, 20
	requested := payers*perPayer + sheets*rowsPerSheet // 416 units
	amount := free / 300                               // room for 300 of them
	if amount >= lt.Y("5000") {
		t.Fatalf("amount %s would need approval", amount.Yuan())
	}

	type answer struct {
		status int
		id     int64 // payment id, or import batch id
		code   string
		body   string
	}
	var mu sync.Mutex
	answers := map[string][]answer{}
	record := func(key string, r response, err error) {
		if err != nil {
			t.Errorf("%s: %v", key, err)
			return
		}
		var v struct {
			ID      int64  `json:"id"`
			BatchID int64  `json:"batch_id"`
			Code    string `json:"code"`
		}
		_ = json.Unmarshal(r.body, &v)
		a := answer{status: r.status, id: v.ID + v.BatchID, code: v.Code, body: string(r.body)}
		mu.Lock()
		answers[key] = append(answers[key], a)
		mu.Unlock()
	}
	// retried sends one request 1+extra times with the same key, some of
	// the retries at once with the others.
	retried := func(rng *mrand.Rand, extra int, send func()) {
		var inner sync.WaitGroup
		for try := range 1 + extra {
			if try > 0 && rng.IntN(2) == 0 {
				inner.Go(send)
			} else {
				send()
			}
		}
		inner.Wait()
	}

	sheet := func(prefix string) []byte {
		var b bytes.Buffer
		b.WriteString("凭证号,项目编号,指标文号,补贴项目代码,付款类型,收款人身份证号,收款单位,统一社会信用代码,收款账号,账户户名身份证号,数量,金额(元),所属期间,支付日期,发票号,合同号,贷款合同号\n")
		for i := range rowsPerSheet {
			fmt.Fprintf(&b, "%s-%02d,%s,%s,,补助,%s,,,,,,%s,,2026-03-01,,,\n", prefix, i, envProject1, envFundDoc, e.ids["tp2"], amount.String())
		}
		return b.Bytes()
	}

	// The sheets go in at different points of the run (after 0, 60, …,
	// 420 payment answers), so that some meet a holding with room for part
	// of a sheet and none for the rest.
	var payAnswers atomic.Int64
	paying := make(chan struct{})
	var wg, payWG sync.WaitGroup
	for c := range payers {
		payWG.Go(func() {
			rng := mrand.New(mrand.NewPCG(uint64(c), 11))
			for i := range perPayer {
				key := fmt.Sprintf("cc-pay-%d-%d", c, i)
				body := map[string]any{"voucher_no": "并发支付-" + key, "project_code": envProject1, "doc_no": envFundDoc, "payment_kind": "补助",
					"payee_id_number": e.ids["tp1"], "amount": amount.String(), "paid_on": "2026-03-01"}
				retried(rng, rng.IntN(4), func() {
					r, err := e.send("POST", "/api/v1/payments", "finance", body, "Idempotency-Key", key)
					record(key, r, err)
					payAnswers.Add(1)
				})
			}
		})
	}
	go func() { payWG.Wait(); close(paying) }()
	for s := range sheets {
		wg.Go(func() {
			rng := mrand.New(mrand.NewPCG(uint64(s), 13))
			for payAnswers.Load() < int64(60*s) {
				select {
				case <-paying:
				case <-time.After(time.Millisecond):
					continue
				}
				break
			}
			key := fmt.Sprintf("cc-imp-%d", s)
			data := sheet("并发导入-" + key)
			retried(rng, rng.IntN(3), func() {
				r, err := e.sendUpload("/api/v1/imports/payments", "finance2", "发放明细.csv", data, key)
				record(key, r, err)
			})
		})
	}
	wg.Wait()
	payWG.Wait()
	if t.Failed() {
		t.FailNow()
	}

	ps, err := e.svc.Payments(ctx, e.lg, ledger.PaymentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	byVoucher := map[string][]ledger.Payment{}
	for _, p := range ps {
		byVoucher[p.VoucherNo] = append(byVoucher[p.VoucherNo], p)
	}
	var acked ledger.Fen
	paid, refused, replays, importsIn, importsOut := 0, 0, 0, 0, 0
	for key, as := range answers {
		isSheet := strings.HasPrefix(key, "cc-imp-")
		var id int64
		for _, a := range as {
			switch {
			case a.status/100 == 2:
				if a.id == 0 {
					t.Errorf("key %s: 2xx without an id: %s", key, a.body)
				}
				if id != 0 {
					replays++
					if a.id != id {
						t.Errorf("key %s: 2xx answers name %d and %d", key, id, a.id)
					}
				}
				id = a.id
			case !isSheet && a.status == http.StatusConflict && a.code == string(ledger.CodeAllocationOverdrawn):
			default:
				t.Errorf("key %s: %d %s", key, a.status, a.body)
			}
		}
		if isSheet {
			n := 0
			for i := range rowsPerSheet {
				got := byVoucher[fmt.Sprintf("并发导入-%s-%02d", key, i)]
				if len(got) > 1 {
					t.Errorf("sheet %s row %d paid %d times", key, i, len(got))
				}
				n += len(got)
			}
			switch {
			case id != 0 && n == rowsPerSheet:
				importsIn++
				acked += amount * rowsPerSheet
			case id == 0 && n == 0:
				importsOut++
			default:
				t.Errorf("sheet %s (acknowledged as batch %d): %d of %d rows in the books", key, id, n, rowsPerSheet)
			}
			continue
		}
		got := byVoucher["并发支付-"+key]
		switch {
		case len(got) > 1:
			t.Errorf("key %s paid %d times", key, len(got))
		case id != 0 && (len(got) != 1 || got[0].ID != id || got[0].Amount != amount || got[0].Status != ledger.StatusEffective):
			t.Errorf("key %s acknowledged as payment %d; the books hold %+v", key, id, got)
		case id != 0:
			paid++
			acked += amount
		case len(got) != 0:
			t.Errorf("key %s was never acknowledged but is paid: %+v", key, got)
		default:
			refused++
		}
	}
	if len(answers) != payers*perPayer+sheets {
		t.Fatalf("%d keys answered, want %d", len(answers), payers*perPayer+sheets)
	}

	after, err := e.svc.ProjectReport(ctx, e.lg, envProject1)
	if err != nil {
		t.Fatal(err)
	}
	var line ledger.ProjectFundLine
	for _, f := range after.Funds {
		if f.DocNo == envFundDoc {
			line = f
		}
	}
	// The books in log order: every instruction had room when it was
	// written; only sheets may overdraw.
	slices.SortFunc(ps, func(a, b ledger.Payment) int { return cmp.Compare(a.Seq, b.Seq) })
	running := line0.Paid + e.pending.Amount
	overdrawnBySheets := false
	for _, p := range ps {
		if !strings.HasPrefix(p.VoucherNo, "并发") {
			continue
		}
		if !p.Imported && running+p.Amount > line.Allocated {
			t.Errorf("payment %s (seq %d) accepted with %s 元 of %s allocated already paid or reserved", p.VoucherNo, p.Seq, running.Yuan(), line.Allocated.Yuan())
		}
		running += p.Amount
		if running > line.Allocated {
			overdrawnBySheets = true
		}
	}
	if running != line.Paid+e.pending.Amount {
		t.Errorf("the payments sum to %s paid, the report says %s", (running - e.pending.Amount).Yuan(), line.Paid.Yuan())
	}
	if got := line.Paid - line0.Paid; got != acked {
		t.Fatalf("project paid grew by %s; acknowledged %s", got.Yuan(), acked.Yuan())
	}
	fundPaid, projAllocated, projPaid, projHolding := e.fundView()
	if fundPaid-fundPaid0 != acked || projPaid-projPaid0 != acked || projAllocated-projPaid != projHolding || projAllocated != line.Allocated {
		t.Fatalf("GET /api/v1/funds/%d: fund paid %s → %s, project paid %s → %s of %s (holding %s); acknowledged %s",
			e.fund.ID, fundPaid0.Yuan(), fundPaid.Yuan(), projPaid0.Yuan(), projPaid.Yuan(), projAllocated.Yuan(), projHolding.Yuan(), acked.Yuan())
	}
	if importsOut != 0 {
		t.Errorf("%d sheets refused: a sheet records what already happened", importsOut)
	}
	if refused == 0 || paid == 0 {
		t.Fatalf("%d paid, %d refused: the test did not reach the limit", paid, refused)
	}
	if left := free - acked; left >= amount {
		t.Errorf("%s 元 left, enough for another payment of %s, yet %d payments were refused", left.Yuan(), amount.Yuan(), refused)
	}
	t.Logf("%s: %d units of %s 元 asked for, room for %d; %d payments paid, %d refused as overdrawn; %d sheets imported (overdrawing the holding: %v); %d replays answered 2xx; holding less reserved at the end %s 元",
		dialect, requested, amount.Yuan(), int(free/amount), paid, refused, importsIn, overdrawnBySheets, replays, (free - acked).Yuan())
}
