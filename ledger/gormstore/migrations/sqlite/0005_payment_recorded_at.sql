-- When each payment was recorded (its entry's recorded_at), for H5
-- (back-dated entries).
ALTER TABLE payments ADD COLUMN recorded_at TEXT NOT NULL DEFAULT ''
