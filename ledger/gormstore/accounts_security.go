package gormstore

import (
	"context"
	"encoding/json"

	"github.com/sunshine-ledger/sunshine/ledger"
)

// Gate implements ledger.AccountSecurity: one atomic UPDATE admits the
// attempt when next_at has passed and pushes next_at out by the growing
// delay of the attempts counted so far (free ones first, then base × 2ⁿ,
// capped). next_at is assigned before attempts, so both dialects compute it
// from the count before this attempt (MySQL assigns left to right).
func (s *Store) Gate(ctx context.Context, key, account string, nowMs int64, p ledger.GatePolicy) (bool, error) {
	db := s.db.WithContext(ctx)
	ins := "INSERT OR IGNORE INTO login_gates (k, account, attempts, next_at) VALUES (?, ?, 0, 0)"
	if s.dialect == "mysql" {
		ins = "INSERT IGNORE INTO login_gates (k, account, attempts, next_at) VALUES (?, ?, 0, 0)"
	}
	if err := db.Exec(ins, key, account).Error; err != nil {
		return false, translate("login gate", err)
	}
	// An idle gate forgets: an hour after its last delay ran out.
	if err := db.Exec("UPDATE login_gates SET attempts = 0 WHERE k = ? AND attempts > 0 AND next_at + ? < ?", key, p.ForgetMs, nowMs).Error; err != nil {
		return false, translate("login gate", err)
	}
	res := db.Exec(`UPDATE login_gates SET
  next_at = CASE WHEN attempts + 1 < ? THEN ?
                 WHEN attempts + 1 - ? >= ? THEN ? + ?
                 ELSE ? + (? * (1 << (attempts + 1 - ?))) END,
  attempts = attempts + 1
WHERE k = ? AND next_at <= ?`,
		p.Free, nowMs,
		p.Free, p.MaxShift, nowMs, p.CapMs,
		nowMs, p.BaseMs, p.Free,
		key, nowMs)
	if res.Error != nil {
		return false, translate("login gate", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ClearGates implements ledger.AccountSecurity.
func (s *Store) ClearGates(ctx context.Context, account string) error {
	return translate("clear gates", s.db.WithContext(ctx).Exec("DELETE FROM login_gates WHERE account = ?", account).Error)
}

// SlowedAccounts implements ledger.AccountSecurity.
func (s *Store) SlowedAccounts(ctx context.Context, nowMs int64) ([]string, error) {
	var out []string
	err := s.db.WithContext(ctx).Raw("SELECT DISTINCT account FROM login_gates WHERE account <> '' AND next_at > ?", nowMs).Scan(&out).Error
	return out, translate("slowed accounts", err)
}

// ClearGate implements ledger.AccountSecurity.
func (s *Store) ClearGate(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	return translate("clear gate", s.db.WithContext(ctx).Exec("DELETE FROM login_gates WHERE k IN ?", keys).Error)
}

// Uncount implements ledger.AccountSecurity.
func (s *Store) Uncount(ctx context.Context, key string) error {
	return translate("uncount gate", s.db.WithContext(ctx).Exec("UPDATE login_gates SET attempts = attempts - 1 WHERE k = ? AND attempts > 0", key).Error)
}

// UserSecurity implements ledger.AccountSecurity.
func (s *Store) UserSecurity(ctx context.Context, id string) (ledger.UserSecurity, error) {
	rows, err := s.db.WithContext(ctx).Raw("SELECT must_change, keyholder, setup_by FROM users WHERE id = ?", id).Rows()
	if err != nil {
		return ledger.UserSecurity{}, translate("user security", err)
	}
	defer rows.Close()
	if !rows.Next() {
		return ledger.UserSecurity{}, ledger.ErrNotFound
	}
	var sec ledger.UserSecurity
	var must int
	var setup string
	if err := rows.Scan(&must, &sec.Keyholder, &setup); err != nil {
		return sec, translate("user security", err)
	}
	sec.MustChange = must != 0
	_ = json.Unmarshal([]byte(setup), &sec.SetupBy)
	return sec, nil
}

// PutUserSecurity implements ledger.AccountSecurity.
func (s *Store) PutUserSecurity(ctx context.Context, id string, sec ledger.UserSecurity) error {
	setup, _ := json.Marshal(nonNilStrings(sec.SetupBy))
	return translate("put user security", s.db.WithContext(ctx).Exec("UPDATE users SET must_change = ?, keyholder = ?, setup_by = ? WHERE id = ?",
		boolInt(sec.MustChange), sec.Keyholder, string(setup), id).Error)
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

var _ ledger.AccountEventReader = (*Store)(nil)

// AccountEntries implements ledger.AccountEventReader: the user_* and
// payment_approved entries of a log, by seq.
func (s *Store) AccountEntries(ctx context.Context, logID int64) ([]ledger.StoredEntry, error) {
	rows, err := s.db.WithContext(ctx).Raw("SELECT "+entryCols+" FROM entries WHERE log_id = ? AND (type IN (?, ?, ?) OR type = ?) ORDER BY seq",
		logID, "user_created", "user_updated", "user_password_reset", "payment_approved").Rows()
	if err != nil {
		return nil, translate("account entries", err)
	}
	return scanEntries(rows)
}
