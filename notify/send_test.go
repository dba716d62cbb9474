package notify_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/notify"
	"github.com/sunshine-ledger/sunshine/notify/notifytest"
)

// TestWebhookBots: a message reaches a 企业微信 bot and a 钉钉 bot (whose sink
// checks timestamp and sign as 钉钉 does); a wrong secret, an HTTP 500 and
// an unreachable bot are failures whose errors carry neither the URL's
// token nor the secret.
func TestWebhookBots(t *testing.T) {
	ctx := context.Background()
	wc := notifytest.NewWeCom(t)
	dt := notifytest.NewDingTalk(t, "SECabc+/=123")
	text := "【镇头镇阳光账本】田坪村有 1 条新的监督线索（高 1），请登录查看：http://x/staff/flags?status=open"
	if err := notify.SendWebhook(ctx, nil, notify.Webhook{Name: "w", Kind: notify.KindWeCom, URL: wc.WebhookURL()}, "t", text, time.Now()); err != nil {
		t.Fatal(err)
	}
	if m := wc.Messages(); len(m) != 1 || m[0].Text != text {
		t.Fatalf("wecom got %+v", m)
	}
	good := notify.Webhook{Name: "d", Kind: notify.KindDingTalk, URL: dt.WebhookURL(), Secret: "SECabc+/=123"}
	if err := notify.SendWebhook(ctx, nil, good, "阳光账本提醒", text, time.Now()); err != nil {
		t.Fatalf("dingtalk: %v (rejected %v)", err, dt.Rejected())
	}
	if m := dt.Messages(); len(m) != 1 || m[0].Text != text || m[0].Title != "阳光账本提醒" {
		t.Fatalf("dingtalk got %+v", m)
	}
	noToken := func(err error) {
		t.Helper()
		if err == nil {
			t.Fatal("no error")
		}
		for _, s := range []string{"tok-", "SEC", "access_token", "key="} {
			if strings.Contains(err.Error(), s) {
				t.Fatalf("error %q shows %q", err, s)
			}
		}
	}
	bad := good
	bad.Secret = "SECwrong"
	err := notify.SendWebhook(ctx, nil, bad, "t", text, time.Now())
	noToken(err)
	if !strings.Contains(err.Error(), "310000") {
		t.Fatalf("bad sign: %v", err)
	}
	err = notify.SendWebhook(ctx, nil, good, "t", text, time.Now().Add(-2*time.Hour))
	noToken(err)
	wc.Fail(1)
	err = notify.SendWebhook(ctx, nil, notify.Webhook{Name: "w", Kind: notify.KindWeCom, URL: wc.WebhookURL()}, "t", text, time.Now())
	noToken(err)
	if !strings.Contains(err.Error(), "HTTP 500") {
		t.Fatalf("500: %v", err)
	}
	gone := notifytest.NewWeCom(t)
	u := gone.WebhookURL()
	gone.Close()
	noToken(notify.SendWebhook(ctx, nil, notify.Webhook{Name: "w", Kind: notify.KindWeCom, URL: u}, "t", text, time.Now()))
	if len(wc.Messages()) != 1 || len(dt.Messages()) != 1 {
		t.Fatal("a failed send was counted as received")
	}
}

// TestSendMail: the digest reaches the SMTP sink, its subject in RFC 2047
// and its body UTF-8 text.
func TestSendMail(t *testing.T) {
	sink := notifytest.NewSMTP(t)
	s := notify.SMTP{Addr: sink.Addr, From: "sunshine@town.example"}
	body := "您好！\n· 田坪村待处理的监督线索 2 条\n"
	if err := notify.SendMail(context.Background(), s, "jiwei@town.example", "阳光账本每日提醒（2026-12-04）", body, time.Now()); err != nil {
		t.Fatal(err)
	}
	ms := sink.Mails()
	if len(ms) != 1 {
		t.Fatalf("mails %+v", ms)
	}
	m := ms[0]
	if m.From != "sunshine@town.example" || len(m.To) != 1 || m.To[0] != "jiwei@town.example" {
		t.Fatalf("envelope %+v", m)
	}
	if m.Subject != "阳光账本每日提醒（2026-12-04）" || !strings.Contains(m.Raw, "Subject: =?UTF-8?b?") {
		t.Fatalf("subject %q in %q", m.Subject, m.Raw)
	}
	if m.Body != body || !strings.Contains(m.Raw, "Content-Type: text/plain; charset=UTF-8") {
		t.Fatalf("body %q", m.Body)
	}
	sink.Down(true)
	if err := notify.SendMail(context.Background(), s, "jiwei@town.example", "x", "y", time.Now()); err == nil {
		t.Fatal("a refusing server accepted")
	}
}

// TestLoadConfig: a valid file loads; each mistake is named, in Chinese and
// English, and no secret is shown.
func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(s string) string {
		p := filepath.Join(dir, "n.json")
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	c, err := notify.Load(write(`{"webhooks":[{"name":"田坪村监督群","kind":"wecom","url":"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k","villages":["430181117201"],"roles":["monitor"]},
		{"name":"镇纪委群","kind":"dingtalk","url":"https://oapi.dingtalk.com/robot/send?access_token=t","secret":"SECx","roles":["discipline","admin"]}],
		"smtp":{"addr":"smtp.example.com:587","from":"sunshine@example.com","username":"u","password":"p"},
		"emails":[{"to":"jiwei@example.com","roles":["discipline"]}]}`))
	if err != nil || len(c.Webhooks) != 2 || len(c.Emails) != 1 {
		t.Fatalf("%+v %v", c, err)
	}
	_, err = notify.Load(write(`{"webhooks":[{"name":"a","kind":"feishu","url":"ftp://x","roles":["boss"]},
		{"name":"a","kind":"dingtalk","url":"https://oapi.dingtalk.com/robot/send?access_token=SECRETTOKEN","roles":["monitor"]}],
		"emails":[{"to":"not an address","roles":[]}]}`))
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"kind 应为 wecom", "url 不是有效的", "角色 \"boss\" 无效", "名称重复", "加签密钥", "未填写邮件服务器", "邮箱地址 to 无效", "no roles"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "SECRETTOKEN") {
		t.Fatalf("error shows the token: %v", err)
	}
	if _, err := notify.Load(write(`{"webhook":[]}`)); err == nil {
		t.Fatal("an unknown field was accepted")
	}
}
