package ledgertest

import (
	"crypto/rand"
	"sync"
	"testing"
	"time"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// FixedTime is the fixed clock's start: 2026-03-01 08:00:00 UTC.
var FixedTime = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

// Clock is a settable test clock.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestSigningKey is a fixed key for tests only (never deploy it).
const TestSigningKey = "PRIVATE+KEY+sunshine+6b3d2378+ATjNz6YJ4Xj0QWY60weTIcZVBfZZqWu/BbCdBOJAY8tP"

// MustKey parses TestSigningKey.
func MustKey(tb testing.TB) *ledger.SigningKey {
	tb.Helper()
	k, err := ledger.ParseSigningKey(TestSigningKey)
	if err != nil {
		tb.Fatalf("test key: %v", err)
	}
	return k
}

// OtherKey returns a fresh random key: an insider's, whose signatures the
// service's public key must refuse.
func OtherKey(tb testing.TB) *ledger.SigningKey {
	tb.Helper()
	skey, _, err := ledger.GenerateSigningKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	k, err := ledger.ParseSigningKey(skey)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// Shanghai is the default business time zone.
func Shanghai(tb testing.TB) *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		tb.Fatal(err)
	}
	return loc
}

// NewLedger returns a ledger on store with the fixed clock and test key,
// closed when the test ends, and the town's log.
func NewLedger(tb testing.TB, store ledger.Store, clock *Clock, town string) (*ledger.Ledger, ledger.Log) {
	tb.Helper()
	if clock == nil {
		clock = NewClock(FixedTime)
	}
	l := ledger.New(ledger.Options{Store: store, Key: MustKey(tb), Now: clock.Now, Location: Shanghai(tb)})
	tb.Cleanup(l.Close)
	lg, err := l.EnsureLog(tb.Context(), town, "ledger.test/log/"+town)
	if err != nil {
		tb.Fatal(err)
	}
	return l, lg
}
