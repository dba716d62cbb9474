package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"

	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore"
	"golang.org/x/crypto/bcrypt"
)

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func runCmd(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	code := run(context.Background(), args, &out)
	return code, out.String()
}

// TestServeVerifyTamper walks the first-run path: serve on an empty data
// folder (keys generated, schema migrated, town log created), answer health
// and readiness, then verify passes; after an insider edit verify fails and
// names the seq.
func TestServeVerifyTamper(t *testing.T) {
	for _, k := range []string{"SUNSHINE_DB", "SUNSHINE_SIGNING_KEY_FILE", "SUNSHINE_MASTER_KEY_FILE", "SUNSHINE_MIGRATE", "SUNSHINE_TOWN"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	data := filepath.Join(t.TempDir(), "data")
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var out bytes.Buffer
	go func() {
		done <- run(ctx, []string{"serve", "--data", data, "--addr", addr, "--public-url", "https://ledger.example.cn"}, &out)
	}()
	var resp *http.Response
	var err error
	for i := 0; i < 100; i++ {
		resp, err = http.Get("http://" + addr + "/readyz")
		if err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("serve did not come up: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("readyz %d", resp.StatusCode)
	}
	resp, err = http.Get("http://" + addr + "/api/public/key")
	if err != nil {
		t.Fatal(err)
	}
	var key bytes.Buffer
	key.ReadFrom(resp.Body)
	resp.Body.Close()
	if !strings.HasPrefix(key.String(), "ledger.example.cn/log/430181117+") {
		t.Fatalf("verifier key %q: the origin must be <host of SUNSHINE_PUBLIC_URL>/log/<town>", key.String())
	}
	if code, _ := runCmd(t, "healthcheck", "--addr", addr); code != 0 {
		t.Fatalf("healthcheck exit %d", code)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exit %d: %s", code, out.String())
	}
	for _, f := range []string{"sunshine.db", "keys/signing.key", "keys/signing.pub", "keys/master.key"} {
		if _, err := os.Stat(filepath.Join(data, f)); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}

	// Write some entries with the generated key, as serve would.
	store, err := gormstore.Open(filepath.Join(data, "sunshine.db"))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join(data, "keys", "signing.key"))
	sk, err := ledger.ParseSigningKey(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	l := ledger.New(ledger.Options{Store: store, Key: sk})
	lg, err := store.LogByTown(context.Background(), "430181117")
	if err != nil {
		t.Fatal(err)
	}
	mk, _ := os.ReadFile(filepath.Join(data, "keys", "master.key"))
	master, _ := base64.StdEncoding.DecodeString(strings.TrimSpace(string(mk)))
	vault, err := ledger.NewVault(master, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	svc := &ledger.Service{L: l, Vault: vault}
	// serve registered the town on its first start; record some funds.
	before, _ := store.Size(context.Background(), lg.ID)
	for i := 0; i < 12; i++ {
		if _, err := svc.RecordFund(context.Background(), lg, "u1", ledger.FundRow{DocNo: fmt.Sprintf("浏财农〔2026〕%d号", i+1), Name: "衔接资金",
			SourceLevel: "县级", Purpose: "产业", Amount: ledger.Fen(100000 * (i + 1)), ArrivedOn: ledger.Date{Year: 2026, Month: 3, Day: 1}}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.AddVillage(context.Background(), lg, "u1", ledger.Village{Code: "430181117201", Name: "田坪村"}, nil); err != nil {
		t.Fatal(err)
	}
	idNumber := ledger.MakeIDNumber("439901", time.Date(1970, 5, 6, 0, 0, 0, 0, time.UTC), 12)
	people, err := svc.RegisterPersons(context.Background(), lg, "u1", []ledger.PersonRow{{Village: "田坪村", Group: "一组",
		HeadIDNumber: idNumber, IDNumber: idNumber, Name: "张三", Relation: "户主", HouseholdKind: ledger.KindLifted}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	total := before + 12 + 1 + 3 // the village, the household, the person and the group added
	if _, err := l.SignCheckpoint(context.Background(), lg); err != nil {
		t.Fatal(err)
	}
	l.Close()

	code, text := runCmd(t, "verify", "--data", data)
	if code != 0 || !strings.Contains(text, fmt.Sprintf("OK   ledger.example.cn/log/430181117: size %d verified, ", total)) {
		t.Fatalf("verify: exit %d\n%q", code, text)
	}
	// An outsider with only the public key gets the same answer.
	code, text = runCmd(t, "verify", "--data", data, "--public-key", filepath.Join(data, "keys", "signing.pub"), "--deep")
	if code != 0 {
		t.Fatalf("verify --public-key: exit %d\n%s", code, text)
	}
	// run-job: the same run as the schedule's, recorded.
	if code, text := runCmd(t, "run-job", "--data", data, "checkpoint"); code != 0 || !strings.Contains(text, `"outcome": "success"`) {
		t.Fatalf("run-job checkpoint: %d %s", code, text)
	}
	if code, _ := runCmd(t, "run-job", "--data", data, "nope"); code == 0 {
		t.Fatal("run-job of an unknown job succeeded")
	}
	if code, text := runCmd(t, "rebuild", "--data", data); code != 0 || !strings.Contains(text, fmt.Sprintf("%d entries replayed", total)) {
		t.Fatalf("rebuild: exit %d\n%s", code, text)
	}

	// Erasure: the person can no longer be found; the log still verifies.
	code, text = runCmd(t, "erase-person", "--data", data, fmt.Sprint(people[0].ID))
	if code != 0 {
		t.Fatalf("erase-person: exit %d %s", code, text)
	}
	if code, text := runCmd(t, "verify", "--data", data); code != 0 {
		t.Fatalf("verify after erasure: %s", text)
	}
	store2, _ := gormstore.Open(filepath.Join(data, "sunshine.db"))
	svc.L = ledger.New(ledger.Options{Store: store2, Key: sk})
	if _, err := svc.FindPersonByID(context.Background(), lg, idNumber); !ledger.IsNotFound(err) {
		t.Fatalf("erased person still found: %v", err)
	}
	svc.L.Close()
	store2.Close()

	// An insider edits the amount of a fund with the triggers dropped; and
	// the fund's balance, so that the projections agree with the edit.
	db := store.DB()
	victim := before + 4
	for _, q := range []string{"DROP TRIGGER entries_no_update",
		fmt.Sprintf(`UPDATE entries SET body = REPLACE(body, '"amount":500000', '"amount":5000000') WHERE seq = %d`, victim)} {
		if err := db.Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
	store.Close()
	code, text = runCmd(t, "verify", "--data", data)
	if code != 1 || !strings.Contains(text, fmt.Sprintf("first bad seq %d", victim)) {
		t.Fatalf("verify after tampering: exit %d\n%s", code, text)
	}
	// The nightly job fails the same way, naming the seq.
	if code, text := runCmd(t, "run-job", "--data", data, "verify"); code != 1 || !strings.Contains(text, fmt.Sprintf("first bad seq %d", victim)) {
		t.Fatalf("run-job verify after tampering: %d %s", code, text)
	}
}

func TestConfigRefusesBadSettings(t *testing.T) {
	cases := [][]string{
		{"--town", "abc"},
		{"--public-url", "ftp://x"},
		{"--public-url", "no-host"},
		{"--tz", "Mars/Olympus"},
		{"--migrate", "sometimes"},
		{"--approval-threshold", "5,000"},
		{"--tender-threshold", "10万"},
		{"--tender-threshold", "0"},
		{"--demo", "--dev-clock", "yesterday"},
		{"--sqlite-sync", "off"}, // only scratch replays run without syncing
		{"--sqlite-sync", "sometimes"},
	}
	for _, c := range cases {
		code, _ := runCmd(t, append([]string{"migrate", "--data", t.TempDir()}, c...)...)
		if code == 0 {
			t.Errorf("%v accepted", c)
		}
	}
	c, _, err := loadConfig("x", []string{"--db", "mysql://u:p@tcp(h:3306)/d"}, nil)
	if err != nil || c.Migrate != "check" {
		t.Fatalf("MySQL default migrate mode: %v %v", c, err)
	}
	c, _, err = loadConfig("x", []string{"--public-url", "https://gs.example.cn:8443/x"}, nil)
	if err != nil || c.Origin("430181117") != "gs.example.cn:8443/log/430181117" || c.Migrate != "auto" {
		t.Fatalf("origin %q %v", c.Origin("430181117"), err)
	}
	// Durable by default: every acknowledged write survives a power failure
	// unless the operator asks for NORMAL by name.
	if o := c.storeOptions(); o.SQLiteSync != "full" {
		t.Fatalf("default SQLite sync %q, want full", o.SQLiteSync)
	}
	c, _, err = loadConfig("x", []string{"--sqlite-sync", "NORMAL"}, nil)
	if err != nil || c.storeOptions().SQLiteSync != "normal" {
		t.Fatalf("--sqlite-sync NORMAL: %v %v", c, err)
	}
}

func TestUsage(t *testing.T) {
	if code, _ := runCmd(t); code != 2 {
		t.Fatal("no command should exit 2")
	}
	if code, _ := runCmd(t, "frobnicate"); code != 2 {
		t.Fatal("unknown command should exit 2")
	}
	code, text := runCmd(t, "help")
	if code != 0 || !strings.Contains(text, "verify") {
		t.Fatal(text)
	}
	dir := t.TempDir()
	if code, text := runCmd(t, "keygen", "--out", dir); code != 0 || !strings.Contains(text, "signing.key") {
		t.Fatal(code, text)
	}
	if code, _ := runCmd(t, "keygen", "--out", dir); code == 0 {
		t.Fatal("keygen overwrote existing keys")
	}
}

func TestUserAdd(t *testing.T) {
	data := t.TempDir()
	withStdin := func(s string) { withStdin(t, s) }
	withStdin("finance-pass-1\n")
	code, text := runCmd(t, "user", "add", "--data", data, "--username", "fin1", "--role", "finance")
	if code != 0 || !strings.Contains(text, "created user fin1") {
		t.Fatalf("user add: %d %s", code, text)
	}
	withStdin("finance-pass-1\n")
	if code, _ := runCmd(t, "user", "add", "--data", data, "--username", "fin1", "--role", "finance"); code == 0 {
		t.Fatal("a second fin1 was created")
	}
	withStdin("monitor-pass-1\n")
	if code, _ := runCmd(t, "user", "add", "--data", data, "--username", "mon1", "--role", "monitor", "--villages", "999"); code == 0 {
		t.Fatal("a monitor of an unknown village was created")
	}
	withStdin("short\n")
	if code, _ := runCmd(t, "user", "add", "--data", data, "--username", "fin2", "--role", "finance"); code == 0 {
		t.Fatal("a short password was accepted")
	}
	store, err := gormstore.Open(filepath.Join(data, "sunshine.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	l := ledger.New(ledger.Options{Store: store})
	defer l.Close()
	a := &ledger.Auth{Accounts: store, L: l, Now: time.Now, Cost: bcrypt.MinCost}
	if _, _, u, err := a.Login(context.Background(), "fin1", "finance-pass-1"); err != nil || u.Role != "finance" {
		t.Fatalf("login as the new user: %v", err)
	}
}

// withStdin makes s the command's standard input until the test ends.
func withStdin(t *testing.T, s string) {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "stdin")
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(s)
	f.Seek(0, 0)
	old := os.Stdin
	os.Stdin = f
	t.Cleanup(func() { os.Stdin = old; f.Close() })
}
