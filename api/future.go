package api

import (
	"fmt"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// futureDays is the tolerance for a payment dated after today (time zones,
// a payment keyed in the evening before it goes out): a payment recorded
// through the API or the pages may be dated at most this many days ahead.
// Imports are records of fact and are checked by the oversight rules.
const futureDays = 1

// futurePayment refuses a payment date after today + futureDays.
func (s *Server) futurePayment(d ledger.Date) *ledger.Error {
	if d.IsZero() {
		return nil
	}
	today := ledger.DateOf(s.ledger.Now(), s.ledger.Location())
	if !d.After(today.AddDays(futureDays)) {
		return nil
	}
	msg := fmt.Sprintf("支付日期 %s 晚于今天（%s），不能录入未来的支付", d, today)
	return &ledger.Error{Code: ledger.CodeValidationFailed, Detail: msg, Fields: []ledger.FieldError{{Field: "paid_on", Message: msg}}}
}
