package ledgertest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// TestMasterKey is a fixed master key for tests only.
var TestMasterKey = bytes.Repeat([]byte{7}, 32)

// seededRand is a deterministic byte stream (SHA-256 in counter mode) for
// the vault in tests and the demo.
type seededRand struct {
	seed [32]byte
	n    uint64
	buf  []byte
}

// NewSeededRand returns a deterministic reader.
func NewSeededRand(seed string) *seededRand { return &seededRand{seed: sha256.Sum256([]byte(seed))} }

func (r *seededRand) Read(p []byte) (int, error) {
	for i := range p {
		if len(r.buf) == 0 {
			h := sha256.Sum256(append(r.seed[:], byte(r.n), byte(r.n>>8), byte(r.n>>16), byte(r.n>>24), byte(r.n>>32)))
			r.n++
			r.buf = h[:]
		}
		p[i] = r.buf[0]
		r.buf = r.buf[1:]
	}
	return len(p), nil
}

// NewService returns a domain service on store with the fixed clock, test
// keys and a registered town 镇头镇 with two villages.
func NewService(t testing.TB, store ledger.Store, clock *Clock) (*ledger.Service, ledger.Log) {
	t.Helper()
	l, lg := NewLedger(t, store, clock, "430181117")
	v, err := ledger.NewVault(TestMasterKey, NewSeededRand("test"))
	if err != nil {
		t.Fatal(err)
	}
	s := &ledger.Service{L: l, Vault: v, ApprovalThreshold: 5000_00}
	ctx := context.Background()
	if _, err := s.RegisterTown(ctx, lg, "admin", ledger.Town{Name: "镇头镇", Phones: []string{"0731-83000000"}}); err != nil {
		t.Fatal(err)
	}
	for _, v := range []ledger.Village{{Code: "430181117201", Name: "田坪村", Groups: []string{"一组", "二组"}},
		{Code: "430181117202", Name: "石牛村", Groups: []string{"一组"}}} {
		if _, err := s.AddVillage(ctx, lg, "admin", v, nil); err != nil {
			t.Fatal(err)
		}
	}
	return s, lg
}

// ID returns the fictitious ID number of test person n (area 439901, which
// GB/T 2260 does not assign), born in the given year.
func ID(n int, year int) string {
	return ledger.MakeIDNumber("439901", time.Date(year, time.Month(n%12+1), n%27+1, 0, 0, 0, 0, time.UTC), n%1000)
}

// D parses a date or panics.
func D(s string) ledger.Date {
	d, err := ledger.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// P parses a period or panics.
func P(s string) ledger.Period {
	p, err := ledger.ParsePeriod(s)
	if err != nil {
		panic(err)
	}
	return p
}

// Y parses yuan or panics.
func Y(s string) ledger.Fen {
	f, err := ledger.ParseYuan(s)
	if err != nil {
		panic(err)
	}
	return f
}

// USCC returns a valid fictitious 统一社会信用代码.
func USCC(n int) string {
	return ledger.MakeUSCC(fmt.Sprintf("9143018%010d", n))
}
