package api_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"testing"

	"github.com/sunshine-ledger/sunshine/disclosure"
	"github.com/sunshine-ledger/sunshine/ledger"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// BenchmarkHTTPPublicReads drives the public notice page (a published
// 资金发放结果公告 of 200 rows) and the checkpoint endpoint with wrk at 64
// connections on loopback, SQLite, for SUNSHINE_BENCH_SECONDS each (default
// 3), and reports requests/s, p50 and p99 of each (goal p99 < 20 ms). It
// skips when wrk is not installed.
func BenchmarkHTTPPublicReads(b *testing.B) {
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		b.Skip("wrk is not installed (apt-get install wrk)")
	}
	secs := 3
	if v, err := strconv.Atoi(os.Getenv("SUNSHINE_BENCH_SECONDS")); err == nil && v > 0 {
		secs = v
	}
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer slog.SetDefault(prev)
	s, lg, base, _, payee := benchServer(b)
	ctx := context.Background()
	for i := range 200 {
		if _, err := s.RecordPayment(ctx, lg, "fin", ledger.PaymentRow{VoucherNo: fmt.Sprintf("N-%d", i), ProjectCode: "P1", DocNo: "D1",
			Kind: ledger.PaySubsidy, PayeeIDNumber: payee, Amount: lt.Y("100"), PaidOn: lt.D("2026-02-10")}, nil); err != nil {
			b.Fatal(err)
		}
	}
	n, err := s.DraftNotice(ctx, lg, "fin", ledger.NoticeDraftInput{Type: ledger.NoticePaymentResult, Village: "田坪村", Period: "2026-02"}, nil)
	if err != nil {
		b.Fatal(err)
	}
	p, err := (&disclosure.Publisher{Svc: s, PublicURL: "http://ledger.test"}).Publish(ctx, lg, "fin", n.ID, nil)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		for _, t := range []struct{ name, path string }{{"notice", "/notices/" + p.Notice.Code}, {"checkpoint", "/api/public/checkpoint"}} {
			out, err := exec.Command(wrk, "-t2", "-c64", fmt.Sprintf("-d%ds", secs), "--latency", base+t.path).CombinedOutput()
			if err != nil {
				b.Fatalf("wrk: %v\n%s", err, out)
			}
			var p50, p99, rps float64
			for _, m := range wrkLatency.FindAllStringSubmatch(string(out), -1) {
				if m[1] == "50" {
					p50 = wrkDuration(m[2], m[3])
				} else {
					p99 = wrkDuration(m[2], m[3])
				}
			}
			if m := wrkRate.FindSubmatch(out); m != nil {
				rps, _ = strconv.ParseFloat(string(m[1]), 64)
			}
			if wrkErrors.Match(out) {
				b.Fatalf("wrk saw errors:\n%s", out)
			}
			b.ReportMetric(rps, t.name+"_req/s")
			b.ReportMetric(p50, t.name+"_p50_ms")
			b.ReportMetric(p99, t.name+"_p99_ms")
		}
	}
}

var (
	wrkRate   = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	wrkErrors = regexp.MustCompile(`Non-2xx or 3xx responses|Socket errors`)
)
