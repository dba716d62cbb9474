package ledger

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The bank's record (银行代发回盘): what the bank says it did with each
// row of a disbursement batch. A record of fact, written as withheld
// entries (bank_return_recorded: the account holder's name and account are
// personal data) and reconciled against the recorded payments by rules
// R1–R5 (package anomaly).

// Bank return states as the bank's file names them.
const (
	BankSucceeded = "成功"
	BankFailed    = "失败"
	BankReturned  = "退回"
)

// BankStatuses lists the states of a bank return row.
var BankStatuses = []string{BankSucceeded, BankFailed, BankReturned}

// A payment's bank state as the payments page shows it.
const (
	BankStateCredited = "到账"
	BankStateReturned = "退回"
	BankStateFailed   = "失败"
	BankStateNone     = "未见银行回单"
)

// BankReturnRow is a 银行代发回盘 row: one credit the bank attempted.
type BankReturnRow struct {
	Row        int
	BatchNo    string // the bank's 批次号
	VoucherNo  string // the 凭证号 the town gave the bank
	AccountNo  string
	HolderName string // 户名
	Amount     Fen
	Status     string // 成功 | 失败 | 退回
	TradeOn    Date   // 交易日期
	Bank       string
	Note       string // the bank's reason for a failure or a return
}

// BankReturn is a recorded bank return row. The account number and the
// holder's name are kept only as blind indexes (as payments keep their
// accounts), with the account's last 4 digits and the masked name for the
// evidence of a flag.
type BankReturn struct {
	Seq          int64
	BatchNo      string
	VoucherNo    string
	Bank         string
	AccountIndex string
	AccountTail  string // the last 4 digits
	HolderIndex  string
	HolderLabel  string // the masked name (张*明)
	Amount       Fen
	Status       string
	TradeOn      Date
	Note         string
}

// bankReturnPayload is the hashed payload of bank_return_recorded (a
// withheld entry). DANGER: part of the hashed encoding; add fields, never
// repurpose them.
type bankReturnPayload struct {
	BatchNo      string `json:"batch_no"`
	VoucherNo    string `json:"voucher_no"`
	Bank         string `json:"bank"`
	AccountIndex string `json:"account_index"`
	AccountTail  string `json:"account_tail"`
	HolderIndex  string `json:"holder_index"`
	HolderLabel  string `json:"holder_label"`
	Amount       int64  `json:"amount"`
	Status       string `json:"status"`
	TradeOn      string `json:"trade_on"`
	Note         string `json:"note,omitempty"`
	Key          string `json:"key"`
}

// objBankReturn: one per bank_return_recorded entry, keyed by what makes a
// row the same row (batch, voucher, account, amount, state, date), so that
// a file imported twice is refused.
const objBankReturn = "bank_return"

// IndexName is the blind-index kind of a person's name (bank return rows
// name the holder, not their ID number).
const IndexName = "name"

// NameIndex returns the blind index of a name, NFKC-normalised and without
// spaces.
func (v *Vault) NameIndex(name string) string { return v.Index(IndexName, NormalizeName(name)) }

// AccountTail returns the last 4 characters of an account number.
func AccountTail(acct string) string {
	acct = NormalizeAccount(acct)
	if r := []rune(acct); len(r) > 4 {
		return string(r[len(r)-4:])
	}
	return acct
}

// bankColumnOf names the sheet's columns in a bank return row's errors.
var bankColumnOf = map[string]string{"voucher_no": "凭证号", "batch_no": "批次号", "account_no": "账号", "holder_name": "户名",
	"amount": "金额", "status": "状态", "trade_on": "交易日期", "bank": "银行"}

func bankInvalid(field, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Code: CodeValidationFailed, Detail: msg, Fields: []FieldError{{Field: bankColumnOf[field], Message: msg}}}
}

