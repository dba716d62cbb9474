package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"mime/multipart"
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
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// TestCrashChild is the child process of TestCrashRecovery: it runs
// `serve` with the arguments in SUNSHINE_CRASH_ARGS and never returns (the
// parent ends it with SIGKILL). Without SUNSHINE_CRASH_CHILD=1 it skips.
func TestCrashChild(t *testing.T) {
	if os.Getenv("SUNSHINE_CRASH_CHILD") != "1" {
		t.Skip("the child process of TestCrashRecovery")
	}
	var args []string
	if err := json.Unmarshal([]byte(os.Getenv("SUNSHINE_CRASH_ARGS")), &args); err != nil {
		fmt.Fprintln(os.Stderr, "SUNSHINE_CRASH_ARGS:", err)
		os.Exit(2)
	}
	os.Exit(run(context.Background(), args, os.Stdout))
}

// crashRounds is how many times TestCrashRecovery kills the service.
const crashRounds = 20

// crashImportRows is the size of the sheet imported in every round.
const crashImportRows = 200

// TestCrashRecovery is the crash-safety test of issue 9 seen from a client:
// everything goes through the HTTP API of `serve` running as a child
// process (SQLite in a temp data folder; MariaDB when
// SUNSHINE_TEST_MYSQL_DSN is set), from the town's set-up (bootstrap admin,
// a finance user, a village, people, a fund, a project taken to 实施 and its
// allocation) to the checks. 20 times: 6 clients post payments, each with
// its own Idempotency-Key and voucher, while a 200-row sheet is imported;
// the child gets SIGKILL 10–400 ms after the writes start. After every
// restart, on the same database and with the session opened before the
// first kill:
//   - every payment acknowledged (2xx) in any round is listed exactly once;
//   - an unacknowledged payment is listed at most once, and its retry with
//     the same key answers 2xx and leaves exactly one (the same id when it
//     had landed);
//   - replaying acknowledged keys after the restart returns the same id;
//   - the round's import is listed with all its rows or none; its retry
//     with the same key leaves all of them, once;
//   - the fund's and the project's paid (GET /api/v1/funds/{id}) equal the
//     sum of the listed payments.
//
// At the end `sunshine verify --deep` passes and `sunshine rebuild` finds
// the live projections equal to a replay of the log.
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts a service 20 times")
	}
	for _, dialect := range gormstoretest.Dialects() {
		t.Run(dialect, func(t *testing.T) { testCrashRecovery(t, dialect) })
	}
}

type crashChild struct {
	t      *testing.T
	args   []string
	base   string
	cmd    *exec.Cmd
	out    *bytes.Buffer
	client *http.Client
	tokens map[string]string
}

