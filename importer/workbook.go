package importer

import (
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// Workbook returns an .xlsx workbook of a kind as finance staff fill it in
// Excel: one sheet named as DOMAIN.md §9 names it (SheetName), the header
// row of Headers in bold, every column formatted as text so that Excel
// keeps the digits of ID and account numbers, then rows, each a list of
// cells in header order; tests and tools write their sheets with it (the
// template staff download, with an example row, notes and dropdowns, is
// Template). It refuses an unknown kind (not_found).
func Workbook(kind string, rows [][]string) ([]byte, error) {
	hs := Headers(kind)
	if hs == nil {
		return nil, ledger.Errorf(ledger.CodeNotFound, "没有这种导入类型：%s", kind)
	}
	f := excelize.NewFile()
	defer f.Close()
	sheet := SheetName(kind)
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49}) // "@": text
	if err != nil {
		return nil, err
	}
	bold, err := f.NewStyle(&excelize.Style{NumFmt: 49, Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return nil, err
	}
	// A stream writer takes column settings before the first row.
	for i, h := range hs {
		if err := sw.SetColWidth(i+1, i+1, float64(max(12, 2*len([]rune(h))+4))); err != nil {
			return nil, err
		}
	}
	if err := sw.SetColStyle(1, len(hs), text); err != nil {
		return nil, err
	}
	if err := sw.SetRow("A1", cells(hs), excelize.RowOpts{StyleID: bold}); err != nil {
		return nil, err
	}
	for i, r := range rows {
		if err := sw.SetRow("A"+strconv.Itoa(i+2), cells(r), excelize.RowOpts{StyleID: text}); err != nil {
			return nil, err
		}
	}
	if err := sw.Flush(); err != nil {
		return nil, err
	}
	b, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func cells(r []string) []any {
	out := make([]any, len(r))
	for i, v := range r {
		out[i] = v
	}
	return out
}
