package importer

import (
	"fmt"
	"testing"
)

// TestReaderEdgeCases feeds the reader SpreadsheetML written by hand: no
// relationships part, rich text with a phonetic run, CDATA, entities and
// _xHHHH_ escapes, a formula's cached string, cells out of order and
// repeated, comments, ISO date, boolean and error cells.
func TestReaderEdgeCases(t *testing.T) {
	serial := excelSerial(2026, 3, 1)
	data := zipOf(map[string]string{
		"xl/workbook.xml": `<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="还款" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/sharedStrings.xml": `<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
			`<si><r><t>贷款</t></r><r><rPr><b/></rPr><t>合同号</t></r><rPh sb="0" eb="2"><t>ダイカン</t></rPh></si>` +
			`<si><t><![CDATA[DK-1]]></t></si>` +
			`<si><t xml:space="preserve">A&amp;B_x000D_</t></si><si/></sst>`,
		"xl/worksheets/sheet1.xml": `<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:C4"/><sheetData>` +
			`<row r="1" spans="1:3"><c r="C1" t="inlineStr"><is><t>金额(元)</t></is></c><c r="A1" t="s"><v>0</v></c><c r="B1" t="str"><f>"还款"&amp;"日期"</f><v>还款日期</v></c></row>` +
			`<row r="2"><c r="A2" t="s"><v>1</v></c><!-- a comment <c r="A2"/> --><c r="A2" t="inlineStr"><is><t>DK-2</t></is></c>` +
			fmt.Sprintf(`<c r="B2" s="0"><v>%d</v></c><c r="C2"><v>1.5E3</v></c></row>`, serial) +
			`<row r="3"><c r="A3" t="s"><v>2</v></c><c r="B3" t="d"><v>2026-03-02T00:00:00</v></c><c r="C3" t="inlineStr"><is><t>1&#44;000</t></is></c></row>` +
			`<row r="4"><c r="A4" t="e"><v>#N/A</v></c><c r="B4" t="b"><v>1</v></c><c r="C4" t="inlineStr"><is><t>  </t></is></c><c r="D4" t="s"><v>3</v></c></row>` +
			`</sheetData><pageMargins left="0.7"/></worksheet>`,
	})
	p := mustParse(t, "repayments", "r.xlsx", data, Options{})
	if len(p.Repayments) != 3 {
		t.Fatalf("%+v", p)
	}
	if x := p.Repayments[0]; x.ContractNo != "DK-2" || x.RepaidOn != date(2026, 3, 1) || x.Amount != 150000 {
		t.Errorf("row 2: %+v", x)
	}
	if x := p.Repayments[1]; x.ContractNo != "A&B" || x.RepaidOn != date(2026, 3, 2) || x.Amount != 100000 {
		t.Errorf("row 3: %+v", x)
	}
	wantError(t, p, 4, "贷款合同号", "", "#N/A")
	wantError(t, p, 4, "还款日期", "", "逻辑值")
	wantError(t, p, 4, "金额(元)", "", msgRequired)
	if len(p.Errors) != 3 {
		t.Errorf("errors %+v", p.Errors)
	}
}

func TestClassifyNumFmt(t *testing.T) {
	custom := map[int]string{
		164: `yyyy"年"m"月"d"日"`, 165: `0.00%`, 166: `"Date: "0`, 167: `[Red]0.00`, 168: `[$-F800]dddd, mmmm dd, yyyy`,
		169: `0.00E+00`, 170: `#,##0.00_);[Red](#,##0.00)`, 171: `yyyy/m/d h:mm`, 172: `\d0`, 173: `@`,
	}
	want := map[int]numFmtClass{
		0: fmtGeneral, 2: fmtGeneral, 9: fmtPercent, 10: fmtPercent, 14: fmtDate, 22: fmtDate, 31: fmtDate, 57: fmtDate, 49: fmtGeneral,
		164: fmtDate, 165: fmtPercent, 166: fmtGeneral, 167: fmtGeneral, 168: fmtDate, 169: fmtGeneral, 170: fmtGeneral,
		171: fmtDate, 172: fmtGeneral, 173: fmtGeneral, 999: fmtGeneral,
	}
	for id, w := range want {
		if got := classifyNumFmt(id, custom); got != w {
			t.Errorf("numFmt %d %q: %v, want %v", id, custom[id], got, w)
		}
	}
}

func TestColOfRef(t *testing.T) {
	for ref, want := range map[string]int{"A1": 0, "Z9": 25, "AA10": 26, "IV2": 255, "XFD1048576": 16383, "$B$3": -1, "1": -1, "": -1} {
		got, ok := colOfRef(ref)
		if !ok {
			got = -1
		}
		if got != want {
			t.Errorf("%q: %d, want %d", ref, got, want)
		}
	}
}
