// Package anomaly is the rule catalogue of DOMAIN.md §7: each rule a pure
// function over a snapshot of a town's books (ledger.ScanData) that returns
// findings — a reason and its evidence, never a verdict — with thresholds in
// one Config. Rule codes are stable. Each finding carries the rule's subject
// key, so that a flag's identity (rule + subject) survives any number of
// scans.
package anomaly

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// Config holds the rules' thresholds (DOMAIN.md §7; configuration, not code).
type Config struct {
	IdleWarnMonths       int        // D1: warn after this many months with an unspent balance
	IdleHighMonths       int        // D1: high after this many
	SplitDays            int        // A7: joined the household this many days or fewer before the first payment
	TenderThreshold      ledger.Fen // F1
	TenderWindowDays     int        // F1
	LargeFactor          int64      // C4: × the item's standard
	LargeNoItem          ledger.Fen // C4: a payment to a person or household with no item
	LoanMax              ledger.Fen // G2
	LoanMaxMonths        int        // G2
	LoanDueSoonDays      int        // G7: info
	LoanOverdueHighDays  int        // G7: high
	BorrowerMinAge       int        // G3
	BorrowerMaxAge       int        // G3
	OutlierMinPayments   int        // B3: the IQR test needs this many payments of the item in the village and period
	BackdatedDays        int        // H5: recorded more than this many days after the business date
	AllocationNoticeDays int        // D2: working days after a fund arrives for its 资金分配结果公告
	ComplaintDays        int        // H3: days a complaint may stay unresolved
	NewApproverDays      int        // S1: an approval by an account set up this many days or fewer before it
	// R4: days after a payment's date with no bank return row, by item
	// code (BankReturnDaysByItem), else BankReturnDays.
	BankReturnDays       int
	BankReturnDaysByItem map[string]int
	// Added by issue 17 (the patterns still missed, rules_patterns.go):
	IdleWarnPaidPercent    int // D1: warn only when less than this share of the fund is allocated to projects or paid
	IdleHighUnspentPercent int // D1: high only when more than this share is unspent
	FutureDays             int // H6: a payment dated more than this many days after today
	PeriodLateMonths       int // H7: paid more than this many months after its period ended
	PeriodEarlyMonths      int // H7: paid more than this many months before its period began
	CadreAccountHouseholds int // C6: a cadre's account receiving for this many other households or more
}

// DefaultConfig is the catalogue's defaults.
var DefaultConfig = Config{IdleWarnMonths: 6, IdleHighMonths: 12, SplitDays: 180, TenderThreshold: 100000_00, TenderWindowDays: 90,
	LargeFactor: 3, LargeNoItem: 10000_00, LoanMax: ledger.LoanMaxAmount, LoanMaxMonths: ledger.LoanMaxTermMonths,
	LoanDueSoonDays: 30, LoanOverdueHighDays: 90, BorrowerMinAge: ledger.LoanMinAge, BorrowerMaxAge: ledger.LoanMaxAge, OutlierMinPayments: 10,
	BackdatedDays: 30, AllocationNoticeDays: 15, ComplaintDays: 20, NewApproverDays: 30,
	BankReturnDays:      15,
	IdleWarnPaidPercent: ledger.DefaultIdlePolicy.WarnPaidPercent, IdleHighUnspentPercent: ledger.DefaultIdlePolicy.HighUnspentPercent,
	FutureDays: 1, PeriodLateMonths: 12, PeriodEarlyMonths: 3, CadreAccountHouseholds: 3}

// Rule is one entry of the catalogue.
type Rule struct {
	Code       string
	Name       string // Chinese
	Definition string // Chinese: what is detected
	SubjectKey string // what identifies a flag of the rule
	Check      func(d *ledger.ScanData, c Config) []ledger.Finding
}

