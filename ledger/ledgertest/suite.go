package ledgertest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// Factory returns a new, empty, migrated store for one test. Open, when not
// nil, opens a second store instance on the same database (as a second
// process would), for the multi-writer tests.
type Factory struct {
	New func(t *testing.T) ledger.Store
	// NewShared returns two independent store instances on one new database.
	NewShared func(t *testing.T) (ledger.Store, ledger.Store)
	// Writers and PerWriter size the concurrency test (32 × 1000 by default).
	Writers, PerWriter int
}

// Run runs the store conformance suite.
func Run(t *testing.T, f Factory) {
	if f.Writers == 0 {
		f.Writers, f.PerWriter = 32, 1000
	}
	t.Run("Logs", func(t *testing.T) { testLogs(t, f) })
	t.Run("AppendAndRead", func(t *testing.T) { testAppendAndRead(t, f) })
	t.Run("BadInput", func(t *testing.T) { testBadInput(t, f) })
	t.Run("FailingRequestInBatch", func(t *testing.T) { testFailingRequestInBatch(t, f) })
	t.Run("ConcurrentAppends", func(t *testing.T) { testConcurrent(t, f) })
	if f.NewShared != nil {
		t.Run("TwoProcesses", func(t *testing.T) { testTwoProcesses(t, f) })
	}
	t.Run("CheckpointsAndProofs", func(t *testing.T) { testCheckpointsAndProofs(t, f) })
	t.Run("Idempotency", func(t *testing.T) { testIdempotency(t, f) })
	t.Run("TwoTowns", func(t *testing.T) { testTwoTowns(t, f) })
}

// Payload is a small test payload.
func Payload(i int) map[string]any {
	return map[string]any{"n": i, "amount": int64(i) * 100, "note": fmt.Sprintf("第%d笔", i)}
}

func mustAppend(t *testing.T, l *ledger.Ledger, lg ledger.Log, n int) []ledger.Entry {
	t.Helper()
	var out []ledger.Entry
	for i := 0; i < n; i++ {
		es, err := l.Append(t.Context(), lg, ledger.AppendInput{Type: "fund_recorded", Actor: "u1", Payload: Payload(i)})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, es...)
	}
	return out
}

// MustVerify fails the test unless the log verifies.
func MustVerify(t testing.TB, l *ledger.Ledger, lg ledger.Log) ledger.VerifyReport {
	t.Helper()
	rep, err := l.Verify(context.Background(), lg, ledger.VerifyOptions{Deep: true, Chunk: 100})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("verify: %+v", rep.Problems)
	}
	return rep
}

func testLogs(t *testing.T, f Factory) {
	s := f.New(t)
	ctx := t.Context()
	a, err := s.CreateLog(ctx, "430181117", "x.test/log/430181117", FixedTime)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateLog(ctx, "430181117", "y.test/log/430181117", FixedTime); ledger.ErrorCode(err) != ledger.CodeConflict {
		t.Fatalf("duplicate town: got %v, want conflict", err)
	}
	got, err := s.LogByTown(ctx, "430181117")
	if err != nil || got != a {
		t.Fatalf("LogByTown = %+v, %v; want %+v", got, err, a)
	}
	if _, err := s.LogByTown(ctx, "nope"); !ledger.IsNotFound(err) {
		t.Fatalf("missing town: %v", err)
	}
	if n, err := s.Size(ctx, a.ID); err != nil || n != 0 {
		t.Fatalf("size = %d, %v", n, err)
	}
	if _, err := s.LatestCheckpoint(ctx, a.ID); !ledger.IsNotFound(err) {
		t.Fatalf("no checkpoint yet: %v", err)
	}
}

