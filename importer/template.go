package importer

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// What a template says about its columns: the example row under the
// header, the allowed values of the enumerated columns (Excel dropdowns)
// and a note on each header cell. The example row is fictitious: its ID
// numbers use the area code 439901, which GB/T 2260 does not assign, with a
// valid check digit; a sheet that still holds it untouched is refused
// (exampleRow in parseTable), so that it is never imported by mistake.

// ExampleNote is the comment on the example row's first cell.
const ExampleNote = "示例行，导入前请删除或覆盖"

// ListSheet is the hidden worksheet of the allowed values whose list is too
// long for a dropdown's own formula (Excel's limit: 255 characters).
const ListSheet = "允许值"

// ValidationRows is how far down a template's dropdowns reach.
const ValidationRows = 10000

// maxListFormula is Excel's limit on a dropdown list typed into its
// formula (the values and their commas).
const maxListFormula = 255

var (
	exampleID     = ledger.MakeIDNumber("439901", time.Date(1968, 3, 4, 0, 0, 0, 0, time.UTC), 12)
	exampleSpouse = ledger.MakeIDNumber("439901", time.Date(1970, 8, 21, 0, 0, 0, 0, time.UTC), 24)
)

// exampleAccount is plainly a placeholder (a run of zeros).
const exampleAccount = "6230900000000001234"

// examples are the example row of each kind by header (blank cells left
// out). Every value is one the importer accepts.
var examples = map[string]map[string]string{
	"persons": {"村": "东山村", "村民小组": "一组", "户主身份证号": exampleID, "姓名": "张三", "身份证号": exampleID,
		"与户主关系": "户主", "户属性": ledger.KindLifted, "迁入本户日期": "2020-01-01", "一卡通开户行": "浏阳农商银行",
		"一卡通账号": exampleAccount},
	"registers": {"身份证号": exampleSpouse, "登记类型": "干部亲属", "日期": "2026-03-10", "关联身份证号": exampleID},
	"funds": {"指标文号": "浏财农〔2026〕12号", "资金名称": "中央财政衔接推进乡村振兴补助资金", "资金来源级次": "中央",
		"资金性质": "专项扶贫资金", "功能科目": "2130599", "用途类别": "产业", "年度": "2026", "金额(元)": "500000.00",
		"到账日期": "2026-03-10"},
	"projects": {"项目编号": "XM2026-001", "项目名称": "东山村油茶基地建设", "项目类别": "产业", "建设性质": "新建",
		"村": "东山村", "建设任务": "新建油茶基地200亩", "预算(元)": "500000.00", "实施单位": "东山村股份经济合作社",
		"责任人": "李四", "开始日期": "2026-03-10", "结束日期": "2026-12-31", "受益户数": "120", "受益脱贫户数": "35",
		"绩效目标": "新增油茶200亩，带动120户增收", "带贫减贫机制": "脱贫户务工、入股分红", "项目状态": ledger.ProjDeclared},
	"allocations": {"指标文号": "浏财农〔2026〕12号", "项目编号": "XM2026-001", "金额(元)": "200000.00",
		"拨付日期": "2026-04-01", "拨付文号": "镇头财拨〔2026〕3号"},
	"payments": {"凭证号": "PZ2026-0001", "项目编号": "XM2026-001", "指标文号": "浏财农〔2026〕12号",
		"付款类型": ledger.PaySubsidy, "收款人身份证号": exampleID, "收款账号": exampleAccount, "数量": "1",
		"金额(元)": "1200.00", "所属期间": "2026-04", "支付日期": "2026-04-10"},
	"loans": {"贷款合同号": "DK2026-001", "借款人身份证号": exampleID, "贷款银行": "浏阳农商银行", "金额(元)": "50000.00",
		"期限(月)": "36", "年利率": "3.45", "用途": "发展油茶种植", "发放日期": "2026-03-10", "到期日期": "2029-03-09"},
	"repayments": {"贷款合同号": "DK2026-001", "还款日期": "2026-09-21", "金额(元)": "1000.00"},
	"bank_returns": {"批次号": "PL20260410", "凭证号": "PZ2026-0001", "账号": exampleAccount, "户名": "张三",
		"金额": "1200.00", "状态": "成功", "交易日期": "2026-04-10", "银行": "浏阳农商银行"},
}

