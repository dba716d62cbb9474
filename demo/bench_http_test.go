package demo_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/api"
	"github.com/sunshine-ledger/sunshine/demo"
	"github.com/sunshine-ledger/sunshine/disclosure"
	"github.com/sunshine-ledger/sunshine/ledger"
)

var wrkPercentile = regexp.MustCompile(`(?m)^\s+(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$`)

// BenchmarkHTTPPaymentsDemo is issue 22's HTTP target on the demo town's
// data: POST /api/v1/payments by caiwu over a real TCP listener at 64
// connections (wrk -t2 -c64, each request a new 0.01 元 subsidy to the demo's
// wage earner under their project, Idempotency-Key-free), for
// SUNSHINE_BENCH_SECONDS (default 5), then the same payments in-process by 64
// goroutines for as long; it reports payments/s, p50, p99 and the ratio
// (targets: p99 < 50 ms, ratio ≥ 0.6). The town is the small demo (210
// households) unless SUNSHINE_BENCH_DEMO=full (镇头镇's 1,010). It skips
// without wrk (Debian package).
func BenchmarkHTTPPaymentsDemo(b *testing.B) {
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		b.Skip("wrk is not installed (apt-get install wrk)")
	}
	secs := 5
	if v, err := strconv.Atoi(os.Getenv("SUNSHINE_BENCH_SECONDS")); err == nil && v > 0 {
		secs = v
	}
	o := demo.Options{Seed: 2026, PoorHouseholds: 180, OtherHouseholds: 30}
	if os.Getenv("SUNSHINE_BENCH_DEMO") == "full" {
		o = demo.Options{Seed: 2026}
	}
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil))) // the access log would dominate
	defer slog.SetDefault(prev)
	tw := load(b, o)
	if tw.sum.Wage == nil {
		b.Fatal("the demo has no wage earner to pay")
	}
	w := *tw.sum.Wage
	ctx := context.Background()
	accounts := tw.svc.L.Store().(ledger.Accounts)
	auth := &ledger.Auth{Accounts: accounts, L: tw.svc.L, Now: time.Now} // the production cost: one login
	srv, err := api.New(api.Config{Town: demo.TownCode, PublicURL: "http://ledger.test"}, api.Deps{Ledger: tw.svc.L, Service: tw.svc, Auth: auth,
		Publisher: &disclosure.Publisher{Svc: tw.svc, PublicURL: "http://ledger.test"}})
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	hs := &http.Server{Handler: srv.Handler()}
	go hs.Serve(ln)
	b.Cleanup(func() { hs.Close() })
	tok, _, _, err := auth.Login(ctx, "caiwu", demo.Password)
	if err != nil {
		b.Fatal(err)
	}
	script := filepath.Join(b.TempDir(), "pay.lua")
	lua := `local n = 0
local id = 0
local threads = 0
function setup(thread) threads = threads + 1; thread:set("id", threads) end
function init(args) n = 0 end
request = function()
  n = n + 1
  local body = string.format('{"voucher_no":"WD-%d-%d","project_code":"` + w.ProjectCode + `","doc_no":"` + w.DocNo + `","payment_kind":"补助","payee_id_number":"` + w.IDNumber + `","amount":"0.01","paid_on":"2026-11-20"}', id, n)
  return wrk.format("POST", "/api/v1/payments", {["Content-Type"]="application/json", ["Authorization"]="Bearer ` + tok + `"}, body)
end
response = function(status, headers, body) if status ~= 201 then io.write("status " .. status .. " " .. body .. "\n") end end
`
	if err := os.WriteFile(script, []byte(lua), 0o600); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		before, _ := tw.svc.L.Store().Size(ctx, tw.lg.ID)
		out, err := exec.Command(wrk, "-t2", "-c64", fmt.Sprintf("-d%ds", secs), "--latency", "-s", script, "http://"+ln.Addr().String()).CombinedOutput()
		if err != nil {
			b.Fatalf("wrk: %v\n%s", err, out)
		}
		if bytes.Contains(out, []byte("status ")) {
			b.Fatalf("non-201 answers:\n%.2000s", out)
		}
		after, _ := tw.svc.L.Store().Size(ctx, tw.lg.ID)
		httpRate := float64(after-before) / float64(secs)
		var p50, p99 float64
		for _, m := range wrkPercentile.FindAllStringSubmatch(string(out), -1) {
			f, _ := strconv.ParseFloat(m[2], 64)
			switch m[3] {
			case "us":
				f /= 1000
			case "s":
				f *= 1000
			}
			if m[1] == "50" {
				p50 = f
			} else {
				p99 = f
			}
		}
		// The same payments in-process, as caiwu, 64 goroutines, as long.
		fin := ""
		if u, err := accounts.UserByName(ctx, "caiwu"); err == nil {
			fin = u.ID
		}
		var done atomic.Int64
		deadline := time.Now().Add(time.Duration(secs) * time.Second)
		var wg sync.WaitGroup
		for g := range 64 {
			wg.Go(func() {
				for i := 0; time.Now().Before(deadline); i++ {
					if _, err := tw.svc.RecordPayment(ctx, tw.lg, fin, ledger.PaymentRow{VoucherNo: fmt.Sprintf("WI-%d-%d", g, i), ProjectCode: w.ProjectCode,
						DocNo: w.DocNo, Kind: ledger.PaySubsidy, PayeeIDNumber: w.IDNumber, Amount: 1, PaidOn: ledger.Date{Year: 2026, Month: 11, Day: 20}}, nil); err != nil {
						b.Error(err)
						return
					}
					done.Add(1)
				}
			})
		}
		wg.Wait()
		inproc := float64(done.Load()) / float64(secs)
		b.ReportMetric(httpRate, "http_payments/s")
		b.ReportMetric(p50, "p50_ms")
		b.ReportMetric(p99, "p99_ms")
		b.ReportMetric(inproc, "inprocess_payments/s")
		b.ReportMetric(httpRate/inproc, "ratio")
	}
}
