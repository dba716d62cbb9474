package ledgertest

import (
	"context"
	"database/sql/driver"
	"net"
	"sync/atomic"
	"syscall"
)

// DownSwitch takes a database away and brings it back, for tests of what
// the service answers meanwhile: while Down, new connections are refused
// (ECONNREFUSED, as from a stopped server) and every statement on an open
// one fails as on a dropped connection. Wrap is a connector wrapper for
// gormstore.Options.WrapConnector.
type DownSwitch struct{ down atomic.Bool }

// Set takes the database away (true) or brings it back (false).
func (s *DownSwitch) Set(down bool) { s.down.Store(down) }

// Wrap wraps a driver connector.
func (s *DownSwitch) Wrap(c driver.Connector) driver.Connector {
	return &downConnector{Connector: c, s: s}
}

type downConnector struct {
	driver.Connector
	s *DownSwitch
}

func (c *downConnector) Connect(ctx context.Context) (driver.Conn, error) {
	if c.s.down.Load() {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	}
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &downConn{Conn: conn, s: c.s}, nil
}

type downConn struct {
	driver.Conn
	s *DownSwitch
}

func (c *downConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	if c.s.down.Load() {
		return nil, driver.ErrBadConn
	}
	if p, ok := c.Conn.(driver.ConnPrepareContext); ok {
		return p.PrepareContext(ctx, q)
	}
	return c.Conn.Prepare(q)
}

func (c *downConn) BeginTx(ctx context.Context, o driver.TxOptions) (driver.Tx, error) {
	if c.s.down.Load() {
		return nil, driver.ErrBadConn
	}
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, o)
}

func (c *downConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	if c.s.down.Load() {
		return nil, driver.ErrBadConn
	}
	if ex, ok := c.Conn.(driver.ExecerContext); ok {
		return ex.ExecContext(ctx, q, args)
	}
	return nil, driver.ErrSkip
}

func (c *downConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	if c.s.down.Load() {
		return nil, driver.ErrBadConn
	}
	if qu, ok := c.Conn.(driver.QueryerContext); ok {
		return qu.QueryContext(ctx, q, args)
	}
	return nil, driver.ErrSkip
}

func (c *downConn) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := c.Conn.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

func (c *downConn) ResetSession(ctx context.Context) error {
	if c.s.down.Load() {
		return driver.ErrBadConn
	}
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *downConn) IsValid() bool {
	if c.s.down.Load() {
		return false
	}
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}
