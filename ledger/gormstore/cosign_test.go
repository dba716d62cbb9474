package gormstore_test

// TestCosignWitnesses: the service as a witnessed log (C2SP tlog-witness),
// on every dialect, with two in-process witnesses (县纪委监委, 县审计局):
// checkpoints get both cosignatures, which verify with note; a witness whose
// size the service lost is followed through its 409; an unreachable third
// witness leaves the quorum of all short (T2 alarm) but not a quorum of 2;
// and the insider rewrite with the real key (edit an old entry, recompute
// every tree hash, re-sign every checkpoint and the head) is refused by both
// witnesses: the quorum is lost, a T1 alarm and flag are raised, and the
// checkpoint is served as not witnessed.

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/sunshine-ledger/sunshine/api"
	"github.com/sunshine-ledger/sunshine/jobs"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
	"github.com/sunshine-ledger/sunshine/ledger/ledgertest"
	"github.com/sunshine-ledger/sunshine/witness"
)

// startWitness runs a witness of the log with verifier key logVkey.
var startWitness = ledgertest.StartWitness

func TestCosignWitnesses(t *testing.T) {
	for _, d := range gormstoretest.Dialects() {
		t.Run(d, func(t *testing.T) { testCosignWitnesses(t, d) })
	}
}

func testCosignWitnesses(t *testing.T, dialect string) {
	ctx := t.Context()
	f := newFixture(t, dialect, 10)
	logVkey, err := f.l.VerifierKey(f.lg)
	if err != nil {
		t.Fatal(err)
	}
	logV, _ := note.NewVerifier(logVkey)
	w1, lw1 := startWitness(t, "县纪委监委", logVkey)
	w2, lw2 := startWitness(t, "县审计局", logVkey)
	svc := &ledger.Service{L: f.l}
	c := &ledger.Cosigner{L: f.l, Store: f.store, Witnesses: []ledger.Witness{lw1, lw2}, Service: svc, RetryWait: time.Millisecond}
	v1, _ := witness.NewVerifier(lw1.Key)
	v2, _ := witness.NewVerifier(lw2.Key)

	// signed signs a checkpoint at the current size and puts it to the
	// witnesses.
	signed := func(l *ledger.Ledger, c *ledger.Cosigner) (ledger.Checkpoint, ledger.CosignResult) {
		t.Helper()
		cp, err := l.SignCheckpoint(ctx, f.lg)
		if err != nil {
			t.Fatal(err)
		}
		res, err := c.Cosign(ctx, f.lg, cp)
		if err != nil {
			t.Fatal(err)
		}
		return cp, res
	}
	witnessed := func(cp ledger.Checkpoint, res ledger.CosignResult) {
		t.Helper()
		if !res.Witnessed() || len(res.Vouched) != 2 {
			t.Fatalf("size %d: vouched %d, missing %+v", cp.Size, len(res.Vouched), res.Missing)
		}
		wc, err := c.Witnessed(ctx, f.lg, cp)
		if err != nil {
			t.Fatal(err)
		}
		n, err := note.Open(wc.Note, note.VerifierList(logV, v1, v2))
		if err != nil || len(n.Sigs) != 3 || len(n.UnverifiedSigs) != 0 {
			t.Fatalf("cosigned checkpoint: %v (%d signatures)\n%s", err, len(n.Sigs), wc.Note)
		}
		if !wc.Status.Witnessed() {
			t.Fatal("stored cosignatures do not make the quorum")
		}
	}
	cp, res := signed(f.l, c)
	witnessed(cp, res)
	f.append(t, 5)
	cp, res = signed(f.l, c)
	witnessed(cp, res)
	// The service forgets what 县纪委监委 cosigned: its 409 names the size.
	mustExec(t, f.store, "DELETE FROM cosignatures WHERE witness = ?", lw1.Key)
	f.append(t, 3)
	cp, res = signed(f.l, c)
	witnessed(cp, res)
	if h, ok, _ := w1.Head(ctx, f.lg.Origin); !ok || h.Size != 18 {
		t.Fatalf("witness holds %d, want 18", h.Size)
	}

	// A third witness that does not answer: the quorum of all is short
	// (T2), a quorum of two is met.
	dead := httptest.NewServer(nil)
	dead.Close()
	_, vk3, _ := witness.GenerateKey(rand.Reader, "县财政局")
	lw3, err := ledger.NewWitness(vk3, dead.URL+"#县财政局")
	if err != nil {
		t.Fatal(err)
	}
	c3 := &ledger.Cosigner{L: f.l, Store: f.store, Witnesses: []ledger.Witness{lw1, lw2, lw3}, RetryWait: time.Millisecond}
	res, err = c3.Cosign(ctx, f.lg, cp)
	if err != nil {
		t.Fatal(err)
	}
	if res.Witnessed() || len(res.Vouched) != 2 || len(res.Missing) != 1 || res.Missing[0].Reason != "无法联系见证人" {
		t.Fatalf("quorum of all with one unreachable: %+v", res)
	}
	// One attempt short is a passing fault; the next one short too raises T2.
	if hasAlarm(t, f, "T2", cp.Size) {
		t.Fatal("T2 raised on the first attempt")
	}
	if res, err = c3.Cosign(ctx, f.lg, cp); err != nil || res.Witnessed() {
		t.Fatalf("%+v %v", res, err)
	}
	if !hasAlarm(t, f, "T2", cp.Size) {
		t.Fatal("no T2 alarm for a checkpoint short of the quorum")
	}
	c3.Quorum = 2
	if res, _ = c3.Cosign(ctx, f.lg, cp); !res.Witnessed() {
		t.Fatalf("quorum 2 of 3: %+v", res)
	}

	// The insider rewrite with the real key.
	n := int64(len(f.bodies))
	rewritten := f.bodies[:n:n]
	rewritten = append([][]byte(nil), rewritten...)
	rewritten[3] = flipPayloadDigit(t, f.bodies[3])
	dropTriggers(t, f.store, trgEntriesNoUpdate, trgHashesNoUpdate, trgCheckpointsNoUpdate)
	mustExec(t, f.store, "UPDATE entries SET body = ? WHERE log_id = ? AND seq = 3", rewritten[3], f.lg.ID)
	want := ledgertest.StoredHashes(ledgertest.RecordHashes(rewritten))
	rows, err := f.store.HashRange(ctx, f.lg.ID, 0, tlog.StoredHashIndex(0, n))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if h := want[r.Index]; h != r.Hash {
			mustExec(t, f.store, "UPDATE tree_hashes SET hash = ? WHERE log_id = ? AND idx = ?", h[:], f.lg.ID, r.Index)
		}
	}
	key := ledgertest.MustKey(t) // the real key, from the data folder
	cps, err := f.store.Checkpoints(ctx, f.lg.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, old := range cps {
		root := ledgertest.MTH(rewritten[:old.Size])
		msg, err := ledger.SignCheckpointBody(key, ledger.CheckpointBody{Origin: f.lg.Origin, Size: old.Size, Root: root})
		if err != nil {
			t.Fatal(err)
		}
		mustExec(t, f.store, "UPDATE checkpoints SET root = ?, note = ? WHERE log_id = ? AND size = ?", root[:], msg, f.lg.ID, old.Size)
	}
	head, err := ledger.SignCheckpointBody(key, ledger.CheckpointBody{Origin: f.lg.Origin, Size: n, Root: ledgertest.MTH(rewritten)})
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, f.store, "UPDATE log_heads SET note = ? WHERE log_id = ?", head, f.lg.ID)
	f.bodies = rewritten

	// A fresh process: it writes and signs on top of the rewrite (it holds
	// the real key), but neither witness cosigns.
	l2 := ledger.New(ledger.Options{Store: f.store, Key: key, Now: ledgertest.NewClock(ledgertest.FixedTime).Now, Location: ledgertest.Shanghai(t)})
	t.Cleanup(l2.Close)
	f.l = l2
	f.append(t, 2)
	svc2 := &ledger.Service{L: l2}
	c2 := &ledger.Cosigner{L: l2, Store: f.store, Witnesses: []ledger.Witness{lw1, lw2}, Service: svc2, RetryWait: time.Millisecond}
	ledger.SetCosigner(l2, c2)
	t.Cleanup(func() { ledger.SetCosigner(l2, nil) })
	cp, res = signed(l2, c2)
	if res.Witnessed() || len(res.Vouched) != 0 || len(res.Missing) != 2 {
		t.Fatalf("rewritten log: vouched %d, missing %+v", len(res.Vouched), res.Missing)
	}
	for _, m := range res.Missing {
		if !strings.Contains(m.Reason, "不一致") {
			t.Errorf("%s: reason %q", m.Witness.Label, m.Reason)
		}
	}
	if !hasAlarm(t, f, "T1", cp.Size) {
		t.Fatal("no T1 alarm for the rewrite")
	}
	// The alarm names the first seq no quorum vouched for: 18, what both
	// witnesses hold.
	if as, _ := f.store.Alarms(ctx, f.lg.ID); len(as) == 0 || as[0].Rule != "T1" || as[0].FirstSeq != 18 {
		t.Fatalf("alarms %+v", as)
	}
	flags, err := svc2.Flags(ctx, f.lg, ledger.FlagFilter{Rule: "T1"}, nil)
	if err != nil || len(flags) != 1 || !strings.Contains(flags[0].Reason, "县纪委监委") {
		t.Fatalf("T1 flags %+v, %v", flags, err)
	}
	// The re-signed checkpoint of size 18: what the witnesses cosigned no
	// longer verifies over it.
	cps, err = f.store.Checkpoints(ctx, f.lg.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, old := range cps {
		if old.Size != 18 {
			continue
		}
		res, err := c2.Cosign(ctx, f.lg, old)
		if err != nil || res.Witnessed() || len(res.Missing) != 2 || !strings.Contains(res.Missing[0].Reason, "检查点在联署后被改动") {
			t.Fatalf("re-signed checkpoint 18: %+v %v", res, err)
		}
	}
	wc, err := l2.WitnessedCheckpoint(ctx, f.lg)
	if err != nil {
		t.Fatal(err)
	}
	if wc.Status == nil || wc.Status.Witnessed() || len(wc.Status.Vouched) != 0 {
		t.Fatalf("the rewritten checkpoint is shown as witnessed: %+v", wc.Status)
	}
	// The public checkpoint says so.
	srv, err := api.New(api.Config{Town: "430181117", PublicURL: "http://ledger.test"}, api.Deps{Ledger: l2})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/api/public/checkpoint", nil))
	if rec.Code != 200 || rec.Header().Get("Sunshine-Witnessed") != "no" || rec.Header().Get("Sunshine-Witnesses") != "0/2" {
		t.Fatalf("public checkpoint of the rewritten log: %d %v", rec.Code, rec.Header())
	}
	// The cosign job fails the run, naming the shortfall (the admin's jobs
	// page shows it).
	counts, err := jobs.Cosign(l2, c2).Run(ctx)
	if err == nil || !strings.Contains(err.Error(), "见证不足") || counts["short"] != 1 {
		t.Fatalf("cosign job: %v %v", counts, err)
	}
	// The witnesses still hold the honest checkpoint of size 18.
	for _, w := range []*witness.Witness{w1, w2} {
		if h, ok, _ := w.Head(ctx, f.lg.Origin); !ok || h.Size != 18 {
			t.Fatalf("witness moved to %d", h.Size)
		}
	}
}

