-- Issue 17: the person named as 收款人 of a household item's payment (the
-- payee is the household), so that rule B2 counts recipients, not account
-- holders. 0 for other payments and for payments recorded before.
ALTER TABLE payments ADD COLUMN recipient INTEGER NOT NULL DEFAULT 0;
