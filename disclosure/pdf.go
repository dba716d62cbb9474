package disclosure

import (
	"bytes"
	"compress/zlib"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/go-pdf/fpdf"
	qrcode "github.com/skip2/go-qrcode"
	"golang.org/x/image/font/sfnt"
)

// The CJK font every PDF embeds: LXGW WenKai Regular (OFL 1.1, licence in
// fonts/OFL.txt), a TrueType (glyf) font with Chinese, digits, Latin, ¥ and
// full-width punctuation. fpdf subsets it: a notice carries only the glyphs
// it uses.
//
//go:embed fonts/LXGWWenKai-Regular.ttf
var fontTTF []byte

const fontFamily = "wenkai"

// A4, millimetres: portrait, or landscape for tables of eight columns or
// more.
const (
	marginL, marginR   = 15.0, 15.0
	marginT, marginB   = 15.0, 18.0
	landscapeCols      = 8
	cellPad            = 1.2
	tableFont          = 9.0
	tableLine          = 4.4
	seqColW            = 17.5
	pageAlias          = "{nb}"
	attachmentRows     = "rows.json"
	attachmentCheckpnt = "checkpoint.txt"
)

// RenderPDF draws a notice as an A4 PDF in the official layout: title, 文号,
// publishing unit, body, fields, the table with its header repeated on
// every page and each row's seq, totals, closing text, the footer block
// (publisher, dates, phones, address, e-mail), the full checkpoint with its
// signature line and the QR code of the verify URL; "第 N 页 共 M 页" on
// every page; rows.json and checkpoint.txt embedded as attachments. The
// same Document gives the same bytes. It returns an error when a string
// holds a character the font cannot draw, or when fpdf fails.
func RenderPDF(d Document) ([]byte, error) {
	if r, ok := missingIn(d); ok {
		return nil, fmt.Errorf("the notice font cannot draw %q (U+%04X)", r, r)
	}
	created := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	if d.CreatedAt != "" {
		t, err := time.Parse(time.RFC3339, d.CreatedAt)
		if err != nil {
			return nil, fmt.Errorf("CreatedAt: %w", err)
		}
		created = t
	}
	orient, pageW, pageH := "P", 210.0, 297.0
	if len(d.Columns) >= landscapeCols {
		orient, pageW, pageH = "L", 297.0, 210.0
	}
	pdf := fpdf.New(orient, "mm", "A4", "")
	pdf.SetMargins(marginL, marginT, marginR)
	pdf.SetAutoPageBreak(true, marginB)
	pdf.SetCatalogSort(true)
	pdf.SetCreationDate(created)
	pdf.SetModificationDate(created)
	pdf.SetCompression(true)
	pdf.SetTitle(d.Title, true)
	pdf.SetSubject(d.Number, true)
	pdf.SetAuthor(d.Unit, true)
	pdf.SetCreator("Sunshine Ledger 阳光账本", true)
	pdf.SetProducer("Sunshine Ledger", false)
	pdf.AddUTF8FontFromBytes(fontFamily, "", fontTTF)
	pdf.AliasNbPages(pageAlias)
	r := &renderer{pdf: pdf, d: d, pageW: pageW, pageH: pageH, usableW: pageW - marginL - marginR}
	if d.Draft {
		pdf.SetHeaderFunc(r.drawWatermark)
	}
	pdf.SetFooterFunc(func() {
		pdf.SetY(-12)
		pdf.SetFont(fontFamily, "", 9)
		pdf.CellFormat(0, 5, fmt.Sprintf("第 %d 页 共 %s 页", pdf.PageNo(), pageAlias), "", 0, "C", false, 0, "")
	})
	pdf.SetAttachments([]fpdf.Attachment{
		{Content: d.Attachment, Filename: attachmentRows, Description: "rows: seq and leaf hash"},
		{Content: []byte(d.Checkpoint), Filename: attachmentCheckpnt, Description: "the printed checkpoint"},
	})
	pdf.AddPage()
	r.head()
	r.table()
	r.tail()
	if err := pdf.Error(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := pdf.Output(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

type renderer struct {
	pdf          *fpdf.Fpdf
	pageW, pageH float64
	usableW      float64
	d            Document
	cols         []float64 // widths, mm
	seq          bool      // a seq column
	headerH      float64   // the table header's height, mm
	sym          map[rune]int
}

// width measures s in the current font (the embedded font's widths are
// additive: no kerning), caching each rune's width.
func (r *renderer) width(s string) float64 {
	if r.sym == nil {
		r.sym = map[rune]int{}
	}
	_, size := r.pdf.GetFontSize()
	n := 0
	for _, c := range s {
		w, ok := r.sym[c]
		if !ok {
			w = r.pdf.GetStringSymbolWidth(string(c))
			r.sym[c] = w
		}
		n += w
	}
	return float64(n) * size / 1000
}

// trimEnd drops what a line does not draw: its trailing spaces and line
// break.
func trimEnd(l string) string { return strings.TrimRight(l, " \t\r\n") }

// para draws a paragraph across the printable width, broken by breakLines
// (pages break between its lines).
func (r *renderer) para(size, lineH float64, align, text string) {
	r.paraAt(marginL, r.usableW, size, lineH, align, text)
}

// paraAt draws a paragraph in the column [x, x+w].
func (r *renderer) paraAt(x, w, size, lineH float64, align, text string) {
	r.pdf.SetFont(fontFamily, "", size)
	m := r.pdf.GetCellMargin()
	for _, l := range breakLines(text, w-2*m, r.width) {
		r.pdf.SetX(x)
		r.pdf.CellFormat(w, lineH, trimEnd(l), "", 1, align, false, 0, "")
	}
	r.pdf.SetX(x)
}

func (r *renderer) head() {
	d := r.d
	if d.Edition != "" {
		// the edition, boxed in the top right corner of page 1
		r.pdf.SetFont(fontFamily, "", 10)
		w := r.width(d.Edition) + 4
		r.pdf.SetXY(r.pageW-marginR-w, marginT-6)
		r.pdf.CellFormat(w, 6, d.Edition, "1", 0, "C", false, 0, "")
		r.pdf.SetXY(marginL, marginT)
	}
	r.para(18, 9, "C", d.Title)
	if d.Number != "" {
		r.para(11, 6, "C", d.Number)
	}
	r.pdf.Ln(3)
	for _, p := range d.Body {
		r.para(11, 6.2, "L", "　　"+p)
	}
	if len(d.Fields) > 0 {
		r.pdf.Ln(1)
		for _, f := range d.Fields {
			r.para(10.5, 5.8, "L", f.Label+"："+f.Value)
		}
	}
	r.pdf.Ln(2)
}

// layout sets the columns' widths from their weights.
func (r *renderer) layout() {
	for _, row := range r.d.Rows {
		if row.Seq >= 0 {
			r.seq = true
		}
	}
	w := r.usableW
	if r.seq {
		w -= seqColW
	}
	var sum float64
	for _, c := range r.d.Columns {
		sum += max(c.Width, 0.1)
	}
	r.cols = make([]float64, len(r.d.Columns))
	for i, c := range r.d.Columns {
		r.cols[i] = w * max(c.Width, 0.1) / sum
	}
	// Widen columns whose header would wrap, taking the room from the
	// others in proportion, when the headers fit the page at all.
	r.pdf.SetFont(fontFamily, "", tableFont)
	mins := make([]float64, len(r.cols))
	var total float64
	for i, c := range r.d.Columns {
		mins[i] = r.pdf.GetStringWidth(c.Title) + 2*cellPad + 0.6
		total += mins[i]
	}
	if total > w {
		return
	}
	for range 4 {
		var short, spare float64
		for i := range r.cols {
			if r.cols[i] < mins[i] {
				short += mins[i] - r.cols[i]
				r.cols[i] = mins[i]
			} else {
				spare += r.cols[i] - mins[i]
			}
		}
		if short == 0 || spare == 0 {
			return
		}
		for i := range r.cols {
			if r.cols[i] > mins[i] {
				r.cols[i] -= short * (r.cols[i] - mins[i]) / spare
			}
		}
	}
}

// cells returns a row's cells with the seq column.
func (r *renderer) cells(cells []string, seq string) ([]string, []float64, []bool) {
	out := append([]string{}, cells...)
	ws := append([]float64{}, r.cols...)
	right := make([]bool, len(r.d.Columns))
	for i, c := range r.d.Columns {
		right[i] = c.Right
	}
	if r.seq {
		out, ws, right = append(out, seq), append(ws, seqColW), append(right, true)
	}
	return out, ws, right
}

// rowLines breaks each cell of a row into its lines (table font) and
// returns them with the row's line count.
func (r *renderer) rowLines(cells []string, ws []float64) ([][]string, int) {
	r.pdf.SetFont(fontFamily, "", tableFont)
	lines := make([][]string, len(ws))
	n := 1
	for i := range ws {
		if i < len(cells) {
			lines[i] = breakLines(cells[i], ws[i]-2*cellPad, r.width)
		}
		n = max(n, len(lines[i]))
	}
	return lines, n
}

// drawLines draws lines [from, to) of a row's cells at the current y, with
// a fill grey level (255: none), and moves below them.
func (r *renderer) drawLines(lines [][]string, ws []float64, right []bool, fill, from, to int) {
	pdf := r.pdf
	pdf.SetFont(fontFamily, "", tableFont)
	h := float64(to-from)*tableLine + 1.6
	_, y := pdf.GetXY()
	x := marginL
	for i := range ws {
		style := "D"
		if fill < 255 {
			pdf.SetFillColor(fill, fill, fill)
			style = "FD"
		}
		pdf.Rect(x, y, ws[i], h, style)
		for j := from; j < to && j < len(lines[i]); j++ {
			l := trimEnd(lines[i][j])
			if l == "" {
				continue
			}
			tx := x + cellPad
			if right[i] {
				tx = x + ws[i] - cellPad - r.width(l)
			}
			pdf.Text(tx, y+0.8+float64(j-from)*tableLine+tableLine*0.78, l)
		}
		x += ws[i]
	}
	pdf.SetXY(marginL, y+h)
}

// putRow draws a table row: on this page when it fits, else on the next
// (after the repeated header); a row taller than a whole page is split
// between its lines across pages.
func (r *renderer) putRow(cells []string, seq string, fill int) {
	cs, ws, right := r.cells(cells, seq)
	lines, n := r.rowLines(cs, ws)
	bottom := r.pageH - marginB
	fresh := false // the page holds only the header so far
	for from := 0; from < n; {
		_, y := r.pdf.GetXY()
		fit := int((bottom - y - 1.6 + 1e-9) / tableLine)
		if fresh {
			fit = max(fit, 1)
		}
		if n-from <= fit {
			r.drawLines(lines, ws, right, fill, from, n)
			return
		}
		// split only a row that a new page cannot hold whole
		if (fresh || from > 0 || n > r.freshLines()) && fit >= 1 {
			r.drawLines(lines, ws, right, fill, from, from+fit)
			from += fit
		}
		r.pdf.AddPage()
		r.header()
		fresh = true
	}
}

// keepWithTail starts a new page before the table's last row when what
// follows it (totals, closing text, contacts, signature and checkpoint)
// would not fit on this page but fits on a new one with the row: the last
// page never holds only the QR code and contacts.
func (r *renderer) keepWithTail(cells []string, seq string) {
	rowH := func(cells []string, seq string) float64 {
		cs, ws, _ := r.cells(cells, seq)
		_, n := r.rowLines(cs, ws)
		return float64(n)*tableLine + 1.6
	}
	h := rowH(cells, seq) + 3 + r.tailHeight()
	if r.d.Totals != nil {
		h += rowH(r.d.Totals, "")
	}
	bottom := r.pageH - marginB
	if _, y := r.pdf.GetXY(); y+h <= bottom || marginT+r.headerH+h > bottom {
		return
	}
	r.pdf.AddPage()
	r.header()
}

// drawWatermark draws 草稿 across the page (previews).
func (r *renderer) drawWatermark() {
	pdf := r.pdf
	pdf.SetFont(fontFamily, "", 120)
	pdf.SetTextColor(222, 222, 222)
	cx, cy := r.pageW/2, r.pageH/2
	w := r.width(watermark)
	pdf.TransformBegin()
	pdf.TransformRotate(35, cx, cy)
	pdf.Text(cx-w/2, cy+15, watermark)
	pdf.TransformEnd()
	pdf.SetTextColor(0, 0, 0)
}

const watermark = "草稿"

// freshLines is how many table lines a row can have on a new page below
// the header.
func (r *renderer) freshLines() int {
	return int((r.pageH - marginB - marginT - r.headerH - 1.6 + 1e-9) / tableLine)
}

func (r *renderer) header() {
	titles := make([]string, len(r.d.Columns))
	for i, c := range r.d.Columns {
		titles[i] = c.Title
	}
	cells, ws, _ := r.cells(titles, "账本序号")
	lines, n := r.rowLines(cells, ws)
	r.headerH = float64(n)*tableLine + 1.6
	r.drawLines(lines, ws, make([]bool, len(ws)), 230, 0, n)
}

func (r *renderer) table() {
	if len(r.d.Columns) == 0 {
		return
	}
	r.layout()
	pdf := r.pdf
	pdf.SetDrawColor(90, 90, 90)
	pdf.SetLineWidth(0.2)
	// keep the header with at least one row
	if _, y := pdf.GetXY(); y+3*tableLine+4 > r.pageH-marginB {
		pdf.AddPage()
	}
	r.header()
	for i, row := range r.d.Rows {
		seq := ""
		if row.Seq >= 0 {
			seq = fmt.Sprint(row.Seq)
		}
		if i == len(r.d.Rows)-1 {
			r.keepWithTail(row.Cells, seq)
		}
		r.putRow(row.Cells, seq, 255)
	}
	if r.d.Totals != nil {
		r.putRow(r.d.Totals, "", 242)
	}
	pdf.Ln(3)
}

// The signature block: 发布单位 and 发布日期 on the right with room for the
// seal between them.
const (
	sealW     = 78.0
	sealSpace = 18.0
	tailLine  = 5.8
	tailFont  = 10.5
)

// contactLines are the lines under the closing text: the end of the
// period and where to object.
func (r *renderer) contactLines() []string {
	d := r.d
	var lines []string
	if d.EndsOn != "" {
		lines = append(lines, "公示截止日期："+d.EndsOn)
	}
	if len(d.Phones) > 0 {
		lines = append(lines, "监督电话："+strings.Join(d.Phones, "、"))
	}
	if d.Address != "" {
		lines = append(lines, "地址："+d.Address)
	}
	if d.Email != "" {
		lines = append(lines, "电子邮箱："+d.Email)
	}
	return lines
}

// paraHeight is the height para would take.
func (r *renderer) paraHeight(w, size, lineH float64, text string) float64 {
	r.pdf.SetFont(fontFamily, "", size)
	return float64(len(breakLines(text, w-2*r.pdf.GetCellMargin(), r.width))) * lineH
}

// sealHeight is the signature block's height.
func (r *renderer) sealHeight() float64 {
	h := r.paraHeight(sealW, tailFont, tailLine, "发布单位："+r.d.Unit) + sealSpace
	if r.d.PublishedOn != "" {
		h += tailLine
	}
	return h
}

// tailHeight is what tail draws: closing text, contacts, signature and
// checkpoint blocks.
func (r *renderer) tailHeight() float64 {
	h := 3.0
	for _, p := range r.d.Closing {
		h += r.paraHeight(r.usableW, tailFont, tailLine, "　　"+p)
	}
	for _, l := range r.contactLines() {
		h += r.paraHeight(r.usableW, tailFont, tailLine, l)
	}
	h += 2 + r.sealHeight()
	return h + r.checkpointHeight()
}

// seal draws the signature block: 发布单位 (the seal goes over it and the
// date), a space for the seal, 发布日期.
func (r *renderer) seal() {
	pdf := r.pdf
	if _, y := pdf.GetXY(); y+r.sealHeight() > r.pageH-marginB {
		pdf.AddPage()
	}
	x := r.pageW - marginR - sealW
	r.paraAt(x, sealW, tailFont, tailLine, "C", "发布单位："+r.d.Unit)
	_, y := pdf.GetXY()
	pdf.SetFont(fontFamily, "", 8)
	pdf.SetTextColor(150, 150, 150)
	pdf.SetXY(x, y+sealSpace/2-2.5)
	pdf.CellFormat(sealW, 5, sealLabel, "", 1, "C", false, 0, "")
	pdf.SetTextColor(0, 0, 0)
	pdf.SetXY(x, y+sealSpace)
	if r.d.PublishedOn != "" {
		r.paraAt(x, sealW, tailFont, tailLine, "C", "发布日期："+r.d.PublishedOn)
	}
	pdf.SetX(marginL)
}

const sealLabel = "（盖章）"

func (r *renderer) tail() {
	d := r.d
	pdf := r.pdf
	for _, p := range d.Closing {
		r.para(tailFont, tailLine, "L", "　　"+p)
	}
	pdf.Ln(3)
	for _, l := range r.contactLines() {
		r.para(tailFont, tailLine, "L", l)
	}
	pdf.Ln(2)
	r.seal()
	// the witness block: checkpoint text on the left, QR on the right
	textW := r.usableW - qrSize - 4
	block := r.checkpointLines(textW)
	need := r.checkpointHeight()
	if _, y := pdf.GetXY(); y+need > r.pageH-marginB && need < r.pageH-marginT-marginB {
		pdf.AddPage()
	}
	pdf.Ln(3)
	_, top := pdf.GetXY()
	pdf.SetDrawColor(150, 150, 150)
	pdf.Line(marginL, top, r.pageW-marginR, top)
	pdf.SetXY(marginL, top+2)
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	for _, l := range block {
		pdf.SetX(marginL)
		if l.mono {
			pdf.SetFont(monoFamily, "", l.size)
			pdf.CellFormat(textW, l.lineH, tr(l.text), "", 1, "L", false, 0, "")
		} else {
			pdf.SetFont(fontFamily, "", l.size)
			pdf.CellFormat(textW, l.lineH, l.text, "", 1, "L", false, 0, "")
		}
	}
	if d.VerifyURL != "" {
		r.qr(r.pageW-marginR-qrSize, top+2, qrSize)
		pdf.SetFont(fontFamily, "", 8)
		pdf.Text(r.pageW-marginR-qrSize+8, top+2+qrSize+3.5, "扫码核验")
	}
}

const qrSize = 32.0

// checkpointHeight is the checkpoint block's height, with the QR code
// beside it.
func (r *renderer) checkpointHeight() float64 {
	h := 0.0
	for _, l := range r.checkpointLines(r.usableW - qrSize - 4) {
		h += l.lineH
	}
	return 5 + max(h, qrSize+6)
}

// The checkpoint block's monospaced face: fpdf's core Courier (no font to
// embed), at monoSize points: a hash reads character by character.
const (
	monoFamily = "Courier"
	monoSize   = 7.0
	monoLine   = 3.4
)

// blockLine is one line of the checkpoint block, already broken.
type blockLine struct {
	text        string
	mono        bool
	size, lineH float64
}

// monoable: the text Courier can draw here (ASCII and the em dash of a
// signature line, through the cp1252 translator).
func monoable(s string) bool {
	for _, c := range s {
		if c >= 0x80 && c != '—' {
			return false
		}
	}
	return true
}

// checkpointLines lays out the checkpoint block in width w: its heading,
// the signed checkpoint in Courier (each line broken only at its spaces,
// never inside a hash or signature, unless one alone is wider than the
// column), the witnesses that cosigned it, and the verify URL.
func (r *renderer) checkpointLines(w float64) []blockLine {
	d := r.d
	pdf := r.pdf
	var out []blockLine
	measureIn := func(mono bool, size float64) func(string) float64 {
		if mono {
			pdf.SetFont(monoFamily, "", size)
			_, unit := pdf.GetFontSize()
			return func(s string) float64 { return float64(utf8.RuneCountInString(s)) * 0.6 * unit }
		}
		pdf.SetFont(fontFamily, "", size)
		return r.width
	}
	maxW := w - 2*pdf.GetCellMargin()
	add := func(text string, mono bool, size, lineH float64) {
		for _, l := range breakLines(text, maxW, measureIn(mono, size)) {
			out = append(out, blockLine{text: trimEnd(l), mono: mono, size: size, lineH: lineH})
		}
	}
	add(checkpointHeading, false, 9, 5)
	for _, l := range strings.Split(strings.TrimRight(d.Checkpoint, "\n"), "\n") {
		if l == "" {
			out = append(out, blockLine{lineH: 1.5, size: monoSize, mono: true})
			continue
		}
		add(l, monoable(l), monoSize, monoLine)
	}
	// Witnesses: the names of those who cosigned the printed checkpoint,
	// when there are any (the cosignature lines themselves are part of
	// Checkpoint above).
	if len(d.Witnesses) > 0 {
		add(witnessLabel+strings.Join(d.Witnesses, "、"), false, 8, 4)
	}
	if d.VerifyURL != "" {
		add(verifyURLLabel, false, 8, 4)
		// the URL breaks before its "?" and "&" where it must, never
		// inside the root
		mono := monoable(d.VerifyURL)
		measure := measureIn(mono, monoSize)
		line := ""
		for _, seg := range urlSegments(d.VerifyURL) {
			if line != "" && measure(line+seg) > maxW {
				add(line, mono, monoSize, monoLine)
				line = ""
			}
			line += seg
		}
		add(line, mono, monoSize, monoLine)
	}
	return out
}

// urlSegments splits a URL before each "?" and "&".
func urlSegments(u string) []string {
	var out []string
	for {
		i := strings.IndexAny(u[min(1, len(u)):], "?&")
		if i < 0 {
			return append(out, u)
		}
		out = append(out, u[:i+1])
		u = u[i+1:]
	}
}

const (
	checkpointHeading = "账本检查点（本公告印制时的账本状态；扫码或访问核验页面可核对本公告与账本是否一致）"
	witnessLabel      = "见证方："
	verifyURLLabel    = "核验网址："
)

// qr draws the QR code of the verify URL as filled squares (deterministic,
// no image).
func (r *renderer) qr(x, y, size float64) {
	q, err := qrcode.New(r.d.VerifyURL, qrcode.Medium)
	if err != nil {
		r.pdf.SetError(err)
		return
	}
	bm := q.Bitmap()
	m := size / float64(len(bm))
	r.pdf.SetFillColor(0, 0, 0)
	for i, row := range bm {
		for j, on := range row {
			if on {
				r.pdf.Rect(x+float64(j)*m, y+float64(i)*m, m, m, "F")
			}
		}
	}
}

// The font's character coverage, from its cmap (golang.org/x/image/font/sfnt).
var glyphs struct {
	once sync.Once
	mu   sync.Mutex
	f    *sfnt.Font
	buf  sfnt.Buffer
	seen map[rune]bool
	err  error
}

// MissingGlyph returns the first character of s that the embedded font has
// no glyph for (spaces and line breaks are fine), and true; or 0 and false
// when the font draws all of s.
func MissingGlyph(s string) (rune, bool) {
	glyphs.once.Do(func() {
		glyphs.f, glyphs.err = sfnt.Parse(fontTTF)
		glyphs.seen = map[rune]bool{}
	})
	if glyphs.err != nil {
		return 0, false
	}
	glyphs.mu.Lock()
	defer glyphs.mu.Unlock()
	for _, r := range s {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			continue
		}
		ok, known := glyphs.seen[r]
		if !known {
			i, err := glyphs.f.GlyphIndex(&glyphs.buf, r)
			ok = err == nil && i != 0
			glyphs.seen[r] = ok
		}
		if !ok {
			return r, true
		}
	}
	return 0, false
}

// missingIn checks every string a Document draws.
func missingIn(d Document) (rune, bool) {
	all := []string{d.Edition, d.Title, d.Number, d.Unit, d.PublishedOn, d.EndsOn, d.Address, d.Email, d.Checkpoint, d.VerifyURL}
	all = append(all, d.Body...)
	all = append(all, d.Closing...)
	all = append(all, d.Phones...)
	all = append(all, d.Totals...)
	all = append(all, d.Witnesses...)
	for _, f := range d.Fields {
		all = append(all, f.Label, f.Value)
	}
	for _, c := range d.Columns {
		all = append(all, c.Title)
	}
	for _, r := range d.Rows {
		all = append(all, r.Cells...)
	}
	all = append(all, FixedLabels...)
	for _, s := range all {
		if r, ok := MissingGlyph(s); ok {
			return r, true
		}
	}
	return 0, false
}

// FixedLabels are the strings the renderer itself draws.
var FixedLabels = []string{"第 1 页 共 9 页", "账本序号", "发布单位：", "发布日期：", "公示截止日期：", "监督电话：", "地址：", "电子邮箱：",
	checkpointHeading, verifyURLLabel, witnessLabel, "扫码核验", "　　", sealLabel, watermark}

// ExtractAttachment returns the bytes of a file attached to a PDF made by
// RenderPDF (rows.json, checkpoint.txt): it finds the file specification
// whose /UF name matches, follows its /EF reference and inflates the
// embedded-file stream. It returns an error when there is no such
// attachment or the PDF is damaged there.
func ExtractAttachment(pdf []byte, name string) ([]byte, error) {
	rest := pdf
	for {
		i := bytes.Index(rest, []byte("/Type /Filespec"))
		if i < 0 {
			return nil, fmt.Errorf("no attachment %q", name)
		}
		rest = rest[i+len("/Type /Filespec"):]
		// A file specification's entries are within a few hundred bytes of
		// its /Type: every search below looks only there, so that a hostile
		// upload cannot make the scan quadratic in the file's size.
		dict := rest[:min(len(rest), filespecWindow)]
		uf := bytes.Index(dict, []byte("/UF "))
		if uf < 0 {
			continue
		}
		str, tail, ok := literalString(dict[uf+4:])
		if !ok || decodeTextString(str) != name {
			continue
		}
		ref := after(tail, "/EF << /F ")
		var obj int
		if _, err := fmt.Sscanf(string(ref[:min(len(ref), 32)]), "%d", &obj); err != nil {
			return nil, fmt.Errorf("attachment %q: bad reference", name)
		}
		return streamOf(pdf, obj)
	}
}

// filespecWindow bounds how far past "/Type /Filespec" ExtractAttachment
// looks for the entries of that file specification.
const filespecWindow = 2048

func after(b []byte, tok string) []byte {
	i := bytes.Index(b, []byte(tok))
	if i < 0 {
		return nil
	}
	return b[i+len(tok):]
}

// literalString reads a PDF literal string "( … )" at the start of b (after
// spaces) and returns its bytes and what follows.
func literalString(b []byte) ([]byte, []byte, bool) {
	const maxLiteral = 1024
	b = bytes.TrimLeft(b, " ")
	if len(b) == 0 || b[0] != '(' {
		return nil, nil, false
	}
	var out []byte
	depth := 0
	// Attachment names are short: a string that does not close within
	// maxLiteral bytes is not one (and an upload of unclosed "(" after every
	// /UF cannot make the scan quadratic in the file's size).
	for i := 1; i < len(b) && i <= maxLiteral; i++ {
		c := b[i]
		switch {
		case c == '\\' && i+1 < len(b):
			i++
			switch e := b[i]; e {
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			default:
				if e >= '0' && e <= '7' {
					v, n := 0, 0
					for n < 3 && i < len(b) && b[i] >= '0' && b[i] <= '7' {
						v, i, n = v*8+int(b[i]-'0'), i+1, n+1
					}
					i--
					out = append(out, byte(v))
				} else {
					out = append(out, e)
				}
			}
		case c == '(':
			depth++
			out = append(out, c)
		case c == ')':
			if depth == 0 {
				return out, b[i+1:], true
			}
			depth--
			out = append(out, c)
		default:
			out = append(out, c)
		}
	}
	return nil, nil, false
}

// decodeTextString decodes a PDF text string: UTF-16BE with a BOM, or bytes.
func decodeTextString(b []byte) string {
	if len(b) >= 2 && b[0] == 0xfe && b[1] == 0xff {
		u := make([]uint16, 0, len(b)/2)
		for i := 2; i+1 < len(b); i += 2 {
			u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
		}
		return string(utf16.Decode(u))
	}
	return string(b)
}

// streamOf returns the (inflated) stream of object n.
func streamOf(pdf []byte, n int) ([]byte, error) {
	head := []byte(fmt.Sprintf("\n%d 0 obj", n))
	i := bytes.Index(pdf, head)
	if i < 0 {
		return nil, fmt.Errorf("object %d not found", n)
	}
	obj := pdf[i+len(head):]
	dict := obj
	if e := bytes.Index(obj, []byte("endobj")); e >= 0 {
		dict = obj[:e]
	}
	var length int
	if _, err := fmt.Sscanf(string(after(dict, "/Length ")), "%d", &length); err != nil {
		return nil, fmt.Errorf("object %d: no length", n)
	}
	s := bytes.Index(obj, []byte("stream"))
	if s < 0 {
		return nil, fmt.Errorf("object %d: no stream", n)
	}
	data := obj[s+len("stream"):]
	data = bytes.TrimPrefix(data, []byte("\r"))
	data = bytes.TrimPrefix(data, []byte("\n"))
	if length < 0 || length > len(data) {
		return nil, fmt.Errorf("object %d: bad length %d", n, length)
	}
	data = data[:length]
	if !bytes.Contains(obj[:s], []byte("/FlateDecode")) {
		return data, nil
	}
	zr, err := zlib.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("object %d: %w", n, err)
	}
	defer zr.Close()
	out, err := io.ReadAll(io.LimitReader(zr, MaxAttachment+1))
	if err != nil {
		return nil, fmt.Errorf("object %d: %w", n, err)
	}
	if len(out) > MaxAttachment {
		return nil, fmt.Errorf("object %d: %w", n, ErrAttachmentTooLarge)
	}
	return out, nil
}

// MaxAttachment bounds what one embedded file of a notice PDF may inflate
// to (rows.json of a notice of many thousand rows is well under it): an
// upload to the public verify page cannot make the server inflate more.
const MaxAttachment = 1 << 20

// ErrAttachmentTooLarge is wrapped by ExtractAttachment's error for an
// embedded file that inflates beyond MaxAttachment.
var ErrAttachmentTooLarge = errors.New("embedded file too large")

// ExtractCheckpoint returns the signed checkpoint text embedded as
// checkpoint.txt in a PDF made by RenderPDF, or ExtractAttachment's error
// when the PDF has none.
func ExtractCheckpoint(pdf []byte) (string, error) {
	b, err := ExtractAttachment(pdf, attachmentCheckpnt)
	return string(b), err
}
