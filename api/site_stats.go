package api

import (
	"bytes"
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/disclosure"
	"github.com/sunshine-ledger/sunshine/ledger"
)

// The public statistics pages (资金使用情况一览, issue 19): /stats for the
// town, /stats/:village for a village. This business year's money received
// by source level, allocated to projects and paid (effective payments
// only: rejected and reversed ones never count), paid by subsidy item and by
// month, the households and people paid, the notices published. Only
// aggregates (DOMAIN.md §6): no name, ID number or internal id is output.

// statsMinPeople: a village's subsidy item paid to fewer people than this
// is not shown on its own row (its items and amounts would point at one
// or two known neighbours); such items are merged into one row
// "其他（不足3人的项目合并）". The town page shows every item (a town's item reaches
// many villages). The totals stay exact, so the merged row is only the
// difference of the others: it hides which item a person received, not
// that money was paid (the 资金发放结果公告 publishes the masked rows).
const statsMinPeople = 3

// stats is what a page counts.
type stats struct {
	received, allocated, paid ledger.Fen
	levels                    map[string]ledger.Fen
	items                     map[string]ledger.Fen
	itemPeople                map[string]map[int64]bool
	months                    [12]ledger.Fen
	households, people        map[int64]bool
	notices                   int
}

// GET /stats
func (s *Server) statsPage(c *gin.Context) { s.stats(c, "") }

// GET /stats/:village
func (s *Server) villageStatsPage(c *gin.Context) { s.stats(c, c.Param("village")) }

