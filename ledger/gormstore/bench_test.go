package gormstore_test

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"
	"gorm.io/gorm"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
	"github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// benchN is the number of entries the benchmarks use: SUNSHINE_BENCH_N, by
// default 10,000 (CI size). `make bench` sets 1,000,000.
func benchN() int {
	if v, err := strconv.Atoi(os.Getenv("SUNSHINE_BENCH_N")); err == nil && v > 0 {
		return v
	}
	return 10000
}

// benchPayload is about 300 bytes once canonical, like a payment entry.
func benchPayload(i int) map[string]any {
	return map[string]any{
		"voucher_no": fmt.Sprintf("记-2026-%02d-%05d", i%12+1, i), "amount": 120000 + i%5000,
		"payee":     map[string]any{"kind": "household", "id": 100000 + i%710},
		"item_code": "CY01", "period": "2026-03", "project_code": "ZT-2026-014",
		"doc_no": "浏财农指〔2026〕3号", "fund": 3, "payment_kind": "补助",
		"account_sha256": "9f2c5be1d0c1a4c8e37c1b7a06c9a4e7b2d1c0a9f8e7d6c5b4a3928170f6e5d4",
	}
}

func benchDialects(b *testing.B) []string {
	return gormstoretest.Dialects()
}

// BenchmarkAppend64 measures appends by 64 concurrent writers, each request
// one entry with an Idempotency-Key, against a raw batched INSERT of the same
// rows (entries, stored hashes, idempotency rows) into the same database in
// the same run. Reported: entries/s for both and their ratio (goal ≥ 0.5).
func BenchmarkAppend64(b *testing.B) {
	for _, dialect := range benchDialects(b) {
		b.Run(dialect, func(b *testing.B) {
			n := benchN()
			for b.Loop() {
				store := gormstoretest.Open(b, dialect)
				l, lg := ledgertest.NewLedger(b, store, nil, "430181117")
				var next atomic.Int64
				start := time.Now()
				var wg sync.WaitGroup
				for w := 0; w < 64; w++ {
					wg.Add(1)
					go func(w int) {
						defer wg.Done()
						for {
							i := int(next.Add(1)) - 1
							if i >= n {
								return
							}
							payload := ledger.PreparePayload(benchPayload(i))
							idem := &ledger.Idem{IdemScope: ledger.IdemScope{UserID: fmt.Sprintf("u%d", w), Method: "POST", Route: "/api/v1/payments", Key: fmt.Sprintf("k%d", i)}}
							_, _, err := ledger.Do(context.Background(), l, lg, idem, func(bt *ledger.Batch) (int64, error) {
								e, err := bt.Append(ledger.AppendInput{Type: "payment_recorded", Actor: "u1", Payload: payload})
								return e.Seq, err
							})
							if err != nil {
								b.Error(err)
								return
							}
						}
					}(w)
				}
				wg.Wait()
				ours := float64(n) / time.Since(start).Seconds()
				raw := rawInsert(b, store, n)
				b.ReportMetric(ours, "entries/s")
				b.ReportMetric(raw, "raw_entries/s")
				b.ReportMetric(ours/raw, "ratio")
			}
		})
	}
}

