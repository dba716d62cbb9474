package gormstore_test

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// faults is a database/sql connector wrapper that makes statements and
// commits of transactions fail the way servers fail them:
//
//   - abort: the server rolls the transaction back (a deadlock, a Galera
//     certification conflict) and reports 1213 (SQLite: an I/O error); the
//     connection then runs what follows in autocommit mode, exactly the
//     trap that a writer which carries on falls into;
//   - lost: the connection dies (driver.ErrBadConn); the transaction is gone;
//   - odd: a statement fails with an error that is not transient, the
//     transaction left as the server leaves it;
//   - commit lost before: the transaction is rolled back and the connection
//     dies; commit lost after: it committed, but the answer never came.
//
// Faults fire only while armed, only inside transactions: a transaction
// meets a statement fault with probability pTx, at a statement drawn among
// its first 150 (PREPARE, EXEC, QUERY, SAVEPOINT…; none when it has fewer),
// and a commit fault with probability pCommit.
type faults struct {
	mysql       bool
	pTx         float64
	pCommit     float64
	armed       atomic.Bool
	mu          sync.Mutex
	rng         *mrand.Rand
	abort, lost atomic.Int64
	odd         atomic.Int64
	cBefore     atomic.Int64
	cAfter      atomic.Int64
}

func (f *faults) roll(p float64) (bool, float64) {
	if !f.armed.Load() {
		return false, 0
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rng.Float64() < p, f.rng.Float64()
}

func (f *faults) wrap(c driver.Connector) driver.Connector { return &fConnector{Connector: c, f: f} }

type fConnector struct {
	driver.Connector
	f *faults
}

func (c *fConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &fConn{inner: conn, f: c.f}, nil
}

type fConn struct {
	inner   driver.Conn
	f       *faults
	inTx    bool
	broken  bool
	n       int // statements of the transaction so far
	faultAt int // the statement that fails (−1: none)
	kind    float64
}

var errInjectedIO = errors.New("injected fault: disk I/O error")

// fault fires a statement fault when the dice say so, and returns its error.
func (c *fConn) fault(ctx context.Context) error {
	if c.broken {
		return driver.ErrBadConn
	}
	if !c.inTx {
		return nil
	}
	c.n++
	if c.n-1 != c.faultAt {
		return nil
	}
	kind := c.kind
	switch {
	case kind < 0.5:
		c.f.abort.Add(1)
		if ex, ok := c.inner.(driver.ExecerContext); ok {
			_, _ = ex.ExecContext(ctx, "ROLLBACK", nil)
		}
		if c.f.mysql {
			return &mysql.MySQLError{Number: 1213, Message: "Deadlock found when trying to get lock (injected)"}
		}
		return errInjectedIO
	case kind < 0.8:
		c.f.lost.Add(1)
		c.broken = true
		return driver.ErrBadConn
	default:
		c.f.odd.Add(1)
		if c.f.mysql {
			return &mysql.MySQLError{Number: 1105, Message: "Unknown error (injected)"}
		}
		return errors.New("injected fault: unexpected error")
	}
}

func (c *fConn) Prepare(q string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), q)
}

func (c *fConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	if err := c.fault(ctx); err != nil {
		return nil, err
	}
	var st driver.Stmt
	var err error
	if p, ok := c.inner.(driver.ConnPrepareContext); ok {
		st, err = p.PrepareContext(ctx, q)
	} else {
		st, err = c.inner.Prepare(q)
	}
	if err != nil {
		return nil, err
	}
	return &fStmt{Stmt: st, c: c}, nil
}

func (c *fConn) Close() error { return c.inner.Close() }

func (c *fConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *fConn) BeginTx(ctx context.Context, o driver.TxOptions) (driver.Tx, error) {
	if c.broken {
		return nil, driver.ErrBadConn
	}
	tx, err := c.inner.(driver.ConnBeginTx).BeginTx(ctx, o)
	if err != nil {
		return nil, err
	}
	c.inTx, c.n, c.faultAt = true, 0, -1
	if hit, r := c.f.roll(c.f.pTx); hit {
		c.faultAt = int(r * 150)
		_, c.kind = c.f.roll(1)
	}
	return &fTx{inner: tx, c: c}, nil
}

func (c *fConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	if err := c.fault(ctx); err != nil {
		return nil, err
	}
	ex, ok := c.inner.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	return ex.ExecContext(ctx, q, args)
}

func (c *fConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	if err := c.fault(ctx); err != nil {
		return nil, err
	}
	qu, ok := c.inner.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	return qu.QueryContext(ctx, q, args)
}

func (c *fConn) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := c.inner.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

