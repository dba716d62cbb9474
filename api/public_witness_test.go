package api_test

import (
	"encoding/json"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/sunshine-ledger/sunshine/api"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
	"github.com/sunshine-ledger/sunshine/ledger/ledgertest"
	"github.com/sunshine-ledger/sunshine/witness"
)

// TestPublicCheckpointWitnessed: /api/public/checkpoint carries the
// witnesses' cosignature lines after the log's signature, verifiable with
// note and the keys /api/public/witnesses lists; without witnesses both
// endpoints answer as before (no cosignatures, an empty list).
func TestPublicCheckpointWitnessed(t *testing.T) {
	for _, dialect := range gormstoretest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			store := gormstoretest.Open(t, dialect)
			l, lg := ledgertest.NewLedger(t, store, ledgertest.NewClock(ledgertest.FixedTime), "430181117")
			for i := range 7 {
				if _, err := l.Append(t.Context(), lg, ledger.AppendInput{Type: "fund_recorded", Actor: "u1", Payload: ledgertest.Payload(i)}); err != nil {
					t.Fatal(err)
				}
			}
			srv, err := api.New(api.Config{Town: "430181117", PublicURL: "http://ledger.test"}, api.Deps{Ledger: l})
			if err != nil {
				t.Fatal(err)
			}
			ts := httptest.NewServer(srv.Handler())
			defer ts.Close()
			_, _, vkey := get(t, ts.URL+"/api/public/key")
			logV, err := note.NewVerifier(strings.TrimSpace(string(vkey)))
			if err != nil {
				t.Fatal(err)
			}

			// No witnesses: the log's signature alone.
			_, _, body := get(t, ts.URL+"/api/public/witnesses")
			var list api.WitnessesResponse
			if err := json.Unmarshal(body, &list); err != nil || len(list.Witnesses) != 0 || list.Quorum != 0 {
				t.Fatalf("witnesses without any: %s", body)
			}
			resp, err := ts.Client().Get(ts.URL + "/api/public/checkpoint")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.Header.Get("Sunshine-Witnessed") != "" {
				t.Fatal("a witness header without witnesses")
			}

			var ws []ledger.Witness
			for _, name := range []string{"县纪委监委", "县审计局"} {
				_, lw := ledgertest.StartWitness(t, name, string(vkey))
				ws = append(ws, lw)
			}
			ledger.SetCosigner(l, &ledger.Cosigner{L: l, Store: store, Witnesses: ws, RetryWait: time.Millisecond})
			defer ledger.SetCosigner(l, nil)

			_, _, body = get(t, ts.URL+"/api/public/witnesses")
			if err := json.Unmarshal(body, &list); err != nil || len(list.Witnesses) != 2 || list.Quorum != 2 ||
				list.Witnesses[0].DisplayName != "县纪委监委" || list.Witnesses[1].Key != ws[1].Key {
				t.Fatalf("witnesses: %s", body)
			}
			vs := []note.Verifier{logV}
			for _, w := range list.Witnesses {
				v, err := witness.NewVerifier(w.Key)
				if err != nil {
					t.Fatal(err)
				}
				vs = append(vs, v)
			}
			for round := range 2 {
				resp, err := ts.Client().Get(ts.URL + "/api/public/checkpoint")
				if err != nil {
					t.Fatal(err)
				}
				msg, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.Header.Get("Sunshine-Witnesses") != "2/2" || resp.Header.Get("Sunshine-Witnessed") != "yes" {
					t.Fatalf("round %d: headers %v", round, resp.Header)
				}
				n, err := note.Open(msg, note.VerifierList(vs...))
				if err != nil || len(n.Sigs) != 3 {
					t.Fatalf("round %d: %v\n%s", round, err, msg)
				}
				// The log grows: the next checkpoint is cosigned with a
				// consistency proof.
				if _, err := l.Append(t.Context(), lg, ledger.AppendInput{Type: "fund_recorded", Actor: "u1", Payload: ledgertest.Payload(10)}); err != nil {
					t.Fatal(err)
				}
				if _, err := l.SignCheckpoint(t.Context(), lg); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}