// Catalogue returns the rules implemented so far, by code.
func Catalogue() []Rule {
	rs := []Rule{
		{"A2", "死亡人员领取", "补贴所属期间开始于收款人死亡当月之后", "收款人", ruleA2},
		{"A3", "不符合条件的对象领取", "收款家庭的户属性或监测类型不在该补贴的补助对象之内", "补贴项目 + 对象", ruleA3},
		{"A4", "财政供养人员领取", "收款人（到户项目含其家庭成员）为财政供养人员", "收款人", ruleA4},
		{"A5", "干部或干部亲属领取（优亲厚友）", "收款人（到户项目含其家庭成员）为本村村干部或干部亲属", "收款人", ruleA5},
		{"A7", "突击迁入", "收款人迁入本户不满 180 天即首次领取该补贴（因婚嫁、学生回乡、出生迁入的除外）", "补贴项目 + 收款人", ruleA7},
		{"B1", "重复发放", "同一补贴、同一对象、同一期间发放两次以上且均未冲正", "补贴项目 + 对象 + 期间", ruleB1},
		{"B2", "到户补贴多人领取", "按户发放的补贴同一户同一期间发给两名以上成员（按收款人计，不论打入一个还是几个账户）", "补贴项目 + 户 + 期间", ruleB2},
		{"B3", "超标准发放", "金额超过补贴标准（按数量计的乘以数量）", "支付", ruleB3},
		{"B7", "跨乡镇重复领取", "同一人（到户补贴含家庭成员）或同一收款账户，同一补贴、同一期间在本县两个以上乡镇都有发放记录（按身份证号、账号的盲索引比对）", "补贴项目 + 对象 + 期间", ruleB7},
		{"B5", "超过年度上限", "同一对象同一补贴全年合计超过年度上限", "补贴项目 + 对象 + 年度", ruleB5},
		{"C1", "代领、截留", "收款账户户名既不是收款人也不是其家庭成员", "收款人 + 账户户名", ruleC1},
		{"C2", "一卡多人", "同一账户同一期间收到多个家庭的款项", "账户 + 期间", ruleC2},
		{"C4", "大额单笔支付", "超过补贴标准 3 倍，或无补贴项目向个人、家庭支付超过 1 万元", "支付", ruleC4},
		{"C5", "公示期未满或有异议即发放", "需公示的补贴在补助对象公示截止前发放，或公示有未办结的异议时已生效", "支付", ruleC5},
		{"D2", "资金分配结果未按时公告", "资金到账 15 个工作日内未发布资金分配结果公告", "资金", ruleD2},
		{"D3", "公告提前撤回", "公告在公示截止日前被撤回", "公告", ruleD3},
		{"E2", "向库外项目支付", "支付日期项目不在可支付状态（未入库、未批复实施等）", "支付", ruleE2},
		{"H2", "未公示即发放", "需公示的补贴已生效但没有补助对象公示", "村 + 补贴项目 + 期间", ruleH2},
		{"H3", "投诉超期未办结", "群众投诉超过 20 天未办结", "投诉", ruleH3},
		{"D1", "资金闲置或支出滞后", "资金到账 6 个月拨付到项目和支出都不足 30%（警示），到账 1 年仍有 10% 以上未支出（高）", "资金", ruleD1},
		{"E3", "超支", "项目从某笔资金的支付超过该资金拨付给项目的金额", "项目 + 资金", ruleE3},
		{"E6", "产业资金直接发钱", "产业项目或产业资金以非产业补贴的形式发给个人或家庭", "项目 + 收款人", ruleE6},
		{"E7", "改变资金用途（性质不变、渠道不乱）", "资金用途与项目类别不一致（统筹整合涉农资金除外；衔接资金用于产业、就业、基础设施、人居环境、雨露计划、贴息除外）", "资金 + 项目", ruleE7},
		{"F1", "化整为零规避招标", "同一项目同一供应商 90 天内多笔均低于本镇规定的比选/招标限额、合计超过限额", "项目 + 供应商 + 首笔日期", ruleF1},
		{"F2", "批复前支付", "支付日期早于项目批复日期", "支付", ruleF2},
		{"F9", "发票重复使用", "同一发票号出现在两笔以上支付中", "发票号", ruleF9},
		{"G1", "向不符合条件的户放贷", "借款户不是脱贫户、监测对象或建档立卡贫困户", "贷款", ruleG1},
		{"G2", "小额信贷超限", "贷款金额超过 5 万元或期限超过 36 个月", "贷款", ruleG2},
		{"G3", "借款人年龄不符", "放贷时借款人不在 18 至 65 周岁之间", "贷款", ruleG3},
		{"G4", "公职人员借款（冒名借款风险）", "借款人为财政供养人员或村干部", "贷款", ruleG4},
		{"G5", "一户多贷", "同一户未结清贷款超过一笔", "户", ruleG5},
		{"G8", "冒用他人名义借款", "借款人放贷时已死亡，或在两个村都有贷款", "贷款", ruleG8},
		{"G7", "贷款即将到期或逾期", "30 天内到期（提示）、已逾期（警示）、逾期超过 90 天（高）", "贷款", ruleG7},
		{"S1", "新设审核账号审批", "审核支付的账号在审核前 30 天内被创建、授予审核角色、重新启用或重置密码", "审核记录", ruleS1},
		{"H5", "补录", "支付在业务日期 30 天以后才录入；一个导入批次合并为一条线索", "支付，或导入批次", ruleH5},
		// T1 is raised by the verify job, not by the scan.
		{"T1", "账本被篡改", "校验发现条目、哈希或已签名检查点不一致", "账本", func(*ledger.ScanData, Config) []ledger.Finding { return nil }},
	}
	rs = append(rs, bankRules()...)
	rs = append(rs, patternRules()...)
	sort.Slice(rs, func(i, j int) bool { return rs[i].Code < rs[j].Code })
	return rs
}

