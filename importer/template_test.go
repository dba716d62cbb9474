package importer

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// TestTemplate: every kind's template has the header row then the example
// row (grey italics, noted as an example), a note on every header cell, a
// dropdown over the whole column on every enumerated column with exactly
// its allowed values, and fictitious ID numbers of area 439901 with a
// valid check digit.
func TestTemplate(t *testing.T) {
	for _, kind := range Kinds() {
		b, err := Template(kind, TemplateOptions{})
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		f, err := excelize.OpenReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		sheet := SheetName(kind)
		hs := Headers(kind)
		rows, err := f.GetRows(sheet)
		if err != nil || len(rows) != 2 || !slices.Equal(rows[0], hs) {
			t.Fatalf("%s: rows %v, %v", kind, rows, err)
		}
		ex := ExampleRow(kind)
		if got := append(rows[1], make([]string, len(hs)-len(rows[1]))...); !slices.Equal(got, ex) {
			t.Fatalf("%s: example row %q, want %q", kind, got, ex)
		}
		id, _ := f.GetCellStyle(sheet, "A2")
		st, _ := f.GetStyle(id)
		if st == nil || st.Font == nil || !st.Font.Italic || st.Font.Color != "808080" || st.NumFmt != 49 {
			t.Fatalf("%s: the example row is not grey italic text: %+v", kind, st)
		}
		for i, h := range hs {
			if strings.HasSuffix(h, "身份证号") && ex[i] != "" {
				if !strings.HasPrefix(ex[i], "439901") {
					t.Fatalf("%s: example %s %s is not of area 439901", kind, h, ex[i])
				}
				if _, err := ledger.ParseIDNumber(ex[i]); err != nil {
					t.Fatalf("%s: example %s %s: %v", kind, h, ex[i], err)
				}
			}
		}

		comments, err := f.GetComments(sheet)
		if err != nil {
			t.Fatal(err)
		}
		notes := map[string]string{}
		for _, c := range comments {
			txt := c.Text
			for _, r := range c.Paragraph {
				txt += r.Text
			}
			notes[c.Cell] = txt
		}
		for i, h := range hs {
			cell, _ := excelize.CoordinatesToCellName(i+1, 1)
			if n := notes[cell]; !strings.Contains(n, h) || n != HeaderNote(kind, h) {
				t.Fatalf("%s: the note on %s (%s) is %q", kind, cell, h, n)
			}
			switch {
			case strings.HasSuffix(h, "日期") && !strings.Contains(notes[cell], "2026-03-10"),
				strings.Contains(h, "(元)") && !strings.Contains(notes[cell], "元为单位"),
				strings.HasSuffix(h, "身份证号") && !strings.Contains(notes[cell], "文本"):
				t.Fatalf("%s: the note on %s does not give its format: %q", kind, h, notes[cell])
			}
		}
		if !strings.Contains(notes["A2"], ExampleNote) {
			t.Fatalf("%s: the example row's note: %q", kind, notes["A2"])
		}

		dvs, err := f.GetDataValidations(sheet)
		if err != nil {
			t.Fatal(err)
		}
		bySqref := map[string]*excelize.DataValidation{}
		for _, dv := range dvs {
			bySqref[dv.Sqref] = dv
		}
		want := Choices(kind)
		if len(dvs) != len(want) {
			t.Fatalf("%s: %d validations, want %d (%v)", kind, len(dvs), len(want), want)
		}
		for h, vals := range want {
			col, _ := excelize.ColumnNumberToName(slices.Index(hs, h) + 1)
			dv := bySqref[col+"2:"+col+"10000"]
			if dv == nil || dv.Type != "list" {
				t.Fatalf("%s: no dropdown on %s (%s) to row 10000: %v", kind, h, col, bySqref)
			}
			if got := strings.Trim(dv.Formula1, `"`); got != strings.Join(vals, ",") {
				t.Fatalf("%s: dropdown of %s is %q, want %v", kind, h, dv.Formula1, vals)
			}
		}
		f.Close()
	}
	if _, err := Template("nonsense", TemplateOptions{}); !ledger.IsNotFound(err) {
		t.Fatalf("an unknown kind: %v", err)
	}
}

