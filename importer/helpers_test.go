package importer

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// Fictitious identifiers: area code 439901 is not assigned to any place.

// idn returns a valid ID number of area 439901 born on birth (yyyymmdd).
func idn(birth string, seq int) string {
	b, err := time.Parse("20060102", birth)
	if err != nil {
		panic(err)
	}
	return ledger.MakeIDNumber("439901", b, seq)
}

// badIDN is idn with a wrong check character.
func badIDN(birth string, seq int) string {
	s := idn(birth, seq)
	last := s[17]
	for _, c := range "0123456789X" {
		if byte(c) != last {
			return s[:17] + string(c)
		}
	}
	return s
}

// usccOf returns a valid 统一社会信用代码 (GB 32100) of area 439901 for a
// fictitious organisation: 9 (registered by 工商) 1 (enterprise), the area,
// a 9-character organisation code with its GB 11714 check, the GB 32100
// check character.
func usccOf(n int) string {
	org := fmt.Sprintf("MA%06d", n)
	ow := []int{3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 8; i++ {
		c := org[i]
		v := int(c - '0')
		if c >= 'A' {
			v = int(c-'A') + 10
		}
		sum += v * ow[i]
	}
	switch c := 11 - sum%11; c {
	case 10:
		org += "X"
	case 11:
		org += "0"
	default:
		org += fmt.Sprint(c)
	}
	return ledger.MakeUSCC("91439901" + org)
}

// grid lays out rows given as header → cell maps under a header row, in the
// order of headers. A nil map is a blank row.
func grid(headers []string, rows ...map[string]xc) [][]xc {
	out := [][]xc{texts(headers...)}
	for _, r := range rows {
		if r == nil {
			out = append(out, nil)
			continue
		}
		line := make([]xc, len(headers))
		for i, h := range headers {
			line[i] = r[h]
		}
		for h := range r {
			if indexOf(headers, h) < 0 {
				panic("grid: unknown header " + h)
			}
		}
		out = append(out, line)
	}
	return out
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

func oneSheet(name string, rows [][]xc) []byte {
	return buildXLSX(xopts{}, xsheet{name: name, rows: rows})
}

// mustParse parses and fails the test on a file-level error.
func mustParse(t testing.TB, kind, filename string, data []byte, opt Options) *Parsed {
	t.Helper()
	p, err := Parse(kind, filename, data, opt)
	if err != nil {
		t.Fatalf("Parse(%s, %s): %v", kind, filename, err)
	}
	return p
}

// noErrors fails the test if p has cell errors.
func noErrors(t testing.TB, p *Parsed) {
	t.Helper()
	for _, e := range p.Errors {
		t.Errorf("unexpected error: row %d %s: %s (%s)", e.Row, e.Field, e.Message, e.Code)
	}
}

// fileError returns the *ledger.Error of a file-level failure.
func fileError(t testing.TB, err error) *ledger.Error {
	t.Helper()
	var e *ledger.Error
	if !errors.As(err, &e) {
		t.Fatalf("want a *ledger.Error, got %T %v", err, err)
	}
	return e
}

// errorsAt returns the errors of one row and column.
func errorsAt(p *Parsed, row int, field string) []ledger.FieldError {
	var out []ledger.FieldError
	for _, e := range p.Errors {
		if e.Row == row && e.Field == field {
			out = append(out, e)
		}
	}
	return out
}

// wantError checks that row/field has an error with the code (when not
// empty) and a message containing msg (when not empty).
func wantError(t testing.TB, p *Parsed, row int, field string, code ledger.Code, msg string) {
	t.Helper()
	errs := errorsAt(p, row, field)
	if len(errs) == 0 {
		t.Errorf("row %d %s: no error; all errors: %+v", row, field, p.Errors)
		return
	}
	for _, e := range errs {
		if (code == "" || e.Code == code) && (msg == "" || strings.Contains(e.Message, msg)) {
			return
		}
	}
	t.Errorf("row %d %s: want code %q message %q, got %+v", row, field, code, msg, errs)
}

// payHeaders are the 发放明细 columns of DOMAIN.md §9.
var payHeaders = []string{"凭证号", "项目编号", "指标文号", "补贴项目代码", "付款类型", "收款人身份证号", "收款单位",
	"统一社会信用代码", "收款账号", "账户户名身份证号", "数量", "金额(元)", "所属期间", "支付日期", "发票号", "合同号", "贷款合同号"}

// payRow is a valid person payment row; over replaces cells.
func payRow(n int, over map[string]xc) map[string]xc {
	r := map[string]xc{
		"凭证号": T(fmt.Sprintf("记-%04d", n)), "项目编号": T("XM2026-001"), "指标文号": T("湘财农指〔2026〕1号"),
		"补贴项目代码": T("CY01"), "付款类型": T("补助"), "收款人身份证号": T(idn("19800101", n%1000)),
		"收款账号": T(fmt.Sprintf("6217%012d", n)), "数量": N("2"), "金额(元)": T("200.00"),
		"所属期间": T("2026"), "支付日期": T("2026-03-01"),
	}
	for k, v := range over {
		r[k] = v
	}
	return r
}
