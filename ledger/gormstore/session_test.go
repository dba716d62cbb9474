package gormstore_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
	"github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

func TestSessionUserSQLite(t *testing.T) { testSessionUser(t, "sqlite") }

func TestSessionUserMySQL(t *testing.T) {
	gormstoretest.NewDSN(t, "mysql") // skips without SUNSHINE_TEST_MYSQL_DSN
	testSessionUser(t, "mysql")
}

// testSessionUser checks the one read every authenticated request makes:
// the session, its user and the must-change flag, as the separate reads
// it replaced return them.
func testSessionUser(t *testing.T, dialect string) {
	st := gormstoretest.Open(t, dialect)
	_, lg := ledgertest.NewService(t, st, ledgertest.NewClock(time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)))
	ctx := context.Background()
	rec := ledger.UserRecord{User: ledger.User{ID: "430181117-u9", Username: "jiandu9", Role: ledger.RoleMonitor, LogID: lg.ID,
		Villages: []string{"430181117201"}}, PasswordHash: []byte("x"), Failures: 2}
	if err := st.CreateUser(ctx, rec); err != nil {
		t.Fatal(err)
	}
	exp := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	if err := st.PutSession(ctx, ledger.Session{TokenHash: "h1", UserID: rec.ID, ExpiresAt: exp}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.SessionUser(ctx, "unknown"); !ledger.IsNotFound(err) {
		t.Fatalf("unknown token: %v, want not found", err)
	}
	check := func(wantRevoked, wantMust, wantDisabled bool) {
		t.Helper()
		se, u, err := st.SessionUser(ctx, "h1")
		if err != nil {
			t.Fatal(err)
		}
		byID, err := st.UserByID(ctx, rec.ID)
		if err != nil {
			t.Fatal(err)
		}
		if se.UserID != rec.ID || !se.ExpiresAt.Equal(exp) || se.Revoked != wantRevoked {
			t.Errorf("session %+v, want user %s, expiry %v, revoked %v", se, rec.ID, exp, wantRevoked)
		}
		if u.MustChange != wantMust || u.Disabled != wantDisabled || u.Town != "430181117" || u.Username != "jiandu9" ||
			u.Role != ledger.RoleMonitor || !slices.Equal(u.Villages, rec.Villages) || u.Failures != 2 || u.LogID != lg.ID ||
			u.Town != byID.Town || string(u.PasswordHash) != string(byID.PasswordHash) {
			t.Errorf("user %+v, want %+v (must change %v, disabled %v)", u, byID, wantMust, wantDisabled)
		}
	}
	check(false, false, false)
	if err := st.PutUserSecurity(ctx, rec.ID, ledger.UserSecurity{MustChange: true}); err != nil {
		t.Fatal(err)
	}
	check(false, true, false)
	rec.Disabled = true
	if err := st.UpdateUser(ctx, rec); err != nil {
		t.Fatal(err)
	}
	check(false, true, true)
	if err := st.RevokeSession(ctx, "h1"); err != nil {
		t.Fatal(err)
	}
	check(true, true, true)
}
