package disclosure

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// TestChartSVG: both kinds of chart are well-formed SVG with role="img"
// and a Chinese aria-label naming the total and the largest bar; a label
// typed by staff is escaped; a bar's width follows its value; an empty
// chart draws no bar.
func TestChartSVG(t *testing.T) {
	bars := []Bar{MoneyBar(`公益岗位<script>"x"&`, 1200_00), MoneyBar("教育资助", 300_00), MoneyBar("临时救助", 0)}
	for _, c := range []Chart{{Title: "按补贴项目", Unit: "元", Bars: bars}, {Title: "各月", Unit: "元", Columns: true, Bars: bars},
		{Title: "大字", Unit: "元", Bars: bars, Large: true}, {Title: "大字各月", Unit: "元", Columns: true, Bars: bars, Large: true}, {Title: "空", Unit: "元"}} {
		svg := string(c.SVG())
		d := xml.NewDecoder(strings.NewReader(svg))
		var label string
		rects := 0
		for {
			tok, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: not well-formed: %v\n%s", c.Title, err, svg)
			}
			if se, ok := tok.(xml.StartElement); ok {
				for _, a := range se.Attr {
					if se.Name.Local == "svg" && a.Name.Local == "aria-label" {
						label = a.Value
					}
					if se.Name.Local == "rect" && a.Name.Local == "class" && a.Value == "v" {
						rects++
					}
				}
			}
		}
		if strings.Contains(svg, "<script") || !strings.Contains(svg, `role="img"`) {
			t.Errorf("%s: a label unescaped or no role: %s", c.Title, svg)
		}
		if len(c.Bars) == 0 {
			if label != "空：共 0 项，合计 0.00 元，均为零" {
				t.Errorf("empty chart's label %q", label)
			}
			continue
		}
		if want := "合计 1,500.00 元；最多的是公益岗位<script>\"x\"&，1,200.00 元"; !strings.Contains(label, want) {
			t.Errorf("%s: aria-label %q lacks %q", c.Title, label, want)
		}
		if rects != len(bars) {
			t.Errorf("%s: %d value bars, want %d", c.Title, rects, len(bars))
		}
	}
	// a bar's length is its share of the largest
	b := string(Chart{Unit: "元", Bars: []Bar{MoneyBar("a", 200), MoneyBar("b", 100)}}.SVG())
	if !strings.Contains(b, `class="v" x="0" y="21" width="236"`) || !strings.Contains(b, `class="v" x="0" y="63" width="118"`) {
		t.Errorf("bar widths: %s", b)
	}
	if got := (Chart{Title: "收分付", Unit: "元", NoTotal: true, Bars: []Bar{MoneyBar("已支付", ledger.Fen(5))}}).Summary(); got != "收分付：已支付 0.05 元" {
		t.Errorf("summary without total: %q", got)
	}
}
