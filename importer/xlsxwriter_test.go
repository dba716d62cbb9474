package importer

import (
	"archive/zip"
	"bytes"
	"fmt"
	"html"
	"strconv"
	"strings"
	"time"
)

// A minimal .xlsx writer for the tests, written from ECMA-376 and
// independent of excelize (which the reader must not be tested against
// alone): [Content_Types].xml, _rels/.rels, xl/workbook.xml, its
// relationships, xl/styles.xml, optional xl/sharedStrings.xml and one part
// per worksheet. Entries are stored uncompressed with a fixed time, so the
// bytes are deterministic and the committed fixtures cannot drift.

// xc is a cell to write.
type xc struct {
	kind  byte   // 't' text, 'n' number, 'd' date-styled number, 'p' percent-styled number, 'y' custom date style, 'i' ISO date (t="d"), 'b' boolean, 'e' error
	value string // text, or the number as stored
}

// Cell constructors.
func T(s string) xc           { return xc{'t', s} }
func N(v string) xc           { return xc{'n', v} }
func Pct(v string) xc         { return xc{'p', v} }
func ISO(v string) xc         { return xc{'i', v} }
func Bool(v bool) xc          { return xc{'b', map[bool]string{true: "1", false: "0"}[v]} }
func ErrCell(v string) xc     { return xc{'e', v} }
func D(y, m, d int) xc        { return xc{'d', strconv.Itoa(excelSerial(y, m, d))} }
func DCustom(y, m, d int) xc  { return xc{'y', strconv.Itoa(excelSerial(y, m, d))} }
func DTime(serial float64) xc { return xc{'d', strconv.FormatFloat(serial, 'f', -1, 64)} }
func excelSerial(y, m, d int) int {
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	return int(t.Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)).Hours() / 24)
}

// texts makes a row of text cells.
func texts(ss ...string) []xc {
	out := make([]xc, len(ss))
	for i, s := range ss {
		if s != "" {
			out[i] = T(s)
		}
	}
	return out
}

// xsheet is a worksheet: rows[i] is Excel row i+1; a nil row is left out
// (blank); a zero xc is an empty cell.
type xsheet struct {
	name   string
	hidden bool
	rows   [][]xc
}

// xopts vary how the file is written, as different producers do.
type xopts struct {
	sharedStrings bool // strings in xl/sharedStrings.xml (as Excel writes) instead of inline
	noRefs        bool // rows and cells without r attributes
	prefix        bool // elements with an "x:" namespace prefix
	date1904      bool // the 1904 date system (old Mac Excel): date cells are written 1462 days less
}

