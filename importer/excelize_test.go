package importer

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// The reader is checked against files excelize writes, and the test writer
// against excelize's reader: neither side is only tested against itself.

// TestReadsExcelizeFiles parses a workbook written by excelize: shared
// strings, number cells, a date-styled time.Time, a number-typed ID.
func TestReadsExcelizeFiles(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "发放明细"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		t.Fatal(err)
	}
	header := make([]any, len(payHeaders))
	for i, h := range payHeaders {
		header[i] = h
	}
	if err := f.SetSheetRow(sheet, "A1", &header); err != nil {
		t.Fatal(err)
	}
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		t.Fatal(err)
	}
	head := idn("19700101", 11)
	set := func(cell string, v any) {
		t.Helper()
		if err := f.SetCellValue(sheet, cell, v); err != nil {
			t.Fatal(err)
		}
	}
	for r, amount := range []any{1200.5, "1,200.00", 1200.123} {
		row := r + 2
		c := func(h string) string {
			name, _ := excelize.CoordinatesToCellName(indexOf(payHeaders, h)+1, row)
			return name
		}
		set(c("凭证号"), fmt.Sprintf("V%d", row))
		set(c("项目编号"), "XM1")
		set(c("指标文号"), "D1")
		set(c("付款类型"), "补助")
		set(c("收款人身份证号"), head)
		set(c("数量"), 3)
		set(c("金额(元)"), amount)
		set(c("所属期间"), "2026-03")
		set(c("支付日期"), time.Date(2026, 3, row, 0, 0, 0, 0, time.UTC))
		if err := f.SetCellStyle(sheet, c("支付日期"), c("支付日期"), dateStyle); err != nil {
			t.Fatal(err)
		}
	}
	// Row 4: the ID as a number.
	set("F4", 439901197001011000)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	p := mustParse(t, "payments", "x.xlsx", buf.Bytes(), Options{})
	if len(p.Payments) != 3 {
		t.Fatalf("%+v", p)
	}
	for i, x := range p.Payments {
		if x.PaidOn != date(2026, 3, i+2) || x.Quantity != 3 || x.Row != i+2 {
			t.Errorf("%+v", x)
		}
	}
	if p.Payments[0].Amount != 120050 || p.Payments[1].Amount != 120000 {
		t.Errorf("%+v", p.Payments)
	}
	wantError(t, p, 4, "金额(元)", "", "")
	wantError(t, p, 4, "收款人身份证号", ledger.CodeIDNumberNotText, msgIDNumberNotText)
	if len(p.Errors) != 2 {
		t.Errorf("errors %+v", p.Errors)
	}
}

// TestWriterReadByExcelize reads the committed fixtures with excelize: the
// values and cell types it sees are those the test writer meant.
func TestWriterReadByExcelize(t *testing.T) {
	for name := range fixtures {
		t.Run(name, func(t *testing.T) {
			f, err := excelize.OpenReader(bytes.NewReader(readFixture(t, name)))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if len(f.GetSheetList()) == 0 {
				t.Fatal("no sheets")
			}
		})
	}
	f, err := excelize.OpenReader(bytes.NewReader(readFixture(t, "payments_mixed.xlsx")))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("发放明细", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 8 || len(rows[4]) != 0 || rows[0][len(payHeaders)] != "备注" {
		t.Fatalf("rows %q", rows)
	}
	checks := []struct {
		cell string
		typ  excelize.CellType
		raw  string
	}{
		{"F2", excelize.CellTypeInlineString, idn("19800101", 1)},
		{"F4", excelize.CellTypeUnset, "439901198001011234"},
		{"L3", excelize.CellTypeUnset, "1200.5"},
		{"N3", excelize.CellTypeUnset, fmt.Sprint(excelSerial(2026, 3, 2))},
	}
	for _, c := range checks {
		typ, err := f.GetCellType("发放明细", c.cell)
		if err != nil || typ != c.typ {
			t.Errorf("%s: type %v %v, want %v", c.cell, typ, err, c.typ)
		}
		v, _ := f.GetCellValue("发放明细", c.cell, excelize.Options{RawCellValue: true})
		if v != c.raw {
			t.Errorf("%s: %q, want %q", c.cell, v, c.raw)
		}
	}
	// The date cell is formatted as a date.
	if v, _ := f.GetCellValue("发放明细", "N3"); v != "03-02-26" && v != "3/2/26" && v != "2026/3/2" {
		t.Logf("N3 formatted as %q", v)
	}
	style, _ := f.GetCellStyle("发放明细", "N3")
	st, err := f.GetStyle(style)
	if err != nil || st.NumFmt != 14 {
		t.Errorf("N3 style %+v %v", st, err)
	}
	// Shared strings and the hidden sheet.
	g, err := excelize.OpenReader(bytes.NewReader(readFixture(t, "persons_shared.xlsx")))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if v, _ := g.GetSheetVisible("代码表"); v {
		t.Error("代码表 should be hidden")
	}
	if v, _ := g.GetCellValue("花名册", "D3"); v != "张小" {
		t.Errorf("D3 = %q", v)
	}
	if typ, _ := g.GetCellType("花名册", "D3"); typ != excelize.CellTypeSharedString {
		t.Errorf("D3 type %v", typ)
	}
}