func (c *crashChild) start() {
	c.t.Helper()
	raw, _ := json.Marshal(c.args)
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "SUNSHINE_CRASH_CHILD=1", "SUNSHINE_CRASH_ARGS="+string(raw))
	c.out = &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = c.out, c.out
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	c.cmd = cmd
	// A new pool per life of the child: no connection outlives a kill.
	c.client = &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	for range 600 {
		if res, err := c.client.Get(c.base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	c.t.Fatalf("serve did not come up:\n%s", c.out.String())
}

func (c *crashChild) kill() {
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
	_ = c.cmd.Wait()
	c.client.CloseIdleConnections()
}

// do sends a request as the caller; err is set when no answer arrived.
func (c *crashChild) do(method, path, caller, ctype string, body []byte, key string) (int, []byte, error) {
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if tok := c.tokens[caller]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	res, err := c.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

// must sends a JSON request that has to succeed and decodes the answer.
func (c *crashChild) must(method, path, caller string, body, out any) {
	c.t.Helper()
	var raw []byte
	ctype := ""
	if body != nil {
		raw, _ = json.Marshal(body)
		ctype = "application/json"
	}
	st, b, err := c.do(method, path, caller, ctype, raw, "")
	if err != nil || st/100 != 2 {
		c.t.Fatalf("%s %s: %d %v %s", method, path, st, err, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: %v %s", method, path, err, b)
		}
	}
}

func (c *crashChild) login(caller, user, pw string) {
	c.t.Helper()
	var v struct {
		Token string `json:"token"`
	}
	c.must("POST", "/api/v1/auth/login", "", map[string]string{"username": user, "password": pw}, &v)
	if v.Token == "" {
		c.t.Fatalf("login %s: no token", user)
	}
	c.tokens[caller] = v.Token
}

type crashPayment struct {
	ID        int64  `json:"id"`
	Status    string `json:"status"`
	VoucherNo string `json:"voucher_no"`
	Amount    string `json:"amount"`
}

// payments lists every payment of the town through the API.
func (c *crashChild) payments() []crashPayment {
	c.t.Helper()
	var all []crashPayment
	cursor := ""
	for {
		var page struct {
			Items      []crashPayment `json:"items"`
			NextCursor string         `json:"next_cursor"`
		}
		c.must("GET", "/api/v1/payments?limit=500&cursor="+cursor, "finance", nil, &page)
		all = append(all, page.Items...)
		if page.NextCursor == "" {
			return all
		}
		cursor = page.NextCursor
	}
}

func yuanOf(t *testing.T, s string) ledger.Fen {
	t.Helper()
	f, err := ledger.ParseYuan(s)
	if err != nil {
		t.Fatalf("amount %q: %v", s, err)
	}
	return f
}

func testCrashRecovery(t *testing.T, dialect string) {
	for _, v := range []string{"SUNSHINE_DB", "SUNSHINE_SIGNING_KEY_FILE", "SUNSHINE_MASTER_KEY_FILE", "SUNSHINE_MIGRATE", "SUNSHINE_TOWN",
		"SUNSHINE_DEMO", "SUNSHINE_ADMIN_PASSWORD", "SUNSHINE_DEV_CLOCK", "SUNSHINE_CRASH_CHILD", "SUNSHINE_CRASH_ARGS"} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
	began := time.Now()
	const pw = "Crash-safety-2026"
	data := filepath.Join(t.TempDir(), "data")
	addr := freeAddr(t)
	args := []string{"serve", "--data", data, "--addr", addr, "--public-url", "http://ledger.test", "--admin-password", pw}
	cmdArgs := []string{"--data", data}
	if dialect == "mysql" {
		dsn := gormstoretest.NewDSN(t, "mysql") // a fresh empty database, dropped at the end
		args = append(args, "--db", dsn, "--migrate", "auto")
		cmdArgs = append(cmdArgs, "--db", dsn)
	}
	c := &crashChild{t: t, args: args, base: "http://" + addr, tokens: map[string]string{}}
	c.start()
	t.Cleanup(func() {
		if c.cmd != nil && c.cmd.ProcessState == nil {
			c.kill()
		}
	})

	// The town, through the API: the bootstrap admin makes a finance user
	// and the village; finance registers people, the fund, the project and
	// its allocation.
	c.login("admin", "admin", pw)
	c.must("POST", "/api/v1/users", "admin", map[string]any{"username": "caiwu", "password": pw, "role": ledger.RoleFinance}, nil)
	c.must("POST", "/api/v1/villages", "admin", map[string]any{"code": "430181117201", "name": "田坪村", "groups": []string{"一组"}}, nil)
	c.login("finance", "caiwu", pw)
	var ids []string
	for i := range 6 {
		id := lt.ID(i+1, 1970+i)
		ids = append(ids, id)
		c.must("POST", "/api/v1/persons", "finance", map[string]any{"village": "430181117201", "group": "一组", "name": "王小明", "id_number": id,
			"relation": "户主", "household_kind": ledger.KindLifted}, nil)
	}
	var fund struct {
		ID int64 `json:"id"`
	}
	c.must("POST", "/api/v1/funds", "finance", map[string]any{"doc_no": "F-CRASH", "name": "衔接资金", "source_level": "县级", "fund_nature": "专项扶贫资金",
		"function_code": "2130599", "purpose": "就业", "year": 2026, "amount": "10000000.00", "arrived_on": "2026-01-05"}, &fund)
	c.must("POST", "/api/v1/projects", "finance", map[string]any{"project_code": "P-CRASH", "name": "公益岗位", "category": "就业", "nature": "新建",
		"village": "田坪村", "location": "田坪村全村", "task": "公益岗位", "budget": "10000000.00",
		"budget_by_source": []map[string]string{{"source_level": "县级", "amount": "10000000.00"}},
		"responsible_unit": "镇头镇人民政府", "responsible_person": "李四", "implementer": "镇头镇人民政府",
		"targets": "带动脱贫户增收", "mechanism": "吸纳脱贫户务工"}, nil)
	for _, to := range []string{ledger.ProjReviewed, ledger.ProjPublicized, ledger.ProjLibrary, ledger.ProjPlanned, ledger.ProjInProgress} {
		body := map[string]any{"to": to, "note": "按程序推进"}
		if to == ledger.ProjInProgress {
			body["approval_doc_no"], body["approved_on"] = "浏乡振发〔2026〕1号", "2026-01-06"
		}
		c.must("POST", "/api/v1/projects/P-CRASH/transitions", "finance", body, nil)
	}
	c.must("POST", "/api/v1/allocations", "finance", map[string]any{"doc_no": "F-CRASH", "project_code": "P-CRASH", "amount": "10000000.00",
		"allocated_on": "2026-01-07", "allocation_doc_no": "镇拨〔2026〕1号"}, nil)
	setup := time.Since(began)

	paymentBody := func(voucher string, i int) []byte {
		b, _ := json.Marshal(map[string]any{"voucher_no": voucher, "project_code": "P-CRASH", "doc_no": "F-CRASH", "payment_kind": "补助",
			"payee_id_number": ids[i%len(ids)], "amount": "1.00", "paid_on": "2026-03-10"})
		return b
	}
	upload := func(prefix string) ([]byte, string) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", "发放明细.csv")
		fw.Write([]byte("凭证号,项目编号,指标文号,补贴项目代码,付款类型,收款人身份证号,收款单位,统一社会信用代码,收款账号,账户户名身份证号,数量,金额(元),所属期间,支付日期,发票号,合同号,贷款合同号\n"))
		for i := range crashImportRows {
			fmt.Fprintf(fw, "%s-%03d,P-CRASH,F-CRASH,,补助,%s,,,,,,2.00,,2026-03-01,,,\n", prefix, i, ids[i%len(ids)])
		}
		mw.Close()
		return buf.Bytes(), mw.FormDataContentType()
	}

	type sent struct {
		key, voucher string
		i            int
		acked        bool
		id           int64 // the id of the 2xx answer
	}
	type sheet struct {
		prefix string
		acked  bool
	}
	var (
		payments []*sent // every payment request ever sent
		imports  []*sheet
		pending  []*sent // this round's unacknowledged payments
		lastImp  *sheet
	)
	stats := struct{ acked, landedUnacked, retried, replayed, impCutWhole, impCutNone int }{}
	seed := uint64(time.Now().UnixNano())
	t.Logf("%s: kill times from seed %d", dialect, seed)
	rng := mrand.New(mrand.NewPCG(seed, 9))

	// check runs after a restart: it lists the books over HTTP and holds
	// them against what the clients were told.
	check := func(round int) {
		t.Helper()
		ps := c.payments()
		count := map[string]int{}
		byVoucher := map[string]crashPayment{}
		var listed ledger.Fen
		for _, p := range ps {
			count[p.VoucherNo]++
			byVoucher[p.VoucherNo] = p
			if p.Status != ledger.StatusEffective {
				t.Errorf("round %d: payment %s is %s", round, p.VoucherNo, p.Status)
			}
			listed += yuanOf(t, p.Amount)
		}
		for _, s := range payments {
			if s.acked && count[s.voucher] != 1 {
				t.Errorf("round %d: acknowledged payment %s (key %s) listed %d times", round, s.voucher, s.key, count[s.voucher])
			}
			if s.acked && count[s.voucher] == 1 && byVoucher[s.voucher].ID != s.id {
				t.Errorf("round %d: payment %s acknowledged as id %d, listed as %d", round, s.voucher, s.id, byVoucher[s.voucher].ID)
			}
		}
		for _, im := range imports {
			n := 0
			for i := range crashImportRows {
				n += count[fmt.Sprintf("%s-%03d", im.prefix, i)]
			}
			switch {
			case n == crashImportRows:
			case n == 0 && !im.acked:
			default:
				t.Errorf("round %d: import %s (acknowledged %v): %d of %d rows listed", round, im.prefix, im.acked, n, crashImportRows)
			}
		}
		// The fund's and the project's projections against the list.
		var fr struct {
			Fund struct {
				Allocated string `json:"allocated"`
				Paid      string `json:"paid"`
			} `json:"fund"`
			Projects []struct {
				Code      string `json:"project_code"`
				Allocated string `json:"allocated"`
				Paid      string `json:"paid"`
				Holding   string `json:"holding"`
			} `json:"projects"`
		}
		c.must("GET", fmt.Sprintf("/api/v1/funds/%d", fund.ID), "finance", nil, &fr)
		if got := yuanOf(t, fr.Fund.Paid); got != listed {
			t.Errorf("round %d: fund paid %s, the listed payments sum to %s", round, got.Yuan(), listed.Yuan())
		}
		if len(fr.Projects) != 1 || yuanOf(t, fr.Projects[0].Paid) != listed ||
			yuanOf(t, fr.Projects[0].Allocated)-yuanOf(t, fr.Projects[0].Paid) != yuanOf(t, fr.Projects[0].Holding) {
			t.Errorf("round %d: project lines %+v, the listed payments sum to %s", round, fr.Projects, listed.Yuan())
		}

		// Retries after the restart, with the same keys.
		for _, s := range pending {
			landed := count[s.voucher]
			if landed > 1 {
				continue // reported above
			}
			st, b, err := c.do("POST", "/api/v1/payments", "finance", "application/json", paymentBody(s.voucher, s.i), s.key)
			var v struct {
				ID int64 `json:"id"`
			}
			if err != nil || st/100 != 2 || json.Unmarshal(b, &v) != nil || v.ID == 0 {
				t.Fatalf("round %d: retry of %s: %d %v %s", round, s.key, st, err, b)
			}
			if landed == 1 {
				stats.landedUnacked++
				if v.ID != byVoucher[s.voucher].ID {
					t.Errorf("round %d: retry of %s answered id %d; the payment that landed before the kill is %d", round, s.key, v.ID, byVoucher[s.voucher].ID)
				}
			}
			s.acked, s.id = true, v.ID
			stats.retried++
		}
		// Replays of acknowledged keys: the same id from the new process.
		var acked []*sent
		for _, s := range payments {
			if s.acked {
				acked = append(acked, s)
			}
		}
		for range min(3, len(acked)) {
			s := acked[rng.IntN(len(acked))]
			st, b, err := c.do("POST", "/api/v1/payments", "finance", "application/json", paymentBody(s.voucher, s.i), s.key)
			var v struct {
				ID int64 `json:"id"`
			}
			if err != nil || st/100 != 2 || json.Unmarshal(b, &v) != nil || v.ID != s.id {
				t.Errorf("round %d: replay of %s (payment %d): %d %v %s", round, s.key, s.id, st, err, b)
			}
			stats.replayed++
		}
		if lastImp != nil {
			n := 0
			for i := range crashImportRows {
				n += count[fmt.Sprintf("%s-%03d", lastImp.prefix, i)]
			}
			if !lastImp.acked {
				if n == 0 {
					stats.impCutNone++
				} else {
					stats.impCutWhole++
				}
				body, ctype := upload(lastImp.prefix)
				st, b, err := c.do("POST", "/api/v1/imports/payments", "finance", ctype, body, "imp-"+lastImp.prefix)
				if err != nil || st/100 != 2 {
					t.Fatalf("round %d: retry of import %s (%d rows listed): %d %v %s", round, lastImp.prefix, n, st, err, b)
				}
				lastImp.acked = true
			}
		}
		pending, lastImp = nil, nil
	}

	for round := range crashRounds {
		if round > 0 {
			c.start()
			check(round)
			if t.Failed() {
				t.Fatalf("after restart %d: %s", round, c.out.String())
			}
		}
		var mu sync.Mutex
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for g := range 6 {
			wg.Go(func() {
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					s := &sent{key: fmt.Sprintf("crash-%02d-%d-%d", round, g, i), voucher: fmt.Sprintf("V-%02d-%d-%03d", round, g, i), i: g + i}
					st, b, err := c.do("POST", "/api/v1/payments", "finance", "application/json", paymentBody(s.voucher, s.i), s.key)
					if err == nil && st/100 == 2 {
						var v struct {
							ID int64 `json:"id"`
						}
						if json.Unmarshal(b, &v) == nil {
							s.acked, s.id = true, v.ID
						}
					} else if err == nil {
						t.Errorf("payment %s refused: %d %s", s.key, st, b)
					}
					mu.Lock()
					payments = append(payments, s)
					if !s.acked {
						pending = append(pending, s)
					}
					mu.Unlock()
					if !s.acked {
						return // the server is gone
					}
				}
			})
		}
		im := &sheet{prefix: fmt.Sprintf("IMP-%02d", round)}
		imports = append(imports, im)
		lastImp = im
		// The sheet goes in up to 80 ms before the kill, so that the kill
		// often lands while it is being written.
		killAt := time.Duration(10+rng.IntN(391)) * time.Millisecond
		impAt := max(0, killAt-time.Duration(rng.IntN(81))*time.Millisecond)
		wg.Go(func() {
			body, ctype := upload(im.prefix)
			time.Sleep(impAt)
			st, b, err := c.do("POST", "/api/v1/imports/payments", "finance", ctype, body, "imp-"+im.prefix)
			if err == nil && st/100 != 2 {
				t.Errorf("import %s refused: %d %s", im.prefix, st, b)
			}
			mu.Lock()
			im.acked = err == nil && st/100 == 2
			mu.Unlock()
		})
		time.Sleep(killAt)
		c.kill()
		close(stop)
		wg.Wait()
	}
	c.start()
	check(crashRounds)
	// Once more after the retries: everything is acknowledged now.
	c.kill()
	c.start()
	check(crashRounds + 1)
	c.kill()
	for _, s := range payments {
		if s.acked {
			stats.acked++
		}
	}

	if code, text := runCmd(t, append([]string{"verify", "--deep"}, cmdArgs...)...); code != 0 {
		t.Fatalf("verify --deep after %d kills: %d %s", crashRounds, code, text)
	}
	if code, text := runCmd(t, append([]string{"rebuild"}, cmdArgs...)...); code != 0 || !strings.Contains(text, "projections equal the rebuild") {
		t.Fatalf("rebuild after %d kills: %d %s", crashRounds, code, text)
	}
	t.Logf("%s: %d kills in %s (set-up %s); %d payments sent, all %d acknowledged in the end (%d retried after a restart, %d of them had landed before the kill), %d replays; %d of %d imports cut by the kill (%d had landed whole, %d not at all; all retried by key)",
		dialect, crashRounds, time.Since(began).Round(time.Millisecond), setup.Round(time.Millisecond), len(payments), stats.acked,
		stats.retried, stats.landedUnacked, stats.replayed, stats.impCutWhole+stats.impCutNone, len(imports), stats.impCutWhole, stats.impCutNone)
}