func (c *fConn) ResetSession(ctx context.Context) error {
	if c.broken {
		return driver.ErrBadConn
	}
	if r, ok := c.inner.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *fConn) IsValid() bool {
	if c.broken {
		return false
	}
	if v, ok := c.inner.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

type fStmt struct {
	driver.Stmt
	c *fConn
}

func (s *fStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	if err := s.c.fault(ctx); err != nil {
		return nil, err
	}
	return s.Stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (s *fStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	if err := s.c.fault(ctx); err != nil {
		return nil, err
	}
	return s.Stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
}

func (s *fStmt) CheckNamedValue(nv *driver.NamedValue) error { return s.c.CheckNamedValue(nv) }

type fTx struct {
	inner driver.Tx
	c     *fConn
}

func (t *fTx) Commit() error {
	defer func() { t.c.inTx = false }()
	if t.c.broken {
		return driver.ErrBadConn
	}
	hit, kind := t.c.f.roll(t.c.f.pCommit)
	if !hit {
		return t.inner.Commit()
	}
	t.c.broken = true
	if kind < 0.5 {
		t.c.f.cBefore.Add(1)
		_ = t.inner.Rollback()
		return driver.ErrBadConn
	}
	t.c.f.cAfter.Add(1)
	if err := t.inner.Commit(); err != nil {
		return err
	}
	return driver.ErrBadConn
}

func (t *fTx) Rollback() error {
	t.c.inTx = false
	if t.c.broken {
		_ = t.inner.Rollback()
		return driver.ErrBadConn
	}
	return t.inner.Rollback()
}

// TestWriterUnderFaults (issue 14 §2): 64 writers pay 16 keys each through
// the service while the database connection fails PREPARE, EXEC, QUERY,
// SAVEPOINT and COMMIT at random, as servers do (see faults). Each writer
// retries a key until it is acknowledged, and sends an acknowledged key
// again. Afterwards, with the faults off, every key is acknowledged; every
// answer of a key names the same payment; each voucher is stored exactly
// once and the project's paid is exactly the sum; the log verifies (deep),
// its head is signed, a checkpoint is signed, and a rebuild equals the
// projections. On SQLite and MariaDB.
func TestWriterUnderFaults(t *testing.T) {
	for _, dialect := range gormstoretest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			f := &faults{mysql: dialect == "mysql", pTx: 0.5, pCommit: 0.3, rng: mrand.New(mrand.NewPCG(14, 2))}
			store := gormstoretest.OpenWith(t, gormstoretest.NewDSN(t, dialect), gormstore.Options{WrapConnector: f.wrap})
			svc, lg := lt.NewService(t, store, nil)
			lt.Town(t, svc, lg)
			ctx := context.Background()
			if _, err := svc.RecordAllocation(ctx, lg, "fin", ledger.AllocationRow{DocNo: "浏财农〔2026〕3号", ProjectCode: "ZT-2026-003",
				Amount: lt.Y("200000"), AllocatedOn: lt.D("2026-03-01")}, nil); err != nil {
				t.Fatal(err)
			}
			const writers, perWriter = 64, 16
			type key struct{ g, k int }
			row := func(k key) (ledger.PaymentRow, *ledger.Idem) {
				r := ledger.PaymentRow{VoucherNo: fmt.Sprintf("F-%d-%d", k.g, k.k), ProjectCode: "ZT-2026-003", DocNo: "浏财农〔2026〕3号",
					Kind: ledger.PaySubsidy, PayeeIDNumber: lt.ID(k.g%6+1, 1970), Amount: lt.Y("1"), PaidOn: lt.D("2026-03-05")}
				body, _ := json.Marshal(r)
				return r, &ledger.Idem{IdemScope: ledger.IdemScope{UserID: "fin", Method: "POST", Route: "/api/v1/payments", Key: fmt.Sprintf("k-%d-%d", k.g, k.k)},
					Fingerprint: ledger.FingerprintJSON(body)}
			}
			var mu sync.Mutex
			answers := map[key][]int64{}
			var refusals atomic.Int64
			pay := func(k key) (int64, error) {
				r, idem := row(k)
				p, err := svc.RecordPayment(ctx, lg, "fin", r, idem)
				if err != nil {
					return 0, err
				}
				mu.Lock()
				answers[k] = append(answers[k], p.ID)
				mu.Unlock()
				return p.ID, nil
			}
			f.armed.Store(true)
			var wg sync.WaitGroup
			for g := range writers {
				wg.Go(func() {
					for k := range perWriter {
						for try := 0; try < 40; try++ {
							_, err := pay(key{g, k})
							if err == nil {
								if try%2 == 0 { // an acknowledged key sent again
									_, _ = pay(key{g, k})
								}
								break
							}
							switch ledger.ErrorCode(err) {
							case ledger.CodeUnavailable, ledger.CodeInternal:
								refusals.Add(1)
								time.Sleep(time.Duration(1+try) * time.Millisecond)
							default:
								t.Errorf("key %d/%d: unexpected refusal %v", g, k, err)
								return
							}
						}
					}
				})
			}
			wg.Wait()
			f.armed.Store(false)
			t.Logf("%s: injected %d aborts, %d lost connections, %d odd errors, %d commits lost before, %d after; %d refusals answered to writers",
				dialect, f.abort.Load(), f.lost.Load(), f.odd.Load(), f.cBefore.Load(), f.cAfter.Load(), refusals.Load())
			if f.abort.Load() == 0 || f.lost.Load() == 0 || f.cBefore.Load() == 0 || f.cAfter.Load() == 0 {
				t.Errorf("the run injected too few faults of some kind")
			}
			// Every key, retried without faults, answers its one payment.
			for g := range writers {
				for k := range perWriter {
					if _, err := pay(key{g, k}); err != nil {
						t.Fatalf("key %d/%d after the faults: %v", g, k, err)
					}
				}
			}
			byVoucher := map[string]int{}
			ps, err := svc.Payments(ctx, lg, ledger.PaymentFilter{})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range ps {
				byVoucher[p.VoucherNo]++
			}
			ids := map[int64]key{}
			for k, as := range answers {
				for _, id := range as {
					if id != as[0] {
						t.Errorf("key %v answered payments %v", k, as)
						break
					}
				}
				if other, ok := ids[as[0]]; ok {
					t.Errorf("keys %v and %v answered the same payment %d", k, other, as[0])
				}
				ids[as[0]] = k
				r, _ := row(k)
				if n := byVoucher[r.VoucherNo]; n != 1 {
					t.Errorf("voucher %s stored %d times", r.VoucherNo, n)
				}
				p, err := store.Books(ctx, lg.ID).Payment(as[0])
				if err != nil || p.VoucherNo != r.VoucherNo {
					t.Errorf("key %v answered payment %d: %+v %v", k, as[0], p, err)
				}
			}
			if len(answers) != writers*perWriter {
				t.Fatalf("%d keys answered, want %d", len(answers), writers*perWriter)
			}
			pr, err := svc.ProjectReport(ctx, lg, "ZT-2026-003")
			if err != nil {
				t.Fatal(err)
			}
			if pr.Paid != lt.Y(fmt.Sprint(writers*perWriter)) {
				t.Errorf("project paid %s, want %d 元", pr.Paid, writers*perWriter)
			}
			rep, err := svc.L.Verify(ctx, lg, ledger.VerifyOptions{Deep: true})
			if err != nil || !rep.OK() {
				t.Fatalf("verify --deep: %v %+v", err, rep.Problems)
			}
			if st, err := svc.L.CheckHead(ctx, lg); err != nil || !st.OK() {
				t.Fatalf("head: %+v %v", st, err)
			}
			if _, err := svc.L.SignCheckpoint(ctx, lg); err != nil {
				t.Fatal(err)
			}
			rb, err := svc.L.Rebuild(ctx, lg, gormstoretest.Open(t, "sqlite"))
			if err != nil || len(rb.Differences) != 0 {
				t.Fatalf("rebuild: %v %v", err, rb.Differences)
			}
		})
	}
}

