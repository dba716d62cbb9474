package pages

import (
	"strings"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/ledger"
)

func TestProgress(t *testing.T) {
	d := func(y, m, day int) ledger.Date { return ledger.Date{Year: y, Month: time.Month(m), Day: day} }
	for _, c := range []struct {
		spent, total    ledger.Fen
		start, end, now ledger.Date
		spentPct, time  int
		monthsLeft      int
		behind          bool
	}{
		{0, 100_00, d(2026, 1, 1), d(2026, 12, 31), d(2026, 3, 1), 0, 16, 9, true},
		{50_00, 100_00, d(2026, 1, 1), d(2026, 12, 31), d(2026, 7, 1), 50, 49, 5, false},
		{10_00, 100_00, d(2026, 1, 1), d(2026, 12, 31), d(2027, 2, 1), 10, 100, 0, true},
		{0, 0, d(2026, 3, 1), d(2026, 12, 31), d(2026, 1, 5), 0, 0, 11, false},
		{120_00, 100_00, d(2026, 1, 1), d(2026, 12, 31), d(2026, 12, 31), 120, 100, 0, false},
	} {
		p := NewProgress(c.spent, c.total, c.start, c.end, c.now)
		if p.SpentPct != c.spentPct || p.TimePct != c.time || p.MonthsLeft != c.monthsLeft || p.Behind != c.behind {
			t.Errorf("%+v: %+v", c, p)
		}
		svg := string(p.SVG())
		if !strings.HasPrefix(svg, "<svg") || !strings.Contains(svg, `role="img"`) || !strings.Contains(svg, "支出进度") {
			t.Errorf("svg: %s", svg)
		}
	}
}
