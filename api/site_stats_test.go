package api_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// statsRow is a row of a statistics table, or a bar of its SVG.
type statsRow struct{ label, amount, people string }

var (
	statsSectionRe = regexp.MustCompile(`(?s)<section class="card stat" id="(\w+)".*?</section>`)
	statsRowRe     = regexp.MustCompile(`<tr><th scope="row">([^<]*)</th><td class="n">([^<]*)</td>(?:<td class="n">([^<]*)</td>)?</tr>`)
	statsTitleRe   = regexp.MustCompile(`<title>([^<：]*)：([^<]*) 元</title>`)
	statsSVGRe     = regexp.MustCompile(`(?s)<svg class="chart stat"[^>]*role="img" aria-label="([^"]+)">.*?</svg>`)
	statsCountRe   = regexp.MustCompile(`<dd id="(\w+)">(\d+)</dd>`)
)

// statsPage is what a statistics page shows: each chart's table rows and
// SVG bars, and the counts.
type statsPage struct {
	tables, bars map[string][]statsRow
	counts       map[string]int
}

func parseStats(t *testing.T, body string) statsPage {
	t.Helper()
	p := statsPage{tables: map[string][]statsRow{}, bars: map[string][]statsRow{}, counts: map[string]int{}}
	for _, sec := range statsSectionRe.FindAllStringSubmatch(body, -1) {
		id := sec[1]
		svg := statsSVGRe.FindStringSubmatch(sec[0])
		if svg == nil || !hasHan(svg[1]) {
			t.Fatalf("section %s: no SVG with role=img and a Chinese aria-label", id)
		}
		for _, m := range statsTitleRe.FindAllStringSubmatch(svg[0], -1) {
			p.bars[id] = append(p.bars[id], statsRow{label: html.UnescapeString(m[1]), amount: m[2]})
		}
		for _, m := range statsRowRe.FindAllStringSubmatch(sec[0], -1) {
			if m[1] != "合计" {
				p.tables[id] = append(p.tables[id], statsRow{label: html.UnescapeString(m[1]), amount: m[2], people: m[3]})
			}
		}
	}
	for _, m := range statsCountRe.FindAllStringSubmatch(body, -1) {
		p.counts[m[1]], _ = strconv.Atoi(m[2])
	}
	return p
}

