package pages

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// Plain words for what the staff pages would otherwise show as the system
// stores it (issue 19): actors, schedules, durations, job errors and an
// entry's payload.

// actorID is a user id as entries record it: "<town>-u<seq>".
var actorID = regexp.MustCompile(`^\d{6,12}-u\d+$`)

// ActorText is an entry's actor in plain words: the user's name from
// names (user id → username), 系统 for the service itself, and never the
// bare id of an account names lacks (another town's, or one removed).
func ActorText(names map[string]string, id string) string {
	if n, ok := names[id]; ok && n != "" {
		return n
	}
	switch {
	case id == "system":
		return "系统（自动）"
	case id == "":
		return ""
	case actorID.MatchString(id):
		return "其他账号"
	}
	return id
}

// DurationText is a duration rounded for people: "0.1 秒以内", "0.3 秒", "1.1 秒",
// "12 秒", "2 分 5 秒", "1 小时 3 分".
func DurationText(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	switch {
	case d < 50*time.Millisecond:
		return "0.1 秒以内"
	case d < 10*time.Second:
		s := strconv.FormatFloat(d.Round(100*time.Millisecond).Seconds(), 'f', 1, 64)
		return strings.TrimSuffix(s, ".0") + " 秒"
	case d < time.Minute:
		return fmt.Sprintf("%d 秒", int(d.Round(time.Second)/time.Second))
	case d < time.Hour:
		d = d.Round(time.Second)
		m, s := int(d/time.Minute), int(d%time.Minute/time.Second)
		if s == 0 {
			return fmt.Sprintf("%d 分", m)
		}
		return fmt.Sprintf("%d 分 %d 秒", m, s)
	}
	d = d.Round(time.Minute)
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	if m == 0 {
		return fmt.Sprintf("%d 小时", h)
	}
	return fmt.Sprintf("%d 小时 %d 分", h, m)
}

// everyText is the interval of "@every 1h30m" in words ("" if it is not
// a duration).
func everyText(s string) string {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return ""
	}
	var parts []string
	if h := d / time.Hour; h > 0 {
		parts = append(parts, fmt.Sprintf("%d 小时", h))
	}
	if m := d % time.Hour / time.Minute; m > 0 {
		parts = append(parts, fmt.Sprintf("%d 分钟", m))
	}
	if s := d % time.Minute / time.Second; s > 0 {
		parts = append(parts, fmt.Sprintf("%d 秒", s))
	}
	if len(parts) == 0 {
		return ""
	}
	return "每 " + strings.Join(parts, " ")
}

var weekdays = []string{"日", "一", "二", "三", "四", "五", "六", "日"}

// cronNumbers reads a cron field of numbers in [lo, hi]: "5", "1,15",
// "1-5" (ranges only where ranges is true). ok is false for anything else.
func cronNumbers(f string, lo, hi int, ranges bool) (out [][2]int, ok bool) {
	for _, part := range strings.Split(f, ",") {
		a, b, isRange := strings.Cut(part, "-")
		if isRange && !ranges {
			return nil, false
		}
		x, err := strconv.Atoi(a)
		if err != nil || x < lo || x > hi {
			return nil, false
		}
		y := x
		if isRange {
			if y, err = strconv.Atoi(b); err != nil || y < x || y > hi {
				return nil, false
			}
		}
		out = append(out, [2]int{x, y})
	}
	return out, len(out) > 0
}

// clockTimes are the times of day of a cron spec's minute and hour fields
// ("02:00", "08:00、20:30"); ok is false unless both are plain numbers.
func clockTimes(min, hour string) (string, bool) {
	ms, ok1 := cronNumbers(min, 0, 59, false)
	hs, ok2 := cronNumbers(hour, 0, 23, false)
	if !ok1 || !ok2 || len(ms)*len(hs) > 6 {
		return "", false
	}
	var ts []string
	for _, h := range hs {
		for _, m := range ms {
			ts = append(ts, fmt.Sprintf("%02d:%02d", h[0], m[0]))
		}
	}
	return strings.Join(ts, "、"), true
}

// ScheduleText is a job's cron spec in words: "0 2 * * *" → 每天 02:00,
// "*/15 * * * *" → 每 15 分钟, "@every 1h" → 每 1 小时, "30 7 * * 1" →
// 每周一 07:30, "0 3 1 * *" → 每月 1 日 03:00. A spec it cannot read
// is shown as it is, after 自定义计划.
func ScheduleText(spec string) string {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return "未设置"
	}
	switch spec {
	case "@hourly":
		return "每小时整点"
	case "@daily", "@midnight":
		return "每天 00:00"
	case "@weekly":
		return "每周日 00:00"
	case "@monthly":
		return "每月 1 日 00:00"
	case "@yearly", "@annually":
		return "每年 1 月 1 日 00:00"
	}
	if d, ok := strings.CutPrefix(spec, "@every "); ok {
		if t := everyText(strings.TrimSpace(d)); t != "" {
			return t
		}
	}
	if t := cronText(strings.Fields(spec)); t != "" {
		return t
	}
	return "自定义计划：" + spec
}

