package api

import (
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// routeDoc documents one route of the API for the OpenAPI document. The
// table below is written by hand, apart from the router: a test fails when
// a route is missing from either.
type routeDoc struct {
	Summary string
	Tag     string
	Roles   []string // nil: no login
	Body    any      // a JSON body type, or "multipart" for uploads
	Status  int      // success status (default 200)
	Query   []string // query parameters
	Content string   // success content type (default application/json)
	Schema  any      // the success body's JSON Schema (default: any); for JSON lines, one line's
	// Headers are the success response's headers worth naming: name →
	// description (each a string).
	Headers map[string]string
}

// witnessHeaders are the headers of GET /api/public/checkpoint when the
// service has witnesses (absent without).
var witnessHeaders = map[string]string{
	"Sunshine-Witnesses": "有见证方时：联署了该检查点的见证方数 / 法定人数，如 2/2（见证方见 /api/public/witnesses；联署签名行附在本镇签名之后，C2SP tlog-cosignature）。未配置见证方时无此头。",
	"Sunshine-Witnessed": "有见证方时：yes 表示法定人数的见证方联署了该检查点；no 表示不足（见证方拒绝了改写或分叉的账本，或暂时联系不上），此检查点不算经过见证。未配置见证方时无此头。",
}

var apiDocs = map[string]routeDoc{
	"GET /healthz":             {Summary: "存活检查", Tag: "operations"},
	"GET /readyz":              {Summary: "就绪检查（数据库可达、迁移已完成）", Tag: "operations"},
	"GET /metrics":             {Summary: "Prometheus 指标", Tag: "operations", Content: "text/plain"},
	"GET /api/v1/openapi.json": {Summary: "本文档", Tag: "operations"},
	"GET /api/public/checkpoint": {Summary: "最新签名检查点（C2SP tlog-checkpoint），其后为见证方的联署签名行（C2SP tlog-cosignature，cosignature/v1）", Tag: "public",
		Query: []string{"town"}, Content: "text/plain", Headers: witnessHeaders},
	"GET /api/public/key": {Summary: "验证公钥（note 验证者密钥）", Tag: "public", Query: []string{"town"}, Content: "text/plain"},
	"GET /api/public/witnesses": {Summary: "见证方（名称、公钥、中文名称）与法定人数；未配置见证方时为空列表、法定人数 0", Tag: "public",
		Schema: witnessesSchema},
	"GET /api/public/entries/:seq":      {Summary: "公开条目原文 E，或不公开条目的叶哈希", Tag: "public", Query: []string{"town"}},
	"GET /api/public/proof/inclusion":   {Summary: "包含证明（tlog.ProveRecord）", Tag: "public", Query: []string{"town", "index", "size"}},
	"GET /api/public/proof/consistency": {Summary: "一致性证明（tlog.ProveTree）", Tag: "public", Query: []string{"town", "old", "new"}},

	"POST /api/v1/auth/login":         {Summary: "登录，返回令牌与设备令牌 device_token（下次登录时在请求体中带回：他处的猜测不会拖慢本设备的登录）", Tag: "auth", Body: loginBody{}},
	"POST /api/v1/auth/logout":        {Summary: "退出登录（吊销令牌）", Tag: "auth", Roles: anyStaff, Status: 204},
	"GET /api/v1/auth/me":             {Summary: "当前用户", Tag: "auth", Roles: anyStaff},
	"POST /api/v1/users":              {Summary: "新建用户", Tag: "users", Roles: adminOnly, Body: userBody{}, Status: 201},
	"GET /api/v1/users":               {Summary: "本乡镇用户", Tag: "users", Roles: adminOnly, Query: []string{"limit", "cursor"}},
	"POST /api/v1/auth/password":      {Summary: "修改自己的密码（管理员重置后须先修改）", Tag: "auth", Roles: anyStaff, Body: passwordBody{}, Status: 204},
	"POST /api/v1/users/:id/password": {Summary: "重置用户密码（用户下次登录须修改）", Tag: "users", Roles: adminOnly, Body: resetBody{}, Status: 204},
	"POST /api/v1/users/:id/unlock":   {Summary: "解除用户的登录限速", Tag: "users", Roles: adminOnly, Status: 204},
	"POST /api/v1/users/:id/role":     {Summary: "修改用户角色（记入账本）", Tag: "users", Roles: adminOnly, Body: roleBody{}},

	"GET /api/v1/town":           {Summary: "乡镇公告设置", Tag: "registry", Roles: anyStaff},
	"PUT /api/v1/town":           {Summary: "修改乡镇公告设置（电话、地址、邮箱）", Tag: "registry", Roles: adminOnly, Body: TownDTO{}},
	"POST /api/v1/villages":      {Summary: "新增村（社区）", Tag: "registry", Roles: adminOnly, Body: VillageDTO{}, Status: 201},
	"GET /api/v1/villages":       {Summary: "村（社区）列表", Tag: "registry", Roles: anyStaff, Query: []string{"limit", "cursor"}},
	"POST /api/v1/organisations": {Summary: "登记收款单位", Tag: "registry", Roles: writers, Body: OrganisationDTO{}, Status: 201},
	"POST /api/v1/items":         {Summary: "新增或修改补贴项目", Tag: "registry", Roles: adminOnly, Body: ItemDTO{}, Status: 201},
	"GET /api/v1/items":          {Summary: "补贴项目目录", Tag: "registry", Roles: anyStaff, Query: []string{"limit", "cursor"}},

	"POST /api/v1/imports/:kind":  {Summary: "导入 Excel/CSV（全部通过才写入；dry_run 只校验）", Tag: "imports", Roles: writers, Body: "multipart", Status: 201, Query: []string{"dry_run"}},
	"POST /api/v1/persons":        {Summary: "登记一名人员（花名册一行）", Tag: "registry", Roles: writers, Body: PersonBody{}, Status: 201},
	"POST /api/v1/persons/search": {Summary: "查询人员（按角色脱敏；个人信息不进 URL）", Tag: "registry", Roles: anyStaff, Body: searchBody{}},

	"POST /api/v1/funds":                      {Summary: "登记到账资金", Tag: "money", Roles: writers, Body: FundBody{}, Status: 201},
	"GET /api/v1/funds":                       {Summary: "资金列表（含余额）", Tag: "money", Roles: anyStaff, Query: []string{"limit", "cursor"}},
	"GET /api/v1/funds/:id":                   {Summary: "资金去向（按项目、按收款人类别）；监督员只见所监督村及镇级的项目，并列出发到所监督村的支付", Tag: "money", Roles: anyStaff},
	"GET /api/v1/reports/source-levels":       {Summary: "各级资金收支（各计其功）", Tag: "money", Roles: anyStaff, Query: []string{"year"}},
	"POST /api/v1/projects":                   {Summary: "项目申报入项目库", Tag: "projects", Roles: writers, Body: ProjectBody{}, Status: 201},
	"GET /api/v1/projects":                    {Summary: "项目列表", Tag: "projects", Roles: anyStaff, Query: []string{"village", "status", "limit", "cursor"}},
	"GET /api/v1/projects/:code":              {Summary: "项目预算、拨付与支付（按资金）；监督员另见合同、公告和支付明细", Tag: "projects", Roles: anyStaff},
	"POST /api/v1/projects/:code/transitions": {Summary: "项目状态流转（转入验收须填写验收日期和验收结论，可填验收组；转入完工可填决算金额）", Tag: "projects", Roles: writers, Body: transitionBody{}, Status: 201},
	"POST /api/v1/projects/:code/contract":    {Summary: "登记施工合同（施工单位、监理单位、采购方式、合同金额、开工/完工日期）：项目实施前公示据此印制", Tag: "projects", Roles: writers, Body: ContractDTO{}, Status: 201},
	"POST /api/v1/projects/:code/assets":      {Summary: "登记项目形成的资产（名称、类别、价值、管护主体、移交日期）：竣工公告和项目公开页据此显示", Tag: "projects", Roles: writers, Body: AssetDTO{}, Status: 201},
	"PUT /api/v1/villages/:code/contacts":     {Summary: "设置村务监督委员会联系人和电话（村级公告印制）", Tag: "registry", Roles: adminOnly, Body: VillageContactsDTO{}},
	"POST /api/v1/allocations":                {Summary: "资金拨付到项目", Tag: "money", Roles: writers, Body: allocationBody{}, Status: 201},
	"POST /api/v1/payments":                   {Summary: "录入支付（达到审核限额的待审核）", Tag: "money", Roles: makers, Body: PaymentBody{}, Status: 201},
	"GET /api/v1/payments":                    {Summary: "支付列表（监督员：所监督村的，姓名完整、身份证号和账号脱敏）", Tag: "money", Roles: villageReaders, Query: []string{"project", "status", "limit", "cursor"}},
	"GET /api/v1/payments/:id":                {Summary: "一笔支付（监督员：仅所监督村的）", Tag: "money", Roles: villageReaders},
	"POST /api/v1/payments/:id/approval":      {Summary: "审核支付（经办人不能审核自己的）", Tag: "money", Roles: approvers, Body: approvalBody{}, Status: 201},
	"POST /api/v1/entries/:seq/reversal":      {Summary: "冲正一个条目", Tag: "money", Roles: writers, Body: reasonBody{}, Status: 201},
	"POST /api/v1/loans":                      {Summary: "登记小额信贷", Tag: "loans", Roles: writers, Body: loanBody{}, Status: 201},
	"GET /api/v1/loans":                       {Summary: "小额信贷列表（监督员：所监督村的，含借款人姓名）", Tag: "loans", Roles: villageReaders, Query: []string{"status", "limit", "cursor"}},
	"POST /api/v1/loans/:contract/repayments": {Summary: "登记还款", Tag: "loans", Roles: writers, Body: repaymentBody{}, Status: 201},
	"GET /api/v1/households/:id/year/:year":   {Summary: "一户一年按补贴项目的收入（监督员限所监督的村）", Tag: "money", Roles: anyStaff},
	"GET /api/v1/rules":                       {Summary: "线索规则目录及当前阈值", Tag: "flags", Roles: anyStaff},
	"GET /api/v1/flags":                       {Summary: "线索列表（监督员限所监督的村；按严重程度和时间排序）", Tag: "flags", Roles: anyStaff, Query: []string{"status", "village", "rule", "limit", "cursor"}},
	"GET /api/v1/flags/:id":                   {Summary: "一条线索及其处理经过", Tag: "flags", Roles: anyStaff},
	"POST /api/v1/flags/:id/review":           {Summary: "处理线索：签收、确认、排除（须说明理由）、移交", Tag: "flags", Roles: reviewers, Body: reviewBody{}, Status: 201},
	"GET /api/v1/county/summary":              {Summary: "全县汇总（县级只读）：各乡镇资金到账、拨付、支付（元），已发布公告数（公示中和已结束），未办结线索（待处理、已签收、已移交纪委，按严重程度），最近一次账本核验及结果", Tag: "county", Roles: countyOnly},
	"GET /api/v1/jobs":                        {Summary: "定时任务及最近一次运行", Tag: "jobs", Roles: jobReaders},
	"POST /api/v1/jobs/:name/run":             {Summary: "立即运行任务（等待其结束，不受请求超时限制）", Tag: "jobs", Roles: adminOnly},
	"GET /api/v1/ledger/entries":              {Summary: "账本条目", Tag: "ledger", Roles: entryReaders, Query: []string{"after_seq", "limit", "cursor"}},

	"GET /api/v1/notices":                     {Summary: "公告列表（type 为公告类型中文名）", Tag: "notices", Roles: anyStaff, Query: []string{"status", "village", "type", "limit", "cursor"}},
	"POST /api/v1/notices":                    {Summary: "起草公告（明细行取自账本）", Tag: "notices", Roles: writers, Body: noticeBody{}, Status: 201},
	"GET /api/v1/notices/:id":                 {Summary: "公告及其内容预览（按公开口径脱敏），草稿列出缺少的必填内容", Tag: "notices", Roles: anyStaff},
	"POST /api/v1/notices/:id/publish":        {Summary: "发布公告：签检查点、生成 PDF、登记 notice_published；缺必填内容返回 missing_required_fields", Tag: "notices", Roles: writers, Status: 201},
	"POST /api/v1/notices/:id/withdraw":       {Summary: "撤回公告（须说明理由；公告仍然公开）", Tag: "notices", Roles: writers, Body: reasonBody{}, Status: 201},
	"GET /api/public/notices/:code/rows.csv":  {Summary: "公告明细下载（CSV，UTF-8 带 BOM；按网络版脱敏；每行账本序号与叶哈希，文末附文号与检查点）", Tag: "public", Query: []string{"town"}, Content: "text/csv"},
	"GET /api/public/notices/:code/rows.xlsx": {Summary: "公告明细下载（Excel；工作表「明细」与「公告信息」）", Tag: "public", Query: []string{"town"}, Content: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	"GET /api/public/notices.jsonl": {Summary: "全部已发布公告（JSON Lines，每行一份公告及其明细、账本序号、叶哈希与发布时的检查点；按发布先后分页：响应头 X-Next-Cursor 给出下一页的 cursor；每页至多 limit 份、20,000 行、8 MiB）", Tag: "public",
		Query: []string{"town", "cursor", "limit"}, Content: "application/x-ndjson", Schema: map[string]any{"$ref": "#/components/schemas/NoticeFeedLine"}},
	"GET /api/v1/notices/:id/board.pdf":   {Summary: "打印张贴版 PDF（:id 为公告编号；姓名完整，身份证号、账号不出现；每次打印记入账本，不公开）", Tag: "notices", Roles: boardPrinters, Content: "application/pdf"},
	"GET /api/v1/complaints":              {Summary: "异议与投诉列表（监督员：所监督村的，不含联系方式）", Tag: "complaints", Roles: complaintLookers, Query: []string{"status", "limit", "cursor"}},
	"POST /api/v1/complaints/:id/reply":   {Summary: "答复投诉（投诉人凭回执号可见）", Tag: "complaints", Roles: complaintHandlers, Body: replyBody{}, Status: 201},
	"POST /api/v1/complaints/:id/resolve": {Summary: "办结投诉：upheld（属实）或 rejected（不属实）", Tag: "complaints", Roles: complaintHandlers, Body: resolveBody{}, Status: 201},

	"GET /api/public/notices":             {Summary: "已发布的公告（脱敏）", Tag: "public", Query: []string{"town", "village", "limit", "cursor"}},
	"GET /api/public/notices/:code":       {Summary: "一份公告：内容（脱敏，与 PDF 相同）、检查点、各行叶哈希", Tag: "public", Query: []string{"town"}},
	"POST /api/public/query":              {Summary: "本人发放查询（村 + 姓名 + 身份证号；限次）", Tag: "public", Body: queryBody{}, Query: []string{"town"}},
	"POST /api/public/complaints":         {Summary: "提出异议或投诉（可匿名），返回回执号", Tag: "public", Body: complaintBody{}, Status: 201, Query: []string{"town"}},
	"GET /api/public/complaints/:receipt": {Summary: "凭回执号查看办理情况", Tag: "public", Query: []string{"town"}},
	"GET /":                               {Summary: "公开网站首页", Tag: "site", Content: "text/html"},
	"GET /notices":                        {Summary: "公告公示列表：最新发布的在前，每页 20 条，可按村、类型、年度筛选，按标题或编号查找", Tag: "site", Query: []string{"village", "type", "year", "q", "page"}, Content: "text/html"},
	"GET /notices/:file":                  {Summary: "公告页面；{code}.pdf 为发布时保存的 PDF 原件", Tag: "site", Content: "text/html"},
	"GET /projects/:code":                 {Summary: "项目公开页：项目库信息、施工合同、验收、资金，形成资产及管护主体，相关公告", Tag: "site", Query: []string{"town"}, Content: "text/html"},
	"GET /stats":                          {Summary: "全镇资金使用情况一览：本年到账（按来源级次）、分配、支付（按补贴项目、按月），发放户数、人数，公告数；SVG 图与表格", Tag: "site", Query: []string{"town"}, Content: "text/html"},
	"GET /stats/:village":                 {Summary: "一个村（社区）的资金使用情况一览（只列合计数；领取人数少于 3 人的补贴项目合并列示）", Tag: "site", Query: []string{"town"}, Content: "text/html"},
	"GET /verify":                         {Summary: "核验页面（二维码：notice、n、r）", Tag: "site", Query: []string{"notice", "n", "r"}, Content: "text/html"},
	"POST /verify":                        {Summary: "上传 PDF 或粘贴检查点核验", Tag: "site", Body: "multipart", Content: "text/html"},
	"GET /query":                          {Summary: "本人发放查询页面", Tag: "site", Content: "text/html"},
	"POST /query":                         {Summary: "本人发放查询（表单）", Tag: "site", Body: "form", Content: "text/html"},
	"GET /complaints":                     {Summary: "异议投诉页面；receipt 查询办理进度", Tag: "site", Query: []string{"notice", "receipt"}, Content: "text/html"},
	"POST /complaints":                    {Summary: "提出异议或投诉（表单）；成功后 303 转到 /complaints?receipt=回执号&new=1，刷新不会重复提交", Tag: "site", Body: "form", Status: 303, Content: "text/html"},
	"GET /static/site.css":                {Summary: "公开网站样式表", Tag: "site", Content: "text/css"},
	"GET /static/verify.js":               {Summary: "核验页的脚本（可选增强）：在手机上记住上次核验的检查点，下次取一致性证明自行核对", Tag: "site", Content: "text/javascript"},
	"GET /display":                        {Summary: "大字（适老化）开关：size=large 记住大字、size=standard 恢复标准字号（Cookie，一年，SameSite=Lax），303 转回 back（仅限本站路径，否则转到首页）", Tag: "site", Query: []string{"size", "back"}, Status: 303, Content: "text/html"},
	"GET /favicon.ico":                    {Summary: "网站图标（SVG）", Tag: "site", Content: "image/svg+xml"},
	"GET /static/favicon.svg":             {Summary: "网站图标（SVG）", Tag: "site", Content: "image/svg+xml"},

	"GET /staff/login":                   {Summary: "工作人员登录页面", Tag: "staff pages", Content: "text/html"},
	"POST /staff/login":                  {Summary: "登录（设置 HttpOnly、SameSite=Strict 会话 Cookie 与设备 Cookie）", Tag: "staff pages", Body: "form", Status: 303, Content: "text/html"},
	"POST /staff/logout":                 {Summary: "退出（表单须带 csrf）", Tag: "staff pages", Roles: anyStaff, Body: "form", Status: 303, Content: "text/html"},
	"GET /staff/password":                {Summary: "修改本人密码的页面（管理员重置密码后，只能先打开此页）", Tag: "staff pages", Roles: anyStaff, Content: "text/html"},
	"POST /staff/password":               {Summary: "修改本人密码（current_password、new_password、confirm_password，表单须带 csrf）", Tag: "staff pages", Roles: anyStaff, Body: "form", Status: 303, Content: "text/html"},
	"GET /staff/":                        {Summary: "工作台首页：本角色的待办事项（数量和链接）；县级主管部门转到全县汇总", Tag: "staff pages", Roles: anyStaff, Query: []string{"done"}, Content: "text/html"},
	"GET /staff/flags":                   {Summary: "线索列表（监督员限所监督的村），风险高的在前，每页 50 条，可按状态、村、规则、风险等级筛选", Tag: "staff pages", Roles: anyStaff, Query: []string{"status", "village", "rule", "severity", "q", "page", "done"}, Content: "text/html"},
	"GET /staff/flags/:id":               {Summary: "一条线索：理由、证据、处理经过、处理表单", Tag: "staff pages", Roles: anyStaff, Content: "text/html"},
	"POST /staff/flags/:id/review":       {Summary: "处理线索（表单须带 csrf；排除、移交须说明理由）", Tag: "staff pages", Roles: reviewers, Body: "form", Status: 303, Content: "text/html"},
	"GET /staff/imports":                 {Summary: "导入页面（选择表格类型、上传）", Tag: "staff pages", Roles: writers, Query: []string{"kind"}, Content: "text/html"},
	"POST /staff/imports":                {Summary: "检查上传的表格（试导入，不写入）：列出有误的行和可能触发的规则", Tag: "staff pages", Roles: writers, Body: "multipart", Content: "text/html"},
	"GET /staff/imports/template":        {Summary: "下载导入模板（.xlsx，表头按 DOMAIN.md §9，每列有说明，示例行一行，枚举列有下拉选项）", Tag: "staff pages", Roles: writers, Query: []string{"kind"}, Content: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	"POST /staff/imports/commit":         {Summary: "确认导入已检查的表格（后台任务，转到进度页）", Tag: "staff pages", Roles: writers, Body: "form", Status: 303, Content: "text/html"},
	"GET /staff/tasks/:id":               {Summary: "后台任务进度（自动刷新，仅发起人可见）", Tag: "staff pages", Roles: anyStaff, Content: "text/html"},
	"GET /staff/record":                  {Summary: "录入页面：支付、资金到账、资金拨付", Tag: "staff pages", Roles: writers, Query: []string{"kind", "done"}, Content: "text/html"},
	"POST /staff/record/:kind":           {Summary: "录入一条（fund、allocation、payment），同 POST /api/v1/funds 等", Tag: "staff pages", Roles: writers, Body: "form", Status: 303, Content: "text/html"},
	"GET /staff/funds":                   {Summary: "资金列表（拨付、支付、结余）", Tag: "staff pages", Roles: villageReaders, Content: "text/html"},
	"GET /staff/funds/:id":               {Summary: "资金去向：拨付到各项目、已支付、按收款对象", Tag: "staff pages", Roles: villageReaders, Content: "text/html"},
	"GET /staff/projects":                {Summary: "项目库", Tag: "staff pages", Roles: villageReaders, Query: []string{"status"}, Content: "text/html"},
	"GET /staff/projects/:code":          {Summary: "项目：预算、拨付、支付（按资金）及支付明细", Tag: "staff pages", Roles: villageReaders, Content: "text/html"},
	"GET /staff/payments":                {Summary: "支付列表，从新到旧每页 50 条（before 翻页），显示符合条件的总数；审批人默认看待审批的支付和审批表单；from_seq、to_seq：只列出这两个账本序号之间（含）记录的支付（一次导入的支付）", Tag: "staff pages", Roles: villageReaders, Query: []string{"status", "voucher", "village", "fund", "item", "year", "project", "from_seq", "to_seq", "before", "done"}, Content: "text/html"},
	"GET /staff/funds.xlsx":              {Summary: "导出资金列表（Excel）", Tag: "staff pages", Roles: villageReaders, Content: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	"GET /staff/projects.xlsx":           {Summary: "导出项目库（Excel；监督员限所监督的村和镇级项目）", Tag: "staff pages", Roles: villageReaders, Query: []string{"status"}, Content: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	"GET /staff/flags.xlsx":              {Summary: "按线索列表的筛选条件导出线索（Excel；监督员限所监督的村）", Tag: "staff pages", Roles: anyStaff, Query: []string{"status", "village", "rule", "severity", "q"}, Content: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	"GET /staff/notices.xlsx":            {Summary: "按公告列表的筛选条件导出公告（Excel）", Tag: "staff pages", Roles: villageReaders, Query: []string{"status", "type", "village", "q"}, Content: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	"GET /staff/complaints.xlsx":         {Summary: "导出投诉与异议（Excel；联系方式仅纪检监察人员）", Tag: "staff pages", Roles: complaintLookers, Query: []string{"status", "village", "kind", "q"}, Content: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	"GET /staff/payments.xlsx":           {Summary: "按支付列表的筛选条件导出全部符合条件的支付（Excel，脱敏同页面）", Tag: "staff pages", Roles: allReaders, Query: []string{"status", "voucher", "village", "fund", "item", "year", "project", "from_seq", "to_seq"}, Content: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	"POST /staff/payments/:id/approval":  {Summary: "审批支付（decision=approve|reject，note）", Tag: "staff pages", Roles: approvers, Body: "form", Status: 303, Content: "text/html"},
	"GET /staff/county":                  {Summary: "全县汇总页面（县级只读）：各乡镇资金、公告、未办结线索、最近一次核验", Tag: "staff pages", Roles: countyOnly, Content: "text/html"},
	"GET /staff/ledger":                  {Summary: "账本浏览：记录、最新检查点、核验按钮", Tag: "staff pages", Roles: entryReaders, Query: []string{"before"}, Content: "text/html"},
	"POST /staff/ledger/verify":          {Summary: "核验整个账本（后台任务）", Tag: "staff pages", Roles: fullReaders, Body: "form", Status: 303, Content: "text/html"},
	"GET /staff/entries/:seq":            {Summary: "一条账本记录；财务可冲正", Tag: "staff pages", Roles: entryReaders, Query: []string{"done"}, Content: "text/html"},
	"POST /staff/entries/:seq/reversal":  {Summary: "冲正一条记录（须说明原因）", Tag: "staff pages", Roles: writers, Body: "form", Status: 303, Content: "text/html"},
	"GET /staff/notices":                 {Summary: "公告：草稿、公示中、全部；生成草稿表单", Tag: "staff pages", Roles: villageReaders, Query: []string{"status", "done"}, Content: "text/html"},
	"POST /staff/notices":                {Summary: "生成公告草稿", Tag: "staff pages", Roles: writers, Body: "form", Status: 303, Content: "text/html"},
	"GET /staff/notices/:id":             {Summary: "公告：内容预览、待补全的内容、发布、撤回、异议", Tag: "staff pages", Roles: villageReaders, Query: []string{"done"}, Content: "text/html"},
	"GET /staff/notices/:id/preview":     {Summary: "草稿的 PDF 预览（已发布的转到原件）", Tag: "staff pages", Roles: villageReaders, Content: "application/pdf"},
	"POST /staff/notices/:id/publish":    {Summary: "发布公告（签署检查点、生成并保存 PDF）", Tag: "staff pages", Roles: writers, Body: "form", Status: 303, Content: "text/html"},
	"POST /staff/notices/:id/withdraw":   {Summary: "撤回公告（须说明原因）", Tag: "staff pages", Roles: writers, Body: "form", Status: 303, Content: "text/html"},
	"POST /staff/notices/:id/board":      {Summary: "打印张贴版 PDF（姓名完整；每次打印记入账本，不公开）", Tag: "staff pages", Roles: boardPrinters, Body: "form", Content: "application/pdf"},
	"GET /staff/complaints":              {Summary: "群众投诉与异议：新的在前，每页 50 条，可按状态、村、类型筛选，按回执号或内容查找", Tag: "staff pages", Roles: complaintLookers, Query: []string{"status", "village", "kind", "q", "page", "done"}, Content: "text/html"},
	"GET /staff/complaints/:id":          {Summary: "一件投诉：内容、联系方式（办理人员）、办理经过、答复与办结表单", Tag: "staff pages", Roles: complaintLookers, Query: []string{"done"}, Content: "text/html"},
	"POST /staff/complaints/:id/reply":   {Summary: "答复投诉", Tag: "staff pages", Roles: complaintHandlers, Body: "form", Status: 303, Content: "text/html"},
	"POST /staff/complaints/:id/resolve": {Summary: "办结投诉或异议（outcome=upheld|rejected）", Tag: "staff pages", Roles: complaintHandlers, Body: "form", Status: 303, Content: "text/html"},
	"GET /staff/users":                   {Summary: "用户与监督员", Tag: "staff pages", Roles: adminOnly, Query: []string{"done"}, Content: "text/html"},
	"POST /staff/users":                  {Summary: "新建用户", Tag: "staff pages", Roles: adminOnly, Body: "form", Status: 303, Content: "text/html"},
	"POST /staff/users/:id/unlock":       {Summary: "解除用户的登录限速（记入账本 user_unlocked）", Tag: "staff pages", Roles: adminOnly, Body: "form", Status: 303, Content: "text/html"},
	"POST /staff/users/:id":              {Summary: "调整监督员的村、停用或启用账号（记入账本 user_updated）", Tag: "staff pages", Roles: adminOnly, Body: "form", Status: 303, Content: "text/html"},
	"GET /staff/jobs":                    {Summary: "定时任务及最近的运行", Tag: "staff pages", Roles: jobReaders, Content: "text/html"},
	"GET /staff/village":                 {Summary: "本村账目：监督员所监督各村的支付、项目、贷款、投诉、公告草稿和线索", Tag: "staff pages", Roles: []string{ledger.RoleMonitor}, Content: "text/html"},
	"GET /staff/loans":                   {Summary: "小额信贷（监督员：所监督村的）", Tag: "staff pages", Roles: villageReaders, Query: []string{"status"}, Content: "text/html"},
	"POST /staff/jobs/:name/run":         {Summary: "立即运行一个任务（后台任务，转到进度页）", Tag: "staff pages", Roles: adminOnly, Body: "form", Status: 303, Content: "text/html"},
}

// openAPIPath turns gin's "/a/:b" into OpenAPI's "/a/{b}".
func openAPIPath(p string) (string, []string) {
	var params []string
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, ":") {
			params = append(params, s[1:])
			parts[i] = "{" + s[1:] + "}"
		}
	}
	return strings.Join(parts, "/"), params
}

// witnessesSchema is the body of GET /api/public/witnesses.
var witnessesSchema = map[string]any{"type": "object", "required": []string{"quorum", "witnesses"}, "properties": map[string]any{
	"quorum": map[string]any{"type": "integer", "description": "检查点须有几位见证方联署才算经过见证（SUNSHINE_WITNESS_QUORUM，默认全部）；无见证方时为 0"},
	"witnesses": map[string]any{"type": "array", "items": map[string]any{"type": "object", "required": []string{"name", "key", "display_name"}, "properties": map[string]any{
		"name":         map[string]any{"type": "string", "description": "见证方的密钥名称，与其联署签名行上的名称相同"},
		"key":          map[string]any{"type": "string", "description": "见证方的 cosignature/v1 验证公钥（note 格式 name+id+key）"},
		"display_name": map[string]any{"type": "string", "description": "中文名称，如 县纪委监委"},
	}}},
}}

// schemaOf returns a JSON Schema for a body type, from its json tags.
func schemaOf(t reflect.Type) map[string]any {
	switch t.Kind() {
	case reflect.Pointer:
		return schemaOf(t.Elem())
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int64, reflect.Int32:
		return map[string]any{"type": "integer"}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object"}
	case reflect.Struct:
		switch t {
		case reflect.TypeOf(ledger.Date{}):
			return map[string]any{"type": "string", "format": "date"}
		case reflect.TypeOf(ledger.Period{}):
			return map[string]any{"type": "string", "pattern": `^\d{4}(-Q[1-4]|-\d{2})?$`}
		}
		props := map[string]any{}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			s := schemaOf(f.Type)
			if isAmountField(name) {
				s = map[string]any{"type": "string", "pattern": `^\d+(\.\d{1,2})?$`, "description": "元，字符串"}
			}
			props[name] = s
		}
		return map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	}
	return map[string]any{}
}

// OpenAPIDocument builds the OpenAPI 3.1 document from the route table.
func OpenAPIDocument() map[string]any {
	paths := map[string]any{}
	keys := make([]string, 0, len(apiDocs))
	for k := range apiDocs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		d := apiDocs[k]
		method, route, _ := strings.Cut(k, " ")
		p, params := openAPIPath(route)
		op := map[string]any{"summary": d.Summary, "tags": []string{d.Tag}, "operationId": strings.ToLower(method) + strings.NewReplacer("/", "_", "{", "", "}", "", "-", "_", ".", "_").Replace(p)}
		var ps []any
		for _, name := range params {
			ps = append(ps, map[string]any{"name": name, "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		for _, name := range d.Query {
			ps = append(ps, map[string]any{"name": name, "in": "query", "required": false, "schema": map[string]any{"type": "string"}})
		}
		if (method == "GET" || k == "POST /api/v1/persons/search") && slices.Contains(d.Roles, ledger.RoleCounty) && !slices.Contains(d.Query, "town") {
			ps = append(ps, map[string]any{"name": "town", "in": "query", "required": false, "schema": map[string]any{"type": "string"},
				"description": "乡镇代码：县级账户（county）据此查看任一乡镇的账目（缺省为其账户所在乡镇）；其他角色只能是本乡镇，否则 403 forbidden"})
		}
		if method != "GET" && d.Roles != nil {
			ps = append(ps, map[string]any{"name": "Idempotency-Key", "in": "header", "required": false, "schema": map[string]any{"type": "string", "maxLength": 200}})
		}
		if len(ps) > 0 {
			op["parameters"] = ps
		}
		switch b := d.Body.(type) {
		case nil:
		case string:
			if b == "form" {
				op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/x-www-form-urlencoded": map[string]any{
					"schema": map[string]any{"type": "object"}}}}
				break
			}
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"multipart/form-data": map[string]any{
				"schema": map[string]any{"type": "object", "properties": map[string]any{"file": map[string]any{"type": "string", "contentMediaType": "application/octet-stream"}}, "required": []string{"file"}}}}}
		default:
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(b))}}}
		}
		status := d.Status
		if status == 0 {
			status = 200
		}
		ctype := d.Content
		if ctype == "" {
			ctype = "application/json"
		}
		ok := map[string]any{"description": http.StatusText(status)}
		if len(d.Headers) > 0 {
			hs := map[string]any{}
			for name, desc := range d.Headers {
				hs[name] = map[string]any{"description": desc, "schema": map[string]any{"type": "string"}}
			}
			ok["headers"] = hs
		}
		if status != 204 {
			var schema any = map[string]any{}
			if d.Schema != nil {
				schema = d.Schema
			}
			ok["content"] = map[string]any{ctype: map[string]any{"schema": schema}}
		}
		responses := map[string]any{strconv.Itoa(status): ok, "default": map[string]any{"description": "错误（RFC 9457）",
			"content": map[string]any{"application/problem+json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}}}}
		op["responses"] = responses
		if d.Roles != nil {
			op["security"] = []any{map[string]any{"bearer": []string{}}}
			op["x-roles"] = d.Roles
		}
		item, _ := paths[p].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[p] = item
		}
		item[strings.ToLower(method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info":    map[string]any{"title": "Sunshine Ledger 阳光账本 API", "version": "1.0.0", "description": "公开透明的扶贫资金账本。金额为字符串（元），日期 YYYY-MM-DD。"},
		"paths":   paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}},
			"schemas": map[string]any{"NoticeFeedLine": FeedLineSchema, "Problem": map[string]any{"type": "object", "required": []string{"type", "title", "status", "code", "detail"},
				"properties": map[string]any{"type": map[string]any{"type": "string"}, "title": map[string]any{"type": "string"},
					"status": map[string]any{"type": "integer"}, "code": map[string]any{"type": "string"}, "detail": map[string]any{"type": "string"},
					"errors": map[string]any{"type": "array", "items": map[string]any{"type": "object", "properties": map[string]any{
						"row": map[string]any{"type": "integer"}, "field": map[string]any{"type": "string"},
						"message": map[string]any{"type": "string"}, "code": map[string]any{"type": "string"}}}}}}},
		},
	}
}

func (s *Server) openAPI(c *gin.Context) { c.JSON(http.StatusOK, OpenAPIDocument()) }
