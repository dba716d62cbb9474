package api_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/sunshine-ledger/sunshine/api"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
	"github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

func get(t *testing.T, url string) (int, string, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

func decodeHashes(t *testing.T, body []byte) []tlog.Hash {
	t.Helper()
	var p struct{ Hashes []string }
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	out := make([]tlog.Hash, len(p.Hashes))
	for i, s := range p.Hashes {
		raw, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(raw) != 32 {
			t.Fatalf("hash %q", s)
		}
		copy(out[i][:], raw)
	}
	return out
}

// openCheckpoint is what an outsider does with the served checkpoint and key.
func openCheckpoint(t *testing.T, cp []byte, vkey string) (int64, tlog.Hash) {
	t.Helper()
	v, err := note.NewVerifier(strings.TrimSpace(vkey))
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open(cp, note.VerifierList(v))
	if err != nil {
		t.Fatalf("note.Open: %v\n%s", err, cp)
	}
	lines := strings.Split(n.Text, "\n")
	var size int64
	fmt.Sscan(lines[1], &size)
	root, err := tlog.ParseHash(lines[2])
	if err != nil {
		t.Fatal(err)
	}
	if lines[0] != v.Name() {
		t.Fatalf("origin %q, key %q", lines[0], v.Name())
	}
	return size, root
}

// TestOutsiderVerifiesWithStandardTools checks the public ledger endpoints
// with nothing but note and tlog and the served public key.
func TestOutsiderVerifiesWithStandardTools(t *testing.T) {
	for _, dialect := range gormstoretest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			store := gormstoretest.Open(t, dialect)
			clock := ledgertest.NewClock(ledgertest.FixedTime)
			l, lg := ledgertest.NewLedger(t, store, clock, "430181117")
			for i := 0; i < 9; i++ {
				typ := "fund_recorded"
				if i%3 == 1 {
					typ = "person_registered"
				}
				if _, err := l.Append(t.Context(), lg, ledger.AppendInput{Type: typ, Actor: "u1", Payload: ledgertest.Payload(i)}); err != nil {
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
			st, ctype, cp := get(t, ts.URL+"/api/public/checkpoint")
			if st != 200 || !strings.HasPrefix(ctype, "text/plain") {
				t.Fatalf("checkpoint: %d %s", st, ctype)
			}
			size, root := openCheckpoint(t, cp, string(vkey))
			if size != 9 {
				t.Fatalf("size %d", size)
			}
			for seq := int64(0); seq < size; seq++ {
				st, ctype, body := get(t, fmt.Sprintf("%s/api/public/entries/%d", ts.URL, seq))
				if st != 200 {
					t.Fatalf("entry %d: %d %s", seq, st, body)
				}
				var leaf tlog.Hash
				switch ctype {
				case "application/json":
					if seq%3 == 1 {
						t.Fatalf("withheld entry %d published whole: %s", seq, body)
					}
					leaf = tlog.RecordHash(body)
				case "application/vnd.sunshine.withheld+json":
					var w struct {
						Seq      int64  `json:"seq"`
						LeafHash string `json:"leaf_hash"`
					}
					if err := json.Unmarshal(body, &w); err != nil || w.Seq != seq || strings.Contains(string(body), "payload") {
						t.Fatalf("withheld %d: %s", seq, body)
					}
					raw, _ := base64.StdEncoding.DecodeString(w.LeafHash)
					copy(leaf[:], raw)
				default:
					t.Fatalf("entry %d content type %q", seq, ctype)
				}
				_, _, pb := get(t, fmt.Sprintf("%s/api/public/proof/inclusion?index=%d&size=%d", ts.URL, seq, size))
				if err := tlog.CheckRecord(decodeHashes(t, pb), size, root, seq, leaf); err != nil {
					t.Fatalf("inclusion of %d: %v", seq, err)
				}
			}
			// The log grows; the next checkpoint is consistent with the first.
			for i := 0; i < 5; i++ {
				l.Append(t.Context(), lg, ledger.AppendInput{Type: "payment_recorded", Actor: "u1", Payload: ledgertest.Payload(i)})
			}
			clock.Advance(2 * time.Second)
			_, _, cp2 := get(t, ts.URL+"/api/public/checkpoint")
			size2, root2 := openCheckpoint(t, cp2, string(vkey))
			if size2 != 14 {
				t.Fatalf("size after growth %d", size2)
			}
			_, _, pb := get(t, fmt.Sprintf("%s/api/public/proof/consistency?old=%d&new=%d", ts.URL, size, size2))
			if err := tlog.CheckTree(decodeHashes(t, pb), size2, root2, size, root); err != nil {
				t.Fatalf("consistency: %v", err)
			}
			// A checkpoint signed by someone else does not open with the key.
			other, _, _ := ledger.GenerateSigningKey(strings.NewReader(strings.Repeat("x", 64)))
			ok, _ := ledger.ParseSigningKey(other)
			forged, _ := ledger.SignCheckpointBody(ok, ledger.CheckpointBody{Origin: lg.Origin, Size: size2, Root: root2})
			v, _ := note.NewVerifier(strings.TrimSpace(string(vkey)))
			if _, err := note.Open(forged, note.VerifierList(v)); err == nil {
				t.Fatal("a checkpoint signed with another key opened")
			}
		})
	}
}

