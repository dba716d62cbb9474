package importer

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// DefaultMaxRows is the row limit when Options.MaxRows is 0.
const DefaultMaxRows = 100000

// Options tune Parse.
type Options struct {
	// CanDraw, when not nil, reports whether the notice font has a glyph
	// for r; names and other text printed on notices with a rune it cannot
	// draw are refused.
	CanDraw func(r rune) bool
	// MaxRows is the most data rows a sheet may have (0: DefaultMaxRows).
	MaxRows int
	// Aliases maps header spellings to a kind's column headers, besides
	// the kind's own defaults (the town's mapping of its bank's return
	// file: DefaultBankAliases holds the common ones).
	Aliases map[string]string
}

// Parsed is a sheet read into the ledger's import of its kind: Kind, Rows
// (the data rows read, blank rows skipped), Filename, FileSHA256 and the
// one row slice of Kind, ready for ledger.Service.Import. A row with bad
// cells is still in it (with those fields zero) so that callers can see
// every row, but callers must not write anything while Errors is not empty.
type Parsed struct {
	ledger.ImportInput

	// Errors holds every malformed cell of every row, in row order: Row is
	// the row number as Excel shows it, Field the column header, Message a
	// Chinese reason, Code set where a specific code applies
	// (id_number_not_text, invalid_id_number, invalid_uscc,
	// amount_too_precise …).
	Errors []ledger.FieldError
}

// Kinds returns the import kinds, in the order of DOMAIN.md §9.
func Kinds() []string {
	out := make([]string, len(specs))
	for i, s := range specs {
		out[i] = s.kind
	}
	return out
}

// Headers returns the column headers of a kind's sheet as DOMAIN.md §9
// names them, in its order: the header row of a template. It includes the
// optional columns (see Columns for which are required) and returns nil for
// an unknown kind.
func Headers(kind string) []string {
	s, ok := specOf(kind)
	if !ok {
		return nil
	}
	var out []string
	for _, c := range s.cols {
		if !c.Extra {
			out = append(out, c.Header)
		}
	}
	return out
}

// Columns returns every column Parse reads for a kind: those of Headers,
// then the extra ones it reads when present. It returns nil for an unknown
// kind.
func Columns(kind string) []Column {
	s, ok := specOf(kind)
	if !ok {
		return nil
	}
	return append([]Column(nil), s.cols...)
}

// SheetName returns the Chinese name of a kind's sheet (花名册, 发放明细 …),
// the worksheet Parse prefers in a workbook; "" for an unknown kind.
func SheetName(kind string) string {
	if s, ok := specOf(kind); ok {
		return s.sheet
	}
	return ""
}

// Parse reads an .xlsx or .csv file of the given kind.
//
// The format is told by the content where it is unambiguous (an .xlsx is a
// zip, "PK\x03\x04"; an old .xls is refused with a hint to save as .xlsx),
// else by the file name's extension; anything else is read as CSV.
//
// File-level problems return a *ledger.Error: CodeMalformedRequest for an
// unknown kind, an empty or unreadable file, or an .xls; CodeTooLarge for
// more than MaxRows data rows; CodeImportRowsInvalid for a sheet without a
// header or data rows, or without a required column (Fields names each
// missing column, with the header's row number). Cell-level problems never
// return an error: they are collected in Parsed.Errors, and parsing goes
// on so that every bad row is reported.
func Parse(kind, filename string, data []byte, opt Options) (*Parsed, error) {
	spec, ok := specOf(kind)
	if !ok {
		return nil, ledger.Errorf(ledger.CodeMalformedRequest, "未知的导入类型「%s」，应为：%s", kind, strings.Join(Kinds(), "、"))
	}
	maxRows := opt.MaxRows
	if maxRows <= 0 {
		maxRows = DefaultMaxRows
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, ledger.Errorf(ledger.CodeMalformedRequest, "上传的文件为空")
	}
	// Rows above the header (a title) are allowed: read a few more.
	limit := maxRows + headerSearch
	var (
		t   *table
		err error
	)
	switch formatOf(filename, data) {
	case formatXLSX:
		t, err = readWorkbook(data, spec, limit)
	case formatXLS:
		return nil, ledger.Errorf(ledger.CodeMalformedRequest, "不支持 Excel 97-2003 (.xls) 或加密的工作簿，请在 Excel 中另存为 .xlsx（Excel 工作簿）后再导入")
	case formatBadXLSX:
		return nil, ledger.Errorf(ledger.CodeMalformedRequest, "文件「%s」不是有效的 .xlsx 文件，请确认文件未损坏", filename)
	default:
		t, err = readCSV(data, limit)
	}
	if err != nil {
		return nil, readError(err, maxRows)
	}
	if len(opt.Aliases) > 0 && spec.aliases != nil {
		s := *spec
		s.aliases = make(map[string]string, len(spec.aliases)+len(opt.Aliases))
		for k, v := range spec.aliases {
			s.aliases[k] = v
		}
		for k, v := range opt.Aliases {
			if _, ok := spec.idx[v]; ok {
				s.aliases[normHeader(k)] = v
			}
		}
		spec = &s
	}
	p, err := parseTable(spec, t, opt, maxRows)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	p.Filename, p.FileSHA256 = filename, hex.EncodeToString(sum[:])
	return p, nil
}

