-- Projections of the log (rebuildable from the entries) and the personal-data
-- tables beside it. Statements are separated by lines of three dashes.
-- Tables read through secondary indexes are rowid tables: without
-- statistics, SQLite's planner prefers a primary-key range scan of a
-- WITHOUT ROWID table over a secondary index that does not cover the query.
CREATE TABLE objects (
  log_id INTEGER NOT NULL,
  kind TEXT NOT NULL,
  id INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (log_id, kind, id)
) WITHOUT ROWID
---
CREATE TABLE object_keys (
  log_id INTEGER NOT NULL,
  kind TEXT NOT NULL,
  okey TEXT NOT NULL,
  id INTEGER NOT NULL,
  PRIMARY KEY (log_id, kind, okey)
) WITHOUT ROWID
---
CREATE TABLE payments (
  log_id INTEGER NOT NULL,
  id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  voucher_no TEXT NOT NULL,
  project_id INTEGER NOT NULL,
  fund_id INTEGER NOT NULL,
  item_code TEXT NOT NULL,
  kind TEXT NOT NULL,
  payee_kind TEXT NOT NULL,
  payee_id INTEGER NOT NULL,
  household_id INTEGER NOT NULL,
  account_holder INTEGER NOT NULL,
  account_index TEXT NOT NULL,
  quantity INTEGER NOT NULL,
  amount INTEGER NOT NULL,
  period TEXT NOT NULL,
  paid_on TEXT NOT NULL,
  year INTEGER NOT NULL,
  invoice_no TEXT NOT NULL,
  contract_no TEXT NOT NULL,
  loan_contract_no TEXT NOT NULL,
  status TEXT NOT NULL,
  maker TEXT NOT NULL,
  imported INTEGER NOT NULL,
  PRIMARY KEY (log_id, id)
)
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
  log_id INTEGER NOT NULL,
  account TEXT NOT NULL,
  amount INTEGER NOT NULL,
  PRIMARY KEY (log_id, account)
) WITHOUT ROWID
---
CREATE TABLE flows (
  log_id INTEGER NOT NULL,
  fund_id INTEGER NOT NULL,
  project_id INTEGER NOT NULL,
  kind TEXT NOT NULL,
  amount INTEGER NOT NULL,
  PRIMARY KEY (log_id, fund_id, project_id, kind)
)
---
CREATE INDEX flows_project ON flows (log_id, project_id)
---
CREATE TABLE household_years (
  log_id INTEGER NOT NULL,
  household_id INTEGER NOT NULL,
  year INTEGER NOT NULL,
  item_code TEXT NOT NULL,
  amount INTEGER NOT NULL,
  cnt INTEGER NOT NULL,
  PRIMARY KEY (log_id, household_id, year, item_code)
) WITHOUT ROWID
---
CREATE TABLE person_keys (
  log_id INTEGER NOT NULL,
  person_id INTEGER NOT NULL,
  wrapped_key BLOB NOT NULL,
  PRIMARY KEY (log_id, person_id)
) WITHOUT ROWID
---
CREATE TABLE person_data (
  log_id INTEGER NOT NULL,
  person_id INTEGER NOT NULL,
  nonce BLOB NOT NULL,
  ciphertext BLOB NOT NULL,
  PRIMARY KEY (log_id, person_id)
) WITHOUT ROWID
---
CREATE TABLE blind_index (
  log_id INTEGER NOT NULL,
  kind TEXT NOT NULL,
  hash TEXT NOT NULL,
  person_id INTEGER NOT NULL,
  PRIMARY KEY (log_id, kind, hash, person_id)
)
---
CREATE INDEX blind_index_person ON blind_index (log_id, person_id)
---
CREATE TABLE unmasked_reads (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  log_id INTEGER NOT NULL,
  user_id TEXT NOT NULL,
  person_id INTEGER NOT NULL,
  at TEXT NOT NULL,
  purpose TEXT NOT NULL
)
---
CREATE INDEX unmasked_reads_person ON unmasked_reads (log_id, person_id)
