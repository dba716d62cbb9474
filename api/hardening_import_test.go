package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// TestImportErrorAnswerCapped: a sheet of 1,000 rows whose payment-kind cells are
// 2,000 characters each (2 MB of echo before the fix, which listed every
// value whole) gets an answer that lists 200 errors with each value cut to
// 40 characters and "…", and counts the rest — as a dry run, as a refused
// import, and on the staff page.
func TestImportErrorAnswerCapped(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	huge := strings.Repeat("壹", 2000)
	var b bytes.Buffer
	b.WriteString("凭证号,项目编号,指标文号,补贴项目代码,付款类型,收款人身份证号,收款单位,统一社会信用代码,收款账号,账户户名身份证号,数量,金额(元),所属期间,支付日期,发票号,合同号,贷款合同号\n")
	for i := range 1000 {
		fmt.Fprintf(&b, "CAP-%d,%s,%s,,%s,%s,,,,,,12.50,,2026-03-01,,,\n", i, envProject1, envFundDoc, huge, e.ids["tp1"])
	}
	sheet := b.Bytes()
	n0 := e.size()
	for _, path := range []string{"/api/v1/imports/payments?dry_run=true", "/api/v1/imports/payments"} {
		r := e.upload(path, "finance", "发放明细.csv", sheet, "")
		if len(r.body) > 100_000 {
			t.Fatalf("%s: a %d-byte answer", path, len(r.body))
		}
		var v struct {
			Errors    []ledger.FieldError `json:"errors"`
			NotListed int                 `json:"errors_not_listed"`
			Detail    string              `json:"detail"`
		}
		if err := json.Unmarshal(r.body, &v); err != nil {
			t.Fatalf("%s: %v %s", path, err, r.body[:200])
		}
		if len(v.Errors) != 200 {
			t.Fatalf("%s: %d errors listed (%d bytes)", path, len(v.Errors), len(r.body))
		}
		if strings.Contains(path, "dry_run") && v.NotListed != 800 {
			t.Errorf("%s: %d not listed, want 800", path, v.NotListed)
		}
		if !strings.Contains(path, "dry_run") && !strings.Contains(v.Detail, "其余 800 处未列出") {
			t.Errorf("%s: detail %q", path, v.Detail)
		}
		for _, fe := range v.Errors {
			if utf8.RuneCountInString(fe.Message) > 200 || !strings.Contains(fe.Message, strings.Repeat("壹", 40)+"…") || strings.Contains(fe.Message, strings.Repeat("壹", 41)) {
				t.Fatalf("%s: message %.120q", path, fe.Message)
			}
		}
		t.Logf("%s: %d bytes", path, len(r.body))
	}
	if e.size() != n0 {
		t.Fatal("the refused import wrote entries")
	}
}

// TestImportReportsEveryBadRowAtOnce: a sheet with a malformed cell on one
// row and an unknown project and fund on others lists all of them in one
// answer (row order), as a dry run, as a refused import and on the staff
// page; before, the references were reported only after the clerk had fixed
// the cells and uploaded again. Nothing is written.
func TestImportReportsEveryBadRowAtOnce(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	var b bytes.Buffer
	b.WriteString("凭证号,项目编号,指标文号,补贴项目代码,付款类型,收款人身份证号,收款单位,统一社会信用代码,收款账号,账户户名身份证号,数量,金额(元),所属期间,支付日期,发票号,合同号,贷款合同号\n")
	fmt.Fprintf(&b, "ALL-1,%s,%s,,补助,%s,,,,,,12.50,,2026-03-01,,,\n", envProject1, envFundDoc, e.ids["tp1"]) // row 2: well formed
	fmt.Fprintf(&b, "ALL-2,%s,%s,,补助,%s,,,,,,十二元,,2026-03-01,,,\n", envProject1, envFundDoc, e.ids["tp1"])   // row 3: bad amount
	fmt.Fprintf(&b, "ALL-3,ZT-1999-999,%s,,补助,%s,,,,,,12.50,,2026-03-01,,,\n", envFundDoc, e.ids["tp1"])     // row 4: unknown project
	fmt.Fprintf(&b, "ALL-4,%s,无此文号〔1999〕1号,,补助,%s,,,,,,12.50,,2026-03-01,,,\n", envProject1, e.ids["tp1"])   // row 5: unknown fund
	sheet := b.Bytes()
	n0 := e.size()
	rowsOf := func(errs []ledger.FieldError) []int {
		var rows []int
		for _, fe := range errs {
			if len(rows) == 0 || rows[len(rows)-1] != fe.Row {
				rows = append(rows, fe.Row)
			}
		}
		return rows
	}
	for _, path := range []string{"/api/v1/imports/payments?dry_run=true", "/api/v1/imports/payments"} {
		r := e.upload(path, "finance", "发放明细.csv", sheet, "")
		var v struct {
			Errors []ledger.FieldError `json:"errors"`
		}
		if err := json.Unmarshal(r.body, &v); err != nil {
			t.Fatalf("%s: %v %s", path, err, r.body)
		}
		if got := rowsOf(v.Errors); !slices.Equal(got, []int{3, 4, 5}) {
			t.Fatalf("%s: %d: rows %v in one answer, want [3 4 5]: %s", path, r.status, got, r.body)
		}
	}
	fin := &pageSession{e: e}
	fin.login("t_fin1")
	st, body, _ := fin.upload("/staff/imports", map[string]string{"csrf": fin.csrf(), "kind": "payments"}, "发放明细.csv", sheet)
	mustStatus(t, "the staff import page", st, 422, body)
	mustContain(t, "the staff import page", body, "有 3 处数据有误", "<td>3</td><td>金额(元)</td>", "<td>4</td><td>项目编号</td>", "<td>5</td><td>指标文号</td>")
	if e.size() != n0 {
		t.Fatal("the refused import wrote entries")
	}
}