func TestPublicLedgerBadInput(t *testing.T) {
	store := gormstoretest.Open(t, "sqlite")
	l, lg := ledgertest.NewLedger(t, store, nil, "430181117")
	l.Append(t.Context(), lg, ledger.AppendInput{Type: "fund_recorded", Actor: "u1", Payload: ledgertest.Payload(1)})
	srv, _ := api.New(api.Config{Town: "430181117", PublicURL: "http://ledger.test"}, api.Deps{Ledger: l})
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	cases := []struct {
		path   string
		status int
		code   string
	}{
		{"/api/public/entries/abc", 400, "malformed_request"},
		{"/api/public/entries/-1", 400, "malformed_request"},
		{"/api/public/entries/99", 404, "not_found"},
		{"/api/public/entries/0?town=999999", 404, "not_found"},
		{"/api/public/proof/inclusion?index=x&size=1", 400, "malformed_request"},
		{"/api/public/proof/inclusion?index=5&size=1", 422, "validation_failed"},
		{"/api/public/proof/inclusion?index=0&size=99999999999", 422, "validation_failed"},
		{"/api/public/proof/consistency?old=0&new=1", 422, "validation_failed"},
		{"/api/public/proof/consistency?old=2&new=1", 422, "validation_failed"},
		{"/nowhere", 404, "not_found"},
	}
	for _, c := range cases {
		st, ctype, body := get(t, ts.URL+c.path)
		var p api.Problem
		json.Unmarshal(body, &p)
		if st != c.status || p.Code != c.code || ctype != "application/problem+json" || p.Detail == "" {
			t.Errorf("%s: %d %s %s, want %d %s", c.path, st, ctype, body, c.status, c.code)
		}
	}
}

func TestHealthAndReady(t *testing.T) {
	store := gormstoretest.Open(t, "sqlite")
	l, _ := ledgertest.NewLedger(t, store, nil, "430181117")
	srv, _ := api.New(api.Config{Town: "430181117", PublicURL: "http://ledger.test"}, api.Deps{Ledger: l})
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	if st, _, _ := get(t, ts.URL+"/healthz"); st != 200 {
		t.Fatal("healthz", st)
	}
	if st, _, b := get(t, ts.URL+"/readyz"); st != 200 {
		t.Fatal("readyz", st, string(b))
	}
	// A database that is behind on migrations is not ready, and says why.
	behind, err := gormstore.Open(gormstoretest.NewDSN(t, "sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer behind.Close()
	l2 := ledger.New(ledger.Options{Store: behind, Key: ledgertest.MustKey(t)})
	defer l2.Close()
	srv2, _ := api.New(api.Config{Town: "430181117", PublicURL: "http://ledger.test"}, api.Deps{Ledger: l2})
	ts2 := httptest.NewServer(srv2.Handler())
	defer ts2.Close()
	st, _, b := get(t, ts2.URL+"/readyz")
	if st != 503 || !strings.Contains(string(b), "migrate") {
		t.Fatalf("readyz on an unmigrated database: %d %s", st, b)
	}
}
