package ledger

import (
	"context"
	"crypto/sha256"
	"slices"
	"strconv"
)

// The cross-town rule (B7, 跨乡镇重复领取) compares the towns of one
// service: the same person, or the same account, paid by two towns for the
// same item and overlapping periods. Persons are registered per town, but
// the vault's blind indexes are service-wide (Vault.Index: one HMAC key for
// every town), so the same ID number or account number has the same index
// in every town's books; no personal data is decrypted to compare them.

// CrossRef is one effective payment of a town that shares a cross-town key
// with a payment of another town.
type CrossRef struct {
	Town   string // the town's code (Log.Town)
	Seq    int64  // the payment's entry in that town's log
	Amount Fen
	PaidOn Date
	Period string // its 所属期间 ("2026-11", "2026-Q4", "2026")
}

// crossRef is a CrossRef with the months its period covers (year×12 +
// month − 1, both ends included): two payments match when their months
// overlap, so a month paid by one town and the quarter holding it paid by
// another are the same money twice.
type crossRef struct {
	CrossRef
	from, to int32
}

func (a crossRef) overlaps(b crossRef) bool { return a.from <= b.to && b.from <= a.to }

// crossKey is a truncated SHA-256 of (item, year — or "once" for an item
// granted once —, index kind, blind index): 16 bytes a key whatever the
// lengths. Payments of one key are then compared by their months.
type crossKey [16]byte

func crossKeyOf(item, period, kind, index string) crossKey {
	h := sha256.New()
	for _, s := range []string{item, period, kind, index} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	var k crossKey
	copy(k[:], h.Sum(nil))
	return k
}

// CrossTown is the county-wide index B7 reads: which effective payments of
// a town share a key with payments of other towns, and those payments.
type CrossTown struct {
	hits  map[string]map[int64][]CrossHit // town → payment seq → its matches
	names map[string]string               // town code → name
}

// CrossHit is a match of one payment: by which index (IndexID: the
// recipient's, or for a household item a member's, ID number; IndexAccount:
// the receiving account) and the other towns' payments under it.
type CrossHit struct {
	Kind   string
	Others []CrossRef
}

// Hits returns the matches of the payment with entry seq in town.
func (c *CrossTown) Hits(town string, seq int64) []CrossHit {
	if c == nil {
		return nil
	}
	return c.hits[town][seq]
}

// Matched returns how many payments of town have a match.
func (c *CrossTown) Matched(town string) int {
	if c == nil {
		return 0
	}
	return len(c.hits[town])
}

// TownName returns a town's name (its code when it has none).
func (c *CrossTown) TownName(code string) string {
	if c != nil && c.names[code] != "" {
		return c.names[code]
	}
	return code
}

// CrossTownIndex reads every effective payment with an item and a period of
// every log and keeps the payments that another town paid too: the same
// item, the same recipient (ID number) or account, and overlapping periods
// (or any periods, for an item granted once). With fewer than two logs it
// returns nil (nothing to compare). It reads the households (for their
// heads), the items, the ID blind indexes and the payments; it decrypts
// nothing.
// Memory while it reads: two keys (ID, account) of 16 bytes and a reference
// of about 80 bytes per payment of every town.
func (s *Service) CrossTownIndex(ctx context.Context, logs []Log) (*CrossTown, error) {
	if len(logs) < 2 {
		return nil, nil
	}
	type group struct {
		kind string
		refs []crossRef
	}
	keys := map[crossKey]*group{}
	c := &CrossTown{hits: map[string]map[int64][]CrossHit{}, names: map[string]string{}}
	for _, lg := range logs {
		if t, err := s.Town(ctx, lg); err == nil && t.Name != "" {
			c.names[lg.Town] = t.Name
		}
		if err := s.crossTownKeys(ctx, lg, func(k crossKey, kind string, r crossRef) {
			g := keys[k]
			if g == nil {
				g = &group{kind: kind}
				keys[k] = g
			}
			g.refs = append(g.refs, r)
		}); err != nil {
			return nil, err
		}
	}
	for _, g := range keys {
		if len(g.refs) < 2 || !slices.ContainsFunc(g.refs[1:], func(r crossRef) bool { return r.Town != g.refs[0].Town }) {
			continue
		}
		for _, r := range g.refs {
			var others []CrossRef
			for _, o := range g.refs {
				if o.Town != r.Town && o.overlaps(r) {
					others = append(others, o.CrossRef)
				}
			}
			if len(others) == 0 {
				continue
			}
			byTown := c.hits[r.Town]
			if byTown == nil {
				byTown = map[int64][]CrossHit{}
				c.hits[r.Town] = byTown
			}
			byTown[r.Seq] = append(byTown[r.Seq], CrossHit{Kind: g.kind, Others: others})
		}
	}
	return c, nil
}

