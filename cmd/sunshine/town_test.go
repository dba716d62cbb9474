package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore"
	"golang.org/x/crypto/bcrypt"
)

// TestTownAdd: `sunshine town add` gives the database a second town with a
// log of its own (origin <host of SUNSHINE_PUBLIC_URL>/log/<code>), which
// `town list` and the store's Logs (what the county summary and the jobs
// read) show beside the home town; `verify --deep` and `verify
// --public-key` pass on both; its admin is made with `user add --town` and
// logs in to that town; bad input, an existing town and another public URL
// or another home town (SUNSHINE_TOWN) are refused with nothing written;
// a log left without its town is finished.
func TestTownAdd(t *testing.T) {
	clearSunshineEnv(t)
	t.Setenv("SUNSHINE_PUBLIC_URL", "https://ledger.example.cn")
	ctx := context.Background()

	// bad input on an empty data folder: refused before anything is opened
	empty := t.TempDir()
	for _, args := range [][]string{
		{"--code", "12345", "--name", "短码镇"},
		{"--code", "1234567890123", "--name", "长码镇"},
		{"--code", "43018111a", "--name", "字母镇"},
		{"--name", "无码镇"},
		{"--code", "430181118"},
		{"--code", "430181118", "--name", "东岭镇", "--phone", "call me"},
		{"--code", "430181118", "--name", strings.Repeat("镇", 101)},
	} {
		if code, _ := runCmd(t, append([]string{"town", "add", "--data", empty}, args...)...); code == 0 {
			t.Errorf("town add %v accepted", args)
		}
	}
	if ents, _ := os.ReadDir(empty); len(ents) != 0 {
		t.Fatalf("bad input wrote %d file(s) into the data folder", len(ents))
	}
	for _, args := range [][]string{{"town"}, {"town", "remove"}} {
		if code, _ := runCmd(t, args...); code == 0 {
			t.Errorf("%v succeeded", args)
		}
	}

	data := t.TempDir()
	cli := func(args ...string) string {
		t.Helper()
		code, text := runCmd(t, append(args[:2:2], append([]string{"--data", data}, args[2:]...)...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, code, text)
		}
		return text
	}
	start := time.Now()
	out := cli("town", "add", "--code", "430181118", "--name", "东岭镇", "--phone", "0731-83000001", "--phone", "12317")
	t.Logf("town add on an empty database: %s", time.Since(start).Round(time.Millisecond))
	for _, want := range []string{"created town 430181118 东岭镇 (short name 东岭), log origin ledger.example.cn/log/430181118",
		"ledger.example.cn/log/430181118+", "sunshine user add --town 430181118"} {
		if !strings.Contains(out, want) {
			t.Errorf("town add printed no %q:\n%s", want, out)
		}
	}

	list := cli("town", "list")
	for _, want := range []string{"430181117", "镇头镇", "ledger.example.cn/log/430181117", "430181118", "东岭镇", "ledger.example.cn/log/430181118"} {
		if !strings.Contains(list, want) {
			t.Errorf("town list lacks %q:\n%s", want, list)
		}
	}
	if lines := strings.Split(strings.TrimSpace(list), "\n"); len(lines) != 3 {
		t.Errorf("town list: %d lines, want a header and two towns:\n%s", len(lines), list)
	}

	// the store: two logs, the new one registered as asked, under "system"
	withStore := func(f func(store *gormstore.Store, svc *ledger.Service)) {
		t.Helper()
		store, err := gormstore.Open(filepath.Join(data, "sunshine.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		l := ledger.New(ledger.Options{Store: store})
		defer l.Close()
		f(store, &ledger.Service{L: l})
	}
	sizes := func() map[string]int64 {
		t.Helper()
		m := map[string]int64{}
		withStore(func(store *gormstore.Store, _ *ledger.Service) {
			logs, err := store.Logs(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, lg := range logs {
				n, err := store.Size(ctx, lg.ID)
				if err != nil && !ledger.IsNotFound(err) {
					t.Fatal(err)
				}
				m[lg.Town] = n
			}
		})
		return m
	}
	withStore(func(store *gormstore.Store, svc *ledger.Service) {
		logs, err := store.Logs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(logs) != 2 || logs[0].Town != "430181117" || logs[1].Town != "430181118" || logs[1].Origin != "ledger.example.cn/log/430181118" {
			t.Fatalf("logs: %+v", logs)
		}
		town, err := svc.Town(ctx, logs[1])
		if err != nil || town.Code != "430181118" || town.Name != "东岭镇" || town.ShortName != "东岭" || !slices.Equal(town.Phones, []string{"0731-83000001", "12317"}) {
			t.Fatalf("the new town: %+v %v", town, err)
		}
		items, err := svc.Items(ctx, logs[1])
		if err != nil || len(items) == 0 {
			t.Fatalf("the new town's subsidy catalogue: %d %v", len(items), err)
		}
		first, err := store.Entry(ctx, logs[1].ID, 0)
		if err != nil || first.Type != ledger.TypeTownRegistered || first.Actor != ledger.ActorSystem {
			t.Fatalf("the new log's first entry: %s by %s, %v", first.Type, first.Actor, err)
		}
	})
	before := sizes()

	// refused, with nothing written: an existing town (the new one, the
	// home town), bad input, another public URL's origin
	for _, args := range [][]string{
		{"--code", "430181118", "--name", "东岭镇"},
		{"--code", "430181117", "--name", "镇头镇"},
		{"--code", "43018", "--name", "短码镇"},
		{"--code", "430181119", "--name", "西江镇", "--public-url", "http://localhost:8080"},
		{"--code", "430181119", "--name", "西江镇", "--town", "430181199"}, // not the home town
	} {
		code, text := runCmd(t, append([]string{"town", "add", "--data", data}, args...)...)
		if code == 0 {
			t.Errorf("town add %v accepted:\n%s", args, text)
		}
	}
	if after := sizes(); len(after) != 2 || after["430181117"] != before["430181117"] || after["430181118"] != before["430181118"] {
		t.Fatalf("refused adds changed the logs: %v → %v", before, after)
	}

	// its staff: user add --town names the town; nothing is written to
	// the home town's log
	withStdin(t, "dongling-admin-1\n")
	if out := cli("user", "add", "--town", "430181118", "--username", "dl_admin", "--role", "admin"); !strings.Contains(out, "in town 430181118") {
		t.Fatalf("user add --town: %s", out)
	}
	if after := sizes(); after["430181117"] != before["430181117"] || after["430181118"] != before["430181118"]+1 {
		t.Fatalf("user add --town 430181118: %v → %v (want one entry, in the new town's log)", before, after)
	}
	// a mistyped --town is refused, not made a new town
	mid := sizes()
	withStdin(t, "typo-admin-1\n")
	if code, text := runCmd(t, "user", "add", "--data", data, "--town", "430181181", "--username", "typo_admin", "--role", "admin"); code == 0 {
		t.Errorf("user add --town with an unknown town accepted:\n%s", text)
	}
	for _, verb := range []string{"disable", "unlock"} {
		if code, text := runCmd(t, "user", verb, "--data", data, "--town", "430181181", "--username", "dl_admin"); code == 0 {
			t.Errorf("user %s --town with an unknown town accepted:\n%s", verb, text)
		}
	}
	if after := sizes(); len(after) != 2 || after["430181117"] != mid["430181117"] || after["430181118"] != mid["430181118"] {
		t.Fatalf("user commands for an unknown town changed the logs: %v → %v", mid, after)
	}
	withStore(func(store *gormstore.Store, svc *ledger.Service) {
		a := &ledger.Auth{Accounts: store, L: svc.L, Now: time.Now, Cost: bcrypt.MinCost}
		_, _, u, err := a.Login(ctx, "dl_admin", "dongling-admin-1")
		if err != nil || u.Town != "430181118" || u.Role != ledger.RoleAdmin {
			t.Fatalf("the new town's admin logs in: %+v %v", u, err)
		}
	})

	// a log made without its town (a run stopped between the two steps)
	// is finished by town add
	func() {
		cfg, _, err := loadConfig("test", []string{"--data", data}, nil)
		if err != nil {
			t.Fatal(err)
		}
		a, err := openApp(ctx, cfg, false)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		if _, err := a.ledger.EnsureLog(ctx, "430181120", cfg.Origin("430181120")); err != nil {
			t.Fatal(err)
		}
	}()
	if list := cli("town", "list"); !strings.Contains(list, "(not registered)") {
		t.Fatalf("town list of a log without its town:\n%s", list)
	}
	cli("town", "add", "--code", "430181120", "--name", "北盛镇", "--short-name", "北盛")
	if list := cli("town", "list"); !strings.Contains(list, "北盛镇") || strings.Contains(list, "(not registered)") {
		t.Fatalf("town list after finishing 430181120:\n%s", list)
	}

	// verify --deep (the entries under "system" are no alarm), and with the
	// verifier key alone: the one key signs every town's log
	start = time.Now()
	code, text := runCmd(t, "verify", "--data", data, "--deep")
	t.Logf("verify --deep of three logs: %s", time.Since(start).Round(time.Millisecond))
	if code != 0 || strings.Contains(text, "actor_not_allowed") || !strings.Contains(text, "OK   ledger.example.cn/log/430181118") ||
		!strings.Contains(text, "OK   ledger.example.cn/log/430181120") {
		t.Fatalf("verify --deep: %d\n%s", code, text)
	}
	code, text = runCmd(t, "verify", "--data", data, "--public-key", filepath.Join(data, "keys", "signing.pub"))
	if code != 0 || strings.Count(text, "OK   ") != 3 {
		t.Fatalf("verify --public-key: %d\n%s", code, text)
	}
}
