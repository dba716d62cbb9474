package importer

import (
	"archive/zip"
	"bytes"
	"cmp"
	"encoding/xml"
	"errors"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"
)

// The .xlsx reader. An .xlsx file is a zip of XML parts (ECMA-376 / ISO
// 29500, SpreadsheetML). This reader reads only what an import needs: the
// workbook's sheet list, the shared strings, the cell styles' number formats
// (to tell date and percent cells), and one worksheet's cells with their
// types. It does not go through excelize: excelize reads cells through
// encoding/xml and costs about 0.3 s for the values of a 10,000-row sheet and
// as much again for the cell types, while the scanner below does both in a
// small fraction of that (see BenchmarkParsePayments10k). The tests check it
// against files written by excelize, and its test writer against excelize's
// reader.

// Limits that keep a hostile file (a zip bomb, a sheet of a million columns)
// from exhausting memory.
const (
	maxPartSize = 256 << 20 // uncompressed bytes of any one XML part
	maxColumns  = 256       // cells right of column IV are ignored
	maxSST      = 4 << 20   // shared strings
)

// errTooLarge is returned by readers when a limit is hit.
var errTooLarge = errors.New("too large")

// xlsxFile is an opened workbook.
type xlsxFile struct {
	files map[string]*zip.File // by lower-case name
}

func (x *xlsxFile) part(name string) (*zip.File, bool) {
	f, ok := x.files[strings.ToLower(strings.TrimPrefix(name, "/"))]
	return f, ok
}

// read returns the uncompressed bytes of a part, refusing more than
// maxPartSize whatever the zip header claims.
func (x *xlsxFile) read(name string) ([]byte, error) {
	f, ok := x.part(name)
	if !ok {
		return nil, errPartMissing
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	n := f.UncompressedSize64
	if n > maxPartSize {
		return nil, errTooLarge
	}
	// The header's size is a claim: preallocate no more than the data
	// could plausibly inflate to.
	buf := bytes.NewBuffer(make([]byte, 0, int(min(n, 64<<20, 1000*f.CompressedSize64))+1))
	if _, err := io.Copy(buf, io.LimitReader(rc, maxPartSize+1)); err != nil {
		return nil, err
	}
	if buf.Len() > maxPartSize {
		return nil, errTooLarge
	}
	return buf.Bytes(), nil
}

var errPartMissing = errors.New("part missing")

// Relationship types (transitional and strict).
func relIs(typ, kind string) bool {
	return strings.HasSuffix(typ, "/"+kind)
}

type xRels struct {
	Rels []struct {
		ID     string `xml:"Id,attr"`
		Type   string `xml:"Type,attr"`
		Target string `xml:"Target,attr"`
		Mode   string `xml:"TargetMode,attr"`
	} `xml:"Relationship"`
}

type xWorkbook struct {
	Pr struct {
		Date1904 string `xml:"date1904,attr"`
	} `xml:"workbookPr"`
	Sheets []struct {
		Name  string `xml:"name,attr"`
		State string `xml:"state,attr"`
		RID   string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		// Strict OOXML uses another namespace for r:id.
		RIDStrict string `xml:"http://purl.oclc.org/ooxml/officeDocument/relationships id,attr"`
	} `xml:"sheets>sheet"`
}

type xStyles struct {
	NumFmts []struct {
		ID   int    `xml:"numFmtId,attr"`
		Code string `xml:"formatCode,attr"`
	} `xml:"numFmts>numFmt"`
	CellXfs []struct {
		NumFmtID int `xml:"numFmtId,attr"`
	} `xml:"cellXfs>xf"`
}

// resolveTarget resolves a relationship target against the part that owns
// the relationships.
func resolveTarget(owner, target string) string {
	target = strings.ReplaceAll(target, "\\", "/")
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(path.Clean(target), "/")
	}
	return strings.TrimPrefix(path.Clean(path.Join(path.Dir(owner), target)), "/")
}

func relsPathOf(part string) string {
	return path.Join(path.Dir(part), "_rels", path.Base(part)+".rels")
}

// sheetInfo names a worksheet of the workbook.
type sheetInfo struct {
	name   string
	part   string
	hidden bool
}