// PaymentRule reports whether a rule groups payments (an incremental scan
// keeps only its findings that cite a change); the others read loans, funds,
// notices or complaints in full.
func PaymentRule(code string) bool {
	switch code {
	case "D1", "D2", "D3", "G1", "G2", "G3", "G4", "G5", "G7", "G8", "H3", "S1", "T1":
		return false
	}
	return true
}

// Run runs every rule and returns the findings, by rule.
func Run(d *ledger.ScanData, c Config) []ledger.Finding {
	var out []ledger.Finding
	for _, r := range Catalogue() {
		out = append(out, r.Check(d, c)...)
	}
	return out
}

// ---- helpers ----
//
// The snapshot holds payments in their compact form (ledger.ScanPayment);
// a rule looks at one at a time as a ledger.Payment (x.at, a copy on the
// stack whose strings are views of the snapshot's table) and groups them by
// index: by sorting the indexes on the group's key (groups), or, where the
// groups are few, in a map of indexes. No rule keeps a copy of a payment
// or a string key per payment.

func active(p ledger.Payment) bool { return p.Status == ledger.StatusEffective }

// ev cites payments: their entries and vouchers, up to the 100 a flag keeps
// (the reason says how many there were).
func ev(ps ...ledger.Payment) ledger.Evidence {
	var e ledger.Evidence
	for _, p := range ps {
		if len(e.Entries) >= evidenceMax {
			break
		}
		e.Entries = append(e.Entries, p.Seq)
		if p.VoucherNo != "" && !slices.Contains(e.Vouchers, p.VoucherNo) {
			e.Vouchers = append(e.Vouchers, strings.Clone(p.VoucherNo)) // a view of the snapshot's strings
		}
	}
	return e
}

// evidenceMax is how many items of each list a flag keeps.
const evidenceMax = 100

type finder struct {
	d *ledger.ScanData
}

// at returns payment i of the snapshot.
func (x finder) at(i int32) ledger.Payment { return x.d.Payment(int(i)) }

// views returns the payments idx names.
func (x finder) views(idx []int32) []ledger.Payment {
	out := make([]ledger.Payment, len(idx))
	for k, i := range idx {
		out[k] = x.at(i)
	}
	return out
}

