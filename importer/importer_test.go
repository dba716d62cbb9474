package importer

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/sunshine-ledger/sunshine/ledger"
)

func date(y, m, d int) ledger.Date { return ledger.Date{Year: y, Month: time.Month(m), Day: d} }

func TestKindsAndHeaders(t *testing.T) {
	want := map[string][]string{
		"persons":      {"村", "村民小组", "户主身份证号", "姓名", "身份证号", "与户主关系", "户属性", "监测类型", "迁入本户日期", "一卡通开户行", "一卡通账号", "一卡通户名身份证号", "联系电话"},
		"registers":    {"身份证号", "登记类型", "日期", "关联身份证号"},
		"funds":        {"指标文号", "资金名称", "资金来源级次", "资金性质", "功能科目", "用途类别", "年度", "金额(元)", "到账日期"},
		"projects":     {"项目编号", "项目名称", "项目类别", "建设性质", "村", "建设任务", "预算(元)", "实施单位", "责任人", "开始日期", "结束日期", "受益户数", "受益脱贫户数", "绩效目标", "带贫减贫机制", "项目状态", "批复文号", "批复日期"},
		"allocations":  {"指标文号", "项目编号", "金额(元)", "拨付日期", "拨付文号"},
		"payments":     payHeaders,
		"loans":        {"贷款合同号", "借款人身份证号", "贷款银行", "金额(元)", "期限(月)", "年利率", "用途", "发放日期", "到期日期"},
		"repayments":   {"贷款合同号", "还款日期", "金额(元)"},
		"bank_returns": {"批次号", "凭证号", "账号", "户名", "金额", "状态", "交易日期", "银行", "失败原因"},
	}
	kinds := Kinds()
	if !reflect.DeepEqual(kinds, []string{"persons", "registers", "funds", "projects", "allocations", "payments", "loans", "repayments", "bank_returns"}) {
		t.Fatalf("Kinds() = %v", kinds)
	}
	for _, k := range kinds {
		if got := Headers(k); !reflect.DeepEqual(got, want[k]) {
			t.Errorf("Headers(%s) = %v, want %v", k, got, want[k])
		}
		if SheetName(k) == "" {
			t.Errorf("SheetName(%s) is empty", k)
		}
	}
	if Headers("nope") != nil || Columns("nope") != nil {
		t.Error("unknown kind has headers")
	}
	// The optional columns the brief names are optional.
	optional := map[string][]string{
		"persons":     {"监测类型", "一卡通开户行", "一卡通账号", "一卡通户名身份证号", "联系电话"},
		"registers":   {"关联身份证号"},
		"projects":    {"批复文号", "批复日期"},
		"allocations": {"拨付文号"},
		"payments":    {"补贴项目代码", "发票号", "合同号", "贷款合同号", "数量", "收款账号", "账户户名身份证号"},
	}
	for k, hs := range optional {
		for _, c := range Columns(k) {
			if c.Extra {
				if c.Required {
					t.Errorf("%s %s: an extra column is required", k, c.Header)
				}
				continue
			}
			if slices.Contains(hs, c.Header) == c.Required {
				t.Errorf("%s %s: Required = %v", k, c.Header, c.Required)
			}
		}
	}
}

