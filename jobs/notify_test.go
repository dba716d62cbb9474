package jobs_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/jobs"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
	"github.com/sunshine-ledger/sunshine/notify"
	"github.com/sunshine-ledger/sunshine/notify/notifytest"
)

const (
	tianping = "430181117201"
	shiniu   = "430181117202"
)

// TestNotifyEndToEnd, on SQLite and MariaDB: flags raised in the books reach
// the groups they concern once (田坪村's monitors, and the discipline office
// for a high one), running again sends nothing; a group whose bot answers
// 500 fails the run, named on the jobs' record, and gets its message on the
// next run (the admin's group hears of the failed run); payments waiting
// for approval more than a day reach the approvers, complaints near their
// deadline the village's monitors and the discipline office; the daily
// digest reaches the SMTP sink once a day. No message carries a fixture
// person's name, ID number, account or the complainant's contact.
func TestNotifyEndToEnd(t *testing.T) {
	for _, dialect := range gormstoretest.Dialects() {
		t.Run(dialect, func(t *testing.T) { testNotifyEndToEnd(t, dialect) })
	}
}

func testNotifyEndToEnd(t *testing.T, dialect string) {
	ctx := context.Background()
	store := gormstoretest.Open(t, dialect)
	clock := lt.NewClock(lt.FixedTime)
	s, lg := lt.NewService(t, store, clock)
	lt.Town(t, s, lg)

	tp, sn, jw, ap, ad := notifytest.NewWeCom(t), notifytest.NewDingTalk(t, "SECtianping"), notifytest.NewWeCom(t),
		notifytest.NewDingTalk(t, "SECapprover"), notifytest.NewWeCom(t)
	sn.Secret = "SECshiniu"
	sink := notifytest.NewSMTP(t)
	cfg := &notify.Config{
		Webhooks: []notify.Webhook{
			{Name: "田坪村监督群", Kind: notify.KindWeCom, URL: tp.WebhookURL(), Villages: []string{tianping}, Roles: []string{ledger.RoleMonitor}},
			{Name: "石牛村监督群", Kind: notify.KindDingTalk, URL: sn.WebhookURL(), Secret: "SECshiniu", Villages: []string{shiniu}, Roles: []string{ledger.RoleMonitor}},
			{Name: "镇纪委群", Kind: notify.KindWeCom, URL: jw.WebhookURL(), Roles: []string{ledger.RoleDiscipline}},
			{Name: "审批群", Kind: notify.KindDingTalk, URL: ap.WebhookURL(), Secret: "SECapprover", Roles: []string{ledger.RoleApprover}},
			{Name: "系统管理群", Kind: notify.KindWeCom, URL: ad.WebhookURL(), Roles: []string{ledger.RoleAdmin}},
		},
		SMTP:   &notify.SMTP{Addr: sink.Addr, From: "sunshine@town.example"},
		Emails: []notify.Email{{To: "jiwei@town.example", Roles: []string{ledger.RoleDiscipline}}, {To: "tp@town.example", Roles: []string{ledger.RoleMonitor}, Villages: []string{tianping}}},
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	const public = "https://ygzb.example.gov.cn"
	n := &notify.Notifier{Cfg: cfg, Svc: s, Store: store, Jobs: store, PublicURL: public,
		JobLabel: func(j string) string { return map[string]string{"notify": "消息提醒"}[j] }}
	sc, err := jobs.New(jobs.Options{Store: store, Holder: "h", Now: clock.Now, Location: lt.Shanghai(t)}, jobs.Notify(n), jobs.Digest(n))
	if err != nil {
		t.Fatal(err)
	}
	run := func(job, want string) ledger.JobRun {
		t.Helper()
		r, err := sc.RunNow(ctx, job)
		if err != nil || r.Outcome != want {
			t.Fatalf("%s: %s, want %s: %+v %v", job, r.Outcome, want, r, err)
		}
		return r
	}
	// A fixture person's name and ID number, in a flag's reason and label
	// (rules' reasons may name people), must not travel.
	name := fmt.Sprintf("张%s明", string(rune('一'+2)))
	finding := func(rule, key, village, severity string) ledger.Finding {
		return ledger.Finding{Rule: rule, SubjectKey: key, Severity: severity, Village: village,
			Subject: ledger.FlagSubject{Kind: "person", ID: 2, Label: name}, Reason: name + "（" + lt.ID(2, 1970) + "）账户 6230 9010 0000 0002 一卡多人",
			Evidence: ledger.Evidence{Entries: []int64{1}, Vouchers: []string{"记-2026-0001"}}}
	}
	if _, _, err := s.RecordFindings(ctx, lg, "system", []ledger.Finding{
		finding("C2", "acct|1", tianping, ledger.SeverityWarn), finding("B1", "p|2", tianping, ledger.SeverityHigh)}); err != nil {
		t.Fatal(err)
	}
	r := run("notify", ledger.OutcomeSuccess)
	if r.Counts["messages"] != 2 || r.Counts["events"] != 3 {
		t.Fatalf("counts %v", r.Counts)
	}
	if m := tp.Messages(); len(m) != 1 || m[0].Text != "【镇头镇阳光账本】田坪村有 2 条新的监督线索（高 1、中 1），请登录查看："+public+"/staff/flags?status=open" {
		t.Fatalf("田坪村 got %+v", m)
	}
	if m := jw.Messages(); len(m) != 1 || !strings.Contains(m[0].Text, "田坪村有 1 条新的监督线索（高 1）") {
		t.Fatalf("纪委 got %+v", m)
	}
	if len(sn.Messages())+len(ap.Messages())+len(ad.Messages()) != 0 {
		t.Fatal("a group that is not concerned was told")
	}
	// Once only.
	if r := run("notify", ledger.OutcomeSuccess); r.Counts["messages"] != 0 || len(tp.Messages()) != 1 || len(jw.Messages()) != 1 {
		t.Fatalf("sent again: %v", r.Counts)
	}

	// A bot that fails: the run fails, naming the group (not its URL); the
	// others are still sent to; the next run retries and the admins hear
	// of the failed run.
	clock.Advance(10 * time.Minute)
	if _, _, err := s.RecordFindings(ctx, lg, "system", []ledger.Finding{finding("B1", "p|5", shiniu, ledger.SeverityHigh)}); err != nil {
		t.Fatal(err)
	}
	jw.Fail(1)
	r = run("notify", ledger.OutcomeFailure)
	if !strings.Contains(r.Error, "群机器人“镇纪委群”（企业微信）发送失败：对方返回 HTTP 500") || strings.Contains(r.Error, "tok-") {
		t.Fatalf("error %q", r.Error)
	}
	runs, err := store.JobRuns(ctx, "notify", 1)
	if err != nil || len(runs) != 1 || runs[0].Outcome != ledger.OutcomeFailure || runs[0].Error != r.Error {
		t.Fatalf("the jobs page would show %+v %v", runs, err)
	}
	if m := sn.Messages(); len(m) != 1 || !strings.Contains(m[0].Text, "石牛村有 1 条新的监督线索（高 1）") {
		t.Fatalf("石牛村 got %+v (rejected %v)", m, sn.Rejected())
	}
	if len(jw.Messages()) != 1 {
		t.Fatal("a failed post counted")
	}
	clock.Advance(10 * time.Minute)
	run("notify", ledger.OutcomeSuccess)
	if m := jw.Messages(); len(m) != 2 || !strings.Contains(m[1].Text, "石牛村有 1 条新的监督线索（高 1）") || strings.Contains(m[1].Text, "田坪村") {
		t.Fatalf("纪委 after the retry got %+v", m)
	}
	if m := ad.Messages(); len(m) != 1 || !strings.Contains(m[0].Text, "定时任务“消息提醒”于 ") || !strings.Contains(m[0].Text, "运行失败，请登录查看："+public+"/staff/jobs") {
		t.Fatalf("admins got %+v", m)
	}
	run("notify", ledger.OutcomeSuccess)
	if len(jw.Messages()) != 2 || len(ad.Messages()) != 1 || len(tp.Messages()) != 1 || len(sn.Messages()) != 1 {
		t.Fatal("sent again after the retry")
	}

	// A payment waiting for approval more than a day; a complaint three
	// days before its deadline.
	if _, err := s.RecordAllocation(ctx, lg, "fin", ledger.AllocationRow{DocNo: "财农〔2026〕1号", ProjectCode: "ZT-2026-001", Amount: lt.Y("400000"),
		AllocatedOn: lt.D("2026-02-20"), AllocationDocNo: "镇拨〔2026〕1号"}, nil); err != nil {
		t.Fatal(err)
	}
	p, err := s.RecordPayment(ctx, lg, "fin", ledger.PaymentRow{VoucherNo: "记-2026-0101", ProjectCode: "ZT-2026-001", DocNo: "财农〔2026〕1号",
		Kind: ledger.PayProgress, PayeeUSCC: lt.USCC(1), PayeeOrgName: "浏阳市第1建筑公司", Amount: lt.Y("100000"), PaidOn: lt.D("2026-02-25"),
		ContractNo: "HT-1", InvoiceNo: "FP-1"}, nil)
	if err != nil || p.Status != ledger.StatusPendingApproval {
		t.Fatalf("%+v %v", p, err)
	}
	if _, err := s.FileComplaint(ctx, lg, ledger.ComplaintInput{Village: tianping, Text: name + "反映补贴少发", Contact: "13800000000"}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(12 * time.Hour)
	run("notify", ledger.OutcomeSuccess)
	if len(ap.Messages()) != 0 {
		t.Fatal("the approvers were told before a day passed")
	}
	clock.Advance(13 * time.Hour)
	run("notify", ledger.OutcomeSuccess)
	if m := ap.Messages(); len(m) != 1 || m[0].Text != "【镇头镇阳光账本】有 1 笔支付等待审批已超过 1 天（凭证号 记-2026-0101），请登录审批："+public+"/staff/payments?status=pending_approval" {
		t.Fatalf("approvers got %+v (rejected %v)", m, ap.Rejected())
	}
	clock.Advance(ledger.ComplaintSLA - 3*24*time.Hour - 25*time.Hour + time.Minute)
	run("notify", ledger.OutcomeSuccess)
	for _, b := range []*notifytest.Bot{tp, jw} {
		m := b.Messages()
		if last := m[len(m)-1].Text; !strings.Contains(last, "有 1 件群众投诉或异议临近或已过 20 天办结期限（田坪村 1），请登录查看："+public+"/staff/complaints") {
			t.Fatalf("complaint message %q", last)
		}
	}
	if len(sn.Messages()) != 1 {
		t.Fatal("石牛村 heard of 田坪村's complaint")
	}

	// The digest: once a day; the monitor's only of 田坪村.
	run("digest", ledger.OutcomeSuccess)
	run("digest", ledger.OutcomeSuccess)
	mails := sink.Mails()
	if len(mails) != 2 {
		t.Fatalf("mails %+v", mails)
	}
	for _, m := range mails {
		if !strings.HasPrefix(m.Subject, "阳光账本每日提醒（") {
			t.Fatalf("subject %q", m.Subject)
		}
		switch m.To[0] {
		case "jiwei@town.example":
			if !strings.Contains(m.Body, "石牛村待处理的监督线索 1 条（高 1、中 0、低 0）") || !strings.Contains(m.Body, "投诉与异议 1 件") {
				t.Fatalf("纪委's digest %q", m.Body)
			}
		case "tp@town.example":
			if !strings.Contains(m.Body, "田坪村待处理的监督线索 2 条") || strings.Contains(m.Body, "石牛村") {
				t.Fatalf("田坪村's digest %q", m.Body)
			}
		default:
			t.Fatalf("mail to %v", m.To)
		}
	}

	// Nothing personal in any message.
	var all []string
	for _, b := range []*notifytest.Bot{tp, sn, jw, ap, ad} {
		for _, m := range b.Messages() {
			all = append(all, m.Title, m.Text)
		}
	}
	for _, m := range mails {
		all = append(all, m.Raw, m.Subject, m.Body)
	}
	var secrets []string
	for i := 1; i <= 6; i++ {
		secrets = append(secrets, fmt.Sprintf("张%s明", string(rune('一'+i))), lt.ID(i, 1970), fmt.Sprintf("0000 %04d", i))
	}
	secrets = append(secrets, "张小红", lt.ID(7, 2000), "13800000000", "6230", "一卡多人")
	for _, m := range all {
		for _, s := range secrets {
			if strings.Contains(m, s) {
				t.Fatalf("a message carries %q: %q", s, m)
			}
		}
	}
}

// TestNotifyRetries: a digest the mail server refused is sent by the next
// notify run, once; a bot that keeps failing is tried with growing waits
// and given up after notify.MaxAttempts, said in the run's error.
func TestNotifyRetries(t *testing.T) {
	ctx := context.Background()
	store := gormstoretest.Open(t, "sqlite")
	clock := lt.NewClock(lt.FixedTime)
	s, lg := lt.NewService(t, store, clock)
	bot := notifytest.NewWeCom(t)
	sink := notifytest.NewSMTP(t)
	cfg := &notify.Config{
		Webhooks: []notify.Webhook{{Name: "镇纪委群", Kind: notify.KindWeCom, URL: bot.WebhookURL(), Roles: []string{ledger.RoleDiscipline}}},
		SMTP:     &notify.SMTP{Addr: sink.Addr, From: "sunshine@town.example"},
		Emails:   []notify.Email{{To: "jiwei@town.example", Roles: []string{ledger.RoleDiscipline}}},
	}
	n := &notify.Notifier{Cfg: cfg, Svc: s, Store: store, PublicURL: "https://ygzb.example.gov.cn"}
	sc, err := jobs.New(jobs.Options{Store: store, Holder: "h", Now: clock.Now, Location: lt.Shanghai(t)}, jobs.Notify(n), jobs.Digest(n))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.RecordFindings(ctx, lg, "system", []ledger.Finding{{Rule: "T1", SubjectKey: "log", Severity: ledger.SeverityHigh,
		Subject: ledger.FlagSubject{Kind: "log", ID: lg.ID, Label: lg.Origin}, Reason: "账本校验不通过", Evidence: ledger.Evidence{Entries: []int64{1}}}}); err != nil {
		t.Fatal(err)
	}
	sink.Down(true)
	bot.Fail(100)
	r, _ := sc.RunNow(ctx, "digest")
	if r.Outcome != ledger.OutcomeFailure || !strings.Contains(r.Error, "邮件接收人 j***@town.example 的每日提醒发送失败") {
		t.Fatalf("digest %+v", r)
	}
	sink.Down(false)
	r, _ = sc.RunNow(ctx, "notify") // the bot fails (1st attempt), the digest goes
	if r.Outcome != ledger.OutcomeFailure || r.Counts["mails"] != 1 || len(sink.Mails()) != 1 ||
		!strings.Contains(sink.Mails()[0].Body, "镇级待处理的监督线索 1 条（高 1、中 0、低 0）") {
		t.Fatalf("retry: %+v %+v", r, sink.Mails())
	}
	tries := 1
	for i := 0; i < 200 && tries < notify.MaxAttempts; i++ {
		clock.Advance(10 * time.Minute)
		r, _ = sc.RunNow(ctx, "notify")
		if r.Outcome == ledger.OutcomeFailure {
			tries++
		}
	}
	if tries != notify.MaxAttempts || !strings.Contains(r.Error, "已尝试 8 次，不再重试") {
		t.Fatalf("%d tries, last %+v", tries, r)
	}
	if i := clock.Now().Sub(lt.FixedTime); i < 6*time.Hour {
		t.Fatalf("8 tries within %v: no backoff", i)
	}
	clock.Advance(24 * time.Hour)
	if r, _ := sc.RunNow(ctx, "notify"); r.Outcome != ledger.OutcomeSuccess || len(sink.Mails()) != 1 {
		t.Fatalf("after giving up: %+v", r)
	}
}
