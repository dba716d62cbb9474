-- The app user's grants, after the migration (deploy/ and README: MySQL).
-- The log tables and stored notices: SELECT and INSERT only (no UPDATE, DELETE, DROP, ALTER, TRUNCATE).
GRANT SELECT, INSERT ON sunshine.entries TO 'sunshine'@'%';
GRANT SELECT, INSERT ON sunshine.tree_hashes TO 'sunshine'@'%';
GRANT SELECT, INSERT ON sunshine.checkpoints TO 'sunshine'@'%';
GRANT SELECT, INSERT ON sunshine.blobs TO 'sunshine'@'%';
-- Alarms about a log the service stopped writing: the app raises them and cannot take them back.
GRANT SELECT, INSERT ON sunshine.log_alarms TO 'sunshine'@'%';
-- Witnesses' cosignatures of the checkpoints: kept as they came, never changed.
GRANT SELECT, INSERT ON sunshine.cosignatures TO 'sunshine'@'%';
-- Projections, personal data, accounts, jobs: ordinary DML.
GRANT SELECT, INSERT, UPDATE, DELETE ON sunshine.logs TO 'sunshine'@'%';
GRANT SELECT, INSERT, UPDATE, DELETE ON sunshine.log_heads TO 'sunshine'@'%';
GRANT SELECT, INSERT, UPDATE, DELETE ON sunshine.idempotency_keys TO 'sunshine'@'%';
GRANT SELECT, INSERT, UPDATE, DELETE ON sunshine.objects TO 'sunshine'@'%';
GRANT SELECT, INSERT, UPDATE, DELETE ON sunshine.object_keys TO 'sunshine'@'%';
GRANT SELECT, INSERT, UPDATE, DELETE ON sunshine.payments TO 'sunshine'@'%';
GRANT SELECT, INSERT, UPDATE, DELETE ON sunshine.balances TO 'sunshine'@'%';
GRANT SELECT, INSERT, UPDATE, DELETE ON sunshine.flows TO 'sunshine'@'%';
GRANT SELECT, INSERT, UPDATE, DELETE ON sunshine.household_years TO 'sunshine'@'%';
GRANT SELECT, INSERT, UPDATE, DELETE ON sunshine.person_keys TO 'sunshine'@'%';
GRANT SELECT, INSERT, UPDATE, DELETE ON sunshine.person_data TO 'sunshine'@'%';
GRANT SELECT, INSERT, UPDATE, DELETE ON sunshine.blind_index TO 'sunshine'@'%';
GRANT SELECT, INSERT, UPDATE, DELETE ON sunshine.unmasked_reads TO 'sunshine'@'%';
GRANT SELECT, INSERT, UPDATE, DELETE ON sunshine.users TO 'sunshine'@'%';
GRANT SELECT, INSERT, UPDATE, DELETE ON sunshine.sessions TO 'sunshine'@'%';
GRANT SELECT, INSERT, UPDATE, DELETE ON sunshine.job_leases TO 'sunshine'@'%';
GRANT SELECT, INSERT, UPDATE, DELETE ON sunshine.job_runs TO 'sunshine'@'%';
GRANT SELECT ON sunshine.schema_migrations TO 'sunshine'@'%';
-- Login gates (issue 18): counted guesses per account and address, hashed keys.
GRANT SELECT, INSERT, UPDATE, DELETE ON sunshine.login_gates TO 'sunshine'@'%';
-- Notifications sent to group bots and by e-mail (issue 19): which event reached which target.
GRANT SELECT, INSERT, UPDATE, DELETE ON sunshine.notifications TO 'sunshine'@'%';
