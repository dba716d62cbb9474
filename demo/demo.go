// Package demo generates the demo town, 镇头镇, deterministically from a
// seed: villages, about 710 registered poor households (2,126 people) among
// the other villagers, 37 monitors with logins, funds from every level and
// social donations, library projects in every state, a year of payments
// (subsidies to households and people, contractor payments, public-welfare
// wages), micro-loans, published notices, and irregularities planted on
// purpose for the scan to find (Planted). Every record goes through the
// service, month by month, at its business date, as the finance office
// would have recorded it; no real person's data: ID numbers use the area
// code 439901, which GB/T 2260 does not assign.
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/sunshine-ledger/sunshine/disclosure"
	"github.com/sunshine-ledger/sunshine/ledger"
)

// Password is every demo user's password (README: the tour).
const Password = "sunshine-demo-2026"

// FictitiousArea is the area code of every demo ID number: GB/T 2260 does
// not assign it, so no generated number can be a real resident's.
const FictitiousArea = "439901"

// Clock is the demo's clock: fixed at each step's business date while the
// town loads, then the base clock.
type Clock struct {
	mu   sync.Mutex
	at   time.Time
	base func() time.Time
}

// NewClock returns a clock that follows base until Set.
func NewClock(base func() time.Time) *Clock { return &Clock{base: base} }

// Now returns the set time, or the base clock's.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at.IsZero() {
		return c.at
	}
	return c.base()
}

// Set fixes the clock; Release returns it to the base clock.
func (c *Clock) Set(t time.Time) { c.mu.Lock(); c.at = t; c.mu.Unlock() }

// Release returns the clock to its base.
func (c *Clock) Release() { c.Set(time.Time{}) }

// Plant is an irregularity planted on purpose.
type Plant struct {
	Rule string
	What string // Chinese, for the README's tour
}

// Planted lists the irregularities the demo plants (the scan flags each).
var Planted = append([]Plant{
	{"A2", "石牛村一名生态护林员 5 月去世，6、7 月工资照发"},
	{"A4", "一名财政供养人员领取了教育资助"},
	{"A5", "甘棠村一名村干部亲属领取临时救助"},
	{"A7", "一人 7 月迁入某户，11 月即领取雨露计划补助"},
	{"B1", "同一户的油茶产业奖补 2026 年度发了两次"},
	{"B3", "一笔教育资助 1,500 元，超过 1,000 元标准"},
	{"C1", "一笔公益岗位工资打入了另一户人的一卡通"},
	{"C2", "一个账户 8 月收到三户人的公益岗位工资"},
	{"C4", "向一名村民无补贴项目支付 12,000 元"},
	{"D1", "一笔城乡医疗救助资金 1 月到账后一直未使用"},
	{"D2", "一笔社会帮扶资金到账后未发布资金分配结果公告"},
	{"E3", "一个项目从某笔资金的支付超过了拨付给它的金额"},
	{"E7", "产业专项资金拨付给了基础设施项目"},
	{"F1", "同一项目同一施工单位 90 天内三笔 4 万元进度款（化整为零）"},
	{"F9", "两笔支付使用同一张发票"},
	{"G3", "一笔小额信贷的借款人放贷时 67 岁"},
	{"G5", "一户有两笔未结清的小额信贷"},
	{"G7", "多笔 2025 年发放的一年期贷款已逾期"},
	{"H2", "一批临时救助导入生效，但没有发布补助对象公示"},
	{"H5", "11 月补录了一笔 7 月的支付"},
}, slices.Concat(bankPlanted, planted17)...)

// Summary is what the demo loaded.
type Summary struct {
	Villages, Households, Persons, Users, Funds, Projects, Payments, Loans, Notices int
	// Wage is a wage earner who heads their household, paid a 公益岗位
	// wage for November into their 一卡通 (another demo town pays them
	// again: planted B7).
	Wage *Paid
}

