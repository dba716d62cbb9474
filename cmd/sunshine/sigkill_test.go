package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// TestSIGKILLChild is the child process of TestSIGKILLRestart: `serve`
// with the arguments in SUNSHINE_KILL_ARGS. It does nothing otherwise.
func TestSIGKILLChild(t *testing.T) {
	raw := os.Getenv("SUNSHINE_KILL_ARGS")
	if raw == "" {
		t.Skip("the child of TestSIGKILLRestart")
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		t.Fatal(err)
	}
	os.Exit(run(context.Background(), args, os.Stderr))
}

// killRounds is how many times TestSIGKILLRestart kills the service.
const killRounds = 20

// TestSIGKILLRestart kills `serve` (a child process, on SQLite and on
// MariaDB) with SIGKILL at random moments while 8 clients record payments
// through the API, each with its Idempotency-Key, and a 150-row sheet is
// being imported; 20 times. After each restart: every acknowledged payment
// is there exactly once; every unacknowledged one is there at most once and
// its retry with the same key leaves exactly one; an import is all there or
// not at all. At the end `verify --deep` passes and `rebuild` finds the
// projections (balances included) equal to a replay of the log.
func TestSIGKILLRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts a service 20 times")
	}
	for _, dialect := range gormstore.TestDialects() {
		t.Run(dialect, func(t *testing.T) { testSIGKILL(t, dialect) })
	}
}

type killEnv struct {
	t     *testing.T
	args  []string
	base  string
	cmd   *exec.Cmd
	out   *bytes.Buffer
	token string
}

