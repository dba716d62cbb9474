package importer

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// Messages shown to clerks. The two "not text" messages are fixed by
// DOMAIN.md §9: keep them word for word.
const (
	msgRequired          = "必填项为空"
	msgIDNumberNotText   = "身份证号单元格为数字格式，末几位已丢失，请设置为文本格式"
	msgAccountNotText    = "账号单元格为数字格式，末几位已丢失，请设置为文本格式"
	msgUSCCNotText       = "统一社会信用代码单元格为数字格式，末几位已丢失，请设置为文本格式"
	msgNumberMangled     = "单元格为数字格式，Excel 已将其改写为「%s」，请设置为文本格式后重新填写"
	msgErrorCell         = "单元格为错误值「%s」，请修正公式或填写数值"
	msgLostCharacter     = "含有问号（?），可能是生僻字在转换编码时丢失，请核对"
	msgReplacementChar   = "含有乱码字符（�），可能是生僻字在转换编码时丢失，请核对"
	msgCannotDraw        = "「%c」字无法在公告中显示，请核对"
	msgCannotDrawUnknown = "「U+%04X」字符无法在公告中显示，请核对"
)

// trimText trims the spaces people leave around cells: ASCII and Unicode
// white space (the full-width U+3000, the no-break U+00A0), and the
// zero-width characters a copy from a web page brings along.
func trimText(s string) string {
	return strings.TrimFunc(s, isTrimmable)
}

func isTrimmable(r rune) bool {
	return unicode.IsSpace(r) || r == '\u200b' || r == '\u200c' || r == '\u200d' || r == '\u2060' || r == '\ufeff'
}

// rowReader reads the cells of one data row of a sheet by column header and
// collects what is wrong with them. Its methods never fail: a bad cell adds
// a FieldError and yields the zero value.
type rowReader struct {
	spec *sheetSpec
	opt  *Options
	row  int    // the Excel row number
	vals []cell // by the spec's column index; the zero cell when blank or absent
	errs []ledger.FieldError
	// date1904: serial dates count from 1904-01-01 (see table).
	date1904 bool
}

// cell returns the trimmed cell of column h and whether it is not blank.
func (r *rowReader) cell(h string) (cell, bool) {
	i := r.spec.index(h)
	c := r.vals[i]
	if c.kind == cellText {
		c.val = trimText(c.val)
	}
	return c, c.val != ""
}

// present reports whether the row fills column h.
func (r *rowReader) present(h string) bool {
	_, ok := r.cell(h)
	return ok
}

// get returns the cell of column h; when it is blank and the column's cells
// are required (Column.CellRequired), it reports "必填项为空".
func (r *rowReader) get(h string) (cell, bool) {
	c, ok := r.cell(h)
	if !ok && r.spec.cols[r.spec.index(h)].CellRequired {
		r.fail(h, "", msgRequired)
	}
	return c, ok
}

func (r *rowReader) fail(h string, code ledger.Code, format string, args ...any) {
	msg := format
	if len(args) > 0 {
		for i, a := range args {
			if v, ok := a.(string); ok {
				args[i] = Clip(v, MaxEchoed)
			}
		}
		msg = fmt.Sprintf(format, args...)
	}
	msg = Clip(msg, MaxMessage)
	r.errs = append(r.errs, ledger.FieldError{Row: r.row, Field: h, Message: msg, Code: code})
}

// failErr reports an error from the ledger's parsers: its Chinese detail,
// and its code unless the code is the generic validation_failed.
func (r *rowReader) failErr(h string, err error) {
	var e *ledger.Error
	if errors.As(err, &e) {
		code := e.Code
		if code == ledger.CodeValidationFailed || code == ledger.CodeMalformedRequest {
			code = ""
		}
		r.fail(h, code, "%s", e.Detail)
		return
	}
	r.fail(h, "", "%s", "格式不正确")
}