// TestTemplateLongList: a town's list too long for a dropdown's formula
// (over 255 characters) is a range on the hidden sheet of allowed values.
func TestTemplateLongList(t *testing.T) {
	var items []string
	for i := range 80 {
		items = append(items, "BZ"+string(rune('A'+i%26))+strings.Repeat("0", i%3)+string(rune('0'+i%10)))
	}
	villages := []string{"东山村", "西山村"}
	b, err := Template("payments", TemplateOptions{Lists: map[string][]string{"补贴项目代码": items, "村": villages}})
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if v, err := f.GetSheetVisible(ListSheet); err != nil || v {
		t.Fatalf("the list sheet: visible %v, %v", v, err)
	}
	dvs, _ := f.GetDataValidations("发放明细")
	col, _ := excelize.ColumnNumberToName(slices.Index(Headers("payments"), "补贴项目代码") + 1)
	var found bool
	for _, dv := range dvs {
		if dv.Sqref == col+"2:"+col+"10000" {
			found = true
			if dv.Formula1 != "'允许值'!$A$2:$A$81" {
				t.Fatalf("the item codes' dropdown: %q", dv.Formula1)
			}
		}
	}
	if !found {
		t.Fatalf("no dropdown of item codes: %+v", dvs)
	}
	got, _ := f.GetCols(ListSheet)
	if len(got) != 1 || got[0][0] != "补贴项目代码" || !slices.Equal(got[0][1:], items) {
		t.Fatalf("the list sheet: %v", got)
	}
	// The sheet Parse reads is still the kind's, not the hidden list.
	rows, _ := f.GetRows("发放明细")
	if len(rows) != 2 {
		t.Fatalf("rows %v", rows)
	}
}

// TestTemplateExampleRefused: a template uploaded with its example row
// untouched is refused with a Chinese message naming the row; with the
// example changed it is read as data (the example's values are valid),
// and overwritten rows pass.
func TestTemplateExampleRefused(t *testing.T) {
	changed := map[string][2]string{
		"persons": {"姓名", "李四"}, "registers": {"日期", "2026-03-11"}, "funds": {"资金名称", "县级衔接资金"},
		"projects": {"项目名称", "西山村道路硬化"}, "allocations": {"拨付文号", "镇头财拨〔2026〕4号"},
		"payments": {"凭证号", "PZ2026-0002"}, "loans": {"用途", "养殖"}, "repayments": {"还款日期", "2026-09-22"},
		"bank_returns": {"户名", "李四"},
	}
	for _, kind := range Kinds() {
		b, err := Template(kind, TemplateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		p, err := Parse(kind, "模板.xlsx", b, Options{})
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if len(p.Errors) != 1 || p.Errors[0].Row != 2 || !strings.Contains(p.Errors[0].Message, "示例行") || !strings.Contains(p.Errors[0].Message, "删除") {
			t.Fatalf("%s: the untouched example: %+v", kind, p.Errors)
		}

		// The same row as CSV (a template saved as CSV) and under real rows.
		ex := ExampleRow(kind)
		csv := strings.Join(Headers(kind), ",") + "\n" + strings.Join(ex, ",") + "\n"
		if p, err := Parse(kind, "模板.csv", []byte(csv), Options{}); err != nil || len(p.Errors) != 1 || p.Errors[0].Row != 2 {
			t.Fatalf("%s: the example as CSV: %+v %v", kind, p, err)
		}

		c := changed[kind]
		mod := slices.Clone(ex)
		mod[slices.Index(Headers(kind), c[0])] = c[1]
		b, _ = Workbook(kind, [][]string{mod})
		p, err = Parse(kind, "表.xlsx", b, Options{})
		if err != nil || len(p.Errors) != 0 || p.Rows != 1 {
			t.Fatalf("%s: a row changed from the example: %+v %v", kind, p, err)
		}
	}
}

// TestPreview: the first rows as read, amounts with two decimals, dates
// as 2026-03-10, ID numbers and accounts masked, the rest counted.
func TestPreview(t *testing.T) {
	ex := ExampleRow("payments")
	var rows [][]string
	for i := range 12 {
		r := slices.Clone(ex)
		r[0] = "PZ-" + string(rune('A'+i))
		r[slices.Index(Headers("payments"), "金额(元)")] = "1200.5"
		rows = append(rows, r)
	}
	b, _ := Workbook("payments", rows)
	p, err := Parse("payments", "发放明细.xlsx", b, Options{})
	if err != nil || len(p.Errors) != 0 {
		t.Fatalf("%+v %v", p, err)
	}
	pv := MakePreview(ledger.ImportInput{Kind: "payments", Payments: p.Payments}, PreviewRows)
	if len(pv.Rows) != 10 || pv.More != 2 || pv.Headers[0] != "行号" || !slices.Equal(pv.Headers[1:], Headers("payments")) {
		t.Fatalf("preview %d rows, %d more, headers %v", len(pv.Rows), pv.More, pv.Headers)
	}
	got := map[string]string{}
	for i, h := range pv.Headers {
		got[h] = pv.Rows[0][i]
	}
	want := map[string]string{"行号": "2", "凭证号": "PZ-A", "金额(元)": "1200.50", "支付日期": "2026-04-10", "所属期间": "2026-04",
		"收款人身份证号": exampleID[:6] + "********" + exampleID[14:], "收款账号": "****" + exampleAccount[len(exampleAccount)-4:], "付款类型": "补助"}
	for h, v := range want {
		if got[h] != v {
			t.Fatalf("%s: %q, want %q (%v)", h, got[h], v, got)
		}
	}
	if MaskID("439901196803040129") != "439901********0129" {
		t.Fatal(MaskID("439901196803040129"))
	}
}
