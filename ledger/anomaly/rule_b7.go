package anomaly

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// B7: the same person (the recipient; for a household item the person named
// as its 收款人, else the head) or the same account paid the same item for
// an overlapping period (any period, for an item granted once) by another
// town of the service (跨乡镇重复领取). The towns are compared
// through the vault's service-wide blind indexes of ID and account numbers
// (ledger.CrossTownIndex, built by the scan job's full scan when the
// service keeps several towns); a snapshot without that index has nothing
// to compare. The subject is the item, recipient and period, as for B1;
// each town flags its own payment, naming the other town's entry.
func ruleB7(d *ledger.ScanData, c Config) []ledger.Finding {
	if d.CrossTown.Matched(d.Town) == 0 {
		return nil
	}
	x := finder{d}
	type group struct {
		idx    []int32
		byID   bool
		byAcct bool
		others []ledger.CrossRef
	}
	groups := map[string]*group{}
	for i := range d.Payments {
		sp := &d.Payments[i]
		hits := d.CrossTown.Hits(d.Town, sp.Seq)
		if len(hits) == 0 {
			continue
		}
		p := x.at(int32(i))
		if !active(p) || p.Item == "" || p.Period.Year == 0 {
			continue
		}
		k := p.Item + "|" + payeeKey(p) + "|" + p.Period.String()
		g := groups[k]
		if g == nil {
			g = &group{}
			groups[k] = g
		}
		if len(g.idx) < evidenceMax {
			g.idx = append(g.idx, int32(i))
		}
		for _, h := range hits {
			g.byID = g.byID || h.Kind == ledger.IndexID
			g.byAcct = g.byAcct || h.Kind == ledger.IndexAccount
			for _, o := range h.Others {
				if !slices.ContainsFunc(g.others, func(r ledger.CrossRef) bool { return r.Town == o.Town && r.Seq == o.Seq }) {
					g.others = append(g.others, o)
				}
			}
		}
	}
	var out []ledger.Finding
	for k, g := range groups {
		p0 := x.at(g.idx[0])
		slices.SortFunc(g.others, func(a, b ledger.CrossRef) int { return cmp.Or(cmp.Compare(a.Town, b.Town), cmp.Compare(a.Seq, b.Seq)) })
		var by []string
		if g.byID {
			by = append(by, "收款人同一身份证号")
		}
		if g.byAcct {
			by = append(by, "同一收款账户")
		}
		var where []string
		for _, o := range g.others[:min(len(g.others), 10)] {
			where = append(where, fmt.Sprintf("%s（账本序号 %d，所属期间 %s，%s 元，%s 发放）", d.CrossTown.TownName(o.Town), o.Seq, o.Period, o.Amount.Yuan(), o.PaidOn))
		}
		if len(g.others) > 10 {
			where = append(where, fmt.Sprintf("等 %d 笔", len(g.others)))
		}
		when := "相同或重叠的所属期间也领取了这项补贴"
		if it := d.Items[p0.Item]; it.GrantLimit == ledger.GrantOncePerHousehold || it.GrantLimit == ledger.GrantOncePerPerson {
			when = "也领取过这项限领一次的补贴"
		}
		ev := x.evi(g.idx)
		for _, o := range g.others {
			ev.Elsewhere = append(ev.Elsewhere, fmt.Sprintf("%s#%d", o.Town, o.Seq))
		}
		out = append(out, ledger.Finding{Rule: "B7", SubjectKey: k, Severity: ledger.SeverityWarn,
			Village: x.village(p0), Subject: x.subject(p0),
			Reason: fmt.Sprintf("%s在 %s 领取「%s」，%s在其他乡镇%s：%s。请两地核实是否重复领取",
				x.subject(p0).Label, p0.Period, itemName(d, p0.Item), strings.Join(by, "、"), when, join(where)),
			Evidence: ev})
	}
	return sorted(out)
}
