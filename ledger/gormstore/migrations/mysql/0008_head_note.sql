-- The head carries the checkpoint its writer signed inside the transaction
-- that moved it (C2SP signed note over the new size and root). A writer
-- appends only onto a head whose note it can verify with the log's key and
-- whose root matches the stored tree: rows an insider added, even with
-- correct tree hashes, are never signed over. NULL for heads written before
-- this migration (a writer then accepts the head only where the latest
-- stored checkpoint covers it exactly).
ALTER TABLE log_heads ADD COLUMN note BLOB NULL
