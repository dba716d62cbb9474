-- Witnesses' cosignatures (C2SP tlog-cosignature, cosignature/v1) of the
-- log's checkpoints: one row per checkpoint size and witness key, holding
-- the note signature line(s) the witness answered.
CREATE TABLE cosignatures (
  log_id BIGINT NOT NULL,
  size BIGINT NOT NULL,
  witness VARCHAR(255) NOT NULL,
  line BLOB NOT NULL,
  signed_at VARCHAR(32) NOT NULL,
  PRIMARY KEY (log_id, size, witness),
  KEY cosignatures_witness (log_id, witness, size)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
