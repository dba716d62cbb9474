package importer

import (
	"strings"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// The 银行代发回盘 (bank return file): what the bank did with each row of
// a disbursement batch, as the bank exports it (GBK CSV or .xlsx). Banks
// name the columns their own way: a header is read under its own name or
// under any of its aliases (DefaultBankAliases, and the town's own in
// Options.Aliases).

var bankReturnSpec = newSpec(&sheetSpec{
	kind: "bank_returns", sheet: "银行代发回盘",
	cols: []Column{
		opt("批次号"), opt("凭证号"), req("账号"), req("户名"), req("金额"),
		req("状态"), req("交易日期"), opt("银行"), opt("失败原因"),
	},
	row:     bankReturnRow,
	aliases: DefaultBankAliases,
})

// DefaultBankAliases maps the header spellings of common bank return files
// (农商银行/农信社 代发回盘, 邮储银行 批量代发结果, 建设银行 代发明细) to the
// columns of the 银行代发回盘 sheet. Keys are compared as headers are (spaces
// removed, full-width brackets folded).
var DefaultBankAliases = map[string]string{
	// 批次号
	"代发批次号": "批次号", "批次编号": "批次号", "批量编号": "批次号", "批次流水号": "批次号",
	// 凭证号: the reference the town gave the bank
	"客户流水号": "凭证号", "业务参考号": "凭证号", "企业流水号": "凭证号", "附言": "凭证号", "凭证编号": "凭证号",
	// 账号
	"收款账号": "账号", "收款人账号": "账号", "卡号": "账号", "收款卡号": "账号", "入账账号": "账号", "收方账号": "账号", "账户": "账号",
	// 户名
	"收款人户名": "户名", "收款户名": "户名", "收款人姓名": "户名", "收款人": "户名", "收方户名": "户名", "账户名称": "户名", "姓名": "户名",
	// 金额
	"交易金额": "金额", "金额(元)": "金额", "代发金额": "金额", "发放金额": "金额", "实发金额": "金额", "入账金额": "金额",
	// 状态
	"处理状态": "状态", "交易状态": "状态", "处理结果": "状态", "代发结果": "状态", "交易结果": "状态", "结果": "状态",
	// 交易日期
	"入账日期": "交易日期", "处理日期": "交易日期", "代发日期": "交易日期", "交易时间": "交易日期", "记账日期": "交易日期",
	// 银行
	"开户行": "银行", "代发银行": "银行", "收款行": "银行", "收款银行": "银行", "开户银行": "银行",
	// 失败原因
	"退回原因": "失败原因", "返回信息": "失败原因", "处理说明": "失败原因", "错误信息": "失败原因",
}

// bankStatusWords maps what banks write in the state column to the three
// states.
var bankStatusWords = map[string]string{
	"成功": ledger.BankSucceeded, "交易成功": ledger.BankSucceeded, "处理成功": ledger.BankSucceeded, "入账成功": ledger.BankSucceeded,
	"已入账": ledger.BankSucceeded, "代发成功": ledger.BankSucceeded,
	"失败": ledger.BankFailed, "交易失败": ledger.BankFailed, "处理失败": ledger.BankFailed, "入账失败": ledger.BankFailed,
	"代发失败": ledger.BankFailed,
	"退回":   ledger.BankReturned, "已退回": ledger.BankReturned, "退票": ledger.BankReturned, "退汇": ledger.BankReturned,
}

func bankReturnRow(r *rowReader, p *Parsed) {
	x := ledger.BankReturnRow{Row: r.row}
	x.BatchNo = r.text("批次号", plainText)
	x.VoucherNo = r.text("凭证号", plainText)
	if !r.present("批次号") && !r.present("凭证号") {
		r.fail("凭证号", "", "必填项为空：批次号和凭证号至少须填写其一")
	}
	x.AccountNo = r.account("账号")
	x.HolderName = r.text("户名", nameText)
	x.Amount = r.bankAmount("金额")
	if c, ok := r.get("状态"); ok {
		if s, known := bankStatusWords[strings.TrimSpace(c.val)]; known {
			x.Status = s
		} else {
			r.fail("状态", "", "「%s」不是有效的状态，应为：成功、失败、退回", c.val)
		}
	}
	x.TradeOn = r.bankDate("交易日期")
	x.Bank = r.text("银行", nameText)
	x.Note = r.text("失败原因", plainText)
	p.BankReturns = append(p.BankReturns, x)
}

// bankAmount is amount for a bank's cells: a currency sign or a trailing
// 元 as banks print them ("¥1,200.00", "1,200.00元") is dropped.
func (r *rowReader) bankAmount(h string) ledger.Fen {
	i := r.spec.index(h)
	if c := r.vals[i]; c.kind == cellText {
		v := strings.TrimSpace(c.val)
		v = strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(v, "¥"), "￥"), "RMB")
		r.vals[i].val = strings.TrimSpace(strings.TrimSuffix(v, "元"))
	}
	return r.amount(h)
}

// bankDate is date for a bank's cells: a time after the date
// ("2026-03-05 10:21:07", as 交易时间 columns hold) and the compact
// "20260305" are read as the date.
func (r *rowReader) bankDate(h string) ledger.Date {
	i := r.spec.index(h)
	if c := r.vals[i]; c.kind == cellText {
		v := strings.TrimSpace(c.val)
		if d, _, ok := strings.Cut(v, " "); ok {
			v = d
		}
		if len(v) == 8 && strings.Trim(v, "0123456789") == "" {
			v = v[:4] + "-" + v[4:6] + "-" + v[6:]
		}
		r.vals[i].val = v
	}
	return r.date(h)
}