// rawInsert inserts n prepared entries, their stored hashes and an
// idempotency row each, in transactions of 500 entries with multi-row
// INSERTs, into a second log of the same database. Bodies and hashes are
// computed before the clock starts. It returns entries/s.
// SUNSHINE_BENCH_RAW_BATCH changes the 500 (64 matches what 64 writers can
// at most put in one transaction).
func rawInsert(b *testing.B, store *gormstore.Store, n int) float64 {
	ctx := context.Background()
	lg, err := store.CreateLog(ctx, "430181999", "raw.test/log/430181999", ledgertest.FixedTime)
	if err != nil {
		b.Fatal(err)
	}
	type row struct {
		e      ledger.Entry
		body   []byte
		hashes []tlog.Hash
	}
	rows := make([]row, n)
	mem := ledger.HashMap{}
	for i := range rows {
		p, _ := ledger.Canonical(benchPayload(i))
		e := ledger.Entry{Log: lg.Origin, Seq: int64(i), Type: "payment_recorded", RecordedAt: ledgertest.FixedTime, EffectiveOn: "2026-03-01", Actor: "u1", Payload: p}
		body := e.Encode()
		hs, err := mem.Add(int64(i), tlog.RecordHash(body))
		if err != nil {
			b.Fatal(err)
		}
		if len(mem) > 256 {
			mem.Prune(int64(i) + 1)
		}
		rows[i] = row{e, body, hs}
	}
	db := store.DB()
	start := time.Now()
	per := 500
	if v, err := strconv.Atoi(os.Getenv("SUNSHINE_BENCH_RAW_BATCH")); err == nil && v > 0 {
		per = v
	}
	for off := 0; off < n; off += per {
		chunk := rows[off:min(off+per, n)]
		err := db.Transaction(func(tx *gorm.DB) error {
			var q strings.Builder
			args := []any{}
			q.WriteString("INSERT INTO entries (log_id, seq, type, effective_on, recorded_at, actor, body) VALUES ")
			for i, r := range chunk {
				if i > 0 {
					q.WriteByte(',')
				}
				q.WriteString("(?,?,?,?,?,?,?)")
				args = append(args, lg.ID, r.e.Seq, r.e.Type, r.e.EffectiveOn, "2026-03-01T08:00:00Z", r.e.Actor, r.body)
			}
			if err := tx.Exec(q.String(), args...).Error; err != nil {
				return err
			}
			q.Reset()
			args = args[:0]
			q.WriteString("INSERT INTO tree_hashes (log_id, idx, hash) VALUES ")
			k := 0
			for _, r := range chunk {
				for j, h := range r.hashes {
					if k > 0 {
						q.WriteByte(',')
					}
					k++
					q.WriteString("(?,?,?)")
					args = append(args, lg.ID, tlog.StoredHashIndex(0, r.e.Seq)+int64(j), h[:])
				}
			}
			if err := tx.Exec(q.String(), args...).Error; err != nil {
				return err
			}
			q.Reset()
			args = args[:0]
			q.WriteString("INSERT INTO idempotency_keys (user_id, method, route, idem_key, log_id, fingerprint, response, created_at) VALUES ")
			for i, r := range chunk {
				if i > 0 {
					q.WriteByte(',')
				}
				q.WriteString("(?,?,?,?,?,?,?,?)")
				args = append(args, "raw", "POST", "/api/v1/payments", fmt.Sprintf("k%d", r.e.Seq), lg.ID, make([]byte, 32), []byte(strconv.FormatInt(r.e.Seq, 10)), "2026-03-01T08:00:00Z")
			}
			if err := tx.Exec(q.String(), args...).Error; err != nil {
				return err
			}
			return tx.Exec("UPDATE log_heads SET size = ? WHERE log_id = ?", chunk[len(chunk)-1].e.Seq+1, lg.ID).Error
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return float64(n) / time.Since(start).Seconds()
}

// fill appends n entries quickly (large batches) and returns the log.
func fill(b *testing.B, store *gormstore.Store, n int) (*ledger.Ledger, ledger.Log) {
	l, lg := ledgertest.NewLedger(b, store, nil, "430181117")
	const per = 2000
	for off := 0; off < n; off += per {
		ins := make([]ledger.AppendInput, 0, per)
		for i := off; i < min(off+per, n); i++ {
			ins = append(ins, ledger.AppendInput{Type: "payment_recorded", Actor: "u1", Payload: benchPayload(i)})
		}
		if _, err := l.Append(context.Background(), lg, ins...); err != nil {
			b.Fatal(err)
		}
	}
	return l, lg
}

// BenchmarkVerify measures `verify` over the whole log against a plain
// sequential read of the same rows (entries and stored hashes). Reported:
// both times and their ratio (goal ≤ 2).
func BenchmarkVerify(b *testing.B) {
	for _, dialect := range benchDialects(b) {
		b.Run(dialect, func(b *testing.B) {
			n := benchN()
			store := gormstoretest.Open(b, dialect)
			l, lg := fill(b, store, n)
			if _, err := l.SignCheckpoint(context.Background(), lg); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				start := time.Now()
				rep, err := l.Verify(context.Background(), lg, ledger.VerifyOptions{})
				if err != nil || !rep.OK() || rep.Entries != int64(n) {
					b.Fatalf("verify: %v %+v", err, rep.Problems)
				}
				ours := time.Since(start)
				start = time.Now()
				read := sequentialRead(b, store, lg, n)
				base := time.Since(start)
				if read != int64(n) {
					b.Fatalf("read %d", read)
				}
				b.ReportMetric(ours.Seconds(), "verify_s")
				b.ReportMetric(base.Seconds(), "read_s")
				b.ReportMetric(ours.Seconds()/base.Seconds(), "ratio")
			}
		})
	}
}

// sequentialRead reads every entry and stored hash of the log in seq order,
// in the same chunks as verify, doing nothing with them.
func sequentialRead(b *testing.B, store *gormstore.Store, lg ledger.Log, n int) int64 {
	db := store.DB()
	var count int64
	for from := int64(0); from < int64(n); from += 4096 {
		rows, err := db.Raw("SELECT seq, type, effective_on, recorded_at, actor, body FROM entries WHERE log_id = ? AND seq >= ? ORDER BY seq LIMIT ?", lg.ID, from, 4096).Rows()
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
			var seq int64
			var typ, eff, at, actor string
			var body []byte
			rows.Scan(&seq, &typ, &eff, &at, &actor, &body)
			count++
		}
		rows.Close()
		lo, hi := tlog.StoredHashIndex(0, from), tlog.StoredHashIndex(0, min(from+4096, int64(n)))
		hrows, err := db.Raw("SELECT idx, hash FROM tree_hashes WHERE log_id = ? AND idx >= ? AND idx < ? ORDER BY idx", lg.ID, lo, hi).Rows()
		if err != nil {
			b.Fatal(err)
		}
		for hrows.Next() {
			var idx int64
			var h []byte
			hrows.Scan(&idx, &h)
		}
		hrows.Close()
	}
	return count
}

// BenchmarkInclusionProof measures inclusion proofs for random entries of the
// whole log at its full size. Reported: p50 and p99 in ms (goal p99 < 5 ms).
func BenchmarkInclusionProof(b *testing.B) {
	for _, dialect := range benchDialects(b) {
		b.Run(dialect, func(b *testing.B) {
			n := benchN()
			store := gormstoretest.Open(b, dialect)
			l, lg := fill(b, store, n)
			ctx := context.Background()
			rng := rand.New(rand.NewSource(1))
			for b.Loop() {
				lat := make([]time.Duration, 1000)
				for i := range lat {
					idx := rng.Int63n(int64(n))
					start := time.Now()
					if _, err := l.ProveInclusion(ctx, lg, idx, int64(n)); err != nil {
						b.Fatal(err)
					}
					lat[i] = time.Since(start)
				}
				sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
				b.ReportMetric(float64(lat[500].Microseconds())/1000, "p50_ms")
				b.ReportMetric(float64(lat[990].Microseconds())/1000, "p99_ms")
			}
		})
	}
}