func buildXLSX(o xopts, sheets ...xsheet) []byte {
	var sst []string
	sstIndex := map[string]int{}
	el := func(name string) string {
		if o.prefix {
			return "x:" + name
		}
		return name
	}
	ns := `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	if o.prefix {
		ns = `xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	}
	sheetXML := make([]string, len(sheets))
	for si, sh := range sheets {
		var b strings.Builder
		fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+"\n")
		fmt.Fprintf(&b, `<%s %s xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><%s>`, el("worksheet"), ns, el("sheetData"))
		for ri, row := range sh.rows {
			if row == nil {
				if o.noRefs {
					// Without r, a row's number is the previous one's plus
					// one: a blank row must still be there, empty.
					fmt.Fprintf(&b, `<%s/>`, el("row"))
				}
				continue
			}
			if o.noRefs {
				fmt.Fprintf(&b, `<%s>`, el("row"))
			} else {
				fmt.Fprintf(&b, `<%s r="%d">`, el("row"), ri+1)
			}
			for ci, c := range row {
				if c.kind == 0 {
					if o.noRefs {
						fmt.Fprintf(&b, `<%s/>`, el("c"))
					}
					continue
				}
				ref := ""
				if !o.noRefs {
					ref = fmt.Sprintf(` r="%s%d"`, colName(ci), ri+1)
				}
				v := html.EscapeString(c.value)
				if o.date1904 && (c.kind == 'd' || c.kind == 'y') {
					f, _ := strconv.ParseFloat(c.value, 64)
					v = strconv.FormatFloat(f-1462, 'f', -1, 64)
				}
				switch c.kind {
				case 't':
					if o.sharedStrings {
						i, ok := sstIndex[c.value]
						if !ok {
							i = len(sst)
							sst = append(sst, c.value)
							sstIndex[c.value] = i
						}
						fmt.Fprintf(&b, `<%s%s t="s"><%s>%d</%s></%s>`, el("c"), ref, el("v"), i, el("v"), el("c"))
					} else {
						fmt.Fprintf(&b, `<%s%s t="inlineStr"><%s><%s xml:space="preserve">%s</%s></%s></%s>`, el("c"), ref, el("is"), el("t"), v, el("t"), el("is"), el("c"))
					}
				case 'n':
					fmt.Fprintf(&b, `<%s%s><%s>%s</%s></%s>`, el("c"), ref, el("v"), v, el("v"), el("c"))
				case 'd':
					fmt.Fprintf(&b, `<%s%s s="1"><%s>%s</%s></%s>`, el("c"), ref, el("v"), v, el("v"), el("c"))
				case 'p':
					fmt.Fprintf(&b, `<%s%s s="2"><%s>%s</%s></%s>`, el("c"), ref, el("v"), v, el("v"), el("c"))
				case 'y':
					fmt.Fprintf(&b, `<%s%s s="3"><%s>%s</%s></%s>`, el("c"), ref, el("v"), v, el("v"), el("c"))
				case 'i':
					fmt.Fprintf(&b, `<%s%s t="d"><%s>%s</%s></%s>`, el("c"), ref, el("v"), v, el("v"), el("c"))
				case 'b':
					fmt.Fprintf(&b, `<%s%s t="b"><%s>%s</%s></%s>`, el("c"), ref, el("v"), v, el("v"), el("c"))
				case 'e':
					fmt.Fprintf(&b, `<%s%s t="e"><%s>%s</%s></%s>`, el("c"), ref, el("v"), v, el("v"), el("c"))
				}
			}
			fmt.Fprintf(&b, `</%s>`, el("row"))
		}
		fmt.Fprintf(&b, `</%s></%s>`, el("sheetData"), el("worksheet"))
		sheetXML[si] = b.String()
	}

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	put := func(name, body string) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store, Modified: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			panic(err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			panic(err)
		}
	}
	var ct strings.Builder
	ct.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n")
	ct.WriteString(`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">`)
	ct.WriteString(`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>`)
	ct.WriteString(`<Default Extension="xml" ContentType="application/xml"/>`)
	ct.WriteString(`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>`)
	ct.WriteString(`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>`)
	if o.sharedStrings {
		ct.WriteString(`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>`)
	}
	for i := range sheets {
		fmt.Fprintf(&ct, `<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`, i+1)
	}
	ct.WriteString(`</Types>`)
	put("[Content_Types].xml", ct.String())
	put("_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+"\n"+
		`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`+
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>`+
		`</Relationships>`)
	var wb, rels strings.Builder
	wb.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n")
	wb.WriteString(`<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">`)
	if o.date1904 {
		wb.WriteString(`<workbookPr date1904="1"/>`)
	}
	wb.WriteString(`<sheets>`)
	rels.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n")
	rels.WriteString(`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`)
	for i, sh := range sheets {
		state := ""
		if sh.hidden {
			state = ` state="hidden"`
		}
		fmt.Fprintf(&wb, `<sheet name="%s" sheetId="%d"%s r:id="rId%d"/>`, html.EscapeString(sh.name), i+1, state, i+1)
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet%d.xml"/>`, i+1, i+1)
	}
	wb.WriteString(`</sheets></workbook>`)
	n := len(sheets)
	fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>`, n+1)
	if o.sharedStrings {
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>`, n+2)
	}
	rels.WriteString(`</Relationships>`)
	put("xl/workbook.xml", wb.String())
	put("xl/_rels/workbook.xml.rels", rels.String())
	// Styles: 0 General, 1 the built-in short date (14), 2 percent with two
	// decimals (10), 3 a custom Chinese date format.
	put("xl/styles.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+"\n"+
		`<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`+
		`<numFmts count="1"><numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></numFmts>`+
		`<fonts count="1"><font><sz val="11"/><name val="宋体"/></font></fonts>`+
		`<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>`+
		`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>`+
		`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>`+
		`<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>`+
		`<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>`+
		`<xf numFmtId="10" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>`+
		`<xf numFmtId="176" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>`+
		`<cellStyles count="1"><cellStyle name="常规" xfId="0" builtinId="0"/></cellStyles>`+
		`</styleSheet>`)
	if o.sharedStrings {
		var s strings.Builder
		s.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n")
		fmt.Fprintf(&s, `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">`, len(sst), len(sst))
		for _, str := range sst {
			fmt.Fprintf(&s, `<si><t xml:space="preserve">%s</t></si>`, html.EscapeString(str))
		}
		s.WriteString(`</sst>`)
		put("xl/sharedStrings.xml", s.String())
	}
	for i := range sheets {
		put(fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1), sheetXML[i])
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// colName is the letters of a zero-based column.
func colName(i int) string {
	s := ""
	for i++; i > 0; i = (i - 1) / 26 {
		s = string(rune('A'+(i-1)%26)) + s
	}
	return s
}
