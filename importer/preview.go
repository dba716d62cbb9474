package importer

import (
	"strconv"
	"strings"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// PreviewRows is how many rows the staff import page shows after a
// passing check.
const PreviewRows = 10

// Preview is the first rows of a sheet as the importer read them: the
// values the ledger will record, under the sheet's column titles.
type Preview struct {
	Headers []string   // 行号, then the kind's Headers
	Rows    [][]string // one cell per header
	More    int        // rows not shown
}

// MakePreview returns the first n rows of an import as read: amounts in
// 元 with two decimals, dates as 2026-03-10, codes and ID numbers as
// parsed (cleaned), each row under its Excel row number.
//
// ID numbers, accounts and phone numbers are masked (439901********1234,
// ****1234, 138****0000) although the finance clerk who uploaded the sheet
// may see them whole: a screen is seen by whoever stands beside it, and
// the last digits are enough to tell the rows apart. Names are shown, so
// that the clerk can check the sheet was read as meant.
func MakePreview(in ledger.ImportInput, n int) Preview {
	hs := Headers(in.Kind)
	p := Preview{Headers: append([]string{"行号"}, hs...)}
	add := func(row int, vals map[string]string) {
		if len(p.Rows) >= n {
			p.More++
			return
		}
		r := make([]string, 0, len(hs)+1)
		r = append(r, strconv.Itoa(row))
		for _, h := range hs {
			r = append(r, vals[h])
		}
		p.Rows = append(p.Rows, r)
	}
	for _, x := range in.Persons {
		add(x.Row, map[string]string{"村": x.Village, "村民小组": x.Group, "户主身份证号": MaskID(x.HeadIDNumber), "姓名": x.Name,
			"身份证号": MaskID(x.IDNumber), "与户主关系": x.Relation, "户属性": x.HouseholdKind, "监测类型": x.MonitoringKind,
			"迁入本户日期": x.JoinedOn.String(), "一卡通开户行": x.Bank, "一卡通账号": MaskAccount(x.AccountNo),
			"一卡通户名身份证号": MaskID(x.AccountHolderIDNumber), "联系电话": maskPhone(x.Phone)})
	}
	for _, x := range in.Registers {
		add(x.Row, map[string]string{"身份证号": MaskID(x.IDNumber), "登记类型": x.Kind, "日期": x.On.String(),
			"关联身份证号": MaskID(x.RelatedIDNumber)})
	}
	for _, x := range in.Funds {
		add(x.Row, map[string]string{"指标文号": x.DocNo, "资金名称": x.Name, "资金来源级次": x.SourceLevel, "资金性质": x.Nature,
			"功能科目": x.FunctionCode, "用途类别": x.Purpose, "年度": itoa(x.Year), "金额(元)": x.Amount.String(),
			"到账日期": x.ArrivedOn.String()})
	}
	for _, x := range in.Projects {
		add(x.Row, map[string]string{"项目编号": x.Code, "项目名称": x.Name, "项目类别": x.Category, "建设性质": x.Nature,
			"村": x.Village, "建设任务": x.Task, "预算(元)": x.Budget.String(), "实施单位": x.Implementer,
			"责任人": x.ResponsiblePerson, "开始日期": x.StartOn.String(), "结束日期": x.EndOn.String(),
			"受益户数": strconv.Itoa(x.Beneficiaries), "受益脱贫户数": strconv.Itoa(x.PoorBeneficiaries), "绩效目标": x.Targets,
			"带贫减贫机制": x.Mechanism, "项目状态": x.Status, "批复文号": x.ApprovalDocNo, "批复日期": x.ApprovedOn.String()})
	}
	for _, x := range in.Allocations {
		add(x.Row, map[string]string{"指标文号": x.DocNo, "项目编号": x.ProjectCode, "金额(元)": x.Amount.String(),
			"拨付日期": x.AllocatedOn.String(), "拨付文号": x.AllocationDocNo})
	}
	for _, x := range in.Payments {
		add(x.Row, map[string]string{"凭证号": x.VoucherNo, "项目编号": x.ProjectCode, "指标文号": x.DocNo, "补贴项目代码": x.ItemCode,
			"付款类型": x.Kind, "收款人身份证号": MaskID(x.PayeeIDNumber), "收款单位": x.PayeeOrgName, "统一社会信用代码": x.PayeeUSCC,
			"收款账号": MaskAccount(x.AccountNo), "账户户名身份证号": MaskID(x.AccountHolderIDNumber), "数量": strconv.FormatInt(x.Quantity, 10),
			"金额(元)": x.Amount.String(), "所属期间": x.Period.String(), "支付日期": x.PaidOn.String(), "发票号": x.InvoiceNo,
			"合同号": x.ContractNo, "贷款合同号": x.LoanContractNo})
	}
	for _, x := range in.Loans {
		add(x.Row, map[string]string{"贷款合同号": x.ContractNo, "借款人身份证号": MaskID(x.BorrowerIDNumber), "贷款银行": x.Bank,
			"金额(元)": x.Amount.String(), "期限(月)": itoa(x.TermMonths), "年利率": rateText(x.RateBP), "用途": x.Use,
			"发放日期": x.GrantedOn.String(), "到期日期": x.DueOn.String()})
	}
	for _, x := range in.Repayments {
		add(x.Row, map[string]string{"贷款合同号": x.ContractNo, "还款日期": x.RepaidOn.String(), "金额(元)": x.Amount.String()})
	}
	for _, x := range in.BankReturns {
		add(x.Row, map[string]string{"批次号": x.BatchNo, "凭证号": x.VoucherNo, "账号": MaskAccount(x.AccountNo), "户名": x.HolderName,
			"金额": x.Amount.String(), "状态": x.Status, "交易日期": x.TradeOn.String(), "银行": x.Bank, "失败原因": x.Note})
	}
	return p
}

// MaskID keeps an ID number's first 6 and last 4 characters
// (439901********1234); "" stays "".
func MaskID(id string) string {
	r := []rune(id)
	if len(r) <= 10 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:6]) + strings.Repeat("*", len(r)-10) + string(r[len(r)-4:])
}

// MaskAccount keeps an account's last 4 digits (****1234).
func MaskAccount(acct string) string {
	if acct == "" {
		return ""
	}
	return "****" + ledger.AccountTail(acct)
}

func maskPhone(p string) string {
	r := []rune(p)
	if len(r) < 8 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:3]) + strings.Repeat("*", len(r)-7) + string(r[len(r)-4:])
}

func itoa(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// rateText is a rate in basis points as typed: 435 → 4.35.
func rateText(bp int64) string {
	if bp == 0 {
		return ""
	}
	return strconv.FormatInt(bp/100, 10) + "." + strconv.FormatInt(bp%100/10, 10) + strconv.FormatInt(bp%10, 10)
}
