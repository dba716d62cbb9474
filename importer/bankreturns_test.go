package importer

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// gbk encodes text as a Chinese Windows bank export does.
func gbk(t testing.TB, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestBankReturnsGBKCSV reads a bank's own CSV export: GBK, a title line,
// the bank's column names (农商银行 style), amounts with thousands
// separators and a currency sign, dates with times or compact.
func TestBankReturnsGBKCSV(t *testing.T) {
	text := "浏阳农商银行批量代发结果\r\n" +
		"代发批次号,客户流水号,收款账号,收款人户名,交易金额,处理状态,入账日期,失败原因\r\n" +
		"DF001,记-001,6230901000000001,张丁明,\"1,200.00\",交易成功,2026-03-06 10:21:07,\r\n" +
		"DF001,记-002,6230901000000002,张七明,￥800.00,退票,20260306,账户已销户\r\n" +
		"DF001,记-003,6230901000000003,张万明,\"12,345.6元\",失败,2026/3/6,户名不符\r\n"
	data := gbk(t, text)
	if bytes.Equal(data, []byte(text)) {
		t.Fatal("not GBK")
	}
	p := mustParse(t, "bank_returns", "回盘.csv", data, Options{})
	noErrors(t, p)
	if len(p.BankReturns) != 3 {
		t.Fatalf("%d rows", len(p.BankReturns))
	}
	want := []ledger.BankReturnRow{
		{Row: 3, BatchNo: "DF001", VoucherNo: "记-001", AccountNo: "6230901000000001", HolderName: "张丁明", Amount: 1200_00, Status: ledger.BankSucceeded, TradeOn: ledger.Date{Year: 2026, Month: 3, Day: 6}},
		{Row: 4, BatchNo: "DF001", VoucherNo: "记-002", AccountNo: "6230901000000002", HolderName: "张七明", Amount: 800_00, Status: ledger.BankReturned, TradeOn: ledger.Date{Year: 2026, Month: 3, Day: 6}, Note: "账户已销户"},
		{Row: 5, BatchNo: "DF001", VoucherNo: "记-003", AccountNo: "6230901000000003", HolderName: "张万明", Amount: 12345_60, Status: ledger.BankFailed, TradeOn: ledger.Date{Year: 2026, Month: 3, Day: 6}, Note: "户名不符"},
	}
	for i, w := range want {
		if p.BankReturns[i] != w {
			t.Errorf("row %d: %+v, want %+v", i, p.BankReturns[i], w)
		}
	}
}

// TestBankReturnsXLSX reads an .xlsx written by excelize with another
// bank's column names (邮储 style), number amounts and a date cell, and a
// town's own mapping (Options.Aliases) of a column no default knows.
func TestBankReturnsXLSX(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "代发明细"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		t.Fatal(err)
	}
	rows := [][]any{
		{"批次编号", "业务参考号", "卡号", "账户名称", "发放金额", "交易结果", "记账日期", "开户行", "村务代码"},
		{"B20260306", "记-101", "6217 0000 0000 0101", "李大山", 1200.5, "成功", time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC), "邮储银行", "x"},
		{"B20260306", "记-102", "6217 0000 0000 0102", "王五", "1,200.00", "已退回", "2026-03-07", "邮储银行", "y"},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sheet, cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	ds, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	_ = f.SetCellStyle(sheet, "G2", "G2", ds)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	p := mustParse(t, "bank_returns", "回盘.xlsx", buf.Bytes(), Options{})
	noErrors(t, p)
	if len(p.BankReturns) != 2 || p.BankReturns[0].Amount != 1200_50 || p.BankReturns[1].Amount != 1200_00 ||
		p.BankReturns[0].TradeOn != (ledger.Date{Year: 2026, Month: 3, Day: 6}) || p.BankReturns[1].Status != ledger.BankReturned ||
		p.BankReturns[0].Bank != "邮储银行" || p.BankReturns[0].BatchNo != "B20260306" || p.BankReturns[1].VoucherNo != "记-102" {
		t.Fatalf("%+v", p.BankReturns)
	}
	// A header no default knows is read under the town's mapping.
	alt := bytes.Replace(buf.Bytes(), []byte("x"), []byte("x"), 1)
	f2, _ := excelize.OpenReader(bytes.NewReader(alt))
	_ = f2.SetCellValue(sheet, "E1", "本次代发额")
	var buf2 bytes.Buffer
	_ = f2.Write(&buf2)
	if _, err := Parse("bank_returns", "回盘.xlsx", buf2.Bytes(), Options{}); err == nil || !strings.Contains(err.Error(), "金额") {
		t.Fatalf("an unknown amount header: %v", err)
	}
	p = mustParse(t, "bank_returns", "回盘.xlsx", buf2.Bytes(), Options{Aliases: map[string]string{"本次代发额": "金额"}})
	noErrors(t, p)
	if p.BankReturns[0].Amount != 1200_50 {
		t.Fatalf("%+v", p.BankReturns[0])
	}
}

// TestBankReturnsMalformed: every malformed row is reported with its row
// number as Excel shows it and its column.
func TestBankReturnsMalformed(t *testing.T) {
	text := "批次号,凭证号,账号,户名,金额,状态,交易日期,银行\n" +
		"DF1,记-1,6230901000000001,张丁明,\"1,200.00\",成功,2026-03-06,农商行\n" + // row 2: good
		",,6230901000000002,张七明,800,成功,2026-03-06,农商行\n" + // row 3: neither batch nor voucher
		"DF1,记-3,,张万明,800,成功,2026-03-06,农商行\n" + // row 4: no account
		"DF1,记-4,6230901000000004,,800,成功,2026-03-06,农商行\n" + // row 5: no holder
		"DF1,记-5,6230901000000005,张三,\"1,2,00\",成功,2026-03-06,农商行\n" + // row 6: bad amount
		"DF1,记-6,6230901000000006,张三,800,待处理,2026-03-06,农商行\n" + // row 7: unknown state
		"DF1,记-7,6230901000000007,张三,800,成功,2026-13-45,农商行\n" + // row 8: bad date
		"DF1,记-8,6230901000000008,张三,800.123,成功,2026-03-06,农商行\n" // row 9: over-precise
	p := mustParse(t, "bank_returns", "回盘.csv", gbk(t, text), Options{})
	want := map[int]string{3: "凭证号", 4: "账号", 5: "户名", 6: "金额", 7: "状态", 8: "交易日期", 9: "金额"}
	got := map[int]string{}
	for _, e := range p.Errors {
		got[e.Row] = e.Field
		if e.Message == "" {
			t.Errorf("row %d: no reason", e.Row)
		}
	}
	for row, field := range want {
		if got[row] != field {
			t.Errorf("row %d: error on %q, want %q (%+v)", row, got[row], field, p.Errors)
		}
	}
	if _, bad := got[2]; bad || len(got) != len(want) {
		t.Errorf("errors %+v", p.Errors)
	}
	// A number cell for the account has lost digits: refused.
	f := excelize.NewFile()
	defer f.Close()
	_ = f.SetSheetRow("Sheet1", "A1", &[]any{"凭证号", "账号", "户名", "金额", "状态", "交易日期"})
	_ = f.SetSheetRow("Sheet1", "A2", &[]any{"记-1", 6230901000000001, "张丁明", 800, "成功", "2026-03-06"})
	var buf bytes.Buffer
	_ = f.Write(&buf)
	p = mustParse(t, "bank_returns", "回盘.xlsx", buf.Bytes(), Options{})
	if len(errorsAt(p, 2, "账号")) == 0 {
		t.Fatalf("a number-cell account: %+v", p.Errors)
	}
}