// ExampleRow returns a kind's example row in the order of Headers (nil for
// an unknown kind).
func ExampleRow(kind string) []string {
	ex, ok := examples[kind]
	if !ok {
		return nil
	}
	hs := Headers(kind)
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = ex[h]
	}
	return out
}

// choiceList is an enumerated column's allowed values. Strict lists are
// the only values the importer accepts (Excel refuses others); the others
// are the usual values, others being accepted as typed (Excel warns).
type choiceList struct {
	values []string
	strict bool
}

// headRelationsUsual are the usual 与户主关系 values (others are accepted).
var headRelationsUsual = []string{"户主", "配偶", "子女", "儿子", "女儿", "儿媳", "女婿", "孙子女", "父母", "兄弟姐妹", "其他"}

// choices are the enumerated columns of each kind.
var choices = map[string]map[string]choiceList{
	"persons": {
		"与户主关系": {values: headRelationsUsual},
		"户属性":   {values: ledger.HouseholdKinds, strict: true},
		"监测类型":  {values: ledger.MonitoringKinds, strict: true},
	},
	"registers": {"登记类型": {values: registerKinds, strict: true}},
	"funds": {
		"资金来源级次": {values: ledger.SourceLevels}, // aliases (县级, 市级 …) are accepted too
		"资金性质":   {values: ledger.FundNatures},
		"用途类别":   {values: ledger.Purposes, strict: true},
	},
	"projects": {
		"项目类别": {values: ledger.Purposes, strict: true},
		"建设性质": {values: natures, strict: true},
		"项目状态": {values: ledger.ProjectStates, strict: true},
	},
	"payments":     {"付款类型": {values: ledger.PaymentKinds, strict: true}},
	"bank_returns": {"状态": {values: []string{"成功", "失败", "退回"}}},
}

// Choices returns the allowed values of a kind's enumerated columns by
// header (the template's dropdowns), besides the town's own lists that
// TemplateOptions adds.
func Choices(kind string) map[string][]string {
	out := map[string][]string{}
	for h, c := range choices[kind] {
		out[h] = c.values
	}
	return out
}

// colNotes say what a column holds, where its header does not say it all.
var colNotes = map[string]string{
	"村":         "村的名称或代码，与本镇登记的村一致",
	"村民小组":      "村民小组名称，如 一组",
	"户主身份证号":    "户主本人的身份证号；户主这一行填自己的号码",
	"姓名":        "与身份证一致",
	"与户主关系":     "户主（或本人）、配偶、子女等；列表之外的可照实填写",
	"户属性":       "从下拉列表中选择",
	"监测类型":      "户属性为监测对象时必填",
	"迁入本户日期":    "迁入本户的日期，原户籍人口可留空",
	"一卡通开户行":    "惠民惠农财政补贴资金“一卡通”的开户银行",
	"一卡通户名身份证号": "一卡通户名不是本人时，填写户名人的身份证号",
	"联系电话":      "手机或固定电话",
	"登记类型":      "从下拉列表中选择",
	"日期":        "登记事项发生的日期",
	"关联身份证号":    "登记类型为干部亲属时必填：干部本人的身份证号",
	"指标文号":      "资金指标文件的文号，如 浏财农〔2026〕12号",
	"资金名称":      "资金全称",
	"资金来源级次":    "中央、省级、市州级、县市区级、乡镇级或社会帮扶（也可填本镇设置的别名，如 县级）",
	"资金性质":      "如 专项扶贫资金、统筹整合涉农资金；列表之外的可照实填写",
	"功能科目":      "政府收支分类的功能科目代码，如 2130599",
	"用途类别":      "从下拉列表中选择",
	"年度":        "资金所属年度，四位数字，如 2026",
	"项目编号":      "本镇项目库的项目编号",
	"项目名称":      "项目全称",
	"项目类别":      "从下拉列表中选择",
	"建设性质":      "从下拉列表中选择",
	"建设任务":      "建设内容和规模",
	"实施单位":      "项目实施单位",
	"责任人":       "项目责任人姓名",
	"受益户数":      "整数",
	"受益脱贫户数":    "整数，不多于受益户数",
	"绩效目标":      "项目的绩效目标",
	"带贫减贫机制":    "联农带农、带贫减贫的方式",
	"项目状态":      "从下拉列表中选择；留空即申报",
	"批复文号":      "项目批复文件的文号",
	"拨付文号":      "拨付文件的文号",
	"凭证号":       "记账凭证号，每笔支付一个",
	"补贴项目代码":    "本镇补贴项目目录中的代码（补助类支付填写）",
	"付款类型":      "从下拉列表中选择",
	"收款人身份证号":   "收款人为个人时填写；与收款单位二选一",
	"收款单位":      "收款人为单位时填写单位全称，并填统一社会信用代码",
	"统一社会信用代码":  "18位统一社会信用代码（收款人为单位时必填）",
	"账户户名身份证号":  "收款账户户名不是收款人本人时，填写户名人的身份证号",
	"数量":        "整数，留空为 1",
	"所属期间":      "补助所属的年、季或月，如 2026、2026-Q1 或 2026-04",
	"发票号":       "工程款等凭发票支付时填写",
	"合同号":       "按合同支付时填写",
	"贷款合同号":     "小额信贷的贷款合同号",
	"贷款银行":      "放贷银行",
	"期限(月)":     "贷款期限，整数月数",
	"年利率":       "年利率百分数，如 3.45 表示 3.45%",
	"用途":        "贷款用途",
	"批次号":       "银行代发批次号",
	"户名":        "银行账户户名",
	"状态":        "成功、失败或退回",
	"银行":        "代发银行",
	"失败原因":      "银行返回的失败或退回原因",
}

