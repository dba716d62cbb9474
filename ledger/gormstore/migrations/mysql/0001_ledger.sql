-- The ledger tables. Statements are separated by lines of three dashes.
-- MySQL 8 ∩ MariaDB 10.11 syntax; no client DELIMITER needed.
CREATE TABLE logs (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  town_code VARCHAR(32) NOT NULL,
  origin VARCHAR(255) NOT NULL,
  created_at CHAR(20) NOT NULL,
  UNIQUE KEY logs_town (town_code),
  UNIQUE KEY logs_origin (origin)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
---
CREATE TABLE log_heads (
  log_id BIGINT NOT NULL PRIMARY KEY,
  size BIGINT NOT NULL
) ENGINE=InnoDB
---
CREATE TABLE entries (
  log_id BIGINT NOT NULL,
  seq BIGINT NOT NULL,
  type VARCHAR(64) NOT NULL,
  effective_on CHAR(10) NOT NULL,
  recorded_at CHAR(20) NOT NULL,
  actor VARCHAR(64) NOT NULL,
  body MEDIUMBLOB NOT NULL,
  PRIMARY KEY (log_id, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
---
CREATE TABLE tree_hashes (
  log_id BIGINT NOT NULL,
  idx BIGINT NOT NULL,
  hash BINARY(32) NOT NULL,
  PRIMARY KEY (log_id, idx)
) ENGINE=InnoDB
---
CREATE TABLE checkpoints (
  log_id BIGINT NOT NULL,
  size BIGINT NOT NULL,
  root BINARY(32) NOT NULL,
  note BLOB NOT NULL,
  created_at CHAR(20) NOT NULL,
  PRIMARY KEY (log_id, size)
) ENGINE=InnoDB
---
CREATE TABLE idempotency_keys (
  user_id VARCHAR(64) NOT NULL,
  method VARCHAR(8) NOT NULL,
  route VARCHAR(160) NOT NULL,
  idem_key VARCHAR(200) NOT NULL,
  log_id BIGINT NOT NULL,
  fingerprint BINARY(32) NOT NULL,
  response MEDIUMBLOB NOT NULL,
  created_at CHAR(20) NOT NULL,
  PRIMARY KEY (user_id, method, route, idem_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
---
-- Append-only: no UPDATE, no DELETE, and every INSERT exactly one past the
-- last seq/index of its log. The app user also lacks UPDATE, DELETE, DROP,
-- ALTER and TRUNCATE on these tables (README: grants).
CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries FOR EACH ROW
SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'append-only: entries cannot be updated'
---
CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries FOR EACH ROW
SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'append-only: entries cannot be deleted'
---
CREATE TRIGGER entries_seq_dense BEFORE INSERT ON entries FOR EACH ROW
BEGIN
  IF NOT (NEW.seq <=> (SELECT COALESCE(MAX(seq) + 1, 0) FROM entries WHERE log_id = NEW.log_id)) THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'append-only: seq must be one past the last';
  END IF;
END
---
CREATE TRIGGER tree_hashes_no_update BEFORE UPDATE ON tree_hashes FOR EACH ROW
SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'append-only: tree hashes cannot be updated'
---
CREATE TRIGGER tree_hashes_no_delete BEFORE DELETE ON tree_hashes FOR EACH ROW
SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'append-only: tree hashes cannot be deleted'
---
CREATE TRIGGER tree_hashes_idx_dense BEFORE INSERT ON tree_hashes FOR EACH ROW
BEGIN
  IF NOT (NEW.idx <=> (SELECT COALESCE(MAX(idx) + 1, 0) FROM tree_hashes WHERE log_id = NEW.log_id)) THEN
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'append-only: index must be one past the last';
  END IF;
END
---
CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints FOR EACH ROW
SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'append-only: checkpoints cannot be updated'
---
CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints FOR EACH ROW
SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'append-only: checkpoints cannot be deleted'