func testAppendAndRead(t *testing.T, f Factory) {
	s := f.New(t)
	clock := NewClock(FixedTime)
	l, lg := NewLedger(t, s, clock, "430181117")
	es, err := l.Append(t.Context(), lg,
		ledger.AppendInput{Type: "fund_recorded", Actor: "u1", EffectiveOn: "2026-02-27", Payload: map[string]any{"amount": 120000, "doc_no": "浏财农指〔2026〕3号"}},
		ledger.AppendInput{Type: "person_registered", Actor: "u1", Payload: map[string]any{"person": 7}})
	if err != nil {
		t.Fatal(err)
	}
	if es[0].Seq != 0 || es[1].Seq != 1 {
		t.Fatalf("seqs %d %d", es[0].Seq, es[1].Seq)
	}
	if es[1].EffectiveOn != "2026-03-01" { // 16:00 in Shanghai
		t.Fatalf("default effective_on %q", es[1].EffectiveOn)
	}
	got, err := s.Entry(t.Context(), lg.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Body, es[0].Encode()) {
		t.Fatalf("stored body\n%s\nwant\n%s", got.Body, es[0].Encode())
	}
	if got.Type != "fund_recorded" || got.Actor != "u1" || got.EffectiveOn != "2026-02-27" || !got.RecordedAt.Equal(FixedTime) {
		t.Fatalf("columns %+v", got)
	}
	p, err := ledger.ParseEntry(got.Body)
	if err != nil || p.Seq != 0 || p.Log != lg.Origin {
		t.Fatalf("parse: %+v %v", p, err)
	}
	// The leaf the database stores is the hash Go computes.
	hs, err := s.ReadHashes(t.Context(), lg.ID, []int64{tlog.StoredHashIndex(0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	if hs[0] != tlog.RecordHash(es[1].Encode()) {
		t.Fatal("stored leaf hash differs from tlog.RecordHash(E)")
	}
	if _, err := s.Entry(t.Context(), lg.ID, 2); !ledger.IsNotFound(err) {
		t.Fatalf("entry 2: %v", err)
	}
	rows, err := s.Entries(t.Context(), lg.ID, 1, 10)
	if err != nil || len(rows) != 1 || rows[0].Seq != 1 {
		t.Fatalf("Entries(from 1) = %v, %v", rows, err)
	}
	MustVerify(t, l, lg)
}

func testBadInput(t *testing.T, f Factory) {
	s := f.New(t)
	l, lg := NewLedger(t, s, nil, "430181117")
	mustAppend(t, l, lg, 1)
	big := strings.Repeat("字", ledger.MaxPayloadBytes/3+10)
	cases := []struct {
		name string
		in   ledger.AppendInput
		code ledger.Code
	}{
		{"empty type", ledger.AppendInput{Type: "", Actor: "u1", Payload: map[string]any{}}, ledger.CodeValidationFailed},
		{"unknown family", ledger.AppendInput{Type: "bogus_done", Actor: "u1", Payload: map[string]any{}}, ledger.CodeValidationFailed},
		{"upper case type", ledger.AppendInput{Type: "Fund_recorded", Actor: "u1", Payload: map[string]any{}}, ledger.CodeValidationFailed},
		{"no actor", ledger.AppendInput{Type: "fund_recorded", Payload: map[string]any{}}, ledger.CodeValidationFailed},
		{"payload array", ledger.AppendInput{Type: "fund_recorded", Actor: "u1", Payload: []int{1}}, ledger.CodeValidationFailed},
		{"payload string", ledger.AppendInput{Type: "fund_recorded", Actor: "u1", Payload: "x"}, ledger.CodeValidationFailed},
		{"payload null", ledger.AppendInput{Type: "fund_recorded", Actor: "u1", Payload: nil}, ledger.CodeValidationFailed},
		{"float", ledger.AppendInput{Type: "fund_recorded", Actor: "u1", Payload: map[string]any{"amount": 12.5}}, ledger.CodeValidationFailed},
		{"raw float", ledger.AppendInput{Type: "fund_recorded", Actor: "u1", Payload: []byte(`{"amount":1e3}`)}, ledger.CodeValidationFailed},
		{"unsafe integer", ledger.AppendInput{Type: "fund_recorded", Actor: "u1", Payload: map[string]any{"amount": int64(1) << 60}}, ledger.CodeValidationFailed},
		{"duplicate key", ledger.AppendInput{Type: "fund_recorded", Actor: "u1", Payload: []byte(`{"a":1,"a":2}`)}, ledger.CodeValidationFailed},
		{"bad date", ledger.AppendInput{Type: "fund_recorded", Actor: "u1", EffectiveOn: "2026-02-30", Payload: map[string]any{}}, ledger.CodeValidationFailed},
		{"oversized", ledger.AppendInput{Type: "fund_recorded", Actor: "u1", Payload: map[string]any{"text": big}}, ledger.CodeTooLarge},
	}
	for _, c := range cases {
		_, err := l.Append(t.Context(), lg, c.in)
		if got := ledger.ErrorCode(err); got != c.code {
			t.Errorf("%s: code %q (%v), want %q", c.name, got, err, c.code)
		}
	}
	if n, _ := s.Size(t.Context(), lg.ID); n != 1 {
		t.Fatalf("bad input wrote entries: size %d", n)
	}
	MustVerify(t, l, lg)
}

// lineUp blocks the log's writer with a request that waits on release, then
// submits reqs so that they queue and run together as the next batch.
func lineUp(t *testing.T, l *ledger.Ledger, lg ledger.Log, reqs []ledger.Request) ([]ledger.Outcome, []error) {
	t.Helper()
	release := make(chan struct{})
	started := make(chan struct{})
	var blockErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, blockErr = l.Submit(context.Background(), lg, ledger.Request{Op: func(b *ledger.Batch) (any, error) {
			close(started)
			<-release
			return nil, nil
		}})
	}()
	<-started
	outs := make([]ledger.Outcome, len(reqs))
	errs := make([]error, len(reqs))
	for i := range reqs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			outs[i], errs[i] = l.Submit(context.Background(), lg, reqs[i])
		}(i)
		for l.Queued(lg) < i+1 { // keep submission order
			time.Sleep(time.Millisecond)
		}
	}
	close(release)
	wg.Wait()
	if blockErr != nil {
		t.Fatal(blockErr)
	}
	return outs, errs
}