// Options set the demo's seed and size.
type Options struct {
	Seed uint64
	// Progress, when set, is told each step of the load before it starts
	// (step i of n, what it loads): serve prints it.
	Progress func(i, n int, what string)
	// PoorHouseholds is the number of registered poor households (710).
	PoorHouseholds int
	// OtherHouseholds is the number of other households (300).
	OtherHouseholds int

	// The town, 镇头镇 when Code is empty. A further demo town
	// (--demo-towns) sets them all: see Further.
	Code, Name, ShortName, Phone, Address, Email string
	// Villages are the town's villages and community (default Villages).
	Villages []ledger.Village
	// UserSuffix follows the logins' names: caiwu2, jiandu2-01 (usernames
	// are service-wide).
	UserSuffix string
	// IDCode is the first 顺序码 of the town's ID numbers (default 100) and
	// IDCodes how many it may use (0: no limit), so that two towns of one
	// service never draw the same number by chance.
	IDCode, IDCodes int
	// AccountBase numbers the households' bank accounts (default 1000000).
	AccountBase int
	// Twin is a person another demo town paid: registered and paid again
	// here (planted B7); nil for none.
	Twin *Paid
}

// Paid is one per-person payment of a demo town: the person, their
// account and what they were paid (the other half of the planted B7).
type Paid struct {
	Name, IDNumber, Bank, AccountNo  string
	Village, Group, Kind, Monitoring string
	ItemCode, ProjectCode, DocNo     string
	Period                           ledger.Period
	Amount                           ledger.Fen
	JoinedOn                         ledger.Date
}

// defaults fills the options of 镇头镇 left empty.
func (o Options) defaults() Options {
	if o.PoorHouseholds == 0 {
		o.PoorHouseholds = 710
	}
	if o.OtherHouseholds == 0 {
		o.OtherHouseholds = 300
	}
	if o.Code == "" {
		o.Code, o.Name, o.ShortName, o.Phone = TownCode, TownName, "镇头", "0731-83421234"
		o.Address, o.Email = "浏阳市镇头镇人民政府（镇头镇镇头社区）", "ztzzf@example.cn"
	}
	if o.Villages == nil {
		o.Villages = Villages
	}
	if o.IDCode == 0 {
		o.IDCode, o.IDCodes = 100, 40
	}
	if o.AccountBase == 0 {
		o.AccountBase = 1000000
	}
	return o
}

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()

// at is a business moment: the date at hh:00 in Asia/Shanghai.
func at(month, day, hour int) time.Time {
	return time.Date(2026, time.Month(month), day, hour, 0, 0, 0, shanghai)
}

// Town is the demo town's code and name.
const (
	TownCode = "430181117"
	TownName = "镇头镇"
)

// Villages are the demo's villages and community.
var Villages = []ledger.Village{
	{Code: "430181117201", Name: "田坪村"}, {Code: "430181117202", Name: "石牛村"}, {Code: "430181117203", Name: "甘棠村"},
	{Code: "430181117204", Name: "金田村"}, {Code: "430181117205", Name: "双桥村"}, {Code: "430181117206", Name: "新阳村"},
	{Code: "430181117207", Name: "跃龙村"}, {Code: "430181117208", Name: "北岭村"}, {Code: "430181117209", Name: "龙泉村"},
	{Code: "430181117210", Name: "白沙村"}, {Code: "430181117001", Name: "镇头社区"},
}

var groups = []string{"一组", "二组", "三组", "四组", "五组", "六组", "七组", "八组"}

var surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏付方白邹孟熊秦邱江尹黎易欧阳")
var given = []rune("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅建国文辉力斌春燕海云志雪荣金凤新林德福生亮宇晨佳慧婷浩然家俊子豪欣怡雨萱思远")

type person struct {
	row      ledger.PersonRow
	birth    time.Time
	house    int // index into households
	age      int
	employee bool
}

type household struct {
	village ledger.Village
	group   string
	kind    string
	members []int // indexes into persons
	account string
}

