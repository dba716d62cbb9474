-- The ledger tables. Statements are separated by lines of three dashes.
CREATE TABLE logs (
  id INTEGER PRIMARY KEY,
  town_code TEXT NOT NULL UNIQUE,
  origin TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL
)
---
CREATE TABLE log_heads (
  log_id INTEGER PRIMARY KEY REFERENCES logs(id),
  size INTEGER NOT NULL
)
---
CREATE TABLE entries (
  log_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  type TEXT NOT NULL,
  effective_on TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  actor TEXT NOT NULL,
  body BLOB NOT NULL,
  PRIMARY KEY (log_id, seq)
) WITHOUT ROWID
---
CREATE TABLE tree_hashes (
  log_id INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  hash BLOB NOT NULL,
  PRIMARY KEY (log_id, idx)
) WITHOUT ROWID
---
CREATE TABLE checkpoints (
  log_id INTEGER NOT NULL,
  size INTEGER NOT NULL,
  root BLOB NOT NULL,
  note BLOB NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (log_id, size)
) WITHOUT ROWID
---
CREATE TABLE idempotency_keys (
  user_id TEXT NOT NULL,
  method TEXT NOT NULL,
  route TEXT NOT NULL,
  idem_key TEXT NOT NULL,
  log_id INTEGER NOT NULL,
  fingerprint BLOB NOT NULL,
  response BLOB NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (user_id, method, route, idem_key)
)
---
-- Append-only: no UPDATE, no DELETE, and every INSERT exactly one past the
-- last seq/index of its log (this also stops INSERT OR REPLACE, whose
-- implicit delete would otherwise slip past; recursive_triggers is on).
CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries
BEGIN SELECT RAISE(ABORT, 'append-only: entries cannot be updated'); END
---
CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries
BEGIN SELECT RAISE(ABORT, 'append-only: entries cannot be deleted'); END
---
CREATE TRIGGER entries_seq_dense BEFORE INSERT ON entries
WHEN NEW.seq IS NOT (SELECT COALESCE(MAX(seq) + 1, 0) FROM entries WHERE log_id = NEW.log_id)
BEGIN SELECT RAISE(ABORT, 'append-only: seq must be one past the last'); END
---
CREATE TRIGGER tree_hashes_no_update BEFORE UPDATE ON tree_hashes
BEGIN SELECT RAISE(ABORT, 'append-only: tree hashes cannot be updated'); END
---
CREATE TRIGGER tree_hashes_no_delete BEFORE DELETE ON tree_hashes
BEGIN SELECT RAISE(ABORT, 'append-only: tree hashes cannot be deleted'); END
---
CREATE TRIGGER tree_hashes_idx_dense BEFORE INSERT ON tree_hashes
WHEN NEW.idx IS NOT (SELECT COALESCE(MAX(idx) + 1, 0) FROM tree_hashes WHERE log_id = NEW.log_id)
BEGIN SELECT RAISE(ABORT, 'append-only: index must be one past the last'); END
---
CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints
BEGIN SELECT RAISE(ABORT, 'append-only: checkpoints cannot be updated'); END
---
CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints
BEGIN SELECT RAISE(ABORT, 'append-only: checkpoints cannot be deleted'); END
