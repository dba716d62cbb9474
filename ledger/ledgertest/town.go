package ledgertest

import (
	"testing"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// Town fills the log with the books suite's small town: seven people of two
// villages, three funds and six projects in 实施 (ZT-2026-001 … 006).
func Town(t *testing.T, s *ledger.Service, lg ledger.Log) { town(t, s, lg) }
