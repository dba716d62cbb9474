package api_test

import (
	"context"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/sunshine-ledger/sunshine/ledger"
	"github.com/sunshine-ledger/sunshine/ledger/gormstore/gormstoretest"
	lt "github.com/sunshine-ledger/sunshine/ledger/ledgertest"
)

// TestProductionBcryptCost: an Auth as serve builds it (no Cost) stores
// passwords at bcrypt cost 11, and a login checks them. The test fixtures
// lower the cost (townEnv) so that their hundreds of logins stay cheap;
// this is the test that the product's cost is not lowered with them.
func TestProductionBcryptCost(t *testing.T) {
	store := gormstoretest.Open(t, "sqlite")
	s, lg := lt.NewService(t, store, nil)
	ctx := context.Background()
	auth := &ledger.Auth{Accounts: store, L: s.L}
	u, err := auth.CreateUser(ctx, lg, "system", ledger.NewUser{Username: "cost_check", Password: "Cost-check-pass-26", Role: ledger.RoleAuditor}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := store.UserByID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := bcrypt.Cost(rec.PasswordHash); err != nil || c != 11 {
		t.Fatalf("bcrypt cost %d (%v), want 11", c, err)
	}
}
