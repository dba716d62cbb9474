package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestTinyRound runs one tiny round of every system that needs no MariaDB
// (and the MariaDB ones too when SUNSHINE_TEST_MYSQL_DSN is set): every
// system must store all its appends, its proofs must verify against its
// root and its full verify must pass, so the comparison cannot rot.
func TestTinyRound(t *testing.T) {
	c := config{
		N: 200, Writers: 64, Rounds: 1, Proofs: 50,
		Systems:      allSystems,
		TesseraBatch: 64, TesseraAge: 10 * time.Millisecond,
		ImmudbConc: 256, RawBatch: 64,
		Dir: t.TempDir(),
	}
	if testing.Short() {
		c.Systems = []string{"ledger-sqlite", "raw-sqlite", "tessera-posix", "immudb"}
	}
	c.MySQLDSN = mysqlDSNFromEnv()
	c.MariaDBPID = defaultMariaDBPID()
	var out bytes.Buffer
	results, err := run(context.Background(), c, &out)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"ledger-sqlite": true, "raw-sqlite": true, "tessera-posix": true, "immudb": true}
	if c.MySQLDSN != "" {
		want["ledger-mysql"], want["raw-mysql"], want["tessera-mysql"] = true, true, true
	}
	for _, r := range results {
		if r.Appended != int64(c.N) {
			t.Errorf("%s: %d appended, want %d", r.System, r.Appended, c.N)
		}
		hasProofs := !strings.HasPrefix(r.System, "raw-")
		if hasProofs && (r.ProofsCount != c.Proofs || r.VerifyTime == 0) {
			t.Errorf("%s: %d proofs, verify %v", r.System, r.ProofsCount, r.VerifyTime)
		}
		delete(want, r.System)
	}
	for s := range want {
		t.Errorf("%s did not run", s)
	}
	if !strings.Contains(out.String(), "| ledger on SQLite ÷ Tessera v1.0.4 POSIX | 1 |") {
		t.Errorf("no ratio row for the ledger and Tessera POSIX")
	}
}