func cronText(f []string) string {
	if len(f) != 5 {
		return ""
	}
	min, hour, dom, month, dow := f[0], f[1], f[2], f[3], f[4]
	if dom == "*" && month == "*" && dow == "*" {
		switch {
		case min == "*" && hour == "*":
			return "每分钟"
		case strings.HasPrefix(min, "*/") && hour == "*":
			if n, err := strconv.Atoi(min[2:]); err == nil && n > 0 && n < 60 {
				return fmt.Sprintf("每 %d 分钟", n)
			}
		case hour == "*":
			if ms, ok := cronNumbers(min, 0, 59, false); ok && len(ms) == 1 {
				if ms[0][0] == 0 {
					return "每小时整点"
				}
				return fmt.Sprintf("每小时第 %d 分", ms[0][0])
			}
		case strings.HasPrefix(hour, "*/"):
			ms, ok := cronNumbers(min, 0, 59, false)
			if n, err := strconv.Atoi(hour[2:]); err == nil && n > 0 && n < 24 && ok && len(ms) == 1 {
				if ms[0][0] == 0 {
					return fmt.Sprintf("每 %d 小时（整点）", n)
				}
				return fmt.Sprintf("每 %d 小时（第 %d 分）", n, ms[0][0])
			}
		default:
			if t, ok := clockTimes(min, hour); ok {
				return "每天 " + t
			}
		}
		return ""
	}
	at, ok := clockTimes(min, hour)
	if !ok {
		return ""
	}
	switch {
	case dom == "*" && month == "*":
		ds, ok := cronNumbers(dow, 0, 7, true)
		if !ok {
			return ""
		}
		var parts []string
		for _, d := range ds {
			if d[0] == d[1] {
				parts = append(parts, "周"+weekdays[d[0]])
			} else {
				parts = append(parts, "周"+weekdays[d[0]]+"至周"+weekdays[d[1]])
			}
		}
		return "每" + strings.Join(parts, "、") + " " + at
	case dow == "*":
		ds, ok := cronNumbers(dom, 1, 31, false)
		if !ok {
			return ""
		}
		var days []string
		for _, d := range ds {
			days = append(days, strconv.Itoa(d[0]))
		}
		if month == "*" {
			return "每月 " + strings.Join(days, "、") + " 日 " + at
		}
		ms, ok := cronNumbers(month, 1, 12, false)
		if !ok || len(ms) != 1 {
			return ""
		}
		return fmt.Sprintf("每年 %d 月 %s 日 %s", ms[0][0], strings.Join(days, "、"), at)
	}
	return ""
}

// JobError is a failed run's error: a sentence in Chinese, and the
// technical text (shown small, for whoever fixes it).
type JobError struct {
	Sentence, Technical string
}

// JobErrorText says why a job failed in Chinese. Service errors carry a
// Chinese detail ("<code>: <detail>"), which is the sentence; a few
// common Go errors are named; anything else is a request to pass the
// technical text on.
func JobErrorText(s string) JobError {
	s = strings.TrimSpace(s)
	if s == "" {
		return JobError{}
	}
	e := JobError{Technical: s}
	low := strings.ToLower(s)
	switch {
	case strings.Contains(low, "context deadline exceeded") || strings.Contains(low, "timeout"):
		e.Sentence = "任务失败：运行超时，将在下次计划时间重试"
	case strings.Contains(low, "context canceled"):
		e.Sentence = "任务失败：服务停止或重启，运行被中止，将在下次计划时间重试"
	case strings.HasPrefix(low, "panic:"):
		e.Sentence = "任务失败：程序内部错误，请将下面的技术信息告知系统管理员"
	case strings.Contains(low, "connection refused") || strings.Contains(low, "database is locked") || strings.Contains(low, "bad connection") || strings.Contains(low, "driver"):
		e.Sentence = "任务失败：数据库暂时无法访问，将在下次计划时间重试"
	default:
		if d := chineseDetail(s); d != "" {
			e.Sentence = "任务失败：" + d
		} else {
			e.Sentence = "任务失败：运行中出错，请将下面的技术信息告知系统管理员"
		}
	}
	return e
}

// chineseDetail returns the first ": "-separated part of s that holds
// Chinese, "" if none does.
func chineseDetail(s string) string {
	for _, part := range strings.Split(s, ": ") {
		for _, r := range part {
			if unicode.Is(unicode.Han, r) {
				return strings.TrimSpace(part)
			}
		}
	}
	return ""
}