// loader carries the demo's state while it loads.
type loader struct {
	ctx     context.Context
	s       *ledger.Service
	auth    *ledger.Auth
	pub     *disclosure.Publisher
	lg      ledger.Log
	o       Options
	clock   *Clock
	r       *rand.Rand
	persons []person
	houses  []household
	idSeq   map[string]int
	idOver  bool // a 顺序码 beyond the town's range
	voucher int
	users   map[string]ledger.User
	sum     Summary
	// bankWages are November's wage rows, paid by the bank (bank.go).
	bankWages []ledger.PaymentRow
	// finishing are the village projects taken past 实施 in November (stages.go).
	finishing []finishing
}

// Load loads the demo town into an empty log through the service. The
// clock is set to each step's business date and released at the end. The
// same seed, master key and empty database give the same tree root.
func Load(ctx context.Context, s *ledger.Service, auth *ledger.Auth, pub *disclosure.Publisher, lg ledger.Log, clock *Clock, o Options) (Summary, error) {
	o = o.defaults()
	l := &loader{ctx: ctx, s: s, auth: auth, pub: pub, lg: lg, o: o, clock: clock, r: rand.New(rand.NewPCG(o.Seed, o.Seed^0x5eed)),
		idSeq: map[string]int{}, users: map[string]ledger.User{}}
	defer clock.Release()
	steps := []func(o Options) error{l.town, l.people, l.staff, l.year, l.bank, l.stages}
	names := []string{"the town and its villages", "households and people", "staff logins", "the year's funds, projects, payments and notices",
		"the bank's return file", "project stage notices"}
	if o.Twin != nil {
		steps = append(steps, l.twin)
		names = append(names, "the other town's entries")
	}
	for i, step := range steps {
		if o.Progress != nil {
			o.Progress(i+1, len(steps), names[i])
		}
		if err := step(o); err != nil {
			return l.sum, err
		}
	}
	return l.sum, nil
}

func (l *loader) set(month, day, hour int) { l.clock.Set(at(month, day, hour)) }

func (l *loader) date(month, day int) ledger.Date {
	return ledger.Date{Year: 2026, Month: time.Month(month), Day: day}
}

func (l *loader) town(Options) error {
	l.set(1, 2, 9)
	o := l.o
	if _, err := l.s.RegisterTown(l.ctx, l.lg, "system", ledger.Town{Code: o.Code, Name: o.Name}); err != nil {
		return err
	}
	if _, err := l.s.UpdateTown(l.ctx, l.lg, "system", ledger.Town{Name: o.Name, ShortName: o.ShortName, Phones: []string{o.Phone},
		Address: o.Address, Email: o.Email, CountyOffice: CountyOffice, CountyPhone: CountyPhone,
		AutoPublish: stageAuto}, nil); err != nil {
		return err
	}
	for _, v := range l.o.Villages {
		v.Groups = groups[:6+l.r.IntN(3)]
		if _, err := l.s.AddVillage(l.ctx, l.lg, "system", v, nil); err != nil {
			return err
		}
	}
	l.sum.Villages = len(l.o.Villages)
	return l.villageContacts()
}

func (l *loader) name() string {
	n := string(surnames[l.r.IntN(len(surnames))])
	if l.r.IntN(30) == 0 {
		n = "欧阳"
	}
	n += string(given[l.r.IntN(len(given))])
	if l.r.IntN(5) > 0 {
		n += string(given[l.r.IntN(len(given))])
	}
	return n
}

func (l *loader) idNumber(birth time.Time, male bool) string {
	k := birth.Format("20060102")
	seq := l.idSeq[k]
	l.idSeq[k] = seq + 1
	code := l.o.IDCode + seq*2 // odd for men, even for women
	if l.o.IDCodes > 0 && seq*2+1 >= l.o.IDCodes {
		l.idOver = true
	}
	if male {
		code++
	}
	return ledger.MakeIDNumber(FictitiousArea, birth, code)
}