func appendReq(i int, fail bool) ledger.Request {
	return ledger.Request{Op: func(b *ledger.Batch) (any, error) {
		e, err := b.Append(ledger.AppendInput{Type: "payment_recorded", Actor: "u1", Payload: Payload(i)})
		if err != nil {
			return nil, err
		}
		if fail {
			return nil, ledger.Errorf(ledger.CodeFundOverdrawn, "资金余额不足")
		}
		return e.Seq, nil
	}}
}

func testFailingRequestInBatch(t *testing.T, f Factory) {
	s := f.New(t)
	l, lg := NewLedger(t, s, nil, "430181117")
	reqs := []ledger.Request{appendReq(0, false), appendReq(1, true), appendReq(2, false), appendReq(3, false)}
	outs, errs := lineUp(t, l, lg, reqs)
	if ledger.ErrorCode(errs[1]) != ledger.CodeFundOverdrawn {
		t.Fatalf("failing request: %v", errs[1])
	}
	want := []int64{0, -1, 1, 2}
	for i, w := range want {
		if w < 0 {
			continue
		}
		if errs[i] != nil || outs[i].Value.(int64) != w {
			t.Fatalf("request %d: %v %v, want seq %d", i, outs[i].Value, errs[i], w)
		}
	}
	if n, _ := s.Size(t.Context(), lg.ID); n != 3 {
		t.Fatalf("size %d, want 3", n)
	}
	MustVerify(t, l, lg)
}

func checkDense(t *testing.T, s ledger.Store, lg ledger.Log, want int64) {
	t.Helper()
	var n int64
	for {
		rows, err := s.Entries(t.Context(), lg.ID, n, 5000)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if r.Seq != n {
				t.Fatalf("seq %d where %d expected", r.Seq, n)
			}
			n++
		}
		if len(rows) < 5000 {
			break
		}
	}
	if n != want {
		t.Fatalf("%d entries, want %d", n, want)
	}
}

