package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
	"github.com/sunshine-ledger/sunshine/notify/notifytest"
)

// TestNotifySettings: SUNSHINE_NOTIFY_FILE is read and checked at start
// (a bad file stops the command, naming the setting, without its secrets);
// with it, serve's scheduler has the notify and digest jobs, which run from
// run-job.
func TestNotifySettings(t *testing.T) {
	for _, k := range []string{"SUNSHINE_DB", "SUNSHINE_NOTIFY_FILE", "SUNSHINE_TOWN"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bad := write("bad.json", `{"webhooks":[{"name":"镇纪委群","kind":"dingtalk","url":"https://oapi.dingtalk.com/robot/send?access_token=SECRETTOKEN","roles":["discipline"]}]}`)
	_, _, err := loadConfig("x", []string{"--notify-file", bad}, nil)
	if err == nil || !strings.Contains(err.Error(), "SUNSHINE_NOTIFY_FILE") || !strings.Contains(err.Error(), "加签密钥") || strings.Contains(err.Error(), "SECRETTOKEN") {
		t.Fatalf("bad file: %v", err)
	}
	if _, _, err := loadConfig("x", []string{"--notify-file", filepath.Join(dir, "none.json")}, nil); err == nil || !strings.Contains(err.Error(), "SUNSHINE_NOTIFY_FILE") {
		t.Fatalf("missing file: %v", err)
	}
	c, _, err := loadConfig("x", nil, nil)
	if err != nil || c.Notify != nil {
		t.Fatalf("no file: %v %v", c.Notify, err)
	}

	bot, sink := notifytest.NewWeCom(t), notifytest.NewSMTP(t)
	good := write("notify.json", fmt.Sprintf(`{"webhooks":[{"name":"系统管理群","kind":"wecom","url":%q,"roles":["admin"]}],
		"smtp":{"addr":%q,"from":"sunshine@town.example"},"emails":[{"to":"admin@town.example","roles":["admin"]}]}`, bot.WebhookURL(), sink.Addr))
	data := t.TempDir()
	for _, job := range []string{"notify", "digest"} {
		code, text := runCmd(t, "run-job", "--data", data, "--notify-file", good, job)
		if code != 0 || !strings.Contains(text, `"job": "`+job+`"`) || !strings.Contains(text, `"success"`) {
			t.Fatalf("run-job %s: %d %s", job, code, text)
		}
	}
	if code, text := runCmd(t, "run-job", "--data", data, "notify"); code == 0 {
		t.Fatalf("notify ran without SUNSHINE_NOTIFY_FILE: %s", text)
	}
}

// TestNotifyGrant: the app user of deploy/grants.sql keeps the
// notifications' records (MariaDB only: SUNSHINE_TEST_MYSQL_DSN).
func TestNotifyGrant(t *testing.T) {
	dsn := gormstoretest.NewDSN(t, "mysql")
	gormstoretest.OpenDSN(t, dsn)
	app := composeAppUser(t, dsn)
	store, err := gormstore.Open("mysql://" + app.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	n := ledger.Notification{Target: "bot:镇纪委群", Key: "flag:430181117:7", Attempts: 1, LastTry: now, Error: "对方返回 HTTP 500"}
	if err := store.PutNotification(ctx, n); err != nil {
		t.Fatal(err)
	}
	n.Attempts, n.SentAt, n.Error = 2, now, ""
	for range 2 { // the second changes nothing: MySQL reports no row
		if err := store.PutNotification(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	got, err := store.Notifications(ctx, "bot:镇纪委群", []string{"flag:430181117:7", "flag:430181117:8"})
	if err != nil || len(got) != 1 || !got["flag:430181117:7"].Sent() || got["flag:430181117:7"].Attempts != 2 || !got["flag:430181117:7"].LastTry.Equal(now) {
		t.Fatalf("%+v %v", got, err)
	}
}