// TestEveryKind parses one small valid sheet of every kind and checks every
// field of the records.
func TestEveryKind(t *testing.T) {
	head, wife := idn("19700101", 11), idn("19720202", 22)
	org := usccOf(7)
	cases := []struct {
		kind string
		rows [][]xc
		want func(p *Parsed) any
		exp  any
	}{
		{
			kind: "persons",
			rows: grid(Headers("persons"),
				map[string]xc{"村": T("东山村"), "村民小组": T("三组"), "户主身份证号": T(head), "姓名": T("张三"), "身份证号": T(head),
					"与户主关系": T("户主"), "户属性": T("脱贫户"), "迁入本户日期": D(1990, 5, 1), "一卡通开户行": T("浏阳农商银行"),
					"一卡通账号": T("6217 0000 1111 2222"), "一卡通户名身份证号": T(head), "联系电话": N("13800000000")},
				map[string]xc{"村": T("430181100201"), "村民小组": T("三组"), "户主身份证号": T(head), "姓名": T("李四"), "身份证号": T(wife),
					"与户主关系": T("配偶"), "户属性": T("监测对象"), "监测类型": T("边缘易致贫户")}),
			want: func(p *Parsed) any { return p.Persons },
			exp: []ledger.PersonRow{
				{Row: 2, Village: "东山村", Group: "三组", HeadIDNumber: head, Name: "张三", IDNumber: head, Relation: "户主", HouseholdKind: "脱贫户",
					JoinedOn: date(1990, 5, 1), Bank: "浏阳农商银行", AccountNo: "6217000011112222", AccountHolderIDNumber: head, Phone: "13800000000"},
				{Row: 3, Village: "430181100201", Group: "三组", HeadIDNumber: head, Name: "李四", IDNumber: wife, Relation: "配偶", HouseholdKind: "监测对象",
					MonitoringKind: "边缘易致贫户"},
			},
		},
		{
			kind: "registers",
			rows: grid(Headers("registers"),
				map[string]xc{"身份证号": T(wife), "登记类型": T("干部亲属"), "日期": T("2026/3/1"), "关联身份证号": T(head)},
				map[string]xc{"身份证号": T(head), "登记类型": T("死亡"), "日期": D(2026, 2, 28)}),
			want: func(p *Parsed) any { return p.Registers },
			exp: []ledger.RegisterRow{
				{Row: 2, IDNumber: wife, Kind: "干部亲属", On: date(2026, 3, 1), RelatedIDNumber: head},
				{Row: 3, IDNumber: head, Kind: "死亡", On: date(2026, 2, 28)},
			},
		},
		{
			kind: "funds",
			rows: grid(Headers("funds"),
				map[string]xc{"指标文号": T("湘财农指〔2026〕1号"), "资金名称": T("2026年中央衔接资金"), "资金来源级次": T("中央"), "资金性质": T("专项扶贫资金"),
					"功能科目": N("2130599"), "用途类别": T("产业"), "年度": N("2026"), "金额(元)": N("1000000"), "到账日期": D(2026, 1, 15)},
				map[string]xc{"指标文号": T("浏财农〔2026〕3号"), "资金名称": T("县级配套"), "资金来源级次": T("市级"), "资金性质": T("统筹整合涉农资金"),
					"用途类别": T("基础设施"), "年度": T("2026年"), "金额(元)": T("¥50,000.50"), "到账日期": T("2026年2月1日")}),
			want: func(p *Parsed) any { return p.Funds },
			exp: []ledger.FundRow{
				{Row: 2, DocNo: "湘财农指〔2026〕1号", Name: "2026年中央衔接资金", SourceLevel: "中央", Nature: "专项扶贫资金", FunctionCode: "2130599",
					Purpose: "产业", Year: 2026, Amount: 100000000, ArrivedOn: date(2026, 1, 15)},
				{Row: 3, DocNo: "浏财农〔2026〕3号", Name: "县级配套", SourceLevel: "市级", Nature: "统筹整合涉农资金", Purpose: "基础设施",
					Year: 2026, Amount: 5000050, ArrivedOn: date(2026, 2, 1)},
			},
		},
		{
			kind: "projects",
			rows: grid(append(Headers("projects"), "群众参与"),
				map[string]xc{"项目编号": T("XM2026-001"), "项目名称": T("东山村油茶基地"), "项目类别": T("产业"), "建设性质": T("新建"), "村": T("东山村"),
					"建设任务": T("新造油茶200亩"), "预算(元)": N("300000"), "实施单位": T("东山村油茶专业合作社"), "责任人": T("王五"),
					"开始日期": D(2026, 3, 1), "结束日期": D(2026, 12, 31), "受益户数": N("50"), "受益脱贫户数": T("20户"),
					"绩效目标": T("产出：油茶200亩"), "带贫减贫机制": T("务工、分红"), "项目状态": T("实施"), "批复文号": T("浏农发〔2026〕8号"),
					"批复日期": D(2026, 2, 20), "群众参与": T("村民代表会议")},
				map[string]xc{"项目编号": T("XM2026-002"), "项目名称": T("镇级道路"), "项目类别": T("基础设施"), "建设性质": T("改扩建"),
					"预算(元)": T("1,000,000"), "开始日期": T("2026-06-01")}),
			want: func(p *Parsed) any { return p.Projects },
			exp: []ledger.ProjectRow{
				{Row: 2, Code: "XM2026-001", Name: "东山村油茶基地", Category: "产业", Nature: "新建", Village: "东山村", Task: "新造油茶200亩",
					Budget: 30000000, Implementer: "东山村油茶专业合作社", ResponsiblePerson: "王五", StartOn: date(2026, 3, 1), EndOn: date(2026, 12, 31),
					Beneficiaries: 50, PoorBeneficiaries: 20, Targets: "产出：油茶200亩", Mechanism: "务工、分红", Participation: "村民代表会议",
					Status: "实施", ApprovalDocNo: "浏农发〔2026〕8号", ApprovedOn: date(2026, 2, 20)},
				{Row: 3, Code: "XM2026-002", Name: "镇级道路", Category: "基础设施", Nature: "改扩建", Budget: 100000000, StartOn: date(2026, 6, 1), Status: "申报"},
			},
		},
		{
			kind: "allocations",
			rows: grid(Headers("allocations"),
				map[string]xc{"指标文号": T("湘财农指〔2026〕1号"), "项目编号": T("XM2026-001"), "金额(元)": N("150000"), "拨付日期": D(2026, 3, 5), "拨付文号": T("镇拨〔2026〕2号")},
				map[string]xc{"指标文号": T("湘财农指〔2026〕1号"), "项目编号": T("XM2026-002"), "金额(元)": T("2000.5"), "拨付日期": T("2026-03-06")}),
			want: func(p *Parsed) any { return p.Allocations },
			exp: []ledger.AllocationRow{
				{Row: 2, DocNo: "湘财农指〔2026〕1号", ProjectCode: "XM2026-001", Amount: 15000000, AllocatedOn: date(2026, 3, 5), AllocationDocNo: "镇拨〔2026〕2号"},
				{Row: 3, DocNo: "湘财农指〔2026〕1号", ProjectCode: "XM2026-002", Amount: 200050, AllocatedOn: date(2026, 3, 6)},
			},
		},
		{
			kind: "payments",
			rows: grid(payHeaders,
				payRow(1, map[string]xc{"收款人身份证号": T(head), "账户户名身份证号": T(wife), "所属期间": T("2026-Q1"), "数量": {}}),
				payRow(2, map[string]xc{"补贴项目代码": {}, "付款类型": T("进度款"), "收款人身份证号": {}, "收款单位": T("东山村油茶专业合作社"),
					"统一社会信用代码": T(org), "收款账号": T("43050164613600000123"), "数量": {}, "金额(元)": N("150000"), "所属期间": {},
					"支付日期": D(2026, 3, 10), "发票号": T("No.00012345"), "合同号": T("HT-2026-01")}),
				payRow(3, map[string]xc{"收款人身份证号": T(wife), "补贴项目代码": T("TX01"), "贷款合同号": T("DK2025-0099"), "所属期间": D(2026, 3, 1)})),
			want: func(p *Parsed) any { return p.Payments },
			exp: []ledger.PaymentRow{
				{Row: 2, VoucherNo: "记-0001", ProjectCode: "XM2026-001", DocNo: "湘财农指〔2026〕1号", ItemCode: "CY01", Kind: "补助", PayeeIDNumber: head,
					AccountNo: "6217000000000001", AccountHolderIDNumber: wife, Quantity: 1, Amount: 20000, Period: ledger.Period{Year: 2026, Quarter: 1},
					PaidOn: date(2026, 3, 1)},
				{Row: 3, VoucherNo: "记-0002", ProjectCode: "XM2026-001", DocNo: "湘财农指〔2026〕1号", Kind: "进度款", PayeeOrgName: "东山村油茶专业合作社",
					PayeeUSCC: org, AccountNo: "43050164613600000123", Quantity: 1, Amount: 15000000, PaidOn: date(2026, 3, 10), InvoiceNo: "No.00012345",
					ContractNo: "HT-2026-01"},
				{Row: 4, VoucherNo: "记-0003", ProjectCode: "XM2026-001", DocNo: "湘财农指〔2026〕1号", ItemCode: "TX01", Kind: "补助", PayeeIDNumber: wife,
					AccountNo: "6217000000000003", Quantity: 2, Amount: 20000, Period: ledger.Period{Year: 2026, Month: 3}, PaidOn: date(2026, 3, 1),
					LoanContractNo: "DK2025-0099"},
			},
		},
		{
			kind: "loans",
			rows: grid(Headers("loans"),
				map[string]xc{"贷款合同号": T("DK2026-0001"), "借款人身份证号": T(head), "贷款银行": T("浏阳农商银行"), "金额(元)": N("50000"),
					"期限(月)": N("36"), "年利率": N("4.35"), "用途": T("发展油茶种植"), "发放日期": D(2026, 4, 1), "到期日期": D(2029, 3, 31)},
				map[string]xc{"贷款合同号": T("DK2026-0002"), "借款人身份证号": T(wife), "贷款银行": T("邮储银行"), "金额(元)": T("30,000.00"),
					"期限(月)": T("24个月"), "年利率": Pct("0.0385"), "用途": T("养殖"), "发放日期": T("2026-04-02")},
				map[string]xc{"贷款合同号": T("DK2026-0003"), "借款人身份证号": T(wife), "贷款银行": T("邮储银行"), "金额(元)": T("10000"),
					"期限(月)": T("12"), "年利率": T("3.45%"), "用途": T("养殖"), "发放日期": T("2026-04-03")}),
			want: func(p *Parsed) any { return p.Loans },
			exp: []ledger.LoanRow{
				{Row: 2, ContractNo: "DK2026-0001", BorrowerIDNumber: head, Bank: "浏阳农商银行", Amount: 5000000, TermMonths: 36, RateBP: 435,
					Use: "发展油茶种植", GrantedOn: date(2026, 4, 1), DueOn: date(2029, 3, 31)},
				{Row: 3, ContractNo: "DK2026-0002", BorrowerIDNumber: wife, Bank: "邮储银行", Amount: 3000000, TermMonths: 24, RateBP: 385,
					Use: "养殖", GrantedOn: date(2026, 4, 2)},
				{Row: 4, ContractNo: "DK2026-0003", BorrowerIDNumber: wife, Bank: "邮储银行", Amount: 1000000, TermMonths: 12, RateBP: 345,
					Use: "养殖", GrantedOn: date(2026, 4, 3)},
			},
		},
		{
			kind: "repayments",
			rows: grid(Headers("repayments"),
				map[string]xc{"贷款合同号": T("DK2026-0001"), "还款日期": D(2026, 10, 1), "金额(元)": N("10000")},
				map[string]xc{"贷款合同号": T("DK2026-0001"), "还款日期": T("2027/4/1"), "金额(元)": T("40000元")}),
			want: func(p *Parsed) any { return p.Repayments },
			exp: []ledger.RepaymentRow{
				{Row: 2, ContractNo: "DK2026-0001", RepaidOn: date(2026, 10, 1), Amount: 1000000},
				{Row: 3, ContractNo: "DK2026-0001", RepaidOn: date(2027, 4, 1), Amount: 4000000},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.kind, func(t *testing.T) {
			for _, o := range []xopts{{}, {sharedStrings: true}, {noRefs: true}, {prefix: true}} {
				data := buildXLSX(o, xsheet{name: "Sheet1", rows: tc.rows})
				p := mustParse(t, tc.kind, "up.xlsx", data, Options{})
				noErrors(t, p)
				if p.Kind != tc.kind || p.Rows != len(tc.rows)-1 {
					t.Errorf("%+v: Kind %q Rows %d", o, p.Kind, p.Rows)
				}
				// the import as the ledger takes it: the file named and hashed
				if sum := sha256.Sum256(data); p.Filename != "up.xlsx" || p.FileSHA256 != hex.EncodeToString(sum[:]) {
					t.Errorf("%+v: Filename %q FileSHA256 %q", o, p.Filename, p.FileSHA256)
				}
				if got := tc.want(p); !reflect.DeepEqual(got, tc.exp) {
					t.Errorf("%+v:\n got %+v\nwant %+v", o, got, tc.exp)
				}
			}
		})
	}
}

func TestNumberCellsForIDsAndAccountsRefused(t *testing.T) {
	head := idn("19700101", 11)
	rows := grid(payHeaders,
		payRow(1, map[string]xc{"收款人身份证号": N("439901197001011000")}),
		payRow(2, map[string]xc{"收款账号": N("6217000000000002")}),
		payRow(3, map[string]xc{"账户户名身份证号": N("4.39901197001011E+17")}),
		payRow(4, map[string]xc{"收款人身份证号": T(badIDN("19700101", 11))}),
		payRow(5, map[string]xc{"收款人身份证号": {}, "收款单位": T("某合作社"), "统一社会信用代码": T("91439901MA0000000X")}),
		payRow(6, map[string]xc{"收款人身份证号": T(head)}),
	)
	p := mustParse(t, "payments", "p.xlsx", oneSheet("Sheet1", rows), Options{})
	wantError(t, p, 2, "收款人身份证号", ledger.CodeIDNumberNotText, "身份证号单元格为数字格式，末几位已丢失，请设置为文本格式")
	wantError(t, p, 3, "收款账号", ledger.CodeIDNumberNotText, "账号单元格为数字格式，末几位已丢失，请设置为文本格式")
	wantError(t, p, 4, "账户户名身份证号", ledger.CodeIDNumberNotText, "身份证号单元格为数字格式，末几位已丢失，请设置为文本格式")
	wantError(t, p, 5, "收款人身份证号", ledger.CodeInvalidIDNumber, "")
	wantError(t, p, 6, "统一社会信用代码", ledger.CodeInvalidUSCC, "")
	for _, e := range p.Errors {
		if e.Code == ledger.CodeIDNumberNotText && e.Message != msgIDNumberNotText && e.Message != msgAccountNotText {
			t.Errorf("message %q", e.Message)
		}
	}
	if len(p.Errors) != 5 {
		t.Errorf("want 5 errors, got %+v", p.Errors)
	}
	if len(p.Payments) != 6 || p.Payments[5].PayeeIDNumber != head {
		t.Errorf("rows: %+v", p.Payments)
	}

	// Every ID and account column of every sheet.
	idCols := map[string][]string{
		"persons":   {"户主身份证号", "身份证号", "一卡通户名身份证号", "一卡通账号"},
		"registers": {"身份证号", "关联身份证号"},
		"loans":     {"借款人身份证号"},
	}
	for kind, cols := range idCols {
		for _, h := range cols {
			row := map[string]xc{}
			for _, c := range Columns(kind) {
				row[c.Header] = T("x")
			}
			row[h] = N("439901197001011000")
			p := mustParse(t, kind, "x.xlsx", oneSheet("Sheet1", grid(Headers(kind), row)), Options{})
			msg := msgIDNumberNotText
			if strings.Contains(h, "账号") {
				msg = msgAccountNotText
			}
			if errs := errorsAt(p, 2, h); len(errs) != 1 || errs[0].Code != ledger.CodeIDNumberNotText || errs[0].Message != msg {
				t.Errorf("%s %s: %+v", kind, h, errs)
			}
		}
	}
}

func TestAmountCells(t *testing.T) {
	rows := grid(payHeaders,
		payRow(1, map[string]xc{"金额(元)": N("1200.5")}),
		payRow(2, map[string]xc{"金额(元)": N("1200.123")}),
		payRow(3, map[string]xc{"金额(元)": N("1200.1299999999999")}), // 1200.13 as a float
		payRow(4, map[string]xc{"金额(元)": T("1,200.00")}),
		payRow(5, map[string]xc{"金额(元)": T("1200.123")}),
		payRow(6, map[string]xc{"金额(元)": T("一千二")}),
		payRow(7, map[string]xc{"金额(元)": T("１２００")}),
		payRow(8, map[string]xc{"金额(元)": ErrCell("#VALUE!")}),
	)
	p := mustParse(t, "payments", "p.xlsx", oneSheet("Sheet1", rows), Options{})
	want := map[int]ledger.Fen{2: 120050, 4: 120013, 5: 120000, 8: 120000}
	for _, x := range p.Payments {
		if w, ok := want[x.Row]; ok && x.Amount != w {
			t.Errorf("row %d: amount %d, want %d", x.Row, x.Amount, w)
		}
	}
	wantError(t, p, 3, "金额(元)", "", "")
	wantError(t, p, 6, "金额(元)", "", "")
	wantError(t, p, 7, "金额(元)", "", "")
	wantError(t, p, 9, "金额(元)", "", "#VALUE!")
	if len(p.Errors) != 4 {
		t.Errorf("errors: %+v", p.Errors)
	}
}

func TestDate1904(t *testing.T) {
	rows := grid(Headers("repayments"), map[string]xc{"贷款合同号": T("DK1"), "还款日期": D(2026, 3, 1), "金额(元)": N("1")})
	for _, o := range []xopts{{}, {date1904: true}} {
		p := mustParse(t, "repayments", "r.xlsx", buildXLSX(o, xsheet{name: "还款", rows: rows}), Options{})
		noErrors(t, p)
		if got := p.Repayments[0].RepaidOn; got != date(2026, 3, 1) {
			t.Errorf("%+v: %v", o, got)
		}
	}
}

func TestDateAndPeriodCells(t *testing.T) {
	rows := grid(payHeaders,
		payRow(1, map[string]xc{"支付日期": D(2026, 3, 1), "所属期间": D(2026, 2, 15)}),
		payRow(2, map[string]xc{"支付日期": DCustom(2026, 3, 2), "所属期间": N("2026")}),
		payRow(3, map[string]xc{"支付日期": DTime(float64(excelSerial(2026, 3, 3)) + 0.75), "所属期间": N("202604")}),
		payRow(4, map[string]xc{"支付日期": T("2026/3/4"), "所属期间": T("2026年第2季度")}),
		payRow(5, map[string]xc{"支付日期": T("2026年3月5日"), "所属期间": T("2026年5月")}),
		payRow(6, map[string]xc{"支付日期": ISO("2026-03-06T00:00:00"), "所属期间": T("2026-03-09")}),
		payRow(7, map[string]xc{"支付日期": N("20260307"), "所属期间": T("202606")}),
		payRow(8, map[string]xc{"支付日期": T("2026-03-08 00:00:00"), "所属期间": T("2026-Q3")}),
		payRow(9, map[string]xc{"支付日期": T("2026-02-30"), "所属期间": T("2026-13")}),
		payRow(10, map[string]xc{"支付日期": T("下周一"), "所属期间": T("今年")}),
	)
	p := mustParse(t, "payments", "p.xlsx", oneSheet("Sheet1", rows), Options{})
	type dp struct {
		d ledger.Date
		p ledger.Period
	}
	want := []dp{
		{date(2026, 3, 1), ledger.Period{Year: 2026, Month: 2}},
		{date(2026, 3, 2), ledger.Period{Year: 2026}},
		{date(2026, 3, 3), ledger.Period{Year: 2026, Month: 4}},
		{date(2026, 3, 4), ledger.Period{Year: 2026, Quarter: 2}},
		{date(2026, 3, 5), ledger.Period{Year: 2026, Month: 5}},
		{date(2026, 3, 6), ledger.Period{Year: 2026, Month: 3}},
		{date(2026, 3, 7), ledger.Period{Year: 2026, Month: 6}},
		{date(2026, 3, 8), ledger.Period{Year: 2026, Quarter: 3}},
	}
	for i, w := range want {
		x := p.Payments[i]
		if x.PaidOn != w.d || x.Period != w.p {
			t.Errorf("row %d: %v %v, want %v %v", x.Row, x.PaidOn, x.Period, w.d, w.p)
		}
	}
	for _, row := range []int{10, 11} {
		wantError(t, p, row, "支付日期", "", "")
		wantError(t, p, row, "所属期间", "", "")
	}
	if len(p.Errors) != 4 {
		t.Errorf("errors: %+v", p.Errors)
	}
}

// TestThreeMalformedRows reads the committed fixture: valid rows, three
// malformed ones, a blank row, an extra column.
func TestThreeMalformedRows(t *testing.T) {
	data := readFixture(t, "payments_mixed.xlsx")
	p := mustParse(t, "payments", "发放明细.xlsx", data, Options{})
	if p.Rows != 6 || len(p.Payments) != 6 {
		t.Fatalf("rows %d payments %d", p.Rows, len(p.Payments))
	}
	got := map[string]bool{}
	for _, e := range p.Errors {
		got[fmt.Sprintf("%d %s", e.Row, e.Field)] = true
	}
	want := []string{"4 收款人身份证号", "6 金额(元)", "6 支付日期", "8 付款类型"}
	for _, w := range want {
		if !got[w] {
			t.Errorf("missing error %s; got %+v", w, p.Errors)
		}
	}
	if len(p.Errors) != len(want) {
		t.Errorf("errors: %+v", p.Errors)
	}
	wantError(t, p, 4, "收款人身份证号", ledger.CodeIDNumberNotText, msgIDNumberNotText)
	wantError(t, p, 6, "金额(元)", "", "")
	wantError(t, p, 8, "付款类型", "", "进度款、尾款、质保金、补助")
	// Row numbers are Excel's: the blank row 5 is skipped but counted.
	rowsSeen := []int{}
	for _, x := range p.Payments {
		rowsSeen = append(rowsSeen, x.Row)
	}
	if !reflect.DeepEqual(rowsSeen, []int{2, 3, 4, 6, 7, 8}) {
		t.Errorf("rows %v", rowsSeen)
	}
	// Good rows are intact: the number amount and the date cell.
	if x := p.Payments[1]; x.Amount != 120050 || x.PaidOn != date(2026, 3, 2) {
		t.Errorf("row 3: %+v", x)
	}
}

func TestMissingColumn(t *testing.T) {
	hs := slices.DeleteFunc(slices.Clone(payHeaders), func(h string) bool { return h == "金额(元)" || h == "支付日期" })
	rows := [][]xc{texts(hs...), texts(hs...)}
	for _, data := range [][]byte{oneSheet("Sheet1", rows), []byte(strings.Join(hs, ",") + "\n" + strings.Join(hs, ",") + "\n")} {
		_, err := Parse("payments", "p", data, Options{})
		e := fileError(t, err)
		if e.Code != ledger.CodeImportRowsInvalid || len(e.Fields) != 2 {
			t.Fatalf("%+v", e)
		}
		for i, h := range []string{"金额(元)", "支付日期"} {
			if f := e.Fields[i]; f.Row != 1 || f.Field != h || !strings.Contains(f.Message, h) {
				t.Errorf("field %+v", f)
			}
		}
		if !strings.Contains(e.Detail, "金额(元)、支付日期") {
			t.Errorf("detail %q", e.Detail)
		}
	}
	// Optional columns may be left out.
	var need []string
	for _, c := range Columns("payments") {
		if c.Required {
			need = append(need, c.Header)
		}
	}
	row := payRow(1, nil)
	line := make([]xc, len(need))
	for i, h := range need {
		line[i] = row[h]
	}
	p := mustParse(t, "payments", "p.xlsx", oneSheet("Sheet1", [][]xc{texts(need...), line}), Options{})
	noErrors(t, p)
	if x := p.Payments[0]; x.Quantity != 1 || x.ItemCode != "" || x.AccountNo != "" {
		t.Errorf("%+v", x)
	}
	// A sheet of another kind is named.
	_, err := Parse("payments", "x.xlsx", oneSheet("Sheet1", grid(Headers("loans"), map[string]xc{"贷款合同号": T("1")})), Options{})
	if e := fileError(t, err); !strings.Contains(e.Detail, "贷款") {
		t.Errorf("detail %q", e.Detail)
	}
}

func TestHeadersAndLayout(t *testing.T) {
	// Columns shuffled, headers with spaces, full-width brackets and a
	// required mark, extra columns, a title row above the header, blank
	// rows: row numbers stay Excel's.
	hs := slices.Clone(payHeaders)
	slices.Reverse(hs)
	header := []xc{T("备注")}
	for _, h := range hs {
		switch h {
		case "金额(元)":
			h = " 金额（元） "
		case "凭证号":
			h = "*凭证号"
		case "项目编号":
			h = "项目\u3000编号"
		}
		header = append(header, T(h))
	}
	header = append(header, T("经办人"))
	line := func(n int) []xc {
		r := payRow(n, nil)
		out := []xc{T("备注随便写")}
		for _, h := range hs {
			out = append(out, r[h])
		}
		return append(out, T("赵六"))
	}
	rows := [][]xc{
		{T("2026年第一季度产业奖补发放明细表")}, // title, row 1
		nil,                    // row 2 blank
		header,                 // row 3
		line(1),                // row 4
		nil,                    // row 5
		{T("  "), T("\u3000")}, // row 6: only spaces
		line(2),                // row 7
	}
	for _, o := range []xopts{{}, {noRefs: true}, {sharedStrings: true}} {
		p := mustParse(t, "payments", "p.xlsx", buildXLSX(o, xsheet{name: "Sheet1", rows: rows}), Options{})
		noErrors(t, p)
		if p.Rows != 2 || p.Payments[0].Row != 4 || p.Payments[1].Row != 7 || p.Payments[1].VoucherNo != "记-0002" || p.Payments[0].Amount != 20000 {
			t.Errorf("%+v: %+v", o, p.Payments)
		}
	}
	// A column named twice is refused.
	dup := grid(append(slices.Clone(payHeaders), "金额（元）"), payRow(1, nil))
	_, err := Parse("payments", "p.xlsx", oneSheet("Sheet1", dup), Options{})
	if e := fileError(t, err); e.Code != ledger.CodeImportRowsInvalid || len(e.Fields) != 1 || e.Fields[0].Field != "金额(元)" {
		t.Errorf("%+v", e)
	}
}

func TestSheetChoice(t *testing.T) {
	good := grid(payHeaders, payRow(1, nil))
	other := [][]xc{texts("说明"), texts("本工作簿第二张表为发放明细")}
	// The sheet named 发放明细 wins wherever it is.
	data := buildXLSX(xopts{}, xsheet{name: "说明", rows: other}, xsheet{name: " 发放明细 ", rows: good})
	p := mustParse(t, "payments", "p.xlsx", data, Options{})
	noErrors(t, p)
	// Else the first visible sheet.
	data = buildXLSX(xopts{}, xsheet{name: "代码表", hidden: true, rows: other}, xsheet{name: "Sheet2", rows: good})
	p = mustParse(t, "payments", "p.xlsx", data, Options{})
	noErrors(t, p)
	if len(p.Payments) != 1 {
		t.Errorf("%+v", p)
	}
	// Else the first.
	data = buildXLSX(xopts{}, xsheet{name: "Sheet1", rows: other}, xsheet{name: "Sheet2", rows: good})
	if _, err := Parse("payments", "p.xlsx", data, Options{}); fileError(t, err).Code != ledger.CodeImportRowsInvalid {
		t.Error(err)
	}
}

func TestNamesAndGlyphs(t *testing.T) {
	head := idn("19700101", 11)
	person := func(name string, n int) map[string]xc {
		id := idn("19900101", n)
		return map[string]xc{"村": T("东山村"), "户主身份证号": T(head), "姓名": T(name), "身份证号": T(id), "与户主关系": T("子女"), "户属性": T("脱贫户")}
	}
	rows := grid(Headers("persons"),
		map[string]xc{"村": T("东山村"), "户主身份证号": T(head), "姓名": T("张三"), "身份证号": T(head), "与户主关系": T("户主"), "户属性": T("脱贫户")},
		person("张?", 1),
		person("李\uFFFD", 2),
		person("王？", 3),
		person("䶮明", 4),
		person("刘备", 5),
	)
	noYan := func(r rune) bool { return r != '䶮' }
	p := mustParse(t, "persons", "p.xlsx", oneSheet("花名册", rows), Options{CanDraw: noYan})
	wantError(t, p, 3, "姓名", "", "")
	wantError(t, p, 4, "姓名", "", "")
	wantError(t, p, 5, "姓名", "", "")
	wantError(t, p, 6, "姓名", "", "「䶮」字无法在公告中显示，请核对")
	if len(p.Errors) != 4 {
		t.Errorf("errors %+v", p.Errors)
	}
	if p.Persons[5].Name != "刘备" {
		t.Errorf("%+v", p.Persons[5])
	}
	// Other printed text: project names, organisations, uses.
	prj := grid(Headers("projects"), map[string]xc{"项目编号": T("XM1"), "项目名称": T("䶮村道路"), "项目类别": T("产业"), "建设性质": T("新建"),
		"预算(元)": T("1"), "开始日期": T("2026-01-01"), "实施单位": T("某?公司"), "建设任务": T("修路\uFFFD")})
	p = mustParse(t, "projects", "p.xlsx", oneSheet("Sheet1", prj), Options{CanDraw: noYan})
	wantError(t, p, 2, "项目名称", "", "「䶮」字无法在公告中显示")
	wantError(t, p, 2, "实施单位", "", "问号")
	wantError(t, p, 2, "建设任务", "", "乱码")
	// Without CanDraw every rune is accepted.
	p = mustParse(t, "persons", "p.xlsx", oneSheet("花名册", grid(Headers("persons"), person("䶮明", 4))), Options{})
	noErrors(t, p)
}

func TestCellRules(t *testing.T) {
	head, kid := idn("19700101", 11), idn("20000101", 12)
	t.Run("persons", func(t *testing.T) {
		rows := grid(Headers("persons"),
			map[string]xc{"村": T("东山村"), "户主身份证号": T(head), "姓名": T("张三"), "身份证号": T(kid), "与户主关系": T("户主"), "户属性": T("脱贫户")},
			map[string]xc{"村": T("东山村"), "户主身份证号": T(head), "姓名": T("张三"), "身份证号": T(head), "与户主关系": T("子女"), "户属性": T("贫困户")},
			map[string]xc{"村": T("东山村"), "户主身份证号": T(head), "姓名": T("张四"), "身份证号": T(kid), "与户主关系": T("子女"), "户属性": T("监测对象")},
			map[string]xc{"户主身份证号": T(head), "姓名": T("张五"), "身份证号": T(idn("20010101", 1)), "与户主关系": T("子女"), "户属性": T("一般农户"), "监测类型": T("其他"), "一卡通账号": T("12AB")},
		)
		p := mustParse(t, "persons", "p.xlsx", oneSheet("Sheet1", rows), Options{})
		wantError(t, p, 2, "户主身份证号", "", "应与身份证号相同")
		wantError(t, p, 3, "与户主关系", "", "户主")
		wantError(t, p, 3, "户属性", "", "建档立卡贫困户、脱贫户、监测对象、一般农户")
		wantError(t, p, 4, "监测类型", "", "监测对象")
		wantError(t, p, 4, "身份证号", "", "第2行重复")
		wantError(t, p, 5, "村", "", msgRequired)
		wantError(t, p, 5, "监测类型", "", "")
		wantError(t, p, 5, "一卡通账号", "", "")
		if len(p.Errors) != 8 {
			t.Errorf("errors %+v", p.Errors)
		}
	})
	t.Run("registers", func(t *testing.T) {
		rows := grid(Headers("registers"),
			map[string]xc{"身份证号": T(kid), "登记类型": T("干部亲属"), "日期": T("2026-01-01")},
			map[string]xc{"身份证号": T(kid), "登记类型": T("低保"), "日期": T("2026-01-01")},
		)
		p := mustParse(t, "registers", "r.xlsx", oneSheet("Sheet1", rows), Options{})
		wantError(t, p, 2, "关联身份证号", "", "干部亲属")
		wantError(t, p, 3, "登记类型", "", "")
		if len(p.Errors) != 2 {
			t.Errorf("errors %+v", p.Errors)
		}
	})
	t.Run("payments", func(t *testing.T) {
		org := usccOf(3)
		rows := grid(payHeaders,
			payRow(1, map[string]xc{"收款人身份证号": {}}),
			payRow(2, map[string]xc{"统一社会信用代码": T(org)}),
			payRow(3, map[string]xc{"收款人身份证号": {}, "收款单位": T("某合作社")}),
			payRow(4, map[string]xc{"收款人身份证号": {}, "统一社会信用代码": T(org)}),
			payRow(5, map[string]xc{"付款类型": {}, "数量": N("0")}),
			payRow(6, map[string]xc{"数量": T("1.5"), "凭证号": {}}),
			payRow(7, map[string]xc{"收款单位": T("张三（本人）")}), // a person payee; the name is ignored
			payRow(8, map[string]xc{"收款人身份证号": {}, "收款单位": T("某合作社"), "统一社会信用代码": N("914399010000000000")}),
		)
		p := mustParse(t, "payments", "p.xlsx", oneSheet("Sheet1", rows), Options{})
		wantError(t, p, 2, "收款人身份证号", "", "收款单位")
		wantError(t, p, 3, "统一社会信用代码", "", "只能填写其一")
		wantError(t, p, 4, "统一社会信用代码", "", msgRequired)
		wantError(t, p, 5, "收款单位", "", msgRequired)
		wantError(t, p, 6, "付款类型", "", msgRequired)
		wantError(t, p, 6, "数量", "", "")
		wantError(t, p, 7, "数量", "", "整数")
		wantError(t, p, 7, "凭证号", "", msgRequired)
		wantError(t, p, 9, "统一社会信用代码", ledger.CodeIDNumberNotText, "数字格式")
		if len(p.Errors) != 9 {
			t.Errorf("errors %+v", p.Errors)
		}
	})
	t.Run("projects and loans", func(t *testing.T) {
		prj := grid(Headers("projects"),
			map[string]xc{"项目编号": T("XM1"), "项目名称": T("甲"), "项目类别": T("修路"), "建设性质": T("新建"), "预算(元)": T("1"),
				"开始日期": T("2026-05-01"), "结束日期": T("2026-04-01"), "受益户数": N("5"), "受益脱贫户数": N("6"), "项目状态": T("在建")},
			map[string]xc{"项目编号": T("XM1"), "项目名称": T("乙"), "项目类别": T("产业"), "建设性质": T("新建"), "预算(元)": T("1"), "开始日期": T("2026-05-01")},
		)
		p := mustParse(t, "projects", "p.xlsx", oneSheet("Sheet1", prj), Options{})
		for _, h := range []string{"项目类别", "结束日期", "受益脱贫户数", "项目状态"} {
			wantError(t, p, 2, h, "", "")
		}
		wantError(t, p, 3, "项目编号", "", "重复")
		if len(p.Errors) != 5 {
			t.Errorf("errors %+v", p.Errors)
		}
		loans := grid(Headers("loans"),
			map[string]xc{"贷款合同号": T("D1"), "借款人身份证号": T(head), "贷款银行": T("银行"), "金额(元)": T("1"), "期限(月)": T("三年"),
				"年利率": T("4.355"), "用途": T("养殖"), "发放日期": T("2026-05-01"), "到期日期": T("2026-04-01")},
			map[string]xc{"贷款合同号": T("D2"), "借款人身份证号": T(head), "贷款银行": T("银行"), "金额(元)": T("1"), "期限(月)": N("12.5"),
				"年利率": N("4.355"), "用途": T("养殖"), "发放日期": T("2026-05-01")},
		)
		p = mustParse(t, "loans", "l.xlsx", oneSheet("Sheet1", loans), Options{})
		for _, h := range []string{"期限(月)", "年利率", "到期日期"} {
			wantError(t, p, 2, h, "", "")
		}
		for _, h := range []string{"期限(月)", "年利率"} {
			wantError(t, p, 3, h, "", "")
		}
		if len(p.Errors) != 5 {
			t.Errorf("errors %+v", p.Errors)
		}
	})
}

func TestCSV(t *testing.T) {
	head := idn("19700101", 11)
	csvOf := func(lines ...string) string { return strings.Join(lines, "\r\n") + "\r\n" }
	header := strings.Join(Headers("persons"), ",")
	body := csvOf(header,
		"东山村,三组,"+head+",张三,"+head+",户主,脱贫户,,1990/5/1,浏阳农商银行,=\"6217000011112222\",,13800000000",
		"",
		"东山村,三组,"+head+",䶮明,"+idn("19950101", 3)+",子女,脱贫户,,,,,,",
		",,,,,,,,,,,,",
		"东山村,三组,"+head+",\"王,五\","+"4.39901E+17"+",子女,脱贫户,,,,,,",
	)
	check := func(t *testing.T, p *Parsed) {
		t.Helper()
		if p.Rows != 3 || len(p.Persons) != 3 {
			t.Fatalf("rows %d %+v", p.Rows, p.Persons)
		}
		if x := p.Persons[0]; x.Row != 2 || x.Name != "张三" || x.AccountNo != "6217000011112222" || x.JoinedOn != date(1990, 5, 1) || x.Phone != "13800000000" {
			t.Errorf("%+v", x)
		}
		if x := p.Persons[1]; x.Row != 4 || x.Name != "䶮明" {
			t.Errorf("%+v", x)
		}
		if x := p.Persons[2]; x.Row != 6 || x.Name != "王,五" {
			t.Errorf("%+v", x)
		}
		wantError(t, p, 6, "身份证号", ledger.CodeIDNumberNotText, msgIDNumberNotText)
		if len(p.Errors) != 1 {
			t.Errorf("errors %+v", p.Errors)
		}
	}
	t.Run("utf-8 with BOM", func(t *testing.T) {
		data := append([]byte{0xEF, 0xBB, 0xBF}, body...)
		check(t, mustParse(t, "persons", "花名册.csv", data, Options{}))
	})
	t.Run("gb18030", func(t *testing.T) {
		data, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(data, []byte(body)) {
			t.Fatal("encoding did nothing")
		}
		check(t, mustParse(t, "persons", "花名册.csv", data, Options{}))
	})
	t.Run("tabs and LF", func(t *testing.T) {
		data := strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), ",", "\t")
		data = strings.ReplaceAll(data, "王\t五", "王,五")
		check(t, mustParse(t, "persons", "x.txt", []byte(data), Options{}))
	})
	t.Run("cells are text", func(t *testing.T) {
		// A CSV number is text: the number-cell rule does not apply, the
		// ID number rules do.
		data := csvOf(strings.Join(payHeaders, ","),
			"V1,XM1,D1,,补助,"+head+",,,6217000011112222,,2,1200.50,2026-03,2026-03-01,,,",
			"V2,XM1,D1,,补助,"+badIDN("19700101", 11)+",,,,,,1200.123,2026-03,46082,,,")
		p := mustParse(t, "payments", "p.csv", []byte(data), Options{})
		if x := p.Payments[0]; x.Amount != 120050 || x.Quantity != 2 || x.PayeeIDNumber != head {
			t.Errorf("%+v", x)
		}
		wantError(t, p, 3, "收款人身份证号", ledger.CodeInvalidIDNumber, "")
		wantError(t, p, 3, "金额(元)", "", "")
		wantError(t, p, 3, "支付日期", "", "")
		if len(p.Errors) != 3 {
			t.Errorf("errors %+v", p.Errors)
		}
	})
	t.Run("sep line", func(t *testing.T) {
		data := "sep=;\r\n" + strings.Join(Headers("funds"), ";") + "\r\n" + "D1;资金;中央;专项扶贫资金;2130599;产业;2026年度;1.000,00;2026-01-01\r\n" +
			"D2;资金;中央;专项扶贫资金;;产业;2026;1000;2026-01-01\r\n"
		p := mustParse(t, "funds", "f.csv", []byte(data), Options{})
		wantError(t, p, 2, "金额(元)", "", "")
		if x := p.Funds[1]; x.Row != 3 || x.Year != 2026 || x.Amount != 100000 || p.Funds[0].Year != 2026 {
			t.Errorf("%+v", p.Funds)
		}
		if len(p.Errors) != 1 {
			t.Errorf("errors %+v", p.Errors)
		}
	})
	t.Run("multi-line cell", func(t *testing.T) {
		data := csvOf(strings.Join(Headers("repayments"), ","), "\"DK1\n(续)\",2026-01-01,100", "", "DK2,2026-01-02,200")
		p := mustParse(t, "repayments", "r.csv", []byte(data), Options{})
		noErrors(t, p)
		if p.Repayments[0].Row != 2 || p.Repayments[1].Row != 4 {
			t.Errorf("%+v", p.Repayments)
		}
	})
}

