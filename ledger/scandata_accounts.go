package ledger

import (
	"context"
	"encoding/json"
	"time"
)

// AccountEvent is an entry of the log about a staff account, or a payment
// approval, as rule S1 reads them.
type AccountEvent struct {
	Seq     int64
	Type    string // user_created, user_updated, user_password_reset, payment_approved …
	At      time.Time
	Actor   string
	Account string // the account the user_* entry is about
	Role    string // its role after the entry (user_created, user_updated)
	// RoleFrom and WasDisabled describe a user_updated entry's change.
	RoleFrom string
	Disabled bool
	Payment  int64 // payment_approved: the payment
}

// AccountEventReader is a store that reads the user_* and payment_approved
// entries of a log (for S1) without reading every entry.
type AccountEventReader interface {
	AccountEntries(ctx context.Context, logID int64) ([]StoredEntry, error)
}

// loadAccountEvents adds the account events to a snapshot (none when the
// store cannot read them).
func (s *Service) loadAccountEvents(ctx context.Context, lg Log, d *ScanData) error {
	r, ok := s.L.Store().(AccountEventReader)
	if !ok {
		return nil
	}
	es, err := r.AccountEntries(ctx, lg.ID)
	if err != nil {
		return err
	}
	for _, se := range es {
		var e struct {
			Payload json.RawMessage `json:"payload"`
		}
		if json.Unmarshal(se.Body, &e) != nil {
			continue
		}
		var p struct {
			ID       string `json:"id"`
			Role     string `json:"role"`
			RoleFrom string `json:"role_from"`
			Disabled bool   `json:"disabled"`
			Payment  int64  `json:"payment"`
		}
		if json.Unmarshal(e.Payload, &p) != nil {
			continue
		}
		d.Accounts = append(d.Accounts, AccountEvent{Seq: se.Seq, Type: se.Type, At: se.RecordedAt, Actor: se.Actor, Account: p.ID,
			Role: p.Role, RoleFrom: p.RoleFrom, Disabled: p.Disabled, Payment: p.Payment})
	}
	return nil
}
