package ledgertest

import (
	"crypto/rand"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/witness"
)

// StartWitness runs an in-process witness (C2SP tlog-witness, its own key
// and SQLite state in a temporary folder) of the log with verifier key
// logVkey, named name (its key name and human name), until the test ends.
func StartWitness(tb testing.TB, name, logVkey string) (*witness.Witness, ledger.Witness) {
	tb.Helper()
	skey, vkey, err := witness.GenerateKey(rand.Reader, name)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := witness.NewSigner(skey, nil)
	if err != nil {
		tb.Fatal(err)
	}
	w, err := witness.New(witness.Options{DB: filepath.Join(tb.TempDir(), "witness.db"), Signer: s, Logs: []string{logVkey}})
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(w)
	tb.Cleanup(func() { srv.Close(); w.Close() })
	lw, err := ledger.NewWitness(vkey, srv.URL+"#"+name)
	if err != nil {
		tb.Fatal(err)
	}
	return w, lw
}

// Witnessed makes l a witnessed log until the test ends: in-process
// witnesses named names (县纪委监委, 县审计局 …) cosign its checkpoints, with
// a quorum of all. It returns the cosigner.
func Witnessed(tb testing.TB, l *ledger.Ledger, store ledger.CosignStore, lg ledger.Log, names ...string) *ledger.Cosigner {
	tb.Helper()
	vkey, err := l.VerifierKey(lg)
	if err != nil {
		tb.Fatal(err)
	}
	var ws []ledger.Witness
	for _, n := range names {
		_, w := StartWitness(tb, n, vkey)
		ws = append(ws, w)
	}
	c := &ledger.Cosigner{L: l, Store: store, Witnesses: ws, RetryWait: time.Millisecond}
	ledger.SetCosigner(l, c)
	tb.Cleanup(func() { ledger.SetCosigner(l, nil) })
	return c
}
