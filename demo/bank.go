package demo

import (
	"fmt"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// The bank's record: November's 公益岗位 wages are paid by the bank into
// each household's 一卡通 (银行代发), and the bank's return file
// (银行代发回盘) is imported on 24 November, with one case of each of
// R1–R5 planted among rows that reconcile.

// BankBatch is the bank's batch number of November's wages.
const BankBatch = "DF20261111001"

// bankPlanted are the demo's planted reconciliation cases (in Planted).
var bankPlanted = []Plant{
	{"R1", "11 月一笔公益岗位工资账上已发放，银行回盘显示「退回」（账户已冻结）"},
	{"R2", "11 月一笔公益岗位工资被银行打入了另一户人的一卡通"},
	{"R3", "11 月一笔公益岗位工资银行实际到账比账上少 50 元"},
	{"R4", "11 月一笔公益岗位工资在银行回盘中找不到"},
	{"R5", "银行回盘中有一笔 800 元到账，账上没有对应的发放记录"},
}

// bankPaid marks a November wage row as paid by the bank into the
// earner's household 一卡通, in the head's name (the earner's own row
// keeps any account a planted case set).
func (l *loader) bankPaid(m int, p person, row *ledger.PaymentRow) {
	if m != 11 || row.AccountNo != "" {
		return
	}
	hh := l.houses[p.house]
	row.AccountNo, row.AccountHolderIDNumber = hh.account, l.persons[hh.members[0]].row.IDNumber
}

// bank imports the bank's return file of November's wages.
func (l *loader) bank(Options) error {
	if len(l.bankWages) < 8 {
		return nil // a town too small for the cases
	}
	l.set(11, 24, 10)
	names := make(map[string]string, len(l.persons))
	for _, p := range l.persons {
		names[p.row.IDNumber] = p.row.Name
	}
	headOf := func(h int) (string, string) {
		hh := l.houses[h%len(l.houses)]
		return hh.account, l.persons[hh.members[0]].row.Name
	}
	row := func(w ledger.PaymentRow) ledger.BankReturnRow {
		return ledger.BankReturnRow{BatchNo: BankBatch, VoucherNo: w.VoucherNo, AccountNo: w.AccountNo, HolderName: names[w.AccountHolderIDNumber],
			Amount: w.Amount, Status: ledger.BankSucceeded, TradeOn: l.date(11, 11), Bank: "浏阳农商银行"}
	}
	var rows []ledger.BankReturnRow
	for i, w := range l.bankWages {
		r := row(w)
		switch i {
		case 1: // R1: returned by the bank
			r.Status, r.Note = ledger.BankReturned, "账户已冻结"
		case 2: // near miss of R1: failed, resent a week later and credited
			failed := r
			failed.Status, failed.Note = ledger.BankFailed, "户名与账号不符"
			rows = append(rows, failed)
			r.BatchNo, r.TradeOn = "DF20261118002", l.date(11, 18)
		case 3: // R2: credited to another household's card
			r.AccountNo, r.HolderName = headOf(600)
		case 4: // R3: 50 yuan short
			r.Amount -= 50_00
		case 5: // R4: not in the bank's file
			continue
		case 6: // near miss of R5: the bank's row has no voucher number (matched by account and amount)
			r.VoucherNo = ""
		}
		rows = append(rows, r)
	}
	// R5: a credit the books do not have
	acct, name := headOf(601)
	rows = append(rows, ledger.BankReturnRow{BatchNo: BankBatch, VoucherNo: "记-2026-99001", AccountNo: acct, HolderName: name, Amount: 800_00,
		Status: ledger.BankSucceeded, TradeOn: l.date(11, 11), Bank: "浏阳农商银行"})
	for i := range rows {
		rows[i].Row = i + 2
	}
	file := fmt.Sprintf("浏阳农商银行代发回盘%s.csv", BankBatch)
	if _, err := l.s.Import(l.ctx, l.lg, l.actor("finance"), ledger.ImportInput{Kind: "bank_returns", Filename: file, Rows: len(rows), BankReturns: rows}, false, nil); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	return nil
}