func (l *loader) birth(age int) time.Time {
	return time.Date(2026-age, time.Month(1+l.r.IntN(12)), 1+l.r.IntN(28), 0, 0, 0, 0, time.UTC)
}

// people registers the households: poor ones of about 3 people, others of
// about 3, in every village; registers deaths, cadres, public employees and
// students; makes the planted relations.
func (l *loader) people(o Options) error {
	l.set(1, 6, 9)
	total := o.PoorHouseholds + o.OtherHouseholds
	poorPeople := 0
	for h := range total {
		v := l.o.Villages[h%len(l.o.Villages)]
		hh := household{village: v, group: groups[l.r.IntN(6)], kind: ledger.KindOrdinary}
		if h < o.PoorHouseholds {
			hh.kind = ledger.KindLifted
			if h%9 == 0 {
				hh.kind = ledger.KindMonitored
			}
		}
		size := 1 + l.r.IntN(5) // 1–5
		if h < o.PoorHouseholds {
			// 2,126 people in 710 households: sizes 1–5 adjusted to the total
			left := o.PoorHouseholds - h
			want := 2126*o.PoorHouseholds/710 - poorPeople
			size = max(1, min(5, (want+left/2)/left+l.r.IntN(3)-1))
			if h == o.PoorHouseholds-1 {
				size = max(1, want)
			}
			poorPeople += size
		}
		headAge := 30 + l.r.IntN(46)
		for i := range size {
			age, rel := headAge, "户主"
			switch {
			case i == 1:
				age, rel = max(18, headAge-3+l.r.IntN(6)), "配偶"
			case i >= 2 && i < 5 && headAge > 45 && i == 4:
				age, rel = headAge+22+l.r.IntN(6), "父母"
			case i >= 2:
				age, rel = max(1, headAge-22-l.r.IntN(16)), "子女"
			}
			b := l.birth(age)
			p := person{birth: b, house: len(l.houses), age: age}
			p.row = ledger.PersonRow{Village: v.Code, Group: hh.group, Name: l.name(), IDNumber: l.idNumber(b, i%2 == 0), Relation: rel,
				HouseholdKind: hh.kind, JoinedOn: ledger.DateOf(b.AddDate(0, 0, 1), time.UTC)}
			if age > 30 {
				p.row.JoinedOn = ledger.Date{Year: 2000 + l.r.IntN(20), Month: time.Month(1 + l.r.IntN(12)), Day: 1 + l.r.IntN(28)}
			}
			if hh.kind == ledger.KindMonitored {
				p.row.MonitoringKind = []string{ledger.MonitorUnstable, ledger.MonitorMarginal, ledger.MonitorSuddenHard}[h/9%3]
			}
			hh.members = append(hh.members, len(l.persons))
			l.persons = append(l.persons, p)
		}
		head := &l.persons[hh.members[0]]
		hh.account = fmt.Sprintf("623090107%010d", l.o.AccountBase+h*37)
		for _, m := range hh.members {
			l.persons[m].row.HeadIDNumber = head.row.IDNumber
		}
		head.row.Bank, head.row.AccountNo, head.row.AccountHolderIDNumber = "浏阳农商银行", hh.account, head.row.IDNumber
		head.row.Phone = fmt.Sprintf("139%08d", 10000000+h*7919%90000000)
		l.houses = append(l.houses, hh)
	}
	// planted A7: someone joins a poor household in July 2026
	if l.idOver {
		return fmt.Errorf("demo town %s: more people born on one day than its ID numbers' 顺序码 hold", l.o.Code)
	}
	joiner := l.houses[5].members[len(l.houses[5].members)-1]
	l.persons[joiner].row.JoinedOn = l.date(7, 1)
	l.persons[joiner].row.Relation = "子女"
	rows := make([]ledger.PersonRow, 0, len(l.persons))
	for _, p := range l.persons {
		rows = append(rows, p.row)
	}
	for i := 0; i < len(rows); i += 1000 {
		part := rows[i:min(i+1000, len(rows))]
		for j := range part {
			part[j].Row = j + 2
		}
		if _, err := l.s.Import(l.ctx, l.lg, l.actor("finance"), ledger.ImportInput{Kind: "persons", Filename: "花名册.xlsx", Rows: len(part), Persons: part}, false, nil); err != nil {
			return fmt.Errorf("persons: %w", err)
		}
	}
	l.sum.Households, l.sum.Persons = len(l.houses), len(l.persons)
	// registers: cadres and their relatives, public employees, students
	var regs []ledger.RegisterRow
	for vi := range l.o.Villages {
		for k := 0; k < 2; k++ {
			h := l.houses[o.PoorHouseholds+vi+k*len(l.o.Villages)] // ordinary households hold the cadres
			regs = append(regs, ledger.RegisterRow{IDNumber: l.persons[h.members[0]].row.IDNumber, Kind: "村干部", On: l.date(1, 3)})
		}
	}
	// planted A5: a cadre of 甘棠村 (village index 2) and a relative in a poor household there
	cadre := l.persons[l.houses[o.PoorHouseholds+2].members[0]].row.IDNumber
	regs = append(regs, ledger.RegisterRow{IDNumber: l.persons[l.houses[2].members[0]].row.IDNumber, Kind: "干部亲属", On: l.date(1, 3), RelatedIDNumber: cadre})
	// planted A4: a public employee in a poor household with a school child
	regs = append(regs, ledger.RegisterRow{IDNumber: l.persons[l.houses[3].members[0]].row.IDNumber, Kind: "财政供养", On: l.date(1, 3)})
	l.persons[l.houses[3].members[0]].employee = true
	for i, p := range l.persons {
		if p.age >= 6 && p.age <= 21 && l.houses[p.house].kind != ledger.KindOrdinary {
			regs = append(regs, ledger.RegisterRow{IDNumber: l.persons[i].row.IDNumber, Kind: "在校生", On: l.date(1, 3)})
		}
	}
	// the poor households' history: 脱贫户 (and the 脱贫不稳定户 among the
	// 监测对象) were lifted out in 2016–2020; every 监测对象 was enrolled in
	// 2021–2025. 边缘易致贫户 and 突发严重困难户 come from 一般农户: never lifted.
	var lifted, enrolled []ledger.RegisterRow
	for h, hh := range l.houses[:o.PoorHouseholds] {
		hd := l.persons[hh.members[0]].row
		if hh.kind == ledger.KindLifted || hd.MonitoringKind == ledger.MonitorUnstable {
			lifted = append(lifted, ledger.RegisterRow{IDNumber: hd.IDNumber, Kind: "脱贫", On: ledger.Date{Year: 2016 + h%5, Month: 12, Day: 1 + h%28}})
		}
		if hh.kind == ledger.KindMonitored {
			enrolled = append(enrolled, ledger.RegisterRow{IDNumber: hd.IDNumber, Kind: "纳入监测", On: ledger.Date{Year: 2021 + h%5, Month: time.Month(3 + h%9), Day: 1 + h%28}})
		}
	}
	regs = append(append(lifted, enrolled...), regs...)
	for i := range regs {
		regs[i].Row = i + 2
	}
	if _, err := l.s.Import(l.ctx, l.lg, l.actor("finance"), ledger.ImportInput{Kind: "registers", Filename: "其他登记.xlsx", Rows: len(regs), Registers: regs}, false, nil); err != nil {
		return fmt.Errorf("registers: %w", err)
	}
	return nil
}

