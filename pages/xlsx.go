package pages

import (
	"bytes"
	"fmt"

	"github.com/xuri/excelize/v2"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// A staff list's download: one sheet, a header row and the rows as the page
// shows them (the same masking), amounts as numbers in 元 so that Excel can
// sum them, everything else as text (ID-like numbers keep their zeros).

// Sheet is a table to download.
type Sheet struct {
	Name    string   // the sheet's (and the file's) Chinese name
	Head    []string // column titles
	Rows    [][]any  // cells: string, ledger.Fen (元, two decimals), int or int64
	Filters string   // the filters applied, in words, written above the table
}

// XLSX writes the sheet as an .xlsx workbook with a streaming writer (a
// list of 100,000 payments stays a few MB of memory).
func (s Sheet) XLSX() ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", s.Name); err != nil {
		return nil, err
	}
	money, err := f.NewStyle(&excelize.Style{NumFmt: 4}) // #,##0.00
	if err != nil {
		return nil, err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(s.Name)
	if err != nil {
		return nil, err
	}
	row := 1
	put := func(cells []any) error {
		cell, err := excelize.CoordinatesToCellName(1, row)
		if err != nil {
			return err
		}
		row++
		return sw.SetRow(cell, cells)
	}
	if s.Filters != "" {
		if err := put([]any{s.Filters}); err != nil {
			return nil, err
		}
	}
	head := make([]any, len(s.Head))
	for i, h := range s.Head {
		head[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	if err := put(head); err != nil {
		return nil, err
	}
	for _, r := range s.Rows {
		cells := make([]any, len(r))
		for i, v := range r {
			switch v := v.(type) {
			case ledger.Fen:
				cells[i] = excelize.Cell{StyleID: money, Value: float64(v) / 100}
			default:
				cells[i] = v
			}
		}
		if err := put(cells); err != nil {
			return nil, err
		}
	}
	if err := sw.Flush(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if _, err := f.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	return b.Bytes(), nil
}
