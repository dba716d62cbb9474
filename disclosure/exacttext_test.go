package disclosure_test

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/sunshine-ledger/sunshine/disclosure"
	"github.com/sunshine-ledger/sunshine/ledger"
)

// The alphabet of the property test: common Chinese characters, ASCII,
// digits, the punctuation of notices, and codes, dates, amounts and 文号.
const exactHan = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研质县镇村乡户补助资金项目验收公示监督异议予以接受群众提出田坪镇头浏财农"

var exactPieces = []string{"，", "。", "、", "；", "：", "？", "！", "（", "）", "《", "》", "「", "」", "『", "』", "“", "”", "‘", "’",
	"〔", "〕", "【", "】", "…", "—", "·", "¥", " ", "ZT-2026-012", "浏财农〔2026〕3号", "镇头公〔2026〕12号", "2026年9月12日", "2026-09-12",
	"1,200.00", "123,456.78", "430181117-2026-0012", "12317", "0731-83000000", "（共10天）", "11项", "Zhang San", "abc", "x", "(", ")",
	"-", ".", ",", "/", "%", "&", "<", "\\"}

// exactText is a random notice text of n runes or a little more.
func exactText(rng *rand.Rand, n int) string {
	han := []rune(exactHan)
	var b strings.Builder
	for i := 0; i < n; {
		switch k := rng.IntN(10); {
		case k < 5:
			b.WriteRune(han[rng.IntN(len(han))])
			i++
		case k < 7:
			b.WriteByte("0123456789"[rng.IntN(10)])
			i++
		case k < 8:
			b.WriteByte(byte('A' + rng.IntN(26)))
			i++
		default:
			p := exactPieces[rng.IntN(len(exactPieces))]
			b.WriteString(p)
			i += len([]rune(p))
		}
	}
	return b.String()
}

// exactLen draws a length: mostly short, some long, up to 2,000.
func exactLen(rng *rand.Rand) int {
	switch k := rng.IntN(20); {
	case k < 10:
		return 1 + rng.IntN(40)
	case k < 17:
		return 40 + rng.IntN(260)
	default:
		return 300 + rng.IntN(1701)
	}
}