func (l *loader) actor(role string) string {
	if u, ok := l.users[role]; ok {
		return u.ID
	}
	return "system"
}

// staff creates the town's staff and the 37 monitors (3 or 4 a village).
func (l *loader) staff(Options) error {
	l.set(1, 6, 10)
	type nu struct {
		key, name, role string
		villages        []string
	}
	sfx := l.o.UserSuffix
	all := []nu{{"finance", "caiwu" + sfx, ledger.RoleFinance, nil}, {"approver", "shenpi" + sfx, ledger.RoleApprover, nil},
		{"discipline", "jijian" + sfx, ledger.RoleDiscipline, nil}, {"auditor", "shenji" + sfx, ledger.RoleAuditor, nil}, {"admin", "guanli" + sfx, ledger.RoleAdmin, nil}}
	for i := range 37 {
		v := l.o.Villages[i%len(l.o.Villages)]
		name := fmt.Sprintf("jiandu%02d", i+1)
		if sfx != "" {
			name = fmt.Sprintf("jiandu%s-%02d", sfx, i+1)
		}
		all = append(all, nu{fmt.Sprintf("monitor%02d", i+1), name, ledger.RoleMonitor, []string{v.Code}})
	}
	for _, u := range all {
		made, err := l.auth.CreateUser(l.ctx, l.lg, "system", ledger.NewUser{Username: u.name, Password: Password, Role: u.role, Villages: u.villages}, nil, nil)
		if err != nil {
			return fmt.Errorf("user %s: %w", u.name, err)
		}
		l.users[u.key] = made
	}
	l.sum.Users = len(all)
	return nil
}

