// Package ledger is the domain of Sunshine Ledger: the append-only,
// tamper-evident log of everything that happens to public aid money, its
// entries, their canonical encoding, the Merkle tree over them (RFC 6962 via
// golang.org/x/mod/sumdb/tlog), signed checkpoints (C2SP tlog-checkpoint via
// golang.org/x/mod/sumdb/note), the group-commit writer and the verifier.
//
// The package imports no web framework, no ORM, no PDF or cron library. Storage
// is reached through the Store interface; ledger/gormstore implements it for
// SQLite and MySQL/MariaDB, and ledger/ledgertest holds the conformance suite
// every implementation must pass.
package ledger
