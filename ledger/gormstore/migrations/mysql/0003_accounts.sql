-- Staff accounts and sessions: not projections of the log (passwords and
-- tokens never enter it). MySQL 8 ∩ MariaDB 10.11.
CREATE TABLE users (
  id VARCHAR(64) NOT NULL PRIMARY KEY,
  log_id BIGINT NOT NULL,
  username VARCHAR(64) NOT NULL,
  password_hash VARBINARY(128) NOT NULL,
  role VARCHAR(16) NOT NULL,
  villages TEXT NOT NULL,
  disabled TINYINT NOT NULL DEFAULT 0,
  failures INT NOT NULL DEFAULT 0,
  locked_until CHAR(20) NOT NULL DEFAULT '',
  UNIQUE KEY users_username (username),
  KEY users_log (log_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
---
CREATE TABLE sessions (
  token_hash CHAR(64) NOT NULL PRIMARY KEY,
  user_id VARCHAR(64) NOT NULL,
  expires_at CHAR(20) NOT NULL,
  revoked TINYINT NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
