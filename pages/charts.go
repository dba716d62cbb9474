package pages

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// Charts drawn on the server as SVG (no script: the pages' CSP allows
// none inline, and a chart must print). Each has a text alternative
// (role="img" and aria-label) and stands beside a table of its numbers.

// Progress is spending against time (支出进度 against 时间进度) of a fund
// or a project.
type Progress struct {
	Spent, Total ledger.Fen
	SpentPct     int // spent / total, in percent (0 when total is 0)
	TimePct      int // how much of the period has passed, in percent
	Period       string
	MonthsLeft   int
	// Behind: spending lags time by more than 10 points (支出进度滞后).
	Behind bool
}

// NewProgress computes a progress from the amounts and the period from
// start to end (inclusive) as of today.
func NewProgress(spent, total ledger.Fen, start, end, today ledger.Date) Progress {
	p := Progress{Spent: spent, Total: total, Period: start.String() + " 至 " + end.String()}
	if total > 0 {
		p.SpentPct = int(int64(spent) * 100 / int64(total))
	}
	days := start.DaysUntil(end) + 1
	switch {
	case days <= 0 || today.Before(start):
		p.TimePct = 0
	case today.After(end):
		p.TimePct = 100
	default:
		p.TimePct = (start.DaysUntil(today) + 1) * 100 / days
	}
	if !today.After(end) {
		p.MonthsLeft = (end.Year-today.Year)*12 + int(end.Month) - int(today.Month)
	}
	p.Behind = p.SpentPct+10 < p.TimePct
	return p
}

// SVG draws the two bars: 支出进度 and 时间进度, each with its percent.
func (p Progress) SVG() template.HTML {
	const w, barW = 320, 200
	bar := func(y int, label string, pct int, color string) string {
		fill := max(0, min(pct, 100)) * barW / 100
		return fmt.Sprintf(`<text x="0" y="%d" font-size="13">%s</text><rect x="72" y="%d" width="%d" height="14" fill="#eee"/>`+
			`<rect x="72" y="%d" width="%d" height="14" fill="%s"/><text x="%d" y="%d" font-size="13">%d%%</text>`,
			y+12, label, y, barW, y, fill, color, 72+barW+6, y+12, pct)
	}
	color := "#1e6b34"
	if p.Behind {
		color = "#b3261e"
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d 44" width="%d" height="44" role="img" aria-label="支出进度 %d%%，时间进度 %d%%">`, w, w, p.SpentPct, p.TimePct)
	b.WriteString(bar(2, "支出进度", p.SpentPct, color))
	b.WriteString(bar(24, "时间进度", p.TimePct, "#888"))
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // built from numbers and fixed words only
}
