-- Stored bytes of published notices (the PDF and the content it was drawn
-- from), addressed by their SHA-256. A published PDF is served as stored
-- forever (DOMAIN.md §6), so the table is insert-only like the log.
CREATE TABLE blobs (
  log_id BIGINT NOT NULL,
  sha256 CHAR(64) NOT NULL,
  data LONGBLOB NOT NULL,
  PRIMARY KEY (log_id, sha256)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
---
CREATE TRIGGER blobs_no_update BEFORE UPDATE ON blobs FOR EACH ROW
SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'append-only: stored notices cannot be updated'
---
CREATE TRIGGER blobs_no_delete BEFORE DELETE ON blobs FOR EACH ROW
SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'append-only: stored notices cannot be deleted'
