// Package ledgertest holds what tests of every ledger.Store share: the store
// conformance suite (Run), a fixed clock and fixture keys. It imports only the
// ledger and the tlog/note packages an outsider would use.
package ledgertest