// HeaderNote returns the note on a header cell: whether the column must be
// filled, what it holds and its format. "" for an unknown column.
func HeaderNote(kind, header string) string {
	s, ok := specOf(kind)
	if !ok {
		return ""
	}
	i, ok := s.idx[header]
	if !ok {
		return ""
	}
	c := s.cols[i]
	var b strings.Builder
	if c.CellRequired {
		b.WriteString("【必填】")
	} else {
		b.WriteString("【可留空】")
	}
	b.WriteString(header)
	if n := colNotes[header]; n != "" {
		b.WriteString("：" + n)
	}
	b.WriteString("。")
	switch {
	case strings.HasSuffix(header, "日期"):
		b.WriteString("格式：年-月-日，如 2026-03-10。")
	case strings.Contains(header, "(元)") || header == "金额":
		b.WriteString("金额以元为单位，最多两位小数，如 12500.00（不要填万元，不要加“元”字）。")
	case strings.HasSuffix(header, "身份证号"):
		b.WriteString("18位居民身份证号，按文本填写（本列已设为文本格式，以免 Excel 把号码变成科学计数法），末位 X 大写。")
	case strings.HasSuffix(header, "账号"):
		b.WriteString("银行卡号或账号，按文本填写，不要有空格。")
	}
	return b.String()
}

// TemplateOptions add a town's own lists to a template.
type TemplateOptions struct {
	// Lists are allowed values of other columns by header (the town's
	// villages for 村, its item codes for 补贴项目代码), offered as
	// dropdowns that warn on other values.
	Lists map[string][]string
}

