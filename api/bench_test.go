package api_test

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
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// benchServer serves the API over real TCP on loopback, on SQLite, with a
// town ready for payments: a person, a fund, a project in 实施 holding
// 100,000,000.00, and a logged-in finance user.
func benchServer(b *testing.B) (*ledger.Service, ledger.Log, string, string, string) {
	store := gormstoretest.Open(b, "sqlite")
	s, lg := lt.NewService(b, store, nil)
	ctx := context.Background()
	id := lt.ID(1, 1970)
	if _, err := s.RegisterPersons(ctx, lg, "fin", []ledger.PersonRow{{Village: "田坪村", Group: "一组", HeadIDNumber: id, Name: "王小明",
		IDNumber: id, Relation: "户主", HouseholdKind: ledger.KindLifted}}, nil); err != nil {
		b.Fatal(err)
	}
	if _, err := s.RecordFund(ctx, lg, "fin", ledger.FundRow{DocNo: "D1", Name: "衔接资金", SourceLevel: "中央", Purpose: "就业",
		Amount: lt.Y("900000000"), ArrivedOn: lt.D("2026-01-01")}, nil); err != nil {
		b.Fatal(err)
	}
	if _, err := s.Import(ctx, lg, "fin", ledger.ImportInput{Kind: "projects", Rows: 1, Projects: []ledger.ProjectRow{{Row: 2, Code: "P1",
		Name: "公益岗位", Category: "就业", Budget: lt.Y("100000000"), Targets: "t", Mechanism: "m", Status: ledger.ProjInProgress,
		ApprovalDocNo: "批1", ApprovedOn: lt.D("2026-01-02")}}}, false, nil); err != nil {
		b.Fatal(err)
	}
	if _, err := s.RecordAllocation(ctx, lg, "fin", ledger.AllocationRow{DocNo: "D1", ProjectCode: "P1", Amount: lt.Y("100000000"), AllocatedOn: lt.D("2026-01-03")}, nil); err != nil {
		b.Fatal(err)
	}
	auth := &ledger.Auth{Accounts: store, L: s.L, Now: time.Now}
	if _, err := auth.CreateUser(ctx, lg, "system", ledger.NewUser{Username: "fin1", Password: "finance-pass-1", Role: ledger.RoleFinance}, nil, nil); err != nil {
		b.Fatal(err)
	}
	tok, _, _, err := auth.Login(ctx, "fin1", "finance-pass-1")
	if err != nil {
		b.Fatal(err)
	}
	srv, err := api.New(api.Config{Town: "430181117", PublicURL: "http://ledger.test"}, api.Deps{Ledger: s.L, Service: s, Auth: auth})
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
	return s, lg, "http://" + ln.Addr().String(), tok, id
}

var wrkLatency = regexp.MustCompile(`(?m)^\s+(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$`)

func wrkDuration(v, unit string) float64 {
	f, _ := strconv.ParseFloat(v, 64)
	switch unit {
	case "us":
		return f / 1000
	case "s":
		return f * 1000
	}
	return f
}

// BenchmarkHTTPPayments drives POST /api/v1/payments with wrk (Debian
// package) at 64 connections on loopback for SUNSHINE_BENCH_SECONDS (default
// 5) and reports payments/s, p50 and p99 (goal p99 < 50 ms), then records the
// same payments in-process with 64 goroutines for the same time, and
// reports the ratio (goal ≥ 0.3). It skips when wrk is not installed.
func BenchmarkHTTPPayments(b *testing.B) {
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		b.Skip("wrk is not installed (apt-get install wrk)")
	}
	secs := 5
	if v, err := strconv.Atoi(os.Getenv("SUNSHINE_BENCH_SECONDS")); err == nil && v > 0 {
		secs = v
	}
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil))) // the access log would dominate
	defer slog.SetDefault(prev)
	s, lg, base, tok, payee := benchServer(b)
	script := filepath.Join(b.TempDir(), "pay.lua")
	lua := `local n = 0
local id = 0
local threads = 0
function setup(thread) threads = threads + 1; thread:set("id", threads) end
function init(args) n = 0 end
request = function()
  n = n + 1
  local body = string.format('{"voucher_no":"W-%d-%d","project_code":"P1","doc_no":"D1","payment_kind":"补助","payee_id_number":"` + payee + `","amount":"100.00","paid_on":"2026-03-01"}', id, n)
  return wrk.format("POST", "/api/v1/payments", {["Content-Type"]="application/json", ["Authorization"]="Bearer ` + tok + `"}, body)
end
response = function(status, headers, body) if status ~= 201 then io.write("status " .. status .. " " .. body .. "\n") end end
`
	if err := os.WriteFile(script, []byte(lua), 0o600); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		ctx := context.Background()
		before, _ := s.L.Store().Size(ctx, lg.ID)
		out, err := exec.Command(wrk, "-t2", "-c64", fmt.Sprintf("-d%ds", secs), "--latency", "-s", script, base).CombinedOutput()
		if err != nil {
			b.Fatalf("wrk: %v\n%s", err, out)
		}
		if bytes.Contains(out, []byte("status ")) {
			b.Fatalf("non-201 answers:\n%s", out)
		}
		after, _ := s.L.Store().Size(ctx, lg.ID)
		httpRate := float64(after-before) / float64(secs)
		var p50, p99 float64
		for _, m := range wrkLatency.FindAllStringSubmatch(string(out), -1) {
			if m[1] == "50" {
				p50 = wrkDuration(m[2], m[3])
			} else {
				p99 = wrkDuration(m[2], m[3])
			}
		}
		// The same payments in-process, 64 goroutines, same duration.
		var done atomic.Int64
		deadline := time.Now().Add(time.Duration(secs) * time.Second)
		var wg sync.WaitGroup
		for g := 0; g < 64; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for i := 0; time.Now().Before(deadline); i++ {
					if _, err := s.RecordPayment(ctx, lg, "fin", ledger.PaymentRow{VoucherNo: fmt.Sprintf("I-%d-%d", g, i), ProjectCode: "P1",
						DocNo: "D1", Kind: ledger.PaySubsidy, PayeeIDNumber: payee, Amount: 100_00, PaidOn: lt.D("2026-03-01")}, nil); err != nil {
						b.Error(err)
						return
					}
					done.Add(1)
				}
			}(g)
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
