package anomaly

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// The bank's record, reconciled (R1–R5): the bank return rows
// (ledger.BankReturn, 银行代发回盘) against the recorded payments, matched
// by ledger.MatchBank. A payment's bank state is its last matched row's.
// The rules read the rows a full scan loads; an incremental scan loads
// none, so they find nothing there (the nightly full scan runs them).

// bankRules lists R1–R5 for the catalogue.
func bankRules() []Rule {
	return []Rule{
		{"R1", "账上已发放但银行未到账", "账上记为已发放，银行代发回盘显示失败或退回", "支付", ruleR1},
		{"R2", "银行打入的账户与账上不符", "银行代发回盘的账号或户名与账上记录的收款账户不一致", "支付", ruleR2},
		{"R3", "银行到账金额与账上不符", "银行代发回盘的到账金额与账上记录的支付金额不一致", "支付", ruleR3},
		{"R4", "发放后迟迟不见银行回单", "经银行发放的款项，支付日期后超过规定天数（默认 15 天）仍没有银行代发回盘记录", "支付", ruleR4},
		{"R5", "银行有到账、账上无记录", "银行代发回盘显示已到账，账上找不到对应的发放记录", "银行回盘记录", ruleR5},
	}
}

// bankView is the snapshot's payments matched to its bank rows.
type bankView struct {
	x finder
	d *ledger.ScanData
	m ledger.BankMatch
}

func newBankView(d *ledger.ScanData) (bankView, bool) {
	if len(d.BankReturns) == 0 {
		return bankView{}, false
	}
	pays := make([]ledger.BankPayment, len(d.Payments))
	for i := range d.Payments {
		p := &d.Payments[i]
		pays[i] = ledger.BankPayment{VoucherNo: d.Str(p.VoucherNo), AccountIndex: d.Str(p.AccountIndex), Amount: p.Amount, PaidOn: p.PaidOn.Date()}
	}
	return bankView{x: finder{d}, d: d, m: ledger.MatchBank(pays, d.BankReturns)}, true
}

// last returns payment i's last bank row.
func (v bankView) last(i int) (ledger.BankReturn, bool) {
	rs := v.m.Rows[i]
	if len(rs) == 0 {
		return ledger.BankReturn{}, false
	}
	return v.d.BankReturns[rs[len(rs)-1]], true
}

// tail is how a flag shows an account: its last 4 digits.
func tail(t string) string {
	if t == "" {
		return "（尾号未知）"
	}
	return "尾号 " + t
}

func masked(t string) string {
	if t == "" {
		return ""
	}
	return "****" + t
}

// evBank cites a payment (if any) and bank rows: entries, vouchers, the
// accounts (masked, last 4 digits only) and the bank's batch numbers.
func (v bankView) evBank(p *ledger.Payment, rows ...ledger.BankReturn) ledger.Evidence {
	var e ledger.Evidence
	if p != nil {
		e = ev(*p)
		if t := masked(v.d.AccountTails[p.AccountIndex]); t != "" {
			e.Accounts = append(e.Accounts, t)
		}
	}
	for _, r := range rows {
		e.Entries = append(e.Entries, r.Seq)
		if r.VoucherNo != "" && !slices.Contains(e.Vouchers, r.VoucherNo) {
			e.Vouchers = append(e.Vouchers, r.VoucherNo)
		}
		if t := masked(r.AccountTail); t != "" && !slices.Contains(e.Accounts, t) {
			e.Accounts = append(e.Accounts, t)
		}
		if r.BatchNo != "" && !slices.Contains(e.BankBatches, r.BatchNo) {
			e.BankBatches = append(e.BankBatches, r.BatchNo)
		}
	}
	return e
}

// bankLine names a bank row as the reasons cite it.
func bankLine(r ledger.BankReturn) string {
	var parts []string
	if r.Bank != "" {
		parts = append(parts, r.Bank)
	}
	if r.BatchNo != "" {
		parts = append(parts, "批次号 "+r.BatchNo)
	}
	parts = append(parts, "交易日期 "+r.TradeOn.String())
	return "银行代发回盘（" + strings.Join(parts, "，") + "）"
}