// wantStats sums the year's books of the town ("") or a village as the
// test reads them: funds arrived, the projects' allocations (ProjectReport),
// the effective payments with their villages (PaymentVillages).
func (e *townEnv) wantStats(village string) statsPage {
	e.t.Helper()
	ctx := context.Background()
	const year = 2026
	w := statsPage{tables: map[string][]statsRow{}, counts: map[string]int{}}
	funds, err := e.svc.Funds(ctx, e.lg)
	if err != nil {
		e.t.Fatal(err)
	}
	levelOf := map[int64]string{}
	levels := map[string]ledger.Fen{}
	var received, allocated ledger.Fen
	for _, f := range funds {
		levelOf[f.ID] = f.SourceLevel
		if village == "" && !f.Reversed && f.ArrivedOn.Year == year {
			received += f.Amount
			levels[f.SourceLevel] += f.Amount
		}
	}
	projects, err := e.svc.Projects(ctx, e.lg, village, "")
	if err != nil {
		e.t.Fatal(err)
	}
	for _, pr := range projects {
		r, err := e.svc.ProjectReport(ctx, e.lg, pr.Code)
		if err != nil {
			e.t.Fatal(err)
		}
		for _, fl := range r.Funds {
			allocated += fl.Allocated // every allocation of the fixture is dated 2026
			if village != "" {
				levels[levelOf[fl.Fund]] += fl.Allocated
			}
		}
	}
	ps, err := e.svc.Payments(ctx, e.lg, ledger.PaymentFilter{})
	if err != nil {
		e.t.Fatal(err)
	}
	vs, err := e.svc.PaymentVillages(ctx, e.lg, ps)
	if err != nil {
		e.t.Fatal(err)
	}
	items, err := e.svc.Items(ctx, e.lg)
	if err != nil {
		e.t.Fatal(err)
	}
	names := map[string]string{"": "无补贴项目的支付（工程款等）"}
	for _, it := range items {
		names[it.Code] = it.Name
	}
	var paid ledger.Fen
	var months [12]ledger.Fen
	byItem := map[string]ledger.Fen{}
	itemPeople := map[string]map[int64]bool{}
	households, people := map[int64]bool{}, map[int64]bool{}
	for _, p := range ps {
		if p.Status != ledger.StatusEffective || p.PaidOn.Year != year || village != "" && vs[p.ID] != village {
			continue
		}
		paid += p.Amount
		months[p.PaidOn.Month-1] += p.Amount
		byItem[p.Item] += p.Amount
		var person int64 // the person paid: the payee, or a household's recipient (else its head)
		switch p.Payee.Kind {
		case ledger.PayeePerson:
			person = p.Payee.ID
		case ledger.PayeeHousehold:
			person = p.Recipient
			if person == 0 {
				h, err := e.svc.Household(ctx, e.lg, p.Household)
				if err != nil {
					e.t.Fatal(err)
				}
				person = h.Head
			}
		default:
			continue
		}
		households[p.Household], people[person] = true, true
		if itemPeople[p.Item] == nil {
			itemPeople[p.Item] = map[int64]bool{}
		}
		itemPeople[p.Item][person] = true
	}
	w.counts["households"], w.counts["people"] = len(households), len(people)
	ns, err := e.svc.Notices(ctx, e.lg, "", village, "")
	if err != nil {
		e.t.Fatal(err)
	}
	for _, n := range ns {
		if n.Status != ledger.NoticeDraft && strings.HasPrefix(n.PublishedOn, "2026-") {
			w.counts["notices"]++
		}
	}
	if village == "" {
		w.tables["overview"] = append(w.tables["overview"], statsRow{label: "本年到账资金", amount: received.Yuan()})
	}
	w.tables["overview"] = append(w.tables["overview"], statsRow{label: "已分配到项目", amount: allocated.Yuan()}, statsRow{label: "已支付", amount: paid.Yuan()})
	for _, l := range ledger.SourceLevels {
		w.tables["levels"] = append(w.tables["levels"], statsRow{label: l, amount: levels[l].Yuan()})
	}
	codes := make([]string, 0, len(byItem))
	for c := range byItem {
		codes = append(codes, c)
	}
	slices.SortFunc(codes, func(a, b string) int {
		if byItem[a] != byItem[b] {
			return int(byItem[b] - byItem[a])
		}
		return strings.Compare(a, b)
	})
	var other ledger.Fen
	otherPeople := map[int64]bool{}
	for _, c := range codes {
		n := len(itemPeople[c])
		if village != "" && n > 0 && n < 3 { // the page merges a village's items of fewer than 3 people
			other += byItem[c]
			for id := range itemPeople[c] {
				otherPeople[id] = true
			}
			continue
		}
		w.tables["items"] = append(w.tables["items"], statsRow{label: names[c], amount: byItem[c].Yuan(), people: strconv.Itoa(n)})
	}
	if other != 0 {
		w.tables["items"] = append(w.tables["items"], statsRow{label: "其他（不足3人的项目合并）", amount: other.Yuan(), people: strconv.Itoa(len(otherPeople))})
	}
	for m, f := range months {
		w.tables["months"] = append(w.tables["months"], statsRow{label: fmt.Sprintf("%d月", m+1), amount: f.Yuan()})
	}
	return w
}

