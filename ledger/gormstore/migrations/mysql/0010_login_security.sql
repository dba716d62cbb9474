-- Login security (issue 18). Guesses are admitted by a single atomic UPDATE
-- on a gate row per key (an account, a client address, an account from an
-- address; keys are SHA-256 hashes, never a username or address in clear):
-- an attempt is a guess only when next_at (Unix milliseconds) has passed,
-- and each admitted guess pushes next_at out by a growing delay.
CREATE TABLE login_gates (
  k CHAR(64) NOT NULL PRIMARY KEY,
  account CHAR(64) NOT NULL,
  attempts INT NOT NULL DEFAULT 0,
  next_at BIGINT NOT NULL DEFAULT 0,
  KEY login_gates_account (account)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
---
-- must_change: the password was set by an admin (a reset); the user must
-- choose their own before anything else. keyholder: the account that set the
-- password in force, '' once the user chose their own.
ALTER TABLE users ADD COLUMN must_change TINYINT NOT NULL DEFAULT 0
---
ALTER TABLE users ADD COLUMN keyholder VARCHAR(64) NOT NULL DEFAULT ''
---
-- setup_by: the accounts that created, enabled, gave a role to or reset the
-- password of this account (a JSON array), for separation of duties.
ALTER TABLE users ADD COLUMN setup_by VARCHAR(2000) NOT NULL DEFAULT '[]'
