package gormstore

import (
	"context"
	"encoding/json"
	"time"

	"github.com/sunshine-ledger/sunshine/ledger"
)

var _ ledger.Accounts = (*Store)(nil)

const userCols = "u.id, u.log_id, l.town_code, u.username, u.password_hash, u.role, u.villages, u.disabled, u.failures, u.locked_until"

func (s *Store) scanUser(ctx context.Context, where string, arg any) (ledger.UserRecord, error) {
	rows, err := s.db.WithContext(ctx).Raw("SELECT "+userCols+" FROM users u JOIN logs l ON l.id = u.log_id WHERE "+where, arg).Rows()
	if err != nil {
		return ledger.UserRecord{}, translate("user", err)
	}
	defer rows.Close()
	if !rows.Next() {
		return ledger.UserRecord{}, ledger.ErrNotFound
	}
	var u ledger.UserRecord
	var r userRow
	if err := rows.Scan(r.dest(&u)...); err != nil {
		return u, translate("user", err)
	}
	r.finish(&u)
	return u, nil
}

// userRow holds the columns of userCols that need converting.
type userRow struct {
	villages, locked string
	disabled         int
}

// dest returns the scan destinations of userCols, in order.
func (r *userRow) dest(u *ledger.UserRecord) []any {
	return []any{&u.ID, &u.LogID, &u.Town, &u.Username, &u.PasswordHash, &u.Role, &r.villages, &r.disabled, &u.Failures, &r.locked}
}

func (r *userRow) finish(u *ledger.UserRecord) {
	_ = json.Unmarshal([]byte(r.villages), &u.Villages)
	u.Disabled = r.disabled != 0
	if r.locked != "" {
		u.LockedUntil = parseTime(r.locked)
	}
}

// SessionUser implements ledger.Accounts: the session, its user and the
// user's must-change flag in one query (every authenticated request runs it).
func (s *Store) SessionUser(ctx context.Context, tokenHash string) (ledger.Session, ledger.UserRecord, error) {
	rows, err := s.db.WithContext(ctx).Raw("SELECT s.expires_at, s.revoked, u.must_change, "+userCols+
		" FROM sessions s JOIN users u ON u.id = s.user_id JOIN logs l ON l.id = u.log_id WHERE s.token_hash = ?", tokenHash).Rows()
	if err != nil {
		return ledger.Session{}, ledger.UserRecord{}, translate("session", err)
	}
	defer rows.Close()
	if !rows.Next() {
		return ledger.Session{}, ledger.UserRecord{}, ledger.ErrNotFound
	}
	se := ledger.Session{TokenHash: tokenHash}
	var u ledger.UserRecord
	var r userRow
	var exp string
	var revoked, must int
	if err := rows.Scan(append([]any{&exp, &revoked, &must}, r.dest(&u)...)...); err != nil {
		return se, u, translate("session", err)
	}
	r.finish(&u)
	se.UserID, se.ExpiresAt, se.Revoked, u.MustChange = u.ID, parseTime(exp), revoked != 0, must != 0
	return se, u, nil
}

// CreateUser implements ledger.Accounts.
func (s *Store) CreateUser(ctx context.Context, u ledger.UserRecord) error {
	v, _ := json.Marshal(u.Villages)
	return translate("create user", s.db.WithContext(ctx).Exec(
		"INSERT INTO users (id, log_id, username, password_hash, role, villages, disabled, failures, locked_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		u.ID, u.LogID, u.Username, u.PasswordHash, u.Role, string(v), boolInt(u.Disabled), u.Failures, lockedStr(u.LockedUntil)).Error)
}

// UpdateUser implements ledger.Accounts.
func (s *Store) UpdateUser(ctx context.Context, u ledger.UserRecord) error {
	v, _ := json.Marshal(u.Villages)
	return translate("update user", s.db.WithContext(ctx).Exec(
		"UPDATE users SET password_hash = ?, role = ?, villages = ?, disabled = ?, failures = ?, locked_until = ? WHERE id = ?",
		u.PasswordHash, u.Role, string(v), boolInt(u.Disabled), u.Failures, lockedStr(u.LockedUntil), u.ID).Error)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func lockedStr(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return fmtTime(t)
}

// UserByName implements ledger.Accounts.
func (s *Store) UserByName(ctx context.Context, username string) (ledger.UserRecord, error) {
	return s.scanUser(ctx, "u.username = ?", username)
}

// UserByID implements ledger.Accounts.
func (s *Store) UserByID(ctx context.Context, id string) (ledger.UserRecord, error) {
	return s.scanUser(ctx, "u.id = ?", id)
}

// Users implements ledger.Accounts.
func (s *Store) Users(ctx context.Context, logID int64) ([]ledger.User, error) {
	rows, err := s.db.WithContext(ctx).Raw("SELECT "+userCols+" FROM users u JOIN logs l ON l.id = u.log_id WHERE u.log_id = ? ORDER BY u.username", logID).Rows()
	if err != nil {
		return nil, translate("users", err)
	}
	defer rows.Close()
	var out []ledger.User
	for rows.Next() {
		var u ledger.UserRecord
		var r userRow
		if err := rows.Scan(r.dest(&u)...); err != nil {
			return nil, translate("users", err)
		}
		r.finish(&u)
		out = append(out, u.User)
	}
	return out, translate("users", rows.Err())
}

// HasAdmin implements ledger.Accounts.
func (s *Store) HasAdmin(ctx context.Context) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Raw("SELECT COUNT(*) FROM users WHERE role = ?", ledger.RoleAdmin).Row().Scan(&n)
	return n > 0, translate("has admin", err)
}

// PutSession implements ledger.Accounts.
func (s *Store) PutSession(ctx context.Context, se ledger.Session) error {
	return translate("put session", s.db.WithContext(ctx).Exec("INSERT INTO sessions (token_hash, user_id, expires_at, revoked) VALUES (?, ?, ?, ?)",
		se.TokenHash, se.UserID, fmtTime(se.ExpiresAt), boolInt(se.Revoked)).Error)
}

// Session implements ledger.Accounts.
func (s *Store) Session(ctx context.Context, tokenHash string) (ledger.Session, error) {
	rows, err := s.db.WithContext(ctx).Raw("SELECT user_id, expires_at, revoked FROM sessions WHERE token_hash = ?", tokenHash).Rows()
	if err != nil {
		return ledger.Session{}, translate("session", err)
	}
	defer rows.Close()
	if !rows.Next() {
		return ledger.Session{}, ledger.ErrNotFound
	}
	se := ledger.Session{TokenHash: tokenHash}
	var exp string
	var revoked int
	if err := rows.Scan(&se.UserID, &exp, &revoked); err != nil {
		return se, translate("session", err)
	}
	se.ExpiresAt, se.Revoked = parseTime(exp), revoked != 0
	return se, nil
}

// RevokeSession implements ledger.Accounts.
func (s *Store) RevokeSession(ctx context.Context, tokenHash string) error {
	return translate("revoke session", s.db.WithContext(ctx).Exec("UPDATE sessions SET revoked = 1 WHERE token_hash = ?", tokenHash).Error)
}
