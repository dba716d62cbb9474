package ledger

import (
	"cmp"
	"encoding/json"
	"slices"
)

// cachedBooks memoizes, for one request, the reads an import repeats on
// every row: objects by key (projects, funds, items, organisations,
// villages, aliases), objects by id, people by blind index, and balances.
// It is safe because one request is one writer's view of the log: every
// write of the request goes through it, and a failed request throws the
// whole cache away with its savepoint.
type cachedBooks struct {
	Books
	byKey   map[[2]string]cachedObj
	byID    map[objRef]json.RawMessage
	index   map[[2]string][]int64
	balance map[string]Fen // as stored, before the pending deltas

	// The additive projections (balances, flows, household years) are
	// summed here and written once per key at the end of the request
	// (flush): an import of 10,000 payments touches a few hundred keys.
	// Every touched key is written, zero deltas included, so that the rows
	// that exist are the same as after a row-by-row replay.
	pendBal  map[string]Fen
	pendFlow map[flowKey]Fen
	pendHY   map[hyKey]hyDelta
}

type flowKey struct {
	fund, project int64
	kind          string
}

type hyKey struct {
	household int64
	year      int
	item      string
}

type hyDelta struct {
	amount Fen
	count  int
}

type cachedObj struct {
	id  int64
	raw json.RawMessage
}

type objRef struct {
	kind string
	id   int64
}

func newCachedBooks(bk Books) *cachedBooks {
	return &cachedBooks{Books: bk, byKey: map[[2]string]cachedObj{}, byID: map[objRef]json.RawMessage{},
		index: map[[2]string][]int64{}, balance: map[string]Fen{},
		pendBal: map[string]Fen{}, pendFlow: map[flowKey]Fen{}, pendHY: map[hyKey]hyDelta{}}
}

func decodeInto(raw json.RawMessage, out any) error {
	if p, ok := out.(*json.RawMessage); ok {
		*p = append((*p)[:0], raw...)
		return nil
	}
	return json.Unmarshal(raw, out)
}

func (c *cachedBooks) ObjectByKey(kind, key string, out any) (int64, error) {
	k := [2]string{kind, key}
	if o, ok := c.byKey[k]; ok {
		return o.id, decodeInto(o.raw, out)
	}
	var raw json.RawMessage
	id, err := c.Books.ObjectByKey(kind, key, &raw)
	if err != nil {
		return 0, err
	}
	c.byKey[k] = cachedObj{id, raw}
	return id, decodeInto(raw, out)
}

func (c *cachedBooks) Object(kind string, id int64, out any) error {
	r := objRef{kind, id}
	if raw, ok := c.byID[r]; ok {
		return decodeInto(raw, out)
	}
	var raw json.RawMessage
	if err := c.Books.Object(kind, id, &raw); err != nil {
		return err
	}
	c.byID[r] = raw
	return decodeInto(raw, out)
}

// forget drops what the cache knows of a kind's objects.
func (c *cachedBooks) forget(kind string, id int64) {
	delete(c.byID, objRef{kind, id})
	for k, o := range c.byKey {
		if k[0] == kind && o.id == id {
			delete(c.byKey, k)
		}
	}
}

func (c *cachedBooks) CreateObject(kind string, id int64, key string, v any) error {
	c.forget(kind, id)
	return c.Books.CreateObject(kind, id, key, v)
}

func (c *cachedBooks) PutObject(kind string, id int64, v any) error {
	c.forget(kind, id)
	return c.Books.PutObject(kind, id, v)
}

func (c *cachedBooks) Objects(kind string, fn func(id int64, raw []byte) error) error {
	return c.Books.Objects(kind, fn)
}

func (c *cachedBooks) PersonsByBlindIndex(kind, hash string) ([]int64, error) {
	k := [2]string{kind, hash}
	if ids, ok := c.index[k]; ok {
		return ids, nil
	}
	ids, err := c.Books.PersonsByBlindIndex(kind, hash)
	if err == nil {
		c.index[k] = ids
	}
	return ids, err
}

func (c *cachedBooks) PutBlindIndex(kind, hash string, person int64) error {
	delete(c.index, [2]string{kind, hash})
	return c.Books.PutBlindIndex(kind, hash, person)
}

func (c *cachedBooks) ErasePrivate(person int64) error {
	c.index = map[[2]string][]int64{}
	return c.Books.ErasePrivate(person)
}

func (c *cachedBooks) Balance(account string) (Fen, error) {
	v, ok := c.balance[account]
	if !ok {
		var err error
		if v, err = c.Books.Balance(account); err != nil {
			return 0, err
		}
		c.balance[account] = v
	}
	return v + c.pendBal[account], nil
}

func (c *cachedBooks) AddBalance(account string, delta Fen) error {
	c.pendBal[account] += delta
	return nil
}

func (c *cachedBooks) Balances(prefix string) (map[string]Fen, error) {
	if err := c.flush(); err != nil {
		return nil, err
	}
	return c.Books.Balances(prefix)
}

func (c *cachedBooks) AddFlow(fund, project int64, kind string, delta Fen) error {
	c.pendFlow[flowKey{fund, project, kind}] += delta
	return nil
}

func (c *cachedBooks) Flows(fund, project int64) ([]Flow, error) {
	if err := c.flush(); err != nil {
		return nil, err
	}
	return c.Books.Flows(fund, project)
}

func (c *cachedBooks) AddHouseholdYear(household int64, year int, item string, delta Fen, count int) error {
	k := hyKey{household, year, item}
	d := c.pendHY[k]
	d.amount += delta
	d.count += count
	c.pendHY[k] = d
	return nil
}

func (c *cachedBooks) HouseholdYear(household int64, year int) ([]HouseholdItemTotal, error) {
	if err := c.flush(); err != nil {
		return nil, err
	}
	return c.Books.HouseholdYear(household, year)
}

// flush writes the pending deltas, in a fixed order.
func (c *cachedBooks) flush() error {
	accts := make([]string, 0, len(c.pendBal))
	for a := range c.pendBal {
		accts = append(accts, a)
	}
	slices.Sort(accts)
	for _, a := range accts {
		d := c.pendBal[a]
		if err := c.Books.AddBalance(a, d); err != nil {
			return err
		}
		if v, ok := c.balance[a]; ok {
			c.balance[a] = v + d
		}
		delete(c.pendBal, a)
	}
	flows := make([]flowKey, 0, len(c.pendFlow))
	for k := range c.pendFlow {
		flows = append(flows, k)
	}
	slices.SortFunc(flows, func(a, b flowKey) int {
		return cmp.Or(cmp.Compare(a.fund, b.fund), cmp.Compare(a.project, b.project), cmp.Compare(a.kind, b.kind))
	})
	for _, k := range flows {
		if err := c.Books.AddFlow(k.fund, k.project, k.kind, c.pendFlow[k]); err != nil {
			return err
		}
		delete(c.pendFlow, k)
	}
	hys := make([]hyKey, 0, len(c.pendHY))
	for k := range c.pendHY {
		hys = append(hys, k)
	}
	slices.SortFunc(hys, func(a, b hyKey) int {
		return cmp.Or(cmp.Compare(a.household, b.household), cmp.Compare(a.year, b.year), cmp.Compare(a.item, b.item))
	})
	for _, k := range hys {
		d := c.pendHY[k]
		if err := c.Books.AddHouseholdYear(k.household, k.year, k.item, d.amount, d.count); err != nil {
			return err
		}
		delete(c.pendHY, k)
	}
	return nil
}
