package gormstore

import (
	"errors"
	"fmt"
	"strings"

	sqlitedrv "github.com/glebarez/go-sqlite"
	"github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// translate maps a driver error to the ledger's error kinds:
//   - gorm.ErrRecordNotFound → ledger.ErrNotFound
//   - a unique-key clash → *ledger.Error{Code: CodeConflict}
//   - deadlock, lock wait timeout, SQLITE_BUSY/LOCKED → wraps ledger.ErrTransient
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
		case 1205, 1213: // lock wait timeout, deadlock
			return fmt.Errorf("%s: %w: %v", what, ledger.ErrTransient, err)
		case 1644: // SIGNAL from our triggers
			return fmt.Errorf("%s: %w: %v", what, ledger.ErrAppendOnly, err)
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
	return fmt.Errorf("%s: %w", what, err)
}
