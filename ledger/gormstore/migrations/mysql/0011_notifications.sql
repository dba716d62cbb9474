-- Issue 19: the notifications sent to group bots and by e-mail, one row per
-- target and event, so that each event reaches each target once; a failed
-- send keeps its row unsent with its attempts and error, and is retried.
-- Not ledger entries.
CREATE TABLE notifications (
  target VARCHAR(128) NOT NULL,
  event_key VARCHAR(190) NOT NULL,
  attempts INT NOT NULL,
  last_try CHAR(30) NOT NULL,
  sent_at CHAR(30) NOT NULL,
  error TEXT NOT NULL,
  PRIMARY KEY (target, event_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
