package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
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