// openXLSX opens the zip and lists the worksheets in workbook order.
func openXLSX(data []byte) (*xlsxFile, []sheetInfo, xlsxParts, error) {
	var parts xlsxParts
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, nil, parts, err
	}
	x := &xlsxFile{files: make(map[string]*zip.File, len(zr.File))}
	for _, f := range zr.File {
		name := strings.ToLower(strings.TrimPrefix(strings.ReplaceAll(f.Name, "\\", "/"), "/"))
		x.files[name] = f
	}
	// The workbook part: from the package relationships, else the usual name.
	wbPart := "xl/workbook.xml"
	if b, err := x.read("_rels/.rels"); err == nil {
		var rels xRels
		if xml.Unmarshal(b, &rels) == nil {
			for _, r := range rels.Rels {
				if relIs(r.Type, "officeDocument") {
					wbPart = resolveTarget("", r.Target)
					break
				}
			}
		}
	}
	b, err := x.read(wbPart)
	if err != nil {
		return nil, nil, parts, err
	}
	var wb xWorkbook
	if err := xml.Unmarshal(b, &wb); err != nil {
		return nil, nil, parts, err
	}
	parts.date1904 = wb.Pr.Date1904 == "1" || wb.Pr.Date1904 == "true"
	targets := map[string]string{}
	parts.sst = path.Join(path.Dir(wbPart), "sharedStrings.xml")
	parts.styles = path.Join(path.Dir(wbPart), "styles.xml")
	if b, err := x.read(relsPathOf(wbPart)); err == nil {
		var rels xRels
		if err := xml.Unmarshal(b, &rels); err == nil {
			for _, r := range rels.Rels {
				if r.Mode == "External" {
					continue
				}
				t := resolveTarget(wbPart, r.Target)
				switch {
				case relIs(r.Type, "worksheet"):
					targets[r.ID] = t
				case relIs(r.Type, "sharedStrings"):
					parts.sst = t
				case relIs(r.Type, "styles"):
					parts.styles = t
				}
			}
		}
	}
	var sheets []sheetInfo
	for i, s := range wb.Sheets {
		rid := s.RID
		if rid == "" {
			rid = s.RIDStrict
		}
		t, ok := targets[rid]
		if !ok {
			if len(targets) > 0 {
				continue // a chart sheet or a dangling reference
			}
			// No relationships part: assume the usual names.
			t = path.Join(path.Dir(wbPart), "worksheets", "sheet"+strconv.Itoa(i+1)+".xml")
		}
		if _, ok := x.part(t); !ok {
			continue
		}
		sheets = append(sheets, sheetInfo{name: strings.TrimSpace(s.Name), part: t, hidden: s.State == "hidden" || s.State == "veryHidden"})
	}
	return x, sheets, parts, nil
}

// xlsxParts names the workbook-wide parts.
type xlsxParts struct {
	sst, styles string
	// date1904: serial numbers count days from 1904-01-01 (old Mac Excel).
	date1904 bool
}

// numFmtClass is what a cell's number format says about a number cell.
type numFmtClass uint8

const (
	fmtGeneral numFmtClass = iota
	fmtDate
	fmtPercent
)

// readStyles returns, per cell style index (the s attribute), the class of
// its number format.
func readStyles(x *xlsxFile, part string) []numFmtClass {
	b, err := x.read(part)
	if err != nil {
		return nil
	}
	var st xStyles
	if xml.Unmarshal(b, &st) != nil {
		return nil
	}
	custom := make(map[int]string, len(st.NumFmts))
	for _, f := range st.NumFmts {
		custom[f.ID] = f.Code
	}
	out := make([]numFmtClass, len(st.CellXfs))
	for i, xf := range st.CellXfs {
		out[i] = classifyNumFmt(xf.NumFmtID, custom)
	}
	return out
}

// classifyNumFmt tells date and percent formats: the built-in ids of ECMA-376
// §18.8.30 (14–22, 45–47, and the East Asian 27–36, 50–58) and custom codes
// with date or percent tokens outside quotes, escapes and brackets.
func classifyNumFmt(id int, custom map[int]string) numFmtClass {
	switch {
	case id == 9 || id == 10:
		return fmtPercent
	case id >= 14 && id <= 22, id >= 27 && id <= 36, id >= 45 && id <= 47, id >= 50 && id <= 58:
		return fmtDate
	}
	code, ok := custom[id]
	if !ok {
		return fmtGeneral
	}
	// Only the first section (positive numbers) matters.
	inQuote, inBracket, escaped := false, false, false
	for _, r := range code {
		switch {
		case escaped:
			escaped = false
		case inQuote:
			inQuote = r != '"'
		case inBracket:
			inBracket = r != ']'
		case r == '\\' || r == '_' || r == '*':
			escaped = true
		case r == '"':
			inQuote = true
		case r == '[':
			inBracket = true
		case r == ';':
			return fmtGeneral
		case r == '%':
			return fmtPercent
		case strings.ContainsRune("yYdDmMhHsSeE年月日", r):
			// e is the era year of East Asian formats; "E+" in a scientific
			// format is preceded by a digit placeholder.
			if r == 'e' || r == 'E' {
				continue
			}
			return fmtDate
		}
	}
	return fmtGeneral
}

// readSST reads the shared string table.
func readSST(x *xlsxFile, part string) ([]string, error) {
	b, err := x.read(part)
	if errors.Is(err, errPartMissing) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	sc := scanner{b: b}
	var out []string
	for {
		tag, ok := sc.next()
		if !ok {
			break
		}
		if tag.kind == tagStart && tag.name == "si" {
			if len(out) >= maxSST {
				return nil, errTooLarge
			}
			if tag.selfClosing {
				out = append(out, "")
				continue
			}
			out = append(out, sc.richText("si"))
		}
	}
	return out, sc.err
}

