-- Issue 19: the notifications sent to group bots and by e-mail, one row per
-- target and event, so that each event reaches each target once; a failed
-- send keeps its row unsent with its attempts and error, and is retried.
-- Not ledger entries.
CREATE TABLE notifications (
  target TEXT NOT NULL,
  event_key TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  last_try TEXT NOT NULL,
  sent_at TEXT NOT NULL,
  error TEXT NOT NULL,
  PRIMARY KEY (target, event_key)
)
