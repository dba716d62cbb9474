package gormstore

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"
)

// A MySQL DSN may name several addresses of one database, the nodes of a
// Galera cluster: tcp(node1:3306,node2:3306,node3:3306). The store keeps to
// one of them and opens every connection there; when a connection cannot be
// opened there, or the node answers that it is not ready (1047: a node
// outside the cluster's primary component, or still joining), it moves to
// the next address that is, and stays there. Connections already open to a
// node that went away fail, the writer retries its batch (a lost connection
// is transient), and their replacements are opened at the new address.

// failoverDial bounds each connection attempt when there are several
// addresses, so that an unreachable node costs seconds, not the system's
// TCP timeout.
const failoverDial = 3 * time.Second

// splitDSNAddrs takes the addresses out of a DSN's tcp(a,b,c): it returns
// the DSN with the first of them alone (the driver's parser would read the
// list as one host) and all of them.
func splitDSNAddrs(dsn string) (string, []string) {
	i := strings.Index(dsn, "@tcp(")
	if i < 0 {
		return dsn, nil
	}
	open := i + len("@tcp(")
	end := strings.IndexByte(dsn[open:], ')')
	if end < 0 {
		return dsn, nil
	}
	var addrs []string
	for _, a := range strings.Split(dsn[open:open+end], ",") {
		if a = strings.TrimSpace(a); a != "" {
			addrs = append(addrs, a)
		}
	}
	if len(addrs) <= 1 {
		return dsn, nil
	}
	return dsn[:open] + addrs[0] + dsn[open+end:], addrs
}

// mysqlConnector returns the connector for mc: the driver's own for one
// address, a failoverConnector over addrs when there are several.
func mysqlConnector(mc *mysql.Config, addrs []string) (driver.Connector, error) {
	if len(addrs) <= 1 {
		return mysql.NewConnector(mc)
	}
	f := &failoverConnector{addrs: addrs}
	for _, a := range addrs {
		c := mc.Clone()
		c.Addr = a
		if _, _, err := net.SplitHostPort(a); err != nil {
			c.Addr = net.JoinHostPort(a, "3306")
		}
		if c.Timeout == 0 {
			c.Timeout = failoverDial
		}
		conn, err := mysql.NewConnector(c)
		if err != nil {
			return nil, fmt.Errorf("mysql dsn, address %s: %w", a, err)
		}
		f.conns = append(f.conns, conn)
	}
	return f, nil
}

// failoverConnector opens connections at the current address, moving on to
// the next usable one when it cannot.
type failoverConnector struct {
	addrs []string
	conns []driver.Connector
	cur   atomic.Int64
}

func (f *failoverConnector) Driver() driver.Driver { return f.conns[0].Driver() }

// Current is the address connections are opened at now.
func (f *failoverConnector) Current() string { return f.addrs[f.cur.Load()] }

func (f *failoverConnector) Connect(ctx context.Context) (driver.Conn, error) {
	start := int(f.cur.Load())
	var errs []error
	for i := range f.conns {
		k := (start + i) % len(f.conns)
		c, err := f.conns[k].Connect(ctx)
		if err == nil {
			if err = ready(ctx, c); err != nil {
				c.Close()
			}
		}
		if err == nil {
			if k != start && f.cur.CompareAndSwap(int64(start), int64(k)) {
				slog.Warn("database: moved to another address", "from", f.addrs[start], "to", f.addrs[k])
			}
			return c, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", f.addrs[k], err))
		if ctx.Err() != nil {
			break
		}
	}
	return nil, errors.Join(errs...)
}

// ready asks a new connection's node whether it takes statements: a Galera
// node outside the primary component, or still joining, answers 1047.
func ready(ctx context.Context, c driver.Conn) error {
	q, ok := c.(driver.QueryerContext)
	if !ok {
		return nil
	}
	rows, err := q.QueryContext(ctx, "SELECT 1", nil)
	if err != nil {
		return err
	}
	dest := make([]driver.Value, len(rows.Columns()))
	if err := rows.Next(dest); err != nil && err != io.EOF {
		rows.Close()
		return err
	}
	return rows.Close()
}