// pick returns n distinct members of poor households matching ok, chosen
// by the seed.
func (l *loader) pick(n int, ok func(p person) bool) []int {
	var cands []int
	for i, p := range l.persons {
		if l.houses[p.house].kind != ledger.KindOrdinary && ok(p) {
			cands = append(cands, i)
		}
	}
	l.r.Shuffle(len(cands), func(i, j int) { cands[i], cands[j] = cands[j], cands[i] })
	return cands[:min(n, len(cands))]
}

func (l *loader) nextVoucher() string {
	l.voucher++
	return fmt.Sprintf("记-2026-%05d", l.voucher)
}

// importPayments writes rows as one 发放明细 import.
func (l *loader) importPayments(file string, rows []ledger.PaymentRow) error {
	for i := range rows {
		rows[i].Row = i + 2
		if rows[i].VoucherNo == "" {
			rows[i].VoucherNo = l.nextVoucher()
		}
	}
	_, err := l.s.Import(l.ctx, l.lg, l.actor("finance"), ledger.ImportInput{Kind: "payments", Filename: file, Rows: len(rows), Payments: rows}, false, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	l.sum.Payments += len(rows)
	return nil
}

// publish drafts and publishes a notice as finance; a notice that cannot be
// published (nothing to list) is skipped.
func (l *loader) publish(in ledger.NoticeDraftInput) error {
	n, err := l.s.DraftNotice(l.ctx, l.lg, l.actor("finance"), in, nil)
	if err != nil {
		return fmt.Errorf("draft %s: %w", in.Type, err)
	}
	if _, err := l.pub.Publish(l.ctx, l.lg, l.actor("finance"), n.ID, nil); err != nil {
		if ledger.ErrorCode(err) == ledger.CodeMissingFields {
			return nil
		}
		return fmt.Errorf("publish %s: %w", in.Type, err)
	}
	l.sum.Notices++
	return nil
}

func contains[T comparable](s []T, v T) bool { return slices.Contains(s, v) }

// Rand is the demo's source of randomness for the vault (data keys, nonces,
// receipt codes), from the seed: with it the tree root is reproducible.
// BlindRand is the stream of the demo ledger's blinds (ledger.Options.Rand):
// apart from Rand's, since the writer draws from it on its own goroutine.
func BlindRand(seed uint64) *rand.ChaCha8 {
	var s [32]byte
	for i := range 8 {
		s[i] = byte(seed >> (8 * i))
	}
	copy(s[8:], "sunshine demo blinds 镇头")
	return rand.NewChaCha8(s)
}

func Rand(seed uint64) *rand.ChaCha8 {
	var s [32]byte
	for i := range 8 {
		s[i] = byte(seed >> (8 * i))
	}
	copy(s[8:], "sunshine demo town 镇头")
	return rand.NewChaCha8(s)
}