// nonText reports a cell that holds an error value or a boolean where text
// or a number was expected, and returns true for it.
func (r *rowReader) nonText(h string, c cell, what string) bool {
	switch c.kind {
	case cellError:
		r.fail(h, "", msgErrorCell, c.val)
		return true
	case cellBool:
		r.fail(h, "", "应填写%s，不能是逻辑值", what)
		return true
	}
	return false
}

// ---- text ----

// textMode says what else a text column is checked for.
type textMode uint8

const (
	plainText textMode = iota // printed text: refused when it has a character the notice font cannot draw or U+FFFD
	nameText                  // a name or title: also refused with '?' or '？' (a character lost to GBK)
)

// text returns the trimmed text of column h as typed. A number cell gives
// its value as Excel stores it, unless Excel has turned it into scientific
// notation (digits lost).
func (r *rowReader) text(h string, mode textMode) string {
	c, ok := r.get(h)
	if !ok {
		return ""
	}
	switch c.kind {
	case cellError:
		r.nonText(h, c, "文字")
		return ""
	case cellBool:
		if c.val == "1" {
			c.val = "TRUE"
		} else {
			c.val = "FALSE"
		}
	case cellNumber:
		if isScientific(c.val) {
			r.fail(h, "", msgNumberMangled, c.val)
			return ""
		}
	}
	if !r.checkText(h, c.val, mode) {
		return ""
	}
	return c.val
}

// checkText refuses text that lost characters to an encoding (U+FFFD, and
// for names '?') or that the notice font cannot draw.
func (r *rowReader) checkText(h, s string, mode textMode) bool {
	if strings.ContainsRune(s, '\uFFFD') {
		r.fail(h, "", msgReplacementChar)
		return false
	}
	if mode == nameText && strings.ContainsAny(s, "?？") {
		r.fail(h, "", msgLostCharacter)
		return false
	}
	return r.drawable(h, s)
}

// drawable checks every rune of s against Options.CanDraw (spaces and
// control characters are not drawn and not checked).
func (r *rowReader) drawable(h, s string) bool {
	if r.opt.CanDraw == nil {
		return true
	}
	for _, ch := range s {
		if unicode.IsSpace(ch) || unicode.IsControl(ch) {
			continue
		}
		if !r.opt.CanDraw(ch) {
			if unicode.IsGraphic(ch) && !unicode.Is(unicode.Co, ch) {
				r.fail(h, "", msgCannotDraw, ch)
			} else {
				r.fail(h, "", msgCannotDrawUnknown, ch)
			}
			return false
		}
	}
	return true
}

// personName returns a person's name checked by ledger.CheckPersonName and
// against the notice font.
func (r *rowReader) personName(h string) string {
	c, ok := r.get(h)
	if !ok || r.nonText(h, c, "姓名") {
		return ""
	}
	if c.kind == cellNumber {
		r.fail(h, "", "姓名不能是数字")
		return ""
	}
	name, err := ledger.CheckPersonName(c.val)
	if err != nil {
		r.failErr(h, err)
		return ""
	}
	if !r.checkText(h, name, nameText) {
		return ""
	}
	return name
}

// choice returns the text of column h, which must be one of allowed.
func (r *rowReader) choice(h string, allowed []string) string {
	c, ok := r.get(h)
	if !ok {
		return ""
	}
	for _, a := range allowed {
		if c.val == a {
			return a
		}
	}
	r.fail(h, "", "「%s」不是有效的%s，应为：%s", c.val, h, strings.Join(allowed, "、"))
	return ""
}

// ---- identifiers ----

// narrow folds full-width digits, letters and punctuation to ASCII.
func narrow(s string) string {
	for _, ch := range s {
		if ch >= 0x3000 {
			return width.Narrow.String(s)
		}
	}
	return s
}

// isScientific reports a number in E notation: what Excel shows for a long
// number, and what a CSV file saved from such a sheet holds.
func isScientific(s string) bool {
	i := strings.IndexAny(s, "Ee")
	if i <= 0 || i == len(s)-1 {
		return false
	}
	if _, err := strconv.ParseFloat(s, 64); err != nil {
		return false
	}
	return true
}

