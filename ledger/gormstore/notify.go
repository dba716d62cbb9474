package gormstore

import (
	"context"
	"time"

	"github.com/sunshine-ledger/sunshine/ledger"
)

var _ ledger.NotifyStore = (*Store)(nil)

type notificationRow struct {
	Target   string `gorm:"column:target;primaryKey"`
	EventKey string `gorm:"column:event_key;primaryKey"`
	Attempts int    `gorm:"column:attempts"`
	LastTry  string `gorm:"column:last_try"`
	SentAt   string `gorm:"column:sent_at"`
	Error    string `gorm:"column:error"`
}

func (notificationRow) TableName() string { return "notifications" }

func fmtMaybe(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return fmtLease(t)
}

func parseMaybe(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, _ := time.Parse(leaseTime, s)
	return t
}

// Notifications implements ledger.NotifyStore.
func (s *Store) Notifications(ctx context.Context, target string, keys []string) (map[string]ledger.Notification, error) {
	out := map[string]ledger.Notification{}
	for len(keys) > 0 {
		chunk := keys[:min(len(keys), 500)]
		keys = keys[len(chunk):]
		var rows []notificationRow
		if err := s.db.WithContext(ctx).Where("target = ? AND event_key IN ?", target, chunk).Find(&rows).Error; err != nil {
			return nil, translate("notifications", err)
		}
		for _, r := range rows {
			out[r.EventKey] = ledger.Notification{Target: r.Target, Key: r.EventKey, Attempts: r.Attempts,
				LastTry: parseMaybe(r.LastTry), SentAt: parseMaybe(r.SentAt), Error: r.Error}
		}
	}
	return out, nil
}

// PutNotification implements ledger.NotifyStore: an UPDATE, or the first
// INSERT (one process runs the notify job at a time: its lease).
func (s *Store) PutNotification(ctx context.Context, n ledger.Notification) error {
	db := s.db.WithContext(ctx)
	res := db.Exec("UPDATE notifications SET attempts = ?, last_try = ?, sent_at = ?, error = ? WHERE target = ? AND event_key = ?",
		n.Attempts, fmtMaybe(n.LastTry), fmtMaybe(n.SentAt), n.Error, n.Target, n.Key)
	if res.Error != nil {
		return translate("put notification", res.Error)
	}
	if res.RowsAffected > 0 {
		return nil
	}
	row := notificationRow{Target: n.Target, EventKey: n.Key, Attempts: n.Attempts, LastTry: fmtMaybe(n.LastTry), SentAt: fmtMaybe(n.SentAt), Error: n.Error}
	err := translate("put notification", db.Create(&row).Error)
	if ledger.ErrorCode(err) == ledger.CodeConflict {
		return nil // MySQL counts an UPDATE that changed nothing as no row: the row is as asked
	}
	return err
}

// ClaimNotification implements ledger.NotifyStore: a conditional UPDATE of
// the record read (its attempts unchanged and not sent), or the first
// INSERT, each a statement of its own (no transaction carries on past a
// refused INSERT).
func (s *Store) ClaimNotification(ctx context.Context, prev ledger.Notification, now time.Time) (bool, error) {
	db := s.db.WithContext(ctx)
	if prev.Attempts > 0 {
		res := db.Exec("UPDATE notifications SET attempts = attempts + 1, last_try = ? WHERE target = ? AND event_key = ? AND attempts = ? AND sent_at = ''",
			fmtMaybe(now), prev.Target, prev.Key, prev.Attempts)
		if res.Error != nil {
			return false, translate("claim notification", res.Error)
		}
		return res.RowsAffected == 1, nil
	}
	row := notificationRow{Target: prev.Target, EventKey: prev.Key, Attempts: 1, LastTry: fmtMaybe(now)}
	err := translate("claim notification", db.Create(&row).Error)
	if ledger.ErrorCode(err) == ledger.CodeConflict {
		return false, nil // another process claimed it first
	}
	return err == nil, err
}