// crossTownKeys calls fn with each cross-town key of each effective
// payment of a log with an item and a period: the recipient's ID number's
// blind index (the person paid; for a household item the person named as
// its 收款人, else the household's head: not every member, since members
// move between households and towns) and the account's. Items granted once
// (Item.GrantLimit once per household or person) match whatever their
// periods; the others by year, then by overlapping months.
func (s *Service) crossTownKeys(ctx context.Context, lg Log, fn func(k crossKey, kind string, r crossRef)) error {
	bk := s.L.Store().Books(ctx, lg.ID)
	ids := map[int64]string{} // person → ID number's blind index
	if err := bk.BlindIndexes(func(kind, hash string, person int64) error {
		if kind == IndexID {
			ids[person] = hash
		}
		return nil
	}); err != nil {
		return err
	}
	households, err := listObjects[Household](bk, objHousehold)
	if err != nil {
		return err
	}
	heads := make(map[int64]int64, len(households))
	for _, h := range households {
		heads[h.ID] = h.Head
	}
	items, err := listObjects[Item](bk, objItem)
	if err != nil {
		return err
	}
	// An item is the same item in two towns when code and name agree: the
	// default catalogue's are, but two towns may give one new code to two
	// different things.
	identity := map[string]string{}
	once := map[string]bool{}
	for _, it := range items {
		identity[it.Code] = it.Code + "\x00" + it.Name
		once[it.Code] = it.GrantLimit == GrantOncePerHousehold || it.GrantLimit == GrantOncePerPerson
	}
	periods := map[string]Period{} // as stored → parsed (zero: none)
	add := func(r *ScanRow) error {
		if string(r.Status) != StatusEffective || len(r.Item) == 0 || len(r.Period) == 0 {
			return nil
		}
		p, ok := periods[string(r.Period)]
		if !ok {
			p, _ = ParsePeriod(string(r.Period))
			periods[string(r.Period)] = p
		}
		if p.Year == 0 {
			return nil
		}
		item := identity[string(r.Item)]
		if item == "" {
			item = string(r.Item)
		}
		ref := crossRef{CrossRef: CrossRef{Town: lg.Town, Seq: r.Seq, Amount: Fen(r.Amount), Period: p.String()}}
		if d, err := ParseDate(string(r.PaidOn)); err == nil {
			ref.PaidOn = d
		}
		st, en := p.Start(), p.End()
		ref.from, ref.to = int32(st.Year*12+int(st.Month)-1), int32(en.Year*12+int(en.Month)-1)
		// Every payment is keyed by its year (overlapping months match); an
		// item this town grants once also under "once", where any periods
		// match, so that a town that does not mark the item once still
		// meets the other in the year's bucket.
		buckets := []string{strconv.Itoa(p.Year)}
		var onceRef crossRef
		if once[string(r.Item)] {
			buckets = append(buckets, "once")
			onceRef = ref
			onceRef.from, onceRef.to = 0, 0
		}
		var person int64
		switch string(r.PayeeKind) {
		case PayeePerson:
			person = r.PayeeID
		case PayeeHousehold:
			person = r.Recipient
			if person == 0 {
				person = heads[r.PayeeID]
			}
		default:
			return nil // organisations: F-rules' business, not a person's double pay
		}
		for i, bucket := range buckets {
			rf := ref
			if i > 0 {
				rf = onceRef
			}
			if h := ids[person]; h != "" {
				fn(crossKeyOf(item, bucket, IndexID, h), IndexID, rf)
			}
			if len(r.AccountIndex) > 0 {
				fn(crossKeyOf(item, bucket, IndexAccount, string(r.AccountIndex)), IndexAccount, rf)
			}
		}
		return nil
	}
	if sr, ok := bk.(ScanReader); ok {
		return sr.ScanPayments(add)
	}
	ps, err := bk.Payments(PaymentFilter{})
	if err != nil {
		return err
	}
	for _, p := range ps {
		r := ScanRow{Seq: p.Seq, PayeeID: p.Payee.ID, Recipient: p.Recipient, Amount: int64(p.Amount), Item: []byte(p.Item), PayeeKind: []byte(p.Payee.Kind),
			AccountIndex: []byte(p.AccountIndex), Period: []byte(p.Period.String()), PaidOn: []byte(p.PaidOn.String()), Status: []byte(p.Status)}
		if p.Period.Year == 0 {
			r.Period = nil
		}
		if err := add(&r); err != nil {
			return err
		}
	}
	return nil
}
