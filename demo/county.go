package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/sunshine-ledger/sunshine/disclosure"
	"github.com/sunshine-ledger/sunshine/ledger"
)

// MaxTowns is how many demo towns one service may load (--demo-towns).
const MaxTowns = 20

// CountyUser is the demo's county-office login (role county) when it loads
// more than one town; its password is Password.
const CountyUser = "xian"

// furtherTowns are the names of the further demo towns 2…20: plain town
// names, each marked （演示） and coded under 439901, which GB/T 2260 does
// not assign.
var furtherTowns = []string{"东岭", "西坪", "南桥", "青山", "白石", "清溪", "长岭", "洪源", "杨梅", "金塘",
	"荷塘", "高桥", "大田", "枫林", "桃源", "石门", "云峰", "梅溪", "松柏"}

// furtherVillages are the further towns' village names; town i takes ten
// of them from an offset of its own.
var furtherVillages = []string{"上屋村", "下湾村", "竹山村", "枫树村", "合心村", "水口村", "塘边村", "茶园村", "樟木村", "凤形村",
	"大塘村", "岭头村", "新屋村", "桥头村", "柳树村", "长冲村", "泉塘村", "黄泥村", "石坝村", "荷叶村"}

// TownSeed is the seed of the demo's i-th town (i ≥ 2) from the demo seed:
// the same shape, other people.
func TownSeed(seed uint64, i int) uint64 { return seed + uint64(i-1)*0x9e3779b97f4a7c15 }

// Further returns the options of the demo's i-th town (2 ≤ i ≤ MaxTowns):
// code 4399011xx (439901101 for the second), name 东岭镇（演示）…, its own
// villages, logins suffixed with i (caiwu2, jiandu2-01), ID numbers and
// bank accounts apart from every other demo town's, the seed TownSeed and
// the size of o.
func Further(i int, o Options) Options {
	if i < 2 || i > MaxTowns {
		panic(fmt.Sprintf("demo: no demo town %d", i))
	}
	short := furtherTowns[i-2]
	code := fmt.Sprintf("%s%03d", FictitiousArea, 99+i)
	t := Options{Seed: TownSeed(o.Seed, i), PoorHouseholds: o.PoorHouseholds, OtherHouseholds: o.OtherHouseholds,
		Code: code, Name: short + "镇（演示）", ShortName: short, Phone: fmt.Sprintf("0731-8399%04d", 1000+i),
		Address: short + "镇人民政府（演示）", Email: fmt.Sprintf("town%d@example.cn", i),
		UserSuffix: fmt.Sprint(i),
		// 镇头镇 uses 顺序码 100–139 (a handful of people share a birthday);
		// town i the 42 codes from 140+42(i−2): at most 998.
		IDCode: 140 + 42*(i-2), IDCodes: 42,
		AccountBase: 1000000 + 100000*(i-1)}
	for k := range 10 {
		t.Villages = append(t.Villages, ledger.Village{Code: fmt.Sprintf("%s%03d", code, 201+k), Name: furtherVillages[(k+3*i)%len(furtherVillages)]})
	}
	t.Villages = append(t.Villages, ledger.Village{Code: code + "001", Name: short + "社区"})
	return t
}

// PlantedCounty lists what the demo plants across towns when it loads more
// than one (the cross-town rules flag each).
var PlantedCounty = []Plant{
	{"B7", "镇头镇一名公益岗位人员领取了 2026 年 11 月工资，东岭镇（演示）又以同一身份证号、同一银行账户向其发放了同一岗位同一月份的工资"},
}

