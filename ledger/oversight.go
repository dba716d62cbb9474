package ledger

import (
	"context"
	"slices"
)

// What a village monitor reads of their villages' books (issue 17): which
// village a payment or loan belongs to, the payees' names as oversight sees
// them, the account a payment went into, and a household's members.

// PaymentVillages returns the village each payment belongs to, by payment
// id: a payment to a person or household belongs to the village of the
// payee's household; a payment to an organisation to its project's village
// ("" for a town-level project).
func (s *Service) PaymentVillages(ctx context.Context, lg Log, ps []Payment) (map[int64]string, error) {
	bk := s.L.Store().Books(ctx, lg.ID)
	households := map[int64]string{}
	projects := map[int64]string{}
	out := make(map[int64]string, len(ps))
	for _, p := range ps {
		if p.Payee.Kind != PayeeOrg && p.Household != 0 {
			v, ok := households[p.Household]
			if !ok {
				var h Household
				if err := bk.Object(objHousehold, p.Household, &h); err != nil && !IsNotFound(err) {
					return nil, err
				}
				v = h.Village
				households[p.Household] = v
			}
			out[p.ID] = v
			continue
		}
		v, ok := projects[p.Project]
		if !ok {
			var pr Project
			if err := bk.Object(objProject, p.Project, &pr); err != nil && !IsNotFound(err) {
				return nil, err
			}
			v = pr.Village
			projects[p.Project] = v
		}
		out[p.ID] = v
	}
	return out, nil
}

// VillagePayments lists the payments matching f (f.Limit and f.AfterID
// ignored) that allowed accepts with their village (PaymentVillages), by
// id, after the id after, at most limit of them (0: all). It reads the
// books 500 payments at a time.
func (s *Service) VillagePayments(ctx context.Context, lg Log, f PaymentFilter, after int64, limit int, allowed func(p Payment, village string) bool) ([]Payment, error) {
	var out []Payment
	f.AfterID = after
	f.Limit = 500
	for {
		ps, err := s.Payments(ctx, lg, f)
		if err != nil {
			return nil, err
		}
		vs, err := s.PaymentVillages(ctx, lg, ps)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			if allowed(p, vs[p.ID]) {
				out = append(out, p)
				if limit > 0 && len(out) == limit {
					return out, nil
				}
			}
		}
		if len(ps) < f.Limit {
			return out, nil
		}
		f.AfterID = ps[len(ps)-1].ID
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
}

// PayeeView is a payment's payee and account as an audience sees them.
type PayeeView struct {
	Name     string // the person (a household: its head), or the organisation
	IDNumber string // masked for the audience
	Village  string
	Group    string
	Account  string // the account the money went into, masked for the audience
	// Holder says whose account that was: "本人", "户主", "本户成员",
	// "他人" (a person outside the payee's household) or "" (unknown or an
	// organisation).
	Holder string
}

// PayeeViews returns, by payment id, the payee and the account of each
// payment for an audience (DOMAIN.md §6: oversight sees full names, ID
// numbers first 6 + last 4, accounts last 4). The public audience gets
// masked names only. Nothing is recorded: callers never pass AudienceFull.
func (s *Service) PayeeViews(ctx context.Context, lg Log, ps []Payment, a Audience) map[int64]PayeeView {
	bk := s.L.Store().Books(ctx, lg.ID)
	r := newPrivReader(s, bk, lg)
	out := make(map[int64]PayeeView, len(ps))
	for _, p := range ps {
		var v PayeeView
		if p.Payee.Kind == PayeeOrg {
			var o Organisation
			if err := bk.Object(objOrg, p.Payee.ID, &o); err == nil {
				v.Name = o.Name
			}
			out[p.ID] = v
			continue
		}
		person := p.Payee.ID
		var h Household
		_ = bk.Object(objHousehold, p.Household, &h)
		if p.Payee.Kind == PayeeHousehold {
			person = h.Head
		}
		pp := r.private(person)
		v.Name, v.IDNumber, v.Village, v.Group = ShowName(pp.Name, a), ShowIDNumber(pp.IDNumber, a), h.Village, h.Group
		acct, holder := s.paymentAccount(bk, r, p)
		v.Account = ShowAccount(acct, a)
		v.Holder = holderKind(bk, p, holder, person, h)
		out[p.ID] = v
	}
	return out
}

