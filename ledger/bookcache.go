package ledger

import (
	"cmp"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"unsafe"
)

// cachedBooks is the Books of one writer batch, shared by the batch's
// requests. It memoizes the reads every payment repeats (objects by key and
// id, people by blind index, stored balances), and it sums the additive
// projections (balances, flows, household years) in memory, writing each
// touched key once when the batch ends (flush, a Batch.OnFinish hook). A
// batch of 64 payments thus costs a few upserts, not 256.
//
// Requests run under savepoints, and a failed one is rolled back: so each
// request's deltas are kept apart until it succeeds (end(true) merges them,
// end(false) drops them), and every cache entry a request filled is dropped
// when it fails, since it may hold what the rollback undid. Stored balances
// only change at flush, so their cache stays true through the batch.
//
// Every touched key is written at flush, zero sums included, so that the
// rows that exist are the same as after a row-by-row replay (Rebuild).
type cachedBooks struct {
	Books
	byKey   map[[2]string]cachedObj
	byID    map[objRef]json.RawMessage
	index   map[[2]string][]int64
	balance map[string]Fen // as stored

	typed map[typedKey]reflect.Value

	bal  deltas // of the batch's successful requests
	req  deltas // of the request under way
	fill []func()
}

type deltas struct {
	bal  map[string]Fen
	flow map[flowKey]Fen
	hy   map[hyKey]hyDelta
}

func newDeltas() deltas {
	return deltas{bal: map[string]Fen{}, flow: map[flowKey]Fen{}, hy: map[hyKey]hyDelta{}}
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
		index: map[[2]string][]int64{}, balance: map[string]Fen{}, bal: newDeltas(), req: newDeltas()}
}

// end closes the request under way: its deltas join the batch's, or, when
// it failed, are dropped together with every cache entry it filled.
func (c *cachedBooks) end(ok bool) {
	if ok {
		for k, v := range c.req.bal {
			c.bal.bal[k] += v
		}
		for k, v := range c.req.flow {
			c.bal.flow[k] += v
		}
		for k, v := range c.req.hy {
			d := c.bal.hy[k]
			d.amount += v.amount
			d.count += v.count
			c.bal.hy[k] = d
		}
	} else {
		for _, undo := range c.fill {
			undo()
		}
	}
	c.req = newDeltas()
	c.fill = c.fill[:0]
}

func decodeInto(raw json.RawMessage, out any) error {
	if p, ok := out.(*json.RawMessage); ok {
		*p = append((*p)[:0], raw...)
		return nil
	}
	return json.Unmarshal(raw, out)
}

// decodeCached decodes raw into out, reusing an earlier decoding of the
// same bytes into the same type (a shallow copy: callers treat objects as
// values and do not write through their slices).
func (c *cachedBooks) decodeCached(raw json.RawMessage, out any) error {
	if _, ok := out.(*json.RawMessage); ok {
		return decodeInto(raw, out)
	}
	rv := reflect.ValueOf(out)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return json.Unmarshal(raw, out)
	}
	k := typedKey{ptr: unsafe.SliceData(raw), n: len(raw), t: rv.Type()}
	if v, ok := c.typed[k]; ok {
		rv.Elem().Set(v)
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return err
	}
	if c.typed == nil {
		c.typed = map[typedKey]reflect.Value{}
	}
	c.typed[k] = reflect.ValueOf(rv.Elem().Interface())
	return nil
}

// typedKey names one decoding: the cached bytes (by address: they are never
// modified, only replaced) and the target type.
type typedKey struct {
	ptr *byte
	n   int
	t   reflect.Type
}

func (c *cachedBooks) ObjectByKey(kind, key string, out any) (int64, error) {
	k := [2]string{kind, key}
	if o, ok := c.byKey[k]; ok {
		return o.id, c.decodeCached(o.raw, out)
	}
	var raw json.RawMessage
	id, err := c.Books.ObjectByKey(kind, key, &raw)
	if err != nil {
		return 0, err
	}
	c.byKey[k] = cachedObj{id, raw}
	c.fill = append(c.fill, func() { delete(c.byKey, k) })
	return id, decodeInto(raw, out)
}

func (c *cachedBooks) Object(kind string, id int64, out any) error {
	r := objRef{kind, id}
	if raw, ok := c.byID[r]; ok {
		return c.decodeCached(raw, out)
	}
	var raw json.RawMessage
	if err := c.Books.Object(kind, id, &raw); err != nil {
		return err
	}
	c.byID[r] = raw
	c.fill = append(c.fill, func() { delete(c.byID, r) })
	return decodeInto(raw, out)
}

// forget drops what the cache knows of an object about to change.
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

func (c *cachedBooks) PersonsByBlindIndex(kind, hash string) ([]int64, error) {
	k := [2]string{kind, hash}
	if ids, ok := c.index[k]; ok {
		return ids, nil
	}
	ids, err := c.Books.PersonsByBlindIndex(kind, hash)
	if err == nil {
		c.index[k] = ids
		c.fill = append(c.fill, func() { delete(c.index, k) })
	}
	return ids, err
}