func (k *killEnv) start() {
	k.t.Helper()
	raw, _ := json.Marshal(k.args)
	cmd := exec.Command(os.Args[0], "-test.run=^TestSIGKILLChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "SUNSHINE_KILL_ARGS="+string(raw))
	k.out = &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = k.out, k.out
	if err := cmd.Start(); err != nil {
		k.t.Fatal(err)
	}
	k.cmd = cmd
	for range 600 {
		if res, err := http.Get(k.base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	cmd.Process.Kill()
	k.t.Fatalf("serve did not come up: %s", k.out.String())
}

func (k *killEnv) kill() {
	k.t.Helper()
	_ = k.cmd.Process.Signal(syscall.SIGKILL)
	_ = k.cmd.Wait()
}

// post sends a JSON or CSV request; ok is whether a 2xx answer arrived.
func (k *killEnv) post(path, ctype string, body []byte, key string) (int, []byte, bool) {
	req, _ := http.NewRequest("POST", k.base+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", "Bearer "+k.token)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, false
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return res.StatusCode, nil, false
	}
	return res.StatusCode, b, res.StatusCode/100 == 2
}

func (k *killEnv) login(user, pw string) {
	k.t.Helper()
	b, _ := json.Marshal(map[string]string{"username": user, "password": pw})
	res, err := http.Post(k.base+"/api/v1/auth/login", "application/json", bytes.NewReader(b))
	if err != nil {
		k.t.Fatal(err)
	}
	defer res.Body.Close()
	var v struct {
		Token string `json:"token"`
	}
	json.NewDecoder(res.Body).Decode(&v)
	if v.Token == "" {
		k.t.Fatalf("login %s: %d", user, res.StatusCode)
	}
	k.token = v.Token
}

func testSIGKILL(t *testing.T, dialect string) {
	for _, v := range []string{"SUNSHINE_DB", "SUNSHINE_SIGNING_KEY_FILE", "SUNSHINE_MASTER_KEY_FILE", "SUNSHINE_MIGRATE", "SUNSHINE_TOWN", "SUNSHINE_DEMO"} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
	ctx := context.Background()
	data := filepath.Join(t.TempDir(), "data")
	addr := freeAddr(t)
	args := []string{"serve", "--data", data, "--addr", addr, "--public-url", "http://ledger.test"}
	dsn := filepath.Join(data, "sunshine.db")
	if dialect == "mysql" {
		dsn = gormstore.NewTestDSN(t, "mysql")
		args = append(args, "--db", dsn, "--migrate", "auto")
	}
	k := &killEnv{t: t, args: args, base: "http://" + addr}
	verifyArgs := []string{"--data", data}
	if dialect == "mysql" {
		verifyArgs = append(verifyArgs, "--db", dsn)
	}

	// First start: keys, schema, the town. Then, with serve stopped, the
	// fixture straight through the service: a finance user, ten people, a
	// fund, a project in 实施 holding all of it.
	k.start()
	k.kill()
	store, err := gormstore.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join(data, "keys", "signing.key"))
	sk, err := ledger.ParseSigningKey(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	mk, _ := os.ReadFile(filepath.Join(data, "keys", "master.key"))
	master, _ := base64.StdEncoding.DecodeString(strings.TrimSpace(string(mk)))
	vault, err := ledger.NewVault(master, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	l := ledger.New(ledger.Options{Store: store, Key: sk})
	svc := &ledger.Service{L: l, Vault: vault}
	lg, err := store.LogByTown(ctx, defaultTown)
	if err != nil {
		t.Fatal(err)
	}
	auth := &ledger.Auth{Accounts: store, L: l, Now: time.Now}
	const pw = "crash-test-password"
	if _, err := auth.CreateUser(ctx, lg, "system", ledger.NewUser{Username: "caiwu", Password: pw, Role: ledger.RoleFinance}, nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddVillage(ctx, lg, "system", ledger.Village{Code: "430181117201", Name: "田坪村", Groups: []string{"一组"}}, nil); err != nil {
		t.Fatal(err)
	}
	var ids []string
	var people []ledger.PersonRow
	for i := range 10 {
		id := lt.ID(i+1, 1970+i)
		ids = append(ids, id)
		people = append(people, ledger.PersonRow{Village: "田坪村", Group: "一组", HeadIDNumber: id, Name: "王小明", IDNumber: id,
			Relation: "户主", HouseholdKind: ledger.KindLifted})
	}
	if _, err := svc.RegisterPersons(ctx, lg, "system", people, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RecordFund(ctx, lg, "system", ledger.FundRow{DocNo: "F-KILL", Name: "衔接资金", SourceLevel: "县级", Purpose: "就业",
		Amount: lt.Y("10000000"), ArrivedOn: lt.D("2026-01-05")}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Import(ctx, lg, "system", ledger.ImportInput{Kind: "projects", Rows: 1, Projects: []ledger.ProjectRow{{Row: 2, Code: "P-KILL",
		Name: "公益岗位", Category: "就业", Targets: "t", Mechanism: "m", Status: ledger.ProjInProgress, ApprovalDocNo: "批1",
		ApprovedOn: lt.D("2026-01-06")}}}, false, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RecordAllocation(ctx, lg, "system", ledger.AllocationRow{DocNo: "F-KILL", ProjectCode: "P-KILL", Amount: lt.Y("10000000"),
		AllocatedOn: lt.D("2026-01-07")}, nil); err != nil {
		t.Fatal(err)
	}
	l.Close()
	store.Close()

	payment := func(voucher string, i int) []byte {
		b, _ := json.Marshal(map[string]any{"voucher_no": voucher, "project_code": "P-KILL", "doc_no": "F-KILL", "payment_kind": "补助",
			"payee_id_number": ids[i%len(ids)], "amount": "1.00", "paid_on": "2026-03-10"})
		return b
	}
	sheet := func(prefix string) []byte {
		var b bytes.Buffer
		b.WriteString("凭证号,项目编号,指标文号,补贴项目代码,付款类型,收款人身份证号,收款单位,统一社会信用代码,收款账号,账户户名身份证号,数量,金额(元),所属期间,支付日期,发票号,合同号,贷款合同号\n")
		for i := range 150 {
			fmt.Fprintf(&b, "%s-%03d,P-KILL,F-KILL,,补助,%s,,,,,,2.00,,2026-03-01,,,\n", prefix, i, ids[i%len(ids)])
		}
		return b.Bytes()
	}
	upload := func(prefix string) ([]byte, string) {
		var buf bytes.Buffer
		boundary := "crashtestboundary"
		fmt.Fprintf(&buf, "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"发放明细.csv\"\r\nContent-Type: text/csv\r\n\r\n", boundary)
		buf.Write(sheet(prefix))
		fmt.Fprintf(&buf, "\r\n--%s--\r\n", boundary)
		return buf.Bytes(), "multipart/form-data; boundary=" + boundary
	}

	type sent struct {
		key, voucher string
		i            int
		acked        bool
	}
	var all []sent
	var imports []struct {
		prefix string
		acked  bool
	}
	rng := mrand.New(mrand.NewPCG(1, uint64(len(dialect))))
	for round := range killRounds {
		k.start()
		k.login("caiwu", pw)
		var mu sync.Mutex
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					s := sent{key: fmt.Sprintf("k-%d-%d-%d", round, g, i), voucher: fmt.Sprintf("V-%02d-%d-%03d", round, g, i), i: g + i}
					_, _, ok := k.post("/api/v1/payments", "application/json", payment(s.voucher, s.i), s.key)
					s.acked = ok
					mu.Lock()
					all = append(all, s)
					mu.Unlock()
					if !ok {
						return // the server is gone
					}
				}
			})
		}
		prefix := fmt.Sprintf("IMP-%02d", round)
		wg.Go(func() {
			body, ctype := upload(prefix)
			_, _, ok := k.post("/api/v1/imports/payments", ctype, body, "imp-"+prefix)
			mu.Lock()
			imports = append(imports, struct {
				prefix string
				acked  bool
			}{prefix, ok})
			mu.Unlock()
		})
		time.Sleep(time.Duration(10+rng.IntN(390)) * time.Millisecond)
		k.kill()
		close(stop)
		wg.Wait()
	}

	// Restart; retry every unacknowledged request with its key.
	k.start()
	k.login("caiwu", pw)
	retried := 0
	for i, s := range all {
		if !s.acked {
			st, body, ok := k.post("/api/v1/payments", "application/json", payment(s.voucher, s.i), s.key)
			if !ok {
				t.Fatalf("retry of %s: %d %s", s.key, st, body)
			}
			all[i].acked = true
			retried++
		}
	}
	k.kill()

	// Count what the database holds.
	store, err = gormstore.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	svc.L = ledger.New(ledger.Options{Store: store, Key: sk})
	defer svc.L.Close()
	ps, err := svc.Payments(ctx, lg, ledger.PaymentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, p := range ps {
		count[p.VoucherNo]++
	}
	for _, s := range all {
		if count[s.voucher] != 1 {
			t.Errorf("payment %s (key %s): %d times", s.voucher, s.key, count[s.voucher])
		}
	}
	whole, none := 0, 0
	for _, im := range imports {
		n := 0
		for v, c := range count {
			if strings.HasPrefix(v, im.prefix+"-") {
				n += c
			}
		}
		switch {
		case n == 150:
			whole++
		case n == 0 && !im.acked:
			none++
		default:
			t.Errorf("import %s (acknowledged %v): %d of 150 rows visible", im.prefix, im.acked, n)
		}
	}
	if code, text := runCmd(t, append([]string{"verify", "--deep"}, verifyArgs...)...); code != 0 {
		t.Fatalf("verify after %d kills: %s", killRounds, text)
	}
	if code, text := runCmd(t, append([]string{"rebuild"}, verifyArgs...)...); code != 0 || !strings.Contains(text, "projections equal the rebuild") {
		t.Fatalf("rebuild after %d kills: %d %s", killRounds, code, text)
	}
	t.Logf("%s: %d kills; %d payments sent, %d answered before a kill, %d retried after; imports: %d whole, %d absent; %d payments in the books",
		dialect, killRounds, len(all), len(all)-retried, retried, whole, none, len(ps))
}
