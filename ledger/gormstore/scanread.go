package gormstore

import (
	"database/sql"
	"time"

	"github.com/sunshine-ledger/sunshine/ledger"
)

var _ ledger.ScanReader = (*books)(nil)

const scanPaymentCols = "id, seq, voucher_no, project_id, fund_id, item_code, kind, payee_kind, payee_id, household_id, account_holder, account_index, quantity, amount, period, paid_on, invoice_no, status, recorded_at, loan_contract_no, recipient"

// ScanPayments implements ledger.ScanReader: the log's payments, by id, as
// raw rows that live for one call of fn, so that a full scan of a town
// keeps each payment only in its compact form (no []ledger.Payment, no
// string per column).
func (b *books) ScanPayments(fn func(r *ledger.ScanRow) error) error {
	rows, err := b.q.query("SELECT "+scanPaymentCols+" FROM payments WHERE log_id = ? ORDER BY id", b.log)
	if err != nil {
		return b.q.fail("scan payments", err)
	}
	defer rows.Close()
	var r ledger.ScanRow
	var recorded sql.RawBytes
	times := map[string]time.Time{}
	raw := func(b *[]byte) *sql.RawBytes { return (*sql.RawBytes)(b) }
	for rows.Next() {
		if err := rows.Scan(&r.ID, &r.Seq, raw(&r.VoucherNo), &r.Project, &r.Fund, raw(&r.Item), raw(&r.Kind), raw(&r.PayeeKind), &r.PayeeID,
			&r.Household, &r.AccountHolder, raw(&r.AccountIndex), &r.Quantity, &r.Amount, raw(&r.Period), raw(&r.PaidOn),
			raw(&r.InvoiceNo), raw(&r.Status), &recorded, raw(&r.LoanContractNo), &r.Recipient); err != nil {
			return b.q.fail("scan payment", err)
		}
		r.RecordedAt = time.Time{}
		if len(recorded) > 0 {
			t, ok := times[string(recorded)]
			if !ok {
				t = parseTime(string(recorded))
				if len(times) < 1<<16 {
					times[string(recorded)] = t
				}
			}
			r.RecordedAt = t
		}
		if err := fn(&r); err != nil {
			return err
		}
	}
	return b.q.fail("scan payments", rows.Err())
}