func TestFileErrors(t *testing.T) {
	good := oneSheet("Sheet1", grid(payHeaders, payRow(1, nil), payRow(2, nil), payRow(3, nil)))
	cases := []struct {
		name, kind, file string
		data             []byte
		opt              Options
		code             ledger.Code
	}{
		{"unknown kind", "bananas", "x.xlsx", good, Options{}, ledger.CodeMalformedRequest},
		{"empty", "payments", "x.csv", nil, Options{}, ledger.CodeMalformedRequest},
		{"blank csv", "payments", "x.csv", []byte("\r\n,,,\r\n"), Options{}, ledger.CodeImportRowsInvalid},
		{"header only", "payments", "x.csv", []byte(strings.Join(payHeaders, ",")), Options{}, ledger.CodeImportRowsInvalid},
		{"xls", "payments", "x.xls", []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest"), Options{}, ledger.CodeMalformedRequest},
		{"not xlsx", "payments", "x.xlsx", []byte("hello"), Options{}, ledger.CodeMalformedRequest},
		{"broken zip", "payments", "x.xlsx", good[:len(good)/2], Options{}, ledger.CodeMalformedRequest},
		{"zip not workbook", "payments", "x.xlsx", zipOf(map[string]string{"word/document.xml": "<w/>"}), Options{}, ledger.CodeMalformedRequest},
		{"binary", "payments", "x.bin", []byte{0, 1, 2, 3, 0xff, 0xfe, 0, 0}, Options{}, ledger.CodeMalformedRequest},
		{"too many rows", "payments", "x.xlsx", good, Options{MaxRows: 2}, ledger.CodeTooLarge},
		{"too many csv rows", "payments", "x.csv", []byte(strings.Join(payHeaders, ",") + "\n1\n2\n3\n"), Options{MaxRows: 2}, ledger.CodeTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(tc.kind, tc.file, tc.data, tc.opt)
			if err == nil {
				t.Fatalf("no error: %+v", p)
			}
			if e := fileError(t, err); e.Code != tc.code || e.Detail == "" {
				t.Errorf("got %v, want %s", err, tc.code)
			}
		})
	}
	// Content wins over a misleading extension.
	p := mustParse(t, "payments", "发放明细.csv", good, Options{MaxRows: 3})
	noErrors(t, p)
}