// cleanCode prepares typed identifiers: full-width folded to ASCII, a
// leading apostrophe (Excel's "text" prefix, when it reaches the file)
// dropped.
func cleanCode(s string) string {
	s = narrow(s)
	s = strings.TrimPrefix(s, "'")
	s = strings.TrimPrefix(s, "’")
	return trimText(s)
}

// idNumber returns an 18-character ID number checked by
// ledger.ParseIDNumber. A number cell is refused: Excel keeps 15 digits.
func (r *rowReader) idNumber(h string) string {
	c, ok := r.get(h)
	if !ok {
		return ""
	}
	if c.kind == cellNumber {
		r.fail(h, ledger.CodeIDNumberNotText, msgIDNumberNotText)
		return ""
	}
	if r.nonText(h, c, "身份证号") {
		return ""
	}
	s := cleanCode(c.val)
	if isScientific(s) {
		r.fail(h, ledger.CodeIDNumberNotText, msgIDNumberNotText)
		return ""
	}
	id, err := ledger.ParseIDNumber(s)
	if err != nil {
		if ledger.ErrorCode(err) == ledger.CodeInvalidIDNumber {
			r.failErr(h, err)
		} else {
			var e *ledger.Error
			errors.As(err, &e)
			r.fail(h, ledger.CodeInvalidIDNumber, "%s", detailOr(e, "身份证号不正确"))
		}
		return ""
	}
	return id
}

func detailOr(e *ledger.Error, def string) string {
	if e != nil && e.Detail != "" {
		return e.Detail
	}
	return def
}

// account returns a bank or 一卡通 account number: digits only (spaces and
// hyphens removed), 6 to 32 of them. A number cell is refused.
func (r *rowReader) account(h string) string {
	c, ok := r.get(h)
	if !ok {
		return ""
	}
	if c.kind == cellNumber {
		r.fail(h, ledger.CodeIDNumberNotText, msgAccountNotText)
		return ""
	}
	if r.nonText(h, c, "账号") {
		return ""
	}
	s := cleanCode(c.val)
	if isScientific(s) {
		r.fail(h, ledger.CodeIDNumberNotText, msgAccountNotText)
		return ""
	}
	s = strings.Map(func(ch rune) rune {
		if ch == ' ' || ch == '-' || ch == '\t' || ch == '\u00a0' {
			return -1
		}
		return ch
	}, s)
	if len(s) < 6 || len(s) > 32 || strings.IndexFunc(s, func(ch rune) bool { return ch < '0' || ch > '9' }) >= 0 {
		r.fail(h, "", "账号不正确：应为 6 至 32 位数字")
		return ""
	}
	return s
}

// uscc returns an 18-character 统一社会信用代码 checked by ledger.ParseUSCC.
func (r *rowReader) uscc(h string) string {
	c, ok := r.get(h)
	if !ok {
		return ""
	}
	if c.kind == cellNumber {
		r.fail(h, ledger.CodeIDNumberNotText, msgUSCCNotText)
		return ""
	}
	if r.nonText(h, c, "统一社会信用代码") {
		return ""
	}
	code, err := ledger.ParseUSCC(cleanCode(c.val))
	if err != nil {
		if ledger.ErrorCode(err) == ledger.CodeInvalidUSCC {
			r.failErr(h, err)
		} else {
			var e *ledger.Error
			errors.As(err, &e)
			r.fail(h, ledger.CodeInvalidUSCC, "%s", detailOr(e, "统一社会信用代码不正确"))
		}
		return ""
	}
	return code
}

// ---- numbers ----

