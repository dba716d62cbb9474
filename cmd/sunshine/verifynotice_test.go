package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sunshine-ledger/sunshine/api"
	"github.com/sunshine-ledger/sunshine/disclosure"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
	"github.com/sunshine-ledger/sunshine/witness"
)

// publishedNotice serves a town with one published 资金发放结果公告 and
// returns the server, the PDF and the verifier key. With witness names,
// in-process witnesses of those names cosign its checkpoints (the town's
// ledger's Cosigner).
func publishedNotice(t *testing.T, witnesses ...string) (*httptest.Server, []byte, string, *ledger.Service, ledger.Log) {
	t.Helper()
	store := gormstoretest.Open(t, "sqlite")
	s, lg := lt.NewService(t, store, nil)
	if len(witnesses) > 0 {
		lt.Witnessed(t, s.L, store, lg, witnesses...)
	}
	ctx := context.Background()
	id := lt.ID(1, 1970)
	if _, err := s.RegisterPersons(ctx, lg, "fin", []ledger.PersonRow{{Village: "田坪村", Group: "一组", HeadIDNumber: id, Name: "王小明",
		IDNumber: id, Relation: "户主", HouseholdKind: ledger.KindLifted}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordFund(ctx, lg, "fin", ledger.FundRow{DocNo: "D1", Name: "衔接资金", SourceLevel: "中央", Purpose: "就业",
		Amount: lt.Y("100000"), ArrivedOn: lt.D("2026-01-01")}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Import(ctx, lg, "fin", ledger.ImportInput{Kind: "projects", Rows: 1, Projects: []ledger.ProjectRow{{Row: 2, Code: "P1",
		Name: "公益岗位", Category: "就业", Budget: lt.Y("50000"), Targets: "t", Mechanism: "m", Status: ledger.ProjInProgress,
		ApprovalDocNo: "批1", ApprovedOn: lt.D("2026-01-02")}}}, false, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordAllocation(ctx, lg, "fin", ledger.AllocationRow{DocNo: "D1", ProjectCode: "P1", Amount: lt.Y("50000"), AllocatedOn: lt.D("2026-01-03")}, nil); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := s.RecordPayment(ctx, lg, "fin", ledger.PaymentRow{VoucherNo: fmt.Sprintf("V%d", i), ProjectCode: "P1", DocNo: "D1",
			Kind: ledger.PaySubsidy, PayeeIDNumber: id, Amount: lt.Y("600"), PaidOn: lt.D(fmt.Sprintf("2026-02-0%d", i+1))}, nil); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.DraftNotice(ctx, lg, "fin", ledger.NoticeDraftInput{Type: ledger.NoticePaymentResult, Village: "田坪村", Period: "2026-02"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	pub := &disclosure.Publisher{Svc: s, PublicURL: "http://ledger.test"}
	p, err := pub.Publish(ctx, lg, "fin", n.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := api.New(api.Config{Town: lg.Town, PublicURL: "http://ledger.test"}, api.Deps{Ledger: s.L, Service: s, Publisher: pub})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	get := func(path string) []byte {
		resp, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return b
	}
	pdf := get("/notices/" + p.Notice.Code + ".pdf")
	key := strings.TrimSpace(string(get("/api/public/key")))
	// the log grows after the notice was printed
	if _, err := s.RecordPayment(ctx, lg, "fin", ledger.PaymentRow{VoucherNo: "V9", ProjectCode: "P1", DocNo: "D1",
		Kind: ledger.PaySubsidy, PayeeIDNumber: id, Amount: lt.Y("1"), PaidOn: lt.D("2026-03-01")}, nil); err != nil {
		t.Fatal(err)
	}
	return ts, pdf, key, s, lg
}

// TestVerifyNoticeCommand: `sunshine verify-notice` checks a downloaded PDF
// with the public key: online (proofs fetched once and saved), then offline
// from the saved bundle with the server gone; an altered PDF and a forged
// printed checkpoint fail with their reasons and exit 1.
func TestVerifyNoticeCommand(t *testing.T) {
	ts, pdf, key, s, lg := publishedNotice(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "notice.pdf")
	keyFile := filepath.Join(dir, "town.pub")
	bundle := filepath.Join(dir, "bundle.json")
	if err := os.WriteFile(file, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, []byte(key+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out := runCmd(t, "verify-notice", file, "--server", ts.URL, "--public-key", keyFile, "--save-bundle", bundle)
	if code != 0 || !strings.Contains(out, "核验通过") || !strings.Contains(out, "PDF 文件") {
		t.Fatalf("genuine notice: exit %d\n%s", code, out)
	}
	// a printed checkpoint that is not the town's history
	cp, err := s.L.Checkpoint(context.Background(), lg)
	if err != nil {
		t.Fatal(err)
	}
	body, err := ledger.OpenCheckpoint(cp.Note, key)
	if err != nil {
		t.Fatal(err)
	}
	body.Size -= 2
	body.Root[3] ^= 0x10
	forged, err := ledger.SignCheckpointBody(lt.MustKey(t), body)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cp.txt"), forged, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out = runCmd(t, "verify-notice", file, "--checkpoint", filepath.Join(dir, "cp.txt"), "--server", ts.URL, "--public-key", keyFile)
	if code != 1 || !strings.Contains(out, "✘ 一致性") {
		t.Fatalf("forged checkpoint: exit %d\n%s", code, out)
	}
	ts.Close()
	code, out = runCmd(t, "verify-notice", file, "--bundle", bundle, "--public-key", keyFile)
	if code != 0 || !strings.Contains(out, "核验通过") {
		t.Fatalf("offline from the bundle: exit %d\n%s", code, out)
	}
	// an altered PDF fails offline on its SHA-256
	altered := bytes.Clone(pdf)
	// one visible word changed: the producer line of the document info
	i := bytes.Index(altered, []byte("(Sunshine Ledger)"))
	if i < 0 {
		t.Fatal("no producer in the PDF")
	}
	altered[i+15] = 'x'
	if err := os.WriteFile(file+".bad", altered, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out = runCmd(t, "verify-notice", file+".bad", "--bundle", bundle, "--public-key", keyFile)
	if code != 1 || !strings.Contains(out, "✘ PDF 文件") {
		t.Fatalf("altered PDF: exit %d\n%s", code, out)
	}
}

// TestVerifyNoticeWitnesses (issue 15): `sunshine verify-notice` requires
// the quorum of the witnesses to have cosigned today's checkpoint and says
// which vouched: by default the witnesses the server lists (saved in the
// bundle, so the offline check asks the same), or those given with
// --witness-key; a witness that never cosigned, required by --witness-key,
// fails it (未获 … 见证, exit 1) unless --witness-quorum lets the others
// suffice.
func TestVerifyNoticeWitnesses(t *testing.T) {
	ts, pdf, key, s, _ := publishedNotice(t, "县纪委监委", "县审计局")
	dir := t.TempDir()
	file := filepath.Join(dir, "notice.pdf")
	bundle := filepath.Join(dir, "bundle.json")
	if err := os.WriteFile(file, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out := runCmd(t, "verify-notice", file, "--server", ts.URL, "--public-key", key, "--save-bundle", bundle)
	if code != 0 || !strings.Contains(out, "✔ 见证：今日检查点已由 县纪委监委、县审计局 见证") || !strings.Contains(out, "✔ 印制时见证") ||
		!strings.Contains(out, "使用服务器列出的见证方") {
		t.Fatalf("the server's witnesses: exit %d\n%s", code, out)
	}
	code, out = runCmd(t, "verify-notice", file, "--bundle", bundle, "--public-key", key)
	if code != 0 || !strings.Contains(out, "已由 县纪委监委、县审计局 见证") {
		t.Fatalf("offline: exit %d\n%s", code, out)
	}
	ws := s.L.Cosigner().Witnesses
	keyFile := filepath.Join(dir, "jiwei.pub")
	if err := os.WriteFile(keyFile, []byte(ws[0].Key+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, other, err := witness.GenerateKey(rand.Reader, "县财政局")
	if err != nil {
		t.Fatal(err)
	}
	code, out = runCmd(t, "verify-notice", file, "--server", ts.URL, "--public-key", key, "--witness-key", keyFile, "--witness-key", other)
	if code != 1 || !strings.Contains(out, "✘ 见证：今日检查点已由 县纪委监委 见证；未获 县财政局 见证") || !strings.Contains(out, "核验未通过") {
		t.Fatalf("a required witness that never cosigned: exit %d\n%s", code, out)
	}
	code, out = runCmd(t, "verify-notice", file, "--server", ts.URL, "--public-key", key, "--witness-key", keyFile, "--witness-key", other, "--witness-quorum", "1")
	if code != 0 || !strings.Contains(out, "未获 县财政局 见证（须 1 方见证，已满足）") {
		t.Fatalf("a quorum of 1: exit %d\n%s", code, out)
	}
}
