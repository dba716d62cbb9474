package ledger

import (
	"context"
	"encoding/json"
	"slices"
)

// Changes is what an incremental scan must look at again: every entry
// after the last scan, and the payments whose groups they touch.
type Changes struct {
	// Since is the log size the last scan covered; Size the size now.
	Since, Size int64
	// Seqs are the seqs a finding must cite to be new: every entry after
	// Since, and the recording entries of payments that changed status or
	// whose payee's registry record changed.
	Seqs map[int64]bool
	// Payments is how many payments the snapshot holds.
	Payments int
}

// Cites reports whether a finding cites a changed seq.
func (c *Changes) Cites(f Finding) bool {
	for _, s := range f.Evidence.Entries {
		if c.Seqs[s] {
			return true
		}
	}
	return false
}

// ScanDataSince loads the snapshot an incremental scan runs on: the
// payments that changed since the log had size since (recorded, approved,
// made effective, reversed, or paid to someone whose registry record
// changed), and every payment sharing a payee, household, account, invoice,
// or item and period with one of them, so that each group a rule forms
// around a change is whole. Everything else (registry, funds, projects,
// loans, notices, complaints) is loaded in full; only the persons the
// payments and loans name are decrypted. Findings about groups that no
// change touches may be partial: keep only those citing a changed seq
// (Changes.Cites) for the payment rules.
func (s *Service) ScanDataSince(ctx context.Context, lg Log, since int64) (*ScanData, *Changes, error) {
	st := s.L.Store()
	size, err := st.Size(ctx, lg.ID)
	if err != nil {
		return nil, nil, err
	}
	ch := &Changes{Since: since, Size: size, Seqs: map[int64]bool{}}
	var ids, persons, households []int64
	for n := since; n < size; {
		rows, err := st.Entries(ctx, lg.ID, n, 4096)
		if err != nil {
			return nil, nil, err
		}
		if len(rows) == 0 {
			break
		}
		for _, r := range rows {
			n = r.Seq + 1
			ch.Seqs[r.Seq] = true
			switch r.Type {
			case TypePaymentRecorded:
				ids = append(ids, r.Seq)
			case TypePaymentApproved, TypePaymentRejected, TypePaymentEffective, TypePaymentHeld:
				var p struct {
					Payment int64 `json:"payment"`
				}
				if e, err := ParseEntry(r.Body); err == nil && json.Unmarshal(e.Payload, &p) == nil {
					ids = append(ids, p.Payment)
				}
			case TypeReversalRecorded:
				var p struct {
					Entry int64 `json:"entry"`
				}
				if e, err := ParseEntry(r.Body); err == nil && json.Unmarshal(e.Payload, &p) == nil {
					ids = append(ids, p.Entry)
				}
			case TypeRegisterMarked, TypePersonUpdated:
				var p struct {
					Person int64 `json:"person"`
				}
				if e, err := ParseEntry(r.Body); err == nil && json.Unmarshal(e.Payload, &p) == nil && p.Person != 0 {
					persons = append(persons, p.Person)
				}
			case TypeHouseholdUpdated:
				var p struct {
					Household int64 `json:"household"`
				}
				if e, err := ParseEntry(r.Body); err == nil && json.Unmarshal(e.Payload, &p) == nil && p.Household != 0 {
					households = append(households, p.Household)
				}
			}
		}
	}
	bk := st.Books(ctx, lg.ID)
	var changed []Payment
	if len(ids) > 0 {
		if changed, err = bk.PaymentsByKeys(PaymentKeys{IDs: ids}); err != nil {
			return nil, nil, err
		}
	}
	k := PaymentKeys{Households: households}
	for _, p := range persons {
		k.Payees = append(k.Payees, PayeeRef{Kind: PayeePerson, ID: p})
	}
	for _, p := range changed {
		switch {
		case p.Payee.Kind == PayeeOrg:
			k.Payees = append(k.Payees, p.Payee) // F1: a supplier's payments
		case p.Item != "":
			k.PayeeItemYears = append(k.PayeeItemYears, PayeeItemYear{Payee: p.Payee, Item: p.Item, Year: paymentYear(p)})
			if p.Household != 0 {
				k.HouseholdItemPeriods = append(k.HouseholdItemPeriods, HouseholdItemPeriod{Household: p.Household, Item: p.Item, Period: p.Period.String()})
			}
			k.ItemPeriods = append(k.ItemPeriods, [2]string{p.Item, p.Period.String()})
		}
		if p.AccountIndex != "" {
			k.AccountPeriods = append(k.AccountPeriods, [2]string{p.AccountIndex, p.Period.String()})
		}
		if p.InvoiceNo != "" {
			k.Invoices = append(k.Invoices, p.InvoiceNo)
		}
	}
	k.Payees, k.Households, k.Invoices, k.ItemPeriods = uniq(k.Payees), uniq(k.Households), uniq(k.Invoices), uniq(k.ItemPeriods)
	k.PayeeItemYears, k.HouseholdItemPeriods, k.AccountPeriods = uniq(k.PayeeItemYears), uniq(k.HouseholdItemPeriods), uniq(k.AccountPeriods)
	k.IDs = ids
	var payments []Payment
	if len(changed) > 0 || len(k.Payees) > 0 || len(k.Households) > 0 {
		if payments, err = bk.PaymentsByKeys(k); err != nil {
			return nil, nil, err
		}
	}
	// payments of persons and households whose records changed count as changed
	changedPerson := map[int64]bool{}
	for _, p := range persons {
		changedPerson[p] = true
	}
	for _, p := range payments {
		if p.Payee.Kind == PayeePerson && changedPerson[p.Payee.ID] || slices.Contains(households, p.Household) {
			ch.Seqs[p.Seq] = true
		}
	}
	for _, p := range changed {
		ch.Seqs[p.Seq] = true
	}
	ch.Payments = len(payments)
	// decrypt only the persons the snapshot names
	need := map[int64]bool{}
	hh := map[int64]bool{}
	for _, p := range payments {
		if p.Payee.Kind == PayeePerson {
			need[p.Payee.ID] = true
		}
		if p.AccountHolder != 0 {
			need[p.AccountHolder] = true
		}
		if p.Household != 0 {
			hh[p.Household] = true
		}
	}
	loans, err := listObjects[Loan](bk, objLoan)
	if err != nil {
		return nil, nil, err
	}
	for _, l := range loans {
		need[l.Borrower] = true
	}
	d, err := s.snapshot(ctx, lg, func(id int64) bool { return need[id] })
	if err != nil {
		return nil, nil, err
	}
	d.Payments = make([]ScanPayment, 0, len(payments))
	for _, p := range payments {
		d.AddPayment(p)
	}
	// household heads of the households paid (labels of household payees)
	for h := range hh {
		if head := d.Households[h].Head; head != 0 && d.Labels[head] == "" {
			if rec, err := bk.Private(head); err == nil {
				if pp, err := s.Vault.Open(lg.Town, rec); err == nil {
					d.Labels[head] = MaskName(pp.Name)
					if pp.IDNumber != "" {
						d.Births[head] = IDBirthDate(pp.IDNumber)
					}
				}
			}
		}
	}
	return d, ch, nil
}

// paymentYear is the year of a payment's date, as the payments table's year
// column holds it.
func paymentYear(p Payment) int { return p.PaidOn.Year }

func uniq[T comparable](s []T) []T {
	seen := make(map[T]bool, len(s))
	out := s[:0]
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
