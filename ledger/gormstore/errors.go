package gormstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	sqlitedrv "github.com/glebarez/go-sqlite"
	"github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// translate maps a driver error to the ledger's error kinds:
//   - gorm.ErrRecordNotFound → ledger.ErrNotFound
//   - a unique-key clash → *ledger.Error{Code: CodeConflict}
//   - deadlock, lock wait timeout, a Galera certification conflict or a node
//     not ready (1213, 1205, 1047), a savepoint the server dropped with its
//     aborted transaction (1305), a trigger the server could not reload
//     (1064 "has an error in its body"), SQLITE_BUSY/LOCKED → wraps
//     ledger.ErrTransient
//   - a connection refused, lost or killed → wraps ledger.ErrUnavailable and
//     ledger.ErrTransient
//   - a refusal by an append-only trigger → wraps ledger.ErrAppendOnly
//
// Anything else is returned wrapped with what was being done.
func translate(what string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ledger.ErrNotFound
	}
	var le *ledger.Error
	if errors.As(err, &le) || errors.Is(err, ledger.ErrTransient) || errors.Is(err, ledger.ErrAppendOnly) {
		return err
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1062: // ER_DUP_ENTRY
			return &ledger.Error{Code: ledger.CodeConflict, Detail: "记录已存在", Err: fmt.Errorf("%s: %w", what, err)}
		case 1205, 1213, // lock wait timeout, deadlock (and Galera's certification failure)
			1047, // WSREP has not yet prepared node for application use
			1180, // got error during COMMIT
			1305: // savepoint does not exist: the server aborted the transaction under it
			return fmt.Errorf("%s: %w: %v", what, ledger.ErrTransient, err)
		case 1053, 1077, 1317, 1927, 2006, 2013, 4031: // shutdown, interrupted, killed, gone away, lost
			return fmt.Errorf("%s: %w: %w: %v", what, ledger.ErrUnavailable, ledger.ErrTransient, err)
		case 1644: // SIGNAL from our triggers
			return fmt.Errorf("%s: %w: %v", what, ledger.ErrAppendOnly, err)
		case 1064: // a syntax error: ours, unless the server failed to reload a trigger
			// On a 3-node Galera cluster (MariaDB 10.11), a node that had just
			// been the rsync donor for a rejoining node answered every INSERT
			// into tree_hashes for about 4 s with "Trigger
			// 'tree_hashes_idx_dense' has an error in its body: ... syntax
			// error", then took them again (TestGaleraTwoWriters). The
			// statement did nothing, so the batch is retried, not answered 500.
			if strings.Contains(me.Message, "has an error in its body") {
				return fmt.Errorf("%s: %w: %v", what, ledger.ErrTransient, err)
			}
		}
		return fmt.Errorf("%s: %w", what, err)
	}
	var se *sqlitedrv.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff { // primary result code
		case 5, 6: // SQLITE_BUSY, SQLITE_LOCKED
			return fmt.Errorf("%s: %w: %v", what, ledger.ErrTransient, err)
		case 19: // SQLITE_CONSTRAINT: unique keys, and RAISE(ABORT) from our triggers
			if strings.Contains(se.Error(), "append-only:") {
				return fmt.Errorf("%s: %w: %v", what, ledger.ErrAppendOnly, err)
			}
			return &ledger.Error{Code: ledger.CodeConflict, Detail: "记录已存在", Err: fmt.Errorf("%s: %w", what, err)}
		}
	}
	if strings.Contains(err.Error(), "append-only:") {
		return fmt.Errorf("%s: %w: %v", what, ledger.ErrAppendOnly, err)
	}
	if connectionLost(err) {
		return fmt.Errorf("%s: %w: %w: %v", what, ledger.ErrUnavailable, ledger.ErrTransient, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// connectionLost reports whether err says the database connection could not
// be made or was lost.
func connectionLost(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var ne net.Error
	var oe *net.OpError
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysql.ErrInvalidConn) ||
		errors.Is(err, sql.ErrConnDone) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.As(err, &oe) || errors.As(err, &ne)
}
