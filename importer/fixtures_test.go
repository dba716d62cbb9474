package importer

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the committed fixtures under testdata/")

// fixtures are the committed .xlsx files, written by the test writer
// (xlsxwriter_test.go). TestFixturesUpToDate regenerates them and compares
// the bytes, so they cannot drift from their definitions here; run
// `go test ./importer -run TestFixturesUpToDate -update` after changing one.
var fixtures = map[string]func() []byte{
	// 发放明细 with valid rows, three malformed ones (rows 4, 6, 8), a blank
	// row (5) and an extra column.
	"payments_mixed.xlsx": func() []byte {
		hs := append(append([]string(nil), payHeaders...), "备注")
		rows := grid(hs,
			payRow(1, nil),
			payRow(2, map[string]xc{"金额(元)": N("1200.5"), "支付日期": D(2026, 3, 2), "备注": T("数字金额、日期单元格")}),
			payRow(3, map[string]xc{"收款人身份证号": N("439901198001011234"), "备注": T("身份证号为数字单元格")}),
			nil,
			payRow(5, map[string]xc{"金额(元)": T("12OO"), "支付日期": T("2026-02-30")}),
			payRow(6, map[string]xc{"收款人身份证号": {}, "收款单位": T("东山村油茶专业合作社"), "统一社会信用代码": T(usccOf(1)),
				"付款类型": T("进度款"), "补贴项目代码": {}, "数量": {}, "金额(元)": N("150000")}),
			payRow(7, map[string]xc{"付款类型": T("工资")}),
		)
		return buildXLSX(xopts{}, xsheet{name: "发放明细", rows: rows})
	},
	// 花名册 as Excel writes it: shared strings, the named sheet second
	// after a hidden one, a custom date format.
	"persons_shared.xlsx": func() []byte {
		head := idn("19700101", 11)
		rows := grid(Headers("persons"),
			map[string]xc{"村": T("东山村"), "村民小组": T("一组"), "户主身份证号": T(head), "姓名": T("张三"), "身份证号": T(head),
				"与户主关系": T("户主"), "户属性": T("脱贫户"), "迁入本户日期": DCustom(1990, 5, 1), "一卡通账号": T("6217000011112222")},
			map[string]xc{"村": T("东山村"), "村民小组": T("一组"), "户主身份证号": T(head), "姓名": T("张小"), "身份证号": T(idn("20100101", 12)),
				"与户主关系": T("子女"), "户属性": T("脱贫户"), "迁入本户日期": D(2010, 1, 1)},
		)
		return buildXLSX(xopts{sharedStrings: true},
			xsheet{name: "代码表", hidden: true, rows: [][]xc{texts("户属性"), texts("脱贫户")}},
			xsheet{name: "花名册", rows: rows})
	},
	// 贷款 with a percent-formatted rate, number cells and no r attributes.
	"loans_styles.xlsx": func() []byte {
		rows := grid(Headers("loans"),
			map[string]xc{"贷款合同号": T("DK2026-0001"), "借款人身份证号": T(idn("19800101", 5)), "贷款银行": T("浏阳农商银行"), "金额(元)": N("50000"),
				"期限(月)": N("36"), "年利率": Pct("0.0435"), "用途": T("油茶种植"), "发放日期": D(2026, 4, 1)},
			nil,
			map[string]xc{"贷款合同号": T("DK2026-0002"), "借款人身份证号": N("439901198001010059"), "贷款银行": T("邮储银行"), "金额(元)": N("20000.001"),
				"期限(月)": T("24个月"), "年利率": N("3.85"), "用途": T("养殖"), "发放日期": T("2026/4/2")},
		)
		return buildXLSX(xopts{noRefs: true}, xsheet{name: "Sheet1", rows: rows})
	},
}

func TestFixturesUpToDate(t *testing.T) {
	for name, gen := range fixtures {
		path := filepath.Join("testdata", name)
		data := gen()
		if *update {
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		old, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to write it)", err)
		}
		if !bytes.Equal(old, data) {
			t.Errorf("%s differs from its definition: run `go test ./importer -run TestFixturesUpToDate -update`", path)
		}
	}
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestFixturePersonsShared(t *testing.T) {
	p := mustParse(t, "persons", "花名册.xlsx", readFixture(t, "persons_shared.xlsx"), Options{})
	noErrors(t, p)
	if len(p.Persons) != 2 || p.Persons[0].JoinedOn != date(1990, 5, 1) || p.Persons[1].JoinedOn != date(2010, 1, 1) || p.Persons[1].Name != "张小" {
		t.Errorf("%+v", p.Persons)
	}
}

func TestFixtureLoansStyles(t *testing.T) {
	p := mustParse(t, "loans", "贷款.xlsx", readFixture(t, "loans_styles.xlsx"), Options{})
	if len(p.Loans) != 2 || p.Loans[0].RateBP != 435 || p.Loans[0].Amount != 5000000 || p.Loans[0].TermMonths != 36 || p.Loans[1].Row != 4 || p.Loans[1].RateBP != 385 {
		t.Errorf("%+v", p.Loans)
	}
	wantError(t, p, 4, "借款人身份证号", "id_number_not_text", msgIDNumberNotText)
	wantError(t, p, 4, "金额(元)", "", "")
	if len(p.Errors) != 2 {
		t.Errorf("errors %+v", p.Errors)
	}
}