// SummaryField is one line of an entry's readable summary.
type SummaryField struct {
	Label, Value string
}

// summaryFields are the payload members an entry's summary shows, in
// order, with their labels; money members are in fen.
var summaryFields = []struct {
	key, label string
	money      bool
}{
	{"title", "标题", false}, {"name", "名称", false}, {"type", "类型", false}, {"kind", "种类", false},
	{"doc_no", "指标文号", false}, {"voucher_no", "凭证号", false}, {"code", "编号", false}, {"number", "文号", false},
	{"receipt", "回执号", false}, {"contract_no", "合同号", false}, {"invoice_no", "发票号", false},
	{"allocation_doc_no", "拨付文号", false}, {"approval_doc_no", "批复文号", false},
	{"source_level", "资金来源", false}, {"nature", "性质", false}, {"category", "类别", false}, {"purpose", "用途", false},
	{"use", "用途", false}, {"bank", "银行", false}, {"year", "年度", false}, {"period", "所属期间", false},
	{"amount", "金额", true}, {"final_amount", "决算金额", true}, {"budget", "预算", true}, {"standard", "补贴标准", true},
	{"yearly_cap", "年度上限", true}, {"value", "价值", true}, {"quantity", "数量", false}, {"term_months", "期限（月）", false},
	{"arrived_on", "到账日期", false}, {"allocated_on", "拨付日期", false}, {"paid_on", "支付日期", false},
	{"granted_on", "放贷日期", false}, {"due_on", "到期日期", false}, {"repaid_on", "还款日期", false},
	{"published_on", "发布日期", false}, {"ends_on", "公示截止", false}, {"on", "日期", false},
	{"rule", "规则", false}, {"action", "处理方式", false}, {"from", "原状态", false}, {"to", "新状态", false},
	{"status", "状态", false}, {"outcome", "办理结果", false}, {"username", "用户名", false}, {"role", "角色", false},
	{"id", "账号", false}, {"entry", "涉及的账本序号", false}, {"reason", "原因", false}, {"note", "说明", false},
	{"text", "内容", false}, {"filename", "文件名", false}, {"alias", "简称", false}, {"level", "级别", false},
}

// rfc3339 is a time as the log stores it.
var rfc3339 = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?(\.\d+)?(Z|[+-]\d\d:\d\d)$`)

// EntrySummary reads an entry's canonical bytes and returns the payload's
// members people read, in words: amounts in yuan, users by name, statuses
// and types in Chinese, times in loc. Members it has no label for are
// left to the raw text shown below it.
func EntrySummary(body []byte, actors map[string]string, loc *time.Location) []SummaryField {
	var env struct {
		Payload map[string]json.RawMessage `json:"payload"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&env); err != nil {
		return nil
	}
	var out []SummaryField
	for _, f := range summaryFields {
		raw, ok := env.Payload[f.key]
		if !ok {
			continue
		}
		var v any
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if d.Decode(&v) != nil {
			continue
		}
		var s string
		switch x := v.(type) {
		case json.Number:
			if f.money {
				n, err := x.Int64()
				if err != nil {
					continue
				}
				s = ledger.Fen(n).Yuan() + " 元"
			} else {
				s = x.String()
			}
		case string:
			s = summaryString(f.key, x, actors, loc)
		case bool:
			s = "否"
			if x {
				s = "是"
			}
		default:
			continue // objects and lists: in the raw text
		}
		if s == "" {
			continue
		}
		if r := []rune(s); len(r) > 200 {
			s = string(r[:200]) + "…"
		}
		out = append(out, SummaryField{Label: f.label, Value: s})
	}
	return out
}

func summaryString(key, s string, actors map[string]string, loc *time.Location) string {
	switch {
	case actorID.MatchString(s) || key == "id" && s == "system":
		return ActorText(actors, s)
	case key == "id":
		return "" // an object's number: in the raw text
	case rfc3339.MatchString(s):
		return When(s, loc)
	case ledger.KnownEntryType(s):
		return EntryTypeText(s)
	}
	switch key {
	case "action":
		return ActionText(s)
	case "role":
		return RoleText(s)
	case "from", "to", "status":
		if t := FlagStatusText(s); t != s {
			return t
		}
		return ledger.PaymentStatusText(s)
	case "period":
		switch s {
		case "once":
			return "一次性"
		case "year":
			return "按年"
		case "quarter":
			return "按季度"
		case "month":
			return "按月"
		}
	case "outcome":
		switch s {
		case "upheld":
			return "属实"
		case "rejected":
			return "不属实"
		}
	}
	return s
}