// number parses the stored value of a number cell.
func number(c cell) (float64, bool) {
	f, err := strconv.ParseFloat(c.val, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// amount returns an amount in fen: text as ledger.ParseYuanCell reads it
// ("1200", "1,200.00", "¥1200", "1200元"), a number cell through
// ledger.FenFromFloat (rounded to the fen when within 1e-6 of one).
func (r *rowReader) amount(h string) ledger.Fen {
	c, ok := r.get(h)
	if !ok || r.nonText(h, c, "金额") {
		return 0
	}
	switch c.kind {
	case cellNumber:
		f, ok := number(c)
		if !ok {
			r.fail(h, "", "金额「%s」不是数字", c.val)
			return 0
		}
		fen, err := ledger.FenFromFloat(f)
		if err != nil {
			r.failErr(h, err)
			return 0
		}
		return fen
	case cellISODate:
		r.fail(h, "", "金额单元格为日期格式，请填写金额")
		return 0
	}
	fen, err := ledger.ParseYuanCell(narrow(c.val))
	if err != nil {
		r.failErr(h, err)
		return 0
	}
	return fen
}

// integer returns a whole number in [lo, hi]: a number cell, or text with an
// optional unit ("36个月", "2026年", "2026年度", "12户").
func (r *rowReader) integer(h string, lo, hi int64) (int64, bool) {
	c, ok := r.get(h)
	if !ok || r.nonText(h, c, "整数") {
		return 0, false
	}
	var n int64
	switch c.kind {
	case cellNumber:
		f, ok := number(c)
		if !ok || f != math.Trunc(f) || math.Abs(f) > 1e15 {
			r.fail(h, "", "「%s」应为整数", c.val)
			return 0, false
		}
		n = int64(f)
	default:
		s := strings.ReplaceAll(narrow(c.val), ",", "")
		for _, unit := range []string{"个月", "年度", "月", "年", "户", "人", "个", "次", "份"} {
			if t, ok := strings.CutSuffix(s, unit); ok {
				s = trimText(t)
				break
			}
		}
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			r.fail(h, "", "「%s」应为整数", c.val)
			return 0, false
		}
		n = v
	}
	if n < lo || n > hi {
		r.fail(h, "", "「%s」超出范围（%d–%d）", c.val, lo, hi)
		return 0, false
	}
	return n, true
}

// rate returns an annual rate in basis points: a percent as typed ("4.35",
// "4.35%", or the number 4.35); a number cell formatted as a percentage
// holds the fraction (0.0435) and is read as such.
func (r *rowReader) rate(h string) int64 {
	c, ok := r.get(h)
	if !ok || r.nonText(h, c, "年利率") {
		return 0
	}
	if c.kind == cellNumber {
		f, ok := number(c)
		if !ok {
			r.fail(h, "", "年利率「%s」不是数字", c.val)
			return 0
		}
		if c.fmt == fmtPercent {
			f *= 100
		}
		bp := f * 100
		if math.Abs(bp-math.Round(bp)) > 1e-6 || math.Abs(bp) > 1e9 {
			r.fail(h, "", "年利率「%s」最多保留两位小数（如 4.35）", strconv.FormatFloat(f, 'f', -1, 64))
			return 0
		}
		return int64(math.Round(bp))
	}
	s := trimText(strings.TrimSuffix(trimText(narrow(c.val)), "%"))
	bp, err := ledger.ParsePercentBasisPoints(s)
	if err != nil {
		r.failErr(h, err)
		return 0
	}
	return bp
}

// ---- dates and periods ----

// date returns a date: text in the forms ledger.ParseDate reads (a time of
// day after it is ignored; 8 digits are read as yyyymmdd), a date cell (an
// Excel serial number; the time of day is dropped), or a plain number cell
// holding 20260301.
func (r *rowReader) date(h string) ledger.Date {
	c, ok := r.get(h)
	if !ok || r.nonText(h, c, "日期") {
		return ledger.Date{}
	}
	d, err := r.dateOf(c)
	if err != nil {
		r.failErr(h, err)
		return ledger.Date{}
	}
	return d
}

// days1904 is the serial of 1904-01-01 in the 1900 date system.
const days1904 = 1462

func (r *rowReader) dateOf(c cell) (ledger.Date, error) {
	switch c.kind {
	case cellNumber:
		f, ok := number(c)
		if !ok {
			return ledger.Date{}, ledger.Errorf(ledger.CodeValidationFailed, "日期「%s」不正确", c.val)
		}
		if c.fmt != fmtDate && f == math.Trunc(f) && f >= 19000101 && f <= 29991231 {
			return ledger.ParseDate(fmt.Sprintf("%04d-%02d-%02d", int(f)/10000, int(f)/100%100, int(f)%100))
		}
		if r.date1904 {
			f += days1904
		}
		return ledger.DateFromExcelSerial(math.Floor(f))
	case cellISODate:
		s := c.val
		if len(s) > 10 {
			s = s[:10]
		}
		return ledger.ParseDate(s)
	}
	s := dropTimeOfDay(narrow(c.val))
	if len(s) == 8 && strings.IndexFunc(s, func(ch rune) bool { return ch < '0' || ch > '9' }) < 0 {
		s = s[:4] + "-" + s[4:6] + "-" + s[6:]
	}
	return ledger.ParseDate(s)
}

// dropTimeOfDay removes a trailing time ("2026/3/1 0:00", "2026-03-01
// 00:00:00", "2026-03-01T08:00:00"), as a CSV saved from a date-time column
// has it.
func dropTimeOfDay(s string) string {
	i := strings.LastIndexAny(s, " T")
	if i <= 0 {
		return s
	}
	tail := s[i+1:]
	if tail == "" || strings.IndexByte(tail, ':') < 0 {
		return s
	}
	for _, ch := range tail {
		if (ch < '0' || ch > '9') && ch != ':' && ch != '.' && ch != 'Z' && ch != '+' && ch != '-' {
			return s
		}
	}
	return trimText(s[:i])
}

// period returns a period: text in the forms ledger.ParsePeriod reads
// (2026, 2026-Q1, 2026-03, 2026年3月, 2026年第1季度; 202603 is read as a
// month), a date cell or a date as text (its month), or a plain number
// cell holding a year (2026) or year and month (202603).
func (r *rowReader) period(h string) ledger.Period {
	c, ok := r.get(h)
	if !ok || r.nonText(h, c, "所属期间") {
		return ledger.Period{}
	}
	switch c.kind {
	case cellNumber:
		f, ok := number(c)
		if ok && c.fmt != fmtDate && f == math.Trunc(f) {
			n := int(f)
			switch {
			case n >= 1900 && n <= 2999:
				return ledger.Period{Year: n}
			case n >= 190001 && n <= 299912 && n%100 >= 1 && n%100 <= 12:
				return ledger.Period{Year: n / 100, Month: n % 100}
			}
		}
		d, err := r.dateOf(c)
		if err != nil {
			r.failErr(h, err)
			return ledger.Period{}
		}
		return monthOf(d)
	case cellISODate:
		d, err := r.dateOf(c)
		if err != nil {
			r.failErr(h, err)
			return ledger.Period{}
		}
		return monthOf(d)
	}
	s := narrow(c.val)
	if len(s) == 6 && strings.IndexFunc(s, func(ch rune) bool { return ch < '0' || ch > '9' }) < 0 {
		s = s[:4] + "-" + s[4:]
	}
	p, err := ledger.ParsePeriod(s)
	if err == nil {
		return p
	}
	if d, derr := r.dateOf(cell{kind: cellText, val: c.val}); derr == nil {
		return monthOf(d)
	}
	r.failErr(h, err)
	return ledger.Period{}
}

// monthOf is the month period of a date.
func monthOf(d ledger.Date) ledger.Period {
	return ledger.PeriodOfDate(d, "month")
}

// An error names the cell's value, cut to MaxEchoed characters (with …),
// and is itself at most MaxMessage characters: a sheet of huge cells must
// not make a huge answer (issue 18: a 9.4 KB xlsx made a 20 MB one).
const (
	MaxEchoed  = 40
	MaxMessage = 200
)

// Clip cuts s to n characters, marking the cut with "…".
func Clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