// recordBankReturn writes one bank return row. It refuses (a malformed
// row) a row without a batch or voucher number, account, holder, a
// positive amount, a known state or a date, and a row already recorded.
//
// seen counts the rows of one file by their key: a file may hold two rows
// alike in every recorded field (two members' equal wages into the head's
// 一卡通, in a file without 凭证号), so the n-th such row gets the key with
// "-n"; the same file imported again meets its first row's key and is
// refused.
func (w *txn) recordBankReturn(actor string, r BankReturnRow, seen map[string]int) (BankReturn, error) {
	r.BatchNo, r.VoucherNo = strings.TrimSpace(r.BatchNo), strings.TrimSpace(r.VoucherNo)
	if r.BatchNo == "" && r.VoucherNo == "" {
		return BankReturn{}, bankInvalid("voucher_no", "批次号和凭证号至少须填写其一")
	}
	acct := NormalizeAccount(r.AccountNo)
	if acct == "" {
		return BankReturn{}, bankInvalid("account_no", "账号不能为空")
	}
	name := NormalizeName(r.HolderName)
	if name == "" {
		return BankReturn{}, bankInvalid("holder_name", "户名不能为空")
	}
	if err := r.Amount.CheckPositive(); err != nil {
		return BankReturn{}, bankInvalid("amount", "金额必须大于零")
	}
	if !slices.Contains(BankStatuses, r.Status) {
		return BankReturn{}, bankInvalid("status", "状态必须是%s之一", strings.Join(BankStatuses, "、"))
	}
	if r.TradeOn.IsZero() {
		return BankReturn{}, bankInvalid("trade_on", "交易日期不能为空")
	}
	b := BankReturn{BatchNo: r.BatchNo, VoucherNo: r.VoucherNo, Bank: strings.TrimSpace(r.Bank),
		AccountIndex: w.s.Vault.Index(IndexAccount, acct), AccountTail: AccountTail(acct), HolderIndex: w.s.Vault.NameIndex(name),
		HolderLabel: MaskName(name), Amount: r.Amount, Status: r.Status, TradeOn: r.TradeOn, Note: maskBankNote(r.Note, name)}
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%s\x00%s\x00%d\x00%s\x00%s", b.BatchNo, b.VoucherNo, b.AccountIndex, b.Amount, b.Status, b.TradeOn))
	key := hex.EncodeToString(sum[:16])
	if seen != nil {
		if n := seen[key]; n > 0 {
			seen[key] = n + 1
			key += "-" + strconv.Itoa(n)
		} else {
			seen[key] = 1
		}
	}
	var old BankReturn
	if _, err := w.bk.ObjectByKey(objBankReturn, key, &old); err == nil {
		return BankReturn{}, bankInvalid("voucher_no", "该银行回盘记录已导入过（批次号 %s，凭证号 %s，账号尾号 %s，交易日期 %s）", b.BatchNo, b.VoucherNo, b.AccountTail, b.TradeOn)
	} else if !IsNotFound(err) {
		return BankReturn{}, err
	}
	e, err := w.emit(TypeBankReturnRecorded, actor, r.TradeOn, bankReturnPayload{BatchNo: b.BatchNo, VoucherNo: b.VoucherNo,
		Bank: b.Bank, AccountIndex: b.AccountIndex, AccountTail: b.AccountTail, HolderIndex: b.HolderIndex,
		HolderLabel: b.HolderLabel, Amount: int64(b.Amount), Status: b.Status, TradeOn: b.TradeOn.String(), Note: b.Note, Key: key})
	if err != nil {
		return BankReturn{}, err
	}
	b.Seq = e.Seq
	return b, nil
}

// applyBankReturn is apply for bank_return_recorded.
func applyBankReturn(bk Books, e Entry) error {
	var p bankReturnPayload
	if err := json.Unmarshal(e.Payload, &p); err != nil {
		return err
	}
	return bk.CreateObject(objBankReturn, e.Seq, p.Key, BankReturn{Seq: e.Seq, BatchNo: p.BatchNo, VoucherNo: p.VoucherNo,
		Bank: p.Bank, AccountIndex: p.AccountIndex, AccountTail: p.AccountTail, HolderIndex: p.HolderIndex,
		HolderLabel: p.HolderLabel, Amount: Fen(p.Amount), Status: p.Status, TradeOn: parseDateOrZero(p.TradeOn), Note: p.Note})
}

// BankReturns returns the recorded bank return rows of a log, by seq.
func (s *Service) BankReturns(ctx context.Context, lg Log) ([]BankReturn, error) {
	return listObjects[BankReturn](s.L.Store().Books(ctx, lg.ID), objBankReturn)
}

// ---- reconciliation ----

// BankPayment is what matching reads of a payment.
type BankPayment struct {
	VoucherNo    string
	AccountIndex string
	Amount       Fen
	PaidOn       Date
}

// BankMatch is the result of matching bank rows to payments: Rows[i] lists
// the bank rows of payment i, in trade-date order; Payment[j] is the
// payment of bank row j, or -1.
type BankMatch struct {
	Rows    [][]int
	Payment []int
}

// BankMatchDays is how far apart a payment's date and a bank row's trade
// date may be for a row without a known voucher number to match it by
// account and amount.
const BankMatchDays = 31

func voucherKey(v string) string { return strings.ToUpper(strings.TrimSpace(v)) }