// Template returns a kind's template as finance staff download it: the
// sheet of Workbook with its header row (bold, each header with a note),
// an example row in grey italics (its first cell noting that it is an
// example), every column formatted as text, and a dropdown (Excel data
// validation, to row ValidationRows) on each enumerated column; a list
// longer than a dropdown's formula holds is kept on the hidden sheet
// ListSheet. It refuses an unknown kind (not_found).
func Template(kind string, opt TemplateOptions) ([]byte, error) {
	hs := Headers(kind)
	if hs == nil {
		return nil, ledger.Errorf(ledger.CodeNotFound, "没有这种导入类型：%s", kind)
	}
	f := excelize.NewFile()
	defer f.Close()
	sheet := SheetName(kind)
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49})
	if err != nil {
		return nil, err
	}
	bold, err := f.NewStyle(&excelize.Style{NumFmt: 49, Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	grey, err := f.NewStyle(&excelize.Style{NumFmt: 49, Font: &excelize.Font{Italic: true, Color: "808080"}})
	if err != nil {
		return nil, err
	}
	last, _ := excelize.ColumnNumberToName(len(hs))
	for i, h := range hs {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(sheet, col, col, float64(max(12, 2*len([]rune(h))+4))); err != nil {
			return nil, err
		}
	}
	if err := f.SetColStyle(sheet, "A:"+last, text); err != nil {
		return nil, err
	}
	if err := f.SetSheetRow(sheet, "A1", &hs); err != nil {
		return nil, err
	}
	ex := ExampleRow(kind)
	if err := f.SetSheetRow(sheet, "A2", &ex); err != nil {
		return nil, err
	}
	if err := f.SetCellStyle(sheet, "A1", last+"1", bold); err != nil {
		return nil, err
	}
	if err := f.SetCellStyle(sheet, "A2", last+"2", grey); err != nil {
		return nil, err
	}
	for i, h := range hs {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		if err := f.AddComment(sheet, excelize.Comment{Author: "阳光账本", Cell: cell, Text: HeaderNote(kind, h), Width: 240, Height: 90}); err != nil {
			return nil, err
		}
	}
	// The header's comment of column A sits on A1; the example's on A2.
	if err := f.AddComment(sheet, excelize.Comment{Author: "阳光账本", Cell: "A2", Text: ExampleNote + "（本行为虚构的示例，原样保留会被拒绝导入）", Width: 240, Height: 60}); err != nil {
		return nil, err
	}
	listCol := 0
	for i, h := range hs {
		c, ok := choices[kind][h]
		if extra, has := opt.Lists[h]; has && !ok && len(extra) > 0 {
			c, ok = choiceList{values: extra}, true
		}
		if !ok {
			continue
		}
		col, _ := excelize.ColumnNumberToName(i + 1)
		dv := excelize.NewDataValidation(true)
		dv.Sqref = fmt.Sprintf("%s2:%s%d", col, col, ValidationRows)
		if formulaLen(c.values) <= maxListFormula {
			if err := dv.SetDropList(c.values); err != nil {
				return nil, err
			}
		} else {
			if listCol == 0 {
				if _, err := f.NewSheet(ListSheet); err != nil {
					return nil, err
				}
				if err := f.SetSheetVisible(ListSheet, false); err != nil {
					return nil, err
				}
			}
			listCol++
			lc, _ := excelize.ColumnNumberToName(listCol)
			vals := append([]string{h}, c.values...)
			if err := f.SetSheetCol(ListSheet, lc+"1", &vals); err != nil {
				return nil, err
			}
			dv.SetSqrefDropList(fmt.Sprintf("'%s'!$%s$2:$%s$%d", ListSheet, lc, lc, len(c.values)+1))
		}
		if c.strict {
			dv.SetError(excelize.DataValidationErrorStyleStop, h, "请从下拉列表中选择："+joinShort(c.values))
		} else {
			dv.SetError(excelize.DataValidationErrorStyleWarning, h, "不在常用值中，请确认："+joinShort(c.values))
		}
		if err := f.AddDataValidation(sheet, dv); err != nil {
			return nil, err
		}
	}
	f.SetActiveSheet(0)
	b, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func formulaLen(values []string) int {
	return len(utf16.Encode([]rune(strings.Join(values, ","))))
}

// joinShort lists values for a dropdown's message (at most 225 characters:
// Excel's limit on it is 255).
func joinShort(values []string) string {
	s := join(values)
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "……"
	}
	return s
}

// msgExampleRow refuses a template's example row left as it was.
const msgExampleRow = "这是模板自带的示例行（灰色斜体，内容为虚构），尚未修改，不能导入：请删除该行或用实际数据覆盖后重新上传"

// isExample reports whether a row still holds every filled cell of its
// kind's example row unchanged: the untouched example (a row that shares
// all of them, fictitious ID numbers included, is no real record).
func isExample(spec *sheetSpec, vals []cell) bool {
	ex := examples[spec.kind]
	if len(ex) == 0 {
		return false
	}
	for h, v := range ex {
		i, ok := spec.idx[h]
		if !ok || i >= len(vals) || trimText(vals[i].val) != v {
			return false
		}
	}
	return true
}
