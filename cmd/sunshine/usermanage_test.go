package main

import (
	"context"
	"strings"
	"testing"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// TestUserManageCounty: a county account, which no town admin may enable,
// reset or unlock, is disabled, enabled, unlocked and has its password reset
// from the command line (actor "system"); its home-town admin may disable
// it and nothing more; and verify --deep still passes afterwards (the
// entries those commands write under "system" are no tamper alarm).
func TestUserManageCounty(t *testing.T) {
	data := t.TempDir()
	withStdin := func(s string) { withStdin(t, s) }
	cli := func(args ...string) string {
		t.Helper()
		code, text := runCmd(t, append(args[:1:1], append([]string{args[1], "--data", data}, args[2:]...)...)...)
		if code != 0 {
			t.Fatalf("%v: %d %s", args, code, text)
		}
		return text
	}
	withStdin("county-pass-1\n")
	cli("user", "add", "--username", "cty1", "--role", "county")
	withStdin("admin-pass-12\n")
	cli("user", "add", "--username", "adm1", "--role", "admin")

	// with the store open: the ledger's view, then closed for the CLI
	withAuth := func(f func(ctx context.Context, a *ledger.Auth, lg ledger.Log)) {
		t.Helper()
		ctx := context.Background()
		cfg, _, err := loadConfig("test", []string{"--data", data}, nil)
		if err != nil {
			t.Fatal(err)
		}
		app, err := openApp(ctx, cfg, false)
		if err != nil {
			t.Fatal(err)
		}
		defer app.Close()
		a, store := app.auth, app.store
		rec, err := store.UserByName(ctx, "cty1")
		if err != nil {
			t.Fatal(err)
		}
		lg, err := store.LogByTown(ctx, rec.Town)
		if err != nil {
			t.Fatal(err)
		}
		f(ctx, a, lg)
	}
	login := func(password string) (ledger.User, error) {
		var u ledger.User
		var err error
		withAuth(func(ctx context.Context, a *ledger.Auth, _ ledger.Log) {
			_, _, u, err = a.Login(ctx, "cty1", password)
		})
		return u, err
	}
	ids := map[string]string{}
	withAuth(func(ctx context.Context, a *ledger.Auth, lg ledger.Log) {
		for _, n := range []string{"cty1", "adm1"} {
			r, err := a.Accounts.UserByName(ctx, n)
			if err != nil {
				t.Fatal(err)
			}
			ids[n] = r.ID
		}
	})
	if _, err := login("county-pass-1"); err != nil {
		t.Fatalf("county login: %v", err)
	}

	// the home-town admin disables the county account; it cannot enable,
	// reset or unlock it again
	withAuth(func(ctx context.Context, a *ledger.Auth, lg ledger.Log) {
		if _, err := a.UpdateAccess(ctx, lg, ids["adm1"], ids["cty1"], nil, true, nil); err != nil {
			t.Fatalf("the home-town admin disables the county account: %v", err)
		}
		forbidden := func(what string, err error) {
			t.Helper()
			var le *ledger.Error
			if err == nil || !asLedgerError(err, &le) || le.Code != ledger.CodeForbidden {
				t.Errorf("the town admin %s the county account: %v, want forbidden", what, err)
			}
		}
		_, err := a.UpdateAccess(ctx, lg, ids["adm1"], ids["cty1"], nil, false, nil)
		forbidden("enables", err)
		forbidden("resets", a.ResetPassword(ctx, lg, ids["adm1"], ids["cty1"], "another-pass-77"))
		forbidden("unlocks", a.Unlock(ctx, lg, ids["adm1"], ids["cty1"]))
		_, err = a.SetRole(ctx, lg, ids["adm1"], ids["cty1"], ledger.RoleAuditor)
		forbidden("re-roles", err)
	})
	if _, err := login("county-pass-1"); err == nil {
		t.Fatal("the disabled county account logs in")
	}

	// the installer enables it again, resets its password, unlocks it
	if out := cli("user", "enable", "--username", "cty1"); !strings.Contains(out, "enabled user cty1") {
		t.Fatalf("enable: %s", out)
	}
	if _, err := login("county-pass-1"); err != nil {
		t.Fatalf("the enabled county account: %v", err)
	}
	cli("user", "disable", "--username", "cty1")
	if _, err := login("county-pass-1"); err == nil {
		t.Fatal("the account sunshine user disable disabled logs in")
	}
	cli("user", "enable", "--username", "cty1")
	withStdin("county-pass-2\n")
	cli("user", "reset", "--username", "cty1")
	if u, err := login("county-pass-2"); err != nil || !u.MustChange {
		t.Fatalf("after sunshine user reset: %+v %v (want the new password, to be changed at the next login)", u, err)
	}
	cli("user", "unlock", "--username", "cty1")
	withStdin("short\n")
	if code, _ := runCmd(t, "user", "reset", "--data", data, "--username", "cty1"); code == 0 {
		t.Fatal("a short password was accepted")
	}
	if code, _ := runCmd(t, "user", "disable", "--data", data, "--username", "nobody"); code == 0 {
		t.Fatal("disabling an unknown user succeeded")
	}

	// verify --deep: every entry written under "system" above is one
	// the service writes under that name
	code, text := runCmd(t, "verify", "--data", data, "--deep")
	if code != 0 || strings.Contains(text, "actor_not_allowed") || !strings.Contains(text, "OK") {
		t.Fatalf("verify --deep after the user commands: %d\n%s", code, text)
	}
}

func asLedgerError(err error, le **ledger.Error) bool {
	e, ok := err.(*ledger.Error)
	if ok {
		*le = e
	}
	return ok
}