// MatchBank matches bank rows to payments. A row whose 凭证号 names
// payments belongs to one of them: the one paid into the row's account,
// else the one of the row's amount, else the first; a row without a known
// voucher number matches a payment into the same account of the same
// amount paid within BankMatchDays of its trade date that no other row
// matched. Rows of the same payment (a failure, then a resend) all match it.
func MatchBank(pays []BankPayment, rows []BankReturn) BankMatch {
	m := BankMatch{Rows: make([][]int, len(pays)), Payment: make([]int, len(rows))}
	byVoucher := map[string][]int{}
	byAccount := map[string][]int{}
	for i, p := range pays {
		if v := voucherKey(p.VoucherNo); v != "" {
			byVoucher[v] = append(byVoucher[v], i)
		}
		if p.AccountIndex != "" {
			byAccount[p.AccountIndex] = append(byAccount[p.AccountIndex], i)
		}
	}
	order := make([]int, len(rows))
	for j := range rows {
		order[j] = j
		m.Payment[j] = -1
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Or(cmp.Compare(PackDate(rows[a].TradeOn), PackDate(rows[b].TradeOn)), cmp.Compare(rows[a].Seq, rows[b].Seq))
	})
	pick := func(cands []int, ok func(i int) bool) int {
		for _, i := range cands {
			if ok(i) {
				return i
			}
		}
		return -1
	}
	for _, j := range order {
		r := rows[j]
		got := -1
		if cands := byVoucher[voucherKey(r.VoucherNo)]; voucherKey(r.VoucherNo) != "" && len(cands) > 0 {
			if len(cands) == 1 {
				got = cands[0]
			} else if got = pick(cands, func(i int) bool { return pays[i].AccountIndex == r.AccountIndex && pays[i].Amount == r.Amount }); got < 0 {
				if got = pick(cands, func(i int) bool { return pays[i].AccountIndex == r.AccountIndex }); got < 0 {
					if got = pick(cands, func(i int) bool { return pays[i].Amount == r.Amount }); got < 0 {
						got = cands[0]
					}
				}
			}
		} else {
			near := func(i int) bool {
				d := pays[i].PaidOn.DaysUntil(r.TradeOn)
				return pays[i].Amount == r.Amount && d >= -BankMatchDays && d <= BankMatchDays
			}
			if got = pick(byAccount[r.AccountIndex], func(i int) bool { return near(i) && len(m.Rows[i]) == 0 }); got < 0 {
				got = pick(byAccount[r.AccountIndex], near)
			}
		}
		if got >= 0 {
			m.Payment[j] = got
			m.Rows[got] = append(m.Rows[got], j)
		}
	}
	return m
}

// BankState returns a payment's bank state from its matched rows (in
// trade-date order): the last row's, 未见银行回单 for none.
func BankState(rows []BankReturn, idx []int) string {
	if len(idx) == 0 {
		return BankStateNone
	}
	switch rows[idx[len(idx)-1]].Status {
	case BankSucceeded:
		return BankStateCredited
	case BankReturned:
		return BankStateReturned
	}
	return BankStateFailed
}

// BankStates returns the bank state of each of the given payments, by
// payment id: none for payments the bank does not pay (to an organisation,
// or without an account number: cash), for payments not yet made (waiting
// for approval or publicity, or rejected) that no bank row names, and for
// every payment while the town has recorded no bank return file.
func (s *Service) BankStates(ctx context.Context, lg Log, ps []Payment) (map[int64]string, error) {
	rows, err := s.BankReturns(ctx, lg)
	if err != nil || len(rows) == 0 {
		return map[int64]string{}, err
	}
	// Match against every payment, so that a page of payments gets the
	// same answer as the whole books.
	all, err := s.L.Store().Books(ctx, lg.ID).Payments(PaymentFilter{})
	if err != nil {
		return nil, err
	}
	want := make(map[int64]bool, len(ps))
	for _, p := range ps {
		want[p.ID] = true
	}
	bp := make([]BankPayment, len(all))
	for i, p := range all {
		bp[i] = BankPayment{VoucherNo: p.VoucherNo, AccountIndex: p.AccountIndex, Amount: p.Amount, PaidOn: p.PaidOn}
	}
	m := MatchBank(bp, rows)
	out := make(map[int64]string, len(ps))
	for i, p := range all {
		// a payment not yet made (waiting for approval or publicity) or
		// rejected is not missing from the bank's file
		if !want[p.ID] || !BankPaid(p) || len(m.Rows[i]) == 0 && p.Status != StatusEffective && p.Status != StatusReversed {
			continue
		}
		out[p.ID] = BankState(rows, m.Rows[i])
	}
	return out, nil
}