func hasAlarm(t *testing.T, f *fixture, rule string, size int64) bool {
	t.Helper()
	as, err := f.store.Alarms(t.Context(), f.lg.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range as {
		if a.Rule == rule && strings.Contains(a.Detail, fmt.Sprintf("大小为 %d 的检查点", size)) && strings.Contains(a.Detail, "见证人") {
			return true
		}
	}
	return false
}

// TestSplitViewDetected: two different trees of one log, both signed with
// the log's real key (a split view: one shown to the discipline office's
// witness, the other to the audit bureau's). Each witness cosigns the tree
// it is shown; either one refuses the other tree when it sees it, and the
// service raises T1.
func TestSplitViewDetected(t *testing.T) {
	for _, d := range gormstoretest.Dialects() {
		t.Run(d, func(t *testing.T) {
			ctx := t.Context()
			a := newFixture(t, d, 8)
			b := newFixture(t, d, 0)
			for i := range 8 {
				// The same origin and key, other entries.
				if _, err := b.l.Append(ctx, b.lg, ledger.AppendInput{Type: "fund_recorded", Actor: "u2", Payload: ledgertest.Payload(100 + i)}); err != nil {
					t.Fatal(err)
				}
			}
			if a.lg.Origin != b.lg.Origin {
				t.Fatal("the two views must share the origin")
			}
			vkey, _ := a.l.VerifierKey(a.lg)
			_, w1 := startWitness(t, "县纪委监委", vkey)
			_, w2 := startWitness(t, "县审计局", vkey)
			view := func(f *fixture, ws ...ledger.Witness) ledger.CosignResult {
				t.Helper()
				cp, err := f.l.SignCheckpoint(ctx, f.lg)
				if err != nil {
					t.Fatal(err)
				}
				res, err := (&ledger.Cosigner{L: f.l, Store: f.store, Witnesses: ws, RetryWait: time.Millisecond}).Cosign(ctx, f.lg, cp)
				if err != nil {
					t.Fatal(err)
				}
				return res
			}
			if r := view(a, w1); !r.Witnessed() {
				t.Fatalf("view A to 县纪委监委: %+v", r)
			}
			if r := view(b, w2); !r.Witnessed() {
				t.Fatalf("view B to 县审计局: %+v", r)
			}
			// Each witness now sees the other view (at the same size, and
			// grown by one entry).
			if r := view(b, w1); r.Witnessed() || !strings.Contains(r.Missing[0].Reason, "不一致") {
				t.Fatalf("view B to 县纪委监委: %+v", r)
			}
			if !hasAlarm(t, b, "T1", 8) {
				t.Fatal("no T1 alarm for the split view")
			}
			a.append(t, 1)
			if r := view(a, w2); r.Witnessed() || !strings.Contains(r.Missing[0].Reason, "不一致") {
				t.Fatalf("view A+1 to 县审计局: %+v", r)
			}
		})
	}
}

// TestCosignerRun: the background cosigner gets the witnesses' cosignatures
// for checkpoints signed elsewhere (the checkpoint job, a publication),
// of every log in the database.
func TestCosignerRun(t *testing.T) {
	for _, d := range gormstoretest.Dialects() {
		t.Run(d, func(t *testing.T) {
			ctx := t.Context()
			f := newFixture(t, d, 5)
			lg2, err := f.l.EnsureLog(ctx, "430181118", "ledger.test/log/430181118")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.l.Append(ctx, lg2, ledger.AppendInput{Type: "fund_recorded", Actor: "u1", Payload: ledgertest.Payload(1)}); err != nil {
				t.Fatal(err)
			}
			vk1, _ := f.l.VerifierKey(f.lg)
			vk2, _ := f.l.VerifierKey(lg2)
			skey, vkey, _ := witness.GenerateKey(rand.Reader, "县纪委监委")
			s, _ := witness.NewSigner(skey, nil)
			w, err := witness.New(witness.Options{DB: filepath.Join(t.TempDir(), "w.db"), Signer: s, Logs: []string{vk1, vk2}})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(w)
			defer srv.Close()
			defer w.Close()
			lw, _ := ledger.NewWitness(vkey, srv.URL)
			c := &ledger.Cosigner{L: f.l, Store: f.store, Witnesses: []ledger.Witness{lw}, RetryWait: time.Millisecond}
			runCtx, cancel := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() { c.Run(runCtx, 10*time.Millisecond); close(done) }()
			defer func() { cancel(); <-done }()
			for _, lg := range []ledger.Log{f.lg, lg2} {
				cp, err := f.l.SignCheckpoint(ctx, lg)
				if err != nil {
					t.Fatal(err)
				}
				// Wait (not a timing assertion: a generous bound for a
				// loaded machine) until the cosigner has been round.
				deadline := time.Now().Add(time.Minute)
				for {
					cs, err := f.store.Cosignatures(ctx, lg.ID, cp.Size)
					if err != nil {
						t.Fatal(err)
					}
					if len(cs) == 1 {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("%s: no cosignature from the background cosigner", lg.Origin)
					}
					time.Sleep(10 * time.Millisecond)
				}
			}
		})
	}
}

// TestCosignOvertaken: a reader who put an older checkpoint to the
// witnesses after a newer one was cosigned (a race between readers and the
// background cosigner) raises no alarm.
func TestCosignOvertaken(t *testing.T) {
	ctx := t.Context()
	f := newFixture(t, "sqlite", 4)
	vkey, _ := f.l.VerifierKey(f.lg)
	_, w1 := startWitness(t, "县纪委监委", vkey)
	c := &ledger.Cosigner{L: f.l, Store: f.store, Witnesses: []ledger.Witness{w1}, Service: &ledger.Service{L: f.l}, RetryWait: time.Millisecond}
	old, err := f.l.SignCheckpoint(ctx, f.lg)
	if err != nil {
		t.Fatal(err)
	}
	f.append(t, 3)
	cp, err := f.l.SignCheckpoint(ctx, f.lg)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := c.Cosign(ctx, f.lg, cp); err != nil || !res.Witnessed() {
		t.Fatalf("%+v %v", res, err)
	}
	res, err := c.Cosign(ctx, f.lg, old)
	if err != nil || res.Witnessed() || res.Missing[0].Reason != "见证人已联署更新的检查点" {
		t.Fatalf("the overtaken checkpoint: %+v %v", res, err)
	}
	if as, _ := f.store.Alarms(ctx, f.lg.ID); len(as) != 0 {
		t.Fatalf("alarms for an overtaken checkpoint: %+v", as)
	}
}
