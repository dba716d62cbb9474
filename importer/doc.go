// Package importer reads the spreadsheets finance staff upload (DOMAIN.md
// §9) into the ledger's record rows: .xlsx workbooks, and CSV files with the
// same columns. It parses and checks cells only; references (项目编号,
// 指标文号, registered persons, villages, item codes) and business rules are
// the service's.
//
// Parse returns a *Parsed holding one record per data row and every bad
// cell of every row in Parsed.Errors (row number as Excel shows it, the
// column header, a Chinese reason, a code where one applies); a file it
// cannot use at all is a *ledger.Error.
//
// # Files
//
// A workbook is read from its worksheet named by the kind's Chinese name
// (花名册, 其他登记, 资金, 项目, 拨付, 发放明细, 贷款, 还款) when it has one, else
// from its first visible worksheet. Old .xls (and encrypted) workbooks are
// refused with a hint to save as .xlsx. The reader is this package's own
// (xlsx.go, xmlscan.go): shared and inline strings, number cells with their
// number formats (date and percent formats are told apart), ISO date cells,
// booleans and error values, the 1904 date system. A CSV file is UTF-8 (a
// BOM is stripped), UTF-16 with a BOM, or else decoded as GB18030; its
// separator is a comma, or a tab or semicolon when the header line uses
// them, or what Excel's first line "sep=;" names. Every CSV cell is text.
//
// # Header
//
// Row 1 holds the column headers; a title above them is tolerated (the
// header is the first of the first five non-blank rows that has every
// required column). Headers are compared with spaces removed, full-width
// brackets folded (金额（元） is 金额(元)) and a '*' mark dropped. Columns may
// come in any order; unknown columns are ignored; columns right of IV are
// not read. A missing required column, or a known column given twice, is a
// file-level import_rows_invalid error naming the columns.
//
// # Columns
//
// "req": the column must be present and every row must fill it; "col": the
// column must be present, a cell may be blank; "opt": the column may be left
// out and a cell may be blank. Columns, and Headers for templates, give the
// same in code.
//
//	花名册 persons      村 req, 村民小组 col, 户主身份证号 req, 姓名 req, 身份证号 req, 与户主关系 req,
//	                   户属性 req, 监测类型 opt (required when 户属性 is 监测对象), 迁入本户日期 col,
//	                   一卡通开户行 opt, 一卡通账号 opt, 一卡通户名身份证号 opt, 联系电话 opt
//	其他登记 registers   身份证号 req, 登记类型 req, 日期 req, 关联身份证号 opt (required for 干部亲属)
//	资金 funds          指标文号 req, 资金名称 req, 资金来源级次 req, 资金性质 req, 功能科目 col,
//	                   用途类别 req, 年度 req, 金额(元) req, 到账日期 req
//	项目 projects       项目编号 req, 项目名称 req, 项目类别 req, 建设性质 req, 村 col (blank: town-level),
//	                   建设任务 col, 预算(元) req, 实施单位 col, 责任人 col, 开始日期 req, 结束日期 col,
//	                   受益户数 col, 受益脱贫户数 col, 绩效目标 col, 带贫减贫机制 col,
//	                   项目状态 col (blank: 申报), 批复文号 opt, 批复日期 opt;
//	                   read when present (not in §9): 建设地点, 责任单位, 群众参与
//	拨付 allocations    指标文号 req, 项目编号 req, 金额(元) req, 拨付日期 req, 拨付文号 opt
//	发放明细 payments    凭证号 req, 项目编号 req, 指标文号 req, 补贴项目代码 opt, 付款类型 req,
//	                   收款人身份证号 col, 收款单位 col, 统一社会信用代码 col, 收款账号 opt,
//	                   账户户名身份证号 opt, 数量 opt (blank: 1), 金额(元) req, 所属期间 col,
//	                   支付日期 req, 发票号 opt, 合同号 opt, 贷款合同号 opt
//	贷款 loans          贷款合同号 req, 借款人身份证号 req, 贷款银行 req, 金额(元) req, 期限(月) req,
//	                   年利率 req, 用途 req, 发放日期 req, 到期日期 col
//	还款 repayments     贷款合同号 req, 还款日期 req, 金额(元) req
//
// A payment row names its payee by 收款人身份证号 (a person) or by 收款单位 and
// 统一社会信用代码 together (an organisation), not both (a 收款单位 beside an
// ID number and no code is left to the service, which pays the person). A
// blank 所属期间 is left zero (the service requires it for subsidy items and
// derives nothing). Within one sheet these must not repeat: 身份证号 in
// 花名册, 指标文号 in 资金, 项目编号 in 项目, 贷款合同号 in 贷款. Cross-cell
// checks: the head's own row (与户主关系 户主 or 本人) has 户主身份证号 equal
// to 身份证号 and no other row does; 结束日期 and 到期日期 are not before
// 开始日期 and 发放日期; 受益脱贫户数 is at most 受益户数.
//
// # Cells
//
// Text is trimmed of spaces (also U+3000, U+00A0 and zero-width ones).
//
//   - ID numbers (身份证号, 户主身份证号, 收款人身份证号, 账户户名身份证号, 借款人身份证号,
//     关联身份证号, 一卡通户名身份证号) and account numbers (一卡通账号, 收款账号) in a
//     number cell, or in E notation as text (a CSV saved from such a cell),
//     are refused with id_number_not_text: Excel keeps 15 digits. As text,
//     ID numbers go through ledger.ParseIDNumber (invalid_id_number);
//     account numbers keep their digits (spaces and hyphens dropped, 6 to
//     32 digits); 统一社会信用代码 goes through ledger.ParseUSCC (invalid_uscc;
//     a number cell is id_number_not_text too). Full-width characters, a
//     leading apostrophe and a CSV's ="…" wrapper are undone first.
//   - Amounts: text as ledger.ParseYuanCell reads it ("1200", "1200.5",
//     "1,200.00", "¥1200", "1200元"), number cells through
//     ledger.FenFromFloat (to the fen within 1e-6, else amount_too_precise).
//     Signs are not checked here.
//   - Dates: text as ledger.ParseDate reads it (a trailing time of day is
//     dropped, 20260301 is read as yyyymmdd), date cells (Excel serials,
//     time of day dropped), number cells holding 20260301.
//   - Periods: text as ledger.ParsePeriod reads it (also 202603), a date as
//     text or a date cell (its month), a number cell holding a year (2026)
//     or year and month (202603).
//   - 年利率: a percent as typed ("4.35", "4.35%", the number 4.35) in basis
//     points; a cell formatted as a percentage holds 0.0435 and reads the
//     same.
//   - 年度, 期限(月), 受益户数, 受益脱贫户数, 数量: whole numbers, as number cells
//     or text with a unit ("36个月", "2026年度", "12户").
//   - Choices are exact: 户属性 (ledger.HouseholdKinds), 监测类型
//     (ledger.MonitoringKinds), 登记类型 (ledger.RegisterKinds), 用途类别 and
//     项目类别 (ledger.Purposes), 建设性质 (新建/续建/改扩建), 项目状态
//     (ledger.ProjectStates), 付款类型 (ledger.PaymentKinds).
//   - 姓名 goes through ledger.CheckPersonName. Every text cell is refused
//     when it holds U+FFFD, or a rune Options.CanDraw says the notice font
//     cannot draw ("「X」字无法在公告中显示，请核对"); names, titles and codes
//     (村, 村民小组, 与户主关系, 资金名称, 项目名称, 实施单位, 责任人, 收款单位,
//     贷款银行, 指标文号, 项目编号, 凭证号 …) also when they hold '?' or '？' (a
//     生僻字 lost to GBK); long text (建设任务, 绩效目标, 用途 …) may hold them.
//   - A cell holding an Excel error value (#N/A, #VALUE!) is refused.
//
// # Templates
//
// Template is the workbook staff download: the header row (a note on each
// header cell saying whether it must be filled, what it holds and its
// format: HeaderNote), an example row in grey italics (ExampleRow; its
// ID numbers fictitious, of area 439901, with a valid check digit), every
// column as text, and a dropdown (list data validation to row
// ValidationRows) on each enumerated column: the strict choices above
// refuse other values in Excel, the usual values of 与户主关系, 资金来源级次,
// 资金性质 and the bank's 状态 only warn, and the town's villages (村) and item
// codes (补贴项目代码) come in TemplateOptions. A list longer than Excel's
// 255 characters of a dropdown's formula is a range on the hidden sheet
// ListSheet. A row that still holds every filled cell of the example is
// refused ("这是模板自带的示例行……"), so that an example is never imported.
//
// MakePreview renders the first rows of an import as read (amounts with
// two decimals, dates as 2026-03-10), ID numbers, accounts and phones
// masked: the staff import page's check.
package importer
