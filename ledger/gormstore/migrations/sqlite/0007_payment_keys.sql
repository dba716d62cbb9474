-- Lookups of the incremental scan: every payment sharing a payee, an
-- account, an invoice or an item and period with one that changed.
CREATE INDEX payments_payee ON payments (log_id, payee_kind, payee_id)
---
CREATE INDEX payments_account ON payments (log_id, account_index)
---
CREATE INDEX payments_invoice ON payments (log_id, invoice_no)
---
CREATE INDEX payments_item_period ON payments (log_id, item_code, period)