// readSheet scans a worksheet part. It stops with errTooLarge after
// maxRows non-blank rows.
func readSheet(x *xlsxFile, part string, sst []string, styles []numFmtClass, maxRows int) (*table, error) {
	b, err := x.read(part)
	if err != nil {
		return nil, err
	}
	sc := scanner{b: b}
	t := &table{}
	var (
		inData  bool
		rowNum  int
		col     int
		cells   []cell
		pending []cell // reused buffer
		inRow   bool
	)
	flush := func() {
		if !inRow {
			return
		}
		inRow = false
		blank := true
		for _, c := range cells {
			if trimText(c.val) != "" {
				blank = false
				break
			}
		}
		if !blank {
			t.rows = append(t.rows, sheetRow{num: rowNum, cells: append([]cell(nil), cells...)})
		}
		pending = cells[:0]
	}
	for {
		tag, ok := sc.next()
		if !ok {
			break
		}
		switch tag.kind {
		case tagStart:
			switch tag.name {
			case "sheetData":
				inData = !tag.selfClosing
			case "row":
				if !inData {
					continue
				}
				flush()
				if r, ok := attrInt(tag.attr("r")); ok && r > rowNum {
					rowNum = r
				} else {
					rowNum++
				}
				if rowNum > 1<<20 {
					return nil, errMalformedSheet
				}
				col = -1
				cells = pending[:0]
				inRow = !tag.selfClosing
				if tag.selfClosing {
					continue
				}
				if len(t.rows) > maxRows {
					return nil, errTooLarge
				}
			case "c":
				if !inRow {
					if !tag.selfClosing {
						sc.skip("c")
					}
					continue
				}
				if ref := tag.attr("r"); ref != "" {
					c, ok := colOfRef(ref)
					if !ok {
						return nil, errMalformedSheet
					}
					col = c
				} else {
					col++
				}
				if tag.selfClosing {
					continue
				}
				typ := tag.attr("t")
				style, _ := attrInt(tag.attr("s"))
				val, isInline := sc.cellValue()
				if sc.err != nil {
					return nil, sc.err
				}
				if col >= maxColumns {
					continue
				}
				c := cell{col: col}
				switch typ {
				case "s":
					i, ok := attrInt(strings.TrimSpace(val))
					if !ok || i >= len(sst) {
						return nil, errMalformedSheet
					}
					c.val = sst[i]
				case "inlineStr", "str":
					c.val = val
				case "b":
					c.kind, c.val = cellBool, val
				case "e":
					c.kind, c.val = cellError, val
				case "d":
					c.kind, c.val = cellISODate, val
				default: // "n" or absent
					if isInline {
						c.val = val // an inline string without its t
						break
					}
					c.kind, c.val = cellNumber, strings.TrimSpace(val)
					if style >= 0 && style < len(styles) {
						c.fmt = styles[style]
					}
				}
				if c.val != "" {
					if len(cells) >= 4*maxColumns {
						return nil, errMalformedSheet // the same cells over and over
					}
					cells = append(cells, c)
				}
			}
		case tagEnd:
			switch tag.name {
			case "row":
				flush()
			case "sheetData":
				flush()
				inData = false
			}
		}
	}
	flush()
	if sc.err != nil {
		return nil, sc.err
	}
	if len(t.rows) > maxRows {
		return nil, errTooLarge
	}
	// Cells are normally in column order; sort the rare row that is not.
	for i := range t.rows {
		t.rows[i].cells = sortCells(t.rows[i].cells)
	}
	return t, nil
}

var errMalformedSheet = errors.New("malformed worksheet")

// sortCells orders a row's cells by column, keeping the last of cells
// that name the same column.
func sortCells(cs []cell) []cell {
	if slices.IsSortedFunc(cs, func(a, b cell) int { return cmp.Compare(a.col, b.col) }) {
		sorted := true
		for i := 1; i < len(cs) && sorted; i++ {
			sorted = cs[i].col != cs[i-1].col
		}
		if sorted {
			return cs
		}
	}
	slices.SortStableFunc(cs, func(a, b cell) int { return cmp.Compare(a.col, b.col) })
	out := cs[:0]
	for i, c := range cs {
		if i+1 < len(cs) && cs[i+1].col == c.col {
			continue
		}
		out = append(out, c)
	}
	return out
}

// colOfRef returns the zero-based column of a cell reference such as "AB12".
func colOfRef(ref string) (int, bool) {
	col, i := 0, 0
	for ; i < len(ref); i++ {
		ch := ref[i] | 0x20 // lower case
		if ch < 'a' || ch > 'z' {
			break
		}
		col = col*26 + int(ch-'a'+1)
		if col > 16384 {
			return 0, false
		}
	}
	if i == 0 {
		return 0, false
	}
	return col - 1, true
}

func attrInt(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}