func zipOf(files map[string]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, _ := zw.Create(name)
		w.Write([]byte(body))
	}
	zw.Close()
	return buf.Bytes()
}

// TestRequiredCells leaves every cell of a row blank (an unknown column
// keeps the row from being blank): exactly the CellRequired columns report
// 必填项为空, plus the payment's payee.
func TestRequiredCells(t *testing.T) {
	for _, kind := range Kinds() {
		hs := append(Headers(kind), "备注")
		p := mustParse(t, kind, "x.xlsx", oneSheet("Sheet1", grid(hs, map[string]xc{"备注": T("空行")})), Options{})
		if p.Rows != 1 {
			t.Fatalf("%s: rows %d", kind, p.Rows)
		}
		for _, c := range Columns(kind) {
			if c.Extra {
				continue
			}
			required := false
			for _, e := range errorsAt(p, 2, c.Header) {
				required = required || strings.HasPrefix(e.Message, msgRequired)
			}
			want := c.CellRequired || kind == "payments" && c.Header == "收款人身份证号" || kind == "bank_returns" && c.Header == "凭证号"
			if required != want {
				t.Errorf("%s %s: 必填项为空 reported %v, want %v", kind, c.Header, required, want)
			}
		}
		for _, e := range p.Errors {
			if !strings.HasPrefix(e.Message, msgRequired) {
				t.Errorf("%s: unexpected %+v", kind, e)
			}
		}
	}
}

// TestInvisibleCharactersRefused (issue 18): a cell holding a bidirectional
// override or a zero-width character, in any column, is refused with its row
// and column; the sheet is not written.
func TestInvisibleCharactersRefused(t *testing.T) {
	head := idn("19700101", 11)
	header := strings.Join(Headers("persons"), ",")
	body := strings.Join([]string{header,
		"东山村,三组," + head + ",张\u202e三," + head + ",户主,脱贫户,,,,,,",
		"东山村,三\u200b组," + head + ",李四," + idn("19950101", 3) + ",子女,脱贫户,,,,,,",
		"东山村,三组\u200b," + head + ",王五\ufeff," + idn("19960101", 4) + ",子女,脱贫户,,,,,,", // trimmed around the text: fine
	}, "\r\n") + "\r\n"
	p := mustParse(t, "persons", "花名册.csv", []byte(body), Options{})
	found := map[int]string{}
	for _, e := range p.Errors {
		if strings.Contains(e.Message, "不可见的格式字符") {
			found[e.Row] = e.Field
		}
	}
	if found[2] == "" || found[3] == "" || found[4] != "" {
		t.Fatalf("errors %+v, want rows 2 and 3 (not 4) refused for invisible characters", p.Errors)
	}
}
