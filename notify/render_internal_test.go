package notify

import (
	"strings"
	"testing"
	"time"
)

// TestRenderJobFailures: a job failing run after run is one line with its
// count, not a line a run.
func TestRenderJobFailures(t *testing.T) {
	n := &Notifier{PublicURL: "https://y.example/", Location: time.UTC, JobLabel: func(j string) string { return map[string]string{"scan": "异常扫描", "verify": "账本核验"}[j] }}
	at := time.Date(2026, 12, 4, 2, 0, 0, 0, time.UTC)
	var evs []event
	for i := 0; i < 3; i++ {
		evs = append(evs, event{Kind: evJobFailed, Key: "job:" + string(rune('a'+i)), Job: "scan", At: at.Add(time.Duration(i) * time.Hour)})
	}
	evs = append(evs, event{Kind: evJobFailed, Key: "job:v", Job: "verify", At: at})
	_, text := n.render(evs)
	want := "【阳光账本】定时任务“异常扫描”运行失败 3 次（最近一次 2026-12-04 04:00），请登录查看：https://y.example/staff/jobs\n\n" +
		"【阳光账本】定时任务“账本核验”于 2026-12-04 02:00 运行失败，请登录查看：https://y.example/staff/jobs"
	if text != want {
		t.Fatalf("got\n%s\nwant\n%s", text, want)
	}
	long := strings.Repeat("【镇头镇阳光账本】田坪村有 1 条新的监督线索（高 1）\n\n", 200)
	if c := Clip(long); len(c) > 4000 || !strings.HasSuffix(c, "（内容较多，请登录查看）") {
		t.Fatalf("clip: %d bytes", len(c))
	}
}