func flatten(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// exactBase caches each layout's baseline text.
var exactBase = map[string]string{}

var footerMark = regexp.MustCompile(`第\d+页共\d+页`)

// exactLayouts are every notice type's table layout (ledger.NoticeColumns),
// aggregate types printing no seq column, and a notice without a table.
func exactLayouts() []string {
	types := make([]string, 0, len(ledger.NoticeColumns)+1)
	for t := range ledger.NoticeColumns {
		types = append(types, t)
	}
	slices.Sort(types)
	return append(types, "")
}

// exactDoc is a notice of type typ whose variable texts are texts: the
// title, two body paragraphs, a field, a closing paragraph, then one row
// per further text holding it in one cell (the others empty), among fixed
// rows.
func exactDoc(typ string, texts []string, cols []int) disclosure.Document {
	d := doc(0)
	d.Type = typ
	d.Title, d.Body = texts[0], []string{texts[1], texts[2]}
	d.Fields = []disclosure.Field{{Label: "资金名称", Value: texts[3]}}
	d.Closing = []string{texts[4]}
	d.Columns, d.Rows, d.Totals = nil, nil, nil
	aggregate := typ == ledger.NoticeQuarterly || typ == ledger.NoticeCompletion
	for _, c := range ledger.NoticeColumns[typ] {
		d.Columns = append(d.Columns, disclosure.Column{Title: c.Title, Width: c.Width, Right: c.Right})
	}
	if len(d.Columns) == 0 {
		return d
	}
	fixed := func(i int) disclosure.Row {
		cells := make([]string, len(d.Columns))
		for j := range cells {
			cells[j] = fmt.Sprintf("定%d列%d", i, j)
		}
		return disclosure.Row{Cells: cells, Seq: int64(500 + i)}
	}
	d.Rows = append(d.Rows, fixed(0))
	for i, t := range texts[5:] {
		cells := make([]string, len(d.Columns))
		cells[cols[i]%len(cells)] = t
		// no seq: a row split across pages prints its seq with its first
		// part, between the parts of the text in pdftotext's order
		d.Rows = append(d.Rows, disclosure.Row{Cells: cells, Seq: -1})
		if i%3 == 2 {
			d.Rows = append(d.Rows, fixed(i+1))
		}
	}
	if aggregate {
		for i := range d.Rows {
			d.Rows[i].Seq = -1
		}
	}
	d.Totals = make([]string, len(d.Columns))
	d.Totals[0] = "合计"
	return d
}

// checkExact renders d and its baseline (every variable text empty) and
// checks, on pdftotext's output with whitespace, page marks and repeated
// table headers left out, that each text comes back whole and in order,
// and that nothing else was added or lost.
func checkExact(t *testing.T, typ string, texts []string, cols []int) {
	t.Helper()
	d := exactDoc(typ, texts, cols)
	empty := make([]string, len(texts))
	base := exactDoc(typ, empty, cols)
	var header string
	for _, c := range d.Columns {
		header += c.Title
	}
	if len(d.Columns) > 0 && slices.ContainsFunc(d.Rows, func(r disclosure.Row) bool { return r.Seq >= 0 }) {
		header += "账本序号"
	}
	out := func(d disclosure.Document) string {
		pdf, err := disclosure.RenderPDF(d)
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		s := footerMark.ReplaceAllString(flatten(pdftotext(t, pdf)), "")
		if header != "" {
			s = strings.ReplaceAll(s, flatten(header), "")
		}
		return s
	}
	got := out(d)
	key := fmt.Sprint(typ, len(texts))
	want, ok := exactBase[key]
	if !ok {
		want = out(base)
		exactBase[key] = want
	}
	added := 0
	for i, tx := range texts {
		f := flatten(tx)
		added += len(f)
		if !strings.Contains(got, f) {
			t.Errorf("%s: text %d (%d runes) does not come back whole: %s", typ, i, len([]rune(tx)), firstDiff(got, f))
		}
	}
	if len(got) != len(want)+added {
		t.Errorf("%s: %d bytes of text, want %d (the baseline's %d and the texts' %d): a character lost or duplicated",
			typ, len(got), len(want)+added, len(want), added)
	}
}

// TestNoticeTextExact (issue 16): random paragraphs and cells (Chinese,
// ASCII, digits, punctuation, long codes; 1 to 2,000 characters) rendered
// through every notice type's layout come back from pdftotext exactly,
// whitespace aside: no character lost, duplicated or reordered, in the
// title, the body, a field, the closing text and the cells of every column.
// Three documents per layout: a few hundred texts (one document with
// -short).
func TestNoticeTextExact(t *testing.T) {
	layouts := exactLayouts()
	docs := 3
	if testing.Short() {
		docs = 1
	}
	n := 0
	for li, typ := range layouts {
		rng := rand.New(rand.NewPCG(uint64(li), 16))
		for range docs {
			ncols := len(ledger.NoticeColumns[typ])
			texts := make([]string, 5+ncols)
			cols := make([]int, ncols)
			for i := range texts {
				texts[i] = exactText(rng, exactLen(rng))
			}
			texts[0] = exactText(rng, 1+rng.IntN(60)) // a title is short
			for i := range cols {
				cols[i] = i // every column once
			}
			rng.Shuffle(len(cols), func(i, j int) { cols[i], cols[j] = cols[j], cols[i] })
			checkExact(t, typ, texts, cols)
			n += len(texts)
		}
	}
	t.Logf("%d texts in %d layouts", n, len(layouts))
}

// FuzzNoticeText: any drawable text as a paragraph and as a cell of any
// notice type's layout comes back from pdftotext exactly (whitespace
// aside).
func FuzzNoticeText(f *testing.F) {
	f.Add("予以公示，接受群众监督", uint8(0), uint8(0))
	f.Add("如有异议，请在公示期内提出异议。ZT-2026-012 浏财农〔2026〕3号", uint8(6), uint8(3))
	f.Add(strings.Repeat("ZT-2026-012", 60), uint8(9), uint8(7))
	f.Fuzz(func(t *testing.T, text string, layout, col uint8) {
		if len([]rune(text)) > 2000 || strings.ContainsAny(text, "第页") || flatten(text) == "" {
			return
		}
		if _, missing := disclosure.MissingGlyph(text); missing {
			return
		}
		for _, r := range text {
			if unicode.IsControl(r) && !unicode.IsSpace(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Cf, r) {
				return // not text a notice prints
			}
		}
		layouts := exactLayouts()
		typ := layouts[int(layout)%len(layouts)]
		texts := []string{"标题", text, "正文", "字段", "结尾"}
		if len(ledger.NoticeColumns[typ]) > 0 {
			texts = append(texts, text)
		}
		checkExact(t, typ, texts, []int{int(col)})
	})
}

// firstDiff shows where the longest piece of want's start found in got
// stops matching.
func firstDiff(got, want string) string {
	w := []rune(want)
	n := 0
	for n < len(w) && strings.Contains(got, string(w[:n+1])) {
		n++
	}
	at := strings.Index(got, string(w[:n]))
	g := []rune(got[max(at, 0)+len(string(w[:n])):])
	return fmt.Sprintf("%d of %d runes match, then want %q, got %q", n, len(w), string(w[n:min(n+20, len(w))]), string(g[:min(20, len(g))]))
}
