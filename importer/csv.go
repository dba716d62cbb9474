package importer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

// decodeText turns the bytes of a CSV file into UTF-8: a UTF-8 BOM is
// stripped; a UTF-16 file (with its BOM, as Excel's "Unicode text" export
// writes) is decoded; bytes that are not valid UTF-8 are decoded as GB18030
// (a superset of GBK and GB2312, what Excel and WPS write on a Chinese
// Windows).
func decodeText(data []byte) (string, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		b, err := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder().Bytes(data)
		if err != nil {
			return "", err
		}
		return string(b), nil
	}
	if utf8.Valid(data) {
		return string(data), nil
	}
	b, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// sniffDelimiter picks the separator of the first line: a comma unless
// tabs or semicolons outnumber commas.
func sniffDelimiter(text string) rune {
	line := text
	if i := strings.IndexByte(text, '\n'); i >= 0 {
		line = text[:i]
	}
	best, n := ',', strings.Count(line, ",")
	for _, d := range []rune{'\t', ';'} {
		if c := strings.Count(line, string(d)); c > n {
			best, n = d, c
		}
	}
	return best
}

// readCSV reads a CSV file into a table. Every cell is text. Row numbers are
// those Excel shows when it opens the file: a blank line is a row.
func readCSV(data []byte, maxRows int) (*table, error) {
	text, err := decodeText(data)
	if err != nil {
		return nil, errNotText
	}
	if strings.IndexByte(text, 0) >= 0 {
		return nil, errNotText // a binary file
	}
	// Excel writes and honours a first line "sep=;" naming the separator;
	// it does not show it as a row.
	comma := sniffDelimiter(text)
	if line, rest, ok := strings.Cut(text, "\n"); ok && strings.HasPrefix(line, "sep=") {
		if d := []rune(strings.TrimRight(line[4:], "\r")); len(d) == 1 && validDelim(d[0]) {
			comma, text = d[0], rest
		}
	}
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = comma
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.ReuseRecord = true
	t := &table{}
	// csv.Reader skips empty lines; count them back in from the line
	// numbers, so that row numbers stay Excel's.
	var (
		row       int // Excel row of the last record
		linesDone int // lines consumed through the last record
		prevOff   int64
	)
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				// With FieldsPerRecord -1 only quotes can be wrong.
				return nil, fmt.Errorf("%w: 第%d行附近的引号不配对", errCSVSyntax, pe.StartLine)
			}
			return nil, err
		}
		startLine, _ := r.FieldPos(0)
		row += 1 + max(0, startLine-1-linesDone)
		off := r.InputOffset()
		linesDone += strings.Count(text[prevOff:off], "\n")
		prevOff = off
		var cells []cell
		for i, v := range rec {
			if i >= maxColumns {
				break
			}
			if trimText(v) == "" {
				continue
			}
			cells = append(cells, cell{col: i, kind: cellText, val: unwrapCSVText(v)})
		}
		if len(cells) == 0 {
			continue
		}
		if len(t.rows) >= maxRows {
			return nil, errTooLarge
		}
		t.rows = append(t.rows, sheetRow{num: row, cells: cells})
	}
	return t, nil
}

// validDelim reports a separator encoding/csv accepts.
func validDelim(r rune) bool {
	return r != 0 && r != '"' && r != '\r' && r != '\n' && r != utf8.RuneError
}

var (
	errNotText   = errors.New("not a text file")
	errCSVSyntax = errors.New("csv syntax")
)

// unwrapCSVText undoes the ="…" form that keeps Excel from turning a long
// number into a float when a CSV file is opened (="439901199001011234").
func unwrapCSVText(v string) string {
	s := strings.TrimSpace(v)
	if len(s) >= 3 && strings.HasPrefix(s, "=\"") && strings.HasSuffix(s, "\"") && !strings.Contains(s[2:len(s)-1], "\"") {
		return s[2 : len(s)-1]
	}
	return v
}
