-- When each payment was recorded (its entry's recorded_at), for H5
-- (back-dated entries).
ALTER TABLE payments ADD COLUMN recorded_at CHAR(20) NOT NULL DEFAULT ''
