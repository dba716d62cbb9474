package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"reflect"
	"testing"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// TestExportImport: export a town from SQLite and import it into MariaDB
// (SQLite without SUNSHINE_TEST_MYSQL_DSN): the same root, verify passes,
// every projection (balances, payments, notices …) is equal, the personal
// data opens with the same master key, the published PDFs are
// byte-identical.
func TestExportImport(t *testing.T) {
	ctx := context.Background()
	_, pdf, key, s, lg := publishedNotice(t)
	var file bytes.Buffer
	h, err := s.L.Export(ctx, lg, &file)
	if err != nil {
		t.Fatal(err)
	}
	dialects := gormstoretest.Dialects()
	target := dialects[len(dialects)-1] // mysql when configured
	dst := gormstoretest.Open(t, target)
	lg2, h2, err := ledger.ImportLog(ctx, dst, bytes.NewReader(file.Bytes()), lt.FixedTime)
	if err != nil {
		t.Fatal(err)
	}
	if h2.Root != h.Root || h2.Size != h.Size {
		t.Fatalf("header %+v, exported %+v", h2, h)
	}
	vk, err := ledger.ParseVerifierKey(key)
	if err != nil {
		t.Fatal(err)
	}
	l2 := ledger.New(ledger.Options{Store: dst, PublicKey: vk})
	defer l2.Close()
	rep, err := l2.Verify(ctx, lg2, ledger.VerifyOptions{Deep: true})
	if err != nil || !rep.OK() {
		t.Fatalf("verify on %s: %v %+v", target, err, rep)
	}
	root, err := l2.TreeHash(ctx, lg2, h.Size)
	if err != nil {
		t.Fatal(err)
	}
	if got := base64.StdEncoding.EncodeToString(root[:]); got != h.Root {
		t.Fatalf("root %s, want %s", got, h.Root)
	}
	src := s.L.Store().(ledger.ProjectionDumper)
	a, err := src.DumpProjections(ctx, lg.ID)
	if err != nil {
		t.Fatal(err)
	}
	b, err := dst.DumpProjections(ctx, lg2.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		for k := range a {
			if !reflect.DeepEqual(a[k], b[k]) {
				t.Errorf("table %s differs after import (%d vs %d rows)", k, len(a[k]), len(b[k]))
			}
		}
	}
	// personal data: readable with the same master key
	p, err := s.FindPersonByID(ctx, lg, lt.ID(1, 1970))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := dst.Books(ctx, lg2.ID).Private(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	pp, err := s.Vault.Open(lg2.Town, rec)
	if err != nil || pp.Name != "王小明" {
		t.Fatalf("personal data after import: %v %q", err, pp.Name)
	}
	// the published PDF: byte-identical
	ns, err := s.Notices(ctx, lg, ledger.NoticePublished, "", "")
	if err != nil || len(ns) == 0 {
		t.Fatalf("notices: %v", err)
	}
	got, err := dst.Books(ctx, lg2.ID).Blob(ns[0].PDFSHA256)
	if err != nil || !bytes.Equal(got, pdf) {
		t.Fatalf("PDF after import: %v (%d bytes, want %d)", err, len(got), len(pdf))
	}
	// importing again into the same database is refused
	if _, _, err := ledger.ImportLog(ctx, dst, bytes.NewReader(file.Bytes()), lt.FixedTime); err == nil {
		t.Fatal("a second import of the same town was accepted")
	}
}