// headerSearch is how many non-blank rows from the top may be a title
// above the header row.
const headerSearch = 5

type format int

const (
	formatCSV format = iota
	formatXLSX
	formatXLS
	formatBadXLSX
)

func formatOf(filename string, data []byte) format {
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return formatXLSX
	case bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}):
		return formatXLS // OLE2: .xls, .et, or an encrypted .xlsx
	}
	switch strings.ToLower(filepath.Ext(filename)) {
	case ".xlsx", ".xlsm", ".xltx", ".xltm":
		return formatBadXLSX
	case ".xls", ".et":
		return formatXLS
	}
	return formatCSV
}

// readError turns a reader's error into the *ledger.Error of Parse.
func readError(err error, maxRows int) error {
	switch {
	case errors.Is(err, errTooLarge):
		return ledger.Errorf(ledger.CodeTooLarge, "文件过大：最多 %d 行数据，请分批导入", maxRows)
	case errors.Is(err, errNoSheet):
		return ledger.Errorf(ledger.CodeMalformedRequest, "工作簿中没有工作表")
	case errors.Is(err, errCSVSyntax):
		return &ledger.Error{Code: ledger.CodeMalformedRequest, Detail: "CSV 文件格式错误：" + strings.TrimPrefix(err.Error(), errCSVSyntax.Error()+": "), Err: err}
	case errors.Is(err, errNotText):
		return &ledger.Error{Code: ledger.CodeMalformedRequest, Detail: "无法识别的文件格式，请上传 .xlsx 或 .csv 文件", Err: err}
	}
	return &ledger.Error{Code: ledger.CodeMalformedRequest, Detail: "无法读取该 Excel 文件：文件已损坏或不是 .xlsx 工作簿", Err: err}
}

var errNoSheet = errors.New("no worksheet")

// readWorkbook reads the worksheet of a kind: the one named by the kind's
// Chinese name (花名册, 发放明细 …) if there is one, else the first visible
// worksheet.
func readWorkbook(data []byte, spec *sheetSpec, limit int) (t *table, err error) {
	defer func() {
		// The reader is written not to panic on any input; this is the
		// last line, so that a bad upload is a 400 and never a crash.
		if p := recover(); p != nil {
			t, err = nil, fmt.Errorf("%w: %v", errMalformedSheet, p)
		}
	}()
	x, sheets, parts, err := openXLSX(data)
	if err != nil {
		return nil, err
	}
	if len(sheets) == 0 {
		return nil, errNoSheet
	}
	pick := -1
	for i, s := range sheets {
		if s.name == spec.sheet {
			pick = i
			break
		}
	}
	if pick < 0 {
		for i, s := range sheets {
			if !s.hidden {
				pick = i
				break
			}
		}
	}
	if pick < 0 {
		pick = 0
	}
	sst, err := readSST(x, parts.sst)
	if err != nil {
		return nil, err
	}
	styles := readStyles(x, parts.styles)
	t, err = readSheet(x, sheets[pick].part, sst, styles, limit)
	if t != nil {
		t.date1904 = parts.date1904
	}
	return t, err
}

// normHeader is how a header cell is compared with a column name: spaces
// anywhere removed, full-width brackets folded ("金额（元）" is 金额(元)),
// and a leading or trailing '*' (a template's "required" mark) dropped.
func normHeader(s string) string {
	s = narrow(s)
	s = strings.Map(func(r rune) rune {
		if isTrimmable(r) {
			return -1
		}
		return r
	}, s)
	return strings.Trim(s, "*")
}

// header returns the column a header cell names: its normalised text, or
// the column it is an alias of.
func (s *sheetSpec) header(v string) string {
	h := normHeader(v)
	if _, own := s.idx[h]; !own {
		if a, ok := s.aliases[h]; ok {
			return a
		}
	}
	return h
}

// findHeader picks the header row among the first rows: the first that has
// every required column, else the one that has the most (for the error).
func findHeader(spec *sheetSpec, t *table) (at int, cols map[string]int) {
	best, bestScore := -1, -1
	var bestCols map[string]int
	for i := 0; i < len(t.rows) && i < headerSearch; i++ {
		m := map[string]int{}
		for _, c := range t.rows[i].cells {
			h := spec.header(c.val)
			if _, dup := m[h]; !dup {
				m[h] = c.col
			}
		}
		score, need := 0, 0
		for _, c := range spec.cols {
			if c.Required {
				need++
				if _, ok := m[c.Header]; ok {
					score++
				}
			}
		}
		if score == need {
			return i, m
		}
		if score > bestScore {
			best, bestScore, bestCols = i, score, m
		}
	}
	return best, bestCols
}