func paymentKey(p ledger.Payment) string { return "payment:" + strconv.FormatInt(p.ID, 10) }

// bankPayment reports whether payment i is an effective payment the bank
// pays.
func (v bankView) bankPayment(i int) (ledger.Payment, bool) {
	p := v.x.at(int32(i))
	return p, active(p) && ledger.BankPaid(p)
}

// R1: paid in the books, failed or returned at the bank (the last row).
func ruleR1(d *ledger.ScanData, c Config) []ledger.Finding {
	v, ok := newBankView(d)
	if !ok {
		return nil
	}
	var out []ledger.Finding
	for i := range d.Payments {
		r, ok := v.last(i)
		if !ok || r.Status == ledger.BankSucceeded {
			continue
		}
		p := v.x.at(int32(i))
		if !active(p) {
			continue
		}
		why := ""
		if r.Note != "" {
			why = "，银行注明：" + r.Note
		}
		out = append(out, ledger.Finding{Rule: "R1", SubjectKey: paymentKey(p), Severity: ledger.SeverityHigh, Village: v.x.village(p),
			Subject: v.x.subject(p),
			Reason: fmt.Sprintf("账上记为已发放 %s 元（凭证号 %s，支付日期 %s），但%s显示这笔钱%s，没有打进账号%s%s。钱没有到收款人手上，请核实这笔钱现在在哪里、是否已重新发放",
				p.Amount.Yuan(), p.VoucherNo, p.PaidOn, bankLine(r), r.Status, tail(r.AccountTail), why),
			Evidence: v.evBank(&p, rowsOf(d, v.m.Rows[i])...)})
	}
	return sorted(out)
}

func rowsOf(d *ledger.ScanData, idx []int) []ledger.BankReturn {
	out := make([]ledger.BankReturn, len(idx))
	for k, j := range idx {
		out[k] = d.BankReturns[j]
	}
	return out
}

// R2: the bank credited an account, or a holder, other than the books say.
func ruleR2(d *ledger.ScanData, c Config) []ledger.Finding {
	v, ok := newBankView(d)
	if !ok {
		return nil
	}
	var out []ledger.Finding
	for i := range d.Payments {
		r, ok := v.last(i)
		if !ok || r.Status != ledger.BankSucceeded {
			continue
		}
		p := v.x.at(int32(i))
		if !active(p) || p.Payee.Kind == ledger.PayeeOrg {
			continue
		}
		var diffs []string
		if p.AccountIndex != "" && r.AccountIndex != p.AccountIndex {
			diffs = append(diffs, fmt.Sprintf("银行打入的账号%s，账上记的收款账号%s", tail(r.AccountTail), tail(d.AccountTails[p.AccountIndex])))
		}
		if want, known := d.NameIndex[p.AccountHolder]; known && p.AccountHolder != 0 && r.HolderIndex != want {
			diffs = append(diffs, fmt.Sprintf("银行打入账户的户名是 %s，账上记的账户户名是 %s", r.HolderLabel, d.Labels[p.AccountHolder]))
		}
		if len(diffs) == 0 {
			continue
		}
		out = append(out, ledger.Finding{Rule: "R2", SubjectKey: paymentKey(p), Severity: ledger.SeverityHigh, Village: v.x.village(p),
			Subject: v.x.subject(p),
			Reason: fmt.Sprintf("凭证号 %s 的 %s 元：%s显示%s。钱可能打进了别人的卡，请向收款人和银行核实",
				p.VoucherNo, p.Amount.Yuan(), bankLine(r), strings.Join(diffs, "；")),
			Evidence: v.evBank(&p, r)})
	}
	return sorted(out)
}