// evi is ev over the payments idx names.
func (x finder) evi(idx []int32) ledger.Evidence {
	return ev(x.views(idx[:min(len(idx), evidenceMax)])...)
}

// groups calls fn with each group of the payments keep selects: the indexes
// of payments equal under order, in payment order; groups come in that
// order. Sorting 4-byte indexes costs far less memory than a map with a key
// per payment.
func (x finder) groups(keep func(p *ledger.Payment) bool, order func(a, b *ledger.ScanPayment) int, fn func(idx []int32)) {
	var idx []int32
	p := new(ledger.Payment) // one for all: keep may keep its argument for all the compiler knows
	for i := range x.d.Payments {
		if *p = x.at(int32(i)); keep(p) {
			idx = append(idx, int32(i))
		}
	}
	ps := x.d.Payments
	slices.SortFunc(idx, func(a, b int32) int {
		if c := order(&ps[a], &ps[b]); c != 0 {
			return c
		}
		return int(a - b)
	})
	for i := 0; i < len(idx); {
		j := i + 1
		for j < len(idx) && order(&ps[idx[i]], &ps[idx[j]]) == 0 {
			j++
		}
		fn(idx[i:j:j])
		i = j
	}
}

// cmpPayee orders payments by payee.
func cmpPayee(a, b *ledger.ScanPayment) int {
	return cmp.Or(cmp.Compare(a.PayeeKind, b.PayeeKind), cmp.Compare(a.PayeeID, b.PayeeID))
}

// aggregate is a group of which a rule needs the size, the sum and the
// first payments (those a flag cites).
type aggregate struct {
	n   int
	sum ledger.Fen
	idx []int32 // the first evidenceMax
}

func (g *aggregate) add(i int32, amount ledger.Fen) {
	g.n++
	g.sum += amount
	if len(g.idx) < evidenceMax {
		g.idx = append(g.idx, i)
	}
}

func (x finder) village(p ledger.Payment) string {
	if h, ok := x.d.Households[p.Household]; ok {
		return h.Village
	}
	if pr, ok := x.d.Projects[p.Project]; ok {
		return pr.Village
	}
	return ""
}

func (x finder) subject(p ledger.Payment) ledger.FlagSubject {
	s := ledger.FlagSubject{Kind: payeeKind(p.Payee.Kind), ID: p.Payee.ID}
	switch p.Payee.Kind {
	case ledger.PayeePerson:
		s.Label = x.d.Labels[p.Payee.ID]
	case ledger.PayeeHousehold:
		s.Label = x.d.Labels[x.d.Households[p.Payee.ID].Head] + "户"
	case ledger.PayeeOrg:
		s.Label = orgLabel(x.d, p.Payee.ID) // never empty (F1, F9)
	}
	return s
}

// payeeKind returns a payee kind that is not a view of the snapshot.
func payeeKind(k string) string {
	switch k {
	case ledger.PayeePerson:
		return ledger.PayeePerson
	case ledger.PayeeHousehold:
		return ledger.PayeeHousehold
	case ledger.PayeeOrg:
		return ledger.PayeeOrg
	}
	return strings.Clone(k)
}

func payeeKey(p ledger.Payment) string { return fmt.Sprintf("%s:%d", p.Payee.Kind, p.Payee.ID) }

// recipients returns the persons a payment reached: the person, or every
// member of the household for household payments.
func (x finder) recipients(p ledger.Payment) []int64 {
	switch p.Payee.Kind {
	case ledger.PayeePerson:
		return []int64{p.Payee.ID}
	case ledger.PayeeHousehold:
		return x.d.Members[p.Payee.ID]
	}
	return nil
}

func monthStart(d ledger.Date) ledger.Date { return ledger.Date{Year: d.Year, Month: d.Month, Day: 1} }

func itemName(d *ledger.ScanData, code string) string {
	if it, ok := d.Items[code]; ok {
		return it.Name
	}
	return strings.Clone(code)
}

func join(ss []string) string { return strings.Join(ss, "、") }