// twin registers the person another demo town paid (o.Twin) as a
// one-person household of this town, with the same ID number and bank
// account, and pays them the same item for the same period (planted B7).
func (l *loader) twin(o Options) error {
	w := o.Twin
	l.set(11, 28, 15)
	v := l.o.Villages[len(l.o.Villages)-1]
	row := ledger.PersonRow{Row: 2, Village: v.Code, Group: groups[0], Name: w.Name, IDNumber: w.IDNumber, Relation: "户主", HouseholdKind: w.Kind, MonitoringKind: w.Monitoring,
		HeadIDNumber: w.IDNumber, Bank: w.Bank, AccountNo: w.AccountNo, AccountHolderIDNumber: w.IDNumber, JoinedOn: w.JoinedOn}
	if _, err := l.s.Import(l.ctx, l.lg, l.actor("finance"), ledger.ImportInput{Kind: "persons", Filename: "花名册（补录）.xlsx", Rows: 1,
		Persons: []ledger.PersonRow{row}}, false, nil); err != nil {
		return fmt.Errorf("B7 person: %w", err)
	}
	l.sum.Households++
	l.sum.Persons++
	return l.importPayments("2026年11月公益岗位工资补发明细.xlsx", []ledger.PaymentRow{{ProjectCode: w.ProjectCode, DocNo: w.DocNo, ItemCode: w.ItemCode,
		Kind: ledger.PaySubsidy, PayeeIDNumber: w.IDNumber, AccountNo: w.AccountNo, AccountHolderIDNumber: w.IDNumber, Amount: w.Amount,
		Period: w.Period, PaidOn: l.date(11, 28)}})
}

// Loaded is a further demo town as it loaded.
type Loaded struct {
	Index   int // 2…
	Code    string
	Name    string
	Log     ledger.Log
	Summary Summary
	Took    time.Duration
	Skipped bool // its log held villages already: nothing loaded
}

// LoadFurther loads the demo towns 2…n after 镇头镇, each into the log open
// returns for its code, from o (镇头镇's options: seed and size), and makes
// the county-office login CountyUser in the second town's log. first is
// what 镇头镇 loaded: the second town pays its Wage again (planted B7; none
// when nil). done is called as each town has loaded. A town whose log holds
// villages already is skipped.
func LoadFurther(ctx context.Context, s *ledger.Service, auth *ledger.Auth, pub *disclosure.Publisher, open func(code string) (ledger.Log, error),
	clock *Clock, o Options, first Summary, n int, done func(Loaded)) ([]Loaded, error) {
	var out []Loaded
	for i := 2; i <= n; i++ {
		t := Further(i, o)
		if i == 2 {
			t.Twin = first.Wage
		}
		lg, err := open(t.Code)
		if err != nil {
			return out, fmt.Errorf("town %s: %w", t.Code, err)
		}
		ld := Loaded{Index: i, Code: t.Code, Name: t.Name, Log: lg}
		if vs, err := s.Villages(ctx, lg); err == nil && len(vs) > 0 {
			ld.Skipped = true
		} else {
			start := time.Now()
			if ld.Summary, err = Load(ctx, s, auth, pub, lg, clock, t); err != nil {
				return out, fmt.Errorf("town %s (%s): %w", t.Code, t.Name, err)
			}
			ld.Took = time.Since(start)
		}
		if i == 2 {
			if _, err := auth.Accounts.UserByName(ctx, CountyUser); err != nil {
				if _, err := auth.CreateUser(ctx, lg, "system", ledger.NewUser{Username: CountyUser, Password: Password, Role: ledger.RoleCounty}, nil, nil); err != nil {
					return out, fmt.Errorf("user %s: %w", CountyUser, err)
				}
			}
		}
		out = append(out, ld)
		if done != nil {
			done(ld)
		}
	}
	return out, nil
}

// Logins names a town's logins: caiwu2 (finance) … jiandu2-01…jiandu2-37.
func Logins(o Options) string {
	s := o.UserSuffix
	if s == "" {
		return "caiwu (finance), shenpi (approver), jijian (discipline), shenji (auditor), guanli (admin), jiandu01…jiandu37 (monitors)"
	}
	return fmt.Sprintf("caiwu%s (finance), shenpi%s (approver), jijian%s (discipline), shenji%s (auditor), guanli%s (admin), jiandu%s-01…jiandu%s-37 (monitors)",
		s, s, s, s, s, s, s)
}
