package disclosure

import (
	"fmt"
	"html/template"
	"strings"
	"unicode/utf8"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// Charts of the public statistics pages (资金使用情况一览, issue 19), drawn
// on the server as SVG: no script (the CSP allows none inline), they print,
// and they scale to a 360 px phone. Each SVG has role="img" and a Chinese
// aria-label summarising it, each bar or column a <title> with its exact
// number, and the page shows the same numbers in a <table> beside the chart
// (below it on phones) for screen readers and for reading off exact sums.
// Only aggregates reach a chart: labels are source levels, item names and
// months, never a person.

// Bar is one bar (or column) of a chart.
type Bar struct {
	Label string
	Value int64  // fen for money, else a count
	Text  string // the value as printed: "1,200.00" (yuan) or "12"
	// Note is the optional second number of the table's row (人数 of an
	// item), "" when none.
	Note string
}

// Chart is a chart and its table.
type Chart struct {
	ID    string // the section's id (and the caption's prefix)
	Title string // what it shows: 本年支付金额（按补贴项目）
	Head  string // the table's first column: 补贴项目
	Unit  string // 元 or 个, after the numbers in words
	// NoteHead titles the table's second number column (人数), "" when the
	// bars have no notes.
	NoteHead string
	Columns  bool // monthly columns instead of horizontal bars
	// NoTotal: the bars are not parts of a whole (received, allocated,
	// paid): no 合计.
	NoTotal bool
	Bars    []Bar
	// Large draws the text bigger (the reader's 大字: 19 px labels instead
	// of 14 on a phone).
	Large bool
}

// MoneyBar is a bar of an amount in fen, printed in yuan.
func MoneyBar(label string, f ledger.Fen) Bar {
	return Bar{Label: label, Value: int64(f), Text: f.Yuan()}
}

// Total is the sum of the bars' values as printed.
func (c Chart) Total() string {
	var t int64
	for _, b := range c.Bars {
		t += b.Value
	}
	if c.Unit == "元" {
		return ledger.Fen(t).Yuan()
	}
	return fmt.Sprint(t)
}

// Empty says every bar is zero (the page then says 暂无 beside the table).
func (c Chart) Empty() bool {
	for _, b := range c.Bars {
		if b.Value != 0 {
			return false
		}
	}
	return true
}

// Summary is the chart's text alternative: what it shows, the total and
// the largest bar.
func (c Chart) Summary() string {
	s := fmt.Sprintf("%s：共 %d 项，合计 %s %s", c.Title, len(c.Bars), c.Total(), c.Unit)
	if c.NoTotal {
		var parts []string
		for _, b := range c.Bars {
			parts = append(parts, b.Label+" "+b.Text+" "+c.Unit)
		}
		return c.Title + "：" + strings.Join(parts, "，")
	}
	if c.Empty() {
		return s + "，均为零"
	}
	top := c.Bars[0]
	for _, b := range c.Bars[1:] {
		if b.Value > top.Value {
			top = b
		}
	}
	return s + fmt.Sprintf("；最多的是%s，%s %s", top.Label, top.Text, c.Unit)
}

func (c Chart) max() int64 {
	var m int64
	for _, b := range c.Bars {
		m = max(m, b.Value)
	}
	return m
}

// chartWidth is the charts' drawing width: about a phone's content width,
// so 13–14 px text stays that size on a 360 px phone (the SVG scales with
// its box, up to twice this on a wide screen).
const chartWidth = 340

// SVG draws the chart: horizontal bars, or monthly columns.
func (c Chart) SVG() template.HTML {
	if c.Columns {
		return c.columns()
	}
	return c.bars()
}

// esc escapes text for SVG (item names are typed by staff).
func esc(s string) string { return template.HTMLEscapeString(s) }

// short cuts a label to n characters for the drawing (the table has it in
// full).
func short(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func (c Chart) open(b *strings.Builder, h int) {
	fmt.Fprintf(b, `<svg class="chart stat" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s">`,
		chartWidth, h, chartWidth, h, esc(c.Summary()))
}

// bars: each bar its label above it and its value after it.
func (c Chart) bars() template.HTML {
	lf, vf, row, barH, valueW := 14, 13, 42, 14, 104
	if c.Large {
		lf, vf, row, barH, valueW = 19, 17, 54, 18, 136
	}
	h := max(len(c.Bars), 1) * row
	m := c.max()
	var b strings.Builder
	c.open(&b, h)
	for i, br := range c.Bars {
		y := i * row
		barY := y + lf + 7
		w := 0
		if m > 0 && br.Value > 0 {
			w = max(1, int(br.Value*int64(chartWidth-valueW)/m))
		}
		fmt.Fprintf(&b, `<g><title>%s：%s %s</title><text x="0" y="%d" font-size="%d" fill="#222">%s</text>`+
			`<rect x="0" y="%d" width="%d" height="%d" fill="#eee"/><rect class="v" x="0" y="%d" width="%d" height="%d" fill="#b3261e"/>`+
			`<text x="%d" y="%d" font-size="%d" fill="#222">%s</text></g>`,
			esc(br.Label), esc(br.Text), c.Unit, y+lf+1, lf, esc(short(br.Label, (chartWidth-8)/lf)),
			barY, chartWidth-valueW, barH, barY, w, barH, chartWidth-valueW+6, barY+barH-2, vf, esc(br.Text))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // escaped above
}

// columns: one column a month, the month under it; the largest's value
// printed above the plot (the table has every value).
func (c Chart) columns() template.HTML {
	const plotH = 130
	top, bottom, tf := 22, 22, 12
	if c.Large {
		top, bottom, tf = 26, 26, 16
	}
	h := top + plotH + bottom
	n := max(len(c.Bars), 1)
	slot := (chartWidth - 8) / n
	colW := slot * 2 / 3
	m := c.max()
	var b strings.Builder
	c.open(&b, h)
	if m > 0 {
		unit := c.Unit
		fmt.Fprintf(&b, `<text x="0" y="%d" font-size="%d" fill="#555">最高 %s %s</text>`, tf+2, tf, esc(c.formatMax(m)), unit)
	}
	fmt.Fprintf(&b, `<line x1="0" y1="%d" x2="%d" y2="%d" stroke="#999" stroke-width="1"/>`, top+plotH, chartWidth, top+plotH)
	for i, br := range c.Bars {
		x := 8 + i*slot
		ch := 0
		if m > 0 && br.Value > 0 {
			ch = max(1, int(br.Value*plotH/m))
		}
		fmt.Fprintf(&b, `<g><title>%s：%s %s</title><rect class="v" x="%d" y="%d" width="%d" height="%d" fill="#b3261e"/>`+
			`<text x="%d" y="%d" font-size="%d" fill="#222" text-anchor="middle">%s</text></g>`,
			esc(br.Label), esc(br.Text), c.Unit, x, top+plotH-ch, colW, ch, x+colW/2, top+plotH+tf+4, tf, esc(strings.TrimSuffix(br.Label, "月")))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // escaped above
}

func (c Chart) formatMax(m int64) string {
	for _, b := range c.Bars {
		if b.Value == m {
			return b.Text
		}
	}
	return fmt.Sprint(m)
}

// StatsData is a statistics page (资金使用情况一览): the town's or a
// village's numbers of one year.
type StatsData struct {
	Year        int
	Scope       string // the town's or the village's name
	Village     string // the village's code; "" for the town
	Villages    []ledger.Village
	NoticesLink string // the scope's notice list
	// Overview: received (the town), allocated, paid.
	Overview Chart
	// Levels: the town's money received by source level; a village's
	// allocations by their fund's source level.
	Levels Chart
	Items  Chart // paid by subsidy item
	Months Chart // paid by month, 1–12
	// Households and People paid (distinct), notices published this year.
	Households, People, Notices int
	// Merged says the village's items with fewer than MinPeople people
	// were shown as one row.
	Merged    bool
	MinPeople int
}

// Charts are the page's charts in order.
func (d StatsData) Charts() []Chart { return []Chart{d.Overview, d.Levels, d.Items, d.Months} }
