package disclosure

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// Downloads of a published notice's rows (可检索、可核查、可利用): the stored
// content as the web copy shows it (masked), each row with its seq, and
// the notice's number and printed checkpoint, so that the file can be
// checked against the public proofs like the paper.

// ExportRow is one row of a download or of the public feed: its cells,
// its seq (-1: an aggregate row) and the RFC 6962 leaf hash of its entry
// (standard base64; empty for an aggregate row).
type ExportRow struct {
	Cells    []string `json:"cells"`
	Seq      int64    `json:"seq"`
	LeafHash string   `json:"leaf_hash,omitempty"`
}

// ExportRows are a stored notice's rows with their leaf hashes.
func ExportRows(st Stored) []ExportRow {
	leaf := map[int64]string{}
	for _, r := range st.Rows {
		leaf[r.Seq] = r.LeafHash
	}
	out := make([]ExportRow, len(st.Content.Rows))
	for i, r := range st.Content.Rows {
		out[i] = ExportRow{Cells: r.Cells, Seq: r.Seq}
		if r.Seq >= 0 {
			out[i].LeafHash = leaf[r.Seq]
		}
	}
	return out
}

// exportTable is the header and rows a download holds: the columns and 账本序号,
// then 叶哈希; the totals row last.
func exportTable(st Stored) [][]string {
	c := st.Content
	head := []string{}
	for _, col := range c.Columns {
		head = append(head, col.Title)
	}
	head = append(head, "账本序号", "叶哈希（RFC 6962，base64）")
	out := [][]string{head}
	for _, r := range ExportRows(st) {
		row := append([]string{}, r.Cells...)
		seq := ""
		if r.Seq >= 0 {
			seq = strconv.FormatInt(r.Seq, 10)
		}
		out = append(out, append(row, seq, r.LeafHash))
	}
	if c.Totals != nil {
		out = append(out, append(append([]string{}, c.Totals...), "", ""))
	}
	return out
}

// exportFacts are the notice's facts a download ends with.
func exportFacts(n ledger.Notice, st Stored) [][]string {
	return [][]string{{"公告编号", n.Code}, {"文号", n.Number}, {"标题", st.Content.Title}, {"类型", n.Type},
		{"发布单位", st.Content.Unit}, {"发布日期", n.PublishedOn}, {"公示截止日期", n.EndsOn},
		{"检查点大小", strconv.FormatInt(n.CheckpointSize, 10)}, {"账本检查点", st.Checkpoint}, {"核验网址", st.VerifyURL}}
}

// RowsCSV is a published notice's rows as CSV, UTF-8 with a byte-order
// mark (so that Excel opens it as UTF-8): the table (each row with its seq
// and leaf hash, the totals last), a blank line, then the notice's facts
// (code, number, title, dates, the checkpoint it was published under and
// the verify URL), one per line.
func RowsCSV(n ledger.Notice, st Stored) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("\ufeff")
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	if err := w.WriteAll(exportTable(st)); err != nil {
		return nil, err
	}
	if err := w.Write(nil); err != nil {
		return nil, err
	}
	if err := w.WriteAll(exportFacts(n, st)); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// RowsXLSX is a published notice's rows as an .xlsx workbook: sheet 明细
// holds the table as RowsCSV does (every cell text), sheet 公告信息 the
// notice's facts with its checkpoint.
func RowsXLSX(n ledger.Notice, st Stored) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "明细"); err != nil {
		return nil, err
	}
	if _, err := f.NewSheet("公告信息"); err != nil {
		return nil, err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49})
	if err != nil {
		return nil, err
	}
	put := func(sheet string, rows [][]string) error {
		for i, r := range rows {
			for j, v := range r {
				cell, err := excelize.CoordinatesToCellName(j+1, i+1)
				if err != nil {
					return err
				}
				if err := f.SetCellStr(sheet, cell, v); err != nil {
					return err
				}
				if err := f.SetCellStyle(sheet, cell, cell, text); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := put("明细", exportTable(st)); err != nil {
		return nil, err
	}
	if err := put("公告信息", exportFacts(n, st)); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if _, err := f.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	return b.Bytes(), nil
}
