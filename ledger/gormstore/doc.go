// Package gormstore implements ledger.Store on GORM for SQLite (the embedded
// default, pure Go via github.com/glebarez/sqlite) and MySQL 8 / MariaDB
// 10.11. It is the only package that imports GORM and its drivers. Schema
// changes are embedded, numbered .sql files per dialect (migrations/), with
// the append-only triggers; there is no AutoMigrate for ledger tables. Driver
// errors are translated to the ledger's error kinds in errors.go, once.
package gormstore