// parseTable maps a table's columns onto a spec and reads every data row.
func parseTable(spec *sheetSpec, t *table, opt Options, maxRows int) (*Parsed, error) {
	if len(t.rows) == 0 {
		return nil, ledger.Errorf(ledger.CodeImportRowsInvalid, "工作表为空：第1行应为表头（%s）", strings.Join(Headers(spec.kind), "、"))
	}
	at, found := findHeader(spec, t)
	header := t.rows[at]
	var missing []ledger.FieldError
	for _, c := range spec.cols {
		if _, ok := found[c.Header]; c.Required && !ok {
			missing = append(missing, ledger.FieldError{Row: header.num, Field: c.Header, Message: fmt.Sprintf("缺少必填列「%s」", c.Header)})
		}
	}
	if len(missing) > 0 {
		names := make([]string, len(missing))
		for i, m := range missing {
			names[i] = m.Field
		}
		detail := fmt.Sprintf("表头缺少必填列：%s（表头应在第1行，列名须与模板一致）", strings.Join(names, "、"))
		if other := guessKind(t); other != "" && other != spec.kind {
			detail += fmt.Sprintf("；该表看起来是「%s」表", SheetName(other))
		}
		return nil, &ledger.Error{Code: ledger.CodeImportRowsInvalid, Detail: detail, Fields: missing}
	}
	// A column named twice is ambiguous.
	seen := map[string]int{}
	var dups []ledger.FieldError
	for _, c := range header.cells {
		h := spec.header(c.val)
		if _, ok := spec.idx[h]; !ok {
			continue
		}
		if seen[h]++; seen[h] == 2 {
			dups = append(dups, ledger.FieldError{Row: header.num, Field: h, Message: fmt.Sprintf("列「%s」出现了不止一次", h)})
		}
	}
	if len(dups) > 0 {
		return nil, &ledger.Error{Code: ledger.CodeImportRowsInvalid, Detail: "表头有重复的列", Fields: dups}
	}
	data := t.rows[at+1:]
	if len(data) == 0 {
		return nil, ledger.Errorf(ledger.CodeImportRowsInvalid, "没有数据行：表头之下为空")
	}
	if len(data) > maxRows {
		return nil, ledger.Errorf(ledger.CodeTooLarge, "数据超过上限（最多 %d 行），请分批导入", maxRows)
	}
	// Sheet column → spec column.
	slot := make([]int, maxColumns)
	for i := range slot {
		slot[i] = -1
	}
	for i, c := range spec.cols {
		if sc, ok := found[c.Header]; ok && sc < maxColumns {
			slot[sc] = i
		}
	}
	p := &Parsed{ImportInput: ledger.ImportInput{Kind: spec.kind, Rows: len(data)}}
	r := &rowReader{spec: spec, opt: &opt, vals: make([]cell, len(spec.cols)), date1904: t.date1904}
	var uniq map[string]int
	if spec.unique != "" {
		uniq = make(map[string]int, len(data))
	}
	for _, row := range data {
		clear(r.vals)
		for _, c := range row.cells {
			if i := slot[c.col]; i >= 0 {
				r.vals[i] = c
			}
		}
		r.row = row.num
		// A bidi override or zero-width character makes a cell read on a
		// notice differently from what is stored: refused in every cell.
		for i, c := range r.vals {
			if ch, bad := ledger.InvisibleRune(trimText(c.val)); bad { // around the text they are trimmed
				r.fail(spec.cols[i].Header, ledger.CodeValidationFailed, "含有不可见的格式字符（U+%04X，如双向文字控制符或零宽字符），可能使内容显示得与实际不同，请删除后重新导入", ch)
			}
		}
		if isExample(spec, r.vals) {
			r.fail(spec.cols[0].Header, ledger.CodeValidationFailed, "%s", msgExampleRow)
			continue
		}
		spec.row(r, p)
		if uniq != nil {
			if c, ok := r.cell(spec.unique); ok {
				key := strings.ToUpper(cleanCode(c.val))
				if first, dup := uniq[key]; dup {
					r.fail(spec.unique, "", "与第%d行重复", first)
				} else {
					uniq[key] = row.num
				}
			}
		}
	}
	p.Errors = r.errs
	return p, nil
}

// guessKind names the kind whose required columns a table's first rows
// hold, if any: to tell a clerk who uploaded the wrong sheet.
func guessKind(t *table) string {
	for _, s := range specs {
		if at, cols := findHeader(s, t); at >= 0 {
			all := true
			for _, c := range s.cols {
				if _, ok := cols[c.Header]; c.Required && !ok {
					all = false
					break
				}
			}
			if all {
				return s.kind
			}
		}
	}
	return ""
}
