-- Stored bytes of published notices (the PDF and the content it was drawn
-- from), addressed by their SHA-256. A published PDF is served as stored
-- forever (DOMAIN.md §6), so the table is insert-only like the log.
CREATE TABLE blobs (
  log_id INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (log_id, sha256)
)
---
CREATE TRIGGER blobs_no_update BEFORE UPDATE ON blobs
BEGIN SELECT RAISE(ABORT, 'append-only: stored notices cannot be updated'); END
---
CREATE TRIGGER blobs_no_delete BEFORE DELETE ON blobs
BEGIN SELECT RAISE(ABORT, 'append-only: stored notices cannot be deleted'); END
