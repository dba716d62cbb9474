package gormstore_test

// Real-database tests of the ledger's tamper evidence (DOMAIN.md §2):
//
//   - TestAppendOnlyTriggers: the triggers refuse every UPDATE, DELETE and
//     out-of-sequence INSERT on entries, tree_hashes and checkpoints that an
//     application bug or a careless operator could send.
//   - TestVerifyDetectsTampering: an insider who can drop the triggers edits
//     the tables; Verify names the first bad seq, and a checkpoint published
//     before the edit can no longer be proved consistent with the log.
//   - TestMySQLRestrictedUserGrants: the app user's grants (SELECT, INSERT
//     only on the append-only tables) refuse TRUNCATE, DROP, ALTER, UPDATE,
//     DELETE and DROP TRIGGER, which triggers cannot stop.
//
// Each runs on every dialect of gormstoretest.Dialects, as subtests named by
// dialect.

import (
	"bytes"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
	"github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// The trigger names of migrations/{sqlite,mysql}/0001_ledger.sql.
const (
	trgEntriesNoUpdate     = "entries_no_update"
	trgEntriesNoDelete     = "entries_no_delete"
	trgEntriesSeqDense     = "entries_seq_dense"
	trgHashesNoUpdate      = "tree_hashes_no_update"
	trgHashesNoDelete      = "tree_hashes_no_delete"
	trgHashesIdxDense      = "tree_hashes_idx_dense"
	trgCheckpointsNoUpdate = "checkpoints_no_update"
	trgCheckpointsNoDelete = "checkpoints_no_delete"
)

// fixture is a fresh, migrated database holding one log with n entries.
type fixture struct {
	dialect string
	store   *gormstore.Store
	l       *ledger.Ledger
	lg      ledger.Log
	bodies  [][]byte // E of every entry appended through the ledger, by seq
}

// newFixture opens a new database of the dialect and appends n entries
// through the ledger, one request each.
func newFixture(t *testing.T, dialect string, n int) *fixture {
	t.Helper()
	s := gormstoretest.Open(t, dialect)
	l, lg := ledgertest.NewLedger(t, s, nil, "430181117")
	f := &fixture{dialect: dialect, store: s, l: l, lg: lg}
	f.append(t, n)
	return f
}

// append appends n more entries through the ledger.
func (f *fixture) append(t *testing.T, n int) []ledger.Entry {
	t.Helper()
	var out []ledger.Entry
	for range n {
		i := len(f.bodies)
		es, err := f.l.Append(t.Context(), f.lg, ledger.AppendInput{Type: "fund_recorded", Actor: "u1", Payload: ledgertest.Payload(i)})
		if err != nil {
			t.Fatal(err)
		}
		if es[0].Seq != int64(i) {
			t.Fatalf("appended seq %d, want %d", es[0].Seq, i)
		}
		f.bodies = append(f.bodies, es[0].Encode())
		out = append(out, es...)
	}
	return out
}

// exec runs one statement of plain SQL through the store's *gorm.DB, as an
// operator at a database console would, and returns the database's answer.
func exec(s *gormstore.Store, q string, args ...any) error {
	return s.DB().Exec(q, args...).Error
}

// mustExec is exec that fails the test on an error.
func mustExec(t *testing.T, s *gormstore.Store, q string, args ...any) {
	t.Helper()
	if err := exec(s, q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// dropTriggers drops append-only triggers, as an insider with DDL rights
// would. DROP TRIGGER has the same syntax in SQLite and MySQL.
func dropTriggers(t *testing.T, s *gormstore.Store, names ...string) {
	t.Helper()
	for _, n := range names {
		mustExec(t, s, "DROP TRIGGER "+n)
	}
}

// replaceVerb is the dialect's INSERT that replaces a row with the same key.
func replaceVerb(dialect string) string {
	if dialect == "sqlite" {
		return "INSERT OR REPLACE"
	}
	return "REPLACE"
}

const insertEntryCols = " INTO entries (log_id, seq, type, effective_on, recorded_at, actor, body) VALUES (?, ?, ?, ?, ?, ?, ?)"

// entryArgs returns the arguments of insertEntryCols for e: its columns and
// its canonical body.
func entryArgs(lg ledger.Log, e ledger.Entry) []any {
	return []any{lg.ID, e.Seq, e.Type, e.EffectiveOn, e.RecordedAt.UTC().Format("2006-01-02T15:04:05Z"), e.Actor, e.Encode()}
}

// forged returns a well-formed entry of the log at seq, as an insider who
// knows the format would write it.
func forged(lg ledger.Log, seq int64) ledger.Entry {
	return ledger.Entry{Log: lg.Origin, Seq: seq, Type: "payment_recorded", RecordedAt: ledgertest.FixedTime,
		EffectiveOn: "2026-03-01", Actor: "u1", Payload: json.RawMessage(`{"amount":9999900,"payee":"p-forged"}`)}
}

// parse parses E, failing the test.
func parse(t *testing.T, body []byte) ledger.Entry {
	t.Helper()
	e, err := ledger.ParseEntry(body)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// flipPayloadDigit returns body with the first digit inside its payload
// changed: one byte, the envelope (and so the columns) untouched.
func flipPayloadDigit(t *testing.T, body []byte) []byte {
	t.Helper()
	out := bytes.Clone(body)
	start := bytes.Index(out, []byte(`"payload":{`))
	if start < 0 {
		t.Fatalf("no payload in %s", body)
	}
	for i := start + len(`"payload":{`); i < len(out); i++ {
		if c := out[i]; c >= '0' && c <= '9' {
			out[i] = '0' + (c-'0'+1)%10
			return out
		}
	}
	t.Fatalf("no digit in the payload of %s", body)
	return nil
}

// storedBody reads entry seq's body straight from the table.
func storedBody(t *testing.T, f *fixture, seq int64) []byte {
	t.Helper()
	e, err := f.store.Entry(t.Context(), f.lg.ID, seq)
	if err != nil {
		t.Fatalf("entry %d: %v", seq, err)
	}
	return e.Body
}

// refusedByTrigger checks that the database refused a statement with one of
// our append-only triggers' messages.
func refusedByTrigger(t *testing.T, err error, q string) {
	t.Helper()
	if err == nil {
		t.Fatalf("the database accepted %s", q)
	}
	if !strings.Contains(err.Error(), "append-only:") {
		t.Fatalf("%s: refused, but not by an append-only trigger: %v", q, err)
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) && me.Number != 1644 { // ER_SIGNAL_EXCEPTION
		t.Fatalf("%s: MySQL error %d, want 1644 (SIGNAL): %v", q, me.Number, err)
	}
}

func TestAppendOnlyTriggers(t *testing.T) {
	for _, dialect := range gormstoretest.Dialects() {
		t.Run(dialect, func(t *testing.T) { testAppendOnlyTriggers(t, dialect) })
	}
}

func testAppendOnlyTriggers(t *testing.T, dialect string) {
	const n = 10
	f := newFixture(t, dialect, n)
	ctx := t.Context()
	cp, err := f.l.SignCheckpoint(ctx, f.lg)
	if err != nil {
		t.Fatal(err)
	}
	if cp.Size != n {
		t.Fatalf("checkpoint size %d", cp.Size)
	}
	id := f.lg.ID
	next := tlog.StoredHashIndex(0, n) // the next tree_hashes index
	zero := make([]byte, tlog.HashSize)
	body3 := flipPayloadDigit(t, f.bodies[3])
	e3 := parse(t, body3)
	valid := forged(f.lg, n) // the next seq: what the writer itself inserts
	cases := []struct {
		name    string
		dialect string // "" for every dialect
		q       string
		args    []any
	}{
		{"update entry body", "", "UPDATE entries SET body = ? WHERE log_id = ? AND seq = 3", []any{body3, id}},
		{"update every entry's actor", "", "UPDATE entries SET actor = 'u2'", nil},
		{"update entry seq", "", "UPDATE entries SET seq = seq + 100 WHERE log_id = ? AND seq = 9", []any{id}},
		{"delete entry", "", "DELETE FROM entries WHERE log_id = ? AND seq = 3", []any{id}},
		{"delete last entry", "", "DELETE FROM entries WHERE log_id = ? AND seq = ?", []any{id, n - 1}},
		{"delete every entry", "", "DELETE FROM entries", nil},
		{"insert entry out of sequence", "", "INSERT" + insertEntryCols, entryArgs(f.lg, forged(f.lg, n+5))},
		{"insert entry at an existing seq", "", "INSERT" + insertEntryCols, entryArgs(f.lg, forged(f.lg, 2))},
		{"insert entry with a negative seq", "", "INSERT" + insertEntryCols, entryArgs(f.lg, forged(f.lg, -1))},
		{"insert next entry and one out of sequence", "",
			"INSERT INTO entries (log_id, seq, type, effective_on, recorded_at, actor, body) VALUES (?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?)",
			append(entryArgs(f.lg, valid), entryArgs(f.lg, forged(f.lg, n+1+1))...)},
		{"update tree hash", "", "UPDATE tree_hashes SET hash = ? WHERE log_id = ? AND idx = ?", []any{zero, id, tlog.StoredHashIndex(0, 3)}},
		{"delete tree hash", "", "DELETE FROM tree_hashes WHERE log_id = ? AND idx = ?", []any{id, tlog.StoredHashIndex(0, 3)}},
		{"delete every tree hash", "", "DELETE FROM tree_hashes", nil},
		{"insert tree hash out of sequence", "", "INSERT INTO tree_hashes (log_id, idx, hash) VALUES (?, ?, ?)", []any{id, next + 3, zero}},
		{"insert tree hash at an existing index", "", "INSERT INTO tree_hashes (log_id, idx, hash) VALUES (?, ?, ?)", []any{id, 1, zero}},
		{"update checkpoint", "", "UPDATE checkpoints SET root = ? WHERE log_id = ? AND size = ?", []any{zero, id, n}},
		{"delete checkpoint", "", "DELETE FROM checkpoints WHERE log_id = ?", []any{id}},

		// SQLite: INSERT OR REPLACE deletes the old row without firing
		// UPDATE triggers; the dense-insert trigger stops it.
		{"insert or replace entry", "sqlite", "INSERT OR REPLACE" + insertEntryCols, entryArgs(f.lg, e3)},
		{"replace entry", "sqlite", "REPLACE" + insertEntryCols, entryArgs(f.lg, e3)},
		{"insert or replace tree hash", "sqlite", "INSERT OR REPLACE INTO tree_hashes (log_id, idx, hash) VALUES (?, ?, ?)", []any{id, 3, zero}},
		{"upsert entry", "sqlite", "INSERT" + insertEntryCols + " ON CONFLICT (log_id, seq) DO UPDATE SET body = excluded.body", entryArgs(f.lg, e3)},
		{"update or replace entry", "sqlite", "UPDATE OR REPLACE entries SET seq = 3 WHERE log_id = ? AND seq = 4", []any{id}},
		// MySQL: REPLACE and ON DUPLICATE KEY UPDATE fire BEFORE INSERT first.
		{"replace entry", "mysql", "REPLACE" + insertEntryCols, entryArgs(f.lg, e3)},
		{"replace tree hash", "mysql", "REPLACE INTO tree_hashes (log_id, idx, hash) VALUES (?, ?, ?)", []any{id, 3, zero}},
		{"insert entry on duplicate key update", "mysql", "INSERT" + insertEntryCols + " ON DUPLICATE KEY UPDATE body = VALUES(body)", entryArgs(f.lg, e3)},
		{"insert ignore entry out of sequence", "mysql", "INSERT IGNORE" + insertEntryCols, entryArgs(f.lg, forged(f.lg, n+5))},
		{"update entries joined", "mysql", "UPDATE entries e JOIN log_heads h ON h.log_id = e.log_id SET e.body = ? WHERE e.seq = 3", []any{body3}},
	}
	for _, c := range cases {
		if c.dialect != "" && c.dialect != dialect {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			refusedByTrigger(t, exec(f.store, c.q, c.args...), c.q)
			rep := ledgertest.MustVerify(t, f.l, f.lg)
			if rep.Head != n || rep.Entries != n || rep.Checkpoints != 1 {
				t.Fatalf("after %s: head %d, entries %d, checkpoints %d; want %d, %d, 1", c.q, rep.Head, rep.Entries, rep.Checkpoints, n, n)
			}
			if got := storedBody(t, f, 3); !bytes.Equal(got, f.bodies[3]) {
				t.Fatalf("entry 3 changed: %s", got)
			}
			if rep.Root != ledgertest.MTH(f.bodies) {
				t.Fatalf("root %v, want %v", rep.Root, ledgertest.MTH(f.bodies))
			}
		})
	}
	// The triggers let the writer go on appending.
	f.append(t, 3)
	rep := ledgertest.MustVerify(t, f.l, f.lg)
	if rep.Entries != n+3 || rep.Root != ledgertest.MTH(f.bodies) {
		t.Fatalf("after appending: %d entries, root %v", rep.Entries, rep.Root)
	}
}

// tamperCase is one insider edit for TestVerifyDetectsTampering.
type tamperCase struct {
	name    string
	dialect string // "" for every dialect
	// tamper edits the database of a fixture with 20 entries and checkpoints
	// of sizes 10 and 20 (cps).
	tamper     func(t *testing.T, f *fixture, cps []ledger.Checkpoint)
	wantSeq    int64   // FirstBadSeq
	orSeq      []int64 // other acceptable FirstBadSeq values
	wantKind   string  // a problem of this kind ...
	kindSeq    bool    // ... whose Seq is wantSeq
	wantDetail string  // ... whose Detail contains this, when not ""
	noKinds    []string
	// after, when not nil, runs once the report has been checked.
	after func(t *testing.T, f *fixture, cps []ledger.Checkpoint, rep ledger.VerifyReport)
}

func TestVerifyDetectsTampering(t *testing.T) {
	for _, dialect := range gormstoretest.Dialects() {
		t.Run(dialect, func(t *testing.T) { testVerifyDetectsTampering(t, dialect) })
	}
}

func testVerifyDetectsTampering(t *testing.T, dialect string) {
	const n = 20
	cases := []tamperCase{
		{
			name: "payload byte of seq 7 changed",
			tamper: func(t *testing.T, f *fixture, _ []ledger.Checkpoint) {
				dropTriggers(t, f.store, trgEntriesNoUpdate)
				mustExec(t, f.store, "UPDATE entries SET body = ? WHERE log_id = ? AND seq = 7", flipPayloadDigit(t, f.bodies[7]), f.lg.ID)
			},
			wantSeq: 7, wantKind: "hash_mismatch", kindSeq: true,
		},
		{
			name: "actor of seq 7 forged in body and column",
			tamper: func(t *testing.T, f *fixture, _ []ledger.Checkpoint) {
				dropTriggers(t, f.store, trgEntriesNoUpdate)
				e := parse(t, f.bodies[7])
				e.Actor = "u9"
				mustExec(t, f.store, "UPDATE entries SET actor = ?, body = ? WHERE log_id = ? AND seq = 7", e.Actor, e.Encode(), f.lg.ID)
			},
			wantSeq: 7, wantKind: "hash_mismatch", kindSeq: true,
		},
		{
			name: "actor column of seq 7 changed, body intact",
			tamper: func(t *testing.T, f *fixture, _ []ledger.Checkpoint) {
				dropTriggers(t, f.store, trgEntriesNoUpdate)
				mustExec(t, f.store, "UPDATE entries SET actor = 'u9' WHERE log_id = ? AND seq = 7", f.lg.ID)
			},
			wantSeq: 7, wantKind: "bad_entry", kindSeq: true,
			noKinds: []string{"hash_mismatch", "checkpoint_root"},
		},
		{
			name: "seq 7 deleted",
			tamper: func(t *testing.T, f *fixture, _ []ledger.Checkpoint) {
				dropTriggers(t, f.store, trgEntriesNoDelete)
				mustExec(t, f.store, "DELETE FROM entries WHERE log_id = ? AND seq = 7", f.lg.ID)
			},
			wantSeq: 7, wantKind: "missing_entry", kindSeq: true,
			// the hashes of seq 7 on are not "extra": their entries are cut off
			noKinds: []string{"extra_hash"},
		},
		{
			name: "bodies and columns of seq 5 and 6 swapped",
			tamper: func(t *testing.T, f *fixture, _ []ledger.Checkpoint) {
				dropTriggers(t, f.store, trgEntriesNoUpdate)
				for _, p := range [][2]int64{{5, 6}, {6, 5}} {
					e := parse(t, f.bodies[p[1]])
					mustExec(t, f.store, "UPDATE entries SET type = ?, effective_on = ?, recorded_at = ?, actor = ?, body = ? WHERE log_id = ? AND seq = ?",
						e.Type, e.EffectiveOn, e.RecordedAt.Format("2006-01-02T15:04:05Z"), e.Actor, e.Encode(), f.lg.ID, p[0])
				}
			},
			wantSeq: 5, wantKind: "bad_entry", kindSeq: true,
		},
		{
			name: "payloads of seq 5 and 6 swapped, envelopes rewritten",
			tamper: func(t *testing.T, f *fixture, _ []ledger.Checkpoint) {
				dropTriggers(t, f.store, trgEntriesNoUpdate)
				e5, e6 := parse(t, f.bodies[5]), parse(t, f.bodies[6])
				e5.Payload, e6.Payload = e6.Payload, e5.Payload
				for _, e := range []ledger.Entry{e5, e6} {
					mustExec(t, f.store, "UPDATE entries SET body = ? WHERE log_id = ? AND seq = ?", e.Encode(), f.lg.ID, e.Seq)
				}
			},
			wantSeq: 5, wantKind: "hash_mismatch", kindSeq: true,
			noKinds: []string{"bad_entry"},
		},
		{
			name: "stored leaf hash of seq 9 changed",
			tamper: func(t *testing.T, f *fixture, _ []ledger.Checkpoint) {
				dropTriggers(t, f.store, trgHashesNoUpdate)
				bad := tlog.RecordHash([]byte("forged"))
				mustExec(t, f.store, "UPDATE tree_hashes SET hash = ? WHERE log_id = ? AND idx = ?", bad[:], f.lg.ID, tlog.StoredHashIndex(0, 9))
			},
			wantSeq: 9, wantKind: "hash_mismatch", kindSeq: true,
			// the entries are intact, so the recomputed tree matches both checkpoints
			noKinds: []string{"checkpoint_root"},
		},
		{
			name: "checkpoint 20 re-signed with another key",
			tamper: func(t *testing.T, f *fixture, cps []ledger.Checkpoint) {
				k := ledgertest.OtherKey(t)
				note, err := ledger.SignCheckpointBody(k, ledger.CheckpointBody{Origin: f.lg.Origin, Size: n, Root: cps[1].Root})
				if err != nil {
					t.Fatal(err)
				}
				dropTriggers(t, f.store, trgCheckpointsNoUpdate)
				mustExec(t, f.store, "UPDATE checkpoints SET note = ? WHERE log_id = ? AND size = ?", note, f.lg.ID, n)
			},
			// the entries are intact: no seq is bad
			wantSeq: -1, wantKind: "checkpoint_signature", wantDetail: "大小为 20 ",
			noKinds: []string{"checkpoint_root", "hash_mismatch"},
		},
		{
			name: "root column of checkpoint 10 changed, note intact",
			tamper: func(t *testing.T, f *fixture, _ []ledger.Checkpoint) {
				dropTriggers(t, f.store, trgCheckpointsNoUpdate)
				other := ledgertest.MTH(f.bodies[:9])
				mustExec(t, f.store, "UPDATE checkpoints SET root = ? WHERE log_id = ? AND size = 10", other[:], f.lg.ID)
			},
			wantSeq: -1, wantKind: "checkpoint_signature", wantDetail: "大小为 10 ",
		},
		{
			name: "seq 15 rewritten with every stored hash recomputed",
			tamper: func(t *testing.T, f *fixture, cps []ledger.Checkpoint) {
				tampered := slices.Clone(f.bodies)
				tampered[15] = flipPayloadDigit(t, f.bodies[15])
				dropTriggers(t, f.store, trgEntriesNoUpdate, trgHashesNoUpdate)
				mustExec(t, f.store, "UPDATE entries SET body = ? WHERE log_id = ? AND seq = 15", tampered[15], f.lg.ID)
				want := ledgertest.StoredHashes(ledgertest.RecordHashes(tampered))
				rows, err := f.store.HashRange(t.Context(), f.lg.ID, 0, tlog.StoredHashIndex(0, n))
				if err != nil {
					t.Fatal(err)
				}
				if len(rows) != len(want) {
					t.Fatalf("%d stored hashes, computed %d", len(rows), len(want))
				}
				changed := 0
				for _, r := range rows {
					if h := want[r.Index]; h != r.Hash {
						mustExec(t, f.store, "UPDATE tree_hashes SET hash = ? WHERE log_id = ? AND idx = ?", h[:], f.lg.ID, r.Index)
						changed++
					}
				}
				// leaf 15 and its ancestors [14,16) [12,16) [8,16) [0,16)
				if changed != 5 {
					t.Fatalf("rewrote %d stored hashes, want 5", changed)
				}
				// The stored tree is now self-consistent: it is the tree of the
				// tampered bodies.
				root, err := f.l.TreeHash(t.Context(), f.lg, n)
				if err != nil {
					t.Fatal(err)
				}
				if root != ledgertest.MTH(tampered) || root == cps[1].Root {
					t.Fatalf("stored root %v; tampered MTH %v, signed %v", root, ledgertest.MTH(tampered), cps[1].Root)
				}
				f.bodies = tampered
			},
			// Only the signed root of size 20 disagrees; the last good
			// checkpoint has size 10, so the change lies in seqs 10…19.
			wantSeq: 10, wantKind: "checkpoint_root", kindSeq: true, wantDetail: "大小为 20 ",
			noKinds: []string{"hash_mismatch", "bad_entry", "missing_hash", "extra_hash"},
			after: func(t *testing.T, f *fixture, cps []ledger.Checkpoint, _ ledger.VerifyReport) {
				ctx := t.Context()
				published := cps[1] // on a village board since before the rewrite
				// The service goes on appending on top of the rewritten tree.
				f.append(t, 5)
				proof, err := f.l.ProveConsistency(ctx, f.lg, n, n+5)
				if err != nil {
					t.Fatal(err)
				}
				newRoot, err := f.l.TreeHash(ctx, f.lg, n+5)
				if err != nil {
					t.Fatal(err)
				}
				if newRoot != ledgertest.MTH(f.bodies) {
					t.Fatalf("root at %d is %v, want the tampered tree's %v", n+5, newRoot, ledgertest.MTH(f.bodies))
				}
				// The proof is sound for the rewritten history ...
				if err := tlog.CheckTree(proof, n+5, newRoot, n, ledgertest.MTH(f.bodies[:n])); err != nil {
					t.Fatalf("proof from the rewritten tree of size %d: %v", n, err)
				}
				// ... and cannot link the published checkpoint to today's tree.
				if err := tlog.CheckTree(proof, n+5, newRoot, n, published.Root); err == nil {
					t.Fatal("consistency proof from the published checkpoint of size 20 to the rewritten log succeeded")
				}
				// Nor will the log sign the rewritten tree.
				if _, err := f.l.SignCheckpoint(ctx, f.lg); ledger.ErrorCode(err) != ledger.CodeTampered {
					t.Fatalf("signing the rewritten tree: %v, want %s", err, ledger.CodeTampered)
				}
			},
		},
		{
			name: "seq 4 replaced",
			tamper: func(t *testing.T, f *fixture, _ []ledger.Checkpoint) {
				// REPLACE deletes the old row (SQLite: firing the delete
				// triggers, recursive_triggers is on) and inserts.
				dropTriggers(t, f.store, trgEntriesSeqDense, trgEntriesNoDelete)
				mustExec(t, f.store, replaceVerb(f.dialect)+insertEntryCols, entryArgs(f.lg, parse(t, flipPayloadDigit(t, f.bodies[4])))...)
			},
			wantSeq: 4, wantKind: "hash_mismatch", kindSeq: true,
		},
		{
			name: "tail truncated with its hashes",
			tamper: func(t *testing.T, f *fixture, _ []ledger.Checkpoint) {
				dropTriggers(t, f.store, trgEntriesNoDelete, trgHashesNoDelete)
				mustExec(t, f.store, "DELETE FROM entries WHERE log_id = ? AND seq = ?", f.lg.ID, n-1)
				mustExec(t, f.store, "DELETE FROM tree_hashes WHERE log_id = ? AND idx >= ?", f.lg.ID, tlog.StoredHashIndex(0, n-1))
				mustExec(t, f.store, "UPDATE log_heads SET size = ? WHERE log_id = ?", n-1, f.lg.ID)
			},
			// The checkpoint of size 20 and the head's own note (signed at
			// 20) show it; hashes past the head are not read (they could be
			// growth), so none is called extra.
			wantSeq: -1, orSeq: []int64{n - 1}, wantKind: "checkpoint_beyond_log", wantDetail: "大小为 20 ",
			noKinds: []string{"extra_hash"},
		},
		{
			name: "tail truncated, its hashes left",
			tamper: func(t *testing.T, f *fixture, _ []ledger.Checkpoint) {
				dropTriggers(t, f.store, trgEntriesNoDelete)
				mustExec(t, f.store, "DELETE FROM entries WHERE log_id = ? AND seq = ?", f.lg.ID, n-1)
				mustExec(t, f.store, "UPDATE log_heads SET size = ? WHERE log_id = ?", n-1, f.lg.ID)
			},
			// Hashes past the head are not read (they could be growth); the
			// head's note, signed at 20, names the head moved back.
			wantSeq: n - 1, wantKind: "head_mismatch", kindSeq: true,
		},
		{
			name: "tail deleted, head left",
			tamper: func(t *testing.T, f *fixture, _ []ledger.Checkpoint) {
				dropTriggers(t, f.store, trgEntriesNoDelete)
				mustExec(t, f.store, "DELETE FROM entries WHERE log_id = ? AND seq >= 17", f.lg.ID)
			},
			wantSeq: 17, wantKind: "head_mismatch", kindSeq: true,
		},
		{
			name: "entry forged at the end without stored hashes",
			tamper: func(t *testing.T, f *fixture, _ []ledger.Checkpoint) {
				// The dense-insert trigger lets a well-formed next entry
				// through (grants are what stop the app user's SQL console);
				// no trigger needs dropping.
				mustExec(t, f.store, "INSERT"+insertEntryCols, entryArgs(f.lg, forged(f.lg, n))...)
				mustExec(t, f.store, "UPDATE log_heads SET size = ? WHERE log_id = ?", n+1, f.lg.ID)
			},
			wantSeq: n, wantKind: "missing_hash", kindSeq: true,
			noKinds: []string{"checkpoint_root", "head_mismatch"},
		},
		{
			name: "head moved back",
			tamper: func(t *testing.T, f *fixture, _ []ledger.Checkpoint) {
				mustExec(t, f.store, "UPDATE log_heads SET size = 12 WHERE log_id = ?", f.lg.ID)
			},
			wantSeq: 12, wantKind: "head_mismatch", kindSeq: true,
		},
	}
	for _, c := range cases {
		if c.dialect != "" && c.dialect != dialect {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			ctx := t.Context()
			f := newFixture(t, dialect, n)
			c10, err := f.l.SignCheckpointAt(ctx, f.lg, 10)
			if err != nil {
				t.Fatal(err)
			}
			c20, err := f.l.SignCheckpoint(ctx, f.lg)
			if err != nil {
				t.Fatal(err)
			}
			if c10.Size != 10 || c20.Size != n {
				t.Fatalf("checkpoints of sizes %d and %d", c10.Size, c20.Size)
			}
			ledgertest.MustVerify(t, f.l, f.lg)
			cps := []ledger.Checkpoint{c10, c20}

			c.tamper(t, f, cps)

			var rep ledger.VerifyReport
			// The default options, and small chunks with the deep check: the
			// same first bad seq either way.
			for _, o := range []ledger.VerifyOptions{{}, {Deep: true, Chunk: 3}} {
				rep, err = f.l.Verify(ctx, f.lg, o)
				if err != nil {
					t.Fatalf("verify %+v: %v", o, err)
				}
				checkReport(t, c, rep)
			}
			if c.after != nil {
				c.after(t, f, cps, rep)
			}
		})
	}
}

// checkReport checks a report against what the case expects.
func checkReport(t *testing.T, c tamperCase, rep ledger.VerifyReport) {
	t.Helper()
	if rep.OK() {
		t.Fatalf("verify found nothing wrong (head %d, entries %d, %d checkpoints)", rep.Head, rep.Entries, rep.Checkpoints)
	}
	dump := func() string {
		var b strings.Builder
		for _, p := range rep.Problems {
			fmt.Fprintf(&b, "\n\t%d %s %s", p.Seq, p.Kind, p.Detail)
		}
		return b.String()
	}
	if rep.FirstBadSeq != c.wantSeq && !slices.Contains(c.orSeq, rep.FirstBadSeq) {
		t.Fatalf("first bad seq %d, want %d; problems:%s", rep.FirstBadSeq, c.wantSeq, dump())
	}
	found := false
	unexpected := map[string]bool{}
	for _, p := range rep.Problems {
		if p.Kind == c.wantKind && (!c.kindSeq || p.Seq == c.wantSeq) && strings.Contains(p.Detail, c.wantDetail) {
			found = true
		}
		if slices.Contains(c.noKinds, p.Kind) && !unexpected[p.Kind] {
			unexpected[p.Kind] = true
			t.Errorf("unexpected %s problem", p.Kind)
		}
		if p.Seq >= 0 && p.Seq < rep.FirstBadSeq {
			t.Errorf("problem at seq %d before the first bad seq %d", p.Seq, rep.FirstBadSeq)
		}
	}
	if !found {
		t.Errorf("no %s problem (seq %d, detail %q)", c.wantKind, c.wantSeq, c.wantDetail)
	}
	if t.Failed() {
		t.Fatalf("problems:%s", dump())
	}
}

// MySQL error numbers of a refused privilege.
var deniedNumbers = []uint16{
	1044, // ER_DBACCESS_DENIED_ERROR
	1142, // ER_TABLEACCESS_DENIED_ERROR
	1143, // ER_COLUMNACCESS_DENIED_ERROR
	1227, // ER_SPECIFIC_ACCESS_DENIED_ERROR
	1370, // ER_PROCACCESS_DENIED_ERROR
}

func TestMySQLRestrictedUserGrants(t *testing.T) {
	dsn := gormstoretest.NewDSN(t, "mysql") // skips without SUNSHINE_TEST_MYSQL_DSN
	gormstoretest.OpenDSN(t, dsn)           // migrated by the admin (the migrator)
	cfg, err := mysql.ParseDSN(strings.TrimPrefix(dsn, "mysql://"))
	if err != nil {
		t.Fatal(err)
	}
	dbName := cfg.DBName
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })

	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	user := "sunshine_app_" + hex.EncodeToString(rnd[:])
	_, _ = rand.Read(rnd[:])
	pass := "pw-" + hex.EncodeToString(rnd[:])
	// Every host the server might match the test client as.
	hosts := []string{"%", "localhost", "127.0.0.1"}
	adminExec := func(q string) {
		t.Helper()
		if _, err := admin.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, h := range hosts {
		account := fmt.Sprintf("'%s'@'%s'", user, h)
		adminExec(fmt.Sprintf("CREATE USER %s IDENTIFIED BY '%s'", account, pass))
		t.Cleanup(func() { _, _ = admin.Exec("DROP USER IF EXISTS " + account) })
		for _, tbl := range []string{"entries", "tree_hashes", "checkpoints"} {
			adminExec(fmt.Sprintf("GRANT SELECT, INSERT ON `%s`.`%s` TO %s", dbName, tbl, account))
		}
		for _, tbl := range []string{"log_heads", "logs", "idempotency_keys", "schema_migrations"} {
			adminExec(fmt.Sprintf("GRANT SELECT, INSERT, UPDATE, DELETE ON `%s`.`%s` TO %s", dbName, tbl, account))
		}
	}

	app := *cfg
	app.User, app.Passwd = user, pass
	appDSN := "mysql://" + app.FormatDSN()
	s, err := gormstore.Open(appDSN) // no Migrate: the app user cannot
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	var who string
	if err := s.DB().Raw("SELECT CURRENT_USER()").Row().Scan(&who); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(who, user+"@") {
		t.Fatalf("connected as %s, want %s", who, user)
	}
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("ping as the app user: %v", err)
	}

	// The app user does its job: append, sign, prove, verify.
	l, lg := ledgertest.NewLedger(t, s, nil, "430181117")
	var bodies [][]byte
	for i := range 12 {
		es, err := l.Append(t.Context(), lg, ledger.AppendInput{Type: "fund_recorded", Actor: "u1", Payload: ledgertest.Payload(i)})
		if err != nil {
			t.Fatalf("append as the app user: %v", err)
		}
		bodies = append(bodies, es[0].Encode())
	}
	cp, err := l.SignCheckpoint(t.Context(), lg)
	if err != nil {
		t.Fatalf("sign as the app user: %v", err)
	}
	if cp.Size != 12 || cp.Root != ledgertest.MTH(bodies) {
		t.Fatalf("checkpoint %d %v", cp.Size, cp.Root)
	}
	ledgertest.MustVerify(t, l, lg)
	var count int64
	if err := s.DB().Raw("SELECT COUNT(*) FROM entries").Row().Scan(&count); err != nil || count != 12 {
		t.Fatalf("select as the app user: %d %v", count, err)
	}

	// What neither the app nor someone with its password may do. TRUNCATE,
	// DROP and ALTER fire no trigger: only the grants stop them.
	zero := make([]byte, tlog.HashSize)
	denied := []struct {
		q    string
		args []any
	}{
		{"TRUNCATE TABLE entries", nil},
		{"DROP TABLE entries", nil},
		{"ALTER TABLE entries ADD COLUMN x INT", nil},
		{"RENAME TABLE entries TO entries_old", nil},
		{"UPDATE entries SET body = ? WHERE seq = 3", []any{[]byte("{}")}},
		{"DELETE FROM entries WHERE seq = 3", nil},
		{"DELETE FROM entries", nil},
		{"DROP TRIGGER entries_no_update", nil},
		{"DROP TRIGGER entries_seq_dense", nil},
		{"CREATE TRIGGER entries_evil BEFORE INSERT ON entries FOR EACH ROW SET NEW.actor = 'x'", nil},
		{"TRUNCATE TABLE tree_hashes", nil},
		{"DROP TABLE tree_hashes", nil},
		{"UPDATE tree_hashes SET hash = ? WHERE idx = 0", []any{zero}},
		{"DELETE FROM tree_hashes", nil},
		{"DROP TRIGGER tree_hashes_no_update", nil},
		{"TRUNCATE TABLE checkpoints", nil},
		{"UPDATE checkpoints SET root = ?", []any{zero}},
		{"DELETE FROM checkpoints", nil},
		{"CREATE TABLE entries_copy (x INT)", nil},
		{"DROP DATABASE `" + dbName + "`", nil},
	}
	for _, d := range denied {
		err := exec(s, d.q, d.args...)
		if err == nil {
			t.Errorf("the app user may %s", d.q)
			continue
		}
		var me *mysql.MySQLError
		if !errors.As(err, &me) || !slices.Contains(deniedNumbers, me.Number) {
			t.Errorf("%s: %v; want a privilege error (%v)", d.q, err, deniedNumbers)
			continue
		}
		t.Logf("refused %s: %d %s", d.q, me.Number, me.Message)
	}
	// Out-of-sequence inserts, which the grants allow, meet the triggers
	// (which run with their definer's rights).
	refusedByTrigger(t, exec(s, "INSERT"+insertEntryCols, entryArgs(lg, forged(lg, 40))...), "INSERT INTO entries out of sequence")
	refusedByTrigger(t, exec(s, "INSERT INTO tree_hashes (log_id, idx, hash) VALUES (?, ?, ?)", lg.ID, 2, zero), "INSERT INTO tree_hashes at an existing index")

	rep := ledgertest.MustVerify(t, l, lg)
	if rep.Entries != 12 || rep.Root != ledgertest.MTH(bodies) {
		t.Fatalf("after the refused statements: %d entries, root %v", rep.Entries, rep.Root)
	}
}
