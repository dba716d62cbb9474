-- Staff accounts and sessions: not projections of the log (passwords and
-- tokens never enter it). Statements are separated by lines of three dashes.
CREATE TABLE users (
  id TEXT NOT NULL PRIMARY KEY,
  log_id INTEGER NOT NULL,
  username TEXT NOT NULL UNIQUE,
  password_hash BLOB NOT NULL,
  role TEXT NOT NULL,
  villages TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0,
  failures INTEGER NOT NULL DEFAULT 0,
  locked_until TEXT NOT NULL DEFAULT ''
)
---
CREATE INDEX users_log ON users (log_id)
---
CREATE TABLE sessions (
  token_hash TEXT NOT NULL PRIMARY KEY,
  user_id TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  revoked INTEGER NOT NULL DEFAULT 0
)