// BankPaid reports whether the bank pays a payment: one to a person or a
// household into a recorded account (not cash, not to an organisation).
func BankPaid(p Payment) bool {
	return p.AccountIndex != "" && (p.Payee.Kind == PayeePerson || p.Payee.Kind == PayeeHousehold)
}

// loadBank adds the bank return rows to a full snapshot.
func (s *Service) loadBank(ctx context.Context, lg Log, d *ScanData) error {
	rows, err := s.BankReturns(ctx, lg)
	d.BankReturns = rows
	return err
}

// addPrivate notes, for the bank reconciliation, a decrypted person's name
// index and the last 4 digits of their accounts.
func (s *Service) addPrivate(d *ScanData, person int64, pp PersonPrivate) {
	if d.NameIndex == nil {
		d.NameIndex, d.AccountTails = map[int64]string{}, map[string]string{}
	}
	if pp.Name != "" {
		d.NameIndex[person] = s.Vault.NameIndex(pp.Name)
	}
	for _, a := range pp.Accounts {
		if n := NormalizeAccount(a.Number); n != "" {
			d.AccountTails[s.Vault.Index(IndexAccount, n)] = AccountTail(n)
		}
	}
}

// bankConfirmed is the line a 资金发放结果公告 adds about the bank's
// confirmation of its rows: how many of the listed payments the bank paid
// (to a person or household, into an account), and of them how many the
// bank's return files confirm as credited, returned or failed, or do not
// show yet. It is "" while the town has recorded no bank return file or
// when no listed payment went through the bank. (Published notices keep
// the content they were published with.)
func (s *Service) bankConfirmed(ctx context.Context, lg Log, ps []Payment) (string, error) {
	states, err := s.BankStates(ctx, lg, ps)
	if err != nil || len(states) == 0 {
		return "", err
	}
	n := map[string]int{}
	for _, p := range ps {
		if st, ok := states[p.ID]; ok {
			n[st]++
			n[""]++
		}
	}
	if n[""] == 0 {
		return "", nil
	}
	line := fmt.Sprintf("银行代发回盘核对：以上经银行代发的 %d 笔中，%d 笔银行已确认到账", n[""], n[BankStateCredited])
	if bad := n[BankStateReturned] + n[BankStateFailed]; bad > 0 {
		line += fmt.Sprintf("，%d 笔被银行退回或发放失败", bad)
	}
	if n[BankStateNone] > 0 {
		line += fmt.Sprintf("，%d 笔尚未见银行回单", n[BankStateNone])
	}
	return line + "。", nil
}

// selfBank is a bank state as the villager's self-query says it: 到账,
// 退回 (a failed credit, too: the money went back), 未见银行回单, or "".
func selfBank(state string) string {
	if state == BankStateFailed {
		return BankStateReturned
	}
	return state
}

// BankReturnColumns are the columns of the 银行代发回盘 sheet a town's
// bank column mapping (Town.BankColumns) may name.
var BankReturnColumns = []string{"批次号", "凭证号", "账号", "户名", "金额", "状态", "交易日期", "银行", "失败原因"}

// checkBankColumns checks a town's bank column mapping: at most 100
// headers of at most 50 characters, each mapped to a column of the sheet.
func checkBankColumns(m map[string]string) error {
	if len(m) > 100 {
		return invalid("bank_columns", "银行回盘列名对照最多 100 项")
	}
	for k, v := range m {
		if strings.TrimSpace(k) == "" || len([]rune(k)) > 50 {
			return invalid("bank_columns", "银行回盘列名「%s」不能为空或超过 50 个字", k)
		}
		if !slices.Contains(BankReturnColumns, v) {
			return invalid("bank_columns", "银行回盘列名「%s」对应的「%s」不是银行代发回盘的列，应为：%s", k, v, strings.Join(BankReturnColumns, "、"))
		}
	}
	return nil
}

// bankDigits are runs of digits a bank writes into its free-text reason: an
// account or ID number ("账号6230901000000001户名张三不符").
var bankDigits = regexp.MustCompile(`\d{6,}[Xx]?`)

// maskBankNote keeps a bank's reason for a failure or a return readable
// without the personal data banks write into it: every run of six digits or
// more becomes ****1234 (its last four), and the row's holder name its
// masked form. The reason goes into the log and onto a monitor's flag,
// where an account shows only its last four digits.
func maskBankNote(note, holder string) string {
	note = strings.TrimSpace(note)
	note = bankDigits.ReplaceAllStringFunc(note, func(d string) string {
		d = strings.TrimRight(d, "Xx")
		return "****" + d[len(d)-4:]
	})
	if holder != "" && utf8.RuneCountInString(holder) >= 2 {
		note = strings.ReplaceAll(note, holder, MaskName(holder))
	}
	return note
}
