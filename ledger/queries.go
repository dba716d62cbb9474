package ledger

import (
	"context"
	"strings"
)

// PersonQuery selects persons for staff: by ID number (through the blind
// index), by name (decrypting the town's people: there is no index on names)
// and/or by village. Allowed, when set, limits the villages the caller sees.
type PersonQuery struct {
	Name     string
	IDNumber string
	Village  string
	Allowed  func(village string) bool
	Limit    int // 0: 200
}

// SearchPersons finds persons and returns them with their decrypted personal
// data. When reader is not empty, each unmasked read is recorded for that
// user (finance, admin and auditors see everything in full).
func (s *Service) SearchPersons(ctx context.Context, lg Log, q PersonQuery, reader string) ([]PersonView, error) {
	bk := s.L.Store().Books(ctx, lg.ID)
	if q.Limit <= 0 {
		q.Limit = 200
	}
	var ids []int64
	if q.IDNumber != "" {
		id, err := ParseIDNumber(q.IDNumber)
		if err != nil {
			return nil, err
		}
		if ids, err = bk.PersonsByBlindIndex(IndexID, s.Vault.Index(IndexID, id)); err != nil {
			return nil, err
		}
	} else {
		if err := bk.Objects(objPerson, func(id int64, _ []byte) error {
			ids = append(ids, id)
			return nil
		}); err != nil {
			return nil, err
		}
	}
	var out []PersonView
	for _, id := range ids {
		v, err := s.ReadPerson(ctx, lg, "", id, "")
		if err != nil {
			return nil, err
		}
		if q.Village != "" && v.Household.Village != q.Village {
			continue
		}
		if q.Allowed != nil && !q.Allowed(v.Household.Village) {
			continue
		}
		if q.Name != "" && !strings.Contains(v.Private.Name, q.Name) {
			continue
		}
		if reader != "" {
			if err := bk.RecordUnmaskedRead(reader, id, s.L.Now().UTC().Format("2006-01-02T15:04:05Z"), "persons/search"); err != nil {
				return nil, err
			}
		}
		out = append(out, v)
		if len(out) >= q.Limit {
			break
		}
	}
	return out, nil
}

// PayeeLabels returns what lists show of each payee: a person's (or a
// household head's) name masked as for the public (张*明), an
// organisation's name in full. No unmasked read is involved.
func (s *Service) PayeeLabels(ctx context.Context, lg Log, ps []Payment) map[PayeeRef]string {
	bk := s.L.Store().Books(ctx, lg.ID)
	out := map[PayeeRef]string{}
	for _, p := range ps {
		if _, ok := out[p.Payee]; ok {
			continue
		}
		switch p.Payee.Kind {
		case PayeeOrg:
			var o Organisation
			if err := bk.Object(objOrg, p.Payee.ID, &o); err == nil {
				out[p.Payee] = o.Name
			}
		case PayeePerson, PayeeHousehold:
			person := p.Payee.ID
			if p.Payee.Kind == PayeeHousehold {
				var h Household
				if err := bk.Object(objHousehold, p.Payee.ID, &h); err != nil {
					continue
				}
				person = h.Head
			}
			if rec, err := bk.Private(person); err == nil {
				if pp, err := s.Vault.Open(lg.Town, rec); err == nil {
					out[p.Payee] = MaskName(pp.Name)
				}
			}
		}
	}
	return out
}

// Payment returns one payment.
func (s *Service) Payment(ctx context.Context, lg Log, id int64) (Payment, error) {
	return s.L.Store().Books(ctx, lg.ID).Payment(id)
}
