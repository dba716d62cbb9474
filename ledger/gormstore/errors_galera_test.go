package gormstore

import (
	"errors"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// TestTranslateTriggerReloadTransient: a trigger the server fails to
// reload (seen on a Galera node just after it donated a state transfer)
// is transient; any other syntax error is not.
func TestTranslateTriggerReloadTransient(t *testing.T) {
	reload := &mysql.MySQLError{Number: 1064, Message: "Trigger 'tree_hashes_idx_dense' has an error in its body: 'You have an error in your SQL syntax; check the manual'"}
	if err := translate("insert hashes", reload); !errors.Is(err, ledger.ErrTransient) {
		t.Errorf("trigger reload failure: %v, want transient", err)
	}
	ours := &mysql.MySQLError{Number: 1064, Message: "You have an error in your SQL syntax; check the manual"}
	if err := translate("insert hashes", ours); errors.Is(err, ledger.ErrTransient) {
		t.Errorf("a plain syntax error is transient: %v", err)
	}
}
