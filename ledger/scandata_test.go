package ledger

import (
	"strings"
	"testing"
	"time"
	"unsafe"
)

// TestScanPaymentRoundTrip: a payment added to a snapshot comes back as it
// went in (less the fields no rule reads), strings that repeat are stored
// once, and the compact record stays small.
func TestScanPaymentRoundTrip(t *testing.T) {
	if n := unsafe.Sizeof(ScanPayment{}); n > 128 { // 120 before issue 17's Recipient and LoanContract
		t.Errorf("ScanPayment is %d bytes", n)
	}
	in := []Payment{
		{ID: 7, Seq: 7, VoucherNo: "记-0001", Project: 3, Fund: 4, Item: "GY01", Kind: PaySubsidy, Payee: PayeeRef{Kind: PayeePerson, ID: 11},
			Household: 12, AccountHolder: 11, AccountIndex: strings.Repeat("ab", 32), Quantity: 2, Amount: 300_00,
			Period: Period{Year: 2026, Month: 3}, PaidOn: Date{2026, 3, 25}, InvoiceNo: "FP-1", Status: StatusEffective, LoanContractNo: "LN-1", Recipient: 13,
			RecordedAt: time.Date(2026, 4, 1, 8, 30, 5, 0, time.UTC)},
		{ID: 9, Seq: 9, VoucherNo: "记-0002", Item: "GY01", Kind: PaySubsidy, Payee: PayeeRef{Kind: PayeeOrg, ID: 50},
			Period: Period{Year: 2026, Quarter: 2}, PaidOn: Date{2026, 12, 31}, Status: StatusReversed},
		{ID: 10, Seq: 10, Payee: PayeeRef{Kind: PayeeHousehold, ID: 12}, Period: Period{Year: 2026}, Status: StatusEffective},
	}
	var d ScanData
	for _, p := range in {
		d.AddPayment(p)
	}
	for i, want := range in {
		if got := d.Payment(i); got != want {
			t.Errorf("payment %d:\n got %+v\nwant %+v", i, got, want)
		}
	}
	if a, b := d.Payments[0], d.Payments[1]; a.Item != b.Item || a.Kind != b.Kind || a.VoucherNo == b.VoucherNo {
		t.Errorf("symbols: %+v %+v", a, b)
	}
	if a, c := d.Payments[0], d.Payments[2]; a.Status != c.Status {
		t.Errorf("status not interned: %+v %+v", a, c)
	}
}

// TestPackedDatesOrder: packed dates compare as the dates do, packed
// periods unpack to the period.
func TestPackedDatesOrder(t *testing.T) {
	ds := []Date{{}, {1900, 1, 1}, {2025, 12, 31}, {2026, 1, 1}, {2026, 1, 31}, {2026, 2, 1}, {2100, 12, 31}}
	for i, a := range ds {
		if PackDate(a).Date() != a {
			t.Errorf("%v unpacks to %v", a, PackDate(a).Date())
		}
		for j, b := range ds {
			if (PackDate(a) < PackDate(b)) != a.Before(b) || (i < j) != a.Before(b) {
				t.Errorf("%v < %v", a, b)
			}
		}
	}
	for _, p := range []Period{{}, {2026, 0, 0}, {2026, 4, 0}, {2026, 0, 12}} {
		if PackPeriod(p).Period() != p {
			t.Errorf("%v unpacks to %v", p, PackPeriod(p).Period())
		}
	}
}
