package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/demo"
	"github.com/sunshine-ledger/sunshine/ledger"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
	"github.com/sunshine-ledger/sunshine/witness"
)

// demoTownsRoot is 镇头镇's root, loaded small (180 + 30 households, seed 7)
// with pinDemoKeys' keys, by `sunshine demo` before --demo-towns existed
// (commit 538e13f): the further towns leave the first one byte for byte.
const demoTownsRoot = "LJ902x38Yjg9BhunlkpFxeta0CYAd17ogqLCYqOqzqE="

// pinDemoKeys writes fixed keys into a data folder: the test signing and
// master keys and the demo witnesses' keys from fixed seeds, so that a
// demo's roots are the same on every run.
func pinDemoKeys(t *testing.T, data string) {
	t.Helper()
	if err := writeKeyFiles(filepath.Join(data, "keys"), "signing.key", lt.TestSigningKey, "", ""); err != nil {
		t.Fatal(err)
	}
	if err := writeKeyFiles(filepath.Join(data, "keys"), "master.key", base64.StdEncoding.EncodeToString(lt.TestMasterKey), "", ""); err != nil {
		t.Fatal(err)
	}
	for _, d := range demoWitnesses {
		skey, vkey, err := witness.GenerateKey(lt.NewSeededRand("witness "+d.file), d.name)
		if err != nil {
			t.Fatal(err)
		}
		if err := writeKeyFiles(filepath.Join(data, "witness"), d.file+".key", skey, d.file+".pub", vkey); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDemoTownsSetting: --demo-towns and SUNSHINE_DEMO_TOWNS take 1 to 20
// (default 1) and refuse anything else, naming the setting.
func TestDemoTownsSetting(t *testing.T) {
	t.Setenv("SUNSHINE_DEMO_TOWNS", "")
	os.Unsetenv("SUNSHINE_DEMO_TOWNS")
	c, _, err := loadConfig("demo", nil, nil)
	if err != nil || c.DemoTowns != 1 {
		t.Fatalf("default: %v %v", c, err)
	}
	for _, v := range []string{"1", "2", "20"} {
		if c, _, err := loadConfig("demo", []string{"--demo-towns", v}, nil); err != nil || c.DemoTowns != must(t, v) {
			t.Errorf("--demo-towns %s: %v", v, err)
		}
	}
	for _, v := range []string{"0", "21", "x", "-1", "2.5", ""} {
		_, _, err := loadConfig("demo", []string{"--demo-towns", v}, nil)
		if err == nil || !strings.Contains(err.Error(), "SUNSHINE_DEMO_TOWNS (--demo-towns) must be a whole number from 1 to 20, not \""+v+"\"") {
			t.Errorf("--demo-towns %q: %v", v, err)
		}
	}
	t.Setenv("SUNSHINE_DEMO_TOWNS", "x")
	if _, _, err := loadConfig("demo", nil, nil); err == nil || !strings.Contains(err.Error(), "SUNSHINE_DEMO_TOWNS") {
		t.Errorf("SUNSHINE_DEMO_TOWNS=x: %v", err)
	}
	t.Setenv("SUNSHINE_DEMO_TOWNS", "3")
	if c, _, err := loadConfig("demo", nil, nil); err != nil || c.DemoTowns != 3 {
		t.Errorf("SUNSHINE_DEMO_TOWNS=3: %v", err)
	}
	if code, _ := runCmd(t, "demo", "--data", t.TempDir(), "--demo-towns", "21"); code == 0 {
		t.Error("sunshine demo --demo-towns 21 ran")
	}
	// The further towns' codes: 4399011xx, nine digits as 镇头镇's, under
	// an area code GB/T 2260 does not assign; their villages under them.
	seen := map[string]bool{}
	for i := 2; i <= demo.MaxTowns; i++ {
		o := demo.Further(i, demo.Options{Seed: 2026})
		if !regexp.MustCompile(`^4399011\d\d$`).MatchString(o.Code) || len(o.Code) != len(demo.TownCode) || !strings.HasSuffix(o.Name, "镇（演示）") ||
			seen[o.Code] || seen[o.Name] || len(o.Villages) != 11 || o.UserSuffix == "" {
			t.Errorf("town %d: %+v", i, o)
		}
		seen[o.Code], seen[o.Name] = true, true
		for _, v := range o.Villages {
			if !strings.HasPrefix(v.Code, o.Code) || len(v.Code) != 12 {
				t.Errorf("town %d village %+v", i, v)
			}
		}
	}
	if o := demo.Further(2, demo.Options{}); o.Code != "439901101" || o.Name != "东岭镇（演示）" {
		t.Errorf("town 2: %s %s", o.Code, o.Name)
	}
}

func must(t *testing.T, v string) int {
	t.Helper()
	var n int
	if err := json.Unmarshal([]byte(v), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDemoTowns runs `sunshine demo --demo-towns 2` (small towns, pinned
// keys): 镇头镇's root is what it was with one town; two logs, both towns
// registered with their names; the output names both towns, the B7 plant
// and the logins; the county login's summary lists both towns; the
// planted person has the same ID blind index in both towns and is paid the
// same item for the same period by each, and by the same account, which
// the cross-town index (rule B7's) finds and nothing else; the scan's
// B7 flags it once in each town.
func TestDemoTowns(t *testing.T) {
	for _, k := range []string{"SUNSHINE_DB", "SUNSHINE_SIGNING_KEY_FILE", "SUNSHINE_MASTER_KEY_FILE", "SUNSHINE_MIGRATE", "SUNSHINE_TOWN",
		"SUNSHINE_DEMO_TOWNS", "SUNSHINE_DEMO_SEED", "SUNSHINE_DEV_CLOCK", "SUNSHINE_WITNESSES", "SUNSHINE_PUBLIC_URL"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	demoSize = demo.Options{PoorHouseholds: 180, OtherHouseholds: 30}
	t.Cleanup(func() { demoSize = demo.Options{} })
	data := t.TempDir()
	pinDemoKeys(t, data)
	ctx := context.Background()
	var out bytes.Buffer
	start := time.Now()
	if err := cmdDemo(ctx, []string{"--data", data, "--demo-towns", "2", "--demo-seed", "7"}, &out); err != nil {
		t.Fatal(err)
	}
	t.Logf("two small demo towns loaded in %s:\n%s", time.Since(start).Round(time.Millisecond), out.String())
	text := out.String()
	for _, want := range []string{"demo town 镇头镇 (430181117): ", "root " + demoTownsRoot + "\n", "demo town 东岭镇（演示） (439901101): ",
		"  B7  镇头镇一名公益岗位人员领取了 2026 年 11 月工资，东岭镇（演示）又", "logins of 东岭镇（演示）: caiwu2 (finance)", "jiandu2-01…jiandu2-37", "county office (all towns, read-only): xian"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q", want)
		}
	}

	srv := startE2EServer(t, []string{"--data", data})
	defer srv.Close()
	a := srv.a
	logs, err := a.store.Logs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for _, lg := range logs {
		tw, err := a.service.Town(ctx, lg)
		if err != nil {
			t.Fatal(err)
		}
		names[lg.Town] = tw.Name
	}
	if len(logs) != 2 || names["430181117"] != "镇头镇" || names["439901101"] != "东岭镇（演示）" {
		t.Fatalf("logs %v", names)
	}

	// The county login reads both towns' summary; the second town's clerk logs in.
	token := loginE2E(t, srv, demo.CountyUser)
	var sum struct {
		Items []struct{ Town, Name string } `json:"items"`
	}
	if err := json.Unmarshal(srv.mustGetAuth(t, "/api/v1/county/summary", token), &sum); err != nil {
		t.Fatal(err)
	}
	if len(sum.Items) != 2 || sum.Items[0].Name != "镇头镇" || sum.Items[1].Town != "439901101" || sum.Items[1].Name != "东岭镇（演示）" {
		t.Fatalf("county summary %+v", sum.Items)
	}
	loginE2E(t, srv, "caiwu2")

	// The planted B7: the cross-town index finds exactly one payment a town,
	// by ID number and by account.
	ct, err := a.service.CrossTownIndex(ctx, logs)
	if err != nil {
		t.Fatal(err)
	}
	type paid struct {
		p     ledger.Payment
		index string // the payee's ID blind index
	}
	var twins []paid
	for _, lg := range logs {
		pays, err := a.service.Payments(ctx, lg, ledger.PaymentFilter{})
		if err != nil {
			t.Fatal(err)
		}
		idx := map[int64]string{}
		if err := a.store.Books(ctx, lg.ID).BlindIndexes(func(kind, hash string, person int64) error {
			if kind == ledger.IndexID {
				idx[person] = hash
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		matched := 0
		for _, p := range pays {
			hits := ct.Hits(lg.Town, p.Seq)
			if len(hits) == 0 {
				continue
			}
			matched++
			var kinds []string
			for _, h := range hits {
				kinds = append(kinds, h.Kind)
			}
			slices.Sort(kinds)
			if !slices.Equal(kinds, []string{ledger.IndexAccount, ledger.IndexID}) || p.Payee.Kind != ledger.PayeePerson {
				t.Errorf("%s: payment %d hits %v", lg.Town, p.Seq, kinds)
			}
			twins = append(twins, paid{p, idx[p.Payee.ID]})
		}
		if matched != 1 || ct.Matched(lg.Town) != 1 {
			t.Errorf("%s: %d payments matched across towns (index: %d), want the planted one", lg.Town, matched, ct.Matched(lg.Town))
		}
	}
	if len(twins) != 2 {
		t.Fatalf("planted B7: %+v", twins)
	}
	x, y := twins[0], twins[1]
	if x.index == "" || x.index != y.index || x.p.Item != y.p.Item || !strings.HasPrefix(x.p.Item, "GY") || x.p.Period != y.p.Period ||
		x.p.Period.String() != "2026-11" || x.p.AccountIndex == "" || x.p.AccountIndex != y.p.AccountIndex || x.p.Status != ledger.StatusEffective || y.p.Status != ledger.StatusEffective {
		t.Errorf("planted B7:\n%+v\n%+v", x, y)
	}
	// The scan's rule B7 flags it in each town, and nothing else.
	if code, text := runCmd(t, "run-job", "--data", data, "scan"); code != 0 {
		t.Fatalf("run-job scan: %d %s", code, text)
	}
	for _, lg := range logs {
		fs, err := a.service.Flags(ctx, lg, ledger.FlagFilter{Rule: "B7"}, nil)
		if err != nil || len(fs) != 1 {
			t.Errorf("%s: B7 flags %+v %v", lg.Town, fs, err)
		}
	}
}

// mustGetAuth returns the body of GET path as the token's user.
func (s *e2eServer) mustGetAuth(t *testing.T, path, token string) []byte {
	t.Helper()
	code, b := s.get(t, path, token)
	if code != 200 {
		t.Fatalf("GET %s: %d %.300s", path, code, b)
	}
	return b
}