// TestSiteStats (issue 19): /stats and /stats/<village> show this year's
// money received by source level, allocated, paid by item and by month, the
// households and people paid and the notices published, each number equal
// to the sum the test makes of the same books; a rejected and a reversed
// payment count nowhere; each chart's SVG carries the same numbers as its
// table; no fixture name, ID number or account appears; a village's item
// of fewer than 3 people is merged; an unknown village is the Chinese 404.
func TestSiteStats(t *testing.T) {
	for _, dialect := range gormstoretest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			e := newTownEnv(t, dialect)
			e.disclosureTown()
			ctx := context.Background()
			pay := func(key, project, item, amount, on string) ledger.Payment {
				r := ledger.PaymentRow{ProjectCode: project, PayeeIDNumber: e.ids[key], ItemCode: item, Amount: lt.Y(amount), PaidOn: lt.D(on)}
				if item != "" {
					r.Period = lt.P("2026")
				}
				return e.payment("finance", r)
			}
			check := func(what string) {
				t.Helper()
				for _, v := range []string{"", village1, village2} {
					path := "/stats"
					if v != "" {
						path += "/" + v
					}
					r := e.getPage(path, "")
					body := string(r.body)
					if r.status != http.StatusOK {
						t.Fatalf("%s %s: %d", what, path, r.status)
					}
					got, want := parseStats(t, body), e.wantStats(v)
					for _, id := range []string{"overview", "levels", "items", "months"} {
						if !slices.Equal(got.tables[id], want.tables[id]) {
							t.Errorf("%s %s %s:\n got  %v\n want %v", what, path, id, got.tables[id], want.tables[id])
						}
						// the SVG has a bar of each row, with the same number
						var inTable []statsRow
						for _, r := range got.tables[id] {
							inTable = append(inTable, statsRow{label: r.label, amount: r.amount})
						}
						if !slices.Equal(got.bars[id], inTable) {
							t.Errorf("%s %s %s: the SVG's bars %v differ from the table %v", what, path, id, got.bars[id], inTable)
						}
					}
					for _, k := range []string{"households", "people", "notices"} {
						if got.counts[k] != want.counts[k] {
							t.Errorf("%s %s: %s %d, want %d", what, path, k, got.counts[k], want.counts[k])
						}
					}
					for k := range e.ids {
						for _, secret := range []string{e.ids[k], e.names[k], e.accounts[k], e.ids[k][:6] + "********"} {
							if strings.Contains(body, secret) {
								t.Errorf("%s %s shows %q", what, path, secret)
							}
						}
					}
				}
			}
			check("the disclosure town")

			// more payments: JK02 to three people of 田坪村, two items to
			// one person of 石牛村 (merged on its page)
			for i, k := range []string{"tp1", "tp2", "tp3"} {
				pay(k, envProject1, "JK02", "380", fmt.Sprintf("2026-0%d-1%d", i+1, i))
			}
			pay("sn1", envProject2, "DB01", "100", "2026-04-10")
			// a household item: the 贴息 of the borrower's loan
			tx := e.payment("finance", ledger.PaymentRow{ProjectCode: envProject1, PayeeIDNumber: e.ids["tp3"], ItemCode: "TX01", Amount: lt.Y("435"),
				Period: lt.P("2026"), PaidOn: lt.D("2026-03-25"), LoanContractNo: e.loan.ContractNo})
			if tx.Payee.Kind != ledger.PayeeHousehold || tx.Status != ledger.StatusEffective {
				t.Fatalf("贴息: payee %s, %s", tx.Payee.Kind, tx.Status)
			}
			pay("sn1", envProject2, "JK01", "2000", "2026-04-12")
			before := parseStats(t, string(e.getPage("/stats", "").body))
			check("more payments")

			// a reversed payment (May) and a rejected one (June) count nowhere
			rev := pay("tp2", envProject1, "JK01", "2000", "2026-05-05")
			if rev.Status != ledger.StatusEffective {
				t.Fatalf("payment to reverse: %s", rev.Status)
			}
			if _, err := e.svc.Reverse(ctx, e.lg, e.users["finance"].ID, rev.Seq, "录入错误，冲正", nil); err != nil {
				t.Fatal(err)
			}
			rej := e.payment("finance", ledger.PaymentRow{ProjectCode: envProject1, PayeeIDNumber: e.ids["tp3"], Amount: lt.Y("7000"), PaidOn: lt.D("2026-06-06")})
			if _, err := e.svc.DecidePayment(ctx, e.lg, e.users["approver"].ID, rej.ID, false, "依据不足", nil); err != nil {
				t.Fatal(err)
			}
			check("a reversal and a rejection")
			after := parseStats(t, string(e.getPage("/stats", "").body))
			if !slices.Equal(before.tables["overview"], after.tables["overview"]) || after.tables["months"][4].amount != "0.00" || after.tables["months"][5].amount != "0.00" {
				t.Errorf("a reversed or rejected payment counts: before %v, after %v, May %v, June %v", before.tables["overview"], after.tables["overview"],
					after.tables["months"][4], after.tables["months"][5])
			}

			// 石牛村's two items of one person are one row, not named
			body := string(e.getPage("/stats/"+village2, "").body)
			if strings.Contains(body, "养老保险代缴") || strings.Contains(body, "健康扶贫医疗救助") || !strings.Contains(body, `id="merged"`) {
				t.Errorf("石牛村's items of one person are shown by name")
			}
			if !strings.Contains(string(e.getPage("/stats", "").body), "养老保险代缴") {
				t.Errorf("the town page lacks an item")
			}

			// an unknown village: the site's Chinese 404
			r := e.getPage("/stats/430181117299", "")
			if r.status != http.StatusNotFound || !strings.Contains(string(r.body), "未找到该村（社区）") {
				t.Errorf("unknown village: %d %.200s", r.status, r.body)
			}
			// the links: home, the village's notice list
			mustContain(t, "home", string(e.getPage("/", "").body), `href="/stats"`, `href="/stats/`+village1+`"`)
			mustContain(t, "notice list", string(e.getPage("/notices?village="+village1, "").body), `href="/stats/`+village1+`"`)
		})
	}
}
