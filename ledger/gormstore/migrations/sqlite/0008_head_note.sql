-- The head carries the checkpoint its writer signed inside the transaction
-- that moved it (C2SP signed note over the new size and root). A writer
-- appends only onto a head whose note it can verify with the log's key and
-- whose root matches the stored tree: rows an insider added, even with
-- correct tree hashes, are never signed over. NULL for heads written before
-- this migration (a writer then accepts the head only where the latest
-- stored checkpoint covers it exactly).
ALTER TABLE log_heads ADD COLUMN note BLOB
---
-- Alarms the service raises about a log it can no longer write into (a head
-- it did not sign): kept outside the log, since the log is what is wrong.
CREATE TABLE log_alarms (
  log_id BIGINT NOT NULL,
  rule VARCHAR(16) NOT NULL,
  first_seq BIGINT NOT NULL,
  detail TEXT NOT NULL,
  raised_at VARCHAR(32) NOT NULL,
  PRIMARY KEY (log_id, rule, first_seq)
)
