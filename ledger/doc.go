// Package ledger is the domain of Sunshine Ledger: the append-only,
// tamper-evident log of everything that happens to public aid money, its
// entries, their canonical encoding, the Merkle tree over them (RFC 6962 via
// golang.org/x/mod/sumdb/tlog), signed checkpoints (C2SP tlog-checkpoint via
// golang.org/x/mod/sumdb/note), the group-commit writer and the verifier.
//
// It also holds, for now, the domain those entries record (issue 20 plans
// the split): the registry (towns, villages, households, persons, the
// personal-data vault and its blind indexes: persons.go, vault.go), money
// (funds, projects, allocations, payments, loans and the books projected
// from them: records.go, books.go, reports.go, allocations.go), notices'
// content (notices.go, notice_content.go), oversight (flags, complaints,
// the scan's snapshot: flags.go, complaints.go, scandata.go), users and
// sessions (users.go, auth_security.go), job and notification records
// (jobs.go) and backups (backup.go). Entry types are one table
// (entrytypes.go); the Service is the write and read API over all of it.
//
// The package imports no web framework, no ORM, no PDF or cron library. Storage
// is reached through the Store interface; ledger/gormstore implements it for
// SQLite and MySQL/MariaDB, and ledger/ledgertest holds the conformance suite
// every implementation must pass.
package ledger
