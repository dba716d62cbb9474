package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"golang.org/x/crypto/bcrypt"

	"github.com/sunshine-ledger/sunshine/demo"
	"github.com/sunshine-ledger/sunshine/disclosure"
	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/anomaly"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// TestComposeGrants: the app runs as the user deploy/grants.sql makes (what
// docker-compose uses): a small demo town loads through the service (people,
// funds, payments, approvals, notices with their PDFs, complaints, users),
// the scan records its flags, and verify passes; and that user cannot
// UPDATE, DELETE or TRUNCATE the log tables or the stored notices. MariaDB
// only (SUNSHINE_TEST_MYSQL_DSN).
func TestComposeGrants(t *testing.T) {
	dsn := gormstoretest.NewDSN(t, "mysql")
	gormstoretest.OpenDSN(t, dsn) // migrated by the admin, as the migrate service does
	app := composeAppUser(t, dsn)
	store, err := gormstore.Open("mysql://" + app.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	ctx := context.Background()
	clock := demo.NewClock(time.Now)
	l := ledger.New(ledger.Options{Store: store, Key: lt.MustKey(t), Now: clock.Now, Location: lt.Shanghai(t)})
	t.Cleanup(l.Close)
	lg, err := l.EnsureLog(ctx, demo.TownCode, "ledger.test/log/"+demo.TownCode)
	if err != nil {
		t.Fatal(err)
	}
	vault, err := ledger.NewVault(lt.TestMasterKey, demo.Rand(1))
	if err != nil {
		t.Fatal(err)
	}
	svc := &ledger.Service{L: l, Vault: vault, ApprovalThreshold: 5000_00, MissingGlyph: disclosure.MissingGlyph}
	auth := &ledger.Auth{Accounts: store, L: l, Now: clock.Now, Cost: bcrypt.MinCost}
	sum, err := demo.Load(ctx, svc, auth, &disclosure.Publisher{Svc: svc, PublicURL: "http://ledger.test"}, lg, clock,
		demo.Options{Seed: 1, PoorHouseholds: 180, OtherHouseholds: 30})
	if err != nil {
		t.Fatalf("the demo as the compose app user: %v", err)
	}
	if sum.Notices == 0 || sum.Payments == 0 {
		t.Fatalf("demo: %+v", sum)
	}
	d, err := svc.ScanData(ctx, lg)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.RecordFindings(ctx, lg, "system", anomaly.Run(d, anomaly.DefaultConfig)); err != nil {
		t.Fatalf("flags as the app user: %v", err)
	}
	if rep, err := l.Verify(ctx, lg, ledger.VerifyOptions{}); err != nil || !rep.OK() {
		t.Fatalf("verify: %v %+v", err, rep)
	}
	db := store.DB()
	for _, q := range []string{"UPDATE entries SET actor = 'x' WHERE seq = 1", "DELETE FROM checkpoints", "UPDATE blobs SET data = 'x'",
		"DELETE FROM blobs", "TRUNCATE TABLE entries", "DROP TABLE tree_hashes"} {
		if err := db.Exec(q).Error; err == nil {
			t.Errorf("the app user could run %q", q)
		}
	}
}

// composeAppUser creates, on the MariaDB database of dsn (mysql://…), a new
// user with exactly the grants deploy/grants.sql gives docker-compose's app
// user (SELECT and INSERT only on the log tables and stored notices), for
// every host the tests connect from, dropped when the test ends. It returns
// the user's connection settings (go-sql-driver form).
func composeAppUser(t *testing.T, dsn string) *mysql.Config {
	t.Helper()
	cfg, err := mysql.ParseDSN(strings.TrimPrefix(dsn, "mysql://"))
	if err != nil {
		t.Fatal(err)
	}
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	grants, err := os.ReadFile("../../deploy/grants.sql")
	if err != nil {
		t.Fatal(err)
	}
	ms := regexp.MustCompile(`(?m)^GRANT ([A-Z, ]+) ON sunshine\.(\w+) TO 'sunshine'@'%';`).FindAllStringSubmatch(string(grants), -1)
	if n := strings.Count(string(grants), "\nGRANT "); len(ms) < 10 || len(ms) != n {
		t.Fatalf("deploy/grants.sql: %d GRANT lines, %d of the form this test reads", n, len(ms))
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	user, pass := "compose_app_"+hex.EncodeToString(rnd[:]), "pw-"+hex.EncodeToString(rnd[:])
	var accounts []string
	t.Cleanup(func() {
		for _, a := range accounts {
			_, _ = admin.Exec("DROP USER IF EXISTS " + a)
		}
		admin.Close()
	})
	for _, h := range []string{"%", "localhost", "127.0.0.1"} {
		account := fmt.Sprintf("'%s'@'%s'", user, h)
		if _, err := admin.Exec(fmt.Sprintf("CREATE USER %s IDENTIFIED BY '%s'", account, pass)); err != nil {
			t.Fatal(err)
		}
		accounts = append(accounts, account)
		for _, m := range ms {
			if _, err := admin.Exec(fmt.Sprintf("GRANT %s ON `%s`.`%s` TO %s", m[1], cfg.DBName, m[2], account)); err != nil {
				t.Fatalf("GRANT %s ON %s: %v", m[1], m[2], err)
			}
		}
	}
	app := *cfg
	app.User, app.Passwd = user, pass
	return &app
}