func (c *cachedBooks) PutBlindIndex(kind, hash string, person int64) error {
	delete(c.index, [2]string{kind, hash})
	return c.Books.PutBlindIndex(kind, hash, person)
}

func (c *cachedBooks) ErasePrivate(person int64) error {
	clear(c.index)
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
	return v + c.bal.bal[account] + c.req.bal[account], nil
}

func (c *cachedBooks) AddBalance(account string, delta Fen) error {
	c.req.bal[account] += delta
	return nil
}

func (c *cachedBooks) Balances(prefix string) (map[string]Fen, error) {
	out, err := c.Books.Balances(prefix)
	if err != nil {
		return nil, err
	}
	for _, d := range []map[string]Fen{c.bal.bal, c.req.bal} {
		for a, v := range d {
			if strings.HasPrefix(a, prefix) {
				out[a] += v
			}
		}
	}
	return out, nil
}

func (c *cachedBooks) AddFlow(fund, project int64, kind string, delta Fen) error {
	c.req.flow[flowKey{fund, project, kind}] += delta
	return nil
}

func (c *cachedBooks) Flows(fund, project int64) ([]Flow, error) {
	stored, err := c.Books.Flows(fund, project)
	if err != nil {
		return nil, err
	}
	sum := map[flowKey]Fen{}
	for _, f := range stored {
		sum[flowKey{f.Fund, f.Project, f.Kind}] += f.Amount
	}
	for _, d := range []map[flowKey]Fen{c.bal.flow, c.req.flow} {
		for k, v := range d {
			if (fund <= 0 || k.fund == fund) && (project <= 0 || k.project == project) {
				sum[k] += v
			}
		}
	}
	out := make([]Flow, 0, len(sum))
	for k, v := range sum {
		out = append(out, Flow{Fund: k.fund, Project: k.project, Kind: k.kind, Amount: v})
	}
	slices.SortFunc(out, func(a, b Flow) int {
		return cmp.Or(cmp.Compare(a.Fund, b.Fund), cmp.Compare(a.Project, b.Project), cmp.Compare(a.Kind, b.Kind))
	})
	return out, nil
}

func (c *cachedBooks) AddHouseholdYear(household int64, year int, item string, delta Fen, count int) error {
	k := hyKey{household, year, item}
	d := c.req.hy[k]
	d.amount += delta
	d.count += count
	c.req.hy[k] = d
	return nil
}

func (c *cachedBooks) HouseholdYear(household int64, year int) ([]HouseholdItemTotal, error) {
	stored, err := c.Books.HouseholdYear(household, year)
	if err != nil {
		return nil, err
	}
	sum := map[string]HouseholdItemTotal{}
	for _, t := range stored {
		sum[t.Item] = t
	}
	for _, d := range []map[hyKey]hyDelta{c.bal.hy, c.req.hy} {
		for k, v := range d {
			if k.household == household && k.year == year {
				t := sum[k.item]
				t.Item = k.item
				t.Amount += v.amount
				t.Count += v.count
				sum[k.item] = t
			}
		}
	}
	out := make([]HouseholdItemTotal, 0, len(sum))
	for _, t := range sum {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b HouseholdItemTotal) int { return cmp.Compare(a.Item, b.Item) })
	return out, nil
}

// flush writes the batch's summed deltas, in a fixed order. It must run
// outside any request (the writer calls it when the batch's requests are
// done), after end.
func (c *cachedBooks) flush() error {
	accts := make([]string, 0, len(c.bal.bal))
	for a := range c.bal.bal {
		accts = append(accts, a)
	}
	slices.Sort(accts)
	for _, a := range accts {
		d := c.bal.bal[a]
		if err := c.Books.AddBalance(a, d); err != nil {
			return err
		}
		if v, ok := c.balance[a]; ok {
			c.balance[a] = v + d
		}
	}
	flows := make([]flowKey, 0, len(c.bal.flow))
	for k := range c.bal.flow {
		flows = append(flows, k)
	}
	slices.SortFunc(flows, func(a, b flowKey) int {
		return cmp.Or(cmp.Compare(a.fund, b.fund), cmp.Compare(a.project, b.project), cmp.Compare(a.kind, b.kind))
	})
	for _, k := range flows {
		if err := c.Books.AddFlow(k.fund, k.project, k.kind, c.bal.flow[k]); err != nil {
			return err
		}
	}
	hys := make([]hyKey, 0, len(c.bal.hy))
	for k := range c.bal.hy {
		hys = append(hys, k)
	}
	slices.SortFunc(hys, func(a, b hyKey) int {
		return cmp.Or(cmp.Compare(a.household, b.household), cmp.Compare(a.year, b.year), cmp.Compare(a.item, b.item))
	})
	for _, k := range hys {
		d := c.bal.hy[k]
		if err := c.Books.AddHouseholdYear(k.household, k.year, k.item, d.amount, d.count); err != nil {
			return err
		}
	}
	c.bal = newDeltas()
	return nil
}
