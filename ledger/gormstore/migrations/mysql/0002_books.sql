-- Projections of the log (rebuildable from the entries) and the personal-data
-- tables beside it. MySQL 8 ∩ MariaDB 10.11. Statements are separated by lines of three dashes.
CREATE TABLE objects (
  log_id BIGINT NOT NULL,
  kind VARCHAR(32) NOT NULL,
  id BIGINT NOT NULL,
  data MEDIUMBLOB NOT NULL,
  PRIMARY KEY (log_id, kind, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
---
CREATE TABLE object_keys (
  log_id BIGINT NOT NULL,
  kind VARCHAR(32) NOT NULL,
  okey VARCHAR(191) NOT NULL,
  id BIGINT NOT NULL,
  PRIMARY KEY (log_id, kind, okey)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
---
CREATE TABLE payments (
  log_id BIGINT NOT NULL,
  id BIGINT NOT NULL,
  seq BIGINT NOT NULL,
  voucher_no VARCHAR(64) NOT NULL,
  project_id BIGINT NOT NULL,
  fund_id BIGINT NOT NULL,
  item_code VARCHAR(32) NOT NULL,
  kind VARCHAR(32) NOT NULL,
  payee_kind VARCHAR(32) NOT NULL,
  payee_id BIGINT NOT NULL,
  household_id BIGINT NOT NULL,
  account_holder BIGINT NOT NULL,
  account_index VARCHAR(64) NOT NULL,
  quantity BIGINT NOT NULL,
  amount BIGINT NOT NULL,
  period VARCHAR(10) NOT NULL,
  paid_on CHAR(10) NOT NULL,
  year BIGINT NOT NULL,
  invoice_no VARCHAR(64) NOT NULL,
  contract_no VARCHAR(64) NOT NULL,
  loan_contract_no VARCHAR(64) NOT NULL,
  status VARCHAR(32) NOT NULL,
  maker VARCHAR(64) NOT NULL,
  imported TINYINT NOT NULL,
  PRIMARY KEY (log_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
---
CREATE INDEX payments_project ON payments (log_id, project_id, id)
---
CREATE INDEX payments_fund ON payments (log_id, fund_id, id)
---
CREATE INDEX payments_recipient ON payments (log_id, item_code, payee_kind, payee_id, period)
---
CREATE INDEX payments_household ON payments (log_id, household_id, year)
---
CREATE INDEX payments_status ON payments (log_id, status, id)
---
CREATE INDEX payments_voucher ON payments (log_id, voucher_no)
---
CREATE TABLE balances (
  log_id BIGINT NOT NULL,
  account VARCHAR(128) NOT NULL,
  amount BIGINT NOT NULL,
  PRIMARY KEY (log_id, account)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
---
CREATE TABLE flows (
  log_id BIGINT NOT NULL,
  fund_id BIGINT NOT NULL,
  project_id BIGINT NOT NULL,
  kind VARCHAR(32) NOT NULL,
  amount BIGINT NOT NULL,
  PRIMARY KEY (log_id, fund_id, project_id, kind)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
---
CREATE INDEX flows_project ON flows (log_id, project_id)
---
CREATE TABLE household_years (
  log_id BIGINT NOT NULL,
  household_id BIGINT NOT NULL,
  year BIGINT NOT NULL,
  item_code VARCHAR(32) NOT NULL,
  amount BIGINT NOT NULL,
  cnt BIGINT NOT NULL,
  PRIMARY KEY (log_id, household_id, year, item_code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
---
CREATE TABLE person_keys (
  log_id BIGINT NOT NULL,
  person_id BIGINT NOT NULL,
  wrapped_key BLOB NOT NULL,
  PRIMARY KEY (log_id, person_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
---
CREATE TABLE person_data (
  log_id BIGINT NOT NULL,
  person_id BIGINT NOT NULL,
  nonce BLOB NOT NULL,
  ciphertext BLOB NOT NULL,
  PRIMARY KEY (log_id, person_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
---
CREATE TABLE blind_index (
  log_id BIGINT NOT NULL,
  kind VARCHAR(32) NOT NULL,
  hash VARCHAR(64) NOT NULL,
  person_id BIGINT NOT NULL,
  PRIMARY KEY (log_id, kind, hash, person_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
---
CREATE INDEX blind_index_person ON blind_index (log_id, person_id)
---
CREATE TABLE unmasked_reads (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  log_id BIGINT NOT NULL,
  user_id VARCHAR(64) NOT NULL,
  person_id BIGINT NOT NULL,
  at CHAR(20) NOT NULL,
  purpose VARCHAR(200) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
---
CREATE INDEX unmasked_reads_person ON unmasked_reads (log_id, person_id)
