package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/sunshine-ledger/sunshine/importer"
	"github.com/sunshine-ledger/sunshine/ledger"
)

// TestBankReturnImport: a bank's GBK CSV return file through
// POST /api/v1/imports/bank_returns: malformed rows are listed with their
// row numbers and nothing is written; the good file is written; the
// payments JSON and the staff payments page show each payment's bank
// state; the staff import page offers the kind and its template.
func TestBankReturnImport(t *testing.T) {
	e := newTownEnv(t, "sqlite")
	// Three payments into the villagers' own accounts, and one in cash.
	var b bytes.Buffer
	b.WriteString("凭证号,项目编号,指标文号,补贴项目代码,付款类型,收款人身份证号,收款单位,统一社会信用代码,收款账号,账户户名身份证号,数量,金额(元),所属期间,支付日期,发票号,合同号,贷款合同号\n")
	fmt.Fprintf(&b, "BK-1,%s,%s,,补助,%s,,,%s,,,\"1,200.00\",,2026-03-01,,,\n", envProject1, envFundDoc, e.ids["tp1"], e.accounts["tp1"])
	fmt.Fprintf(&b, "BK-2,%s,%s,,补助,%s,,,%s,,,800.00,,2026-03-01,,,\n", envProject1, envFundDoc, e.ids["tp2"], e.accounts["tp2"])
	fmt.Fprintf(&b, "BK-3,%s,%s,,补助,%s,,,%s,,,500.00,,2026-03-01,,,\n", envProject1, envFundDoc, e.ids["tp3"], e.accounts["tp3"])
	fmt.Fprintf(&b, "BK-4,%s,%s,,补助,%s,,,,,,300.00,,2026-03-01,,,\n", envProject1, envFundDoc, e.ids["sn1"])
	if r := e.upload("/api/v1/imports/payments", "finance", "发放明细.csv", b.Bytes(), ""); r.status != 201 {
		t.Fatalf("payments: %s", r)
	}
	enc := func(s string) []byte {
		out, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	header := "代发批次号,客户流水号,收款账号,收款人户名,交易金额,处理状态,入账日期,开户行\r\n"
	good := header +
		fmt.Sprintf("DF0302,BK-1,%s,%s,\"1,200.00\",交易成功,2026-03-02,浏阳农商银行\r\n", e.accounts["tp1"], e.names["tp1"]) +
		fmt.Sprintf("DF0302,BK-2,%s,%s,800.00,退票,2026-03-02,浏阳农商银行\r\n", e.accounts["tp2"], e.names["tp2"])
	bad := good +
		fmt.Sprintf("DF0302,BK-3,%s,%s,五百元,交易成功,2026-03-02,浏阳农商银行\r\n", e.accounts["tp3"], e.names["tp3"]) + // row 4: amount
		fmt.Sprintf("DF0302,BK-3,,%s,500.00,交易成功,2026-03-02,浏阳农商银行\r\n", e.names["tp3"]) + // row 5: no account
		fmt.Sprintf("DF0302,BK-3,%s,%s,500.00,处理中,2026-03-02,浏阳农商银行\r\n", e.accounts["tp3"], e.names["tp3"]) // row 6: state
	n0 := e.size()
	for _, path := range []string{"/api/v1/imports/bank_returns?dry_run=true", "/api/v1/imports/bank_returns"} {
		r := e.upload(path, "finance", "代发回盘.csv", enc(bad), "")
		var v struct {
			Code   string              `json:"code"`
			Errors []ledger.FieldError `json:"errors"`
		}
		if err := json.Unmarshal(r.body, &v); err != nil {
			t.Fatalf("%s: %v %s", path, err, r)
		}
		var rows []int
		for _, fe := range v.Errors {
			rows = append(rows, fe.Row)
		}
		if !slices.Equal(rows, []int{4, 5, 6}) || (!strings.Contains(path, "dry_run") && (r.status != 422 || v.Code != "import_rows_invalid")) {
			t.Fatalf("%s: %d rows %v: %s", path, r.status, rows, r)
		}
	}
	if e.size() != n0 {
		t.Fatal("a refused bank file wrote entries")
	}
	r := e.upload("/api/v1/imports/bank_returns", "finance", "代发回盘.csv", enc(good), "")
	if r.status != 201 {
		t.Fatalf("the good file: %s", r)
	}
	// The same file again: every row already recorded, nothing written.
	n1 := e.size()
	if r := e.upload("/api/v1/imports/bank_returns", "finance", "代发回盘.csv", enc(good), ""); r.status != 422 || e.size() != n1 {
		t.Fatalf("the same file again: %s", r)
	}
	// The bank states in the payments JSON.
	r = e.call("GET", "/api/v1/payments", "finance", nil)
	var list struct {
		Items []struct {
			VoucherNo string `json:"voucher_no"`
			BankState string `json:"bank_state"`
		} `json:"items"`
	}
	if err := json.Unmarshal(r.body, &list); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range list.Items {
		got[p.VoucherNo] = p.BankState
	}
	want := map[string]string{"BK-1": "到账", "BK-2": "退回", "BK-3": "未见银行回单", "BK-4": ""}
	for v, w := range want {
		if got[v] != w {
			t.Errorf("%s: bank_state %q, want %q", v, got[v], w)
		}
	}
	if strings.Contains(string(r.body), e.accounts["tp1"]) {
		t.Error("the payments JSON shows an account number")
	}
	// The town's own names of its bank's columns (town settings): a header
	// no default knows is read once the admin maps it.
	if !slices.Equal(importer.Headers("bank_returns"), ledger.BankReturnColumns) {
		t.Fatalf("the sheet's columns %v, the town setting's %v", importer.Headers("bank_returns"), ledger.BankReturnColumns)
	}
	odd := strings.Replace(good, "交易金额", "本次代发额", 1)
	if r := e.upload("/api/v1/imports/bank_returns?dry_run=true", "finance", "代发回盘.csv", enc(odd), ""); r.status != 422 || !strings.Contains(string(r.body), "金额") {
		t.Fatalf("an unknown header before the mapping: %s", r)
	}
	var town map[string]any
	e.decode(e.call("GET", "/api/v1/town", "admin", nil), &town)
	town["bank_columns"] = map[string]string{"本次代发额": "余额"}
	if r := e.call("PUT", "/api/v1/town", "admin", town); r.status != 422 || !strings.Contains(string(r.body), "bank_columns") {
		t.Fatalf("a mapping to no column: %s", r)
	}
	town["bank_columns"] = map[string]string{"本次代发额": "金额"}
	if r := e.call("PUT", "/api/v1/town", "admin", town); r.status != 200 || !strings.Contains(string(r.body), "本次代发额") {
		t.Fatalf("the mapping: %s", r)
	}
	if r := e.upload("/api/v1/imports/bank_returns?dry_run=true", "finance", "代发回盘.csv", enc(odd), ""); r.status != 200 || !strings.Contains(string(r.body), "已导入过") || strings.Contains(string(r.body), "缺少") {
		t.Fatalf("the mapped header (the rows read, and already recorded): %s", r)
	}
	// An item's own R4 days (bank_days), through the API.
	if r := e.call("POST", "/api/v1/items", "admin", map[string]any{"code": "YH09", "name": "季度代发补助", "category": "就业", "unit": "person",
		"standard": "300.00", "period": "once", "yearly_cap": "300.00", "bank_days": 45}); r.status != 201 || !strings.Contains(string(r.body), `"bank_days":45`) {
		t.Fatalf("an item with bank_days: %s", r)
	}
	if r := e.call("POST", "/api/v1/items", "admin", map[string]any{"code": "YH08", "name": "坏设置", "category": "就业", "unit": "person",
		"standard": "1.00", "period": "once", "bank_days": -3}); r.status != 422 {
		t.Fatalf("a negative bank_days: %s", r)
	}
	// Each villager's self-query says what the bank did with their payment.
	for key, w := range map[string][2]string{"tp1": {"1200.00", "到账"}, "tp2": {"800.00", "退回"}, "tp3": {"500.00", "未见银行回单"}} {
		r := e.call("POST", "/api/public/query", "none", map[string]any{"village": village1, "name": e.names[key], "id_number": e.ids[key]})
		var ans struct {
			Payments []struct {
				Amount string `json:"amount"`
				Bank   string `json:"bank"`
			} `json:"payments"`
		}
		if err := json.Unmarshal(r.body, &ans); err != nil || r.status != 200 {
			t.Fatalf("%s's self-query: %v %s", key, err, r)
		}
		found := false
		for _, p := range ans.Payments {
			if p.Amount == w[0] {
				found = true
				if p.Bank != w[1] {
					t.Errorf("%s's self-query: %s 元: bank %q, want %q", key, w[0], p.Bank, w[1])
				}
			} else if p.Bank != "" {
				t.Errorf("%s's self-query: a payment not paid by the bank says %q", key, p.Bank)
			}
		}
		if !found {
			t.Errorf("%s's self-query lacks the %s 元 payment: %s", key, w[0], r)
		}
	}
	// A monitor of 田坪村 sees the same states in their answer and on their page.
	r = e.call("GET", "/api/v1/payments", "monitor", nil)
	list.Items = nil
	if err := json.Unmarshal(r.body, &list); err != nil {
		t.Fatal(err)
	}
	got = map[string]string{}
	for _, p := range list.Items {
		got[p.VoucherNo] = p.BankState
	}
	for _, v := range []string{"BK-1", "BK-2", "BK-3"} {
		if got[v] != want[v] {
			t.Errorf("monitor: %s: bank_state %q, want %q (%s)", v, got[v], want[v], r)
		}
	}
	mon := &pageSession{e: e}
	mon.login("t_mon")
	st, body, _ := mon.do("GET", "/staff/payments", nil)
	mustStatus(t, "the monitor's payments page", st, 200, body)
	mustContain(t, "the monitor's payments page", body, "银行回单", "<b class=\"tag\">退回</b>", "<b class=\"tag\">未见银行回单</b>")
	// The staff pages: the bank state column, the kind and its template.
	fin := &pageSession{e: e}
	fin.login("t_fin1")
	st, body, _ = fin.do("GET", "/staff/payments", nil)
	mustStatus(t, "payments page", st, 200, body)
	mustContain(t, "payments page", body, "<th>银行回单</th>", "<td>到账</td>", "<td>退回</td>", "<td>未见银行回单</td>")
	st, body, _ = fin.do("GET", "/staff/imports", nil)
	mustStatus(t, "import page", st, 200, body)
	mustContain(t, "import page", body, "银行代发回盘（bank_returns）")
	st, tpl, _ := fin.do("GET", "/staff/imports/template?kind=bank_returns", nil)
	mustStatus(t, "template", st, 200, tpl)
	f, err := excelize.OpenReader(strings.NewReader(tpl))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetName(0))
	if err != nil || len(rows) == 0 || !slices.Equal(rows[0][:7], []string{"批次号", "凭证号", "账号", "户名", "金额", "状态", "交易日期"}) {
		t.Fatalf("template header %v %v", rows, err)
	}
}