// holderKind says whose account a payment went into, seen from person (the
// payee, or a household payment's head) of household h.
func holderKind(bk Books, p Payment, holder, person int64, h Household) string {
	switch {
	case holder == 0:
		return ""
	case holder == person:
		return "本人"
	case holder == h.Head:
		return "户主"
	}
	var hp Person
	if err := bk.Object(objPerson, holder, &hp); err == nil && hp.Household == h.ID && h.ID != 0 {
		return "本户成员"
	}
	return "他人"
}

// paymentAccount returns the account number a payment went into and the
// person holding it (0 for none): the holder's account whose blind index
// the payment recorded, or, when it recorded none, the holder's first
// account. The number is "" when the holder has no matching account.
func (s *Service) paymentAccount(bk Books, r *privReader, p Payment) (string, int64) {
	holder := p.AccountHolder
	if holder == 0 {
		return "", 0
	}
	pp := r.private(holder)
	for _, a := range pp.Accounts {
		if p.AccountIndex == "" || s.Vault.Index(IndexAccount, NormalizeAccount(a.Number)) == p.AccountIndex {
			return a.Number, holder
		}
	}
	return "", holder
}

// privReader opens persons' private records once each.
type privReader struct {
	s     *Service
	bk    Books
	lg    Log
	cache map[int64]PersonPrivate
}

func newPrivReader(s *Service, bk Books, lg Log) *privReader {
	return &privReader{s: s, bk: bk, lg: lg, cache: map[int64]PersonPrivate{}}
}

func (r *privReader) private(person int64) PersonPrivate {
	if pp, ok := r.cache[person]; ok {
		return pp
	}
	var pp PersonPrivate
	if rec, err := r.bk.Private(person); err == nil {
		pp, _ = r.s.Vault.Open(r.lg.Town, rec)
	}
	r.cache[person] = pp
	return pp
}

// HouseholdMembers returns a household's members with their personal data
// (the caller masks it for its audience; nothing is recorded, so callers
// never show it unmasked), the head first.
func (s *Service) HouseholdMembers(ctx context.Context, lg Log, household int64) ([]PersonView, error) {
	bk := s.L.Store().Books(ctx, lg.ID)
	var h Household
	if err := bk.Object(objHousehold, household, &h); err != nil {
		return nil, err
	}
	ps, err := listObjects[Person](bk, objPerson)
	if err != nil {
		return nil, err
	}
	r := newPrivReader(s, bk, lg)
	var out []PersonView
	for _, p := range ps {
		if p.Household != household {
			continue
		}
		out = append(out, PersonView{Person: p, Private: r.private(p.ID), Household: h})
	}
	slices.SortStableFunc(out, func(a, b PersonView) int {
		switch {
		case a.ID == h.Head:
			return -1
		case b.ID == h.Head:
			return 1
		}
		return int(a.ID - b.ID)
	})
	return out, nil
}

// LoanVillages returns the village of each loan's borrower household, by
// contract number.
func (s *Service) LoanVillages(ctx context.Context, lg Log, ls []Loan) map[string]string {
	bk := s.L.Store().Books(ctx, lg.ID)
	hs := map[int64]string{}
	out := make(map[string]string, len(ls))
	for _, l := range ls {
		v, ok := hs[l.Household]
		if !ok {
			var h Household
			_ = bk.Object(objHousehold, l.Household, &h)
			v = h.Village
			hs[l.Household] = v
		}
		out[l.ContractNo] = v
	}
	return out
}

// PersonNames returns persons' names for an audience, by person id.
func (s *Service) PersonNames(ctx context.Context, lg Log, ids []int64, a Audience) map[int64]string {
	bk := s.L.Store().Books(ctx, lg.ID)
	r := newPrivReader(s, bk, lg)
	out := make(map[int64]string, len(ids))
	for _, id := range ids {
		out[id] = ShowName(r.private(id).Name, a)
	}
	return out
}