func (s *Server) stats(c *gin.Context, village string) {
	lg, ok := s.siteTownLog(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	vs, err := s.svc.Villages(ctx, lg)
	if err != nil {
		s.pageError(c, lg, err)
		return
	}
	scope := ""
	if village != "" {
		i := slices.IndexFunc(vs, func(v ledger.Village) bool { return v.Code == village })
		if i < 0 {
			msg := "本镇没有代码为 " + village + " 的村（社区），请从首页选择。"
			if len(village) > 40 {
				msg = "本镇没有这个村（社区），请从首页选择。"
			}
			s.notFoundPage(c, lg, "未找到该村（社区）", msg)
			return
		}
		scope = vs[i].Name
	} else if t, err := s.svc.Town(ctx, lg); err == nil {
		scope = t.Name
	}
	year := ledger.DateOf(s.ledger.Now(), s.ledger.Location()).Year
	size, err := s.ledger.Store().Size(ctx, lg.ID)
	if err != nil {
		s.pageError(c, lg, err)
		return
	}
	// Computed from the books: kept by (town, village, year, log size) and
	// the reader's text size, in the bounded page cache. A new entry (a
	// payment, a reversal, a notice) changes the size and so the key.
	large := largeText(c)
	key := fmt.Sprintf("stats|%s|%s|%d|%d|%t", lg.Town, village, year, size, large)
	if b, ok := s.pages.get(key); ok {
		writePage(c, http.StatusOK, b)
		return
	}
	st, err := s.countStats(c, lg, village, year)
	if err != nil {
		s.pageError(c, lg, err)
		return
	}
	d, err := s.statsData(c, lg, st, year, scope, village, vs)
	if err != nil {
		s.pageError(c, lg, err)
		return
	}
	for _, ch := range []*disclosure.Chart{&d.Overview, &d.Levels, &d.Items, &d.Months} {
		ch.Large = large
	}
	back, notices := "/stats", "/notices"
	if village != "" {
		back += "/" + url.PathEscape(village)
		notices += "?village=" + url.QueryEscape(village)
	}
	if lg.Town != s.cfg.Town {
		back += "?town=" + url.QueryEscape(lg.Town)
	}
	d.NoticesLink = notices
	var b bytes.Buffer
	if err := s.renderTo(c, lg, &b, "stats", scope+"资金使用情况一览", disclosure.Page{Back: back, Data: d}); err != nil {
		s.pageError(c, lg, err)
		return
	}
	s.pages.put(key, b.Bytes())
	writePage(c, http.StatusOK, b.Bytes())
}

// countStats sums the year's books of the town or a village.
func (s *Server) countStats(c *gin.Context, lg ledger.Log, village string, year int) (stats, error) {
	ctx := c.Request.Context()
	st := stats{levels: map[string]ledger.Fen{}, items: map[string]ledger.Fen{}, itemPeople: map[string]map[int64]bool{},
		households: map[int64]bool{}, people: map[int64]bool{}}
	funds, err := s.svc.Funds(ctx, lg)
	if err != nil {
		return st, err
	}
	level := map[int64]string{}
	for _, f := range funds {
		level[f.ID] = f.SourceLevel
		// received: the town's funds that arrived this year (a village
		// receives nothing itself: its money is allocated to its projects)
		if village == "" && !f.Reversed && f.ArrivedOn.Year == year {
			st.received += f.Amount
			st.levels[f.SourceLevel] += f.Amount
		}
	}
	var projects map[int64]bool // the village's projects; nil: every project
	if village != "" {
		ps, err := s.svc.Projects(ctx, lg, village, "")
		if err != nil {
			return st, err
		}
		projects = map[int64]bool{}
		for _, p := range ps {
			projects[p.ID] = true
		}
	}
	as, err := s.svc.Allocations(ctx, lg)
	if err != nil {
		return st, err
	}
	for _, a := range as {
		if a.AllocatedOn.Year != year || projects != nil && !projects[a.Project] {
			continue
		}
		st.allocated += a.Amount
		if village != "" {
			st.levels[level[a.Fund]] += a.Amount
		}
	}
	f := ledger.PaymentFilter{Year: year, Status: []string{ledger.StatusEffective}}
	ps, err := s.svc.VillagePayments(ctx, lg, f, 0, 0, func(_ ledger.Payment, v string) bool { return village == "" || v == village })
	if err != nil {
		return st, err
	}
	heads := map[int64]int64{}
	for _, p := range ps {
		if p.Status != ledger.StatusEffective || p.PaidOn.Year != year {
			continue // the filter says so already; never count another
		}
		st.paid += p.Amount
		st.items[p.Item] += p.Amount
		if m := int(p.PaidOn.Month); m >= 1 && m <= 12 {
			st.months[m-1] += p.Amount
		}
		person := statsPerson(p)
		if p.Payee.Kind == ledger.PayeeHousehold && person == 0 {
			h, ok := heads[p.Household]
			if !ok {
				hh, err := s.svc.Household(ctx, lg, p.Household)
				if err != nil && !ledger.IsNotFound(err) {
					return st, err
				}
				h = hh.Head
				heads[p.Household] = h
			}
			person = h
		}
		if p.Payee.Kind != ledger.PayeeOrg && p.Household != 0 {
			st.households[p.Household] = true
		}
		if person != 0 {
			st.people[person] = true
			if st.itemPeople[p.Item] == nil {
				st.itemPeople[p.Item] = map[int64]bool{}
			}
			st.itemPeople[p.Item][person] = true
		}
	}
	ns, err := s.svc.Notices(ctx, lg, "", village, "")
	if err != nil {
		return st, err
	}
	prefix := strconv.Itoa(year) + "-"
	for _, n := range ns {
		if n.Status != ledger.NoticeDraft && len(n.PublishedOn) > len(prefix) && n.PublishedOn[:len(prefix)] == prefix {
			st.notices++
		}
	}
	return st, nil
}

// statsPerson is the person a payment reached: the payee person, or the
// recipient named for a household's payment (0 when none is named: the
// caller takes the household's head).
func statsPerson(p ledger.Payment) int64 {
	switch p.Payee.Kind {
	case ledger.PayeePerson:
		return p.Payee.ID
	case ledger.PayeeHousehold:
		return p.Recipient
	}
	return 0
}

// statsData turns the counts into the page's charts.
func (s *Server) statsData(c *gin.Context, lg ledger.Log, st stats, year int, scope, village string, vs []ledger.Village) (disclosure.StatsData, error) {
	d := disclosure.StatsData{Year: year, Scope: scope, Village: village, Households: len(st.households), People: len(st.people),
		Notices: st.notices, MinPeople: statsMinPeople}
	if village == "" {
		d.Villages = vs
	}
	d.Overview = disclosure.Chart{ID: "overview", Title: "本年资金收、分、付", Head: "项目", Unit: "元", NoTotal: true}
	if village == "" {
		d.Overview.Bars = append(d.Overview.Bars, disclosure.MoneyBar("本年到账资金", st.received))
	}
	d.Overview.Bars = append(d.Overview.Bars, disclosure.MoneyBar("已分配到项目", st.allocated), disclosure.MoneyBar("已支付", st.paid))
	d.Levels = disclosure.Chart{ID: "levels", Title: "本年到账资金（按来源级次）", Head: "来源级次", Unit: "元"}
	if village != "" {
		d.Levels.Title = "本年分配到本村项目的资金（按来源级次）"
	}
	for _, l := range ledger.SourceLevels {
		d.Levels.Bars = append(d.Levels.Bars, disclosure.MoneyBar(l, st.levels[l]))
	}
	var rest []string
	for l := range st.levels {
		if !slices.Contains(ledger.SourceLevels, l) {
			rest = append(rest, l)
		}
	}
	slices.Sort(rest)
	for _, l := range rest {
		label := l
		if l == "" {
			label = "未注明级次"
		}
		d.Levels.Bars = append(d.Levels.Bars, disclosure.MoneyBar(label, st.levels[l]))
	}
	items, err := s.svc.Items(c.Request.Context(), lg)
	if err != nil {
		return d, err
	}
	names := map[string]string{"": "无补贴项目的支付（工程款等）"}
	for _, it := range items {
		names[it.Code] = it.Name
	}
	d.Items = disclosure.Chart{ID: "items", Title: "本年支付金额（按补贴项目）", Head: "补贴项目", Unit: "元", NoteHead: "人数"}
	codes := make([]string, 0, len(st.items))
	for code := range st.items {
		codes = append(codes, code)
	}
	// largest first, then by code
	slices.SortFunc(codes, func(a, b string) int {
		if c := cmp.Compare(st.items[b], st.items[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	var other ledger.Fen
	otherPeople := map[int64]bool{}
	for _, code := range codes {
		people := st.itemPeople[code]
		if village != "" && len(people) > 0 && len(people) < statsMinPeople {
			other += st.items[code]
			for p := range people {
				otherPeople[p] = true
			}
			d.Merged = true
			continue
		}
		name := names[code]
		if name == "" {
			name = code
		}
		b := disclosure.MoneyBar(name, st.items[code])
		b.Note = strconv.Itoa(len(people))
		d.Items.Bars = append(d.Items.Bars, b)
	}
	if d.Merged {
		b := disclosure.MoneyBar("其他（不足3人的项目合并）", other)
		b.Note = strconv.Itoa(len(otherPeople))
		d.Items.Bars = append(d.Items.Bars, b)
	}
	d.Months = disclosure.Chart{ID: "months", Title: "本年各月支付金额", Head: "月份", Unit: "元", Columns: true}
	for m, f := range st.months {
		d.Months.Bars = append(d.Months.Bars, disclosure.MoneyBar(strconv.Itoa(m+1)+"月", f))
	}
	return d, nil
}