func concurrentAppends(t *testing.T, ls []*ledger.Ledger, lg ledger.Log, writers, per int) {
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			l := ls[w%len(ls)]
			for i := 0; i < per; i++ {
				if _, err := l.Append(context.Background(), lg, ledger.AppendInput{Type: "payment_recorded", Actor: fmt.Sprintf("w%d", w), Payload: Payload(w*per + i)}); err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func testConcurrent(t *testing.T, f Factory) {
	s := f.New(t)
	l, lg := NewLedger(t, s, nil, "430181117")
	concurrentAppends(t, []*ledger.Ledger{l}, lg, f.Writers, f.PerWriter)
	checkDense(t, s, lg, int64(f.Writers*f.PerWriter))
	rep := MustVerify(t, l, lg)
	if rep.Entries != int64(f.Writers*f.PerWriter) {
		t.Fatalf("verified %d entries", rep.Entries)
	}
}

func testTwoProcesses(t *testing.T, f Factory) {
	a, b := f.NewShared(t)
	la, lg := NewLedger(t, a, nil, "430181117")
	lb, lgb := NewLedger(t, b, nil, "430181117")
	if lg != lgb {
		t.Fatalf("two instances see different logs: %+v %+v", lg, lgb)
	}
	concurrentAppends(t, []*ledger.Ledger{la, lb}, lg, f.Writers, f.PerWriter/4+1)
	checkDense(t, a, lg, int64(f.Writers*(f.PerWriter/4+1)))
	MustVerify(t, la, lg)
	MustVerify(t, lb, lg)
}

// mth is RFC 6962's Merkle Tree Hash, written from the RFC, independent of
// tlog's stored-hash scheme.
func mth(leaves [][]byte) tlog.Hash {
	switch len(leaves) {
	case 0:
		return sha256.Sum256(nil)
	case 1:
		return sha256.Sum256(append([]byte{0}, leaves[0]...))
	}
	k := 1
	for k*2 < len(leaves) {
		k *= 2
	}
	l, r := mth(leaves[:k]), mth(leaves[k:])
	return sha256.Sum256(append(append([]byte{1}, l[:]...), r[:]...))
}

// MTH exposes the independent RFC 6962 root for other tests.
func MTH(bodies [][]byte) tlog.Hash { return mth(bodies) }

func testCheckpointsAndProofs(t *testing.T, f Factory) {
	s := f.New(t)
	clock := NewClock(FixedTime)
	l, lg := NewLedger(t, s, clock, "430181117")
	ctx := t.Context()
	es := mustAppend(t, l, lg, 23)
	var bodies [][]byte
	for _, e := range es {
		bodies = append(bodies, e.Encode())
	}
	c7, err := l.SignCheckpointAt(ctx, lg, 7)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := l.SignCheckpoint(ctx, lg)
	if err != nil {
		t.Fatal(err)
	}
	if cp.Size != 23 || cp.Root != mth(bodies) {
		t.Fatalf("checkpoint size %d root %v; want 23 %v", cp.Size, cp.Root, mth(bodies))
	}
	if c7.Root != mth(bodies[:7]) {
		t.Fatalf("checkpoint at 7: root %v", c7.Root)
	}
	// An outsider: note.Open with the published verifier key, then the
	// three body lines, then tlog.CheckRecord/CheckTree.
	vkey, err := l.Key().VerifierKey(lg.Origin)
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open(cp.Note, note.VerifierList(v))
	if err != nil {
		t.Fatalf("note.Open: %v\n%s", err, cp.Note)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) != 4 || lines[0] != lg.Origin || lines[1] != "23" || lines[3] != "" {
		t.Fatalf("checkpoint body %q", n.Text)
	}
	root, err := tlog.ParseHash(lines[2])
	if err != nil || root != cp.Root {
		t.Fatalf("root line %q", lines[2])
	}
	for _, size := range []int64{1, 2, 7, 8, 13, 23} {
		for idx := int64(0); idx < size; idx++ {
			p, err := l.ProveInclusion(ctx, lg, idx, size)
			if err != nil {
				t.Fatal(err)
			}
			if err := tlog.CheckRecord(p, size, mth(bodies[:size]), idx, tlog.RecordHash(bodies[idx])); err != nil {
				t.Fatalf("inclusion %d in %d: %v", idx, size, err)
			}
		}
		for old := int64(1); old <= size; old++ {
			p, err := l.ProveConsistency(ctx, lg, old, size)
			if err != nil {
				t.Fatal(err)
			}
			if err := tlog.CheckTree(p, size, mth(bodies[:size]), old, mth(bodies[:old])); err != nil {
				t.Fatalf("consistency %d→%d: %v", old, size, err)
			}
		}
	}
	// One byte changed: rejected.
	p, _ := l.ProveInclusion(ctx, lg, 5, 23)
	p[0][3] ^= 1
	if tlog.CheckRecord(p, 23, cp.Root, 5, tlog.RecordHash(bodies[5])) == nil {
		t.Fatal("altered inclusion proof accepted")
	}
	tp, _ := l.ProveConsistency(ctx, lg, 7, 23)
	tp[0][0] ^= 1
	if tlog.CheckTree(tp, 23, cp.Root, 7, c7.Root) == nil {
		t.Fatal("altered consistency proof accepted")
	}
	for i := range cp.Note {
		bad := bytes.Clone(cp.Note)
		bad[i] ^= 1
		if _, err := ledger.OpenCheckpoint(bad, vkey); err == nil {
			t.Fatalf("checkpoint with byte %d changed accepted", i)
		}
	}
	// Out of range proofs are refused, not panics.
	for _, c := range [][2]int64{{23, 23}, {-1, 5}, {0, 24}} {
		if _, err := l.ProveInclusion(ctx, lg, c[0], c[1]); ledger.ErrorCode(err) != ledger.CodeValidationFailed {
			t.Fatalf("inclusion %v: %v", c, err)
		}
	}
	if _, err := l.ProveConsistency(ctx, lg, 9, 8); ledger.ErrorCode(err) != ledger.CodeValidationFailed {
		t.Fatalf("consistency 9→8: %v", err)
	}
	// Checkpoint() signs anew only when the log grew and a second passed.
	mustAppend(t, l, lg, 1)
	same, err := l.Checkpoint(ctx, lg)
	if err != nil || same.Size != 23 {
		t.Fatalf("within a second: %d %v", same.Size, err)
	}
	clock.Advance(2 * time.Second)
	fresh, err := l.Checkpoint(ctx, lg)
	if err != nil || fresh.Size != 24 {
		t.Fatalf("after a second: %d %v", fresh.Size, err)
	}
	rep := MustVerify(t, l, lg)
	if rep.Checkpoints != 3 {
		t.Fatalf("verified %d checkpoints, want 3", rep.Checkpoints)
	}
}

func testIdempotency(t *testing.T, f Factory) {
	s := f.New(t)
	l, lg := NewLedger(t, s, nil, "430181117")
	ctx := t.Context()
	type res struct{ Seq int64 }
	op := func(i int) func(b *ledger.Batch) (res, error) {
		return func(b *ledger.Batch) (res, error) {
			e, err := b.Append(ledger.AppendInput{Type: "payment_recorded", Actor: "u1", Payload: Payload(i)})
			return res{e.Seq}, err
		}
	}
	body := []byte(`{"amount":"100.00","payee":"p1"}`)
	idem := &ledger.Idem{IdemScope: ledger.IdemScope{UserID: "u1", Method: "POST", Route: "/api/v1/payments", Key: "k1"},
		Fingerprint: ledger.FingerprintJSON(body)}
	first, replayed, err := ledger.Do(ctx, l, lg, idem, op(1))
	if err != nil || replayed {
		t.Fatal(err, replayed)
	}
	// Same key, same body with other spacing and key order: the first response.
	idem2 := *idem
	idem2.Fingerprint = ledger.FingerprintJSON([]byte(`{ "payee":"p1", "amount":"100.00" }`))
	again, replayed, err := ledger.Do(ctx, l, lg, &idem2, op(2))
	if err != nil || !replayed || again != first {
		t.Fatalf("replay: %+v %v %v, want %+v", again, replayed, err, first)
	}
	// Same key, other body: conflict, nothing written.
	idem3 := *idem
	idem3.Fingerprint = ledger.FingerprintJSON([]byte(`{"amount":"200.00","payee":"p1"}`))
	if _, _, err := ledger.Do(ctx, l, lg, &idem3, op(3)); ledger.ErrorCode(err) != ledger.CodeIdempotencyConflict {
		t.Fatalf("conflict: %v", err)
	}
	// The same key from another user is another request.
	idem4 := *idem
	idem4.UserID = "u2"
	if _, replayed, err := ledger.Do(ctx, l, lg, &idem4, op(4)); err != nil || replayed {
		t.Fatalf("other user: %v %v", replayed, err)
	}
	// A failed request is not remembered: the retry runs.
	idem5 := &ledger.Idem{IdemScope: ledger.IdemScope{UserID: "u1", Method: "POST", Route: "/x", Key: "k5"}}
	failOnce := true
	_, _, err = ledger.Do(ctx, l, lg, idem5, func(b *ledger.Batch) (res, error) {
		if failOnce {
			failOnce = false
			b.Append(ledger.AppendInput{Type: "payment_recorded", Actor: "u1", Payload: Payload(9)})
			return res{}, ledger.Errorf(ledger.CodeFundOverdrawn, "余额不足")
		}
		return op(5)(b)
	})
	if ledger.ErrorCode(err) != ledger.CodeFundOverdrawn {
		t.Fatal(err)
	}
	if _, replayed, err := ledger.Do(ctx, l, lg, idem5, op(5)); err != nil || replayed {
		t.Fatalf("retry after failure: %v %v", replayed, err)
	}
	if n, _ := s.Size(ctx, lg.ID); n != 3 {
		t.Fatalf("size %d, want 3", n)
	}
	// Two identical requests racing, many times: one entry each time.
	for round := 0; round < 20; round++ {
		k := &ledger.Idem{IdemScope: ledger.IdemScope{UserID: "u1", Method: "POST", Route: "/api/v1/payments", Key: fmt.Sprintf("race-%d", round)},
			Fingerprint: ledger.FingerprintJSON(body)}
		var wg sync.WaitGroup
		got := make([]res, 8)
		errs := make([]error, 8)
		for i := range got {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				got[i], _, errs[i] = ledger.Do(context.Background(), l, lg, k, op(100+round))
			}(i)
		}
		wg.Wait()
		for i := range got {
			if errs[i] != nil || got[i] != got[0] {
				t.Fatalf("race %d: %+v %v", round, got, errs)
			}
		}
	}
	if n, _ := s.Size(ctx, lg.ID); n != 23 {
		t.Fatalf("size %d after races, want 23", n)
	}
	// A dead caller's context does not write.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := l.Append(cctx, lg, ledger.AppendInput{Type: "payment_recorded", Actor: "u1", Payload: Payload(1)}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	MustVerify(t, l, lg)
}

func testTwoTowns(t *testing.T, f Factory) {
	s := f.New(t)
	l := ledger.New(ledger.Options{Store: s, Key: MustKey(t), Now: NewClock(FixedTime).Now})
	defer l.Close()
	a, err := l.EnsureLog(t.Context(), "430181117", "x.test/log/430181117")
	if err != nil {
		t.Fatal(err)
	}
	b, err := l.EnsureLog(t.Context(), "430181118", "x.test/log/430181118")
	if err != nil {
		t.Fatal(err)
	}
	mustAppend(t, l, a, 5)
	mustAppend(t, l, b, 3)
	ca, _ := l.SignCheckpoint(t.Context(), a)
	cb, _ := l.SignCheckpoint(t.Context(), b)
	if ca.Size != 5 || cb.Size != 3 {
		t.Fatalf("sizes %d %d", ca.Size, cb.Size)
	}
	vb, _ := l.Key().VerifierKey(b.Origin)
	if _, err := ledger.OpenCheckpoint(ca.Note, vb); err == nil {
		t.Fatal("town A's checkpoint opened with town B's key name")
	}
	MustVerify(t, l, a)
	MustVerify(t, l, b)
}
