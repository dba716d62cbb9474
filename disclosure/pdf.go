package disclosure

import (
	"bytes"
	"compress/zlib"
	_ "embed"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode/utf16"

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
	pdf.SetFooterFunc(func() {
		pdf.SetY(-12)
		pdf.SetFont(fontFamily, "", 9)
		pdf.CellFormat(0, 5, fmt.Sprintf("第 %d 页 共 %s 页", pdf.PageNo(), pageAlias), "", 0, "C", false, 0, "")
	})
	pdf.SetAttachments([]fpdf.Attachment{
		{Content: d.Attachment, Filename: attachmentRows, Description: "rows: seq and leaf hash"},
		{Content: []byte(d.Checkpoint), Filename: attachmentCheckpnt, Description: "the printed checkpoint"},
	})
	r := &renderer{pdf: pdf, d: d, pageW: pageW, pageH: pageH, usableW: pageW - marginL - marginR}
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
}

func (r *renderer) para(size, lineH float64, align, text string) {
	r.pdf.SetFont(fontFamily, "", size)
	r.pdf.MultiCell(0, lineH, text, "", align, false)
}

func (r *renderer) head() {
	d := r.d
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

// drawRow draws one table row, its cells wrapped, with a fill grey level
// (255: none). It returns false without drawing when the row does not fit
// the page.
func (r *renderer) drawRow(cells []string, ws []float64, right []bool, fill int, force bool) bool {
	pdf := r.pdf
	pdf.SetFont(fontFamily, "", tableFont)
	lines := make([][]string, len(cells))
	n := 1
	for i, c := range cells {
		if i >= len(ws) {
			break
		}
		lines[i] = r.wrap(c, ws[i]-2*cellPad)
		n = max(n, len(lines[i]))
	}
	h := float64(n)*tableLine + 1.6
	_, y := pdf.GetXY()
	if !force && y+h > r.pageH-marginB {
		return false
	}
	x := marginL
	for i := range ws {
		style := "D"
		if fill < 255 {
			pdf.SetFillColor(fill, fill, fill)
			style = "FD"
		}
		pdf.Rect(x, y, ws[i], h, style)
		for j, l := range lines[i] {
			tw := pdf.GetStringWidth(l)
			tx := x + cellPad
			if right[i] {
				tx = x + ws[i] - cellPad - tw
			}
			pdf.Text(tx, y+0.8+float64(j)*tableLine+tableLine*0.78, l)
		}
		x += ws[i]
	}
	pdf.SetXY(marginL, y+h)
	return true
}

// wrap breaks text into lines no wider than w at the current font: at
// spaces where it can, anywhere between characters where it must (Chinese
// has no spaces). It never drops a character.
func (r *renderer) wrap(text string, w float64) []string {
	if r.pdf.GetStringWidth(text) <= w {
		return []string{text}
	}
	var lines []string
	var cur []rune
	width := 0.0
	for _, c := range text {
		cw := r.pdf.GetStringWidth(string(c))
		if width+cw > w && len(cur) > 0 {
			lines = append(lines, strings.TrimRight(string(cur), " "))
			cur, width = cur[:0], 0
			if c == ' ' {
				continue
			}
		}
		cur = append(cur, c)
		width += cw
	}
	return append(lines, string(cur))
}

func (r *renderer) header() {
	titles := make([]string, len(r.d.Columns))
	for i, c := range r.d.Columns {
		titles[i] = c.Title
	}
	cells, ws, _ := r.cells(titles, "账本序号")
	r.drawRow(cells, ws, make([]bool, len(ws)), 230, true)
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
	put := func(cells []string, seq string, fill int) {
		cs, ws, right := r.cells(cells, seq)
		if !r.drawRow(cs, ws, right, fill, false) {
			pdf.AddPage()
			r.header()
			r.drawRow(cs, ws, right, fill, true)
		}
	}
	for _, row := range r.d.Rows {
		seq := ""
		if row.Seq >= 0 {
			seq = fmt.Sprint(row.Seq)
		}
		put(row.Cells, seq, 255)
	}
	if r.d.Totals != nil {
		put(r.d.Totals, "", 242)
	}
	pdf.Ln(3)
}

func (r *renderer) tail() {
	d := r.d
	pdf := r.pdf
	for _, p := range d.Closing {
		r.para(10.5, 5.8, "L", "　　"+p)
	}
	pdf.Ln(3)
	lines := []string{"发布单位：" + d.Unit}
	if d.PublishedOn != "" {
		lines = append(lines, "发布日期："+d.PublishedOn)
	}
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
	for _, l := range lines {
		r.para(10.5, 5.8, "R", l)
	}
	// the witness block: checkpoint text on the left, QR on the right
	const qrSize = 32.0
	need := 8 + qrSize + 6
	if _, y := pdf.GetXY(); y+need > r.pageH-marginB {
		pdf.AddPage()
	}
	pdf.Ln(3)
	_, top := pdf.GetXY()
	pdf.SetDrawColor(150, 150, 150)
	pdf.Line(marginL, top, r.pageW-marginR, top)
	pdf.SetXY(marginL, top+2)
	textW := r.usableW - qrSize - 4
	pdf.SetFont(fontFamily, "", 9)
	pdf.MultiCell(textW, 5, "账本检查点（本公告印制时的账本状态；扫码或访问核验页面可核对本公告与账本是否一致）", "", "L", false)
	pdf.SetFont(fontFamily, "", 6)
	for _, l := range strings.Split(strings.TrimRight(d.Checkpoint, "\n"), "\n") {
		pdf.SetX(marginL)
		if l == "" {
			pdf.Ln(1.5)
			continue
		}
		pdf.MultiCell(textW, 3.2, l, "", "L", false)
	}
	if d.VerifyURL != "" {
		pdf.SetX(marginL)
		pdf.SetFont(fontFamily, "", 7)
		pdf.MultiCell(textW, 3.4, "核验网址：", "", "L", false)
		pdf.SetX(marginL)
		pdf.MultiCell(textW, 3.4, d.VerifyURL, "", "L", false)
		r.qr(r.pageW-marginR-qrSize, top+2, qrSize)
		pdf.SetFont(fontFamily, "", 8)
		pdf.Text(r.pageW-marginR-qrSize+8, top+2+qrSize+3.5, "扫码核验")
	}
}

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
	all := []string{d.Title, d.Number, d.Unit, d.PublishedOn, d.EndsOn, d.Address, d.Email, d.Checkpoint, d.VerifyURL}
	all = append(all, d.Body...)
	all = append(all, d.Closing...)
	all = append(all, d.Phones...)
	all = append(all, d.Totals...)
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
	"账本检查点（本公告印制时的账本状态；扫码或访问核验页面可核对本公告与账本是否一致）", "核验网址：", "扫码核验", "　　"}

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
		uf := bytes.Index(rest, []byte("/UF "))
		if uf < 0 {
			continue
		}
		str, tail, ok := literalString(rest[uf+4:])
		if !ok || decodeTextString(str) != name {
			continue
		}
		var obj int
		if _, err := fmt.Sscanf(string(after(tail, "/EF << /F ")), "%d", &obj); err != nil {
			return nil, fmt.Errorf("attachment %q: bad reference", name)
		}
		return streamOf(pdf, obj)
	}
}

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
	b = bytes.TrimLeft(b, " ")
	if len(b) == 0 || b[0] != '(' {
		return nil, nil, false
	}
	var out []byte
	depth := 0
	for i := 1; i < len(b); i++ {
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
	return io.ReadAll(io.LimitReader(zr, 64<<20))
}

// ExtractCheckpoint returns the signed checkpoint text embedded as
// checkpoint.txt in a PDF made by RenderPDF, or ExtractAttachment's error
// when the PDF has none.
func ExtractCheckpoint(pdf []byte) (string, error) {
	b, err := ExtractAttachment(pdf, attachmentCheckpnt)
	return string(b), err
}
