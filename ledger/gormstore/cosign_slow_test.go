package gormstore_test

import (
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/disclosure"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/witness"
)

// TestVerifyWhileWitnessesSlow: a villager scanning a notice right after a
// write, while a witness takes longer to answer than a reader waits, is
// checked against the latest checkpoint the quorum cosigned, not told that
// verification failed (a verifier never cries wolf); once the witness
// answers, today's checkpoint is served with both cosignatures.
func TestVerifyWhileWitnessesSlow(t *testing.T) {
	ctx := t.Context()
	f := newFixture(t, "sqlite", 5)
	logVkey, err := f.l.VerifierKey(f.lg)
	if err != nil {
		t.Fatal(err)
	}
	_, lw1 := startWitness(t, "县纪委监委", logVkey)
	// the second witness behind a gate that holds its answers
	skey, vkey, err := witness.GenerateKey(rand.Reader, "县审计局")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := witness.NewSigner(skey, nil)
	if err != nil {
		t.Fatal(err)
	}
	w2, err := witness.New(witness.Options{DB: filepath.Join(t.TempDir(), "witness.db"), Signer: signer, Logs: []string{logVkey}})
	if err != nil {
		t.Fatal(err)
	}
	var hold atomic.Bool
	gate := make(chan struct{})
	var open sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if hold.Load() {
			<-gate
		}
		w2.ServeHTTP(rw, r)
	}))
	t.Cleanup(func() { open.Do(func() { close(gate) }); srv.Close(); w2.Close() })
	lw2, err := ledger.NewWitness(vkey, srv.URL+"#县审计局")
	if err != nil {
		t.Fatal(err)
	}
	ws := []ledger.Witness{lw1, lw2}
	ledger.SetCosigner(f.l, &ledger.Cosigner{L: f.l, Store: f.store, Witnesses: ws, RetryWait: time.Millisecond})
	t.Cleanup(func() { ledger.SetCosigner(f.l, nil) })
	src := disclosure.LedgerSource{L: f.l, Lg: f.lg}
	latest := func() (int64, ledger.CosignResult) {
		t.Helper()
		msg, err := src.Latest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		cp, err := ledger.OpenCheckpoint(msg, logVkey)
		if err != nil {
			t.Fatal(err)
		}
		return cp.Size, ledger.CheckCosignatures(msg, ws, 2)
	}
	if size, res := latest(); size != 5 || !res.Witnessed() {
		t.Fatalf("before: size %d, vouched %d", size, len(res.Vouched))
	}

	hold.Store(true)
	f.append(t, 3)
	if cp, err := f.l.SignCheckpoint(ctx, f.lg); err != nil || cp.Size != 8 {
		t.Fatalf("signing size 8: %v %v", cp.Size, err)
	}
	if size, res := latest(); size != 5 || !res.Witnessed() {
		t.Fatalf("while a witness is slow: size %d, vouched %d of 2 (%+v): a pending cosignature reads as a failed verification", size, len(res.Vouched), res.Missing)
	}

	hold.Store(false)
	open.Do(func() { close(gate) })
	for i := 0; ; i++ {
		size, res := latest()
		if size == 8 && res.Witnessed() {
			break
		}
		if i == 100 {
			t.Fatalf("after the witness answered: size %d, vouched %d", size, len(res.Vouched))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
