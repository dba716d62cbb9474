package gormstore

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/testdsn"
)

// tcpProxy forwards connections to target until Kill, which closes its
// listener and every connection through it: a database node going away.
type tcpProxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			d, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, d)
			p.mu.Unlock()
			go func() { io.Copy(d, c); d.Close() }()
			go func() { io.Copy(c, d); c.Close() }()
		}
	}()
	t.Cleanup(p.Kill)
	return p
}

func (p *tcpProxy) Addr() string { return p.ln.Addr().String() }

func (p *tcpProxy) Kill() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// TestSeveralDatabaseAddresses: SUNSHINE_DB may name several addresses of
// one database (the nodes of a Galera cluster), tcp(a,b). The store opens
// at the first that answers (a dead first address is passed over), and
// when the node in use goes away — its connections cut, no new ones taken —
// writes go on at the next address within seconds: each batch that met the
// cut fails transient (retried by the writer, 503 to a client that ran out
// of retries) and the log stays dense. Two proxies to the test server
// stand in for two nodes.
func TestSeveralDatabaseAddresses(t *testing.T) {
	dsn := testdsn.New(t, "mysql") // skips without SUNSHINE_TEST_MYSQL_DSN
	mc, err := mysql.ParseDSN(strings.TrimPrefix(dsn, "mysql://"))
	if err != nil {
		t.Fatal(err)
	}
	a, b := newTCPProxy(t, mc.Addr), newTCPProxy(t, mc.Addr)
	dead := newTCPProxy(t, mc.Addr)
	deadAddr := dead.Addr()
	dead.Kill()
	multi := func(addrs ...string) string {
		return strings.Replace(dsn, "tcp("+mc.Addr+")", "tcp("+strings.Join(addrs, ",")+")", 1)
	}
	ctx := context.Background()

	// A dead first address: opened, migrated and written at the second.
	s0 := openTestDSN(t, multi(deadAddr, b.Addr()))
	if got := s0.DB(); got == nil {
		t.Fatal("no database")
	}
	s0.Close()

	s := openTestDSN(t, multi(a.Addr(), b.Addr()))
	fc := currentConnector(t, s)
	if fc.Current() != a.Addr() {
		t.Fatalf("opened at %s, want the first address %s", fc.Current(), a.Addr())
	}
	lg, err := s.CreateLog(ctx, "430181117", "ledger.test/log/430181117", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	write := func() error {
		return s.Write(ctx, lg.ID, func(tx ledger.WriteTx, size int64) error {
			e := ledger.StoredEntry{Seq: size, Type: "test", EffectiveOn: "2026-03-10", RecordedAt: time.Now().UTC(), Actor: "system", Body: []byte(`{}`)}
			if err := tx.InsertEntries(lg.ID, []ledger.StoredEntry{e}); err != nil {
				return err
			}
			return tx.SetSize(lg.ID, size+1, nil)
		})
	}
	for range 5 {
		if err := write(); err != nil {
			t.Fatal(err)
		}
	}

	a.Kill() // the node in use goes away
	start := time.Now()
	written, transient := 0, 0
	for written < 5 && time.Since(start) < 30*time.Second {
		switch err := write(); {
		case err == nil:
			written++
		case errors.Is(err, ledger.ErrTransient):
			transient++
			time.Sleep(50 * time.Millisecond)
		default:
			t.Fatalf("a write after the node went away: %v (never anything but transient)", err)
		}
	}
	if written < 5 {
		t.Fatalf("writes did not move to the other address within 30 s (%d transient failures)", transient)
	}
	t.Logf("moved to %s after %d transient failures in %v", fc.Current(), transient, time.Since(start).Round(time.Millisecond))
	if fc.Current() != b.Addr() {
		t.Errorf("writing at %s, want %s", fc.Current(), b.Addr())
	}
	size, _, err := s.Head(ctx, lg.ID)
	if err != nil || size != 10 {
		t.Errorf("head %d %v, want 10 (each acknowledged batch once)", size, err)
	}
	var n, maxSeq int64
	if err := s.db.Raw("SELECT COUNT(*), MAX(seq) FROM entries WHERE log_id = ?", lg.ID).Row().Scan(&n, &maxSeq); err != nil || n != 10 || maxSeq != 9 {
		t.Errorf("entries %d, max seq %d (%v), want 10 dense", n, maxSeq, err)
	}
}

// currentConnector returns the store's failover connector.
func currentConnector(t *testing.T, s *Store) *failoverConnector {
	t.Helper()
	if s.failover == nil {
		t.Fatal("the store has no failover connector")
	}
	return s.failover
}