// TestWriterLostCommitNotRepeated: requests without an Idempotency-Key
// (anonymous complaints, account changes, Ledger.Append) while half the
// commits lose their answer, before or after committing. A batch whose
// COMMIT answer was lost is not run again on top of itself: the writer
// reads the head back and acknowledges it when its signed head is there.
// Afterwards no request is stored twice and every acknowledged one is
// stored once. On SQLite and MariaDB.
func TestWriterLostCommitNotRepeated(t *testing.T) {
	for _, dialect := range gormstoretest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			f := &faults{mysql: dialect == "mysql", pTx: 0, pCommit: 0.5, rng: mrand.New(mrand.NewPCG(14, 3))}
			store := gormstoretest.OpenWith(t, gormstoretest.NewDSN(t, dialect), gormstore.Options{WrapConnector: f.wrap})
			l, lg := lt.NewLedger(t, store, nil, "430181117")
			f.armed.Store(true)
			var acked sync.Map
			var wg sync.WaitGroup
			for g := range 16 {
				wg.Go(func() {
					for i := range 20 {
						id := g*1000 + i
						if _, err := l.Append(context.Background(), lg, ledger.AppendInput{Type: "fund_recorded", Actor: "u1", Payload: map[string]any{"id": id}}); err == nil {
							acked.Store(id, true)
						}
					}
				})
			}
			wg.Wait()
			f.armed.Store(false)
			if f.cAfter.Load() == 0 {
				t.Fatal("no commit lost its answer after committing")
			}
			size, _ := store.Size(context.Background(), lg.ID)
			rows, err := store.Entries(context.Background(), lg.ID, 0, int(size))
			if err != nil {
				t.Fatal(err)
			}
			stored := map[int]int{}
			for _, r := range rows {
				e, err := ledger.ParseEntry(r.Body)
				if err != nil {
					t.Fatal(err)
				}
				var p struct{ ID int }
				json.Unmarshal(e.Payload, &p)
				stored[p.ID]++
			}
			for id, n := range stored {
				if n > 1 {
					t.Errorf("request %d stored %d times", id, n)
				}
			}
			n := 0
			acked.Range(func(k, _ any) bool {
				n++
				if stored[k.(int)] != 1 {
					t.Errorf("acknowledged request %v stored %d times", k, stored[k.(int)])
				}
				return true
			})
			t.Logf("%s: %d commits lost before, %d after; %d acknowledged, %d stored", dialect, f.cBefore.Load(), f.cAfter.Load(), n, len(stored))
		})
	}
}
