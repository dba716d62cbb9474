package ledger

// DefaultItems is the subsidy catalogue a new town starts with: the items the
// township plan names (DOMAIN.md §4). Standards are typical county figures
// for a starting point; every change is an entry (DefineItem). Codes are
// stable. The 公益岗位 wages are posts (one a person a month) for ages
// 16–65; 雨露计划 is granted once a student a term, 危房改造 once a
// household; 教育资助 has a standard per school level.
func DefaultItems() []Item {
	poor := []string{KindRegisteredPoor, KindLifted, KindMonitored}
	return []Item{
		{Code: "CY01", Name: "产业奖补（家禽养殖）", Category: "产业", Unit: "household", Standard: 100_00, PerQuantity: true, Period: "year", YearlyCap: 3000_00, Eligible: poor, ListNoticeRequired: true},
		{Code: "CY02", Name: "产业奖补（油茶）", Category: "产业", Unit: "household", Standard: 300_00, PerQuantity: true, Period: "year", YearlyCap: 3000_00, Eligible: poor, ListNoticeRequired: true},
		{Code: "CY03", Name: "产业奖补（花卉苗木）", Category: "产业", Unit: "household", Standard: 300_00, PerQuantity: true, Period: "year", YearlyCap: 3000_00, Eligible: poor, ListNoticeRequired: true},
		{Code: "CY04", Name: "产业奖补（蔬菜）", Category: "产业", Unit: "household", Standard: 200_00, PerQuantity: true, Period: "year", YearlyCap: 3000_00, Eligible: poor, ListNoticeRequired: true},
		{Code: "GY01", Name: "公益岗位工资（生态护林员）", Category: "就业", Unit: "person", Standard: 800_00, Period: "month", YearlyCap: 9600_00, Eligible: poor, Post: true, MinAge: 16, MaxAge: 65},
		{Code: "GY02", Name: "公益岗位工资（公路养护员）", Category: "就业", Unit: "person", Standard: 600_00, Period: "month", YearlyCap: 7200_00, Eligible: poor, Post: true, MinAge: 16, MaxAge: 65},
		{Code: "GY03", Name: "公益岗位工资（防洪巡堤员）", Category: "就业", Unit: "person", Standard: 600_00, Period: "month", YearlyCap: 7200_00, Eligible: poor, Post: true, MinAge: 16, MaxAge: 65},
		{Code: "GY04", Name: "公益岗位工资（治安、保绿、保洁）", Category: "就业", Unit: "person", Standard: 500_00, Period: "month", YearlyCap: 6000_00, Eligible: poor, Post: true, MinAge: 16, MaxAge: 65},
		{Code: "JY01", Name: "就业扶贫车间补贴", Category: "就业", Unit: "person", Standard: 1000_00, Period: "once", YearlyCap: 1000_00, Eligible: poor, ListNoticeRequired: true},
		{Code: "JY02", Name: "雨露计划/“两后生”培训补助", Category: "教育", Unit: "person", Standard: 1500_00, Period: "year", YearlyCap: 3000_00, Eligible: poor, ListNoticeRequired: true, GrantLimit: GrantPerTerm},
		{Code: "JY03", Name: "学前入园补助", Category: "教育", Unit: "person", Standard: 500_00, Period: "year", YearlyCap: 1000_00, Eligible: poor, ListNoticeRequired: true},
		{Code: "JY04", Name: "教育资助", Category: "教育", Unit: "person", Standard: 1000_00, Period: "year", YearlyCap: 3000_00, Eligible: poor, ListNoticeRequired: true,
			Levels: educationLevels},
		{Code: "JK01", Name: "健康扶贫医疗救助", Category: "健康", Unit: "person", Standard: 2000_00, Period: "once", YearlyCap: 10000_00, Eligible: poor},
		{Code: "JK02", Name: "城乡居民医保代缴", Category: "健康", Unit: "person", Standard: 380_00, Period: "year", YearlyCap: 380_00, Eligible: poor},
		{Code: "DB01", Name: "养老保险代缴", Category: "兜底保障", Unit: "person", Standard: 100_00, Period: "year", YearlyCap: 100_00, Eligible: poor},
		{Code: "DB02", Name: "临时救助", Category: "兜底保障", Unit: "household", Standard: 1000_00, Period: "once", YearlyCap: 5000_00, Eligible: append(poor, KindOrdinary), ListNoticeRequired: true},
		{Code: "ZF01", Name: "危房改造补助", Category: "住房", Unit: "household", Standard: 20000_00, Period: "once", YearlyCap: 35000_00, Eligible: poor, ListNoticeRequired: true,
			GrantLimit: GrantOncePerHousehold},
		{Code: "SS01", Name: "安全饮水补助", Category: "基础设施", Unit: "household", Standard: 500_00, Period: "once", YearlyCap: 500_00, Eligible: poor, ListNoticeRequired: true},
		{Code: "TX01", Name: "小额信贷贴息", Category: "小额信贷贴息", Unit: "household", Standard: 0, Period: "year", YearlyCap: 2500_00, Eligible: poor, ListNoticeRequired: false},
	}
}

// educationLevels are 教育资助's standards per school level (学段), by the
// student's age at the pay date: typical yearly figures (寄宿生生活补助,
// 国家助学金) a town edits to its county's.
var educationLevels = []ItemLevel{
	{Name: "学前教育", MinAge: 3, MaxAge: 6, Standard: 1000_00},
	{Name: "义务教育", MinAge: 6, MaxAge: 15, Standard: 1250_00},
	{Name: "高中阶段", MinAge: 15, MaxAge: 19, Standard: 2000_00},
	{Name: "高等教育", MinAge: 17, MaxAge: 24, Standard: 3300_00},
}