// R3: the bank credited another amount than the books say.
func ruleR3(d *ledger.ScanData, c Config) []ledger.Finding {
	v, ok := newBankView(d)
	if !ok {
		return nil
	}
	var out []ledger.Finding
	for i := range d.Payments {
		r, ok := v.last(i)
		if !ok || r.Status != ledger.BankSucceeded {
			continue
		}
		p := v.x.at(int32(i))
		if !active(p) || r.Amount == p.Amount {
			continue
		}
		word := "少"
		diff := p.Amount - r.Amount
		if diff < 0 {
			word, diff = "多", -diff
		}
		out = append(out, ledger.Finding{Rule: "R3", SubjectKey: paymentKey(p), Severity: ledger.SeverityHigh, Village: v.x.village(p),
			Subject: v.x.subject(p),
			Reason: fmt.Sprintf("账上记的发放金额是 %s 元（凭证号 %s），%s显示实际到账 %s 元，%s了 %s 元。请核实差额的去向",
				p.Amount.Yuan(), p.VoucherNo, bankLine(r), r.Amount.Yuan(), word, diff.Yuan()),
			Evidence: v.evBank(&p, r)})
	}
	return sorted(out)
}

// bankDays is R4's number of days for a payment's item: the item's own
// setting (Item.BankDays), else the configuration's for the item, else its
// default.
func bankDays(d *ledger.ScanData, c Config, item string) int {
	if it, ok := d.Items[item]; ok && it.BankDays > 0 {
		return it.BankDays
	}
	if n, ok := c.BankReturnDaysByItem[item]; ok && n > 0 {
		return n
	}
	if c.BankReturnDays > 0 {
		return c.BankReturnDays
	}
	return DefaultConfig.BankReturnDays
}

// R4: a payment the bank pays (to a person or household, into an account)
// with no bank row N days after it was paid. Only payments from the month
// before the first bank row on are read: the bank's files cover no earlier
// payment.
func ruleR4(d *ledger.ScanData, c Config) []ledger.Finding {
	v, ok := newBankView(d)
	if !ok {
		return nil
	}
	first := d.BankReturns[0].TradeOn
	for _, r := range d.BankReturns {
		if r.TradeOn.Before(first) {
			first = r.TradeOn
		}
	}
	from := first.AddDays(-ledger.BankMatchDays)
	today := ledger.DateOf(d.Now, d.Location)
	var out []ledger.Finding
	for i := range d.Payments {
		if len(v.m.Rows[i]) > 0 {
			continue
		}
		p, ok := v.bankPayment(i)
		if !ok || p.PaidOn.Before(from) {
			continue
		}
		n := bankDays(d, c, p.Item)
		if days := p.PaidOn.DaysUntil(today); days <= n {
			continue
		}
		what := "这笔款项"
		if p.Item != "" {
			what = "「" + itemName(d, p.Item) + "」"
		}
		out = append(out, ledger.Finding{Rule: "R4", SubjectKey: paymentKey(p), Severity: ledger.SeverityWarn, Village: v.x.village(p),
			Subject: v.x.subject(p),
			Reason: fmt.Sprintf("%s %s 元（凭证号 %s）于 %s 支付，打入账号%s，已超过 %d 天，银行代发回盘中仍找不到这笔款项。请向银行核实是否已到账",
				what, p.Amount.Yuan(), p.VoucherNo, p.PaidOn, tail(d.AccountTails[p.AccountIndex]), n),
			Evidence: v.evBank(&p)})
	}
	return sorted(out)
}

// R5: a credit at the bank with no payment in the books.
func ruleR5(d *ledger.ScanData, c Config) []ledger.Finding {
	v, ok := newBankView(d)
	if !ok {
		return nil
	}
	var out []ledger.Finding
	for j, r := range d.BankReturns {
		if r.Status != ledger.BankSucceeded || v.m.Payment[j] >= 0 {
			continue
		}
		ref := ""
		if r.VoucherNo != "" {
			ref = "，凭证号 " + r.VoucherNo
		}
		out = append(out, ledger.Finding{Rule: "R5", SubjectKey: "bank:" + strconv.FormatInt(r.Seq, 10), Severity: ledger.SeverityHigh,
			Subject: ledger.FlagSubject{Kind: "account", Label: "户名 " + r.HolderLabel + "，账号" + tail(r.AccountTail)},
			Reason: fmt.Sprintf("%s显示向户名 %s、账号%s 的账户打入 %s 元%s，账上找不到对应的发放记录。请核实这笔钱是从哪笔资金付出的、为什么没有记账",
				bankLine(r), r.HolderLabel, tail(r.AccountTail), r.Amount.Yuan(), ref),
			Evidence: v.evBank(nil, r)})
	}
	return sorted(out)
}
