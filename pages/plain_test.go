package pages

import (
	"strings"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/jobs"
	"github.com/sunshine-ledger/sunshine/ledger"
)

// TestEntryTypeLabels: every entry type of the ledger has a label of its
// own, in Chinese, and no two types share one.
func TestEntryTypeLabels(t *testing.T) {
	seen := map[string]string{}
	for _, typ := range ledger.EntryTypes() {
		l, ok := entryTypeLabels[typ]
		if !ok || l == "" {
			t.Errorf("%s: no label in entryTypeLabels", typ)
			continue
		}
		if strings.ContainsAny(l, "abcdefghijklmnopqrstuvwxyz_") {
			t.Errorf("%s: label %q is not plain Chinese", typ, l)
		}
		if o, dup := seen[l]; dup {
			t.Errorf("%s and %s share the label %q", typ, o, l)
		}
		seen[l] = typ
	}
	for typ := range entryTypeLabels {
		if !ledger.KnownEntryType(typ) {
			t.Errorf("label for %s, which the ledger does not write", typ)
		}
	}
	if got := EntryTypeText("payment_teleported"); got != "其他记录" {
		t.Errorf("unknown type: %q", got)
	}
}

func TestScheduleText(t *testing.T) {
	for spec, want := range map[string]string{
		"0 2 * * *":      "每天 02:00",
		"10 0 * * *":     "每天 00:10",
		"*/15 * * * *":   "每 15 分钟",
		"*/10 * * * *":   "每 10 分钟",
		"*/5 * * * *":    "每 5 分钟",
		"0 * * * *":      "每小时整点",
		"5 * * * *":      "每小时第 5 分",
		"0 */2 * * *":    "每 2 小时（整点）",
		"* * * * *":      "每分钟",
		"0 8,20 * * *":   "每天 08:00、20:00",
		"30 7 * * 1":     "每周一 07:30",
		"0 9 * * 1-5":    "每周一至周五 09:00",
		"0 3 * * 0":      "每周日 03:00",
		"0 3 1 * *":      "每月 1 日 03:00",
		"0 3 1,15 * *":   "每月 1、15 日 03:00",
		"0 0 1 1 *":      "每年 1 月 1 日 00:00",
		"@every 1h":      "每 1 小时",
		"@every 1h30m":   "每 1 小时 30 分钟",
		"@every 90s":     "每 1 分钟 30 秒",
		"@daily":         "每天 00:00",
		"@hourly":        "每小时整点",
		"0 2 L * *":      "自定义计划：0 2 L * *",
		"1-10/3 * * * *": "自定义计划：1-10/3 * * * *",
	} {
		if got := ScheduleText(spec); got != want {
			t.Errorf("%q: %q, want %q", spec, got, want)
		}
	}
}

func TestDurationText(t *testing.T) {
	for d, want := range map[time.Duration]string{
		10 * time.Millisecond:            "0.1 秒以内",
		340 * time.Millisecond:           "0.3 秒",
		1123456789 * time.Nanosecond:     "1.1 秒",
		2 * time.Second:                  "2 秒",
		12400 * time.Millisecond:         "12 秒",
		125 * time.Second:                "2 分 5 秒",
		3 * time.Minute:                  "3 分",
		time.Hour + 3*time.Minute + 10e9: "1 小时 3 分",
	} {
		if got := DurationText(d); got != want {
			t.Errorf("%v: %q, want %q", d, got, want)
		}
	}
}

func TestJobErrorText(t *testing.T) {
	for in, want := range map[string]string{
		"conflict: 核验未通过：发现 2 处问题":                            "任务失败：核验未通过：发现 2 处问题",
		"unavailable: 数据库暂时不可用: dial tcp: connection refused": "任务失败：数据库暂时无法访问，将在下次计划时间重试",
		"context deadline exceeded":                           "任务失败：运行超时，将在下次计划时间重试",
		"panic: runtime error: index out of range":            "任务失败：程序内部错误，请将下面的技术信息告知系统管理员",
		"scan: unexpected EOF":                                "任务失败：运行中出错，请将下面的技术信息告知系统管理员",
	} {
		got := JobErrorText(in)
		if got.Sentence != want || got.Technical != in {
			t.Errorf("%q: %+v, want %q", in, got, want)
		}
	}
}

func TestEntrySummary(t *testing.T) {
	e := ledger.Entry{Log: "l", Seq: 9, Type: ledger.TypeReversalRecorded, RecordedAt: time.Date(2026, 12, 4, 7, 4, 0, 0, time.UTC),
		Actor: "430181117-u12", Payload: []byte(`{"amount":123456789,"entry":4,"reason":"重复录入","type":"payment_recorded","id":"430181117-u12","at":"2026-12-04T07:04:00Z","to":"open"}`)}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	got := EntrySummary(e.Encode(), map[string]string{"430181117-u12": "caiwu"}, loc)
	var b strings.Builder
	for _, f := range got {
		b.WriteString(f.Label + "=" + f.Value + ";")
	}
	if want := "类型=支付录入;金额=1,234,567.89 元;新状态=待处理;账号=caiwu;涉及的账本序号=4;原因=重复录入;"; b.String() != want {
		t.Errorf("summary: %s\nwant     %s", b.String(), want)
	}
	if ActorText(nil, "430181117-u4418") != "其他账号" || ActorText(nil, "system") != "系统（自动）" {
		t.Error("actors without a name")
	}
}

// TestScheduleTextDefaults: every job's configured schedule reads in
// words, never as the cron spec.
func TestScheduleTextDefaults(t *testing.T) {
	for _, spec := range []string{jobs.ScheduleVerify, jobs.ScheduleCheckpoint, jobs.ScheduleEscalate, jobs.ScheduleScan,
		jobs.ScheduleLoans, jobs.ScheduleNotices, jobs.SchedulePublicity, jobs.ScheduleCosign} {
		if got := ScheduleText(spec); strings.Contains(got, "自定义") || strings.Contains(got, "*") {
			t.Errorf("%q: %q", spec, got)
		}
	}
}
